"""Compatibility only: the old home of the cohort services, split by concern.

Nothing under cadre/ imports this module. It keeps code written against the old
module working until every branch is merged (tests/test_review_findings.py uses
it); import from cadre.cohorts.summaries / edits / roster / pool / history and
cadre.services instead, then delete this file.
"""

from cadre.cohorts.edits import CohortData, create_cohort, has_certificates, set_archived, update_cohort
from cadre.cohorts.history import describe_history, enrollment_history
from cadre.cohorts.pool import PoolHit, search_pool, trainee_with_phone, trainees_named
from cadre.cohorts.roster import (
    DuplicatePhone,
    NewTrainee,
    RosterChange,
    enroll_new_trainee,
    enroll_trainees,
    enrollment_snapshot,
    reactivate,
    remove,
    update_enrollments,
    withdraw,
)
from cadre.cohorts.summaries import (
    cohort_by_code,
    cohort_summaries,
    enrollment_in,
    existing_groups,
    group_summary,
    monitor_of,
    records_of,
    roster,
    timetable,
)
from cadre.services import NotFound, ServiceError, ensure_open, lock_cohort, writing

__all__ = [
    "CohortData",
    "DuplicatePhone",
    "NewTrainee",
    "NotFound",
    "PoolHit",
    "RosterChange",
    "ServiceError",
    "cohort_by_code",
    "cohort_summaries",
    "create_cohort",
    "describe_history",
    "enroll_new_trainee",
    "enroll_trainees",
    "enrollment_history",
    "enrollment_in",
    "enrollment_snapshot",
    "ensure_open",
    "existing_groups",
    "group_summary",
    "has_certificates",
    "lock_cohort",
    "monitor_of",
    "reactivate",
    "records_of",
    "remove",
    "roster",
    "search_pool",
    "set_archived",
    "timetable",
    "trainee_with_phone",
    "trainees_named",
    "update_cohort",
    "update_enrollments",
    "withdraw",
    "writing",
]
