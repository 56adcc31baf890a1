"""Supervision: the review queue, review decisions, back-checks (回访) and unit assignment.

Every action names the ``row_version`` the supervisor saw: when someone changed the row since,
the action is refused with :class:`StaleVersionError` (the page answers 409 "reload") rather
than silently overwriting their decision.  The check is explicit (the version the page showed
against the stored one) and also enforced by SQLAlchemy's ``version_id_col`` at flush, which
catches a change committed between our read and our write.  Every action is audited in the
same transaction: who, when, what, why.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction

import numpy as np
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from survey_engine.errors import Problem, SurveyEngineError
from survey_engine.store.audit import record
from survey_engine.store.models import Campaign, FieldUnit, Response, ResponseStatus, Role, UnitStatus, User

__all__ = [
    "SupervisionErrorCode", "SupervisionError", "StaleVersionError", "REVIEWABLE", "QueueFilter", "queue_statement",
    "review_queue", "InterviewerShare",
    "approve", "reject", "set_backcheck", "BackcheckSelection", "select_backchecks", "assign_units",
    "DEFAULT_BACKCHECK_PERCENT", "COMPLETED",
]

#: Statuses a supervisor reviews: finished by the interviewer, or stored as needing review.
REVIEWABLE = (ResponseStatus.COMPLETE.value, ResponseStatus.NEEDS_REVIEW.value)
#: Interviews that count as done for back-check shares (not drafts, not rejected ones).
COMPLETED = (ResponseStatus.COMPLETE.value, ResponseStatus.APPROVED.value, ResponseStatus.NEEDS_REVIEW.value)
DEFAULT_BACKCHECK_PERCENT = 10.0
_REASON_MAX = 2000


class SupervisionErrorCode(Enum):
    STALE_VERSION = "stale_version"
    NOT_FOUND = "not_found"
    BAD_STATUS = "bad_status"
    MISSING_REASON = "missing_reason"
    BAD_PERCENT = "bad_percent"
    NOT_INTERVIEWER = "not_interviewer"
    BAD_CSV = "bad_csv"
    BAD_SETTING = "bad_setting"


class SupervisionError(SurveyEngineError, ValueError):
    """A supervision action cannot be done as asked (wrong status, missing reason, bad file...)."""


class StaleVersionError(SupervisionError):
    """The row changed since the supervisor loaded it; they must reload and decide again."""

    def __init__(self, entity: str, entity_id: object, seen: int, current: int | None):
        super().__init__(f"{entity} {entity_id}: you saw version {seen}, it is now version {current}; "
                         "someone else changed it — reload the page and decide again.",
                         SupervisionErrorCode.STALE_VERSION)
        self.entity, self.entity_id, self.seen, self.current = entity, entity_id, seen, current


@contextmanager
def _versioned(entity: str, entity_id: object, seen: int) -> Iterator[None]:
    """Turn SQLAlchemy's StaleDataError (a concurrent commit hit the version column) into ours."""
    try:
        yield
    except StaleDataError as exc:
        raise StaleVersionError(entity, entity_id, seen, None) from exc


def _check_version(entity: str, entity_id: object, seen: int, current: int) -> None:
    if int(seen) != current:
        raise StaleVersionError(entity, entity_id, int(seen), current)


# ---------------------------------------------------------------------------------------------- review queue

