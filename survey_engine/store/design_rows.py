"""Design variables of stored interviews, for the analysis-ready exports.

* Household and enterprise interviews: the drawn unit's stratum and PSU, and the base weight
  1 / (unit inclusion probability × within-household selection probability).
* Intercept interviews: the site as stratum, the slot (site × day × start) as PSU, and the
  base weight visitors counted / interviews completed in that slot (Kalton 1991), from the
  interviewers' tallies (the latest running count of each device in each slot) through
  :func:`survey_engine.sampling.intercept.intercept_weights`.

* Campaigns whose ``targets["design"]`` names strata with frame sizes (the yearly report's
  design, docs/reports.md): stratum, fpc = N_h and base weight N_h / n_h of the counted
  (complete and approved) responses.

Anything else (online answers of a campaign without a design, interviews whose slot or unit is
not known, responses not counted) gets no base weight: a missing weight is shown as missing,
never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_engine.sampling.intercept import intercept_weights
from survey_engine.store.models import Campaign, FieldUnit, InterceptTally, Response, Site
from survey_engine.store.report_inputs import wave_design_rows

__all__ = ["design_rows", "slot_of"]

CHINA = ZoneInfo("Asia/Shanghai")


def slot_of(response: Response) -> tuple[str, str] | None:
    """(local day, 'HH:MM' start) of the intercept slot an interview was done in, from its paradata."""
    slot = (response.paradata or {}).get("slot")
    start = slot.get("start") if isinstance(slot, dict) else None
    try:
        moment = dt.datetime.fromisoformat(start) if isinstance(start, str) else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    local = moment.astimezone(CHINA)
    return local.date().isoformat(), local.strftime("%H:%M")


def _unit_row(response: Response, unit: FieldUnit | None) -> dict[str, Any]:
    unit_p = unit.inclusion_probability if unit is not None else None
    member_p = float((response.selection or {}).get("probability") or 1.0)
    prob = unit_p * member_p if unit_p else None
    return {"stratum": unit.stratum if unit else None, "psu": unit.psu if unit else None, "prob": prob,
            "base_weight": 1 / prob if prob else None}


def _slot_weights(session: Session, campaign_id: int, interviews: Counter[tuple[str, str, str]],
                  sites: dict[int, str]) -> dict[tuple[str, str, str], float]:
    latest = (select(func.max(InterceptTally.id)).where(InterceptTally.campaign_id == campaign_id)
              .group_by(InterceptTally.interviewer_id, InterceptTally.site_id, InterceptTally.day,
                        InterceptTally.slot_start))
    visitors: Counter[tuple[str, str, str]] = Counter()
    for tally in session.scalars(select(InterceptTally).where(InterceptTally.id.in_(latest))):
        visitors[(sites.get(tally.site_id, ""), tally.day.isoformat(), tally.slot_start)] += tally.passed
    # a slot whose tallies count fewer visitors than were interviewed was not counted completely:
    # it gets no weight rather than a wrong one
    keys = sorted(k for k in interviews if visitors.get(k, 0) >= interviews[k])
    if not keys:
        return {}
    counts = pd.DataFrame({"site": [k[0] for k in keys], "day": [k[1] for k in keys], "slot": [k[2] for k in keys],
                           "visitors_counted": [visitors[k] for k in keys],
                           "interviews_completed": [interviews[k] for k in keys]})
    return dict(zip(keys, intercept_weights(counts)["weight"].astype(float)))


def design_rows(session: Session, campaign: Campaign, responses: Sequence[Response]) -> pd.DataFrame | None:
    """One row per response keyed by ``uuid``: stratum, psu, prob, fpc, base_weight (None when
    nothing is known about the design of any of them)."""
    stratified = wave_design_rows(session, campaign)
    by_field = _fieldwork_rows(session, campaign.id, responses)
    if stratified is None:
        return by_field
    known = stratified.set_index("uuid")
    rows = pd.DataFrame({"uuid": [r.client_uuid for r in responses]})
    for column in ("stratum", "fpc", "base_weight"):
        rows[column] = rows["uuid"].map(known[column])
    if by_field is not None:  # fieldwork knowledge (units, slots) where the report's design has none
        rows = rows.set_index("uuid").combine_first(by_field.set_index("uuid")).reset_index()
    return rows


def _fieldwork_rows(session: Session, campaign_id: int, responses: Sequence[Response]) -> pd.DataFrame | None:
    sites = {s.id: s.code for s in session.scalars(select(Site).where(Site.campaign_id == campaign_id))}
    units = {u.id: u for u in session.scalars(select(FieldUnit).where(
        FieldUnit.id.in_({r.unit_id for r in responses if r.unit_id is not None})))}
    slots = {r.id: (sites.get(r.site_id or 0, ""), *found) for r in responses
             if r.mode == "intercept" and r.site_id is not None and (found := slot_of(r)) is not None}
    weights = _slot_weights(session, campaign_id, Counter(slots.values()), sites)
    if not units and not weights:
        return None
    rows = []
    for r in responses:
        if r.unit_id is not None:
            rows.append({"uuid": r.client_uuid, **_unit_row(r, units.get(r.unit_id))})
        elif r.id in slots and slots[r.id] in weights:
            key = slots[r.id]
            rows.append({"uuid": r.client_uuid, "stratum": key[0], "psu": "|".join(key), "prob": 1 / weights[key],
                         "base_weight": weights[key]})
        else:
            rows.append({"uuid": r.client_uuid, "stratum": None, "psu": None, "prob": None, "base_weight": None})
    return pd.DataFrame(rows)
