"""Issuing, revoking and reissuing certificates (service contract: cadre/services.py).

Serials: each cohort's CertificateSettings holds next_seq. Every allocation runs
under lock_cohort() inside the caller's writing(), reads next_seq afresh after the
lock, and moves it on in the same transaction as the certificates it numbers: a
rolled-back issue gives its numbers back (no gap), a committed one never hands
them out again (revoked certificates keep theirs), and (cohort_id, seq) is unique.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.attendance.stats import cohort_attendance
from cadre.attendance_messages import shortfall_message
from cadre.enums import EnrollmentStatus
from cadre.extensions import db
from cadre.models import Certificate, CertificateSettings, Cohort, Enrollment
from cadre.models.types import local_today, utcnow
from cadre.rules.certificates import format_serial, serial_problem
from cadre.rules.completion import CompletionSummary
from cadre.services import NotFound, ServiceError, lock_cohort

MAX_REASON = 500


@dataclass(frozen=True)
class Eligibility:
    """Whether a trainee of the cohort may get a certificate without a written reason, and why not."""

    enrollment: Enrollment
    summary: CompletionSummary | None
    eligible: bool
    reasons: tuple[str, ...]


def settings_for(cohort: Cohort, *, fresh: bool = False) -> CertificateSettings:
    """The cohort's settings row; a new (unsaved, then added) one with the defaults when it has none."""
    stmt = select(CertificateSettings).where(CertificateSettings.cohort_id == cohort.id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    settings = db.session.scalar(stmt)
    if settings is None:
        settings = CertificateSettings(cohort_id=cohort.id, next_seq=1)
        settings.cohort = cohort
        for column in CertificateSettings.__table__.columns:
            if (
                getattr(settings, column.key) is None
                and column.default is not None
                and column.default.is_scalar
            ):
                setattr(settings, column.key, column.default.arg)
        if fresh:
            db.session.add(settings)
    return settings


def issuer_of(settings: CertificateSettings, cohort: Cohort) -> str:
    return settings.issuer or cohort.organizing_unit or ""


def issue_date_of(settings: CertificateSettings, cohort: Cohort) -> date:
    return settings.issue_date or cohort.end_date or local_today()


def eligibility(cohort: Cohort, now: datetime | None = None) -> dict[int, Eligibility]:
    """Per trainee id: met the completion rule at the end of the course, and active in the class."""
    data = cohort_attendance(cohort, now or utcnow())
    result = {}
    for e in data.enrollments:
        summary = data.per_trainee.get(e.trainee_id)
        reasons: list[str] = []
        if e.status == EnrollmentStatus.WITHDRAWN:
            reasons.append(_("已退训。"))
        if summary is None:
            reasons.append(_("没有考勤统计。"))
        else:
            if not summary.course_finished:
                reasons.append(_("课程尚未全部结束。"))
            reasons.extend(shortfall_message(s) for s in summary.shortfalls)
        result[e.trainee_id] = Eligibility(e, summary, not reasons, tuple(reasons))
    return result


def valid_certificates(cohort_id: int) -> list[Certificate]:
    """The cohort's valid certificates in serial order, trainees loaded."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.cohort_id == cohort_id, Certificate.revoked_at.is_(None))
            .options(selectinload(Certificate.trainee))
            .order_by(Certificate.seq, Certificate.id)
        )
    )


def all_certificates(cohort_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.cohort_id == cohort_id)
            .options(selectinload(Certificate.trainee), selectinload(Certificate.replaced_by))
            .order_by(Certificate.seq, Certificate.id)
        )
    )


def refuse_archived(cohort: Cohort) -> None:
    if cohort.is_archived:
        raise ServiceError(
            _("培训班“%(name)s”已归档，证书不能再颁发、撤销或更换。请先取消归档。", name=cohort.name)
        )


def _holders(cohort_id: int) -> set[int]:
    """Trainees holding a valid certificate of the cohort (a column query: always what is committed)."""
    return set(
        db.session.scalars(
            select(Certificate.trainee_id).where(
                Certificate.cohort_id == cohort_id, Certificate.revoked_at.is_(None)
            )
        )
    )


def _allocate(
    cohort: Cohort, trainees: list[tuple[Eligibility, str | None]], actor_id: int | None
) -> list[Certificate]:
    """Number and add certificates for (eligibility, reason) pairs; the cohort's lock is held."""
    settings = settings_for(cohort, fresh=True)
    year = (cohort.start_date or issue_date_of(settings, cohort)).year
    first = settings.next_seq
    serials = [
        format_serial(settings.serial_pattern, code=cohort.code, year=year, seq=first + i)
        for i in range(len(trainees))
    ]
    for serial in serials:
        if problem := serial_problem(serial):  # the code may have changed since the pattern was saved
            from cadre.certificates.settings import pattern_message

            raise ServiceError(
                _("证书编号 %(serial)s 无法使用：%(why)s", serial=serial, why=pattern_message(problem))
            )
    if len(set(serials)) != len(serials):
        raise ServiceError(
            _("编号规则“%(p)s”会产生重复的编号，请在证书设置中修改。", p=settings.serial_pattern)
        )
    taken = set(db.session.scalars(select(Certificate.serial).where(Certificate.serial.in_(serials))))
    if taken:
        raise ServiceError(
            _("证书编号 %(serial)s 已被使用，请在证书设置中修改编号规则。", serial=sorted(taken)[0])
        )
    now = utcnow()
    made = []
    for i, (elig, reason) in enumerate(trainees):
        summary = elig.summary
        cert = Certificate(
            serial=serials[i],
            verification_token=secrets.token_urlsafe(24),
            cohort_id=cohort.id,
            trainee_id=elig.enrollment.trainee_id,
            seq=first + i,
            credit_hours=summary.hours_earned if summary is not None else Decimal("0"),
            issued_at=now,
            issued_by_id=actor_id,
            issue_reason=reason,
        )
        cert.trainee = elig.enrollment.trainee
        db.session.add(cert)
        made.append(cert)
    settings.next_seq = first + len(trainees)
    db.session.flush()
    for cert, (elig, reason) in zip(made, trainees, strict=True):
        after = {"serial": cert.serial, "name": cert.trainee.name, "credit_hours": cert.credit_hours}
        if reason:
            after |= {"reason": reason, "shortfalls": list(elig.reasons)}
        audit.record(
            "certificate.issued",
            object_type="certificates",
            object_id=cert.id,
            cohort_id=cohort.id,
            actor_id=actor_id,
            after=after,
        )
    return made


def issue_eligible(
    cohort: Cohort, *, actor_id: int | None = None, now: datetime | None = None
) -> list[Certificate]:
    """Certificates for every eligible trainee who has no valid one yet, in one step (may be none)."""
    refuse_archived(cohort)
    lock_cohort(cohort.id)
    holders = _holders(cohort.id)
    todo = [(e, None) for tid, e in eligibility(cohort, now).items() if e.eligible and tid not in holders]
    # Numbered in the roster's order (group, then name), so the printed stack follows the groups.
    return _allocate(cohort, todo, actor_id) if todo else []


def _reason(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_REASON:
        raise ServiceError(_("原因最多 %(n)s 个字。", n=MAX_REASON), "reason")
    return text or None


def issue_one(
    cohort: Cohort,
    trainee_id: int,
    reason: str | None = None,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Certificate:
    """A certificate for one trainee of the cohort; one who does not meet the rule needs a written reason."""
    reason = _reason(reason)
    refuse_archived(cohort)
    lock_cohort(cohort.id)
    elig = eligibility(cohort, now).get(trainee_id)
    if elig is None:
        raise NotFound(_("该学员不在本班名单中。"))
    if trainee_id in _holders(cohort.id):
        raise ServiceError(
            _("%(name)s 已有有效的结业证书，不能重复颁发。", name=elig.enrollment.trainee.name)
        )
    if not elig.eligible and not reason:
        raise ServiceError(
            _(
                "%(name)s 未达到结业条件（%(why)s），如确需颁发，请填写原因。",
                name=elig.enrollment.trainee.name,
                why=" ".join(elig.reasons),
            ),
            "reason",
        )
    return _allocate(cohort, [(elig, None if elig.eligible else reason)], actor_id)[0]


def certificate_in(cohort: Cohort, certificate_id: int) -> Certificate:
    cert = db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id, Certificate.cohort_id == cohort.id)
        .execution_options(populate_existing=True)
    )
    if cert is None:
        raise NotFound(_("找不到该证书。"))
    return cert


def _revoke(cert: Certificate, reason: str, actor_id: int | None) -> None:
    if cert.revoked_at is not None:
        raise ServiceError(_("证书 %(serial)s 已经撤销过了。", serial=cert.serial))
    cert.revoked_at = utcnow()
    cert.revoked_by_id = actor_id
    cert.revoke_reason = reason


def _locked_with_reason(
    cohort: Cohort, certificate_id: int, reason: str | None, missing: str
) -> tuple[Certificate, str]:
    """The cohort's certificate, the cohort held for the change; refused without a reason (`missing`)."""
    reason = _reason(reason)
    if not reason:
        raise ServiceError(missing, "reason")
    refuse_archived(cohort)
    lock_cohort(cohort.id)
    return certificate_in(cohort, certificate_id), reason


def revoke(
    cohort: Cohort, certificate_id: int, reason: str | None, *, actor_id: int | None = None
) -> Certificate:
    """Revoke a valid certificate, with a reason."""
    cert, reason = _locked_with_reason(cohort, certificate_id, reason, _("请填写撤销原因。"))
    _revoke(cert, reason, actor_id)
    db.session.flush()
    audit.record(
        "certificate.revoked",
        cert,
        cohort_id=cohort.id,
        actor_id=actor_id,
        before={"status": "valid"},
        after={"serial": cert.serial, "name": cert.trainee.name, "reason": reason},
    )
    return cert


def reissue(
    cohort: Cohort,
    certificate_id: int,
    reason: str | None,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Certificate:
    """A new serial for a valid certificate: the old one is revoked and marked replaced by the new."""
    old, reason = _locked_with_reason(cohort, certificate_id, reason, _("请填写更换原因。"))
    if old.revoked_at is not None:
        raise ServiceError(_("证书 %(serial)s 已撤销，不能更换；如需要，请重新颁发。", serial=old.serial))
    elig = eligibility(cohort, now).get(old.trainee_id)
    if elig is None:
        raise NotFound(_("该学员不在本班名单中。"))
    _revoke(old, reason, actor_id)
    db.session.flush()  # the old one is no longer valid before the new one is counted
    # One who no longer meets the rule keeps a written reason on the new certificate
    # (audited with the shortfalls).
    new = _allocate(cohort, [(elig, None if elig.eligible else (old.issue_reason or reason))], actor_id)[0]
    if elig.summary is None:
        new.credit_hours = old.credit_hours
    old.replaced_by_id = new.id
    audit.record(
        "certificate.reissued",
        old,
        cohort_id=cohort.id,
        actor_id=actor_id,
        before={"serial": old.serial},
        after={"serial": new.serial, "name": old.trainee.name, "reason": reason},
    )
    return new
