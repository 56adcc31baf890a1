"""Submissions per second through the JSON API under gunicorn, against a bare one-row insert.

For each database (SQLite file, PostgreSQL schema): start gunicorn with the real app, post N
seeded satisfaction-questionnaire responses (unique UUIDs, ~65 answers each) from C concurrent
keep-alive clients, then do the same against ``web_bare_app`` (Flask endpoint inserting one row
with the same engine), and print throughput, p50/p99 latency and the ratio.

    .venv/bin/python benchmarks/bench_web_api.py --clients 50 --requests 3000
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from survey_engine.instruments import load  # noqa: E402
from survey_engine.store import make_engine, normalise_url, upgrade  # noqa: E402
from survey_engine.store.accounts import create_device  # noqa: E402
from survey_engine.store.catalog import create_campaign, store_version  # noqa: E402
from survey_engine.store.engine import make_sessionmaker  # noqa: E402
from web_answers import valid_answers  # noqa: E402
from web_bare_app import metadata as bare_metadata  # noqa: E402

QUESTIONNAIRE = REPO / "questionnaires" / "ip_service_satisfaction.json"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare(url: str) -> str:
    """Migrate, store the questionnaire and a campaign, register a device; returns its token."""
    engine = make_engine(url)
    upgrade(engine)
    bare_metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        version, _ = store_version(session, json.loads(QUESTIONNAIRE.read_text(encoding="utf-8")))
        create_campaign(session, slug="bench", name="bench", version=version, modes=["online"])
        _, token = create_device(session, "bench")
        session.commit()
    engine.dispose()
    return token


def _start(app_spec: str, env: dict[str, str], workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads",
         str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--pythonpath", str(HERE), app_spec],
        cwd=REPO, env={**os.environ, **env})
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not start: {app_spec}")


def _load(port: int, path: str, bodies: list[bytes], clients: int, token: str) -> dict[str, float]:
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    chunks = [bodies[i::clients] for i in range(clients)]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def client(chunk: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        for body in chunk:
            start = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            reply = connection.getresponse()
            reply.read()
            mine.append(time.perf_counter() - start)
            bad += reply.status not in (200, 201)
        connection.close()
        with lock:
            latencies.extend(mine)
            failures.append(bad)

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    quantiles = statistics.quantiles(latencies, n=100)
    return {"n": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
            "p50": quantiles[49] * 1000, "p99": quantiles[98] * 1000, "errors": sum(failures)}


def _bodies(n: int, seed: int) -> list[bytes]:
    questionnaire = load(QUESTIONNAIRE)
    rng = random.Random(seed)
    pool = [valid_answers(questionnaire, rng) for _ in range(50)]
    return [json.dumps({"uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "campaign": "bench",
                        "mode": "online", "language": "zh", "answers": pool[i % len(pool)],
                        "paradata": {"start_time": "2026-11-23T10:00:00+08:00"}}).encode() for i in range(n)]


def _databases(which: str, tmp: Path, pg_base: str) -> list[tuple[str, str, str | None]]:
    chosen = []
    if which in ("sqlite", "both"):
        chosen.append(("SQLite", f"sqlite:///{tmp / 'bench.db'}", None))
    if which in ("postgresql", "both"):
        schema = f"se_bench_{uuid.uuid4().hex[:10]}"
        url = str(make_url(normalise_url(pg_base)).update_query_dict({"options": f"-csearch_path={schema}"})
                  .render_as_string(hide_password=False))
        chosen.append(("PostgreSQL", url, schema))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("SURVEY_ENGINE_TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name, url, schema in _databases(args.database, tmp, args.postgres_url):
            admin = make_engine(args.postgres_url) if schema else None
            if admin is not None:
                with admin.begin() as connection:
                    connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                token = _prepare(url)
                env = {"SURVEY_ENGINE_DATABASE_URL": url, "SURVEY_ENGINE_INSTANCE_PATH": str(tmp),
                       "SURVEY_ENGINE_SECRET_KEY": "bench", "SURVEY_ENGINE_RATELIMIT_ENABLED": "false",
                       "BENCH_BARE_DATABASE_URL": url}
                for target, spec, path in (("JSON API (check + idempotent store)", "survey_engine.web:create_app()",
                                            "/api/v1/responses"),
                                           ("bare Flask insert of one row", "web_bare_app:create_bare_app()", "/bare")):
                    process, port = _start(spec, env, args.workers, args.threads)
                    try:
                        _load(port, path, _bodies(200, args.seed + 1), args.clients, token)  # warm-up
                        result = _load(port, path, _bodies(args.requests, args.seed), args.clients, token)
                    finally:
                        process.terminate()
                        process.wait(timeout=30)
                    rows.append((name, target, result))
                    print(f"{name:<11} {target:<38} {result['n']:>6} req {result['rps']:>8.1f}/s "
                          f"p50 {result['p50']:>7.1f} ms  p99 {result['p99']:>7.1f} ms  errors {result['errors']}",
                          flush=True)
            finally:
                if admin is not None:
                    with admin.begin() as connection:
                        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                    admin.dispose()
    print()
    print("| database | endpoint | requests | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, target, r in rows:
        print(f"| {name} | {target} | {r['n']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |")
    for name in dict.fromkeys(name for name, _, _ in rows):
        api, bare = [r for n, _, r in rows if n == name]
        print(f"{name}: API / bare throughput = {api['rps'] / bare['rps']:.2f}")


if __name__ == "__main__":
    main()
