"""Upload bombs and hostile files: questionnaire and unit-file uploads answer 400/413 with a message,
never 5xx, within bounded time and memory; stored documents come back only as JSON, never as HTML/SVG."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

import pytest

from tests.security.world import build_world, questionnaire_with, sign_in

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                             for i in range(1, 10))
                  + b']><lolz>&lol9;</lolz>')
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def _zip_bomb() -> bytes:
    """A small zip that inflates to 50 MB (zeros), as an .xlsx or .json would be sent."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    return buffer.getvalue()


def _nested(depth: int) -> bytes:
    return ('{"format": 1, "id": "deep", "title": {"zh": "x"}, "sections": ' + "[" * depth + "]" * depth + "}").encode()


HOSTILE = {
    "deeply nested arrays.json": _nested(100_000),
    "deeply nested objects.json": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "zip bomb.json": None,  # filled in lazily (50 MB of zeros compress to ~50 kB)
    "zip bomb.xlsx": None,
    "billion laughs.json": BILLION_LAUGHS,
    "billion laughs.xlsx": BILLION_LAUGHS,
    "image.svg": SVG,
    "not utf-8.json": b"\xff\xfe\x00\xd8" * 1000,
    "empty.json": b"",
    "a number.json": b"1e999999",
    "big array.json": b"[" + b"0," * 900_000 + b"0]",
}


def _upload(client, url: str, field: str, name: str, content: bytes):
    """A multipart upload encoded in memory (the test client spools big bodies to a file it never closes)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart(MultiDict({field: FileStorage(io.BytesIO(content), name)}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _content(name: str) -> bytes:
    return HOSTILE[name] if HOSTILE[name] is not None else _zip_bomb()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_questionnaire_uploads_are_refused_with_a_message(app, db, name):
    """Each hostile file: 400 with the problem listed, within seconds and 200 MB, nothing stored."""
    build_world(app, db)
    client = app.test_client()
    sign_in(client, "admin")
    content = _content(name)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        reply = _upload(client, "/admin/questionnaires", "document", name, content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reply.status_code == 400, reply.status_code
    assert time.perf_counter() - started < 20
    assert peak < 200 * 2**20, peak
    html = reply.get_data(as_text=True)
    assert "Traceback" not in html and ("problem" in html.lower() or "error" in html.lower() or "错误" in html)


@pytest.mark.parametrize("name", ["zip bomb.xlsx", "billion laughs.xlsx", "image.svg", "deeply nested arrays.json"])
def test_hostile_unit_files_are_refused_with_a_message(app, db, name):
    """The unit import reads CSV text only: archives, XML and SVG are a 400 naming the problem."""
    build_world(app, db)
    client = app.test_client()
    sign_in(client, "supervisor")
    reply = _upload(client, "/supervise/win/units/import", "units", name, _content(name))
    assert reply.status_code == 400
    assert "line" in reply.get_data(as_text=True)


def test_bodies_over_the_limit_are_413(app, db):
    """MAX_CONTENT_LENGTH is set (2 MB by default): a bigger upload is a 413 page, never read into memory."""
    assert app.config["MAX_CONTENT_LENGTH"] and app.config["MAX_CONTENT_LENGTH"] <= 10 * 2**20
    build_world(app, db)
    client = app.test_client()
    sign_in(client, "admin")
    huge = b'{"format": 1, "pad": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1) + b'"}'
    for url, field in (("/admin/questionnaires", "document"), ("/supervise/win/units/import", "units")):
        reply = _upload(client, url, field, "huge.json", huge)
        assert reply.status_code == 413, url
        assert "Traceback" not in reply.get_data(as_text=True)
    api = client.post("/api/v1/responses", data=huge, content_type="application/json",
                      headers={"Authorization": "Bearer nothing"})
    assert api.status_code in (401, 413)


def test_a_stored_questionnaire_is_served_only_as_json(app, db):
    """Markup inside a stored questionnaire comes back as application/json with nosniff, never as HTML or SVG."""
    world = build_world(app, db, "<svg onload=alert(1)><script>alert(2)</script>")
    client = app.test_client()
    sign_in(client, "admin")
    document = questionnaire_with(SVG.decode())
    document["version"] = "svg"
    assert _upload(client, "/admin/questionnaires", "document", "q.svg", json.dumps(document).encode()
                   ).status_code == 302
    reply = client.get(f"/api/v1/questionnaires/{world.version_hash}",
                       headers={"Authorization": f"Bearer {world.device_token}"})
    assert reply.mimetype == "application/json"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "<svg" in reply.get_json()["document"]["title"]["en"]  # the text itself, inert in JSON
