"""Downloads keep their Chinese names, cannot break the header, and are not cached."""

from __future__ import annotations

from urllib.parse import unquote

from cadre.downloads import XLSX_MIMETYPE, download


def test_a_chinese_name_is_kept_with_an_ascii_fallback(app):
    with app.test_request_context():
        response = download(b"PK", "QLJL2025-学员名单.xlsx", XLSX_MIMETYPE)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="QLJL2025-____.xlsx"; ')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "QLJL2025-学员名单.xlsx"
    assert response.mimetype == XLSX_MIMETYPE and response.get_data() == b"PK"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_quotes_slashes_and_line_breaks_cannot_break_the_header_or_the_saved_name(app):
    with app.test_request_context():
        response = download(b"%PDF", 'QL/2025\\"x\r\nSet-Cookie: a=b.pdf', "application/pdf", inline=True)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('inline; filename="QL_2025__x__Set-Cookie: a=b.pdf"')
    assert "\n" not in disposition and "/" not in unquote(disposition.split("''", 1)[1])
