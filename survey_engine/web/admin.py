"""Admin pages: questionnaires, campaigns, sites, invitations, users, devices, responses,
exports and QR codes.  Every view is checked against ``security.ROUTE_ROLES``."""

from __future__ import annotations

import json

from flask import Blueprint, Response as FlaskResponse, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from survey_engine.errors import QuestionnaireError
from survey_engine.instruments.forms import as_choices
from survey_engine.instruments.loader import parse_document
from survey_engine.store.accounts import create_device, create_user
from survey_engine.store import supervision
from survey_engine.store.audit import record
from survey_engine.store.design_rows import design_rows
from survey_engine.store.catalog import add_site, create_campaign, instrument_of, store_version
from survey_engine.store.drafts import create_invitation
from survey_engine.instruments.model import Questionnaire
from survey_engine.store.models import (Campaign, Device, Invitation, QuestionnaireVersion, Response,
                                        ResponsePersonal, Role, Site, User)
from survey_engine.web import admin_forms as forms
from survey_engine.web.database import db_session, end_read, write_on_post
from survey_engine.web.exports import response_frame, rows, to_csv, to_dta, to_sav, to_xlsx
from survey_engine.web.qrcodes import data_uri, qr_bundle, qr_png, qr_svg, qr_svg_data_uri
from survey_engine.web.review import review_rows
from survey_engine.web.security import check_route

__all__ = ["blueprint", "public_url"]

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
blueprint.before_request(check_route)
blueprint.before_request(write_on_post)


def public_url(endpoint: str, **values: str) -> str:
    """An absolute link for respondents (``PUBLIC_BASE_URL`` when set, else this host)."""
    base = current_app.config["PUBLIC_BASE_URL"] or request.host_url
    return base.rstrip("/") + url_for(endpoint, **values)


def _campaign_or_404(slug: str) -> Campaign:
    campaign = db_session().scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        abort(404)
    return campaign


@blueprint.get("/")
def home():
    return render_template("admin/home.html")


@blueprint.get("/questionnaires")
def questionnaires():
    versions = db_session().scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id.desc())).all()
    return render_template("admin/questionnaires.html", versions=versions, form=forms.UploadForm())


@blueprint.post("/questionnaires")
def upload_questionnaire():
    form = forms.UploadForm()
    problems, created = [], None
    if form.validate_on_submit():
        text = form.document.data.read(2_000_000).decode("utf-8-sig", errors="replace")
        try:
            version, created = store_version(db_session(), parse_document(text, source="upload"),
                                             user_id=current_user.id)
            db_session().commit()
        except QuestionnaireError as exc:
            db_session().rollback()
            problems = list(exc.problems)
        else:
            return redirect(url_for("admin.questionnaires", stored=version.content_hash[:12],
                                    new=int(bool(created))))
    versions = db_session().scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id.desc())).all()
    return render_template("admin/questionnaires.html", versions=versions, form=form, problems=problems), 400


@blueprint.get("/campaigns")
def campaigns():
    found = db_session().scalars(select(Campaign).order_by(Campaign.id.desc())).all()
    return render_template("admin/campaigns.html", campaigns=found)


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    form = forms.CampaignForm()
    versions = db_session().scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id.desc())).all()
    form.version.choices = as_choices((v.id, f"{v.questionnaire.key} {v.label} #{v.content_hash[:12]}")
                                      for v in versions)
    if form.validate_on_submit():
        session = db_session()
        if session.scalar(select(Campaign.id).where(Campaign.slug == form.slug.data)) is not None:
            form.slug.errors.append("already used / 已存在")
        else:
            create_campaign(session, slug=form.slug.data, name=form.name.data,
                            version=session.get(QuestionnaireVersion, form.version.data), modes=form.modes.data,
                            user_id=current_user.id)
            session.commit()
            return redirect(url_for("admin.campaign", slug=form.slug.data))
    return render_template("admin/form.html", form=form, title="New campaign / 新建调查"), (
        400 if request.method == "POST" else 200)


