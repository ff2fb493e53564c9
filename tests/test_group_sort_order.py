"""One order of groups everywhere: numbered groups by number, then names in natural order, no group last."""

from __future__ import annotations

import pytest

from cadre.models import Role
from cadre.rules.cohort_rules import group_sort_key
from tests.factories import enroll, login, make_cohort, make_trainee, make_user


@pytest.mark.parametrize(
    "ordered",
    [
        ["机关组3", "机关组10", "机关组12"],
        ["第一组", "第二组", "3组", "第十组", "第十一组", "宣传组"],
        ["第2小分队", "第10小分队"],
        ["第二小分队", "第十小分队"],
        ["一线组", "机关组", "机关组2"],
        ["第一组", "宣传组", None],
        ["机关组10", ""],
        ["机关组10", "   "],
    ],
)
def test_groups_sort_naturally_with_no_group_last(ordered):
    assert sorted(reversed(ordered), key=group_sort_key) == ordered


def test_the_order_is_total_for_odd_names():
    names = ["十十组", "组", "3", "03组", "第零组", "A组", "a10", "a9", None, "", "机关组三"]
    once = sorted(names, key=group_sort_key)
    assert sorted(reversed(names), key=group_sort_key)[-2:] in (["", None], [None, ""])
    assert sorted(once, key=group_sort_key) == once  # sorting never raises on mixed text and numbers


def test_roster_and_accounts_page_list_groups_in_the_same_order(client, app):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer])
    for name, group in [("甲", "机关组10"), ("乙", None), ("丙", "机关组3"), ("丁", "第二组")]:
        enroll(cohort, make_trainee(name=name), group=group)
    login(client, "org")
    accounts_html = client.get(f"/trainees/accounts/cohort/{cohort.id}").get_data(as_text=True)
    positions = [accounts_html.index(f">{name}</a>") for name in ("丁", "丙", "甲", "乙")]
    assert positions == sorted(positions)

    from cadre.cohorts.summaries import roster

    assert [e.trainee.name for e in roster(cohort)] == ["丁", "丙", "甲", "乙"]
