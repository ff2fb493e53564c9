"""Attendance statistics: the matrix trainees × sessions, and tallies per session, trainee, group, community.

Pure aggregation over plain values (no Flask, no database); the outcome of each
cell comes from ``cadre.rules.attendance`` (final status, hours, the 补 mark).

- A cell is ``NOT_EXPECTED`` for a cancelled session and for a session that
  starts after the trainee withdrew (unless they have a record for it).
- **Per session**: expected = trainees expected at it (pending ones included),
  rate = attended / expected. For a session under way this is the live share
  signed in; once it has ended no cell is pending any more. A cancelled session
  has nobody expected and no rate.
- **Per trainee**: the completion summary of ``cadre.rules.attendance``.
- **Per group and per community** (residential committee, 居民区): the cells of
  the sessions *held* (ended, not cancelled) of the trainees in it, so a session
  still to come does not pull the rate down; plus the hours earned. Trainees
  without a group (or community) are tallied under the key ``None``.
- Order: sessions and trainees keep the order they are given in; groups and
  communities come in order of first appearance among the trainees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from cadre.enums import AttendanceStatus, LeaveStatus
from cadre.rules.attendance import (
    CANCELLED,
    PENDING,
    RecordValue,
    SessionOutcome,
    SessionRules,
    is_expected,
    is_held,
    outcome,
)
from cadre.rules.completion import CompletionRule, CompletionSummary, percent, summarize_outcomes

NOT_EXPECTED = "not_expected"

__all__ = [
    "NOT_EXPECTED",
    "GroupStats",
    "Matrix",
    "SessionStats",
    "Tally",
    "TraineeRef",
    "build_matrix",
    "by_community",
    "by_group",
    "session_stats",
    "trainee_summaries",
]

Key = tuple[int, int | None]  # (trainee id, session id)


@dataclass(frozen=True)
class TraineeRef:
    """A trainee of the cohort as the statistics see them."""

    id: int
    group: str | None = None
    community: str | None = None  # 所在居民区/单位
    withdrawn_at: datetime | None = None


@dataclass
class Tally:
    """Counts of final statuses; `expected` is everything counted (pending included)."""

    present: int = 0
    late: int = 0
    left_early: int = 0
    excused: int = 0
    absent: int = 0
    pending: int = 0

    def add(self, status: str) -> None:
        if status == PENDING:
            self.pending += 1
        else:
            name = AttendanceStatus(status).value
            setattr(self, name, getattr(self, name) + 1)

    @property
    def expected(self) -> int:
        return self.present + self.late + self.left_early + self.excused + self.absent + self.pending

    @property
    def attended(self) -> int:
        return self.present + self.late + self.left_early

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.attended, self.expected) if self.expected else None

    @property
    def rate_percent(self) -> Decimal | None:
        return percent(self.rate)


@dataclass(frozen=True)
class Matrix:
    """Trainees × sessions; `cells[(trainee_id, session_id)]` is a SessionOutcome or NOT_EXPECTED."""

    sessions: tuple[SessionRules, ...]
    trainees: tuple[TraineeRef, ...]
    cells: Mapping[Key, SessionOutcome | str]
    now: datetime

    def cell(self, trainee_id: int, session_id: int | None) -> SessionOutcome | str:
        return self.cells[(trainee_id, session_id)]

    def row(self, trainee_id: int) -> list[SessionOutcome | str]:
        """One trainee's cells, in session order."""
        return [self.cells[(trainee_id, s.id)] for s in self.sessions]

    def column(self, session_id: int | None) -> list[SessionOutcome | str]:
        """One session's cells, in trainee order."""
        return [self.cells[(t.id, session_id)] for t in self.trainees]

    def outcomes_of(self, trainee_id: int) -> dict[int | None, SessionOutcome]:
        """The expected cells of one trainee, by session id."""
        found = {}
        for s in self.sessions:
            cell = self.cells[(trainee_id, s.id)]
            if isinstance(cell, SessionOutcome):
                found[s.id] = cell
        return found


def build_matrix(
    sessions: Iterable[SessionRules],
    trainees: Iterable[TraineeRef],
    records: Mapping[Key, RecordValue],
    leaves: Mapping[Key, LeaveStatus],
    now: datetime,
    *,
    late_pro_rata: bool = False,
) -> Matrix:
    """Every trainee's outcome at every session; `records`/`leaves` are keyed (trainee id, session id)."""
    sessions = tuple(sessions)
    trainees = tuple(trainees)
    cells: dict[Key, SessionOutcome | str] = {}
    for trainee in trainees:
        for session in sessions:
            key = (trainee.id, session.id)
            record = records.get(key)
            if not is_expected(session, withdrawn_at=trainee.withdrawn_at, has_record=record is not None):
                cells[key] = NOT_EXPECTED
                continue
            cells[key] = outcome(session, record, leaves.get(key), now, late_pro_rata=late_pro_rata)
    return Matrix(sessions, trainees, cells, now)


@dataclass(frozen=True)
class SessionStats:
    """One session's column: counts, rate, and the hours earned in it."""

    session_id: int | None
    cancelled: bool
    held: bool
    tally: Tally
    hours_earned: Decimal


def session_stats(matrix: Matrix) -> list[SessionStats]:
    """Per session, in session order."""
    result = []
    for session in matrix.sessions:
        tally = Tally()
        hours = Decimal("0.0")
        for cell in matrix.column(session.id):
            if isinstance(cell, SessionOutcome) and cell.status != CANCELLED:
                tally.add(cell.status)
                hours += cell.hours
        result.append(SessionStats(session.id, session.cancelled, is_held(session, matrix.now), tally, hours))
    return result


def trainee_summaries(matrix: Matrix, rule: CompletionRule) -> dict[int, CompletionSummary]:
    """Per trainee (by id, in trainee order): hours, rate and the completion rule."""
    return {
        t.id: summarize_outcomes(matrix.sessions, matrix.outcomes_of(t.id), rule, matrix.now)
        for t in matrix.trainees
    }


@dataclass
class GroupStats:
    """A group's (or community's) trainees and the tally of their cells in the sessions held."""

    key: str | None
    trainee_ids: list[int] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    hours_earned: Decimal = Decimal("0.0")

    @property
    def trainees(self) -> int:
        return len(self.trainee_ids)


def _by(matrix: Matrix, key: Callable[[TraineeRef], str | None]) -> dict[str | None, GroupStats]:
    held: Sequence[SessionRules] = [s for s in matrix.sessions if is_held(s, matrix.now)]
    groups: dict[str | None, GroupStats] = {}
    for trainee in matrix.trainees:
        name = key(trainee)
        name = (name.strip() or None) if isinstance(name, str) else None
        stats = groups.setdefault(name, GroupStats(name))
        stats.trainee_ids.append(trainee.id)
        for session in held:
            cell = matrix.cells[(trainee.id, session.id)]
            if isinstance(cell, SessionOutcome):
                stats.tally.add(cell.status)
                stats.hours_earned += cell.hours
    return groups


def by_group(matrix: Matrix) -> dict[str | None, GroupStats]:
    """Per 小组 (None: trainees without a group)."""
    return _by(matrix, lambda t: t.group)


def by_community(matrix: Matrix) -> dict[str | None, GroupStats]:
    """Per residential committee / unit (None: not filled in)."""
    return _by(matrix, lambda t: t.community)
