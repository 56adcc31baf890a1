"""Fault test 1: identical submissions released together store exactly one row.

200 rounds; in each, 2–8 threads wait at a barrier and post the same body with the same client
UUID over real HTTP to a threaded server.  The proof that the check can see the bug: with the
UNIQUE constraint on ``responses.client_uuid`` removed and only an application check left,
the same race stores duplicates and the detector reports them.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import inspect, select, text

from survey_engine.store import make_engine
from survey_engine.store.engine import make_sessionmaker, write_session
from survey_engine.store.models import Response, Role
from survey_engine.store.responses import SubmitOutcome
from survey_engine.instruments import load
from tests.reliability.harness import (
    REPO, Reply, Tally, duplicated_uuids, login_cookie, post_response, request, served_in_thread, submission,
)
from tests.web.helpers import PASSWORD, device_token, make_user, window_campaign

WINDOW_RATING = load(REPO / "questionnaires" / "window_rating.json").content_hash

ROUNDS = 200


@dataclass(frozen=True, slots=True)
class RaceResult:
    duplicates: dict[str, int]
    missing: int
    tally: Tally


def race(send: Callable[[dict], Reply], engine, rounds: int = ROUNDS, seed: int = 10,
         build: Callable[[str, int, random.Random], dict] = submission) -> RaceResult:
    """Run the rounds; say which UUIDs were stored twice or more and which not at all."""
    rng = random.Random(seed)
    tally = Tally()
    uuids = []
    for round_no in range(rounds):
        body = build(str(uuid.UUID(int=rng.getrandbits(128), version=4)), round_no, rng)
        uuids.append(body["uuid"])
        copies = rng.randint(2, 8)
        barrier = threading.Barrier(copies)

        def send_together() -> None:
            barrier.wait()
            tally.saw(send(body))

        threads = [threading.Thread(target=send_together) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with engine.connect() as connection:
        stored = set(connection.scalars(select(Response.client_uuid)))
    return RaceResult(duplicated_uuids(engine), len(set(uuids) - stored), tally)


def test_identical_submissions_released_together_store_one_row_per_round(app, db):
    """200 rounds of 2–8 simultaneous identical posts: one row per round, only 200/201, never a 5xx."""
    window_campaign(db)
    token = device_token(db)
    with served_in_thread(app) as base:
        result = race(lambda body: post_response(base, token, body), app.extensions["survey_engine.db"].engine)
    assert result.duplicates == {}
    assert result.missing == 0
    assert set(result.tally.statuses) <= {200, 201}, result.tally.statuses
    assert result.tally.statuses[201] == ROUNDS


def _field_interview(client_uuid: str, seq: int, rng: random.Random) -> dict:
    """An interview as the interviewer app syncs it (``/field/api/interviews``)."""
    base = submission(client_uuid, seq, rng)
    now = "2026-11-23T10:30:00+00:00"
    return {**base, "mode": "intercept", "questionnaire_version": WINDOW_RATING, "device_time": now,
            "paradata": {"started_at": "2026-11-23T10:00:00+00:00", "finished_at": now, "pages": [], "seq": seq}}


FIELD_ROUNDS = 100


def test_identical_interviewer_syncs_released_together_store_one_row_per_round(app, db):
    """The interviewer app's sync endpoint under the same race (100 rounds, session cookie): one row per round."""
    window_campaign(db)
    make_user(db, Role.INTERVIEWER, "li")
    with served_in_thread(app) as base:
        cookie = login_cookie(base, "li", PASSWORD)

        def sync(body: dict) -> Reply:
            return request(base, "POST", "/field/api/interviews", body=json.dumps(body).encode(),
                           headers={"Cookie": cookie, "Content-Type": "application/json"})

        result = race(sync, app.extensions["survey_engine.db"].engine, rounds=FIELD_ROUNDS, build=_field_interview)
    assert result.duplicates == {}
    assert result.missing == 0
    assert set(result.tally.statuses) <= {200, 201}, result.tally.statuses
    assert result.tally.statuses[201] == FIELD_ROUNDS


def _drop_client_uuid_unique(engine) -> None:
    """Rebuild ``responses`` without its UNIQUE(client_uuid) (SQLite) or drop the constraint (PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        raw = sqlite3.connect(engine.url.database, isolation_level=None)
        try:
            sql = raw.execute("SELECT sql FROM sqlite_master WHERE name='responses'").fetchone()[0]
            head, rest = sql.split("(", 1)
            plain = "CREATE TABLE responses_plain (" + rest.replace("UNIQUE (client_uuid)", "CHECK (1)")
            assert "UNIQUE (client_uuid)" in rest and head.strip().startswith("CREATE TABLE")
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.executescript(f"BEGIN; {plain}; DROP TABLE responses; "
                              "ALTER TABLE responses_plain RENAME TO responses; COMMIT;")
        finally:
            raw.close()
        return
    names = [c["name"] for c in inspect(engine).get_unique_constraints("responses")
             if c["column_names"] == ["client_uuid"]]
    assert names
    with engine.begin() as connection:
        for name in names:
            connection.execute(text(f'ALTER TABLE responses DROP CONSTRAINT "{name}"'))


def _application_check_only(factory, sub):
    """The weak design the contract forbids: look the UUID up, then insert (no database constraint).

    The look-up and the insert are separate transactions, as in a request that reads first and
    writes later."""
    with factory() as session:
        stored = session.scalar(select(Response).where(Response.client_uuid == sub.client_uuid).limit(1))
    if stored is not None:
        return SubmitOutcome.EXISTING, stored
    time.sleep(0.005)  # the work a real request does between its check and its insert
    response = Response(client_uuid=sub.client_uuid, fingerprint=sub.fingerprint, campaign_id=sub.campaign_id,
                        version_id=sub.version_id, mode=sub.mode, language=sub.language, status=sub.status,
                        answers=dict(sub.answers), paradata=dict(sub.paradata), site_id=sub.site_id,
                        interviewer_id=sub.interviewer_id, device_id=sub.device_id)
    with write_session(factory) as session:
        session.add(response)
    return SubmitOutcome.CREATED, response


def test_the_race_detector_sees_duplicates_when_the_unique_constraint_is_gone(scratch_url, tmp_path, monkeypatch):
    """Without the UNIQUE constraint (an application check only) the same race stores duplicates,
    and the detector of the test above reports them: the test can fail."""
    from survey_engine.web import create_app

    engine = make_engine(scratch_url)
    _drop_client_uuid_unique(engine)
    with make_sessionmaker(engine)() as session:
        window_campaign(session)
        token = device_token(session, Role.INTERVIEWER)
    monkeypatch.setattr("survey_engine.web.api.submit_response", _application_check_only)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": scratch_url,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False})
    try:
        with served_in_thread(app) as base:
            result = race(lambda body: post_response(base, token, body), engine, rounds=40)
    finally:
        app.extensions["survey_engine.db"].engine.dispose()
        engine.dispose()
    assert result.duplicates, "the detector must report the duplicate rows"
    assert all(count >= 2 for count in result.duplicates.values())
