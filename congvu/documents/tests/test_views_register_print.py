"""Printing a register (Decree 30/2020 Annex IV): the cover, every column in the Annex's order, rows in
number order between two dates, only what the user may see, who may print and where the links are."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.documents import selectors
from congvu.documents.models import Document, Register, Secrecy, Urgency
from congvu.documents.services import document_update, incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import Agency, AgencyKind, Department, Membership

pytestmark = pytest.mark.django_db

YEAR = 2025  # a closed year, so that the dates below never lie in the future
TZ = timezone.get_current_timezone()

INCOMING_HEADERS = ("<tr><th>Ngày đến</th><th>Số đến</th><th>Tác giả</th><th>Số, ký hiệu</th><th>Ngày tháng</th>"
                    "<th>Tên loại và trích yếu nội dung</th><th>Đơn vị hoặc người nhận</th><th>Ngày chuyển</th>"
                    "<th>Ký nhận</th><th>Ghi chú</th></tr>")
OUTGOING_HEADERS = ("<tr><th>Số, ký hiệu văn bản</th><th>Ngày tháng văn bản</th>"
                    "<th>Tên loại và trích yếu nội dung văn bản</th><th>Người ký</th><th>Nơi nhận văn bản</th>"
                    "<th>Đơn vị, người nhận bản lưu</th><th>Số lượng bản</th><th>Ngày chuyển</th><th>Ký nhận</th>"
                    "<th>Ghi chú</th></tr>")


def _arrived(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 30), tzinfo=TZ)


def _incoming(agency, clerk, day: dt.date, number: str, **overrides):
    values = dict(received_at=_arrived(day), issued_date=day - dt.timedelta(days=1), number=number,
                  subject=f"Văn bản số {number} gửi đến")
    values.update(overrides)
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(**values))


def _rows(html: str) -> list[list[str]]:
    """The table's body rows as lists of cell texts (tags removed, whitespace collapsed)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in cells])
    return rows


