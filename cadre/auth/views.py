"""Login, logout and password change."""

from __future__ import annotations

import secrets
from functools import cache

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from cadre import audit
from cadre.auth.forms import ChangePasswordForm, LoginForm, LogoutForm
from cadre.auth.public import public
from cadre.auth.redirects import safe_next
from cadre.extensions import db, limiter
from cadre.models import User
from cadre.models.types import utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_username_key() -> str:
    # Keyed on the account, not the address: a class shares one Wi-Fi address.
    return "login:" + (request.form.get("username") or "").strip().lower()[:64]


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def _spend_a_password_check(password: str) -> None:
    """As slow as checking a real password, so timing does not tell which usernames exist."""
    check_password_hash(_dummy_hash(), password)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_username_key, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if user is None:
            _spend_a_password_check(form.password.data)
        if user is None or not user.check_password(form.password.data):
            flash(_("用户名或密码错误。"), "danger")
        elif not user.is_active:
            flash(_("该账号已停用，请联系管理员。"), "danger")
        else:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            if user.must_change_password:
                flash(_("首次登录，请先修改初始密码。"), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if current_user.must_change_password:
        form.current_password.label.text = _("初始密码（登录条上的密码）")
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("当前密码不正确。"))
        else:
            user = current_user._get_current_object()
            user.set_password(form.new_password.data)
            user.must_change_password = False
            audit.record("user.password_changed", user)
            db.session.commit()
            # The session is bound to the password (User.get_id): renew this device's
            # session; every other device must log in again.
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=cookie in request.cookies)
            flash(_("密码已修改。"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
