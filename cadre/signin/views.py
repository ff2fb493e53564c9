"""The projector page (签到大屏), its poll and QR image; the trainee's sign-in pages; 疑似代签 review."""

from __future__ import annotations

import functools
import math
import time
from datetime import datetime

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import TooManyRequests

from cadre.attendance_messages import (
    hhmm,
    outcome_label,
    sign_in_result_message,
    sign_out_result_message,
    token_message,
)
from cadre.auth.permissions import can_manage_cohort, get_cohort_or_404, staff_required
from cadre.auth.public import public
from cadre.extensions import db, limiter
from cadre.models import Role, SuspectedProxySignIn, TrainingSession
from cadre.models.types import utcnow
from cadre.rules.attendance import Phase, sign_in_opens_at
from cadre.rules.signin_tokens import (
    TokenStatus,
    find_code_session,
    make_code,
    make_token,
    new_device_cookie,
    seconds_to_next_window,
    verify_device_cookie,
    verify_token,
)
from cadre.services import NotFound, ServiceError, writing
from cadre.signin import fast, live, services
from cadre.signin.forms import CodeForm, ReviewForm
from cadre.urls import public_url_for

bp = Blueprint("signin", __name__)

DEVICE_COOKIE = "cadre_device"
DEVICE_COOKIE_DAYS = 400  # the most browsers keep a cookie
_SCAN_KEY = "signin_scan"


def _key() -> str:
    return current_app.config["SECRET_KEY"]


def _window() -> int:
    return int(current_app.config.get("SIGNIN_QR_SECONDS", 20))


def _grace() -> int:
    return int(current_app.config.get("SIGNIN_GRACE_SECONDS", 10))


def _trainee_key() -> str:
    # Keyed on the trainee, not the address: a whole class shares one Wi-Fi address.
    user_id = getattr(current_user, "id", None)
    return f"signin:{user_id}" if user_id else f"signin-anon:{request.remote_addr}"


def _signin_limit() -> str:
    # One limit, one counter per POST: the trainee's own when logged in, else the address's
    # (generous: a whole class shares one Wi-Fi address, and a logged-out POST only redirects).
    if getattr(current_user, "id", None):
        return current_app.config.get("SIGNIN_RATE_LIMIT", "10 per minute")
    return current_app.config.get("SIGNIN_RATE_LIMIT_PER_IP", "3000 per minute")


def _limited(view):
    return limiter.limit(_signin_limit, key_func=_trainee_key, methods=["POST"])(view)


# --------------------------------------------------------------------------- tokens and tickets


def _read_token(token: str, now: datetime) -> tuple[str | None, object]:
    """(purpose, TokenCheck) of a scanned token; the token names its own session."""
    for purpose in ("in", "out"):
        # Session 0 never exists: a genuine token answers wrong_session and names its session.
        probe = verify_token(_key(), token, 0, now, purpose=purpose)
        if probe.status == TokenStatus.WRONG_SESSION:
            check = verify_token(
                _key(), token, probe.session_id, now, window=_window(), grace=_grace(), purpose=purpose
            )
            return purpose, check
    return None, probe


def _signin_url(token: str) -> str | None:
    """The address in the QR: the configured public one (cadre/urls.py), never the Host header.

    None without CADRE_PUBLIC_URL: like login slips, the projector then shows no QR and says
    how to set the address (a QR built from the request's Host header could point anywhere).
    """
    return public_url_for("signin.form", token=token)


def _tickets() -> URLSafeTimedSerializer:
    return _ticket_serializer(_key())


@functools.cache
def _ticket_serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="cadre-signin-ticket")


def make_ticket(session_id: int, purpose: str, user_id: int) -> str:
    """What the confirm page's form carries: this session and purpose, for this user, for a few minutes."""
    return _tickets().dumps({"s": session_id, "p": purpose, "u": user_id})


def read_ticket(ticket: str | None, user_id: int) -> tuple[int, str] | None:
    """(session id, purpose) of a confirm page's ticket made for this user and still valid; else None."""
    try:
        data = _tickets().loads(ticket or "", max_age=current_app.config.get("SIGNIN_TICKET_SECONDS", 300))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id or data.get("p") not in ("in", "out"):
        return None
    return int(data["s"]), data["p"]


