"""Display labels for enum values, translated."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from cadre.enums import CohortPhase, EnrollmentStanding, Transport
from cadre.models import (
    AttendanceStatus,
    ClassRole,
    EnrollmentStatus,
    Gender,
    LeaveStatus,
    Role,
    SessionKind,
    SignInMethod,
)

LABELS: list[tuple[enum.Enum, object]] = [
    (Role.ADMIN, _l("系统管理员")),
    (Role.ORGANIZER, _l("班主任")),  # the person who runs a class (issue 12: not 组织者)
    (Role.TRAINEE, _l("学员")),
    (Gender.MALE, _l("男")),
    (Gender.FEMALE, _l("女")),
    (ClassRole.MONITOR, _l("班长")),
    (ClassRole.GROUP_LEADER, _l("组长")),
    (ClassRole.MEMBER, _l("学员")),
    (EnrollmentStatus.ACTIVE, _l("在训")),
    (EnrollmentStatus.WITHDRAWN, _l("退训")),
    (EnrollmentStanding.ACTIVE, _l("在训")),
    (EnrollmentStanding.ENDED, _l("已结束")),
    (EnrollmentStanding.COMPLETED, _l("已结业")),
    (EnrollmentStanding.NOT_COMPLETED, _l("未结业")),
    (EnrollmentStanding.WITHDRAWN, _l("退训")),
    (CohortPhase.UPCOMING, _l("未开班")),
    (CohortPhase.RUNNING, _l("进行中")),
    (CohortPhase.ENDED, _l("已结束")),
    (CohortPhase.ARCHIVED, _l("已归档")),
    (SessionKind.CEREMONY, _l("开班仪式")),
    (SessionKind.LECTURE, _l("专题讲座")),
    (SessionKind.ONSITE, _l("现场教学")),
    (SessionKind.SITE_VISIT, _l("研学参观")),
    (SessionKind.EXCHANGE, _l("交流分享")),
    (SessionKind.ASSESSMENT, _l("考核")),
    (SessionKind.OTHER, _l("其他")),
    (Transport.BUS, _l("统一乘车")),
    (Transport.OWN_WAY, _l("自行前往")),
    (Transport.WALK, _l("步行")),
    (Transport.PUBLIC, _l("公共交通")),
    (AttendanceStatus.PRESENT, _l("出勤")),
    (AttendanceStatus.LATE, _l("迟到")),
    (AttendanceStatus.LEFT_EARLY, _l("早退")),
    (AttendanceStatus.EXCUSED, _l("请假")),
    (AttendanceStatus.ABSENT, _l("缺勤")),
    (SignInMethod.QR, _l("扫码签到")),
    (SignInMethod.ROLL_CALL, _l("点名")),
    (SignInMethod.MANUAL, _l("手工登记")),
    (SignInMethod.PAPER, _l("纸质签到表")),
    (LeaveStatus.PENDING, _l("待审批")),
    (LeaveStatus.APPROVED, _l("已批准")),
    (LeaveStatus.REJECTED, _l("未批准")),
    (LeaveStatus.WITHDRAWN, _l("已撤回")),
]


# StrEnum members of different enums compare equal when their values do
# (EnrollmentStatus.WITHDRAWN == LeaveStatus.WITHDRAWN), so key on the type too.
_BY_TYPE = {(type(member), member.value): text for member, text in LABELS}


def label_for(value) -> str:
    """The translated label of an enum member; other values as text."""
    if value is None:
        return ""
    found = _BY_TYPE.get((type(value), getattr(value, "value", None)))
    return str(found) if found is not None else str(value)


def choices(enum_cls) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field."""
    return [(m.value, label_for(m)) for m in enum_cls]