def _print_url(register, **params):
    url = reverse("documents:register_print", args=[register.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


@pytest.fixture
def incoming_register_2025(agency, clerk):
    """Three arrivals on three days of 2025, registered out of date order on purpose for the numbers."""
    nv = Department.objects.get(code="NV")
    _incoming(agency, clerk, dt.date(YEAR, 3, 3), "11", issuer="Sở Nội vụ tỉnh Quảng Nam", notation="KH-SNV",
              doc_type="ke_hoach", receiving_department_id=nv.pk, notes="Bản giấy")
    _incoming(agency, clerk, dt.date(YEAR, 3, 4), "12", urgency=Urgency.FLASH, doc_type="cong_dien",
              notation="CĐ-UBND")
    _incoming(agency, clerk, dt.date(YEAR, 3, 10), "13")
    return Register.objects.get(agency=agency, year=YEAR, direction="in")


# --- the page -------------------------------------------------------------------------------------

def test_incoming_register_prints_cover_and_every_column_in_number_order(client, agency, clerk,
                                                                         incoming_register_2025):
    agency.parent = Agency.objects.create(name="UBND tỉnh Quảng Nam", notation_code="UBND",
                                          kind=AgencyKind.PROVINCE_PC)
    agency.save()
    doc = Document.objects.get(register_number=1)
    document_update(actor=clerk, document=doc, changes={"dispatched_on": "04/03/2025",
                                                        "receiving_official_id": clerk.official.pk})
    client.force_login(clerk)
    response = client.get(_print_url(incoming_register_2025))
    assert response.status_code == 200
    html = response.content.decode()
    # The cover.
    assert '<div class="cover-parent">UBND TỈNH QUẢNG NAM</div>' in html
    assert '<div class="cover-agency">UBND HUYỆN NÔNG SƠN</div>' in html
    assert "<h1>SỔ ĐĂNG KÝ VĂN BẢN ĐẾN</h1>" in html
    assert '<div class="cover-name">Sổ văn bản đến năm 2025</div>' in html
    assert "<dt>Năm</dt><dd>2025</dd>" in html
    assert "<dt>Từ ngày</dt><dd>01/01/2025 <span>đến ngày</span> 31/12/2025</dd>" in html
    assert "<dt>Từ số</dt><dd>1 <span>đến số</span> 3</dd>" in html
    # The columns of Annex IV, numbered (1)…(10).
    assert INCOMING_HEADERS in html
    assert '<tr class="colnums">' + "".join(f"<th>({n})</th>" for n in range(1, 11)) + "</tr>" in html
    assert _rows(html) == [
        ["03/03/2025", "1", "Sở Nội vụ tỉnh Quảng Nam", "11/KH-SNV", "02/03/2025",
         "Kế hoạch Văn bản số 11 gửi đến", "Phòng Nội vụ; Cán bộ vanthu", "04/03/2025", "", "Bản giấy"],
        ["04/03/2025", "2", "UBND tỉnh Quảng Nam", "12/CĐ-UBND", "03/03/2025",
         "Hỏa tốc Công điện Văn bản số 12 gửi đến", "", "", "", ""],
        ["10/03/2025", "3", "UBND tỉnh Quảng Nam", "13/QĐ-UBND", "09/03/2025",
         "Quyết định Văn bản số 13 gửi đến", "", "", "", ""],
    ]
    assert '<span class="urgent">Hỏa tốc</span>' in html


def test_print_page_is_a4_landscape_without_navigation(client, clerk, incoming_register_2025):
    client.force_login(clerk)
    html = client.get(_print_url(incoming_register_2025)).content.decode()
    assert '<link rel="stylesheet" href="/static/congvu/print.css">' in html
    assert "mainnav" not in html and "app.css" not in html
    assert '<div class="toolbar no-print">' in html
    css = b"".join(client.get("/static/congvu/print.css").streaming_content).decode()
    assert "@page { size: A4 landscape;" in css
    assert ".no-print { display: none !important; }" in css
    assert "thead { display: table-header-group; }" in css


def test_date_range_selects_rows_by_arrival_date(client, clerk, incoming_register_2025):
    client.force_login(clerk)
    html = client.get(_print_url(incoming_register_2025, date_from="04/03/2025", date_to="10/03/2025")).content.decode()
    assert [row[1] for row in _rows(html)] == ["2", "3"]
    assert "<dt>Từ ngày</dt><dd>04/03/2025 <span>đến ngày</span> 10/03/2025</dd>" in html
    assert "<dt>Từ số</dt><dd>2 <span>đến số</span> 3</dd>" in html
    assert 'name="date_from" value="04/03/2025"' in html

    empty = client.get(_print_url(incoming_register_2025, date_from="01/06/2025", date_to="30/06/2025"))
    html = empty.content.decode()
    assert _rows(html) == [["Không có văn bản nào trong khoảng ngày này."]]
    assert "<dt>Từ số</dt><dd>—</dd>" in html


def test_outgoing_register_prints_its_columns(client, agency, clerk):
    vp = Department.objects.get(code="VP")
    other = Agency.objects.create(name="UBND xã Ninh Phước", notation_code="UBND", kind=AgencyKind.COMMUNE_PC)
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", subject="V/v báo cáo tình hình thiệt hại do bão", issued_date=dt.date(YEAR, 9, 5),
        drafting_department_id=vp.pk, recipient_agency_ids=[other.pk], recipient_names=["Sở Nội vụ tỉnh Quảng Nam"],
        copies=4, dispatched_on=dt.date(YEAR, 9, 6), urgency=Urgency.URGENT, notes="Gửi kèm bản điện tử"))
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data(issued_date=dt.date(YEAR, 9, 8)))
    register = Register.objects.get(agency=agency, year=YEAR, direction="out")
    client.force_login(clerk)
    html = client.get(_print_url(register)).content.decode()
    assert "<h1>SỔ ĐĂNG KÝ VĂN BẢN ĐI</h1>" in html
    assert "<dt>Từ số</dt><dd>01 <span>đến số</span> 02</dd>" in html
    assert OUTGOING_HEADERS in html
    assert _rows(html) == [
        ["01/UBND-VP", "05/09/2025", "Khẩn Công văn V/v báo cáo tình hình thiệt hại do bão", "Nguyễn Văn An",
         "UBND xã Ninh Phước; Sở Nội vụ tỉnh Quảng Nam", "Văn phòng HĐND và UBND", "4", "06/09/2025", "",
         "Gửi kèm bản điện tử"],
        ["02/QĐ-UBND", "08/09/2025", "Quyết định Về việc kiện toàn Ban Chỉ đạo chuyển đổi số huyện",
         "Nguyễn Văn An", "Sở Nội vụ tỉnh Quảng Nam", "", "", "", "", ""],
    ]