def _recent_scan(session_id: int, purpose: str, now: datetime) -> bool:
    """A valid QR scanned before logging in, within the ticket's life, still counts after login."""
    scan = session.get(_SCAN_KEY) or {}
    age = now.timestamp() - float(scan.get("at", 0))
    return (
        scan.get("s") == session_id
        and scan.get("p") == purpose
        and 0 <= age <= current_app.config.get("SIGNIN_TICKET_SECONDS", 300)
    )


def _device_id() -> tuple[str, str | None]:
    """(device id, cookie value to set or None) for this phone."""
    device_id = verify_device_cookie(_key(), request.cookies.get(DEVICE_COOKIE))
    if device_id is not None:
        return device_id, None
    return new_device_cookie(_key())


def _set_device_cookie(response, value: str | None):
    if value is not None:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


# --------------------------------------------------------------------------- trainee path


def _refusal(message: str, status: int = 400):
    return render_template("signin/result.html", ok=False, message=message), status


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.exempt  # limited in the view, on the trainee (see _limit_tap): no limits resolved per request
@public
def form(token: str):
    """The page a QR code opens: log in if needed, then one tap confirms."""
    fast.login()
    if request.method == "POST":
        _limit_tap()
        return _confirm()
    now = utcnow()
    purpose, check = _read_token(token, now)
    session_id = check.session_id
    valid = check.status == TokenStatus.OK or (
        session_id is not None
        and check.status == TokenStatus.EXPIRED
        and _recent_scan(session_id, purpose, now)
    )
    if not valid:
        return _refusal(token_message(check.status))
    if not current_user.is_authenticated:
        session[_SCAN_KEY] = {"s": session_id, "p": purpose, "at": now.timestamp()}
        flash(_("请先登录，登录后会回到签到页面。"), "info")
        return redirect(url_for("auth.login", next=url_for("signin.form", token=token)))
    if current_user.role != Role.TRAINEE:
        return _refusal(_("这是学员签到页面。请用学员本人的账号在手机上打开。"), 403)
    card = services.session_card(session_id)
    if card is None:
        return _refusal(_("找不到这次课程，可能已被删除。"), 404)
    return render_template(
        "signin/confirm.html",
        s=card,
        purpose=purpose,
        ticket=make_ticket(session_id, purpose, current_user.id),
    )


@functools.cache
def _parsed_limits(text: str):
    # Every limit of the setting ("10 per minute;50 per hour"), as the limiter's decorator reads it.
    return tuple(parse_many(text))


# Set by cadre/signin/views_lean.py on a tap it counted and then handed to this view: the seconds to
# wait when the limit refused it, else 0. A WSGI environ key no request header can set.
TAP_COUNTED = "cadre.signin.tap_counted"


def _limit_tap() -> None:
    """SIGNIN_RATE_LIMIT per trainee (per address when logged out): a 429 past it.

    Checked here rather than by the limiter's decorator, which resolves its limits and
    keys on every request of the route; the counter and storage are the limiter's own.
    """
    counted = request.environ.get(TAP_COUNTED)
    retry_after = tap_retry_after(_signin_limit(), _trainee_key()) if counted is None else counted
    if retry_after:
        raise TooManyRequests(retry_after=retry_after)


def tap_retry_after(limit: str, key: str) -> int:
    """Count one tap on `key` against `limit`: 0 when allowed, else the seconds to wait."""
    if not limiter.enabled:
        return 0
    try:
        items = _parsed_limits(limit)
    except ValueError:  # as the limiter's decorator does with a limit it cannot read: log it, apply none
        current_app.logger.error("sign-in rate limit %r cannot be read; taps are not limited", limit)
        return 0
    try:
        keys = [k for k in (limiter._key_prefix, "signin-tap", key) if k]  # noqa: SLF001
        breached = [item for item in items if not limiter.limiter.hit(item, *keys)]
        # Retry-After, as the limiter's own 429s say (RATELIMIT_HEADERS_ENABLED): read only when refused.
        reset = (
            max(limiter.limiter.get_window_stats(item, *keys).reset_time for item in breached)
            if breached
            else 0
        )
    except Exception:  # noqa: BLE001 - a storage outage must not stop a class signing in
        current_app.logger.warning("sign-in rate limit storage failed; request allowed", exc_info=True)
        return 0
    return max(1, math.ceil(reset - time.time())) if breached else 0


def _confirm():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    # The CSRF token was checked before the view (CSRFProtect); the ticket says which session.
    ticket = read_ticket(request.form.get("ticket"), current_user.id)
    if ticket is None:
        return _refusal(_("签到页面已过期，请重新扫描大屏上的二维码，或输入大屏上的数字码。"))
    session_id, purpose = ticket
    return _do(session_id, purpose)


