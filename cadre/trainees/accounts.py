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
from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.extensions import db
from cadre.models import ClassRole, Cohort, Enrollment, EnrollmentStatus, Role, Trainee, User
from cadre.pdf import render_pdf
from cadre.rules import privacy
from cadre.rules.cohort_rules import group_sort_key
from cadre.rules.names import name_sort_key
from cadre.services import NotFound, ServiceError
from cadre.trainees.access import managed_cohort_ids, may_manage_account, shared_account_message

# Initial passwords are hashed like every other (cadre.auth.passwords): a cheaper hash
# would answer a wrong password faster and so tell which accounts are still on one.
# The hashing happens before the write (new_credentials), never while holding it.

SLIPS_PER_PAGE = 8


class AccountState(enum.StrEnum):
    HAS_ACCOUNT = "has_account"
    TO_CREATE = "to_create"
    NO_PHONE = "no_phone"
    USERNAME_TAKEN = "username_taken"
    SHARED = "shared"  # first enrolled in a cohort the viewer does not manage: its organizers create it


@dataclass(frozen=True)
class AccountRow:
    enrollment: Enrollment
    state: AccountState
    may_manage: bool = True  # False: the person's first cohort is one the viewer does not manage

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
    # Who to ask for help, printed on the slip (the cohort's contact fields).
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class AccountsResult:
    issued: list[IssuedLogin]
    skipped: list[AccountRow]
    existing: int


def conflict_message() -> str:
    """Someone else created the same accounts at the same moment; nothing was written."""
    return _("有人同时在为这些学员开通账号，本次没有创建任何账号，请刷新后重试。")


class SharedAccountRefused(ServiceError):
    """The person is also in a cohort the organizer does not manage: the login is not theirs to set."""

    def __init__(self):
        super().__init__(shared_account_message())


_ROLE_ORDER = {ClassRole.MONITOR: 0, ClassRole.GROUP_LEADER: 1, ClassRole.MEMBER: 2}


def _manageable(cohort_id: int, viewer: User) -> dict[int, bool]:
    """trainee id → may the viewer act on the login of this member of the cohort (1 query; admins: 0)."""
    managed = managed_cohort_ids(viewer)
    if managed is None:
        return {}
    members = select(Enrollment.trainee_id).where(Enrollment.cohort_id == cohort_id)
    cohorts_of: dict[int, list[int]] = {}
    for trainee_id, other_cohort_id in db.session.execute(
        select(Enrollment.trainee_id, Enrollment.cohort_id)
        .where(Enrollment.trainee_id.in_(members))
        .order_by(Enrollment.enrolled_at, Enrollment.id)
    ):
        cohorts_of.setdefault(trainee_id, []).append(other_cohort_id)
    return {tid: privacy.may_manage_account(cids, managed) for tid, cids in cohorts_of.items()}


def account_rows(cohort: Cohort, viewer: User) -> list[AccountRow]:
    """The cohort's active trainees and what one click by this viewer would do for each (3 queries)."""
    enrollments = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .options(selectinload(Enrollment.trainee).selectinload(Trainee.user))
    ).all()
    enrollments = sorted(
        enrollments,
        key=lambda e: (
            group_sort_key(e.group),
            _ROLE_ORDER.get(e.class_role, 9),
            name_sort_key(e.trainee.name),
            e.id,
        ),
    )
    manageable = _manageable(cohort.id, viewer)
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
        may_manage = manageable.get(t.id, True)
        if t.user is not None:
            state = AccountState.HAS_ACCOUNT
        elif not may_manage:
            state = AccountState.SHARED
        elif not t.phone:
            state = AccountState.NO_PHONE
        elif t.phone.lower() in taken:
            state = AccountState.USERNAME_TAKEN
        else:
            state = AccountState.TO_CREATE
        rows.append(AccountRow(e, state, may_manage))
    return rows


def accounts_to_create(cohort_id: int, actor: User) -> int:
    """How many logins create_accounts would make now (a read, to hash that many passwords first)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound()
    return sum(1 for row in account_rows(cohort, actor) if row.state == AccountState.TO_CREATE)


def create_accounts(cohort_id: int, actor: User, credentials: list[tuple[str, str]]) -> AccountsResult:
    """Logins for every active trainee of the cohort who has none; flushed and audited.

    `credentials` are (password, hash) pairs made beforehand (new_credentials); should
    more trainees need a login by now than there are pairs, the rest stay to create
    and the page shows them so.

    Skipped: trainees without a phone, whose phone is already someone else's
    username, or whose first cohort the actor does not manage (SHARED).
    A concurrent request creating the same accounts makes the flush or commit
    fail on the unique username: writing(conflict_message()) turns it into a refusal.
    """
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound()
    rows = account_rows(cohort, actor)
    issued: list[IssuedLogin] = []
    available = iter(credentials)
    for row in rows:
        if row.state != AccountState.TO_CREATE:
            continue
        pair = next(available, None)
        if pair is None:
            break
        password, password_hash = pair
        t = row.trainee
        user = User(
            username=t.phone,
            display_name=t.name,
            role=Role.TRAINEE,
            trainee_id=t.id,
            must_change_password=True,
            password_hash=password_hash,
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
                contact_name=cohort.contact_name or "",
                contact_phone=cohort.contact_phone or "",
            )
        )
    skipped = [
        r
        for r in rows
        if r.state in (AccountState.NO_PHONE, AccountState.USERNAME_TAKEN, AccountState.SHARED)
    ]
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
        db.session.flush()
    return AccountsResult(issued=issued, skipped=skipped, existing=existing)


def reset_password(
    trainee_id: int, cohort_id: int | None, actor: User, credential: tuple[str, str]
) -> IssuedLogin | None:
    """A new random password for the trainee's login, to be changed at next login; flushed and audited.

    None when the trainee has no login. Refused (SharedAccountRefused) for an
    organizer who does not manage the person's first cohort.
    """
    trainee = db.session.get(Trainee, trainee_id)
    if trainee is None:
        raise NotFound()
    if not may_manage_account(actor, trainee):
        raise SharedAccountRefused
    user = db.session.scalar(select(User).where(User.trainee_id == trainee_id))
    if user is None:
        return None
    cohort = db.session.get(Cohort, cohort_id) if cohort_id is not None else None
    password, user.password_hash = credential
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
    return IssuedLogin(
        trainee_id=trainee_id,
        name=trainee.name,
        group=group,
        username=user.username,
        password=password,
        cohort_name=cohort.name if cohort else "",
        contact_name=(cohort.contact_name or "") if cohort else "",
        contact_phone=(cohort.contact_phone or "") if cohort else "",
    )


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


def login_slips_pdf(issued: list[IssuedLogin], site_url: str | None) -> bytes:
    """All slips in one WeasyPrint pass, SLIPS_PER_PAGE to an A4 page, with the site's address and QR code.

    site_url is the configured public address (cadre.urls.public_url), never the
    request's Host header; None prints the slips without an address or QR code.
    Each slip's QR code opens the login form with its username filled in
    (the login form reads ?username=); the password is never in it.
    """
    qrs = {s.username: qr_data_url(slip_login_url(site_url, s.username)) for s in issued} if site_url else {}
    return render_pdf("pdf/login_slips.html", pages=slip_pages(issued), site_url=site_url, qrs=qrs)


def slip_login_url(site_url: str, username: str) -> str:
    """The login page of the public address with the username filled in."""
    return site_url.rstrip("/") + "/auth/login?" + urlencode({"username": username})


def pdf_data_url(pdf: bytes) -> str:
    return "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
