"""/api/v1/documents: list and search, detail, registering, correcting, attachments.

Thin on purpose: every read goes through documents.selectors / documents.search (which apply
`visible_documents`), every write through documents.services. A document the caller may not see is a
404, exactly like one that does not exist.
"""

import hashlib
import json

import pydantic
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Header, Path, Query, Router, Status

from congvu.api.errors import InvalidJson, TooLarge, UnsupportedMediaType, schema_invalid
from congvu.api.schemas import (
    CREATE_ERRORS,
    ERRORS,
    MAX_ID,
    AttachmentOut,
    DirectionCode,
    DocumentOut,
    DocumentPage,
    DocumentPatchIn,
    DocumentRef,
    IncomingIn,
    OutgoingIn,
    StatusCode,
    UrgencyCode,
)
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents import files as file_store
from congvu.documents.models import Document
from congvu.documents.search import search_documents
from congvu.documents.selectors import document_get, visible_documents
from congvu.documents.services import (
    DuplicateSuspected,
    IncomingData,
    OutgoingData,
    document_access_record,
    document_update,
    incoming_register,
    outgoing_register,
    scoped_request_token,
)
from congvu.documents.upload_handlers import (
    file_limit,
    file_too_large_message,
    upload_error_message,
    upload_too_large,
)
from congvu.org.models import Agency
from congvu.org.selectors import can_register, user_access

router = Router(tags=["Văn bản"])

DocumentId = Path(..., ge=1, le=MAX_ID, description="Id của văn bản.")


# --- shaping responses -------------------------------------------------------------------------

def document_item(doc: Document) -> dict:
    return {
        "id": doc.pk, "direction": doc.direction,
        "agency": {"id": doc.agency_id, "name": doc.agency.name},
        "register_ref": {"id": doc.register_id, "name": doc.register.name, "year": doc.register.year},
        "register_number": doc.register_number, "registered_at": timezone.localtime(doc.registered_at),
        "number": doc.number, "notation": doc.notation, "number_notation": doc.number_notation,
        "doc_type": {"code": doc.doc_type.code, "name": doc.doc_type.name,
                     "abbreviation": doc.doc_type.abbreviation},
        "issuer": doc.issuer, "issued_date": doc.issued_date, "subject": doc.subject,
        "urgency": doc.urgency, "secrecy": doc.secrecy, "due_date": doc.due_date, "status": doc.status,
    }


def attachment_item(doc: Document, attachment) -> dict:
    return {
        "id": attachment.pk, "original_name": attachment.original_name,
        "content_type": attachment.file.content_type, "size": attachment.file.size,
        "sha256": attachment.file.sha256,
        "content_url": reverse("api_v1:attachment_content",
                               kwargs={"document_id": doc.pk, "attachment_id": attachment.pk}),
    }


def document_detail(doc: Document) -> dict:
    return document_item(doc) | {
        "signer": doc.signer, "signer_title": doc.signer_title, "pages": doc.pages, "channel": doc.channel,
        "receiving_department_id": doc.receiving_department_id,
        "receiving_official_id": doc.receiving_official_id,
        "drafting_department_id": doc.drafting_department_id,
        "dispatched_on": doc.dispatched_on, "copies": doc.copies, "notes": doc.notes,
        "recipients": [{"agency_id": r.agency_id, "name": r.name} for r in doc.recipients.all()],
        "attachments": [attachment_item(doc, a) for a in doc.attachments.select_related("file")],
    }


# --- list, search, detail ----------------------------------------------------------------------

@router.get("", response={200: DocumentPage, **ERRORS}, by_alias=True, summary="Danh sách và tìm kiếm văn bản",
            description="Văn bản bạn được xem, mới nhất trước, phân trang theo khóa (keyset): truyền "
                        "`next_after` của trang trước vào `after`. `q` tìm trong trích yếu, mọi thông tin "
                        "và nội dung tệp đính kèm, không phân biệt hoa thường, dấu và đ/d; cụm từ trong "
                        "ngoặc kép phải đứng liền nhau.")
