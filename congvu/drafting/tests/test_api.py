"""/api/v1/drafts: the same flow through the JSON API, with its errors."""

import json

import pytest

from congvu.api.tests.conftest import ApiClient
from congvu.documents.tests.factories import minimal_pdf
from congvu.drafting.models import Draft
from congvu.drafting.tests.conftest import make_draft, pdf_file, state_snapshot, to_state
from congvu.exchange.models import InboxItem

pytestmark = pytest.mark.django_db


def _create(client, data, files=None, **headers):
    return client.client.post("/api/v1/drafts", {"data": json.dumps(data), "files": files or []}, headers=headers)


def test_the_whole_flow_through_the_api(agency, other_agency, officer, unit_head, chairman, clerk):
    author = ApiClient(officer)
    created = _create(author, {"doc_type": "cong_van", "subject": "V/v đề nghị hỗ trợ kinh phí",
                               "recipient_agency_ids": [other_agency.pk], "note": "Bản đầu"}, [pdf_file()])
    assert created.status_code == 201, created.json()
    body = created.json()
    draft_id = body["id"]
    assert (body["status"], body["version_count"], body["author"]["full_name"], body["actions"]) == (
        "drafting", 1, officer.official.full_name,
        {"revise": True, "submit": True, "review": False, "approve": False, "check_format": False, "issue": False})
    assert body["versions"][0]["content_url"] == f"/api/v1/drafts/{draft_id}/versions/1/content"

    revised = author.client.post(f"/api/v1/drafts/{draft_id}/versions",
                                 {"data": json.dumps({"urgency": "urgent", "note": "Khẩn"}), "files": []})
    assert revised.status_code == 201 and revised.json()["number"] == 2
    cmp = author.get(f"/drafts/{draft_id}/compare", {"old": 1, "new": 2}).json()
    assert cmp["metadata"] == [{"field": "Độ khẩn", "old": "Thường", "new": "Khẩn"}] and cmp["same_file"] is True

    r = author.post(f"/drafts/{draft_id}/submit", {})
    assert (r.status_code, r.json()["status"], r.json()["reviewer"]["id"]) == (200, "in_review", unit_head.official.pk)
    assert [d["id"] for d in ApiClient(unit_head).get("/drafts", {"tab": "review"}).json()] == [draft_id]
    r = ApiClient(unit_head).post(f"/drafts/{draft_id}/review", {"decision": "forward",
                                                                 "approver_id": chairman.official.pk})
    assert r.json()["status"] == "reviewed"
    r = ApiClient(chairman).post(f"/drafts/{draft_id}/approve", {"comment": "Đồng ý"})
    assert r.json()["status"] == "approved"
    clerk_api = ApiClient(clerk)
    assert [d["id"] for d in clerk_api.get("/drafts", {"tab": "issue"}).json()] == [draft_id]
    assert clerk_api.post(f"/drafts/{draft_id}/format-check", {"ok": True}).json()["actions"]["issue"] is True
    issued = clerk_api.post(f"/drafts/{draft_id}/issue", {"dispatch": True})
    assert issued.status_code == 200
    out = issued.json()
    assert (out["document"]["number_notation"], out["dispatched"], out["delivered_to"], out["outbox"]) == (
        "01/UBND-NV", True, [other_agency.name], [])
    again = clerk_api.post(f"/drafts/{draft_id}/issue", {"dispatch": True}).json()
    assert (again["document"]["id"], again["delivered_to"]) == (out["document"]["id"], [])
    assert InboxItem.objects.filter(agency=other_agency).count() == 1

    content = author.client.get(f"/api/v1/drafts/{draft_id}/versions/2/content")
    assert (content.status_code, b"".join(content.streaming_content)) == (200, minimal_pdf("Du thao cong van tra loi"))


def test_create_errors_are_json(agency, officer, onestop):
    author, outsider = ApiClient(officer), ApiClient(onestop)  # creating a token is journaled
    before = state_snapshot()
    r = _create(author, {"doc_type": "cong_van", "subject": ""})
    assert (r.status_code, r.json()) == (400, {"code": "validation_failed", "message": "Thông tin dự thảo chưa hợp lệ.",
                                               "fields": {"subject": "Vui lòng nhập trích yếu.",
                                                          "recipients": "Vui lòng nhập nơi nhận.",
                                                          "file": "Vui lòng chọn tệp dự thảo."}})
    r = _create(author, {"doc_type": "cong_van", "subject": "x", "signer_ok": 1})
    assert (r.status_code, r.json()["fields"]) == (422, {"signer_ok": "Trường này không được hỗ trợ."})
    r = _create(outsider, {"doc_type": "cong_van", "subject": "x", "recipient_names": ["a"]}, [pdf_file()])
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert state_snapshot() == before


