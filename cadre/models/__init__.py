"""All models, imported here so that metadata is complete for Alembic and create_all."""

from cadre.models.attendance import (
    AttendanceRecord,
    AttendanceStatus,
    LeaveRequest,
    LeaveStatus,
    SignInMethod,
)
from cadre.models.audit import AuditEvent
from cadre.models.calendar import CalendarFeed
from cadre.models.certificate import Certificate, CertificateSettings
from cadre.models.cohort import Cohort, CohortGoal
from cadre.models.corrections import CorrectionRequest, HeadCount, HeadCountPhase
from cadre.models.enrollment import ClassRole, Enrollment, EnrollmentStatus
from cadre.models.feedback import Reflection, SessionFeedback
from cadre.models.login_session import LoginSession
from cadre.models.report import CohortReport
from cadre.models.session import SessionKind, SessionSpeaker, TrainingSession, VisitStop, session_goals
from cadre.models.signin import SignInDevice, SuspectedProxySignIn
from cadre.models.speaker import Speaker
from cadre.models.trainee import Gender, Trainee
from cadre.models.user import Role, User, cohort_organizers
from cadre.models.venue import Venue

__all__ = [
    "AttendanceRecord",
    "AttendanceStatus",
    "AuditEvent",
    "CalendarFeed",
    "Certificate",
    "CertificateSettings",
    "ClassRole",
    "Cohort",
    "CorrectionRequest",
    "HeadCount",
    "HeadCountPhase",
    "CohortGoal",
    "CohortReport",
    "Enrollment",
    "EnrollmentStatus",
    "Gender",
    "LeaveRequest",
    "LeaveStatus",
    "LoginSession",
    "Reflection",
    "Role",
    "SessionFeedback",
    "SessionKind",
    "SessionSpeaker",
    "SignInDevice",
    "SignInMethod",
    "Speaker",
    "SuspectedProxySignIn",
    "Trainee",
    "TrainingSession",
    "User",
    "Venue",
    "VisitStop",
    "cohort_organizers",
    "session_goals",
]
