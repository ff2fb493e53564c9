"""Cohort phases and enrollment standings, derived from dates: nothing here is stored.

A cohort is 未开班 before its first day, 进行中 from its first to its last day
(inclusive), 已结束 after it, and 已归档 once an organizer archived it, whatever
its dates. A cohort without a start date has not started; one without an end
date runs on once started.

An enrollment reads 退训 when the trainee withdrew, otherwise 在训 while the
cohort has not ended. Once it has ended: 已结业 / 未结业 when a completion
result is known. Completion is not decided by the system yet, so until it is,
an enrollment of an ended (or archived) cohort reads 已结束 — "the class is
over" — rather than claiming a result nobody decided.
"""

from __future__ import annotations

from datetime import date

from cadre.enums import CohortPhase, EnrollmentStanding, EnrollmentStatus


def cohort_phase(start: date | None, end: date | None, *, archived: bool, today: date) -> CohortPhase:
    """The phase of a cohort on `today` (a local date)."""
    if archived:
        return CohortPhase.ARCHIVED
    if start is None or today < start:
        return CohortPhase.UPCOMING
    if end is not None and today > end:
        return CohortPhase.ENDED
    return CohortPhase.RUNNING


def enrollment_standing(
    status: str, phase: CohortPhase, *, completed: bool | None = None
) -> EnrollmentStanding:
    """What an enrollment shows: `status` as stored, read with its cohort's phase.

    `completed` is the completion result once one exists (None: not decided).
    """
    if str(status) == EnrollmentStatus.WITHDRAWN:
        return EnrollmentStanding.WITHDRAWN
    if phase in (CohortPhase.UPCOMING, CohortPhase.RUNNING):
        return EnrollmentStanding.ACTIVE
    if completed is True:
        return EnrollmentStanding.COMPLETED
    if completed is False:
        return EnrollmentStanding.NOT_COMPLETED
    return EnrollmentStanding.ENDED
