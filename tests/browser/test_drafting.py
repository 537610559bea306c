"""Journey (b) in a real browser (Debian's chromium through Playwright): an officer drafts the reply to an
incoming document, the unit head initials it, the chairman approves it, the clerk checks the format and
issues it (the number is shown), and it appears in the other agency's queue of documents received
electronically, where that agency's clerk registers it."""

import os
from pathlib import Path

import pytest

from conftest import make_official
from congvu.documents.models import Document
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf
from congvu.drafting.models import Draft, DraftStatus
from congvu.exchange.models import InboxItem
from congvu.org.models import Role

SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))

def _session(browser, live_server, username):
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
def test_reply_is_drafted_reviewed_approved_issued_and_received(reference_data, live_server, browser, agency,
                                                                 other_agency, clerk, officer, other_clerk, tmp_path):
    nv = agency.departments.get(code="NV")
    make_official(agency, Role.LEADER, username="truongphong", department=nv, full_name="Trần Thị Bích")
    make_official(agency, Role.LEADER, username="chutich", full_name="Nguyễn Văn An")
    incoming = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer=other_agency.name, number="37", notation="UBND", doc_type="cong_van",
        subject="V/v đề nghị hỗ trợ kinh phí sửa chữa trường mầm non", receiving_department_id=nv.pk))
    pdf_path = tmp_path / "tra-loi-xa-que-phuoc.pdf"
    pdf_path.write_bytes(minimal_pdf("Tra loi de nghi ho tro kinh phi"))

    # 1. The officer opens the incoming document and drafts the reply.
    ctx, page = _session(browser, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/documents/{incoming.pk}/")
    page.click("#reply-button")
    page.wait_for_url("**/drafts/new/?reply_to=*")
    assert "V/v trả lời văn bản số 37/UBND" in page.input_value("#id_subject")
    assert page.eval_on_selector("#id_recipient_agency_ids", "s => [...s.selectedOptions].map(o => o.text)") == [
        other_agency.name]
    page.fill("#id_subject", "V/v trả lời đề nghị hỗ trợ kinh phí sửa chữa trường mầm non")
    page.set_input_files("#id_file", str(pdf_path))
    page.fill("#id_note", "Bản đầu")
    page.screenshot(path=str(SCREENSHOTS / "congvu-draft-form.png"), full_page=True)
    page.click("#draft-form button[type=submit]")
    page.wait_for_url("**/drafts/*/")
    draft = Draft.objects.get()
    assert draft.reply_to_id == incoming.pk
    # Sent to the unit head, chosen by default.
    assert page.eval_on_selector("#reviewer_id", "s => s.selectedOptions[0].text") == "Trần Thị Bích"
    page.fill("#submit-comment", "Kính trình chị xem xét.")
    page.click("text=Trình ký nháy >> nth=-1")
    page.wait_for_selector("text=Đã trình ký nháy: Trần Thị Bích.")
    assert page.inner_text("#draft-status") == "Chờ ký nháy"
    ctx.close()

    # 2. The unit head initials it and sends it to the chairman.
    ctx, page = _session(browser, live_server, "truongphong")
    page.goto(f"{live_server.url}/drafts/?tab=review")
    page.click(f"#draft-table a[href='/drafts/{draft.pk}/']")
    page.select_option("#approver_id", label="Nguyễn Văn An")
    page.click("button[value=forward]")
    page.wait_for_selector("text=Đã ký nháy, trình Nguyễn Văn An ký duyệt.")
    ctx.close()

    # 3. The chairman approves.
    ctx, page = _session(browser, live_server, "chutich")
    page.goto(f"{live_server.url}/drafts/?tab=approve")
    page.click(f"#draft-table a[href='/drafts/{draft.pk}/']")
    page.fill("#approve-comment", "Đồng ý.")
    page.click("#draft-actions button:has-text('Ký duyệt')")
    page.wait_for_selector("text=Đã ký duyệt dự thảo.")
    ctx.close()
    assert Draft.objects.get().status == DraftStatus.APPROVED

    # 4. The clerk checks the format and issues it: the number is shown.
    ctx, page = _session(browser, live_server, "vanthu")
    page.goto(f"{live_server.url}/drafts/?tab=issue")
    page.click(f"#draft-table a[href='/drafts/{draft.pk}/']")
    page.click("button[value=ok]")
    page.wait_for_selector("text=Thể thức đạt; có thể cấp số.")
    page.screenshot(path=str(SCREENSHOTS / "congvu-draft-detail.png"), full_page=True)
    page.click("#issue-button")
    page.wait_for_url("**/documents/*/")
    assert "Đã cấp số văn bản đi: 01/UBND-NV." in page.inner_text(".messages")
    assert "01/UBND-NV" in page.inner_text("h1")
    assert "Đã gửi điện tử, chờ vào sổ" in page.inner_text("#drafting-panel")
    page.screenshot(path=str(SCREENSHOTS / "congvu-issued.png"), full_page=True)
    ctx.close()
    issued = Document.objects.get(direction="out")
    assert (issued.number, issued.notation, Draft.objects.get().document_id) == ("01", "UBND-NV", issued.pk)

    # 5. The commune's clerk finds it in the queue of documents received electronically and registers it.
    ctx, page = _session(browser, live_server, "vanthu_xa")
    page.goto(f"{live_server.url}/exchange/inbox/")
    row = page.wait_for_selector("#inbox-table tbody tr")
    assert "V/v trả lời đề nghị hỗ trợ kinh phí sửa chữa trường mầm non" in row.inner_text()
    assert "01/UBND-NV" in row.inner_text() and agency.name in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "congvu-inbox.png"), full_page=True)
    row.query_selector("a").click()
    page.wait_for_url("**/exchange/inbox/*/")
    page.click("#inbox-register-button")
    page.wait_for_url("**/documents/*/")
    assert "Đã vào sổ văn bản đến: số đến 1" in page.inner_text(".messages")
    ctx.close()
    received = Document.objects.get(agency=other_agency, direction="in")
    assert (received.number, received.notation, received.issuer, received.channel) == (
        "01", "UBND-NV", agency.name, "electronic")
    assert InboxItem.objects.get().incoming_document_id == received.pk
