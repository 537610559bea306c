"""Browser journey of case files (Playwright + Debian's chromium): an officer opens a case file from the
issued plan, files a document from its page, closes the file; the printed plan and index are A4 portrait."""

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.records.models import CaseFile
from congvu.records.reference import load_retention_schedules

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.environ.get("CONGVU_SCREENSHOTS")  # a folder to keep screenshots of each page in, when set

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "matkhau-123")
    page.click("button[type=submit]")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def a4_portrait(pdf_bytes) -> list[tuple[int, int]]:
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
            for p in PdfReader(io.BytesIO(pdf_bytes)).pages]


@pytest.mark.django_db(transaction=True)
def test_officer_files_a_document_and_closes_the_case_file(reference_data, live_server, browser, agency, clerk,
                                                            officer, leader):
    load_retention_schedules()
    from django.utils import timezone

    from congvu.records.services import file_plan_create, file_plan_heading_add, file_plan_issue
    from congvu.records.tests.conftest import add_entry

    plan = file_plan_create(actor=leader, agency=agency, year=timezone.localdate().year)
    vp = file_plan_heading_add(actor=leader, plan=plan, code="VP", title="Văn phòng")
    add_entry(leader, plan, vp, "Hồ sơ hội nghị cán bộ, công chức", retention_years=10)
    file_plan_issue(actor=leader, plan=plan, decision_ref="Quyết định số 05/QĐ-UBND")
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        receiving_official_id=officer.official.pk, pages=3))

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, live_server.url, "chuyenvien")
    page.goto(f"{live_server.url}/records/plans/{plan.year}/")
    shot(page, "plan")
    page.click("text=Mở hồ sơ")
    page.click("button:has-text('Mở hồ sơ')")
    assert page.locator("h1").inner_text().startswith("01.VP Hồ sơ hội nghị cán bộ, công chức")
    cf = CaseFile.objects.get()

    # File the document from its own page, through the records panel.
    page.goto(f"{live_server.url}/documents/{doc.pk}/")
    page.select_option("#records-case-file", str(cf.pk))
    page.click("#records-add-form button")
    assert page.locator("#records-panel").inner_text().count("01.VP") == 1
    shot(page, "document-panel")

    page.goto(f"{live_server.url}/records/files/{cf.pk}/")
    shot(page, "case-file")
    page.click("text=Kết thúc hồ sơ")
    page.click("button:has-text('Kết thúc hồ sơ')")
    assert "Đã kết thúc hồ sơ 01.VP." in page.locator(".messages").inner_text()
    cf.refresh_from_db()
    assert (cf.status, cf.doc_total, cf.sheets) == ("closed", 1, 3)

    page.goto(f"{live_server.url}/records/files/{cf.pk}/index/")
    shot(page, "index")
    assert a4_portrait(page.pdf(prefer_css_page_size=True)) == [(595, 842)]
    page.goto(f"{live_server.url}/records/plans/{plan.year}/print/")
    shot(page, "plan-print")
    assert a4_portrait(page.pdf(prefer_css_page_size=True)) == [(595, 842)]