def documents_list(
    request: HttpRequest,
    q: str = Query("", max_length=1000, description="Từ khóa tìm kiếm."),
    direction: DirectionCode | None = Query(None, description="in: văn bản đến; out: văn bản đi."),
    doc_type: str | None = Query(None, max_length=30, description="Mã loại văn bản, ví dụ quyet_dinh."),
    issuer: str | None = Query(None, max_length=200, description="Cơ quan ban hành (một phần tên)."),
    date_from: str | None = Query(None, max_length=20, description="Vào sổ từ ngày (yyyy-mm-dd hoặc dd/mm/yyyy)."),
    date_to: str | None = Query(None, max_length=20, description="Vào sổ đến ngày, tính cả ngày này."),
    urgency: list[UrgencyCode] | None = Query(None, description="Độ khẩn; có thể lặp lại tham số."),
    register_id: int | None = Query(None, alias="register", ge=1, le=MAX_ID, description="Id sổ văn bản."),
    status: StatusCode | None = Query(None, description="Trạng thái."),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan."),
    after: int | None = Query(None, ge=1, le=MAX_ID, description="Lấy các văn bản cũ hơn id này."),
    before: int | None = Query(None, ge=1, le=MAX_ID, description="Lấy các văn bản mới hơn id này."),
    limit: int = Query(50, ge=1, le=200, description="Số văn bản mỗi trang."),
):
    page = search_documents(
        user=request.auth, query=q, direction=direction, doc_type=doc_type, issuer=issuer, date_from=date_from,
        date_to=date_to, urgency=urgency, register_id=register_id, status=status, agency_id=agency, after=after,
        before=before, limit=limit,
    )
    return {"items": [document_item(d) for d in page.items], "next_after": page.next_after,
            "prev_before": page.prev_before}


@router.get("/{document_id}/attachments", response={200: list[AttachmentOut], **ERRORS},
            summary="Tệp đính kèm của văn bản")
def attachments_list(request: HttpRequest, document_id: int = DocumentId):
    doc = document_get(user=request.auth, pk=document_id)
    return [attachment_item(doc, a) for a in doc.attachments.select_related("file")]


@router.get("/{document_id}/attachments/{attachment_id}/content", response={200: None, **ERRORS},
            url_name="attachment_content", summary="Tải tệp đính kèm",
            description="Trả về tệp gốc, không thay đổi. Tải tệp của văn bản mật được ghi vào nhật ký.",
            openapi_extra={"responses": {200: {"description": "Nội dung tệp.", "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def attachment_content(request: HttpRequest, document_id: int = DocumentId,
                       attachment_id: int = Path(..., ge=1, le=MAX_ID, description="Id của tệp đính kèm.")):
    doc = document_get(user=request.auth, pk=document_id)
    attachment = doc.attachments.select_related("file").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("Không tìm thấy tệp đính kèm.")
    try:
        handle = file_store.open_stored(attachment.file)
    except FileNotFoundError:
        raise NotFound("Tệp không còn trong kho lưu trữ; báo quản trị hệ thống.") from None
    document_access_record(actor=request.auth, document=doc, action="document.download")
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.file.content_type)


# --- registering -------------------------------------------------------------------------------

def _create_body(schema) -> dict:
    """OpenAPI for a body that is JSON, or multipart with a JSON `data` field plus `files`."""
    ref = {"$ref": f"#/components/schemas/{schema.__name__}"}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": ref},
        "multipart/form-data": {
            "schema": {"type": "object", "required": ["data"], "properties": {
                "data": {"type": "string", "description": f"JSON theo lược đồ {schema.__name__}."},
                "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                          "description": "Tệp đính kèm: PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF."},
            }},
            "encoding": {"data": {"contentType": "application/json"}},
        },
    }}}


