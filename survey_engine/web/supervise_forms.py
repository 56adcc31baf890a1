"""The supervision pages' forms (Flask-WTF: every form that changes something carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from survey_engine.analysis.fieldwork import QualityFlag
from survey_engine.instruments.forms import as_choices

__all__ = ["QueueFilterForm", "ApproveForm", "RejectForm", "BackcheckForm", "BackcheckSelectForm",
           "UnitImportForm", "AssignForm", "SettingsForm", "FLAG_LABELS"]

#: Quality flags and the back-check mark, as the filter and the tables name them.
FLAG_LABELS = {
    "backcheck": "back-check 回访",
    QualityFlag.SPEEDER.value: "speeder 过快",
    QualityFlag.STRAIGHTLINING.value: "straight-lining 直线作答",
    QualityFlag.ITEM_NONRESPONSE.value: "item nonresponse 漏答",
    QualityFlag.OUTSIDE_SLOT.value: "outside slot 时段外",
    QualityFlag.OUTSIDE_SITE.value: "outside site 地点不符",
    QualityFlag.PARADATA_INVALID.value: "bad paradata 过程数据有误",
}


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    interviewer = SelectField("Interviewer / 访员", validators=[Optional()])
    site = SelectField("Site / 地点", validators=[Optional()])
    status = SelectField("Status / 状态", choices=as_choices([("", "all 全部"), ("complete", "complete 待审"),
                                                             ("needs_review", "needs review 需复核")]),
                         validators=[Optional()])
    mode = SelectField("Mode / 方式", choices=as_choices([("", "interviews 访员访问"), ("intercept", "intercept 拦截"),
                                                         ("household", "household 入户"), ("online", "online 网络"),
                                                         ("any", "any 全部")]), validators=[Optional()])
    flag = SelectField("Flag / 标记", choices=as_choices([("", "any 任意"), *FLAG_LABELS.items()]),
                       validators=[Optional()])


class _Versioned(FlaskForm):
    row_version = IntegerField(validators=[InputRequired()])
    next = HiddenField()


class ApproveForm(_Versioned):
    pass


class RejectForm(_Versioned):
    reason = StringField("Reason / 退回原因", validators=[DataRequired(), Length(max=2000)])


class BackcheckForm(_Versioned):
    flagged = HiddenField(default="1")
    note = StringField("Note / 备注", validators=[Optional(), Length(max=500)])


class BackcheckSelectForm(FlaskForm):
    percent = FloatField("Share per interviewer, % / 每名访员抽查比例（%）",
                         validators=[InputRequired(), NumberRange(min=0.1, max=100)])
    seed = IntegerField("Random seed (empty: new) / 随机种子（留空则新生成）",
                        validators=[Optional(), NumberRange(min=0, max=2**32 - 1)])


class UnitImportForm(FlaskForm):
    units = FileField("Sample file (CSV, UTF-8) / 样本文件（CSV）", validators=[FileRequired()])
    seed = IntegerField("Kish table seed (empty: new) / Kish表随机种子", validators=[Optional(),
                                                                              NumberRange(min=0, max=2**32 - 1)])


class AssignForm(FlaskForm):
    interviewer = SelectField("Assign to / 分配给", coerce=int)


class SettingsForm(FlaskForm):
    completes = IntegerField("Target completes / 目标完成量", validators=[Optional(), NumberRange(min=0)])
    max_attempts = IntegerField("Maximum visit attempts / 最多访问次数", default=5,
                                validators=[InputRequired(), NumberRange(min=1, max=50)])
    backcheck_percent = FloatField("Back-check share, % / 回访比例（%）", default=10.0,
                                   validators=[InputRequired(), NumberRange(min=0.1, max=100)])
    quotas = TextAreaField("Quotas, one per line: variable,code,target / 配额（每行：变量,代码,目标数）",
                           validators=[Optional(), Length(max=20_000)])
