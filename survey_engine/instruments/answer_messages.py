"""Bilingual messages for answer problems: respondents read these, in their language."""

from __future__ import annotations

from enum import Enum

from survey_engine.instruments.model import Text

__all__ = ["AnswerCode", "message"]


class AnswerCode(str, Enum):
    """Why an answer was not accepted (stable; tests and API clients use these)."""

    REQUIRED = "required"
    UNKNOWN_QUESTION = "unknown_question"
    NOT_A_CHOICE = "not_a_choice"
    NOT_ON_SCALE = "not_on_scale"
    NOT_A_NUMBER = "not_a_number"
    NOT_AN_INTEGER = "not_an_integer"
    TOO_MANY_DECIMALS = "too_many_decimals"
    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"
    TOO_FEW_SELECTED = "too_few_selected"
    TOO_MANY_SELECTED = "too_many_selected"
    EXCLUSIVE_COMBINED = "exclusive_combined"
    SPECIFY_MISSING = "specify_missing"
    TOO_LONG = "too_long"
    PATTERN = "pattern"
    NOT_A_DATE = "not_a_date"
    WRONG_PARENT = "wrong_parent"
    NOT_TEXT = "not_text"
    CONSTRAINT = "constraint"
    EXPRESSION_FAILED = "expression_failed"


_TEMPLATES: dict[AnswerCode, tuple[str, str]] = {
    AnswerCode.REQUIRED: ("此题为必答题。", "This question needs an answer."),
    AnswerCode.UNKNOWN_QUESTION: ("问卷中没有此题。", "There is no such question in this questionnaire."),
    AnswerCode.NOT_A_CHOICE: ("“{value}”不是本题的选项。", "“{value}” is not one of the options."),
    AnswerCode.NOT_ON_SCALE: ("请选择{low}到{high}之间的分值。", "Choose a value from {low} to {high}."),
    AnswerCode.NOT_A_NUMBER: ("请输入数字。", "Please enter a number."),
    AnswerCode.NOT_AN_INTEGER: ("请输入整数。", "Please enter a whole number."),
    AnswerCode.TOO_MANY_DECIMALS: ("最多保留{decimals}位小数。", "Use at most {decimals} decimal places."),
    AnswerCode.BELOW_MINIMUM: ("不能小于{limit}。", "The answer must be at least {limit}."),
    AnswerCode.ABOVE_MAXIMUM: ("不能大于{limit}。", "The answer must be at most {limit}."),
    AnswerCode.TOO_FEW_SELECTED: ("请至少选择{limit}项。", "Choose at least {limit} options."),
    AnswerCode.TOO_MANY_SELECTED: ("最多选择{limit}项。", "Choose at most {limit} options."),
    AnswerCode.EXCLUSIVE_COMBINED: ("“{value}”不能与其他选项同时选择。", "“{value}” cannot be combined with other options."),
    AnswerCode.SPECIFY_MISSING: ("请注明“{value}”的具体内容。", "Please specify “{value}”."),
    AnswerCode.TOO_LONG: ("最多{limit}个字。", "Use at most {limit} characters."),
    AnswerCode.PATTERN: ("格式不正确。", "The format is not valid."),
    AnswerCode.NOT_A_DATE: ("请输入有效日期（年-月-日）。", "Enter a valid date (YYYY-MM-DD)."),
    AnswerCode.WRONG_PARENT: ("所选项与上一级不一致，请重新选择。", "This does not belong to the level above; choose again."),
    AnswerCode.NOT_TEXT: ("请输入文字。", "Please enter text."),
    AnswerCode.CONSTRAINT: ("答案不符合要求。", "The answer is not accepted."),
    AnswerCode.EXPRESSION_FAILED: ("无法检查此题（问卷规则出错），请联系调查方。",
                                   "This question could not be checked (a questionnaire rule failed); "
                                   "please tell the survey team."),
}


def message(code: AnswerCode, **values: object) -> Text:
    """The bilingual message for ``code`` with its placeholders filled in."""
    zh, en = _TEMPLATES[code]
    return Text((("en", en.format(**values)), ("zh", zh.format(**values))))
