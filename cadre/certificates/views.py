"""Certificate pages: the organizer's page of a cohort (settings, seal, issue, revoke, reissue, downloads),
a trainee's own certificates, and the PDF of one certificate."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre.auth.permissions import can_manage_cohort, get_cohort_or_404
from cadre.certificates import printing, services
from cadre.certificates import settings as settings_service
from cadre.certificates.blueprint import bp
from cadre.certificates.forms import (
    IssueAllForm,
    IssueOneForm,
    ReissueForm,
    RemoveSealForm,
    RevokeForm,
    SealForm,
    SettingsForm,
)
from cadre.downloads import download
from cadre.extensions import db
from cadre.models import Certificate
from cadre.services import NotFound, ServiceError, writing


def _managed(cohort_id: int):
    return get_cohort_or_404(cohort_id, manage=True)


def _certificate_or_404(cohort, certificate_id: int) -> Certificate:
    try:
        return services.certificate_in(cohort, certificate_id)
    except NotFound:
        abort(404)


def _back(cohort_id: int, anchor: str = ""):
    return redirect(url_for("certificates.cohort", cohort_id=cohort_id) + anchor)


def _run(action, success: str | None = None):
    """Run a write; flash its refusal (404 for a row gone). True when it went through."""
    try:
        with writing():
            result = action()
    except NotFound:
        abort(404)
    except ServiceError as err:
        flash(err.message, "danger")
        return False
    if success:
        flash(success if isinstance(success, str) else success(result), "success")
    return True


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


def _settings_form(cohort, settings) -> SettingsForm:
    if request.method == "POST":
        return SettingsForm()
    return SettingsForm(
        formdata=None,
        serial_pattern=settings.serial_pattern,
        issuer=settings.issuer or "",
        issue_date=settings.issue_date,
        seal_position=settings.seal_position,
        seal_size_mm=settings.seal_size_mm,
    )


@bp.route("/cohorts/<int:cohort_id>", endpoint="cohort")
def cohort_page(cohort_id: int):
    cohort = _managed(cohort_id)
    settings = services.settings_for(cohort)
    eligibility = services.eligibility(cohort)
    certs = services.all_certificates(cohort.id)
    by_trainee: dict[int, list[Certificate]] = {}
    for cert in certs:
        by_trainee.setdefault(cert.trainee_id, []).append(cert)
    valid = [c for c in certs if c.is_valid]
    holders = {c.trainee_id for c in valid}
    pending = [e for tid, e in eligibility.items() if e.eligible and tid not in holders]
    return render_template(
        "certificates/cohort.html",
        cohort=cohort,
        settings=settings,
        issuer=services.issuer_of(settings, cohort),
        issue_date=services.issue_date_of(settings, cohort),
        rows=list(eligibility.values()),
        by_trainee=by_trainee,
        holders=holders,
        valid=valid,
        pending=pending,
        refusal=printing.refusal(),
        issue_all_form=IssueAllForm(),
        issue_form=IssueOneForm(formdata=None),
        revoke_form=RevokeForm(formdata=None),
        reissue_form=ReissueForm(formdata=None),
        settings_form=_settings_form(cohort, settings),
        seal_form=SealForm(formdata=None),
        remove_seal_form=RemoveSealForm(formdata=None),
    )


@bp.route("/cohorts/<int:cohort_id>/issue-all", methods=["POST"])
def issue_all(cohort_id: int):
    cohort = _managed(cohort_id)
    if IssueAllForm().validate_on_submit():
        _run(
            lambda: services.issue_eligible(cohort, actor_id=current_user.id),
            lambda made: _("已颁发 %(n)s 张结业证书。", n=len(made))
            if made
            else _("没有需要颁发证书的学员。"),
        )
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/issue", methods=["POST"])
def issue_one(cohort_id: int):
    cohort = _managed(cohort_id)
    form = IssueOneForm()
    if not form.validate_on_submit() or not (form.trainee_id.data or "").isdigit():
        _flash_form_errors(form) if form.errors else flash(_("请选择学员。"), "danger")
        return _back(cohort_id)
    _run(
        lambda: services.issue_one(
            cohort, int(form.trainee_id.data), form.reason.data, actor_id=current_user.id
        ),
        lambda cert: _("已为 %(name)s 颁发证书 %(serial)s。", name=cert.trainee.name, serial=cert.serial),
    )
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/<int:certificate_id>/revoke", methods=["POST"])
def revoke(cohort_id: int, certificate_id: int):
    return _change(
        cohort_id,
        certificate_id,
        RevokeForm,
        services.revoke,
        lambda cert: _("证书 %(serial)s 已撤销。", serial=cert.serial),
    )


@bp.route("/cohorts/<int:cohort_id>/<int:certificate_id>/reissue", methods=["POST"])
def reissue(cohort_id: int, certificate_id: int):
    return _change(
        cohort_id,
        certificate_id,
        ReissueForm,
        services.reissue,
        lambda cert: _("已更换为新证书 %(serial)s，原证书已标记为已更换。", serial=cert.serial),
    )


def _change(cohort_id: int, certificate_id: int, form_class, change, done):
    """Revoke or reissue one certificate of the cohort, with the form's reason."""
    cohort = _managed(cohort_id)
    _certificate_or_404(cohort, certificate_id)
    form = form_class()
    if form.validate_on_submit():
        _run(lambda: change(cohort, certificate_id, form.reason.data, actor_id=current_user.id), done)
    else:
        _flash_form_errors(form)
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/settings", methods=["POST"])
def save_settings(cohort_id: int):
    cohort = _managed(cohort_id)
    form = SettingsForm()
    if form.validate_on_submit():
        values = settings_service.SettingsInput(
            serial_pattern=form.serial_pattern.data,
            issuer=form.issuer.data,
            issue_date=form.issue_date.data,
            seal_position=form.seal_position.data,
            seal_size_mm=form.seal_size_mm.data,
        )
        _run(lambda: settings_service.save_settings(cohort, values), _("证书设置已保存。"))
    else:
        _flash_form_errors(form)
    return _back(cohort_id, "#settings")


