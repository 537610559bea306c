"""Every write of tasks (giao việc): give a task, correct it, complete it, cancel it.

A task's people are ordinary `Assignment` rows (chủ trì / phối hợp / để biết) made by the workflow's
`assignments_create`; progress, extensions, hand-in, acceptance and return are the workflow's assignment
services. These services add what belongs to the task itself: its title, source, priority, deadline and
files, and its status (open → done when the lead's result is accepted, or cancelled).

Each service is one transaction that checks who acts, validates everything first (Vietnamese messages
per field), writes, adds a timeline row, journals (`task.*` actions) and lets the assignment services
notify the people concerned. A refused call changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.documents.models import Document
from congvu.documents.selectors import visible_documents
from congvu.org.models import Agency, Department, Official
from congvu.org.selectors import official_for_user
from congvu.workflow import rules, services
from congvu.workflow.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    EventKind,
    ProcessingEvent,
    Task,
    TaskAttachment,
    TaskPriority,
    TaskSource,
    TaskStatus,
)
from congvu.workflow.task_selectors import can_assign_tasks, can_manage_task, lead_row

TITLE_MAX = 500
TEXT_MAX = 5000
MEETING_MAX = 500


def _official(actor) -> Official:
    official = official_for_user(actor)
    if official is None:
        raise PermissionDenied("Tài khoản chưa gắn với cán bộ nào.")
    return official


def _text(value, *, field: str, label: str, errors: dict, max_length: int, required: bool = False) -> str:
    text = nfc(str(value or "")).strip()
    if required and not text:
        errors[field] = f"Vui lòng nhập {label}."
    elif len(text) > max_length:
        errors[field] = f"{label.capitalize()} dài quá {max_length} ký tự."
    return text


def _document(actor, agency: Agency, document, errors: dict) -> Document | None:
    """The document a task is given from: one the actor may see, of the task's agency."""
    if document in (None, ""):
        return None
    pk = document.pk if isinstance(document, Document) else document
    try:
        pk = int(str(pk).strip())
    except ValueError:
        errors["document"] = "Văn bản không hợp lệ."
        return None
    found = visible_documents(actor).filter(pk=pk).select_related("doc_type").first()
    if found is None:
        errors["document"] = "Không tìm thấy văn bản hoặc bạn không có quyền xem."
    elif found.agency_id != agency.pk:
        errors["document"] = "Văn bản không thuộc cơ quan giao việc."
        return None
    return found


def meeting_label(entry) -> str:
    """How a schedule entry reads as a task's meeting: "Giao ban lãnh đạo — 23/11/2026 08:00, Phòng họp 1"."""
    start = timezone.localtime(entry.start)
    label = f"{entry.title} — {start:%d/%m/%Y %H:%M}"
    if entry.place:
        label += f", {entry.place}"
    return label[:MEETING_MAX]


def _meeting(actor, agency: Agency, meeting, errors: dict) -> tuple[str, int | None]:
    """(reference text, schedule entry id) of the meeting a task was given at: a schedule entry of the
    agency the actor may see (instance or id), or a meeting named in words."""
    from congvu.schedule.models import ScheduleEntry
    from congvu.schedule.selectors import visible_entries

    if meeting in (None, ""):
        return "", None
    if isinstance(meeting, ScheduleEntry) or (isinstance(meeting, int) and not isinstance(meeting, bool)):
        pk = meeting.pk if isinstance(meeting, ScheduleEntry) else meeting
        entry = visible_entries(actor, agency.pk).filter(pk=pk).first()
        if entry is None:
            errors["meeting"] = "Không tìm thấy cuộc họp trong lịch công tác của cơ quan."
            return "", None
        return meeting_label(entry), entry.pk
    return _text(meeting, field="meeting", label="cuộc họp", errors=errors, max_length=MEETING_MAX), None


