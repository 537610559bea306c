"""/api/v1 case files and retention: the retention schedule, file plans (danh mục hồ sơ), case files (hồ sơ
công việc) and their documents, closing, the due-for-transfer list and archive transfers (nộp lưu).

Thin: reads through congvu.records.selectors (what the caller may see), writes through
congvu.records.services. A plan, case file, transfer or document the caller may not see is a 404, like one
that does not exist; an action his role does not allow is a 403.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID, ErrorOut, Id, StrictIn
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.org.models import Agency
from congvu.org.selectors import user_access
from congvu.records import selectors, services
from congvu.records.models import (
    ArchiveTransfer,
    CaseFile,
    CaseFileDocument,
    FilePlan,
    FilePlanEntry,
    FilePlanHeading,
    Numbering,
    RetentionItem,
    RetentionSchedule,
)

router = Router(tags=["Hồ sơ, lưu trữ"])

WRITE_ERRORS = ERRORS | {409: ErrorOut}
NumberingCode = Literal[tuple(Numbering.values)]  # type: ignore[valid-type]
CaseFileStatusCode = Literal[tuple(CaseFile.Status.values)]  # type: ignore[valid-type]
DATE_HELP = "Ngày dạng yyyy-mm-dd (cũng nhận dd/mm/yyyy)."
RETENTION_HELP = ("Thời hạn bảo quản: chọn một mục của bảng (retention_item_id), hoặc số năm (retention_years), "
                  "hoặc vĩnh viễn (retention_permanent=true) — đúng một cách.")

PlanId = Path(..., ge=1, le=MAX_ID, description="Id của danh mục hồ sơ.")
CaseFileId = Path(..., ge=1, le=MAX_ID, description="Id của hồ sơ công việc.")


def _agency_id(user, agency: int | None, *, allowed=None, refusal: str = "") -> int:
    """The agency a request works in: the one asked for, or the caller's only (allowed) agency."""
    access = user_access(user)
    candidates = sorted(a for a in access if allowed is None or allowed(user, a))
    if agency is None:
        if len(candidates) > 1:
            raise ValidationFailed("Vui lòng chọn cơ quan.",
                                   fields={"agency": "Bạn công tác ở nhiều cơ quan; chọn một."})
        if not candidates:
            if access and refusal:
                raise PermissionDenied(refusal)
            raise NotFound("Tài khoản chưa được phân công vào cơ quan nào.")
        return candidates[0]
    if agency not in access:
        raise NotFound("Không tìm thấy cơ quan.")
    return agency


# --- retention schedule ----------------------------------------------------------------------------

class RetentionItemOut(Schema):
    id: int
    code: str = Field(description="Số thứ tự trong bảng.")
    title: str
    years: int | None = Field(description="Số năm; null khi vĩnh viễn.")
    permanent: bool
    retention: str = Field(description="“Vĩnh viễn” hoặc “N năm”.")
    source: str = Field(description="Nguồn của mục (văn bản, mức độ tin cậy).")


class RetentionScheduleOut(Schema):
    id: int
    code: str
    name: str
    legal_basis: str
    valid_from: dt.date
    valid_to: dt.date | None
    notes: str
    in_force: bool = Field(description="Đang áp dụng hôm nay.")
    items: list[RetentionItemOut]


def item_out(i: RetentionItem) -> dict:
    return {"id": i.pk, "code": i.code, "title": i.title, "years": i.years, "permanent": i.permanent,
            "retention": i.retention, "source": i.source}


