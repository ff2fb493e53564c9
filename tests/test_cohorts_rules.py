"""Pure rules of cohorts and rosters, tested without an app."""

from datetime import date

import pytest

from cadre.models.enrollment import ClassRole
from cadre.rules.cohort_rules import (
    CohortRuleError,
    RoleChange,
    RosterMember,
    check_dates,
    group_names,
    normalize_code,
    normalize_group,
    plan_role_changes,
)

MONITOR, LEADER, MEMBER = ClassRole.MONITOR, ClassRole.GROUP_LEADER, ClassRole.MEMBER


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("qljl2025", "QLJL2025"),
        ("  ql-2025_a ", "QL-2025_A"),
        ("ＱＬＪＬ２０２５", "QLJL2025"),  # typed with a full-width input method
        ("AB", "AB"),
        ("X" * 32, "X" * 32),
    ],
)
def test_code_is_trimmed_and_stored_upper_case(raw, expected):
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "code_required"),
        ("   ", "code_required"),
        (None, "code_required"),
        ("A", "code_length"),
        ("X" * 33, "code_length"),
        ("QL JL", "code_chars"),
        ("青蓝2025", "code_chars"),
        ("QL/2025", "code_chars"),
        ("QL.2025", "code_chars"),
    ],
)
def test_bad_codes_are_refused_with_the_rule_named(raw, code):
    with pytest.raises(CohortRuleError) as err:
        normalize_code(raw)
    assert err.value.code == code


def test_end_before_start_is_refused_and_same_day_is_fine():
    check_dates(date(2025, 5, 9), date(2025, 5, 9))
    check_dates(None, date(2025, 5, 9))
    with pytest.raises(CohortRuleError) as err:
        check_dates(date(2025, 5, 9), date(2025, 5, 8))
    assert err.value.params == {"start": "2025-05-09", "end": "2025-05-08"}


def test_group_names_are_trimmed_and_limited():
    assert normalize_group("  第一组 ") == "第一组"
    assert normalize_group("第 一  组") == "第 一 组"
    assert normalize_group("   ") is None
    with pytest.raises(CohortRuleError):
        normalize_group("组" * 33)


def test_numbered_groups_sort_in_numeric_order():
    names = ["第十组", "第二组", "第一组", "宣传组", "第十一组", "3组", None, "第二组"]
    assert group_names(names) == ["第一组", "第二组", "3组", "第十组", "第十一组", "宣传组"]


def _roster():
    return [
        RosterMember(1, "张伟", "第一组", MONITOR),
        RosterMember(2, "王芳", "第一组", LEADER),
        RosterMember(3, "李娜", "第一组", MEMBER),
        RosterMember(4, "刘洋", "第二组", LEADER),
        RosterMember(5, "陈静", "第二组", MEMBER, active=False),
    ]


def test_new_monitor_demotes_the_previous_one():
    plan = plan_role_changes(_roster(), [RoleChange(3, role=MONITOR)])
    assert [m.key for m in plan.demoted] == [1]
    assert plan.result[1].role == MEMBER
    assert plan.result[3].role == MONITOR


def test_keeping_the_same_monitor_demotes_nobody():
    plan = plan_role_changes(_roster(), [RoleChange(1, role=MONITOR, group="第二组")])
    assert plan.demoted == []
    assert plan.result[1].group == "第二组"


def test_two_monitors_at_once_are_refused():
    with pytest.raises(CohortRuleError) as err:
        plan_role_changes(_roster(), [RoleChange(2, role=MONITOR), RoleChange(3, role=MONITOR)])
    assert err.value.code == "two_monitors"


def test_second_group_leader_is_reported_not_refused():
    plan = plan_role_changes(_roster(), [RoleChange(3, role=LEADER)])
    assert plan.result[3].role == LEADER
    assert plan.crowded_groups == {"第一组": ["李娜", "王芳"]}


def test_withdrawn_leaders_do_not_crowd_a_group():
    roster = [*_roster(), RosterMember(6, "赵磊", "第二组", LEADER, active=False)]
    plan = plan_role_changes(roster, [RoleChange(5, group="第二组")])
    assert plan.crowded_groups == {}


def test_moving_a_leader_into_a_group_with_a_leader_is_reported():
    plan = plan_role_changes(_roster(), [RoleChange(4, group="第一组")])
    assert plan.crowded_groups == {"第一组": ["刘洋", "王芳"]}


def test_clearing_a_group():
    plan = plan_role_changes(_roster(), [RoleChange(3, clear_group=True)])
    assert plan.result[3].group is None
    assert plan.crowded_groups == {}


def test_unknown_member_is_refused():
    with pytest.raises(CohortRuleError):
        plan_role_changes(_roster(), [RoleChange(99, role=MEMBER)])
