"""The one-stop journey in a real browser (issue 6, Tests): the counter receives a dossier and prints the receipt;
the office hands it over late; the leader writes the apology with a new date, records the result after the
deadline; the counter returns it; the citizen looks it up by its code on the public page and rates it.

Days pass between the steps: the server's clock (`django.utils.timezone.now`, which every service reads when no
time is given) is moved forward by the test, in the same process as the live server."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from congvu.onestop.models import Apology, Dossier, DossierStatus, Rating, ReturnMethod, Timeliness
from congvu.onestop.tests.conftest import make_procedure
from congvu.workdays.calendar import VN_TZ

SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))
ID_NUMBER = "049190004321"


class _Clock:
    """A settable `timezone.now` for the live server's thread and the test's."""

    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment.astimezone(dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    c = _Clock(dt.datetime(2026, 3, 9, 9, 0, tzinfo=VN_TZ))  # Monday
    monkeypatch.setattr(timezone, "now", c)
    return c


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
def test_receive_print_process_late_apologise_return_look_up_and_rate(reference_data, live_server, browser, clock,
                                                                      agency, onestop, officer, leader):
    # Đăng ký khai sinh here: 5 working days; the Phòng Nội vụ step has 3 of them.
    version = make_procedure(local_code="1.001193.000.00.00.H47")

    # 1. Monday 09:00: the counter receives the dossier and prints the receipt.
    ctx, page = _login(browser, live_server, "motcua")
    page.goto(f"{live_server.url}/mot-cua/quay/tiep-nhan/?procedure=1.001193.000.00.00.H47")
    page.fill("#id_applicant_name", "Đỗ Thị Thanh Tâm")
    page.fill("#id_applicant_id_number", ID_NUMBER)
    page.fill("#id_applicant_phone", "0977123456")
    page.fill("#id_request_summary", "Đăng ký khai sinh cho con")
    for c in version.components.filter(required=True):
        page.check(f"#provided_{c.pk}")
    page.check("input[name=next][value=receive]")
    page.click("#receive-form .form-actions button[value=accept]")
    page.wait_for_selector("text=In giấy tiếp nhận")
    dossier = Dossier.objects.get(applicant_id_number=ID_NUMBER)
    assert dossier.status == DossierStatus.ACCEPTED and dossier.code
    due = dossier.due_at  # five working days from Monday 09:00
    assert due == dt.datetime(2026, 3, 16, 9, 0, tzinfo=VN_TZ)
    receipt = page.get_attribute("a:has-text('In giấy tiếp nhận')", "href")
    response = ctx.request.get(f"{live_server.url}{receipt}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body()[:5] == b"%PDF-"
    ctx.close()

    # 2. Thursday 15:00: the officer hands it over to the leader, late for the office's step (due Thursday 09:00).
    clock.moment = dt.datetime(2026, 3, 12, 15, 0, tzinfo=VN_TZ)
    url = f"{live_server.url}/onestop/dossiers/{dossier.pk}/"
    ctx, page = _login(browser, live_server, "chuyenvien")
    page.goto(url)
    page.click("#form-hand_over >> xpath=.. >> summary")
    page.select_option("#ho-person", str(leader.official.pk))
    page.fill("#ho-note", "Đã thẩm tra; chậm do chờ xác minh nơi sinh. Kính trình ký.")
    page.click("#form-hand_over button[type=submit]")
    page.wait_for_selector('#dossier-status[data-status="4"]')
    ctx.close()
    office_step = dossier.steps.get(position=1)
    assert office_step.finished_at is not None and office_step.timeliness == Timeliness.LATE

    # 3. Still a working day before the deadline: the leader apologises with a new date, on the dossier page.
    ctx, page = _login(browser, live_server, "lanhdao")
    page.goto(url)
    page.click("#form-apology >> xpath=.. >> summary")
    page.fill("#ap-reason", "Cần xác minh thêm thông tin nơi sinh tại Trạm Y tế xã.")
    page.fill("#ap-date", "18/03/2026")
    page.click("#form-apology button[type=submit]")
    page.wait_for_selector("#dossier-apology")
    assert "18/03/2026" in page.inner_text("#dossier-apology")
    apology = Apology.objects.get(dossier=dossier)
    assert timezone.localtime(apology.new_due_at).date() == dt.date(2026, 3, 18)
    assert apology.previous_due_at == due
    ctx.close()

    # 4. Monday 10:00, after the appointment: the leader records the result (late), the counter returns it.
    clock.moment = dt.datetime(2026, 3, 16, 10, 0, tzinfo=VN_TZ)
    ctx, page = _login(browser, live_server, "lanhdao")
    page.goto(url)
    page.click("#form-result >> xpath=.. >> summary")
    page.fill("#rs-note", "Đã cấp Giấy khai sinh số 125/2026")
    page.click("#form-result button[type=submit]")
    page.wait_for_selector('#dossier-status[data-status="9"]')
    ctx.close()
    clock.moment = dt.datetime(2026, 3, 16, 10, 30, tzinfo=VN_TZ)
    ctx, page = _login(browser, live_server, "motcua")
    page.goto(url)
    page.select_option("#rt-method", ReturnMethod.IN_PERSON)
    page.fill("#rt-to", "Đỗ Thị Thanh Tâm")
    page.click("#form-return button[type=submit]")
    page.wait_for_selector('#dossier-status[data-status="10"]')
    page.screenshot(path=str(SCREENSHOTS / "congvu-onestop-journey-returned.png"), full_page=True)
    ctx.close()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED and dossier.timeliness == Timeliness.LATE

    # 5. The citizen, without a login, looks it up by its code and rates it once.
    clock.moment = dt.datetime(2026, 3, 16, 19, 0, tzinfo=VN_TZ)
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/tra-cuu-ho-so/")
    page.fill("#ma", dossier.code)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("[data-testid=status]")
    assert page.inner_text("[data-testid=status]") == "Đã trả kết quả"
    assert page.inner_text("[data-testid=masked-name]") == "Đỗ T** T**** T**"
    html = page.content()
    assert "Đỗ Thị Thanh Tâm" not in html and ID_NUMBER not in html and "0977123456" not in html
    for label in ("Tiếp nhận hồ sơ", "Chuyển xử lý", "Xin lỗi và hẹn lại ngày trả", "Đã có kết quả", "Đã trả kết quả"):
        assert label in page.inner_text(".timeline"), label
    page.click("text=Đánh giá mức độ hài lòng")
    page.fill("#proof", ID_NUMBER[-4:])
    for key in ("time", "contacts", "bodies", "attitude", "ease"):
        page.check(f"input[name={key}][value='1']")
    page.check("input[name=overall][value='1']")
    page.click("button:has-text('Gửi đánh giá')")
    page.wait_for_selector("text=Cảm ơn ông/bà đã đánh giá")
    page.screenshot(path=str(SCREENSHOTS / "congvu-onestop-journey-rated.png"), full_page=True)
    page.goto(f"{live_server.url}/tra-cuu-ho-so/{dossier.code}/")
    assert "Hồ sơ đã được đánh giá" in page.content()
    ctx.close()
    rating = Rating.objects.get(dossier=dossier)
    assert rating.overall == 1 and rating.scores == {k: 1 for k in ("time", "contacts", "bodies", "attitude", "ease")}
