"""/api/v1 tasks (giao việc) and the monthly task report.

Thin: reads through congvu.workflow.task_selectors and congvu.workflow.reports, writes through
congvu.workflow.task_services. The work on each assignment of a task (progress, extension, hand-in,
acceptance, return) is /api/v1/assignments/{id}/… (processing). A task the caller may not see is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from congvu.api.documents import _create_body, _read_create_payload
from congvu.api.schemas import ERRORS, MAX_ID, ErrorOut, Id, StrictIn
from congvu.api.workflow import AssignmentOut, assignment_item
from congvu.core.errors import NotFound, ValidationFailed
from congvu.documents.files import open_stored
from congvu.org.models import Agency
from congvu.org.selectors import user_access
from congvu.workflow import reports, task_selectors, task_services
from congvu.workflow.models import Assignment, Task, TaskAttachment

router = Router(tags=["Giao việc"])

ACTION_ERRORS = ERRORS | {409: ErrorOut}
TaskId = Path(..., ge=1, le=MAX_ID, description="Id của công việc.")
ASSIGNEE_HELP = "Người hoặc đơn vị: “o:<id cán bộ>” hoặc “d:<id phòng, ban>”."


class TaskIn(StrictIn):
    agency: Id | None = Field(None, description="Cơ quan (id); bỏ trống khi bạn chỉ giao việc ở một cơ quan.")
    title: str = Field(description="Tên công việc.")
    description: str = ""
    priority: str = Field("normal", description="normal (bình thường), high (quan trọng), urgent (khẩn).")
    source: str | None = Field(None, description="document, meeting hoặc own; mặc định suy ra từ document/meeting.")
    document: Id | None = Field(None, description="Văn bản giao việc (id).")
    meeting_entry: Id | None = Field(None, description="Cuộc họp trong lịch công tác (id lịch).")
    meeting: str | None = Field(None, description="Hoặc tên cuộc họp, ghi bằng chữ.")
    due_at: str | None = Field(None, description="Hạn: yyyy-mm-dd, dd/mm/yyyy hoặc “N ngày làm việc”.")
    due_in_working_days: int | None = Field(None, ge=1, le=365, description="Hoặc số ngày làm việc từ bây giờ.")
    lead: str | list[str] | None = Field(None, description="Chủ trì (đúng một). " + ASSIGNEE_HELP)
    coordinators: list[str] = Field(default_factory=list, max_length=200, description="Phối hợp. " + ASSIGNEE_HELP)
    inform: list[str] = Field(default_factory=list, max_length=200, description="Để biết. " + ASSIGNEE_HELP)


class TaskPatchIn(StrictIn):
    title: str | None = None
    description: str | None = None
    priority: str | None = None
    meeting: str | None = None


class ReasonIn(StrictIn):
    reason: str = Field(description="Lý do (bắt buộc).")


class NoteIn(StrictIn):
    note: str = ""


class TaskListItem(Schema):
    id: int
    agency_id: int
    title: str
    source: str = Field(description="document (từ văn bản), meeting (từ cuộc họp), own (lãnh đạo tự giao).")
    priority: str
    status: str = Field(description="open (đang thực hiện), done (đã hoàn thành), cancelled (đã hủy).")
    due_at: dt.datetime | None = Field(description="Hạn hiện tại: hạn của người chủ trì (sau gia hạn).")
    original_due_at: dt.datetime | None = Field(description="Hạn khi giao việc.")
    overdue: bool
    lead: str | None = Field(description="Người hoặc đơn vị chủ trì.")
    lead_status: str | None
    progress: int | None
    document_id: int | None
    meeting_entry_id: int | None = Field(description="Cuộc họp trong lịch công tác mà công việc được giao tại đó.")
    meeting_reference: str
    created_by: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class TaskPage(Schema):
    items: list[TaskListItem]
    page: int
    pages: int
    count: int


class TaskFileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    content_url: str


class TaskEventOut(Schema):
    kind: str
    label: str
    text: str
    actor: str | None
    created_at: dt.datetime


class TaskOut(TaskListItem):
    description: str
    assignments: list[AssignmentOut]
    attachments: list[TaskFileOut]
    events: list[TaskEventOut]


class ReportRowOut(Schema):
    key: str = Field(description="o:<id cán bộ>, d:<id phòng, ban> hoặc none (không thuộc phòng, ban).")
    name: str
    unit: str
    assigned: int = Field(description="Được giao: còn dở dang từ trước cộng giao trong tháng.")
    new: int = Field(description="Trong đó giao mới trong tháng.")
    on_time: int = Field(description="Hoàn thành đúng hạn.")
    late: int = Field(description="Hoàn thành quá hạn.")
    overdue: int = Field(description="Chưa hoàn thành, quá hạn.")
    in_progress: int = Field(description="Đang thực hiện trong hạn.")


class ReportOut(Schema):
    agency_id: int
    month: str
    by: str
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime = Field(description="Thời điểm tính số liệu: cuối tháng, hoặc bây giờ với tháng hiện tại.")
    rows: list[ReportRowOut]
    total: ReportRowOut


# --- shaping -----------------------------------------------------------------------------------

def _local(value):
    return timezone.localtime(value) if value else None


def _list_item(t: Task, leads: dict[int, Assignment], now) -> dict:
    lead = leads.get(getattr(t, "lead_id", None) or 0)
    due = lead.due_at if lead and lead.due_at else t.due_at
    return {
        "id": t.pk, "agency_id": t.agency_id, "title": t.title, "source": t.source, "priority": t.priority,
        "status": t.status, "due_at": _local(due), "original_due_at": _local(t.due_at),
        "overdue": bool(t.status == "open" and lead is not None and lead.active and due and due < now),
        "lead": lead.assignee_label if lead else None, "lead_status": lead.status if lead else None,
        "progress": lead.progress if lead else None, "document_id": t.document_id,
        "meeting_entry_id": t.meeting_id, "meeting_reference": t.meeting_reference,
        "created_by": t.created_by.full_name, "created_at": _local(t.created_at), "closed_at": _local(t.closed_at),
    }


def _leads(tasks) -> dict[int, Assignment]:
    ids = [t.lead_id for t in tasks if getattr(t, "lead_id", None)]
    return {a.pk: a for a in Assignment.objects.filter(pk__in=ids).select_related("assignee_official",
                                                                                 "assignee_department")}


def _detail(user, task: Task) -> dict:
    view = task_selectors.task_view(user=user, task=task)
    annotated = task_selectors.with_lead(Task.objects.filter(pk=task.pk)).select_related("created_by").get()
    now = timezone.now()
    return _list_item(annotated, _leads([annotated]), now) | {
        "description": task.description,
        "assignments": [assignment_item(a, now) for a in view.assignments],
        "attachments": [{"id": f.pk, "original_name": f.original_name, "content_type": f.file.content_type,
                         "size": f.file.size,
                         "content_url": reverse("api_v1:task_file_content",
                                                kwargs={"task_id": task.pk, "file_id": f.pk})}
                        for f in view.attachments],
        "events": [{"kind": e.kind, "label": e.get_kind_display(), "text": e.text,
                    "actor": e.actor.full_name if e.actor else None, "created_at": _local(e.created_at)}
                   for e in view.events],
    }


def _agency(user, agency_id: int | None) -> int:
    """The agency asked for, or the only one the caller works in."""
    access = user_access(user)
    if agency_id is None:
        if len(access) > 1:
            raise ValidationFailed("Vui lòng chọn cơ quan.",
                                   fields={"agency": "Bạn công tác ở nhiều cơ quan; chọn một."})
        if not access:
            raise NotFound("Tài khoản chưa được phân công vào cơ quan nào.")
        return next(iter(access))
    if agency_id not in access:
        raise NotFound("Không tìm thấy cơ quan.")
    return agency_id


# --- endpoints ---------------------------------------------------------------------------------

@router.get("/tasks", response={200: TaskPage, **ERRORS}, summary="Danh sách công việc",
            description="Lãnh đạo và quản trị cơ quan thấy mọi công việc của cơ quan; người khác thấy việc mình giao "
                        "và việc giao cho mình hoặc đơn vị mình. Việc đang thực hiện trước, khẩn trước, rồi theo hạn.")
def tasks_list(
    request: HttpRequest,
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan."),
    scope: str = Query("all", description="mine: giao cho tôi, đơn vị tôi; given: tôi giao; all: mọi việc tôi thấy."),
    status: str | None = Query(None, description="open, done, cancelled."),
    overdue: bool = Query(False, description="Chỉ việc quá hạn."),
    unit: int | None = Query(None, ge=1, le=MAX_ID, description="Id phòng, ban được giao."),
    month: str | None = Query(None, max_length=7, description="Tháng giao, dạng 11/2026 (hoặc 2026-11)."),
    page: int = Query(1, ge=1, le=100000),
    limit: int = Query(50, ge=1, le=200),
):
    user = request.auth
    if scope not in ("mine", "given", "all"):
        raise ValidationFailed("Phạm vi không hợp lệ.", fields={"scope": "Chọn mine, given hoặc all."})
    qs = task_selectors.task_list(user=user, agency_id=_agency(user, agency), scope=scope, status=status or "",
                                  overdue=overdue, department_id=unit, month=month or "")
    count = qs.count()
    items = list(qs[(page - 1) * limit: page * limit])
    now = timezone.now()
    leads = _leads(items)
    return {"items": [_list_item(t, leads, now) for t in items], "page": page,
            "pages": max(1, -(-count // limit)), "count": count}


@router.post("/tasks", response={201: TaskOut, **ACTION_ERRORS, 413: ErrorOut, 415: ErrorOut},
             summary="Giao việc", openapi_extra=_create_body(TaskIn),
             description="Lãnh đạo cơ quan giao cho bất kỳ ai trong cơ quan; lãnh đạo đơn vị giao trong đơn vị. "
                         "Đúng một chủ trì; hạn không trước hôm nay. Thân yêu cầu là JSON theo TaskIn, hoặc "
                         "multipart/form-data với trường `data` (JSON) và các tệp `files`.")
def tasks_create(request: HttpRequest):
    user = request.auth
    payload, uploads = _read_create_payload(request, TaskIn)
    agency = Agency.objects.get(pk=_agency(user, payload.agency))
    meeting = payload.meeting_entry if payload.meeting_entry is not None else payload.meeting
    task = task_services.task_create(
        actor=user, agency=agency, title=payload.title, description=payload.description, source=payload.source,
        document=payload.document, meeting=meeting, priority=payload.priority, due_at=payload.due_at,
        due_in_working_days=payload.due_in_working_days, lead=payload.lead, coordinators=payload.coordinators,
        inform=payload.inform, files=uploads)
    return Status(201, _detail(user, task_selectors.task_get(user=user, pk=task.pk)))


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="Chi tiết công việc",
            description="Người thực hiện, tiến độ, đề nghị gia hạn, tệp đính kèm và diễn biến.")
def tasks_detail(request: HttpRequest, task_id: int = TaskId):
    return _detail(request.auth, task_selectors.task_get(user=request.auth, pk=task_id))


@router.patch("/tasks/{task_id}", response={200: TaskOut, **ACTION_ERRORS}, summary="Sửa công việc",
              description="Tên, nội dung, mức độ, cuộc họp. Người thực hiện và hạn đổi qua hủy phân công, gia hạn.")
def tasks_update(request: HttpRequest, payload: TaskPatchIn, task_id: int = TaskId):
    user = request.auth
    task = task_selectors.task_get(user=user, pk=task_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Không có trường nào để sửa.", fields={"body": "Gửi ít nhất một trường."})
    task_services.task_update(actor=user, task=task, **changes)
    return _detail(user, task_selectors.task_get(user=user, pk=task_id))


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **ACTION_ERRORS},
             summary="Duyệt kết quả và kết thúc công việc")
def tasks_complete(request: HttpRequest, payload: NoteIn, task_id: int = TaskId):
    user = request.auth
    task_services.task_complete(actor=user, task=task_selectors.task_get(user=user, pk=task_id), note=payload.note)
    return _detail(user, task_selectors.task_get(user=user, pk=task_id))


@router.post("/tasks/{task_id}/cancel", response={200: TaskOut, **ACTION_ERRORS}, summary="Hủy công việc")
def tasks_cancel(request: HttpRequest, payload: ReasonIn, task_id: int = TaskId):
    user = request.auth
    task_services.task_cancel(actor=user, task=task_selectors.task_get(user=user, pk=task_id), reason=payload.reason)
    return _detail(user, task_selectors.task_get(user=user, pk=task_id))


@router.get("/tasks/{task_id}/files/{file_id}/content", response={200: None, **ERRORS}, url_name="task_file_content",
            summary="Tải tệp đính kèm của công việc",
            openapi_extra={"responses": {200: {"description": "Nội dung tệp.", "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def tasks_file(request: HttpRequest, task_id: int = TaskId,
               file_id: int = Path(..., ge=1, le=MAX_ID, description="Id của tệp.")):
    task = task_selectors.task_get(user=request.auth, pk=task_id)
    att = TaskAttachment.objects.select_related("file").filter(task=task, pk=file_id).first()
    if att is None:
        raise NotFound("Không tìm thấy tệp đính kèm.")
    return FileResponse(open_stored(att.file), as_attachment=True, filename=att.original_name,
                        content_type=att.file.content_type)


@router.get("/reports/tasks/monthly", response={200: ReportOut, **ERRORS}, summary="Báo cáo giao việc theo tháng",
            description="Theo cán bộ (by=official) hoặc theo phòng, ban (by=unit). `format=xlsx` trả về tệp Excel. "
                        "Lãnh đạo, quản trị cơ quan xem toàn cơ quan; lãnh đạo đơn vị xem đơn vị mình.",
            openapi_extra={"responses": {200: {"description": "Báo cáo (JSON, hoặc XLSX khi format=xlsx).",
                                               "content": {"application/json": {"schema": {
                                                   "$ref": "#/components/schemas/ReportOut"}},
                                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                                                       {"schema": {"type": "string", "format": "binary"}}}}}})
def reports_tasks_monthly(
    request: HttpRequest,
    month: str = Query(..., max_length=7, description="Tháng, dạng 11/2026 (hoặc 2026-11)."),
    by: str = Query("unit", description="official (theo cán bộ) hoặc unit (theo phòng, ban)."),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan."),
    format: str = Query("json", description="json hoặc xlsx."),
):
    user = request.auth
    if format not in ("json", "xlsx"):
        raise ValidationFailed("Định dạng không hợp lệ.", fields={"format": "Chọn json hoặc xlsx."})
    report = reports.task_monthly_report(user=user, agency_id=_agency(user, agency), month=month, by=by)
    if format == "xlsx":
        response = HttpResponse(reports.report_xlsx(report),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{reports.report_filename(report)}"'
        return response

    def row(r):
        return {"key": r.key, "name": r.name, "unit": r.unit} | {f: getattr(r, f) for f in reports.FIGURES}

    return {"agency_id": report.agency.pk, "month": report.month, "by": report.by, "start": report.start,
            "end": report.end, "as_of": timezone.localtime(report.as_of), "rows": [row(r) for r in report.rows],
            "total": row(report.total)}