def _within_units(actor, agency: Agency, people: dict[str, list]) -> dict[str, str]:
    """A unit head (not a leader of the agency) gives tasks only to their units and the officials in them."""
    if rules.is_leader(actor, agency.pk):
        return {}
    heads = rules.headed_department_ids(official_for_user(actor), agency.pk)
    members: set[int] = set()
    for d in heads:
        members.update(rules.department_member_ids(d))
    errors = {}
    for field, items in people.items():
        for item in items:
            inside = item.pk in heads if isinstance(item, Department) else item.pk in members
            if not inside:
                errors[field] = "Lãnh đạo đơn vị chỉ giao việc cho đơn vị mình và cán bộ trong đơn vị."
    return errors


def task_snapshot(task: Task) -> dict:
    return {"title": task.title, "description": task.description, "source": task.source,
            "document_id": task.document_id, "meeting_id": task.meeting_id, "meeting_reference": task.meeting_reference,
            "priority": task.priority, "due_at": task.due_at, "status": task.status}


# --- giving a task -----------------------------------------------------------------------------

def task_create(*, actor, agency: Agency, title: str, description: str = "", source: str | None = None,
                document=None, meeting=None, priority: str = TaskPriority.NORMAL, due_at=None,
                due_in_working_days=None, lead, coordinators=(), inform=(), files=()) -> Task:
    """Give a task: one lead (chủ trì), any coordinators (phối hợp) and people to inform (để biết), each an
    Official or Department of `agency` (or keys "o:ID" / "d:ID"), with a deadline typed as a date,
    "N ngày làm việc" or `due_in_working_days` (counted on the agency's working-day calendar; never before
    today) and files.

    Who may: a leader of the agency (anyone in it), or a unit head (inside their units). `document` is an
    incoming or outgoing document of the agency the actor may see; `meeting` a schedule entry of the
    agency, linked as `Task.meeting` (or the meeting named in words). `source` follows from them unless given
    (and must then match).
    Assignees are notified by the assignment service."""
    if not can_assign_tasks(actor, agency.pk):
        raise PermissionDenied("Chỉ lãnh đạo cơ quan hoặc lãnh đạo đơn vị được giao việc.")
    me = _official(actor)
    now = timezone.now()
    errors: dict[str, str] = {}
    title = _text(title, field="title", label="tên công việc", errors=errors, max_length=TITLE_MAX, required=True)
    description = _text(description, field="description", label="nội dung", errors=errors, max_length=TEXT_MAX)
    doc = _document(actor, agency, document, errors)
    meeting_reference, entry_id = _meeting(actor, agency, meeting, errors)
    derived = TaskSource.DOCUMENT if document not in (None, "") else (
        TaskSource.MEETING if meeting not in (None, "") else TaskSource.OWN)
    if source in (None, ""):
        source = derived
    elif source not in TaskSource.values:
        errors["source"] = "Nguồn giao việc không hợp lệ."
    elif source == TaskSource.DOCUMENT and document in (None, ""):
        errors["document"] = "Chọn văn bản mà công việc được giao từ đó."
    elif source == TaskSource.MEETING and meeting in (None, ""):
        errors["meeting"] = "Ghi cuộc họp mà công việc được giao tại đó."
    elif source != derived:
        errors["source"] = f"Nguồn giao việc phải là “{TaskSource(derived).label}”."
    if priority in (None, ""):
        priority = TaskPriority.NORMAL
    if priority not in TaskPriority.values:
        errors["priority"] = "Mức độ không hợp lệ."
    due = rules.resolve_due(agency, due_at=due_at, due_in_working_days=due_in_working_days, errors=errors,
                            now=now, required=True)
    lead_obj, coords, informs = services.resolve_assignees(agency=agency, lead=lead, coordinators=coordinators,
                                                           inform=inform, errors=errors)
    for key, message in _within_units(actor, agency, {"lead": [lead_obj] if lead_obj else [],
                                                      "coordinators": coords, "inform": informs}).items():
        errors.setdefault(key, message)
    if errors:
        raise ValidationFailed("Thông tin giao việc chưa hợp lệ.", fields=errors)

    prepared = services.prepare_files(files)
    written: list[str] = []
    try:
        with transaction.atomic():
            task = Task.objects.create(agency=agency, title=title, description=description, source=source,
                                       document=doc, meeting_id=entry_id, meeting_reference=meeting_reference,
                                       priority=priority,
                                       due_at=due, created_by=me, created_at=now)
            stored = services.store_files(prepared, written)
            TaskAttachment.objects.bulk_create([TaskAttachment(task=task, file=row, original_name=name, position=i)
                                                for i, (row, name) in enumerate(stored)])
            origin = {TaskSource.DOCUMENT: f" theo văn bản {doc.number_notation}".rstrip() if doc else "",
                      TaskSource.MEETING: f" tại cuộc họp {meeting_reference}", TaskSource.OWN: ""}[source]
            ProcessingEvent.objects.create(agency=agency, task=task, actor=me, kind=EventKind.TASK_CREATED,
                                           created_at=now, text=f"Giao việc “{title[:200]}”{origin}")
            journal_record(actor=actor, agency_id=agency.pk, action="task.create", obj=task,
                           after=task_snapshot(task) | {"files": [name for _, name in stored]})
            services.assignments_create(actor=actor, agency=agency, assigned_by=me, lead=lead_obj,
                                        coordinators=coords, inform=informs, due_at=due, task=task,
                                        urgency_rank=task.urgency_rank, now=now)
    except BaseException:
        services.remove_written(written)
        raise
    finally:
        services.discard_files(prepared)
    return task


