"""Creating, editing and archiving cohorts through the web pages."""

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Certificate, Cohort, Role, Venue
from tests.factories import login, make_cohort, make_trainee, make_trainee_user, make_user


def form_data(**overrides):
    data = {
        "name": "2025年青蓝接力培训班",
        "code": "qljl2025",
        "organizing_unit": "天目西路街道党建办",
        "start_date": "2025-05-09",
        "end_date": "2025-06-27",
        "description": "后备干部培训",
        "default_venue_id": "",
        "new_venue": "",
        "minutes_per_credit_hour": "45",
        "min_attendance_percent": "80",
        "require_required_sessions": "y",
        "max_unexcused_absences": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def events(action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def cohort_count():
    return db.session.scalar(select(func.count()).select_from(Cohort))


def test_new_cohort_form_shows_the_defaults(client, organizer):
    page = client.get("/cohorts/new").get_data(as_text=True)
    assert 'value="45"' in page
    assert 'value="80"' in page
    assert "您将自动成为本班的班主任" in page


def test_organizer_who_creates_a_cohort_manages_it(client, organizer):
    response = client.post("/cohorts/new", data=form_data(), follow_redirects=True)
    assert response.status_code == 200
    assert "培训班“2025年青蓝接力培训班”已创建" in response.get_data(as_text=True)
    cohort = db.session.scalar(select(Cohort))
    assert cohort.code == "QLJL2025"
    assert [u.id for u in cohort.organizers] == [organizer.id]
    assert cohort.minutes_per_credit_hour == 45
    assert cohort.min_attendance_percent == 80
    assert cohort.require_required_sessions is True
    assert cohort.max_unexcused_absences is None
    created = events("cohort.created")
    assert len(created) == 1 and created[0].cohort_id == cohort.id
    assert created[0].after["code"] == "QLJL2025"
    assert events("cohort.organizers_changed")[0].after["organizer_ids"] == [organizer.id]


def test_organizer_cannot_assign_other_organizers_when_creating(client, organizer):
    other = make_user(Role.ORGANIZER)
    client.post("/cohorts/new", data=form_data(organizers=str(other.id)))
    cohort = db.session.scalar(select(Cohort))
    assert [u.id for u in cohort.organizers] == [organizer.id]


def test_admin_assigns_organizers_when_creating(client, admin):
    a, b = make_user(Role.ORGANIZER), make_user(Role.ORGANIZER)
    page = client.get("/cohorts/new").get_data(as_text=True)
    assert a.display_name in page and b.display_name in page
    client.post("/cohorts/new", data={**form_data(), "organizers": [str(a.id), str(b.id)]})
    cohort = db.session.scalar(select(Cohort))
    assert sorted(u.id for u in cohort.organizers) == sorted([a.id, b.id])


def test_admin_cannot_make_a_trainee_an_organizer(client, admin):
    trainee_user = make_trainee_user()
    response = client.post("/cohorts/new", data={**form_data(), "organizers": [str(trainee_user.id)]})
    assert response.status_code == 200
    assert "所选项目无效" in response.get_data(as_text=True)
    assert cohort_count() == 0


def test_code_is_unique_whatever_the_case(client, organizer):
    make_cohort(code="QLJL2025", name="第一期")
    response = client.post("/cohorts/new", data=form_data(code=" qljl2025 "))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "班级代码“QLJL2025”已被培训班“第一期”使用" in page
    assert cohort_count() == 1
    assert events("cohort.created") == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "  "}, "请输入培训班名称"),
        ({"name": "班" * 129}, "培训班名称最多 128 个字"),
        ({"code": ""}, "请输入班级代码"),
        ({"code": "Q"}, "班级代码应为 2 到 32 位"),
        ({"code": "Q" * 33}, "班级代码应为 2 到 32 位"),
        ({"code": "青蓝2025"}, "班级代码只能包含字母"),
        ({"code": "QL 2025"}, "班级代码只能包含字母"),
        ({"start_date": "2025-13-01"}, "开班日期无效"),
        ({"start_date": "下周一"}, "开班日期无效"),
        ({"end_date": "2025-05-08"}, "结业日期（2025-05-08）不能早于开班日期（2025-05-09）"),
        ({"minutes_per_credit_hour": "0"}, "每学时分钟数应为 1 到 240 之间的整数"),
        ({"minutes_per_credit_hour": "241"}, "每学时分钟数应为 1 到 240 之间的整数"),
        ({"minutes_per_credit_hour": "四十五"}, "每学时分钟数应为 1 到 240 之间的整数"),
        ({"minutes_per_credit_hour": ""}, "每学时分钟数应为 1 到 240 之间的整数"),
        ({"min_attendance_percent": "101"}, "最低出勤率应为 0 到 100 之间的整数"),
        ({"min_attendance_percent": "-1"}, "最低出勤率应为 0 到 100 之间的整数"),
        ({"min_attendance_percent": "80.5"}, "最低出勤率应为 0 到 100 之间的整数"),
        ({"max_unexcused_absences": "-1"}, "无故缺勤最多次数应为 0 到 999 之间的整数"),
        ({"max_unexcused_absences": "two"}, "无故缺勤最多次数应为 0 到 999 之间的整数"),
        ({"default_venue_id": "999"}, "所选场地不存在"),
        ({"default_venue_id": "abc"}, None),  # a tampered value falls back to "no venue"
        ({"new_venue": "场" * 129}, "场地名称最多 128 个字"),
        ({"description": "x" * 5001}, "简介最多 5000 个字"),
        ({"organizing_unit": "单" * 129}, "主办单位最多 128 个字"),
    ],
)
def test_bad_cohort_input_gets_a_clear_message_and_writes_nothing(client, organizer, overrides, message):
    response = client.post("/cohorts/new", data=form_data(**overrides))
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "is-invalid" in page
    assert cohort_count() == 0
    assert events("cohort.created") == []


