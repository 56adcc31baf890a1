"""The admin pages' forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from survey_engine.instruments.forms import as_choices
from survey_engine.store.models import Role

__all__ = ["UploadForm", "CampaignForm", "SiteForm", "UserForm", "DeviceForm", "InvitationForm", "DecisionForm",
           "StatusForm", "FilterForm"]

_SLUG = Regexp(r"^[A-Za-z0-9_-]+$", message="letters, digits, '-' and '_' only")


class UploadForm(FlaskForm):
    document = FileField("Questionnaire JSON / 问卷文件", validators=[FileRequired()])


class CampaignForm(FlaskForm):
    slug = StringField("Slug / 标识", validators=[DataRequired(), Length(max=80), _SLUG])
    name = StringField("Name / 名称", validators=[DataRequired(), Length(max=200)])
    version = SelectField("Questionnaire version / 问卷版本", coerce=int)
    modes = SelectMultipleField("Modes / 调查方式", choices=as_choices([("online", "online 网络"), ("intercept", "intercept 拦截"),
                                                                     ("household", "household 入户")]),
                                default=["online"], widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput(), validators=[DataRequired()])


class SiteForm(FlaskForm):
    code = StringField("Code / 代码", validators=[DataRequired(), Length(max=60), _SLUG])
    name = StringField("Name / 名称", validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    username = StringField("Username / 用户名", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password / 密码", validators=[DataRequired(), Length(min=10, max=200)])
    role = SelectField("Role / 角色", choices=as_choices((r.value, r.value) for r in Role))


class DeviceForm(FlaskForm):
    name = StringField("Device name / 设备名称", validators=[DataRequired(), Length(max=120)])
    user = SelectField("Interviewer / 访员", coerce=int, validators=[Optional()])


class InvitationForm(FlaskForm):
    count = IntegerField("Number of invitations / 邀请数", validators=[Optional(), NumberRange(1, 500)])
    site = SelectField("Site / 地点", coerce=int, validators=[Optional()])
    contacts = TextAreaField("Contacts, one per line: name,phone,address / 联系人（每行：姓名,电话,地址）",
                             validators=[Optional(), Length(max=100_000)])


class DecisionForm(FlaskForm):
    decision = SelectField("Decision / 审核", choices=as_choices([("approved", "approve 通过"), ("rejected", "reject 退回")]))
    reason = TextAreaField("Reason for returning it / 退回原因", validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField("Status / 状态", choices=as_choices([("open", "open 进行中"), ("closed", "closed 已结束")]))


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    campaign = SelectField("Campaign / 调查", validators=[Optional()])
    status = SelectField("Status / 状态", choices=as_choices([("", "all"), ("draft", "draft"), ("complete", "complete"),
                                                            ("approved", "approved"), ("rejected", "rejected")]),
                         validators=[Optional()])
