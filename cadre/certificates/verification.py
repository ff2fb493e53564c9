"""Looking a certificate up for the public verification page: by QR token or typed serial.

What the page shows is the Verification below and nothing more: the status,
the masked name, the cohort, its dates, the hours and the issuer. A serial that
never existed and a mistyped one get the same answer (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cadre.certificates.services import issue_date_of, issuer_of, settings_for
from cadre.extensions import db
from cadre.models import Certificate
from cadre.rules.certificates import normalize_serial, token_has_shape
from cadre.rules.privacy import mask_name


@dataclass(frozen=True)
class Verification:
    status: str  # valid / revoked / replaced
    serial: str
    masked_name: str
    cohort_name: str
    start_date: date | None
    end_date: date | None
    credit_hours: Decimal
    issuer: str
    issued_on: date
    replaced_by_serial: str | None


def _describe(cert: Certificate | None) -> Verification | None:
    if cert is None:
        return None
    cohort = cert.cohort
    settings = settings_for(cohort)
    return Verification(
        status=cert.status,
        serial=cert.serial,
        masked_name=mask_name(cert.trainee.name),
        cohort_name=cohort.name,
        start_date=cohort.start_date,
        end_date=cohort.end_date,
        credit_hours=cert.credit_hours,
        issuer=issuer_of(settings, cohort),
        issued_on=issue_date_of(settings, cohort),
        replaced_by_serial=cert.replaced_by.serial if cert.replaced_by is not None else None,
    )


def _query():
    return select(Certificate).options(
        joinedload(Certificate.trainee), joinedload(Certificate.cohort), joinedload(Certificate.replaced_by)
    )


def by_token(token: str) -> Verification | None:
    if not token_has_shape(token):
        return None
    return _describe(db.session.scalar(_query().where(Certificate.verification_token == token)))


def by_serial(typed: str) -> Verification | None:
    serial = normalize_serial(typed)
    if serial is None:
        return None
    return _describe(db.session.scalar(_query().where(Certificate.serial == serial)))
