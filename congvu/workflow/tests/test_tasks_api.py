"""/api/v1/tasks and /api/v1/reports/tasks/monthly: allowed and refused, with exact messages; a refused call
changes nothing."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.documents.tests.factories import pdf_upload
from congvu.org.models import Role
from congvu.workdays.services import calendar_for
from congvu.workflow.models import Assignment, Task
from congvu.workflow.task_services import task_create

pytestmark = pytest.mark.django_db


def _day(days=10) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _body(officer, **kw):
    values = {"title": "Tổng hợp báo cáo cải cách hành chính", "due_at": _day().isoformat(),
              "lead": f"o:{officer.official.pk}"}
    values.update(kw)
    return values


def _tables():
    return {"tasks": Task.objects.count(), "assignments": Assignment.objects.count(),
            "journal": JournalEntry.objects.count()}


def test_leader_gives_a_task_and_reads_it_back(agency, leader, officer, vp):
    api = ApiClient(leader)
    response = api.post("/tasks", _body(officer, coordinators=[f"d:{vp.pk}"], priority="urgent"))
    assert response.status_code == 201
    body = response.json()
    due = timezone.localtime(calendar_for(agency=agency).closing(_day())).isoformat()
    assert (body["title"], body["priority"], body["status"], body["source"], body["lead"]) == (
        "Tổng hợp báo cáo cải cách hành chính", "urgent", "open", "own", officer.official.full_name)
    assert (body["due_at"], body["overdue"], body["progress"]) == (due, False, 0)
    assert [(a["role"], a["assignee"]) for a in body["assignments"]] == [
        ("lead", f"o:{officer.official.pk}"), ("coordinate", f"d:{vp.pk}")]
    assert [e["kind"] for e in body["events"]] == ["task_created", "assigned"]
    listed = api.get("/tasks").json()
    assert (listed["count"], [t["id"] for t in listed["items"]]) == (1, [body["id"]])
    assert ApiClient(officer).get(f"/tasks/{body['id']}").status_code == 200


def test_multipart_with_files(agency, leader, officer):
    api = ApiClient(leader)
    response = api.post_multipart("/tasks", _body(officer), [pdf_upload("phu-luc.pdf")])
    assert response.status_code == 201
    files = response.json()["attachments"]
    assert [f["original_name"] for f in files] == ["phu-luc.pdf"]
    content = api.client.get(files[0]["content_url"])
    assert content.status_code == 200 and content["Content-Type"] == "application/pdf"


def test_two_leads_outsider_and_past_deadline_are_400_and_change_nothing(agency, leader, officer, officer2,
                                                                        stranger):
    api = ApiClient(leader)
    before = _tables()
    response = api.post("/tasks", _body(officer, lead=[f"o:{officer.official.pk}", f"o:{officer2.official.pk}"]))
    assert response.status_code == 400
    assert response.json() == {"code": "validation_failed", "message": "Thông tin giao việc chưa hợp lệ.",
                               "fields": {"lead": "Chỉ được giao một người hoặc đơn vị chủ trì."}}
    response = api.post("/tasks", _body(officer, lead=f"o:{stranger.official.pk}"))
    assert response.json()["fields"] == {"lead": "Người được giao không thuộc cơ quan."}
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = api.post("/tasks", _body(officer, due_at=yesterday))
    assert response.json()["fields"] == {"due_at": "Hạn xử lý không được trước ngày hôm nay."}
    response = api.post("/tasks", _body(officer, colour="đỏ"))
    assert response.status_code == 422
    assert _tables() == before


def test_officer_cannot_give_tasks(agency, officer):
    api = ApiClient(officer)
    before = _tables()
    response = api.post("/tasks", _body(officer))
    assert response.status_code == 403
    assert response.json()["message"] == "Chỉ lãnh đạo cơ quan hoặc lãnh đạo đơn vị được giao việc."
    assert _tables() == before


def test_other_agency_gets_404(agency, leader, officer, other_agency):
    task = task_create(actor=leader, agency=agency, title="Việc", due_at=_day().strftime("%d/%m/%Y"),
                       lead=officer.official)
    outsider = ApiClient(make_official(other_agency, Role.LEADER).user)
    before = _tables()
    assert outsider.get(f"/tasks/{task.pk}").status_code == 404
    assert outsider.post(f"/tasks/{task.pk}/cancel", {"reason": "x"}).status_code == 404
    assert outsider.patch(f"/tasks/{task.pk}", {"title": "x"}).status_code == 404
    assert outsider.get("/tasks").json()["count"] == 0
    assert _tables() == before
    task.refresh_from_db()
    assert (task.title, task.status) == ("Việc", "open")


def test_complete_and_cancel(agency, leader, officer):
    api = ApiClient(leader)
    created = api.post("/tasks", _body(officer)).json()
    response = api.post(f"/tasks/{created['id']}/complete", {})
    assert response.status_code == 409
    assert response.json()["message"] == "Người chủ trì chưa báo cáo hoàn thành; chưa kết thúc công việc được."
    lead = created["assignments"][0]["id"]
    assert ApiClient(officer).post(f"/assignments/{lead}/submit", {"note": "Xong"}).status_code == 200
    response = api.post(f"/tasks/{created['id']}/complete", {"note": "Đạt"})
    assert response.status_code == 200 and response.json()["status"] == "done"
    other = api.post("/tasks", _body(officer, title="Việc khác")).json()
    response = api.post(f"/tasks/{other['id']}/cancel", {"reason": "Trùng việc"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api.patch(f"/tasks/{other['id']}", {"title": "Mới"}).status_code == 409


def test_monthly_report_json_and_xlsx(agency, leader, officer):
    task_create(actor=leader, agency=agency, title="Việc", due_at=_day().strftime("%d/%m/%Y"), lead=officer.official)
    month = f"{timezone.localdate():%Y-%m}"
    api = ApiClient(leader)
    body = api.get("/reports/tasks/monthly", {"month": month, "by": "official"}).json()
    row = next(r for r in body["rows"] if r["key"] == f"o:{officer.official.pk}")
    assert {k: row[k] for k in ("assigned", "new", "on_time", "late", "overdue", "in_progress")} == {
        "assigned": 1, "new": 1, "on_time": 0, "late": 0, "overdue": 0, "in_progress": 1}
    assert body["total"]["assigned"] == 1 and body["by"] == "official" and body["month"] == month
    xlsx = api.get("/reports/tasks/monthly", {"month": month, "by": "unit", "format": "xlsx"})
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[6]][:3] == [1, "Phòng Nội vụ", 1]
    response = ApiClient(officer).get("/reports/tasks/monthly", {"month": month})
    assert response.status_code == 403
    response = api.get("/reports/tasks/monthly", {"month": "2026/11"})
    assert response.status_code == 400 and response.json()["fields"] == {"month": "Tháng không hợp lệ; ví dụ 11/2026."}
