"""Enumerations shared by the models, the rules and the services.

Pure Python: imports neither Flask nor SQLAlchemy, so `cadre.rules` can use them
without loading the web stack. The models re-export them.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    TRAINEE = "trainee"


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class ClassRole(enum.StrEnum):
    MONITOR = "monitor"  # 班长
    GROUP_LEADER = "group_leader"  # 组长
    MEMBER = "member"  # 学员


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class SessionKind(enum.StrEnum):
    CEREMONY = "ceremony"  # 开班仪式 / 动员讲话
    LECTURE = "lecture"  # 专题讲座 / 集中授课
    ONSITE = "onsite"  # 现场教学
    SITE_VISIT = "site_visit"  # 研学 / 参观考察
    EXCHANGE = "exchange"  # 交流分享 / 研讨
    ASSESSMENT = "assessment"  # 考核
    OTHER = "other"  # 其他


class Transport(enum.StrEnum):
    """How a class travels to a site visit."""

    BUS = "bus"  # 统一乘车
    OWN_WAY = "own_way"  # 自行前往
    WALK = "walk"  # 步行
    PUBLIC = "public"  # 公共交通


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"  # 出勤
    LATE = "late"  # 迟到
    LEFT_EARLY = "left_early"  # 早退
    EXCUSED = "excused"  # 请假
    ABSENT = "absent"  # 缺勤


class SignInMethod(enum.StrEnum):
    QR = "qr"
    ROLL_CALL = "roll_call"
    MANUAL = "manual"
    PAPER = "paper"


class LeaveStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


__all__ = [
    "Transport",
    "AttendanceStatus",
    "ClassRole",
    "EnrollmentStatus",
    "Gender",
    "LeaveStatus",
    "Role",
    "SessionKind",
    "SignInMethod",
]