def test_full_width_numbers_and_dotted_dates_are_understood(client, organizer):
    client.post(
        "/cohorts/new",
        data=form_data(minutes_per_credit_hour="４０", start_date="2025.5.9", end_date="2025年6月27日"),
    )
    cohort = db.session.scalar(select(Cohort))
    assert cohort.minutes_per_credit_hour == 40
    assert (cohort.start_date, cohort.end_date) == (date(2025, 5, 9), date(2025, 6, 27))


def test_zero_unexcused_absences_is_kept_apart_from_no_limit(client, organizer):
    client.post("/cohorts/new", data=form_data(max_unexcused_absences="0", require_required_sessions=None))
    cohort = db.session.scalar(select(Cohort))
    assert cohort.max_unexcused_absences == 0
    assert cohort.require_required_sessions is False


def test_new_venue_is_created_and_becomes_the_default(client, organizer):
    client.post("/cohorts/new", data=form_data(new_venue=" 天目西路街道党群服务中心 "))
    venue = db.session.scalar(select(Venue))
    assert venue.name == "天目西路街道党群服务中心"
    assert db.session.scalar(select(Cohort)).default_venue_id == venue.id
    assert len(events("venue.created")) == 1


def test_new_venue_with_a_known_name_reuses_it(client, organizer):
    venue = Venue(name="Room A")
    db.session.add(venue)
    db.session.commit()
    client.post("/cohorts/new", data=form_data(new_venue="room a"))
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 1
    assert db.session.scalar(select(Cohort)).default_venue_id == venue.id


def test_chosen_venue_is_saved(client, organizer):
    venue = Venue(name="天目西路街道社区党校")
    db.session.add(venue)
    db.session.commit()
    page = client.get("/cohorts/new").get_data(as_text=True)
    assert "天目西路街道社区党校" in page
    client.post("/cohorts/new", data=form_data(default_venue_id=str(venue.id)))
    assert db.session.scalar(select(Cohort)).default_venue_id == venue.id


def test_trainee_cannot_create_a_cohort(client):
    user = make_trainee_user()
    login(client, user.username)
    assert client.get("/cohorts/new").status_code == 403
    assert client.post("/cohorts/new", data=form_data()).status_code == 403
    assert cohort_count() == 0


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/cohorts/new")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