def schedule_out(s: RetentionSchedule, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    return {"id": s.pk, "code": s.code, "name": s.name, "legal_basis": s.legal_basis, "valid_from": s.valid_from,
            "valid_to": s.valid_to, "notes": s.notes,
            "in_force": s.valid_from <= today and (s.valid_to is None or s.valid_to >= today),
            "items": [item_out(i) for i in s.items.all()]}


class ScheduleIn(StrictIn):
    code: str = Field(max_length=100)
    name: str = Field(max_length=1000)
    legal_basis: str = Field(max_length=500, description="Ví dụ TT 10/2022/TT-BNV.")
    valid_from: str = Field(max_length=20, description=DATE_HELP)
    valid_to: str | None = Field(None, max_length=20, description=DATE_HELP)
    notes: str = Field("", max_length=5000)


class SchedulePatchIn(StrictIn):
    name: str | None = Field(None, max_length=1000)
    legal_basis: str | None = Field(None, max_length=500)
    valid_to: str | None = Field(None, max_length=20, description=DATE_HELP + " Chuỗi rỗng: không có ngày kết thúc.")
    notes: str | None = Field(None, max_length=5000)


class ItemIn(StrictIn):
    code: str = Field(max_length=100)
    title: str = Field(max_length=2000)
    years: int | None = Field(None, description="Số năm (1–100); bỏ trống khi vĩnh viễn.")
    permanent: bool = False
    source: str = Field("", max_length=1000)


@router.get("/retention-schedules", response={200: list[RetentionScheduleOut], **ERRORS},
            summary="Bảng thời hạn bảo quản (các phiên bản)",
            description="Các phiên bản của bảng thời hạn bảo quản, mới nhất trước, kèm các mục. Mỗi danh mục hồ "
                        "sơ và hồ sơ giữ phiên bản đã dùng khi lập.")
def retention_schedules_list(request: HttpRequest):
    today = timezone.localdate()
    return [schedule_out(s, today) for s in selectors.retention_schedules()]


@router.post("/retention-schedules", response={201: RetentionScheduleOut, **WRITE_ERRORS},
             summary="Thêm phiên bản bảng thời hạn bảo quản",
             description="Chỉ quản trị hệ thống. Phiên bản đang áp dụng không có ngày kết thúc được kết thúc vào "
                         "ngày trước; mọi chồng lấn khác bị từ chối.")
def retention_schedules_create(request: HttpRequest, payload: ScheduleIn):
    s = services.retention_schedule_create(actor=request.auth, **payload.model_dump())
    return Status(201, schedule_out(s))


@router.patch("/retention-schedules/{schedule_id}", response={200: RetentionScheduleOut, **WRITE_ERRORS},
              summary="Sửa phiên bản bảng thời hạn bảo quản", description="Chỉ quản trị hệ thống.")
def retention_schedules_update(request: HttpRequest, payload: SchedulePatchIn,
                               schedule_id: int = Path(..., ge=1, le=MAX_ID)):
    schedule = _schedule(request, schedule_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Không có trường nào để sửa.", fields={"body": "Gửi ít nhất một trường."})
    s = services.retention_schedule_update(actor=request.auth, schedule=schedule, changes=changes)
    return schedule_out(RetentionSchedule.objects.prefetch_related("items").get(pk=s.pk))


def _schedule(request, schedule_id: int) -> RetentionSchedule:
    s = RetentionSchedule.objects.filter(pk=schedule_id).first()
    if s is None:
        raise NotFound("Không tìm thấy bảng thời hạn bảo quản.")
    return s


@router.post("/retention-schedules/{schedule_id}/items", response={201: RetentionItemOut, **WRITE_ERRORS},
             summary="Thêm mục vào bảng thời hạn bảo quản", description="Chỉ quản trị hệ thống.")
def retention_items_create(request: HttpRequest, payload: ItemIn, schedule_id: int = Path(..., ge=1, le=MAX_ID)):
    item = services.retention_item_create(actor=request.auth, schedule=_schedule(request, schedule_id),
                                          **payload.model_dump())
    return Status(201, item_out(item))


@router.put("/retention-items/{item_id}", response={200: RetentionItemOut, **WRITE_ERRORS},
            summary="Sửa mục của bảng thời hạn bảo quản",
            description="Chỉ quản trị hệ thống. Hồ sơ đã chọn mục này giữ thời hạn đã chép khi lập.")
def retention_items_update(request: HttpRequest, payload: ItemIn, item_id: int = Path(..., ge=1, le=MAX_ID)):
    item = RetentionItem.objects.select_related("schedule").filter(pk=item_id).first()
    if item is None:
        raise NotFound("Không tìm thấy mục thời hạn bảo quản.")
    return item_out(services.retention_item_update(actor=request.auth, item=item, **payload.model_dump()))


# --- file plans ------------------------------------------------------------------------------------

class PersonRef(Schema):
    id: int
    name: str


class EntryOut(Schema):
    id: int
    heading_id: int
    ordinal: int
    code: str = Field(description="Số và ký hiệu hồ sơ, ví dụ “01.TCCB”.")
    title: str
    responsible_department: PersonRef | None = Field(description="Đơn vị lập hồ sơ.")
    responsible_official: PersonRef | None = Field(description="Người lập hồ sơ.")
    retention_item_id: int | None
    retention_years: int | None
    retention_permanent: bool
    retention: str
    retention_schedule_id: int | None = Field(description="Phiên bản bảng thời hạn bảo quản đã dùng.")
    notes: str
    supplementary: bool = Field(description="Bổ sung sau khi danh mục ban hành.")
    case_file_id: int | None = Field(description="Hồ sơ công việc đã mở từ mục này.")


class HeadingOut(Schema):
    id: int
    code: str
    title: str
    position: int
    entries: list[EntryOut]


class PlanTotalsOut(Schema):
    files: int
    permanent: int
    limited: int


class FilePlanOut(Schema):
    id: int
    agency: PersonRef
    year: int
    numbering: NumberingCode = Field(description="continuous: liên tục; per_heading: đánh lại theo đề mục.")
    status: str = Field(description="draft: dự thảo; issued: đã ban hành.")
    schedule_id: int | None
    decision_ref: str
    issued_at: dt.datetime | None


class FilePlanDetailOut(FilePlanOut):
    headings: list[HeadingOut]
    totals: PlanTotalsOut


def _ref(obj, name_attr: str = "name") -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, name_attr)} if obj is not None else None


