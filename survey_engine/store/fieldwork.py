"""What interviewers' devices send: visit attempts and intercept tallies, each stored once per
client UUID, and the unit bookkeeping that follows from them.

A device resends until it sees an answer, so every write is keyed by the client's UUID (a
UNIQUE column): the same UUID with the same content returns the stored row; with other
content it is a conflict, never an overwrite.  The unit an attempt belongs to is locked
(``SELECT ... FOR UPDATE`` on PostgreSQL, the write lock on SQLite) so two devices recording
attempts at once both count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from survey_engine.analysis.fieldwork import DISPOSITION_CODES
from survey_engine.store.audit import record
from survey_engine.store.engine import write_session
from survey_engine.store.models import FieldUnit, InterceptTally, UnitStatus, VisitAttempt
from survey_engine.store.responses import SubmitOutcome, fingerprint

__all__ = ["AttemptInput", "TallyInput", "record_attempt", "record_tally", "mark_unit_interviewed",
           "is_final_code", "COMPLETE_CODE"]

#: AAPOR 1.1, complete interview: what a unit becomes when its interview arrives.
COMPLETE_CODE = "1.1"

Row = TypeVar("Row", VisitAttempt, InterceptTally)


def is_final_code(code: str) -> bool:
    entry = DISPOSITION_CODES.get(code)
    return entry is not None and entry.final


@dataclass(frozen=True, slots=True)
class AttemptInput:
    client_uuid: str
    unit_id: int
    interviewer_id: int | None
    at: dt.datetime
    disposition: str
    note: str | None
    callback_at: dt.datetime | None
    content: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TallyInput:
    client_uuid: str
    campaign_id: int
    site_id: int
    interviewer_id: int | None
    day: dt.date
    slot_start: str
    passed: int
    refusals: int
    ineligible: int
    device_time: dt.datetime | None
    content: Mapping[str, Any]


def _stored(session: Session, model: type[Row], client_uuid: str, print_: str) -> tuple[SubmitOutcome, Row] | None:
    found = session.scalar(select(model).where(model.client_uuid == client_uuid))
    if found is None:
        return None
    return (SubmitOutcome.EXISTING if found.fingerprint == print_ else SubmitOutcome.CONFLICT), found


def _once(factory: sessionmaker[Session], model: type[Row], client_uuid: str, print_: str,
          write: Any) -> tuple[SubmitOutcome, Row]:
    """Run ``write(session)`` unless ``client_uuid`` is stored; a racing duplicate that loses on
    the UNIQUE constraint reads the winner instead."""
    with factory() as session:
        known = _stored(session, model, client_uuid, print_)
        if known is not None:
            return known
    try:
        with write_session(factory) as session:
            known = _stored(session, model, client_uuid, print_)
            if known is not None:
                return known
            row = write(session)
            session.flush()
            return SubmitOutcome.CREATED, row
    except IntegrityError:
        with factory() as session:
            known = _stored(session, model, client_uuid, print_)
        if known is None:
            raise
        return known


def record_attempt(factory: sessionmaker[Session], attempt: AttemptInput) -> tuple[SubmitOutcome, VisitAttempt]:
    """Store a visit attempt once and update its unit: attempts, next call-back, final code."""
    print_ = fingerprint(attempt.content)

    def write(session: Session) -> VisitAttempt:
        unit = session.get(FieldUnit, attempt.unit_id, with_for_update=True)
        row = VisitAttempt(client_uuid=attempt.client_uuid, fingerprint=print_, unit_id=attempt.unit_id,
                           interviewer_id=attempt.interviewer_id, at=attempt.at, disposition=attempt.disposition,
                           note=attempt.note, callback_at=attempt.callback_at)
        session.add(row)
        unit.attempts += 1
        if unit.status != UnitStatus.FINAL.value:
            if is_final_code(attempt.disposition):
                unit.status, unit.final_disposition, unit.next_call_at = UnitStatus.FINAL.value, attempt.disposition, None
            else:
                unit.status, unit.next_call_at = UnitStatus.IN_PROGRESS.value, attempt.callback_at
        session.flush()
        record(session, "attempt", "field_unit", unit.id, user_id=attempt.interviewer_id,
               details={"uuid": attempt.client_uuid, "disposition": attempt.disposition})
        return row

    return _once(factory, VisitAttempt, attempt.client_uuid, print_, write)


def record_tally(factory: sessionmaker[Session], tally: TallyInput) -> tuple[SubmitOutcome, InterceptTally]:
    """Store a device's running visitor count for a slot once (the latest per device counts)."""
    print_ = fingerprint(tally.content)

    def write(session: Session) -> InterceptTally:
        row = InterceptTally(client_uuid=tally.client_uuid, fingerprint=print_, campaign_id=tally.campaign_id,
                             site_id=tally.site_id, interviewer_id=tally.interviewer_id, day=tally.day,
                             slot_start=tally.slot_start, passed=tally.passed, refusals=tally.refusals,
                             ineligible=tally.ineligible, device_time=tally.device_time)
        session.add(row)
        return row

    return _once(factory, InterceptTally, tally.client_uuid, print_, write)


def mark_unit_interviewed(factory: sessionmaker[Session], unit_id: int, by: int | None) -> None:
    """A complete interview makes its unit final with AAPOR 1.1 (unless it is final already)."""
    with write_session(factory) as session:
        unit = session.get(FieldUnit, unit_id, with_for_update=True)
        if unit is not None and unit.status != UnitStatus.FINAL.value:
            unit.status, unit.final_disposition, unit.next_call_at = UnitStatus.FINAL.value, COMPLETE_CODE, None
            session.flush()
            record(session, "interviewed", "field_unit", unit.id, user_id=by, details={"disposition": COMPLETE_CODE})
