"""/api/v1/drafts: drafts of outgoing documents, their versions, review, approval, format check and issuing.

Thin: reads through drafting.selectors (a draft the caller may not see is a 404), writes through
drafting.services, dispatching through exchange.services. Errors are the API's JSON errors.
"""

import datetime as dt
import hashlib
from typing import Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, Header, Path, Query, Router, Schema, Status

from congvu.api.documents import _read_create_payload, document_item
from congvu.api.schemas import CREATE_ERRORS, ERRORS, MAX_ID, AgencyRef, DocumentListItem, Id, SecrecyCode, StrictIn
from congvu.api.schemas import UrgencyCode as UrgencyField
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents import files as file_store
from congvu.documents.models import Document
from congvu.drafting import selectors, services
from congvu.drafting.models import Draft, DraftEvent, DraftingPolicy, DraftStatus
from congvu.exchange.services import document_dispatch
from congvu.org.models import Agency
from congvu.org.selectors import can_manage_agency, user_access

router = Router(tags=["Dự thảo"])

DraftId = Path(..., ge=1, le=MAX_ID, description="Id của dự thảo.")
DraftStatusCode = Literal[tuple(DraftStatus.values)]  # type: ignore[valid-type]
TabCode = Literal[tuple(selectors.TABS)]  # type: ignore[valid-type]


# --- schemas -----------------------------------------------------------------------------------

class OfficialRef(Schema):
    id: int
    full_name: str


class DepartmentRef(Schema):
    id: int
    name: str


class DraftListItem(Schema):
    id: int
    agency: AgencyRef
    doc_type: str = Field(description="Mã loại văn bản.")
    doc_type_name: str
    subject: str
    urgency: UrgencyField
    secrecy: SecrecyCode
    status: DraftStatusCode = Field(description="drafting: đang soạn; in_review: chờ ký nháy; reviewed: chờ ký "
                                                "duyệt; approved: đã ký duyệt, chờ văn thư; returned: bị trả lại; "
                                                "issued: đã cấp số.")
    drafting_department: DepartmentRef
    author: OfficialRef
    reviewer: OfficialRef | None
    approver: OfficialRef | None
    version_count: int
    reply_to_id: int | None = Field(description="Văn bản đến mà dự thảo trả lời.")
    document_id: int | None = Field(description="Văn bản đi đã ban hành từ dự thảo.")
    updated_at: dt.datetime


class VersionOut(Schema):
    number: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    author: OfficialRef
    note: str
    created_at: dt.datetime
    metadata: dict = Field(description="Thông tin dự thảo tại phiên bản này.")
    content_url: str


class EventOut(Schema):
    action: str = Field(description="create, revise, submit, forward, review_return, approve, approve_return, "
                                    "format_ok, format_return, issue.")
    label: str
    actor: OfficialRef
    target: OfficialRef | None
    version_number: int | None
    comment: str
    created_at: dt.datetime


class ActionsOut(Schema):
    revise: bool
    submit: bool
    review: bool
    approve: bool
    check_format: bool
    issue: bool


class DraftOut(DraftListItem):
    signer: str
    signer_title: str
    recipient_agency_ids: list[int]
    recipient_names: list[str]
    due_date: dt.date | None
    notes: str
    approved_at: dt.datetime | None
    format_checked_at: dt.datetime | None
    issued_at: dt.datetime | None
    versions: list[VersionOut]
    events: list[EventOut]
    actions: ActionsOut = Field(description="Những thao tác bạn được làm với dự thảo lúc này.")


class DraftIn(StrictIn):
    agency: Id | None = Field(None, description="Cơ quan (id); bỏ trống khi bạn chỉ công tác ở một cơ quan.")
    doc_type: str = Field(description="Mã loại văn bản, ví dụ cong_van.")
    subject: str
    urgency: UrgencyField = "normal"
    secrecy: SecrecyCode = "normal"
    signer: str = ""
    signer_title: str = ""
    drafting_department_id: Id | None = Field(None, description="Mặc định: đơn vị của người soạn.")
    recipient_agency_ids: list[Id] = Field(default_factory=list, max_length=500)
    recipient_names: list[str] = Field(default_factory=list, max_length=500)
    due_date: str | None = Field(None, description="Hạn trả lời (yyyy-mm-dd hoặc dd/mm/yyyy).")
    notes: str = ""
    note: str = Field("", description="Ghi chú của phiên bản 1.")
    reply_to_id: Id | None = Field(None, description="Văn bản đến mà dự thảo trả lời.")


