"""Login, logout and password change."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from cadre.auth import services
from cadre.auth.forms import ChangePasswordForm, LoginForm, LogoutForm
from cadre.auth.passwords import hash_password, spend_a_password_check
from cadre.auth.public import public
from cadre.auth.redirects import safe_next
from cadre.extensions import limiter
from cadre.rules.text import clean_text
from cadre.services import ServiceError, writing

bp = Blueprint("auth", __name__, url_prefix="/auth")


# Three login limits (numbers in config.py and the README):
# - per account and client address: guessing one account from one place stays slow, yet a
#   stranger elsewhere cannot lock the owner out;
# - per account, from anywhere: a much higher ceiling that bounds guessing spread over
#   many addresses;
# - per client address, counting failed attempts only: a whole class behind one Wi-Fi
#   address logs in at once and is never refused, while spraying many accounts from one
#   address is still bounded.
def _account_name() -> str:
    # The account as the form will find it (cleaned as LoginForm cleans it): an invisible
    # character or a changed case must not give a guess a fresh counter.
    return (clean_text(request.form.get("username")) or "").lower()[:64]


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _account_and_address_key() -> str:
    return f"login-account-address:{_account_name()}|{_client_address()}"


def _account_key() -> str:
    return f"login-account:{_account_name()}"


def _address_key() -> str:
    return f"login-address-failures:{_client_address()}"


def _login_failed(response) -> bool:
    # A login that worked redirects; anything else (form again, 429) counts as a failure.
    return response.status_code not in (302, 303)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"],
    key_func=_address_key,
    deduct_when=_login_failed,
    methods=["POST"],
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_account_and_address_key, methods=["POST"]
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"]
)
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if not form.is_submitted():
        # A login slip's QR code opens /auth/login?username=… : the form opens filled in.
        form.username.data = (clean_text(request.args.get("username")) or "")[:64] or None
    if form.validate_on_submit():
        # Read and check the password before the write opens: the check is slow on purpose.
        user = services.find_account(form.username.data)
        if user is None:
            spend_a_password_check(form.password.data)
        if user is None or not user.check_password(form.password.data):
            flash(_("用户名或密码错误。"), "danger")
        elif not user.is_active:
            flash(_("该账号已停用，请联系管理员。"), "danger")
        else:
            device = services.Device(user_agent=request.user_agent.string, ip=request.remote_addr)
            try:
                with writing():
                    token = services.start_login(
                        user.id,
                        user.password_fingerprint,
                        device,
                        lifetime=current_app.config["REMEMBER_COOKIE_DURATION"],
                    )
            except ServiceError as err:
                flash(err.message, "danger")
            else:
                user.session_token = token
                login_user(user, remember=form.remember.data)
                if user.must_change_password:
                    flash(_("首次登录，请先修改初始密码。"), "info")
                    return redirect(url_for("auth.change_password"))
                return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    focus = form.password if form.username.data else form.username
    focus.render_kw = {**(focus.render_kw or {}), "autofocus": True}
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log this device out, or (the second button) every device of the account."""
    form = LogoutForm()
    if form.validate_on_submit():
        user_id, token = current_user.id, current_user.session_token
        with writing():
            if form.everywhere.data:
                services.log_out_everywhere(user_id)
            else:
                services.end_login(user_id, token)
        logout_user()
        flash(_("您已在所有设备上退出登录。") if form.everywhere.data else _("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if current_user.must_change_password:
        form.current_password.label.text = _("初始密码（登录条上的密码）")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append(_("当前密码不正确。"))
        else:
            checked_hash = user.password_hash
            new_hash = hash_password(form.new_password.data)  # slow: before the write opens
            try:
                with writing():
                    services.change_own_password(
                        user.id,
                        user.session_token,
                        expected_password_hash=checked_hash,
                        new_password_hash=new_hash,
                    )
            except ServiceError as err:
                form.current_password.errors.append(err.message)
            else:
                # This device stays logged in; every other device must log in again.
                flash(_("密码已修改。"), "success")
                return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form, logout_form=LogoutForm())