def _read_create_payload(request: HttpRequest, schema):
    """The validated body and the uploaded files, from JSON or multipart."""
    if request.content_type == "multipart/form-data":
        # The size guard cuts an oversize upload short; what was parsed is then incomplete.
        if upload_too_large(request):
            message = upload_error_message(request)
            raise TooLarge(message, fields={"files": message})
        raw = request.POST.get("data")
        if raw is None:
            raise ValidationFailed("Thiếu trường “data” (JSON) trong dữ liệu multipart.",
                                   fields={"data": "Thiếu trường bắt buộc."})
        uploads = [f for key in request.FILES for f in request.FILES.getlist(key)]
    elif request.content_type in ("application/json", "", None) or request.content_type.endswith("+json"):
        raw, uploads = request.body, []
    else:
        raise UnsupportedMediaType("Chỉ nhận application/json hoặc multipart/form-data.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJson("Nội dung gửi lên không phải JSON hợp lệ.") from None
    if not isinstance(data, dict):
        raise InvalidJson("Nội dung gửi lên phải là một đối tượng JSON.")
    try:
        payload = schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise schema_invalid(exc.errors()) from None
    for upload in uploads:
        if upload.size > file_limit():
            message = file_too_large_message(upload.name)
            raise TooLarge(message, fields={"files": message})
    return payload, uploads


def _registering_agency(user, agency_id: int | None) -> Agency:
    """The agency to register in: the one asked for, or the only one where the caller is a clerk."""
    allowed = sorted(a for a in user_access(user) if can_register(user, a))
    if agency_id is None:
        if len(allowed) > 1:
            raise ValidationFailed("Vui lòng chọn cơ quan vào sổ.",
                                   fields={"agency": "Bạn là văn thư của nhiều cơ quan; chọn một."})
        agency_id = allowed[0] if allowed else None
    if agency_id not in allowed:
        raise PermissionDenied("Chỉ văn thư của cơ quan được vào sổ văn bản.")
    return Agency.objects.get(pk=agency_id)


def _request_token(user, key: str | None) -> str | None:
    """Idempotency-Key → the service's request token, scoped to the caller so keys never collide across users."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200:
        raise ValidationFailed("Idempotency-Key không hợp lệ.",
                               fields={"Idempotency-Key": "Cần từ 1 đến 200 ký tự."})
    return "api:" + hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:60]


def _created(doc: Document, replay: bool):
    doc = Document.objects.select_related("doc_type", "register", "agency").get(pk=doc.pk)
    return Status(200 if replay else 201, document_detail(doc))


def _duplicate_with_refs(exc: DuplicateSuspected, user) -> DuplicateSuspected:
    visible = set(visible_documents(user).filter(pk__in=[d.pk for d in exc.documents]).values_list("pk", flat=True))
    exc.api_extra = {"documents": [
        DocumentRef(id=d.pk, number_notation=d.number_notation, issuer=d.issuer, issued_date=d.issued_date,
                    register_number=d.register_number, subject=d.subject).model_dump(mode="json")
        for d in exc.documents if d.pk in visible
    ]}
    return exc


IDEMPOTENCY_HELP = ("Khóa chống gửi trùng do bạn tự sinh (ví dụ UUID). Gửi lại cùng khóa trả về văn bản đã vào "
                    "sổ lần trước (mã 200) thay vì vào sổ thêm lần nữa.")


def _intake_files(user, agency, file_ids):
    """Files uploaded earlier through /intake/files: attached without sending them again; the registration
    records how the clerk's values differ from what was read."""
    from congvu.intake.registration import registration_completed
    from congvu.intake.selectors import uploads_of_files

    if not file_ids:
        return [], None
    uploads = uploads_of_files(user=user, agency_id=agency.pk, file_ids=file_ids)
    return ([(u.file, u.original_name) for u in uploads],
            lambda document: registration_completed(actor=user, document=document, uploads=uploads))


@router.post("/incoming", response={201: DocumentOut, 200: DocumentOut, **CREATE_ERRORS}, by_alias=True,
             summary="Vào sổ văn bản đến", openapi_extra=_create_body(IncomingIn),
             description="Cấp số đến tiếp theo của năm và lưu văn bản đến. Thân yêu cầu là JSON theo "
                         "IncomingIn, hoặc multipart/form-data với trường `data` (JSON) và các tệp `files`. "
                         "Nếu đã có văn bản cùng cơ quan ban hành, số, ký hiệu và ngày: lỗi 409 "
                         "duplicate_suspected kèm danh sách văn bản đó; gửi lại với allow_duplicate=true để "
                         "vẫn vào sổ.")
def documents_incoming_create(request: HttpRequest, idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description=IDEMPOTENCY_HELP)):
    user = request.auth
    payload, uploads = _read_create_payload(request, IncomingIn)
    agency = _registering_agency(user, payload.agency)
    token = _request_token(user, idempotency_key)
    replay = bool(token) and Document.objects.filter(request_token=scoped_request_token(user, token)).exists()
    values = payload.model_dump(exclude={"agency", "allow_duplicate", "intake_files"})
    files, on_registered = _intake_files(user, agency, payload.intake_files)
    try:
        doc = incoming_register(actor=user, agency=agency, data=IncomingData(**values), uploads=uploads,
                                request_token=token, allow_duplicate=payload.allow_duplicate,
                                stored_files=files, on_registered=on_registered)
    except DuplicateSuspected as exc:
        raise _duplicate_with_refs(exc, user) from None
    return _created(doc, replay)


