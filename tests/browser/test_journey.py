"""The clerk's main journey in a real browser (Debian's chromium through Playwright):
log in, register an incoming document with a PDF from the keyboard, find it by typing its subject
without accents, open it and see the PDF."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from congvu.documents.models import Document, Secrecy, Urgency
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf

# Playwright's sync API runs an event loop in this thread; the ORM calls below are still plain sync code.
SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))

def _earlier_documents(agency, clerk):
    """A few documents already in the register, so the list looks like a working day."""
    today = timezone.localdate()
    rows = [
        ("UBND tỉnh Quảng Nam", "2739", "UBND-KTTH", "cong_van", Urgency.NORMAL, Secrecy.NORMAL,
         "V/v triển khai kế hoạch chuyển đổi số năm 2026"),
        ("Sở Nội vụ tỉnh Quảng Nam", "45", "KH-SNV", "ke_hoach", Urgency.URGENT, Secrecy.NORMAL,
         "Kế hoạch tuyển dụng công chức cấp xã năm 2026"),
        ("Ban Chỉ huy Phòng thủ dân sự tỉnh", "12", "CĐ-BCH", "cong_dien", Urgency.FLASH, Secrecy.NORMAL,
         "Công điện về việc chủ động ứng phó với áp thấp nhiệt đới"),
        ("Công an tỉnh Quảng Nam", "88", "BC-CAT", "bao_cao", Urgency.NORMAL, Secrecy.CONFIDENTIAL,
         "Báo cáo tình hình an ninh trật tự quý I"),
    ]
    for issuer, number, notation, doc_type, urgency, secrecy, subject in rows:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(
            issuer=issuer, number=number, notation=notation, doc_type=doc_type, urgency=urgency, secrecy=secrecy,
            subject=subject, issued_date=today - dt.timedelta(days=3), due_date=today + dt.timedelta(days=5)))


@pytest.mark.django_db(transaction=True)
def test_clerk_registers_finds_and_opens_a_document(reference_data, live_server, browser, agency, clerk, tmp_path):
    _earlier_documents(agency, clerk)
    pdf_path = tmp_path / "quyet-dinh-phong-chong-thien-tai.pdf"
    pdf_path.write_bytes(minimal_pdf("Quyet dinh phong chong thien tai"))
    issued = timezone.localdate() - dt.timedelta(days=1)
    subject = "Về việc kiện toàn Ban Chỉ huy phòng chống thiên tai và tìm kiếm cứu nạn năm 2026"

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # Log in.
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "vanthu")
    page.fill("#id_password", "matkhau-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert "UBND huyện Nông Sơn" in page.inner_text("header")
    page.screenshot(path=str(SCREENSHOTS / "congvu-home.png"), full_page=True)

    # The incoming list, for a look at how it renders.
    page.click("nav.mainnav >> text=Văn bản đến")
    page.wait_for_selector("table.data")
    page.screenshot(path=str(SCREENSHOTS / "congvu-list.png"), full_page=True)

    # Register from the keyboard: the issuer box has the focus; Tab moves on; Ctrl+Enter submits.
    page.goto(f"{live_server.url}/incoming/new/")
    assert page.evaluate("document.activeElement.id") == "id_issuer"
    page.keyboard.type("UBND huyện Nông Sơn")
    page.select_option("#id_doc_type", "quyet_dinh")
    page.fill("#id_number_notation", "215/QĐ-UBND")
    page.click("#id_issued_date")
    page.keyboard.type(issued.strftime("%d%m%Y"))  # digits only: the page adds the slashes
    page.keyboard.press("Tab")
    assert page.input_value("#id_issued_date") == issued.strftime("%d/%m/%Y")
    page.fill("#id_subject", subject)
    page.fill("#id_signer", "Nguyễn Văn An")
    page.select_option("#id_urgency", "urgent")
    page.set_input_files("#id_attachments", str(pdf_path))
    page.screenshot(path=str(SCREENSHOTS / "congvu-form.png"), full_page=True)
    page.focus("#id_subject")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/documents/*/")
    # four earlier documents, one of them secret (its own register): this one is number 4
    assert "Đã vào sổ văn bản đến: số đến 4" in page.inner_text(".messages")
    doc = Document.objects.get(number="215")
    assert (doc.notation, doc.issued_date, doc.urgency) == ("QĐ-UBND", issued, "urgent")

    # Find it by typing the subject without accents into the search box (htmx updates the results).
    page.goto(f"{live_server.url}/search/")
    page.fill("#id_q", "phong chong thien tai tim kiem cuu nan")
    result = page.wait_for_selector(f"#results a[href='/documents/{doc.pk}/']")
    assert "thiên tai" in result.inner_text()
    page.wait_for_load_state("networkidle")
    assert page.locator("#results tbody tr").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "congvu-search.png"), full_page=True)
    result.click()

    # The detail page shows the PDF inline, from a same-origin URL that answers application/pdf.
    page.wait_for_url(f"**/documents/{doc.pk}/")
    frame = page.wait_for_selector("iframe#pdf-preview")
    src = frame.get_attribute("src")
    assert src == f"/documents/{doc.pk}/files/{doc.attachments.get().pk}/?inline=1"
    pdf = context.request.get(f"{live_server.url}{src}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert pdf.body() == pdf_path.read_bytes()
    page.screenshot(path=str(SCREENSHOTS / "congvu-detail.png"), full_page=True)

    # And on a phone-sized screen the list still reads.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/incoming/")
    mobile.wait_for_selector("table.data")
    mobile.screenshot(path=str(SCREENSHOTS / "congvu-list-phone.png"), full_page=True)
    assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.close()
    context.close()
