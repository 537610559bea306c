"""/api/v1/workdays: arithmetic, the calendar of a year, and the admin's changes."""

import pytest

from conftest import make_agency
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.workdays.models import CalendarDay, OfficeHours

pytestmark = pytest.mark.django_db


def snapshot():
    return (list(CalendarDay.objects.order_by("pk").values_list("pk", "date", "kind", "name", "active")),
            list(OfficeHours.objects.values_list("pk", "periods")), JournalEntry.objects.count())


def test_add_working_days_and_hours(clerk):
    api = ApiClient(clerk)
    r = api.get("/workdays/add", {"start": "2026-02-13T16:00", "days": 5})
    assert r.status_code == 200
    assert r.json() == {"start": "2026-02-13T16:00:00+07:00", "result": "2026-02-27T16:00:00+07:00"}
    r = api.get("/workdays/add", {"start": "2026-02-13T17:30", "days": 1})
    assert r.json() == {"start": "2026-02-23T07:00:00+07:00", "result": "2026-02-24T07:00:00+07:00"}
    r = api.get("/workdays/add", {"start": "13/02/2026 16:00", "hours": 2.5})
    assert r.json()["result"] == "2026-02-23T08:30:00+07:00"


def test_between_and_calendar(clerk):
    api = ApiClient(clerk)
    assert api.get("/workdays/between", {"start": "2026-02-13", "end": "2026-02-27"}).json() == {"working_days": 5}
    assert api.get("/workdays/between", {"start": "2026-02-27", "end": "2026-02-13"}).json() == {"working_days": -5}
    body = api.get("/workdays/calendar", {"year": 2026}).json()
    assert (body["year"], body["province_code"], body["working_days"]) == (2026, "", 249)
    assert [(d["date"], d["kind"], d["working"]) for d in body["days"]][-5:] == [
        ("2026-08-22", "swapped_workday", True), ("2026-08-31", "swapped_off", False),
        ("2026-09-01", "holiday", False), ("2026-09-02", "holiday", False), ("2026-11-24", "holiday", False),
    ]
    swap = next(d for d in body["days"] if d["date"] == "2026-08-22")
    assert {k: swap[k] for k in ("kind_label", "name", "province_code", "estimated", "edited")} == {
        "kind_label": "Làm việc bù (hoán đổi)", "name": "Làm việc bù cho ngày nghỉ 31/08/2026", "province_code": "",
        "estimated": False, "edited": False}
    assert len(body["days"]) == 15


def test_the_calendar_of_an_agency_uses_its_province(superuser, agency, clerk):
    agency.province_code = "49"
    agency.save()
    api = ApiClient(clerk)
    created = ApiClient(superuser).post("/workdays/days", {"date": "2026-02-23", "kind": "extra_off",
                                                           "name": "Nghỉ thêm sau Tết", "province_code": "49"})
    assert created.status_code == 201
    body = api.get("/workdays/calendar", {"year": 2026, "agency": agency.pk}).json()
    assert (body["province_code"], body["working_days"]) == ("49", 248)
    assert api.get("/workdays/add", {"start": "2026-02-13T16:00", "days": 5, "agency": agency.pk}).json()["result"] \
        == "2026-03-02T16:00:00+07:00"
    assert api.get("/workdays/add", {"start": "2026-02-13T16:00", "days": 5, "province": "49"}).json()["result"] \
        == "2026-03-02T16:00:00+07:00"
    # An agency the caller does not work in is not found.
    other = make_agency(name="UBND tỉnh khác", province_code="48")
    r = api.get("/workdays/calendar", {"year": 2026, "agency": other.pk})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("path, params, fields", [
    ("/workdays/add", {"start": "2026-02-30T16:00", "days": 5},
     {"start": "Thời điểm “2026-02-30T16:00” không hợp lệ; ví dụ 2026-02-13T16:00, 2026-02-13 hoặc 13/02/2026 16:00."}),
    ("/workdays/add", {"start": "2026-02-13T16:00"}, {"days": "Nhập `days` hoặc `hours`, một trong hai."}),
    ("/workdays/add", {"start": "2026-02-13T16:00", "days": 1, "hours": 2},
     {"days": "Nhập `days` hoặc `hours`, một trong hai."}),
    ("/workdays/add", {"start": "2026-02-13", "days": "năm"}, {"days": "Phải là số nguyên."}),
    ("/workdays/between", {"start": "2026-02-13"}, {"end": "Thiếu trường bắt buộc."}),
    ("/workdays/calendar", {"year": 1800}, {"year": "Giá trị phải không nhỏ hơn 2000."}),
    ("/workdays/calendar", {"year": 2026, "province": "Quảng Nam"},
     {"province": "Mã tỉnh chỉ gồm chữ số hoặc chữ cái."}),
])
def test_bad_queries(clerk, path, params, fields):
    r = ApiClient(clerk).get(path, params)
    assert r.status_code in (400, 422)
    assert r.json()["fields"] == fields


