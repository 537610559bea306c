"""Browser journey (Playwright + Debian's chromium): the province's admin plans a commune's surplus away — lays
down a roadmap, reads the chart and table, proposes the suggested transfer, approves and carries it out."""

import datetime as dt
import importlib
import os
import re
from pathlib import Path

import pytest
from django.apps import apps

from congvu.staffing.models import StaffPosting, Transfer, TransferStatus

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.environ.get("CONGVU_SCREENSHOTS")
D = dt.date

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


def shot(page, name):
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_province_admin_plans_the_surplus_away(reference_data, live_server, browser):
    # A transactional test flushes the shipped rows: load the retirement ages and base salaries again.
    importlib.import_module("congvu.staffing.migrations.0004_load_retirement_and_base_salary").load(apps, None)
    from conftest import make_agency, make_official
    from congvu.org.models import AgencyKind, Role
    from congvu.staffing.models import AdministrativeUnit, UnitType
    from congvu.staffing.tests.roadmap_world import commune, commune_agency, member, quota

    province = AdministrativeUnit.objects.create(code="49", name="Tỉnh Quảng Nam", unit_type=UnitType.PROVINCE)
    district = AdministrativeUnit.objects.create(code="506", name="Huyện Nông Sơn", unit_type=UnitType.DISTRICT,
                                                 parent=province)
    ninh_phuoc = commune_agency(commune(district, "20667", "Xã Ninh Phước"), "UBND xã Ninh Phước")
    que_lam = commune_agency(commune(district, "20668", "Xã Quế Lâm"), "UBND xã Quế Lâm")
    quota(ninh_phuoc, 2)
    quota(que_lam, 2)
    member(ninh_phuoc, "Nguyễn Văn An", birth=D(1960, 5, 10))  # retires 10/05/2020
    member(ninh_phuoc, "Trần Thị Bình", birth=D(1980, 1, 1))
    young = member(ninh_phuoc, "Lê Văn Cường", birth=D(1995, 1, 1))
    member(ninh_phuoc, "Phạm Văn Dũng", birth=D(1985, 1, 1))
    admin_agency = make_agency(name="UBND tỉnh Quảng Nam", kind=AgencyKind.PROVINCE_PC, province_code="49")
    make_official(admin_agency, Role.AGENCY_ADMIN, username="qtquangnam")

    page = browser.new_page()
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "qtquangnam")
    page.fill("input[name=password]", "matkhau-123")
    page.click("button[type=submit]")

    page.goto(f"{base}/staffing/roadmaps/new/")
    page.select_option("#r-agency", label="UBND xã Ninh Phước")
    page.fill("#r-title", "Lộ trình giải quyết dôi dư xã Ninh Phước")
    page.fill("#r-start", "01/01/2020")
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("h1:has-text('Lộ trình giải quyết dôi dư xã Ninh Phước')")
    assert page.locator("svg[role=img]").count() == 1
    # 4 in post, quota 2, one retirement in 2020: 3 at the end of every year, one over.
    assert page.locator("table.data tbody tr").first.locator("td").last.inner_text().strip() == "+1"
    assert "Chưa về đúng biên chế" in page.inner_text("main")
    shot(page, "roadmap-detail")

    page.click("text=Gợi ý điều động sang đơn vị còn thiếu")
    page.fill("#s-on", "01/03/2020")
    page.locator("form:has(#s-on) button").click()
    page.wait_for_url(re.compile(r"on=01%2F03%2F2020"))
    row = page.locator("tr", has_text="Lê Văn Cường")
    assert "UBND xã Quế Lâm" in row.inner_text()
    row.locator("button", has_text="Đề xuất điều động").click()
    page.wait_for_selector("[role=status]")
    shot(page, "roadmap-suggestions")
    transfer = Transfer.objects.get()
    assert (transfer.member_id, transfer.to_agency_id, transfer.planned_date) == (young.pk, que_lam.pk,
                                                                                  D(2020, 3, 1))

    page.goto(f"{base}/staffing/roadmaps/")
    page.click("text=Lộ trình giải quyết dôi dư xã Ninh Phước")
    assert "Về đúng biên chế vào cuối năm 2020" in page.inner_text("main")

    page.goto(f"{base}/staffing/transfers/")
    page.fill(f"#d-{transfer.pk}", "15/QĐ-UBND")
    page.click("button:has-text('Phê duyệt')")
    page.wait_for_selector("text=Đã phê duyệt điều động.")
    page.click("button:has-text('Thực hiện')")
    page.wait_for_selector("text=Đã thực hiện")
    shot(page, "transfers")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DONE
    assert StaffPosting.objects.get(member=young, valid_to__isnull=True).agency == que_lam

    # The commune's pay in 2020 (base salary 1,490,000 all year), four people at 2.34 — the retiree still on the
    # roster (the plan does not end postings), the transferred one only in January and February:
    # (3 × 12 + 2) × 2.34 × 1,490,000 = 38 × 3,486,600 = 132,490,800; + 600,000,000 operating = 732,490,800.
    page.goto(f"{base}/staffing/budget/?agency={ninh_phuoc.pk}&year=2020")
    page.fill("#o-amount", "-5")
    page.click("form[action$='/operating/'] button[type=submit]")
    assert "không âm" in page.inner_text("[role=alert]")
    page.fill("#o-amount", "600.000.000")
    page.click("form[action$='/operating/'] button[type=submit]")
    page.wait_for_selector("text=Đã ghi chi hoạt động năm 2020.")
    text = page.inner_text("main")
    assert "132.490.800" in text and "732.490.800" in text
    shot(page, "budget")
