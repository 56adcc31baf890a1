"""Sign in and out (Flask-Login sessions; passwords checked against werkzeug hashes)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from survey_engine.store.accounts import authenticate
from survey_engine.store.audit import record
from survey_engine.web.database import db_session

__all__ = ["blueprint"]

blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=80)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Only same-site paths; anything with a host or scheme goes to the admin home."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.home")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        session = db_session()
        user = authenticate(session, form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            record(session, "login", "user", user.id, user_id=user.id)
            session.commit()
            return redirect(_safe_next(request.args.get("next")))
        failed = True
    return render_template("login.html", form=form, failed=failed), 401 if failed else 200


@blueprint.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
