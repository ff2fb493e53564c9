"""The trainee pool lists people in pinyin order (何 倪 严 周), not by code point, across pages too."""

from __future__ import annotations

import re

from cadre.models import Role
from tests.factories import make_cohort, make_trainee

NAMES = ["严明", "何平", "倪红", "周强"]  # code point order: 严 4E25 < 何 4F55 < 倪 502A < 周 5468
PINYIN = ["何平", "倪红", "严明", "周强"]


def _listed(html: str) -> list[str]:
    return [n for n in re.findall(r"[严何倪周][明平红强]", html) if n in NAMES]


def test_trainee_list_sorts_by_pinyin(client, login_as):
    for name in NAMES:
        make_trainee(name=name)
    login_as(Role.ADMIN)
    page = client.get("/trainees/").get_data(as_text=True)
    assert list(dict.fromkeys(_listed(page))) == PINYIN
    assert "共 4 人" in page


def test_pinyin_order_holds_across_pages(client, login_as, monkeypatch):
    from cadre.trainees import services

    monkeypatch.setattr(services, "PER_PAGE", 2)
    for name in NAMES:
        make_trainee(name=name)
    login_as(Role.ADMIN)
    first = list(dict.fromkeys(_listed(client.get("/trainees/").get_data(as_text=True))))
    second = list(dict.fromkeys(_listed(client.get("/trainees/?page=2").get_data(as_text=True))))
    assert first == PINYIN[:2] and second == PINYIN[2:]
    assert _listed(client.get("/trainees/?page=9").get_data(as_text=True)) == []


def test_filters_still_apply_with_pinyin_order(client, login_as):
    for name in NAMES:
        make_trainee(name=name)
    make_trainee(name="何平安")
    login_as(Role.ADMIN)
    page = client.get("/trainees/?name=何").get_data(as_text=True)
    assert "共 2 人" in page and "严明" not in page


def test_pool_search_hits_in_pinyin_order(app, login_as):
    from cadre.cohorts.pool import search_pool

    admin = login_as(Role.ADMIN)
    cohort = make_cohort()
    for name in NAMES:
        make_trainee(name=name + "丁")
    hits, more = search_pool(cohort, "丁", admin)
    assert [h.trainee.name[:2] for h in hits] == PINYIN and not more
