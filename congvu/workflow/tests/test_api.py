"""/api/v1 processing endpoints: the same services, JSON errors in Vietnamese, 404 for what one cannot see."""

import datetime as dt

import pytest
from django.utils import timezone

from congvu.api.tests.conftest import ApiClient
from congvu.documents.tests.factories import pdf_upload
from congvu.workflow.models import Assignment, AssignmentStatus, ExtensionStatus, Presentation
from congvu.workflow.tests.helpers import state

pytestmark = pytest.mark.django_db


def _future(days=10, fmt="%Y-%m-%d") -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime(fmt)


def test_the_whole_flow_through_the_api(doc, clerk, leader, officer, officer2):
    assert ApiClient(clerk).get("/my-work").json()["counts"] == {
        "assignment": 0, "presentation": 0, "result": 0, "extension": 0, "overdue": 0, "to_present": 1}
    r = ApiClient(clerk).post(f"/documents/{doc.pk}/present", {"to_official": leader.official.pk, "note": "Kính trình"})
    assert r.status_code == 201, r.json()
    assert r.json()["pending_presentation"]["to_official"] == leader.official.pk

    as_leader = ApiClient(leader)
    r = as_leader.post(f"/documents/{doc.pk}/directions", {
        "text": "Giao chuyên viên Nội vụ chủ trì", "lead": f"o:{officer.official.pk}",
        "coordinators": [f"o:{officer2.official.pk}"], "due": _future(10)})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert [(a["role"], a["assignee"], a["status"]) for a in body["assignments"]] == [
        ("lead", f"o:{officer.official.pk}", "pending"), ("coordinate", f"o:{officer2.official.pk}", "pending")]
    assert [e["kind"] for e in body["timeline"]] == ["presented", "directed", "assigned"]
    lead_id = body["assignments"][0]["id"]

    assert ApiClient(clerk).get("/my-work").json()["counts"]["to_present"] == 0
    as_officer = ApiClient(officer)
    work = as_officer.get("/my-work").json()
    assert "to_present" not in work["counts"]
    assert [(i["kind"], i["assignment_id"]) for i in work["items"]] == [("assignment", lead_id)]
    r = as_officer.client.post(f"/api/v1/assignments/{lead_id}/progress",
                               {"data": '{"percent": 30, "note": "Đang dự thảo"}', "files": [pdf_upload()]})
    assert r.status_code == 200, r.json()
    assert (r.json()["progress"], r.json()["status"]) == (30, "in_progress")
    r = as_officer.post(f"/assignments/{lead_id}/extension", {"requested_due": _future(20), "reason": "Chờ số liệu"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    ext_id = r.json()["id"]
    r = as_leader.post(f"/extensions/{ext_id}/decision", {"approve": True})
    assert r.json()["status"] == ExtensionStatus.APPROVED
    assert as_officer.post(f"/assignments/{lead_id}/submit", {"note": "Xong"}).json()["status"] == "submitted"
    r = as_leader.post(f"/assignments/{lead_id}/return", {"reason": ""})
    assert r.status_code == 400
    assert r.json() == {"code": "validation_failed", "message": "Vui lòng nêu lý do trả lại.",
                        "fields": {"reason": "Vui lòng nhập lý do trả lại."}}
    assert as_leader.post(f"/assignments/{lead_id}/accept", {}).json()["status"] == "accepted"
    assert Assignment.objects.get(pk=lead_id).status == AssignmentStatus.ACCEPTED


def test_api_errors_are_json_and_change_nothing(doc, clerk, leader, officer, stranger, other_clerk):
    as_officer, as_other, as_leader, as_clerk = (ApiClient(u) for u in (officer, other_clerk, leader, clerk))
    before = state()  # (token creation is journaled: the snapshot is taken after it)
    r = as_officer.post(f"/documents/{doc.pk}/present", {"to_official": leader.official.pk})
    assert r.status_code == 404  # the officer does not see the document
    r = as_other.post(f"/documents/{doc.pk}/present", {"to_official": leader.official.pk})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = as_leader.post(f"/documents/{doc.pk}/directions", {"text": "X", "lead": f"o:{stranger.official.pk}",
                                                            "due": _future()})
    assert (r.status_code, r.json()["fields"]) == (400, {"lead": "Người được giao không thuộc cơ quan."})
    r = as_leader.post(f"/documents/{doc.pk}/directions", {"text": "X", "lead": f"o:{officer.official.pk}",
                                                            "due": _future(-1)})
    assert r.json()["fields"] == {"due_at": "Hạn xử lý không được trước ngày hôm nay."}
    r = as_leader.post(f"/documents/{doc.pk}/directions", {"text": "X", "lead": f"o:{officer.official.pk}",
                                                            "colour": "red"})
    assert (r.status_code, r.json()["code"]) == (422, "schema_invalid")
    r = as_clerk.post(f"/documents/{doc.pk}/directions", {"text": "X", "lead": f"o:{officer.official.pk}"})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert state() == before
    as_clerk.post(f"/documents/{doc.pk}/present", {"to_official": leader.official.pk})
    r = as_clerk.post(f"/documents/{doc.pk}/present", {"to_official": leader.official.pk})
    assert (r.status_code, r.json()["code"]) == (409, "conflict")
    assert Presentation.objects.count() == 1


def test_overdue_list_and_processing_read(doc, leader, officer, officer2):
    as_leader = ApiClient(leader)
    as_leader.post(f"/documents/{doc.pk}/directions", {"text": "X", "lead": f"o:{officer.official.pk}",
                                                        "coordinators": [f"o:{officer2.official.pk}"],
                                                        "due": _future(3)})
    late = Assignment.objects.get(role="coordinate")
    Assignment.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    r = as_leader.get("/assignments/overdue")
    assert r.status_code == 200
    assert (r.json()["total"], [a["id"] for a in r.json()["items"]]) == (1, [late.pk])
    assert r.json()["items"][0]["overdue"] is True
    # The lead officer sees only their own overdue rows: none.
    assert ApiClient(officer).get("/assignments/overdue").json()["total"] == 0
    assert ApiClient(officer2).get("/assignments/overdue").json()["total"] == 1
    r = ApiClient(officer).get(f"/documents/{doc.pk}/processing")
    assert len(r.json()["assignments"]) == 2
    assert ApiClient(officer).get("/assignments/999999").status_code == 404
