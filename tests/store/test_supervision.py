"""Supervision store logic: review decisions with optimistic versions, back-check selection, unit
import and assignment, fieldwork settings, and the case table the monitoring rates come from."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pandas as pd
import pytest
from sqlalchemy import select

from survey_engine.analysis.fieldwork import rates_by
from survey_engine.sampling.household import KISH_SHARES
from survey_engine.store.accounts import create_user
from survey_engine.store.campaign_targets import (
    FieldworkSettings, Quota, fieldwork_settings, parse_quotas, save_settings,
)
from survey_engine.store.models import (
    AuditEntry, FieldUnit, FrameContact, InterceptTally, Response, Role, UnitStatus, VisitAttempt, utcnow,
)
from survey_engine.store.monitoring import case_table, progress
from survey_engine.store.supervision import (
    QueueFilter, StaleVersionError, SupervisionError, SupervisionErrorCode, approve, assign_units, reject,
    review_queue, select_backchecks, set_backcheck,
)
from survey_engine.store.unit_import import decode_csv, import_units
from tests.web.helpers import PASSWORD, window_campaign


def add_response(db, campaign, interviewer=None, *, status="complete", mode="intercept", answers=None,
                 paradata=None, site=None) -> Response:
    response = Response(client_uuid=str(uuid.uuid4()), fingerprint="f" * 64, version_id=campaign.version_id,
                        campaign_id=campaign.id, mode=mode, language="zh", status=status,
                        answers=answers or {"service_handled": "complaint", "overall": 4}, paradata=paradata or {},
                        interviewer_id=None if interviewer is None else interviewer.id,
                        site_id=None if site is None else site.id, submitted_at=utcnow())
    db.add(response)
    db.flush()
    return response


@pytest.fixture
def field(db):
    """A campaign, a supervisor and two interviewers (ann, bob)."""
    campaign = window_campaign(db)
    people = {name: create_user(db, name, PASSWORD, role) for name, role in
              (("sup", Role.SUPERVISOR), ("ann", Role.INTERVIEWER), ("bob", Role.INTERVIEWER))}
    db.commit()
    return campaign, people


def audit(db, action):
    return db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_approve_records_who_and_what(db, field):
    """Approving a complete interview makes it approved and writes an audit entry naming the supervisor."""
    campaign, people = field
    response = add_response(db, campaign, people["ann"])
    db.commit()
    approve(db, response.id, seen_version=1, user_id=people["sup"].id)
    db.commit()
    assert db.get(Response, response.id).status == "approved"
    [entry] = audit(db, "approve")
    assert (entry.user_id, entry.entity, entry.entity_id) == (people["sup"].id, "response", str(response.id))
    assert entry.details["from"] == "complete" and entry.at is not None


def test_a_stale_version_is_refused_and_changes_nothing(db, field):
    """A decision naming a version older than the stored one raises StaleVersionError."""
    campaign, people = field
    response = add_response(db, campaign, people["ann"])
    db.commit()
    set_backcheck(db, response.id, seen_version=1, flagged=True, user_id=people["sup"].id)
    db.commit()
    assert db.get(Response, response.id).row_version == 2
    with pytest.raises(StaleVersionError) as caught:
        approve(db, response.id, seen_version=1, user_id=people["sup"].id)
    assert caught.value.code is SupervisionErrorCode.STALE_VERSION
    db.rollback()
    assert db.get(Response, response.id).status == "complete" and not audit(db, "approve")


def test_a_change_committed_meanwhile_is_caught_by_the_version_column(app, db, field):
    """When another session commits between our read and our write, the flush is refused, not overwritten."""
    campaign, people = field
    response = add_response(db, campaign, people["ann"])
    db.commit()
    db.get(Response, response.id)  # our session now holds version 1
    with app.extensions["survey_engine.db"].sessions() as other:
        reject(other, response.id, seen_version=1, reason="fabricated", user_id=people["sup"].id)
        other.commit()
    with pytest.raises(StaleVersionError):
        approve(db, response.id, seen_version=1, user_id=people["sup"].id)
    db.rollback()
    assert db.get(Response, response.id).status == "rejected"


def test_reject_needs_a_reason_and_keeps_it_for_the_interviewer(db, field):
    """Rejecting without a reason is refused; with one, the reason is stored and audited."""
    campaign, people = field
    response = add_response(db, campaign, people["ann"], status="needs_review")
    db.commit()
    with pytest.raises(SupervisionError) as caught:
        reject(db, response.id, seen_version=1, reason="  ", user_id=people["sup"].id)
    assert caught.value.code is SupervisionErrorCode.MISSING_REASON
    reject(db, response.id, seen_version=1, reason="Q5 answered for the wrong window", user_id=people["sup"].id)
    db.commit()
    stored = db.get(Response, response.id)
    assert (stored.status, stored.review_reason) == ("rejected", "Q5 answered for the wrong window")
    assert audit(db, "reject")[0].details["reason"] == "Q5 answered for the wrong window"
    with pytest.raises(SupervisionError) as again:
        approve(db, response.id, seen_version=stored.row_version, user_id=people["sup"].id)
    assert again.value.code is SupervisionErrorCode.BAD_STATUS


def test_review_queue_filters(db, field):
    """The queue holds complete and needs_review interviews (self-completed online answers only when asked),
    filtered by interviewer, status, back-check and mode."""
    campaign, people = field
    a1 = add_response(db, campaign, people["ann"])
    a2 = add_response(db, campaign, people["ann"], status="needs_review")
    b1 = add_response(db, campaign, people["bob"])
    add_response(db, campaign, people["bob"], status="approved")
    add_response(db, campaign, people["bob"], status="draft")
    online = add_response(db, campaign, None, mode="online")
    b1.backcheck = True
    db.commit()
    assert [r.id for r in review_queue(db, campaign, QueueFilter(mode="online"))] == [online.id]
    assert len(review_queue(db, campaign, QueueFilter(mode="any"))) == 4
    assert {r.id for r in review_queue(db, campaign)} == {a1.id, a2.id, b1.id}
    assert {r.id for r in review_queue(db, campaign, QueueFilter(interviewer_id=people["ann"].id))} == {a1.id, a2.id}
    assert [r.id for r in review_queue(db, campaign, QueueFilter(status="needs_review"))] == [a2.id]
    assert [r.id for r in review_queue(db, campaign, QueueFilter(backcheck=True))] == [b1.id]


def _interviews(db, campaign, people, counts):
    for name, n in counts.items():
        for _ in range(n):
            add_response(db, campaign, people[name])
    db.commit()


def _flagged(db, campaign):
    return Counter(r.interviewer.username for r in db.scalars(select(Response).where(
        Response.campaign_id == campaign.id, Response.backcheck.is_(True))))


def test_backcheck_share_per_interviewer_with_at_least_one(db, field):
    """10% of 30 is 3 (not 4: exact arithmetic) and 10% of 4 still gives one back-check."""
    campaign, people = field
    _interviews(db, campaign, people, {"ann": 30, "bob": 4})
    add_response(db, campaign, people["bob"], status="rejected")
    add_response(db, campaign, None, mode="online")  # self-completed: no interviewer to check
    db.commit()
    selection = select_backchecks(db, campaign, percent=10, seed=11, user_id=people["sup"].id)
    db.commit()
    assert _flagged(db, campaign) == {"ann": 3, "bob": 1}
    assert {s.interviewer_id: (s.completed, s.target) for s in selection.interviewers} == {
        people["ann"].id: (30, 3), people["bob"].id: (4, 1)}
    [entry] = audit(db, "backcheck_select")
    assert entry.details["seed"] == 11 and sorted(entry.details["selected"]) == sorted(selection.selected)
    assert entry.user_id == people["sup"].id


def test_interviews_already_flagged_count_toward_the_share(db, field):
    """With two of ann's 30 already flagged, a 10% selection adds only one more."""
    campaign, people = field
    _interviews(db, campaign, people, {"ann": 30})
    for response in db.scalars(select(Response).limit(2)):
        set_backcheck(db, response.id, seen_version=response.row_version, flagged=True, user_id=None)
    db.commit()
    selection = select_backchecks(db, campaign, percent=10, seed=3, user_id=None)
    assert [len(s.added) for s in selection.interviewers] == [1]
    db.commit()
    assert _flagged(db, campaign) == {"ann": 3}


