"""Every write of incoming-document processing and of assignments (documents and tasks alike).

Each service is one transaction: it checks who acts (raising PermissionDenied / NotFound with a
Vietnamese message), validates (ValidationFailed with per-field messages), locks the rows it changes,
writes, adds a timeline row (`ProcessingEvent`), journals through `journal_record`, and tells the
people concerned through `notify` (inside the same transaction: no notice for a change that rolled
back). On any error nothing is written.

Flow: `document_present` → `direction_give` (creates assignments through `assignments_create`) →
`assignment_reassign` / `progress_record` / `extension_request` → `extension_decide` →
`assignment_submit` → `assignment_accept` | `assignment_return`. `assignment_decline`,
`assignment_read` (for information) and `assignment_cancel` close a row early.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.documents import files as file_store
from congvu.documents.models import Direction as DocDirection
from congvu.documents.models import Document, DocumentAccess, Secrecy, StoredFile
from congvu.documents.selectors import visible_documents
from congvu.org.models import Agency, Department, Official
from congvu.org.selectors import can_register, official_for_user
from congvu.workflow import rules
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Direction,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Presentation,
    PresentationStatus,
    PresentTo,
    ProcessingEvent,
    ProgressAttachment,
    ProgressReport,
    Task,
)

TEXT_MAX = 5000


# --- small helpers ---------------------------------------------------------------------------------

def _official(actor) -> Official:
    official = official_for_user(actor)
    if official is None:
        raise PermissionDenied("Tài khoản chưa gắn với cán bộ nào.")
    return official


def _clean(value) -> str:
    return nfc(str(value or "")).strip()


def _required_text(value, *, field: str, label: str, errors: dict, max_length: int = TEXT_MAX) -> str:
    text = _clean(value)
    if not text:
        errors[field] = f"Vui lòng nhập {label}."
    elif len(text) > max_length:
        errors[field] = f"{label.capitalize()} dài quá {max_length} ký tự."
    return text


def _optional_text(value, *, field: str, label: str, errors: dict, max_length: int = TEXT_MAX) -> str:
    text = _clean(value)
    if len(text) > max_length:
        errors[field] = f"{label.capitalize()} dài quá {max_length} ký tự."
    return text


def _raise(errors: dict, message: str) -> None:
    if errors:
        raise ValidationFailed(message, fields=errors)


def _visible_document(actor, document: Document | int) -> Document:
    pk = document.pk if isinstance(document, Document) else document
    doc = visible_documents(actor).filter(pk=pk).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    return doc


def _event(*, agency_id: int, kind: str, actor: Official | None, text: str = "", document_id=None, task_id=None,
           assignment: Assignment | None = None, at: dt.datetime | None = None) -> ProcessingEvent:
    if assignment is not None:
        document_id = document_id or assignment.document_id
        task_id = task_id or assignment.task_id
    return ProcessingEvent.objects.create(agency_id=agency_id, kind=kind, actor=actor, text=text[:TEXT_MAX * 2],
                                          document_id=document_id, task_id=task_id, assignment=assignment,
                                          created_at=at or timezone.now())


def subject_url(*, document_id=None, task_id=None) -> str:
    if document_id:
        return reverse("documents:detail", args=[document_id])
    if task_id:
        try:
            return reverse("tasks:detail", args=[task_id])
        except Exception:  # the tasks pages are another helper's; the list is the fallback
            return reverse("workflow:my_work")
    return reverse("workflow:my_work")


SECRET_NOTICE = "Có việc về văn bản mật {ref} bạn chưa được xem"
SECRET_NOTICE_BODY = "Đề nghị văn thư hoặc lãnh đạo cơ quan giao quyền xem văn bản để xử lý."


def _notify(*, recipients: Iterable[int], agency_id: int, kind: str, title: str, body: str = "", url: str = "",
            key: str | None = None, exclude: int | None = None, document_id: int | None = None) -> None:
    """Notify `recipients`. About a secret document, those not named on it (e.g. a unit head appointed after
    the work was given) are told that there is work without being told its subject."""
    from congvu.notifications.services import notify

    ids = [r for r in dict.fromkeys(recipients) if r and r != exclude]
    if not ids:
        return
    doc = Document.objects.filter(pk=document_id).only("pk", "secrecy", "number", "notation").first() \
        if document_id else None
    if doc is not None and doc.secrecy != Secrecy.NORMAL:
        named = set(DocumentAccess.objects.filter(document_id=doc.pk, official_id__in=ids)
                    .values_list("official_id", flat=True))
        unnamed = [r for r in ids if r not in named]
        ids = [r for r in ids if r in named]
        if unnamed:
            notify(recipients=unnamed, agency_id=agency_id, kind=kind, url=url, key=key,
                   title=SECRET_NOTICE.format(ref=doc.number_notation or "").replace("  ", " "),
                   body=SECRET_NOTICE_BODY)
    if ids:
        notify(recipients=ids, agency_id=agency_id, kind=kind, title=title, body=body, url=url, key=key,
               confidential=doc is not None and doc.secrecy != Secrecy.NORMAL)


def _fmt_due(due_at: dt.datetime | None) -> str:
    return timezone.localtime(due_at).strftime("%d/%m/%Y %H:%M") if due_at else "không có hạn"


def _lock(assignment: Assignment | int) -> Assignment:
    pk = assignment.pk if isinstance(assignment, Assignment) else assignment
    found = (Assignment.objects.select_for_update().filter(pk=pk).first())
    if found is None:
        raise NotFound("Không tìm thấy phân công xử lý.")
    return Assignment.objects.select_related("document", "task", "assignee_official", "assignee_department",
                                             "assigned_by").get(pk=found.pk)


def _check_subject_visible(actor, assignment: Assignment) -> None:
    """Acting on an assignment needs the right to see what it is about (its document, or its task)."""
    from congvu.workflow.task_selectors import visible_tasks

    if assignment.document_id:
        _visible_document(actor, assignment.document_id)
    elif not visible_tasks(actor, assignment.agency_id).filter(pk=assignment.task_id).exists():
        raise NotFound("Không tìm thấy phân công xử lý.")


def _label(assignment: Assignment) -> str:
    if assignment.document_id:
        d = assignment.document
        return f"văn bản {d.number_notation or ''} “{d.subject[:120]}”".replace("  ", " ")
    return f"công việc “{assignment.task.title[:120]}”"


def _snapshot(a: Assignment) -> dict:
    return {"status": a.status, "progress": a.progress, "due_at": a.due_at, "role": a.role,
            "assignee_official_id": a.assignee_official_id, "assignee_department_id": a.assignee_department_id}


def _grant_view(actor, document_id: int | None, official_ids: Iterable[int]) -> None:
    """Assigned people are named on the document, so `visible_documents` shows it to them (officers see
    only what is addressed to them; a secret document only its named readers). Who was newly named is
    journaled on the document."""
    if not document_id:
        return
    ids = set(official_ids)
    have = set(DocumentAccess.objects.filter(document_id=document_id, official_id__in=ids)
               .values_list("official_id", flat=True))
    new = sorted(ids - have)
    if not new:
        return
    DocumentAccess.objects.bulk_create([DocumentAccess(document_id=document_id, official_id=o) for o in new])
    doc = Document.objects.only("pk", "agency_id").get(pk=document_id)
    journal_record(actor=actor, agency_id=doc.agency_id, action="document.access_grant", obj=doc,
                   after={"official_ids": new})


def _people_of(assignee: Official | Department) -> list[int]:
    if isinstance(assignee, Official):
        return [assignee.pk]
    return rules.department_member_ids(assignee.pk)


# --- files -----------------------------------------------------------------------------------------

def prepare_files(uploads) -> list[file_store.PreparedFile]:
    """Check uploads (type by content, size) before the transaction; discard them if one is refused."""
    prepared: list[file_store.PreparedFile] = []
    try:
        for upload in uploads or []:
            prepared.append(file_store.prepare_upload(upload, field="files"))
    except BaseException:
        discard_files(prepared)
        raise
    return prepared


def discard_files(prepared: Sequence[file_store.PreparedFile]) -> None:
    for p in prepared:
        file_store.discard(p)


def store_files(prepared: Sequence[file_store.PreparedFile], written: list[str]) -> list[tuple[StoredFile, str]]:
    """Inside the caller's transaction: the StoredFile of each prepared upload (shared by SHA-256), with
    its original name. Paths of bytes written here are appended to `written`, for cleanup on rollback."""
    out: list[tuple[StoredFile, str]] = []
    for p in prepared:
        row = StoredFile.objects.filter(sha256=p.sha256).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = StoredFile.objects.create(sha256=p.sha256, size=p.size, content_type=p.content_type,
                                                    path=file_store.storage_relpath(p.sha256))
            except IntegrityError:
                row = StoredFile.objects.get(sha256=p.sha256)
            else:
                written.append(file_store.put_file(p))
        out.append((row, p.original_name[:255]))
    return out


def remove_written(written: Sequence[str]) -> None:
    from pathlib import Path

    from django.conf import settings

    for rel in written:
        if not StoredFile.objects.filter(path=rel).exists():
            (Path(settings.MEDIA_ROOT) / rel).unlink(missing_ok=True)


# --- presentation ----------------------------------------------------------------------------------

def document_present(*, actor, document: Document | int, to_official: Official | int | None = None,
                     to_department: Department | int | None = None, note: str = "") -> Presentation:
    """The clerk presents a registered incoming document to a leader, or to a unit (Decree 30 Art. 24).

    Without a target, the agency's `ProcessingPolicy` names it. A leader must hold the Lãnh đạo role in
    the document's agency; a unit must be an active department of it. One presentation waits at a time.
    The target is notified."""
    doc = _visible_document(actor, document)
    if not can_register(actor, doc.agency_id):
        raise PermissionDenied("Chỉ văn thư của cơ quan được trình văn bản đến.")
    if doc.direction != DocDirection.INCOMING:
        raise ValidationFailed("Chỉ trình văn bản đến.")
    me = _official(actor)
    errors: dict[str, str] = {}
    note = _optional_text(note, field="note", label="ghi chú", errors=errors)
    if to_official in ("", None):
        to_official = None
    elif not isinstance(to_official, Official):
        text = str(to_official).strip()
        to_official = Official.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 18 else None
        if to_official is None:
            errors["to_official"] = "Lãnh đạo được trình không hợp lệ."
    if to_department in ("", None):
        to_department = None
    elif not isinstance(to_department, Department):
        text = str(to_department).strip()
        to_department = Department.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 18 else None
        if to_department is None:
            errors["to_department"] = "Đơn vị được trình không hợp lệ."
    _raise(errors, "Thông tin trình văn bản chưa hợp lệ.")
    if to_official is None and to_department is None:
        policy = rules.policy_for(doc.agency_id)
        if policy.present_to == PresentTo.DEPARTMENT and policy.default_department_id:
            to_department = policy.default_department
        elif policy.default_leader_id:
            to_official = policy.default_leader
        else:
            raise ValidationFailed("Chọn lãnh đạo hoặc đơn vị để trình.",
                                   fields={"to_official": "Chọn lãnh đạo nhận trình."})
    if to_official is not None and to_department is not None:
        raise ValidationFailed("Chỉ trình cho một lãnh đạo hoặc một đơn vị.",
                               fields={"to_department": "Chọn lãnh đạo hoặc đơn vị, không chọn cả hai."})
    if to_official is not None:
        from congvu.org.models import Membership, Role

        if not Membership.objects.filter(official=to_official, agency_id=doc.agency_id, role=Role.LEADER,
                                         active=True).exists():
            raise ValidationFailed("Người được trình không phải lãnh đạo của cơ quan.",
                                   fields={"to_official": "Chọn một lãnh đạo của cơ quan."})
    if to_department is not None and (to_department.agency_id != doc.agency_id or not to_department.active):
        raise ValidationFailed("Đơn vị được trình không thuộc cơ quan.",
                               fields={"to_department": "Chọn một phòng, ban của cơ quan."})
    now = timezone.now()
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=doc.pk).first()
        if Presentation.objects.filter(document=doc, status=PresentationStatus.PENDING).exists():
            raise Conflict("Văn bản đang chờ lãnh đạo cho ý kiến; không trình thêm lần nữa.")
        p = Presentation.objects.create(agency_id=doc.agency_id, document=doc, presented_by=me,
                                        to_official=to_official, to_department=to_department, note=note,
                                        urgency_rank=rules.document_rank(doc), created_at=now)
        # The event's kind already says "Trình văn bản": its text names only who receives it, and the note.
        target = f"Người nhận: {to_official.full_name}" if to_official else f"Đơn vị nhận: {to_department.name}"
        _event(agency_id=doc.agency_id, kind=EventKind.PRESENTED, actor=me, document_id=doc.pk, at=now,
               text=target + (f". {note}" if note else ""))
        journal_record(actor=actor, agency_id=doc.agency_id, action="workflow.present", obj=p,
                       after={"document_id": doc.pk, "to_official_id": p.to_official_id,
                              "to_department_id": p.to_department_id, "note": note})
        recipients = [to_official.pk] if to_official else rules.department_heads(to_department.pk)
        # Whoever it is presented to is named on it: he is told its subject and must be able to direct it.
        _grant_view(actor, doc.pk, recipients)
        _notify(recipients=recipients, agency_id=doc.agency_id, kind="workflow.presented",
                title=f"Văn bản trình xin ý kiến: {doc.number_notation} {doc.subject[:100]}".strip(),
                body=note, url=subject_url(document_id=doc.pk), key=f"presentation:{p.pk}", document_id=doc.pk)
    return p


def presentation_withdraw(*, actor, presentation: Presentation | int) -> Presentation:
    """The clerk takes back a presentation still waiting (wrong leader chosen)."""
    pk = presentation.pk if isinstance(presentation, Presentation) else presentation
    with transaction.atomic():
        p = Presentation.objects.select_for_update().filter(pk=pk).first()
        if p is None:
            raise NotFound("Không tìm thấy lượt trình.")
        _visible_document(actor, p.document_id)
        if not can_register(actor, p.agency_id):
            raise PermissionDenied("Chỉ văn thư của cơ quan được rút lại văn bản đã trình.")
        if p.status != PresentationStatus.PENDING:
            raise Conflict("Lãnh đạo đã cho ý kiến; không rút lại được.")
        p.status, p.decided_at = PresentationStatus.WITHDRAWN, timezone.now()
        p.save(update_fields=["status", "decided_at"])
        _event(agency_id=p.agency_id, kind=EventKind.PRESENTED, actor=_official(actor), document_id=p.document_id,
               text="Rút lại văn bản đã trình")
        journal_record(actor=actor, agency_id=p.agency_id, action="workflow.present_withdraw", obj=p,
                       before={"status": PresentationStatus.PENDING}, after={"status": p.status})
    return p


# --- assignments (shared by directions and tasks) -------------------------------------------------

def resolve_assignees(*, agency: Agency, lead, coordinators=(), inform=(), errors: dict
                      ) -> tuple[Official | Department | None, list, list]:
    """Validate the people and units of a direction or task: exactly one lead; everyone of `agency`;
    nobody twice. Field errors go into `errors` (keys lead, coordinators, inform)."""
    leads = list(lead) if isinstance(lead, (list, tuple)) else ([lead] if lead not in (None, "") else [])
    leads = [x for x in leads if x not in (None, "")]
    if not leads:
        errors["lead"] = "Vui lòng chọn một người hoặc đơn vị chủ trì."
    elif len(leads) > 1:
        errors["lead"] = "Chỉ được giao một người hoặc đơn vị chủ trì."
    resolved_lead = rules.resolve_assignee(leads[0], agency, field="lead", errors=errors) if len(leads) == 1 else None
    out: dict[str, list] = {"coordinators": [], "inform": []}
    for name, values in (("coordinators", coordinators), ("inform", inform)):
        for v in values or ():
            if v in (None, ""):
                continue
            found = rules.resolve_assignee(v, agency, field=name, errors=errors)
            if found is not None:
                out[name].append(found)
    seen: set[str] = set()
    for name, items in (("lead", [resolved_lead] if resolved_lead else []), ("coordinators", out["coordinators"]),
                        ("inform", out["inform"])):
        for item in items:
            key = rules.assignee_key(item)
            if key in seen:
                label = item.full_name if isinstance(item, Official) else item.name
                errors[name] = f"“{label}” được chọn hai lần; mỗi người, đơn vị chỉ nhận một vai trò."
            seen.add(key)
    return resolved_lead, out["coordinators"], out["inform"]


def assignments_create(*, actor, agency: Agency, assigned_by: Official, lead: Official | Department,
                       coordinators: Sequence[Official | Department] = (), inform: Sequence[Official | Department] = (),
                       due_at: dt.datetime | None, document: Document | None = None, task: Task | None = None,
                       direction: Direction | None = None, urgency_rank: int = 0, note: str = "",
                       now: dt.datetime | None = None) -> list[Assignment]:
    """Create the assignment rows of one direction or task, inside the caller's transaction.

    For the `tasks` helper's `task_create`: validate first with `resolve_assignees` (same agency,
    exactly one lead, nobody twice) and `rules.resolve_due`, then call this with the resolved values.
    Writes one row per assignee (lead, coordinators, inform; inform rows have no deadline), names the
    assigned people on the document so they may see it, adds a timeline row, journals each row and
    notifies the people concerned. Raises Conflict when the document or task already has an open lead.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("assignments_create must run inside a transaction")
    if (document is None) == (task is None):
        raise ValueError("exactly one of document / task")
    now = now or timezone.now()
    secret = bool(document is not None and document.secrecy != Secrecy.NORMAL)
    created: list[Assignment] = []
    for role, items in ((AssignmentRole.LEAD, [lead]), (AssignmentRole.COORDINATE, coordinators),
                        (AssignmentRole.INFORM, inform)):
        for item in items:
            a = Assignment(agency=agency, document=document, task=task, direction=direction, role=role,
                           assignee_official=item if isinstance(item, Official) else None,
                           assignee_department=item if isinstance(item, Department) else None,
                           assigned_by=assigned_by, due_at=None if role == AssignmentRole.INFORM else due_at,
                           urgency_rank=urgency_rank, secret=secret, note=note, created_at=now)
            try:
                with transaction.atomic():
                    a.save(force_insert=True)
            except IntegrityError:
                raise Conflict("Việc này đã có người hoặc đơn vị chủ trì đang xử lý; hủy phân công cũ trước "
                               "khi giao chủ trì mới.") from None
            created.append(a)
    people: list[int] = []
    for a in created:
        people += _people_of(a.assignee_official or a.assignee_department)
    _grant_view(actor, document.pk if document else None, people)
    parts = []
    for role in (AssignmentRole.LEAD, AssignmentRole.COORDINATE, AssignmentRole.INFORM):
        names = [a.assignee_label for a in created if a.role == role]
        if names:
            parts.append(f"{role.label}: {', '.join(names)}")
    _event(agency_id=agency.pk, kind=EventKind.ASSIGNED, actor=assigned_by, at=now,
           document_id=document.pk if document else None, task_id=task.pk if task else None,
           text="; ".join(parts) + (f". Hạn xử lý: {_fmt_due(due_at)}" if due_at else ""))
    subject = (f"{document.number_notation} {document.subject[:100]}".strip() if document
               else task.title[:120])
    url = subject_url(document_id=document.pk if document else None, task_id=task.pk if task else None)
    for a in created:
        journal_record(actor=actor, agency_id=agency.pk, action="workflow.assign", obj=a,
                       after={"document_id": a.document_id, "task_id": a.task_id, "role": a.role,
                              "assignee_official_id": a.assignee_official_id,
                              "assignee_department_id": a.assignee_department_id, "due_at": a.due_at})
        _notify(recipients=rules.responsible_ids(a) if a.role != AssignmentRole.INFORM else _people_of(
                    a.assignee_official or a.assignee_department),
                agency_id=agency.pk, kind="workflow.assigned",
                title=f"{a.get_role_display()}: {subject}", body=f"Hạn xử lý: {_fmt_due(a.due_at)}" if a.due_at else "",
                url=url, key=f"assignment:{a.pk}:assigned", exclude=assigned_by.pk, document_id=a.document_id)
    return created