def _do(session_id: int, purpose: str):
    """Sign in or out, and answer with the result page (and the device cookie)."""
    device_id, cookie = _device_id()
    # Plain values: the login's row expires when the write commits, and reloading it costs a query.
    trainee_id, ip, user_id = current_user.trainee_id, request.remote_addr, current_user.id
    g.viewer_name = current_user.display_name
    try:
        if purpose == "out":
            with writing(_("刚才的签到没有完成，请再点一次。")):
                outcome = services.sign_out(session_id, trainee_id, device_id=device_id, ip=ip)
        else:
            # Checks first, outside the write: the write lock is held for a few INSERTs only.
            outcome = services.plan_sign_in(session_id, trainee_id)
            if isinstance(outcome, services.SignInPlan):
                with writing(_("刚才的签到没有完成，请再点一次。")):
                    outcome = services.record_sign_in(outcome, device_id=device_id, ip=ip, actor_id=user_id)
    except NotFound as err:
        return _refusal(err.message, 404)
    except ServiceError as err:
        return _refusal(err.message)
    if _SCAN_KEY in session:
        session.pop(_SCAN_KEY)
    if outcome.refused:
        message = _(
            "这部手机已为其他学员签到过本次课程。请用您自己的手机签到，或请班主任为您签到。"
            "此次尝试已记录，供班主任核查。"
        )
        return _set_device_cookie(make_response_for(False, message, outcome, 409), cookie)
    if outcome.kind == services.SIGNED_OUT:
        message = sign_out_result_message(outcome.status, outcome.at)
    else:
        message = sign_in_result_message(outcome.status, outcome.at, already=outcome.kind == services.ALREADY)
    return _set_device_cookie(make_response_for(True, message, outcome), cookie)


def make_response_for(ok: bool, message: str, outcome, status: int = 200):
    from flask import make_response

    return make_response(
        render_template("signin/result.html", ok=ok, message=message, outcome=outcome, services=services),
        status,
    )


def _code_failed(_response) -> bool:
    return bool(g.get("signin_code_failed"))


@bp.route("/signin/code", methods=["GET", "POST"])
@_limited
@limiter.limit(
    # Wrong codes per trainee per day: at 3 accepted codes in 10^6, "10 per minute" alone lets a
    # script at home hit one within days; right codes cost nothing (test_attack_signin_code_guessing).
    lambda: current_app.config.get("SIGNIN_CODE_FAILURES_PER_DAY", "30 per day"),
    key_func=_trainee_key,
    methods=["POST"],
    deduct_when=_code_failed,
)
def code():
    """Type the 6-digit code from the projector (a camera that fails, or from 我的课表)."""
    if current_user.trainee_id is None:
        return _refusal(_("这是学员签到页面。请用学员本人的账号在手机上打开。"), 403)
    code_form = CodeForm()
    if code_form.validate_on_submit():
        now = utcnow()
        ids = [s.id for s in services.open_sessions_for(current_user.trainee_id, now)]
        best = None
        for purpose in ("in", "out"):
            check = find_code_session(
                _key(), code_form.code.data, ids, now, window=_window(), grace=_grace(), purpose=purpose
            )
            if check.ok:
                return _do(check.session_id, purpose)
            if best is None or (best.status == TokenStatus.FORGED and check.status != TokenStatus.FORGED):
                best = check
        g.signin_code_failed = True
        code_form.code.errors.append(token_message(best.status))
    return render_template("signin/code.html", form=code_form)


# --------------------------------------------------------------------------- projector


def _managed_session(session_id: int) -> TrainingSession:
    training_session = db.session.get(TrainingSession, session_id)
    if training_session is None:
        abort(404)
    if not can_manage_cohort(current_user, training_session.cohort):
        abort(403)
    return training_session


def _purpose(training_session: TrainingSession, now: datetime) -> str:
    asked = request.args.get("mode")
    if asked in ("in", "out") and (asked == "in" or training_session.sign_out_required):
        return asked
    return services.projector_purpose(training_session, now)


