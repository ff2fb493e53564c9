"""The generated narrative (pure rules) and the organizer's edited text (kept, escaped, length-limited)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from cadre.extensions import db
from cadre.models import AuditEvent, CohortReport, Role
from cadre.rules.report_narrative import (
    MAX_NARRATIVE_CHARS,
    NarrativeFacts,
    check_narrative,
    generate,
    hours_text,
    paragraphs,
)
from tests.factories import login, make_cohort, make_user
from tests.report_support import demo_organizer, load_demo_cohort

QINGLAN = NarrativeFacts(
    cohort_name="青蓝接力培训班",
    organizing_unit="天目西路街道党建办",
    start_date=date(2025, 5, 9),
    end_date=date(2025, 6, 27),
    trainees=29,
    male=11,
    female=18,
    groups=5,
    communities=12,
    sessions_planned=16,
    sessions_held=16,
    by_kind=(("ceremony", 1), ("lecture", 9), ("onsite", 3)),
    visit_stops=4,
    hours_planned=Decimal("48"),
    hours_held=Decimal("48"),
    goals=(("为民服务", Decimal("12")), ("组织动员", Decimal("0"))),
    average_rate=Decimal("96.2"),
    course_finished=True,
    rule_met=27,
    completed=27,
    leave_count=5,
    certificates=27,
)


def test_generated_summary_reads_like_the_issue_example():
    text = generate(QINGLAN)
    assert "本期培训班（青蓝接力培训班）由天目西路街道党建办主办，于2025年5月9日至6月27日举办。" in text
    assert "共有学员 29 名（男 11 名、女 18 名），来自 12 个居民区（单位），分 5 个小组。" in text
    assert "共开展课程 16 次，其中开班仪式 1 次、集中授课 9 次、现场教学 3 次" in text
    assert "累计 48 学时" in text
    assert "学员平均出勤率 96.2%" in text
    assert "27 名学员达到结业要求" in text and "已颁发结业证书 27 份" in text
    assert "为民服务（12 学时）" in text and "组织动员" not in text  # goals without hours are not named
    assert len(paragraphs(text)) == 3


def test_summary_of_a_course_under_way_says_so():
    from dataclasses import replace

    facts = replace(QINGLAN, course_finished=False, sessions_held=10, rule_met=25)
    text = generate(facts)
    assert "共安排课程 16 次" in text
    assert "截至目前已完成课程 10 次" in text
    assert "目前 25 名学员符合结业要求" in text


def test_summary_without_sessions_or_trainees_still_says_something():
    text = generate(NarrativeFacts(cohort_name="空班"))
    assert "本期培训班尚无学员。" in text
    assert "本期培训班尚未安排课程。" in text


def test_hours_text_and_paragraphs():
    assert hours_text(Decimal("48.0")) == "48"
    assert hours_text(Decimal("47.5")) == "47.5"
    assert paragraphs("一\r\n二\r\n\r\n\r\n三\n") == ["一\n二", "三"]


def test_length_limit():
    assert check_narrative("字" * MAX_NARRATIVE_CHARS) is None
    assert check_narrative("字" * (MAX_NARRATIVE_CHARS + 1)) == "too_long"


def _post(client, cohort_id: int, text: str):
    # multipart, as the page's form sends it: 100,000 Chinese characters fit in the form limit
    return client.post(
        f"/cohorts/{cohort_id}/report",
        data={"narrative": text},
        content_type="multipart/form-data",
    )


def test_organizer_saves_an_edited_narrative_and_it_is_audited(app, client):
    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    response = _post(client, cohort.id, "一、培训亮点\n\n学员心得摘录：收获很大。")
    assert response.status_code == 302
    report = db.session.scalar(select(CohortReport).where(CohortReport.cohort_id == cohort.id))
    assert report.narrative == "一、培训亮点\n\n学员心得摘录：收获很大。"
    assert report.updated_by_id == demo_organizer().id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.narrative_saved"))
    assert event is not None and event.cohort_id == cohort.id
    page = client.get(f"/cohorts/{cohort.id}/report").get_data(as_text=True)
    assert "学员心得摘录：收获很大。" in page


def test_a_100000_character_narrative_is_refused_with_a_message_and_the_earlier_text_kept(app, client):
    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    assert _post(client, cohort.id, "原来的正文").status_code == 302
    huge = "很" * 100_000
    response = _post(client, cohort.id, huge)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "报告正文最多 20,000 字，现在有 100,000 字" in page
    assert "原来保存的内容没有改变" in page
    assert huge in page  # the organizer's typing is still in the text box
    db.session.expire_all()
    report = db.session.scalar(select(CohortReport).where(CohortReport.cohort_id == cohort.id))
    assert report.narrative == "原来的正文"


def test_html_in_the_narrative_is_escaped_on_the_page_and_printed_as_text(app, client):
    from cadre.models.types import utcnow
    from cadre.reports.pdf import report_pdf
    from tests.pdf_support import pdf_text

    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> <b>粗体</b>'
    assert _post(client, cohort.id, text).status_code == 302
    page = client.get(f"/cohorts/{cohort.id}/report").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    printed = pdf_text(report_pdf(cohort, utcnow()))
    assert '<script>alert("x")</script>' in printed
    assert "<b>粗体</b>" in printed


def test_regenerate_fills_the_box_without_saving(app, client):
    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    _post(client, cohort.id, "我的正文")
    page = client.get(f"/cohorts/{cohort.id}/report?regenerate=1").get_data(as_text=True)
    assert "本期培训班（" in page and "尚未保存" in page
    db.session.expire_all()
    saved = db.session.scalar(select(CohortReport.narrative).where(CohortReport.cohort_id == cohort.id))
    assert saved == "我的正文"


def test_an_archived_cohort_keeps_its_narrative(app, client):
    from cadre.models.types import utcnow

    org = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[org])
    cohort.archived_at = utcnow()
    db.session.commit()
    login(client, org.username)
    response = _post(client, cohort.id, "改一改")
    assert response.status_code == 400
    assert "已归档" in response.get_data(as_text=True)
    assert db.session.scalar(select(CohortReport).where(CohortReport.cohort_id == cohort.id)) is None
