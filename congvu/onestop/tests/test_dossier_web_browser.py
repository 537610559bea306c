"""The dossier page in a real browser (Debian's chromium through Playwright): the office hands the dossier over
with htmx (the panel is replaced in place, no reload), a refused apology shows its message beside the form,
the leader records the result and the counter returns it."""

import os
from pathlib import Path

import pytest

from congvu.onestop.models import DossierStatus
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o2 import accepted_dossier, local

SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")]


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
def test_office_hands_over_in_place_leader_records_counter_returns(reference_data, live_server, browser, agency,
                                                                   onestop, officer, leader):
    dossier = accepted_dossier(agency=agency, version=make_procedure(), by=onestop,
                               received_at=local(2026, 3, 9, 8, 0))
    url = f"{live_server.url}/onestop/dossiers/{dossier.pk}/"

    ctx, page = _session(browser, live_server, "chuyenvien")
    page.goto(url)
    page.evaluate("window.__same_page = true")  # survives an htmx swap, not a reload
    # too late to apologise (the appointment 16/03/2026 is long past): the message comes back beside the form
    page.click("#form-apology >> xpath=.. >> summary")
    page.fill("#ap-reason", "Chờ xác minh")
    page.fill("#ap-date", "20/03/2026")
    page.click("#form-apology button[type=submit]")
    page.wait_for_selector("#form-apology .alert-error")
    assert "Đã quá thời hạn gửi phiếu xin lỗi" in page.inner_text("#form-apology .alert-error")
    assert page.evaluate("window.__same_page") is True

    page.click("#form-hand_over >> xpath=.. >> summary")
    page.select_option("#ho-person", str(leader.official.pk))
    page.fill("#ho-note", "Đủ điều kiện, trình ký")
    page.click("#form-hand_over button[type=submit]")
    page.wait_for_selector('#dossier-status[data-status="4"]')
    assert page.evaluate("window.__same_page") is True
    assert "Lãnh đạo ký duyệt" in page.inner_text("#dossier-steps")
    assert page.query_selector("#form-hand_over") is None  # the officer no longer holds the dossier
    page.screenshot(path=str(SCREENSHOTS / "congvu-onestop-dossier.png"), full_page=True)
    ctx.close()

    ctx, page = _session(browser, live_server, "lanhdao")
    page.goto(url)
    page.click("#form-result >> xpath=.. >> summary")
    page.fill("#rs-note", "Đã cấp Giấy khai sinh số 125/2026")
    page.click("#form-result button[type=submit]")
    page.wait_for_selector('#dossier-status[data-status="9"]')
    ctx.close()

    ctx, page = _session(browser, live_server, "motcua")
    page.goto(f"{live_server.url}/onestop/office/")
    assert dossier.code in page.inner_text("#to-return")
    page.goto(url)
    page.select_option("#rt-method", "in_person")
    page.fill("#rt-to", "Nguyễn Văn An")
    page.click("#form-return button[type=submit]")
    page.wait_for_selector('#dossier-status[data-status="10"]')
    assert "người nhận: Nguyễn Văn An" in page.inner_text("#dossier-meta")
    ctx.close()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED
