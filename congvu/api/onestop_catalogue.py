"""/api/v1/onestop/procedures and /api/v1/onestop/counter/dossiers: the procedure catalogue (versions in force,
a procedure with all its versions) and receiving a dossier at the counter, with the JSON keys of
congvu.onestop.receiving.dossier_receive. Thin: the same services as the pages; a refused receipt is a 400
with a Vietnamese message and nothing changed; a procedure that does not exist is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

import pydantic
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID, Id, StrictIn
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import fold
from congvu.onestop import catalogue, receiving
from congvu.onestop.models import Dossier, Procedure, ProcedureVersion
from congvu.org.models import Agency
from congvu.org.selectors import user_access
from congvu.workdays.calendar import VN_TZ, to_local

router = Router(tags=["Một cửa"])
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _iso(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


# --- shapes ------------------------------------------------------------------------------------------------

class VersionItemOut(pydantic.BaseModel):
    version_id: int
    procedure_id: int
    national_code: str
    local_code: str
    name: str
    field: str
    level: str
    valid_from: str
    valid_to: str | None = Field(description="Ngày hết hiệu lực (không kể ngày này); null khi chưa định.")
    time_limit: Decimal
    time_unit: str = Field(description="working_days, calendar_days hoặc working_hours.")
    fee: int = Field(description="Phí, lệ phí (đồng).")
    online_level: str = Field(description="none, partial (một phần) hoặc full (toàn trình).")
    supplement_rule: str = Field(description="restart (tính lại) hoặc resume (tính tiếp) sau khi bổ sung.")


class ProcedureListOut(pydantic.BaseModel):
    on: str
    total: int
    items: list[VersionItemOut]


class ComponentOut(pydantic.BaseModel):
    id: int
    name: str
    required: bool
    copies: int
    kind: str


class StepOut(pydantic.BaseModel):
    position: int
    name: str
    handler: str = Field(description="counter, department, leader hoặc other_agency.")
    agency_level: str
    department_code: str
    budget: Decimal = Field(description="Thời gian của bước, ngày làm việc (1 ngày = 8 giờ làm việc).")


class VersionOut(VersionItemOut):
    basis: str
    fee_note: str
    result_documents: str
    components: list[ComponentOut]
    steps: list[StepOut]


class ProcedureOut(pydantic.BaseModel):
    id: int
    national_code: str
    local_code: str
    name: str
    field: str
    level: str
    active: bool
    agency_ids: list[int] = Field(description="Cơ quan thực hiện; rỗng = mọi cơ quan.")
    versions: list[VersionOut] = Field(description="Mọi phiên bản, mới nhất trước.")


class ApplicantIn(StrictIn):
    kind: int = Field(1, ge=1, le=4, description="1 công dân, 2 doanh nghiệp, 3 cơ quan nhà nước, 4 tổ chức.")
    name: str = Field(max_length=200)
    id_number: str = Field("", max_length=30, description="Công dân: số định danh cá nhân 12 chữ số.")
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)
    representative_name: str = Field("", max_length=200)
    representative_id_number: str = Field("", max_length=30)


class ComponentIn(StrictIn):
    component_id: Id | None = Field(None, description="Id thành phần của phiên bản thủ tục.")
    name: str = Field("", max_length=500, description="Giấy tờ khác, khi không có component_id.")
    provided: bool = False


class ReceiveIn(StrictIn):
    agency_id: Id | None = Field(None, description="Cơ quan tiếp nhận; mặc định cơ quan duy nhất người gọi tiếp "
                                                   "nhận được.")
    version_id: Id | None = Field(None, description="Phiên bản thủ tục; hoặc procedure_id (phiên bản đang áp dụng).")
    procedure_id: Id | None = None
    applicant: ApplicantIn
    channel: Literal[1, 3] = Field(1, description="1 trực tiếp, 3 bưu chính (trực tuyến nộp qua cổng công khai).")
    components: list[ComponentIn] = Field(default_factory=list, max_length=200)
    received_at: dt.datetime | None = Field(None, description="Thời điểm nhận (mặc định bây giờ; không ở tương lai).")
    request_summary: str = Field("", max_length=1000)
    sets: int = Field(1, ge=1, le=99)
    outcome: Literal["accept", "supplement", "refuse"] = Field(
        "accept", description="accept: tiếp nhận (đủ giấy tờ bắt buộc); supplement: yêu cầu bổ sung một lần; "
                              "refuse: từ chối tiếp nhận.")
    supplement_items: list[str] = Field(default_factory=list, max_length=100)
    reason: str = Field("", max_length=1000)


class ReceiptOut(pydantic.BaseModel):
    id: int
    code: str = Field(description="Mã hồ sơ (rỗng khi từ chối tiếp nhận).")
    agency_id: int
    version_id: int
    status: int
    status_label: str
    submitted_at: str
    accepted_at: str | None
    clock_start: str | None = Field(description="Bắt đầu tính thời hạn (sau 15:00: ngày làm việc tiếp theo).")
    due_at: str | None = Field(description="Ngày hẹn trả.")
    supplement_items: list[str]


# --- reads -------------------------------------------------------------------------------------------------

def _item(v: ProcedureVersion) -> dict:
    p = v.procedure
    return {"version_id": v.pk, "procedure_id": p.pk, "national_code": p.national_code, "local_code": p.local_code,
            "name": p.name, "field": p.field, "level": p.level, "valid_from": _iso(v.valid_from),
            "valid_to": _iso(v.valid_to), "time_limit": v.time_limit, "time_unit": v.time_unit, "fee": v.fee,
            "online_level": v.online_level, "supplement_rule": v.supplement_rule}


def _viewer(user) -> None:
    if not catalogue.can_view_catalogue(user):
        raise PermissionDenied("Tài khoản chưa được phân công vào cơ quan nào.")


@router.get("/onestop/procedures", response={200: ProcedureListOut, **ERRORS},
            summary="Danh mục thủ tục hành chính đang áp dụng",
            description="Phiên bản đang áp dụng vào ngày `on` của các thủ tục (của một cơ quan khi có agency_id).")
def procedure_list(request: HttpRequest,
                   on: dt.date | None = Query(None, description="Ngày áp dụng (mặc định hôm nay), yyyy-mm-dd."),
                   agency_id: int | None = Query(None, ge=1, le=MAX_ID, description="Cơ quan thực hiện."),
                   q: str = Query("", max_length=100, description="Mã hoặc tên, không cần dấu."),
                   offset: int = Query(0, ge=0, le=10**9), limit: int = Query(100, ge=1, le=500)):
    _viewer(request.auth)
    day = on or timezone.localdate()
    versions = list(catalogue.versions_in_force(on=day, agency=agency_id))
    if q:
        needle = fold(q)
        versions = [v for v in versions if needle in fold(f"{v.procedure.local_code} {v.procedure.name}")]
    return {"on": day.isoformat(), "total": len(versions), "items": [_item(v) for v in versions[offset:offset + limit]]}


@router.get("/onestop/procedures/{procedure_id}", response={200: ProcedureOut, **ERRORS},
            summary="Một thủ tục và mọi phiên bản",
            description="Mỗi phiên bản có thành phần hồ sơ và các bước xử lý; hồ sơ giữ phiên bản khi tiếp nhận.")
def procedure_detail(request: HttpRequest, procedure_id: int = Path(..., ge=1, le=MAX_ID)):
    _viewer(request.auth)
    p = Procedure.objects.filter(pk=procedure_id).prefetch_related("agencies").first()
    if p is None:
        raise NotFound("Không có thủ tục này.")
    versions = ProcedureVersion.objects.filter(procedure=p).select_related("procedure").prefetch_related(
        "components", "steps").order_by("-valid_from")
    return {"id": p.pk, "national_code": p.national_code, "local_code": p.local_code, "name": p.name,
            "field": p.field, "level": p.level, "active": p.active,
            "agency_ids": sorted(a.pk for a in p.agencies.all()),
            "versions": [_item(v) | {"basis": v.basis, "fee_note": v.fee_note, "result_documents": v.result_documents,
                                     "components": [{"id": c.pk, "name": c.name, "required": c.required,
                                                     "copies": c.copies, "kind": c.kind} for c in v.components.all()],
                                     "steps": [{"position": s.position, "name": s.name, "handler": s.handler,
                                                "agency_level": s.agency_level, "department_code": s.department_code,
                                                "budget": s.budget} for s in v.steps.all()]}
                         for v in versions]}


# --- receiving ---------------------------------------------------------------------------------------------

def _agency(user, agency_id: int | None) -> Agency:
    if agency_id is None:
        ids = sorted(a for a in user_access(user) if receiving.can_receive(user, a))
        if not ids:
            raise PermissionDenied("Chỉ cán bộ một cửa, lãnh đạo hoặc quản trị cơ quan được tiếp nhận hồ sơ.")
        if len(ids) != 1:
            raise ValidationFailed("Chọn cơ quan tiếp nhận (agency_id).", fields={"agency_id": "Bắt buộc."})
        agency_id = ids[0]
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None or not receiving.can_receive(user, agency.pk):
        raise NotFound("Không có cơ quan này.") if agency is None else PermissionDenied(
            "Chỉ cán bộ một cửa, lãnh đạo hoặc quản trị của cơ quan tiếp nhận được tiếp nhận hồ sơ.")
    return agency


@router.post("/onestop/counter/dossiers", response={201: ReceiptOut, **ERRORS},
             summary="Tiếp nhận hồ sơ tại quầy một cửa",
             description="Tiếp nhận (cấp mã, tính ngày hẹn trả theo lịch làm việc, nhận sau 15:00 tính từ ngày làm "
                         "việc tiếp theo), yêu cầu bổ sung một lần, hoặc từ chối tiếp nhận. Thiếu giấy tờ bắt buộc "
                         "khi tiếp nhận là lỗi 400, không lưu gì.")
def receive(request: HttpRequest, payload: ReceiveIn):
    agency = _agency(request.auth, payload.agency_id)
    received_at = payload.received_at
    if received_at is not None:
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=VN_TZ)
        if received_at > timezone.now() + dt.timedelta(minutes=1):
            raise ValidationFailed("Thời điểm nhận không được ở tương lai.", fields={"received_at": "Ở tương lai."})
        if received_at < EARLIEST:  # compared before any conversion: year 1 cannot overflow here
            raise ValidationFailed("Thời điểm nhận quá xa trong quá khứ.", fields={"received_at": "Trước năm 2000."})
        received_at = to_local(received_at)
    d: Dossier = receiving.dossier_receive(
        actor=request.auth, agency=agency, version=payload.version_id, procedure=payload.procedure_id,
        applicant=payload.applicant.model_dump(), channel=payload.channel,
        components=[c.model_dump() for c in payload.components], received_at=received_at,
        request_summary=payload.request_summary, sets=payload.sets, outcome=payload.outcome,
        supplement_items=payload.supplement_items, reason=payload.reason)
    supplement = getattr(d, "supplement", None) if d.status == 5 else None
    return Status(201, {"id": d.pk, "code": d.code, "agency_id": d.agency_id, "version_id": d.procedure_version_id,
                 "status": d.status, "status_label": d.get_status_display(), "submitted_at": _iso(d.submitted_at),
                 "accepted_at": _iso(d.accepted_at), "clock_start": _iso(d.clock_start), "due_at": _iso(d.due_at),
                 "supplement_items": supplement.items if supplement else []})
