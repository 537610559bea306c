"""Security review of processing and tasks: who reaches which page and endpoint, another agency, people of
the agency without the role, ids of another agency in forms and JSON, secret documents on every new
surface (timeline, my work, overdue list, tasks, report), files, redirects, CSRF and the journal. A refused
call changes nothing."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.core.errors import ValidationFailed
from congvu.documents.models import DocumentAccess, Secrecy
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload
from congvu.notifications.models import Notification
from congvu.org.models import Membership, Position, Role
from congvu.schedule.services import ScheduleEntryData, schedule_entry_create
from congvu.workflow import services, task_services
from congvu.workflow import task_urls as task_url_module
from congvu.workflow import urls as workflow_url_module
from congvu.workflow.models import Assignment, AssignmentStatus, ExtensionRequest, Task
from congvu.workflow.selectors import my_work, overdue_assignments
from congvu.workflow.tests.helpers import state

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Phương án xử lý vụ việc phức tạp về an ninh trật tự"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _future(days=10) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


def _direct(leader, doc, lead, **kw):
    return services.direction_give(actor=leader, document=doc, text="Đề nghị xử lý", lead=lead,
                                   due_at=kw.pop("due", _future()), **kw)


def _make_overdue(**filters) -> None:
    Assignment.objects.filter(**filters).update(due_at=timezone.now() - dt.timedelta(days=3))


def everything() -> dict:
    return state() | {"tasks": list(Task.objects.order_by("pk").values_list("pk", "title", "status")),
                      "policy": list(Membership.objects.order_by("pk").values_list("pk", "active"))}


def textarea(html: str, name: str) -> str:
    """The text a form's textarea starts with."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, name
    return match.group(1).strip()


def _page_urls(module) -> list[str]:
    out = []
    for p in module.urlpatterns:
        assert isinstance(p, URLPattern)
        kwargs = {name: ("submit" if name == "action" else 999) for name in p.pattern.converters}
        out.append(reverse(f"{module.app_name}:{p.name}", kwargs=kwargs))
    return out


def _api_paths(router) -> list[tuple[str, str]]:
    return [(method, re.sub(r"\{[^}]+\}", "999", path))
            for path, view in router.path_operations.items() for op in view.operations for method in op.methods]


@pytest.fixture
def secret(agency, clerk, leader):
    """A secret incoming document: the registering clerk and the leader are named on it."""
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(
        secrecy=Secrecy.CONFIDENTIAL, subject=SECRET_SUBJECT, number="12", notation="M-CA",
        access_official_ids=[leader.official.pk]))


@pytest.fixture
def deputy(agency):
    """Another leader of the agency, named on nothing."""
    return make_official(agency, Role.LEADER, username="phochutich", full_name="Võ Phó Chủ Tịch").user


# --- anonymous ----------------------------------------------------------------------------------

def test_every_processing_and_task_page_sends_the_anonymous_to_login(db):
    urls = _page_urls(workflow_url_module) + _page_urls(task_url_module)
    assert len(urls) == 13 + 8
    for url in urls:
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), (method, url)


def test_every_processing_and_task_endpoint_answers_401_to_the_anonymous(db):
    from congvu.api.tasks import router as task_router
    from congvu.api.workflow import router as workflow_router

    paths = _api_paths(workflow_router) + _api_paths(task_router)
    assert len(paths) == 16 + 8
    for method, path in paths:
        response = Client().generic(method, "/api/v1" + path, "{}", content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), (method, path)


# --- another agency -----------------------------------------------------------------------------