def direction_give(*, actor, document: Document | int, text: str, lead, coordinators=(), inform=(),
                   due_at=None, due_in_working_days=None) -> Direction:
    """A leader's direction (bút phê) on an incoming document: one lead (chủ trì), any coordinators
    (phối hợp) and people or units to inform (để biết), each an Official or Department of the document's
    agency (or "o:ID"/"d:ID" keys), with a deadline typed as a date, "N ngày làm việc" or
    `due_in_working_days` (never before today; by default the agency's `default_due_working_days`, else the
    document's own due date).

    Who may direct: a leader (role Lãnh đạo) of the agency who may see the document, or the head of a
    unit the document is presented to. A pending presentation is marked directed."""
    doc = _visible_document(actor, document)
    me = _official(actor)
    agency = Agency.objects.get(pk=doc.agency_id)
    pending = Presentation.objects.filter(document=doc, status=PresentationStatus.PENDING).first()
    unit_head = bool(pending and pending.to_department_id
                     and pending.to_department_id in rules.headed_department_ids(me, doc.agency_id))
    if not (rules.is_leader(actor, doc.agency_id) or unit_head):
        raise PermissionDenied("Chỉ lãnh đạo cơ quan (hoặc lãnh đạo đơn vị được trình) được cho ý kiến chỉ đạo.")
    errors: dict[str, str] = {}
    text = _required_text(text, field="text", label="ý kiến chỉ đạo", errors=errors)
    lead_obj, coords, informs = resolve_assignees(agency=agency, lead=lead, coordinators=coordinators, inform=inform,
                                                  errors=errors)
    policy = rules.policy_for(doc.agency_id)
    if lead_obj is not None and isinstance(lead_obj, Official) and lead_obj.pk == me.pk \
            and not policy.allow_leader_self_assign:
        errors["lead"] = "Quy định của cơ quan không cho lãnh đạo tự giao mình chủ trì."
    now = timezone.now()
    due = rules.resolve_due(agency, due_at=due_at, due_in_working_days=due_in_working_days, errors=errors, now=now)
    if due is None and "due_at" not in errors:
        if policy.default_due_working_days:
            due = rules.resolve_due(agency, due_in_working_days=policy.default_due_working_days, errors=errors,
                                    now=now)
        elif doc.due_date and doc.due_date >= timezone.localdate(now):
            due = rules.end_of_day(agency, doc.due_date)
    _raise(errors, "Ý kiến chỉ đạo chưa hợp lệ.")
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=doc.pk).first()
        direction = Direction.objects.create(agency=agency, document=doc, author=me, text=text, due_at=due,
                                             created_at=now, presentation=pending)
        if pending is not None:
            Presentation.objects.filter(pk=pending.pk, status=PresentationStatus.PENDING).update(
                status=PresentationStatus.DIRECTED, decided_at=now)
        _event(agency_id=agency.pk, kind=EventKind.DIRECTED, actor=me, document_id=doc.pk, text=text, at=now)
        journal_record(actor=actor, agency_id=agency.pk, action="workflow.direct", obj=direction,
                       after={"document_id": doc.pk, "text": text, "due_at": due})
        assignments_create(actor=actor, agency=agency, assigned_by=me, lead=lead_obj, coordinators=coords,
                           inform=informs, due_at=due, document=doc, direction=direction,
                           urgency_rank=rules.document_rank(doc), now=now)
        __import__("congvu.exchange.statuses").exchange.statuses.on_directed(actor=actor, document_id=doc.pk, text=text)
    return direction