def _state(training_session: TrainingSession, now: datetime) -> dict:
    purpose = _purpose(training_session, now)
    token = make_token(_key(), training_session.id, now, window=_window(), purpose=purpose)
    counts = live.live_counts(training_session, now)
    signin_url = _signin_url(token)
    return {
        "purpose": purpose,
        "signin_url": signin_url or "",
        "qr_url": url_for("signin.qr", session_id=training_session.id, t=token) if signin_url else "",
        "public_url_missing": "" if signin_url else live.public_url_missing_message(),
        "code": make_code(_key(), training_session.id, now, window=_window(), purpose=purpose),
        "next_change_seconds": round(seconds_to_next_window(now, _window()), 1),
        "poll_seconds": current_app.config.get("SIGNIN_POLL_SECONDS", 3),
        "phase": counts.phase,
        "phase_text": _phase_text(training_session, counts.phase),
        "expected": counts.expected,
        "signed_in": counts.signed_in,
        "late": counts.late,
        "on_leave": counts.on_leave,
        "signed_out": counts.signed_out,
        "latest": [
            {"name": name, "time": hhmm(at), "status": str(status), "label": outcome_label(status)}
            for name, at, status in counts.latest
        ],
    }


def _phase_text(training_session: TrainingSession, phase: str) -> str:
    """What the screen says when sign-in is not open (empty while it is)."""
    if phase == Phase.NOT_OPEN_YET:
        opens = sign_in_opens_at(services.session_rules(training_session))
        return _("签到 %(time)s 开始。", time=hhmm(opens))
    if phase == Phase.CLOSED:
        return _("签到已结束。")
    if phase == Phase.CANCELLED:
        return _("本次课程已取消。")
    return ""


@bp.route("/sessions/<int:session_id>/projector")
@staff_required
def projector(session_id: int):
    """Full-screen page for the projector: rotating QR, 6-digit code, live counts (no form on it)."""
    training_session = _managed_session(session_id)
    state = _state(training_session, utcnow())
    return render_template("signin/projector.html", s=training_session, state=state)


@bp.route("/sessions/<int:session_id>/projector/state")
@staff_required
def projector_state(session_id: int):
    """The projector's poll: a cheap GET, authorised by the organizer's login, no CSRF to expire."""
    training_session = _managed_session(session_id)
    response = jsonify(_state(training_session, utcnow()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sessions/<int:session_id>/qr.svg")
@staff_required
def qr(session_id: int):
    """The QR image of a current token of this session (not a QR generator for anything else)."""
    training_session = _managed_session(session_id)
    token = request.args.get("t", "")
    purpose, check = _read_token(token, utcnow())
    if check.status != TokenStatus.OK or check.session_id != training_session.id:
        abort(404)
    url = _signin_url(token)
    if url is None:
        abort(404)  # no public address configured: no QR (the projector says so)
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    response = Response(image.to_string(encoding="unicode"), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


# --------------------------------------------------------------------------- 疑似代签


@bp.route("/cohorts/<int:cohort_id>/proxy-suspects")
@staff_required
def suspects(cohort_id: int):
    """Suspected proxy sign-ins of a cohort, newest first, for the organizer's review."""
    cohort = get_cohort_or_404(cohort_id, manage=True)
    rows = db.session.scalars(
        select(SuspectedProxySignIn)
        .join(TrainingSession, TrainingSession.id == SuspectedProxySignIn.session_id)
        .where(TrainingSession.cohort_id == cohort.id)
        .options(
            selectinload(SuspectedProxySignIn.session),
            selectinload(SuspectedProxySignIn.trainee),
            selectinload(SuspectedProxySignIn.device_owner),
            selectinload(SuspectedProxySignIn.reviewed_by),
        )
        .order_by(SuspectedProxySignIn.reviewed_at.is_not(None), SuspectedProxySignIn.attempted_at.desc())
        .limit(500)
    ).all()
    return render_template("signin/suspects.html", cohort=cohort, rows=rows, form=ReviewForm())


@bp.route("/cohorts/<int:cohort_id>/proxy-suspects/<int:suspect_id>/review", methods=["POST"])
@staff_required
def review(cohort_id: int, suspect_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    review_form = ReviewForm()
    if not review_form.validate_on_submit():
        for errors in review_form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for("signin.suspects", cohort_id=cohort.id))
    try:
        with writing():
            live.review_suspect(suspect_id, cohort.id, current_user.id, (review_form.note.data or "").strip())
    except NotFound:
        abort(404)
    except ServiceError as err:
        flash(err.message, "warning")
    else:
        flash(_("已标记为已核查。"), "success")
    return redirect(url_for("signin.suspects", cohort_id=cohort.id))