def test_another_agency_gets_404_on_a_documents_processing_and_its_assignments(doc, clerk, leader, officer,
                                                                              stranger, other_agency):
    services.document_present(actor=clerk, document=doc, to_official=leader.official)
    _direct(leader, doc, lead=officer.official)
    a = Assignment.objects.get()
    services.progress_record(actor=officer, assignment=a, percent=30, files=[pdf_upload("bc.pdf")])
    ext = services.extension_request(actor=officer, assignment=a, requested_due_at=_future(20), reason="Chờ số liệu")
    attachment = a.progress_reports.get().attachments.get()
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa").user
    clients = [(client_for(u), ApiClient(u)) for u in (stranger, foreign_leader)]
    before = everything()
    for web, api in clients:
        for name in ("panel", "slip"):
            assert web.get(reverse(f"workflow:{name}", args=[doc.pk])).status_code == 404, name
        assert web.get(reverse("workflow:progress_file", args=[attachment.pk])).status_code == 404
        assert web.post(reverse("workflow:present", args=[doc.pk]), {"to_official": ""}).status_code == 404
        assert web.post(reverse("workflow:direct", args=[doc.pk]), {"text": "x", "lead": f"o:{officer.official.pk}"}
                        ).status_code == 404
        for action in ("reassign", "decline", "read", "progress", "extension", "submit", "accept", "return",
                       "cancel"):
            response = web.post(reverse("workflow:assignment_action", args=[a.pk, action]),
                                {"reason": "x", "percent": "50", "note": "x"})
            assert response.status_code == 404, action
        assert web.post(reverse("workflow:extension_decide", args=[ext.pk]), {"decision": "approve"}
                        ).status_code == 404
        assert api.get(f"/documents/{doc.pk}/processing").status_code == 404
        assert api.get(f"/assignments/{a.pk}").status_code == 404
        for path, body in (("/progress", {"percent": 50}), ("/submit", {}), ("/accept", {}),
                           ("/return", {"reason": "x"}), ("/decline", {"reason": "x"}), ("/cancel", {"reason": "x"}),
                           ("/read", {}), ("/reassign", {"to_official": officer.official.pk}),
                           ("/extension", {"requested_due": _future(30), "reason": "x"})):
            assert api.post(f"/assignments/{a.pk}{path}", body).status_code == 404, path
        assert api.post(f"/extensions/{ext.pk}/decision", {"approve": True}).status_code == 404
        assert api.post(f"/documents/{doc.pk}/directions", {"text": "x", "lead": f"o:{officer.official.pk}"}
                        ).status_code == 404
    assert everything() == before


def test_another_agency_gets_404_on_a_task_its_files_and_its_assignments(agency, leader, officer, stranger):
    task = task_services.task_create(actor=leader, agency=agency, title="Rà soát thủ tục hành chính",
                                     due_at=_future(), lead=officer.official, files=[pdf_upload("kh.pdf")])
    a = Assignment.objects.get(task=task)
    att = task.attachments.get()
    web, api = client_for(stranger), ApiClient(stranger)
    before = everything()
    for name in ("detail", "edit", "cancel"):
        assert web.get(reverse(f"tasks:{name}", args=[task.pk])).status_code == 404, name
    assert web.get(reverse("tasks:file", args=[task.pk, att.pk])).status_code == 404
    assert web.post(reverse("tasks:complete", args=[task.pk])).status_code == 404
    assert web.post(reverse("tasks:cancel", args=[task.pk]), {"reason": "x"}).status_code == 404
    assert web.post(reverse("workflow:assignment_action", args=[a.pk, "progress"]), {"percent": "50"}
                    ).status_code == 404
    assert api.get(f"/tasks/{task.pk}").status_code == 404
    assert api.get(f"/tasks/{task.pk}/files/{att.pk}/content").status_code == 404
    assert api.patch(f"/tasks/{task.pk}", {"title": "Đổi"}).status_code == 404
    assert api.post(f"/tasks/{task.pk}/cancel", {"reason": "x"}).status_code == 404
    assert api.get(f"/assignments/{a.pk}").status_code == 404
    assert api.get("/tasks").json()["items"] == []
    for path in ("/tasks", "/my-work", "/assignments/overdue"):
        response = api.get(path, {"agency": agency.pk})
        assert (response.status_code, response.json()["message"]) == (404, "Không tìm thấy cơ quan."), path
    assert api.get("/reports/tasks/monthly", {"month": f"{timezone.localdate():%Y-%m}", "agency": agency.pk}
                   ).status_code == 404
    assert everything() == before


