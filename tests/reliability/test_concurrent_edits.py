"""Fault test 5: concurrent edits of one record — one winner, the others 409, no lost update.

Eight signed-in supervisors (real HTTP, threaded server) send their decision on the same
version together: approve/reject one interview, verify one 好差评 case, assign one unit.  The
optimistic version column lets exactly one through; the stored state is the winner's.  A 503
(SQLite busy, with Retry-After) is pressed again, as a person would; it must then end as a 409.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from survey_engine.store.accounts import create_user
from survey_engine.store.models import AuditEntry, FieldUnit, RatingCase, Response, Role
from tests.reliability.harness import Reply, login_cookie, request, served_in_thread
from tests.store.test_cases import CHINA, _rate
from tests.store.test_supervision import add_response
from tests.web.helpers import PASSWORD, window_campaign

EDITORS = 8


def _post(base: str, cookie: str, path: str, form: dict) -> Reply:
    for _ in range(30):
        reply = request(base, "POST", path, body=urllib.parse.urlencode(form, doseq=True).encode(),
                        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        if reply.status != 503:
            return reply
        assert "retry-after" in reply.headers
        time.sleep(0.1)
    return reply


def _together(base: str, cookies: list[str], path: str, forms: list[dict]) -> list[int]:
    """Post each form from its own session at the same moment; the status codes, in order."""
    barrier = threading.Barrier(len(forms))
    statuses = [0] * len(forms)

    def send(i: int) -> None:
        barrier.wait()
        statuses[i] = _post(base, cookies[i], path, forms[i]).status

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _supervisors(db, base: str) -> list[str]:
    names = [f"sup{i}" for i in range(EDITORS)]
    for name in names:
        create_user(db, name, PASSWORD, Role.SUPERVISOR)
    db.commit()
    return [login_cookie(base, name, PASSWORD) for name in names]


def test_parallel_approve_and_reject_of_one_interview_have_one_winner(app, db):
    """Four approvals and four rejections on version 1: one 302, seven 409; the winner's decision stays."""
    campaign = window_campaign(db)
    target = add_response(db, campaign, site=campaign.sites[0])
    db.commit()
    with served_in_thread(app) as base:
        cookies = _supervisors(db, base)
        forms = [{"row_version": 1} if i % 2 == 0 else {"row_version": 1, "reason": f"reason {i}"}
                 for i in range(EDITORS)]
        paths = [f"/supervise/responses/{target.id}/{'approve' if i % 2 == 0 else 'reject'}" for i in range(EDITORS)]
        barrier = threading.Barrier(EDITORS)
        statuses = [0] * EDITORS

        def send(i: int) -> None:
            barrier.wait()
            statuses[i] = _post(base, cookies[i], paths[i], forms[i]).status

        threads = [threading.Thread(target=send, args=(i,)) for i in range(EDITORS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [302] + [409] * (EDITORS - 1), statuses
    winner = statuses.index(302)
    db.rollback()
    db.expire_all()  # the app committed in its own sessions
    stored = db.get(Response, target.id)
    assert stored.status == ("approved" if winner % 2 == 0 else "rejected")
    assert stored.row_version == 2
    decisions = db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "response", AuditEntry.entity_id == str(target.id),
        AuditEntry.action.in_(["approve", "reject"])))
    assert decisions == 1


def test_parallel_verification_of_one_case_has_one_winner(app, db):
    """Eight verifications of one bad-rating case on the same version: one 200, seven 409; the winner's note stays."""
    campaign = window_campaign(db)
    _rate(app, campaign, 1, dt.datetime(2026, 11, 20, 9, 0, tzinfo=CHINA), "00000000-0000-4000-8000-000000000001")
    with served_in_thread(app) as base:
        cookies = _supervisors(db, base)
        request(base, "GET", "/cases/", headers={"Cookie": cookies[0]})  # opens the case
        case_id = db.scalar(select(RatingCase.id))
        db.rollback()
        page = request(base, "GET", f"/cases/{case_id}", headers={"Cookie": cookies[0]}).body.decode()
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
        forms = [{"version": version, "founded": "yes" if i % 2 else "no", "note": f"note {i}"}
                 for i in range(EDITORS)]
        statuses = _together(base, cookies, f"/cases/{case_id}", forms)
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409}, statuses
    winner = statuses.index(200)
    db.rollback()
    db.expire_all()  # the app committed in its own sessions
    case = db.get(RatingCase, case_id)
    assert (case.verification, case.founded) == (f"note {winner}", winner % 2 == 1)
    assert case.row_version == int(version) + 1


def test_parallel_assignment_of_one_unit_has_one_winner(app, db):
    """Eight supervisors assign one unit to eight interviewers at once: one 302, seven 409, the winner's choice kept."""
    campaign = window_campaign(db)
    interviewers = [create_user(db, f"int{i}", PASSWORD, Role.INTERVIEWER) for i in range(EDITORS)]
    unit = FieldUnit(campaign_id=campaign.id, unit_key="H1", label="household 1", stratum="s", psu="p",
                     inclusion_probability=0.1)
    db.add(unit)
    db.commit()
    with served_in_thread(app) as base:
        cookies = _supervisors(db, base)
        forms = [{"interviewer": interviewers[i].id, "unit": [f"{unit.id}:1"]} for i in range(EDITORS)]
        statuses = _together(base, cookies, "/supervise/win/units/assign", forms)
    assert sorted(statuses) == [302] + [409] * (EDITORS - 1), statuses
    winner = statuses.index(302)
    db.rollback()
    db.expire_all()  # the app committed in its own sessions
    stored = db.get(FieldUnit, unit.id)
    assert (stored.interviewer_id, stored.row_version) == (interviewers[winner].id, 2)
