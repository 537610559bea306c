"""/api/v1/intake: upload a document's file to have it read, follow the reading, find the documents it
duplicates, and keep it with one of them instead of registering it twice.

Thin: the same services and selectors as the registration form (congvu.intake.registration,
congvu.intake.duplicates, congvu.intake.selectors). A file id the caller did not upload and does not see
on a document is a 404, like one that does not exist. To register the file, pass its id in
`intake_files` of POST /api/v1/documents/incoming (or /outgoing).
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from congvu.api.errors import TooLarge, UnsupportedMediaType
from congvu.api.schemas import CREATE_ERRORS, ERRORS, MAX_ID, ChannelCode, DocumentRef, ErrorOut, Id, StrictIn
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.documents.models import Direction, Document, StoredFile
from congvu.documents.selectors import visible_documents
from congvu.documents.upload_handlers import file_limit, file_too_large_message, upload_error_message, upload_too_large
from congvu.intake import selectors
from congvu.intake.duplicates import duplicate_link, find_cross_channel_duplicates
from congvu.intake.models import IntakeUpload
from congvu.intake.registration import read_values, upload_receive
from congvu.org.models import Agency
from congvu.org.selectors import can_register, user_access

router = Router(tags=["Đọc văn bản"])

FileId = Path(..., ge=1, le=MAX_ID, description="Id của tệp đã lưu (stored file).")


class ReadingOut(Schema):
    status: str = Field(description="pending, running, done, failed; none khi chưa bắt đầu đọc.")
    label: str = Field(description="Trạng thái bằng tiếng Việt.")
    source: str = Field(description="Cách lấy chữ: text_layer, docx, doc, ocr, plain, none.")
    pages: int | None = Field(description="Số trang (khi biết).")
    pages_done: int = Field(description="Số trang đã nhận dạng (OCR).")
    progress: float | None = Field(description="Tiến độ 0..1.")
    fields: dict = Field(description="Thông tin đọc được, như lệnh `congvu extract` (ngày dạng yyyy-mm-dd).")
    confidence: dict[str, float] = Field(description="Độ tin cậy 0..1 của từng trường.")
    low_confidence: list[str] = Field(description="Các trường độ tin cậy thấp, cần kiểm tra lại.")
    warnings: list[str]
    error: str = Field(description="Lý do không đọc được (tiếng Việt).")


class IntakeFileOut(Schema):
    id: int = Field(description="Id của tệp đã lưu; dùng trong intake_files khi vào sổ.")
    original_name: str
    content_type: str
    size: int = Field(description="Kích thước (byte).")
    sha256: str
    agency_id: int | None = Field(description="Cơ quan của lần tải lên (null khi chỉ xem qua văn bản).")
    document_id: int | None = Field(description="Văn bản đã nhận tệp này từ lần tải lên, nếu có.")
    reading: ReadingOut


class DuplicateOut(Schema):
    document: DocumentRef
    reasons: list[str] = Field(description="content: cùng tệp; metadata: cùng cơ quan, số, ký hiệu, ngày; "
                                           "text: nội dung gần như trùng.")
    labels: list[str] = Field(description="Các lý do bằng tiếng Việt.")


class DuplicatesOut(Schema):
    items: list[DuplicateOut]


class LinkIn(StrictIn):
    document: Id = Field(description="Id văn bản đến đã vào sổ.")
    channel: ChannelCode = Field("electronic", description="Hình thức nhận bản này.")


def _file_out(stored: StoredFile, upload: IntakeUpload | None) -> dict:
    state = selectors.reading_state(selectors.extraction_of(stored))
    return {
        "id": stored.pk, "original_name": upload.original_name if upload else "", "content_type": stored.content_type,
        "size": stored.size, "sha256": stored.sha256, "agency_id": upload.agency_id if upload else None,
        "document_id": upload.document_id if upload else None,
        "reading": {
            "status": state.status, "label": state.label, "source": state.source or "", "pages": state.pages,
            "pages_done": state.pages_done, "progress": state.progress, "fields": state.fields,
            "confidence": state.confidence, "low_confidence": state.low_confidence, "warnings": state.warnings,
            "error": state.error,
        },
    }


def _agency(user, agency_id: int | None) -> Agency:
    """The agency to upload for: the one asked for, or the only one where the caller is a clerk."""
    allowed = sorted(a for a in user_access(user) if can_register(user, a))
    if agency_id is None:
        if len(allowed) > 1:
            raise ValidationFailed("Vui lòng chọn cơ quan.",
                                   fields={"agency": "Bạn là văn thư của nhiều cơ quan; chọn một."})
        agency_id = allowed[0] if allowed else None
    if agency_id not in allowed:
        raise PermissionDenied("Chỉ văn thư của cơ quan được tải văn bản lên để vào sổ.")
    return Agency.objects.get(pk=agency_id)


@router.post("/intake/files", response={201: IntakeFileOut, **CREATE_ERRORS}, summary="Tải tệp văn bản lên để đọc",
             description="multipart/form-data với một tệp `file` (PDF, DOCX, ảnh quét…) và `agency` (id, bỏ trống khi "
                         "bạn chỉ là văn thư của một cơ quan). Tệp được lưu ngay; lớp chữ và tệp Word được đọc "
                         "ngay, ảnh quét được nhận dạng chữ (OCR) ở tác vụ nền: theo dõi bằng GET "
                         "/intake/files/{id}. Tệp không đọc được vẫn được giữ để vào sổ và nhập tay.",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary"},
                     "agency": {"type": "integer", "description": "Id cơ quan vào sổ."}}}}}}})
def intake_file_upload(request: HttpRequest):
    user = request.auth
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType("Gửi tệp bằng multipart/form-data, trường “file”.")
    if upload_too_large(request):
        message = upload_error_message(request)
        raise TooLarge(message, fields={"file": message})
    files = [f for key in request.FILES for f in request.FILES.getlist(key)]
    if len(files) != 1:
        raise ValidationFailed("Gửi đúng một tệp trong trường “file”.", fields={"file": "Cần đúng một tệp."})
    if files[0].size > file_limit():
        message = file_too_large_message(files[0].name)
        raise TooLarge(message, fields={"file": message})
    raw_agency = (request.POST.get("agency") or "").strip()
    try:
        agency_id = int(raw_agency) if raw_agency else None
    except ValueError:
        raise ValidationFailed("Mã cơ quan không hợp lệ.", fields={"agency": "Phải là số nguyên."}) from None
    upload = upload_receive(actor=user, agency=_agency(user, agency_id), upload=files[0])
    return Status(201, _file_out(upload.file, upload))


@router.get("/intake/files/{file_id}", response={200: IntakeFileOut, **ERRORS}, summary="Kết quả đọc tệp",
            description="Trạng thái, tiến độ (OCR), thông tin đọc được và độ tin cậy của từng trường.")
def intake_file_detail(request: HttpRequest, file_id: int = FileId):
    stored, upload = selectors.stored_file_get(user=request.auth, pk=file_id)
    return _file_out(stored, upload)


@router.get("/intake/duplicates", response={200: DuplicatesOut, **ERRORS}, summary="Văn bản đã vào sổ trùng với tệp",
            description="Văn bản đến của cơ quan mà bạn được xem, trùng với tệp: cùng tệp (SHA-256), cùng cơ quan "
                        "ban hành, số, ký hiệu và ngày (theo thông tin đọc được), hoặc nội dung gần như trùng.")
def intake_duplicates(request: HttpRequest,
                      stored_file: int = Query(..., ge=1, le=MAX_ID, description="Id của tệp đã lưu."),
                      agency: int | None = Query(None, ge=1, le=MAX_ID, description="Cơ quan (mặc định: cơ quan "
                                                                                     "của lần tải lên).")):
    user = request.auth
    stored, upload = selectors.stored_file_get(user=user, pk=stored_file)
    agency_id = agency or (upload.agency_id if upload else None)
    if agency_id is None:
        mine = sorted(user_access(user))
        if len(mine) != 1:
            raise ValidationFailed("Vui lòng chọn cơ quan.",
                                   fields={"agency": "Bạn công tác ở nhiều cơ quan; chọn một."})
        agency_id = mine[0]
    if agency_id not in user_access(user):
        raise PermissionDenied("Bạn không công tác ở cơ quan này.")
    read = read_values(selectors.extraction_of(stored), direction=Direction.INCOMING)
    meta = None
    if read.get("date"):
        meta = {"issuer": read["issuer"], "number": read["number"], "notation": read["notation"],
                "issued_date": dt.date.fromisoformat(read["date"])}
    matches = find_cross_channel_duplicates(actor=user, agency_id=agency_id, stored_files=[stored], metadata=meta)
    return {"items": [{"document": _ref(m.document), "reasons": m.reasons, "labels": m.labels} for m in matches]}


def _ref(doc: Document) -> dict:
    return {"id": doc.pk, "number_notation": doc.number_notation, "issuer": doc.issuer,
            "issued_date": doc.issued_date, "register_number": doc.register_number, "subject": doc.subject}


@router.post("/intake/files/{file_id}/link", response={200: DocumentRef, **ERRORS, 409: ErrorOut},
             summary="Gắn tệp vào văn bản đã vào sổ",
             description="Thay vì vào sổ lần nữa: tệp bạn đã tải lên được lưu cùng văn bản đến đã vào sổ (nếu "
                         "văn bản chưa có đúng tệp này), ghi nhật ký lần nhận thêm và hình thức nhận; không cấp số "
                         "đến mới.")
def intake_file_link(request: HttpRequest, payload: LinkIn, file_id: int = FileId):
    user = request.auth
    uploads = selectors.my_uploads(user).filter(file_id=file_id)
    doc_agency = visible_documents(user).filter(pk=payload.document).values_list("agency_id", flat=True).first()
    if doc_agency is not None and uploads.filter(agency_id=doc_agency).exists():
        uploads = uploads.filter(agency_id=doc_agency)
    upload = uploads.order_by("-pk").first()
    if upload is None:
        selectors.stored_file_get(user=user, pk=file_id)  # 404 when not seen at all
        raise ValidationFailed("Chỉ gắn được tệp do chính bạn tải lên.",
                               fields={"file_id": "Không phải tệp bạn tải lên."})
    doc = duplicate_link(actor=user, document_id=payload.document, uploads=[upload], channel=payload.channel)
    return _ref(doc)
