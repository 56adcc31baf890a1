"""Data-quality flags from paradata, on the bundled IP-service satisfaction questionnaire (7 matrices)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from survey_engine.analysis.fieldwork import (
    TOTAL,
    FieldworkErrorCode,
    QualityFlag,
    QualityRules,
    interviewer_table,
    page_times,
    parse_paradata,
    response_quality,
)
from survey_engine.errors import FieldworkError

SHOWN_ON_MAIN_ROUTE = 54  # answerable items an intercepted individual using one service is shown


@pytest.fixture(scope="module")
def questionnaire(repo_dir: Path):
    from survey_engine.instruments import load

    return load(repo_dir / "questionnaires" / "ip_service_satisfaction.json")


@pytest.fixture(scope="module")
def matrices(questionnaire) -> dict[str, list[str]]:
    return {q.id: [item.id for item in q.items] for q in questionnaire.questions() if q.type.value == "matrix"}


def answers(matrices, *, uniform: int | None = None, **changes) -> dict:
    """A complete intercept answer set; matrices vary row by row unless ``uniform`` is given."""
    base = {"site": "centre_main", "used_12m": "yes", "today_service": "patent_acceptance", "wait_minutes": 10,
            "respondent_type": "individual", "region_province": "440000", "region_city": "440100",
            "region_district": "440103", "services_used": ["patent_acceptance"], "visit_count": 3,
            "sat_patent_acceptance": 4, "conv_repeat_visits": 2, "expectation": 4, "overall_sat": 4,
            "compare_last_year": "better", "recommend": 8, "suggestions": "更多线上服务", "followup_consent": "no"}
    for items in matrices.values():
        for k, item in enumerate(items):
            base[item] = uniform if uniform is not None else 1 + k % 5
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def paradata(total: float = 600.0, *, start: str = "2026-11-23T09:10:00+08:00", **changes) -> dict:
    """Three page visits (one page twice) adding up to ``total`` seconds, inside a 09:00–11:00 slot."""
    pages = [{"page": "screening", "seconds": total * 0.2}, {"page": "p_staff", "seconds": total * 0.5},
             {"page": "screening", "seconds": total * 0.3}]
    raw = {"started_at": start, "finished_at": "2026-11-23T09:40:00+08:00", "pages": pages,
           "planned_site": "centre_main",
           "slot": {"start": "2026-11-23T09:00:00+08:00", "end": "2026-11-23T11:00:00+08:00"}}
    raw.update(changes)
    return raw


_DEFAULT = object()


def record(rid: str, matrices, *, interviewer: str = "iv1", site: str = "centre_main", para=_DEFAULT,
           **answer_changes):
    return {"response_id": rid, "interviewer": interviewer, "site": site, "mode": "intercept",
            "answers": answers(matrices, **answer_changes), "paradata": paradata() if para is _DEFAULT else para}


def test_timings_per_response_and_page(questionnaire, matrices):
    """Elapsed is finish − start, active is the sum of page visits, repeated pages add up."""
    out = response_quality(questionnaire, [record("r1", matrices)])
    row = out.iloc[0]
    assert row["elapsed_seconds"] == 30 * 60 and row["active_seconds"] == 600 and row["duration_seconds"] == 600
    assert row["page_seconds"] == {"screening": 300.0, "p_staff": 300.0} and row["pages_visited"] == 3
    assert row["flags"] == () and not row[[f.value for f in QualityFlag]].any()


def test_page_times_are_tidy(matrices):
    """page_times gives one row per visit, in order, and skips invalid paradata."""
    bad = record("r2", matrices, para={"pages": "x"})
    table = page_times([record("r1", matrices), bad])
    assert table.columns.tolist() == ["response_id", "visit", "page", "seconds"]
    assert table["page"].tolist() == ["screening", "p_staff", "screening"] and set(table["response_id"]) == {"r1"}


def test_elapsed_time_is_used_without_pages():
    """Without page times, the duration is the wall-clock time."""
    para = parse_paradata({"started_at": "2026-11-23T09:00:00Z", "finished_at": "2026-11-23T10:00:00+01:00"})
    assert para.valid and para.duration_seconds == 0.0 and math.isnan(para.active_seconds)


def test_speeder_below_half_the_median(questionnaire, matrices):
    """With durations 580–620 s (median 600), 290 s is a speeder (< 0.5 × 600) and 310 s is not."""
    totals = [600, 620, 580, 610, 290, 310]
    rows = [record(f"r{i}", matrices, para=paradata(t)) for i, t in enumerate(totals)]
    out = response_quality(questionnaire, rows)
    assert out["speeder"].tolist() == [False, False, False, False, True, False]
    stricter = response_quality(questionnaire, rows, rules=QualityRules(speeder_fraction=0.3))
    assert not stricter["speeder"].any()


def test_speeder_median_is_per_campaign_and_completes_only(questionnaire, matrices):
    """Medians are taken within a campaign and over completes (1.1); other dispositions are not judged."""
    rows = [record("a1", matrices, para=paradata(600)), record("a2", matrices, para=paradata(600)),
            record("a3", matrices, para=paradata(250)), record("b1", matrices, para=paradata(200)),
            record("b2", matrices, para=paradata(220)), record("b3", matrices, para=paradata(30))]
    for row, campaign, disposition in zip(rows, "aaabbb", ["1.1", "1.1", "1.1", "1.1", "1.1", "1.2"], strict=True):
        row["campaign"], row["disposition"] = campaign, disposition
    out = response_quality(questionnaire, rows)
    # campaign a: median 600 → 250 is fast; campaign b: median of completes 210 → 200, 220 fine; b3 is partial.
    assert out["speeder"].tolist() == [False, False, True, False, False, False]


def test_absolute_seconds_per_item(questionnaire, matrices):
    """The optional absolute rule flags fewer than k seconds per answered item whatever the median."""
    out = response_quality(questionnaire, [record("r1", matrices, para=paradata(100))],
                           rules=QualityRules(speeder_seconds_per_item=2.0))
    assert out.iloc[0]["items_answered"] == SHOWN_ON_MAIN_ROUTE and out.iloc[0]["speeder"]  # 100/54 < 2


def test_straightlining_needs_repeated_uniform_matrices(questionnaire, matrices):
    """All seven matrices uniform is flagged; one uniform matrix only when min_matrices is 1."""
    one = {item: 4 for item in matrices["m_staff"]}
    rows = [record("all", matrices, uniform=4), record("one", matrices, **one)]
    out = response_quality(questionnaire, rows)
    assert out["matrices_checked"].tolist() == [7, 7]
    assert len(out.iloc[0]["matrices_straightlined"]) == 7 and out.iloc[1]["matrices_straightlined"] == ("m_staff",)
    assert out["straightlining"].tolist() == [True, False]
    lenient = response_quality(questionnaire, rows, rules=QualityRules(straightline_min_matrices=1))
    assert lenient["straightlining"].tolist() == [True, True]


def test_not_applicable_answers_are_not_substantive(questionnaire, matrices):
    """A 5-row matrix with one 'NA' has 4 substantive answers: too few to judge at the default of 5 rows."""
    items = matrices["m_accessibility"]
    changes = {item: 4 for item in items} | {items[0]: "NA"}
    out = response_quality(questionnaire, [record("r", matrices, **changes)])
    assert out.iloc[0]["matrices_checked"] == 6 and "m_accessibility" not in out.iloc[0]["matrices_straightlined"]


def test_item_nonresponse_counts_shown_items_only(questionnaire, matrices):
    """12 of 54 shown items left empty is 22% (flagged); the hidden rights matrix never counts."""
    dropped = dict.fromkeys(matrices["m_staff"] + matrices["m_results"] + ["suggestions"], None)
    out = response_quality(questionnaire, [record("full", matrices), record("gaps", matrices, **dropped)])
    full, gaps = out.iloc[0], out.iloc[1]
    assert full["items_shown"] == SHOWN_ON_MAIN_ROUTE and full["item_nonresponse_rate"] == 0
    assert gaps["items_shown"] == SHOWN_ON_MAIN_ROUTE and gaps["items_answered"] == SHOWN_ON_MAIN_ROUTE - 12
    assert gaps["item_nonresponse_rate"] == pytest.approx(12 / 54) and gaps["item_nonresponse"]
    assert not full["item_nonresponse"]


def test_routing_follows_answers_and_mode(questionnaire, matrices):
    """Using rights assistance shows its rating and the rights matrix (+6); online mode hides site and visit (−3)."""
    rights = record("rights", matrices, services_used=["patent_acceptance", "rights_assistance"],
                    sat_rights_assistance=3, most_helpful="patent_acceptance")
    online = record("online", matrices) | {"mode": "online"}
    out = response_quality(questionnaire, [rights, online])
    assert out.iloc[0]["items_shown"] == SHOWN_ON_MAIN_ROUTE + 6 + 1  # + most_helpful (two services used)
    assert out.iloc[1]["items_shown"] == SHOWN_ON_MAIN_ROUTE - 3 + 1  # − site, today_service, wait_minutes; + channel


def test_outside_slot_and_site(questionnaire, matrices):
    """Starting at 11:00 (slot end, exclusive) or at another site raises the matching flag."""
    late = record("late", matrices, para=paradata(start="2026-11-23T11:00:00+08:00",
                                                 finished_at="2026-11-23T11:30:00+08:00"))
    elsewhere = record("elsewhere", matrices, site="district_branch")
    utc = record("utc", matrices, para=paradata(start="2026-11-23T01:30:00Z"))  # 09:30 +08:00
    out = response_quality(questionnaire, [late, elsewhere, utc]).set_index("response_id")
    assert out.loc["late", "flags"] == ("outside_slot",)
    assert out.loc["elsewhere", "flags"] == ("outside_site",)
    assert out.loc["utc", "flags"] == ()


@pytest.mark.parametrize(("para", "reason"), [
    ({"finished_at": "2026-11-23T09:40:00+08:00"}, "started_at is missing"),
    (paradata(start="yesterday"), "not an ISO 8601 timestamp"),
    (paradata(start="2026-11-23T09:10:00"), "no UTC offset"),
    (paradata(start="2026-11-23T10:10:00+08:00"), "is before started_at"),
    (paradata(pages=[{"page": "screening", "seconds": -4}]), "negative"),
    (paradata(pages=[{"page": "screening", "seconds": "ten"}]), "not a number"),
    (paradata(pages=[{"seconds": 3}]), "no page id"),
    (paradata(slot={"start": "2026-11-23T11:00:00+08:00", "end": "2026-11-23T09:00:00+08:00"}), "slot.end"),
    ("not a dict", "paradata is not an object"),
    (None, "paradata is not an object"),
])
def test_bad_paradata_is_flagged_not_raised(questionnaire, matrices, para, reason):
    """Broken paradata flag the row with the reason; timings are NaN and speed is not judged."""
    rows = [record("ok1", matrices), record("ok2", matrices), record("bad", matrices, para=para)]
    out = response_quality(questionnaire, rows).set_index("response_id")
    bad = out.loc["bad"]
    assert bad["paradata_invalid"] and "paradata_invalid" in bad["flags"] and reason in bad["paradata_reason"]
    assert math.isnan(bad["duration_seconds"]) and not bad["speeder"] and not bad["outside_slot"]
    assert not out.loc["ok1", "paradata_invalid"] and out.loc["ok1", "paradata_reason"] == ""


def test_interviewer_table(questionnaire, matrices):
    """Per interviewer: responses, completes, median duration, flag counts and REF1 from the case table."""
    rows = [record("a1", matrices, interviewer="A", para=paradata(600)),
            record("a2", matrices, interviewer="A", para=paradata(200)),
            record("a3", matrices, interviewer="A", para=paradata(700), uniform=4),
            record("b1", matrices, interviewer="B", para=paradata(610), site="district_branch")]
    quality = response_quality(questionnaire, rows)
    cases = pd.DataFrame({"interviewer": ["A"] * 5 + ["B"] * 3 + ["C"],
                          "disposition": ["1.1", "1.1", "1.1", "2.11", "3.21", "1.1", "2.11", "2.11", "2.24"]})
    table = interviewer_table(quality, cases).set_index("interviewer")
    assert table.index.tolist() == ["A", "B", "C", TOTAL]
    a = table.loc["A"]
    assert (a["responses"], a["completes"], a["median_duration_seconds"]) == (3, 3, 600)
    assert (a["n_speeder"], a["n_straightlining"], a["flagged"]) == (1, 1, 2)
    assert table.loc["B", "n_outside_site"] == 1
    assert a["cases"] == 5 and a["REF1"] == pytest.approx(1 / 5) and table.loc["B", "REF1"] == pytest.approx(2 / 3)
    assert table.loc["C", "responses"] == 0 and table.loc["C", "REF1"] == 0
    assert table.loc[TOTAL, "responses"] == 4 and table.loc[TOTAL, "REF1"] == pytest.approx(3 / 9)


def test_interviewer_table_counts_completes_from_dispositions(questionnaire, matrices):
    """With a disposition column, only 1.1 responses count as completes."""
    rows = [record("a1", matrices) | {"disposition": "1.1"}, record("a2", matrices) | {"disposition": "1.2"}]
    table = interviewer_table(response_quality(questionnaire, rows), total=False)
    assert table[["responses", "completes"]].iloc[0].tolist() == [2, 1]


@pytest.mark.parametrize(("call", "code"), [
    (lambda q, m: response_quality(q, [{"response_id": "x", "answers": {}}]), FieldworkErrorCode.UNKNOWN_COLUMN),
    (lambda q, m: response_quality(q, [{"response_id": "x", "answers": [], "paradata": {}}]),
     FieldworkErrorCode.BAD_OPTION),
    (lambda q, m: QualityRules(speeder_fraction=1.5), FieldworkErrorCode.BAD_OPTION),
    (lambda q, m: QualityRules(straightline_min_rows=1), FieldworkErrorCode.BAD_OPTION),
    (lambda q, m: interviewer_table(pd.DataFrame({"x": [1]})), FieldworkErrorCode.UNKNOWN_COLUMN),
    (lambda q, m: interviewer_table(response_quality(q, [record("r", m)]), refusal_rate="REF9"),
     FieldworkErrorCode.BAD_OPTION),
])
def test_bad_arguments(questionnaire, matrices, call, code):
    """Missing columns, non-dict answers and out-of-range rules are typed errors, not crashes."""
    with pytest.raises(FieldworkError) as info:
        call(questionnaire, matrices)
    assert info.value.code is code