def entry_out(e: FilePlanEntry) -> dict:
    case_file = getattr(e, "case_file", None)  # None when no case file was opened from it
    return {"id": e.pk, "heading_id": e.heading_id, "ordinal": e.ordinal, "code": e.code, "title": e.title,
            "responsible_department": _ref(e.responsible_department),
            "responsible_official": _ref(e.responsible_official, "full_name"),
            "retention_item_id": e.retention_item_id, "retention_years": e.retention_years,
            "retention_permanent": e.retention_permanent, "retention": e.retention,
            "retention_schedule_id": e.retention_schedule_id, "notes": e.notes, "supplementary": e.supplementary,
            "case_file_id": case_file.pk if case_file else None}


def plan_out(p: FilePlan) -> dict:
    return {"id": p.pk, "agency": {"id": p.agency_id, "name": p.agency.name}, "year": p.year,
            "numbering": p.numbering, "status": p.status, "schedule_id": p.schedule_id,
            "decision_ref": p.decision_ref,
            "issued_at": timezone.localtime(p.issued_at) if p.issued_at else None}


def plan_detail_out(p: FilePlan) -> dict:
    totals = selectors.file_plan_totals(p)
    return plan_out(p) | {
        "headings": [{"id": r.heading.pk, "code": r.heading.code, "title": r.heading.title,
                      "position": r.heading.position, "entries": [entry_out(e) for e in r.entries]}
                     for r in selectors.file_plan_rows(p)],
        "totals": {"files": totals.files, "permanent": totals.permanent, "limited": totals.limited},
    }


class PlanIn(StrictIn):
    agency: Id | None = Field(None, description="Cơ quan (id); bỏ trống khi bạn chỉ là lãnh đạo/quản trị của "
                                                "một cơ quan.")
    year: int = Field(ge=1, le=9999)
    numbering: NumberingCode = Numbering.CONTINUOUS.value
    copy_from_previous: bool = Field(False, description="Sao chép đề mục và hồ sơ của danh mục năm trước.")


class PlanPatchIn(StrictIn):
    numbering: NumberingCode | None = Field(None, description="Chỉ đổi được khi còn dự thảo.")
    decision_ref: str | None = Field(None, max_length=500, description="Quyết định ban hành danh mục.")


class IssueIn(StrictIn):
    decision_ref: str = Field("", max_length=500)


class HeadingIn(StrictIn):
    code: str = Field(max_length=100, description="Chữ viết tắt, ví dụ TCCB.")
    title: str = Field(max_length=1000)


class HeadingPatchIn(StrictIn):
    code: str | None = Field(None, max_length=100, description="Chỉ đổi được khi còn dự thảo.")
    title: str | None = Field(None, max_length=1000)
    position: int | None = Field(None, ge=0, le=10000, description="Thứ tự; chỉ đổi được khi còn dự thảo.")


class EntryIn(StrictIn):
    heading_id: Id = Field(description="Đề mục (khi sửa: chỉ chuyển được khi danh mục còn dự thảo).")
    title: str = Field(max_length=2000)
    responsible_department_id: Id | None = None
    responsible_official_id: Id | None = None
    retention_item_id: Id | None = Field(None, description=RETENTION_HELP)
    retention_years: int | None = None
    retention_permanent: bool = False
    notes: str = Field("", max_length=2000)


def _entry_data(payload) -> services.EntryData:
    return services.EntryData(
        title=payload.title, responsible_department_id=payload.responsible_department_id,
        responsible_official_id=payload.responsible_official_id, retention_item_id=payload.retention_item_id,
        retention_years=payload.retention_years, retention_permanent=payload.retention_permanent,
        notes=payload.notes)


def _plan(request, plan_id: int) -> FilePlan:
    return selectors.file_plan_get(user=request.auth, pk=plan_id)


@router.get("/file-plans", response={200: list[FilePlanOut], **ERRORS}, summary="Danh mục hồ sơ",
            description="Danh mục hồ sơ của các cơ quan bạn công tác, năm mới nhất trước. Dự thảo chỉ hiện với "
                        "lãnh đạo, văn thư và quản trị cơ quan.")
def file_plans_list(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID),
                    year: int | None = Query(None, ge=1, le=9999)):
    agencies = [agency] if agency is not None else sorted(user_access(request.auth))
    if agency is not None and agency not in user_access(request.auth):
        raise NotFound("Không tìm thấy cơ quan.")
    plans = [p for a in agencies for p in selectors.file_plans(user=request.auth, agency_id=a)
             if year is None or p.year == year]
    return [plan_out(p) for p in plans]


