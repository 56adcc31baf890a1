"""The 好差评 board and case pages (``/cases``), and the rater's re-rating link (``/rate-again/<token>``).

Managers see rates by site with confidence intervals, every open case with the deadline of its
current step (overdue ones highlighted and counted), and work a case step by step; analysts
may look.  The rater's link is public and single-use.
"""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from survey_engine.analysis import Design
from survey_engine.analysis.ratings import rating_summary
from survey_engine.instruments.forms import as_choices
from survey_engine.store import cases as case_store
from survey_engine.store.catalog import instrument_of
from survey_engine.store.models import Campaign, CaseStatus, RatingCase, Response, ResponseStatus, Role, utcnow
from survey_engine.web.admin import public_url
from survey_engine.web.database import database, db_session
from survey_engine.web.extensions import limiter
from survey_engine.web.qrcodes import qr_svg_data_uri
from survey_engine.web.security import MANAGERS, check_route

__all__ = ["blueprint", "rerate_blueprint"]

blueprint = Blueprint("cases", __name__, url_prefix="/cases")
blueprint.before_request(check_route)
rerate_blueprint = Blueprint("rerate", __name__)

_LEVELS = [("5", "非常满意 Very satisfied"), ("4", "满意 Satisfied"), ("3", "基本满意 Basically satisfied"),
           ("2", "不满意 Dissatisfied"), ("1", "非常不满意 Very dissatisfied")]


class VerifyForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    founded = RadioField("Founded? 情况属实？", choices=as_choices([("yes", "属实 founded"), ("no", "不属实 not founded")]),
                         validators=[InputRequired()])
    note = TextAreaField("What was found 核实情况", validators=[DataRequired(), Length(max=4000)])


class RectifyForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    action = TextAreaField("What was changed 整改措施", validators=[DataRequired(), Length(max=4000)])


class ReplyForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    text = TextAreaField("Reply to the rater 反馈内容", validators=[DataRequired(), Length(max=4000)])


class RerateForm(FlaskForm):
    rating = RadioField("您对整改结果的评价 Your rating now", choices=as_choices(_LEVELS), validators=[InputRequired()])


_FORMS = {CaseStatus.OPEN.value: ("verify", VerifyForm), CaseStatus.VERIFIED.value: ("rectify", RectifyForm),
          CaseStatus.RECTIFIED.value: ("reply", ReplyForm)}


def _campaigns() -> list[Campaign]:
    return list(db_session().scalars(select(Campaign).order_by(Campaign.id).options(joinedload(Campaign.version))))


def _rates_by_site(campaign: Campaign, question: str) -> pd.DataFrame | None:
    """满意率 and 差评率 by site (equal weights: every active rating counts once)."""
    rows = db_session().execute(select(Response.answers, Response.site_id).where(
        Response.campaign_id == campaign.id,
        Response.status.in_((ResponseStatus.COMPLETE.value, ResponseStatus.APPROVED.value)))).all()
    names = {site.id: site.code for site in campaign.sites}
    data = pd.DataFrame({"rating": [r.answers.get(question) for r in rows],
                         "site": [names.get(r.site_id, "—") for r in rows]})
    data = data[pd.to_numeric(data["rating"], errors="coerce").isin([1, 2, 3, 4, 5])]
    if len(data) < 2:
        return None
    summary = rating_summary(Design(data.reset_index(drop=True)), "rating", by="site")
    table = summary.rates.round(1)
    table.columns = [" ".join(str(part) for part in column) for column in table.columns]
    return summary.counts.join(table)


