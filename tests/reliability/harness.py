"""Tools of the fault tests: real HTTP clients, a loopback proxy that loses replies or cuts
streams, the app served in a thread or in a process that can be killed, and the checks that
count what the database holds.

Faults are injected from the test side (proxy, SIGKILL, patched functions in the test's own
process); the production code has no fault hooks.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select as sql_select, text

from survey_engine.store.models import Response
from survey_engine.store.responses import fingerprint

REPO = Path(__file__).resolve().parents[2]
#: Answers the window-rating questionnaire accepts (a good rating: no follow-up questions).
GOOD = {"service_handled": "patent_application", "overall": 4, "efficiency": 5, "service_level": 4,
        "staff_attitude": "4"}
CONTENT_KEYS = ("campaign", "site", "mode", "language", "status", "answers", "paradata")


def submission(client_uuid: str, seq: int = 0, rng: random.Random | None = None) -> dict[str, Any]:
    """A valid API body; ``seq`` and ``rng`` make the content (and so its fingerprint) differ per interview."""
    rng = rng or random.Random(seq)
    answers = {**GOOD, "overall": rng.choice([3, 4, 5]), "efficiency": rng.choice([3, 4, 5]),
               "service_level": rng.choice([3, 4, 5])}
    return {"uuid": client_uuid, "campaign": "win", "site": rng.choice(["w1", "w2"]), "mode": "online",
            "language": rng.choice(["zh", "en"]), "answers": answers,
            "paradata": {"start_time": "2026-11-23T10:00:00+08:00", "seq": seq}}


def content_print(body: Mapping[str, Any]) -> str:
    """The fingerprint the server stores for this body (what 'identical content' means)."""
    return fingerprint({key: body.get(key) for key in CONTENT_KEYS})


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(base: str, method: str, path: str, *, body: bytes | None = None,
            headers: Mapping[str, str] | None = None, timeout: float = 30) -> Reply:
    """One request on a fresh connection (closed after the reply); connection errors propagate."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        reply = connection.getresponse()
        data = reply.read()  # IncompleteRead when fewer bytes than Content-Length arrive
        return Reply(reply.status, {k.lower(): v for k, v in reply.getheaders()}, data)
    finally:
        connection.close()


def post_response(base: str, token: str, body: Mapping[str, Any], timeout: float = 30) -> Reply:
    return request(base, "POST", "/api/v1/responses", body=json.dumps(body).encode(),
                   headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                   timeout=timeout)


