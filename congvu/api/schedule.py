"""/api/v1/schedule: the weekly schedule (lịch công tác) of the agencies the caller works in.

Thin: reads through congvu.schedule.selectors (drafts only for those who keep the schedule), writes
through congvu.schedule.services. An entry the caller may not see is a 404.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID, AgencyRef, ErrorOut, Id, StrictIn
from congvu.core.errors import NotFound, ValidationFailed
from congvu.documents.models import Document
from congvu.documents.selectors import visible_documents
from congvu.org.models import Agency
from congvu.org.selectors import user_access
from congvu.schedule import selectors, services
from congvu.schedule.models import ScheduleEntry

router = Router(tags=["Lịch công tác"])

EntryId = Path(..., ge=1, le=MAX_ID, description="Id của lịch.")
StatusCode = Literal["draft", "published", "cancelled"]
WEEK_HELP = "Tuần theo ISO 8601, ví dụ 2026-W48 (thứ Hai đến Chủ nhật)."


class NamedRef(Schema):
    id: int
    name: str


class ScheduleDocumentRef(Schema):
    id: int
    number_notation: str
    subject: str


class ScheduleEntryOut(Schema):
    id: int
    agency: AgencyRef
    start: dt.datetime
    end: dt.datetime | None
    part: Literal["morning", "afternoon"] = Field(description="Buổi: morning (sáng) hoặc afternoon (chiều).")
    title: str = Field(description="Nội dung công việc.")
    content: str
    place: str
    chair: NamedRef | None = Field(description="Lãnh đạo chủ trì (cán bộ của cơ quan).")
    chair_name: str = Field(description="Tên người chủ trì như in trên lịch.")
    attendee_officials: list[NamedRef]
    attendee_departments: list[NamedRef]
    attendees_text: str
    preparing_department: NamedRef | None
    preparing_text: str
    documents: list[ScheduleDocumentRef] = Field(description="Văn bản liên quan mà bạn được xem.")
    source_document_id: int | None = Field(description="Giấy mời đã tạo ra lịch này.")
    status: StatusCode = Field(description="draft: dự kiến; published: đã công bố; cancelled: đã hủy.")
    cancel_reason: str


class DayOut(Schema):
    date: dt.date
    name: str = Field(description="Thứ Hai … Chủ nhật.")
    morning: list[ScheduleEntryOut]
    afternoon: list[ScheduleEntryOut]


class WeekOut(Schema):
    agency: AgencyRef
    week: str
    monday: dt.date
    sunday: dt.date
    previous: str
    next: str
    drafts: int = Field(description="Số lịch dự kiến chưa công bố (chỉ người lập lịch thấy).")
    days: list[DayOut]


class ScheduleEntryIn(StrictIn):
    agency: Id | None = Field(None, description="Cơ quan (id); bỏ trống khi bạn chỉ lập lịch ở một cơ quan.")
    document: Id | None = Field(None, description="Giấy mời đến đã vào sổ: lịch lấy trích yếu làm nội dung "
                                                  "và gắn giấy mời.")
    start: dt.datetime = Field(description="Bắt đầu, ISO 8601 (không ghi múi giờ là giờ Việt Nam).")
    end: dt.datetime | None = None
    title: str = Field("", description="Nội dung công việc (bỏ trống khi tạo từ giấy mời: lấy trích yếu).")
    content: str = ""
    place: str = ""
    chair_id: Id | None = Field(None, description="Lãnh đạo chủ trì (id cán bộ).")
    chair_text: str = Field("", description="Người chủ trì ngoài cơ quan, ghi bằng chữ.")
    attendee_official_ids: list[Id] = Field(default_factory=list, max_length=500)
    attendee_department_ids: list[Id] = Field(default_factory=list, max_length=500)
    attendees_text: str = ""
    preparing_department_id: Id | None = None
    preparing_text: str = ""
    document_ids: list[Id] = Field(default_factory=list, max_length=100, description="Văn bản liên quan.")
    publish: bool = Field(False, description="Công bố ngay; mặc định là lịch dự kiến.")


class ScheduleEntryPatchIn(StrictIn):
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    title: str | None = None
    content: str | None = None
    place: str | None = None
    chair_id: Id | None = None
    chair_text: str | None = None
    attendee_official_ids: list[Id] | None = Field(None, max_length=500)
    attendee_department_ids: list[Id] | None = Field(None, max_length=500)
    attendees_text: str | None = None
    preparing_department_id: Id | None = None
    preparing_text: str | None = None
    document_ids: list[Id] | None = Field(None, max_length=100)


class CancelIn(StrictIn):
    reason: str = Field(description="Lý do hủy (bắt buộc).")


class PublishedWeekOut(Schema):
    week: str
    published: int = Field(description="Số lịch vừa được công bố.")


# --- shaping -----------------------------------------------------------------------------------

def _ref(obj, name_attr="name") -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, name_attr)} if obj is not None else None


def entry_item(entry: ScheduleEntry, *, visible_doc_ids: set[int]) -> dict:
    local = timezone.localtime(entry.start)
    return {
        "id": entry.pk, "agency": {"id": entry.agency_id, "name": entry.agency.name},
        "start": local, "end": timezone.localtime(entry.end) if entry.end else None,
        "part": "afternoon" if local.time() >= selectors.AFTERNOON_FROM else "morning",
        "title": entry.title, "content": entry.content, "place": entry.place,
        "chair": _ref(entry.chair, "full_name"), "chair_name": entry.chair_name,
        "attendee_officials": [_ref(o, "full_name") for o in entry.attendee_officials.all()],
        "attendee_departments": [_ref(d) for d in entry.attendee_departments.all()],
        "attendees_text": entry.attendees_text, "preparing_department": _ref(entry.preparing_department),
        "preparing_text": entry.preparing_text,
        "documents": [{"id": d.pk, "number_notation": d.number_notation, "subject": d.subject}
                      for d in entry.documents.all() if d.pk in visible_doc_ids],
        "source_document_id": entry.source_document_id, "status": entry.status,
        "cancel_reason": entry.cancel_reason,
    }


def _visible_doc_ids(user, entries) -> set[int]:
    ids = {d.pk for e in entries for d in e.documents.all()}
    return set(visible_documents(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def _items(user, entries) -> list[dict]:
    entries = list(entries)
    seen = _visible_doc_ids(user, entries)
    return [entry_item(e, visible_doc_ids=seen) for e in entries]


def _with_relations(qs):
    return qs.select_related("agency", "chair", "preparing_department").prefetch_related(
        "attendee_officials", "attendee_departments", "documents")


def _agency(user, agency_id: int | None, *, keeper: bool = False) -> Agency:
    """The agency asked for, or the only one the caller works in (keeps the schedule of, for writes)."""
    access = user_access(user)
    allowed = sorted(a for a in access if not keeper or selectors.can_keep_schedule(user, a))
    if agency_id is None:
        if len(allowed) > 1:
            raise ValidationFailed("Vui lòng chọn cơ quan.",
                                   fields={"agency": "Bạn công tác ở nhiều cơ quan; chọn một."})
        agency_id = allowed[0] if allowed else (min(access) if access else None)
    if agency_id not in access:
        raise ValidationFailed("Bạn không công tác tại cơ quan này.", fields={"agency": "Cơ quan không hợp lệ."})
    return Agency.objects.get(pk=agency_id)


def _entry(user, pk: int) -> ScheduleEntry:
    entry = selectors.entry_get(user=user, pk=pk)
    return _with_relations(ScheduleEntry.objects.filter(pk=entry.pk)).get()


# --- endpoints ---------------------------------------------------------------------------------

@router.get("/schedule/entries", response={200: list[ScheduleEntryOut], **ERRORS},
            summary="Danh sách lịch công tác",
            description="Lịch bạn được xem, theo thời gian bắt đầu. Lịch dự kiến chỉ lãnh đạo, văn thư và quản trị "
                        "cơ quan thấy. Mặc định là tuần hiện tại; `week` chọn tuần khác.")
def entries_list(
    request: HttpRequest,
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan; mặc định mọi cơ quan của bạn."),
    week: str | None = Query(None, max_length=10, description=WEEK_HELP),
    status: StatusCode | None = Query(None, description="Trạng thái."),
):
    start, end = selectors.week_bounds(week)
    qs = selectors.visible_entries(request.auth, agency).filter(start__gte=start, start__lt=end)
    if status:
        qs = qs.filter(status=status)
    return _items(request.auth, _with_relations(qs).order_by("start", "pk")[:1000])


@router.post("/schedule/entries", response={201: ScheduleEntryOut, **ERRORS, 409: ErrorOut},
             summary="Thêm lịch công tác",
             description="Lãnh đạo, văn thư, quản trị cơ quan thêm lịch (dự kiến, hoặc công bố ngay với "
                         "publish=true). Với `document` là một giấy mời đến, lịch lấy trích yếu làm nội dung và "
                         "gắn giấy mời; lịch thuộc cơ quan đã nhận giấy mời.")
def entries_create(request: HttpRequest, payload: ScheduleEntryIn):
    user = request.auth
    values = payload.model_dump(exclude={"agency", "document", "publish"})
    data = services.ScheduleEntryData(**values)
    if payload.document is not None:
        document = Document.objects.select_related("doc_type", "agency").filter(pk=payload.document).first()
        if document is None:
            raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
        entry = services.schedule_entry_from_document(actor=user, document=document, start=payload.start,
                                                      place=payload.place, end=payload.end, data=data,
                                                      publish=payload.publish)
    else:
        agency = _agency(user, payload.agency, keeper=True)
        entry = services.schedule_entry_create(actor=user, agency=agency, data=data, publish=payload.publish)
    return Status(201, _items(user, [_entry(user, entry.pk)])[0])


@router.get("/schedule/entries/{entry_id}", response={200: ScheduleEntryOut, **ERRORS}, summary="Chi tiết lịch")
def entries_detail(request: HttpRequest, entry_id: int = EntryId):
    return _items(request.auth, [_entry(request.auth, entry_id)])[0]


@router.patch("/schedule/entries/{entry_id}", response={200: ScheduleEntryOut, **ERRORS, 409: ErrorOut},
              summary="Sửa lịch", description="Chỉ đổi các trường được gửi. Lịch đã hủy không sửa được (409).")
def entries_update(request: HttpRequest, payload: ScheduleEntryPatchIn, entry_id: int = EntryId):
    user = request.auth
    entry = _entry(user, entry_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Không có trường nào để sửa.", fields={"body": "Gửi ít nhất một trường."})
    current = services.entry_snapshot(entry)
    values = {k: current[k] for k in (
        "start", "end", "title", "content", "place", "chair_id", "chair_text", "attendee_official_ids",
        "attendee_department_ids", "attendees_text", "preparing_department_id", "preparing_text", "document_ids")}
    values.update(changes)
    services.schedule_entry_update(actor=user, entry=entry, data=services.ScheduleEntryData(**values))
    return _items(user, [_entry(user, entry_id)])[0]


@router.post("/schedule/entries/{entry_id}/publish", response={200: ScheduleEntryOut, **ERRORS, 409: ErrorOut},
             summary="Công bố lịch dự kiến")
def entries_publish(request: HttpRequest, entry_id: int = EntryId):
    services.schedule_entry_publish(actor=request.auth, entry=_entry(request.auth, entry_id))
    return _items(request.auth, [_entry(request.auth, entry_id)])[0]


@router.post("/schedule/entries/{entry_id}/cancel", response={200: ScheduleEntryOut, **ERRORS, 409: ErrorOut},
             summary="Hủy lịch", description="Lịch vẫn còn trong tuần, kèm lý do hủy.")
def entries_cancel(request: HttpRequest, payload: CancelIn, entry_id: int = EntryId):
    services.schedule_entry_cancel(actor=request.auth, entry=_entry(request.auth, entry_id), reason=payload.reason)
    return _items(request.auth, [_entry(request.auth, entry_id)])[0]


@router.get("/schedule/weeks/{iso_week}", response={200: WeekOut, **ERRORS}, summary="Lịch công tác một tuần",
            description="Thứ Hai đến Chủ nhật, mỗi ngày chia buổi sáng (trước 12:00) và chiều. " + WEEK_HELP)
def weeks_detail(request: HttpRequest, iso_week: str = Path(..., max_length=10, description=WEEK_HELP),
                 agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan.")):
    user = request.auth
    agency_obj = _agency(user, agency)
    week = selectors.schedule_week(user=user, agency_id=agency_obj.pk, week=iso_week)
    ids = [e.pk for e in week.entries]
    by_pk = {e["id"]: e for e in _items(user, _with_relations(ScheduleEntry.objects.filter(pk__in=ids)))}
    return {
        "agency": {"id": agency_obj.pk, "name": agency_obj.name}, "week": week.week, "monday": week.monday,
        "sunday": week.sunday, "previous": week.previous, "next": week.next, "drafts": week.drafts,
        "days": [{"date": d.date, "name": d.name, "morning": [by_pk[e.pk] for e in d.morning],
                  "afternoon": [by_pk[e.pk] for e in d.afternoon]} for d in week.days],
    }


@router.post("/schedule/weeks/{iso_week}/publish", response={200: PublishedWeekOut, **ERRORS},
             summary="Công bố mọi lịch dự kiến của một tuần")
def weeks_publish(request: HttpRequest, iso_week: str = Path(..., max_length=10, description=WEEK_HELP),
                  agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan.")):
    agency_obj = _agency(request.auth, agency, keeper=True)
    week = selectors.iso_week(selectors.week_monday(iso_week))
    count = services.schedule_week_publish(actor=request.auth, agency=agency_obj, week=week)
    return {"week": week, "published": count}

