"""Defects found in review of the cohort, trainee, import and account code, one test each."""

from __future__ import annotations

import io
import os
import secrets
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cadre.extensions import db
from cadre.models import Enrollment, Role, Trainee
from tests.factories import enroll, login, make_cohort, make_trainee, make_user


@pytest.fixture
def organizer(client):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    return user


@pytest.fixture
def cohort(organizer):
    return make_cohort(organizers=[organizer])


def pool_search(client, cohort, q):
    return client.get(f"/cohorts/{cohort.id}/enrollments/add", query_string={"q": q}).get_data(as_text=True)


# ---------------------------------------------------------------- pool search and masked phones


def test_pool_search_by_partial_digits_cannot_unmask_a_phone_the_organizer_may_not_see(client, cohort):
    # Shown to this organizer as 139****5678: the four middle digits are hidden.
    stranger = make_trainee(name="赵磊", phone="13912345678")
    assert "139****5678" in pool_search(client, cohort, "赵磊")
    # Guessing the hidden digits through a partial search must not confirm them.
    for guess in ("12345678", "1391234", "9123", "1234"):
        assert "赵磊" not in pool_search(client, cohort, guess), guess
    # The visible last four digits and the full number still find the person.
    assert "赵磊" in pool_search(client, cohort, "5678")
    assert "赵磊" in pool_search(client, cohort, "139 1234 5678")
    assert "139****5678" in pool_search(client, cohort, stranger.phone)


def test_pool_search_by_partial_digits_still_finds_the_organizers_own_trainees(client, organizer, cohort):
    earlier = make_cohort(organizers=[organizer])
    enroll(earlier, make_trainee(name="钱多", phone="13712345678"))
    assert "钱多" in pool_search(client, cohort, "1234")


# ---------------------------------------------------------------- import: NUL characters


@pytest.fixture
def upload_dir(app, tmp_path):
    previous = app.config.get("IMPORT_UPLOAD_DIR")
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["IMPORT_UPLOAD_DIR"] = previous


def upload(client, cohort, data: bytes, filename: str):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post(
        f"/cohorts/{cohort.id}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_csv_with_a_nul_character_past_the_first_bytes_is_refused_before_anything_is_written(
    client, cohort, upload_dir
):
    # A NUL in the first 8 KiB is refused; one further down used to reach the database,
    # where PostgreSQL refuses it with an exception at commit (a 500).
    data = ("学员名单" + " " * 9000 + "\n姓名,联系电话,所在居民区\n张三,13812345678,慧华\x00苑\n").encode()
    response = upload(client, cohort, data, "名单.csv")
    assert response.status_code == 422
    assert "这不是表格文件" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 0
    assert list(upload_dir.iterdir()) == []


# ---------------------------------------------------------------- import: stored uploads


def test_purging_old_uploads_leaves_other_files_in_a_shared_upload_directory_alone(app, upload_dir):
    from cadre.imports import uploads

    a_day_ago = time.time() - uploads.MAX_AGE_SECONDS - 60
    others = [upload_dir / "backup-2025-05-01.sqlite3", upload_dir / "README.txt"]
    for path in others:
        path.write_text("not an upload")
        os.utime(path, (a_day_ago, a_day_ago))
    abandoned = upload_dir / f"{secrets.token_urlsafe(32)}.xlsx"
    abandoned.write_bytes(b"PK")
    os.utime(abandoned, (a_day_ago, a_day_ago))

    uploads.save_upload(b"name,phone\n", "csv")

    assert all(path.exists() for path in others)
    assert not abandoned.exists()


# ---------------------------------------------------------------- audit of enrollments


def test_enrollment_made_with_a_new_trainee_shows_in_the_enrollment_history_like_any_other(client, cohort):
    client.post(
        "/trainees/new",
        data={
            "name": "孙七",
            "gender": "female",
            "birth": "1990.05",
            "phone": "13500004444",
            "cohort": cohort.id,
        },
    )
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.cohort_id == cohort.id))
    page = client.get(f"/cohorts/{cohort.id}/enrollments/{enrollment.id}").get_data(as_text=True)
    assert "enrollment.created" not in page
    assert "加入本班" in page


def test_trainee_history_names_an_import_change_in_chinese_not_by_internal_keys(client, cohort):
    from cadre.imports import services as imports

    trainee = make_trainee(name="张三", phone="13812345678", community="慧华苑")
    enroll(cohort, trainee)
    data = "姓名,联系电话,所在居民区\n张三,13812345678,天目西路第一居民区\n".encode()
    _plan, result = imports.commit_import(cohort, data, "名单.csv")
    assert result is not None and result.updated == [trainee.id]
    db.session.commit()

    page = client.get(f"/trainees/{trainee.id}").get_data(as_text=True)
    assert "天目西路第一居民区" in page
    assert "source" not in page and "import" not in page.split("修改记录", 1)[1]
    assert "导入" in page.split("修改记录", 1)[1]


def test_trainee_history_shows_a_changed_gender_as_its_chinese_label(client, cohort):
    trainee = make_trainee(name="张三", phone="13812345678")
    enroll(cohort, trainee)
    form = {"name": "张三", "gender": "female", "phone": "13812345678"}
    assert client.post(f"/trainees/{trainee.id}/edit", data=form).status_code == 302
    history = client.get(f"/trainees/{trainee.id}").get_data(as_text=True).split("修改记录", 1)[1]
    assert "female" not in history
    assert "— → 女" in history


# ---------------------------------------------------------------- trainee forms


@pytest.mark.parametrize("name", ["\u200b", "\ufeff\u200c"])
def test_a_name_of_invisible_characters_only_is_asked_for_again_on_every_trainee_form(client, cohort, name):
    known = make_trainee(name="张三", phone="13812345679")
    enroll(cohort, known)
    posts = [
        ("/trainees/new", {"name": name, "phone": "13812345678", "cohort": cohort.id}),
        (f"/trainees/{known.id}/edit", {"name": name, "phone": "13812345679"}),
        (
            f"/cohorts/{cohort.id}/enrollments/new",
            {"name": name, "phone": "13812345670", "class_role": "member"},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code == 200, url
        assert "请输入姓名。" in response.get_data(as_text=True), url
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 1
    assert db.session.get(Trainee, known.id).name == "张三"
