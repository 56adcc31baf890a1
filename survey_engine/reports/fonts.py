"""The CJK font every chart and PDF needs: found through matplotlib's font manager, never guessed.

Without one, Chinese text turns into empty boxes (tofu) silently; failing early with the
package to install is better than a report nobody can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from survey_engine.reports.codes import ReportError, ReportErrorCode

__all__ = ["CJKFont", "cjk_font", "PREFERRED_FAMILIES"]

#: Families tried in order; Simplified Chinese first (fonts-noto-cjk on Debian ships them all).
PREFERRED_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Serif CJK SC")


@dataclass(frozen=True, slots=True)
class CJKFont:
    family: str
    path: str


@lru_cache(maxsize=1)
def cjk_font() -> CJKFont:
    """The first installed preferred CJK family (regular weight when there is a choice)."""
    from matplotlib import font_manager

    installed = font_manager.fontManager.ttflist
    for family in PREFERRED_FAMILIES:
        entries = [f for f in installed if f.name == family]
        if entries:
            regular = sorted(entries, key=lambda f: (f.weight != 400 and f.weight != "normal", f.fname))[0]
            return CJKFont(family, regular.fname)
    raise ReportError("no CJK font found by matplotlib (looked for "
                      f"{', '.join(PREFERRED_FAMILIES)}); install it with `apt-get install fonts-noto-cjk` "
                      "and delete matplotlib's font cache (~/.cache/matplotlib) if it was installed just now",
                      ReportErrorCode.NO_CJK_FONT)