@router.post("/file-plans", response={201: FilePlanDetailOut, **WRITE_ERRORS}, summary="Lập danh mục hồ sơ",
             description="Lãnh đạo hoặc quản trị cơ quan lập dự thảo danh mục của một năm (Nghị định 30/2020, "
                         "Điều 28). Danh mục giữ bảng thời hạn bảo quản áp dụng ngày 01/01 của năm.")
def file_plans_create(request: HttpRequest, payload: PlanIn):
    agency_id = _agency_id(request.auth, payload.agency, allowed=selectors.can_edit_plan,
                           refusal="Chỉ lãnh đạo và quản trị cơ quan được lập và sửa danh mục hồ sơ.")
    plan = services.file_plan_create(actor=request.auth, agency=Agency.objects.get(pk=agency_id), year=payload.year,
                                     numbering=payload.numbering, copy_from_previous=payload.copy_from_previous)
    return Status(201, plan_detail_out(_plan(request, plan.pk)))


@router.get("/file-plans/{plan_id}", response={200: FilePlanDetailOut, **ERRORS},
            summary="Chi tiết danh mục hồ sơ", description="Đề mục, hồ sơ trong từng đề mục và tổng số.")
def file_plans_detail(request: HttpRequest, plan_id: int = PlanId):
    return plan_detail_out(_plan(request, plan_id))


@router.patch("/file-plans/{plan_id}", response={200: FilePlanDetailOut, **WRITE_ERRORS},
              summary="Sửa cách đánh số, quyết định ban hành",
              description="Đổi cách đánh số khi còn dự thảo (đánh số lại toàn bộ).")
