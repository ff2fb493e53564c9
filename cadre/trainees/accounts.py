"""Logins for trainees: created in one step per cohort, initial passwords shown once, printed on slips.

Username = the trainee's phone number. An initial password exists in clear only
inside the request that creates it: the result page shows it, and the login
slips PDF is rendered in that same request and embedded in the page as a
`data:` download link. Nothing is stored on the server (no temp file, no
process memory), so it works with any number of workers or hosts, nothing can
be fetched again later by token, and the page itself is sent `no-store`.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from cadre import audit
from cadre.auth.passwords import random_password
from cadre.extensions import db
from cadre.models import ClassRole, Cohort, Enrollment, EnrollmentStatus, Role, Trainee, User
from cadre.pdf import render_pdf
from cadre.rules.cohort_rules import group_sort_key
from cadre.services import begin_write

# Initial passwords are random (10 characters from 55: ~58 bits), shown once and
# replaced at first login, so a lighter hash than the default scrypt costs no
# real safety and keeps 200 accounts within a couple of seconds (scrypt: ~16 s).
INITIAL_PASSWORD_METHOD = "pbkdf2:sha256:60000"  # noqa: S105 - a hash method, not a password

SLIPS_PER_PAGE = 8


class AccountState(enum.StrEnum):
    HAS_ACCOUNT = "has_account"
    TO_CREATE = "to_create"
    NO_PHONE = "no_phone"
    USERNAME_TAKEN = "username_taken"


@dataclass(frozen=True)
class AccountRow:
    enrollment: Enrollment
    state: AccountState

    @property
    def trainee(self) -> Trainee:
        return self.enrollment.trainee

    @property
    def user(self) -> User | None:
        return self.enrollment.trainee.user


@dataclass(frozen=True)
class IssuedLogin:
    """A username and its initial password, alive only for the response that shows it."""

    trainee_id: int
    name: str
    group: str
    username: str
    password: str
    cohort_name: str


@dataclass(frozen=True)
class AccountsResult:
    issued: list[IssuedLogin]
    skipped: list[AccountRow]
    existing: int


class AccountsConflict(Exception):
    """Someone else changed the same accounts at the same moment; nothing was written."""


_ROLE_ORDER = {ClassRole.MONITOR: 0, ClassRole.GROUP_LEADER: 1, ClassRole.MEMBER: 2}


def account_rows(cohort: Cohort) -> list[AccountRow]:
    """The cohort's active trainees and what one click would do for each (2 queries)."""
    enrollments = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .options(selectinload(Enrollment.trainee).selectinload(Trainee.user))
    ).all()
    enrollments = sorted(
        enrollments,
        key=lambda e: (group_sort_key(e.group), _ROLE_ORDER.get(e.class_role, 9), e.trainee.name, e.id),
    )
    wanted = [e.trainee.phone for e in enrollments if e.trainee.user is None and e.trainee.phone]
    taken: set[str] = set()
    if wanted:
        taken = {
            u.lower()
            for u in db.session.scalars(select(User.username).where(func.lower(User.username).in_(wanted)))
        }
    rows = []
    for e in enrollments:
        t = e.trainee
        if t.user is not None:
            state = AccountState.HAS_ACCOUNT
        elif not t.phone:
            state = AccountState.NO_PHONE
        elif t.phone.lower() in taken:
            state = AccountState.USERNAME_TAKEN
        else:
            state = AccountState.TO_CREATE
        rows.append(AccountRow(e, state))
    return rows


def create_accounts(cohort: Cohort) -> AccountsResult:
    """Logins for every active trainee of the cohort who has none; commits and audits.

    Trainees without a phone, or whose phone is already someone else's username,
    are skipped. Raises AccountsConflict (nothing written) when a concurrent
    request created one of the same accounts first.
    """
    cohort_id = cohort.id
    begin_write()
    cohort = db.session.get(Cohort, cohort_id)
    rows = account_rows(cohort)
    issued: list[IssuedLogin] = []
    for row in rows:
        if row.state != AccountState.TO_CREATE:
            continue
        t = row.trainee
        password = random_password()
        user = User(
            username=t.phone,
            display_name=t.name,
            role=Role.TRAINEE,
            trainee_id=t.id,
            must_change_password=True,
            password_hash=generate_password_hash(password, method=INITIAL_PASSWORD_METHOD),
        )
        db.session.add(user)
        issued.append(
            IssuedLogin(
                trainee_id=t.id,
                name=t.name,
                group=row.enrollment.group or "",
                username=user.username,
                password=password,
                cohort_name=cohort.name,
            )
        )
    skipped = [r for r in rows if r.state in (AccountState.NO_PHONE, AccountState.USERNAME_TAKEN)]
    existing = sum(1 for r in rows if r.state == AccountState.HAS_ACCOUNT)
    if issued:
        audit.record(
            "account.created",
            cohort,
            after={
                "created": len(issued),
                "skipped": len(skipped),
                "existing": existing,
                "usernames": [i.username for i in issued],
            },
            cohort_id=cohort.id,
        )
    try:
        db.session.commit()
    except IntegrityError as err:
        db.session.rollback()
        raise AccountsConflict from err
    return AccountsResult(issued=issued, skipped=skipped, existing=existing)


def reset_password(trainee: Trainee, cohort: Cohort | None) -> IssuedLogin | None:
    """A new random password for the trainee's login, to be changed at next login; commits.

    None when the trainee has no login.
    """
    trainee_id = trainee.id
    begin_write()
    user = db.session.scalar(select(User).where(User.trainee_id == trainee_id))
    if user is None:
        db.session.rollback()
        return None
    password = random_password()
    user.password_hash = generate_password_hash(password, method=INITIAL_PASSWORD_METHOD)
    user.must_change_password = True
    group = ""
    if cohort is not None:
        group = (
            db.session.scalar(
                select(Enrollment.group).where(
                    Enrollment.cohort_id == cohort.id, Enrollment.trainee_id == trainee_id
                )
            )
            or ""
        )
    audit.record(
        "account.password_reset",
        user,
        after={"username": user.username, "trainee_id": trainee_id},
        cohort_id=cohort.id if cohort else None,
    )
    issued = IssuedLogin(
        trainee_id=trainee_id,
        name=user.trainee.name if user.trainee else user.display_name,
        group=group,
        username=user.username,
        password=password,
        cohort_name=cohort.name if cohort else "",
    )
    db.session.commit()
    return issued


def slip_pages(issued: list[IssuedLogin], per_page: int = SLIPS_PER_PAGE) -> list[list[IssuedLogin]]:
    return [issued[i : i + per_page] for i in range(0, len(issued), per_page)]


def qr_data_url(text: str) -> str:
    """A QR code of `text` as a PNG data: URL (the restricted PDF fetcher allows data:).

    PNG, not SVG: WeasyPrint draws an SVG QR code anew on every slip (~55 ms
    each), a PNG once. Pillow comes with WeasyPrint.
    """
    import io

    import qrcode

    buffer = io.BytesIO()
    qrcode.make(text, border=1, box_size=6).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def login_slips_pdf(issued: list[IssuedLogin], site_url: str) -> bytes:
    """All slips in one WeasyPrint pass, SLIPS_PER_PAGE to an A4 page, with a QR code of the site."""
    return render_pdf(
        "pdf/login_slips.html", pages=slip_pages(issued), site_url=site_url, qr=qr_data_url(site_url)
    )


def pdf_data_url(pdf: bytes) -> str:
    return "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
