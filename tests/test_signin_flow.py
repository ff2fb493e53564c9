"""The trainee's QR sign-in: scan, log in if needed, one tap; sign-out; typed code; refusals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cadre.enums import AttendanceStatus, EnrollmentStatus, SignInMethod
from cadre.extensions import db
from cadre.models import AttendanceRecord, AuditEvent, Enrollment, SuspectedProxySignIn
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_code, make_token
from tests.factories import login, make_session, make_trainee_user

KEY = "test-secret"


def token_for(session, *, at=None, purpose="in"):
    return make_token(KEY, session.id, at or utcnow(), purpose=purpose)


def ticket_of(response) -> str:
    match = re.search(r'name="ticket" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def scan_and_tap(client, session, **kw):
    token = token_for(session, **kw)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(f"/s/{token}", data={"ticket": ticket_of(page)})


def records(session):
    return db.session.query(AttendanceRecord).filter_by(session_id=session.id).all()


def test_scan_and_one_tap_signs_in_with_the_time(client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    result = scan_and_tap(client, live)
    body = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "签到成功，签到时间" in body
    [record] = records(live)
    assert record.status == AttendanceStatus.PRESENT and record.method == SignInMethod.QR
    assert record.trainee_id == user.trainee_id
    assert db.session.query(AuditEvent).filter_by(action="attendance.signed_in").count() == 1


def test_second_scan_keeps_first_time(client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    scan_and_tap(client, live)
    [first] = records(live)
    first_time = first.signed_in_at
    again = scan_and_tap(client, live)
    assert "无需重复签到" in again.get_data(as_text=True)
    [record] = records(live)
    assert record.signed_in_at == first_time


def test_sign_in_after_the_late_minutes_says_late(client, cohort):
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=30))
    login(client, make_trainee_user(cohort).username)
    body = scan_and_tap(client, session).get_data(as_text=True)
    assert "迟到，签到时间" in body
    assert records(session)[0].status == AttendanceStatus.LATE


def test_logged_out_trainee_logs_in_and_comes_back_even_after_the_qr_changed(
    client, cohort, live, monkeypatch
):
    user = make_trainee_user(cohort)
    token = token_for(live)
    first = client.get(f"/s/{token}")
    assert first.status_code == 302 and f"next=/s/{token}" in first.headers["Location"].replace("%2F", "/")
    logged_in = client.post(
        f"/auth/login?next=/s/{token}",
        data={"username": user.username, "password": "correct-horse-9", "remember": "y"},
    )
    assert logged_in.headers["Location"].endswith(f"/s/{token}")
    assert "remember_token" in logged_in.headers.get("Set-Cookie", "")
    # Typing the password took two minutes: the token has expired, the scan before login still counts.
    later = utcnow() + timedelta(minutes=2)
    monkeypatch.setattr("cadre.signin.views.utcnow", lambda: later)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200 and "确认签到" in page.get_data(as_text=True)
    client.post(f"/s/{token}", data={"ticket": ticket_of(page)})
    assert len(records(live)) == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s: token_for(s, at=utcnow() - timedelta(seconds=90)), "签到码已过期"),
        (lambda s: "A" * 28, "签到码无效"),
        (lambda s: token_for(s)[:-2] + "xx", "签到码无效"),
    ],
    ids=["expired", "garbage", "forged"],
)
def test_expired_or_forged_tokens_are_refused_and_write_nothing(client, cohort, live, make, message):
    login(client, make_trainee_user(cohort).username)
    response = client.get(f"/s/{make(live)}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert records(live) == []


def test_a_ticket_from_another_trainee_is_refused(client, app, cohort, live):
    login(client, make_trainee_user(cohort).username)
    token = token_for(live)
    page = client.get(f"/s/{token}")
    other = app.test_client()
    login(other, make_trainee_user(cohort).username)
    response = other.post(f"/s/{token}", data={"ticket": ticket_of(page)})
    assert "签到页面已过期" in response.get_data(as_text=True)
    assert records(live) == []


@pytest.mark.parametrize("case", ["not_enrolled", "withdrawn", "cancelled", "not_open", "closed"])
def test_refused_sign_ins_say_why_and_write_nothing(client, cohort, case):
    starts = utcnow() - timedelta(minutes=5)
    if case == "not_open":
        starts = utcnow() + timedelta(hours=2)
    if case == "closed":
        starts = utcnow() - timedelta(hours=3)
    session = make_session(cohort, starts_at=starts, cancelled_at=utcnow() if case == "cancelled" else None)
    user = make_trainee_user(None if case == "not_enrolled" else cohort)
    if case == "withdrawn":
        enrollment = db.session.query(Enrollment).filter_by(trainee_id=user.trainee_id).one()
        enrollment.status = EnrollmentStatus.WITHDRAWN
        db.session.commit()
    login(client, user.username)
    response = scan_and_tap(client, session)
    expected = {
        "not_enrolled": "不在这次课程所属的培训班",
        "withdrawn": "已不在训",
        "cancelled": "已取消",
        "not_open": "签到尚未开始",
        "closed": "签到已于",
    }[case]
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert records(session) == []


def test_second_trainee_on_the_same_phone_is_refused_and_listed_for_review(client, cohort, live):
    first, second = make_trainee_user(cohort, name="张三"), make_trainee_user(cohort, name="李四")
    login(client, first.username)
    scan_and_tap(client, live)
    client.post("/auth/logout")
    login(client, second.username)
    response = scan_and_tap(client, live)
    assert response.status_code == 409
    assert "这部手机已为其他学员签到过本次课程" in response.get_data(as_text=True)
    assert [r.trainee_id for r in records(live)] == [first.trainee_id]
    [suspect] = db.session.query(SuspectedProxySignIn).all()
    assert (suspect.trainee_id, suspect.device_owner_id) == (second.trainee_id, first.trainee_id)

    client.post("/auth/logout")
    login(client, "teacher")
    page = client.get(f"/cohorts/{cohort.id}/proxy-suspects").get_data(as_text=True)
    assert "李四" in page and "这部手机已为 张三 签到" in page and "待核查" in page
    client.post(f"/cohorts/{cohort.id}/proxy-suspects/{suspect.id}/review", data={"note": "本人手机没电"})
    db.session.refresh(suspect)
    assert suspect.reviewed_at is not None and suspect.review_note == "本人手机没电"
    assert db.session.query(AuditEvent).filter_by(action="attendance.proxy_reviewed").count() == 1


def test_an_edited_device_cookie_is_replaced(client, cohort, live):
    login(client, make_trainee_user(cohort).username)
    client.set_cookie("cadre_device", "forged.value")
    response = scan_and_tap(client, live)
    assert response.status_code == 200
    assert "cadre_device=" in response.headers.get("Set-Cookie", "")


def test_typed_code_signs_in(client, cohort, live):
    login(client, make_trainee_user(cohort).username)
    code = make_code(KEY, live.id, utcnow())
    response = client.post("/signin/code", data={"code": f"{code[:3]} {code[3:]}"})
    assert "签到成功" in response.get_data(as_text=True)
    assert len(records(live)) == 1


def test_wrong_typed_code_says_so_and_writes_nothing(client, cohort, live):
    login(client, make_trainee_user(cohort).username)
    wrong = "000000" if make_code(KEY, live.id, utcnow()) != "000000" else "111111"
    response = client.post("/signin/code", data={"code": wrong})
    assert response.status_code == 200 and "签到码无效" in response.get_data(as_text=True)
    assert records(live) == []


def test_sign_out_with_the_sign_out_qr(client, cohort):
    session = make_session(
        cohort,
        starts_at=utcnow() - timedelta(minutes=110),
        ends_at=utcnow() + timedelta(minutes=10),
        sign_out_required=True,
        late_after_minutes=200,
    )
    login(client, make_trainee_user(cohort).username)
    scan_and_tap(client, session)
    response = scan_and_tap(client, session, purpose="out")
    assert "签退成功" in response.get_data(as_text=True)
    [record] = records(session)
    assert record.signed_out_at is not None and record.status == AttendanceStatus.PRESENT
    again = scan_and_tap(client, session, purpose="out")
    assert "您已于" in again.get_data(as_text=True) and again.status_code == 400


def test_signing_out_early_counts_as_left_early(client, cohort):
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5), sign_out_required=True)
    login(client, make_trainee_user(cohort).username)
    scan_and_tap(client, session)
    assert "早退" in scan_and_tap(client, session, purpose="out").get_data(as_text=True)
    assert records(session)[0].status == AttendanceStatus.LEFT_EARLY


def test_rate_limit_keys_on_the_trainee_not_the_address(client, app, cohort, live):
    login(client, make_trainee_user(cohort).username)
    statuses = [client.post("/signin/code", data={"code": "000001"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    neighbour = app.test_client()  # same Wi-Fi address
    login(neighbour, make_trainee_user(cohort).username)
    code = make_code(KEY, live.id, utcnow())
    assert "签到成功" in neighbour.post("/signin/code", data={"code": code}).get_data(as_text=True)


def test_organizer_on_the_sign_in_page_is_told_to_use_a_trainee_login(client, cohort, live):
    login(client, "teacher")
    response = client.get(f"/s/{token_for(live)}")
    assert response.status_code == 403 and "学员签到页面" in response.get_data(as_text=True)


def test_my_timetable_links_to_the_typed_code_page(client, cohort):
    login(client, make_trainee_user(cohort).username)
    assert 'href="/signin/code"' in client.get("/").get_data(as_text=True)