@blueprint.get("/campaigns/<slug>")
def campaign(slug: str):
    found = _campaign_or_404(slug)
    links = [(None, public_url("respond.public", slug=slug))] + [
        (site, public_url("respond.public", slug=slug, site_code=site.code)) for site in found.sites]
    return render_template("admin/campaign.html", campaign=found, links=links, site_form=forms.SiteForm(),
                           status_form=forms.StatusForm(status=found.status))


@blueprint.post("/campaigns/<slug>/status")
def campaign_status(slug: str):
    """Open or close a campaign (closed: links show a 'closed' page, the API answers 409)."""
    found = _campaign_or_404(slug)
    form = forms.StatusForm()
    if form.validate_on_submit() and form.status.data != found.status:
        record(db_session(), form.status.data, "campaign", found.id, user_id=current_user.id,
               details={"from": found.status})
        found.status = form.status.data
        db_session().commit()
        current_app.extensions.pop("survey_engine.api_cache", None)  # this worker sees it at once
    return redirect(url_for("admin.campaign", slug=slug))


@blueprint.post("/campaigns/<slug>/sites")
def new_site(slug: str):
    found = _campaign_or_404(slug)
    form = forms.SiteForm()
    if form.validate_on_submit():
        if any(s.code == form.code.data for s in found.sites):
            form.code.errors.append("already used / 已存在")
        else:
            add_site(db_session(), found, code=form.code.data, name=form.name.data, user_id=current_user.id)
            db_session().commit()
            return redirect(url_for("admin.campaign", slug=slug))
    return render_template("admin/form.html", form=form, title="New site / 新建地点"), 400


def _invitation_form(found: Campaign) -> forms.InvitationForm:
    form = forms.InvitationForm()
    form.site.choices = as_choices([(0, "—")] + [(s.id, f"{s.code} {s.name}") for s in found.sites])
    return form


#: Longest contact fields the invitation_contacts columns hold.
_CONTACT_LIMITS = {"name": 200, "phone": 40, "address": 500}


def _contacts(text: str) -> tuple[list[dict[str, str | None]], list[str]]:
    """``name, phone, address`` per line; a field too long for its column is a problem with its line."""
    contacts, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        contact = dict(zip(("name", "phone", "address"), (part.strip() or None for part in line.split(",", 2))))
        for field, limit in _CONTACT_LIMITS.items():
            if len(contact.get(field) or "") > limit:
                problems.append(f"line {number}: {field} is longer than {limit} characters / 第 {number} 行："
                                f"{field} 超过 {limit} 个字符")
        contacts.append(contact)
    return contacts, problems


@blueprint.route("/campaigns/<slug>/invitations", methods=["GET", "POST"])
def invitations(slug: str):
    """Create invitations and print their letters at once: tokens are shown only this one time."""
    found = _campaign_or_404(slug)
    form = _invitation_form(found)
    session = db_session()
    if form.validate_on_submit():
        site = session.get(Site, form.site.data) if form.site.data else None
        contacts, problems = _contacts(form.contacts.data or "")
        if problems:
            form.contacts.errors = list(problems)
            listed = session.scalars(select(Invitation).where(Invitation.campaign_id == found.id)
                                     .order_by(Invitation.id.desc()).limit(1000)).all()
            return render_template("admin/invitations.html", campaign=found, invitations=listed, form=form), 400
        letters = []
        for contact in contacts or [None] * (form.count.data or 1):
            invitation, token = create_invitation(session, found, site=site, contact=contact, by=current_user.id)
            link = public_url("respond.invitation", token=token)
            svg = qr_svg(link)
            letters.append({"name": (contact or {}).get("name"), "link": link, "file": f"invitation-{invitation.id}",
                            "qr": data_uri(svg.encode("utf-8"), "image/svg+xml"),
                            "png": data_uri(qr_png(link), "image/png")})
        session.commit()
        bundle = data_uri(qr_bundle((letter["file"], letter["link"]) for letter in letters), "application/zip")
        return render_template("admin/letters.html", campaign=found, q=instrument_of(found.version), letters=letters,
                               bundle=bundle)
    listed = session.scalars(select(Invitation).where(Invitation.campaign_id == found.id)
                             .order_by(Invitation.id.desc()).limit(1000)).all()
    return render_template("admin/invitations.html", campaign=found, invitations=listed, form=form), (
        400 if request.method == "POST" else 200)


