"""/api/v1/staffing/roster and /api/v1/staffing/report: an agency's roster at a date, adding a person, and the
staffing report (quota, in post, surplus or vacancy by category) of an agency or a province. Thin:
congvu.staffing.roster and congvu.staffing.report decide who may see and change what, and compute."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from congvu.api.schemas import CREATE_ERRORS, ERRORS, MAX_ID, StrictIn
from congvu.core.dates import parse_vn_date
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import fold
from congvu.core.text import clean_text
from congvu.org.models import Agency
from congvu.staffing import report as reports
from congvu.staffing import roster
from congvu.staffing.models import Sex, StaffCategory, StaffMember

router = Router(tags=["Danh sách cán bộ, công chức; báo cáo biên chế"])

CategoryCode = Literal[tuple(StaffCategory.values)]  # type: ignore[valid-type]
SexCode = Literal[tuple(Sex.values)]  # type: ignore[valid-type]
ON_HELP = "Ngày xem (yyyy-mm-dd hoặc dd/mm/yyyy); mặc định hôm nay."


class MemberOut(Schema):
    id: int
    full_name: str
    sex: SexCode
    birth_date: dt.date
    agency_id: int
    category: CategoryCode
    position: str
    rank: str
    salary_coefficient: Decimal
    position_allowance: Decimal = Field(description="Hệ số phụ cấp chức vụ.")
    other_allowance: Decimal = Field(description="Hệ số phụ cấp khác.")
    monthly_allowance_vnd: int = Field(description="Phụ cấp khoán, đồng/tháng.")
    posting_from: dt.date = Field(description="Ngày bắt đầu của quá trình công tác đang xem.")
    posting_to: dt.date | None = Field(description="Ngày cuối của quá trình; null: đang công tác.")
    retirement_date: dt.date | None = Field(
        description="Ngày đủ tuổi nghỉ hưu (BLLĐ 2019 Điều 169, NĐ 135/2020); null: không có quy định áp dụng.")


class RosterOut(Schema):
    agency_id: int
    on: dt.date
    count: int = Field(description="Số người đang công tác khớp điều kiện (danh sách trả tối đa `limit`).")
    items: list[MemberOut]


class MemberIn(StrictIn):
    agency_id: int = Field(..., ge=1, le=MAX_ID)
    full_name: str = Field(..., max_length=200)
    sex: SexCode
    birth_date: str = Field(..., max_length=20, description="Ngày sinh (yyyy-mm-dd hoặc dd/mm/yyyy).")
    category: CategoryCode
    position: str = Field(..., max_length=300)
    rank: str = Field("", max_length=200)
    salary_coefficient: Decimal = Field(..., description="Hệ số lương, lớn hơn 0 và không quá 15.")
    position_allowance: Decimal = Decimal(0)
    other_allowance: Decimal = Decimal(0)
    monthly_allowance_vnd: int = Field(0, ge=0, le=2**62)
    start_date: str = Field(..., max_length=20, description="Ngày bắt đầu công tác (yyyy-mm-dd hoặc dd/mm/yyyy).")
    basis: str = Field("", max_length=400)


class LineOut(Schema):
    category: CategoryCode
    quota: int | None = Field(description="Biên chế; null: chưa xác định được (lý do trong `quota_basis`).")
    quota_basis: str
    in_post: int
    surplus: int | None = Field(description="Có mặt − biên chế: dương là dôi dư, âm là còn thiếu.")


class AgencyLineOut(Schema):
    agency_id: int
    agency_name: str
    unit_id: int | None
    unit_name: str
    unit_class: str
    lines: list[LineOut]


class TotalOut(Schema):
    category: CategoryCode
    quota: int = Field(description="Tổng biên chế của các cơ quan đã xác định được biên chế.")
    in_post: int = Field(description="Tổng số có mặt (mọi cơ quan).")
    surplus: int = Field(description="Có mặt − biên chế, chỉ tính các cơ quan đã xác định được biên chế.")
    excess: int = Field(description="Tổng dôi dư của các cơ quan thừa.")
    vacancy: int = Field(description="Tổng còn thiếu của các cơ quan thiếu.")
    without_quota: int = Field(description="Số cơ quan chưa xác định được biên chế.")


class ReportOut(Schema):
    on: dt.date
    province: str = Field(description="Mã tỉnh của báo cáo; rỗng khi xem một cơ quan.")
    agencies: list[AgencyLineOut]
    totals: list[TotalOut]


def _member_item(member: StaffMember, posting, rules) -> dict:
    return {"id": member.pk, "full_name": member.full_name, "sex": member.sex, "birth_date": member.birth_date,
            "agency_id": posting.agency_id, "category": posting.category, "position": posting.position,
            "rank": posting.rank, "salary_coefficient": posting.salary_coefficient,
            "position_allowance": posting.position_allowance, "other_allowance": posting.other_allowance,
            "monthly_allowance_vnd": posting.monthly_allowance_vnd, "posting_from": posting.valid_from,
            "posting_to": posting.valid_to,
            "retirement_date": roster.retirement_date(sex=member.sex, birth_date=member.birth_date, rules=rules)}


def _agency(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan.")
    return agency


@router.get("/staffing/roster", response={200: RosterOut, **ERRORS},
            summary="Danh sách cán bộ, công chức của một cơ quan tại một ngày",
            description="Những người đang công tác ngày `on`, lọc theo đối tượng và họ tên (không cần dấu). "
                        "Lãnh đạo, quản trị cơ quan và quản trị UBND tỉnh quản lý cơ quan được xem.")
def roster_list(
    request: HttpRequest,
    agency: int = Query(..., ge=1, le=MAX_ID, description="Id cơ quan."),
    on: str = Query("", max_length=20, description=ON_HELP),
    category: CategoryCode | None = Query(None, description="Đối tượng."),
    q: str = Query("", max_length=100, description="Họ tên (không cần dấu)."),
    limit: int = Query(500, ge=1, le=5000),
):
    target = _agency(agency)
    if not roster.can_view_roster(request.user, target):
        raise PermissionDenied("Bạn không được xem danh sách cán bộ, công chức của cơ quan này.")
    day = parse_vn_date(on, field="on") or dt.date.today()
    postings = roster.in_post([target.pk], day).select_related("member").order_by("member__name_folded", "pk")
    if category:
        postings = postings.filter(category=category)
    q = clean_text(q)
    if q:
        postings = postings.filter(member__name_folded__contains=fold(q))
    rules = roster.retirement_rules()
    return {"agency_id": target.pk, "on": day, "count": postings.count(),
            "items": [_member_item(p.member, p, rules) for p in postings[:limit]]}


@router.post("/staffing/roster", response={201: MemberOut, **CREATE_ERRORS},
             summary="Thêm một cán bộ, công chức vào danh sách của cơ quan",
             description="Tạo hồ sơ và quá trình công tác đầu tiên. Quản trị cơ quan, quản trị UBND tỉnh quản lý "
                         "cơ quan hoặc quản trị hệ thống. Ngày sinh ở tương lai, bắt đầu công tác trước ngày sinh "
                         "hoặc khi chưa đủ 18 tuổi, hệ số lương không lớn hơn 0 hoặc quá 15: bị từ chối.")
def roster_add(request: HttpRequest, payload: MemberIn):
    target = _agency(payload.agency_id)
    dates = {}
    errors = {}
    for key in ("birth_date", "start_date"):
        try:
            dates[key] = parse_vn_date(getattr(payload, key), field=key, required=True)
        except ValidationFailed as exc:
            errors[key] = exc.fields.get(key, exc.message)
    if errors and roster.can_manage_roster(request.user, target):
        raise ValidationFailed("Ngày không hợp lệ.", fields=errors)
    member = roster.staff_member_create(
        actor=request.user, agency=target, full_name=payload.full_name, sex=payload.sex,
        birth_date=dates.get("birth_date"), category=payload.category, position=payload.position,
        salary_coefficient=payload.salary_coefficient, start_date=dates.get("start_date"), rank=payload.rank,
        position_allowance=payload.position_allowance, other_allowance=payload.other_allowance,
        monthly_allowance_vnd=payload.monthly_allowance_vnd, basis=payload.basis)
    return Status(201, _member_item(member, roster.current_posting(member), None))


@router.get("/staffing/report", response={200: ReportOut, **ERRORS},
            summary="Báo cáo biên chế: biên chế, có mặt, dôi dư hoặc còn thiếu theo đối tượng",
            description="Của một cơ quan (`agency`, ai được xem danh sách của cơ quan) hoặc của cả tỉnh (`province`, "
                        "quản trị hệ thống hoặc quản trị UBND tỉnh đó), tại ngày `on`.")
def staffing_report(
    request: HttpRequest,
    province: str = Query("", max_length=10, description="Mã tỉnh tại ngày xem (ví dụ 49 trước 07/2025)."),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan."),
    on: str = Query("", max_length=20, description=ON_HELP),
):
    day = parse_vn_date(on, field="on") or dt.date.today()
    province = reports.province_code(province)
    if agency is not None:
        target = _agency(agency)
        if not roster.can_view_roster(request.user, target):
            raise PermissionDenied("Bạn không được xem báo cáo biên chế của cơ quan này.")
        agencies = [target]
        province = ""
    elif province:
        if not reports.can_view_province_report(request.user, province):
            raise PermissionDenied("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh được xem báo cáo biên chế của tỉnh.")
        agencies = reports.province_agencies(province, day)
    else:
        raise ValidationFailed("Chọn một tỉnh (province) hoặc một cơ quan (agency).",
                               fields={"province": "Nhập mã tỉnh hoặc id cơ quan."})
    rep = reports.staffing_report(agencies=agencies, on=day)
    return {"on": day, "province": province,
            "agencies": [{"agency_id": row.agency.pk, "agency_name": row.agency.name,
                          "unit_id": row.unit.pk if row.unit else None, "unit_name": row.unit.name if row.unit else "",
                          "unit_class": row.cadre.unit_class or row.part_time.unit_class,
                          "lines": [{"category": line.category, "quota": line.quota, "quota_basis": line.quota_basis,
                                     "in_post": line.in_post, "surplus": line.surplus}
                                    for line in row.lines.values()]} for row in rep.rows],
            "totals": [{"category": t.category, "quota": t.quota, "in_post": t.in_post, "surplus": t.surplus,
                        "excess": t.excess, "vacancy": t.vacancy, "without_quota": t.without_quota}
                       for t in rep.totals.values()]}
