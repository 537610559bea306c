"""Staffing report pages: by agency and by province at a date, the print page, the XLSX read back."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import make_agency, make_official
from congvu.org.models import AgencyKind, Role
from congvu.staffing import services
from congvu.staffing.tests.conftest import login
from congvu.staffing.tests.roster_world import add_people, build_units, commune_agency

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world():
    units = build_units()
    ninh_phuoc = commune_agency(units["20667"], "UBND xã Ninh Phước")
    add_people(ninh_phuoc, 33)
    que_lam = commune_agency(units["20668"], "UBND xã Quế Lâm")  # class III: 19 (NĐ 34), 18 (NĐ 33)
    add_people(que_lam, 15, prefix="Quế Lâm")
    admin = make_official(ninh_phuoc, Role.AGENCY_ADMIN, username="qt_ninhphuoc").user
    return {"units": units, "ninh_phuoc": ninh_phuoc, "que_lam": que_lam, "admin": admin}


def test_agency_report_shows_quota_in_post_and_surplus(world):
    page = login(world["admin"]).get(reverse("staffing:report"),
                                     {"agency": world["ninh_phuoc"].pk, "on": "01/06/2020"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "UBND xã Ninh Phước — ngày 01/06/2020" in html
    assert "Xã Ninh Phước (loại II)" in html
    assert '<strong>+12</strong>' in html and "Theo NĐ 34/2019/NĐ-CP (loại II)." in html
    assert "−12" in html  # part-time: nobody against 12


def test_province_report_and_the_change_of_norm(world, province_admin):
    client = login(province_admin)
    html = client.get(reverse("staffing:report"), {"province": "49", "on": "31/07/2023"}).content.decode()
    assert "Tỉnh Quảng Nam — ngày 31/07/2023" in html
    # cadres: quota 21 + 19 = 40, in post 33 + 15 = 48, net +8
    assert "<strong>40</strong>" in html and "<strong>48</strong>" in html and "<strong>+8</strong>" in html
    html = client.get(reverse("staffing:report"), {"province": "49", "on": "01/08/2023"}).content.decode()
    # NĐ 33: xã loại II 20, loại III 18 → 38, net +10
    assert "<strong>38</strong>" in html and "<strong>+10</strong>" in html
    assert "Theo NĐ 33/2023/NĐ-CP (loại III)." in html


def test_xlsx_read_back(world, province_admin):
    response = login(province_admin).get(reverse("staffing:report_xlsx"), {"province": "49", "on": "01/06/2020"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bien-che-tinh-49-20200601.xlsx"' in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[1][0] == "Tỉnh Quảng Nam — ngày 01/06/2020"
    header = rows.index(["STT", "Cơ quan", "Đơn vị hành chính", "Biên chế CBCC", "Có mặt CBCC",
                         "Dôi dư (+) / thiếu (−) CBCC", "Biên chế KCT", "Có mặt KCT",
                         "Dôi dư (+) / thiếu (−) KCT", "Căn cứ biên chế"])
    province_pc, ninh, que, total = rows[header + 1:header + 5]
    # the province admin's own UBND tỉnh (province_code 49) is an agency of the province, without a quota
    assert province_pc[:9] == [1, "UBND tỉnh Quảng Nam", None, None, 0, None, None, 0, None]
    assert ninh[:9] == [2, "UBND xã Ninh Phước", "Xã Ninh Phước (loại II)", 21, 33, 12, 12, 0, -12]
    assert que[:9] == [3, "UBND xã Quế Lâm", "Xã Quế Lâm (loại III)", 19, 15, -4, 10, 0, -10]
    assert total[:9] == [None, "Tổng cộng", "3 cơ quan", 40, 48, 8, 22, 0, -22]
    assert rows[header + 6][:4] == [None, "Dôi dư CBCC (tổng các cơ quan thừa)", None, 12]
    assert rows[header + 7][:4] == [None, "Còn thiếu CBCC (tổng các cơ quan thiếu)", None, 4]
    missing = rows[rows.index([None, "Chưa xác định được biên chế"] + [None] * 8) + 1]
    assert missing[:5] == [None, "UBND tỉnh Quảng Nam", "Cán bộ, công chức", None, 0]


def test_agency_without_quota_is_listed_with_the_reason(world, superuser):
    loose = make_agency(name="Sở Nội vụ", kind=AgencyKind.OTHER, province_code="49")
    add_people(loose, 3, prefix="Sở")
    response = login(superuser).get(reverse("staffing:report_xlsx"), {"province": "49", "on": "01/06/2020"})
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    so = next(r for r in rows if r[1] == "Sở Nội vụ" and r[0] == 1)
    assert so[3:9] == [None, 3, None, None, 0, None]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[3:6] == [40, 51, 8]  # the 3 without quota count in post, not in the surplus
    html = login(superuser).get(reverse("staffing:report"), {"province": "49", "on": "01/06/2020"}).content.decode()
    assert "Chưa xác định được biên chế" in html
    assert "Sở Nội vụ chưa gắn với đơn vị hành chính nào vào ngày 01/06/2020" in html


def test_print_page(world, province_admin):
    page = login(province_admin).get(reverse("staffing:report_print"), {"province": "49", "on": "01/06/2020"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "size: A4 landscape" in html and "Báo cáo số lượng cán bộ, công chức so với biên chế" in html
    assert "UBND xã Quế Lâm" in html and "Tổng cộng (3 cơ quan)" in html


def test_thousands_separators(world, superuser):
    services.quota_decision_create(actor=superuser, agency=world["que_lam"], category="cadre_civil", quota=1500,
                                   valid_from=D(2020, 1, 1), decision_number="1/QĐ", decision_date=D(2020, 1, 1))
    html = login(superuser).get(reverse("staffing:report"), {"agency": world["que_lam"].pk,
                                                             "on": "01/06/2020"}).content.decode()
    assert "1.500" in html and "−1.485" in html


def test_who_may_see(world, other_province_admin, clerk):
    url = reverse("staffing:report")
    anonymous = Client().get(url, {"province": "49"})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    other_admin = make_official(world["que_lam"], Role.AGENCY_ADMIN, username="qt_quelam").user
    assert login(other_admin).get(url, {"agency": world["ninh_phuoc"].pk}).status_code == 403
    assert login(other_admin).get(url, {"agency": world["que_lam"].pk}).status_code == 200
    assert login(other_admin).get(url, {"province": "49"}).status_code == 403
    assert login(other_province_admin).get(url, {"province": "49"}).status_code == 403
    assert login(other_province_admin).get(reverse("staffing:report_xlsx"), {"province": "49"}).status_code == 403
    assert login(other_province_admin).get(url, {"agency": world["ninh_phuoc"].pk}).status_code == 403
    assert login(world["admin"]).get(url, {"agency": 999999}).status_code == 404
    assert login(clerk).get(url).status_code == 200  # the empty form, nothing to choose
    assert login(world["admin"]).get(url, {"agency": world["ninh_phuoc"].pk, "on": "xx"}).status_code == 200


def test_the_form_offers_the_admins_province_even_after_it_ended(world, province_admin):
    html = login(province_admin).get(reverse("staffing:report"), {"on": "01/06/2020"}).content.decode()
    assert '<option value="49">Tỉnh Quảng Nam (49)</option>' in html
    html = login(province_admin).get(reverse("staffing:report"), {"on": "01/01/2026"}).content.decode()
    assert '<option value="49">Tỉnh mã 49 (49)</option>' in html
