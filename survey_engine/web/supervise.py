"""Supervision pages (督导): review queue, one interview, back-checks, units and assignment,
fieldwork settings, data quality and monitoring.

Supervisors and admins only, except the quality and monitoring pages, which analysts may read
(``security.ROUTE_ROLES``); interviewers see none of it, so never another interviewer's work.
The logic lives in ``store.supervision`` / ``store.monitoring`` and ``analysis.fieldwork``;
views translate requests and render tables.  A decision on a row someone changed meanwhile
answers 409 with a "reload" page.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from survey_engine.analysis.fieldwork import DISPOSITION_CODES, RATE_NAMES, TOTAL, interviewer_table, rates_by
from survey_engine.instruments.forms import as_choices
from survey_engine.store.audit import record
from survey_engine.store.campaign_targets import FieldworkSettings, fieldwork_settings, parse_quotas, save_settings
from survey_engine.store.catalog import instrument_of
from survey_engine.store.models import AuditEntry, Campaign, FieldUnit, Response, Role, User
from survey_engine.store.monitoring import campaign_quality, case_table, progress
from survey_engine.store.supervision import (
    QueueFilter, StaleVersionError, SupervisionError, approve, assign_units, reject, review_queue, select_backchecks,
    set_backcheck,
)
from survey_engine.store.unit_import import REQUIRED_COLUMNS, decode_csv, import_units
from survey_engine.web import supervise_forms as forms
from survey_engine.web.database import db_session, write_on_post
from survey_engine.web.review import review_rows
from survey_engine.web.security import check_route

__all__ = ["blueprint"]

blueprint = Blueprint("supervise", __name__, url_prefix="/supervise")
blueprint.before_request(check_route)
blueprint.before_request(write_on_post)

GROUPINGS = {"campaign": "Campaign 调查", "stratum": "Stratum 层", "site": "Site 地点", "interviewer": "Interviewer 访员"}


@blueprint.errorhandler(StaleVersionError)
def _stale(exc: StaleVersionError):
    db_session().rollback()
    return render_template("supervise/conflict.html", error=exc, back=_next_url(None)), 409


def _campaign_or_404(slug: str) -> Campaign:
    found = db_session().scalar(select(Campaign).where(Campaign.slug == slug))
    return found if found is not None else abort(404)


def _next_url(campaign: Campaign | None) -> str:
    """Where to go after an action: the page it came from (only this blueprint's pages), else the queue."""
    target = request.form.get("next") or ""
    if target.startswith("/supervise/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("supervise.queue", slug=campaign.slug) if campaign else url_for("supervise.home")


def _interviewers() -> list[User]:
    return list(db_session().scalars(select(User).where(User.role == Role.INTERVIEWER.value, User.active.is_(True))
                                     .order_by(User.username)))


def _int_arg(name: str) -> int | None:
    """An id from the query string; anything else (other digits such as '²', beyond a 64-bit column) is no filter."""
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


@blueprint.get("/")
def home():
    campaigns = db_session().scalars(select(Campaign).order_by(Campaign.id.desc())).all()
    return render_template("supervise/home.html", campaigns=campaigns)


# ---------------------------------------------------------------------------------------------- review

def _flags_by_response(quality: pd.DataFrame) -> dict[int, dict[str, Any]]:
    if quality.empty:
        return {}
    return {int(row["response_id"]): {"flags": row["flags"], "duration": row["duration_seconds"]}
            for row in quality[["response_id", "flags", "duration_seconds"]].to_dict("records")}


@blueprint.get("/<slug>/queue")
def queue(slug: str):
    campaign = _campaign_or_404(slug)
    form = forms.QueueFilterForm(request.args)
    form.interviewer.choices = as_choices([("", "all 全部")] + [(str(u.id), u.username) for u in _interviewers()])
    form.site.choices = as_choices([("", "all 全部")] + [(str(s.id), s.code) for s in campaign.sites])
    flag = request.args.get("flag") or None
    where = QueueFilter(interviewer_id=_int_arg("interviewer"), site_id=_int_arg("site"),
                        status=request.args.get("status") or None, backcheck=True if flag == "backcheck" else None,
                        mode=request.args.get("mode") or None)
    rows = review_queue(db_session(), campaign, where)
    quality = _flags_by_response(campaign_quality(db_session(), campaign)) if rows else {}
    if flag and flag != "backcheck":
        rows = [r for r in rows if flag in quality.get(r.id, {}).get("flags", ())]
    return render_template("supervise/queue.html", campaign=campaign, form=form, rows=rows, quality=quality,
                           labels=forms.FLAG_LABELS, here=request.full_path.rstrip("?"))


@blueprint.get("/responses/<int:response_id>")
def response(response_id: int):
    session = db_session()
    found = session.get(Response, response_id) or abort(404)
    quality = campaign_quality(session, found.campaign)
    mine = quality[quality["response_id"] == found.id].to_dict("records") if not quality.empty else []
    history = session.scalars(select(AuditEntry).where(AuditEntry.entity == "response",
                                                       AuditEntry.entity_id == str(found.id))
                              .order_by(AuditEntry.id)).all()
    users = dict(session.execute(select(User.id, User.username)).all())
    record(session, "view", "response", found.id, user_id=current_user.id, details={"page": "supervise"})
    session.commit()
    lang = request.args.get("lang", "zh")
    return render_template("supervise/response.html", campaign=found.campaign, response=found,
                           rows=review_rows(instrument_of(found.version), found.answers, lang, mode=found.mode),
                           paradata=json.dumps(found.paradata, ensure_ascii=False, indent=1),
                           selection=json.dumps(found.selection, ensure_ascii=False) if found.selection else None,
                           quality=mine[0] if mine else None, labels=forms.FLAG_LABELS, history=history, users=users,
                           here=url_for("supervise.response", response_id=found.id))


def _action(response_id: int, form_class: type, act: Any):
    found = db_session().get(Response, response_id) or abort(404)
    form = form_class()
    if not form.validate_on_submit():
        problems = "; ".join(f"{name}: {', '.join(errors)}" for name, errors in form.errors.items())
        abort(400, f"incomplete form / 表单不完整: {problems}")
    act(found, form)
    db_session().commit()
    return redirect(_next_url(found.campaign))


@blueprint.post("/responses/<int:response_id>/approve")
def approve_response(response_id: int):
    return _action(response_id, forms.ApproveForm, lambda found, form: approve(
        db_session(), found.id, seen_version=form.row_version.data, user_id=current_user.id))


@blueprint.post("/responses/<int:response_id>/reject")
def reject_response(response_id: int):
    return _action(response_id, forms.RejectForm, lambda found, form: reject(
        db_session(), found.id, seen_version=form.row_version.data, reason=form.reason.data, user_id=current_user.id))


@blueprint.post("/responses/<int:response_id>/backcheck")
def backcheck_response(response_id: int):
    return _action(response_id, forms.BackcheckForm, lambda found, form: set_backcheck(
        db_session(), found.id, seen_version=form.row_version.data, flagged=form.flagged.data != "0",
        note=form.note.data, user_id=current_user.id))


# ---------------------------------------------------------------------------------------------- back-checks

@blueprint.route("/<slug>/backchecks", methods=["GET", "POST"])
def backchecks(slug: str):
    campaign = _campaign_or_404(slug)
    session = db_session()
    form = forms.BackcheckSelectForm(percent=fieldwork_settings(campaign).backcheck_percent)
    selection = None
    if form.validate_on_submit():
        selection = select_backchecks(session, campaign, percent=form.percent.data, seed=form.seed.data,
                                      user_id=current_user.id)
        session.commit()
    flagged = session.scalars(select(Response).where(Response.campaign_id == campaign.id,
                                                     Response.backcheck.is_(True)).order_by(Response.id)).all()
    users = dict(session.execute(select(User.id, User.username)).all())
    status = 400 if request.method == "POST" and selection is None else 200
    return render_template("supervise/backchecks.html", campaign=campaign, form=form, selection=selection,
                           flagged=flagged, users=users), status


# ---------------------------------------------------------------------------------------------- units

def _units_page(campaign: Campaign, *, import_form=None, problems=(), imported=None, status: int = 200):
    session = db_session()
    stmt = select(FieldUnit).where(FieldUnit.campaign_id == campaign.id).order_by(FieldUnit.unit_key)
    interviewer = _int_arg("interviewer")
    if interviewer is not None:
        stmt = stmt.where(FieldUnit.interviewer_id == (interviewer or None))
    if request.args.get("status"):
        stmt = stmt.where(FieldUnit.status == request.args["status"])
    assign_form = forms.AssignForm()
    interviewers = _interviewers()
    assign_form.interviewer.choices = as_choices([(0, "— unassign 取消分配")] + [(u.id, u.username) for u in interviewers])
    return render_template("supervise/units.html", campaign=campaign, units=session.scalars(stmt.limit(2000)).all(),
                           import_form=import_form or forms.UnitImportForm(), assign_form=assign_form,
                           interviewers=interviewers, problems=problems, imported=imported,
                           columns=REQUIRED_COLUMNS, codes=DISPOSITION_CODES), status


@blueprint.get("/<slug>/units")
def units(slug: str):
    return _units_page(_campaign_or_404(slug))


@blueprint.post("/<slug>/units/import")
def import_unit_file(slug: str):
    campaign = _campaign_or_404(slug)
    form = forms.UnitImportForm()
    if not form.validate_on_submit():
        return _units_page(campaign, import_form=form, status=400)
    try:
        text = decode_csv(form.units.data.read(20_000_000))
        result = import_units(db_session(), campaign, text, seed=form.seed.data, user_id=current_user.id)
    except SupervisionError as exc:
        db_session().rollback()
        return _units_page(campaign, import_form=form, problems=exc.problems, status=400)
    db_session().commit()
    return _units_page(campaign, imported=result)


@blueprint.post("/<slug>/units/assign")
def assign(slug: str):
    campaign = _campaign_or_404(slug)
    form = forms.AssignForm()
    form.interviewer.choices = as_choices([(0, "—")] + [(u.id, u.username) for u in _interviewers()])
    seen = []
    for value in request.form.getlist("unit"):
        unit_id, _, version = value.partition(":")
        if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in (unit_id, version)):
            abort(400, f"unit {value!r}: expected <id>:<row_version>")
        seen.append((int(unit_id), int(version)))
    if not form.validate_on_submit() or not seen:
        abort(400, "choose units and an interviewer / 请选择样本单位和访员")
    assign_units(db_session(), campaign, seen, form.interviewer.data or None, user_id=current_user.id)
    db_session().commit()
    return redirect(_next_url(campaign))


# ---------------------------------------------------------------------------------------------- settings

@blueprint.route("/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    campaign = _campaign_or_404(slug)
    current = fieldwork_settings(campaign)
    form = forms.SettingsForm(data={
        "completes": current.completes, "max_attempts": current.max_attempts,
        "backcheck_percent": current.backcheck_percent,
        "quotas": "\n".join(f"{q.variable},{q.code},{q.target}" for q in current.quotas)})
    problems: tuple = ()
    if form.validate_on_submit():
        try:
            quotas = parse_quotas(form.quotas.data or "", instrument_of(campaign.version))
            save_settings(db_session(), campaign, FieldworkSettings(form.completes.data, quotas,
                                                                    form.max_attempts.data,
                                                                    form.backcheck_percent.data),
                          user_id=current_user.id)
        except SupervisionError as exc:
            db_session().rollback()
            problems = exc.problems
        else:
            db_session().commit()
            return redirect(url_for("supervise.settings", slug=slug, saved=1))
    status = 400 if request.method == "POST" else 200
    return render_template("supervise/settings.html", campaign=campaign, form=form, problems=problems), status


# ---------------------------------------------------------------------------------------------- quality

def _cases() -> str:
    return "exclude" if request.args.get("open") == "exclude" else "closeout"


@blueprint.get("/<slug>/quality")
def quality(slug: str):
    campaign = _campaign_or_404(slug)
    table = campaign_quality(db_session(), campaign)
    per_interviewer = None
    if not table.empty:
        cases = case_table(db_session(), campaign)
        per_interviewer = interviewer_table(table, cases if not cases.empty else None).to_dict("records")
    return render_template("supervise/quality.html", campaign=campaign,
                           rows=[] if table.empty else table.to_dict("records"), per_interviewer=per_interviewer,
                           labels=forms.FLAG_LABELS, can_open=current_user.role in (Role.ADMIN.value,
                                                                                     Role.SUPERVISOR.value))


# ---------------------------------------------------------------------------------------------- monitoring

@blueprint.get("/<slug>/monitoring")
def monitoring(slug: str):
    campaign = _campaign_or_404(slug)
    cases = case_table(db_session(), campaign, open_units=_cases())
    tables = {}
    if not cases.empty:
        for name in GROUPINGS:
            tables[name] = rates_by(cases, name, total=name != "campaign").to_dict("records")
    questionnaire = instrument_of(campaign.version)
    return render_template("supervise/monitoring.html", campaign=campaign, tables=tables, groupings=GROUPINGS,
                           rates=RATE_NAMES, progress=progress(db_session(), campaign), open=_cases(),
                           total=TOTAL, code_label=lambda q: _code_label(questionnaire, q),
                           cases=len(cases), open_count=int((~cases["final"]).sum()) if not cases.empty else 0)


def _code_label(questionnaire, quota) -> str:
    """The quota code's choice label in both languages, when the variable is a choice question."""
    try:
        question = questionnaire.question(quota.variable)
    except KeyError:
        return ""
    if question.choices is None:
        return ""
    for choice in question.choices.choices:
        if choice.code == quota.code:
            return " / ".join(dict.fromkeys((choice.label.get("zh"), choice.label.get("en"))))
    return ""


def percent(value: Any) -> str:
    """A rate as a percentage with one decimal; NaN shows as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{100 * float(value):.1f}%"


@blueprint.app_template_filter("pct")
def _pct(value: Any) -> str:
    return percent(value)