@pytest.mark.parametrize(("params", "errors"), [
    ({"date_from": "31/02/2025"},
     ["Từ ngày: Ngày “31/02/2025” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."]),
    ({"date_from": "10/03/2025", "date_to": "01/03/2025"}, ["Đến ngày: “Đến ngày” không được trước “Từ ngày”."]),
    ({"date_from": "15/12/2024", "date_to": "01/01/2026"},
     ["Từ ngày: Ngày phải thuộc năm 2025 của sổ.", "Đến ngày: Ngày phải thuộc năm 2025 của sổ."]),
])
def test_bad_dates_get_vietnamese_messages_and_no_register(client, clerk, incoming_register_2025, params, errors):
    journal = JournalEntry.objects.count()
    client.force_login(clerk)
    response = client.get(_print_url(incoming_register_2025, **params))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"<li>(.*?)</li>", html.split('<ul class="tb-errors" role="alert">')[1].split("</ul>")[0]) == errors
    assert "<table" not in html and "SỔ ĐĂNG KÝ" not in html
    assert JournalEntry.objects.count() == journal


# --- who may print --------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [
    ("clerk", 200), ("leader", 200), ("agency_admin", 200), ("officer", 403), ("onestop", 403), ("other_clerk", 404),
])
def test_who_may_print(request, client, incoming_register_2025, role, status):
    user = request.getfixturevalue(role)
    before = (JournalEntry.objects.count(), list(Register.objects.values()))
    client.force_login(user)
    response = client.get(_print_url(incoming_register_2025))
    assert response.status_code == status
    if status == 403:
        assert "Chỉ văn thư, lãnh đạo và quản trị cơ quan được in sổ văn bản." in response.content.decode()
    if status == 200:
        assert len(_rows(response.content.decode())) == 3
    assert (JournalEntry.objects.count(), list(Register.objects.values())) == before


def test_anonymous_and_system_admin_without_position_cannot_print(client, django_user_model, incoming_register_2025):
    response = client.get(_print_url(incoming_register_2025))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    admin = django_user_model.objects.create_superuser(username="admin", password="matkhau-123")
    client.force_login(admin)
    assert client.get(_print_url(incoming_register_2025)).status_code == 404
    assert client.get(reverse("documents:register_print", args=[999999])).status_code == 404


def test_secret_register_shows_only_the_documents_the_user_is_named_on(client, agency, clerk, leader):
    named = _incoming(agency, clerk, dt.date(YEAR, 5, 2), "21", secrecy=Secrecy.CONFIDENTIAL,
                      subject="Báo cáo mật thứ nhất")
    _incoming(agency, clerk, dt.date(YEAR, 5, 3), "22", secrecy=Secrecy.SECRET, subject="Báo cáo mật thứ hai")
    register = Register.objects.get(agency=agency, year=YEAR, scope=Register.Scope.SECRET)
    # A leader of the agency named on nothing: the secret register does not exist for them.
    client.force_login(leader)
    assert client.get(_print_url(register)).status_code == 404
    assert selectors.printable_registers(user=leader, agency_id=agency.pk) == []
    journal = JournalEntry.objects.count()
    # Named on one document (as its receiver): that row only.
    document_update(actor=clerk, document=named, changes={"receiving_official_id": leader.official.pk})
    assert JournalEntry.objects.count() == journal + 1
    client.force_login(leader)
    html = client.get(_print_url(register)).content.decode()
    assert '<div class="cover-secret">MẬT</div>' in html
    assert [(row[1], row[5]) for row in _rows(html)] == [("1", "Quyết định Báo cáo mật thứ nhất")]
    # Printing secret documents is journaled against each, as opening them is.
    printed = JournalEntry.objects.filter(action="document.print")
    assert [(e.object_id, e.actor_name) for e in printed] == [(str(named.pk), "lanhdao")]
    # The clerk who registered both is named on both.
    client.force_login(clerk)
    assert [row[1] for row in _rows(client.get(_print_url(register)).content.decode())] == ["1", "2"]


