"""Task pages: list and filters, the new-task form (from scratch, a document, a meeting), the task page with
its actions, completing and cancelling, files, and the monthly report page and XLSX."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload
from congvu.org.models import Role
from congvu.schedule.services import ScheduleEntryData, schedule_entry_create
from congvu.workflow import services
from congvu.workflow.models import Assignment, ProgressReport, Task, TaskStatus
from congvu.workflow.task_services import task_create

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _future(days=10) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


def _give(leader, agency, lead, **kw):
    values = dict(title="Rà soát thủ tục hành chính", due_at=_future(), lead=lead)
    values.update(kw)
    return task_create(actor=leader, agency=agency, **values)


def test_list_tabs_and_overdue_flag(agency, leader, officer, officer2):
    mine = _give(leader, agency, officer.official, title="Việc của chuyên viên")
    _give(leader, agency, officer2.official, title="Việc của người khác")
    Assignment.objects.filter(task=mine, role="lead").update(due_at=timezone.now() - dt.timedelta(hours=2))
    html = client_for(leader).get(reverse("tasks:list")).content.decode()
    assert "Việc của chuyên viên" in html and "Việc của người khác" in html and "Toàn cơ quan" in html
    assert html.count('<span class="badge badge-overdue">Quá hạn</span>') == 1
    html = client_for(officer).get(reverse("tasks:list")).content.decode()
    assert "Việc của chuyên viên" in html and "Việc của người khác" not in html and "Toàn cơ quan" not in html
    assert "+ Giao việc" not in html
    html = client_for(leader).get(reverse("tasks:list"), {"overdue": "1"}).content.decode()
    assert "Việc của chuyên viên" in html and "Việc của người khác" not in html
    html = client_for(leader).get(reverse("tasks:list"), {"month": "tháng 11"}).content.decode()
    assert "Tháng “tháng 11” không hợp lệ; ghi theo dạng 11/2026." in html
    assert 'value="tháng 11" placeholder="11/2026"' in html
    today = timezone.localdate()
    for typed in (f"{today:%m/%Y}", f"{today.month}/{today.year}", f"{today.year}-{today.month}"):
        html = client_for(leader).get(reverse("tasks:list"), {"month": typed}).content.decode()
        assert "Việc của chuyên viên" in html and "Việc của người khác" in html and "không hợp lệ" not in html
        assert f'value="{today:%m/%Y}" placeholder="11/2026"' in html
    html = client_for(leader).get(reverse("tasks:list"), {"month": f"{today:%m}/{today.year - 1}"}).content.decode()
    assert "Việc của chuyên viên" not in html and "Việc của người khác" not in html


def test_leader_gives_a_task_through_the_form(agency, leader, officer, vp):
    page = client_for(leader).post(reverse("tasks:new"), {
        "title": "Chuẩn bị hội nghị tổng kết", "description": "Dự thảo báo cáo", "priority": "high",
        "due": "5 ngày làm việc", "lead": f"o:{officer.official.pk}", "coordinators": [f"d:{vp.pk}"],
        "files": [pdf_upload("de-cuong.pdf")]})
    task = Task.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("tasks:detail", args=[task.pk])
    assert (task.title, task.priority, task.source) == ("Chuẩn bị hội nghị tổng kết", "high", "own")
    assert list(Assignment.objects.filter(task=task).values_list("role", flat=True).order_by("pk")) == [
        "lead", "coordinate"]
    assert [a.original_name for a in task.attachments.all()] == ["de-cuong.pdf"]
    download = client_for(officer).get(reverse("tasks:file", args=[task.pk, task.attachments.get().pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_form_shows_the_services_messages_and_saves_nothing(agency, leader, officer, stranger):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    page = client_for(leader).post(reverse("tasks:new"), {
        "title": "", "due": yesterday, "lead": f"o:{stranger.official.pk}"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Chưa giao việc được." in html
    assert "Vui lòng nhập tên công việc." in html
    assert "Hạn xử lý không được trước ngày hôm nay." in html
    assert "Người được giao không thuộc cơ quan." in html
    assert Task.objects.count() == 0


def test_task_from_a_document_and_from_a_meeting(agency, leader, clerk, officer):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    client = client_for(leader)
    page = client.get(reverse("tasks:new"), {"document": doc.pk})
    assert "Giao việc theo văn bản" in page.content.decode()
    assert doc.subject in page.content.decode()
    client.post(reverse("tasks:new") + f"?document={doc.pk}", {
        "title": "Triển khai quyết định", "due": _future(), "lead": f"o:{officer.official.pk}",
        "document": str(doc.pk)})
    task = Task.objects.get()
    assert (task.source, task.document) == ("document", doc)
    entry = schedule_entry_create(actor=leader, agency=agency, publish=True, data=ScheduleEntryData(
        start=timezone.make_aware(dt.datetime(2026, 11, 23, 8, 0)), title="Giao ban lãnh đạo UBND"))
    page = client.get(reverse("tasks:new"), {"meeting": entry.pk})
    assert "Giao việc tại cuộc họp" in page.content.decode()
    client.post(reverse("tasks:new") + f"?meeting={entry.pk}", {
        "title": "Báo cáo tiến độ giải ngân", "due": _future(), "lead": f"o:{officer.official.pk}",
        "meeting_entry": str(entry.pk)})
    task = Task.objects.order_by("-pk").first()
    assert (task.source, task.meeting, task.meeting_reference) == (
        "meeting", entry, "Giao ban lãnh đạo UBND — 23/11/2026 08:00")
    html = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert f'<a href="/schedule/{entry.pk}/">Giao ban lãnh đạo UBND — 23/11/2026 08:00</a>' in html


def test_officer_cannot_open_the_form_and_other_agency_documents_are_404(agency, officer, leader, other_agency,
                                                                       other_clerk):
    assert client_for(officer).get(reverse("tasks:new")).status_code == 403
    foreign = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    assert client_for(leader).get(reverse("tasks:new"), {"document": foreign.pk}).status_code == 404
    assert Task.objects.count() == 0


def test_task_page_actions_go_through_the_workflow_and_come_back(agency, leader, officer):
    task = _give(leader, agency, officer.official)
    lead = Assignment.objects.get(task=task, role="lead")
    url = reverse("tasks:detail", args=[task.pk])
    html = client_for(officer).get(url).content.decode()
    assert "Cập nhật tiến độ" in html and "Báo cáo hoàn thành" in html and "Xin gia hạn" in html
    assert "Hủy công việc" not in html
    page = client_for(officer).post(reverse("workflow:assignment_action", args=[lead.pk, "progress"]),
                                    {"percent": "60", "note": "Đã xong phần khảo sát", "next": url})
    assert page.status_code == 302 and page["Location"] == url
    assert ProgressReport.objects.get().percent == 60
    client_for(officer).post(reverse("workflow:assignment_action", args=[lead.pk, "submit"]),
                             {"note": "Hoàn thành", "next": url})
    html = client_for(leader).get(url).content.decode()
    assert "Người chủ trì đã báo cáo hoàn thành." in html and "Duyệt kết quả, kết thúc công việc" in html
    page = client_for(leader).post(reverse("tasks:complete", args=[task.pk]), {"note": "Tốt"}, follow=True)
    assert "Đã duyệt kết quả và kết thúc công việc." in page.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_complete_too_early_says_why(agency, leader, officer):
    task = _give(leader, agency, officer.official)
    page = client_for(leader).post(reverse("tasks:complete", args=[task.pk]), follow=True)
    assert "Người chủ trì chưa báo cáo hoàn thành; chưa kết thúc công việc được." in page.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_edit_and_cancel_pages(agency, leader, officer):
    task = _give(leader, agency, officer.official)
    client = client_for(leader)
    page = client.post(reverse("tasks:edit", args=[task.pk]), {"title": "", "description": "", "priority": "normal"})
    assert "Vui lòng nhập tên công việc." in page.content.decode()
    client.post(reverse("tasks:edit", args=[task.pk]), {"title": "Tên mới", "description": "", "priority": "urgent"})
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Tên mới", "urgent")
    page = client.post(reverse("tasks:cancel", args=[task.pk]), {"reason": ""})
    assert "Vui lòng nhập lý do hủy." in page.content.decode()
    client.post(reverse("tasks:cancel", args=[task.pk]), {"reason": "Không còn cần thiết"})
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED


def test_officer_cannot_edit_complete_or_cancel(agency, leader, officer):
    task = _give(leader, agency, officer.official)
    services.assignment_submit(actor=officer, assignment=Assignment.objects.get(task=task, role="lead"))
    client = client_for(officer)
    journal = JournalEntry.objects.count()
    assert client.post(reverse("tasks:edit", args=[task.pk]), {"title": "x"}).status_code == 403
    assert client.post(reverse("tasks:complete", args=[task.pk])).status_code == 403
    assert client.post(reverse("tasks:cancel", args=[task.pk]), {"reason": "x"}).status_code == 403
    task.refresh_from_db()
    assert (task.title, task.status) == ("Rà soát thủ tục hành chính", "open")
    assert JournalEntry.objects.count() == journal


def test_another_agency_gets_404_everywhere(agency, leader, officer, other_agency):
    task = _give(leader, agency, officer.official, files=[pdf_upload()])
    outsider = client_for(make_official(other_agency, Role.LEADER).user)
    for url in (reverse("tasks:detail", args=[task.pk]), reverse("tasks:edit", args=[task.pk]),
                reverse("tasks:file", args=[task.pk, task.attachments.get().pk])):
        assert outsider.get(url).status_code == 404
    assert outsider.post(reverse("tasks:complete", args=[task.pk])).status_code == 404
    assert outsider.post(reverse("tasks:cancel", args=[task.pk]), {"reason": "x"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_report_page_and_xlsx(agency, leader, officer):
    _give(leader, agency, officer.official)
    month = f"{timezone.localdate():%Y-%m}"
    page = client_for(leader).get(reverse("tasks:report_monthly"), {"month": month, "by": "official"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO" in html and "(THEO CÁN BỘ)" in html
    assert officer.official.full_name in html
    today = timezone.localdate()
    day_month = f"{today.day:02d} tháng " + (f"0{today.month}" if today.month < 3 else f"{today.month}")
    assert f"ngày {day_month} năm {today.year}</div><div class=\"who\">NGƯỜI LẬP BÁO CÁO" in html
    assert f'name="month" value="{today:%m/%Y}" placeholder="11/2026"' in html
    assert f'href="?month={today:%Y-%m}&amp;by=official&amp;format=xlsx"' in html
    default = client_for(leader).get(reverse("tasks:report_monthly")).content.decode()
    assert f'name="month" value="{today:%m/%Y}"' in default and f"THÁNG {today:%m/%Y} (THEO PHÒNG, BAN)" in default
    xlsx = client_for(leader).get(reverse("tasks:report_monthly"), {"month": month, "by": "unit", "format": "xlsx"})
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx["Content-Disposition"] == f'attachment; filename="bao-cao-giao-viec-{month}-phong-ban.xlsx"'
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[6]][:4] == [1, "Phòng Nội vụ", 1, 1]
    page = client_for(leader).get(reverse("tasks:report_monthly"), {"month": "2099-01"})
    assert "Tháng 01/2099 chưa bắt đầu." in page.content.decode()
    assert client_for(officer).get(reverse("tasks:report_monthly")).status_code == 403


def test_document_page_button_include(agency, leader, officer, clerk):
    from django.template import Context, Template

    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    template = Template('{% include "workflow/tasks/_document_button.html" %}')

    def render(roles):
        return template.render(Context({"doc": doc, "current_roles": roles, "current_agency": agency})).strip()

    assert render(frozenset({"leader"})) == f'<a class="btn" href="/tasks/new/?document={doc.pk}">Giao việc</a>'
    assert render(frozenset({"officer"})) == ""
