"""The 好差评 loop (评价-整改-反馈-监督): a case per bad rating, its steps, deadlines and re-rating.

Cases are opened by a sweep (:func:`open_cases`) rather than inside every submission: the
sweep is idempotent (one case per response, a UNIQUE column), runs whenever the case board is
looked at or ``survey-engine cases sweep`` runs, and dates every deadline from the rating's
own time, so a case opened late is not given more time.  Each step names the case version the
supervisor saw; a stale one is refused (two people acting on one case cannot overwrite each
other).  The reply carries a single-use link with which the rater may rate again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from survey_engine.errors import SurveyEngineError
from survey_engine.instruments.model import Questionnaire, QuestionType
from survey_engine.store.audit import record
from survey_engine.store.engine import write_session
from survey_engine.store.models import Campaign, CaseStatus, RatingCase, Response, ResponseStatus, utcnow
from survey_engine.workdays import OFFICIAL, CaseDeadlines, WorkCalendar, add_working_days

__all__ = ["CaseError", "CaseConflict", "rating_question", "case_deadlines", "open_cases", "verify", "rectify",
           "reply", "rerate", "case_for_token", "current_due", "is_overdue", "BAD_RATINGS"]

#: 不满意 (2) and 非常不满意 (1) on the national five-level scale (GB/T 39734-2020).
BAD_RATINGS = (1, 2)
_COUNTED = (ResponseStatus.COMPLETE.value, ResponseStatus.APPROVED.value)


class CaseError(SurveyEngineError, ValueError):
    """A step that does not fit the case's state (replying before verifying, re-rating twice)."""


class CaseConflict(CaseError):
    """The case changed since the supervisor loaded it; reload and decide again."""


def rating_question(campaign: Campaign, questionnaire: Questionnaire) -> str | None:
    """The 好差评 overall rating: ``targets["rating_question"]``, else a five-point rating called ``overall``."""
    wanted = (campaign.targets or {}).get("rating_question", "overall")
    for question in questionnaire.questions():
        if question.id == wanted and question.type is QuestionType.RATING and len(question.scale.values) == 5:
            return question.id
    return None


def case_deadlines(campaign: Campaign) -> CaseDeadlines:
    """The office's limits from ``targets["case_deadlines"]`` ({verify, rectify, reply}), else the defaults."""
    given: Mapping[str, Any] = (campaign.targets or {}).get("case_deadlines") or {}
    return CaseDeadlines(**{k: int(v) for k, v in given.items() if k in ("verify", "rectify", "reply")})


def _dues(rated_at: dt.datetime, limits: CaseDeadlines, calendar: WorkCalendar) -> dict[str, Any]:
    steps = {name: add_working_days(rated_at, getattr(limits, name), calendar) for name in ("verify", "rectify",
                                                                                           "reply")}
    return {"due_verify": steps["verify"].due, "due_rectify": steps["rectify"].due, "due_reply": steps["reply"].due,
            "due_estimated": any(step.estimated for step in steps.values())}


def open_cases(factory: sessionmaker[Session], campaign: Campaign, questionnaire: Questionnaire, *,
               calendar: WorkCalendar = OFFICIAL) -> int:
    """Open a case for every counted response with a bad rating that has none; returns how many."""
    question = rating_question(campaign, questionnaire)
    if question is None:
        return 0
    limits = case_deadlines(campaign)
    with factory() as session:
        have = select(RatingCase.response_id).where(RatingCase.campaign_id == campaign.id)
        rows = session.execute(select(Response.id, Response.site_id, Response.answers, Response.submitted_at,
                                      Response.created_at)
                               .where(Response.campaign_id == campaign.id, Response.status.in_(_COUNTED),
                                      Response.id.not_in(have))).all()
    bad = [row for row in rows if row.answers.get(question) in BAD_RATINGS]
    if not bad:
        return 0
    try:
        with write_session(factory) as session:
            for row in bad:
                rated_at = row.submitted_at or row.created_at
                case = RatingCase(response_id=row.id, campaign_id=campaign.id, site_id=row.site_id,
                                  rating=int(row.answers[question]), rated_at=rated_at,
                                  **_dues(rated_at, limits, calendar))
                session.add(case)
                session.flush()
                record(session, "open", "rating_case", case.id, details={"response": row.id,
                                                                           "rating": case.rating})
    except IntegrityError:  # another sweep opened some of them at the same moment: sweep again
        return open_cases(factory, campaign, questionnaire, calendar=calendar)
    return len(bad)