# ---------------------------------------------------------------- editing


def test_edit_records_only_what_changed(client, organizer):
    cohort = make_cohort(organizers=[organizer], code="QLJL2025", name="旧名", minutes_per_credit_hour=45)
    page = client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert 'value="QLJL2025"' in page
    assert "旧名" in page
    response = client.post(
        f"/cohorts/{cohort.id}/edit",
        data=form_data(code="QLJL2025", name="新名", minutes_per_credit_hour="40", description=""),
    )
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert (cohort.name, cohort.minutes_per_credit_hour) == ("新名", 40)
    [event] = events("cohort.updated")
    assert event.before["name"] == "旧名" and event.after["name"] == "新名"
    assert event.before["minutes_per_credit_hour"] == 45 and event.after["minutes_per_credit_hour"] == 40
    assert "code" not in event.after


def test_saving_without_changes_records_nothing(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    client.post(
        f"/cohorts/{cohort.id}/edit",
        data=form_data(
            code=cohort.code,
            name=cohort.name,
            description="",
            organizing_unit=cohort.organizing_unit,
            require_required_sessions="y",
        ),
    )
    assert events("cohort.updated") == []


def test_code_of_a_cohort_with_certificates_cannot_change(client, organizer):
    cohort = make_cohort(organizers=[organizer], code="QLJL2025", name="旧名")
    trainee = make_trainee()
    db.session.add(
        Certificate(
            serial="QLJL2025-0001",
            verification_token="t" * 32,
            cohort_id=cohort.id,
            trainee_id=trainee.id,
            credit_hours=Decimal("20"),
        )
    )
    db.session.commit()
    assert "本班已发放证书" in client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    response = client.post(f"/cohorts/{cohort.id}/edit", data=form_data(code="QLJL2025B", name="新名"))
    assert response.status_code == 200
    assert "不能再修改代码" in response.get_data(as_text=True)
    db.session.refresh(cohort)
    assert (cohort.code, cohort.name) == ("QLJL2025", "旧名")
    assert events("cohort.updated") == []
    # The same code in another case is no change at all.
    client.post(f"/cohorts/{cohort.id}/edit", data=form_data(code="qljl2025", name="新名"))
    db.session.refresh(cohort)
    assert (cohort.code, cohort.name) == ("QLJL2025", "新名")


def test_code_of_a_cohort_without_certificates_can_change(client, organizer):
    cohort = make_cohort(organizers=[organizer], code="QLJL2025")
    client.post(f"/cohorts/{cohort.id}/edit", data=form_data(code="qljl2025-2"))
    db.session.refresh(cohort)
    assert cohort.code == "QLJL2025-2"


def test_changing_to_another_cohorts_code_is_refused(client, organizer):
    make_cohort(code="OTHER1", name="别的班")
    cohort = make_cohort(organizers=[organizer], code="MINE1")
    response = client.post(f"/cohorts/{cohort.id}/edit", data=form_data(code="other1"))
    assert "已被培训班“别的班”使用" in response.get_data(as_text=True)


def test_organizer_does_not_see_or_change_organizers(client, organizer):
    other = make_user(Role.ORGANIZER, display_name="另一位组织者")
    cohort = make_cohort(organizers=[organizer])
    page = client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert "另一位组织者" not in page
    client.post(f"/cohorts/{cohort.id}/edit", data=form_data(code=cohort.code, organizers=str(other.id)))
    db.session.refresh(cohort)
    assert [u.id for u in cohort.organizers] == [organizer.id]
    assert events("cohort.organizers_changed") == []


def test_admin_changes_organizers_with_an_audit_event(client, admin):
    a, b = make_user(Role.ORGANIZER), make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[a])
    page = client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*name="organizers"[^>]*value="{a.id}"', page)
    assert not re.search(rf'<input checked[^>]*name="organizers"[^>]*value="{b.id}"', page)
    client.post(f"/cohorts/{cohort.id}/edit", data={**form_data(code=cohort.code), "organizers": [str(b.id)]})
    db.session.refresh(cohort)
    assert [u.id for u in cohort.organizers] == [b.id]
    [event] = events("cohort.organizers_changed")
    assert event.before["organizers"] == [a.username]
    assert event.after["organizers"] == [b.username]
    assert event.cohort_id == cohort.id