def file_plans_update(request: HttpRequest, payload: PlanPatchIn, plan_id: int = PlanId):
    plan = _plan(request, plan_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Không có trường nào để sửa.", fields={"body": "Gửi ít nhất một trường."})
    services.file_plan_update(actor=request.auth, plan=plan, changes=changes)
    return plan_detail_out(_plan(request, plan_id))


@router.post("/file-plans/{plan_id}/issue", response={200: FilePlanDetailOut, **WRITE_ERRORS},
             summary="Ban hành danh mục hồ sơ",
             description="Số hồ sơ được cố định; hồ sơ thêm sau là hồ sơ bổ sung, nhận số tiếp theo.")
def file_plans_issue(request: HttpRequest, payload: IssueIn, plan_id: int = PlanId):
    services.file_plan_issue(actor=request.auth, plan=_plan(request, plan_id), decision_ref=payload.decision_ref)
    return plan_detail_out(_plan(request, plan_id))


def _heading(plan: FilePlan, heading_id: int) -> FilePlanHeading:
    h = plan.headings.filter(pk=heading_id).first()
    if h is None:
        raise NotFound("Không tìm thấy đề mục.")
    return h


@router.post("/file-plans/{plan_id}/headings", response={201: HeadingOut, **WRITE_ERRORS},
             summary="Thêm đề mục")
def headings_create(request: HttpRequest, payload: HeadingIn, plan_id: int = PlanId):
    h = services.file_plan_heading_add(actor=request.auth, plan=_plan(request, plan_id), code=payload.code,
                                       title=payload.title)
    return Status(201, {"id": h.pk, "code": h.code, "title": h.title, "position": h.position, "entries": []})


@router.patch("/file-plans/{plan_id}/headings/{heading_id}", response={200: FilePlanDetailOut, **WRITE_ERRORS},
              summary="Sửa đề mục", description="Khi còn dự thảo, đổi chữ viết tắt hoặc thứ tự sẽ đánh số lại.")
def headings_update(request: HttpRequest, payload: HeadingPatchIn, plan_id: int = PlanId,
                    heading_id: int = Path(..., ge=1, le=MAX_ID)):
    plan = _plan(request, plan_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Không có trường nào để sửa.", fields={"body": "Gửi ít nhất một trường."})
    services.file_plan_heading_update(actor=request.auth, heading=_heading(plan, heading_id), changes=changes)
    return plan_detail_out(_plan(request, plan_id))


@router.delete("/file-plans/{plan_id}/headings/{heading_id}", response={204: None, **WRITE_ERRORS},
               summary="Xóa đề mục trống", description="Chỉ khi danh mục còn dự thảo và đề mục không còn hồ sơ.")
def headings_delete(request: HttpRequest, plan_id: int = PlanId, heading_id: int = Path(..., ge=1, le=MAX_ID)):
    plan = _plan(request, plan_id)
    services.file_plan_heading_remove(actor=request.auth, heading=_heading(plan, heading_id))
    return Status(204, None)


@router.post("/file-plans/{plan_id}/entries", response={201: EntryOut, **WRITE_ERRORS},
             summary="Thêm hồ sơ vào danh mục",
             description="Khi còn dự thảo: đánh số lại theo quy tắc của danh mục. Khi đã ban hành: hồ sơ bổ sung, "
                         "nhận số tiếp theo. " + RETENTION_HELP)
def entries_create(request: HttpRequest, payload: EntryIn, plan_id: int = PlanId):
    e = services.file_plan_entry_add(actor=request.auth, plan=_plan(request, plan_id), heading_id=payload.heading_id,
                                     data=_entry_data(payload))
    return Status(201, entry_out(FilePlanEntry.objects.select_related(
        "responsible_department", "responsible_official").get(pk=e.pk)))


def _entry(request, plan: FilePlan, entry_id: int) -> FilePlanEntry:
    return selectors.file_plan_entry_get(user=request.auth, plan=plan, pk=entry_id)


@router.put("/file-plans/{plan_id}/entries/{entry_id}", response={200: EntryOut, **WRITE_ERRORS},
            summary="Sửa hồ sơ trong danh mục",
            description="Gửi đủ các trường. Hồ sơ công việc đã mở giữ số, tiêu đề và thời hạn đã chép.")
def entries_update(request: HttpRequest, payload: EntryIn, plan_id: int = PlanId,
                   entry_id: int = Path(..., ge=1, le=MAX_ID)):
    plan = _plan(request, plan_id)
    e = services.file_plan_entry_update(actor=request.auth, entry=_entry(request, plan, entry_id),
                                        heading_id=payload.heading_id, data=_entry_data(payload))
    return entry_out(FilePlanEntry.objects.select_related("responsible_department", "responsible_official")
                     .get(pk=e.pk))


@router.delete("/file-plans/{plan_id}/entries/{entry_id}", response={204: None, **WRITE_ERRORS},
               summary="Xóa hồ sơ khỏi danh mục dự thảo", description="Danh mục đã ban hành chỉ được bổ sung.")
def entries_delete(request: HttpRequest, plan_id: int = PlanId, entry_id: int = Path(..., ge=1, le=MAX_ID)):
    plan = _plan(request, plan_id)
    services.file_plan_entry_remove(actor=request.auth, entry=_entry(request, plan, entry_id))
    return Status(204, None)


# --- case files ------------------------------------------------------------------------------------

class CaseFileOut(Schema):
    id: int
    agency: PersonRef
    plan_entry_id: int
    year: int
    code: str = Field(description="Số và ký hiệu hồ sơ.")
    title: str
    status: CaseFileStatusCode = Field(description="open: đang lập; closed: đã kết thúc; transferred: đã nộp lưu.")
    retention_years: int | None
    retention_permanent: bool
    retention: str
    retention_schedule_id: int | None
    responsible: PersonRef = Field(description="Người lập hồ sơ.")
    department: PersonRef | None
    capital_construction: bool = Field(description="Hồ sơ xây dựng cơ bản.")
    settled_on: dt.date | None = Field(description="Ngày quyết toán công trình.")
    transfer_extended_to: dt.date | None = Field(description="Gia hạn nộp lưu đến.")
    transfer_due: dt.date | None = Field(description="Hạn nộp lưu vào lưu trữ cơ quan (khi đã kết thúc).")
    deposit_required: bool = Field(description="Bảo quản từ 5 năm trở lên: phải nộp lưu.")
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    start_date: dt.date | None = Field(description="Thời gian bắt đầu (ngày văn bản sớm nhất).")
    end_date: dt.date | None = Field(description="Thời gian kết thúc (ngày văn bản muộn nhất).")
    doc_total: int
    page_total: int | None
    sheets: int | None
    notes: str
    transfer_id: int | None


def case_file_out(cf: CaseFile) -> dict:
    return {
        "id": cf.pk, "agency": {"id": cf.agency_id, "name": cf.agency.name}, "plan_entry_id": cf.plan_entry_id,
        "year": cf.year, "code": cf.code, "title": cf.title, "status": cf.status,
        "retention_years": cf.retention_years, "retention_permanent": cf.retention_permanent,
        "retention": cf.retention, "retention_schedule_id": cf.retention_schedule_id,
        "responsible": {"id": cf.responsible_id, "name": cf.responsible.full_name},
        "department": _ref(cf.department), "capital_construction": cf.capital_construction,
        "settled_on": cf.settled_on, "transfer_extended_to": cf.transfer_extended_to,
        "transfer_due": selectors.case_file_transfer_due(cf), "deposit_required": cf.deposit_required,
        "opened_at": timezone.localtime(cf.opened_at),
        "closed_at": timezone.localtime(cf.closed_at) if cf.closed_at else None,
        "start_date": cf.start_date, "end_date": cf.end_date, "doc_total": cf.doc_total,
        "page_total": cf.page_total, "sheets": cf.sheets, "notes": cf.notes, "transfer_id": cf.transfer_id,
    }


class CaseFileIn(StrictIn):
    plan_id: Id = Field(description="Danh mục hồ sơ đã ban hành.")
    entry_id: Id | None = Field(None, description="Hồ sơ trong danh mục. Bỏ trống để mở hồ sơ ngoài danh mục "
                                                  "(heading_id, title và thời hạn bảo quản).")
    heading_id: Id | None = None
    title: str | None = Field(None, max_length=2000)
    retention_item_id: Id | None = Field(None, description=RETENTION_HELP)
    retention_years: int | None = None
    retention_permanent: bool = False
    responsible_official_id: Id | None = Field(None, description="Người lập hồ sơ; mặc định là bạn. Chỉ lãnh đạo, "
                                                                 "quản trị cơ quan giao được người khác.")
    capital_construction: bool = False
    notes: str = Field("", max_length=2000)


class CaseFilePatchIn(StrictIn):
    title: str | None = Field(None, max_length=2000)
    notes: str | None = Field(None, max_length=2000)
    sheets: int | None = Field(None, ge=1, le=100000)
    capital_construction: bool | None = None
    settled_on: str | None = Field(None, max_length=20, description=DATE_HELP)
    transfer_extended_to: str | None = Field(None, max_length=20, description=DATE_HELP + " Lãnh đạo, quản trị.")
    responsible_official_id: Id | None = Field(None, description="Lãnh đạo, quản trị cơ quan.")


class CaseFileDocumentOut(Schema):
    document_id: int
    direction: str
    ordinal: int | None = Field(description="Số thứ tự trong mục lục (khi hồ sơ đã kết thúc).")
    first_sheet: int | None = Field(description="Tờ số.")
    number_notation: str
    issued_date: dt.date | None
    doc_type: str
    subject: str
    issuer: str = Field(description="Tác giả văn bản.")
    secrecy: str
    added_at: dt.datetime


class CaseFileDocumentsOut(Schema):
    items: list[CaseFileDocumentOut]
    hidden: int = Field(description="Số văn bản của hồ sơ bạn không có quyền xem (văn bản mật, hoặc không gửi "
                                    "đến bạn): chỉ đếm, không liệt kê.")


def item_doc_out(i: CaseFileDocument) -> dict:
    d = i.document
    return {"document_id": d.pk, "direction": d.direction, "ordinal": i.ordinal, "first_sheet": i.first_sheet,
            "number_notation": d.number_notation, "issued_date": d.issued_date, "doc_type": d.doc_type.name,
            "subject": d.subject, "issuer": d.issuer, "secrecy": d.secrecy,
            "added_at": timezone.localtime(i.added_at)}


class DocumentIdIn(StrictIn):
    document_id: Id


class ReasonIn(StrictIn):
    reason: str = Field(max_length=2000)


class DueOut(Schema):
    case_file: CaseFileOut
    due: dt.date | None = Field(description="Hạn nộp lưu; null: hồ sơ xây dựng cơ bản chờ quyết toán.")
    overdue: bool
    due_soon: bool = Field(description="Đến hạn trong 30 ngày.")


def _case_file(request, case_file_id: int) -> CaseFile:
    return selectors.case_file_get(user=request.auth, pk=case_file_id)


@router.get("/case-files", response={200: list[CaseFileOut], **ERRORS}, summary="Hồ sơ công việc",
            description="Hồ sơ bạn được xem: lãnh đạo, văn thư, quản trị thấy mọi hồ sơ của cơ quan; người lập "
                        "thấy hồ sơ của mình. Tối đa 500 hồ sơ, năm mới nhất trước.")
def case_files_list(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID),
                    mine: bool = Query(False, description="Chỉ hồ sơ bạn là người lập."),
                    status: CaseFileStatusCode | None = Query(None), year: int | None = Query(None, ge=1, le=9999)):
    access = user_access(request.auth)
    if agency is not None and agency not in access:
        raise NotFound("Không tìm thấy cơ quan.")
    files = []
    for a in ([agency] if agency is not None else sorted(access)):
        files += list(selectors.case_files(user=request.auth, agency_id=a, mine=mine, status=status, year=year)
                      .select_related("agency")[:500])
    return [case_file_out(cf) for cf in files[:500]]


@router.post("/case-files", response={201: CaseFileOut, **WRITE_ERRORS}, summary="Mở hồ sơ công việc",
             description="Mở hồ sơ từ một mục của danh mục đã ban hành (Nghị định 30/2020, Điều 29), hoặc hồ sơ "
                         "ngoài danh mục trong một đề mục: hồ sơ đó được bổ sung vào danh mục và nhận số tiếp "
                         "theo. Mỗi mục chỉ mở một hồ sơ.")
def case_files_create(request: HttpRequest, payload: CaseFileIn):
    plan = selectors.file_plan_get(user=request.auth, pk=payload.plan_id)
    typed = payload.entry_id is None
    data = None
    if typed and (payload.heading_id is not None or payload.title is not None):
        data = services.EntryData(title=payload.title or "", retention_item_id=payload.retention_item_id,
                                  retention_years=payload.retention_years,
                                  retention_permanent=payload.retention_permanent)
    cf = services.case_file_open(actor=request.auth, plan=plan, entry_id=payload.entry_id,
                                 heading_id=payload.heading_id if typed else None, data=data,
                                 responsible_official_id=payload.responsible_official_id,
                                 capital_construction=payload.capital_construction, notes=payload.notes)
    return Status(201, case_file_out(_case_file(request, cf.pk)))


@router.get("/case-files/due-for-transfer", response={200: list[DueOut], **ERRORS},
            summary="Hồ sơ đến hạn nộp lưu",
            description="Hồ sơ đã kết thúc, bảo quản từ 5 năm trở lên, chưa nộp lưu: hạn là 1 năm sau khi kết "
                        "thúc, hoặc 3 tháng sau quyết toán với hồ sơ xây dựng cơ bản (Nghị định 30/2020, Điều 30). "
                        "Quá hạn trước. Lãnh đạo, văn thư, quản trị cơ quan.")
def case_files_due(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID)):
    agency_id = _agency_id(request.auth, agency, allowed=selectors.can_view_agency_records,
                           refusal="Chỉ văn thư, lãnh đạo và quản trị cơ quan được xem việc nộp lưu.")
    rows = selectors.due_for_transfer(user=request.auth, agency_id=agency_id)
    agency_obj = Agency.objects.get(pk=agency_id)
    for r in rows:
        r.case_file.agency = agency_obj
    return [{"case_file": case_file_out(r.case_file), "due": r.due, "overdue": r.overdue, "due_soon": r.due_soon}
            for r in rows]


