"""/api/v1/registers, /api/v1/document-types and /api/v1/me: what a client needs to fill its forms."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Path, Query, Router

from congvu.api.schemas import ERRORS, MAX_ID, DirectionCode, DocumentTypeOut, MeOut, RegisterOut
from congvu.core.dates import parse_vn_date
from congvu.core.errors import ValidationFailed
from congvu.documents.export_views import register_export_response
from congvu.documents.models import DocumentType
from congvu.documents.selectors import visible_registers
from congvu.org.models import Agency
from congvu.org.selectors import can_register, official_for_user, user_access

router = Router()


@router.get("/registers", response={200: list[RegisterOut], **ERRORS}, tags=["Danh mục"],
            summary="Sổ văn bản của các cơ quan bạn công tác",
            description="Sổ văn bản mật chỉ hiện với người có tên trên ít nhất một văn bản của sổ và với "
                        "quản trị cơ quan.")
def registers_list(
    request: HttpRequest,
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan."),
    year: int | None = Query(None, ge=1900, le=2999, description="Năm."),
    direction: DirectionCode | None = Query(None, description="in: sổ văn bản đến; out: sổ văn bản đi."),
):
    # A secret register is listed only to whom it may be shown (its counter tells how many secret documents exist).
    qs = visible_registers(user=request.auth, agency_id=agency).select_related("agency")
    if year is not None:
        qs = qs.filter(year=year)
    if direction is not None:
        qs = qs.filter(direction=direction)
    return [
        {"id": r.pk, "agency": {"id": r.agency_id, "name": r.agency.name}, "year": r.year,
         "direction": r.direction, "scope": r.scope, "doc_type_code": r.doc_type_code, "name": r.name,
         "next_number": r.next_number, "closed": r.closed}
        for r in qs.order_by("agency__name", "-year", "direction", "scope", "doc_type_code")
    ]


@router.get("/document-types", response={200: list[DocumentTypeOut], **ERRORS}, tags=["Danh mục"],
            summary="Loại văn bản (Nghị định 30/2020, Phụ lục III)",
            description="Mặc định là các loại đang có hiệu lực hôm nay; `on` chọn ngày khác, `all=true` "
                        "trả về mọi phiên bản.")
def document_types_list(
    request: HttpRequest,
    on: str | None = Query(None, max_length=20, description="Ngày áp dụng (yyyy-mm-dd hoặc dd/mm/yyyy)."),
    all: bool = Query(False, description="Trả về cả các phiên bản đã hết hiệu lực."),
):
    qs = DocumentType.objects.all()
    if not all:
        day = parse_vn_date(on, field="on") or dt.date.today()
        qs = qs.filter(valid_from__lte=day).exclude(valid_to__lt=day)
    return [
        {"code": t.code, "name": t.name, "abbreviation": t.abbreviation, "valid_from": t.valid_from,
         "valid_to": t.valid_to, "legal_basis": t.legal_basis}
        for t in qs.order_by("sort_order", "name", "valid_from")
    ]


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["Người dùng"],
            summary="Người đang gọi API, các cơ quan và vai trò")
def me(request: HttpRequest):
    user = request.auth
    official = official_for_user(user)
    access = user_access(user)
    names = dict(Agency.objects.filter(pk__in=list(access)).values_list("pk", "name"))
    return {
        "id": user.pk, "username": user.get_username(),
        "full_name": official.full_name if official else user.get_full_name(),
        "agencies": [
            {"agency": {"id": a, "name": names[a]}, "roles": sorted(acc.roles), "can_register": can_register(user, a)}
            for a, acc in sorted(access.items(), key=lambda kv: names[kv[0]])
        ],
    }


@router.get("/registers/{register_id}/export", response={200: None, **ERRORS}, tags=["Danh mục"],
            summary="Tải sổ văn bản (PDF hoặc XLSX) theo khoảng ngày",
            description="Sổ đăng ký văn bản đến/đi theo Phụ lục IV Nghị định 30/2020: PDF khổ A4 ngang hoặc XLSX. "
                        "Chỉ văn thư, lãnh đạo và quản trị cơ quan; chỉ gồm văn bản bạn được xem (sổ mật: văn bản "
                        "bạn có tên). Văn bản đến chọn theo ngày đến, văn bản đi theo ngày ban hành; mặc định cả "
                        "năm của sổ đến hôm nay.")
def registers_export(
    request: HttpRequest,
    register_id: int = Path(..., ge=1, le=MAX_ID, description="Id của sổ."),
    fmt: Literal["pdf", "xlsx"] = Query("pdf", alias="format", description="pdf hoặc xlsx."),
    date_from: str | None = Query(None, alias="from", max_length=20,
                                  description="Từ ngày (yyyy-mm-dd hoặc dd/mm/yyyy)."),
    date_to: str | None = Query(None, alias="to", max_length=20, description="Đến ngày."),
):
    try:
        return register_export_response(user=request.auth, register_id=register_id, fmt=fmt, date_from=date_from,
                                        date_to=date_to)
    except ValidationFailed as exc:  # name the query parameters as the caller wrote them
        names = {"date_from": "from", "date_to": "to"}
        raise ValidationFailed(exc.message, fields={names.get(k, k): v for k, v in exc.fields.items()})
