"""Names sort by group, then by pinyin (何, 倪, 严, 周), not by code point; login slips too."""

from __future__ import annotations

from cadre.models import Role
from cadre.rules.names import name_sort_key
from tests.factories import enroll, login, make_cohort, make_trainee, make_user

# By code point: 严 (U+4E25) 何 (U+4F55) 倪 (U+502A) 周 (U+5468); by pinyin: he, ni, yan, zhou.
BY_PINYIN = ["何芳", "倪敏", "严伟", "周杰"]


def test_names_sort_by_pinyin():
    assert sorted(["严伟", "周杰", "倪敏", "何芳"], key=name_sort_key) == BY_PINYIN
    assert sorted(["严伟", "周杰", "倪敏", "何芳"]) != BY_PINYIN  # what code-point order gives


def test_surnames_take_their_surname_reading():
    # 单 is shàn as a surname (not dān), 曾 is zēng (not céng).
    assert sorted(["单丽", "邓强"], key=name_sort_key) == ["邓强", "单丽"]
    assert sorted(["曾强", "陈明"], key=name_sort_key) == ["陈明", "曾强"]


def test_same_syllables_keep_a_stable_total_order():
    assert sorted(["王芳", "王方", "王芳"], key=name_sort_key) == ["王方", "王芳", "王芳"]
    assert name_sort_key("") > name_sort_key("周杰")  # blanks last


def _cohort_with(names_by_group, phones=True):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer])
    n = 0
    for group, names in names_by_group.items():
        for name in names:
            n += 1
            enroll(cohort, make_trainee(name=name, phone=f"1380000{n:04d}" if phones else None), group=group)
    return cohort


def _order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


def test_roster_lists_groups_then_pinyin(client, app):
    cohort = _cohort_with({"第二组": ["周杰", "何芳"], "第一组": ["严伟", "倪敏"]})
    login(client, "org")
    html = client.get(f"/cohorts/{cohort.id}/enrollments").get_data(as_text=True)
    assert _order(html, ["严伟", "倪敏", "周杰", "何芳"]) == ["倪敏", "严伟", "何芳", "周杰"]


def test_accounts_page_and_login_slips_follow_the_same_order(client, app):
    from cadre.trainees import accounts

    cohort = _cohort_with({"第一组": ["周杰", "严伟", "倪敏", "何芳"]})
    login(client, "org")
    html = client.get(f"/trainees/accounts/cohort/{cohort.id}").get_data(as_text=True)
    assert _order(html, BY_PINYIN) == BY_PINYIN
    organizer = cohort.organizers[0]
    rows = accounts.account_rows(cohort, organizer)
    assert [r.trainee.name for r in rows] == BY_PINYIN
