"""Printed forms: the Vietnamese text read back from the PDF, the QR code's modules against a re-encoding of
the lookup address, and who may print what."""

import datetime as dt
import io

import pypdfium2 as pdfium
import pytest
import segno
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from conftest import make_agency, make_official
from congvu.onestop import forms_pdf
from congvu.onestop.models import (
    Apology,
    Dossier,
    DossierStatus,
    ReturnMethod,
    SupplementRequest,
)
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o3 import at, make_dossier
from congvu.onestop.views_print import lookup_url
from congvu.org.models import Role

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """All pages' text with runs of whitespace folded to one space (wrapped lines join)."""
    doc = pdfium.PdfDocument(data)
    try:
        return " ".join(" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc)))
    finally:
        doc.close()


def qr_modules(data: bytes) -> list[list[bool]]:
    """The dark/light modules of the first image in the PDF, read at each module's centre."""
    image = PdfReader(io.BytesIO(data)).pages[0].images[0]
    img = Image.open(io.BytesIO(image.data)).convert("L")
    scale, border = forms_pdf.QR_SCALE, forms_pdf.QR_BORDER
    size = img.width // scale - 2 * border
    assert img.width == img.height == (size + 2 * border) * scale
    return [[img.getpixel(((c + border) * scale + scale // 2, (r + border) * scale + scale // 2)) < 128
             for c in range(size)] for r in range(size)]


def segno_modules(text: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make(text, error=forms_pdf.QR_ERROR, micro=False).matrix]


@pytest.fixture
def counter_clerk(agency):
    return make_official(agency, Role.ONESTOP, username="motcua_pdf", full_name="Trần Thị Bích")


@pytest.fixture
def dossier(agency, counter_clerk):
    version = make_procedure()
    return make_dossier(agency=agency, version=version, received_by=counter_clerk,
                        department=agency.departments.get(code="NV"))


def test_receipt_has_the_fields_of_the_form_in_vietnamese(dossier):
    url = lookup_url(dossier.code)
    text = pdf_text(forms_pdf.receipt_pdf(dossier, lookup_url=url))
    for expected in (
        "UBND HUYỆN NÔNG SƠN", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Nông Sơn, ngày 02 tháng 03 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Tổ chức, cá nhân nộp hồ sơ: Nguyễn Văn An",
        "Số định danh cá nhân/mã số doanh nghiệp, tổ chức: 001203004567",
        "Địa chỉ: Thôn Phú Thượng, xã Quế Phước", "Số điện thoại: 0912345678",
        "Thư điện tử: an.nguyen@example.vn",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh cho con",
        "1. Tờ khai đăng ký khai sinh (1 bản)", "2. Giấy chứng sinh (1 bản)",
        "Số lượng hồ sơ: 01 bộ",
        "Thời gian giải quyết hồ sơ theo quy định: 5 ngày làm việc",
        "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 02/03/2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 15 phút, ngày 09/03/2026",
        "Nhận kết quả tại: Bộ phận tiếp nhận và trả kết quả — UBND huyện Nông Sơn",
        "Vào Sổ theo dõi hồ sơ: Quyển số: 2026; Số thứ tự: 1",
        "NGƯỜI TIẾP NHẬN HỒ SƠ", "Trần Thị Bích",
    ):
        assert expected in text, expected
    # The optional component was not handed in, so it is not listed.
    assert "Giấy tờ tùy thân" not in text


def test_receipt_qr_code_encodes_the_public_lookup_address(dossier, settings):
    settings.SITE_URL = "https://dichvucong.nongson.gov.vn"
    url = lookup_url(dossier.code)
    assert url == f"https://dichvucong.nongson.gov.vn/tra-cuu-ho-so/{dossier.code}/"
    modules = qr_modules(forms_pdf.receipt_pdf(dossier, lookup_url=url))
    assert modules == segno_modules(url)
    # The comparison can fail: another dossier's address gives other modules.
    assert modules != segno_modules(url.replace(dossier.code, dossier.code[:-1] + "9"))


def test_register_entry_counts_the_agency_year(agency, counter_clerk):
    version = make_procedure()
    first = make_dossier(agency=agency, version=version, accepted=at("05/01/2026", "08:00"))
    second = make_dossier(agency=agency, version=version, accepted=at("06/01/2026", "08:00"))
    make_dossier(agency=agency, version=version, accepted=at("30/12/2025", "08:00"))  # last year
    make_dossier(agency=make_agency(name="UBND xã Khác"), version=version, accepted=at("05/01/2026", "07:00"))
    assert forms_pdf.register_entry(first) == (2026, 1)
    assert forms_pdf.register_entry(second) == (2026, 2)


def test_supplement_request_lists_every_item_and_the_reason(dossier, counter_clerk):
    dossier.status = DossierStatus.SUPPLEMENT
    dossier.save()
    SupplementRequest.objects.create(dossier=dossier, requested_at=at("02/03/2026", "09:20"),
                                     requested_by=counter_clerk,
                                     items=["Bản sao Giấy chứng nhận kết hôn của cha mẹ", "Giấy chứng sinh (bản chính)"],
                                     reason="Hồ sơ thiếu giấy tờ chứng minh quan hệ cha, mẹ, con")
    text = pdf_text(forms_pdf.supplement_pdf(Dossier.objects.get(pk=dossier.pk)))
    for expected in ("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Nông Sơn, ngày 02 tháng 03 năm 2026",
                     "1. Bản sao Giấy chứng nhận kết hôn của cha mẹ", "2. Giấy chứng sinh (bản chính)",
                     "Lý do: Hồ sơ thiếu giấy tờ chứng minh quan hệ cha, mẹ, con",
                     "Tổ chức, cá nhân nộp hồ sơ: Nguyễn Văn An", "Trần Thị Bích"):
        assert expected in text, expected


def test_refusal_gives_the_reason(dossier):
    dossier.status = DossierStatus.REFUSED
    dossier.refusal_reason = "Yêu cầu không thuộc thẩm quyền giải quyết của Ủy ban nhân dân huyện"
    dossier.finished_at = at("02/03/2026", "09:30")
    dossier.save()
    text = pdf_text(forms_pdf.refusal_pdf(dossier))
    for expected in ("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", f"Mã hồ sơ: {dossier.code}",
                     "Số định danh cá nhân/mã số doanh nghiệp, tổ chức: 001203004567",
                     "Yêu cầu không thuộc thẩm quyền giải quyết của Ủy ban nhân dân huyện"):
        assert expected in text, expected


def test_apology_gives_the_promised_and_the_new_date(dossier, counter_clerk):
    Apology.objects.create(dossier=dossier, created_at=at("06/03/2026", "10:00"), created_by=counter_clerk,
                           reason="Cần xác minh thêm thông tin nơi cư trú", previous_due_at=dossier.due_at,
                           new_due_at=at("12/03/2026", "14:00"))
    text = pdf_text(forms_pdf.apology_pdf(Dossier.objects.get(pk=dossier.pk)))
    for expected in ("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Nguyễn Văn An",
                     "Thời gian hẹn trả kết quả giải quyết hồ sơ: 09 giờ 15 phút, ngày 09/03/2026",
                     "Lý do chậm trễ: Cần xác minh thêm thông tin nơi cư trú",
                     "14 giờ 00 phút, ngày 12/03/2026", "Nông Sơn, ngày 06 tháng 03 năm 2026",
                     "thủ tục Đăng ký khai sinh", "THỦ TRƯỞNG CƠ QUAN"):
        assert expected in text, expected


def test_control_slip_has_every_hand_over_with_its_timeliness(dossier):
    from congvu.onestop.selectors import control_slip

    text = pdf_text(forms_pdf.control_slip_pdf(dossier, control_slip(dossier)))
    for expected in ("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Tổ chức, cá nhân nộp hồ sơ",
                     "Phòng Nội vụ", "09:15 02/03/2026", "09:25 02/03/2026", "Trước hạn", "Đang xử lý"):
        assert expected in text, expected


def test_register_lists_the_period_only(agency, counter_clerk):
    version = make_procedure()
    inside = make_dossier(agency=agency, version=version, accepted=at("02/03/2026", "09:15"), returned=True,
                          applicant_name="Lê Thị Hoa", phone="0905111222")
    outside = make_dossier(agency=agency, version=version, accepted=at("01/04/2026", "09:15"))
    rows = Dossier.objects.filter(pk__in=[inside.pk, outside.pk], accepted_at__lt=at("01/04/2026", "00:00"))
    text = pdf_text(forms_pdf.register_pdf(agency=agency, date_from=dt.date(2026, 3, 1),
                                           date_to=dt.date(2026, 3, 31), dossiers=rows))
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in text
    assert "Lê Thị Hoa" in text and "0905111222" in text
    assert ReturnMethod.IN_PERSON.label in text
    assert inside.code in text.replace(" ", "")
    assert outside.code not in text.replace(" ", "")


# --- the print pages ---------------------------------------------------------------------------------------

def test_counter_staff_print_the_receipt_as_pdf(client, dossier, counter_clerk):
    client.force_login(counter_clerk.user)
    response = client.get(reverse("onestop:print_receipt", args=[dossier.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"Mã hồ sơ: {dossier.code}" in pdf_text(response.content)


def test_staff_of_another_agency_get_404_and_anonymous_users_the_login(client, dossier, other_agency):
    outsider = make_official(other_agency, Role.ONESTOP, username="motcua_xa")
    for name in ("print_receipt", "print_control_slip"):
        url = reverse(f"onestop:{name}", args=[dossier.pk])
        assert client.get(url).status_code == 302
        client.force_login(outsider.user)
        assert client.get(url).status_code == 404
        client.logout()


def test_forms_the_dossier_does_not_have_are_404(client, dossier, counter_clerk):
    client.force_login(counter_clerk.user)
    for name in ("print_supplement", "print_refusal", "print_apology"):
        assert client.get(reverse(f"onestop:{name}", args=[dossier.pk])).status_code == 404


def test_register_page_and_pdf(client, agency, counter_clerk, other_agency):
    version = make_procedure()
    mine = make_dossier(agency=agency, version=version, accepted=at("02/03/2026", "09:15"))
    theirs = make_dossier(agency=other_agency, version=version, accepted=at("02/03/2026", "10:15"))
    client.force_login(counter_clerk.user)
    url = reverse("onestop:print_register")
    page = client.get(url)
    assert page.status_code == 200 and "Sổ theo dõi hồ sơ" in page.content.decode()
    bad = client.get(url, {"tu_ngay": "31/03/2026", "den_ngay": "01/03/2026"})
    assert bad.status_code == 400 and "“Từ ngày” phải trước" in bad.content.decode()
    response = client.get(url, {"tu_ngay": "01/03/2026", "den_ngay": "31/03/2026"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    compact = pdf_text(response.content).replace(" ", "")  # a long code wraps inside its column
    assert mine.code in compact
    assert theirs.code not in compact


# --- through the counter's services ----------------------------------------------------------------------------

def _receive(agency, actor, outcome, **kw):
    from congvu.onestop.receiving import dossier_receive
    from congvu.workdays.calendar import VN_TZ

    version = make_procedure(local_code=f"1.00{outcome[:3]}.000.00.00.H40")
    first = version.components.first()
    return dossier_receive(
        actor=actor, agency=agency, version=version, outcome=outcome,
        components=[{"component_id": first.pk, "provided": True}],
        received_at=dt.datetime(2026, 3, 4, 10, 30, tzinfo=VN_TZ),
        applicant={"kind": 1, "name": "Vũ Đức Thắng", "id_number": "031088009876", "phone": "0904111333"}, **kw)


def test_supplement_and_refusal_of_the_counter_print(client, agency, onestop):
    asked = _receive(agency, onestop, "supplement", reason="Thiếu giấy chứng sinh",
                     supplement_items=["Giấy chứng sinh (bản chính)"])
    refused = _receive(agency, onestop, "refuse", reason="Không thuộc thẩm quyền của UBND huyện")
    client.force_login(onestop)
    supplement = client.get(reverse("onestop:print_supplement", args=[asked.pk]))
    assert supplement.status_code == 200
    text = pdf_text(supplement.content)
    assert "Giấy chứng sinh (bản chính)" in text and "Lý do: Thiếu giấy chứng sinh" in text
    assert "Nông Sơn, ngày 04 tháng 03 năm 2026" in text
    # Not accepted yet: no receipt.
    assert client.get(reverse("onestop:print_receipt", args=[asked.pk])).status_code == 404
    refusal = client.get(reverse("onestop:print_refusal", args=[refused.pk]))
    assert refusal.status_code == 200
    assert f'filename="phieu-tu-choi-{refused.pk}.pdf"' in refusal["Content-Disposition"]
    text = pdf_text(refusal.content)
    assert "Không thuộc thẩm quyền của UBND huyện" in text and "Vũ Đức Thắng" in text
    assert "031088009876" in text


def test_a_long_register_repeats_its_heading_on_every_page(agency):
    version = make_procedure()
    for i in range(40):
        make_dossier(agency=agency, version=version, accepted=at("02/03/2026", "08:00") + dt.timedelta(minutes=i))
    data = forms_pdf.register_pdf(agency=agency, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31),
                                  dossiers=Dossier.objects.order_by("accepted_at"))
    doc = pdfium.PdfDocument(data)
    pages = [" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc))]
    doc.close()
    assert len(pages) >= 3
    for page in pages[1:]:
        assert page.startswith("STT Mã hồ sơ Tên thủ tục hành chính")
    assert "40 " in pages[-1]  # the 40th line is there


def test_empty_register_says_so(agency):
    data = forms_pdf.register_pdf(agency=agency, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31),
                                  dossiers=Dossier.objects.none())
    assert "Không có hồ sơ nào trong khoảng ngày này." in pdf_text(data)


def test_grid_breaks_a_long_code_after_a_dash():
    pdf = forms_pdf._new_pdf("t", "a", landscape=True)
    grid = forms_pdf._FastGrid(pdf, (("Mã hồ sơ", 22),))
    pdf.set_font(forms_pdf.FONT, "", grid.SIZE)
    lines = grid._wrap("000.01.00.H40-260302-0001", 22, "")
    assert "".join(lines) == "000.01.00.H40-260302-0001"
    assert len(lines) > 1 and all(line.endswith(("-", ".")) for line in lines[:-1])
