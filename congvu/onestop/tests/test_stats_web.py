"""Statistics and indicator pages, their XLSX exports (read back with openpyxl) and the JSON API, on the
hand-built dataset of factories_o5 (October 2026; the expected figures are derived in test_stats.py)."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from conftest import make_agency
from congvu.api.tests.conftest import ApiClient
from congvu.onestop.tests import factories_o5 as f
from congvu.org.models import AgencyKind

pytestmark = pytest.mark.django_db

OCTOBER = {"date_from": "01/10/2026", "date_to": "31/10/2026"}


@pytest.fixture
def ds(agency, leader):
    b = make_agency(name="UBND xã Quế Trung", kind=AgencyKind.COMMUNE_PC, parent=agency)
    c = make_agency(name="UBND xã Sơn Viên", kind=AgencyKind.COMMUNE_PC)
    data = f.build(agency_a=agency, agency_b=b, agency_c=c, official=leader.official)
    f.add_indicator_data(data, leader.official)
    return data


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_stats_page_shows_the_figures_with_their_formulas(ds, leader):
    response = login(leader).get("/onestop/stats/", OCTOBER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tình hình, kết quả giải quyết thủ tục hành chính" in html
    assert "55,6%" in html  # on-time rate 10/18
    assert "(trước hạn + đúng hạn + rút hồ sơ + đang giải quyết trong hạn + chờ bổ sung) / tổng số" in html
    assert 'id="stats-by-procedure"' in html and 'id="stats-by-agency"' in html
    assert "Đăng ký kết hôn" in html and "UBND xã Quế Trung" in html
    assert "UBND xã Sơn Viên" not in html.split('id="stats-by-agency"')[1]  # agency C is not in the table


def test_stats_page_for_one_agency_has_the_department_table(ds, leader):
    html = login(leader).get("/onestop/stats/", OCTOBER | {"agency": ds.a.pk}).content.decode()
    table = html.split('id="stats-by-department"')[1].split("</table>")[0]
    assert "Phòng Nội vụ" in table


def test_stats_page_refuses_and_hides(ds, officer, leader):
    assert login(officer).get("/onestop/stats/").status_code == 403
    assert login(officer).get("/onestop/indicators/").status_code == 403
    assert login(leader).get("/onestop/stats/", {"agency": ds.c.pk}).status_code == 404
    assert login(leader).get("/onestop/stats/", {"agency": "abc"}).status_code == 404
    assert Client().get("/onestop/stats/").status_code == 302  # to the login page
    bad = login(leader).get("/onestop/stats/", {"date_from": "31/10/2026", "date_to": "01/10/2026"})
    assert bad.status_code == 200 and "Ngày cuối kỳ trước ngày đầu kỳ." in bad.content.decode()


def test_stats_xlsx_reads_back(ds, leader):
    response = login(leader).get("/onestop/stats/export/", OCTOBER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="thong-ke-mot-cua-20261001-20261031.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Theo thủ tục", "Theo đơn vị"]
    ws = wb["Theo đơn vị"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if r[0] == "STT")
    total = next(r for r in rows if r[1] == "Tổng cộng")
    by = dict(zip(header, total))
    assert (by["Kỳ trước chuyển sang"], by["Tiếp nhận trong kỳ"], by["Tổng số hồ sơ"]) == (4, 14, 18)
    assert (by["Giải quyết trước hạn"], by["Giải quyết đúng hạn"], by["Giải quyết quá hạn"]) == (2, 2, 3)
    assert by["Tỷ lệ đúng hạn"] == "55,6%"
    commune = next(r for r in rows if r[1] == "UBND xã Quế Trung")
    assert dict(zip(header, commune))["Tổng số hồ sơ"] == 1
    notes = {r[0]: r[1] for r in rows[rows.index(["Cách tính"] + [None] * (len(header) - 1)) + 1:] if r[0]}
    assert notes["Tỷ lệ trực tuyến"] == "tiếp nhận trực tuyến / tiếp nhận trong kỳ"


def test_indicators_page_and_xlsx(ds, leader):
    html = login(leader).get("/onestop/indicators/", OCTOBER).content.decode()
    row = html.split('id="indicator-2.1"')[1].split("</tr>")[0]
    assert ">10<" in row and ">17<" in row and "58,8%" in row
    assert "Chưa tính được từ dữ liệu của hệ thống" in html and "Hệ thống chưa quản lý phản ánh, kiến nghị." in html
    response = login(leader).get("/onestop/indicators/export/", OCTOBER)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Chỉ số 766"]
    lines = {r[0]: r for r in ([c.value for c in row] for row in ws.iter_rows()) if r[0]}
    assert lines["2.1"][3:6] == (10, 17, "58,8%") or list(lines["2.1"][3:6]) == [10, 17, "58,8%"]
    assert lines["3.3"][3:5] in ((4, 14), [4, 14]) and lines["3.3"][8] == round(12 * (4 / 14) / 0.5, 2)
    assert "5.2" in lines  # listed among the indicators that cannot be computed


def test_api_stats_and_indicators(ds, leader, officer):
    client = ApiClient(leader)
    response = client.get("/onestop/stats", OCTOBER)
    assert response.status_code == 200
    body = response.json()
    assert body["total"]["total"] == 18 and body["total"]["on_time_rate"] == pytest.approx(10 / 18)
    assert body["formulas"]["online_rate"] == "tiếp nhận trực tuyến / tiếp nhận trong kỳ"
    assert {r["name"] for r in body["by_agency"]} == {"UBND huyện Nông Sơn", "UBND xã Quế Trung"}
    assert client.get("/onestop/stats", OCTOBER | {"procedure": ds.p2.pk}).json()["total"]["total"] == 1
    xlsx = client.get("/onestop/stats", OCTOBER | {"format": "xlsx"})
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "Theo thủ tục"
    ind = client.get("/onestop/indicators", OCTOBER).json()
    first = ind["total"]["indicators"][0]
    assert (first["code"], first["numerator"], first["denominator"]) == ("2.1", 10, 17)
    assert {n["code"] for n in ind["not_computable"]} >= {"1.1", "5.3"}
    # Out of sight: 404 like a missing agency; an officer sees nothing; bad input 400/422; no login 401.
    assert client.get("/onestop/stats", {"agency": ds.c.pk}).status_code == 404
    assert client.get("/onestop/stats", {"agency": 999_999}).status_code == 404
    assert ApiClient(officer).get("/onestop/stats").status_code == 404
    bad = client.get("/onestop/stats", {"date_from": "31/10/2026", "date_to": "01/10/2026"})
    assert bad.status_code in (400, 422) and "Ngày cuối kỳ trước ngày đầu kỳ." in bad.json()["message"]
    assert client.get("/onestop/stats", {"format": "pdf"}).status_code in (400, 422)
    assert Client().get("/api/v1/onestop/stats").status_code == 401