class RevisionIn(StrictIn):
    """Only the fields sent change; the others keep their current values."""

    doc_type: str | None = None
    subject: str | None = None
    urgency: UrgencyField | None = None
    secrecy: SecrecyCode | None = None
    signer: str | None = None
    signer_title: str | None = None
    drafting_department_id: Id | None = None
    recipient_agency_ids: list[Id] | None = Field(None, max_length=500)
    recipient_names: list[str] | None = Field(None, max_length=500)
    due_date: str | None = None
    notes: str | None = None
    note: str = Field("", description="Ghi chú của phiên bản mới.")


class SubmitIn(StrictIn):
    reviewer_id: Id | None = Field(None, description="Người ký nháy; mặc định lãnh đạo đơn vị soạn thảo.")
    comment: str = ""


class ReviewIn(StrictIn):
    decision: Literal["forward", "return"] = Field(description="forward: ký nháy, trình ký duyệt; return: trả lại.")
    approver_id: Id | None = Field(None, description="Lãnh đạo ký duyệt (bắt buộc khi forward).")
    comment: str = Field("", description="Ý kiến (bắt buộc khi return).")


class CommentIn(StrictIn):
    comment: str = ""


class ReturnIn(StrictIn):
    reason: str = Field(description="Lý do trả lại (bắt buộc).")


class FormatCheckIn(StrictIn):
    ok: bool = Field(description="true: thể thức đạt; false: trả lại người soạn (comment bắt buộc).")
    comment: str = ""


class IssueIn(StrictIn):
    dispatch: bool = Field(False, description="Phát hành ngay sau khi cấp số.")
    by_post: bool = Field(False, description="Nơi nhận ngoài hệ thống gửi qua bưu điện (mặc định: chờ liên thông).")


class IssueOut(Schema):
    document: DocumentListItem
    dispatched: bool
    delivered_to: list[str] = Field(description="Cơ quan trong hệ thống nhận được văn bản điện tử.")
    outbox: list[str] = Field(description="Nơi nhận ngoài hệ thống (chờ liên thông hoặc đã gửi bưu điện).")


class DiffLineOut(Schema):
    kind: Literal["same", "added", "removed", "gap"]
    text: str
    old_no: int | None
    new_no: int | None


class MetadataChange(Schema):
    field: str
    old: str
    new: str


class ComparisonOut(Schema):
    old: int
    new: int
    metadata: list[MetadataChange]
    same_file: bool
    added: int
    removed: int
    lines: list[DiffLineOut]


class PolicyOut(Schema):
    agency: AgencyRef
    allow_self_approval: bool


class PolicyIn(StrictIn):
    agency: Id | None = None
    allow_self_approval: bool


def _create_body(schema) -> dict:
    """OpenAPI for a multipart body: a JSON `data` field (the schema, inlined) and the file in `files`."""
    inline = schema.model_json_schema()
    return {"requestBody": {"required": True, "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "required": ["data"], "properties": {
                "data": inline | {"description": f"JSON theo lược đồ {schema.__name__}."},
                "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                          "description": "Tệp dự thảo (một tệp): DOCX, PDF, XLSX."},
            }},
            "encoding": {"data": {"contentType": "application/json"}},
        },
        "application/json": {"schema": inline},
    }}}


# --- shaping -----------------------------------------------------------------------------------

def _person(o):
    return {"id": o.pk, "full_name": o.full_name} if o is not None else None


def draft_item(d: Draft) -> dict:
    return {
        "id": d.pk, "agency": {"id": d.agency_id, "name": d.agency.name}, "doc_type": d.doc_type.code,
        "doc_type_name": d.doc_type.name, "subject": d.subject, "urgency": d.urgency, "secrecy": d.secrecy,
        "status": d.status,
        "drafting_department": {"id": d.drafting_department_id, "name": d.drafting_department.name},
        "author": _person(d.author), "reviewer": _person(d.reviewer), "approver": _person(d.approver),
        "version_count": d.version_count, "reply_to_id": d.reply_to_id, "document_id": d.document_id,
        "updated_at": d.updated_at,
    }