@bp.route("/cohorts/<int:cohort_id>/seal", methods=["POST"])
def upload_seal(cohort_id: int):
    cohort = _managed(cohort_id)
    form = SealForm()
    if form.validate_on_submit():
        upload = request.files.get("seal")
        # Read one byte past the limit: enough to know it is too large, never the whole of a huge file.
        data = upload.stream.read(2 * 1024 * 1024 + 1) if upload else b""
        _run(lambda: settings_service.save_seal(cohort, data), _("印章图片已上传。"))
    else:
        _flash_form_errors(form)
    return _back(cohort_id, "#settings")


@bp.route("/cohorts/<int:cohort_id>/seal/remove", methods=["POST"])
def remove_seal(cohort_id: int):
    cohort = _managed(cohort_id)
    if RemoveSealForm().validate_on_submit():
        _run(lambda: settings_service.remove_seal(cohort), _("印章图片已删除。"))
    return _back(cohort_id, "#settings")


@bp.route("/cohorts/<int:cohort_id>/seal.png")
def seal_image(cohort_id: int):
    cohort = _managed(cohort_id)
    settings = services.settings_for(cohort)
    if not settings.seal_png:
        abort(404)
    return Response(settings.seal_png, mimetype="image/png")


def _printed(make):
    try:
        return make()
    except ServiceError as err:
        flash(err.message, "danger")
        return None


@bp.route("/cohorts/<int:cohort_id>/certificates.pdf")
def cohort_pdf(cohort_id: int):
    cohort = _managed(cohort_id)
    data = _printed(lambda: printing.certificates_pdf(cohort, services.valid_certificates(cohort.id)))
    if data is None:
        return _back(cohort_id)
    return download(
        data, f"{cohort.code}-结业证书.pdf", "application/pdf", inline=not request.args.get("download")
    )


@bp.route("/cohorts/<int:cohort_id>/preview.pdf")
def preview(cohort_id: int):
    """A specimen with the settings and seal, before anyone's certificate is printed."""
    cohort = _managed(cohort_id)
    data = _printed(lambda: printing.preview_pdf(cohort))
    if data is None:
        return _back(cohort_id, "#settings")
    return download(data, f"{cohort.code}-样张.pdf", "application/pdf", inline=True)


@bp.route("/cohorts/<int:cohort_id>/certificates.zip")
def cohort_zip(cohort_id: int):
    cohort = _managed(cohort_id)
    data = _printed(lambda: printing.certificates_zip(cohort, services.valid_certificates(cohort.id)))
    if data is None:
        return _back(cohort_id)
    return download(data, f"{cohort.code}-结业证书.zip", "application/zip")


def _own_or_managed(certificate_id: int) -> Certificate:
    cert = db.session.scalar(
        select(Certificate).where(Certificate.id == certificate_id).options(selectinload(Certificate.trainee))
    )
    if cert is None:
        abort(404)
    if current_user.trainee_id is not None and current_user.trainee_id == cert.trainee_id:
        return cert
    if can_manage_cohort(current_user, cert.cohort):
        return cert
    abort(404)  # someone else's certificate: as if there were none


@bp.route("/<int:certificate_id>.pdf", endpoint="pdf")
def certificate_pdf(certificate_id: int):
    cert = _own_or_managed(certificate_id)
    if not cert.is_valid:
        flash(_("证书 %(serial)s 已撤销，不能再下载。", serial=cert.serial), "warning")
        return redirect(
            url_for("certificates.mine")
            if current_user.trainee_id == cert.trainee_id
            else url_for("certificates.cohort", cohort_id=cert.cohort_id)
        )
    data = _printed(lambda: printing.certificates_pdf(cert.cohort, [cert]))
    if data is None:
        return redirect(
            url_for("certificates.mine")
            if current_user.trainee_id == cert.trainee_id
            else url_for("certificates.cohort", cohort_id=cert.cohort_id)
        )
    name = f"{cert.serial}-{cert.trainee.name}.pdf"
    return download(data, name, "application/pdf", inline=not request.args.get("download"))


@bp.route("/mine")
def mine():
    """A trainee's own certificates, with a note for WeChat's browser on how to save the PDF."""
    if current_user.trainee_id is None:
        abort(404)
    certs = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.trainee_id == current_user.trainee_id)
            .options(selectinload(Certificate.cohort), selectinload(Certificate.replaced_by))
            .order_by(Certificate.issued_at.desc())
        )
    )
    in_wechat = "MicroMessenger" in (request.user_agent.string or "")
    return render_template("certificates/mine.html", certs=certs, in_wechat=in_wechat)