def test_printing_an_ordinary_register_writes_nothing(client, clerk, incoming_register_2025):
    before = (list(Document.objects.values()), JournalEntry.objects.count())
    client.force_login(clerk)
    assert client.get(_print_url(incoming_register_2025)).status_code == 200
    assert (list(Document.objects.values()), JournalEntry.objects.count()) == before


# --- where the links are --------------------------------------------------------------------------

def test_register_admin_page_links_to_printing(client, agency, clerk, agency_admin, incoming_register_2025):
    _incoming(agency, clerk, dt.date(YEAR, 5, 2), "21", secrecy=Secrecy.CONFIDENTIAL)
    secret = Register.objects.get(agency=agency, scope=Register.Scope.SECRET)
    client.force_login(agency_admin)
    html = client.get(reverse("documents:registers", args=[agency.pk])).content.decode()
    link = '<a class="btn btn-small" href="{}">In sổ</a>'
    assert link.format(_print_url(incoming_register_2025)) in html
    assert link.format(_print_url(secret)) not in html  # the admin is named on no secret document


def test_lists_offer_the_registers_of_their_direction(client, agency, clerk, leader, officer, incoming_register_2025):
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data(issued_date=dt.date(YEAR, 9, 8)))
    outgoing = Register.objects.get(agency=agency, direction="out")
    item = '<a href="{}">{}</a>'
    for user in (clerk, leader):
        client.force_login(user)
        html = client.get(reverse("documents:incoming_list")).content.decode()
        assert '<summary class="btn">In sổ</summary>' in html
        assert item.format(_print_url(incoming_register_2025), "Sổ văn bản đến năm 2025") in html
        assert _print_url(outgoing) not in html
        html = client.get(reverse("documents:outgoing_list")).content.decode()
        assert item.format(_print_url(outgoing), "Sổ văn bản đi năm 2025") in html
    client.force_login(officer)
    assert "In sổ" not in client.get(reverse("documents:incoming_list")).content.decode()


def test_printable_registers_follow_roles_and_agencies(agency, other_agency, clerk, officer, other_clerk,
                                                       incoming_register_2025):
    assert [r.pk for r in selectors.printable_registers(user=clerk, agency_id=agency.pk)] == [incoming_register_2025.pk]
    assert selectors.printable_registers(user=clerk, agency_id=agency.pk, direction="out") == []
    assert selectors.printable_registers(user=officer, agency_id=agency.pk) == []
    assert selectors.printable_registers(user=other_clerk, agency_id=agency.pk) == []
    # kiêm nhiệm: a clerk of both agencies prints the registers of both.
    _incoming(other_agency, other_clerk, dt.date(YEAR, 4, 1), "31")
    other_register = Register.objects.get(agency=other_agency)
    both = make_official(agency, "clerk", username="vanthu_kn")
    Membership.objects.create(official=both, agency=other_agency, role="clerk")
    assert [r.pk for r in selectors.printable_registers(user=both.user, agency_id=agency.pk)] == [
        incoming_register_2025.pk]
    assert [r.pk for r in selectors.printable_registers(user=both.user, agency_id=other_agency.pk)] == [
        other_register.pk]
    assert selectors.printable_registers(user=clerk, agency_id=other_agency.pk) == []