def version_item(d: Draft, v) -> dict:
    return {
        "number": v.number, "original_name": v.original_name, "content_type": v.file.content_type,
        "size": v.file.size, "sha256": v.file.sha256, "author": _person(v.author), "note": v.note,
        "created_at": v.created_at, "metadata": v.metadata,
        "content_url": reverse("api_v1:draft_version_content", kwargs={"draft_id": d.pk, "number": v.number}),
    }


def draft_detail(user, d: Draft) -> dict:
    allowed = selectors.draft_permissions(user=user, draft=d)
    events = DraftEvent.objects.filter(draft=d).select_related("actor", "target")
    return draft_item(d) | {
        "signer": d.signer, "signer_title": d.signer_title, "recipient_agency_ids": d.recipient_agency_ids,
        "recipient_names": d.recipient_names, "due_date": d.due_date, "notes": d.notes,
        "approved_at": d.approved_at, "format_checked_at": d.format_checked_at, "issued_at": d.issued_at,
        "versions": [version_item(d, v) for v in d.versions.select_related("file", "author")],
        "events": [{"action": e.action, "label": e.get_action_display(), "actor": _person(e.actor),
                    "target": _person(e.target), "version_number": e.version_number, "comment": e.comment,
                    "created_at": e.created_at} for e in events],
        "actions": {"revise": allowed.revise, "submit": allowed.submit, "review": allowed.review,
                    "approve": allowed.approve, "check_format": allowed.check_format, "issue": allowed.issue},
    }


def _get(user, draft_id: int) -> Draft:
    return selectors.draft_get(user=user, pk=draft_id)


def _detail(user, draft_id: int) -> dict:
    return draft_detail(user, _get(user, draft_id))


def _drafting_agency(user, agency_id: int | None) -> Agency:
    allowed = sorted(a for a in user_access(user) if selectors.can_draft(user, a))
    if agency_id is None:
        if len(allowed) > 1:
            raise ValidationFailed("Vui lòng chọn cơ quan.",
                                   fields={"agency": "Bạn công tác ở nhiều cơ quan; chọn một."})
        agency_id = allowed[0] if allowed else None
    if agency_id not in allowed:
        raise PermissionDenied("Bạn không có quyền soạn thảo văn bản của cơ quan này.")
    return Agency.objects.get(pk=agency_id)


def _token(user, key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200:
        raise ValidationFailed("Idempotency-Key không hợp lệ.", fields={"Idempotency-Key": "Cần từ 1 đến 200 ký tự."})
    return "api:" + hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:60]


def _data(payload) -> services.DraftData:
    return services.DraftData(
        doc_type=payload.doc_type, subject=payload.subject, urgency=payload.urgency, secrecy=payload.secrecy,
        signer=payload.signer, signer_title=payload.signer_title, drafting_department_id=payload.drafting_department_id,
        recipient_agency_ids=payload.recipient_agency_ids, recipient_names=payload.recipient_names,
        due_date=payload.due_date, notes=payload.notes)


def _one_file(uploads):
    if len(uploads) > 1:
        raise ValidationFailed("Mỗi phiên bản dự thảo chỉ có một tệp.", fields={"files": "Gửi một tệp."})
    return uploads[0] if uploads else None


# --- endpoints ---------------------------------------------------------------------------------

@router.get("/drafts", response={200: list[DraftListItem], **ERRORS}, summary="Danh sách dự thảo",
            description="mine: dự thảo của tôi; review: chờ tôi ký nháy; approve: chờ tôi ký duyệt; issue: chờ văn "
                        "thư kiểm tra thể thức và cấp số. Văn bản khẩn trước, rồi mới nhất trước; tối đa 200.")
