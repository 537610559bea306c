"""/api/v1 of records: plans, case files and their documents, closing, due list, transfers, retention."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.api.tests.conftest import BASE
from congvu.api.tests.conftest import ApiClient as _ApiClient
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Role
from congvu.records.models import CaseFile, FilePlan
from congvu.records.services import case_file_document_add, case_file_open
from congvu.records.tests.conftest import YEAR, entry, records_state
from congvu.workflow.models import Assignment
from congvu.workflow.services import assignment_cancel, direction_give

pytestmark = pytest.mark.django_db


class ApiClient(_ApiClient):
    """The shared API test client, with PUT and DELETE."""

    def put(self, path, data):
        return self.client.put(BASE + path, json.dumps(data), content_type="application/json")

    def delete(self, path):
        return self.client.delete(BASE + path)

TODAY = timezone.localdate()


@pytest.fixture
def officers_doc(agency, clerk, officer):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(receiving_official_id=officer.official.pk,
                                                                           pages=4))


@pytest.fixture
def case_file(issued_plan, officer):
    return case_file_open(actor=officer, plan=issued_plan, entry_id=entry(issued_plan, "03.VP").pk)


# --- file plans -----------------------------------------------------------------------------------

def test_a_leader_builds_a_plan_through_the_api(leader, agency):
    api = ApiClient(leader)
    created = api.post("/file-plans", {"year": YEAR, "numbering": "per_heading"})
    assert created.status_code == 201
    plan = created.json()
    assert (plan["year"], plan["numbering"], plan["status"], plan["headings"]) == (YEAR, "per_heading", "draft", [])
    pid = plan["id"]
    h1 = api.post(f"/file-plans/{pid}/headings", {"code": "TCCB", "title": "Tổ chức, cán bộ"}).json()
    h2 = api.post(f"/file-plans/{pid}/headings", {"code": "VP", "title": "Văn phòng"}).json()
    e1 = api.post(f"/file-plans/{pid}/entries", {"heading_id": h2["id"], "title": "Hồ sơ hội nghị",
                                                 "retention_years": 10})
    assert e1.status_code == 201 and e1.json()["code"] == "01.VP"
    e2 = api.post(f"/file-plans/{pid}/entries", {"heading_id": h1["id"], "title": "Hồ sơ tuyển dụng",
                                                 "retention_permanent": True}).json()
    assert (e2["code"], e2["retention"], e2["case_file_id"]) == ("01.TCCB", "Vĩnh viễn", None)
    switched = api.patch(f"/file-plans/{pid}", {"numbering": "continuous"}).json()
    assert [[e["code"] for e in h["entries"]] for h in switched["headings"]] == [["01.TCCB"], ["02.VP"]]
    issued = api.post(f"/file-plans/{pid}/issue", {"decision_ref": "Quyết định số 01/QĐ-UBND"}).json()
    assert (issued["status"], issued["decision_ref"], issued["totals"]) == (
        "issued", "Quyết định số 01/QĐ-UBND", {"files": 2, "permanent": 1, "limited": 1})
    assert api.get("/file-plans", {"year": YEAR}).json()[0]["id"] == pid
    refused = api.delete(f"/file-plans/{pid}/entries/{e2['id']}")
    assert (refused.status_code, refused.json()["message"]) == (
        409, "Danh mục đã ban hành: không xóa hồ sơ khỏi danh mục.")


def test_plan_refusals_through_the_api(plan, clerk, officer, other_clerk, leader):
    api = {u: ApiClient(u) for u in (clerk, officer, other_clerk, leader)}
    before = records_state()
    created = api[clerk].post("/file-plans", {"year": YEAR + 1})
    assert created.status_code == 403
    assert created.json()["message"] == "Chỉ lãnh đạo và quản trị cơ quan được lập và sửa danh mục hồ sơ."
    assert api[officer].get(f"/file-plans/{plan.pk}").status_code == 404  # a draft
    assert api[other_clerk].get(f"/file-plans/{plan.pk}").status_code == 404
    heading = api[clerk].post(f"/file-plans/{plan.pk}/headings", {"code": "KH", "title": "Kế hoạch"})
    assert heading.status_code == 403
    duplicate = api[leader].post("/file-plans", {"year": YEAR})
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "plan_exists")
    bad = api[leader].post(f"/file-plans/{plan.pk}/entries", {
        "heading_id": plan.headings.first().pk, "title": "X", "retention_years": 5, "retention_permanent": True})
    assert (bad.status_code, bad.json()["fields"]) == (400, {
        "retention_years": "Hồ sơ bảo quản vĩnh viễn thì không ghi số năm."})
    assert records_state() == before


# --- case files -----------------------------------------------------------------------------------

def test_an_officer_files_and_closes_through_the_api(issued_plan, officer, officers_doc, leader):
    api = ApiClient(officer)
    opened = api.post("/case-files", {"plan_id": issued_plan.pk, "entry_id": entry(issued_plan, "02.TCCB").pk})
    assert opened.status_code == 201
    cf = opened.json()
    assert (cf["code"], cf["status"], cf["retention"], cf["responsible"]["id"], cf["transfer_due"]) == (
        "02.TCCB", "open", "20 năm", officer.official.pk, None)
    added = api.post(f"/case-files/{cf['id']}/documents", {"document_id": officers_doc.pk})
    assert added.status_code == 201 and added.json()["number_notation"] == "125/QĐ-UBND"
    listed = api.get(f"/case-files/{cf['id']}/documents").json()
    assert ([i["document_id"] for i in listed["items"]], listed["hidden"]) == ([officers_doc.pk], 0)

    direction_give(actor=leader, document=officers_doc, text="Giao xử lý.", lead=officer.official)
    api = ApiClient(officer)
    before = records_state()
    refused = api.post(f"/case-files/{cf['id']}/close", {})
    assert refused.status_code == 409
    assert refused.json() == {"code": "open_work", "fields": {}, "message": (
        "Hồ sơ 02.TCCB còn 1 việc chưa hoàn thành trên các văn bản của hồ sơ; hoàn thành các việc đó trước khi "
        "kết thúc hồ sơ.")}
    assert records_state() == before

    assignment_cancel(actor=leader, assignment=Assignment.objects.get(document=officers_doc), reason="Xong.")
    closed = api.post(f"/case-files/{cf['id']}/close", {}).json()
    issued = officers_doc.issued_date
    assert (closed["status"], closed["doc_total"], closed["start_date"], closed["end_date"], closed["sheets"]) == (
        "closed", 1, issued.isoformat(), issued.isoformat(), 4)
    closed_on = dt.date.fromisoformat(closed["closed_at"][:10])
    assert closed["transfer_due"] == closed_on.replace(year=closed_on.year + 1).isoformat() \
        or closed_on.month == 2 and closed_on.day == 29
    index = api.get(f"/case-files/{cf['id']}/documents").json()["items"]
    assert [(i["ordinal"], i["first_sheet"]) for i in index] == [(1, 1)]
    assert api.delete(f"/case-files/{cf['id']}/documents/{officers_doc.pk}").status_code == 409


def test_case_file_refusals_through_the_api(case_file, agency, clerk, officer, other_clerk, officers_doc):
    hidden = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="77"))
    second = make_official(agency, Role.OFFICER).user
    api = {u: ApiClient(u) for u in (clerk, officer, other_clerk, second)}
    before = records_state()
    # A document he cannot see: 404 and nothing added.
    missing = api[officer].post(f"/case-files/{case_file.pk}/documents", {"document_id": hidden.pk})
    assert (missing.status_code, missing.json()["message"]) == (
        404, "Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    # Another agency's case file: 404.
    assert api[other_clerk].get(f"/case-files/{case_file.pk}").status_code == 404
    assert api[other_clerk].post(f"/case-files/{case_file.pk}/close", {}).status_code == 404
    # The clerk sees it but may not change it.
    assert api[clerk].get(f"/case-files/{case_file.pk}").status_code == 200
    assert api[clerk].post(f"/case-files/{case_file.pk}/documents",
                           {"document_id": officers_doc.pk}).status_code == 403
    # Closing an empty file.
    empty = api[officer].post(f"/case-files/{case_file.pk}/close", {})
    assert (empty.status_code, empty.json()["code"]) == (400, "case_file_empty")
    assert api[second].get(f"/case-files/{case_file.pk}").status_code == 404
    assert api[second].get("/case-files").json() == []
    assert records_state() == before


def test_case_files_list_and_patch(case_file, officer, leader, clerk):
    mine = ApiClient(officer).get("/case-files", {"mine": "true"}).json()
    assert [f["id"] for f in mine] == [case_file.pk]
    assert [f["id"] for f in ApiClient(clerk).get("/case-files", {"status": "open"}).json()] == [case_file.pk]
    assert ApiClient(clerk).get("/case-files", {"status": "closed"}).json() == []
    patched = ApiClient(officer).patch(f"/case-files/{case_file.pk}", {"capital_construction": True, "sheets": 8})
    assert (patched.status_code, patched.json()["capital_construction"], patched.json()["sheets"]) == (200, True, 8)
    refused = ApiClient(officer).patch(f"/case-files/{case_file.pk}",
                                       {"responsible_official_id": clerk.official.pk})
    assert refused.status_code == 403
    assert ApiClient(officer).patch(f"/case-files/{case_file.pk}", {}).status_code == 400


def test_typed_case_file_through_the_api(issued_plan, officer):
    vp = issued_plan.headings.get(code="VP")
    response = ApiClient(officer).post("/case-files", {
        "plan_id": issued_plan.pk, "heading_id": vp.pk, "title": "Hồ sơ tiếp công dân", "retention_years": 5})
    assert response.status_code == 201
    assert (response.json()["code"], response.json()["title"]) == ("04.VP", "Hồ sơ tiếp công dân")
    assert FilePlan.objects.get().entries.get(code="04.VP").supplementary is True


# --- transfers ------------------------------------------------------------------------------------

def test_due_list_and_transfer_through_the_api(case_file, officer, officers_doc, clerk, leader):
    from congvu.records.services import case_file_close

    case_file_document_add(actor=officer, case_file=case_file, document_id=officers_doc.pk)
    case_file_close(actor=officer, case_file=case_file)
    CaseFile.objects.filter(pk=case_file.pk).update(closed_at=timezone.now() - dt.timedelta(days=400))
    due = ApiClient(clerk).get("/case-files/due-for-transfer").json()
    assert [(r["case_file"]["code"], r["overdue"]) for r in due] == [("03.VP", True)]
    assert ApiClient(officer).get("/case-files/due-for-transfer").status_code == 403
    assert ApiClient(leader).post("/archive-transfers", {
        "transferred_on": TODAY.isoformat(), "handed_over_by_id": officer.official.pk,
        "received_by_id": clerk.official.pk, "case_file_ids": [case_file.pk]}).status_code == 403
    created = ApiClient(clerk).post("/archive-transfers", {
        "transferred_on": TODAY.strftime("%d/%m/%Y"), "handed_over_by_id": officer.official.pk,
        "received_by_id": clerk.official.pk, "case_file_ids": [case_file.pk], "notes": "Kho tầng 2"})
    assert created.status_code == 201
    body = created.json()
    assert (body["transferred_on"], body["notes"], [f["status"] for f in body["case_files"]]) == (
        TODAY.isoformat(), "Kho tầng 2", ["transferred"])
    assert [t["id"] for t in ApiClient(leader).get("/archive-transfers").json()] == [body["id"]]
    assert ApiClient(officer).get(f"/archive-transfers/{body['id']}").status_code == 404
    readonly = ApiClient(leader).patch(f"/case-files/{case_file.pk}", {"notes": "Sửa"})
    assert (readonly.status_code, readonly.json()["message"]) == (
        409, "Hồ sơ 03.VP đã nộp lưu; không thay đổi được.")


# --- retention ------------------------------------------------------------------------------------

def test_retention_schedules_through_the_api(leader, django_user_model):
    listed = ApiClient(leader).get("/retention-schedules").json()
    assert [(s["legal_basis"], s["in_force"], [i["retention"] for i in s["items"]]) for s in listed] == [
        ("TT 10/2022/TT-BNV", True, ["20 năm"])]
    assert ApiClient(leader).post("/retention-schedules", {
        "code": "X", "name": "X", "legal_basis": "X", "valid_from": "2030-01-01"}).status_code == 403
    root = django_user_model.objects.create_superuser("root", password="matkhau-123")
    sid = listed[0]["id"]
    item = ApiClient(root).post(f"/retention-schedules/{sid}/items", {
        "code": "2", "title": "Hồ sơ hội nghị tổng kết", "permanent": True})
    assert (item.status_code, item.json()["retention"]) == (201, "Vĩnh viễn")
    changed = ApiClient(root).put(f"/retention-items/{item.json()['id']}", {
        "code": "2", "title": "Hồ sơ hội nghị tổng kết", "years": 10})
    assert changed.json()["retention"] == "10 năm"
    new = ApiClient(root).post("/retention-schedules", {
        "code": "NEW", "name": "Bảng mới", "legal_basis": "TT 01/2030/TT-BNV", "valid_from": "01/01/2030"})
    assert (new.status_code, new.json()["in_force"]) == (201, False)


def test_openapi_describes_the_records_endpoints():
    from django.test import Client

    spec = json.loads(Client().get("/api/v1/openapi.json").content)
    ours = {path: set(ops) for path, ops in spec["paths"].items() if path.startswith((
        "/api/v1/file-plans", "/api/v1/case-files", "/api/v1/archive-transfers", "/api/v1/retention-"))}
    assert ours == {
        "/api/v1/retention-schedules": {"get", "post"},
        "/api/v1/retention-schedules/{schedule_id}": {"patch"},
        "/api/v1/retention-schedules/{schedule_id}/items": {"post"},
        "/api/v1/retention-items/{item_id}": {"put"},
        "/api/v1/file-plans": {"get", "post"},
        "/api/v1/file-plans/{plan_id}": {"get", "patch"},
        "/api/v1/file-plans/{plan_id}/issue": {"post"},
        "/api/v1/file-plans/{plan_id}/headings": {"post"},
        "/api/v1/file-plans/{plan_id}/headings/{heading_id}": {"patch", "delete"},
        "/api/v1/file-plans/{plan_id}/entries": {"post"},
        "/api/v1/file-plans/{plan_id}/entries/{entry_id}": {"put", "delete"},
        "/api/v1/case-files": {"get", "post"},
        "/api/v1/case-files/due-for-transfer": {"get"},
        "/api/v1/case-files/{case_file_id}": {"get", "patch"},
        "/api/v1/case-files/{case_file_id}/documents": {"get", "post"},
        "/api/v1/case-files/{case_file_id}/documents/{document_id}": {"delete"},
        "/api/v1/case-files/{case_file_id}/close": {"post"},
        "/api/v1/case-files/{case_file_id}/reopen": {"post"},
        "/api/v1/archive-transfers": {"get", "post"},
        "/api/v1/archive-transfers/{transfer_id}": {"get"},
    }
    for path in ours:
        for method, op in spec["paths"][path].items():
            assert any(ch in op["summary"] for ch in "ăâđêôơưáàảãạéèóòúùíìýụồờ"), op["summary"]
            assert {"401", "404"} <= set(op["responses"]), (method, path)
