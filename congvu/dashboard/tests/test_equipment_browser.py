"""In a real browser: an agency admin opens the equipment list, a point, records a check through the form and
sees the point's new status; a leader opens the period report page."""

import os
from pathlib import Path

import pytest

from conftest import CHROMIUM, make_agency
from congvu.dashboard.models import EquipmentKind, EquipmentPoint
from congvu.org.models import AgencyKind

SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


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
def test_admin_records_a_check_and_leader_opens_the_report(reference_data, live_server, browser, agency,
                                                           agency_admin, leader):
    commune = make_agency(name="UBND xã Quế Trung", kind=AgencyKind.COMMUNE_PC, parent=agency, place="Quế Trung")
    point = EquipmentPoint.objects.create(agency=commune, kind=EquipmentKind.VIDEO_CONFERENCE,
                                          name="Điểm cầu UBND xã Quế Trung")
    ctx, page = _login(browser, live_server, "quantri")
    page.goto(f"{live_server.url}/dashboard/equipment/")
    summary = page.locator("#equipment-summary tbody tr").first
    assert "1/1" in summary.inner_text()
    page.get_by_role("link", name="Điểm cầu UBND xã Quế Trung").click()
    page.wait_for_url(f"{live_server.url}/dashboard/equipment/{point.pk}/")
    page.select_option("#c-status", "offline")
    page.fill("#c-note", "Mất tín hiệu")
    page.get_by_role("button", name="Ghi nhận kiểm tra").click()
    page.wait_for_url(f"{live_server.url}/dashboard/equipment/{point.pk}/")
    assert "Đã ghi nhận kiểm tra." in page.inner_text("body")
    assert page.inner_text("#point-status") == "Mất kết nối"
    assert "Mất tín hiệu" in page.inner_text("#equipment-checks")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-equipment-detail.png"), full_page=True)
    # a future date is refused beside the field, nothing recorded
    page.fill("#c-on", "01/01/2999")
    page.get_by_role("button", name="Ghi nhận kiểm tra").click()
    assert "không được ở tương lai" in page.inner_text("body")
    assert point.checks.count() == 1
    page.goto(f"{live_server.url}/dashboard/equipment/")
    assert "0/1" in page.locator("#equipment-summary tbody tr").first.inner_text()
    ctx.close()

    ctx, page = _login(browser, live_server, "lanhdao")
    page.goto(f"{live_server.url}/dashboard/reports/")
    body = page.inner_text("body")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body and "VI. Hạ tầng, thiết bị phục vụ điều hành" in body
    assert "format=pdf" in page.get_by_role("link", name="Tải PDF").get_attribute("href")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-report.png"), full_page=True)
    ctx.close()
