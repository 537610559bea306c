"""The merge wizard in a real browser (issue 7, Tests): the province's admin chooses two communes, describes the
new commune and its new UBND, sees the preview with what moves and the surplus, confirms, and reads the result."""

import pytest

from congvu.staffing import services
from congvu.staffing.models import Reorganisation
from congvu.staffing.tests.merge_world import build_world


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
def test_province_admin_merges_two_communes(reference_data, live_server, browser):
    services.norms_load()  # a transactional test starts without the migrations' data
    w = build_world()
    ctx, page = _login(browser, live_server, "qtquangnam")
    page.goto(f"{live_server.url}/staffing/merge/")
    page.fill("#m-date", "01/12/2019")
    page.fill("#m-q", "que")  # no accents needed
    page.click("button:has-text('Tìm')")
    page.check(f"input[name=units][value='{w['phuoc'].pk}']")
    page.check(f"input[name=units][value='{w['ninh'].pk}']")
    page.fill("#m-q", "")
    page.click("button:has-text('Tìm')")  # the chosen units stay chosen
    assert page.is_checked(f"input[name=units][value='{w['ninh'].pk}']")
    page.fill("#m-name", "Xã Ninh Phước")
    page.fill("#m-code", "20667")
    page.select_option("#m-class", "II")
    page.fill("#m-res", "NQ 814/NQ-UBTVQH14")
    page.check("input[name=successor][value=new]")
    page.fill("#m-aname", "UBND xã Ninh Phước")
    page.fill("#m-aid", "000.23.31.H49")
    page.click("button:has-text('Xem trước')")

    page.wait_for_selector("text=Xác nhận sắp xếp")
    assert page.inner_text("#pv-area") == "61,61 km²"
    assert page.inner_text("#pv-population") == "4847 người"
    assert page.inner_text("tr[data-key=postings] .count") == "33"
    assert page.inner_text("tr[data-key=documents] .count") == "2"
    assert page.inner_text("tr[data-key=dossiers] .count") == "1"
    assert page.inner_text("tr[data-key=registers] .count") == "2"
    assert page.inner_text("#pv-surplus") == "dôi dư 12"
    assert Reorganisation.objects.count() == 0
    page.click("button:has-text('Xác nhận sắp xếp')")

    page.wait_for_selector("#done-surplus")
    assert page.inner_text("#done-surplus") == "dôi dư 12"
    assert page.inner_text("#done-quota") == "21"
    assert "000.22.31.H49 → 000.23.31.H49" in page.content()
    r = Reorganisation.objects.get()
    assert r.successor_unit.name == "Xã Ninh Phước" and r.summary["moved"]["documents"] == 2
    page.click("text=Xem báo cáo biên chế")
    page.wait_for_url(f"**/staffing/report/?agency={r.successor_agency_id}**")
    ctx.close()