# --- people of the agency without the role ------------------------------------------------------

def test_an_official_not_on_a_task_reads_neither_its_assignments_nor_their_files(agency, leader, officer, officer2):
    """Tasks are seen by leaders, admins, their giver and their people: an assignment or a progress file of
    a task is no more visible than the task."""
    task = task_services.task_create(actor=leader, agency=agency, title="Chuẩn bị hồ sơ khen thưởng cá nhân",
                                     due_at=_future(), lead=officer2.official)
    a = Assignment.objects.get(task=task)
    services.progress_record(actor=officer2, assignment=a, percent=40, note="Đã thu thập",
                             files=[pdf_upload("danh-sach.pdf")])
    attachment = a.progress_reports.get().attachments.get()
    web, api = client_for(officer), ApiClient(officer)
    before = everything()
    assert web.get(reverse("tasks:detail", args=[task.pk])).status_code == 404
    response = api.get(f"/assignments/{a.pk}")
    assert (response.status_code, response.json()["message"]) == (404, "Không tìm thấy phân công xử lý.")
    assert web.get(reverse("workflow:progress_file", args=[attachment.pk])).status_code == 404
    for action in ("progress", "submit", "extension", "decline", "cancel", "accept"):
        assert web.post(reverse("workflow:assignment_action", args=[a.pk, action]),
                        {"percent": "90", "reason": "x", "requested_due_at": _future(30)}).status_code == 404, action
    assert everything() == before
    # Its assignee and its giver still do.
    assert ApiClient(officer2).get(f"/assignments/{a.pk}").json()["subject"] == task.title
    assert client_for(leader).get(reverse("workflow:progress_file", args=[attachment.pk])).status_code == 200


def test_roles_of_the_agency_are_checked_on_every_processing_page(doc, clerk, leader, officer, agency):
    web_officer, web_clerk = client_for(officer), client_for(clerk)
    api_officer = ApiClient(officer)
    DocumentAccess.objects.create(document=doc, official=officer.official)  # the officer may see it
    before = everything()
    assert web_officer.post(reverse("workflow:present", args=[doc.pk]), {"to_official": leader.official.pk}
                            ).status_code == 403
    assert web_officer.post(reverse("workflow:direct", args=[doc.pk]),
                            {"text": "x", "lead": f"o:{officer.official.pk}", "due": _future()}).status_code == 403
    assert web_clerk.post(reverse("workflow:direct", args=[doc.pk]),
                          {"text": "x", "lead": f"o:{officer.official.pk}", "due": _future()}).status_code == 403
    for name in ("to_present", "policy"):
        assert web_officer.get(reverse(f"workflow:{name}")).status_code == 403, name
    assert web_officer.post(reverse("workflow:policy"), {"present_to": "leader"}).status_code == 403
    assert web_clerk.get(reverse("workflow:policy")).status_code == 403
    assert web_officer.get(reverse("tasks:new")).status_code == 403
    assert web_officer.get(reverse("tasks:report_monthly")).status_code == 403
    assert api_officer.post(f"/documents/{doc.pk}/present", {}).status_code == 403
    response = api_officer.post("/tasks", {"title": "x", "lead": f"o:{officer.official.pk}", "due_at": _future()})
    assert (response.status_code, response.json()["message"]) == (
        403, "Chỉ lãnh đạo cơ quan hoặc lãnh đạo đơn vị được giao việc.")
    assert api_officer.get("/reports/tasks/monthly", {"month": f"{timezone.localdate():%Y-%m}"}).status_code == 403
    assert everything() == before


# --- ids of another agency ----------------------------------------------------------------------