def assignment_reassign(*, actor, assignment: Assignment | int, to_official, note: str = "", due_at=None,
                        due_in_working_days=None) -> Assignment:
    """A unit head hands an assignment of the unit (or their own) to an official of the unit.

    The new row is a child with the same role; the unit's row waits as "delegated" until the child's
    result is accepted by the head (then it is submitted upwards) or the child declines (then it comes
    back). The deadline may be set earlier than the unit's, never later."""
    official_me = _official(actor)
    with transaction.atomic():
        a = _lock(assignment)
        _check_subject_visible(actor, a)
        headed = rules.headed_department_ids(official_me, a.agency_id)
        if a.assignee_department_id:
            unit_id = a.assignee_department_id if a.assignee_department_id in headed else None
        else:
            unit_id = next(iter(sorted(headed)), None) if a.assignee_official_id == official_me.pk else None
        if unit_id is None:
            raise PermissionDenied("Chỉ lãnh đạo đơn vị được giao mới được phân công lại trong đơn vị.")
        if a.status not in ACTIVE_STATUSES or a.role == AssignmentRole.INFORM:
            raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; không phân công lại được.")
        errors: dict[str, str] = {}
        agency = Agency.objects.get(pk=a.agency_id)
        target = rules.resolve_assignee(to_official if not isinstance(to_official, (int,)) else f"o:{to_official}",
                                        agency, field="to_official", errors=errors)
        if target is not None and not isinstance(target, Official):
            errors["to_official"] = "Chọn một cán bộ của đơn vị."
        elif target is not None and target.pk not in rules.department_member_ids(unit_id):
            errors["to_official"] = "Người được phân công lại không thuộc đơn vị."
        elif target is not None and target.pk == official_me.pk:
            errors["to_official"] = "Chọn một cán bộ khác trong đơn vị."
        note = _optional_text(note, field="note", label="ghi chú", errors=errors)
        due = rules.resolve_due(agency, due_at=due_at, due_in_working_days=due_in_working_days, errors=errors)
        if due is not None and a.due_at is not None and due > a.due_at:
            errors["due_at"] = f"Hạn xử lý không được sau hạn của đơn vị ({_fmt_due(a.due_at)})."
        _raise(errors, "Phân công lại chưa hợp lệ.")
        now = timezone.now()
        before = _snapshot(a)
        a.status = AssignmentStatus.DELEGATED
        a.save(update_fields=["status"])
        child = Assignment.objects.create(
            agency_id=a.agency_id, document_id=a.document_id, task_id=a.task_id, direction_id=a.direction_id,
            role=a.role, assignee_official=target, parent=a, assigned_by=official_me, due_at=due or a.due_at,
            urgency_rank=a.urgency_rank, secret=a.secret, note=note, created_at=now)
        _grant_view(actor, a.document_id, [target.pk])
        _event(agency_id=a.agency_id, kind=EventKind.REASSIGNED, actor=official_me, assignment=child, at=now,
               text=f"{a.assignee_label} giao {target.full_name} ({child.get_role_display().lower()})"
                    + (f". Hạn: {_fmt_due(child.due_at)}" if child.due_at else "") + (f". {note}" if note else ""))
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.reassign", obj=a, before=before,
                       after=_snapshot(a) | {"child_id": child.pk, "to_official_id": target.pk})
        _notify(recipients=[target.pk], agency_id=a.agency_id, kind="workflow.assigned",
                title=f"{child.get_role_display()}: {_label(a)}", body=note,
                url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
                key=f"assignment:{child.pk}:assigned")
    return child


