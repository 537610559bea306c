"""API: the catalogue (versions in force, a procedure with its versions) and receiving at the counter with the
service's JSON keys; 401 without a token, 403 for staff who do not receive, 404 for an unknown procedure, 400
with nothing written for a bad receipt."""

import pytest

from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.onestop.models import Dossier, DossierSequence

pytestmark = pytest.mark.django_db
APPLICANT = {"name": "Võ Thị Lan", "id_number": "049188004455", "phone": "0905000111"}


def body(version, **over):
    return {"version_id": version.pk, "applicant": APPLICANT, "received_at": "2026-02-13T16:00:00+07:00",
            "components": [{"component_id": c.pk, "provided": True} for c in version.components.all()]} | over


def test_procedures_in_force_and_detail(onestop, procedure_version):
    api = ApiClient(onestop)
    listed = api.get("/onestop/procedures", {"on": "2026-02-13", "q": "khai sinh"}).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert (item["version_id"], item["local_code"], item["time_limit"], item["time_unit"], item["valid_from"]) == (
        procedure_version.pk, "1.001612.000.00.00.H40", "5.0", "working_days", "2025-07-01")
    assert api.get("/onestop/procedures", {"on": "2025-06-30"}).json()["total"] == 0
    detail = api.get(f"/onestop/procedures/{procedure_version.procedure_id}").json()
    assert [c["name"] for c in detail["versions"][0]["components"]] == [
        "Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Giấy tờ tùy thân của người đi đăng ký"]
    assert [(s["handler"], s["budget"]) for s in detail["versions"][0]["steps"]] == [
        ("counter", "0.50"), ("department", "3.00"), ("leader", "1.00"), ("counter", "0.50")]
    missing = api.get("/onestop/procedures/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_receive_through_the_api(onestop, agency, procedure_version):
    response = ApiClient(onestop).post("/onestop/counter/dossiers", body(procedure_version))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["code"], data["status"], data["clock_start"], data["due_at"]) == (
        f"{agency.identifier}-260213-0001", 2, "2026-02-23T07:00:00+07:00", "2026-02-27T17:00:00+07:00")
    assert Dossier.objects.get().received_by.user == onestop


def test_a_bad_receipt_is_a_400_and_nothing_is_written(onestop, procedure_version):
    api = ApiClient(onestop)
    incomplete = api.post("/onestop/counter/dossiers", body(procedure_version, components=[]))
    assert (incomplete.status_code, incomplete.json()["code"]) == (400, "incomplete")
    bad_id = api.post("/onestop/counter/dossiers", body(procedure_version, applicant=APPLICANT | {"id_number": "1"}))
    assert bad_id.status_code == 400
    assert bad_id.json()["fields"] == {"applicant_id_number": "Số định danh cá nhân phải gồm đúng 12 chữ số."}
    future = api.post("/onestop/counter/dossiers", body(procedure_version, received_at="2099-01-01T08:00:00+07:00"))
    assert future.json()["message"] == "Thời điểm nhận không được ở tương lai."
    for ancient in ("0001-01-01T00:00:00+07:00", "1999-12-31T08:00:00"):
        old = api.post("/onestop/counter/dossiers", body(procedure_version, received_at=ancient))
        assert (old.status_code, old.json()["message"]) == (400, "Thời điểm nhận quá xa trong quá khứ.")
    supplement = api.post("/onestop/counter/dossiers", body(procedure_version, components=[], outcome="supplement",
                                                              reason="Thiếu", supplement_items=["Ghi rõ ngày sinh"]))
    assert supplement.status_code == 201
    assert supplement.json()["supplement_items"] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh",
                                                     "Ghi rõ ngày sinh"]
    assert Dossier.objects.count() == 1 and list(DossierSequence.objects.values_list("last", flat=True)) == [1]


def test_who_may_call(clerk, procedure_version):
    assert ApiClient(token="sai").post("/onestop/counter/dossiers", body(procedure_version)).status_code == 401
    assert ApiClient().get("/onestop/procedures").status_code == 401
    forbidden = ApiClient(clerk).post("/onestop/counter/dossiers", body(procedure_version))
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    assert Dossier.objects.count() == 0 and not JournalEntry.objects.filter(action__startswith="onestop.").exists()
