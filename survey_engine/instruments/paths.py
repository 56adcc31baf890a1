"""JSON paths in the form authors read: ``sections[2].questions[5].relevance``."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["json_path"]


def json_path(parts: Iterable[str | int]) -> str:
    """Join path parts: integers become ``[i]``, names are dotted; the root is ``$``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"