def test_admin_can_remove_every_organizer(client, admin):
    a = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[a])
    client.post(f"/cohorts/{cohort.id}/edit", data=form_data(code=cohort.code))
    db.session.refresh(cohort)
    assert cohort.organizers == []


def test_organizer_of_another_cohort_is_refused(client, organizer):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    assert client.get(f"/cohorts/{cohort.id}/edit").status_code == 403
    assert client.post(f"/cohorts/{cohort.id}/edit", data=form_data()).status_code == 403
    assert client.post(f"/cohorts/{cohort.id}/archive").status_code == 403
    db.session.refresh(cohort)
    assert cohort.archived_at is None


def test_unknown_cohort_is_404(client, admin):
    assert client.get("/cohorts/9999/edit").status_code == 404
    assert client.post("/cohorts/9999/archive").status_code == 404
    assert client.post("/cohorts/9999/unarchive").status_code == 404


# ---------------------------------------------------------------- archiving


def test_archived_cohort_leaves_home_but_stays_in_the_filtered_list(client, organizer):
    cohort = make_cohort(organizers=[organizer], name="已结束的班")
    response = client.post(f"/cohorts/{cohort.id}/archive", data={"confirmed": "1"}, follow_redirects=True)
    assert "培训班已归档" in response.get_data(as_text=True)
    db.session.refresh(cohort)
    assert cohort.is_archived
    assert "已结束的班" not in client.get("/").get_data(as_text=True)
    assert "已结束的班" not in client.get("/cohorts/").get_data(as_text=True)
    assert "已结束的班" in client.get("/cohorts/?show=archived").get_data(as_text=True)
    assert "已结束的班" in client.get("/cohorts/?show=all").get_data(as_text=True)
    assert "已归档" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    [event] = events("cohort.archived")
    assert event.before["archived_at"] is None and event.after["archived_at"]


def test_unarchive_brings_the_cohort_back(client, organizer):
    cohort = make_cohort(organizers=[organizer], name="又开班了")
    client.post(f"/cohorts/{cohort.id}/archive", data={"confirmed": "1"})
    client.post(f"/cohorts/{cohort.id}/unarchive")
    db.session.refresh(cohort)
    assert not cohort.is_archived
    assert "又开班了" in client.get("/").get_data(as_text=True)
    assert len(events("cohort.unarchived")) == 1


def test_archiving_twice_records_one_event(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    client.post(f"/cohorts/{cohort.id}/archive", data={"confirmed": "1"})
    response = client.post(f"/cohorts/{cohort.id}/archive", data={"confirmed": "1"}, follow_redirects=True)
    assert "已经是归档状态" in response.get_data(as_text=True)
    assert len(events("cohort.archived")) == 1


def test_archive_needs_a_post(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    assert client.get(f"/cohorts/{cohort.id}/archive").status_code == 405


def test_unknown_list_filter_falls_back_to_active(client, organizer):
    make_cohort(organizers=[organizer], name="进行中的班")
    assert "进行中的班" in client.get("/cohorts/?show=bogus").get_data(as_text=True)


def test_cohort_list_offers_new_cohort_to_staff_only(client, organizer):
    assert "新建培训班" in client.get("/cohorts/").get_data(as_text=True)
    client.post("/auth/logout")
    user = make_trainee_user()
    login(client, user.username)
    assert "新建培训班" not in client.get("/cohorts/").get_data(as_text=True)


def test_code_taken_by_a_concurrent_request_gets_a_message_not_a_500(client, organizer, monkeypatch):
    from cadre.cohorts import edits

    make_cohort(code="QLJL2025")
    # The other request commits between our check and our insert.
    monkeypatch.setattr(edits, "_code_owner", lambda code, exclude_id: None)
    response = client.post("/cohorts/new", data=form_data(code="QLJL2025"))
    assert response.status_code == 200
    assert "刚刚已被使用" in response.get_data(as_text=True)
    assert cohort_count() == 1
