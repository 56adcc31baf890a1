"""A stored campaign as report inputs: its counted responses as the analysis dataset with the
design columns its ``targets["design"]`` describes (keys in docs/reports.md), and its previous wave.

Shared by ``survey-engine report``, the dashboards' results and report download, and the
analysis-ready SPSS/Stata exports (stratum, fpc, base and final weights).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from survey_engine.errors import ReportError, ReportErrorCode

__all__ = ["campaign_inputs", "wave_of", "wave_design_rows", "DESIGN_COLUMNS"]


#: The design file used for a campaign with stratum information: stratified, weight N_h / n_h, fpc N_h.
DESIGN_COLUMNS = {"strata": "stratum", "weights": "base_weight", "fpc": "frame_size"}
_COUNTED = ("complete", "approved")


def _error(message: str, code: str) -> Exception:
    return ReportError(message, ReportErrorCode[code])


def _title_of(name: str) -> tuple[str, str]:
    """Names are often "中文 English": split at the first Latin letter after the start, if any."""
    return next(((name[:i].strip(), name[i:].strip()) for i, ch in enumerate(name)
                 if i > 0 and ch.isascii() and ch.isalpha()), (name, name))


def _title(campaign: Any) -> tuple[str, str]:
    return _title_of(campaign.name)


def _design_info(campaign: Any) -> dict[str, Any]:
    info = (campaign.targets or {}).get("design") or {}
    if not isinstance(info, Mapping):
        raise _error(f"campaign '{campaign.slug}': targets.design must be a JSON object (see docs/reports.md)",
                     "BAD_DESIGN_INFO")
    return dict(info)


def wave_of(session: Any, campaign: Any) -> tuple[Any, pd.DataFrame, dict[str, Any]]:
    """(questionnaire, analysis dataset with design columns, design file) of one campaign's responses."""
    questionnaire, data, design, _ = _wave(session, campaign)
    return questionnaire, data, design


def wave_design_rows(session: Any, campaign: Any) -> pd.DataFrame | None:
    """``uuid``, stratum, fpc (N_h) and base weight (N_h / n_h) of the counted responses of a
    campaign whose ``targets["design"]`` names its strata; None for a campaign without them."""
    if not (_design_info(campaign).get("strata")):
        return None
    _, data, _, responses = _wave(session, campaign)
    return pd.DataFrame({"uuid": [r.client_uuid for r in responses], "stratum": data["stratum"].to_numpy(),
                         "fpc": data["frame_size"].to_numpy(), "base_weight": data["base_weight"].to_numpy()})


def _wave(session: Any, campaign: Any) -> tuple[Any, pd.DataFrame, dict[str, Any], list[Any]]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from survey_engine.instruments.dataset import answers_frame
    from survey_engine.store.catalog import instrument_of
    from survey_engine.store.models import Response

    questionnaire = instrument_of(campaign.version)
    responses = session.scalars(select(Response).options(selectinload(Response.site)).where(
        Response.campaign_id == campaign.id, Response.status.in_(_COUNTED)).order_by(Response.id)).all()
    if not responses:
        raise _error(f"campaign '{campaign.slug}' has no complete responses; nothing to report", "NO_RESPONSES")
    data = answers_frame(questionnaire, [r.answers for r in responses])
    data.insert(0, "mode", [r.mode for r in responses])
    site_codes = [r.site.code if r.site else None for r in responses]
    if "site" in data:  # interviewers record the site; the response's site (QR link) fills the rest
        data["site"] = [answer if isinstance(answer, str) else code for answer, code in zip(data["site"], site_codes)]
    else:
        data.insert(0, "site", site_codes)
    info = _design_info(campaign)
    strata = info.get("strata") or {}
    if not strata:
        data["base_weight"] = 1.0
        return questionnaire, data, {"weights": "base_weight"}, responses
    column = info.get("stratum", "site")
    if column not in data:
        raise _error(f"campaign '{campaign.slug}': targets.design.stratum names '{column}', which is not a "
                     "column of the responses", "BAD_DESIGN_INFO")
    data["stratum"] = data[column].astype(str)
    unknown = sorted(set(data["stratum"]) - set(strata))
    if unknown:
        raise _error(f"campaign '{campaign.slug}': response stratum value(s) {', '.join(unknown)} have no entry "
                     "in targets.design.strata; add their frame_size", "BAD_DESIGN_INFO")
    unsized = sorted(code for code, entry in strata.items() if not isinstance(entry, Mapping)
                     or not isinstance(entry.get("frame_size"), (int, float)) or entry["frame_size"] <= 0)
    if unsized:
        raise _error(f"campaign '{campaign.slug}': targets.design.strata.{unsized[0]}.frame_size must be a "
                     "positive number (the stratum's population size N_h)", "BAD_DESIGN_INFO")
    sizes = {code: float(entry["frame_size"]) for code, entry in strata.items()}
    achieved = data["stratum"].value_counts()
    data["frame_size"] = data["stratum"].map(sizes)
    data["base_weight"] = data["frame_size"] / data["stratum"].map(achieved)  # N_h / n_h within each stratum
    return questionnaire, data, dict(DESIGN_COLUMNS), responses


def campaign_inputs(session: Any, slug: str) -> Any:
    """The ``ReportInputs`` of a stored campaign (and of its previous wave, when one is named)."""
    from survey_engine.reports.inputs import ReportInputs, StratumFigures, Wave
    from survey_engine.store.catalog import open_campaign

    campaign = open_campaign(session, slug)
    if campaign is None:
        raise _error(f"campaign '{slug}' not found; `survey-engine serve --demo` makes "
                     "'demo-satisfaction-2026'", "UNKNOWN_CAMPAIGN")
    questionnaire, data, design = wave_of(session, campaign)
    info = _design_info(campaign)
    sites = {site.code: site.name for site in campaign.sites}
    strata = tuple(StratumFigures(code, _title_of(sites.get(code, code)), entry.get("frame_size"),
                                  entry.get("allocated"), entry.get("issued"))
                   for code, entry in (info.get("strata") or {}).items())
    previous = None
    if info.get("previous_campaign"):
        before = open_campaign(session, info["previous_campaign"])
        if before is None:
            raise _error(f"campaign '{slug}': previous_campaign '{info['previous_campaign']}' not found",
                         "UNKNOWN_CAMPAIGN")
        _, old, old_design = wave_of(session, before)
        previous = Wave(before.slug, old, old_design)
    rating = info.get("rating_item") or (questionnaire.scoring.composite.overall_item
                                         if questionnaire.scoring and questionnaire.scoring.composite else None)
    return ReportInputs(
        campaign=slug, title=_title(campaign), questionnaire=questionnaire, data=data, design=design,
        previous=previous, strata=strata, stratum_column="stratum" if strata else None,
        frame_description=_bilingual(info.get("frame")), design_description=_bilingual(info.get("description")),
        domains=tuple(info.get("domains") or ("respondent_type",)), rating_item=rating,
        rating_by="stratum" if strata else None,
        demand_question="needs" if "needs" in {q.id for q in questionnaire.questions()} else None,
        unmet_question="unmet_needs" if "unmet_needs" in {q.id for q in questionnaire.questions()} else None,
        labels={code: _title_of(name) for code, name in sites.items()})


def _bilingual(text: Any) -> tuple[str, str] | None:
    if isinstance(text, Mapping):
        return str(text.get("zh", text.get("en", ""))), str(text.get("en", text.get("zh", "")))
    return (str(text), str(text)) if text else None


