"""Trainees: the people kept across cohorts; their logins and their training record (培训档案).

Who sees what is described in cadre/trainees/services.py.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import npgettext
from flask_login import current_user
from markupsafe import Markup

from cadre.attendance_messages import outcome_label
from cadre.auth.passwords import new_credentials
from cadre.auth.permissions import get_cohort_or_404, staff_required
from cadre.errors import abort_with
from cadre.models import AttendanceStatus, Cohort, Enrollment, Role, Trainee
from cadre.models.types import utcnow
from cadre.pdf import render_pdf
from cadre.rules import training_record as record_rules
from cadre.rules.trainee_fields import format_birth
from cadre.services import NotFound, ServiceError, writing
from cadre.trainees import accounts, record, services
from cadre.trainees.forms import (
    CreateAccountsForm,
    NewTraineeForm,
    ResetTraineePasswordForm,
    TraineeForm,
)
from cadre.urls import public_url, public_url_missing_message

log = logging.getLogger(__name__)

bp = Blueprint("trainees", __name__, url_prefix="/trainees")


@bp.app_template_filter("hours")
def hours_filter(value) -> str:
    """Credit hours without a useless .0: 8, 7.5."""
    return record_rules.format_hours(value)


@bp.app_template_filter("hours_text")
def hours_text_filter(value) -> str:
    """1 学时 / 1 credit hour, 1.5 credit hours: the plural as English wants it."""
    text = record_rules.format_hours(value) or "0"
    return npgettext("credit hours", "%(h)s 学时", "%(h)s 学时", 1 if text == "1" else 2, h=text)


_HOURS_RE = re.compile(r"(\d+(?:\.\d+)?)(\s*)(学时|credit hours?)")


@bp.app_template_filter("nowrap_hours")
def nowrap_hours_filter(text) -> Markup:
    """A translated sentence with each "1 学时" / "1.5 credit hours" kept on one line (phones)."""
    plain = text.unescape() if isinstance(text, Markup) else str(text)
    out, last = Markup(""), 0
    for m in _HOURS_RE.finditer(plain):
        out += plain[last : m.start()]  # escaped as it is added
        out += Markup('<span class="text-nowrap">{}</span>').format(m.group(0))
        last = m.end()
    return out + plain[last:]


@bp.app_template_filter("birth")
def birth_filter(trainee) -> str:
    """A trainee's birth year and month as offices write it: 1990.05."""
    return format_birth(trainee.birth_year, trainee.birth_month)


def _trainee_or_404(trainee_id: int) -> Trainee:
    trainee = services.get_trainee(trainee_id)
    if trainee is None:
        abort(404)
    return trainee


def _managed_trainee_or_403(trainee_id: int) -> Trainee:
    trainee = _trainee_or_404(trainee_id)
    if not services.manages_trainee(current_user, trainee):
        abort(403)
    return trainee


def _field_labels() -> dict[str, str]:
    """Names of audited fields, for the change history on the detail page."""
    return {
        "name": _("姓名"),
        "gender": _("性别"),
        "birth_year": _("出生年份"),
        "birth_month": _("出生月份"),
        "phone": _("手机号码"),
        "community": _("所在居民区/单位"),
        "position": _("现任职务"),
        "political_status": _("政治面貌"),
        "education": _("学历"),
        "notes": _("备注"),
        "username": _("用户名"),
    }


def _validate(form, exclude_id: int | None) -> bool:
    """Validate a submitted trainee form, a phone of someone else included, so all errors show at once."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    if not form.phone.errors and services.phone_owner(form.phone_value, exclude_id) is not None:
        form.phone.errors.append(services.phone_taken_message())
        valid = False
    return valid


def _show_refusal(form, err: ServiceError) -> None:
    """A service's refusal on its form field, else as a message at the top of the page."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors.append(err.message)
    else:
        flash(err.message, "danger")


# --- list, detail, create, edit ----------------------------------------------------------------


@bp.route("/")
@staff_required
def index():
    args = request.args
    cohort_id = args.get("cohort", type=int)
    cohorts = services.managed_cohorts(current_user, include_archived=True)
    if cohort_id and cohort_id not in {c.id for c in cohorts}:
        cohort_id = None  # a cohort one may not see is no filter
    filters = services.TraineeFilters(
        name=(args.get("name") or "").strip()[:64],
        phone=(args.get("phone") or "").strip()[:20],
        community=(args.get("community") or "").strip()[:128],
        cohort_id=cohort_id,
        everyone=args.get("scope") == "all",
    )
    # A page past the end shows the last page; an absurd number must not reach SQL OFFSET.
    page = min(max(args.get("page", 1, type=int), 1), 100_000)
    pagination, rows = services.list_page(current_user, filters, page)
    query = {k: v for k, v in args.items() if k != "page" and v}
    return render_template(
        "trainees/index.html",
        rows=rows,
        pagination=pagination,
        filters=filters,
        cohorts=cohorts,
        query=query,
        is_admin=current_user.role == Role.ADMIN,
    )


