"""What a page would run: script elements, event-handler attributes, script URLs (stdlib ``html.parser``).

The XSS pack calls :func:`active_content` on every page and expects an empty list: the app's own
pages load scripts only from ``/static/`` (the CSP forbids inline ones), never use ``on*``
attributes, and link only to http(s), relative or ``data:image`` / ``data:application/zip`` URLs.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["active_content"]

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcdoc"}
_FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
_SAFE_DATA = re.compile(r"^data:(image/(png|svg\+xml)|application/zip)[;,]", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def _scheme(url: str) -> str | None:
    # browsers drop ASCII whitespace and control characters before reading the scheme
    cleaned = re.sub(r"[\x00-\x20]", "", url)
    found = _SCHEME.match(cleaned)
    return found.group(1).lower() if found else None


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRIBUTES and value:
                scheme = _scheme(value)
                if scheme not in (None, "http", "https", "mailto") and not (scheme == "data" and _SAFE_DATA.match(value)):
                    self.found.append(f"<{tag} {name}={value[:60]!r}>")
        if tag in _FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        if tag == "script":
            self._in_script = True
            if not values.get("src", "").startswith("/static/"):
                self.found.append(f"<script src={values.get('src')!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline script {data[:60]!r}")


def active_content(html: str) -> list[str]:
    """Every script, handler, script URL or embedding element in ``html`` the app did not put there itself."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.found
