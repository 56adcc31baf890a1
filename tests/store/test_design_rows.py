"""Design variables of stored interviews: household base weights from unit and member
probabilities, intercept base weights from the tallies (visitors counted / interviews)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_engine.store.design_rows import design_rows, slot_of
from survey_engine.store.models import FieldUnit, InterceptTally, Response, Site
from survey_engine.store.responses import Submission, fingerprint, submit_response
from tests.web.helpers import window_campaign

SLOT = {"start": "2026-11-23T09:00:00+08:00", "end": "2026-11-23T11:00:00+08:00"}


def _store(app, campaign, key: str, **extra) -> None:
    submit_response(app.extensions["survey_engine.db"].sessions, Submission(
        client_uuid=key, fingerprint=fingerprint({"k": key}), campaign_id=campaign.id, version_id=campaign.version_id,
        language="zh", status="complete", answers={"overall": 5}, **extra))


def _tally(db, campaign, site, passed: int, interviewer: int | None, key: str) -> None:
    db.rollback()  # a fresh transaction: the app wrote responses since this session last read (SQLite)
    db.add(InterceptTally(client_uuid=key, fingerprint="x", campaign_id=campaign.id, site_id=site.id,
                          interviewer_id=interviewer, day=dt.date(2026, 11, 23), slot_start="09:00", passed=passed,
                          refusals=0, ineligible=0))
    db.commit()


def test_household_and_intercept_base_weights(app, db):
    campaign = window_campaign(db)
    w1 = db.scalar(select(Site).where(Site.code == "w1"))
    unit = FieldUnit(campaign_id=campaign.id, unit_key="H-1", label="H-1", stratum="urban", psu="street-3",
                     inclusion_probability=0.02)
    db.add(unit)
    db.commit()
    _store(app, campaign, "00000000-0000-4000-8000-000000000001", mode="household", unit_id=unit.id,
           selection={"method": "kish:B1", "eligible": 3, "member": 1, "probability": 1 / 3})
    for n in (2, 3):
        _store(app, campaign, f"00000000-0000-4000-8000-00000000000{n}", mode="intercept", site_id=w1.id,
               paradata={"slot": SLOT})
    _store(app, campaign, "00000000-0000-4000-8000-000000000004", mode="online")
    # running counts of one device (no interviewer recorded): its latest count, 30, is the slot's
    _tally(db, campaign, w1, 12, None, "00000000-0000-4000-8000-0000000000a1")
    _tally(db, campaign, w1, 30, None, "00000000-0000-4000-8000-0000000000a2")
    responses = db.scalars(select(Response).order_by(Response.id)).all()
    db.rollback()
    frame = design_rows(db, campaign, responses).set_index("uuid")
    house = frame.loc["00000000-0000-4000-8000-000000000001"]
    assert house["base_weight"] == pytest.approx(1 / (0.02 / 3)) and house["stratum"] == "urban"
    intercept = frame.loc["00000000-0000-4000-8000-000000000002"]
    assert intercept["base_weight"] == pytest.approx(30 / 2) and intercept["psu"] == "w1|2026-11-23|09:00"
    assert pd_isna(frame.loc["00000000-0000-4000-8000-000000000004"]["base_weight"])


def test_a_slot_counted_short_gets_no_weight_rather_than_a_wrong_one(app, db):
    campaign = window_campaign(db)
    w1 = db.scalar(select(Site).where(Site.code == "w1"))
    for n in (1, 2, 3):
        _store(app, campaign, f"00000000-0000-4000-8000-00000000000{n}", mode="intercept", site_id=w1.id,
               paradata={"slot": SLOT})
    _tally(db, campaign, w1, 2, None, "00000000-0000-4000-8000-0000000000a1")
    frame = design_rows(db, campaign, db.scalars(select(Response)).all())
    assert frame is None or frame["base_weight"].isna().all()


def test_slot_of_reads_the_local_slot_and_ignores_bad_paradata():
    assert slot_of(Response(paradata={"slot": SLOT})) == ("2026-11-23", "09:00")
    assert slot_of(Response(paradata={"slot": {"start": "2026-11-23T01:00:00Z"}})) == ("2026-11-23", "09:00")
    for bad in ({}, {"slot": "x"}, {"slot": {"start": "not a time"}}, {"slot": {"start": "2026-11-23T09:00"}}):
        assert slot_of(Response(paradata=bad)) is None


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_a_campaign_with_report_strata_exports_fpc_and_stratified_base_weights(app, db):
    """targets.design strata with frame sizes (docs/reports.md): base weight N_h / n_h, fpc N_h."""
    campaign = window_campaign(db)
    campaign.targets = {"design": {"stratum": "site", "strata": {"w1": {"frame_size": 100}, "w2": {"frame_size": 50}}}}
    db.commit()
    sites = {s.code: s.id for s in db.scalars(select(Site))}
    for n, code in enumerate(["w1", "w1", "w2"], start=1):
        _store(app, campaign, f"00000000-0000-4000-8000-00000000000{n}", mode="online", site_id=sites[code])
    db.rollback()
    frame = design_rows(db, campaign, db.scalars(select(Response).order_by(Response.id)).all())
    assert frame["stratum"].tolist() == ["w1", "w1", "w2"]
    assert frame["fpc"].tolist() == [100, 100, 50]
    assert frame["base_weight"].tolist() == pytest.approx([50, 50, 50])