def test_ids_of_another_agency_in_processing_are_refused(doc, agency, clerk, leader, officer, head, nv, stranger,
                                                        other_agency, agency_admin):
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa")
    foreign_dept = other_agency.departments.create(name="Văn phòng xã", code="VPX")
    api_clerk, api_leader, api_head = ApiClient(clerk), ApiClient(leader), ApiClient(head)
    before = everything()
    response = api_clerk.post(f"/documents/{doc.pk}/present", {"to_official": foreign_leader.pk})
    assert (response.status_code, response.json()["fields"]) == (
        400, {"to_official": "Chọn một lãnh đạo của cơ quan."})
    response = api_clerk.post(f"/documents/{doc.pk}/present", {"to_department": foreign_dept.pk})
    assert (response.status_code, response.json()["fields"]) == (
        400, {"to_department": "Chọn một phòng, ban của cơ quan."})
    response = api_leader.post(f"/documents/{doc.pk}/directions", {
        "text": "Giao xử lý", "lead": f"o:{stranger.official.pk}", "coordinators": [f"d:{foreign_dept.pk}"],
        "inform": [f"o:{foreign_leader.pk}"], "due": _future()})
    assert (response.status_code, response.json()["fields"]) == (400, {
        "lead": "Người được giao không thuộc cơ quan.", "coordinators": "Đơn vị được giao không thuộc cơ quan.",
        "inform": "Người được giao không thuộc cơ quan."})
    with pytest.raises(ValidationFailed) as exc:
        services.policy_update(actor=agency_admin, agency=agency, default_leader=foreign_leader.pk,
                               default_department=foreign_dept.pk)
    assert exc.value.fields == {"default_leader": "Người được giao không thuộc cơ quan.",
                                "default_department": "Đơn vị được giao không thuộc cơ quan."}
    assert everything() == before
    # Re-assigning a unit's row to an official of another agency.
    _direct(leader, doc, lead=nv)
    a = Assignment.objects.get()
    before = everything()
    response = api_head.post(f"/assignments/{a.pk}/reassign", {"to_official": stranger.official.pk})
    assert (response.status_code, response.json()["fields"]) == (
        400, {"to_official": "Người được giao không thuộc cơ quan."})
    assert everything() == before


def test_ids_of_another_agency_in_a_task_are_refused(agency, other_agency, leader, officer, stranger, other_clerk):
    foreign_doc = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    foreign_entry = schedule_entry_create(actor=other_clerk, agency=other_agency, publish=True, data=ScheduleEntryData(
        start=timezone.now() + dt.timedelta(days=1), title="Họp xã"))
    api = ApiClient(leader)
    before = everything()
    response = api.post("/tasks", {"title": "Việc", "lead": f"o:{stranger.official.pk}", "due_at": _future(),
                                   "document": foreign_doc.pk, "meeting_entry": foreign_entry.pk})
    assert (response.status_code, response.json()["fields"]) == (400, {
        "lead": "Người được giao không thuộc cơ quan.",
        "document": "Không tìm thấy văn bản hoặc bạn không có quyền xem.",
        "meeting": "Không tìm thấy cuộc họp trong lịch công tác của cơ quan."})
    web = client_for(leader)
    assert web.get(reverse("tasks:new"), {"document": foreign_doc.pk}).status_code == 404
    assert web.get(reverse("tasks:new"), {"meeting": foreign_entry.pk}).status_code == 404
    assert everything() == before


# --- secret documents ---------------------------------------------------------------------------

