"""/api/v1/onestop/certified-copies: electronic certified copies (chứng thực bản sao điện tử từ bản chính).

Thin, over congvu.onestop.copies (the same service and visibility as the pages): the agency's one-stop staff,
leaders and admins read its register; one-stop staff and leaders certify. A copy of another agency is a 404,
like one that does not exist.
"""

import datetime as dt
import json

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from pydantic import ConfigDict, Field, ValidationError

from congvu.api.errors import InvalidJson, TooLarge, UnsupportedMediaType, schema_invalid
from congvu.api.schemas import CREATE_ERRORS, ERRORS, MAX_ID
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents import files as file_store
from congvu.documents.upload_handlers import upload_error_message, upload_too_large
from congvu.onestop import copies
from congvu.onestop.models import CertifiedCopy
from congvu.org.models import Agency
from congvu.org.selectors import user_access

router = Router(tags=["Chứng thực bản sao điện tử"])

CopyId = Path(..., ge=1, le=MAX_ID, description="Id của lần chứng thực.")


class CertifiedCopyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    agency: int | None = Field(None, ge=1, le=MAX_ID,
                               description="Id cơ quan chứng thực (bỏ trống khi bạn chỉ thuộc một cơ quan).")
    document_title: str = Field(..., max_length=500, description="Tên giấy tờ, văn bản được chứng thực.")
    requester_name: str = Field(..., max_length=200, description="Họ tên người yêu cầu chứng thực.")
    requester_id_number: str = Field("", max_length=20, description="Số định danh / giấy tờ tùy thân.")
    pages: int | None = Field(None, ge=1, le=100000,
                              description="Số trang bản chính đã đếm; phải khớp với bản quét nếu có.")
    copies: int = Field(1, ge=1, le=copies.MAX_COPIES, description="Số bản sao.")
    certifier: int | None = Field(None, ge=1, le=MAX_ID,
                                  description="Id cán bộ (official) lãnh đạo thực hiện chứng thực; bỏ trống khi "
                                              "chính bạn là lãnh đạo.")
    dossier: int | None = Field(None, ge=1, le=MAX_ID, description="Id hồ sơ một cửa (thủ tục 2.000815), nếu có.")


class SignatureOut(Schema):
    status: str = Field(description="valid | invalid | unknown_signer")
    signer_name: str
    organisation: str
    signing_time: dt.datetime | None
    message_vi: str


class SignatureCheckOut(Schema):
    label: str = Field(description="ký số hợp lệ / không hợp lệ / không có chữ ký")
    valid: bool
    signatures: list[SignatureOut]


class CertifiedCopyOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    code: str = Field(description="Mã kiểm tra công khai.")
    public_url: str = Field(description="Trang kiểm tra công khai (không cần đăng nhập).")
    register_year: int
    register_number: int = Field(description="Số chứng thực trong sổ của năm.")
    register_book: str = Field(description="Quyển số, ví dụ 01/2026-SCT/BS.")
    certified_at: dt.datetime
    certifier_id: int
    certifier_name: str
    requester_name: str
    requester_id_number: str
    document_title: str
    pages: int
    copies: int
    fee: int = Field(description="Lệ phí (đồng).")
    dossier_id: int | None
    dossier_code: str | None
    sha256: str = Field(description="SHA-256 của tệp bản sao đã ký số.")
    content_url: str


class CertifiedCopyDetailOut(CertifiedCopyOut):
    signature: SignatureCheckOut | None = Field(description="Kiểm tra chữ ký số ngay lúc gọi; null nếu mất tệp.")


class CertifiedCopyPage(Schema):
    items: list[CertifiedCopyOut]
    next_after: int | None = Field(description="Truyền vào `after` để lấy trang sau; null khi hết.")


def _out(copy: CertifiedCopy) -> dict:
    return {
        "id": copy.pk, "agency_id": copy.agency_id, "agency_name": copy.agency.name, "code": copy.code,
        "public_url": copies.public_path(copy.code), "register_year": copy.register_year,
        "register_number": copy.register_number, "register_book": copies.register_book(copy.register_year),
        "certified_at": timezone.localtime(copy.certified_at), "certifier_id": copy.certifier_id,
        "certifier_name": copy.certifier.full_name, "requester_name": copy.requester_name,
        "requester_id_number": copy.requester_id_number, "document_title": copy.document_title,
        "pages": copy.pages, "copies": copy.copies, "fee": copy.fee, "dossier_id": copy.dossier_id,
        "dossier_code": copy.dossier.code if copy.dossier_id else None, "sha256": copy.certified_file.sha256,
        "content_url": reverse("api_v1:certified_copy_content", kwargs={"copy_id": copy.pk}),
    }


def _detail(copy: CertifiedCopy) -> dict:
    try:
        result = copies.copy_verify(copy)
    except NotFound:
        signature = None
    else:
        signature = {"label": result.label, "valid": result.ok, "signatures": [
            {"status": r.status, "signer_name": r.signer_name, "organisation": r.organisation,
             "signing_time": r.signing_time, "message_vi": r.message_vi} for r in result.signatures]}
    return _out(copy) | {"signature": signature}


