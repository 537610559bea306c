"""/api/v1 processing: presentation, directions, assignments, progress, extensions, "my work", overdue list.

Thin: reads through congvu.workflow.selectors (visibility included), writes through congvu.workflow.services.
A document or assignment the caller may not see is a 404, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json

import pydantic
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from pydantic import Field

from congvu.api.errors import InvalidJson, schema_invalid
from congvu.api.schemas import ERRORS, MAX_ID, ErrorOut, StrictIn
from congvu.core.errors import NotFound
from congvu.org.selectors import user_access
from congvu.workflow import selectors, services
from congvu.workflow.models import Assignment, ExtensionRequest, ProcessingEvent

router = Router(tags=["Xử lý văn bản, giao việc"])

ACTION_ERRORS = ERRORS | {409: ErrorOut}
DocumentId = Path(..., ge=1, le=MAX_ID, description="Id của văn bản.")
AssignmentId = Path(..., ge=1, le=MAX_ID, description="Id của phân công xử lý.")
ASSIGNEE_HELP = "Người hoặc đơn vị: “o:<id cán bộ>” hoặc “d:<id phòng, ban>”."
DUE_HELP = "Hạn: yyyy-mm-dd, dd/mm/yyyy hoặc “N ngày làm việc”."


def _iso(value: dt.datetime | None):
    return timezone.localtime(value).isoformat() if value else None


def _agency(request: HttpRequest, agency: int | None) -> int:
    access = user_access(request.auth)
    if agency is None:
        if not access:
            raise NotFound("Tài khoản chưa được phân công vào cơ quan nào.")
        return min(access)
    if agency not in access:
        raise NotFound("Không tìm thấy cơ quan.")
    return agency


# --- shapes ----------------------------------------------------------------------------------------

class AssignmentOut(pydantic.BaseModel):
    id: int
    document_id: int | None
    task_id: int | None
    parent_id: int | None
    role: str = Field(description="lead (chủ trì), coordinate (phối hợp), inform (để biết).")
    status: str
    status_label: str
    assignee: str = Field(description=ASSIGNEE_HELP)
    assignee_name: str
    assigned_by: str
    due_at: str | None
    overdue: bool
    progress: int
    urgency_rank: int
    subject: str
    note: str
    result_note: str
    reason: str
    submitted_at: str | None
    accepted_at: str | None


def assignment_item(a: Assignment, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "id": a.pk, "document_id": a.document_id, "task_id": a.task_id, "parent_id": a.parent_id, "role": a.role,
        "status": a.status, "status_label": a.get_status_display(),
        "assignee": f"o:{a.assignee_official_id}" if a.assignee_official_id else f"d:{a.assignee_department_id}",
        "assignee_name": a.assignee_label, "assigned_by": a.assigned_by.full_name, "due_at": _iso(a.due_at),
        "overdue": bool(a.active and a.due_at and a.due_at < now), "progress": a.progress,
        "urgency_rank": a.urgency_rank, "subject": a.subject_label, "note": a.note, "result_note": a.result_note,
        "reason": a.reason, "submitted_at": _iso(a.submitted_at), "accepted_at": _iso(a.accepted_at),
    }


class EventOut(pydantic.BaseModel):
    kind: str
    label: str
    text: str
    actor: str | None
    at: str
    assignment_id: int | None


def event_item(e: ProcessingEvent) -> dict:
    return {"kind": e.kind, "label": e.get_kind_display(), "text": e.text,
            "actor": e.actor.full_name if e.actor_id else None, "at": _iso(e.created_at),
            "assignment_id": e.assignment_id}


class DirectionOut(pydantic.BaseModel):
    id: int
    text: str
    author: str
    due_at: str | None
    created_at: str


class ProcessingOut(pydantic.BaseModel):
    document_id: int
    pending_presentation: dict | None
    directions: list[DirectionOut]
    assignments: list[AssignmentOut]
    timeline: list[EventOut]


class WorkItemOut(pydantic.BaseModel):
    kind: str = Field(description="assignment, unit_assignment, inform, presentation, result, extension.")
    kind_label: str
    title: str
    url: str
    due_at: str | None
    overdue: bool
    urgency_rank: int
    status_label: str
    assignment_id: int | None
    presentation_id: int | None
    extension_id: int | None
    document_id: int | None
    task_id: int | None


class MyWorkOut(pydantic.BaseModel):
    agency_id: int
    counts: dict[str, int]
    truncated: bool
    items: list[WorkItemOut]


class OverdueOut(pydantic.BaseModel):
    total: int
    next_cursor: str | None
    items: list[AssignmentOut]


class ExtensionOut(pydantic.BaseModel):
    id: int
    assignment_id: int
    status: str
    previous_due_at: str | None
    requested_due_at: str
    reason: str
    decision_note: str


def extension_item(e: ExtensionRequest) -> dict:
    return {"id": e.pk, "assignment_id": e.assignment_id, "status": e.status,
            "previous_due_at": _iso(e.previous_due_at), "requested_due_at": _iso(e.requested_due_at),
            "reason": e.reason, "decision_note": e.decision_note}


class PresentIn(StrictIn):
    to_official: int | None = Field(None, ge=1, le=MAX_ID, description="Id cán bộ lãnh đạo được trình.")
    to_department: int | None = Field(None, ge=1, le=MAX_ID, description="Id phòng, ban được trình.")
    note: str = Field("", max_length=5000)


class DirectionIn(StrictIn):
    text: str = Field(..., max_length=5000, description="Ý kiến chỉ đạo (bút phê).")
    lead: str = Field(..., max_length=40, description="Chủ trì. " + ASSIGNEE_HELP)
    coordinators: list[str] = Field(default_factory=list, max_length=100, description="Phối hợp. " + ASSIGNEE_HELP)
    inform: list[str] = Field(default_factory=list, max_length=100, description="Để biết. " + ASSIGNEE_HELP)
    due: str | None = Field(None, max_length=40, description=DUE_HELP)
    due_in_working_days: int | None = Field(None, ge=1, le=365)


class NoteIn(StrictIn):
    note: str = Field("", max_length=5000)


class ReasonIn(StrictIn):
    reason: str = Field(..., max_length=5000)


class ProgressIn(StrictIn):
    percent: int = Field(..., ge=0, le=100)
    note: str = Field("", max_length=5000)


class ReassignIn(StrictIn):
    to_official: int = Field(..., ge=1, le=MAX_ID, description="Id cán bộ trong đơn vị.")
    note: str = Field("", max_length=5000)
    due: str | None = Field(None, max_length=40, description=DUE_HELP)


class ExtensionIn(StrictIn):
    requested_due: str = Field(..., max_length=40, description=DUE_HELP)
    reason: str = Field(..., max_length=5000)


class DecisionIn(StrictIn):
    approve: bool
    note: str = Field("", max_length=5000)
    due: str | None = Field(None, max_length=40, description="Hạn khác với đề nghị (khi đồng ý). " + DUE_HELP)


# --- reads -----------------------------------------------------------------------------------------

@router.get("/my-work", response={200: MyWorkOut, **ERRORS}, summary="Việc của tôi",
            description="Việc đang chờ người dùng ở một cơ quan: quá hạn lên đầu, rồi khẩn, rồi theo hạn.")
def my_work(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID)):
    agency_id = _agency(request, agency)
    work = selectors.my_work(request.auth, agency_id)
    return {"agency_id": agency_id, "counts": work.counts, "truncated": work.truncated,
            "items": [{"kind": i.kind, "kind_label": i.kind_label, "title": i.title, "url": i.url,
                       "due_at": _iso(i.due_at), "overdue": i.overdue, "urgency_rank": i.urgency_rank,
                       "status_label": i.status_label, "assignment_id": i.assignment_id,
                       "presentation_id": i.presentation_id, "extension_id": i.extension_id,
                       "document_id": i.document_id, "task_id": i.task_id} for i in work.items]}


@router.get("/assignments/overdue", response={200: OverdueOut, **ERRORS}, summary="Việc quá hạn",
            description="Phân công quá hạn mà người dùng được xem, khẩn trước, quá hạn lâu trước. "
                        "Phân trang bằng `cursor` (lấy từ `next_cursor`).")
def overdue(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID),
            cursor: str | None = Query(None, max_length=80), limit: int = Query(50, ge=1, le=200)):
    page = selectors.overdue_assignments(request.auth, _agency(request, agency), cursor=cursor, limit=limit)
    now = timezone.now()
    return {"total": page.total, "next_cursor": page.next_cursor,
            "items": [assignment_item(a, now) for a in page.items]}


def _processing(user, document_id: int) -> dict:
    proc = selectors.document_processing(user=user, document=document_id)
    p = proc.pending_presentation
    now = timezone.now()
    return {
        "document_id": proc.document.pk,
        "pending_presentation": {"id": p.pk, "to_official": p.to_official_id, "to_department": p.to_department_id,
                                 "note": p.note, "created_at": _iso(p.created_at)} if p else None,
        "directions": [{"id": d.pk, "text": d.text, "author": d.author.full_name, "due_at": _iso(d.due_at),
                        "created_at": _iso(d.created_at)} for d in proc.directions],
        "assignments": [assignment_item(a, now) for a in proc.assignments],
        "timeline": [event_item(e) for e in proc.events],
    }


@router.get("/documents/{document_id}/processing", response={200: ProcessingOut, **ERRORS},
            summary="Quá trình xử lý một văn bản")
def document_processing(request: HttpRequest, document_id: int = DocumentId):
    return _processing(request.auth, document_id)


@router.get("/assignments/{assignment_id}", response={200: AssignmentOut, **ERRORS}, summary="Một phân công")
def assignment_detail(request: HttpRequest, assignment_id: int = AssignmentId):
    return assignment_item(selectors.assignment_for_user(user=request.auth, pk=assignment_id))


# --- writes ----------------------------------------------------------------------------------------

@router.post("/documents/{document_id}/present", response={201: ProcessingOut, **ACTION_ERRORS},
             summary="Trình văn bản đến", description="Văn thư trình lãnh đạo hoặc đơn vị; không chọn thì theo "
                                                      "quy định của cơ quan.")
def present(request: HttpRequest, payload: PresentIn, document_id: int = DocumentId):
    services.document_present(actor=request.auth, document=document_id, to_official=payload.to_official,
                              to_department=payload.to_department, note=payload.note)
    return Status(201, _processing(request.auth, document_id))


@router.post("/documents/{document_id}/directions", response={201: ProcessingOut, **ACTION_ERRORS},
             summary="Cho ý kiến chỉ đạo và phân công",
             description="Một chủ trì, các phối hợp và để biết (cán bộ hoặc phòng, ban của cơ quan); hạn không "
                         "trước hôm nay.")
def direct(request: HttpRequest, payload: DirectionIn, document_id: int = DocumentId):
    services.direction_give(actor=request.auth, document=document_id, text=payload.text, lead=payload.lead,
                            coordinators=payload.coordinators, inform=payload.inform, due_at=payload.due,
                            due_in_working_days=payload.due_in_working_days)
    return Status(201, _processing(request.auth, document_id))


def _assignment(request, assignment_id: int) -> dict:
    return assignment_item(selectors.assignment_for_user(user=request.auth, pk=assignment_id))


def _progress_payload(request: HttpRequest) -> tuple[ProgressIn, list]:
    if request.content_type == "multipart/form-data":
        raw, files = request.POST.get("data") or "{}", request.FILES.getlist("files")
    else:
        raw, files = request.body or b"{}", []
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidJson("Nội dung gửi lên không phải JSON hợp lệ.") from None
    try:
        return ProgressIn.model_validate(data), files
    except pydantic.ValidationError as exc:
        raise schema_invalid(exc.errors()) from None


@router.post("/assignments/{assignment_id}/progress", response={200: AssignmentOut, **ACTION_ERRORS},
             summary="Báo cáo tiến độ", openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": ProgressIn.model_json_schema()},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "data": {"type": "string", "description": "JSON {percent, note}"},
                     "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
def progress(request: HttpRequest, assignment_id: int = AssignmentId):
    payload, files = _progress_payload(request)
    services.progress_record(actor=request.auth, assignment=assignment_id, percent=payload.percent, note=payload.note,
                             files=files)
    return _assignment(request, assignment_id)


@router.post("/assignments/{assignment_id}/submit", response={200: AssignmentOut, **ACTION_ERRORS},
             summary="Báo cáo hoàn thành")
def submit(request: HttpRequest, payload: NoteIn, assignment_id: int = AssignmentId):
    services.assignment_submit(actor=request.auth, assignment=assignment_id, note=payload.note)
    return _assignment(request, assignment_id)


@router.post("/assignments/{assignment_id}/accept", response={200: AssignmentOut, **ACTION_ERRORS},
             summary="Duyệt kết quả")
def accept(request: HttpRequest, payload: NoteIn, assignment_id: int = AssignmentId):
    services.assignment_accept(actor=request.auth, assignment=assignment_id, note=payload.note)
    return _assignment(request, assignment_id)


@router.post("/assignments/{assignment_id}/return", response={200: AssignmentOut, **ACTION_ERRORS},
             summary="Trả lại kết quả (cần lý do)")
def return_(request: HttpRequest, payload: ReasonIn, assignment_id: int = AssignmentId):
    services.assignment_return(actor=request.auth, assignment=assignment_id, reason=payload.reason)
    return _assignment(request, assignment_id)


@router.post("/assignments/{assignment_id}/decline", response={200: AssignmentOut, **ACTION_ERRORS},
             summary="Từ chối xử lý (cần lý do)")
def decline(request: HttpRequest, payload: ReasonIn, assignment_id: int = AssignmentId):
    services.assignment_decline(actor=request.auth, assignment=assignment_id, reason=payload.reason)
    return _assignment(request, assignment_id)


@router.post("/assignments/{assignment_id}/cancel", response={200: AssignmentOut, **ACTION_ERRORS},
             summary="Hủy phân công (cần lý do)")
def cancel(request: HttpRequest, payload: ReasonIn, assignment_id: int = AssignmentId):
    services.assignment_cancel(actor=request.auth, assignment=assignment_id, reason=payload.reason)
    return _assignment(request, assignment_id)


@router.post("/assignments/{assignment_id}/read", response={200: AssignmentOut, **ACTION_ERRORS},
             summary="Đánh dấu đã xem (để biết)")
def read(request: HttpRequest, assignment_id: int = AssignmentId):
    services.assignment_read(actor=request.auth, assignment=assignment_id)
    return _assignment(request, assignment_id)


@router.post("/assignments/{assignment_id}/reassign", response={201: AssignmentOut, **ACTION_ERRORS},
             summary="Phân công lại trong đơn vị", description="Trả về phân công mới (con) của cán bộ được giao.")
def reassign(request: HttpRequest, payload: ReassignIn, assignment_id: int = AssignmentId):
    child = services.assignment_reassign(actor=request.auth, assignment=assignment_id,
                                         to_official=f"o:{payload.to_official}", note=payload.note, due_at=payload.due)
    return Status(201, _assignment(request, child.pk))


@router.post("/assignments/{assignment_id}/extension", response={201: ExtensionOut, **ACTION_ERRORS},
             summary="Xin gia hạn")
def extension(request: HttpRequest, payload: ExtensionIn, assignment_id: int = AssignmentId):
    ext = services.extension_request(actor=request.auth, assignment=assignment_id,
                                     requested_due_at=payload.requested_due, reason=payload.reason)
    return Status(201, extension_item(ext))


@router.post("/extensions/{extension_id}/decision", response={200: ExtensionOut, **ACTION_ERRORS},
             summary="Quyết định gia hạn", description="Không đồng ý thì cần ý kiến (note).")
def extension_decision(request: HttpRequest, payload: DecisionIn,
                       extension_id: int = Path(..., ge=1, le=MAX_ID)):
    if not ExtensionRequest.objects.filter(pk=extension_id).exists():
        raise NotFound("Không tìm thấy đề nghị gia hạn.")
    ext = services.extension_decide(actor=request.auth, extension=extension_id, approve=payload.approve,
                                    note=payload.note, due_at=payload.due)
    return extension_item(ext)