def test_an_idempotency_key_creates_once(agency, officer):
    client = ApiClient(officer)
    data = {"doc_type": "cong_van", "subject": "V/v họp giao ban", "recipient_names": ["Các phòng"]}
    first = _create(client, data, [pdf_file()], **{"Idempotency-Key": "k-1"})
    again = _create(client, data, [pdf_file()], **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 200, first.json()["id"])
    assert Draft.objects.count() == 1


def test_refusals_answer_403_404_409_and_change_nothing(agency, officer, unit_head, chairman, clerk, other_clerk):
    draft = to_state(make_draft(officer, agency), "in_review", officer=officer, unit_head=unit_head,
                     chairman=chairman, clerk=clerk)
    api = {u.username: ApiClient(u) for u in (officer, unit_head, chairman, other_clerk)}
    before = state_snapshot()
    r = api["chuyenvien"].post(f"/drafts/{draft.pk}/review", {"decision": "forward",
                                                               "approver_id": chairman.official.pk})
    assert (r.status_code, r.json()["message"]) == (403, "Chỉ người được trình ký nháy được xử lý dự thảo này.")
    for who in ("chutich", "vanthu_xa"):  # neither sent the draft nor of its unit; another agency's clerk
        r = api[who].get(f"/drafts/{draft.pk}")
        assert (r.status_code, r.json()) == (404, {"code": "not_found", "fields": {},
                                                   "message": "Không tìm thấy dự thảo hoặc bạn không có quyền xem."})
        assert api[who].post(f"/drafts/{draft.pk}/approve", {}).status_code == 404
    r = api["chuyenvien"].post(f"/drafts/{draft.pk}/submit", {})
    assert (r.status_code, r.json()["code"]) == (409, "wrong_state")
    r = api["truongphong"].post(f"/drafts/{draft.pk}/review", {"decision": "return"})
    assert (r.status_code, r.json()["fields"]) == (400, {"comment": "Vui lòng ghi ý kiến khi trả lại dự thảo."})
    r = api["truongphong"].post(f"/drafts/{draft.pk}/review", {"decision": "maybe"})
    assert r.status_code == 422
    assert state_snapshot() == before


def test_self_approval_through_the_api(agency, chairman, unit_head, agency_admin):
    vp = agency.departments.get(code="VP")
    draft = make_draft(chairman, agency, drafting_department_id=vp.pk)
    ApiClient(chairman).post(f"/drafts/{draft.pk}/submit", {"reviewer_id": unit_head.official.pk})
    ApiClient(unit_head).post(f"/drafts/{draft.pk}/review", {"decision": "forward",
                                                             "approver_id": chairman.official.pk})
    signer = ApiClient(chairman)
    before = state_snapshot()
    r = signer.post(f"/drafts/{draft.pk}/approve", {})
    assert (r.status_code, r.json()["code"]) == (403, "self_approval_forbidden")
    assert state_snapshot() == before
    put = ApiClient(agency_admin).client.put("/api/v1/drafting-policy", json.dumps({"allow_self_approval": True}),
                                             content_type="application/json")
    assert (put.status_code, put.json()["allow_self_approval"]) == (200, True)
    denied = ApiClient(chairman).client.put("/api/v1/drafting-policy", json.dumps({"allow_self_approval": False}),
                                            content_type="application/json")
    assert denied.status_code == 403
    assert ApiClient(chairman).get("/drafting-policy").json()["allow_self_approval"] is True
    assert ApiClient(chairman).post(f"/drafts/{draft.pk}/approve", {}).json()["status"] == "approved"


def test_openapi_lists_the_drafting_paths(officer):
    paths = ApiClient(officer).get("/openapi.json").json()["paths"]
    for p in ("/api/v1/drafts", "/api/v1/drafts/{draft_id}", "/api/v1/drafts/{draft_id}/submit",
              "/api/v1/drafts/{draft_id}/review", "/api/v1/drafts/{draft_id}/approve",
              "/api/v1/drafts/{draft_id}/return", "/api/v1/drafts/{draft_id}/issue",
              "/api/v1/drafts/{draft_id}/versions", "/api/v1/drafts/{draft_id}/format-check",
              "/api/v1/inbox", "/api/v1/inbox/{item_id}/register", "/api/v1/inbox/{item_id}/return",
              "/api/v1/documents/{document_id}/dispatch"):
        assert p in paths
