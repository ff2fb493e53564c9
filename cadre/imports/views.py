"""Spreadsheet import and export of a cohort's trainees."""

from __future__ import annotations

import os

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.auth.permissions import get_cohort_or_404, staff_required
from cadre.cohorts.summaries import roster
from cadre.downloads import XLSX_MIMETYPE, download
from cadre.extensions import db
from cadre.imports import services, uploads, workbooks
from cadre.imports.forms import CommitForm, UploadForm
from cadre.imports.messages import field_label
from cadre.rules.roster_headers import FIELDS
from cadre.rules.text import clean_text
from cadre.services import ServiceError, writing

bp = Blueprint("imports", __name__)


def _display_filename(raw: str | None) -> str:
    """The uploaded file's own name, for the page and the audit log only (never a path)."""
    name = clean_text(os.path.basename((raw or "").replace("\\", "/")))
    return name[:255] or _("未命名文件")


def _commit_form(plan: services.ImportPlan, token: str) -> CommitForm:
    return CommitForm(
        formdata=None,
        data={
            "token": token,
            "ext": plan.kind,
            "sha256": plan.sha256,
            "fingerprint": plan.fingerprint,
            "filename": plan.filename,
        },
    )


def _shown_fields(plan) -> list[str]:
    """Every column the file holds and the import reads, in the template's order (序号, 姓名, 手机 aside)."""
    if plan.header is None:
        return []
    return [name for name in FIELDS if name in plan.header.fields and name not in ("seq", "name", "phone")]


def _render_preview(cohort, plan, commit_form=None, status=200):
    return (
        render_template(
            "imports/preview.html",
            cohort=cohort,
            plan=plan,
            commit_form=commit_form,
            upload_form=UploadForm(formdata=None),
            outcome_labels=outcome_labels(),
            import_fields=FIELDS,
            shown_fields=_shown_fields(plan),
            field_labels={name: field_label(name) for name in FIELDS},
            summary=summary_text(*(plan.counts[k] for k in ("new", "enroll", "update", "same"))),
        ),
        status,
    )


def summary_text(created: int, enrolled: int, updated: int, unchanged: int) -> str:
    """The non-zero parts of what an import does, in one sentence."""
    parts = []
    if created:
        parts.append(_("新建学员 %(n)s 人", n=created))
    if enrolled:
        parts.append(_("已有学员加入本班 %(n)s 人", n=enrolled))
    if updated:
        parts.append(_("更新本班学员 %(n)s 人", n=updated))
    if unchanged:
        parts.append(_("无变化 %(n)s 人", n=unchanged))
    return _("，").join(parts)


def outcome_labels() -> dict[str, tuple[str, str]]:
    """Outcome → (text, badge class)."""
    return {
        services.NEW: (_("新学员"), "text-bg-success"),
        services.ENROLL: (_("已有学员，加入本班"), "text-bg-primary"),
        services.UPDATE: (_("已在本班，将更新"), "text-bg-info"),
        services.SAME: (_("已在本班，无变化"), "text-bg-secondary"),
        services.ERROR: (_("有错误"), "text-bg-danger"),
        services.SKIP: (_("不导入"), "text-bg-light border"),
    }


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
def import_trainees(cohort_id: int):
    """Upload a roster file and preview what importing it would do (writes nothing)."""
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        plan = services.plan_import(cohort, data, _display_filename(upload.filename), actor=current_user)
        db.session.rollback()  # the plan only read; end the transaction
        if plan.file_error is not None:
            form.file.errors.append(plan.file_error_message)
            return render_template("imports/upload.html", cohort=cohort, form=form), 422
        commit_form = _commit_form(plan, uploads.save_upload(data, plan.kind)) if plan.ok else None
        return _render_preview(cohort, plan, commit_form, 200 if plan.ok else 422)
    status = 422 if form.is_submitted() else 200
    return render_template("imports/upload.html", cohort=cohort, form=form), status


@bp.post("/cohorts/<int:cohort_id>/import/commit")
def commit_import(cohort_id: int):
    """Apply a previewed import: all rows or none."""
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = CommitForm()
    if not form.validate_on_submit():
        flash(_("导入确认无效，请重新上传文件。"), "danger")
        return redirect(url_for("imports.import_trainees", cohort_id=cohort.id))
    token, ext = form.token.data, form.ext.data
    data = uploads.load_upload(token, ext)
    if data is None or services.sha256_of(data) != form.sha256.data:
        flash(_("预览已过期，请重新上传文件。"), "warning")
        return redirect(url_for("imports.import_trainees", cohort_id=cohort.id))
    filename = _display_filename(form.filename.data)
    try:
        with writing(_("其他人刚刚修改了相关学员的数据，本次没有导入任何内容。请重新预览后再确认。")):
            plan, result = services.commit_import(
                cohort, data, filename, expected_fingerprint=form.fingerprint.data, actor=current_user
            )
    except ServiceError as err:  # ImportConflict, or a collision at commit
        flash(err.message, "warning")
        return redirect(url_for("imports.import_trainees", cohort_id=cohort.id))
    if result is None:
        if plan.ok:  # stale: same file, but the database changed since the preview
            flash(_("预览之后数据发生了变化，请核对下面的新预览后再确认导入。"), "warning")
            return _render_preview(cohort, plan, _commit_form(plan, token), 409)
        uploads.delete_upload(token, ext)
        return _render_preview(cohort, plan, None, 422)
    uploads.delete_upload(token, ext)
    summary = summary_text(len(result.created), len(result.enrolled), len(result.updated), result.unchanged)
    flash(_("导入完成：%(summary)s。", summary=summary), "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.get("/imports/template.xlsx")
@staff_required
def template():
    """The blank roster template to fill in."""
    return download(workbooks.template_workbook(), "学员名单导入模板.xlsx", XLSX_MIMETYPE)


@bp.get("/cohorts/<int:cohort_id>/roster.xlsx")
def export_roster(cohort_id: int):
    """The cohort's roster as .xlsx, for those who manage the cohort."""
    cohort = get_cohort_or_404(cohort_id, manage=True)
    data = workbooks.roster_workbook(workbooks.roster_title(cohort.name), roster(cohort))
    return download(data, f"{cohort.code}-学员名单.xlsx", XLSX_MIMETYPE)