@blueprint.get("/campaigns/<slug>/qr.<fmt>")
def qr_code(slug: str, fmt: str):
    found = _campaign_or_404(slug)
    site = request.args.get("site")
    if site is not None and not any(s.code == site for s in found.sites):
        abort(404)
    link = public_url("respond.public", slug=slug, **({"site_code": site} if site else {}))
    if fmt == "png":
        return FlaskResponse(qr_png(link), mimetype="image/png")
    if fmt == "svg":
        return FlaskResponse(qr_svg(link), mimetype="image/svg+xml")
    abort(404)


@blueprint.get("/campaigns/<slug>/poster")
def poster(slug: str):
    found = _campaign_or_404(slug)
    site = next((s for s in found.sites if s.code == request.args.get("site")), None)
    link = public_url("respond.public", slug=slug, **({"site_code": site.code} if site else {}))
    return render_template("admin/poster.html", campaign=found, site=site, link=link, qr=qr_svg_data_uri(link),
                           q=instrument_of(found.version))


@blueprint.get("/users")
def users():
    found = db_session().scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=found, form=forms.UserForm())


@blueprint.post("/users")
def new_user():
    form = forms.UserForm()
    if form.validate_on_submit():
        session = db_session()
        if session.scalar(select(User.id).where(User.username == form.username.data.strip())) is not None:
            form.username.errors.append("already used / 已存在")
        else:
            create_user(session, form.username.data, form.password.data, form.role.data, by=current_user.id)
            session.commit()
            return redirect(url_for("admin.users"))
    found = db_session().scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=found, form=form), 400


@blueprint.route("/devices", methods=["GET", "POST"])
def devices():
    session = db_session()
    form = forms.DeviceForm()
    form.user.choices = as_choices([(0, "—")] + [(u.id, u.username)
                                                   for u in session.scalars(select(User).order_by(User.username))])
    token = None
    if form.validate_on_submit():
        _, token = create_device(session, form.name.data, user=session.get(User, form.user.data) if form.user.data
                                 else None, by=current_user.id)
        session.commit()
    found = session.scalars(select(Device).order_by(Device.id.desc())).all()
    return render_template("admin/devices.html", devices=found, form=form, token=token)


def _filtered():
    session = db_session()
    stmt = select(Response).order_by(Response.id.desc())
    slug, status = request.args.get("campaign"), request.args.get("status")
    if slug:
        stmt = stmt.join(Campaign).where(Campaign.slug == slug)
    if status:
        stmt = stmt.where(Response.status == status)
    return session.scalars(stmt.limit(5000)).all()


@blueprint.get("/responses")
def responses():
    form = forms.FilterForm(request.args)
    form.campaign.choices = as_choices([("", "all")] + [(c.slug, c.name) for c in db_session().scalars(select(Campaign))])
    return render_template("admin/responses.html", responses=_filtered()[:500], form=form)


@blueprint.get("/responses/<int:response_id>")
def response(response_id: int):
    found = db_session().get(Response, response_id) or abort(404)
    questionnaire = instrument_of(found.version)
    lang = request.args.get("lang", "zh")
    record(db_session(), "view", "response", found.id, user_id=current_user.id)
    db_session().commit()
    return render_template("admin/response.html", response=found, rows=review_rows(questionnaire, found.answers,
                           lang, mode=found.mode), form=forms.DecisionForm(),
                           paradata=json.dumps(found.paradata, ensure_ascii=False, indent=1))


