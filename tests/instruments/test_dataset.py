"""The analysis dataset and codebook built from a questionnaire and stored answers."""

from __future__ import annotations

import math

from survey_engine.instruments import from_dict
from survey_engine.instruments.answers import check_answers
from survey_engine.instruments.dataset import answers_frame, codebook, variables
from tests.instruments.test_answers import NOW, VALID


def test_one_column_per_answer_and_option(example):
    """Matrix items and cascade levels are columns; a multiple choice becomes 0/1 columns plus specify text."""
    names = [v.name for v in variables(from_dict(example))]
    assert names[:4] == ["rtype", "staff", "birth", "age_years"]
    assert {"w_speed", "w_repeat", "province", "district", "used__patent", "used__none", "used__other_text"} <= set(names)
    assert "intro" not in names and "phone" not in names


def test_frame_from_checked_answers(example):
    """Stored (checked) answers fill the frame; unanswered multiple choice is missing, not 0."""
    q = from_dict(example)
    stored = check_answers(q, VALID, now=NOW).answers
    frame = answers_frame(q, [stored, {"rtype": "individual"}])
    assert frame.loc[0, "used__patent"] == 1.0 and frame.loc[0, "used__trademark"] == 0.0
    assert frame.loc[0, "used__other_text"] == "版权登记" and frame.loc[0, "sat_patent"] == 4
    assert math.isnan(frame.loc[1, "used__patent"])
    assert "phone" not in frame.columns


def test_personal_data_only_when_asked(example):
    """The phone column appears only with include_personal=True."""
    q = from_dict(example)
    stored = check_answers(q, VALID, now=NOW).answers
    assert answers_frame(q, [stored], include_personal=True).loc[0, "phone"] == "13912345678"


def test_codebook_has_bilingual_labels_and_value_labels(example):
    """The codebook lists labels in the chosen language and value labels, including the NA code."""
    q = from_dict(example)
    en = codebook(q, "en").set_index("variable")
    assert en.loc["overall", "label"] == "Overall satisfaction"
    assert "5=Very satisfied" in en.loc["overall", "values"] and "NA=Not used / not applicable" in en.loc["overall", "values"]
    assert codebook(q, "zh").set_index("variable").loc["used__patent", "label"] == "您办理了哪些业务？: 专利业务"
