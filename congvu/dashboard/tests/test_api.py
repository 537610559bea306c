"""/api/v1/dashboard: the registry, one indicator's figures (equal to indicators.compute), the equipment, the
report's figures; Bearer tokens (a provincial IOC), who sees what, bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from conftest import make_agency, make_official
from congvu.api.tests.conftest import ApiClient
from congvu.dashboard import indicators, reports
from congvu.dashboard import metrics as m
from congvu.dashboard.access import Scope
from congvu.dashboard.models import DailyFigure, EquipmentKind, EquipmentPoint, EquipmentStatus
from congvu.org.models import AgencyKind, Role

pytestmark = pytest.mark.django_db

D = dt.date
PERIOD = {"from": "2025-03-02", "to": "30/03/2025"}
START, END = D(2025, 3, 2), D(2025, 3, 30)


@pytest.fixture
def org(agency):
    """Province › district `agency` › communes a, b; documents of March 2025; equipment."""
    province = make_agency(name="UBND tỉnh Quảng Nam", kind=AgencyKind.PROVINCE_PC, place="Quảng Nam")
    agency.parent = province
    agency.save()
    a = make_agency(name="UBND xã Quế Trung", kind=AgencyKind.COMMUNE_PC, parent=agency)
    b = make_agency(name="UBND xã Ninh Phước", kind=AgencyKind.COMMUNE_PC, parent=agency)
    for unit, day, n, el in ((agency, D(2025, 3, 3), 12, 8), (a, D(2025, 3, 10), 5, 1), (b, D(2025, 3, 30), 3, 0),
                             (b, D(2025, 3, 31), 100, 0)):
        DailyFigure.objects.create(metric=m.DOC_IN, agency=unit, day=day, value=n)
        if el:
            DailyFigure.objects.create(metric=m.DOC_IN_ELECTRONIC, agency=unit, day=day, value=el)
    EquipmentPoint.objects.create(agency=a, kind=EquipmentKind.VIDEO_CONFERENCE, name="Điểm cầu Quế Trung")
    EquipmentPoint.objects.create(agency=b, kind=EquipmentKind.VIDEO_CONFERENCE, name="Điểm cầu Ninh Phước",
                                  status=EquipmentStatus.OFFLINE)
    EquipmentPoint.objects.create(agency=a, kind=EquipmentKind.CAMERA, name="Camera chợ")
    return {"province": province, "district": agency, "a": a, "b": b}


@pytest.fixture
def ioc(org):
    """The provincial operations centre: a leader login of the province, pulling with a Bearer token."""
    return ApiClient(make_official(org["province"], Role.LEADER, username="ioc_tinh").user)


# --- authentication ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/dashboard/indicators", "/dashboard/indicators/documents_incoming",
                                  "/dashboard/equipment", "/dashboard/report"])
def test_every_endpoint_needs_authentication(org, path):
    r = ApiClient().get(path)
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    r = ApiClient(token="cv_not-a-real-token").get(path)
    assert r.status_code == 401


@pytest.mark.parametrize("path", ["/dashboard/indicators", "/dashboard/indicators/documents_incoming",
                                  "/dashboard/equipment", "/dashboard/report"])
def test_every_endpoint_refuses_those_without_a_dashboard_role(org, clerk, path):
    r = ApiClient(clerk).get(path)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert "lãnh đạo" in r.json()["message"]


def test_session_login_works_too(org, leader):
    c = Client()
    c.force_login(leader)
    r = c.get("/api/v1/dashboard/indicators")
    assert r.status_code == 200 and len(r.json()) == len(indicators.INDICATORS)


# --- the registry and one indicator -------------------------------------------------------------------------------

def test_registry(ioc):
    r = ioc.get("/dashboard/indicators")
    assert r.status_code == 200
    body = r.json()
    assert [i["key"] for i in body] == list(indicators.INDICATORS)
    first = indicators.get("documents_incoming")
    assert body[0] == {"key": first.key, "name": first.name, "formula": first.formula, "unit": first.unit,
                       "period": first.period, "group": first.group, "breakdown": first.breakdown}


def test_indicator_with_a_bearer_token_equals_the_registry(org, ioc):
    r = ioc.get("/dashboard/indicators/documents_incoming", PERIOD)
    assert r.status_code == 200, r.content
    body = r.json()
    d, a, b, p = org["district"], org["a"], org["b"], org["province"]
    assert sorted(body["agency_ids"]) == sorted([p.pk, d.pk, a.pk, b.pk])
    assert (body["date_from"], body["date_to"]) == ("2025-03-02", "2025-03-30")
    # 12 + 5 + 3 (the 100 of 31/03 is outside the period)
    assert (body["value"], body["numerator"], body["denominator"]) == (20, None, None)
    assert len(body["series"]) == 29 and body["series"][1] == {"day": "2025-03-03", "value": 12}
    assert [(row["key"], row["value"]) for row in body["rows"]] == [(str(d.pk), 12), (str(a.pk), 5), (str(b.pk), 3)]
    assert body["formula"] == indicators.get("documents_incoming").formula and body["breakdown_by"] == "unit"
    result = indicators.compute("documents_incoming", Scope(tuple(body["agency_ids"]), START, END))
    assert body["value"] == result.value and len(body["rows"]) == len(result.breakdown)


def test_a_ratio_indicator_for_one_agency(org, ioc):
    r = ioc.get("/dashboard/indicators/documents_electronic_share", PERIOD | {"agency": org["a"].pk})
    body = r.json()
    assert r.status_code == 200 and body["agency_ids"] == [org["a"].pk]
    assert (body["value"], body["numerator"], body["denominator"]) == (20.0, 1, 5)
    result = indicators.compute("documents_electronic_share", Scope((org["a"].pk,), START, END))
    assert Decimal(str(body["value"])) == result.value


def test_an_agency_subtree(org, ioc):
    body = ioc.get("/dashboard/indicators/documents_incoming", PERIOD | {"agency": org["district"].pk}).json()
    assert sorted(body["agency_ids"]) == sorted([org["district"].pk, org["a"].pk, org["b"].pk])
    assert body["value"] == 20


def test_unknown_indicator_is_404(ioc):
    r = ioc.get("/dashboard/indicators/documents_nonsense")
    assert r.status_code == 404 and r.json()["message"] == "Không có chỉ tiêu này."


def test_agency_outside_the_scope_is_403(org, other_agency):
    commune_leader = ApiClient(make_official(org["a"], Role.LEADER).user)
    for agency_id in (org["district"].pk, other_agency.pk):
        r = commune_leader.get("/dashboard/indicators/documents_incoming", {"agency": agency_id})
        assert r.status_code == 403 and r.json()["message"] == "Bạn không có quyền xem số liệu của cơ quan này."
    r = commune_leader.get("/dashboard/indicators/documents_incoming", PERIOD)
    assert r.json()["agency_ids"] == [org["a"].pk] and r.json()["value"] == 5


@pytest.mark.parametrize("params, status, field", [
    ({"from": "31/02/2025"}, 400, "from"),
    ({"from": "2025-13-01", "to": "hôm qua"}, 400, "to"),
    ({"from": "01/01/0001"}, 400, "from"),
    ({"from": "01/04/2025", "to": "01/03/2025"}, 400, "from"),
    ({"from": "x" * 21}, 422, "from"),
    ({"agency": "abc"}, 422, "agency"),
    ({"agency": "0"}, 422, "agency"),
])
def test_bad_dates_and_agencies_are_refused_in_vietnamese(ioc, params, status, field):
    r = ioc.get("/dashboard/indicators/documents_incoming", params)
    assert r.status_code == status, r.content
    body = r.json()
    assert field in body["fields"] and body["message"]
    assert not body["message"].isascii()  # Vietnamese


# --- equipment ---------------------------------------------------------------------------------------------------

def test_equipment(org, ioc):
    r = ioc.get("/dashboard/equipment")
    assert r.status_code == 200
    body = r.json()
    summary = {s["kind"]: s for s in body["summary"]}
    assert summary["video_conference"] == {"kind": "video_conference", "label": "Điểm cầu truyền hình trực tuyến",
                                           "points": 2, "online": 1, "agencies_with_points": 2,
                                           "agencies_connected": 1, "agencies_total": 2}
    assert (summary["camera"]["points"], summary["camera"]["agencies_with_points"]) == (1, 1)
    assert [p["name"] for p in body["points"]] == ["Điểm cầu Ninh Phước", "Camera chợ", "Điểm cầu Quế Trung"]
    body = ioc.get("/dashboard/equipment", {"kind": "video_conference", "status": "offline"}).json()
    assert [p["name"] for p in body["points"]] == ["Điểm cầu Ninh Phước"]
    body = ioc.get("/dashboard/equipment", {"agency": org["a"].pk}).json()
    assert body["agency_ids"] == [org["a"].pk] and len(body["points"]) == 2


def test_equipment_bad_input(org, ioc, other_agency):
    r = ioc.get("/dashboard/equipment", {"kind": "drone"})
    assert r.status_code == 422 and "kind" in r.json()["fields"]
    r = ioc.get("/dashboard/equipment", {"agency": other_agency.pk})
    assert r.status_code == 403


# --- report ------------------------------------------------------------------------------------------------------

def test_report_figures_as_json(org, ioc):
    r = ioc.get("/dashboard/report", PERIOD | {"agency": org["district"].pk})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["issuer"] == {"id": org["district"].pk, "name": "UBND huyện Nông Sơn"} and body["whole"]
    assert [s["number"] for s in body["sections"]] == ["I", "II", "III", "IV", "V", "VI"]
    scope = Scope(tuple(body["agency_ids"]), START, END)
    for section in body["sections"]:
        for f in section["figures"]:
            result = indicators.compute(f["key"], scope)
            assert (f["value"], f["numerator"], f["denominator"]) == (
                reports.as_json_number(result.value), result.numerator, result.denominator), f["key"]
        for unit in section["units"]:
            for f in unit["figures"]:
                result = indicators.compute(f["key"], Scope((unit["agency_id"],), START, END))
                assert f["value"] == reports.as_json_number(result.value)
    docs = body["sections"][0]
    assert docs["figures"][0]["key"] == "documents_incoming" and docs["figures"][0]["value"] == 20
    vc = next(f for f in body["sections"][5]["figures"] if f["key"] == "equipment_video_conference")
    assert (vc["value"], vc["numerator"], vc["denominator"]) == (1, 1, 2)


def test_report_refusals(org, ioc, other_agency):
    assert ioc.get("/dashboard/report", {"agency": other_agency.pk}).status_code == 403
    r = ioc.get("/dashboard/report", {"from": "32/03/2025"})
    assert r.status_code == 400 and r.json()["fields"]["from"].startswith("Ngày “32/03/2025” không hợp lệ")


def test_superuser_sees_everything(org, other_agency):
    su = get_user_model().objects.create_superuser("hethong", password="matkhau-123")
    body = ApiClient(su).get("/dashboard/indicators/documents_incoming", PERIOD).json()
    assert set(body["agency_ids"]) == {org[k].pk for k in ("province", "district", "a", "b")} | {other_agency.pk}
    assert body["value"] == 20
