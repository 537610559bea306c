"""/api/v1/dashboard: the indicator registry and every indicator's figures, the operations equipment and the
period report as JSON — what a provincial operations centre (IOC) pulls with a Bearer token. Thin: the figures
come from congvu.dashboard.indicators (the one registry the pages and the exports read), who sees which agencies
from congvu.dashboard.access (an agency out of sight is a 403), the equipment from congvu.dashboard.equipment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID
from congvu.core.errors import PermissionDenied
from congvu.dashboard import access, equipment, indicators, reports
from congvu.dashboard.models import EquipmentKind, EquipmentStatus

router = Router(tags=["Bảng điều hành (IOC)"])

DATE_HELP = "Ngày dạng yyyy-mm-dd hoặc dd/mm/yyyy."
AGENCY_HELP = "Id cơ quan: số liệu của cơ quan đó và các cơ quan cấp dưới; mặc định mọi cơ quan bạn được xem."
Number = int | float | None
KindCode = Literal[tuple(EquipmentKind.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(EquipmentStatus.values)]  # type: ignore[valid-type]


def _num(value):
    return float(value) if isinstance(value, Decimal) else value


# --- schemas -------------------------------------------------------------------------------------------------

class IndicatorDefOut(Schema):
    key: str = Field(description="Khóa ổn định của chỉ tiêu (dùng trong đường dẫn).")
    name: str
    formula: str = Field(description="Cách tính, viết bằng lời.")
    unit: str = Field(description="Đơn vị tính: văn bản, %, ngày, hồ sơ, người, điểm …")
    period: str = Field(description="Kỳ số liệu: theo ngày trong kỳ, tại thời điểm cuối kỳ, hiện tại.")
    group: str = Field(description="Nhóm: documents, processing, onestop, staffing, exchange, equipment.")
    breakdown: str = Field(description="Các dòng chi tiết theo: unit (cơ quan), department (phòng, ban), "
                                       "procedure (thủ tục); rỗng: không chi tiết.")


class PointOut(Schema):
    day: dt.date = Field(description="Ngày (hoặc ngày đầu tháng khi kỳ dài hơn 92 ngày).")
    value: Number


class RowOut(Schema):
    key: str = Field(description="Id cơ quan, id phòng ban hoặc mã thủ tục, tùy `breakdown_by`.")
    label: str
    value: Number
    numerator: int | None
    denominator: int | None


class IndicatorValueOut(IndicatorDefOut):
    breakdown_by: str = Field(description="Như `breakdown` của danh mục: các dòng của `rows` theo gì.")
    date_from: dt.date
    date_to: dt.date
    agency_ids: list[int] = Field(description="Các cơ quan được tính.")
    value: Number = Field(description="Số liệu của cả phạm vi; null: không có dữ liệu (ví dụ mẫu số bằng 0).")
    numerator: int | None
    denominator: int | None
    series: list[PointOut]
    rows: list[RowOut] = Field(description="Chi tiết, xếp hạng (trễ nhiều nhất / lớn nhất trước).")


class KindSummaryOut(Schema):
    kind: KindCode
    label: str
    points: int = Field(description="Số điểm đang sử dụng.")
    online: int = Field(description="Số điểm đang hoạt động.")
    agencies_with_points: int = Field(description="Số xã (xã, phường, đặc khu) có điểm.")
    agencies_connected: int = Field(description="Số xã có ít nhất một điểm đang hoạt động.")
    agencies_total: int = Field(description="Tổng số xã trong phạm vi.")


class AgencyRefOut(Schema):
    id: int
    name: str


class EquipmentPointOut(Schema):
    id: int
    agency: AgencyRefOut
    kind: KindCode
    name: str
    location: str
    status: StatusCode
    last_checked_at: dt.datetime | None
    active: bool
    note: str


class EquipmentOut(Schema):
    agency_ids: list[int]
    summary: list[KindSummaryOut]
    points: list[EquipmentPointOut]


class ReportFigureOut(Schema):
    key: str
    name: str
    unit: str
    formula: str
    period: str
    note: int = Field(description="Số thứ tự chú thích (cách tính) trong báo cáo.")
    value: Number
    numerator: int | None
    denominator: int | None


class UnitFigureOut(Schema):
    key: str
    value: Number
    numerator: int | None
    denominator: int | None


class ReportUnitOut(Schema):
    agency_id: int
    name: str
    figures: list[UnitFigureOut]


class ReportSectionOut(Schema):
    number: str = Field(description="Số mục: I … VI.")
    group: str
    title: str
    figures: list[ReportFigureOut]
    units: list[ReportUnitOut] = Field(description="Từng cơ quan (chỉ cơ quan đó), khi báo cáo gồm nhiều cơ quan.")


class ReportOut(Schema):
    issuer: AgencyRefOut | None = Field(description="Cơ quan báo cáo; null khi phạm vi gồm nhiều cơ quan ngang cấp.")
    title: str
    subtitle: str
    date_from: dt.date
    date_to: dt.date
    agency_ids: list[int]
    whole: bool = Field(description="Báo cáo gồm nhiều cơ quan (có bảng theo từng cơ quan).")
    generated_at: dt.datetime
    sections: list[ReportSectionOut]


# --- routes ----------------------------------------------------------------------------------------------------

def _def(ind: indicators.Indicator) -> dict:
    return {"key": ind.key, "name": ind.name, "formula": ind.formula, "unit": ind.unit, "period": ind.period,
            "group": ind.group, "breakdown": ind.breakdown}


def _require_dashboard(user) -> None:
    if not access.dashboard_agency_ids(user):
        raise PermissionDenied("Chỉ lãnh đạo, quản trị cơ quan và quản trị hệ thống xem được số liệu điều hành.")


@router.get("/dashboard/indicators", response={200: list[IndicatorDefOut], **ERRORS},
            summary="Danh mục chỉ tiêu của bảng điều hành",
            description="Mỗi chỉ tiêu: khóa, tên, cách tính, đơn vị tính, kỳ số liệu, nhóm và chi tiết theo gì. "
                        "Dành cho lãnh đạo, quản trị cơ quan, quản trị hệ thống.")
def indicator_list(request: HttpRequest):
    _require_dashboard(request.auth)
    return [_def(ind) for ind in indicators.INDICATORS.values()]


@router.get("/dashboard/indicators/{key}", response={200: IndicatorValueOut, **ERRORS},
            summary="Số liệu một chỉ tiêu theo cơ quan và kỳ",
            description="Giá trị, tử số, mẫu số, chuỗi theo ngày (theo tháng khi kỳ dài hơn 92 ngày) và các dòng chi "
                        "tiết. Chỉ tiêu không có: 404; cơ quan ngoài phạm vi được xem: 403; ngày sai: 400.")
def indicator_value(
    request: HttpRequest,
    key: str = Path(..., max_length=60, description="Khóa chỉ tiêu, xem /dashboard/indicators."),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description=AGENCY_HELP),
    date_from: str | None = Query(None, alias="from", max_length=20,
                                  description="Ngày đầu kỳ; mặc định ngày 01 tháng này. " + DATE_HELP),
    date_to: str | None = Query(None, alias="to", max_length=20, description="Ngày cuối kỳ; mặc định hôm nay. "
                                + DATE_HELP),
):
    _require_dashboard(request.auth)
    ind = indicators.get(key)
    scope = reports.report_scope(request.auth, agency=agency, date_from=date_from, date_to=date_to)
    result = indicators.compute(key, scope)
    return _def(ind) | {
        "breakdown_by": ind.breakdown, "date_from": scope.start, "date_to": scope.end,
        "agency_ids": list(scope.agency_ids), "value": _num(result.value), "numerator": result.numerator,
        "denominator": result.denominator,
        "series": [{"day": day, "value": _num(v)} for day, v in result.series],
        "rows": [{"key": r.key, "label": r.label, "value": _num(r.value), "numerator": r.numerator,
                  "denominator": r.denominator} for r in result.breakdown],
    }


@router.get("/dashboard/equipment", response={200: EquipmentOut, **ERRORS},
            summary="Thiết bị điều hành: điểm cầu truyền hình, camera",
            description="Tổng hợp theo loại (số điểm, đang hoạt động, số xã có điểm / đã kết nối / tổng số xã) và "
                        "danh sách điểm với trạng thái, lần kiểm tra cuối. Cơ quan ngoài phạm vi được xem: 403.")
def equipment_list(
    request: HttpRequest,
    agency: int | None = Query(None, ge=1, le=MAX_ID, description=AGENCY_HELP),
    kind: KindCode | None = Query(None, description="Loại thiết bị."),
    status: StatusCode | None = Query(None, description="Trạng thái."),
):
    user = request.auth
    visible = equipment.visible_agency_ids(user)
    if not visible:
        raise PermissionDenied("Chỉ lãnh đạo, quản trị cơ quan và quản trị hệ thống xem được thiết bị điều hành.")
    if agency is not None:
        if agency not in visible:
            raise PermissionDenied("Bạn không có quyền xem thiết bị của cơ quan này.")
        ids = equipment.subtree_ids(agency) & visible
    else:
        ids = visible
    summary = equipment.equipment_summary(ids)
    points = equipment.equipment_points(user, ids, kind, status=status)
    return {
        "agency_ids": sorted(ids),
        "summary": [{"kind": k, "label": EquipmentKind(k).label, **s._asdict()} for k, s in summary.items()],
        "points": [{"id": p.pk, "agency": {"id": p.agency_id, "name": p.agency.name}, "kind": p.kind,
                    "name": p.name, "location": p.location, "status": p.status,
                    "last_checked_at": timezone.localtime(p.last_checked_at) if p.last_checked_at else None,
                    "active": p.active, "note": p.note} for p in points],
    }


@router.get("/dashboard/report", response={200: ReportOut, **ERRORS}, summary="Số liệu báo cáo định kỳ",
            description="Các số liệu của báo cáo tình hình hoạt động (mục I–VI), cùng cách tính, của một cơ quan hoặc "
                        "của mọi cơ quan bạn được xem (kèm số liệu từng cơ quan); như bản PDF/XLSX tại "
                        "/dashboard/reports/. Cơ quan ngoài phạm vi: 403; ngày sai: 400.")
def report(
    request: HttpRequest,
    agency: int | None = Query(None, ge=1, le=MAX_ID, description=AGENCY_HELP),
    date_from: str | None = Query(None, alias="from", max_length=20, description="Ngày đầu kỳ. " + DATE_HELP),
    date_to: str | None = Query(None, alias="to", max_length=20, description="Ngày cuối kỳ. " + DATE_HELP),
):
    _require_dashboard(request.auth)
    built = reports.period_report(request.auth, agency=agency, date_from=date_from, date_to=date_to)
    return built.as_dict()
