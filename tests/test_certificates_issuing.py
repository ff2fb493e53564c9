"""Issuing, revoking and reissuing certificates: services and the organizer's page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cadre.certificates import services
from cadre.certificates.settings import SettingsInput, save_settings
from cadre.extensions import db
from cadre.models import AuditEvent, Certificate, CertificateSettings, Role
from cadre.models.types import utcnow
from cadre.services import NotFound, ServiceError, writing
from tests.certificate_support import finished_cohort
from tests.factories import login, make_trainee_user, make_user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def everything() -> tuple[int, int, int]:
    return count(Certificate), count(AuditEvent), count(CertificateSettings)


def test_issuing_in_one_step_numbers_the_completed_trainees_without_gaps(app):
    f = finished_cohort(code="QLJL2025")
    with writing():
        made = services.issue_eligible(f.cohort)
    assert sorted(c.trainee.name for c in made) == sorted(t.name for t in f.completed)
    assert [c.seq for c in made] == [1, 2, 3]
    assert [c.serial for c in made] == ["QLJL2025-2025-001", "QLJL2025-2025-002", "QLJL2025-2025-003"]
    assert all(c.credit_hours == 4 for c in made)
    assert {e.action for e in db.session.scalars(select(AuditEvent))} == {"certificate.issued"}
    with writing():
        assert services.issue_eligible(f.cohort) == []  # no one waits any more
    assert count(Certificate) == 3


def test_an_absent_trainee_needs_a_written_reason_and_nothing_is_written_without_it(app):
    f = finished_cohort()
    before = everything()
    with pytest.raises(ServiceError) as refused, writing():
        services.issue_one(f.cohort, f.absent[0].id, "  ")
    assert refused.value.field == "reason" and "未达到结业条件" in refused.value.message
    assert "出勤学时" in refused.value.message  # the shortfall, in words
    assert everything() == before
    with writing():
        cert = services.issue_one(f.cohort, f.absent[0].id, "住院治疗，经街道党工委研究同意")
    assert cert.issue_reason == "住院治疗，经街道党工委研究同意"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issued"))
    assert event.after["reason"] == "住院治疗，经街道党工委研究同意" and event.after["shortfalls"]


def test_issuing_twice_is_refused_with_a_message(app):
    f = finished_cohort()
    with writing():
        services.issue_one(f.cohort, f.completed[0].id)
    before = everything()
    with pytest.raises(ServiceError, match="已有有效的结业证书"), writing():
        services.issue_one(f.cohort, f.completed[0].id)
    assert everything() == before


def test_a_trainee_of_another_cohort_is_not_found(app):
    f = finished_cohort()
    other = finished_cohort(completed=("赵外班",), absent=())
    with pytest.raises(NotFound), writing():
        services.issue_one(f.cohort, other.completed[0].id)


def test_revoking_twice_is_refused_and_needs_a_reason(app):
    f = finished_cohort()
    with writing():
        cert = services.issue_one(f.cohort, f.completed[0].id)
    with pytest.raises(ServiceError, match="撤销原因"), writing():
        services.revoke(f.cohort, cert.id, "")
    with writing():
        services.revoke(f.cohort, cert.id, "弄虚作假")
    before = everything()
    with pytest.raises(ServiceError, match="已经撤销过了"), writing():
        services.revoke(f.cohort, cert.id, "再撤一次")
    assert everything() == before
    assert db.session.get(Certificate, cert.id).status == "revoked"


def test_reissue_gives_a_new_serial_and_marks_the_old_one_replaced(app):
    f = finished_cohort(code="QLJL2025")
    with writing():
        first = services.issue_eligible(f.cohort)
    old = first[0]
    with writing():
        new = services.reissue(f.cohort, old.id, "姓名有误")
    db.session.expire_all()
    old = db.session.get(Certificate, old.id)
    assert new.seq == 4 and new.serial == "QLJL2025-2025-004" and new.trainee_id == old.trainee_id
    assert (
        old.status == "replaced" and old.replaced_by.serial == new.serial and old.revoke_reason == "姓名有误"
    )
    assert [c.id for c in services.valid_certificates(f.cohort.id)].count(new.id) == 1
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["certificate.issued", "certificate.reissued"]
    with pytest.raises(ServiceError, match="已撤销"), writing():
        services.reissue(f.cohort, old.id, "再换一次")


def test_a_revoked_serial_is_never_given_again(app):
    f = finished_cohort(code="QLJL2025")
    with writing():
        cert = services.issue_one(f.cohort, f.completed[0].id)
    with writing():
        services.revoke(f.cohort, cert.id, "误发")
    with writing():
        again = services.issue_one(f.cohort, f.completed[0].id)
    assert (cert.seq, again.seq) == (1, 2)


def test_a_pattern_that_collides_with_another_cohorts_serials_is_refused(app):
    a = finished_cohort(completed=("甲一",), absent=())
    b = finished_cohort(completed=("乙一",), absent=())
    for f in (a, b):
        with writing():
            save_settings(f.cohort, SettingsInput("CERT-{seq:03}", None, None))
    with writing():
        services.issue_eligible(a.cohort)
    before = everything()
    with pytest.raises(ServiceError, match="CERT-001 已被使用"), writing():
        services.issue_eligible(b.cohort)
    assert everything() == before


def test_an_archived_cohort_keeps_its_certificates_as_they_are(app):
    f = finished_cohort()
    f.cohort.archived_at = utcnow()
    db.session.commit()
    with pytest.raises(ServiceError, match="已归档"), writing():
        services.issue_eligible(f.cohort)


# --- the organizer's page --------------------------------------------------------------------


def test_the_page_lists_results_and_issues_in_one_click(client):
    f = finished_cohort()
    login(client, f.organizer.username)
    page = client.get(f"/certificates/cohorts/{f.cohort.id}").get_data(as_text=True)
    assert "为 3 名达到结业条件的学员颁发证书" in page and "王缺课" in page and "出勤学时" in page
    response = client.post(f"/certificates/cohorts/{f.cohort.id}/issue-all", follow_redirects=True)
    assert "已颁发 3 张结业证书。" in response.get_data(as_text=True)
    assert count(Certificate) == 3


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("issue", {"trainee_id": "ABSENT"}, "如确需颁发，请填写原因"),
        ("issue", {"trainee_id": "x"}, "请选择学员"),
        ("issue", {"trainee_id": "DONE", "reason": "长" * 501}, "500"),
        ("REVOKE", {"reason": ""}, "请填写撤销原因"),
        ("REISSUE", {"reason": ""}, "请填写更换原因"),
        (
            "settings",
            {"serial_pattern": "{code}-{year}", "seal_position": "issuer", "seal_size_mm": "40"},
            "必须包含序号",
        ),
        ("settings", {"serial_pattern": "{seq}", "seal_position": "top", "seal_size_mm": "40"}, "ALERT"),
        ("settings", {"serial_pattern": "{seq}", "seal_position": "issuer", "seal_size_mm": "999"}, "20"),
        (
            "settings",
            {
                "serial_pattern": "{seq}",
                "issue_date": "2025-13-40",
                "seal_position": "issuer",
                "seal_size_mm": "40",
            },
            "ALERT",
        ),
    ],
)
def test_bad_input_gets_a_message_and_writes_nothing(client, path, data, message):
    f = finished_cohort()
    with writing():
        cert = services.issue_one(f.cohort, f.completed[0].id)
    login(client, f.organizer.username)
    data = dict(data)
    if data.get("trainee_id") == "ABSENT":
        data["trainee_id"] = str(f.absent[0].id)
    if data.get("trainee_id") == "DONE":
        data["trainee_id"] = str(f.completed[1].id)
    path = {"REVOKE": f"{cert.id}/revoke", "REISSUE": f"{cert.id}/reissue"}.get(path, path)
    before = everything()
    response = client.post(f"/certificates/cohorts/{f.cohort.id}/{path}", data=data, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if message == "ALERT":  # WTForms' own message, in Chinese
        assert 'class="alert alert-danger"' in page
    else:
        assert message in page
    assert everything() == before


def test_another_cohorts_organizer_can_neither_see_nor_act(client):
    f = finished_cohort()
    with writing():
        cert = services.issue_one(f.cohort, f.completed[0].id)
    login(client, make_user(Role.ORGANIZER).username)
    before = everything()
    assert client.get(f"/certificates/cohorts/{f.cohort.id}").status_code == 403
    assert client.post(f"/certificates/cohorts/{f.cohort.id}/issue-all").status_code == 403
    assert (
        client.post(f"/certificates/cohorts/{f.cohort.id}/{cert.id}/revoke", data={"reason": "x"}).status_code
        == 403
    )
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 404
    assert client.get(f"/certificates/cohorts/{f.cohort.id}/certificates.pdf").status_code == 403
    assert everything() == before


def test_a_certificate_of_another_cohort_is_not_found_through_this_one(client):
    f = finished_cohort()
    g = finished_cohort(organizer=f.organizer, completed=("外班",), absent=())
    with writing():
        other = services.issue_one(g.cohort, g.completed[0].id)
    login(client, f.organizer.username)
    assert (
        client.post(
            f"/certificates/cohorts/{f.cohort.id}/{other.id}/revoke", data={"reason": "x"}
        ).status_code
        == 404
    )


def test_a_trainee_downloads_their_own_certificate_and_not_anothers(client):
    f = finished_cohort()
    with writing():
        mine, theirs = services.issue_eligible(f.cohort)[:2]
    user = make_user(Role.TRAINEE, username="13900009999", trainee_id=mine.trainee_id)
    login(client, user.username)
    page = client.get("/certificates/mine", headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0"})
    text = page.get_data(as_text=True)
    assert mine.serial in text and theirs.serial not in text and "在浏览器打开" in text
    assert "在浏览器打开" not in client.get("/certificates/mine").get_data(as_text=True)
    response = client.get(f"/certificates/{mine.id}.pdf?download=1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(f"/certificates/{theirs.id}.pdf").status_code == 404


def test_a_trainee_without_an_account_link_sees_no_certificates(client):
    f = finished_cohort()
    user = make_trainee_user(f.cohort)
    login(client, user.username)
    assert "您还没有结业证书" in client.get("/certificates/mine").get_data(as_text=True)


def test_settings_changes_are_audited_and_an_unchanged_save_records_nothing(app):
    f = finished_cohort()
    with writing():
        save_settings(f.cohort, SettingsInput("{code}-{seq:04}", "天目西路街道党工委", None, "center", 45))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.settings_changed"))
    assert event.after == {
        "serial_pattern": "{code}-{seq:04}",
        "issuer": "天目西路街道党工委",
        "seal_position": "center",
        "seal_size_mm": 45,
    }
    with writing():
        save_settings(f.cohort, SettingsInput("{code}-{seq:04}", "天目西路街道党工委", None, "center", 45))
    assert count(AuditEvent) == 1
    with writing():
        (cert,) = services.issue_eligible(f.cohort)[:1]
    assert cert.serial == f"{f.cohort.code}-0001"


def test_numbers_follow_the_roster_order_of_groups(app):
    f = finished_cohort(completed=("甲", "乙"), absent=())
    from cadre.models import Enrollment

    for e in db.session.scalars(select(Enrollment)):
        e.group = "第二组" if e.trainee.name == "甲" else "第一组"
    db.session.commit()
    with writing():
        made = services.issue_eligible(f.cohort)
    assert [c.trainee.name for c in made] == ["乙", "甲"]


def _page_queries(app, count_queries, f) -> int:
    client = app.test_client()
    login(client, f.organizer.username)
    with count_queries() as statements:
        assert client.get(f"/certificates/cohorts/{f.cohort.id}").status_code == 200
    return len(statements)


def test_the_organizers_page_costs_the_same_queries_for_a_bigger_class(app, count_queries):
    small = finished_cohort(completed=("甲一", "甲二"), absent=("甲三",))
    with writing():
        services.issue_eligible(small.cohort)
    with writing():  # a replaced certificate in each: its successor is one more (bounded) query
        services.reissue(small.cohort, services.valid_certificates(small.cohort.id)[0].id, "姓名有误")
    big = finished_cohort(completed=[f"乙{i}" for i in range(12)], absent=("乙缺",))
    with writing():
        services.issue_eligible(big.cohort)
    with writing():
        services.reissue(big.cohort, services.valid_certificates(big.cohort.id)[0].id, "姓名有误")
    assert _page_queries(app, count_queries, big) == _page_queries(app, count_queries, small)