@blueprint.post("/responses/<int:response_id>/review")
def review_response(response_id: int):
    """Approve, or return with a reason, through the same rules as the supervision queue (the
    version the reviewer saw must still be current; a rejection needs a reason; audited)."""
    db_session().get(Response, response_id) or abort(404)
    form = forms.DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    seen = int(form.version.data) if (form.version.data or "").isdigit() else 0
    try:
        if form.decision.data == "approved":
            supervision.approve(db_session(), response_id, seen_version=seen, user_id=current_user.id)
        else:
            supervision.reject(db_session(), response_id, seen_version=seen, reason=form.reason.data,
                               user_id=current_user.id)
        db_session().commit()
    except supervision.StaleVersionError as exc:
        db_session().rollback()
        abort(409, str(exc))
    except supervision.SupervisionError as exc:
        db_session().rollback()
        abort(400, str(exc))
    return redirect(url_for("admin.response", response_id=response_id))


def _export_selection() -> tuple[Campaign, Questionnaire, list[Response]]:
    slug = request.args.get("campaign")
    if not slug:
        abort(400, "choose a campaign to export (?campaign=<slug>)")
    found = _campaign_or_404(slug)
    selected = [r for r in _filtered() if r.version_id == found.version_id and r.status != "draft"]
    return found, instrument_of(found.version), list(reversed(selected))


def _export_data():
    found, questionnaire, selected = _export_selection()
    end_read()
    record(db_session(), "export", "responses", found.slug, user_id=current_user.id, details={"rows": len(selected)})
    db_session().commit()
    return found, questionnaire, rows(questionnaire, selected)


@blueprint.get("/responses/export.csv")
def export_csv():
    found, _, (header, body) = _export_data()
    return FlaskResponse(to_csv(header, body), mimetype="text/csv; charset=utf-8",
                         headers={"Content-Disposition": f"attachment; filename={found.slug}.csv"})


@blueprint.get("/responses/export.xlsx")
def export_xlsx():
    found, questionnaire, (header, body) = _export_data()
    return FlaskResponse(to_xlsx(questionnaire, header, body),
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         headers={"Content-Disposition": f"attachment; filename={found.slug}.xlsx"})


_STAT_FORMATS = {"sav": (to_sav, "application/x-spss-sav"), "dta": (to_dta, "application/x-stata-dta")}


@blueprint.get("/responses/export.<fmt>")
def export_stat_file(fmt: str):
    """SPSS or Stata file with variable and value labels; ``?personal=1`` (admins only, audited)
    adds the identifying answers kept apart from the answers (PIPL)."""
    if fmt not in _STAT_FORMATS:
        abort(404)
    with_personal = request.args.get("personal") == "1"
    if with_personal and current_user.role != Role.ADMIN.value:
        abort(403)
    found, questionnaire, selected = _export_selection()
    personal = None
    if with_personal:
        personal = {p.response_id: p.answers for p in db_session().scalars(select(ResponsePersonal).where(
            ResponsePersonal.response_id.in_([r.id for r in selected])))}
    end_read()
    record(db_session(), "export_personal" if with_personal else "export", "responses", found.slug,
           user_id=current_user.id, details={"rows": len(selected), "format": fmt, "personal": with_personal})
    db_session().commit()
    write, mimetype = _STAT_FORMATS[fmt]
    frame = response_frame(questionnaire, selected, personal)
    payload = write(questionnaire, frame, design=design_rows(db_session(), found, selected), language=request.args.get("lang", "zh"),
                    file_label=found.name, include_personal=with_personal)
    return FlaskResponse(payload, mimetype=mimetype,
                         headers={"Content-Disposition": f"attachment; filename={found.slug}.{fmt}"})