def _agency_for(user, agency_id: int | None, *, certify: bool) -> Agency:
    allowed = copies.can_certify if certify else copies.can_view_copies
    mine = [a for a in sorted(user_access(user)) if allowed(user, a)]
    if agency_id is None:
        if len(mine) == 1:
            return Agency.objects.get(pk=mine[0])
        if not mine:
            raise PermissionDenied("Bạn không thuộc bộ phận một cửa hay lãnh đạo của cơ quan nào.")
        raise ValidationFailed("Chọn cơ quan (agency): bạn công tác ở nhiều cơ quan.",
                               fields={"agency": "Bắt buộc khi công tác ở nhiều cơ quan."})
    if agency_id not in mine:
        raise PermissionDenied("Bạn không được chứng thực bản sao của cơ quan này." if certify
                               else "Bạn không được xem sổ chứng thực của cơ quan này.")
    return Agency.objects.get(pk=agency_id)


@router.get("/onestop/certified-copies", response={200: CertifiedCopyPage, **ERRORS},
            summary="Sổ chứng thực bản sao điện tử",
            description="Các lần chứng thực của cơ quan trong năm, số lớn trước; phân trang theo số chứng thực: "
                        "truyền `next_after` của trang trước vào `after`.")
def certified_copies_list(
    request: HttpRequest,
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan (bỏ trống khi chỉ có một)."),
    year: int | None = Query(None, ge=2000, le=2100, description="Năm của sổ; mặc định năm nay."),
    after: int | None = Query(None, ge=1, le=MAX_ID, description="Lấy các số chứng thực nhỏ hơn số này."),
    limit: int = Query(100, ge=1, le=500, description="Số dòng mỗi trang."),
):
    place = _agency_for(request.auth, agency, certify=False)
    rows = copies.visible_copies(request.auth, place.pk).filter(
        register_year=year or timezone.localdate().year).order_by("-register_number")
    if after is not None:
        rows = rows.filter(register_number__lt=after)
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {"items": [_out(c) for c in page], "next_after": page[-1].register_number if more else None}


@router.post("/onestop/certified-copies", response={201: CertifiedCopyDetailOut, **CREATE_ERRORS},
             url_name="certified_copy_create", summary="Chứng thực bản sao điện tử từ bản chính",
             description="multipart/form-data: trường `data` (JSON theo CertifiedCopyIn) và `files` — một tệp "
                         "PDF hoặc các ảnh quét JPEG/PNG/TIFF theo thứ tự trang (hoặc không gửi tệp mà chỉ ra "
                         "hồ sơ một cửa `dossier` đã có bản quét). Lấy số chứng thực tiếp theo "
                         "trong sổ của năm, tính lệ phí, thêm trang lời chứng và ký số bằng chứng thư số của cơ "
                         "quan. Lỗi thì không có gì thay đổi (không mất số, không lưu tệp).",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {
                 "schema": {"type": "object", "required": ["data"], "properties": {
                     "data": {"type": "string", "description": "JSON theo lược đồ CertifiedCopyIn."},
                     "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                               "description": "Một tệp PDF, hoặc các ảnh JPEG, PNG, TIFF (mỗi ảnh một trang); "
                                              "bỏ trống để dùng bản quét đã đính kèm hồ sơ `dossier`."},
                 }},
                 "encoding": {"data": {"contentType": "application/json"}}}}}})
def certified_copy_create(request: HttpRequest):
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType("Gửi bằng multipart/form-data: trường “data” (JSON) và các tệp “files”.")
    if upload_too_large(request):
        message = upload_error_message(request)
        raise TooLarge(message, fields={"files": message})
    raw = request.POST.get("data")
    if raw is None:
        raise ValidationFailed("Thiếu trường “data” (JSON) trong dữ liệu multipart.",
                               fields={"data": "Thiếu trường bắt buộc."})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJson("Trường “data” không phải JSON hợp lệ.") from None
    if not isinstance(data, dict):
        raise InvalidJson("Trường “data” phải là một đối tượng JSON.")
    try:
        payload = CertifiedCopyIn.model_validate(data)
    except ValidationError as exc:
        raise schema_invalid(exc.errors()) from None
    agency = _agency_for(request.auth, payload.agency, certify=True)
    uploads = [f for key in request.FILES for f in request.FILES.getlist(key)]
    copy = copies.certified_copy_create(
        actor=request.auth, agency=agency, uploads=uploads, document_title=payload.document_title,
        requester_name=payload.requester_name, requester_id_number=payload.requester_id_number,
        pages=payload.pages, copies=payload.copies, certifier_id=payload.certifier, dossier_id=payload.dossier)
    return Status(201, _detail(copies.copy_for(request.auth, copy.pk)))


@router.get("/onestop/certified-copies/{copy_id}", response={200: CertifiedCopyDetailOut, **ERRORS},
            summary="Chi tiết một lần chứng thực",
            description="Thông tin trong sổ và kết quả kiểm tra chữ ký số của tệp bản sao ngay lúc gọi.")
def certified_copy_detail(request: HttpRequest, copy_id: int = CopyId):
    return _detail(copies.copy_for(request.auth, copy_id))


@router.get("/onestop/certified-copies/{copy_id}/content", response={200: None, **ERRORS},
            url_name="certified_copy_content", summary="Tải bản sao đã ký số",
            description="Tệp PDF đã ký số, đúng từng byte như khi ký. Lần tải được ghi vào nhật ký.",
            openapi_extra={"responses": {200: {"description": "Tệp PDF.", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def certified_copy_content(request: HttpRequest, copy_id: int = CopyId):
    copy = copies.copy_for(request.auth, copy_id)
    try:
        handle = file_store.open_stored(copy.certified_file)
    except FileNotFoundError:
        raise NotFound("Tệp không còn trong kho lưu trữ; báo quản trị hệ thống.") from None
    copies.copy_download_record(actor=request.auth, copy=copy)
    return FileResponse(handle, as_attachment=True, filename=copies.download_name(copy),
                        content_type="application/pdf")