@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the review queue shows; ``None`` means any.

    ``mode``: ``None`` shows interviews (responses with an interviewer) only, so thousands of
    self-completed online answers do not bury them; ``"any"`` shows everything; a mode name
    (``intercept``, ``household``, ``online``) shows that mode.
    """

    interviewer_id: int | None = None
    site_id: int | None = None
    status: str | None = None
    backcheck: bool | None = None
    mode: str | None = None


def queue_statement(campaign: Campaign, where: QueueFilter = QueueFilter()) -> Select[tuple[Response]]:
    """The review queue as a statement (pages may count or page through it)."""
    statuses = (where.status,) if where.status in REVIEWABLE else REVIEWABLE
    stmt = (select(Response).where(Response.campaign_id == campaign.id, Response.status.in_(statuses))
            .order_by(Response.submitted_at, Response.id))
    if where.mode is None:
        stmt = stmt.where(Response.interviewer_id.is_not(None))
    elif where.mode != "any":
        stmt = stmt.where(Response.mode == where.mode)
    if where.interviewer_id is not None:
        stmt = stmt.where(Response.interviewer_id == where.interviewer_id)
    if where.site_id is not None:
        stmt = stmt.where(Response.site_id == where.site_id)
    if where.backcheck is not None:
        stmt = stmt.where(Response.backcheck.is_(where.backcheck))
    return stmt


def review_queue(session: Session, campaign: Campaign, where: QueueFilter = QueueFilter(), *,
                 limit: int = 500) -> list[Response]:
    """Responses waiting for a decision (complete or needs_review), oldest first."""
    return list(session.scalars(queue_statement(campaign, where).limit(limit)))


# ---------------------------------------------------------------------------------------------- decisions

def _response(session: Session, response_id: int) -> Response:
    found = session.get(Response, response_id)
    if found is None:
        raise SupervisionError(f"response {response_id} does not exist.", SupervisionErrorCode.NOT_FOUND)
    return found


def _decide(session: Session, response_id: int, seen_version: int, user_id: int | None, action: str,
            allowed_from: Sequence[str], to_status: str, reason: str | None) -> Response:
    found = _response(session, response_id)
    _check_version("response", response_id, seen_version, found.row_version)
    if found.status not in allowed_from:
        raise SupervisionError(f"response {response_id} is {found.status!r}; only {list(allowed_from)} can be "
                               f"{action}d.", SupervisionErrorCode.BAD_STATUS)
    before = found.status
    with _versioned("response", response_id, seen_version):
        found.status = to_status
        found.review_reason = reason
        session.flush()
    record(session, action, "response", found.id, user_id=user_id,
           details={"from": before, "to": to_status, "reason": reason, "row_version": int(seen_version)})
    return found


def approve(session: Session, response_id: int, *, seen_version: int, user_id: int | None) -> Response:
    """Accept an interview (from complete or needs_review)."""
    return _decide(session, response_id, seen_version, user_id, "approve", REVIEWABLE,
                   ResponseStatus.APPROVED.value, None)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise SupervisionError("reason: a rejection needs a reason the interviewer can act on.",
                               SupervisionErrorCode.MISSING_REASON)
    if len(text) > _REASON_MAX:
        raise SupervisionError(f"reason: {len(text)} characters; at most {_REASON_MAX}.",
                               SupervisionErrorCode.MISSING_REASON)
    return text


def reject(session: Session, response_id: int, *, seen_version: int, reason: str | None,
           user_id: int | None) -> Response:
    """Return an interview to its interviewer with a reason (also after approval, e.g. a failed back-check)."""
    return _decide(session, response_id, seen_version, user_id, "reject",
                   (*REVIEWABLE, ResponseStatus.APPROVED.value), ResponseStatus.REJECTED.value, _reason(reason))


def set_backcheck(session: Session, response_id: int, *, seen_version: int, flagged: bool,
                  user_id: int | None, note: str | None = None) -> Response:
    """Flag (or unflag) one interview for a back-check (回访)."""
    found = _response(session, response_id)
    _check_version("response", response_id, seen_version, found.row_version)
    if found.status == ResponseStatus.DRAFT.value:
        raise SupervisionError(f"response {response_id} is a draft; only submitted interviews are back-checked.",
                               SupervisionErrorCode.BAD_STATUS)
    if found.backcheck != flagged:
        with _versioned("response", response_id, seen_version):
            found.backcheck = flagged
            session.flush()
    record(session, "backcheck" if flagged else "unbackcheck", "response", found.id, user_id=user_id,
           details={"note": (note or "").strip() or None, "row_version": int(seen_version)})
    return found


# ---------------------------------------------------------------------------------------------- back-checks

@dataclass(frozen=True, slots=True)
class InterviewerShare:
    """One interviewer's back-check share: completed interviews, target, already flagged, added now."""

    interviewer_id: int
    completed: int
    target: int
    already: int
    added: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BackcheckSelection:
    seed: int
    percent: float
    interviewers: tuple[InterviewerShare, ...] = field(default=())

    @property
    def selected(self) -> tuple[int, ...]:
        return tuple(rid for share in self.interviewers for rid in share.added)


def _target(completed: int, percent: float) -> int:
    """ceil(percent % of completed), at least 1: exact arithmetic, so 10% of 30 is 3, not 4."""
    return max(1, math.ceil(Fraction(str(percent)) * completed / 100))


