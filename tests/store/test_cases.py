"""The 好差评 case loop in the store: one case per bad rating, deadlines in working days, steps in order."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from survey_engine.store import cases
from survey_engine.store.catalog import instrument_of
from survey_engine.store.models import AuditEntry, CaseStatus, RatingCase, Response
from survey_engine.store.responses import Submission, fingerprint, submit_response
from tests.web.helpers import window_campaign

CHINA = ZoneInfo("Asia/Shanghai")
GOOD = {"service_handled": "patent_application", "efficiency": 3, "service_level": 3, "staff_attitude": 3}


def _rate(app, campaign, rating: int, when: dt.datetime, key: str) -> None:
    factory = app.extensions["survey_engine.db"].sessions
    submit_response(factory, Submission(client_uuid=key, fingerprint=fingerprint({"k": key}), campaign_id=campaign.id,
                                        version_id=campaign.version_id, mode="online", language="zh",
                                        status="complete", answers={**GOOD, "overall": rating}))
    with factory() as session:  # the rating's time decides the deadlines
        row = session.scalar(select(Response).where(Response.client_uuid == key))
        row.submitted_at = when
        session.commit()


@pytest.fixture
def rated(app, db):
    campaign = window_campaign(db)
    friday = dt.datetime(2026, 11, 20, 16, 0, tzinfo=CHINA)
    for n, rating in enumerate([1, 2, 3, 5, 2]):
        _rate(app, campaign, rating, friday, f"00000000-0000-4000-8000-{n:012d}")
    return campaign


def _open(app, campaign) -> int:
    return cases.open_cases(app.extensions["survey_engine.db"].sessions, campaign, instrument_of(campaign.version))


def test_each_bad_rating_opens_one_case_however_often_the_sweep_runs(app, db, rated):
    assert _open(app, rated) == 3  # ratings 1, 2, 2
    assert _open(app, rated) == 0
    threads = [threading.Thread(target=_open, args=(app, rated)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(RatingCase)) == 3


def test_deadlines_run_in_working_days_from_the_rating_over_the_weekend(app, db, rated):
    _open(app, rated)
    case = db.scalars(select(RatingCase)).first()
    # rated Friday 2026-11-20: verify within 1 working day → Monday 23rd; 15 working days → Friday 11 December
    assert case.due_verify.astimezone(CHINA).date() == dt.date(2026, 11, 23)
    assert case.due_rectify.astimezone(CHINA).date() == dt.date(2026, 12, 11)
    assert not case.due_estimated


def test_deadlines_skip_the_national_day_holiday(app, db):
    campaign = window_campaign(db)
    campaign.targets = {"case_deadlines": {"verify": 1, "rectify": 5, "reply": 5}}
    db.commit()
    # Tuesday 2025-09-30; 1–8 October 2025 are holidays, Saturday 11 October is a working day
    _rate(app, campaign, 1, dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA), "00000000-0000-4000-8000-000000000099")
    _open(app, campaign)
    case = db.scalars(select(RatingCase)).one()
    assert case.due_verify.astimezone(CHINA).date() == dt.date(2025, 10, 9)
    assert case.due_rectify.astimezone(CHINA).date() == dt.date(2025, 10, 14)  # 9, 10, 11 (Sat), 13, 14


def test_steps_in_order_stale_versions_refused_and_audited(app, db, rated):
    factory = app.extensions["survey_engine.db"].sessions
    _open(app, rated)
    case = db.scalars(select(RatingCase).order_by(RatingCase.id)).first()
    with pytest.raises(cases.CaseError, match="comes after"):
        cases.rectify(factory, case.id, case.row_version, action="too early", user_id=None)
    verified = cases.verify(factory, case.id, case.row_version, founded=True, note="queue too long", user_id=None)
    with pytest.raises(cases.CaseConflict):
        cases.rectify(factory, case.id, case.row_version, action="stale", user_id=None)
    rectified = cases.rectify(factory, case.id, verified.row_version, action="second window opened", user_id=None)
    replied, token = cases.reply(factory, case.id, rectified.row_version, text="我们增开了窗口", user_id=None)
    assert replied.status == CaseStatus.REPLIED.value and len(token) > 20
    assert cases.rerate(factory, token, 4).status == CaseStatus.CLOSED.value
    with pytest.raises(cases.CaseError, match="already"):
        cases.rerate(factory, token, 5)
    db.rollback()  # a new read snapshot
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "rating_case",
                                                         AuditEntry.entity_id == str(case.id))).all()
    assert actions == ["open", "verify", "rectify", "reply", "rerate"]


def test_an_unfounded_complaint_goes_straight_to_the_reply(app, db, rated):
    factory = app.extensions["survey_engine.db"].sessions
    _open(app, rated)
    case = db.scalars(select(RatingCase)).first()
    verified = cases.verify(factory, case.id, case.row_version, founded=False, note="wrong office", user_id=None)
    assert verified.status == CaseStatus.RECTIFIED.value
    cases.reply(factory, case.id, verified.row_version, text="此事项不属于本窗口", user_id=None)


def test_a_rerating_link_is_used_once_even_when_tapped_twice_at_once(app, db, rated):
    factory = app.extensions["survey_engine.db"].sessions
    _open(app, rated)
    case = db.scalars(select(RatingCase)).first()
    case = cases.verify(factory, case.id, case.row_version, founded=False, note="n/a", user_id=None)
    _, token = cases.reply(factory, case.id, case.row_version, text="reply", user_id=None)
    outcomes: list[str] = []

    def tap(level: int) -> None:
        try:
            cases.rerate(factory, token, level)
            outcomes.append("ok")
        except cases.CaseError:
            outcomes.append("refused")

    threads = [threading.Thread(target=tap, args=(level,)) for level in (1, 2, 3, 4, 5, 5, 4, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7
