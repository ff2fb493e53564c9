"""The import preview shows every column it reads and warns, above the confirm button, of dropped ones."""

from __future__ import annotations

import pytest

from cadre.extensions import db
from cadre.models import Role, Trainee
from cadre.rules.roster_headers import field_for_header
from tests import upload_support
from tests.factories import login, make_cohort, make_user
from tests.upload_support import post_roster

upload_dir = upload_support.upload_dir  # the fixture
pytestmark = pytest.mark.usefixtures("upload_dir")


@pytest.fixture
def cohort(client):
    organizer = make_user(Role.ORGANIZER, username="org")
    login(client, "org")
    return make_cohort(organizers=[organizer], code="QLJL2025", name="青蓝接力培训班")


def upload(client, cohort, text: str):
    return post_roster(client, cohort.id, text.encode("utf-8-sig"), "名单.csv")


@pytest.mark.parametrize(
    ("header", "field"),
    [("居委", "community"), ("居委会", "community"), ("职务名称", "position"), ("现任职务", "position")],
)
def test_common_synonyms_are_recognised(header, field):
    assert field_for_header(header) == field


ROSTER = (
    "姓名,联系电话,性别,居委,职务名称,小组,爱好,紧急联系人\n"
    "王芳,13521000000,女,曹家渡居民区,居委会主任,第一组,书法,李四\n"
)


def test_preview_shows_every_imported_field(client, cohort):
    html = upload(client, cohort, ROSTER).get_data(as_text=True)
    for value in ("女", "曹家渡居民区", "居委会主任", "第一组"):
        assert value in html
    assert "居委 → 所在居民区/单位" in html and "职务名称 → 现任职务" in html


def test_ignored_columns_are_listed_above_the_confirm_button(client, cohort):
    html = upload(client, cohort, ROSTER).get_data(as_text=True)
    warning = html.index("文件中有 2 列不会导入")
    assert warning < html.index(f'action="/cohorts/{cohort.id}/import/commit"')
    listed = html[warning : html.index("</div>", warning)]
    assert "爱好" in listed and "紧急联系人" in listed
    assert "书法" not in html  # the dropped values are not shown as if they were imported


def test_no_warning_when_every_column_is_read(client, cohort):
    roster = "姓名,联系电话,居委\n王芳,13521000000,曹家渡居民区\n"
    html = upload(client, cohort, roster).get_data(as_text=True)
    assert "不会导入" not in html


def test_ignored_column_warning_in_english_counts_columns(client, cohort):
    client.post("/language", data={"lang": "en", "next": "/"})
    html = upload(client, cohort, "姓名,联系电话,爱好\n王芳,13521000000,书法\n").get_data(as_text=True)
    assert "1 column of the file will not be imported:" in html


def test_synonym_columns_are_saved(client, cohort):
    import re

    html = upload(client, cohort, ROSTER).get_data(as_text=True)
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', html))
    client.post(f"/cohorts/{cohort.id}/import/commit", data=fields)
    person = db.session.query(Trainee).filter_by(phone="13521000000").one()
    assert (person.community, person.position) == ("曹家渡居民区", "居委会主任")
