"""The certificate PDF: text, fonts, one page each, a QR code that opens the verification page; refusals."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from PIL import Image
from sqlalchemy import select

from cadre.certificates import printing, services
from cadre.extensions import db
from cadre.models import Certificate
from cadre.services import ServiceError, writing
from tests.certificate_support import finished_cohort
from tests.factories import login
from tests.pdf_support import pdf_text


@pytest.fixture
def issued(app):
    f = finished_cohort(code="QLJL2025")
    with writing():
        certs = services.issue_eligible(f.cohort)
    return f, certs


def pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def page_image(pdf: bytes, page: int = 1, dpi: int = 150) -> Image.Image:
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(png))


def test_the_merged_pdf_has_one_page_per_certificate_with_names_and_the_cohort(issued):
    f, certs = issued
    pdf = printing.certificates_pdf(f.cohort, services.valid_certificates(f.cohort.id))
    assert pages(pdf) == 3
    text = pdf_text(pdf)
    assert "结业证书" in text.replace(" ", "")
    for t in f.completed:
        assert t.name in text.replace(" ", "")
    assert "青蓝接力" in text and "QLJL2025-2025-001" in text and "王缺课" not in text


def test_a_cjk_serif_font_is_embedded(issued):
    f, certs = issued
    pdf = printing.certificates_pdf(f.cohort, certs[:1])
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "Noto-Serif-CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded (and subset)


def test_the_qr_code_read_from_the_printed_page_is_the_verification_url(issued):
    import zxingcpp

    f, certs = issued
    pdf = printing.certificates_pdf(f.cohort, certs)
    for number, cert in enumerate(certs, start=1):
        found = zxingcpp.read_barcodes(page_image(pdf, number).convert("L"))
        assert [b.text for b in found] == [
            f"https://cadre.example.gov.cn/certificates/v/{cert.verification_token}"
        ]


def test_printing_is_refused_without_a_public_address(issued, app, monkeypatch):
    f, certs = issued
    monkeypatch.setitem(app.config, "PUBLIC_URL", None)
    with pytest.raises(ServiceError, match="CADRE_PUBLIC_URL"):
        printing.certificates_pdf(f.cohort, certs)


def test_printing_is_refused_without_a_cjk_font_and_says_which_package(issued, monkeypatch):
    f, certs = issued
    monkeypatch.setattr(printing, "printing_problems", lambda: ("no CJK font: ... install fonts-noto-cjk",))
    with pytest.raises(ServiceError, match="fonts-noto-cjk"):
        printing.certificates_pdf(f.cohort, certs)


def test_the_page_says_why_it_cannot_print_and_the_download_does_not_fail(client, app, monkeypatch):
    f = finished_cohort()
    with writing():
        services.issue_eligible(f.cohort)
    monkeypatch.setattr(printing, "printing_problems", lambda: ("no CJK font",))
    login(client, f.organizer.username)
    page = client.get(f"/certificates/cohorts/{f.cohort.id}").get_data(as_text=True)
    assert "fonts-noto-cjk" in page
    response = client.get(f"/certificates/cohorts/{f.cohort.id}/certificates.pdf", follow_redirects=True)
    assert response.mimetype == "text/html" and "fonts-noto-cjk" in response.get_data(as_text=True)


def test_the_zip_holds_one_pdf_per_certificate_named_seq_and_name(issued, client):
    f, certs = issued
    login(client, f.organizer.username)
    response = client.get(f"/certificates/cohorts/{f.cohort.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert names == [f"{c.seq:03d}-{c.trainee.name}.pdf" for c in certs]
    for name, cert in zip(names, certs, strict=True):
        single = archive.read(name)
        assert pages(single) == 1 and cert.trainee.name in pdf_text(single).replace(" ", "")


def test_revoked_certificates_are_left_out_of_the_batch(issued):
    f, certs = issued
    with writing():
        services.revoke(f.cohort, certs[0].id, "误发")
    valid = services.valid_certificates(f.cohort.id)
    assert pages(printing.certificates_pdf(f.cohort, valid)) == 2


def test_the_seal_is_printed_once_per_page_from_one_image(issued):
    f, certs = issued
    settings = services.settings_for(f.cohort, fresh=True)
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 20, 20, 200)).save(buffer, format="PNG")
    settings.seal_png, settings.seal_width, settings.seal_height = buffer.getvalue(), 200, 200
    db.session.commit()
    pdf = printing.certificates_pdf(f.cohort, certs)
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True).stdout
    rows = [line.split() for line in images.decode().splitlines()[2:]]
    seals = [r for r in rows if r[3:5] == ["200", "200"] and r[2] == "image"]
    assert len(seals) == 3  # drawn on each page
    assert len({r[10] for r in seals}) == 1  # one image object shared by the pages


def test_cli_issues_then_writes_the_merged_file(app, runner, tmp_path):
    finished_cohort(code="CLI2025")
    out = tmp_path / "certs.pdf"
    result = runner.invoke(args=["cadre", "certificates", "cli2025", "-o", str(out), "--issue"])
    assert result.exit_code == 0, result.output
    assert "Issued 3 certificates" in result.output and "Wrote 3 certificates" in result.output
    assert pages(out.read_bytes()) == 3
    assert len(db.session.scalars(select(Certificate)).all()) == 3
    again = runner.invoke(args=["cadre", "certificates", "CLI2025", "-o", str(out), "--issue"])
    assert "Issued 0 certificates" in again.output


def test_cli_says_why_when_there_is_nothing_to_print(app, runner, tmp_path):
    finished_cohort(code="NONE2025")
    result = runner.invoke(args=["cadre", "certificates", "NONE2025", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "没有有效的结业证书" in result.output
    result = runner.invoke(args=["cadre", "certificates", "NOPE", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "no cohort" in result.output


def test_the_specimen_shows_the_next_serial_and_the_seal_and_saves_nothing(app, client):
    f = finished_cohort(code="QLJL2025")
    login(client, f.organizer.username)
    response = client.get(f"/certificates/cohorts/{f.cohort.id}/preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data).replace(" ", "")
    assert "样" in text and "QLJL2025-2025-001" in text and "张晓明" in text  # 样张 is rotated, spaced
    assert db.session.scalars(select(Certificate)).all() == []
