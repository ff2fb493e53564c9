"""Rules about cohorts and their rosters: codes, dates, class roles.

Pure functions over plain values. A refusal raises CohortRuleError with a
code and parameters; the web layer turns codes into translated messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date

from cadre.enums import ClassRole

CODE_MIN = 2
CODE_MAX = 32
CODE_RE = re.compile(r"^[A-Z0-9_-]+$")

GROUP_MAX = 32


class CohortRuleError(ValueError):
    """A value the cohort rules refuse. `code` names the rule, `params` fill the message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def normalize_code(raw: str | None) -> str:
    """A cohort's short code: trimmed, upper-case, 2–32 of A–Z 0–9 - _.

    Full-width letters and digits (typed with a Chinese input method) are
    folded to ASCII first.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if not text:
        raise CohortRuleError("code_required")
    if not CODE_RE.match(text):
        raise CohortRuleError("code_chars", value=text)
    if not CODE_MIN <= len(text) <= CODE_MAX:
        raise CohortRuleError("code_length", min=CODE_MIN, max=CODE_MAX, length=len(text))
    return text


def check_dates(start: date | None, end: date | None) -> None:
    """The last day may not come before the first."""
    if start is not None and end is not None and end < start:
        raise CohortRuleError("end_before_start", start=start.isoformat(), end=end.isoformat())


def normalize_group(raw: str | None) -> str | None:
    """A group name (小组) as typed: trimmed, inner spaces collapsed; None when empty."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw))
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    if len(text) > GROUP_MAX:
        raise CohortRuleError("group_too_long", max=GROUP_MAX)
    return text


@dataclass(frozen=True)
class RosterMember:
    """One enrollment as the role rules see it."""

    key: Hashable
    name: str
    group: str | None
    role: ClassRole
    active: bool = True


@dataclass(frozen=True)
class RoleChange:
    """New values for one member; None leaves the value as it is (group: use clear_group)."""

    key: Hashable
    group: str | None = None
    role: ClassRole | None = None
    clear_group: bool = False


@dataclass
class RolePlan:
    """What applying some changes means for the rest of the roster."""

    # Members who were 班长 and become 学员 because someone else is 班长 now.
    demoted: list[RosterMember] = field(default_factory=list)
    # Groups touched by the change that now have more than one active 组长: group → names.
    crowded_groups: dict[str, list[str]] = field(default_factory=dict)
    # The roster after the change, by key.
    result: dict[Hashable, RosterMember] = field(default_factory=dict)


def plan_role_changes(roster: Iterable[RosterMember], changes: Iterable[RoleChange]) -> RolePlan:
    """Apply group/role changes to a roster and work out their side effects.

    Only one 班长 per cohort: naming a new one demotes the previous one to 学员
    (also when withdrawn: a returning trainee must not bring a second 班长).
    Naming two 班长 at once is refused. Two 组长 in one group is allowed but
    reported, for the groups the change touched.
    """
    current = {m.key: m for m in roster}
    changes = list(changes)
    new_monitors = [c.key for c in changes if c.role == ClassRole.MONITOR]
    if len(new_monitors) > 1:
        raise CohortRuleError("two_monitors", count=len(new_monitors))

    result = dict(current)
    touched_groups: set[str] = set()
    for change in changes:
        old = result.get(change.key)
        if old is None:
            raise CohortRuleError("unknown_member", key=change.key)
        group = None if change.clear_group else (change.group if change.group is not None else old.group)
        role = change.role if change.role is not None else old.role
        result[change.key] = RosterMember(old.key, old.name, group, role, old.active)
        if group:
            touched_groups.add(group)

    plan = RolePlan(result=result)
    if new_monitors:
        monitor_key = new_monitors[0]
        for key, member in list(result.items()):
            if key != monitor_key and member.role == ClassRole.MONITOR:
                demoted = RosterMember(member.key, member.name, member.group, ClassRole.MEMBER, member.active)
                result[key] = demoted
                plan.demoted.append(current.get(key, member))

    for group in sorted(touched_groups):
        leaders = [
            m.name
            for m in result.values()
            if m.active and m.group == group and m.role == ClassRole.GROUP_LEADER
        ]
        if len(leaders) > 1:
            plan.crowded_groups[group] = sorted(leaders)
    return plan


def group_names(groups: Iterable[str | None]) -> list[str]:
    """Distinct group names in a natural order: 第一组 < 第二组 < … < 第十组, then by text."""
    return sorted({g for g in groups if g}, key=group_sort_key)


_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _chinese_number(text: str) -> int | None:
    """一..九十九 as an int; None when the text is not such a number."""
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if "十" in units:
        return None
    value = (_CN_DIGITS.get(tens, -100) if tens else 1) * 10
    if units:
        if len(units) != 1:
            return None
        value += _CN_DIGITS[units]
    return value if value >= 0 else None


_GROUP_NUMBER_RE = re.compile(r"^(?:第)?(\d+|[零一二两三四五六七八九十]+)(?:组|小组)?$")
_NUMBER_RUN_RE = re.compile(r"\d+|[零一二两三四五六七八九十]+")


def _number_of(token: str) -> int | None:
    return int(token) if token.isdigit() else _chinese_number(token)


def _natural_parts(name: str) -> tuple:
    """("机关组", 3, "") for 机关组3: text and numbers alternate, so tuples compare text with text."""
    parts: list = []
    text, last = "", 0
    for match in _NUMBER_RUN_RE.finditer(name):
        number = _number_of(match.group())
        if number is None:
            continue  # e.g. 十十: not a number, stays part of the text
        parts += [text + name[last : match.start()], number]
        text, last = "", match.end()
    parts.append(text + name[last:])
    return tuple(parts)


def group_sort_key(name: str | None) -> tuple:
    """The one order of groups (roster, accounts, exports): natural, empty last.

    Plainly numbered groups (第一组, 第2组, 3组) come first in numeric order; then
    other names in natural order (机关组3 before 机关组10, 第二小分队 before 第十小分队);
    a trainee without a group (None or blank) sorts last.
    """
    name = (name or "").strip()
    if not name:
        return (2, (), "")
    match = _GROUP_NUMBER_RE.match(name)
    if match:
        number = _number_of(match.group(1))
        if number is not None:
            return (0, (number,), name)
    return (1, _natural_parts(name), name)
