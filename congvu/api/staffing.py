"""/api/v1/staffing: administrative units, their history and class, staffing norms and the quota at a date.
Read-only; open to every authenticated caller (the data is public). Thin: congvu.staffing selectors and
services compute."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID
from congvu.core.dates import parse_vn_date
from congvu.staffing import selectors, services
from congvu.staffing.models import AdministrativeUnit, StaffCategory, UnitClass, UnitType

router = Router(tags=["Đơn vị hành chính, biên chế"])

UnitTypeCode = Literal[tuple(UnitType.values)]  # type: ignore[valid-type]
UnitClassCode = Literal[tuple(UnitClass.values)]  # type: ignore[valid-type]
CategoryCode = Literal[tuple(StaffCategory.values)]  # type: ignore[valid-type]
ON_HELP = "Ngày xem (yyyy-mm-dd hoặc dd/mm/yyyy); mặc định hôm nay."


class UnitOut(Schema):
    id: int
    code: str = Field(description="Mã đơn vị hành chính (Tổng cục Thống kê).")
    name: str
    unit_type: UnitTypeCode
    unit_type_label: str
    unit_class: UnitClassCode | Literal[""] = Field(description="Phân loại đang ghi; rỗng: chưa phân loại.")
    parent_id: int | None
    area_km2: Decimal | None
    population: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None = Field(description="Ngày cuối có hiệu lực; null: còn hiệu lực.")
    basis: str


class UnitPage(Schema):
    count: int = Field(description="Tổng số đơn vị khớp (danh sách chỉ trả tối đa `limit`).")
    items: list[UnitOut]


class LinkOut(Schema):
    unit: UnitOut
    kind: str
    effective_date: dt.date
    resolution: str


class ClassificationOut(Schema):
    unit_class: UnitClassCode
    score: Decimal | None
    rule_set: str
    decision_number: str
    decision_date: dt.date
    effective_from: dt.date


class QuotaOut(Schema):
    category: CategoryCode
    quota: int | None = Field(description="null: chưa xác định được (chưa phân loại, không có định mức).")
    source: Literal["decision", "norm", "none"]
    explanation: str
    unit_class: str


class UnitDetailOut(UnitOut):
    predecessors: list[LinkOut]
    successors: list[LinkOut]
    classifications: list[ClassificationOut]
    agency_ids: list[int]
    quotas: list[QuotaOut] = Field(description="Biên chế tại ngày `on`, theo từng đối tượng.")
    on: dt.date


class NormOut(Schema):
    id: int
    rule_set: str
    valid_from: dt.date
    valid_to: dt.date | None
    basis: str
    unit_type: str
    unit_class: UnitClassCode
    category: CategoryCode
    quota: int


def unit_item(u: AdministrativeUnit) -> dict:
    return {"id": u.pk, "code": u.code, "name": u.name, "unit_type": u.unit_type,
            "unit_type_label": u.get_unit_type_display(), "unit_class": u.unit_class, "parent_id": u.parent_id,
            "area_km2": u.area_km2, "population": u.population, "valid_from": u.valid_from, "valid_to": u.valid_to,
            "basis": u.basis}


def _quota_item(category: str, q: services.Quota) -> dict:
    return {"category": category, "quota": q.quota, "source": q.source, "explanation": q.explanation,
            "unit_class": q.unit_class}


@router.get("/staffing/units", response={200: UnitPage, **ERRORS}, summary="Tìm đơn vị hành chính",
            description="Đơn vị có hiệu lực ngày `on` (hoặc mọi thời kỳ với `all=true`), tìm theo tên không dấu "
                        "hoặc mã, lọc theo đơn vị cấp trên, loại, phân loại.")
def units_list(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="Tên (không cần dấu) hoặc mã."),
    on: str = Query("", max_length=20, description=ON_HELP),
    all: bool = Query(False, description="true: mọi thời kỳ, kể cả đơn vị đã giải thể, sáp nhập."),
    parent: int | None = Query(None, ge=1, le=MAX_ID, description="Id đơn vị cấp trên."),
    type: UnitTypeCode | None = Query(None, description="Loại đơn vị."),
    unit_class: UnitClassCode | None = Query(None, description="Phân loại."),
    limit: int = Query(200, ge=1, le=1000),
):
    day = None if all else (parse_vn_date(on, field="on") or dt.date.today())
    rows, total = selectors.unit_search(q=q, day=day, parent_id=parent, unit_type=type or "",
                                        unit_class=unit_class or "", limit=limit)
    return {"count": total, "items": [unit_item(u) for u in rows]}


@router.get("/staffing/units/{unit_id}", response={200: UnitDetailOut, **ERRORS},
            summary="Một đơn vị hành chính: lịch sử, phân loại, biên chế tại một ngày")
def unit_get(request: HttpRequest, unit_id: int = Path(..., ge=1, le=MAX_ID),
             on: str = Query("", max_length=20, description=ON_HELP)):
    day = parse_vn_date(on, field="on") or dt.date.today()
    d = selectors.unit_detail(unit_id, on=day)
    return unit_item(d.unit) | {
        "predecessors": [{"unit": unit_item(s.predecessor), "kind": s.kind, "effective_date": s.effective_date,
                          "resolution": s.resolution} for s in d.predecessors],
        "successors": [{"unit": unit_item(s.successor), "kind": s.kind, "effective_date": s.effective_date,
                        "resolution": s.resolution} for s in d.successors],
        "classifications": [{"unit_class": c.unit_class, "score": c.score, "rule_set": c.rule_set.name,
                             "decision_number": c.decision_number, "decision_date": c.decision_date,
                             "effective_from": c.effective_from} for c in d.classifications],
        "agency_ids": [g.agency_id for g in d.agencies],
        "quotas": [_quota_item(cat, q) for (cat, _label), (_l, q) in zip(StaffCategory.choices, d.quotas,
                                                                          strict=True)],
        "on": day,
    }


@router.get("/staffing/norms", response={200: list[NormOut], **ERRORS}, summary="Định mức biên chế",
            description="Các bảng định mức theo loại đơn vị, phân loại và đối tượng, với thời gian hiệu lực.")
def norms_list(request: HttpRequest):
    return [{"id": n.pk, "rule_set": n.rule_set, "valid_from": n.valid_from, "valid_to": n.valid_to,
             "basis": n.basis, "unit_type": n.unit_type, "unit_class": n.unit_class, "category": n.category,
             "quota": n.quota} for n in selectors.norms()]