def test_the_same_seed_selects_the_same_interviews(db, field):
    """Reproducible: unflagging and selecting again with the seed gives the same ids; another seed differs."""
    campaign, people = field
    _interviews(db, campaign, people, {"ann": 40, "bob": 25})

    def run(seed):
        for response in db.scalars(select(Response).where(Response.backcheck.is_(True))):
            response.backcheck = False
        db.flush()
        return select_backchecks(db, campaign, percent=20, seed=seed, user_id=None).selected

    first, again, other = run(2026), run(2026), run(7)
    assert first == again and len(first) == 8 + 5
    assert first != other


def test_backcheck_percent_comes_from_the_campaign_settings(db, field):
    """Without a percent the campaign's backcheck_percent is used; a percent outside (0, 100] is refused."""
    campaign, people = field
    _interviews(db, campaign, people, {"ann": 10})
    save_settings(db, campaign, FieldworkSettings(backcheck_percent=30), user_id=None)
    assert select_backchecks(db, campaign, seed=1, user_id=None).interviewers[0].target == 3
    with pytest.raises(SupervisionError) as caught:
        select_backchecks(db, campaign, percent=0, seed=1, user_id=None)
    assert caught.value.code is SupervisionErrorCode.BAD_PERCENT


GOOD_CSV = """unit_key,label,stratum,psu,inclusion_probability,kish_table,name,phone,address
H001,Building 1 Room 101,urban,psu1,0.02,,Zhang San,13800000000,1 Road
H002,Building 1 Room 102,urban,psu1,0.02,C,,,
E001,Acme Ltd 某公司,enterprise,,0.5,,,,
"""