@bp.route("/<int:trainee_id>")
def detail(trainee_id: int):
    trainee = _trainee_or_404(trainee_id)
    manages = services.manages_trainee(current_user, trainee)
    if not manages and current_user.trainee_id != trainee.id:
        abort(403)
    if current_user.role == Role.ADMIN:
        enrollments = list(trainee.enrollments)
    elif manages:
        managed_ids = services.managed_cohort_ids(current_user) or set()
        enrollments = [e for e in trainee.enrollments if e.cohort_id in managed_ids]
    else:
        enrollments = list(trainee.enrollments)  # the trainee themself
    enrollments.sort(key=lambda e: e.enrolled_at, reverse=True)
    return render_template(
        "trainees/detail.html",
        trainee=trainee,
        manages=manages,
        may_manage_account=manages and services.may_manage_account(current_user, trainee),
        enrollments=enrollments,
        hidden_cohorts=len(trainee.enrollments) - len(enrollments),
        history=services.trainee_history(trainee) if manages else [],
        field_labels=_field_labels(),
        reset_form=ResetTraineePasswordForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create():
    is_admin = current_user.role == Role.ADMIN
    cohorts = services.managed_cohorts(current_user)
    form = NewTraineeForm()
    form.set_cohorts(cohorts, required=not is_admin)
    if not form.is_submitted() and request.args.get("cohort", type=int):
        form.cohort.data = request.args.get("cohort", type=int)
    if _validate(form, exclude_id=None):
        try:
            with writing(services.phone_taken_message(), field="phone"):
                trainee = services.create_trainee(form.values(), cohort_id=form.cohort.data or None)
        except ServiceError as err:
            _show_refusal(form, err)
        else:
            flash(_("已登记学员 %(name)s。", name=trainee.name), "success")
            return redirect(url_for("trainees.detail", trainee_id=trainee.id))
    return render_template("trainees/form.html", form=form, trainee=None, cohorts=cohorts, is_admin=is_admin)


@bp.route("/<int:trainee_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(trainee_id: int):
    trainee = _managed_trainee_or_403(trainee_id)
    form = TraineeForm()
    if not form.is_submitted():
        form.load(trainee)
    if _validate(form, exclude_id=trainee_id):
        try:
            with writing(services.phone_taken_message(), field="phone"):
                changed = services.update_trainee(trainee_id, form.values())
        except NotFound:
            abort(404)
        except ServiceError as err:
            _show_refusal(form, err)
        else:
            flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
            return redirect(url_for("trainees.detail", trainee_id=trainee_id))
    return render_template("trainees/form.html", form=form, trainee=trainee)


# --- accounts --------------------------------------------------------------------------------


@bp.route("/accounts/cohort/<int:cohort_id>")
@staff_required
def cohort_accounts(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    rows = accounts.account_rows(cohort, current_user)
    counts = {state: 0 for state in accounts.AccountState}
    for row in rows:
        counts[row.state] += 1
    return render_template(
        "trainees/accounts.html",
        cohort=cohort,
        rows=rows,
        counts=counts,
        public_url_missing=public_url_missing_message() if public_url() is None else None,
        States=accounts.AccountState,
        form=CreateAccountsForm(),
        reset_form=ResetTraineePasswordForm(),
    )


@bp.route("/accounts/cohort/<int:cohort_id>", methods=["POST"])
@staff_required
def create_accounts(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = CreateAccountsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        # The passwords are hashed first (the slow part), outside the write.
        credentials = new_credentials(accounts.accounts_to_create(cohort_id, current_user))
        with writing(accounts.conflict_message()):
            result = accounts.create_accounts(cohort_id, current_user, credentials)
    except ServiceError as err:
        flash(err.message, "danger")
        return redirect(url_for("trainees.cohort_accounts", cohort_id=cohort_id))
    slips_url = _slips_data_url(result.issued)
    return render_template(
        "trainees/accounts_result.html",
        cohort=cohort,
        result=result,
        issued=result.issued,
        slips_url=slips_url,
        slips_name=f"login-slips-{cohort.code}.pdf",
        States=accounts.AccountState,
    )


@bp.route("/<int:trainee_id>/reset-password", methods=["POST"])
@staff_required
def reset_password(trainee_id: int):
    trainee = _managed_trainee_or_403(trainee_id)
    form = ResetTraineePasswordForm()
    if not form.validate_on_submit():
        abort(400)
    if not services.may_manage_account(current_user, trainee):
        abort_with(403, accounts.shared_account_message())
    cohort = _slip_cohort(trainee, form.cohort_id.data)
    try:
        credential = new_credentials(1)[0]
        with writing():
            issued = accounts.reset_password(
                trainee_id, cohort.id if cohort else None, current_user, credential
            )
    except accounts.SharedAccountRefused as err:  # the person joined another cohort meanwhile
        abort_with(403, err.message)
    if issued is None:
        flash(_("%(name)s 还没有登录账号。", name=trainee.name), "warning")
        return redirect(url_for("trainees.detail", trainee_id=trainee_id))
    return render_template(
        "trainees/accounts_result.html",
        cohort=cohort,
        result=None,
        issued=[issued],
        slips_url=_slips_data_url([issued]),
        slips_name=f"login-slip-{issued.username}.pdf",
        trainee=trainee,
    )


def _slip_cohort(trainee: Trainee, raw_cohort_id: str | None) -> Cohort | None:
    """The cohort printed on the slip: the one asked for if managed, else the latest managed one."""
    managed = {c.id: c for c in services.managed_cohorts(current_user, include_archived=True)}
    enrollments: list[Enrollment] = sorted(trainee.enrollments, key=lambda e: e.enrolled_at, reverse=True)
    if raw_cohort_id and raw_cohort_id.isdigit() and int(raw_cohort_id) in managed:
        if any(e.cohort_id == int(raw_cohort_id) for e in enrollments):
            return managed[int(raw_cohort_id)]
    for e in enrollments:
        if e.cohort_id in managed:
            return managed[e.cohort_id]
    return None


def _slips_data_url(issued: list[accounts.IssuedLogin]) -> str | None:
    """The login slips as a data: URL, rendered now: the passwords exist only in this response.

    The address on the slips is the configured public one, never the request's Host header.
    """
    if not issued:
        return None
    site_url = public_url()
    if site_url is None:
        flash(public_url_missing_message(), "warning")
    try:
        return accounts.pdf_data_url(accounts.login_slips_pdf(issued, site_url))
    except Exception:  # noqa: BLE001 - the accounts exist; the page must still show the passwords
        log.exception("login slips PDF failed")
        flash(_("登录条 PDF 生成失败，请抄下本页的密码，或稍后逐个重置密码。"), "danger")
        return None


# --- training record ---------------------------------------------------------------------------


def _record_context(trainee_id: int) -> dict:
    trainee = _trainee_or_404(trainee_id)
    if not services.may_view_record(current_user, trainee):
        abort(403)
    visible = record.visible_training_record(current_user, trainee)
    manages = services.manages_trainee(current_user, trainee)
    show_phone = manages or current_user.trainee_id == trainee.id
    return {
        "trainee": trainee,
        "rows": visible.rows,
        "hidden_cohorts": visible.hidden_cohorts,
        "totals": record.record_totals(visible.rows),
        "manages": manages,
        "phone": (trainee.phone or "") if show_phone else trainee.masked_phone,
        "statuses": [AttendanceStatus(s) for s in record_rules.STATUSES],
        "unrecorded": record_rules.UNRECORDED,
    }


@bp.route("/<int:trainee_id>/record", endpoint="record")
def record_page(trainee_id: int):
    in_wechat = "MicroMessenger" in (request.user_agent.string or "")  # WeChat's own browser
    return render_template("trainees/record.html", in_wechat=in_wechat, **_record_context(trainee_id))


@bp.route("/<int:trainee_id>/record.pdf")
def record_pdf(trainee_id: int):
    context = _record_context(trainee_id)
    rows = context["rows"]
    pdf = render_pdf(
        "pdf/training_record.html",
        printed_at=utcnow(),
        details=record.session_details(context["trainee"], rows),
        outcome_label=outcome_label,
        # The unit that issues the record: the organizing units of the classes it lists.
        issuing_units=list(dict.fromkeys(r.cohort.organizing_unit for r in rows if r.cohort.organizing_unit)),
        **context,
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        # ?download=1 (the phone's button) saves the file instead of opening a desktop-sized viewer.
        headers={
            "Content-Disposition": f"{'attachment' if request.args.get('download') else 'inline'}; "
            f'filename="training-record-{trainee_id}.pdf"'
        },
    )


@bp.route("/me/record")
def my_record():
    """A trainee's own record, for a link on their home page."""
    if current_user.trainee_id is None:
        abort(404)
    return redirect(url_for("trainees.record", trainee_id=current_user.trainee_id))