# --- correcting, completing, cancelling --------------------------------------------------------

def _locked_task(task: Task | int) -> Task:
    pk = task.pk if isinstance(task, Task) else task
    found = Task.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound("Không tìm thấy công việc.")
    return found


def _manager_guard(actor, task: Task, *, what: str) -> Official:
    from congvu.workflow.task_selectors import visible_tasks

    if not visible_tasks(actor, task.agency_id).filter(pk=task.pk).exists():
        raise NotFound("Không tìm thấy công việc hoặc bạn không có quyền xem.")
    if not can_manage_task(actor, task):
        raise PermissionDenied(f"Chỉ người giao việc hoặc lãnh đạo cơ quan được {what}.")
    return _official(actor)


def task_update(*, actor, task: Task | int, title=None, description=None, priority=None, meeting=None) -> Task:
    """Correct an open task's title, content, priority or meeting (the people and deadline change through
    the assignment services: cancel, extension). A new priority re-ranks the task's open rows."""
    with transaction.atomic():
        task = _locked_task(task)
        _manager_guard(actor, task, what="sửa công việc")
        if task.status != TaskStatus.OPEN:
            raise Conflict(f"Công việc {task.get_status_display().lower()}; không sửa được.")
        errors: dict[str, str] = {}
        before = task_snapshot(task)
        agency = Agency.objects.get(pk=task.agency_id)
        if title is not None:
            task.title = _text(title, field="title", label="tên công việc", errors=errors, max_length=TITLE_MAX,
                               required=True)
        if description is not None:
            task.description = _text(description, field="description", label="nội dung", errors=errors,
                                     max_length=TEXT_MAX)
        if priority is not None:
            if priority not in TaskPriority.values:
                errors["priority"] = "Mức độ không hợp lệ."
            else:
                task.priority = priority
        if meeting is not None and task.source == TaskSource.MEETING:
            reference, entry_id = _meeting(actor, agency, meeting, errors)
            if not reference and "meeting" not in errors:
                errors["meeting"] = "Ghi cuộc họp mà công việc được giao tại đó."
            task.meeting_reference = reference
            if entry_id is not None:
                task.meeting_id = entry_id
        if errors:
            raise ValidationFailed("Thông tin công việc chưa hợp lệ.", fields=errors)
        after = task_snapshot(task)
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return task
        task.save(update_fields=[k for k in ("title", "description", "priority", "meeting_id", "meeting_reference")
                                 if k in changed])
        if "priority" in changed:
            Assignment.objects.filter(task=task, status__in=list(OPEN_STATUSES)).update(urgency_rank=task.urgency_rank)
        journal_record(actor=actor, agency_id=task.agency_id, action="task.update", obj=task,
                       before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return task


CLOSING_NOTE = "Công việc đã hoàn thành: kết quả của người chủ trì đã được duyệt."


def task_complete(*, actor, task: Task | int, note: str = "") -> Task:
    """Finish a task: accept the lead's handed-in result (the workflow's `assignment_accept`), or take a
    result already accepted, then close the task. Coordinators still owing work are released
    (`assignment_cancel`, with the reason that the task is done). The giver or a leader of the agency."""
    with transaction.atomic():
        task = _locked_task(task)
        me = _manager_guard(actor, task, what="kết thúc công việc")
        if task.status != TaskStatus.OPEN:
            raise Conflict(f"Công việc {task.get_status_display().lower()}; không kết thúc lại được.")
        lead = lead_row(task.pk).first()
        if lead is None or lead.status not in (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED):
            raise Conflict("Người chủ trì chưa báo cáo hoàn thành; chưa kết thúc công việc được.")
        if lead.status == AssignmentStatus.SUBMITTED:
            services.assignment_accept(actor=actor, assignment=lead, note=note)
        for row in Assignment.objects.filter(task=task, role=AssignmentRole.COORDINATE, parent__isnull=True,
                                             status__in=list(OPEN_STATUSES)).order_by("pk"):
            services.assignment_cancel(actor=actor, assignment=row, reason=CLOSING_NOTE)
        now = timezone.now()
        before = task_snapshot(task)
        task.status, task.closed_at = TaskStatus.DONE, now
        task.save(update_fields=["status", "closed_at"])
        ProcessingEvent.objects.create(agency_id=task.agency_id, task=task, actor=me, kind=EventKind.TASK_CLOSED,
                                       created_at=now, text="Kết thúc công việc: đã hoàn thành"
                                       + (f". {nfc(note).strip()}" if note and note.strip() else ""))
        journal_record(actor=actor, agency_id=task.agency_id, action="task.complete", obj=task,
                       before={"status": before["status"]}, after={"status": task.status, "closed_at": now})
    return task


def task_cancel(*, actor, task: Task | int, reason: str) -> Task:
    """Call a task off, with a reason: every top-level assignment still open (for information not yet read
    included) is cancelled with its re-assigned rows (`assignment_cancel`, which tells the people
    concerned). The giver or a leader of the agency."""
    errors: dict[str, str] = {}
    reason = _text(reason, field="reason", label="lý do hủy", errors=errors, max_length=TEXT_MAX, required=True)
    with transaction.atomic():
        task = _locked_task(task)
        me = _manager_guard(actor, task, what="hủy công việc")
        if task.status != TaskStatus.OPEN:
            raise Conflict(f"Công việc {task.get_status_display().lower()}; không hủy được.")
        if errors:
            raise ValidationFailed("Vui lòng nêu lý do hủy công việc.", fields=errors)
        for row in Assignment.objects.filter(task=task, parent__isnull=True, status__in=list(OPEN_STATUSES)) \
                .order_by("pk"):
            services.assignment_cancel(actor=actor, assignment=row, reason=reason)
        now = timezone.now()
        task.status, task.closed_at = TaskStatus.CANCELLED, now
        task.save(update_fields=["status", "closed_at"])
        ProcessingEvent.objects.create(agency_id=task.agency_id, task=task, actor=me, kind=EventKind.TASK_CLOSED,
                                       created_at=now, text=f"Hủy công việc: {reason}")
        journal_record(actor=actor, agency_id=task.agency_id, action="task.cancel", obj=task,
                       before={"status": TaskStatus.OPEN}, after={"status": task.status, "reason": reason})
    return task

