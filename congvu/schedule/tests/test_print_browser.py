"""The printed week fits on one A4 landscape page, even a busy one: printed to PDF by Debian's chromium."""

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from congvu.schedule.tests.conftest import at

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

TITLES = [
    "Họp Ban Chỉ đạo chuyển đổi số huyện, nghe báo cáo tiến độ triển khai Đề án 06 và kế hoạch năm 2027",
    "Tiếp công dân định kỳ theo Luật Tiếp công dân",
    "Làm việc với Đoàn kiểm tra của UBND tỉnh về công tác cải cách hành chính",
    "Dự Hội nghị trực tuyến toàn quốc tổng kết công tác phòng, chống thiên tai",
    "Giao ban Thường trực HĐND và UBND huyện",
    "Kiểm tra tiến độ xây dựng các công trình nông thôn mới tại xã Quế Lộc, Sơn Viên",
]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.mark.parametrize("per_day", [1, 5])
@pytest.mark.django_db(transaction=True)
def test_week_prints_on_one_a4_landscape_page(reference_data, live_server, browser, agency, leader, clerk, officer,
                                              make_entry, per_day):
    nv = agency.departments.get(code="NV")
    for day in range(23, 30):
        for i in range(per_day):
            make_entry(title=TITLES[(day + i) % len(TITLES)], publish=True, start=at(2026, 11, day, 7 + i * 2, 30),
                       end=at(2026, 11, day, 9 + i * 2, 0), place="Phòng họp số 1, UBND huyện",
                       chair_id=leader.official.pk, attendee_official_ids=[officer.official.pk],
                       attendee_department_ids=[nv.pk], attendees_text="Đại diện các phòng, ban liên quan",
                       preparing_text="Văn phòng HĐND và UBND")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "vanthu")
    page.fill("input[name=password]", "matkhau-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/schedule/print/?week=2026-W48")
    assert page.locator("h1").inner_text() == "LỊCH CÔNG TÁC TUẦN 48"
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    box = pdf.pages[0].mediabox
    assert len(pdf.pages) == 1
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape in points
    # Nothing clipped: every entry's start time (each at hh:30) and the footer are on the page (the text layer
    # splits letters with diacritics, so digits are counted).
    text = pdf.pages[0].extract_text()
    assert text.count("h30") == 7 * per_day
    assert "In ngày" in text
    if os.environ.get("CONGVU_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["CONGVU_SCREENSHOT_DIR"]) / f"schedule-week-{per_day}.png"),
                        full_page=True)
    context.close()
