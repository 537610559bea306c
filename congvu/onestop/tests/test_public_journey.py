"""The public side over the real services: a dossier received at the counter (receiving), processed and
returned (processing); its receipt printed with the QR code of its public page; the citizen looks it up by
that address and rates it once."""

import datetime as dt

import pytest
from django.urls import reverse

from congvu.onestop import forms_pdf, processing, receiving
from congvu.onestop.models import DossierStatus, Rating, ReturnMethod
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.test_forms_pdf import pdf_text, qr_modules, segno_modules
from congvu.workdays.calendar import VN_TZ

pytestmark = pytest.mark.django_db


def local(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


@pytest.fixture
def received(agency, onestop):
    version = make_procedure()
    components = [{"component_id": c.pk, "provided": c.required} for c in version.components.all()]
    return receiving.dossier_receive(
        actor=onestop, agency=agency, version=version, components=components, received_at=local(2026, 3, 2, 16, 10),
        applicant={"kind": 1, "name": "Đỗ Thị Thanh Tâm", "id_number": "038190004321", "phone": "0977123456",
                   "address": "Xóm 2, xã Quế Phước"},
        request_summary="Đăng ký khai sinh")


def test_receipt_of_a_received_dossier_and_its_qr_link(client, received, onestop, settings):
    settings.SITE_URL = "https://dvc.example.vn"
    response = client.get(reverse("onestop:print_receipt", args=[received.pk]))
    assert response.status_code == 302  # staff only
    client.force_login(onestop)
    response = client.get(reverse("onestop:print_receipt", args=[received.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    # Received after 15:00: the clock starts the next working day (Tue 03/03); five working days end with
    # Mon 09/03.
    assert "Thời gian nhận hồ sơ: 16 giờ 10 phút, ngày 02/03/2026" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 09/03/2026" in text
    assert f"Mã hồ sơ: {received.code}" in text
    url = f"https://dvc.example.vn/tra-cuu-ho-so/{received.code}/"
    assert qr_modules(response.content) == segno_modules(url)
    client.logout()
    public_page = client.get(url.removeprefix("https://dvc.example.vn"), REMOTE_ADDR="10.9.9.9")
    assert public_page.status_code == 200
    html = public_page.content.decode()
    assert "Đỗ T** T**** T**" in html and "Được tiếp nhận" in html
    assert "Đỗ Thị Thanh Tâm" not in html and "0977123456" not in html


def test_processed_returned_then_rated_once(client, received, agency, onestop, officer, leader):
    processing.dossier_hand_over(actor=officer, dossier=received, at=local(2026, 3, 5, 10))
    processing.dossier_record_result(actor=leader, dossier=received, note="Đã cấp Giấy khai sinh",
                                     at=local(2026, 3, 6, 10))
    processing.dossier_return_result(actor=onestop, dossier=received, method=ReturnMethod.IN_PERSON,
                                     returned_to="Đỗ Thị Thanh Tâm", at=local(2026, 3, 6, 14))
    received.refresh_from_db()
    assert received.status == DossierStatus.RETURNED
    c = client
    lookup = c.get(reverse("onestop:public_dossier", args=[received.code]), REMOTE_ADDR="10.9.9.8")
    html = lookup.content.decode()
    for label in ("Tiếp nhận hồ sơ", "Chuyển xử lý", "Đã có kết quả", "Đã trả kết quả"):
        assert label in html, label
    assert "Đánh giá mức độ hài lòng" in html
    answers = {"time": "2", "contacts": "2", "bodies": "2", "attitude": "2", "ease": "2", "overall": "2"}
    done = c.post(reverse("onestop:public_rate", args=[received.code]), {**answers, "proof": "3456"},
                  REMOTE_ADDR="10.9.9.8")
    assert done.status_code == 200
    again = c.post(reverse("onestop:public_rate", args=[received.code]), {**answers, "proof": "4321"},
                   REMOTE_ADDR="10.9.9.8")
    assert again.status_code == 409
    assert Rating.objects.filter(dossier=received).count() == 1
    # The register of March lists it with how it was returned.
    c.force_login(onestop)
    register = c.get(reverse("onestop:print_register"), {"tu_ngay": "01/03/2026", "den_ngay": "31/03/2026"})
    text = pdf_text(register.content)
    assert "Đỗ Thị Thanh Tâm" in text and "Trực tiếp" in text and "Phòng Nội vụ" in text
    assert forms_pdf.lead_body(received) == "Phòng Nội vụ"