def login_cookie(base: str, username: str, password: str) -> str:
    """The ``Cookie`` header value of a signed-in browser (CSRF is off in the test apps)."""
    reply = request(base, "POST", "/login", body=f"username={username}&password={password}".encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 302, reply.status
    jar = SimpleCookie()
    jar.load(reply.headers["set-cookie"])
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


@contextmanager
def served_in_thread(app: Any, wrap: Callable[[Any], Any] | None = None) -> Iterator[str]:
    """The app (optionally wrapped in WSGI middleware) on a threaded werkzeug server; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wrap(app.wsgi_app) if wrap else app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``python -m tests.reliability.serve``: a parent holding the port and a serving child that a
    test kills with SIGKILL; the parent forks a fresh child at once (see ``serve.py``)."""

    def __init__(self, database_url: str, instance: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.pidfile = instance.parent / f"server-{self.port}.pid"
        self.log = instance.parent / f"server-{self.port}.log"
        self.env = {**os.environ, "SURVEY_ENGINE_DATABASE_URL": database_url,
                    "SURVEY_ENGINE_INSTANCE_PATH": str(instance), "SURVEY_ENGINE_SECRET_KEY": "reliability",
                    "SURVEY_ENGINE_RATELIMIT_ENABLED": "false", "SURVEY_ENGINE_WTF_CSRF_ENABLED": "false",
                    "PYTHONPATH": str(REPO)}
        self.process: subprocess.Popen | None = None
        self.kills = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def child_pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text())
        except (OSError, ValueError):
            return None

    def _wait_for_child(self, other_than: int | None, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.child_pid()
            if pid is not None and pid != other_than:
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            time.sleep(0.02)
        raise RuntimeError("server did not start")

    def start(self, timeout: float = 180) -> None:
        self.pidfile.unlink(missing_ok=True)
        with open(self.log, "ab") as log:  # tracebacks and request lines, for a failing test's diagnosis
            self.process = subprocess.Popen([sys.executable, "-m", "tests.reliability.serve", str(self.port),
                                             str(self.pidfile)], cwd=REPO, env=self.env, stdout=log, stderr=log,
                                            start_new_session=True)
        self._wait_for_child(None, timeout)

    def kill(self, wait_for_next: bool = True) -> None:
        """SIGKILL the serving process: no cleanup, open transactions die with it."""
        pid = self.child_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        self.kills += 1
        if wait_for_next:
            self._wait_for_child(pid, 60)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.child_pid()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class Proxy:
    """A loopback TCP proxy: forwards each connection to ``target_port``; on request it loses the
    reply after the server sent all of it (``drop_rate``), cuts it after ``cut_after`` bytes, or
    plays an outage (every connection closed and new ones refused).

    The client sends ``Connection: close``, so "the server sent all of it" is the server closing.
    """

    def __init__(self, target_port: int, *, drop_rate: float = 0.0, cut_after: int | None = None,
                 seed: int = 0) -> None:
        self.target_port = target_port
        self.drop_rate = drop_rate
        self.cut_after = cut_after
        self.dropped = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._down = threading.Event()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.1)
            if not ready:
                continue
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return
            if self._down.is_set():
                downstream.close()
                continue
            with self._lock:
                drop = self._rng.random() < self.drop_rate
            threading.Thread(target=self._pipe, args=(downstream, drop), daemon=True).start()

    def _pipe(self, downstream: socket.socket, drop: bool) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=120)
        except OSError:
            downstream.close()
            return
        with self._lock:
            self._open.update((downstream, upstream))
        sent_back = 0
        try:
            peers = {downstream: upstream, upstream: downstream}
            while True:
                ready, _, _ = select.select(list(peers), [], [], 120)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        if drop and sock is upstream:
                            with self._lock:
                                self.dropped += 1
                        return
                    if sock is upstream:
                        if drop:
                            continue  # swallow the reply; the client sees the connection close
                        if self.cut_after is not None and sent_back + len(data) > self.cut_after:
                            downstream.sendall(data[:self.cut_after - sent_back])
                            return
                        sent_back += len(data)
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            with self._lock:
                self._open.discard(downstream)
                self._open.discard(upstream)
            for sock in (downstream, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    @contextmanager
    def outage(self) -> Iterator[None]:
        """Every open connection is closed at once and new ones are refused until the block ends."""
        self._down.set()
        with self._lock:
            victims = list(self._open)
        for sock in victims:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            yield
        finally:
            self._down.clear()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()


def duplicated_uuids(engine: Engine) -> dict[str, int]:
    """Client UUIDs stored more than once, with their row counts (empty when exactly-once held)."""
    with engine.connect() as connection:
        rows = connection.execute(sql_select(Response.client_uuid, func.count()).group_by(Response.client_uuid)
                                  .having(func.count() > 1)).all()
    return {uuid: count for uuid, count in rows}


def stored_prints(engine: Engine) -> dict[str, str]:
    """client UUID → stored fingerprint, for every response row."""
    with engine.connect() as connection:
        return dict(connection.execute(sql_select(Response.client_uuid, Response.fingerprint)).all())


def sqlite_integrity(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.execute(text("PRAGMA integrity_check")).scalar()


@dataclass
class Tally:
    """Thread-safe counters of what clients saw."""

    statuses: dict[int, int] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, reply: Reply) -> None:
        with self.lock:
            self.statuses[reply.status] = self.statuses.get(reply.status, 0) + 1
            if reply.status >= 500 and not (reply.status == 503 and "retry-after" in reply.headers):
                self.bad.append(f"{reply.status}: {reply.body[:200]!r}")
