"""Fault test 6 (long tier, ``-m soak``): 20 submissions per second for 30 s with an export every 3 s.

The server runs as its own process (``tests.reliability.serve``).  Submissions are sent open-loop
(one every 50 ms, whatever the replies take) by a pool of client threads; a CSV export is
downloaded every 3 s.  Then, with the data frozen, three more exports must be byte-identical.
Database connections of the server (``pg_stat_activity`` by application name) and its memory
(RSS) are compared with their values after a warm-up.
"""

from __future__ import annotations

import hashlib
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from survey_engine.store import make_engine, normalise_url
from survey_engine.store.engine import make_sessionmaker
from survey_engine.store.models import Role
from tests.reliability.harness import (
    ServerProcess, duplicated_uuids, login_cookie, post_response, request, stored_prints, submission,
)
from tests.web.helpers import PASSWORD, make_user

RATE = 20
SECONDS = 30
EXPORT_EVERY = 3.0
POOL_SIZE = 5  # SQLAlchemy's default pool keeps this many connections; overflow ones are closed on return


def _server_connections(database_url: str, application: str) -> int | None:
    if make_url(normalise_url(database_url)).get_backend_name() != "postgresql":
        return None
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a"),
                                      {"a": application}).scalar()
    finally:
        engine.dispose()


def _with_application_name(database_url: str, application: str) -> str:
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "postgresql":
        return database_url
    return url.update_query_dict({"application_name": application}).render_as_string(hide_password=False)


def _export(base: str, cookie: str) -> tuple[int, str]:
    reply = request(base, "GET", "/admin/responses/export.csv?campaign=win", headers={"Cookie": cookie}, timeout=60)
    return reply.status, hashlib.sha256(reply.body).hexdigest()


@pytest.mark.soak
def test_soak_twenty_per_second_with_exports(database_url, seeded, tmp_path: Path):
    """30 s at 20 submissions/s with exports every 3 s: all succeed, frozen exports identical, p95 < 1 s on
    PostgreSQL, connections and memory back near their warm-up values."""
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        admin = make_user(session, Role.ADMIN)
    application = f"se_soak_{uuid.uuid4().hex[:8]}"
    server = ServerProcess(_with_application_name(database_url, application), tmp_path / "instance")
    server.start()
    token = seeded
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    exports: list[int] = []
    lock = threading.Lock()
    try:
        cookie = login_cookie(server.base, admin, PASSWORD)
        with ThreadPoolExecutor(16) as warm:  # warm-up: the pool, the caches, an export
            list(warm.map(lambda i: post_response(server.base, token, submission(str(uuid.uuid4()), i)),
                          range(32)))
        assert _export(server.base, cookie)[0] == 200
        time.sleep(2)
        base_connections = _server_connections(database_url, application)
        base_rss = server.rss_kib()

        def submit(seq: int) -> None:
            started = time.perf_counter()
            try:
                status = post_response(server.base, token, submission(str(uuid.uuid4()), seq), timeout=60).status
            except OSError:
                status = -1
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

        stop = threading.Event()

        def exporter() -> None:
            while not stop.wait(EXPORT_EVERY):
                status, _ = _export(server.base, cookie)
                with lock:
                    exports.append(status)

        export_thread = threading.Thread(target=exporter)
        export_thread.start()
        peak_connections = base_connections
        began = time.monotonic()
        with ThreadPoolExecutor(32) as clients:
            for seq in range(RATE * SECONDS):
                time.sleep(max(0.0, began + seq / RATE - time.monotonic()))
                clients.submit(submit, 1000 + seq)
                if seq % RATE == 0 and base_connections is not None:
                    peak_connections = max(peak_connections, _server_connections(database_url, application))
        elapsed = time.monotonic() - began
        stop.set()
        export_thread.join()
        frozen = {_export(server.base, cookie) for _ in range(3)}
        time.sleep(5)
        after_connections = _server_connections(database_url, application)
        after_rss = server.rss_kib()
    finally:
        server.stop()
    p95 = statistics.quantiles(latencies, n=100)[94]
    figures = {"database": engine.dialect.name, "submissions": len(latencies), "seconds": round(elapsed, 1),
               "statuses": statuses, "exports": len(exports), "export_statuses": sorted(set(exports)),
               "p50_ms": round(statistics.median(latencies) * 1000), "p95_ms": round(p95 * 1000),
               "max_ms": round(max(latencies) * 1000), "connections": (base_connections, peak_connections,
                                                                         after_connections),
               "rss_mib": (round(base_rss / 1024), round(after_rss / 1024))}
    print(f"\nsoak: {figures}")
    assert statuses == {201: RATE * SECONDS}
    assert exports and set(exports) <= {200, 503}
    assert len(frozen) == 1 and next(iter(frozen))[0] == 200
    assert duplicated_uuids(engine) == {} and len(stored_prints(engine)) == 32 + RATE * SECONDS
    engine.dispose()
    if engine.dialect.name == "postgresql":
        assert p95 < 1.0
        assert after_connections <= max(base_connections, POOL_SIZE)
    assert after_rss - base_rss < 100 * 1024  # MiB of growth a 30 s run may leave (allocator high-water mark)
    if 503 in exports:
        assert engine.dialect.name == "sqlite", exports
        pytest.xfail(f"known weakness (web/admin.py _export_data), {exports.count(503)} of {len(exports)} exports "
                     "answered 503 under load on SQLite: the export reads, then writes its audit entry in the same "
                     "deferred transaction, and SQLite refuses to upgrade a read snapshot that other writers "
                     "have passed ('database is locked' at once, busy timeout or not). Fix: write the audit entry "
                     "in its own write_session (BEGIN IMMEDIATE) before reading")
