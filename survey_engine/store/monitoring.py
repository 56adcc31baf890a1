"""The tables fieldwork monitoring is computed from: one case per sampled unit or approached
visitor, one record per submitted response, and completes against targets and quotas.

The rates and flags themselves come from the pure :mod:`survey_engine.analysis.fieldwork`;
this module only reads the database into the shapes it takes.

Cases (AAPOR codes, read as text):

* a household / enterprise unit with a final disposition counts with it;
* an open unit counts, by default, as it would be closed out now: its last attempt's
  temporary code becomes that code's close-out code (``closeout``: T2.24 → 2.24, T2.111 →
  2.111, ...), and a unit never attempted is 3.11 (not attempted, unknown eligibility).
  With ``open_units="exclude"`` open units are left out (rates of finished cases only);
* intercept: each approached visitor is a case — an interview (mode intercept, not rejected)
  is 1.1, a refusal counted on the tally 2.11, an ineligible visitor 4.70; the latest tally a
  device sent for a slot counts (tallies are running totals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_engine.analysis.fieldwork import DISPOSITION_CODES, QualityRules, closeout, response_quality
from survey_engine.store.catalog import instrument_of
from survey_engine.store.campaign_targets import Quota, fieldwork_settings
from survey_engine.store.models import (
    Campaign, FieldUnit, InterceptTally, QuestionnaireVersion, Response, ResponseStatus, Site, UnitStatus, User,
    VisitAttempt,
)
from survey_engine.store.supervision import COMPLETED

__all__ = ["case_table", "quality_records", "campaign_quality", "Progress", "QuotaFill", "progress", "NONE_LABEL",
           "CASE_COLUMNS"]

#: Label of a missing group (a unit without stratum, an online response without interviewer).
NONE_LABEL = "—"
CASE_COLUMNS = ["campaign", "stratum", "site", "interviewer", "mode", "disposition", "final", "unit_id"]
NOT_ATTEMPTED = "3.11"
INTERCEPT_REFUSAL = "2.11"
INTERCEPT_INELIGIBLE = "4.70"
SUBMITTED = (*COMPLETED, ResponseStatus.REJECTED.value)


def _names(session: Session, model: Any, column: Any) -> dict[int, str]:
    return dict(session.execute(select(model.id, column)).all())


def _unit_cases(session: Session, campaign: Campaign, users: dict[int, str], open_units: str) -> list[dict[str, Any]]:
    last = (select(VisitAttempt.unit_id, VisitAttempt.disposition,
                   func.row_number().over(partition_by=VisitAttempt.unit_id,
                                          order_by=(VisitAttempt.at.desc(), VisitAttempt.id.desc())).label("n"))
            .join(FieldUnit, FieldUnit.id == VisitAttempt.unit_id).where(FieldUnit.campaign_id == campaign.id)
            .subquery())
    last_code = dict(session.execute(select(last.c.unit_id, last.c.disposition).where(last.c.n == 1)).all())
    cases = []
    for unit in session.scalars(select(FieldUnit).where(FieldUnit.campaign_id == campaign.id).order_by(FieldUnit.id)):
        final = unit.status == UnitStatus.FINAL.value and unit.final_disposition is not None
        if not final and open_units == "exclude":
            continue
        code = unit.final_disposition if final else _open_code(last_code.get(unit.id))
        cases.append({"stratum": unit.stratum or NONE_LABEL, "site": NONE_LABEL,
                      "interviewer": users.get(unit.interviewer_id, NONE_LABEL), "mode": "household",
                      "disposition": code, "final": final, "unit_id": unit.id})
    return cases


def _open_code(last: str | None) -> str:
    if last is None or last not in DISPOSITION_CODES:
        return NOT_ATTEMPTED
    return closeout(last)


def _intercept_cases(session: Session, campaign: Campaign, users: dict[int, str]) -> list[dict[str, Any]]:
    sites = _names(session, Site, Site.code)
    ranked = (select(InterceptTally, func.row_number().over(
        partition_by=(InterceptTally.interviewer_id, InterceptTally.site_id, InterceptTally.day,
                      InterceptTally.slot_start),
        order_by=(InterceptTally.created_at.desc(), InterceptTally.id.desc())).label("n"))
        .where(InterceptTally.campaign_id == campaign.id).subquery())
    cases: list[dict[str, Any]] = []
    for tally in session.execute(select(ranked).where(ranked.c.n == 1)).mappings():
        base = {"stratum": NONE_LABEL, "site": sites.get(tally["site_id"], NONE_LABEL),
                "interviewer": users.get(tally["interviewer_id"], NONE_LABEL), "mode": "intercept", "final": True,
                "unit_id": None}
        cases += [{**base, "disposition": INTERCEPT_REFUSAL}] * int(tally["refusals"])
        cases += [{**base, "disposition": INTERCEPT_INELIGIBLE}] * int(tally["ineligible"])
    interviews = session.execute(select(Response.site_id, Response.interviewer_id).where(
        Response.campaign_id == campaign.id, Response.mode == "intercept", Response.status.in_(COMPLETED))).all()
    for site_id, interviewer_id in interviews:
        cases.append({"stratum": NONE_LABEL, "site": sites.get(site_id, NONE_LABEL),
                      "interviewer": users.get(interviewer_id, NONE_LABEL), "mode": "intercept",
                      "disposition": "1.1", "final": True, "unit_id": None})
    return cases


def case_table(session: Session, campaign: Campaign, *,
               open_units: Literal["closeout", "exclude"] = "closeout") -> pd.DataFrame:
    """One row per case (columns :data:`CASE_COLUMNS`), ready for ``rates_by``."""
    users = _names(session, User, User.username)
    cases = _unit_cases(session, campaign, users, open_units) + _intercept_cases(session, campaign, users)
    table = pd.DataFrame(cases, columns=CASE_COLUMNS[1:])
    table.insert(0, "campaign", campaign.slug)
    return table.astype({"disposition": str})


def quality_records(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """Every submitted response of ``campaign`` in the shape ``response_quality`` takes."""
    users = _names(session, User, User.username)
    sites = _names(session, Site, Site.code)
    rows = session.execute(select(Response.id, Response.answers, Response.paradata, Response.interviewer_id,
                                  Response.site_id, Response.mode, Response.status, Response.version_id)
                           .where(Response.campaign_id == campaign.id, Response.status.in_(SUBMITTED))
                           .order_by(Response.id)).all()
    return [{"response_id": rid, "answers": answers or {}, "paradata": paradata, "campaign": campaign.slug,
             "interviewer": users.get(interviewer_id, NONE_LABEL), "site": sites.get(site_id), "mode": mode,
             "status": status, "version_id": version_id}
            for rid, answers, paradata, interviewer_id, site_id, mode, status, version_id in rows]


def campaign_quality(session: Session, campaign: Campaign, rules: QualityRules = QualityRules()) -> pd.DataFrame:
    """``response_quality`` of every submitted response, each routed by its own questionnaire version.

    Speed medians are per campaign and version (a changed questionnaire changes typical length).
    """
    records = quality_records(session, campaign)
    parts = []
    for version_id in sorted({r["version_id"] for r in records}):
        questionnaire = instrument_of(session.get(QuestionnaireVersion, version_id))
        group = [r for r in records if r["version_id"] == version_id]
        table = response_quality(questionnaire, group, rules=rules)
        parts.append(table.assign(status=[r["status"] for r in group]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass(frozen=True, slots=True)
class QuotaFill:
    quota: Quota
    filled: int

    @property
    def share(self) -> float | None:
        return self.filled / self.quota.target if self.quota.target else None


@dataclass(frozen=True, slots=True)
class Progress:
    """Completes against the target: approved, waiting for review, rejected; quotas filled."""

    target: int | None
    approved: int
    waiting: int
    rejected: int
    quotas: tuple[QuotaFill, ...]

    @property
    def completes(self) -> int:
        """Approved plus waiting: rejected interviews do not count until redone."""
        return self.approved + self.waiting

    @property
    def share(self) -> float | None:
        return self.completes / self.target if self.target else None


def _matches(value: Any, code: str) -> bool:
    if isinstance(value, list):
        return any(str(v) == code for v in value)
    return value is not None and str(value) == code


def _quota_fills(answers: Sequence[dict[str, Any]], quotas: Sequence[Quota]) -> tuple[QuotaFill, ...]:
    return tuple(QuotaFill(q, sum(_matches(a.get(q.variable), q.code) for a in answers)) for q in quotas)


def progress(session: Session, campaign: Campaign) -> Progress:
    """Completes (approved + complete + needs_review) against ``targets.completes`` and each quota."""
    settings = fieldwork_settings(campaign)
    counts = dict(session.execute(select(Response.status, func.count()).where(
        Response.campaign_id == campaign.id).group_by(Response.status)).all())
    answers = list(session.scalars(select(Response.answers).where(
        Response.campaign_id == campaign.id, Response.status.in_(COMPLETED)))) if settings.quotas else []
    return Progress(settings.completes, counts.get(ResponseStatus.APPROVED.value, 0),
                    counts.get(ResponseStatus.COMPLETE.value, 0) + counts.get(ResponseStatus.NEEDS_REVIEW.value, 0),
                    counts.get(ResponseStatus.REJECTED.value, 0), _quota_fills(answers, settings.quotas))