def test_anonymous_callers_are_refused():
    r = ApiClient().get("/workdays/add", {"start": "2026-02-13T16:00", "days": 5})
    assert r.status_code == 401


def test_admin_writes(superuser):
    api = ApiClient(superuser)
    r = api.post("/workdays/days", {"date": "10/03/2026", "kind": "extra_off", "name": "Nghỉ thêm",
                                    "basis": "CV 1/VPCP"})
    assert r.status_code == 201
    day = r.json()
    assert {k: day[k] for k in ("date", "kind", "name", "basis", "edited", "working")} == {
        "date": "2026-03-10", "kind": "extra_off", "name": "Nghỉ thêm", "basis": "CV 1/VPCP", "edited": True,
        "working": False}
    r = api.patch(f"/workdays/days/{day['id']}", {"name": "Nghỉ thêm (sửa)"})
    assert (r.status_code, r.json()["name"], r.json()["date"]) == (200, "Nghỉ thêm (sửa)", "2026-03-10")
    assert api.get("/workdays/between", {"start": "2026-03-09", "end": "2026-03-11"}).json() == {"working_days": 1}
    r = api.client.delete(f"/api/v1/workdays/days/{day['id']}")
    assert r.status_code == 204
    assert not CalendarDay.objects.filter(pk=day["id"]).exists()
    r = api.post("/workdays/office-hours", {"valid_from": "2026-05-01", "periods": [["07:00", "11:00"],
                                                                                    ["13:00", "17:00"]]})
    assert r.status_code == 201
    assert (r.json()["valid_from"], r.json()["valid_to"], r.json()["periods"]) == (
        "2026-05-01", None, [["07:00", "11:00"], ["13:00", "17:00"]])
    assert [h["valid_from"] for h in api.get("/workdays/office-hours").json()] == ["2026-05-01"]
    assert api.get("/workdays/add", {"start": "2026-05-04T11:10", "hours": 0}).json()["result"] \
        == "2026-05-04T13:00:00+07:00"


def test_admin_writes_are_refused_to_others_and_change_nothing(clerk, agency_admin):
    clients = [ApiClient(clerk), ApiClient(agency_admin)]
    before = snapshot()
    national = CalendarDay.objects.get(date="2026-01-01")
    for api in clients:
        r = api.post("/workdays/days", {"date": "10/03/2026", "kind": "extra_off", "name": "x"})
        assert (r.status_code, r.json()["message"]) == (403, "Chỉ quản trị hệ thống được sửa lịch làm việc toàn quốc.")
        assert api.patch(f"/workdays/days/{national.pk}", {"name": "x"}).status_code == 403
        assert api.client.delete(f"/api/v1/workdays/days/{national.pk}").status_code == 403
        r = api.post("/workdays/office-hours", {"valid_from": "2026-05-01", "periods": [["07:00", "11:00"]]})
        assert r.status_code == 403
    assert snapshot() == before


def test_bad_writes(superuser):
    api = ApiClient(superuser)
    before = snapshot()  # after the token's own journal row
    r = api.post("/workdays/days", {"date": "2026-03-10", "kind": "weekend", "name": "x"})
    assert r.status_code == 422 and "kind" in r.json()["fields"]
    r = api.post("/workdays/days", {"date": "2026-03-10", "kind": "swapped_workday", "name": "x"})
    assert (r.status_code, r.json()["fields"]) == (400, {"kind": "Ngày làm việc bù phải là thứ Bảy hoặc Chủ nhật."})
    r = api.post("/workdays/office-hours", {"valid_from": "2026-05-01", "periods": [["11:00", "07:00"]]})
    assert r.status_code == 400 and list(r.json()["fields"]) == ["periods"]
    assert api.patch("/workdays/days/999999", {"name": "x"}).status_code == 404
    assert snapshot() == before
