"""Fault test 3: crashes at chosen points inside a request, 20 trials each.

A crash is a ``SimulatedCrash`` (a ``BaseException``, so Flask's error handlers do not turn it
into a reply) raised by a patched function in this test's own process; a small WSGI wrapper
turns it into a dropped connection, so the client sees what it sees when the server dies: no
reply at all.  The production code has no fault hooks.

- after the INSERT, before the COMMIT: nothing is stored; the resend creates the row (201);
- after the COMMIT, before the reply: the resend gets the stored response (200), still one row;
- in the middle of an export: the client can tell the file is cut (``Content-Length`` is sent
  and the body is shorter), whether the server dies or a proxy cuts the stream.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import survey_engine.store.responses as store_responses
import survey_engine.web.api as web_api
from survey_engine.store.models import Role
from tests.reliability.harness import (
    Proxy, content_print, duplicated_uuids, login_cookie, post_response, request, served_in_thread, stored_prints,
    submission,
)
from tests.web.helpers import PASSWORD, device_token, make_user, window_campaign

TRIALS = 20


class SimulatedCrash(BaseException):
    """The process 'dies' here; not an Exception, so no error handler answers for it."""


class Switch:
    """Crash the next call only (thread-safe)."""

    def __init__(self) -> None:
        self._armed = False
        self._lock = threading.Lock()
        self.fired = 0

    def arm(self) -> None:
        with self._lock:
            self._armed = True

    def fire_if_armed(self) -> None:
        with self._lock:
            armed, self._armed = self._armed, False
            self.fired += armed
        if armed:
            raise SimulatedCrash


def dying_connection(app):
    """WSGI wrapper: a SimulatedCrash drops the connection without a reply, as a dead process would."""
    def wrapped(environ, start_response):
        try:
            return app(environ, start_response)
        except SimulatedCrash:
            raise ConnectionAbortedError("simulated crash") from None
    return wrapped


@pytest.fixture
def token(db):
    window_campaign(db)
    return device_token(db)


def _crash_then_resend(base: str, token: str, switch: Switch, expected_after_crash: int) -> list[dict]:
    rng = random.Random(3)
    sent = []
    for trial in range(TRIALS):
        body = submission(str(uuid.UUID(int=rng.getrandbits(128), version=4)), trial, rng)
        switch.arm()
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            post_response(base, token, body)
        first = post_response(base, token, body)
        assert first.status == expected_after_crash, first.body
        assert post_response(base, token, body).status == 200
        sent.append(body)
    assert switch.fired == TRIALS
    return sent


def _exactly_once(app, sent: list[dict]) -> None:
    engine = app.extensions["survey_engine.db"].engine
    stored = stored_prints(engine)
    assert duplicated_uuids(engine) == {}
    assert {body["uuid"]: content_print(body) for body in sent} == stored


def test_crash_after_insert_before_commit_stores_nothing_then_once(app, token, monkeypatch):
    """A crash between the INSERT and the COMMIT leaves no row; the resend stores it once (201)."""
    switch = Switch()

    def crashing(original):
        @contextmanager
        def opened(*args, **kwargs) -> Iterator:
            with original(*args, **kwargs) as handle:
                yield handle
                switch.fire_if_armed()  # inside the transaction: it is rolled back, as by a dead process
        return opened

    monkeypatch.setattr(store_responses, "sqlite_write_cursor", crashing(store_responses.sqlite_write_cursor))
    monkeypatch.setattr(store_responses, "write_connection", crashing(store_responses.write_connection))
    with served_in_thread(app, dying_connection) as base:
        sent = _crash_then_resend(base, token, switch, expected_after_crash=201)
    _exactly_once(app, sent)


def test_crash_after_commit_before_reply_keeps_one_row_and_answers_200(app, token, monkeypatch):
    """A crash after the COMMIT loses only the reply; the resend gets the stored response (200), one row."""
    switch = Switch()
    original = web_api.submit_response

    def committed_then_crash(*args, **kwargs):
        outcome = original(*args, **kwargs)
        switch.fire_if_armed()
        return outcome

    monkeypatch.setattr(web_api, "submit_response", committed_then_crash)
    with served_in_thread(app, dying_connection) as base:
        sent = _crash_then_resend(base, token, switch, expected_after_crash=200)
    _exactly_once(app, sent)


@pytest.fixture
def export_site(app, db, token):
    """The app served in a thread with 30 stored responses and a signed-in admin; yields (base, cookie)."""
    admin = make_user(db, Role.ADMIN)
    rng = random.Random(5)
    with served_in_thread(app, dying_stream) as base:
        for seq in range(30):
            assert post_response(base, token, submission(str(uuid.uuid4()), seq, rng)).status == 201
        yield base, login_cookie(base, admin, PASSWORD)


def dying_stream(app):
    """WSGI wrapper: a request with the test header ``X-Test-Die-After: n`` gets n bytes of its body, then
    the connection drops as if the process died (the header is read here, in the test, not by the app)."""
    def wrapped(environ, start_response):
        body = b"".join(app(environ, start_response))
        cut = environ.get("HTTP_X_TEST_DIE_AFTER")
        if cut is None:
            return [body]

        def chunks():
            yield body[:int(cut)]
            raise ConnectionAbortedError("simulated crash in the middle of the export")
        return chunks()
    return wrapped


FORMATS = ("csv", "xlsx", "sav", "dta")


def test_exports_announce_their_length(export_site):
    """Every export format is sent with a Content-Length equal to the body, so a client can check it."""
    base, cookie = export_site
    for fmt in FORMATS:
        reply = request(base, "GET", f"/admin/responses/export.{fmt}?campaign=win", headers={"Cookie": cookie})
        assert reply.status == 200, (fmt, reply.status)
        assert int(reply.headers["content-length"]) == len(reply.body) > 0


def test_a_server_dying_in_the_middle_of_an_export_is_detected(export_site):
    """20 exports cut by the server dying after a random number of bytes: each read fails, none looks complete."""
    base, cookie = export_site
    rng = random.Random(7)
    full = {fmt: request(base, "GET", f"/admin/responses/export.{fmt}?campaign=win", headers={"Cookie": cookie}).body
            for fmt in FORMATS}
    for trial in range(TRIALS):
        fmt = FORMATS[trial % len(FORMATS)]
        cut = rng.randrange(1, len(full[fmt]))
        with pytest.raises(http.client.IncompleteRead):
            request(base, "GET", f"/admin/responses/export.{fmt}?campaign=win",
                    headers={"Cookie": cookie, "X-Test-Die-After": str(cut)})


def test_a_stream_cut_by_the_network_is_detected(export_site):
    """20 CSV exports cut by a proxy after a random number of bytes: each read fails with IncompleteRead."""
    base, cookie = export_site
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(f"GET /admin/responses/export.csv?campaign=win HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n"
                    "Connection: close\r\n\r\n".encode())
        whole = b"".join(iter(lambda: raw.recv(65536), b""))
    head = whole.index(b"\r\n\r\n") + 4  # status line and headers; cut somewhere in the body after them
    rng = random.Random(11)
    for _ in range(TRIALS):
        proxy = Proxy(port, cut_after=head + rng.randrange(1, len(whole) - head))
        try:
            with pytest.raises(http.client.IncompleteRead):
                request(proxy.base, "GET", "/admin/responses/export.csv?campaign=win", headers={"Cookie": cookie})
        finally:
            proxy.close()
