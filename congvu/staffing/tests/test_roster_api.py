"""API: GET/POST /api/v1/staffing/roster, GET /api/v1/staffing/report — values, refusals, nothing changed."""

import datetime as dt

import pytest

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.org.models import Role
from congvu.staffing.models import StaffMember, StaffPosting
from congvu.staffing.tests.roster_world import add_one, add_people, build_units, commune_agency

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world():
    units = build_units()
    ninh_phuoc = commune_agency(units["20667"], "UBND xã Ninh Phước")
    add_people(ninh_phuoc, 33)
    add_one(ninh_phuoc, "Nguyễn Văn An", birth_date=D(1962, 3, 15), start_date=D(2019, 12, 1))
    admin = make_official(ninh_phuoc, Role.AGENCY_ADMIN, username="qt_ninhphuoc").user
    return {"units": units, "agency": ninh_phuoc, "admin": admin}


def _state():
    return (StaffMember.objects.count(), StaffPosting.objects.count(), JournalEntry.objects.count())


def test_get_roster_with_search_and_retirement(world):
    api = ApiClient(world["admin"])
    r = api.get("/staffing/roster", {"agency": world["agency"].pk, "on": "01/06/2020", "q": "nguyen van"})
    assert r.status_code == 200
    body = r.json()
    assert (body["count"], body["on"]) == (1, "2020-06-01")
    an = body["items"][0]
    assert (an["full_name"], an["retirement_date"], an["salary_coefficient"], an["posting_to"]) == (
        "Nguyễn Văn An", "2022-09-15", "2.34", None)
    assert api.get("/staffing/roster", {"agency": world["agency"].pk, "on": "2020-06-01"}).json()["count"] == 34
    assert api.get("/staffing/roster", {"agency": world["agency"].pk, "on": "2019-11-30"}).json()["count"] == 0


def test_post_roster_creates_and_refuses_bad_input(world):
    api = ApiClient(world["admin"])
    payload = {"agency_id": world["agency"].pk, "full_name": "Lê Thị Hoa", "sex": "female",
               "birth_date": "02/03/1990", "category": "part_time", "position": "Phó Chủ tịch Hội Phụ nữ",
               "salary_coefficient": "1.00", "start_date": "2020-01-01", "monthly_allowance_vnd": 1490000}
    r = api.post("/staffing/roster", payload)
    assert r.status_code == 201
    body = r.json()
    assert (body["full_name"], body["birth_date"], body["category"], body["monthly_allowance_vnd"],
            body["retirement_date"]) == ("Lê Thị Hoa", "1990-03-02", "part_time", 1490000, "2050-03-02")
    before = _state()
    for change, field, text in [
        ({"birth_date": "01/01/2099"}, "birth_date", "ở tương lai"),
        ({"birth_date": "2000-06-02", "start_date": "2018-06-01"}, "start_date", "chưa đủ 18 tuổi"),
        ({"start_date": "31/02/2020"}, "start_date", "không hợp lệ"),
        ({"salary_coefficient": "0"}, "salary_coefficient", "lớn hơn 0"),
        ({"salary_coefficient": "15.5"}, "salary_coefficient", "không quá 15"),
    ]:
        r = api.post("/staffing/roster", payload | change)
        assert r.status_code == 400, change
        assert text in r.json()["fields"][field], change
    r = api.post("/staffing/roster", payload | {"category": "boss"})
    assert r.status_code in (400, 422)
    assert api.post("/staffing/roster", payload | {"agency_id": 999999}).status_code == 404
    assert _state() == before


def test_report_endpoint_seed_numbers(world, province_admin):
    api = ApiClient(province_admin)
    r = api.get("/staffing/report", {"province": "49", "on": "2020-06-01"})
    assert r.status_code == 200
    body = r.json()
    ninh = next(a for a in body["agencies"] if a["agency_id"] == world["agency"].pk)
    assert (ninh["unit_name"], ninh["unit_class"]) == ("Xã Ninh Phước", "II")
    cadre = next(line for line in ninh["lines"] if line["category"] == "cadre_civil")
    assert (cadre["quota"], cadre["in_post"], cadre["surplus"]) == (21, 34, 13)
    r = api.get("/staffing/report", {"agency": world["agency"].pk, "on": "2023-08-01"})
    cadre = r.json()["agencies"][0]["lines"][0]
    assert (cadre["quota"], cadre["surplus"], cadre["quota_basis"]) == (20, 14, "Theo NĐ 33/2023/NĐ-CP (loại II).")
    totals = {t["category"]: t for t in r.json()["totals"]}
    assert (totals["cadre_civil"]["quota"], totals["cadre_civil"]["excess"]) == (20, 14)
    assert api.get("/staffing/report", {"on": "2020-06-01"}).status_code == 400
    assert api.get("/staffing/report", {"province": "49", "on": "32/01/2020"}).status_code == 400


def test_401_403_404(world, other_province_admin, clerk, other_agency):
    assert ApiClient(token="sai").get("/staffing/roster", {"agency": world["agency"].pk}).status_code == 401
    assert ApiClient().get("/staffing/roster", {"agency": world["agency"].pk}).status_code == 401
    assert ApiClient().get("/staffing/report", {"province": "49"}).status_code == 401
    other_admin = make_official(other_agency, Role.AGENCY_ADMIN, username="qt_xa").user
    for user in (clerk, other_admin, other_province_admin):
        api = ApiClient(user)
        assert api.get("/staffing/roster", {"agency": world["agency"].pk}).status_code == 403
        assert api.get("/staffing/report", {"agency": world["agency"].pk}).status_code == 403
        assert api.get("/staffing/report", {"province": "49"}).status_code == 403
    client = ApiClient(other_admin)  # creating its token is journaled: take the snapshot after
    before = _state()
    r = client.post("/staffing/roster", {
        "agency_id": world["agency"].pk, "full_name": "X", "sex": "male", "birth_date": "1980-01-01",
        "category": "cadre_civil", "position": "X", "salary_coefficient": "2.34", "start_date": "2010-01-01"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert _state() == before
    assert ApiClient(world["admin"]).get("/staffing/roster", {"agency": 999999}).status_code == 404
