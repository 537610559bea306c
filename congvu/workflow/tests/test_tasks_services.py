"""Giving, following, completing and cancelling tasks (giao việc): allowed and refused. A refused call
changes nothing (tasks, assignments, files, timeline, journal, notifications)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Secrecy, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload
from congvu.notifications.models import Notification
from congvu.org.models import Role
from congvu.schedule.services import ScheduleEntryData, schedule_entry_create
from congvu.workdays.services import calendar_for, deadline_after
from congvu.workflow import services, task_selectors
from congvu.workflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    EventKind,
    ProcessingEvent,
    Task,
    TaskAttachment,
    TaskSource,
    TaskStatus,
)
from congvu.workflow.task_services import task_cancel, task_complete, task_create, task_update
from congvu.workflow.tests.helpers import state

pytestmark = pytest.mark.django_db


def _day(days=10) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _future(days=10) -> str:
    return _day(days).strftime("%d/%m/%Y")


def _everything() -> dict:
    return state() | {
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "title", "status", "priority")),
        "task_files": TaskAttachment.objects.count(),
        "stored": StoredFile.objects.count(),
    }


def _give(leader, agency, lead, **kw):
    values = dict(title="Rà soát thủ tục hành chính cấp huyện", description="Báo cáo kết quả rà soát",
                  due_at=_future(), lead=lead)
    values.update(kw)
    return task_create(actor=leader, agency=agency, **values)


# --- giving ----------------------------------------------------------------------------------------

def test_leader_gives_a_task_with_lead_coordinator_inform_and_files(agency, leader, officer, officer2, nv, vp):
    task = _give(leader, agency, lead=officer.official, coordinators=[vp], inform=[f"o:{officer2.official.pk}"],
                 priority="high", files=[pdf_upload("ke-hoach.pdf")])
    task.refresh_from_db()
    due = calendar_for(agency=agency).closing(_day())
    assert (task.title, task.source, task.priority, task.status, task.due_at, task.created_by) == (
        "Rà soát thủ tục hành chính cấp huyện", TaskSource.OWN, "high", TaskStatus.OPEN, due, leader.official)
    rows = list(Assignment.objects.filter(task=task).order_by("pk").values_list(
        "role", "assignee_official_id", "assignee_department_id", "due_at", "status", "urgency_rank"))
    assert rows == [("lead", officer.official.pk, None, due, "pending", 1),
                    ("coordinate", None, vp.pk, due, "pending", 1),
                    ("inform", officer2.official.pk, None, None, "pending", 1)]
    assert [a.original_name for a in task.attachments.all()] == ["ke-hoach.pdf"]
    events = list(ProcessingEvent.objects.filter(task=task).values_list("kind", flat=True))
    assert events == [EventKind.TASK_CREATED, EventKind.ASSIGNED]
    row = JournalEntry.objects.get(action="task.create")
    assert (row.object_id, row.after["title"], row.after["files"], row.after["meeting_id"]) == (
        str(task.pk), "Rà soát thủ tục hành chính cấp huyện", ["ke-hoach.pdf"], None)
    assert JournalEntry.objects.filter(action="workflow.assign").count() == 3
    told = set(Notification.objects.filter(kind="workflow.assigned").values_list("official_id", flat=True))
    assert officer.official.pk in told and officer2.official.pk in told


def test_due_in_working_days_goes_through_the_calendar(agency, leader, officer):
    before = timezone.now()
    task = _give(leader, agency, lead=officer.official, due_at=None, due_in_working_days=5)
    after = timezone.now()
    assert deadline_after(agency=agency, start=before, working_days=5) <= task.due_at
    assert task.due_at <= deadline_after(agency=agency, start=after, working_days=5)
    assert Assignment.objects.get(task=task, role="lead").due_at == task.due_at


def test_task_from_a_document_and_from_a_meeting(agency, leader, clerk, officer):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    from_doc = _give(leader, agency, lead=officer.official, document=doc, title="Triển khai quyết định")
    assert (from_doc.source, from_doc.document) == (TaskSource.DOCUMENT, doc)
    entry = schedule_entry_create(actor=leader, agency=agency, publish=True, data=ScheduleEntryData(
        start=timezone.make_aware(dt.datetime(2026, 11, 23, 8, 0)), title="Giao ban lãnh đạo UBND",
        place="Phòng họp số 1"))
    from_meeting = _give(leader, agency, lead=officer.official, meeting=entry, title="Chuẩn bị báo cáo quý IV")
    assert (from_meeting.source, from_meeting.meeting, from_meeting.meeting_reference) == (
        TaskSource.MEETING, entry, "Giao ban lãnh đạo UBND — 23/11/2026 08:00, Phòng họp số 1")
    journal = JournalEntry.objects.filter(action="task.create").order_by("-pk").first()
    assert journal.after["meeting_id"] == entry.pk
    typed = _give(leader, agency, lead=officer.official, meeting="Họp Ban Chỉ đạo ngày 20/11")
    assert (typed.source, typed.meeting, typed.meeting_reference) == (
        TaskSource.MEETING, None, "Họp Ban Chỉ đạo ngày 20/11")


def test_unit_head_gives_tasks_inside_the_unit_only(agency, head, officer, officer2, nv):
    task = task_create(actor=head, agency=agency, title="Tổng hợp hồ sơ nâng lương", due_at=_future(),
                       lead=officer.official)
    assert task.created_by == head.official
    before = _everything()
    with pytest.raises(ValidationFailed) as err:
        task_create(actor=head, agency=agency, title="Việc ngoài đơn vị", due_at=_future(), lead=officer2.official)
    assert err.value.fields == {"lead": "Lãnh đạo đơn vị chỉ giao việc cho đơn vị mình và cán bộ trong đơn vị."}
    assert _everything() == before


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CLERK, Role.ONESTOP, Role.AGENCY_ADMIN])
def test_other_roles_cannot_give_tasks(agency, officer, role):
    user = make_official(agency, role).user
    before = _everything()
    with pytest.raises(PermissionDenied) as err:
        task_create(actor=user, agency=agency, title="Việc", due_at=_future(), lead=officer.official)
    assert err.value.message == "Chỉ lãnh đạo cơ quan hoặc lãnh đạo đơn vị được giao việc."
    assert _everything() == before


def test_leader_of_another_agency_cannot_give_tasks_here(agency, other_agency, officer):
    outsider = make_official(other_agency, Role.LEADER).user
    before = _everything()
    with pytest.raises(PermissionDenied):
        task_create(actor=outsider, agency=agency, title="Việc", due_at=_future(), lead=officer.official)
    assert _everything() == before


def test_someone_outside_the_agency_two_leads_and_a_past_deadline_are_refused(agency, leader, officer, officer2,
                                                                              stranger):
    before = _everything()
    with pytest.raises(ValidationFailed) as err:
        _give(leader, agency, lead=stranger.official)
    assert err.value.message == "Thông tin giao việc chưa hợp lệ."
    assert err.value.fields == {"lead": "Người được giao không thuộc cơ quan."}
    with pytest.raises(ValidationFailed) as err:
        _give(leader, agency, lead=[officer.official, officer2.official])
    assert err.value.fields == {"lead": "Chỉ được giao một người hoặc đơn vị chủ trì."}
    with pytest.raises(ValidationFailed) as err:
        _give(leader, agency, lead=officer.official, due_at=(timezone.localdate() - dt.timedelta(days=1))
              .strftime("%d/%m/%Y"))
    assert err.value.fields == {"due_at": "Hạn xử lý không được trước ngày hôm nay."}
    with pytest.raises(ValidationFailed) as err:
        _give(leader, agency, lead=officer.official, coordinators=[stranger.official])
    assert err.value.fields == {"coordinators": "Người được giao không thuộc cơ quan."}
    assert _everything() == before


def test_every_missing_field_is_named(agency, leader):
    before = _everything()
    with pytest.raises(ValidationFailed) as err:
        task_create(actor=leader, agency=agency, title="  ", lead=None, priority="rất gấp")
    assert err.value.fields == {
        "title": "Vui lòng nhập tên công việc.", "priority": "Mức độ không hợp lệ.",
        "due_at": "Vui lòng nhập hạn xử lý (dd/mm/yyyy hoặc “N ngày làm việc”).",
        "lead": "Vui lòng chọn một người hoặc đơn vị chủ trì.",
    }
    assert _everything() == before


def test_same_person_twice_is_refused(agency, leader, officer):
    with pytest.raises(ValidationFailed) as err:
        _give(leader, agency, lead=officer.official, coordinators=[officer.official])
    assert err.value.fields == {"coordinators": f"“{officer.official.full_name}” được chọn hai lần; mỗi người, "
                                                "đơn vị chỉ nhận một vai trò."}
    assert Task.objects.count() == 0


def test_document_the_leader_cannot_see_or_of_another_agency(agency, leader, clerk, officer, other_clerk,
                                                            other_agency):
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(secrecy=Secrecy.SECRET))
    foreign = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    before = _everything()
    for doc in (secret, foreign):
        with pytest.raises(ValidationFailed) as err:
            _give(leader, agency, lead=officer.official, document=doc)
        assert err.value.fields == {"document": "Không tìm thấy văn bản hoặc bạn không có quyền xem."}
    assert _everything() == before


def test_a_refused_file_leaves_nothing(agency, leader, officer, settings):
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/octet-stream")
    before = _everything()
    with pytest.raises(ValidationFailed) as err:
        _give(leader, agency, lead=officer.official, files=[pdf_upload(), bad])
    assert list(err.value.fields) == ["files"]
    assert _everything() == before
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in __import__("pathlib").Path(media).rglob("*"))


# --- seeing -----------------------------------------------------------------------------------------

def test_who_sees_a_task(agency, leader, officer, officer2, head, clerk, agency_admin, nv, stranger):
    to_unit = _give(leader, agency, lead=nv, title="Giao phòng Nội vụ")
    to_officer2 = _give(leader, agency, lead=officer2.official, title="Giao Lê Phối Hợp")

    def seen(user):
        return set(task_selectors.visible_tasks(user).values_list("title", flat=True))

    assert seen(leader) == seen(agency_admin) == {"Giao phòng Nội vụ", "Giao Lê Phối Hợp"}
    assert seen(officer) == seen(head) == {"Giao phòng Nội vụ"}  # members of Phòng Nội vụ
    assert seen(officer2) == {"Giao Lê Phối Hợp"}
    assert seen(clerk) == set()
    assert seen(stranger) == set()
    with pytest.raises(NotFound):
        task_selectors.task_get(user=stranger, pk=to_unit.pk)
    with pytest.raises(NotFound):
        task_selectors.task_get(user=officer, pk=to_officer2.pk)


def test_list_filters(agency, leader, officer, officer2, nv, vp):
    a = _give(leader, agency, lead=officer.official, title="A")
    _give(leader, agency, lead=vp, title="B", priority="urgent")
    c = _give(leader, agency, lead=officer2.official, title="C")
    Task.objects.filter(pk=c.pk).update(created_at=timezone.make_aware(dt.datetime(2026, 10, 15, 9, 0)))
    # A is overdue: its lead's deadline passed (written directly: services refuse past deadlines).
    Assignment.objects.filter(task=a, role="lead").update(due_at=timezone.now() - dt.timedelta(hours=1))

    def titles(**kw):
        return [t.title for t in task_selectors.task_list(user=leader, agency_id=agency.pk, **kw)]

    assert titles() == ["B", "A", "C"]  # urgent first, then by the lead's deadline
    assert titles(overdue=True) == ["A"]
    assert titles(department_id=nv.pk) == ["A"]
    assert titles(department_id=vp.pk) == ["B", "C"]
    assert titles(month="2026-10") == titles(month="10/2026") == ["C"]
    assert titles(scope="mine") == []
    assert [t.title for t in task_selectors.task_list(user=officer, agency_id=agency.pk, scope="mine")] == ["A"]
    with pytest.raises(ValidationFailed) as err:
        titles(month="2026-13")
    assert err.value.fields == {"month": "Tháng không hợp lệ; ví dụ 11/2026."}


# --- following and completing -----------------------------------------------------------------------

def test_full_journey_progress_extension_submit_return_submit_complete(agency, leader, officer, officer2):
    task = _give(leader, agency, lead=officer.official, coordinators=[officer2.official])
    lead = Assignment.objects.get(task=task, role="lead")
    coord = Assignment.objects.get(task=task, role="coordinate")
    services.progress_record(actor=officer, assignment=lead, percent=40, note="Đã rà soát 12 thủ tục")
    ext = services.extension_request(actor=officer, assignment=lead, requested_due_at=_future(20),
                                     reason="Chờ số liệu của xã")
    services.extension_decide(actor=leader, extension=ext, approve=True)
    lead.refresh_from_db()
    assert lead.due_at == calendar_for(agency=agency).closing(_day(20))
    view = task_selectors.task_view(user=leader, task=task)
    assert view.due_at == lead.due_at and view.task.due_at == calendar_for(agency=agency).closing(_day(10))
    with pytest.raises(Conflict) as err:
        task_complete(actor=leader, task=task)
    assert err.value.message == "Người chủ trì chưa báo cáo hoàn thành; chưa kết thúc công việc được."
    services.assignment_submit(actor=officer, assignment=lead, note="Báo cáo kèm theo")
    services.assignment_return(actor=leader, assignment=lead, reason="Bổ sung số liệu xã Quế Lộc")
    services.assignment_submit(actor=officer, assignment=lead, note="Đã bổ sung")
    task = task_complete(actor=leader, task=task, note="Đạt yêu cầu")
    task.refresh_from_db()
    lead.refresh_from_db()
    coord.refresh_from_db()
    assert (task.status, lead.status, lead.accepted_by, coord.status, coord.reason) == (
        TaskStatus.DONE, AssignmentStatus.ACCEPTED, leader.official, AssignmentStatus.CANCELLED,
        "Công việc đã hoàn thành: kết quả của người chủ trì đã được duyệt.")
    assert task.closed_at is not None
    last = ProcessingEvent.objects.filter(task=task).order_by("-pk").first()
    assert (last.kind, last.text) == (EventKind.TASK_CLOSED, "Kết thúc công việc: đã hoàn thành. Đạt yêu cầu")
    assert JournalEntry.objects.filter(action="task.complete", object_id=str(task.pk)).count() == 1
    with pytest.raises(Conflict):
        task_complete(actor=leader, task=task)


def test_complete_takes_a_result_already_accepted(agency, leader, officer):
    task = _give(leader, agency, lead=officer.official)
    lead = Assignment.objects.get(task=task, role="lead")
    services.assignment_submit(actor=officer, assignment=lead)
    services.assignment_accept(actor=leader, assignment=lead)
    assert task_complete(actor=leader, task=task).status == TaskStatus.DONE


def test_unit_lead_reassigned_inside_the_unit(agency, leader, head, officer, nv):
    task = _give(leader, agency, lead=nv)
    unit_row = Assignment.objects.get(task=task, role="lead")
    child = services.assignment_reassign(actor=head, assignment=unit_row, to_official=officer.official)
    services.assignment_submit(actor=officer, assignment=child, note="Xong")
    services.assignment_accept(actor=head, assignment=child)
    unit_row.refresh_from_db()
    assert unit_row.status == AssignmentStatus.SUBMITTED
    task_complete(actor=leader, task=task)
    unit_row.refresh_from_db()
    assert unit_row.status == AssignmentStatus.ACCEPTED


def test_only_the_giver_or_a_leader_completes_or_cancels(agency, leader, officer, head):
    task = task_create(actor=head, agency=agency, title="Việc của phòng", due_at=_future(), lead=officer.official)
    services.assignment_submit(actor=officer, assignment=Assignment.objects.get(task=task, role="lead"))
    before = _everything()
    with pytest.raises(PermissionDenied):
        task_complete(actor=officer, task=task)
    with pytest.raises(PermissionDenied):
        task_cancel(actor=officer, task=task, reason="Không cần nữa")
    assert _everything() == before
    other_leader = make_official(agency, Role.LEADER).user
    assert task_complete(actor=other_leader, task=task).status == TaskStatus.DONE


def test_cancel_withdraws_every_open_assignment(agency, leader, officer, officer2, nv):
    task = _give(leader, agency, lead=officer.official, coordinators=[nv], inform=[officer2.official])
    with pytest.raises(ValidationFailed) as err:
        task_cancel(actor=leader, task=task, reason=" ")
    assert err.value.fields == {"reason": "Vui lòng nhập lý do hủy."}
    task = task_cancel(actor=leader, task=task, reason="Đã có văn bản của tỉnh thay thế")
    assert task.status == TaskStatus.CANCELLED
    assert set(Assignment.objects.filter(task=task).values_list("status", flat=True)) == {"cancelled"}
    assert JournalEntry.objects.filter(action="task.cancel").count() == 1
    before = _everything()
    with pytest.raises(Conflict):
        task_cancel(actor=leader, task=task, reason="Lần nữa")
    with pytest.raises(Conflict):
        task_update(actor=leader, task=task, title="Đổi tên")
    assert _everything() == before


def test_update_title_and_priority_reranks_open_rows(agency, leader, officer):
    task = _give(leader, agency, lead=officer.official)
    task_update(actor=leader, task=task, title="Rà soát TTHC (bổ sung)", priority="urgent")
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Rà soát TTHC (bổ sung)", "urgent")
    assert list(Assignment.objects.filter(task=task).values_list("urgency_rank", flat=True)) == [2]
    row = JournalEntry.objects.get(action="task.update")
    assert row.before == {"title": "Rà soát thủ tục hành chính cấp huyện", "priority": "normal"}
    assert row.after == {"title": "Rà soát TTHC (bổ sung)", "priority": "urgent"}
    with pytest.raises(ValidationFailed) as err:
        task_update(actor=leader, task=task, title="")
    assert err.value.fields == {"title": "Vui lòng nhập tên công việc."}
    task.refresh_from_db()
    assert task.title == "Rà soát TTHC (bổ sung)"


def test_other_agency_cannot_act_on_a_task(agency, leader, officer, other_agency):
    task = _give(leader, agency, lead=officer.official)
    outsider = make_official(other_agency, Role.LEADER).user
    before = _everything()
    for call in (lambda: task_complete(actor=outsider, task=task),
                 lambda: task_cancel(actor=outsider, task=task, reason="x"),
                 lambda: task_update(actor=outsider, task=task, title="x")):
        with pytest.raises(NotFound):
            call()
    lead = Assignment.objects.get(task=task, role=AssignmentRole.LEAD)
    with pytest.raises((NotFound, PermissionDenied)):
        services.progress_record(actor=outsider, assignment=lead, percent=10)
    assert _everything() == before
