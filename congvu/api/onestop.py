"""/api/v1/onestop/dossiers: the one-stop dossiers a user sees, their steps and timeline, and one POST per
processing action (hand-over, pause, resume, withdraw, apology, result, return).

Thin: reads through congvu.onestop.selectors (visibility included), writes through congvu.onestop.processing,
the same services as the pages. A dossier the caller may not see is a 404, like one that does not exist; a
dossier they see but may not act on is a 403; a refused action (wrong status, a second new date, too late to
apologise…) is a 400 with a Vietnamese message, and nothing changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pydantic
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID, ErrorOut, Id, StrictIn
from congvu.onestop import processing, selectors
from congvu.onestop.events import event_label
from congvu.onestop.models import Apology, Dossier, DossierStatus, Pause, ReturnMethod

router = Router(tags=["Một cửa"])

ACTION_ERRORS = ERRORS | {409: ErrorOut}
DossierId = Path(..., ge=1, le=MAX_ID, description="Id của hồ sơ.")
STATUS_HELP = "Mã trạng thái DVCQG 1–10: " + "; ".join(f"{v} {label}" for v, label in DossierStatus.choices) + "."


def _iso(value: dt.datetime | None):
    return timezone.localtime(value).isoformat() if value else None


# --- shapes ------------------------------------------------------------------------------------------------

class DossierItemOut(pydantic.BaseModel):
    id: int
    code: str = Field(description="Mã hồ sơ (rỗng khi chưa cấp).")
    agency_id: int
    procedure_id: int
    procedure_code: str
    procedure_name: str
    status: int = Field(description=STATUS_HELP)
    status_label: str
    channel: int = Field(description="1 trực tiếp, 2 trực tuyến, 3 bưu chính.")
    applicant_name: str
    submitted_at: str
    accepted_at: str | None
    due_at: str | None = Field(description="Ngày hẹn trả (lùi khi tạm dừng).")
    overdue: bool
    processed_at: str | None
    finished_at: str | None
    timeliness: str = Field(description="early, on_time, late; rỗng khi chưa có kết quả.")


class DossierListOut(pydantic.BaseModel):
    total: int
    items: list[DossierItemOut]


class StepOut(pydantic.BaseModel):
    id: int
    position: int
    name: str
    agency_id: int
    agency: str
    department_id: int | None
    department: str
    handler_id: int | None
    handler: str
    given_by: str
    started_at: str
    due_at: str | None
    finished_at: str | None
    timeliness: str = Field(description="early, on_time, late; rỗng khi bước chưa kết thúc.")
    overdue: bool
    note: str


class EventOut(pydantic.BaseModel):
    kind: str
    label: str
    status: int
    at: str
    actor: str | None
    note: str


class PauseOut(pydantic.BaseModel):
    kind: str
    label: str
    started_at: str
    ended_at: str | None
    reason: str


class ApologyOut(pydantic.BaseModel):
    created_at: str
    created_by: str
    reason: str
    previous_due_at: str
    new_due_at: str


class SlipRowOut(pydantic.BaseModel):
    position: int
    step_name: str
    handed_at: str
    giver_unit: str
    giver_person: str
    receiver_unit: str
    receiver_person: str
    due_at: str | None
    finished_at: str | None
    timeliness: str
    timeliness_label: str


class ActionsOut(pydantic.BaseModel):
    hand_over: bool
    pause: bool
    resume: bool
    withdraw: bool
    apology: bool
    result: bool
    return_result: bool


class DossierOut(DossierItemOut):
    applicant_kind: int
    applicant_id_number: str
    applicant_phone: str
    applicant_email: str
    applicant_address: str
    request_summary: str
    procedure_version_id: int
    procedure_version_from: str
    original_due_at: str | None
    paused_seconds: int
    withdrawal_reason: str
    result_note: str
    return_method: str
    returned_to: str
    steps: list[StepOut]
    events: list[EventOut]
    pauses: list[PauseOut]
    apology: ApologyOut | None
    control_slip: list[SlipRowOut]
    actions: ActionsOut = Field(description="Thao tác người gọi được làm lúc này.")


def _item(d: Dossier, now: dt.datetime) -> dict:
    p = d.procedure_version.procedure
    return {
        "id": d.pk, "code": d.code, "agency_id": d.agency_id, "procedure_id": p.pk, "procedure_code": p.local_code,
        "procedure_name": p.name, "status": d.status, "status_label": d.get_status_display(), "channel": d.channel,
        "applicant_name": d.applicant_name, "submitted_at": _iso(d.submitted_at), "accepted_at": _iso(d.accepted_at),
        "due_at": _iso(d.due_at),
        "overdue": d.status in selectors.OPEN_STATUSES and d.due_at is not None and d.due_at < now,
        "processed_at": _iso(d.processed_at), "finished_at": _iso(d.finished_at), "timeliness": d.timeliness,
    }


def _detail(user, pk: int) -> dict:
    d = selectors.dossier_for(user, pk)
    now = timezone.now()
    steps = selectors.steps_of(d)
    current = next((s for s in reversed(steps) if s.finished_at is None), None)
    actions = selectors.allowed_actions(user, d, current)
    apology = Apology.objects.filter(dossier=d).select_related("created_by").first()
    return _item(d, now) | {
        "applicant_kind": d.applicant_kind, "applicant_id_number": d.applicant_id_number,
        "applicant_phone": d.applicant_phone, "applicant_email": d.applicant_email,
        "applicant_address": d.applicant_address, "request_summary": d.request_summary,
        "procedure_version_id": d.procedure_version_id,
        "procedure_version_from": d.procedure_version.valid_from.isoformat(),
        "original_due_at": _iso(d.original_due_at), "paused_seconds": d.paused_seconds,
        "withdrawal_reason": d.withdrawal_reason, "result_note": d.result_note, "return_method": d.return_method,
        "returned_to": d.returned_to,
        "steps": [{"id": s.pk, "position": s.position, "name": s.name, "agency_id": s.agency_id,
                   "agency": s.agency.name,
                   "department_id": s.department_id, "department": s.department.name if s.department_id else "",
                   "handler_id": s.handler_id, "handler": s.handler.full_name if s.handler_id else "",
                   "given_by": s.given_by.full_name if s.given_by_id else "", "started_at": _iso(s.started_at),
                   "due_at": _iso(s.due_at), "finished_at": _iso(s.finished_at), "timeliness": s.timeliness,
                   "overdue": s.finished_at is None and s.due_at is not None and s.due_at < now, "note": s.note}
                  for s in steps],
        "events": [{"kind": e.kind, "label": event_label(e.kind), "status": e.status, "at": _iso(e.at),
                    "actor": e.actor.full_name if e.actor_id else None, "note": e.note}
                   for e in d.events.select_related("actor").order_by("at", "id")],
        "pauses": [{"kind": p.kind, "label": p.get_kind_display(), "started_at": _iso(p.started_at),
                    "ended_at": _iso(p.ended_at), "reason": p.reason}
                   for p in Pause.objects.filter(dossier=d).order_by("started_at")],
        "apology": {"created_at": _iso(apology.created_at), "created_by": apology.created_by.full_name,
                    "reason": apology.reason, "previous_due_at": _iso(apology.previous_due_at),
                    "new_due_at": _iso(apology.new_due_at)} if apology else None,
        "control_slip": [{"position": r.position, "step_name": r.step_name, "handed_at": _iso(r.handed_at),
                          "giver_unit": r.giver_unit, "giver_person": r.giver_person,
                          "receiver_unit": r.receiver_unit, "receiver_person": r.receiver_person,
                          "due_at": _iso(r.due_at), "finished_at": _iso(r.finished_at), "timeliness": r.timeliness,
                          "timeliness_label": r.timeliness_label} for r in selectors.control_slip(d)],
        "actions": {"hand_over": actions.hand_over, "pause": actions.pause, "resume": actions.resume,
                    "withdraw": actions.withdraw, "apology": actions.apology, "result": actions.result,
                    "return_result": actions.return_result},
    }


class HandOverIn(StrictIn):
    to_agency: Id | None = Field(None, description="Cơ quan nhận (bắt buộc ở bước liên thông; mặc định cơ quan "
                                                   "tiếp nhận).")
    to_department: Id | None = Field(None, description="Phòng, ban nhận (mặc định theo quy trình).")
    to_official: Id | None = Field(None, description="Cán bộ nhận (tùy chọn).")
    note: str = Field("", max_length=5000)


class PauseIn(StrictIn):
    kind: Literal["financial", "stopped"] = Field(description="financial: chờ thực hiện nghĩa vụ tài chính "
                                                              "(trạng thái 6); stopped: dừng xử lý (8).")
    reason: str = Field(max_length=5000)


class NoteIn(StrictIn):
    note: str = Field("", max_length=5000)


class ReasonIn(StrictIn):
    reason: str = Field(max_length=5000)


class ApologyIn(StrictIn):
    reason: str = Field(max_length=5000, description="Lý do chậm trả kết quả.")
    new_due_at: str = Field(max_length=40, description="Ngày hẹn trả mới: dd/mm/yyyy (hết giờ làm việc ngày đó), "
                                                       "dd/mm/yyyy HH:MM hoặc yyyy-mm-ddTHH:MM. Chỉ một lần.")


class ResultIn(StrictIn):
    note: str = Field(max_length=5000, description="Kết quả giải quyết (số, ngày giấy tờ đã cấp…).")


class ReturnIn(StrictIn):
    method: Literal[tuple(ReturnMethod.values)] = Field(description="in_person, postal, electronic.")  # type: ignore[valid-type]
    returned_to: str = Field(max_length=200, description="Người nhận kết quả (hoặc tài khoản, địa chỉ nhận điện tử).")
    note: str = Field("", max_length=5000)


# --- reads -------------------------------------------------------------------------------------------------

@router.get("/onestop/dossiers", response={200: DossierListOut, **ERRORS}, summary="Danh sách hồ sơ một cửa",
            description="Hồ sơ người gọi được xem (cơ quan tiếp nhận, đơn vị xử lý, liên thông), mới nhất trước.")
def dossier_list(request: HttpRequest, status: list[int] | None = Query(None, description=STATUS_HELP),
                 procedure: int | None = Query(None, ge=1, le=MAX_ID, description="Id thủ tục."),
                 date_from: str | None = Query(None, max_length=10, description="Nộp từ ngày (dd/mm/yyyy)."),
                 date_to: str | None = Query(None, max_length=10, description="Nộp đến ngày (dd/mm/yyyy)."),
                 overdue: bool = Query(False, description="Chỉ hồ sơ chưa xong đã quá hẹn trả."),
                 q: str = Query("", max_length=100, description="Mã hồ sơ hoặc tên người nộp."),
                 offset: int = Query(0, ge=0, le=10**9), limit: int = Query(50, ge=1, le=200)):
    now = timezone.now()
    qs = selectors.dossier_list(request.auth, status=status or None, procedure=procedure, date_from=date_from,
                                date_to=date_to, overdue=overdue, q=q, now=now)
    return {"total": qs.count(), "items": [_item(d, now) for d in qs[offset:offset + limit]]}


@router.get("/onestop/dossiers/{dossier_id}", response={200: DossierOut, **ERRORS}, summary="Một hồ sơ một cửa",
            description="Thông tin, các bước (hạn, đúng hạn), quá trình, tạm dừng, xin lỗi, phiếu kiểm soát và các "
                        "thao tác người gọi được làm.")
def dossier_detail(request: HttpRequest, dossier_id: int = DossierId):
    return _detail(request.auth, dossier_id)


# --- actions -----------------------------------------------------------------------------------------------

@router.post("/onestop/dossiers/{dossier_id}/hand-over", response={200: DossierOut, **ACTION_ERRORS},
             summary="Chuyển hồ sơ sang bước tiếp theo",
             description="Kết thúc bước hiện tại (tính đúng hạn) và mở bước sau của quy trình, có thể sang cơ quan "
                         "khác (liên thông).")
def hand_over(request: HttpRequest, payload: HandOverIn, dossier_id: int = DossierId):
    processing.dossier_hand_over(actor=request.auth, dossier=dossier_id, to_agency=payload.to_agency,
                                 to_department=payload.to_department, to_official=payload.to_official,
                                 note=payload.note)
    return _detail(request.auth, dossier_id)


@router.post("/onestop/dossiers/{dossier_id}/pause", response={200: DossierOut, **ACTION_ERRORS},
             summary="Tạm dừng hồ sơ (nghĩa vụ tài chính, dừng xử lý)")
def pause(request: HttpRequest, payload: PauseIn, dossier_id: int = DossierId):
    processing.dossier_pause(actor=request.auth, dossier=dossier_id, kind=payload.kind, reason=payload.reason)
    return _detail(request.auth, dossier_id)


@router.post("/onestop/dossiers/{dossier_id}/resume", response={200: DossierOut, **ACTION_ERRORS},
             summary="Tiếp tục xử lý hồ sơ đã tạm dừng",
             description="Hạn trả và hạn bước hiện tại lùi thêm đúng thời gian làm việc đã tạm dừng.")
def resume(request: HttpRequest, payload: NoteIn, dossier_id: int = DossierId):
    processing.dossier_resume(actor=request.auth, dossier=dossier_id, note=payload.note)
    return _detail(request.auth, dossier_id)


@router.post("/onestop/dossiers/{dossier_id}/withdraw", response={200: DossierOut, **ACTION_ERRORS},
             summary="Ghi nhận công dân rút hồ sơ")
def withdraw(request: HttpRequest, payload: ReasonIn, dossier_id: int = DossierId):
    processing.dossier_withdraw(actor=request.auth, dossier=dossier_id, reason=payload.reason)
    return _detail(request.auth, dossier_id)


@router.post("/onestop/dossiers/{dossier_id}/apology", response={200: DossierOut, **ACTION_ERRORS},
             summary="Xin lỗi và hẹn lại ngày trả (một lần)",
             description="Chậm nhất một ngày làm việc trước hạn trả; ngày hẹn mới sau hạn hiện tại; chỉ một lần. "
                         "Hồ sơ vẫn được tính đúng hạn theo ngày hẹn trả ban đầu.")
def apology(request: HttpRequest, payload: ApologyIn, dossier_id: int = DossierId):
    processing.dossier_apology(actor=request.auth, dossier=dossier_id, reason=payload.reason,
                               new_due_at=payload.new_due_at)
    return _detail(request.auth, dossier_id)


@router.post("/onestop/dossiers/{dossier_id}/result", response={200: DossierOut, **ACTION_ERRORS},
             summary="Ghi nhận kết quả giải quyết")
def result(request: HttpRequest, payload: ResultIn, dossier_id: int = DossierId):
    processing.dossier_record_result(actor=request.auth, dossier=dossier_id, note=payload.note)
    return _detail(request.auth, dossier_id)


@router.post("/onestop/dossiers/{dossier_id}/return", response={200: DossierOut, **ACTION_ERRORS},
             summary="Trả kết quả cho tổ chức, cá nhân")
def return_result(request: HttpRequest, payload: ReturnIn, dossier_id: int = DossierId):
    processing.dossier_return_result(actor=request.auth, dossier=dossier_id, method=payload.method,
                                     returned_to=payload.returned_to, note=payload.note)
    return _detail(request.auth, dossier_id)


# --- queues ------------------------------------------------------------------------------------------------

class QueueStepOut(pydantic.BaseModel):
    step_id: int
    dossier: DossierItemOut
    step_name: str
    agency: str
    department: str
    handler: str
    started_at: str
    due_at: str | None
    overdue: bool = Field(description="Bước quá hạn (đồng hồ đang chạy).")


class LateSoonOut(pydantic.BaseModel):
    dossier: DossierItemOut
    apology_deadline: str = Field(description="Hạn gửi phiếu xin lỗi: một ngày làm việc trước hạn trả.")
    apology_possible: bool


class OfficeOut(pydantic.BaseModel):
    steps: list[QueueStepOut] = Field(description="Bước đang ở người, đơn vị của người gọi; quá hạn lên đầu.")
    late_soon: list[LateSoonOut] = Field(description="Sắp trễ hạn, cần xin lỗi (trong hai ngày làm việc tới).")
    to_return: list[DossierItemOut] = Field(description="Đã có kết quả, chờ bộ phận một cửa trả.")


@router.get("/onestop/office", response={200: OfficeOut, **ERRORS}, summary="Hồ sơ cần xử lý",
            description="Như trang “Hồ sơ cần xử lý”: bước của tôi, hồ sơ sắp trễ hạn cần xin lỗi, hồ sơ chờ trả.")
def office(request: HttpRequest):
    now = timezone.now()
    user = request.auth
    return {
        "steps": [{"step_id": s.pk, "dossier": _item(s.dossier, now), "step_name": s.name, "agency": s.agency.name,
                   "department": s.department.name if s.department_id else "",
                   "handler": s.handler.full_name if s.handler_id else "", "started_at": _iso(s.started_at),
                   "due_at": _iso(s.due_at), "overdue": s.is_overdue}
                  for s in selectors.office_queue(user, now=now)],
        "late_soon": [{"dossier": _item(d, now), "apology_deadline": _iso(d.apology_deadline),
                       "apology_possible": d.apology_possible} for d in selectors.late_soon(user, now=now)],
        "to_return": [_item(d, now) for d in selectors.return_queue(user)[:500]],
    }