@router.get("/case-files/{case_file_id}", response={200: CaseFileOut, **ERRORS}, summary="Chi tiết hồ sơ")
def case_files_detail(request: HttpRequest, case_file_id: int = CaseFileId):
    return case_file_out(_case_file(request, case_file_id))


@router.patch("/case-files/{case_file_id}", response={200: CaseFileOut, **WRITE_ERRORS}, summary="Sửa hồ sơ",
              description="Không sửa được hồ sơ đã nộp lưu.")
def case_files_update(request: HttpRequest, payload: CaseFilePatchIn, case_file_id: int = CaseFileId):
    cf = _case_file(request, case_file_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Không có trường nào để sửa.", fields={"body": "Gửi ít nhất một trường."})
    services.case_file_update(actor=request.auth, case_file=cf, changes=changes)
    return case_file_out(_case_file(request, case_file_id))


@router.get("/case-files/{case_file_id}/documents", response={200: CaseFileDocumentsOut, **ERRORS},
            summary="Văn bản trong hồ sơ",
            description="Chỉ liệt kê văn bản bạn được xem; các văn bản khác chỉ được đếm.")
def case_file_documents_list(request: HttpRequest, case_file_id: int = CaseFileId):
    contents = selectors.case_file_contents(user=request.auth, case_file=_case_file(request, case_file_id))
    return {"items": [item_doc_out(i) for i in contents.items], "hidden": contents.hidden}


@router.post("/case-files/{case_file_id}/documents", response={201: CaseFileDocumentOut, **WRITE_ERRORS},
             summary="Thêm văn bản vào hồ sơ",
             description="Văn bản đến hoặc đi của cơ quan mà bạn được xem; văn bản không xem được trả về 404.")
def case_file_documents_add(request: HttpRequest, payload: DocumentIdIn, case_file_id: int = CaseFileId):
    item = services.case_file_document_add(actor=request.auth, case_file=_case_file(request, case_file_id),
                                           document_id=payload.document_id)
    item = CaseFileDocument.objects.select_related("document", "document__doc_type").get(pk=item.pk)
    return Status(201, item_doc_out(item))


@router.delete("/case-files/{case_file_id}/documents/{document_id}", response={204: None, **WRITE_ERRORS},
               summary="Bớt văn bản khỏi hồ sơ", description="Chỉ khi hồ sơ đang lập; văn bản vẫn còn trong sổ.")
def case_file_documents_remove(request: HttpRequest, case_file_id: int = CaseFileId,
                               document_id: int = Path(..., ge=1, le=MAX_ID)):
    services.case_file_document_remove(actor=request.auth, case_file=_case_file(request, case_file_id),
                                       document_id=document_id)
    return Status(204, None)


@router.post("/case-files/{case_file_id}/close", response={200: CaseFileOut, **WRITE_ERRORS},
             summary="Kết thúc hồ sơ",
             description="Từ chối (409 open_work) khi còn phân công, nhiệm vụ chưa xong trên văn bản của hồ sơ, "
                         "và (400) khi hồ sơ chưa có văn bản. Khi kết thúc: ghi thời gian bắt đầu, kết thúc, lập "
                         "mục lục văn bản.")
def case_files_close(request: HttpRequest, case_file_id: int = CaseFileId):
    services.case_file_close(actor=request.auth, case_file=_case_file(request, case_file_id))
    return case_file_out(_case_file(request, case_file_id))


@router.post("/case-files/{case_file_id}/reopen", response={200: CaseFileOut, **WRITE_ERRORS},
             summary="Mở lại hồ sơ đã kết thúc", description="Cần lý do; hồ sơ đã nộp lưu không mở lại được.")
def case_files_reopen(request: HttpRequest, payload: ReasonIn, case_file_id: int = CaseFileId):
    services.case_file_reopen(actor=request.auth, case_file=_case_file(request, case_file_id), reason=payload.reason)
    return case_file_out(_case_file(request, case_file_id))


# --- archive transfers -----------------------------------------------------------------------------

class TransferOut(Schema):
    id: int
    agency: PersonRef
    transferred_on: dt.date
    department: PersonRef | None = Field(description="Đơn vị giao.")
    handed_over_by: PersonRef = Field(description="Người giao.")
    received_by: PersonRef = Field(description="Người nhận (lưu trữ cơ quan).")
    notes: str
    case_files: list[CaseFileOut]


class TransferIn(StrictIn):
    agency: Id | None = Field(None, description="Cơ quan (id); bỏ trống khi chỉ có một.")
    transferred_on: str = Field(max_length=20, description=DATE_HELP)
    handed_over_by_id: Id
    received_by_id: Id
    department_id: Id | None = None
    case_file_ids: list[Id] = Field(max_length=2000)
    notes: str = Field("", max_length=2000)


def transfer_out(t: ArchiveTransfer) -> dict:
    files = selectors.transfer_files(t)
    for f in files:
        f.agency = t.agency
    return {"id": t.pk, "agency": {"id": t.agency_id, "name": t.agency.name}, "transferred_on": t.transferred_on,
            "department": _ref(t.department), "handed_over_by": _ref(t.handed_over_by, "full_name"),
            "received_by": _ref(t.received_by, "full_name"), "notes": t.notes,
            "case_files": [case_file_out(f) for f in files]}


@router.get("/archive-transfers", response={200: list[TransferOut], **ERRORS}, summary="Biên bản nộp lưu",
            description="Lãnh đạo, văn thư, quản trị cơ quan.")
def archive_transfers_list(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID)):
    agency_id = _agency_id(request.auth, agency, allowed=selectors.can_view_agency_records,
                           refusal="Chỉ văn thư, lãnh đạo và quản trị cơ quan được xem việc nộp lưu.")
    transfers = selectors.archive_transfers(user=request.auth, agency_id=agency_id)
    agency_obj = Agency.objects.get(pk=agency_id)
    for t in transfers:
        t.agency = agency_obj
    return [transfer_out(t) for t in transfers]


