"""/api/v1/staffing transfers, roadmaps, budget and merger saving: the same services, the same rules."""

import datetime as dt
import json

import pytest

from congvu.staffing.models import SurplusRoadmap, Transfer, TransferStatus
from congvu.staffing.tests.conftest import login
from congvu.staffing.tests.roadmap_world import commune, commune_agency, member, quota

D = dt.date


@pytest.fixture
def w(quang_nam):
    ninh_phuoc = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    que_lam = commune_agency(commune(quang_nam["district"], "20668", "Xã Quế Lâm"), "UBND xã Quế Lâm")
    quota(ninh_phuoc, 1)
    quota(que_lam, 1)
    people = [member(ninh_phuoc, "Nguyễn Văn An", birth=D(1960, 5, 10)), member(ninh_phuoc, "Trần Thị Bình"),
              member(ninh_phuoc, "Lê Văn Cường")]
    return {"from": ninh_phuoc, "to": que_lam, "people": people}


def _post(c, path, data):
    return c.post(path, json.dumps(data), content_type="application/json")


def test_unauthenticated_is_401(client, db):
    assert client.get("/api/v1/staffing/transfers").status_code == 401
    assert client.get("/api/v1/staffing/budget?agency=1&year=2023").status_code == 401


def test_transfer_flow_through_the_api(w, province_admin, other_province_admin):
    c = login(province_admin)
    body = {"member_id": w["people"][1].pk, "to_agency_id": w["to"].pk, "planned_date": "01/03/2021"}
    r = _post(c, "/api/v1/staffing/transfers", body)
    assert r.status_code == 201, r.content
    t = r.json()
    assert (t["status"], t["planned_date"], t["from_agency_id"]) == ("proposed", "2021-03-01", w["from"].pk)
    # The only place is taken: a second one needs a reason.
    body2 = {"member_id": w["people"][2].pk, "to_agency_id": w["to"].pk, "planned_date": "01/03/2021"}
    r = _post(c, "/api/v1/staffing/transfers", body2)
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    assert Transfer.objects.count() == 1
    assert _post(c, "/api/v1/staffing/transfers", body2 | {"reason": "Cần người"}).status_code == 201
    assert _post(c, f"/api/v1/staffing/transfers/{t['id']}/complete", {}).status_code == 409
    assert _post(c, f"/api/v1/staffing/transfers/{t['id']}/approve", {"decision_number": "7/QĐ"}).status_code == 200
    r = _post(c, f"/api/v1/staffing/transfers/{t['id']}/complete", {"on": "2021-04-01"})
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["planned_date"] == "2021-04-01"
    assert _post(c, f"/api/v1/staffing/transfers/{t['id']}/explode", {}).status_code in (404, 422)
    assert len(c.get("/api/v1/staffing/transfers?status=done").json()) == 1
    other = login(other_province_admin)
    assert other.get("/api/v1/staffing/transfers").json() == []
    assert _post(other, f"/api/v1/staffing/transfers/{t['id']}/cancel", {}).status_code == 404
    assert Transfer.objects.get(pk=t["id"]).status == TransferStatus.DONE


def test_roadmap_budget_and_bad_input(w, province_admin, other_province_admin):
    c = login(province_admin)
    for bad in ({"years": 0}, {"years": 11}, {"start_date": "2020-13-01"}, {"title": ""}):
        body = {"agency_id": w["from"].pk, "title": "Lộ trình", "start_date": "01/01/2020", "years": 5} | bad
        r = _post(c, "/api/v1/staffing/roadmaps", body)
        assert r.status_code in (400, 422), bad
    assert not SurplusRoadmap.objects.exists()
    r = _post(c, "/api/v1/staffing/roadmaps", {"agency_id": w["from"].pk, "title": "Lộ trình",
                                                "start_date": "01/01/2020", "years": 2})
    assert r.status_code == 201
    plan = r.json()
    # 3 in post, quota 1; one retires 10/05/2020 → 2020: 2 (surplus 1), 2021: 2 (1).
    assert [(y["label"], y["headcount_end"], y["surplus"]) for y in plan["projection"]] == [("2020", 2, 1),
                                                                                          ("2021", 2, 1)]
    assert plan["reaches_quota"] is None and plan["cases"][0]["kind"] == "retirement"
    assert c.get(f"/api/v1/staffing/roadmaps/{plan['id']}").json()["id"] == plan["id"]
    assert login(other_province_admin).get(f"/api/v1/staffing/roadmaps/{plan['id']}").status_code == 404
    assert [p["id"] for p in c.get("/api/v1/staffing/roadmaps").json()] == [plan["id"]]
    r = c.get(f"/api/v1/staffing/budget?agency={w['from'].pk}&year=2024")
    # 3 × 2.34 = 7.02: 7.02 × 1,800,000 × 6 + 7.02 × 2,340,000 × 6 = 75,816,000 + 98,560,800 = 174,376,800.
    assert r.status_code == 200 and r.json()["salaries"] == 174_376_800 and r.json()["operating_entered"] is False
    assert c.get(f"/api/v1/staffing/budget?agency={w['from'].pk}&year=0").status_code == 400
    assert c.get(f"/api/v1/staffing/budget?agency={w['from'].pk}&year=99999").status_code == 400
    assert c.get(f"/api/v1/staffing/budget?agency={w['from'].pk}&year=-1").status_code in (400, 422)
    assert login(other_province_admin).get(f"/api/v1/staffing/budget?agency={w['from'].pk}&year=2024"
                                           ).status_code == 404
    assert c.get("/api/v1/staffing/reorganisations/999/saving?year=2020").status_code == 404