def select_backchecks(session: Session, campaign: Campaign, *, percent: float | None = None,
                      seed: int | None = None, user_id: int | None) -> BackcheckSelection:
    """Flag a random ``percent`` of each interviewer's completed interviews for back-check.

    Per interviewer the target is ceil(percent × completed / 100), at least one; interviews
    already flagged count toward it, and only the shortfall is drawn (simple random sampling
    without replacement, numpy's PCG64 seeded with ``seed``; interviewers in id order, their
    interviews in id order, so the same seed on the same data selects the same interviews).
    The seed and the selected ids go into the audit entry.
    """
    from survey_engine.store.campaign_targets import fieldwork_settings

    percent = fieldwork_settings(campaign).backcheck_percent if percent is None else float(percent)
    if not 0 < percent <= 100:
        raise SupervisionError(f"percent: {percent!r} must be more than 0 and at most 100.",
                               SupervisionErrorCode.BAD_PERCENT)
    seed = secrets.randbelow(2**32) if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    rows = session.execute(select(Response.interviewer_id, Response.id, Response.backcheck).where(
        Response.campaign_id == campaign.id, Response.interviewer_id.is_not(None),
        Response.status.in_(COMPLETED)).order_by(Response.interviewer_id, Response.id)).all()
    by_interviewer: dict[int, list[tuple[int, bool]]] = {}
    for interviewer_id, response_id, flagged in rows:
        by_interviewer.setdefault(interviewer_id, []).append((response_id, flagged))
    shares = []
    for interviewer_id, interviews in by_interviewer.items():
        target = _target(len(interviews), percent)
        already = sum(flagged for _, flagged in interviews)
        candidates = [rid for rid, flagged in interviews if not flagged]
        need = min(max(0, target - already), len(candidates))
        added = tuple(sorted(int(i) for i in rng.choice(candidates, size=need, replace=False))) if need else ()
        shares.append(InterviewerShare(interviewer_id, len(interviews), target, already, added))
    selection = BackcheckSelection(seed, percent, tuple(shares))
    for response in session.scalars(select(Response).where(Response.id.in_(selection.selected))):
        response.backcheck = True
    session.flush()
    record(session, "backcheck_select", "campaign", campaign.id, user_id=user_id, details={
        "seed": seed, "percent": percent, "selected": list(selection.selected),
        "interviewers": [{"interviewer_id": s.interviewer_id, "completed": s.completed, "target": s.target,
                          "already": s.already, "added": list(s.added)} for s in shares]})
    return selection


# ---------------------------------------------------------------------------------------------- assignment

def assign_units(session: Session, campaign: Campaign, seen: Sequence[tuple[int, int]],
                 interviewer_id: int | None, *, user_id: int | None) -> list[FieldUnit]:
    """Assign (or with ``None`` unassign) units to an interviewer; ``seen`` is (unit id, row_version) pairs.

    Units with a final disposition stay with the interviewer who finished them.  Any stale
    version refuses the whole batch, so a page never half-applies an assignment.
    """
    interviewer = session.get(User, interviewer_id) if interviewer_id is not None else None
    if interviewer_id is not None and (interviewer is None or not interviewer.active
                                       or interviewer.role != Role.INTERVIEWER.value):
        raise SupervisionError(f"interviewer: user {interviewer_id} is not an active interviewer.",
                               SupervisionErrorCode.NOT_INTERVIEWER)
    units = []
    problems = []
    for unit_id, version in seen:
        unit = session.get(FieldUnit, unit_id)
        if unit is None or unit.campaign_id != campaign.id:
            problems.append(Problem(f"unit {unit_id}", "not a unit of this campaign", SupervisionErrorCode.NOT_FOUND))
            continue
        _check_version("unit", unit_id, version, unit.row_version)
        if unit.status == UnitStatus.FINAL.value:
            problems.append(Problem(f"unit {unit.unit_key}", f"final ({unit.final_disposition}); not reassigned",
                                    SupervisionErrorCode.BAD_STATUS))
            continue
        units.append((unit, int(version)))
    if problems:
        raise SupervisionError("; ".join(str(p) for p in problems), problems[0].code, tuple(problems))
    for unit, version in units:
        before = unit.interviewer_id
        if before == interviewer_id:
            continue
        with _versioned("unit", unit.id, version):
            unit.interviewer_id = interviewer_id
            session.flush()
        record(session, "assign" if before is None else "reassign", "field_unit", unit.id, user_id=user_id,
               details={"unit_key": unit.unit_key, "from": before, "to": interviewer_id, "row_version": version})
    return [unit for unit, _ in units]