def _set(a: Assignment, **values) -> None:
    for k, v in values.items():
        setattr(a, k, v)
    a.save(update_fields=list(values))


def _handler_guard(actor, a: Assignment, *, what: str) -> Official:
    _check_subject_visible(actor, a)
    if not rules.may_handle(actor, a):
        raise PermissionDenied(f"Chỉ người hoặc lãnh đạo đơn vị được giao mới được {what}.")
    return _official(actor)


def assignment_decline(*, actor, assignment: Assignment | int, reason: str) -> Assignment:
    """The assignee declines (not theirs to handle), with a reason; the person who assigned it is told.
    A re-assigned row declined goes back to the unit."""
    errors: dict[str, str] = {}
    reason = _required_text(reason, field="reason", label="lý do từ chối", errors=errors)
    with transaction.atomic():
        a = _lock(assignment)
        me = _handler_guard(actor, a, what="từ chối xử lý")
        if a.status not in (AssignmentStatus.PENDING, AssignmentStatus.RETURNED) or a.role == AssignmentRole.INFORM:
            raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; không từ chối được.")
        _raise(errors, "Vui lòng nêu lý do từ chối.")
        before = _snapshot(a)
        now = timezone.now()
        _set(a, status=AssignmentStatus.DECLINED, reason=reason, completed_at=now)
        if a.parent_id:
            parent = Assignment.objects.select_for_update().get(pk=a.parent_id)
            if parent.status == AssignmentStatus.DELEGATED:
                _set(parent, status=AssignmentStatus.PENDING)
        _event(agency_id=a.agency_id, kind=EventKind.DECLINED, actor=me, assignment=a, at=now,
               text=f"{a.assignee_label} từ chối: {reason}")
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.decline", obj=a, before=before,
                       after=_snapshot(a) | {"reason": reason})
        _notify(recipients=[a.assigned_by_id], agency_id=a.agency_id, kind="workflow.declined",
                title=f"{a.assignee_label} từ chối xử lý {_label(a)}", body=reason,
                url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
                key=f"assignment:{a.pk}:declined")
    return a


