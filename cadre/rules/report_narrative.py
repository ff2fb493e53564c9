"""The course report's narrative summary (培训总结), generated in Chinese from the figures.

Pure: takes plain values (``NarrativeFacts``), returns text — paragraphs separated by a
blank line. The organizer edits and extends it; ``check_narrative`` says whether an
edited text may be kept. The report is a Chinese official document whatever the
interface language, so the sentences here are Chinese by design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

MAX_NARRATIVE_CHARS = 20_000

# How a report names each kind of session (公文 wording, not the UI's labels).
KIND_NAMES = {
    "ceremony": "开班仪式",
    "lecture": "集中授课",
    "onsite": "现场教学",
    "site_visit": "研学参观",
    "exchange": "交流研讨",
    "assessment": "考核",
    "other": "其他活动",
}


@dataclass(frozen=True)
class NarrativeFacts:
    cohort_name: str
    organizing_unit: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    trainees: int = 0  # active
    withdrawn: int = 0
    male: int = 0
    female: int = 0
    groups: int = 0
    communities: int = 0
    sessions_planned: int = 0  # not cancelled
    sessions_held: int = 0
    sessions_cancelled: int = 0
    by_kind: tuple[tuple[str, int], ...] = ()  # (SessionKind value, sessions), programme order
    visit_stops: int = 0
    hours_planned: Decimal = Decimal("0")
    hours_held: Decimal = Decimal("0")
    goals: tuple[tuple[str, Decimal], ...] = ()  # (goal, hours planned)
    average_rate: Decimal | None = None  # percent, one decimal
    course_finished: bool = False
    rule_met: int = 0  # active trainees meeting the completion rule so far
    completed: int = 0  # … and the course is over
    leave_count: int = 0  # approved leave requests
    certificates: int = 0
    min_attendance_percent: int = 80
    speakers: tuple[str, ...] = field(default=())


def hours_text(value: Decimal) -> str:
    """48 → '48', 47.5 → '47.5'."""
    value = Decimal(value)
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value.normalize():f}"


def date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _span(start: date | None, end: date | None) -> str:
    if start and end:
        if start.year == end.year:
            return f"于{date_text(start)}至{end.month}月{end.day}日举办"
        return f"于{date_text(start)}至{date_text(end)}举办"
    if start:
        return f"于{date_text(start)}开班"
    return ""


def generate(f: NarrativeFacts) -> str:
    """The generated summary: who, what was taught, attendance and completion, and what to add."""
    paragraphs = []

    intro = f"本期培训班（{f.cohort_name}）"
    if f.organizing_unit:
        intro += f"由{f.organizing_unit}主办，"
    span = _span(f.start_date, f.end_date)
    if span:
        intro += span + "。"
    else:
        intro = intro.rstrip("，") + "。"
    if f.trainees:
        intro += f"共有学员 {f.trainees} 名"
        if f.male or f.female:
            intro += f"（男 {f.male} 名、女 {f.female} 名）"
        if f.communities:
            intro += f"，来自 {f.communities} 个居民区（单位）"
        if f.groups:
            intro += f"，分 {f.groups} 个小组"
        intro += "；"
        if f.withdrawn:
            intro += f"另有 {f.withdrawn} 名学员中途退训；"
        intro = intro.rstrip("；") + "。"
    else:
        intro += "本期培训班尚无学员。"
    paragraphs.append(intro)

    if f.sessions_planned:
        course = f"共{'开展' if f.course_finished else '安排'}课程 {f.sessions_planned} 次"
        kinds = [f"{KIND_NAMES.get(kind, kind)} {n} 次" for kind, n in f.by_kind if n]
        if kinds:
            course += "，其中" + "、".join(kinds)
        if f.visit_stops:
            course += f"，走访现场教学点 {f.visit_stops} 处"
        course += f"；计划 {hours_text(f.hours_planned)} 学时"
        if f.course_finished:
            course += f"，已全部完成，累计 {hours_text(f.hours_held)} 学时"
        else:
            course += f"，截至目前已完成课程 {f.sessions_held} 次、{hours_text(f.hours_held)} 学时"
        if f.sessions_cancelled:
            course += f"（另有 {f.sessions_cancelled} 次课程取消）"
        course += "。"
        goals = [f"{name}（{hours_text(hours)} 学时）" for name, hours in f.goals if hours]
        if goals:
            course += "课程围绕" + "、".join(goals) + "等培训目标展开。"
        paragraphs.append(course)
    else:
        paragraphs.append("本期培训班尚未安排课程。")

    if f.trainees and f.sessions_held:
        result = ""
        if f.average_rate is not None:
            result += f"学员平均出勤率 {f.average_rate}%"
        if f.leave_count:
            result += f"，经批准请假 {f.leave_count} 人次"
        result = result.lstrip("，")
        if f.course_finished:
            result += (
                f"；按照出勤率不低于 {f.min_attendance_percent}% 等结业要求，{f.completed} 名学员达到结业要求"
            )
            if f.certificates:
                result += f"，已颁发结业证书 {f.certificates} 份"
        else:
            result += f"；目前 {f.rule_met} 名学员符合结业要求（出勤率不低于 {f.min_attendance_percent}% 等）"
        paragraphs.append(result.lstrip("；") + "。")

    return "\n\n".join(paragraphs)


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs (split at blank lines; single line breaks kept inside a paragraph)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip("\n") for p in text.split("\n\n") if p.strip()]


def check_narrative(text: str) -> str | None:
    """A refusal code for an edited narrative, None when it may be kept: 'too_long'."""
    if len(text) > MAX_NARRATIVE_CHARS:
        return "too_long"
    return None
