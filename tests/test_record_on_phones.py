"""On a phone the training record is a page with a download button; inside WeChat it says how to download."""

from __future__ import annotations

from tests.factories import enroll, make_cohort, make_trainee

WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)


def _trainee(organizer):
    trainee = make_trainee(name="王芳")
    enroll(make_cohort(organizers=[organizer]), trainee)
    return trainee


def test_the_record_page_offers_a_download_for_phones_and_print_for_desktops(client, organizer):
    trainee = _trainee(organizer)
    page = client.get(f"/trainees/{trainee.id}/record").get_data(as_text=True)
    assert "下载 PDF" in page and f"/trainees/{trainee.id}/record.pdf?download=1" in page
    assert "打印 PDF" in page
    assert "在浏览器打开" not in page  # not in WeChat: no hint


def test_the_download_link_saves_the_file_and_the_print_link_opens_it(client, organizer):
    trainee = _trainee(organizer)
    saved = client.get(f"/trainees/{trainee.id}/record.pdf?download=1")
    assert saved.headers["Content-Disposition"].startswith("attachment;")
    opened = client.get(f"/trainees/{trainee.id}/record.pdf")
    assert opened.headers["Content-Disposition"].startswith("inline;")


def test_inside_wechat_the_page_says_to_open_it_in_the_browser(client, organizer):
    trainee = _trainee(organizer)
    page = client.get(f"/trainees/{trainee.id}/record", headers={"User-Agent": WECHAT}).get_data(as_text=True)
    assert "选择“在浏览器打开”后再下载" in page