def test_import_units_keeps_contacts_apart_and_assigns_kish_tables(db, field):
    """Units are stored, contact columns go to frame_contacts, missing Kish tables are assigned (seed audited)."""
    campaign, _ = field
    result = import_units(db, campaign, "\ufeff" + GOOD_CSV, seed=5, user_id=None)
    db.commit()
    units = {u.unit_key: u for u in db.scalars(select(FieldUnit))}
    assert (result.units, result.contacts, result.kish_assigned, result.kish_seed) == (3, 1, 2, 5)
    assert units["H002"].kish_table == "C" and units["H001"].kish_table and units["E001"].psu is None
    assert units["E001"].inclusion_probability == 0.5 and units["H001"].status == UnitStatus.PENDING.value
    [contact] = db.scalars(select(FrameContact)).all()
    assert (contact.unit_key, contact.name, contact.phone) == ("H001", "Zhang San", "13800000000")
    assert not hasattr(units["H001"], "phone")
    assert audit(db, "import_units")[0].details["kish_seed"] == 5


def test_kish_tables_are_assigned_in_their_exact_shares(db, field):
    """Twelve units without tables get the eight Kish tables in shares of 1/6 and 1/12 (Kish 1949)."""
    campaign, _ = field
    lines = "".join(f"U{i:02d},unit {i},s,p,0.1\n" for i in range(12))
    import_units(db, campaign, "unit_key,label,stratum,psu,inclusion_probability\n" + lines, seed=9, user_id=None)
    counts = Counter(db.scalars(select(FieldUnit.kish_table)))
    assert counts == {table.value: int(share * 12) for table, share in KISH_SHARES.items()}


def test_a_bad_unit_file_reports_each_line_and_column_and_stores_nothing(db, field):
    """Every problem names its line and column; no unit of the file is stored."""
    campaign, _ = field
    bad = ("unit_key,label,stratum,psu,inclusion_probability,kish_table\n"
           "H001,ok,s,p,0.1,\n"
           "H002,,s,p,1.5,Z\n"
           "H001,dup,s,p,abc,\n")
    with pytest.raises(SupervisionError) as caught:
        import_units(db, campaign, bad, user_id=None)
    db.rollback()
    paths = {(p.path, p.code) for p in caught.value.problems}
    assert {path for path, _ in paths} == {
        "line 3, column label", "line 3, column inclusion_probability", "line 3, column kish_table",
        "line 4, column unit_key", "line 4, column inclusion_probability"}
    assert {code for _, code in paths} == {SupervisionErrorCode.BAD_CSV}
    assert db.scalar(select(FieldUnit.id)) is None


