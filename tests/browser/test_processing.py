"""Journey (a) in a real browser: the clerk registers an incoming document and presents it; the leader
directs it with a lead and a coordinator and a deadline in working days; the officer reports progress and
marks it done; the leader accepts the result. Each person in their own browser session."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.documents.models import Document
from congvu.org.models import Role
from congvu.workflow.models import Assignment, AssignmentStatus, Presentation, PresentationStatus

SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))

def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "matkhau-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


@pytest.mark.django_db(transaction=True)
def test_register_present_direct_complete_accept(reference_data, live_server, browser, agency, clerk, leader,
                                                 officer):
    coordinator = make_official(agency, Role.OFFICER, username="phoihop", full_name="Lê Văn Phối Hợp",
                                department=agency.departments.get(code="VP"))
    subject = "Về việc rà soát, báo cáo tình hình thực hiện cải cách hành chính năm 2026"
    issued = timezone.localdate() - dt.timedelta(days=1)

    # 1. The clerk registers the document and presents it to the leader from its page.
    ctx, page = _login(browser, live_server, "vanthu")
    page.goto(f"{live_server.url}/incoming/new/")
    page.keyboard.type("UBND tỉnh Quảng Nam")
    page.select_option("#id_doc_type", "cong_van")
    page.fill("#id_number_notation", "3120/UBND-NC")
    page.click("#id_issued_date")
    page.keyboard.type(issued.strftime("%d%m%Y"))
    page.fill("#id_subject", subject)
    page.select_option("#id_urgency", "urgent")
    page.focus("#id_subject")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/documents/*/")
    doc = Document.objects.get(number="3120")
    panel = page.locator("#workflow-panel")
    panel.locator("select[name=to_official]").select_option(str(leader.official.pk))
    panel.locator("textarea[name=note]").fill("Kính trình đồng chí Chủ tịch")
    panel.locator("button:has-text('Trình')").last.click()
    page.wait_for_selector("#workflow-panel .wf-pending")
    assert "Đang trình" in page.inner_text("#workflow-panel")
    assert Presentation.objects.get(document=doc).status == PresentationStatus.PENDING
    page.screenshot(path=str(SCREENSHOTS / "congvu-processing-presented.png"), full_page=True)
    ctx.close()

    # 2. The leader finds it in "Việc của tôi", writes the direction: lead, coordinator, 5 working days.
    ctx, page = _login(browser, live_server, "lanhdao")
    page.goto(f"{live_server.url}/my-work/")
    page.click(f"#my-work a[href='/documents/{doc.pk}/']")
    page.wait_for_url(f"**/documents/{doc.pk}/")
    panel = page.locator("#workflow-panel")
    panel.locator("textarea[name=text]").fill("Giao chuyên viên Phòng Nội vụ chủ trì tham mưu báo cáo; "
                                             "Văn phòng phối hợp.")
    panel.locator("select[name=lead]").select_option(f"o:{officer.official.pk}")
    panel.locator("select[name=coordinators]").select_option([f"o:{coordinator.pk}"])
    panel.locator("input[name=due]").fill("5 ngày làm việc")
    panel.locator("button:has-text('Gửi ý kiến chỉ đạo')").click()
    page.wait_for_selector("#workflow-panel [data-assignment]")
    text = page.inner_text("#workflow-panel")
    assert "Chủ trì" in text and officer.official.full_name in text
    assert "Phối hợp" in text and "Lê Văn Phối Hợp" in text
    page.screenshot(path=str(SCREENSHOTS / "congvu-processing-directed.png"), full_page=True)
    ctx.close()
    lead = Assignment.objects.get(document=doc, role="lead")
    assert lead.assignee_official_id == officer.official.pk and lead.due_at is not None

    # 3. The officer reports progress, then marks it done.
    ctx, page = _login(browser, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/my-work/")
    assert subject in page.inner_text("#my-work")
    page.click(f"#my-work a[href='/documents/{doc.pk}/']")
    row = page.locator(f"[data-assignment='{lead.pk}']")
    row.locator("summary:has-text('Cập nhật tiến độ')").click()
    row.locator("input[name=percent]").fill("60")
    row.locator("textarea[name=note]").first.fill("Đã tổng hợp số liệu của các phòng")
    row.locator("button:has-text('Lưu tiến độ')").click()
    page.wait_for_selector(f"[data-assignment='{lead.pk}'] .wf-progress-list")
    row = page.locator(f"[data-assignment='{lead.pk}']")
    row.locator("summary:has-text('Báo cáo hoàn thành')").click()
    row.locator("form[action$='/submit/'] textarea[name=note]").fill("Đã dự thảo báo cáo, trình lãnh đạo")
    row.locator("button:has-text('Báo cáo hoàn thành')").click()
    page.wait_for_selector(f"[data-assignment='{lead.pk}'] .wf-status:has-text('Chờ duyệt kết quả')")
    ctx.close()

    # 4. The leader accepts the result.
    ctx, page = _login(browser, live_server, "lanhdao")
    page.goto(f"{live_server.url}/documents/{doc.pk}/")
    page.locator(f"[data-assignment='{lead.pk}'] button:has-text('Duyệt kết quả')").click()
    page.wait_for_selector(f"[data-assignment='{lead.pk}'] .wf-status:has-text('Đã hoàn thành')")
    timeline = page.inner_text(".wf-timeline")
    for step in ("Trình văn bản", "Cho ý kiến chỉ đạo", "Phân công xử lý", "Cập nhật tiến độ",
                 "Báo cáo hoàn thành", "Duyệt kết quả"):
        assert step in timeline
    page.screenshot(path=str(SCREENSHOTS / "congvu-processing-accepted.png"), full_page=True)
    slip = ctx.new_page()
    slip.goto(f"{live_server.url}/processing/documents/{doc.pk}/slip/")
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in slip.inner_text("body")
    ctx.close()
    lead.refresh_from_db()
    assert (lead.status, lead.progress) == (AssignmentStatus.ACCEPTED, 100)
