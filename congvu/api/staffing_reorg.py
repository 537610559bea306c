"""/api/v1/staffing/merge: the merge wizard (sắp xếp đơn vị hành chính) — a preview that writes nothing and the
merge itself, in one transaction. System admins, and the agency admin of a UBND tỉnh for units of its province.
Thin: congvu.staffing.reorg checks, moves and journals."""

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from congvu.api.schemas import CREATE_ERRORS, MAX_ID, Id, StrictIn
from congvu.core.dates import parse_vn_date
from congvu.staffing import reorg
from congvu.staffing.models import Numbering, UnitClass

router = Router(tags=["Đơn vị hành chính, biên chế"])

NumberingCode = Literal[tuple(Numbering.values)]  # type: ignore[valid-type]
UnitClassCode = Literal[tuple(UnitClass.values)]  # type: ignore[valid-type]


class MergeIn(StrictIn):
    unit_ids: list[Id] = Field(..., max_length=50, description="Id các đơn vị hành chính hợp nhất (ít nhất hai).")
    name: str = Field(..., max_length=200, description="Tên đơn vị mới, ví dụ “Xã Ninh Phước”.")
    code: str = Field(..., max_length=10, description="Mã đơn vị mới (có thể dùng lại mã của một đơn vị cũ).")
    unit_type: str = Field(..., max_length=20, description="commune, ward, special_zone hoặc district.")
    unit_class: UnitClassCode | Literal[""] = Field("", description="Phân loại; rỗng: loại cao nhất của đơn vị cũ.")
    effective_date: str = Field(..., max_length=10, description="Ngày có hiệu lực, yyyy-mm-dd hoặc dd/mm/yyyy.")
    resolution: str = Field(..., max_length=300, description="Nghị quyết sắp xếp.")
    successor_agency_id: int | None = Field(None, ge=1, le=MAX_ID,
                                            description="Cơ quan kế thừa có sẵn (một cơ quan của đơn vị cũ); "
                                                        "bỏ trống để thành lập cơ quan mới.")
    new_agency_name: str = Field("", max_length=200)
    new_agency_notation: str = Field("", max_length=20, description="Chữ viết tắt trong ký hiệu, ví dụ UBND.")
    new_agency_identifier: str = Field("", max_length=13, description="Mã định danh QCVN 102, ví dụ 000.23.31.H49.")
    numbering: NumberingCode = Numbering.RESTART
    allow_other_provinces: bool = Field(False, description="Chỉ quản trị hệ thống: cho hợp nhất đơn vị khác tỉnh.")


class GroupOut(Schema):
    key: str = Field(description="postings, memberships, documents, inbox, assignments, presentations, tasks, "
                                 "drafts, dossiers, dossier_steps, registers.")
    label: str
    count: int
    samples: list[str]


class PreviewOut(Schema):
    area_km2: Decimal | None = Field(description="Tổng diện tích; null khi có đơn vị chưa có số liệu.")
    population: int | None
    unit_class: str
    successor_agency_id: int | None = Field(description="null: sẽ thành lập cơ quan mới.")
    successor_name: str
    old_agency_ids: list[int] = Field(description="Cơ quan ngừng hoạt động từ ngày có hiệu lực.")
    groups: list[GroupOut]
    registers_closed: list[str]
    aliases: list[list[str]] = Field(description="[mã cũ, mã của cơ quan kế thừa].")
    departments_created: list[str]
    quota: int | None
    quota_explanation: str
    in_post: int
    surplus: int | None = Field(description="Có mặt − biên chế: dương là dôi dư, âm là thiếu.")


class MergeOut(Schema):
    id: int
    successor_unit_id: int
    successor_agency_id: int
    effective_date: str
    resolution: str
    summary: dict


def _plan(payload: MergeIn) -> reorg.MergePlan:
    return reorg.MergePlan(
        unit_ids=payload.unit_ids, name=payload.name, code=payload.code, unit_type=payload.unit_type,
        unit_class=payload.unit_class, effective_date=parse_vn_date(payload.effective_date, field="effective_date",
                                                                    required=True),
        resolution=payload.resolution, successor_agency_id=payload.successor_agency_id,
        new_agency_name=payload.new_agency_name, new_agency_notation=payload.new_agency_notation,
        new_agency_identifier=payload.new_agency_identifier, numbering=payload.numbering,
        allow_other_provinces=payload.allow_other_provinces)


def preview_out(p: reorg.MergePreview) -> dict:
    return {"area_km2": p.area_km2, "population": p.population, "unit_class": p.unit_class,
            "successor_agency_id": p.successor_agency.pk if p.successor_agency else None,
            "successor_name": p.successor_name, "old_agency_ids": [a.pk for a in p.old_agencies],
            "groups": [{"key": g.key, "label": g.label, "count": g.count, "samples": g.samples} for g in p.groups],
            "registers_closed": p.registers_closed, "aliases": [list(a) for a in p.aliases],
            "departments_created": p.departments_created, "quota": p.quota, "quota_explanation": p.quota_explanation,
            "in_post": p.in_post, "surplus": p.surplus}


@router.post("/staffing/merge/preview", response={200: PreviewOut, **CREATE_ERRORS},
             summary="Xem trước sắp xếp đơn vị hành chính",
             description="Kiểm tra phương án và liệt kê những gì sẽ chuyển sang cơ quan kế thừa (số lượng, ví dụ), "
                         "cùng biên chế, số có mặt và dôi dư ngay sau sắp xếp. Không ghi gì.")
def merge_preview(request: HttpRequest, payload: MergeIn):
    return preview_out(reorg.merge_preview(actor=request.auth, plan=_plan(payload)))


@router.post("/staffing/merge", response={201: MergeOut, **CREATE_ERRORS},
             summary="Sắp xếp đơn vị hành chính (hợp nhất)",
             description="Thực hiện trong một giao dịch: đơn vị mới, cơ quan kế thừa, cán bộ, văn bản, công việc, "
                         "hồ sơ đang mở chuyển sang; sổ cũ khóa; mã định danh cũ thành mã cũ của cơ quan kế thừa. "
                         "Lỗi ở bất kỳ bước nào: không có gì thay đổi.")
def merge_run(request: HttpRequest, payload: MergeIn):
    r = reorg.merge_execute(actor=request.auth, plan=_plan(payload))
    return Status(201, {"id": r.pk, "successor_unit_id": r.successor_unit_id,
                        "successor_agency_id": r.successor_agency_id, "effective_date": r.effective_date.isoformat(),
                        "resolution": r.resolution, "summary": r.summary})