def test_unit_file_header_problems(db, field):
    """A missing required column and an unknown column are reported on line 1; existing keys on their line."""
    campaign, _ = field
    with pytest.raises(SupervisionError) as caught:
        import_units(db, campaign, "unit_key,label,stratum,inclusion_probability,phnoe\nH1,a,s,0.1,1\n", user_id=None)
    assert {p.path for p in caught.value.problems} == {"line 1, column psu", "line 1, column phnoe"}
    import_units(db, campaign, GOOD_CSV, seed=1, user_id=None)
    db.commit()
    with pytest.raises(SupervisionError) as again:
        import_units(db, campaign, GOOD_CSV, seed=1, user_id=None)
    assert "line 2, column unit_key" in {p.path for p in again.value.problems}


def test_sample_files_saved_by_excel_as_gbk_are_read():
    """UTF-8 with a BOM and GBK (Excel's "CSV" on Chinese Windows) both decode; other bytes are refused."""
    text = "unit_key,label\nH1,幸福小区1栋101\n"
    assert decode_csv(("\ufeff" + text).encode("utf-8")) == text
    assert decode_csv(text.encode("gbk")) == text
    with pytest.raises(SupervisionError) as caught:
        decode_csv(b"\x81\x30\xff\xff")
    assert caught.value.code is SupervisionErrorCode.BAD_CSV


def _units(db, campaign, n=3):
    import_units(db, campaign, "unit_key,label,stratum,psu,inclusion_probability\n"
                 + "".join(f"U{i},unit {i},s{i % 2},p,0.1\n" for i in range(n)), seed=1, user_id=None)
    db.commit()
    return list(db.scalars(select(FieldUnit).order_by(FieldUnit.unit_key)))


def test_assign_and_reassign_units_are_audited(db, field):
    """Assigning records 'assign', moving to another interviewer records 'reassign' with from and to."""
    campaign, people = field
    units = _units(db, campaign)
    assign_units(db, campaign, [(u.id, u.row_version) for u in units[:2]], people["ann"].id,
                 user_id=people["sup"].id)
    db.commit()
    assign_units(db, campaign, [(units[0].id, units[0].row_version)], people["bob"].id, user_id=people["sup"].id)
    db.commit()
    assert [u.interviewer_id for u in units] == [people["bob"].id, people["ann"].id, None]
    assert len(audit(db, "assign")) == 2
    [moved] = audit(db, "reassign")
    assert (moved.details["from"], moved.details["to"]) == (people["ann"].id, people["bob"].id)


def test_assignment_refuses_stale_units_non_interviewers_and_final_units(db, field):
    """A stale version, a supervisor as assignee and a finished unit are each refused."""
    campaign, people = field
    units = _units(db, campaign)
    assign_units(db, campaign, [(units[0].id, 1)], people["ann"].id, user_id=None)
    db.commit()
    with pytest.raises(StaleVersionError):
        assign_units(db, campaign, [(units[0].id, 1)], people["bob"].id, user_id=None)
    db.rollback()
    with pytest.raises(SupervisionError) as not_interviewer:
        assign_units(db, campaign, [(units[1].id, 1)], people["sup"].id, user_id=None)
    assert not_interviewer.value.code is SupervisionErrorCode.NOT_INTERVIEWER
    units[2].status, units[2].final_disposition = UnitStatus.FINAL.value, "1.1"
    db.commit()
    with pytest.raises(SupervisionError) as final:
        assign_units(db, campaign, [(units[2].id, units[2].row_version)], people["ann"].id, user_id=None)
    assert final.value.code is SupervisionErrorCode.BAD_STATUS


def test_settings_round_trip_and_quota_lines(db, field):
    """Settings are stored in Campaign.targets next to other keys; bad quota lines name their line."""
    campaign, _ = field
    campaign.targets = {"other_feature": 1}
    quotas = parse_quotas("service_handled,complaint,10\n\noverall,5,4\n")
    save_settings(db, campaign, FieldworkSettings(100, quotas, 4, 15.0), user_id=None)
    db.commit()
    assert fieldwork_settings(campaign) == FieldworkSettings(100, quotas, 4, 15.0)
    assert campaign.targets["other_feature"] == 1 and campaign.targets["quotas"][0] == {
        "variable": "service_handled", "code": "complaint", "target": 10}
    assert fieldwork_settings(window_campaign(db, slug="fresh")) == FieldworkSettings()
    from survey_engine.store.catalog import instrument_of

    with pytest.raises(SupervisionError) as caught:
        parse_quotas("nosuch,1,5\noverall,5\noverall,5,-1", instrument_of(campaign.version))
    assert [p.path for p in caught.value.problems] == ["quotas line 1", "quotas line 2", "quotas line 3"]