def assignment_read(*, actor, assignment: Assignment | int) -> Assignment:
    """Someone informed (để biết) has read it."""
    with transaction.atomic():
        a = _lock(assignment)
        _check_subject_visible(actor, a)
        me = _official(actor)
        allowed = rules.may_handle(actor, a) or (a.assignee_department_id and me.pk in rules.department_member_ids(
            a.assignee_department_id))
        if not allowed:
            raise PermissionDenied("Văn bản này không gửi để biết cho bạn.")
        if a.role != AssignmentRole.INFORM:
            raise Conflict("Chỉ đánh dấu đã xem với phân công để biết.")
        if a.status != AssignmentStatus.PENDING:
            return a
        now = timezone.now()
        _set(a, status=AssignmentStatus.READ, completed_at=now)
        _event(agency_id=a.agency_id, kind=EventKind.READ, actor=me, assignment=a, at=now,
               text=f"{me.full_name} đã xem")
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.read", obj=a,
                       before={"status": AssignmentStatus.PENDING}, after={"status": a.status})
    return a


def _parse_percent(value, errors: dict) -> int | None:
    try:
        n = int(str(value).strip().rstrip("%"))
    except (TypeError, ValueError):
        errors["percent"] = "Tiến độ phải là số phần trăm từ 0 đến 100."
        return None
    if not 0 <= n <= 100:
        errors["percent"] = "Tiến độ phải từ 0 đến 100%."
        return None
    return n


def progress_record(*, actor, assignment: Assignment | int, percent, note: str = "", files=()) -> ProgressReport:
    """The assignee records progress (percent, note, files). The first report starts the work."""
    errors: dict[str, str] = {}
    pct = _parse_percent(percent, errors)
    note = _optional_text(note, field="note", label="nội dung báo cáo", errors=errors)
    _raise(errors, "Báo cáo tiến độ chưa hợp lệ.")
    prepared = prepare_files(files)
    written: list[str] = []
    try:
        with transaction.atomic():
            a = _lock(assignment)
            me = _handler_guard(actor, a, what="báo cáo tiến độ")
            if a.status not in ACTIVE_STATUSES or a.role == AssignmentRole.INFORM:
                raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; không cập nhật tiến độ được.")
            now = timezone.now()
            before = _snapshot(a)
            report = ProgressReport.objects.create(assignment=a, author=me, percent=pct, note=note, created_at=now)
            stored = store_files(prepared, written)
            ProgressAttachment.objects.bulk_create([ProgressAttachment(report=report, file=row, original_name=name)
                                                    for row, name in stored])
            values = {"progress": pct}
            if a.status != AssignmentStatus.IN_PROGRESS:
                values["status"] = AssignmentStatus.IN_PROGRESS
            if a.started_at is None:
                values["started_at"] = now
            _set(a, **values)
            files_txt = f" (kèm {len(stored)} tệp)" if stored else ""
            _event(agency_id=a.agency_id, kind=EventKind.PROGRESS, actor=me, assignment=a, at=now,
                   text=f"{pct}%" + (f": {note}" if note else "") + files_txt)
            journal_record(actor=actor, agency_id=a.agency_id, action="workflow.progress", obj=a, before=before,
                           after=_snapshot(a) | {"note": note, "files": [n for _, n in stored]})
            __import__("congvu.exchange.statuses").exchange.statuses.on_progress(actor=actor, assignment=a)
    except BaseException:
        remove_written(written)
        raise
    finally:
        discard_files(prepared)
    return report