def current_due(case: RatingCase) -> dt.datetime | None:
    """The deadline of the step the case is waiting for (None once answered)."""
    return {CaseStatus.OPEN.value: case.due_verify, CaseStatus.VERIFIED.value: case.due_rectify,
            CaseStatus.RECTIFIED.value: case.due_reply}.get(case.status)


def is_overdue(case: RatingCase, now: dt.datetime) -> bool:
    due = current_due(case)
    return due is not None and now > due


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    allowed_from: tuple[str, ...]
    becomes: str


def _advance(factory: sessionmaker[Session], case_id: int, base_version: int, step: _Step, user_id: int,
             changes: Mapping[str, Any]) -> RatingCase:
    with write_session(factory) as session:
        case = session.get(RatingCase, case_id, with_for_update=True)
        if case is None:
            raise CaseError(f"no case {case_id}")
        if case.row_version != base_version:
            raise CaseConflict(f"case {case_id} changed since you opened it (version {base_version} → "
                               f"{case.row_version}); reload it and decide again")
        if case.status not in step.allowed_from:
            raise CaseError(f"case {case_id} is '{case.status}': '{step.name}' comes after "
                            f"{' or '.join(step.allowed_from)}")
        for key, value in changes.items():
            setattr(case, key, value)
        case.status = step.becomes
        session.flush()
        record(session, step.name, "rating_case", case.id, user_id=user_id,
               details={k: v for k, v in changes.items() if not k.endswith("_hash") and not k.endswith("_at")})
        session.expunge(case)
    return case


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise CaseError(f"{field}: write what was found or done (it is shown to supervisors and auditors)")
    return text[:4000]


def verify(factory: sessionmaker[Session], case_id: int, base_version: int, *, founded: bool, note: str,
           user_id: int) -> RatingCase:
    """核实: was the complaint founded?  An unfounded one goes straight to the reply."""
    becomes = CaseStatus.VERIFIED.value if founded else CaseStatus.RECTIFIED.value
    return _advance(factory, case_id, base_version, _Step("verify", (CaseStatus.OPEN.value,), becomes), user_id,
                    {"founded": founded, "verification": _text(note, "verification"), "verified_at": utcnow()})


def rectify(factory: sessionmaker[Session], case_id: int, base_version: int, *, action: str,
            user_id: int) -> RatingCase:
    """整改: what was changed."""
    return _advance(factory, case_id, base_version,
                    _Step("rectify", (CaseStatus.VERIFIED.value,), CaseStatus.RECTIFIED.value), user_id,
                    {"rectification": _text(action, "rectification"), "rectified_at": utcnow()})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def reply(factory: sessionmaker[Session], case_id: int, base_version: int, *, text: str,
          user_id: int) -> tuple[RatingCase, str]:
    """反馈: the answer to the rater, with a single-use re-rating token (returned once, stored hashed)."""
    token = secrets.token_urlsafe(24)
    case = _advance(factory, case_id, base_version, _Step("reply", (CaseStatus.RECTIFIED.value,),
                                                          CaseStatus.REPLIED.value), user_id,
                    {"reply": _text(text, "reply"), "replied_at": utcnow(), "rerate_token_hash": _token_hash(token)})
    return case, token


def case_for_token(session: Session, token: str) -> RatingCase | None:
    return session.scalar(select(RatingCase).where(RatingCase.rerate_token_hash == _token_hash(token)))


def rerate(factory: sessionmaker[Session], token: str, rating: int) -> RatingCase:
    """监督: the rater rates again through the reply's link, once; the case closes."""
    if rating not in (1, 2, 3, 4, 5):
        raise CaseError("rating: choose one of the five levels")
    with write_session(factory) as session:
        case = session.scalar(select(RatingCase).where(RatingCase.rerate_token_hash == _token_hash(token))
                              .with_for_update())  # two taps at once: the second waits, then sees the first
        if case is None:
            raise CaseError("this link is not valid")
        if case.rerating is not None:
            raise CaseError("already rated again")
        case.rerating, case.rerated_at, case.status = rating, utcnow(), CaseStatus.CLOSED.value
        session.flush()
        record(session, "rerate", "rating_case", case.id, details={"rating": rating})
        session.expunge(case)
    return case