def test_progress_counts_completes_and_quota_fill(db, field):
    """Completes are approved + waiting; quotas count completed interviews with the answer code."""
    campaign, people = field
    save_settings(db, campaign, FieldworkSettings(10, (Quota("service_handled", "complaint", 4),)), user_id=None)
    add_response(db, campaign, people["ann"], status="approved")
    add_response(db, campaign, people["ann"], answers={"service_handled": "consult", "overall": 3})
    add_response(db, campaign, people["ann"], status="rejected")
    add_response(db, campaign, people["ann"], status="draft")
    db.commit()
    result = progress(db, campaign)
    assert (result.target, result.approved, result.waiting, result.rejected, result.completes) == (10, 1, 1, 1, 2)
    assert result.share == 0.2 and result.quotas[0].filled == 1 and result.quotas[0].share == 0.25


def _attempt(db, unit, code, minutes):
    db.add(VisitAttempt(client_uuid=str(uuid.uuid4()), fingerprint="f" * 64, unit_id=unit.id, disposition=code,
                        at=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)))


def test_case_table_closes_out_open_units_and_counts_intercept_visitors(db, field):
    """Final units keep their code; open ones take the close-out of their last attempt (none: 3.11);
    intercept interviews are 1.1, tallied refusals 2.11 and ineligibles 4.70 (latest tally per slot)."""
    campaign, people = field
    units = _units(db, campaign, n=5)
    for unit, code in zip(units[:2], ("1.1", "2.111")):
        unit.status, unit.final_disposition, unit.interviewer_id = UnitStatus.FINAL.value, code, people["ann"].id
    units[2].status = units[3].status = UnitStatus.IN_PROGRESS.value
    _attempt(db, units[2], "T2.111", 0)
    _attempt(db, units[2], "T2.24", 60)  # the later attempt decides
    _attempt(db, units[3], "T2.25", 0)
    site = campaign.sites[0]
    for refusals, created in ((1, 0), (3, 5)):  # a running total: only the later one counts
        db.add(InterceptTally(client_uuid=str(uuid.uuid4()), fingerprint="f" * 64, campaign_id=campaign.id,
                              site_id=site.id, interviewer_id=people["bob"].id, day=dt.date(2026, 11, 23),
                              slot_start="09:00", passed=20, refusals=refusals, ineligible=1,
                              created_at=utcnow() + dt.timedelta(minutes=created)))
    add_response(db, campaign, people["bob"], site=site)
    add_response(db, campaign, people["bob"], site=site, status="rejected")
    db.commit()
    cases = case_table(db, campaign)
    assert sorted(cases["disposition"]) == sorted(["1.1", "2.111", "2.24", "2.25", "3.11", "2.11", "2.11", "2.11",
                                                   "4.70", "1.1"])
    assert cases["final"].sum() == 2 + 5 and set(cases["site"]) == {"—", "w1"}
    finals = case_table(db, campaign, open_units="exclude")
    assert len(finals) == 7


def test_monitoring_rates_equal_rates_by_on_the_same_cases(db, field):
    """Rates from the stored units equal rates_by on a hand-written case table (AAPOR 2023 formulas)."""
    campaign, people = field
    units = _units(db, campaign, n=6)
    codes = ["1.1", "1.1", "2.11", "2.24", "4.50", "3.18"]
    for unit, code in zip(units, codes):
        unit.status, unit.final_disposition = UnitStatus.FINAL.value, code
        unit.interviewer_id = people["ann"].id if unit.unit_key in ("U0", "U1", "U2") else people["bob"].id
    db.commit()
    cases = case_table(db, campaign)
    expected = pd.DataFrame({"interviewer": ["ann"] * 3 + ["bob"] * 3, "disposition": codes})
    got = rates_by(cases, "interviewer")
    want = rates_by(expected, "interviewer")
    pd.testing.assert_frame_equal(got.drop(columns="interviewer"), want.drop(columns="interviewer"))
    # by hand: I=2, R=1, NC=1, NE=1, UH=1; e = 4/5; RR1 = 2/5, RR3 = 2/(4 + 0.8)
    total = got.iloc[-1]
    assert total["RR1"] == pytest.approx(2 / 5) and total["RR3"] == pytest.approx(2 / 4.8)
