"""Store: migrations equal the models, constraints hold, and a response is stored once per UUID."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from survey_engine.store.catalog import store_version
from survey_engine.store.migrate import current_revision, head_revision
from survey_engine.store.models import Base, QuestionnaireVersion, Response
from survey_engine.store.responses import Submission, SubmitOutcome, fingerprint, submit_response
from tests.web.helpers import REPO, window_campaign


def _factory(app):
    return app.extensions["survey_engine.db"].sessions


def test_migrations_produce_exactly_the_models(app):
    """Alembic finds no difference between the migrated database and the typed models."""
    engine = app.extensions["survey_engine.db"].engine
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_same_questionnaire_content_is_one_version(db):
    """Storing identical content twice keeps one version; changed content makes a second one."""
    document = json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))
    first, created = store_version(db, document)
    again, created_again = store_version(db, json.loads(json.dumps(document, indent=3)))
    assert created and not created_again and first.id == again.id
    document["version"] = "2026.2"
    changed, created_changed = store_version(db, document)
    assert created_changed and changed.content_hash != first.content_hash
    db.commit()
    assert db.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 2


def test_client_uuid_is_unique_in_the_database(db):
    """The database itself refuses a second row with the same client UUID."""
    campaign = window_campaign(db)
    key = str(uuid.uuid4())
    for _ in range(2):
        db.add(Response(client_uuid=key, fingerprint="f", version_id=campaign.version_id, campaign_id=campaign.id,
                        mode="online", language="zh", status="complete", answers={}))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def _submission(campaign, key: str, overall: int = 4) -> Submission:
    answers = {"overall": overall}
    return Submission(client_uuid=key, fingerprint=fingerprint({"answers": answers}), campaign_id=campaign.id,
                      version_id=campaign.version_id, mode="online", language="zh", status="complete",
                      answers=answers)


def test_submit_outcomes(app, db):
    """New UUID → created; same content → existing; other content → conflict."""
    campaign = window_campaign(db)
    key = str(uuid.uuid4())
    assert submit_response(_factory(app), _submission(campaign, key))[0] is SubmitOutcome.CREATED
    assert submit_response(_factory(app), _submission(campaign, key))[0] is SubmitOutcome.EXISTING
    assert submit_response(_factory(app), _submission(campaign, key, 5))[0] is SubmitOutcome.CONFLICT


def test_twenty_concurrent_submissions_of_one_uuid_store_one_row(app, db):
    """20 threads sending the same UUID at once: exactly one creates, all others see it stored."""
    campaign = window_campaign(db)
    key = str(uuid.uuid4())
    barrier = threading.Barrier(20)
    outcomes: list[SubmitOutcome] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            outcomes.append(submit_response(_factory(app), _submission(campaign, key))[0])
        except BaseException as exc:  # reported below; a thread must not swallow failures
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes).count(SubmitOutcome.CREATED) == 1
    assert outcomes.count(SubmitOutcome.EXISTING) == 19
    assert db.scalar(select(func.count()).select_from(Response).where(Response.client_uuid == key)) == 1


def test_a_new_response_writes_its_personal_answers_and_one_audit_row(app, db):
    """Created: one response, its personal row and an audit row naming it; a resend writes none of them."""
    from survey_engine.store.models import AuditEntry, ResponsePersonal

    campaign = window_campaign(db)
    key = str(uuid.uuid4())
    sub = _submission(campaign, key)
    sub = Submission(**{**{name: getattr(sub, name) for name in Submission.__slots__},
                        "personal": {"phone": "13800000000"}, "device_id": None, "interviewer_id": None})
    outcome, stored = submit_response(_factory(app), sub)
    assert outcome is SubmitOutcome.CREATED and stored.client_uuid == key and stored.answers == {"overall": 4}
    assert submit_response(_factory(app), sub)[0] is SubmitOutcome.EXISTING
    db.expire_all()
    row = db.scalar(select(Response).where(Response.client_uuid == key))
    assert row.id == stored.id
    assert db.get(ResponsePersonal, row.id).answers == {"phone": "13800000000"}
    audits = db.scalars(select(AuditEntry).where(AuditEntry.entity == "response",
                                                 AuditEntry.entity_id == str(row.id))).all()
    assert [(a.action, a.details) for a in audits] == [
        ("submit", {"uuid": key, "mode": "online", "status": "complete"})]
