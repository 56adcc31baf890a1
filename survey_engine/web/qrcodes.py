"""QR codes as PNG and SVG from the ``qrcode`` package's module matrix.

PNG is written directly (8-bit greyscale, zlib) so no imaging library is needed.
"""

from __future__ import annotations

import base64
import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable

import qrcode
import qrcode.image.svg

__all__ = ["qr_png", "qr_svg", "qr_svg_data_uri", "data_uri", "qr_bundle"]


def _matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def qr_png(data: str, *, scale: int = 10) -> bytes:
    """A PNG QR code of ``data`` with ``scale`` pixels per module (quiet zone of 4 modules)."""
    rows = []
    for row in _matrix(data):
        line = b"".join((b"\x00" if dark else b"\xff") * scale for dark in row)
        rows.extend([b"\x00" + line] * scale)  # filter type 0 per scanline
    side = len(rows)
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


def qr_svg(data: str) -> str:
    """An SVG QR code of ``data`` (one path; scales to any print size)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    return image.to_string(encoding="unicode")


def qr_svg_data_uri(data: str) -> str:
    """For ``<img src=...>`` under the Content-Security-Policy (``img-src 'self' data:``)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(data).encode("utf-8")).decode("ascii")


def data_uri(payload: bytes, mimetype: str) -> str:
    """A ``data:`` URI; used for downloads of codes whose tokens exist only on the current page."""
    return f"data:{mimetype};base64," + base64.b64encode(payload).decode("ascii")


def qr_bundle(codes: Iterable[tuple[str, str]]) -> bytes:
    """A ZIP of ``<name>.png`` and ``<name>.svg`` for each ``(name, link)``, with ``links.csv``
    (name, link) for mail merge by a printing agency."""
    buffer, table = io.BytesIO(), io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["file", "link"])
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, link in codes:
            bundle.writestr(f"{name}.png", qr_png(link))
            bundle.writestr(f"{name}.svg", qr_svg(link))
            writer.writerow([name, link])
        bundle.writestr("links.csv", "\ufeff" + table.getvalue())  # BOM: Excel reads the CSV as UTF-8
    return buffer.getvalue()