def drafts_list(request: HttpRequest, tab: TabCode = Query("mine"),
                agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan; mặc định mọi cơ quan.")):
    qs = selectors.drafts_in_tab(user=request.auth, agency_id=agency, tab=tab).select_related("agency")
    return [draft_item(d) for d in selectors.urgency_first(qs[:200])]


@router.post("/drafts", response={201: DraftOut, 200: DraftOut, **CREATE_ERRORS}, summary="Tạo dự thảo",
             openapi_extra=_create_body(DraftIn),
             description="multipart/form-data: trường `data` (JSON theo DraftIn) và một tệp `files` (phiên bản 1). "
                         "Idempotency-Key: gửi lại cùng khóa trả về dự thảo đã tạo (mã 200).")
def drafts_create(request: HttpRequest, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    user = request.auth
    payload, uploads = _read_create_payload(request, DraftIn)
    agency = _drafting_agency(user, payload.agency)
    token = _token(user, idempotency_key)
    replay = bool(token) and Draft.objects.filter(request_token=services.draft_request_token(user, token)).exists()
    draft = services.draft_create(actor=user, agency=agency, data=_data(payload), upload=_one_file(uploads),
                                  note=payload.note, reply_to_id=payload.reply_to_id, request_token=token)
    return Status(200 if replay else 201, _detail(user, draft.pk))


@router.get("/drafts/{draft_id}", response={200: DraftOut, **ERRORS}, summary="Chi tiết dự thảo")
def drafts_detail(request: HttpRequest, draft_id: int = DraftId):
    return _detail(request.auth, draft_id)


@router.get("/drafts/{draft_id}/versions", response={200: list[VersionOut], **ERRORS}, summary="Các phiên bản")
def drafts_versions(request: HttpRequest, draft_id: int = DraftId):
    d = _get(request.auth, draft_id)
    return [version_item(d, v) for v in d.versions.select_related("file", "author")]


@router.post("/drafts/{draft_id}/versions", response={201: VersionOut, **CREATE_ERRORS},
             summary="Cập nhật dự thảo (phiên bản mới)", openapi_extra=_create_body(RevisionIn),
             description="Tệp mới (multipart `files`) và/hoặc thông tin thay đổi (`data`, chỉ các trường gửi lên). "
                         "Không có tệp mới thì giữ tệp của phiên bản trước.")
def drafts_revise(request: HttpRequest, draft_id: int = DraftId):
    user = request.auth
    payload, uploads = _read_create_payload(request, RevisionIn)
    d = _get(user, draft_id)
    data = services.draft_data_of(d)
    for key, value in payload.model_dump(exclude_unset=True, exclude={"note"}).items():
        setattr(data, key, value)
    version = services.draft_revise(actor=user, draft=d, data=data, upload=_one_file(uploads), note=payload.note)
    version = d.versions.select_related("file", "author").get(pk=version.pk)
    return Status(201, version_item(d, version))


@router.get("/drafts/{draft_id}/versions/{number}/content", response={200: None, **ERRORS},
            url_name="draft_version_content", summary="Tải tệp của một phiên bản",
            openapi_extra={"responses": {200: {"description": "Nội dung tệp.", "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def drafts_version_content(request: HttpRequest, draft_id: int = DraftId,
                           number: int = Path(..., ge=1, le=100000, description="Số phiên bản.")):
    d = _get(request.auth, draft_id)
    version, stored = services.version_file(actor=request.auth, draft=d, number=number)
    try:
        handle = file_store.open_stored(stored)
    except FileNotFoundError:
        raise NotFound("Tệp không còn trong kho lưu trữ; báo quản trị hệ thống.") from None
    return FileResponse(handle, as_attachment=True, filename=version.original_name, content_type=stored.content_type)


@router.get("/drafts/{draft_id}/compare", response={200: ComparisonOut, **ERRORS}, summary="So sánh hai phiên bản",
            description="Thông tin khác nhau và nội dung chữ của hai tệp, từng dòng (difflib).")
def drafts_compare(request: HttpRequest, draft_id: int = DraftId,
                   old: int = Query(..., ge=1, le=100000), new: int = Query(..., ge=1, le=100000)):
    d = _get(request.auth, draft_id)
    c = selectors.compare_versions(user=request.auth, draft=d, old=old, new=new)
    return {"old": old, "new": new, "same_file": c.same_file, "added": c.added, "removed": c.removed,
            "metadata": [{"field": label, "old": a, "new": b} for label, a, b in c.metadata],
            "lines": [{"kind": x.kind, "text": x.text, "old_no": x.old_no, "new_no": x.new_no} for x in c.lines]}


@router.post("/drafts/{draft_id}/submit", response={200: DraftOut, **CREATE_ERRORS}, summary="Trình ký nháy")
def drafts_submit(request: HttpRequest, payload: SubmitIn, draft_id: int = DraftId):
    d = services.draft_submit_for_review(actor=request.auth, draft=_get(request.auth, draft_id),
                                         reviewer_id=payload.reviewer_id, comment=payload.comment)
    return _detail(request.auth, d.pk)


@router.post("/drafts/{draft_id}/review", response={200: DraftOut, **CREATE_ERRORS},
             summary="Ký nháy: trình ký duyệt hoặc trả lại")
def drafts_review(request: HttpRequest, payload: ReviewIn, draft_id: int = DraftId):
    d = services.draft_review(actor=request.auth, draft=_get(request.auth, draft_id),
                              forward=payload.decision == "forward", approver_id=payload.approver_id,
                              comment=payload.comment)
    return _detail(request.auth, d.pk)


@router.post("/drafts/{draft_id}/approve", response={200: DraftOut, **CREATE_ERRORS}, summary="Ký duyệt")
def drafts_approve(request: HttpRequest, payload: CommentIn, draft_id: int = DraftId):
    d = services.draft_approve(actor=request.auth, draft=_get(request.auth, draft_id), comment=payload.comment)
    return _detail(request.auth, d.pk)


@router.post("/drafts/{draft_id}/return", response={200: DraftOut, **CREATE_ERRORS},
             summary="Trả lại dự thảo (lãnh đạo ký duyệt)")
def drafts_return(request: HttpRequest, payload: ReturnIn, draft_id: int = DraftId):
    d = services.draft_return(actor=request.auth, draft=_get(request.auth, draft_id), reason=payload.reason)
    return _detail(request.auth, d.pk)


@router.post("/drafts/{draft_id}/format-check", response={200: DraftOut, **CREATE_ERRORS},
             summary="Văn thư kiểm tra thể thức")
def drafts_format_check(request: HttpRequest, payload: FormatCheckIn, draft_id: int = DraftId):
    d = services.draft_check_format(actor=request.auth, draft=_get(request.auth, draft_id), ok=payload.ok,
                                    comment=payload.comment)
    return _detail(request.auth, d.pk)


@router.post("/drafts/{draft_id}/issue", response={200: IssueOut, **CREATE_ERRORS}, summary="Cấp số, ban hành",
             description="Cấp số từ sổ văn bản đi cho dự thảo đã ký duyệt và đạt thể thức. Gọi lại trả về cùng văn "
                         "bản, không cấp số lần hai. dispatch=true: phát hành ngay.")
def drafts_issue(request: HttpRequest, payload: IssueIn, draft_id: int = DraftId):
    user = request.auth
    document = services.draft_issue(actor=user, draft=_get(user, draft_id))
    delivered, outbox = [], []
    if payload.dispatch:
        result = document_dispatch(actor=user, document=document, by_post=payload.by_post)
        delivered = [i.agency.name for i in result.inbox_items]
        outbox = [o.recipient_name for o in result.outbox_items]
    document = Document.objects.select_related("doc_type", "register", "agency").get(pk=document.pk)
    return {"document": document_item(document), "dispatched": document.dispatched_on is not None,
            "delivered_to": delivered, "outbox": outbox}


def _policy_agency(user, agency_id: int | None) -> Agency:
    mine = sorted(user_access(user))
    if agency_id is None:
        if len(mine) != 1:
            raise ValidationFailed("Vui lòng chọn cơ quan.", fields={"agency": "Chọn một cơ quan."})
        agency_id = mine[0]
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None or (agency_id not in mine and not getattr(user, "is_superuser", False)):
        raise NotFound("Không tìm thấy cơ quan.")
    return agency


@router.get("/drafting-policy", response={200: PolicyOut, **ERRORS}, summary="Quy định soạn thảo của cơ quan")
def policy_get(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID)):
    a = _policy_agency(request.auth, agency)
    return {"agency": {"id": a.pk, "name": a.name}, "allow_self_approval": selectors.self_approval_allowed(a.pk)}


@router.put("/drafting-policy", response={200: PolicyOut, **ERRORS}, summary="Đổi quy định soạn thảo",
            description="Chỉ quản trị cơ quan: cho phép hay không việc lãnh đạo ký duyệt dự thảo do mình soạn.")
def policy_put(request: HttpRequest, payload: PolicyIn):
    a = _policy_agency(request.auth, payload.agency)
    if not can_manage_agency(request.auth, a.pk):
        raise PermissionDenied("Chỉ quản trị cơ quan được đổi quy định soạn thảo.")
    policy: DraftingPolicy = services.drafting_policy_set(actor=request.auth, agency=a,
                                                          allow_self_approval=payload.allow_self_approval)
    return {"agency": {"id": a.pk, "name": a.name}, "allow_self_approval": policy.allow_self_approval}
