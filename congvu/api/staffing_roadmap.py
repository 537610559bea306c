"""/api/v1/staffing: transfers, surplus roadmaps, budget and merger saving (thin: congvu.staffing.transfers,
roadmap and budget decide, check who may and journal). Reading: system admins, the agency admin of the UBND tỉnh
for agencies of its province, the agency's leaders and agency admins; writing: system admins and the province
admin."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID, ErrorOut
from congvu.core.dates import parse_vn_date
from congvu.core.errors import NotFound, ValidationFailed
from congvu.org.models import Agency
from congvu.staffing import budget, transfers
from congvu.staffing import roadmap as rm
from congvu.staffing.models import CaseKind, Reorganisation, StaffMember, SurplusRoadmap, Transfer, TransferStatus

router = Router(tags=["Điều động, lộ trình dôi dư, kinh phí"])
WRITE_ERRORS = ERRORS | {409: ErrorOut}
StatusCode = Literal[tuple(TransferStatus.values)]  # type: ignore[valid-type]
KindCode = Literal[tuple(CaseKind.values)]  # type: ignore[valid-type]


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str
    from_agency_id: int
    to_agency_id: int
    planned_date: dt.date = Field(description="Ngày bắt đầu công tác ở cơ quan nhận (ngày thực hiện khi đã xong).")
    status: StatusCode
    reason: str
    decision_number: str
    roadmap_id: int | None


class TransferIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    to_agency_id: int = Field(ge=1, le=MAX_ID)
    planned_date: str = Field(max_length=20, description="dd/mm/yyyy hoặc yyyy-mm-dd.")
    reason: str = Field("", max_length=2000, description="Bắt buộc khi cơ quan nhận không còn chỉ tiêu trống.")
    decision_number: str = Field("", max_length=60)


class TransferActionIn(Schema):
    decision_number: str = Field("", max_length=60, description="approve: số quyết định điều động.")
    on: str = Field("", max_length=20, description="complete: ngày thực hiện (mặc định ngày dự kiến).")
    reason: str = Field("", max_length=2000, description="cancel: lý do hủy.")


class RoadmapIn(Schema):
    agency_id: int = Field(ge=1, le=MAX_ID)
    title: str = Field(max_length=200)
    start_date: str = Field(max_length=20)
    years: int = Field(5, description="1 đến 10.")
    hiring_freeze: bool = True
    basis: str = Field("", max_length=300)


class CaseOut(Schema):
    id: int
    member_id: int
    member_name: str
    kind: KindCode
    planned_date: dt.date
    transfer_id: int | None
    transfer_status: StatusCode | None
    note: str


class YearOut(Schema):
    index: int
    label: str
    start: dt.date
    end: dt.date = Field(description="Ngày cuối của năm kế hoạch.")
    headcount_start: int
    leaving: dict[str, int] = Field(description="Số người thôi công tác theo hình thức (retirement, …).")
    leaving_total: int
    hires: int
    headcount_end: int
    quota: int | None = Field(description="Biên chế tại ngày cuối năm; null: chưa xác định.")
    surplus: int | None = Field(description="Cuối năm − biên chế (dương: dôi dư).")


class RoadmapOut(Schema):
    id: int
    agency_id: int
    title: str
    start_date: dt.date
    years: int
    hiring_freeze: bool
    basis: str


class RoadmapDetailOut(RoadmapOut):
    cases: list[CaseOut]
    projection: list[YearOut]
    reaches_quota: str | None = Field(description="Năm kế hoạch đầu tiên về đúng biên chế; null: chưa.")


class MonthOut(Schema):
    month: dt.date
    base_salary: int
    people: int
    salaries: int
    allowances: int


class CostOut(Schema):
    agency_id: int
    year: int
    salaries: int = Field(description="Đồng: Σ hệ số lương × lương cơ sở từng tháng.")
    allowances: int
    operating: int
    operating_entered: bool
    total: int
    months: list[MonthOut]


class SavingOut(Schema):
    reorganisation_id: int
    year: int
    months: int
    baseline_year: int
    before_people: int
    after_people: int
    before_salaries: int
    before_allowances: int
    after_salaries: int
    after_allowances: int
    pay_saving: int
    before_operating: int
    after_operating: int
    operating_saving: int
    saving: int
    missing_operating: list[str]


def _transfer(t: Transfer) -> dict:
    return {"id": t.pk, "member_id": t.member_id, "member_name": t.member.full_name,
            "from_agency_id": t.from_agency_id, "to_agency_id": t.to_agency_id, "planned_date": t.planned_date,
            "status": t.status, "reason": t.reason, "decision_number": t.decision_number, "roadmap_id": t.roadmap_id}


def _roadmap(p: SurplusRoadmap) -> dict:
    return {"id": p.pk, "agency_id": p.agency_id, "title": p.title, "start_date": p.start_date, "years": p.years,
            "hiring_freeze": p.hiring_freeze, "basis": p.basis}


def _visible_agency(user, agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None or not transfers.can_view_plans(user, agency):
        raise NotFound("Không tìm thấy cơ quan.")
    return agency


def _day(text: str, field: str) -> dt.date:
    return parse_vn_date(text, field=field, required=True)


@router.get("/staffing/transfers", response={200: list[TransferOut], **ERRORS}, summary="Danh sách điều động",
            description="Điều động của các cơ quan người gọi được xem, mới nhất trước (tối đa 500).")
def transfer_list(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID),
                  status: StatusCode | None = Query(None)):
    qs = transfers.transfers_visible(request.auth, agency=_visible_agency(request.auth, agency), status=status or "")
    return [_transfer(t) for t in qs[:500]]


@router.post("/staffing/transfers", response={201: TransferOut, **WRITE_ERRORS}, summary="Đề xuất điều động",
             description="Cơ quan nhận không còn chỉ tiêu trống vào ngày dự kiến: phải có lý do (400 nếu thiếu).")
def transfer_create(request: HttpRequest, payload: TransferIn):
    member = StaffMember.objects.filter(pk=payload.member_id).first()
    to_agency = Agency.objects.filter(pk=payload.to_agency_id).first()
    if member is None or to_agency is None:
        raise NotFound("Không tìm thấy người hoặc cơ quan nhận.")
    t = transfers.transfer_propose(actor=request.auth, member=member, to_agency=to_agency,
                                   planned_date=_day(payload.planned_date, "planned_date"), reason=payload.reason,
                                   decision_number=payload.decision_number)
    return Status(201, _transfer(t))


@router.post("/staffing/transfers/{transfer_id}/{action}", response={200: TransferOut, **WRITE_ERRORS},
             summary="Phê duyệt, thực hiện hoặc hủy điều động",
             description="approve: đề xuất → đã phê duyệt; complete: chuyển quá trình công tác sang cơ quan nhận; "
                         "cancel: hủy (khi chưa thực hiện).")
def transfer_action(request: HttpRequest, payload: TransferActionIn,
                    transfer_id: int = Path(..., ge=1, le=MAX_ID),
                    action: Literal["approve", "complete", "cancel"] = Path(...)):
    t = Transfer.objects.select_related("from_agency", "to_agency", "member").filter(pk=transfer_id).first()
    if t is None or not (transfers.can_view_plans(request.auth, t.from_agency)
                         or transfers.can_view_plans(request.auth, t.to_agency)):
        raise NotFound("Không tìm thấy điều động.")
    if action == "approve":
        t = transfers.transfer_approve(actor=request.auth, transfer=t, decision_number=payload.decision_number)
    elif action == "complete":
        t = transfers.transfer_complete(actor=request.auth, transfer=t, on=parse_vn_date(payload.on, field="on"))
    else:
        t = transfers.transfer_cancel(actor=request.auth, transfer=t, reason=payload.reason)
    return _transfer(t)


@router.get("/staffing/roadmaps", response={200: list[RoadmapOut], **ERRORS}, summary="Danh sách lộ trình dôi dư")
def roadmap_list(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID)):
    return [_roadmap(p) for p in rm.roadmaps_visible(request.auth, agency=_visible_agency(request.auth, agency))[:500]]


@router.post("/staffing/roadmaps", response={201: RoadmapDetailOut, **WRITE_ERRORS},
             summary="Lập lộ trình giải quyết dôi dư",
             description="Tự thêm những người đến tuổi nghỉ hưu trong thời gian lộ trình.")
def roadmap_create(request: HttpRequest, payload: RoadmapIn):
    agency = Agency.objects.filter(pk=payload.agency_id).first()
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan.")
    plan = rm.roadmap_create(actor=request.auth, agency=agency, start_date=_day(payload.start_date, "start_date"),
                             title=payload.title, years=payload.years, hiring_freeze=payload.hiring_freeze,
                             basis=payload.basis)
    return Status(201, _detail(plan))


def _detail(plan: SurplusRoadmap) -> dict:
    projection = rm.roadmap_projection(plan)
    reached = rm.reaches_quota(projection)
    cases = plan.cases.select_related("member", "transfer").order_by("planned_date", "pk")
    return _roadmap(plan) | {
        "cases": [{"id": c.pk, "member_id": c.member_id, "member_name": c.member.full_name, "kind": c.kind,
                   "planned_date": c.planned_date, "transfer_id": c.transfer_id,
                   "transfer_status": c.transfer.status if c.transfer else None, "note": c.note} for c in cases],
        "projection": [{"index": y.index, "label": y.label, "start": y.start, "end": y.end,
                        "headcount_start": y.headcount_start, "leaving": dict(y.leaving),
                        "leaving_total": y.leaving_total, "hires": y.hires, "headcount_end": y.headcount_end,
                        "quota": y.quota, "surplus": y.surplus} for y in projection],
        "reaches_quota": reached.label if reached else None}


@router.get("/staffing/roadmaps/{roadmap_id}", response={200: RoadmapDetailOut, **ERRORS},
            summary="Một lộ trình: các trường hợp và dự kiến theo năm")
def roadmap_get(request: HttpRequest, roadmap_id: int = Path(..., ge=1, le=MAX_ID)):
    plan = SurplusRoadmap.objects.select_related("agency").filter(pk=roadmap_id).first()
    if plan is None or not transfers.can_view_plans(request.auth, plan.agency):
        raise NotFound("Không tìm thấy lộ trình.")
    return _detail(plan)


@router.get("/staffing/budget", response={200: CostOut, **ERRORS}, summary="Kinh phí lương, phụ cấp, chi hoạt động",
            description="Theo từng tháng với mức lương cơ sở áp dụng tháng đó.")
def budget_get(request: HttpRequest, agency: int = Query(..., ge=1, le=MAX_ID), year: int = Query(..., ge=0)):
    found = _visible_agency(request.auth, agency)
    if year > budget.MAX_YEAR:
        raise ValidationFailed(f"Năm phải từ {budget.MIN_YEAR} đến {budget.MAX_YEAR}.", fields={"year": "Năm."})
    cost = budget.agency_cost(agency=found, year=year)
    return {"agency_id": found.pk, "year": year, "salaries": cost.salaries, "allowances": cost.allowances,
            "operating": cost.operating, "operating_entered": cost.operating_entered, "total": cost.total,
            "months": [{"month": m.month, "base_salary": m.base_salary, "people": m.people, "salaries": m.salaries,
                        "allowances": m.allowances} for m in cost.months]}


@router.get("/staffing/reorganisations/{reorganisation_id}/saving", response={200: SavingOut, **ERRORS},
            summary="Tiết kiệm ngân sách do sắp xếp trong một năm",
            description="Lương, phụ cấp nếu chưa sắp xếp (người và hệ số ngày trước sắp xếp, lương cơ sở năm đó) "
                        "− sau sắp xếp; chi hoạt động năm trước sắp xếp − năm đó (theo số tháng từ ngày sắp xếp).")
def saving_get(request: HttpRequest, reorganisation_id: int = Path(..., ge=1, le=MAX_ID),
               year: int = Query(..., ge=0)):
    reorg = Reorganisation.objects.select_related("successor_agency").filter(pk=reorganisation_id).first()
    if reorg is None or not transfers.can_view_plans(request.auth, reorg.successor_agency):
        raise NotFound("Không tìm thấy lần sắp xếp này.")
    if year > budget.MAX_YEAR:
        raise ValidationFailed(f"Năm phải từ {budget.MIN_YEAR} đến {budget.MAX_YEAR}.", fields={"year": "Năm."})
    s = budget.merger_saving(reorganisation=reorg, year=year)
    return {"reorganisation_id": reorg.pk, "year": year, "months": s.months, "baseline_year": s.baseline_year,
            "before_people": s.before_people, "after_people": s.after_people, "before_salaries": s.before_salaries,
            "before_allowances": s.before_allowances, "after_salaries": s.after_salaries,
            "after_allowances": s.after_allowances, "pay_saving": s.pay_saving,
            "before_operating": s.before_operating, "after_operating": s.after_operating,
            "operating_saving": s.operating_saving, "saving": s.saving, "missing_operating": s.missing_operating}