def extension_request(*, actor, assignment: Assignment | int, requested_due_at, reason: str) -> ExtensionRequest:
    """The assignee asks for a later deadline, with a reason; the person who assigned it decides."""
    errors: dict[str, str] = {}
    reason = _required_text(reason, field="reason", label="lý do xin gia hạn", errors=errors)
    with transaction.atomic():
        a = _lock(assignment)
        me = _handler_guard(actor, a, what="xin gia hạn")
        if a.status not in ACTIVE_STATUSES or a.role == AssignmentRole.INFORM:
            raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; không xin gia hạn được.")
        if a.due_at is None:
            raise Conflict("Phân công không có hạn xử lý; không cần gia hạn.")
        agency = Agency.objects.get(pk=a.agency_id)
        due = rules.resolve_due(agency, due_at=requested_due_at, field="requested_due_at", errors=errors,
                                required=True)
        if due is not None and due <= a.due_at:
            errors["requested_due_at"] = f"Hạn mới phải sau hạn hiện tại ({_fmt_due(a.due_at)})."
        _raise(errors, "Đề nghị gia hạn chưa hợp lệ.")
        if ExtensionRequest.objects.filter(assignment=a, status=ExtensionStatus.PENDING).exists():
            raise Conflict("Đã có một đề nghị gia hạn đang chờ quyết định.")
        now = timezone.now()
        ext = ExtensionRequest.objects.create(assignment=a, requested_by=me, previous_due_at=a.due_at,
                                              requested_due_at=due, reason=reason, created_at=now)
        _event(agency_id=a.agency_id, kind=EventKind.EXTENSION_REQUESTED, actor=me, assignment=a, at=now,
               text=f"Xin gia hạn từ {_fmt_due(a.due_at)} đến {_fmt_due(due)}: {reason}")
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.extension_request", obj=ext,
                       after={"assignment_id": a.pk, "previous_due_at": a.due_at, "requested_due_at": due,
                              "reason": reason})
        _notify(recipients=[a.assigned_by_id], agency_id=a.agency_id, kind="workflow.extension_requested",
                title=f"{me.full_name} xin gia hạn {_label(a)}", body=f"Đến {_fmt_due(due)}: {reason}",
                url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
                key=f"extension:{ext.pk}:requested")
    return ext


def extension_decide(*, actor, extension: ExtensionRequest | int, approve: bool, note: str = "",
                     due_at=None) -> ExtensionRequest:
    """The person who assigned the work (or a leader of the agency) grants or refuses more time.

    Granting may set a different date than asked (`due_at`); refusing needs a note. A granted extension
    moves the deadline of the row and of its re-assigned rows that shared the old deadline."""
    pk = extension.pk if isinstance(extension, ExtensionRequest) else extension
    errors: dict[str, str] = {}
    with transaction.atomic():
        ext = ExtensionRequest.objects.select_for_update().filter(pk=pk).first()
        if ext is None:
            raise NotFound("Không tìm thấy đề nghị gia hạn.")
        a = _lock(ext.assignment_id)
        _check_subject_visible(actor, a)
        if not rules.may_decide(actor, a):
            raise PermissionDenied("Chỉ người giao việc hoặc lãnh đạo cơ quan được quyết định gia hạn.")
        if ext.status != ExtensionStatus.PENDING:
            raise Conflict("Đề nghị gia hạn này đã được quyết định.")
        me = _official(actor)
        note = (_optional_text if approve else _required_text)(note, field="decision_note",
                                                               label="lý do không đồng ý", errors=errors)
        new_due = ext.requested_due_at
        if approve and due_at not in (None, ""):
            new_due = rules.resolve_due(Agency.objects.get(pk=a.agency_id), due_at=due_at, errors=errors)
            if new_due is not None and a.due_at and new_due <= a.due_at:
                errors["due_at"] = f"Hạn mới phải sau hạn hiện tại ({_fmt_due(a.due_at)})."
        _raise(errors, "Quyết định gia hạn chưa hợp lệ.")
        now = timezone.now()
        ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        ext.decided_by, ext.decided_at, ext.decision_note = me, now, note
        ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        before = _snapshot(a)
        if approve:
            old = a.due_at
            _set(a, due_at=new_due)
            # Rows re-assigned inside the unit with the old deadline move with it.
            Assignment.objects.filter(parent=a, due_at=old, status__in=list(OPEN_STATUSES)).update(due_at=new_due)
        kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REJECTED
        text = (f"Đồng ý gia hạn đến {_fmt_due(new_due)}" if approve else "Không đồng ý gia hạn") + \
            (f": {note}" if note else "")
        _event(agency_id=a.agency_id, kind=kind, actor=me, assignment=a, at=now, text=text)
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.extension_decide", obj=ext,
                       before={"status": ExtensionStatus.PENDING, "due_at": before["due_at"]},
                       after={"status": ext.status, "due_at": a.due_at, "note": note})
        _notify(recipients=[ext.requested_by_id], agency_id=a.agency_id, kind="workflow.extension_decided",
                title=f"{text.split(':')[0]}: {_label(a)}", body=note,
                url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
                key=f"extension:{ext.pk}:decided")
    return ext