def test_the_processing_of_a_secret_document_is_hidden_from_those_not_named(secret, clerk, leader, deputy,
                                                                           officer, head, agency):
    services.document_present(actor=clerk, document=secret, to_official=leader.official)
    _direct(leader, secret, lead=officer.official)
    _make_overdue(document=secret)
    for user in (deputy, head):
        web, api = client_for(user), ApiClient(user)
        for name in ("panel", "slip"):
            assert web.get(reverse(f"workflow:{name}", args=[secret.pk])).status_code == 404, (user, name)
        assert api.get(f"/documents/{secret.pk}/processing").status_code == 404
        for url in (reverse("workflow:my_work"), reverse("workflow:overdue"), reverse("workflow:awaiting_direction")):
            assert SECRET_SUBJECT not in web.get(url).content.decode(), (user.username, url)
        assert api.get("/assignments/overdue").json() == {"total": 0, "next_cursor": None, "items": []}
        assert SECRET_SUBJECT not in api.get("/my-work").content.decode()
    # The officer's unit head sees his ordinary overdue work, and the named leader sees this one.
    assert overdue_assignments(head, agency.pk).total == 0
    page = overdue_assignments(leader, agency.pk)
    assert [a.subject_label for a in page.items] == [f"12/M-CA — {SECRET_SUBJECT}"]
    assert [i.title for i in my_work(officer, agency.pk).items] == [f"12/M-CA — {SECRET_SUBJECT}"]


def test_a_unit_head_appointed_later_does_not_learn_a_secret_subject_from_my_work(secret, leader, agency, nv):
    _direct(leader, secret, lead=nv)
    _make_overdue(document=secret)
    new_head = make_official(agency, Role.OFFICER, username="truongphong_moi", department=nv).user
    Membership.objects.filter(official=new_head.official).update(
        position=Position.objects.get_or_create(name="Trưởng phòng", defaults={"is_leader": True})[0])
    assert my_work(new_head, agency.pk).items == []
    assert overdue_assignments(new_head, agency.pk).total == 0


def test_presenting_a_secret_document_to_a_leader_names_him_on_it(secret, clerk, deputy, agency):
    services.document_present(actor=clerk, document=secret, to_official=deputy.official)
    # He is told, and may open what he is told about and direct it.
    assert Notification.objects.get(official=deputy.official).title == f"Văn bản trình xin ý kiến: 12/M-CA {SECRET_SUBJECT}"
    assert DocumentAccess.objects.filter(document=secret, official=deputy.official).exists()
    assert client_for(deputy).get(reverse("workflow:panel", args=[secret.pk])).status_code == 200
    grant = JournalEntry.objects.get(action="document.access_grant")
    assert (grant.object_id, grant.after) == (str(secret.pk), {"official_ids": [deputy.official.pk]})


def test_a_task_from_a_secret_document_does_not_spread_its_subject(secret, agency, leader, deputy, officer2):
    web = client_for(leader)
    form = web.get(reverse("tasks:new"), {"document": secret.pk}).content.decode()
    assert textarea(form, "title") == ""
    task = task_services.task_create(actor=leader, agency=agency, title="Rà soát, báo cáo theo văn bản mật",
                                     document=secret, due_at=_future(), lead=officer2.official)
    for user in (deputy, officer2):
        html = client_for(user).get(reverse("tasks:detail", args=[task.pk])).content.decode()
        assert "Rà soát, báo cáo theo văn bản mật" in html and SECRET_SUBJECT not in html, user.username
        assert "Văn bản bạn không có quyền xem" in html
        assert SECRET_SUBJECT not in client_for(user).get(reverse("tasks:list")).content.decode()
        assert SECRET_SUBJECT not in ApiClient(user).get(f"/tasks/{task.pk}").content.decode()
    month = f"{timezone.localdate():%Y-%m}"
    for fmt in ("", "xlsx"):
        response = client_for(deputy).get(reverse("tasks:report_monthly"), {"month": month, "format": fmt})
        assert response.status_code == 200
        body = response.content if fmt else response.content.decode().encode()
        assert SECRET_SUBJECT.encode() not in body
    xlsx = client_for(deputy).get(reverse("tasks:report_monthly"), {"month": month, "format": "xlsx"}).content
    from openpyxl import load_workbook

    cells = [c.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row if c.value]
    assert not [c for c in cells if isinstance(c, str) and ("mật" in c or SECRET_SUBJECT in c)]


# --- redirects, CSRF, journal -------------------------------------------------------------------

