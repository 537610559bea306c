"""/api/v1/onestop/dossiers: list and detail through visibility, one POST per action through the services."""

import pytest

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.onestop.models import DossierStatus
from congvu.onestop.tests.factories_o2 import accepted_dossier, local, state
from congvu.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def dossier(agency, procedure_version, onestop):
    return accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 9, 8, 0))


def test_list_and_detail_show_only_visible_dossiers(dossier, onestop, other_agency):
    body = ApiClient(onestop).get("/onestop/dossiers").json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["id"], item["status"], item["status_label"], item["due_at"]) == (
        dossier.pk, 2, "Được tiếp nhận", "2026-03-16T08:00:00+07:00")
    assert ApiClient(onestop).get("/onestop/dossiers", {"status": [9]}).json()["total"] == 0
    bad = ApiClient(onestop).get("/onestop/dossiers", {"date_from": "32/01/2026"})
    assert bad.status_code == 400 and "date_from" in bad.json()["fields"]

    detail = ApiClient(onestop).get(f"/onestop/dossiers/{dossier.pk}").json()
    assert [s["name"] for s in detail["steps"]] == ["Tiếp nhận hồ sơ", "Thẩm định hồ sơ"]
    assert detail["steps"][1]["department"] == "Phòng Nội vụ"
    assert [e["kind"] for e in detail["events"]] == ["accepted"]
    assert detail["actions"] == {"hand_over": False, "pause": True, "resume": False, "withdraw": True,
                                 "apology": True, "result": False, "return_result": False}
    assert len(detail["control_slip"]) == 2

    outsider = make_official(other_agency, Role.ONESTOP, username="motcua_xa").user
    assert ApiClient(outsider).get("/onestop/dossiers").json() == {"total": 0, "items": []}
    missing = ApiClient(outsider).get(f"/onestop/dossiers/{dossier.pk}")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert ApiClient().get("/onestop/dossiers").status_code == 401


def test_actions_over_the_api(dossier, onestop, officer, leader, other_agency):
    officer_api, leader_api, counter_api = ApiClient(officer), ApiClient(leader), ApiClient(onestop)
    outsider_api = ApiClient(make_official(other_agency, Role.LEADER, username="ld_xa").user)
    base = f"/onestop/dossiers/{dossier.pk}"
    before = state()
    assert outsider_api.post(f"{base}/hand-over", {}).status_code == 404
    assert counter_api.post(f"{base}/hand-over", {}).status_code == 403  # the counter does not hold step 1
    assert officer_api.post(f"{base}/pause", {"kind": "supplement", "reason": "x"}).status_code == 422
    assert officer_api.post(f"{base}/hand-over", {"colour": "red"}).status_code == 422
    assert state() == before

    r = officer_api.post(f"{base}/hand-over", {"to_official": leader.official.pk, "note": "Đủ điều kiện"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == DossierStatus.PROCESSING
    assert body["steps"][-1]["handler"] == leader.official.full_name
    assert body["steps"][1]["timeliness"] in {"early", "on_time", "late"}

    r = leader_api.post(f"{base}/pause", {"kind": "financial", "reason": "Chờ nộp lệ phí"})
    assert r.status_code == 200 and r.json()["status"] == 6
    assert leader_api.post(f"{base}/pause", {"kind": "stopped", "reason": "x"}).status_code == 400
    r = leader_api.post(f"{base}/resume", {})
    assert r.status_code == 200 and r.json()["status"] == 4 and r.json()["pauses"][0]["ended_at"]

    r = leader_api.post(f"{base}/result", {"note": "Đã cấp giấy khai sinh"})
    assert r.status_code == 200 and r.json()["status"] == 9 and r.json()["timeliness"]
    assert r.json()["steps"][-1]["name"] == "Trả kết quả"
    assert officer_api.post(f"{base}/return", {"method": "postal", "returned_to": "An"}).status_code == 403
    bad = counter_api.post(f"{base}/return", {"method": "postal", "returned_to": "  "})
    assert bad.status_code == 400 and bad.json()["fields"] == {"returned_to": "Vui lòng nhập người nhận kết quả."}
    r = counter_api.post(f"{base}/return", {"method": "postal", "returned_to": "Nguyễn Văn An"})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["return_method"], r.json()["returned_to"]) == (10, "postal", "Nguyễn Văn An")
    assert [e["kind"] for e in r.json()["events"]] == [
        "accepted", "handed_over", "paused", "resumed", "processed", "returned"]


def test_apology_and_withdraw_over_the_api(dossier, onestop):
    api = ApiClient(onestop)
    base = f"/onestop/dossiers/{dossier.pk}"
    # the real clock is far past this dossier's deadline (16/03/2026): too late to apologise
    r = api.post(f"{base}/apology", {"reason": "Chờ xác minh", "new_due_at": "20/03/2026"})
    assert r.status_code == 400 and r.json()["code"] == "apology_too_late"
    r = api.post(f"{base}/withdraw", {"reason": ""})
    assert r.status_code == 400 and r.json()["fields"] == {"reason": "Vui lòng nhập lý do rút hồ sơ."}
    r = api.post(f"{base}/withdraw", {"reason": "Không còn nhu cầu"})
    assert r.status_code == 200 and r.json()["status"] == 7 and r.json()["withdrawal_reason"] == "Không còn nhu cầu"


def test_office_queue_over_the_api(agency, procedure_version, onestop, officer):
    from django.utils import timezone

    from congvu.workdays.services import calendar_for

    soon = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 9, 8, 0))
    soon.due_at = calendar_for(agency=agency).add_working_hours(timezone.now(), 12)
    soon.save(update_fields=["due_at"])
    done = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 2, 8, 0))
    ApiClient(officer).post(f"/onestop/dossiers/{done.pk}/result", {"note": "Đã cấp"})
    body = ApiClient(officer).get("/onestop/office").json()
    assert [(s["dossier"]["id"], s["step_name"]) for s in body["steps"]] == [(soon.pk, "Thẩm định hồ sơ")]
    assert [x["dossier"]["id"] for x in body["late_soon"]] == [soon.pk]
    assert body["to_return"] == []  # the officer is not counter staff
    counter = ApiClient(onestop).get("/onestop/office").json()
    assert [d["id"] for d in counter["to_return"]] == [done.pk]
    assert [s["step_name"] for s in counter["steps"]] == ["Trả kết quả"]