def _submit(actor, a: Assignment, me: Official, note: str, *, now, reply_document: Document | None = None) -> None:
    before = _snapshot(a)
    values = {"status": AssignmentStatus.SUBMITTED, "submitted_at": now, "progress": 100, "result_note": note}
    if a.started_at is None:
        values["started_at"] = now
    if reply_document is not None:
        values["reply_document"] = reply_document
    _set(a, **values)
    _event(agency_id=a.agency_id, kind=EventKind.SUBMITTED, actor=me, assignment=a, at=now,
           text=f"{a.assignee_label} báo cáo hoàn thành" + (f": {note}" if note else ""))
    journal_record(actor=actor, agency_id=a.agency_id, action="workflow.submit", obj=a, before=before,
                   after=_snapshot(a) | {"note": note, "reply_document_id": a.reply_document_id})
    _notify(recipients=[a.assigned_by_id], agency_id=a.agency_id, kind="workflow.submitted",
            title=f"{a.assignee_label} báo cáo hoàn thành {_label(a)}", body=note,
            url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
            key=f"assignment:{a.pk}:submitted:{now.timestamp():.0f}", exclude=me.pk)


def assignment_submit(*, actor, assignment: Assignment | int, note: str = "") -> Assignment:
    """The assignee marks the work done (báo cáo hoàn thành); the person who assigned it accepts or returns it."""
    errors: dict[str, str] = {}
    note = _optional_text(note, field="note", label="kết quả xử lý", errors=errors)
    _raise(errors, "Báo cáo hoàn thành chưa hợp lệ.")
    with transaction.atomic():
        a = _lock(assignment)
        me = _handler_guard(actor, a, what="báo cáo hoàn thành")
        if a.role == AssignmentRole.INFORM:
            raise Conflict("Phân công để biết không cần báo cáo hoàn thành; hãy đánh dấu đã xem.")
        if a.status not in ACTIVE_STATUSES:
            raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; không báo cáo hoàn thành được.")
        _submit(actor, a, me, note, now=timezone.now())
    return a


def assignment_accept(*, actor, assignment: Assignment | int, note: str = "") -> Assignment:
    """The person who assigned the work accepts its result. A re-assigned row accepted by the unit head
    submits the unit's row upwards with the same result."""
    errors: dict[str, str] = {}
    note = _optional_text(note, field="note", label="ý kiến", errors=errors)
    _raise(errors, "Ý kiến duyệt chưa hợp lệ.")
    with transaction.atomic():
        a = _lock(assignment)
        _check_subject_visible(actor, a)
        if not rules.may_decide(actor, a):
            raise PermissionDenied("Chỉ người giao việc hoặc lãnh đạo cơ quan được duyệt kết quả.")
        if a.status != AssignmentStatus.SUBMITTED:
            raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; chưa có kết quả để duyệt.")
        me = _official(actor)
        now = timezone.now()
        before = _snapshot(a)
        _set(a, status=AssignmentStatus.ACCEPTED, accepted_at=now, completed_at=now, accepted_by=me)
        _event(agency_id=a.agency_id, kind=EventKind.ACCEPTED, actor=me, assignment=a, at=now,
               text=f"Duyệt kết quả của {a.assignee_label}" + (f": {note}" if note else ""))
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.accept", obj=a, before=before,
                       after=_snapshot(a) | {"note": note})
        __import__("congvu.exchange.statuses").exchange.statuses.on_accepted(actor=actor, assignment=a)
        _notify(recipients=rules.responsible_ids(a), agency_id=a.agency_id, kind="workflow.accepted",
                title=f"Kết quả đã được duyệt: {_label(a)}", body=note,
                url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
                key=f"assignment:{a.pk}:accepted", exclude=me.pk)
        if a.parent_id:
            parent = _lock(a.parent_id)
            if parent.status == AssignmentStatus.DELEGATED:
                if parent.reply_document_id is None and a.reply_document_id:
                    _set(parent, reply_document_id=a.reply_document_id)
                _submit(actor, parent, me, a.result_note or note, now=now)
    return a


def assignment_return(*, actor, assignment: Assignment | int, reason: str) -> Assignment:
    """The person who assigned the work sends the result back, with a reason; the assignee continues."""
    errors: dict[str, str] = {}
    reason = _required_text(reason, field="reason", label="lý do trả lại", errors=errors)
    with transaction.atomic():
        a = _lock(assignment)
        _check_subject_visible(actor, a)
        if not rules.may_decide(actor, a):
            raise PermissionDenied("Chỉ người giao việc hoặc lãnh đạo cơ quan được trả lại kết quả.")
        if a.status != AssignmentStatus.SUBMITTED:
            raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; chưa có kết quả để trả lại.")
        _raise(errors, "Vui lòng nêu lý do trả lại.")
        me = _official(actor)
        now = timezone.now()
        before = _snapshot(a)
        _set(a, status=AssignmentStatus.RETURNED, reason=reason, submitted_at=None)
        _event(agency_id=a.agency_id, kind=EventKind.RETURNED, actor=me, assignment=a, at=now,
               text=f"Trả lại {a.assignee_label}: {reason}")
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.return", obj=a, before=before,
                       after=_snapshot(a) | {"reason": reason})
        _notify(recipients=rules.responsible_ids(a), agency_id=a.agency_id, kind="workflow.returned",
                title=f"Kết quả bị trả lại: {_label(a)}", body=reason,
                url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
                key=f"assignment:{a.pk}:returned:{now.timestamp():.0f}", exclude=me.pk)
    return a


def assignment_cancel(*, actor, assignment: Assignment | int, reason: str) -> Assignment:
    """The person who assigned the work (or a leader) withdraws an open assignment and its re-assigned rows,
    with a reason (e.g. to name another lead)."""
    errors: dict[str, str] = {}
    reason = _required_text(reason, field="reason", label="lý do hủy", errors=errors)
    with transaction.atomic():
        a = _lock(assignment)
        _check_subject_visible(actor, a)
        if not rules.may_decide(actor, a):
            raise PermissionDenied("Chỉ người giao việc hoặc lãnh đạo cơ quan được hủy phân công.")
        if a.status not in OPEN_STATUSES:
            raise Conflict(f"Phân công đang ở trạng thái “{a.get_status_display()}”; không hủy được.")
        _raise(errors, "Vui lòng nêu lý do hủy phân công.")
        me = _official(actor)
        now = timezone.now()
        before = _snapshot(a)
        _set(a, status=AssignmentStatus.CANCELLED, reason=reason, completed_at=now)
        stack = [a.pk]
        while stack:
            kids = list(Assignment.objects.select_for_update().filter(parent_id__in=stack,
                                                                       status__in=list(OPEN_STATUSES)))
            for k in kids:
                _set(k, status=AssignmentStatus.CANCELLED, reason=reason, completed_at=now)
            stack = [k.pk for k in kids]
        if a.parent_id:
            parent = Assignment.objects.select_for_update().get(pk=a.parent_id)
            if parent.status == AssignmentStatus.DELEGATED:
                _set(parent, status=AssignmentStatus.PENDING)
        _event(agency_id=a.agency_id, kind=EventKind.CANCELLED, actor=me, assignment=a, at=now,
               text=f"Hủy phân công {a.get_role_display().lower()} của {a.assignee_label}: {reason}")
        journal_record(actor=actor, agency_id=a.agency_id, action="workflow.cancel", obj=a, before=before,
                       after=_snapshot(a) | {"reason": reason})
        _notify(recipients=rules.responsible_ids(a), agency_id=a.agency_id, kind="workflow.cancelled",
                title=f"Phân công đã bị hủy: {_label(a)}", body=reason,
                url=subject_url(document_id=a.document_id, task_id=a.task_id), document_id=a.document_id,
                key=f"assignment:{a.pk}:cancelled", exclude=me.pk)
    return a


