"""Uploading the seal: PNG only (signature), at most 2 MB, dimensions checked before decoding, then Pillow."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from cadre.certificates import services
from cadre.extensions import db
from cadre.models import AuditEvent, CertificateSettings
from tests.certificate_support import finished_cohort
from tests.factories import login


def real_png(size=(300, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (200, 20, 20, 180)).save(buffer, format="PNG")
    return buffer.getvalue()


def bomb(side: int = 60_000) -> bytes:
    """A small file that claims a huge image: IHDR says side×side, the data is a few KB of zeros."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * (side + 1) * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def seal_state():
    db.session.expire_all()
    row = db.session.scalar(select(CertificateSettings))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return (row.seal_png if row else None), events


@pytest.fixture
def organizer_client(client):
    f = finished_cohort()
    login(client, f.organizer.username)
    return client, f


def upload(client, f, data: bytes, name="seal.png"):
    return client.post(
        f"/certificates/cohorts/{f.cohort.id}/seal",
        data={"seal": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_a_transparent_png_is_kept_with_its_size_and_audited(organizer_client):
    client, f = organizer_client
    data = real_png((320, 300))
    page = upload(client, f, data).get_data(as_text=True)
    assert "印章图片已上传" in page and "320 × 300 px" in page
    settings = services.settings_for(f.cohort)
    assert settings.seal_png == data and (settings.seal_width, settings.seal_height) == (320, 300)
    assert client.get(f"/certificates/cohorts/{f.cohort.id}/seal.png").data == data
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.seal_uploaded"))
    assert event.after["width"] == 320
    removed = client.post(f"/certificates/cohorts/{f.cohort.id}/seal/remove", follow_redirects=True)
    assert (
        "印章图片已删除" in removed.get_data(as_text=True)
        and services.settings_for(f.cohort).seal_png is None
    )


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _apng() -> bytes:
    """An animated PNG (acTL chunk) of two frames."""
    frames = [Image.new("RGBA", (40, 40), (200, 20, 20, a)) for a in (90, 180)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:])
    assert b"acTL" in buffer.getvalue()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "请选择印章图片文件"),
        (_jpeg(), "必须是 PNG 格式"),
        (b"GIF89a" + b"\0" * 100, "必须是 PNG 格式"),
        (real_png() + b"\0" * (2 * 1024 * 1024), "不能超过 2 MB"),
        (bomb(), "尺寸太大"),
        (real_png()[:60], "已损坏"),
        (real_png()[:33] + b"garbage" * 10, "已损坏"),
        (_apng(), "不能是动图"),
    ],
    ids=["empty", "jpeg", "gif", "over-2mb", "png-bomb", "truncated", "corrupt", "animated"],
)
def test_bad_seal_files_get_a_message_and_nothing_is_written(organizer_client, data, message):
    client, f = organizer_client
    before = seal_state()
    response = upload(client, f, data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert seal_state() == before


def test_the_bomb_is_refused_before_pillow_opens_it(organizer_client, monkeypatch):
    client, f = organizer_client
    opened = []
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a) or pytest.fail("decoded"))
    upload(client, f, bomb(100_000))
    assert opened == []
