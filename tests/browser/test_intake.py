"""Registering by checking instead of typing, in a real browser (Debian's chromium through Playwright):
the clerk drops a born-digital Công văn on the form, the fields fill in (what he had typed stays), he
corrects one and saves; the corrections are stored. A scan shows the progress of its OCR and fills the
form when the reading ends, marking the fields to check."""

import base64
import datetime as dt
import os
import time
from pathlib import Path

import pytest
from django.utils import timezone

from congvu.documents.models import Document
from congvu.intake.models import Extraction, ExtractionCorrection, ExtractionStatus, IntakeUpload
from congvu.intake.tests.test_views import cong_van_pdf

SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))

DROP = """([b64, name]) => {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, {type: "application/pdf"}));
  return dt;
}"""


def _logged_in(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "vanthu")
    page.fill("#id_password", "matkhau-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def _drop(page, content: bytes, name: str):
    """Drag a file from the desktop onto the drop zone."""
    transfer = page.evaluate_handle(DROP, [base64.b64encode(content).decode(), name])
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})


@pytest.mark.django_db(transaction=True)
def test_clerk_drops_a_cong_van_checks_the_fields_corrects_one_and_saves(reference_data, live_server, browser,
                                                                        agency, clerk):
    issued = timezone.localdate() - dt.timedelta(days=2)
    pdf = cong_van_pdf(number="1520", notation="UBND-KTTH", issuer="ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NAM",
                       place="Quảng Nam", date=issued, subject="V/v triển khai kế hoạch chuyển đổi số năm 2026",
                       signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", signer="Hồ Quang Bửu")
    context, page = _logged_in(browser, live_server)
    page.goto(f"{live_server.url}/incoming/new/")
    # the clerk already knows who it is addressed to, and typed the arrival note before dropping the file
    page.fill("#id_notes", "Nhận qua trục liên thông")
    page.fill("#id_signer", "Hồ Quang Bửu (PCT)")
    _drop(page, pdf, "cv-1520-ubnd-tinh.pdf")

    page.wait_for_selector("#intake-files .intake-ok")
    assert "Đã đọc tệp — Lớp chữ của PDF: đọc được 7 ô, điền vào các ô còn trống." in page.inner_text(
        "#intake-files")
    assert page.input_value("#id_issuer") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM"
    assert page.input_value("#id_number_notation") == "1520/UBND-KTTH"
    assert page.input_value("#id_issued_date") == issued.strftime("%d/%m/%Y")
    assert page.input_value("#id_doc_type") == "cong_van"
    assert page.input_value("#id_subject") == "V/v triển khai kế hoạch chuyển đổi số năm 2026"
    assert page.input_value("#id_signer_title") == "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    # what the clerk typed is never overwritten
    assert page.input_value("#id_signer") == "Hồ Quang Bửu (PCT)"
    assert page.input_value("#id_notes") == "Nhận qua trục liên thông"
    assert page.locator(".field.intake-filled #id_issuer").count() == 1
    assert page.locator(".field.intake-filled #id_signer").count() == 0
    # the file went up once and will not be sent again with the form
    assert page.evaluate("document.getElementById('id_attachments').files.length") == 0
    upload = IntakeUpload.objects.get()
    assert page.input_value("#id_intake_primary") == str(upload.pk)
    page.screenshot(path=str(SCREENSHOTS / "congvu-intake-filled.png"), full_page=True)

    # the clerk corrects the subject and saves from the keyboard
    page.fill("#id_subject", "V/v triển khai Kế hoạch chuyển đổi số năm 2026 của tỉnh")
    page.focus("#id_subject")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/documents/*/")
    assert "Đã vào sổ văn bản đến: số đến 1" in page.inner_text(".messages")

    doc = Document.objects.get()
    assert (doc.number, doc.notation, doc.issuer, doc.issued_date) == (
        "1520", "UBND-KTTH", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", issued)
    assert list(doc.attachments.values_list("file_id", "original_name")) == [(upload.file_id, "cv-1520-ubnd-tinh.pdf")]
    rows = dict(ExtractionCorrection.objects.filter(document=doc).values_list("field", "changed"))
    assert rows == {"issuer": False, "number": False, "notation": False, "date": False, "doc_type": False,
                    "subject": True, "signer": True, "signer_title": False, "urgency": False, "secrecy": False}
    subject = ExtractionCorrection.objects.get(document=doc, field="subject")
    assert (subject.extracted, subject.final) == ("V/v triển khai kế hoạch chuyển đổi số năm 2026",
                                                   "V/v triển khai Kế hoạch chuyển đổi số năm 2026 của tỉnh")
    page.screenshot(path=str(SCREENSHOTS / "congvu-intake-saved.png"), full_page=True)
    context.close()


def _wait_for(check, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.django_db(transaction=True)
def test_a_scan_shows_its_ocr_progress_then_fills_and_marks_fields_to_check(reference_data, live_server, browser,
                                                                            agency, clerk):
    from congvu.documents.tests.factories import minimal_pdf
    from congvu.intake.ocr import ocr_available

    if ocr_available():
        pytest.skip("OCR is not installed here: a scan fails at once with its reason (tested apart)")
    context, page = _logged_in(browser, live_server)
    page.goto(f"{live_server.url}/incoming/new/")
    page.fill("#id_issuer", "UBND tỉnh Quảng Nam")
    _drop(page, minimal_pdf(" "), "ban-quet.pdf")  # no text layer: a scan, read by OCR in the background
    page.wait_for_selector("#intake-files .intake-reading")
    extraction = Extraction.objects.get()
    _wait_for(lambda: Extraction.objects.filter(pk=extraction.pk, status=ExtractionStatus.PENDING).exists())
    # the OCR job reports its pages (the worker is not running in this test: the rows are set as it would)
    Extraction.objects.filter(pk=extraction.pk).update(status=ExtractionStatus.RUNNING, source="ocr", pages=2,
                                                       pages_done=1)
    page.wait_for_selector("text=Đang nhận dạng chữ: trang 1/2")
    assert page.get_attribute("#intake-files progress", "value") == "50"
    issued = timezone.localdate() - dt.timedelta(days=4)
    Extraction.objects.filter(pk=extraction.pk).update(
        status=ExtractionStatus.DONE, pages_done=2, text="(OCR)", warnings=[],
        fields={"issuer": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", "number": "88", "notation": "UBND-VX",
                "doc_type": "Công văn", "date": issued.isoformat(), "subject": "V/v tổ chức Tết Trồng cây",
                "signer": "Trần Văn Tân", "signer_title": "CHỦ TỊCH", "urgency": "HỎA TỐC", "secrecy": None},
        confidence={"issuer": 0.95, "number": 0.97, "notation": 0.6, "doc_type": 0.95, "date": 0.95,
                    "subject": 0.55, "signer": 0.93, "signer_title": 0.95, "urgency": 0.95, "secrecy": 0.95})
    page.wait_for_selector("#intake-files .intake-ok")
    assert page.input_value("#id_issuer") == "UBND tỉnh Quảng Nam"  # typed before: kept
    assert page.input_value("#id_number_notation") == "88/UBND-VX"
    assert page.input_value("#id_subject") == "V/v tổ chức Tết Trồng cây"
    assert page.input_value("#id_urgency") == "flash"
    low = page.locator(".field.intake-low")
    assert low.count() == 2
    assert page.locator(".field.intake-low #id_subject").count() == 1
    assert page.locator(".field.intake-low #id_number_notation").count() == 1
    assert page.inner_text(".field.intake-low:has(#id_subject) .intake-hint") == "Kiểm tra lại"
    page.screenshot(path=str(SCREENSHOTS / "congvu-intake-ocr.png"), full_page=True)
    # checking a marked field and changing it takes the mark away
    page.fill("#id_subject", "V/v tổ chức Tết trồng cây đời đời nhớ ơn Bác Hồ")
    assert page.locator(".field.intake-low #id_subject").count() == 0
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_same_document_again_is_flagged_and_linked_instead_of_registered_twice(reference_data, live_server,
                                                                                   browser, agency, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from congvu.audit.models import JournalEntry
    from congvu.documents.models import Register
    from congvu.documents.services import incoming_register
    from congvu.documents.tests.factories import incoming_data

    issued = timezone.localdate() - dt.timedelta(days=2)
    pdf = cong_van_pdf(number="77", notation="UBND-VP", date=issued)
    first = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer="UBND huyện Nông Sơn", number="77", notation="UBND-VP", issued_date=issued, doc_type="cong_van"),
        uploads=[SimpleUploadedFile("ban-giay.pdf", pdf)])
    next_number = Register.objects.get(pk=first.register_id).next_number
    context, page = _logged_in(browser, live_server)
    page.goto(f"{live_server.url}/incoming/new/")
    _drop(page, pdf, "ban-email.pdf")
    warning = page.wait_for_selector("#intake-files .intake-dups")
    assert "Văn bản này có thể đã vào sổ." in warning.inner_text()
    assert "Cùng tệp (trùng từng byte); Cùng cơ quan ban hành, số, ký hiệu và ngày ban hành." in warning.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "congvu-intake-duplicate.png"), full_page=True)
    # Enter in a field registers (and is stopped by the duplicate check), it never links by surprise
    page.focus("#id_signer")
    page.keyboard.press("Enter")
    page.wait_for_selector("#duplicate-warning")
    assert Document.objects.count() == 1
    assert JournalEntry.objects.filter(action="document.copy_received").count() == 0
    # the clerk chooses to keep the e-mailed copy with the registered document
    page.select_option("#id_channel", "email")
    page.click(f"#intake-files button[name=link_document][value='{first.pk}']")
    page.wait_for_url(f"**/documents/{first.pk}/")
    assert f"Đã gắn 1 tệp vào văn bản đến số đến {first.register_number}" in page.inner_text(".messages")
    assert Document.objects.count() == 1
    assert Register.objects.get(pk=first.register_id).next_number == next_number
    entry = JournalEntry.objects.get(action="document.copy_received")
    assert entry.after == {"channel": "email", "files_added": [], "files_already_kept": ["ban-email.pdf"]}
    context.close()