# --- for other apps --------------------------------------------------------------------------------

def document_replied(*, actor, incoming_document: Document | int, reply_document: Document) -> Assignment | None:
    """A reply (phúc đáp) to `incoming_document` was issued: the actor's open lead assignment on it is
    submitted with a note naming the reply, for the leader to accept. Returns that assignment, or None
    when the actor has no open lead assignment on it (the reply is still recorded on the timeline).

    Called by the drafting app inside or outside its own transaction."""
    doc_id = incoming_document.pk if isinstance(incoming_document, Document) else incoming_document
    me = _official(actor)
    note = f"Đã phúc đáp bằng văn bản {reply_document.number_notation or ''} ngày " \
           f"{(reply_document.issued_date or timezone.localdate()):%d/%m/%Y}: {reply_document.subject[:200]}"
    with transaction.atomic():
        doc = Document.objects.filter(pk=doc_id).first()
        if doc is None:
            raise NotFound("Không tìm thấy văn bản đến được phúc đáp.")
        candidates = list(Assignment.objects.select_for_update().filter(
            document_id=doc_id, role=AssignmentRole.LEAD, status__in=list(ACTIVE_STATUSES)).order_by("-pk"))
        mine = [a for a in candidates if rules.may_handle(actor, a)]
        now = timezone.now()
        _event(agency_id=doc.agency_id, kind=EventKind.REPLIED, actor=me, document_id=doc_id, at=now, text=note)
        if not mine:
            return None
        a = _lock(mine[0])
        _submit(actor, a, me, note, now=now, reply_document=reply_document)
    return a


def document_timeline_note(*, actor, document: Document | int, kind: str, text: str) -> ProcessingEvent:
    """Let another app put a step on a document's processing timeline (e.g. a draft sent for review)."""
    doc = _visible_document(actor, document)
    with transaction.atomic():
        return _event(agency_id=doc.agency_id, kind=kind, actor=official_for_user(actor), document_id=doc.pk,
                      text=_clean(text)[:TEXT_MAX])


def policy_update(*, actor, agency: Agency, present_to: str | None = None, default_leader=None,
                  default_department=None, reminder_offsets_days=None, overdue_repeat_days=None,
                  allow_leader_self_assign: bool | None = None, default_due_working_days=None):
    """The agency admin sets how documents are presented and when reminders go out."""
    from congvu.org.selectors import can_manage_agency
    from congvu.workflow.models import ProcessingPolicy

    if not can_manage_agency(actor, agency.pk):
        raise PermissionDenied("Chỉ quản trị cơ quan được đổi quy định xử lý văn bản.")
    errors: dict[str, str] = {}
    with transaction.atomic():
        policy, _ = ProcessingPolicy.objects.select_for_update().get_or_create(agency=agency)
        before = {f: getattr(policy, f) for f in ("present_to", "default_leader_id", "default_department_id",
                                                   "reminder_offsets_days", "overdue_repeat_days",
                                                   "allow_leader_self_assign", "default_due_working_days")}
        if present_to is not None:
            if present_to not in PresentTo.values:
                errors["present_to"] = "Cách trình không hợp lệ."
            policy.present_to = present_to
        if default_leader is not None:
            if default_leader == "":
                policy.default_leader = None
            else:
                found = rules.resolve_assignee(default_leader if isinstance(default_leader, Official)
                                               else f"o:{default_leader}", agency, field="default_leader",
                                               errors=errors)
                policy.default_leader = found if isinstance(found, Official) else None
        if default_department is not None:
            if default_department == "":
                policy.default_department = None
            else:
                found = rules.resolve_assignee(default_department if isinstance(default_department, Department)
                                               else f"d:{default_department}", agency, field="default_department",
                                               errors=errors)
                policy.default_department = found if isinstance(found, Department) else None
        if reminder_offsets_days is not None:
            try:
                offsets = sorted({int(x) for x in (reminder_offsets_days.replace(",", " ").split()
                                                   if isinstance(reminder_offsets_days, str)
                                                   else reminder_offsets_days)}, reverse=True)
                if any(x < 0 or x > 30 for x in offsets):
                    raise ValueError
                policy.reminder_offsets_days = offsets
            except (TypeError, ValueError):
                errors["reminder_offsets_days"] = "Nhập các số ngày làm việc từ 0 đến 30, ví dụ “2, 0”."
        for name, value, top in (("overdue_repeat_days", overdue_repeat_days, 30),
                                 ("default_due_working_days", default_due_working_days, 365)):
            if value is not None:
                try:
                    n = int(value or 0)
                    if not 0 <= n <= top:
                        raise ValueError
                    setattr(policy, name, n)
                except (TypeError, ValueError):
                    errors[name] = f"Nhập số từ 0 đến {top}."
        if allow_leader_self_assign is not None:
            policy.allow_leader_self_assign = bool(allow_leader_self_assign)
        _raise(errors, "Quy định xử lý chưa hợp lệ.")
        if policy.present_to == PresentTo.DEPARTMENT and not policy.default_department_id:
            raise ValidationFailed("Chọn đơn vị nhận trình.", fields={"default_department": "Chọn đơn vị nhận trình."})
        policy.save()
        after = {f: getattr(policy, f) for f in before}
        journal_record(actor=actor, agency_id=agency.pk, action="workflow.policy_update", obj=policy,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return policy
