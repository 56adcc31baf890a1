"""A campaign's fieldwork settings, kept in ``Campaign.targets`` (JSON).

Keys: ``completes`` (int, the target number of completed interviews), ``quotas`` (list of
``{"variable", "code", "target"}``: completes wanted with that answer code, usually of the
respondent-type question), ``max_attempts`` (int, default 5) and ``backcheck_percent``
(number, default 10).  Other keys in ``targets`` belong to other features and are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from survey_engine.errors import Problem
from survey_engine.instruments.model import Questionnaire
from survey_engine.store.audit import record
from survey_engine.store.models import Campaign
from survey_engine.store.supervision import DEFAULT_BACKCHECK_PERCENT, SupervisionError, SupervisionErrorCode

__all__ = ["Quota", "FieldworkSettings", "fieldwork_settings", "parse_quotas", "save_settings",
           "DEFAULT_MAX_ATTEMPTS"]

DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Quota:
    variable: str
    code: str
    target: int

    def as_dict(self) -> dict[str, Any]:
        return {"variable": self.variable, "code": self.code, "target": self.target}


@dataclass(frozen=True, slots=True)
class FieldworkSettings:
    completes: int | None = None
    quotas: tuple[Quota, ...] = field(default=())
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backcheck_percent: float = DEFAULT_BACKCHECK_PERCENT


def fieldwork_settings(campaign: Campaign) -> FieldworkSettings:
    """The settings stored on ``campaign`` with defaults for what is missing."""
    targets = campaign.targets or {}
    quotas = tuple(Quota(str(q["variable"]), str(q["code"]), int(q["target"])) for q in targets.get("quotas") or ())
    completes = targets.get("completes")
    return FieldworkSettings(
        completes=None if completes is None else int(completes), quotas=quotas,
        max_attempts=int(targets.get("max_attempts") or DEFAULT_MAX_ATTEMPTS),
        backcheck_percent=float(targets.get("backcheck_percent") or DEFAULT_BACKCHECK_PERCENT))


def parse_quotas(text: str, questionnaire: Questionnaire | None = None) -> tuple[Quota, ...]:
    """Quotas written one per line as ``variable,code,target``; every bad line is reported."""
    answer_ids = {aid for q in questionnaire.questions() for aid in q.answer_ids} if questionnaire else None
    quotas, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",")]
        where = f"quotas line {number}"
        if len(parts) != 3 or not parts[0] or not parts[1]:
            problems.append(Problem(where, f"{line!r}: write variable,code,target "
                                           "(e.g. respondent_type,enterprise,300)"))
            continue
        variable, code, target = parts
        if answer_ids is not None and variable not in answer_ids:
            problems.append(Problem(where, f"variable {variable!r} is not a question of the questionnaire"))
        if not target.isdigit():
            problems.append(Problem(where, f"target {target!r} is not a whole number >= 0"))
            continue
        quotas.append(Quota(variable, code, int(target)))
    if problems:
        raise SupervisionError("; ".join(str(p) for p in problems), SupervisionErrorCode.BAD_SETTING, tuple(problems))
    return tuple(quotas)


def _checked(settings: FieldworkSettings) -> None:
    checks = {
        "completes": settings.completes is None or settings.completes >= 0,
        "max_attempts": 1 <= settings.max_attempts <= 50,
        "backcheck_percent": 0 < settings.backcheck_percent <= 100,
    }
    problems = tuple(Problem(name, f"{getattr(settings, name)!r} is out of range", SupervisionErrorCode.BAD_SETTING)
                     for name, ok in checks.items() if not ok)
    if problems:
        raise SupervisionError("; ".join(str(p) for p in problems), SupervisionErrorCode.BAD_SETTING, problems)


def save_settings(session: Session, campaign: Campaign, settings: FieldworkSettings, *, user_id: int | None) -> None:
    """Store the settings (audited with the values before and after)."""
    _checked(settings)
    before = {key: (campaign.targets or {}).get(key) for key in ("completes", "quotas", "max_attempts",
                                                                   "backcheck_percent")}
    after = {"completes": settings.completes, "quotas": [q.as_dict() for q in settings.quotas],
             "max_attempts": settings.max_attempts, "backcheck_percent": settings.backcheck_percent}
    campaign.targets = {**(campaign.targets or {}), **after}  # a new dict: JSON columns track assignment only
    record(session, "fieldwork_settings", "campaign", campaign.id, user_id=user_id,
           details={"before": before, "after": after})
