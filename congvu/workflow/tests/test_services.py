"""Every processing step allowed and forbidden: presentation, direction, re-assignment, progress, extension,
submission, acceptance, return, decline, cancel, inform, reply. A refused step changes nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import DocumentAccess, Secrecy
from congvu.documents.selectors import visible_documents
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data, pdf_upload
from congvu.notifications.models import Notification
from congvu.org.models import Role
from congvu.workdays.services import calendar_for
from congvu.workflow import services
from congvu.workflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Direction,
    EventKind,
    ExtensionStatus,
    Presentation,
    PresentationStatus,
    ProcessingEvent,
    ProcessingPolicy,
    ProgressAttachment,
    Task,
)
from congvu.workflow.selectors import open_work_count
from congvu.workflow.tests.helpers import state

pytestmark = pytest.mark.django_db


def _future(days=10) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


def _direct(leader, doc, lead, coordinators=(), inform=(), due=None, **kw):
    return services.direction_give(actor=leader, document=doc, text="Đề nghị nghiên cứu, tham mưu", lead=lead,
                                   coordinators=coordinators, inform=inform, due_at=due or _future(), **kw)


# --- presentation ----------------------------------------------------------------------------------

def test_clerk_presents_to_a_leader_who_is_notified(doc, clerk, leader):
    p = services.document_present(actor=clerk, document=doc, to_official=leader.official, note="Kính trình")
    assert (p.status, p.to_official_id, p.presented_by_id, p.note) == (
        PresentationStatus.PENDING, leader.official.pk, clerk.official.pk, "Kính trình")
    event = ProcessingEvent.objects.get(document=doc)
    assert (event.kind, event.text) == (EventKind.PRESENTED, f"Người nhận: {leader.official.full_name}. Kính trình")
    assert JournalEntry.objects.filter(action="workflow.present", object_id=str(p.pk)).count() == 1
    n = Notification.objects.get(official=leader.official)
    assert n.kind == "workflow.presented" and n.url == f"/documents/{doc.pk}/"


def test_presenting_uses_the_agency_policy_when_no_target_is_given(doc, clerk, agency, nv):
    ProcessingPolicy.objects.create(agency=agency, present_to="department", default_department=nv)
    p = services.document_present(actor=clerk, document=doc)
    assert (p.to_department_id, p.to_official_id) == (nv.pk, None)


def test_presenting_without_target_or_policy_is_refused(doc, clerk):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.document_present(actor=clerk, document=doc)
    assert exc.value.fields == {"to_official": "Chọn lãnh đạo nhận trình."}
    assert state() == before


def test_only_the_clerk_presents(doc, officer, leader):
    DocumentAccess.objects.create(document=doc, official=officer.official)  # the officer can see it
    before = state()
    with pytest.raises(PermissionDenied) as exc:
        services.document_present(actor=officer, document=doc, to_official=leader.official)
    assert exc.value.message == "Chỉ văn thư của cơ quan được trình văn bản đến."
    assert state() == before


def test_presenting_twice_is_a_conflict(doc, clerk, leader):
    services.document_present(actor=clerk, document=doc, to_official=leader.official)
    before = state()
    with pytest.raises(Conflict):
        services.document_present(actor=clerk, document=doc, to_official=leader.official)
    assert state() == before


def test_presenting_to_someone_who_is_not_a_leader_is_refused(doc, clerk, officer):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.document_present(actor=clerk, document=doc, to_official=officer.official)
    assert exc.value.fields == {"to_official": "Chọn một lãnh đạo của cơ quan."}
    assert state() == before


def test_presenting_another_agencys_document_is_not_found(doc, other_clerk, leader):
    before = state()
    with pytest.raises(NotFound):
        services.document_present(actor=other_clerk, document=doc, to_official=leader.official)
    assert state() == before


def test_outgoing_documents_are_not_presented(agency, clerk, leader):
    out = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    with pytest.raises(ValidationFailed):
        services.document_present(actor=clerk, document=out, to_official=leader.official)
    assert Presentation.objects.count() == 0


def test_withdraw_a_pending_presentation(doc, clerk, leader):
    p = services.document_present(actor=clerk, document=doc, to_official=leader.official)
    services.presentation_withdraw(actor=clerk, presentation=p)
    p.refresh_from_db()
    assert p.status == PresentationStatus.WITHDRAWN
    services.document_present(actor=clerk, document=doc, to_official=leader.official)  # may present again
    assert Presentation.objects.filter(status=PresentationStatus.PENDING).count() == 1


# --- direction -------------------------------------------------------------------------------------

def test_leader_directs_with_lead_coordinator_and_inform(doc, clerk, leader, officer, officer2, nv, vp, agency):
    services.document_present(actor=clerk, document=doc, to_official=leader.official)
    d = _direct(leader, doc, lead=nv, coordinators=[officer2.official], inform=[f"d:{vp.pk}"], due=_future(10))
    expected_due = calendar_for(agency=agency).closing(timezone.localdate() + dt.timedelta(days=10))
    rows = list(Assignment.objects.order_by("pk").values_list("role", "assignee_official_id", "assignee_department_id",
                                                             "status", "due_at", "assigned_by_id", "direction_id"))
    assert rows == [
        (AssignmentRole.LEAD, None, nv.pk, AssignmentStatus.PENDING, expected_due, leader.official.pk, d.pk),
        (AssignmentRole.COORDINATE, officer2.official.pk, None, AssignmentStatus.PENDING, expected_due,
         leader.official.pk, d.pk),
        (AssignmentRole.INFORM, None, vp.pk, AssignmentStatus.PENDING, None, leader.official.pk, d.pk),
    ]
    assert Presentation.objects.get().status == PresentationStatus.DIRECTED
    assert d.due_at == expected_due and d.text == "Đề nghị nghiên cứu, tham mưu"
    assert JournalEntry.objects.filter(action="workflow.direct").count() == 1
    assert JournalEntry.objects.filter(action="workflow.assign").count() == 3
    # The officer of the lead unit and the coordinator now see the document; each was told.
    assert visible_documents(officer).filter(pk=doc.pk).exists()
    assert visible_documents(officer2).filter(pk=doc.pk).exists()
    # officer2 coordinates, and belongs to the Văn phòng informed: two notices.
    titles = Notification.objects.filter(official=officer2.official, kind="workflow.assigned").order_by("pk")
    assert [t.split(":")[0] for t in titles.values_list("title", flat=True)] == ["Phối hợp", "Để biết"]


def test_due_in_working_days_goes_through_the_calendar(doc, leader, officer, agency):
    before = timezone.now()
    _direct(leader, doc, lead=officer.official, due="3 ngày làm việc")
    a = Assignment.objects.get()
    cal = calendar_for(agency=agency)
    assert cal.add_working_days(before, 3) <= a.due_at <= cal.add_working_days(timezone.now(), 3)


def test_due_in_working_days_argument(doc, leader, officer, agency):
    services.direction_give(actor=leader, document=doc, text="Xử lý", lead=officer.official, due_in_working_days=5)
    a = Assignment.objects.get()
    assert calendar_for(agency=agency).working_days_between(timezone.now(), a.due_at) == 5


def test_assigning_outside_the_agency_is_refused(doc, leader, stranger):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=stranger.official)
    assert exc.value.fields == {"lead": "Người được giao không thuộc cơ quan."}
    assert state() == before


def test_a_department_of_another_agency_is_refused(doc, leader, officer, other_agency):
    from congvu.org.models import Department

    foreign = Department.objects.create(agency=other_agency, name="Văn phòng xã", code="VPX")
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=officer.official, coordinators=[foreign])
    assert exc.value.fields == {"coordinators": "Đơn vị được giao không thuộc cơ quan."}
    assert state() == before


def test_two_leads_are_refused(doc, leader, officer, officer2):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=[officer.official, officer2.official])
    assert exc.value.fields == {"lead": "Chỉ được giao một người hoặc đơn vị chủ trì."}
    assert state() == before


def test_no_lead_is_refused(doc, leader):
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=None)
    assert exc.value.fields == {"lead": "Vui lòng chọn một người hoặc đơn vị chủ trì."}
    assert Direction.objects.count() == 0


def test_the_same_person_in_two_roles_is_refused(doc, leader, officer):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=officer.official, coordinators=[f"o:{officer.official.pk}"])
    assert "được chọn hai lần" in exc.value.fields["coordinators"]
    assert state() == before


def test_a_due_date_before_today_is_refused(doc, leader, officer):
    before = state()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=officer.official, due=yesterday)
    assert exc.value.fields == {"due_at": "Hạn xử lý không được trước ngày hôm nay."}
    assert state() == before


def test_a_malformed_due_date_is_refused(doc, leader, officer):
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=officer.official, due="31/02/2026")
    assert exc.value.fields["due_at"].startswith("Hạn xử lý “31/02/2026” không hợp lệ")
    assert Assignment.objects.count() == 0


def test_an_officer_cannot_direct(doc, officer, officer2):
    DocumentAccess.objects.create(document=doc, official=officer.official)
    before = state()
    with pytest.raises(PermissionDenied):
        _direct(officer, doc, lead=officer2.official)
    assert state() == before


def test_a_leader_of_another_agency_cannot_see_the_document(doc, other_agency, officer):
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa").user
    before = state()
    with pytest.raises(NotFound) as exc:
        _direct(foreign_leader, doc, lead=officer.official)
    assert exc.value.message == "Không tìm thấy văn bản hoặc bạn không có quyền xem."
    assert state() == before


def test_a_secret_document_cannot_be_directed_by_an_unnamed_leader(agency, clerk, leader, officer):
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(secrecy=Secrecy.CONFIDENTIAL))
    before = state()
    with pytest.raises(NotFound):
        _direct(leader, secret, lead=officer.official)
    assert state() == before


def test_a_second_lead_while_one_is_open_is_a_conflict(doc, leader, officer, officer2):
    _direct(leader, doc, lead=officer.official)
    before = state()
    with pytest.raises(Conflict):
        _direct(leader, doc, lead=officer2.official)
    assert state() == before


def test_policy_may_forbid_a_leader_leading_himself(doc, leader, agency):
    ProcessingPolicy.objects.create(agency=agency, allow_leader_self_assign=False)
    with pytest.raises(ValidationFailed) as exc:
        _direct(leader, doc, lead=leader.official)
    assert exc.value.fields == {"lead": "Quy định của cơ quan không cho lãnh đạo tự giao mình chủ trì."}
    assert Assignment.objects.count() == 0


def test_a_unit_head_directs_a_document_presented_to_the_unit(doc, clerk, head, officer, nv):
    services.document_present(actor=clerk, document=doc, to_department=nv)
    assert ProcessingEvent.objects.get(document=doc).text == "Đơn vị nhận: Phòng Nội vụ"
    assert visible_documents(head).filter(pk=doc.pk).exists()
    services.direction_give(actor=head, document=doc, text="Giao chuyên viên xử lý", lead=officer.official,
                            due_at=_future())
    assert Assignment.objects.get().assigned_by_id == head.official.pk
    assert Presentation.objects.get().status == PresentationStatus.DIRECTED


def test_urgency_is_copied_for_sorting(agency, clerk, leader, officer):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(urgency="flash"))
    _direct(leader, doc, lead=officer.official)
    assert Assignment.objects.get().urgency_rank == 3


# --- re-assignment inside a unit ------------------------------------------------------------------

@pytest.fixture
def unit_lead(doc, leader, nv, head, officer):
    # The unit's people exist before the direction: they are named on the document when it is assigned.
    _direct(leader, doc, lead=nv, due=_future(10))
    return Assignment.objects.get(role=AssignmentRole.LEAD)


def test_unit_head_reassigns_inside_the_unit(unit_lead, head, officer):
    child = services.assignment_reassign(actor=head, assignment=unit_lead, to_official=officer.official,
                                         note="Đồng chí xử lý", due_at=_future(5))
    unit_lead.refresh_from_db()
    assert unit_lead.status == AssignmentStatus.DELEGATED and not unit_lead.active
    assert (child.parent_id, child.role, child.assignee_official_id, child.assigned_by_id, child.status) == (
        unit_lead.pk, AssignmentRole.LEAD, officer.official.pk, head.official.pk, AssignmentStatus.PENDING)
    assert child.due_at < unit_lead.due_at
    assert Notification.objects.filter(official=officer.official, kind="workflow.assigned").count() == 1


def test_reassigning_outside_the_unit_is_refused(unit_lead, head, officer2):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_reassign(actor=head, assignment=unit_lead, to_official=officer2.official)
    assert exc.value.fields == {"to_official": "Người được phân công lại không thuộc đơn vị."}
    assert state() == before


def test_reassigning_with_a_later_deadline_is_refused(unit_lead, head, officer):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_reassign(actor=head, assignment=unit_lead, to_official=officer.official,
                                     due_at=_future(20))
    assert list(exc.value.fields) == ["due_at"]
    assert state() == before


def test_an_officer_of_the_unit_cannot_reassign(unit_lead, officer, head):
    before = state()
    with pytest.raises(PermissionDenied):
        services.assignment_reassign(actor=officer, assignment=unit_lead, to_official=head.official)
    assert state() == before


def test_a_declined_reassignment_goes_back_to_the_unit(unit_lead, head, officer, leader):
    child = services.assignment_reassign(actor=head, assignment=unit_lead, to_official=officer.official)
    services.assignment_decline(actor=officer, assignment=child, reason="Không thuộc lĩnh vực phụ trách")
    child.refresh_from_db()
    unit_lead.refresh_from_db()
    assert (child.status, child.reason) == (AssignmentStatus.DECLINED, "Không thuộc lĩnh vực phụ trách")
    assert unit_lead.status == AssignmentStatus.PENDING and unit_lead.active
    assert Notification.objects.filter(official=head.official, kind="workflow.declined").count() == 1


# --- decline, progress, extension -----------------------------------------------------------------

@pytest.fixture
def own_lead(doc, leader, officer):
    _direct(leader, doc, lead=officer.official, due=_future(10))
    return Assignment.objects.get(role=AssignmentRole.LEAD)


def test_declining_needs_a_reason(own_lead, officer):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_decline(actor=officer, assignment=own_lead, reason="  ")
    assert exc.value.fields == {"reason": "Vui lòng nhập lý do từ chối."}
    assert state() == before


def test_progress_starts_the_work_and_keeps_files(own_lead, officer):
    upload = pdf_upload("bao-cao.pdf")
    report = services.progress_record(actor=officer, assignment=own_lead, percent="40", note="Đã dự thảo",
                                      files=[upload])
    own_lead.refresh_from_db()
    assert (own_lead.status, own_lead.progress) == (AssignmentStatus.IN_PROGRESS, 40)
    assert (report.percent, report.note) == (40, "Đã dự thảo")
    assert list(ProgressAttachment.objects.values_list("original_name", flat=True)) == ["bao-cao.pdf"]
    assert ProcessingEvent.objects.filter(kind=EventKind.PROGRESS).get().text == "40%: Đã dự thảo (kèm 1 tệp)"


def test_progress_over_100_is_refused(own_lead, officer):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.progress_record(actor=officer, assignment=own_lead, percent=150)
    assert exc.value.fields == {"percent": "Tiến độ phải từ 0 đến 100%."}
    assert state() == before


def test_a_refused_file_records_no_progress(own_lead, officer):
    before = state()
    with pytest.raises(ValidationFailed):
        services.progress_record(actor=officer, assignment=own_lead, percent=10,
                                 files=[SimpleUploadedFile("x.exe", b"MZ\x90\x00binary", "application/octet-stream")])
    assert state() == before


def test_someone_else_cannot_record_progress(own_lead, officer2):
    DocumentAccess.objects.create(document=own_lead.document, official=officer2.official)
    before = state()
    with pytest.raises(PermissionDenied):
        services.progress_record(actor=officer2, assignment=own_lead, percent=10)
    assert state() == before


def test_extension_requested_and_granted(own_lead, officer, leader):
    ext = services.extension_request(actor=officer, assignment=own_lead, requested_due_at=_future(20),
                                     reason="Chờ số liệu của xã")
    assert Notification.objects.filter(official=leader.official, kind="workflow.extension_requested").count() == 1
    old_due = own_lead.due_at
    services.extension_decide(actor=leader, extension=ext, approve=True)
    ext.refresh_from_db()
    own_lead.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED and ext.previous_due_at == old_due
    assert own_lead.due_at == ext.requested_due_at > old_due


def test_extension_rules(own_lead, officer, leader):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.extension_request(actor=officer, assignment=own_lead, requested_due_at=_future(5), reason="Bận")
    assert list(exc.value.fields) == ["requested_due_at"]
    with pytest.raises(ValidationFailed):
        services.extension_request(actor=officer, assignment=own_lead, requested_due_at=_future(20), reason="")
    assert state() == before
    ext = services.extension_request(actor=officer, assignment=own_lead, requested_due_at=_future(20), reason="Bận")
    before = state()
    with pytest.raises(Conflict):
        services.extension_request(actor=officer, assignment=own_lead, requested_due_at=_future(25), reason="Bận")
    with pytest.raises(PermissionDenied):
        services.extension_decide(actor=officer, extension=ext, approve=True)
    with pytest.raises(ValidationFailed) as exc:
        services.extension_decide(actor=leader, extension=ext, approve=False, note="")
    assert exc.value.fields == {"decision_note": "Vui lòng nhập lý do không đồng ý."}
    assert state() == before
    services.extension_decide(actor=leader, extension=ext, approve=False, note="Hạn đã là tối đa")
    own_lead.refresh_from_db()
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.REJECTED and own_lead.due_at == ext.previous_due_at


# --- submit, accept, return -----------------------------------------------------------------------

def test_submit_then_accept(own_lead, officer, leader):
    services.assignment_submit(actor=officer, assignment=own_lead, note="Đã tham mưu văn bản trả lời")
    own_lead.refresh_from_db()
    assert (own_lead.status, own_lead.progress, own_lead.active) == (AssignmentStatus.SUBMITTED, 100, False)
    assert Notification.objects.filter(official=leader.official, kind="workflow.submitted").count() == 1
    services.assignment_accept(actor=leader, assignment=own_lead)
    own_lead.refresh_from_db()
    assert own_lead.status == AssignmentStatus.ACCEPTED
    assert own_lead.accepted_by_id == leader.official.pk and own_lead.completed_at is not None
    assert Notification.objects.filter(official=officer.official, kind="workflow.accepted").count() == 1


def test_return_needs_a_reason_and_the_assignee_continues(own_lead, officer, leader):
    services.assignment_submit(actor=officer, assignment=own_lead)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_return(actor=leader, assignment=own_lead, reason="")
    assert exc.value.fields == {"reason": "Vui lòng nhập lý do trả lại."}
    assert state() == before
    services.assignment_return(actor=leader, assignment=own_lead, reason="Bổ sung số liệu quý III")
    own_lead.refresh_from_db()
    assert (own_lead.status, own_lead.active, own_lead.reason) == (AssignmentStatus.RETURNED, True,
                                                                   "Bổ sung số liệu quý III")
    services.assignment_submit(actor=officer, assignment=own_lead, note="Đã bổ sung")
    own_lead.refresh_from_db()
    assert own_lead.status == AssignmentStatus.SUBMITTED


def test_forbidden_acceptance_and_wrong_states(own_lead, officer, officer2, leader):
    before = state()
    with pytest.raises(Conflict):
        services.assignment_accept(actor=leader, assignment=own_lead)  # nothing submitted yet
    services.assignment_submit(actor=officer, assignment=own_lead)
    before = state()
    with pytest.raises(PermissionDenied):
        services.assignment_accept(actor=officer, assignment=own_lead)  # not one's own result
    with pytest.raises(Conflict):
        services.assignment_submit(actor=officer, assignment=own_lead)  # already submitted
    with pytest.raises(Conflict):
        services.progress_record(actor=officer, assignment=own_lead, percent=50)
    assert state() == before


def test_accepting_a_reassigned_result_submits_the_unit_upwards(unit_lead, head, officer, leader):
    child = services.assignment_reassign(actor=head, assignment=unit_lead, to_official=officer.official)
    services.assignment_submit(actor=officer, assignment=child, note="Dự thảo công văn trả lời")
    services.assignment_accept(actor=head, assignment=child)
    unit_lead.refresh_from_db()
    assert (unit_lead.status, unit_lead.result_note) == (AssignmentStatus.SUBMITTED, "Dự thảo công văn trả lời")
    assert Notification.objects.filter(official=leader.official, kind="workflow.submitted").count() == 1
    services.assignment_accept(actor=leader, assignment=unit_lead)
    unit_lead.refresh_from_db()
    assert unit_lead.status == AssignmentStatus.ACCEPTED
    assert open_work_count(document_ids=[unit_lead.document_id]) == 0


def test_inform_rows_are_read_not_submitted(doc, leader, officer, officer2):
    _direct(leader, doc, lead=officer.official, inform=[officer2.official])
    info = Assignment.objects.get(role=AssignmentRole.INFORM)
    with pytest.raises(Conflict):
        services.assignment_submit(actor=officer2, assignment=info)
    services.assignment_read(actor=officer2, assignment=info)
    info.refresh_from_db()
    assert (info.status, info.active) == (AssignmentStatus.READ, False)


def test_cancel_frees_the_lead_for_a_new_direction(unit_lead, head, officer, leader, officer2):
    child = services.assignment_reassign(actor=head, assignment=unit_lead, to_official=officer.official)
    with pytest.raises(ValidationFailed):
        services.assignment_cancel(actor=leader, assignment=unit_lead, reason="")
    services.assignment_cancel(actor=leader, assignment=unit_lead, reason="Giao lại cho Văn phòng")
    child.refresh_from_db()
    unit_lead.refresh_from_db()
    assert (unit_lead.status, child.status) == (AssignmentStatus.CANCELLED, AssignmentStatus.CANCELLED)
    _direct(leader, unit_lead.document, lead=officer2.official)
    assert Assignment.objects.filter(role=AssignmentRole.LEAD, status=AssignmentStatus.PENDING).count() == 1


# --- for other apps -------------------------------------------------------------------------------

def test_a_reply_submits_the_actors_lead_assignment(own_lead, officer, clerk, agency):
    reply = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(subject="Trả lời về việc giao chỉ tiêu"))
    a = services.document_replied(actor=officer, incoming_document=own_lead.document, reply_document=reply)
    assert a.pk == own_lead.pk
    own_lead.refresh_from_db()
    assert (own_lead.status, own_lead.reply_document_id) == (AssignmentStatus.SUBMITTED, reply.pk)
    assert own_lead.result_note.startswith(f"Đã phúc đáp bằng văn bản {reply.number_notation} ngày")
    assert ProcessingEvent.objects.filter(kind=EventKind.REPLIED, document=own_lead.document).count() == 1


def test_a_reply_by_someone_without_the_lead_changes_no_assignment(own_lead, officer2, clerk, agency):
    reply = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    assert services.document_replied(actor=officer2, incoming_document=own_lead.document,
                                     reply_document=reply) is None
    own_lead.refresh_from_db()
    assert own_lead.status == AssignmentStatus.PENDING


def test_open_work_count_counts_open_assignments_and_tasks(doc, leader, officer, officer2, agency):
    assert open_work_count(document_ids=[doc.pk]) == 0
    _direct(leader, doc, lead=officer.official, coordinators=[officer2.official])
    assert open_work_count(document_ids=[doc.pk]) == 2
    Task.objects.create(agency=agency, title="Báo cáo", document=doc, created_by=leader.official,
                        created_at=timezone.now())
    assert open_work_count(document_ids=[doc.pk, 999999]) == 3
    assert open_work_count(document_ids=[]) == 0


def test_task_assignments_use_the_same_steps(agency, leader, officer, nv):
    from django.db import transaction

    task = Task.objects.create(agency=agency, title="Rà soát thủ tục hành chính", priority="urgent",
                               created_by=leader.official, created_at=timezone.now())
    errors: dict = {}
    lead, coords, inform = services.resolve_assignees(agency=agency, lead=officer.official, errors=errors)
    assert errors == {}
    with transaction.atomic():
        (a,) = services.assignments_create(actor=leader, agency=agency, assigned_by=leader.official, lead=lead,
                                           coordinators=coords, inform=inform, due_at=None, task=task,
                                           urgency_rank=task.urgency_rank)
    assert (a.task_id, a.document_id, a.urgency_rank) == (task.pk, None, 2)
    services.progress_record(actor=officer, assignment=a, percent=60)
    services.assignment_submit(actor=officer, assignment=a, note="Xong")
    services.assignment_accept(actor=leader, assignment=a)
    a.refresh_from_db()
    assert a.status == AssignmentStatus.ACCEPTED
    assert ProcessingEvent.objects.filter(task=task).count() == 4  # assigned, progress, submitted, accepted