@blueprint.get("/")
def board():
    campaigns = _campaigns()
    wanted = request.args.get("campaign")
    campaign = next((c for c in campaigns if c.slug == wanted), None) or next(
        (c for c in campaigns if case_store.rating_question(c, instrument_of(c.version))), None)
    if wanted and (campaign is None or campaign.slug != wanted):
        abort(404)
    if campaign is None:
        return render_template("cases/board.html", campaigns=campaigns, campaign=None)
    questionnaire = instrument_of(campaign.version)
    opened = case_store.open_cases(database().sessions, campaign, questionnaire)
    db_session().rollback()  # a new read snapshot that sees the cases just opened
    question = case_store.rating_question(campaign, questionnaire)
    now = utcnow()
    found = db_session().scalars(select(RatingCase).where(RatingCase.campaign_id == campaign.id)
                                 .order_by(RatingCase.rated_at).options(joinedload(RatingCase.site))).all()
    active = [c for c in found if c.status not in (CaseStatus.REPLIED.value, CaseStatus.CLOSED.value)]
    overdue = [c for c in active if case_store.is_overdue(c, now)]
    rates = _rates_by_site(campaign, question) if question else None
    return render_template("cases/board.html", campaigns=campaigns, campaign=campaign, cases=found, active=active,
                           overdue={c.id for c in overdue}, opened=opened, now=now, due=case_store.current_due,
                           rates=None if rates is None else rates.to_html(classes="data", border=0),
                           limits=case_store.case_deadlines(campaign))


@blueprint.route("/<int:case_id>", methods=["GET", "POST"])
def case(case_id: int):
    found = db_session().get(RatingCase, case_id)
    if found is None:
        abort(404)
    step = _FORMS.get(found.status)
    form = step[1]() if step else None
    link = qr = None
    status = 200
    if request.method == "POST" and Role(current_user.role) not in MANAGERS:
        abort(403)
    posted = request.form.get("version", "")
    if request.method == "POST" and posted.isdigit() and int(posted) != found.row_version:
        # decided against the version the supervisor saw, before choosing this step's form: a late
        # second verification must not be read as the next step (409, never a lost update)
        return render_template("cases/case.html", case=found, form=None, step=None, due=case_store.current_due,
                               now=utcnow(), error=f"case {case_id} changed since you opened it (version {posted} → "
                                                   f"{found.row_version}); reload it and decide again"), 409
    if form is not None and request.method == "POST":
        if form.validate_on_submit():
            version = int(form.version.data) if str(form.version.data).isdigit() else -1
            try:
                if step[0] == "verify":
                    case_store.verify(database().sessions, case_id, version, founded=form.founded.data == "yes",
                                      note=form.note.data, user_id=current_user.id)
                elif step[0] == "rectify":
                    case_store.rectify(database().sessions, case_id, version, action=form.action.data,
                                       user_id=current_user.id)
                else:
                    _, token = case_store.reply(database().sessions, case_id, version, text=form.text.data,
                                                user_id=current_user.id)
                    link = public_url("rerate.rate_again", token=token)
                    qr = qr_svg_data_uri(link)
            except case_store.CaseConflict as exc:
                return render_template("cases/case.html", case=found, form=form, step=step[0], error=str(exc),
                                       due=case_store.current_due, now=utcnow()), 409
            except case_store.CaseError as exc:
                return render_template("cases/case.html", case=found, form=form, step=step[0], error=str(exc),
                                       due=case_store.current_due, now=utcnow()), 400
            db_session().rollback()  # a new read snapshot that sees the step just saved
            found = db_session().get(RatingCase, case_id)
            step = _FORMS.get(found.status)
            form = step[1](formdata=None) if step else None
        else:
            status = 400
    if form is not None:
        form.version.data = str(found.row_version)
    return render_template("cases/case.html", case=found, form=form, step=step[0] if step else None, link=link,
                           qr=qr, due=case_store.current_due, now=utcnow()), status


@rerate_blueprint.route("/rate-again/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def rate_again(token: str):
    """The rater's single-use link from the reply: rate the service again after the rectification."""
    found = case_store.case_for_token(db_session(), token)
    if found is None:
        return render_template("cases/rerate.html", state="invalid"), 404
    if found.rerating is not None:
        return render_template("cases/rerate.html", state="done", case=found)
    form = RerateForm()
    if form.validate_on_submit():
        try:
            rated = case_store.rerate(database().sessions, token, int(form.rating.data))
        except case_store.CaseError:
            return render_template("cases/rerate.html", state="done", case=found)
        return render_template("cases/rerate.html", state="thanks", case=rated)
    return render_template("cases/rerate.html", state="ask", case=found, form=form), (
        400 if request.method == "POST" else 200)