@router.post("/outgoing", response={201: DocumentOut, 200: DocumentOut, **CREATE_ERRORS}, by_alias=True,
             summary="Cấp số văn bản đi", openapi_extra=_create_body(OutgoingIn),
             description="Cấp số từ sổ văn bản đi và lưu văn bản đã ký; ký hiệu được ghép theo Nghị định "
                         "30/2020. Thân yêu cầu như /documents/incoming.")
def documents_outgoing_create(request: HttpRequest, idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description=IDEMPOTENCY_HELP)):
    user = request.auth
    payload, uploads = _read_create_payload(request, OutgoingIn)
    agency = _registering_agency(user, payload.agency)
    token = _request_token(user, idempotency_key)
    replay = bool(token) and Document.objects.filter(request_token=scoped_request_token(user, token)).exists()
    files, on_registered = _intake_files(user, agency, payload.intake_files)
    doc = outgoing_register(actor=user, agency=agency,
                            data=OutgoingData(**payload.model_dump(exclude={"agency", "intake_files"})),
                            uploads=uploads, request_token=token, stored_files=files, on_registered=on_registered)
    return _created(doc, replay)


@router.get("/{document_id}", response={200: DocumentOut, **ERRORS}, by_alias=True, summary="Chi tiết văn bản",
            description="Mở văn bản mật được ghi vào nhật ký.")
def documents_detail(request: HttpRequest, document_id: int = DocumentId):
    doc = document_get(user=request.auth, pk=document_id)
    document_access_record(actor=request.auth, document=doc, action="document.view")
    return document_detail(doc)


@router.patch("/{document_id}", response={200: DocumentOut, **ERRORS}, by_alias=True, summary="Sửa thông tin văn bản",
              description="Chỉ đổi các trường được gửi. Số, ký hiệu, ngày ban hành và sổ không bao giờ đổi.")
def documents_update(request: HttpRequest, payload: DocumentPatchIn, document_id: int = DocumentId):
    doc = document_get(user=request.auth, pk=document_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Không có trường nào để sửa.", fields={"body": "Gửi ít nhất một trường."})
    document_update(actor=request.auth, document=doc, changes=changes)
    return document_detail(document_get(user=request.auth, pk=document_id))

