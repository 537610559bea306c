"""Registers as PDF and XLSX (Decree 30/2020 Annex IV): the same rows as the print page, Vietnamese text
that reads back exactly, real dates and numbers in the spreadsheet, the period, and who may download."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.documents import selectors
from congvu.documents.models import Document, Register, Secrecy, Urgency
from congvu.documents.register_export import (
    INCOMING_COLUMNS,
    OUTGOING_COLUMNS,
    register_pdf,
    register_table,
    register_xlsx,
)
from congvu.documents.services import document_update, incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import Agency, AgencyKind, Department

pytestmark = pytest.mark.django_db

YEAR = 2025
TZ = timezone.get_current_timezone()
SUBJECT = "Về việc tổ chức Hội nghị tổng kết công tác văn thư, lưu trữ năm 2025"
LONG_SUBJECT = ("Về việc hướng dẫn quy trình tiếp nhận, số hóa, lưu trữ hồ sơ điện tử và đồng bộ dữ liệu lên Cổng "
                "Dịch vụ công quốc gia đối với các thủ tục hành chính cấp xã thuộc thẩm quyền giải quyết")


def _incoming(agency, clerk, day, number, **overrides):
    values = dict(received_at=dt.datetime.combine(day, dt.time(8, 30), tzinfo=TZ), issued_date=day - dt.timedelta(days=1),
                  number=number, subject=f"Văn bản số {number} gửi đến")
    values.update(overrides)
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(**values))


@pytest.fixture
def incoming_2025(agency, clerk):
    agency.parent = Agency.objects.create(name="UBND tỉnh Quảng Nam", notation_code="UBND",
                                          kind=AgencyKind.PROVINCE_PC)
    agency.save()
    nv = Department.objects.get(code="NV")
    _incoming(agency, clerk, dt.date(YEAR, 3, 3), "11", issuer="Sở Nội vụ tỉnh Quảng Nam", notation="KH-SNV",
              doc_type="ke_hoach", receiving_department_id=nv.pk, notes="Bản giấy", subject=SUBJECT)
    _incoming(agency, clerk, dt.date(YEAR, 3, 4), "12", urgency=Urgency.FLASH, doc_type="cong_dien",
              notation="CĐ-UBND", subject=LONG_SUBJECT)
    _incoming(agency, clerk, dt.date(YEAR, 3, 10), "13")
    doc = Document.objects.get(register_number=1, direction="in")
    document_update(actor=clerk, document=doc, changes={"dispatched_on": "04/03/2025",
                                                        "receiving_official_id": clerk.official.pk})
    return Register.objects.get(agency=agency, year=YEAR, direction="in")


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _sheet_rows(content: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(content)).active
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


# --- one row builder ------------------------------------------------------------------------------

def test_rows_are_built_once_for_every_format(clerk, incoming_2025):
    table = register_table(selectors.register_print(user=clerk, register_id=incoming_2025.pk))
    assert table.columns == INCOMING_COLUMNS and len(table.columns) == 10
    assert sum(c.pdf_width for c in INCOMING_COLUMNS) == sum(c.pdf_width for c in OUTGOING_COLUMNS) == 277
    assert [[c.plain for c in row.cells] for row in table.rows] == [
        ["03/03/2025", "1", "Sở Nội vụ tỉnh Quảng Nam", "11/KH-SNV", "02/03/2025", f"Kế hoạch {SUBJECT}",
         "Phòng Nội vụ; Cán bộ vanthu", "04/03/2025", "", "Bản giấy"],
        ["04/03/2025", "2", "UBND tỉnh Quảng Nam", "12/CĐ-UBND", "03/03/2025", f"Hỏa tốc Công điện {LONG_SUBJECT}",
         "", "", "", ""],
        ["10/03/2025", "3", "UBND tỉnh Quảng Nam", "13/QĐ-UBND", "09/03/2025", "Quyết định Văn bản số 13 gửi đến",
         "", "", "", ""],
    ]
    assert table.number_range == ("1", "3")
    assert table.title == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"


# --- PDF --------------------------------------------------------------------------------------------

def test_pdf_is_a4_landscape_with_the_vietnamese_text_exactly(clerk, incoming_2025):
    content = register_pdf(register_table(selectors.register_print(user=clerk, register_id=incoming_2025.pk)))
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72)) == (297, 210)
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert all("DejaVuSerifCondensed" in name for name in fonts)  # embedded, not a core font
    pages, text = _pdf_text(content)
    assert pages == 2
    cover = reader.pages[0].extract_text()
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in cover and "UBND TỈNH QUẢNG NAM" in cover and "UBND HUYỆN NÔNG SƠN" in cover
    assert "01/01/2025  đến ngày  31/12/2025" in cover and "1  đến số  3" in cover
    lines = text.splitlines()
    assert "Tên loại và trích yếu nội dung" in text
    assert any(SUBJECT in line for line in lines)  # one line, exactly as registered
    assert LONG_SUBJECT in " ".join(text.split())  # wrapped over several lines, every letter intact
    assert "Sở Nội vụ tỉnh Quảng Nam" in text and "12/CĐ-UBND" in text and "Hỏa tốc Công điện" in text


def test_pdf_of_an_empty_period_says_so(clerk, incoming_2025):
    printed = selectors.register_print(user=clerk, register_id=incoming_2025.pk, date_from="01/06/2025",
                                       date_to="30/06/2025")
    content = register_pdf(register_table(printed))
    _, text = _pdf_text(content)
    assert "Không có văn bản nào trong khoảng ngày này." in text
    cover = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "\nTừ số: —\n" in cover and "Từ ngày: 01/06/2025  đến ngày  30/06/2025" in cover


# --- XLSX -------------------------------------------------------------------------------------------

def test_xlsx_cells_hold_the_exact_values(clerk, incoming_2025):
    content = register_xlsx(register_table(selectors.register_print(user=clerk, register_id=incoming_2025.pk)))
    rows = _sheet_rows(content)
    assert rows[0][0] == "UBND TỈNH QUẢNG NAM" and rows[1][0] == "UBND HUYỆN NÔNG SƠN"
    assert rows[2][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
    assert rows[3][0] == "Sổ văn bản đến năm 2025 — từ ngày 01/01/2025 đến ngày 31/12/2025 — từ số 1 đến số 3"
    assert rows[5] == tuple(c.title for c in INCOMING_COLUMNS)
    assert rows[6] == tuple(f"({n})" for n in range(1, 11))
    assert rows[7:] == [
        (dt.datetime(2025, 3, 3), 1, "Sở Nội vụ tỉnh Quảng Nam", "11/KH-SNV", dt.datetime(2025, 3, 2),
         f"Kế hoạch {SUBJECT}", "Phòng Nội vụ; Cán bộ vanthu", dt.datetime(2025, 3, 4), None, "Bản giấy"),
        (dt.datetime(2025, 3, 4), 2, "UBND tỉnh Quảng Nam", "12/CĐ-UBND", dt.datetime(2025, 3, 3),
         f"Hỏa tốc Công điện {LONG_SUBJECT}", None, None, None, None),
        (dt.datetime(2025, 3, 10), 3, "UBND tỉnh Quảng Nam", "13/QĐ-UBND", dt.datetime(2025, 3, 9),
         "Quyết định Văn bản số 13 gửi đến", None, None, None, None),
    ]
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["A8"].number_format == "DD/MM/YYYY"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert ws.print_title_rows == "$6:$7"


def test_outgoing_xlsx_and_pdf(agency, clerk):
    vp = Department.objects.get(code="VP")
    other = Agency.objects.create(name="UBND xã Ninh Phước", notation_code="UBND", kind=AgencyKind.COMMUNE_PC)
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", subject="V/v báo cáo tình hình thiệt hại do bão số 5", issued_date=dt.date(YEAR, 9, 5),
        drafting_department_id=vp.pk, recipient_agency_ids=[other.pk], recipient_names=["Sở Nội vụ tỉnh Quảng Nam"],
        copies=4, dispatched_on=dt.date(YEAR, 9, 6), urgency=Urgency.URGENT, notes="Gửi kèm bản điện tử"))
    register = Register.objects.get(agency=agency, year=YEAR, direction="out")
    table = register_table(selectors.register_print(user=clerk, register_id=register.pk))
    rows = _sheet_rows(register_xlsx(table))
    assert rows[2][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    assert rows[5] == tuple(c.title for c in OUTGOING_COLUMNS)
    assert rows[7] == ("01/UBND-VP", dt.datetime(2025, 9, 5), "Khẩn Công văn V/v báo cáo tình hình thiệt hại do bão số 5",
                       "Nguyễn Văn An", "UBND xã Ninh Phước; Sở Nội vụ tỉnh Quảng Nam", "Văn phòng HĐND và UBND", 4,
                       dt.datetime(2025, 9, 6), None, "Gửi kèm bản điện tử")
    _, text = _pdf_text(register_pdf(table))
    assert "V/v báo cáo tình hình thiệt hại do bão số 5" in " ".join(text.split())
    assert "01  đến số  01" in text


# --- the pages and the API --------------------------------------------------------------------------

def _export_url(register, fmt, **params):
    url = reverse("documents:register_export", args=[register.pk, fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_download_from_the_page_with_a_period(client, clerk, incoming_2025):
    client.force_login(clerk)
    response = client.get(_export_url(incoming_2025, "xlsx", date_from="04/03/2025", date_to="31/03/2025"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="so-den-2025-20250304-20250331.xlsx"'
    assert [r[1] for r in _sheet_rows(response.content)[7:]] == [2, 3]
    response = client.get(_export_url(incoming_2025, "pdf", date_from="10/03/2025", date_to="10/03/2025"))
    assert response["Content-Type"] == "application/pdf"
    _, text = _pdf_text(response.content)
    assert "Quyết định Văn bản số 13 gửi đến" in text and SUBJECT not in text


def test_print_page_and_register_list_link_to_the_downloads(client, agency, clerk, agency_admin, incoming_2025):
    client.force_login(clerk)
    html = client.get(reverse("documents:register_print", args=[incoming_2025.pk]),
                      {"date_from": "01/03/2025", "date_to": "31/03/2025"}).content.decode()
    pdf = reverse("documents:register_export", args=[incoming_2025.pk, "pdf"])
    assert f'href="{pdf}?date_from=01/03/2025&amp;date_to=31/03/2025">Tải PDF</a>' in html
    assert "Tải Excel (XLSX)</a>" in html
    client.force_login(agency_admin)
    html = client.get(reverse("documents:registers", args=[agency.pk])).content.decode()
    assert f'<a class="btn btn-small" href="{pdf}">PDF</a>' in html


def test_bad_period_goes_back_to_the_print_page_with_the_error(client, clerk, incoming_2025):
    client.force_login(clerk)
    response = client.get(_export_url(incoming_2025, "pdf", date_from="31/02/2025"))
    assert response.status_code == 302
    assert response["Location"] == (reverse("documents:register_print", args=[incoming_2025.pk])
                                    + "?date_from=31%2F02%2F2025&date_to=")
    assert client.get(_export_url(incoming_2025, "docx")).status_code == 404


@pytest.mark.parametrize(("role", "status"), [
    ("clerk", 200), ("leader", 200), ("agency_admin", 200), ("officer", 403), ("onestop", 403), ("other_clerk", 404),
])
def test_who_may_download(request, client, incoming_2025, role, status):
    user = request.getfixturevalue(role)
    journal = JournalEntry.objects.count()
    client.force_login(user)
    assert client.get(_export_url(incoming_2025, "pdf")).status_code == status
    assert client.get(_export_url(incoming_2025, "xlsx")).status_code == status
    assert JournalEntry.objects.count() == journal  # an ordinary register: nothing to journal


def test_secret_register_exports_only_named_documents_and_journals_them(client, agency, clerk, leader):
    named = _incoming(agency, clerk, dt.date(YEAR, 5, 2), "21", secrecy=Secrecy.CONFIDENTIAL,
                      subject="Báo cáo mật thứ nhất")
    _incoming(agency, clerk, dt.date(YEAR, 5, 3), "22", secrecy=Secrecy.SECRET, subject="Báo cáo mật thứ hai")
    register = Register.objects.get(agency=agency, year=YEAR, scope=Register.Scope.SECRET)
    client.force_login(leader)
    assert client.get(_export_url(register, "xlsx")).status_code == 404  # named on nothing
    document_update(actor=clerk, document=named, changes={"receiving_official_id": leader.official.pk})
    last = JournalEntry.objects.latest("pk").pk
    response = client.get(_export_url(register, "xlsx"))
    assert response["Content-Disposition"] == 'attachment; filename="so-den-mat-2025-20250101-20251231.xlsx"'
    rows = _sheet_rows(response.content)
    assert rows[2][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN (MẬT)"
    assert [(r[1], r[5]) for r in rows[7:]] == [(1, "Quyết định Báo cáo mật thứ nhất")]
    entries = JournalEntry.objects.filter(pk__gt=last).order_by("pk")
    assert [(e.action, e.object_id, e.actor_name) for e in entries] == [("document.print", str(named.pk), "lanhdao")]


def test_api_export(clerk, officer, incoming_2025):
    api = ApiClient(clerk)
    response = api.get(f"/registers/{incoming_2025.pk}/export", {"format": "xlsx", "from": "2025-03-04",
                                                                  "to": "2025-03-04"})
    assert response.status_code == 200
    assert [r[1] for r in _sheet_rows(response.content)[7:]] == [2]
    response = api.get(f"/registers/{incoming_2025.pk}/export")
    assert response["Content-Type"] == "application/pdf"
    assert SUBJECT in _pdf_text(response.content)[1]
    response = api.get(f"/registers/{incoming_2025.pk}/export", {"from": "2024-12-31"})
    assert (response.status_code, response.json()["fields"]) == (400, {"from": "Ngày phải thuộc năm 2025 của sổ."})
    response = api.get(f"/registers/{incoming_2025.pk}/export", {"format": "docx"})
    assert response.status_code == 422 and "format" in response.json()["fields"]
    response = ApiClient(officer).get(f"/registers/{incoming_2025.pk}/export")
    assert (response.status_code, response.json()["message"]) == (
        403, "Chỉ văn thư, lãnh đạo và quản trị cơ quan được in sổ văn bản.")
    assert ApiClient(officer).get("/registers/999999/export").status_code == 404