@router.post("/archive-transfers", response={201: TransferOut, **WRITE_ERRORS}, summary="Lập biên bản nộp lưu",
             description="Văn thư, quản trị cơ quan. Chỉ hồ sơ đã kết thúc, bảo quản từ 5 năm trở lên, chưa nộp "
                         "lưu; sau khi nộp lưu hồ sơ chỉ xem, không sửa (Nghị định 30/2020, Điều 30–31).")
def archive_transfers_create(request: HttpRequest, payload: TransferIn):
    agency_id = _agency_id(request.auth, payload.agency, allowed=selectors.can_record_transfer,
                           refusal="Chỉ văn thư, lưu trữ và quản trị cơ quan được lập biên bản nộp lưu.")
    t = services.archive_transfer_create(
        actor=request.auth, agency=Agency.objects.get(pk=agency_id), transferred_on=payload.transferred_on,
        handed_over_by_id=payload.handed_over_by_id, received_by_id=payload.received_by_id,
        case_file_ids=payload.case_file_ids, department_id=payload.department_id, notes=payload.notes)
    return Status(201, transfer_out(selectors.archive_transfer_get(user=request.auth, pk=t.pk)))


@router.get("/archive-transfers/{transfer_id}", response={200: TransferOut, **ERRORS},
            summary="Chi tiết biên bản nộp lưu")
def archive_transfers_detail(request: HttpRequest, transfer_id: int = Path(..., ge=1, le=MAX_ID)):
    return transfer_out(selectors.archive_transfer_get(user=request.auth, pk=transfer_id))
