"""Printing certificates: one HTML document, one WeasyPrint pass, for one certificate or a whole cohort.

The QR code of each certificate is a tiny PNG (one pixel a module, scaled up with
crisp edges): drawn by hand from qrcode's matrix in ~2 ms, where an SVG costs
WeasyPrint ~50 ms a page. The seal is in the document once by name
(cadre.pdf.html_to_pdf resources), not once per page.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from cadre.certificates.services import issue_date_of, issuer_of, settings_for
from cadre.dates import date_label, date_range
from cadre.models import Certificate, CertificateSettings, Cohort
from cadre.pdf import CJK_FONT_FAMILY, html_to_pdf, printing_problems
from cadre.rules.certificates import chinese_date
from cadre.rules.training_record import format_hours
from cadre.services import ServiceError
from cadre.urls import public_url, public_url_for

SEAL_URL = "cadre-resource:seal"


def _is_zh() -> bool:
    return str(get_locale() or "zh").startswith("zh")


def verification_url(cert: Certificate) -> str | None:
    """The public page the QR code opens (cadre/urls.py: never from the request's Host)."""
    return public_url_for("certificates.verify_token", verification_token=cert.verification_token)


def refusal() -> str | None:
    """Why certificates cannot be printed on this server now, or None."""
    if any("CJK" in p for p in printing_problems()):
        return _(
            "服务器未安装中文字体，证书上的中文会印成方框，已停止打印。"
            "请系统管理员安装字体包 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk）后重试。"
        )
    if public_url() is None:
        return _(
            "系统未设置公开网址（CADRE_PUBLIC_URL），证书上的二维码无法指向核验页面，暂不能打印。"
            "请系统管理员设置后重新打印。"
        )
    return None


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules with a 4-module quiet zone.

    Mask 0: any mask reads; choosing the best one costs ~8 ms a code.
    """
    import qrcode

    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def qr_png(text: str) -> bytes:
    """A grayscale PNG of the QR code, one pixel a module."""
    matrix = qr_matrix(text)
    size = len(matrix)
    rows = b"".join(b"\x00" + bytes(0 if dark else 255 for dark in row) for row in matrix)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Page:
    name: str
    serial: str
    hours: str
    url: str
    qr: str  # data: URL


def _page(cert: Certificate) -> Page:
    url = verification_url(cert) or ""
    qr = "data:image/png;base64," + base64.b64encode(qr_png(url)).decode("ascii")
    return Page(cert.trainee.name, cert.serial, format_hours(cert.credit_hours), url, qr)


def certificate_html(
    cohort: Cohort,
    certs: list[Certificate],
    settings: CertificateSettings | None = None,
    preview: bool = False,
) -> str:
    """The HTML of certificates, one A4 landscape page each (the refusal is checked by the caller)."""
    settings = settings or settings_for(cohort)
    day = issue_date_of(settings, cohort)
    return render_template(
        "pdf/certificate.html",
        cohort=cohort,
        pages=[_page(c) for c in certs],
        # In a sentence: 于2025年5月9日至6月27日参加…
        span=date_range(cohort.start_date, cohort.end_date).replace("—", "至")
        if _is_zh()
        else date_range(cohort.start_date, cohort.end_date),
        issuer=issuer_of(settings, cohort),
        issued_on=chinese_date(day.year, day.month, day.day) if _is_zh() else date_label(day),
        seal=settings if settings.seal_png else None,
        seal_url=SEAL_URL,
        font_family=CJK_FONT_FAMILY,
        preview=preview,
    )


def certificates_pdf(
    cohort: Cohort,
    certs: list[Certificate],
    settings: CertificateSettings | None = None,
    preview: bool = False,
) -> bytes:
    """Certificates in one PDF, rendered in one pass; ServiceError when printing is refused."""
    problem = refusal()
    if problem:
        raise ServiceError(problem)
    if not certs:
        raise ServiceError(_("本班还没有有效的结业证书可打印。"))
    settings = settings or settings_for(cohort)
    html = certificate_html(cohort, certs, settings, preview)
    return html_to_pdf(html, seal_resources(settings))


def preview_pdf(cohort: Cohort) -> bytes:
    """A specimen (样张) with the cohort's settings and seal, to check the layout before issuing.

    A made-up certificate that is never saved: the next serial, a sample name, the hours of the course.
    """
    from decimal import Decimal

    from cadre.models import Trainee
    from cadre.rules.certificates import format_serial

    settings = settings_for(cohort)
    year = (cohort.start_date or issue_date_of(settings, cohort)).year
    sample = Certificate(
        serial=format_serial(settings.serial_pattern, code=cohort.code, year=year, seq=settings.next_seq),
        verification_token="specimen" + "0" * 24,
        seq=settings.next_seq,
        credit_hours=Decimal("24"),
    )
    sample.trainee = Trainee(name=_("张晓明"))
    return certificates_pdf(cohort, [sample], settings, preview=True)


def seal_resources(settings: CertificateSettings) -> dict[str, tuple[bytes, str]]:
    return {SEAL_URL: (settings.seal_png, "image/png")} if settings.seal_png else {}


def file_name(cert: Certificate, position: int) -> str:
    """序号-姓名.pdf, e.g. 007-张晓明.pdf; nothing that a file system would read as a folder."""
    seq = cert.seq if cert.seq is not None else position
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", cert.trainee.name).strip(". ") or "_"
    return f"{seq:03d}-{name}.pdf"


ZIP_BATCH = 25


def certificates_zip(cohort: Cohort, certs: list[Certificate], batch: int = ZIP_BATCH) -> bytes:
    """A ZIP of one PDF per certificate, 序号-姓名.pdf.

    Rendered `batch` certificates a pass, each pass cut into pages (pypdf). Measured on
    200 (bench/certificates.py): cutting one 200-page render costs ~50 ms a page, as
    every page drags the font subset of all 200 names along (~0.5 MB a file); passes of
    25 took 6.5 s in all; 200 passes of one took 40–45 s (WeasyPrint's overhead per
    document). A CJK font subset is ~150 KB whatever the pass, so files stay ~0.3 MB.
    """
    from pypdf import PdfReader, PdfWriter

    problem = refusal()
    if problem:
        raise ServiceError(problem)
    if not certs:
        raise ServiceError(_("本班还没有有效的结业证书可打印。"))
    settings = settings_for(cohort)
    buffer = io.BytesIO()
    position = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDF streams are compressed already
        for first in range(0, len(certs), batch):
            group = certs[first : first + batch]
            rendered = certificates_pdf(cohort, group, settings)
            reader = PdfReader(io.BytesIO(rendered))
            for cert, page in zip(group, reader.pages, strict=True):
                position += 1
                writer = PdfWriter()
                writer.add_page(page)
                writer.add_metadata({"/Title": f"{_('结业证书')} {cert.serial}"})
                out = io.BytesIO()
                writer.write(out)
                archive.writestr(file_name(cert, position), out.getvalue())
    return buffer.getvalue()
