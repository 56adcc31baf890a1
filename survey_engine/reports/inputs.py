"""What the yearly report is made from: one frozen bundle, so the report is a pure function of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from survey_engine.reports.charts import Bilingual

__all__ = ["Wave", "StratumFigures", "ReportInputs"]


@dataclass(frozen=True, slots=True)
class Wave:
    """One wave's analysis dataset and the design file (docs/statistics.md, "Design files") to analyse it."""

    name: str
    data: pd.DataFrame
    design: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StratumFigures:
    """Planning and fieldwork figures of one stratum; any may be unknown (None).

    ``issued`` is the number of sample units approached or invited; the response rate shown
    is achieved / issued (AAPOR RR1 when every issued unit is eligible).
    """

    stratum: str
    label: Bilingual | None = None
    frame_size: float | None = None
    allocated: int | None = None
    issued: int | None = None


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Everything the yearly report shows comes from here.

    ``data`` is the analysis dataset (``instruments.dataset.answers_frame`` plus design
    columns); ``design`` its design file; ``weighting`` an optional TARGETS document of
    ``survey-engine weight`` applied on top of the design; ``previous`` the previous wave (same
    questionnaire scoring) for the comparison and the trend chart.
    """

    campaign: str
    title: Bilingual
    questionnaire: Any
    data: pd.DataFrame
    design: Mapping[str, Any]
    weighting: Any = None
    previous: Wave | None = None
    strata: Sequence[StratumFigures] = ()
    stratum_column: str | None = None
    frame_description: Bilingual | None = None
    design_description: Bilingual | None = None
    period: str | None = None
    domains: Sequence[str] = ("respondent_type",)
    rating_item: str | None = None
    rating_by: str | None = None
    demand_question: str | None = None
    unmet_question: str | None = None
    index_threshold: float = 80.0
    drop_points: float = 3.0
    bad_rating_share: float = 5.0
    level: float = 0.95
    labels: Mapping[str, Bilingual] = field(default_factory=dict)