def test_the_next_of_an_assignment_action_never_leaves_the_site(doc, leader, officer):
    _direct(leader, doc, lead=officer.official)
    a = Assignment.objects.get()
    web = client_for(officer)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"):
        response = web.post(reverse("workflow:assignment_action", args=[a.pk, "progress"]),
                            {"percent": "10", "next": target})
        assert (response.status_code, response["Location"]) == (302, f"/documents/{doc.pk}/"), target
    response = web.post(reverse("workflow:assignment_action", args=[a.pk, "progress"]),
                        {"percent": "20", "next": "/my-work/"})
    assert response["Location"] == "/my-work/"


def test_processing_posts_without_the_csrf_token_are_refused(doc, clerk, leader, officer):
    web = Client(enforce_csrf_checks=True)
    web.force_login(clerk)
    before = everything()
    assert web.post(reverse("workflow:present", args=[doc.pk]), {"to_official": leader.official.pk}
                    ).status_code == 403
    response = web.post(f"/api/v1/documents/{doc.pk}/present", {"to_official": leader.official.pk},
                        content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    web.force_login(leader)
    assert web.post(reverse("tasks:new"), {"title": "x", "lead": f"o:{officer.official.pk}", "due": _future()}
                    ).status_code == 403
    assert everything() == before


def test_every_processing_step_is_journaled(doc, agency, clerk, leader, officer, head, nv, agency_admin, officer2):
    p = services.document_present(actor=clerk, document=doc, to_official=leader.official)
    services.presentation_withdraw(actor=clerk, presentation=p)
    services.document_present(actor=clerk, document=doc, to_department=nv)
    _direct(leader, doc, lead=nv, coordinators=[officer2.official], inform=[agency_admin.official])
    unit_row = Assignment.objects.get(assignee_department=nv)
    child = services.assignment_reassign(actor=head, assignment=unit_row, to_official=officer.official)
    services.progress_record(actor=officer, assignment=child, percent=50)
    ext = services.extension_request(actor=officer, assignment=child, requested_due_at=_future(20), reason="Chờ")
    services.extension_decide(actor=head, extension=ext, approve=False, note="Không cần")
    services.assignment_submit(actor=officer, assignment=child)
    services.assignment_return(actor=head, assignment=child, reason="Bổ sung")
    services.assignment_submit(actor=officer, assignment=child)
    services.assignment_accept(actor=head, assignment=child)
    coord = Assignment.objects.get(assignee_official=officer2.official)
    services.assignment_decline(actor=officer2, assignment=coord, reason="Không thuộc lĩnh vực")
    services.assignment_read(actor=agency_admin, assignment=Assignment.objects.get(assignee_official=agency_admin.official))
    services.assignment_cancel(actor=leader, assignment=unit_row, reason="Giao lại")
    services.policy_update(actor=agency_admin, agency=agency, overdue_repeat_days=2)
    task = task_services.task_create(actor=leader, agency=agency, title="Việc", due_at=_future(), lead=officer.official)
    task_services.task_update(actor=leader, task=task, title="Việc đã sửa")
    task_services.task_cancel(actor=leader, task=task, reason="Thôi")
    actions = [a for a in JournalEntry.objects.order_by("pk").values_list("action", flat=True)
               if a.startswith(("workflow.", "task.", "document.access"))]
    assert actions == [
        "workflow.present", "document.access_grant", "workflow.present_withdraw", "workflow.present",
        "document.access_grant", "workflow.direct", "document.access_grant", "workflow.assign", "workflow.assign", "workflow.assign",
        "workflow.reassign", "workflow.progress", "workflow.extension_request", "workflow.extension_decide",
        "workflow.submit", "workflow.return", "workflow.submit", "workflow.accept", "workflow.submit",
        "workflow.decline", "workflow.read", "workflow.cancel", "workflow.policy_update",
        "task.create", "workflow.assign", "task.update", "workflow.cancel", "task.cancel"]
    assert ExtensionRequest.objects.get().status == "rejected"
    assert Assignment.objects.get(pk=child.pk).status == AssignmentStatus.ACCEPTED
