"""/api/v1/inbox, /outbox and dispatching: documents received electronically from other agencies of the
deployment, external recipients waiting to be sent, and sending an issued document.

Only the clerks of the receiving (or sending) agency see these queues; for anyone else a queue item does
not exist (404). Thin: exchange.selectors and exchange.services decide.
"""

import datetime as dt
from typing import Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema

from congvu.api.documents import _duplicate_with_refs, document_item
from congvu.api.schemas import CREATE_ERRORS, ERRORS, MAX_ID, AgencyRef, DocumentListItem, Id, StrictIn, UrgencyCode
from congvu.core.errors import NotFound, PermissionDenied
from congvu.documents import files as file_store
from congvu.documents.models import Document
from congvu.documents.selectors import document_get
from congvu.documents.services import DuplicateSuspected
from congvu.exchange import selectors, services
from congvu.exchange.models import (
    InboxItem,
    InboxStatus,
    OutboxItem,
    OutboxStatus,
    PeerTransport,
    RecallState,
    StatusCode,
    TransmissionState,
)
from congvu.org.selectors import can_register, user_access

router = Router(tags=["Liên thông"])

ItemId = Path(..., ge=1, le=MAX_ID, description="Id của văn bản điện tử đến.")
InboxStatusCode = Literal[tuple(InboxStatus.values)]  # type: ignore[valid-type]
OutboxStatusCode = Literal[tuple(OutboxStatus.values)]  # type: ignore[valid-type]


class InboxFileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    content_url: str


class InboxItemOut(Schema):
    id: int
    agency: AgencyRef = Field(description="Cơ quan nhận.")
    sender_name: str
    sender_agency_id: int | None
    exchange_document_id: str = Field(description="Mã văn bản theo QCVN 102: mã định danh,ngày,số/ký hiệu.")
    number: str
    notation: str
    issued_date: dt.date | None
    doc_type: str
    doc_type_name: str
    subject: str
    signer: str
    signer_title: str
    urgency: UrgencyCode
    due_date: dt.date | None
    pages: int | None
    delivered_at: dt.datetime
    status: InboxStatusCode = Field(description="waiting: chờ vào sổ; registered: đã vào sổ; returned: đã trả lại.")
    incoming_document_id: int | None
    return_reason: str
    files: list[InboxFileOut]


class InboxRegisterIn(StrictIn):
    """What the receiving clerk decides; the sender's number, notation, date and signer stay as delivered."""

    doc_type: str | None = None
    subject: str | None = None
    urgency: UrgencyCode | None = None
    due_date: str | None = Field(None, description="Hạn xử lý (yyyy-mm-dd hoặc dd/mm/yyyy).")
    receiving_department_id: Id | None = None
    receiving_official_id: Id | None = None
    notes: str | None = None
    allow_duplicate: bool = False


class ReasonIn(StrictIn):
    reason: str = Field(description="Lý do trả lại (bắt buộc).")


class OutboxItemOut(Schema):
    id: int
    document_id: int
    number_notation: str
    recipient_name: str
    status: OutboxStatusCode = Field(description="waiting: chờ gửi liên thông; posted: đã gửi qua bưu điện.")
    created_at: dt.datetime
    posted_at: dt.datetime | None


class DispatchIn(StrictIn):
    by_post: bool = Field(False, description="Nơi nhận ngoài hệ thống gửi qua bưu điện (văn bản mật: bắt buộc).")


class DeliveryOut(Schema):
    name: str
    channel: Literal["electronic", "exchange", "post", "none"]
    status: str
    detail: str


class DispatchOut(Schema):
    document: DocumentListItem
    delivered_to: list[str]
    outbox: list[str]
    deliveries: list[DeliveryOut]


def inbox_item(item: InboxItem) -> dict:
    return {
        "id": item.pk, "agency": {"id": item.agency_id, "name": item.agency.name}, "sender_name": item.sender_name,
        "sender_agency_id": item.sender_agency_id, "exchange_document_id": item.exchange_document_id,
        "number": item.number, "notation": item.notation, "issued_date": item.issued_date,
        "doc_type": item.doc_type_code, "doc_type_name": item.doc_type_name, "subject": item.subject,
        "signer": item.signer, "signer_title": item.signer_title, "urgency": item.urgency, "due_date": item.due_date,
        "pages": item.pages, "delivered_at": item.delivered_at, "status": item.status,
        "incoming_document_id": item.incoming_document_id, "return_reason": item.return_reason,
        "files": [{"id": f.pk, "original_name": f.original_name, "content_type": f.file.content_type,
                   "size": f.file.size, "sha256": f.file.sha256,
                   "content_url": reverse("api_v1:inbox_file_content", kwargs={"item_id": item.pk, "file_id": f.pk})}
                  for f in item.files.select_related("file")],
    }


def _clerk_agencies(user, agency: int | None) -> list[int]:
    mine = [a for a in sorted(user_access(user)) if can_register(user, a)]
    if agency is not None:
        if agency not in mine:
            raise PermissionDenied("Chỉ văn thư của cơ quan được xem văn bản điện tử đến.")
        return [agency]
    if not mine:
        raise PermissionDenied("Chỉ văn thư của cơ quan được xem văn bản điện tử đến.")
    return mine


@router.get("/inbox", response={200: list[InboxItemOut], **ERRORS}, summary="Văn bản điện tử đến",
            description="Văn bản các cơ quan khác gửi điện tử đến cơ quan của bạn; mặc định những văn bản chờ vào sổ, "
                        "mới nhất trước; tối đa 200. Chỉ văn thư.")
def inbox_list(request: HttpRequest, status: InboxStatusCode = Query("waiting"),
               agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan nhận.")):
    items = []
    for agency_id in _clerk_agencies(request.auth, agency):
        items += list(selectors.inbox_queue(user=request.auth, agency_id=agency_id, status=status)
                      .select_related("agency")[:200])
    items.sort(key=lambda i: -i.pk)
    return [inbox_item(i) for i in items[:200]]


@router.get("/inbox/{item_id}", response={200: InboxItemOut, **ERRORS}, summary="Một văn bản điện tử đến")
def inbox_detail(request: HttpRequest, item_id: int = ItemId):
    return inbox_item(selectors.inbox_item_get(user=request.auth, pk=item_id))


@router.get("/inbox/{item_id}/files/{file_id}/content", response={200: None, **ERRORS}, url_name="inbox_file_content",
            summary="Tải tệp của văn bản điện tử đến",
            openapi_extra={"responses": {200: {"description": "Nội dung tệp.", "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def inbox_file_content(request: HttpRequest, item_id: int = ItemId,
                       file_id: int = Path(..., ge=1, le=MAX_ID, description="Id của tệp.")):
    item = selectors.inbox_item_get(user=request.auth, pk=item_id)
    row = item.files.select_related("file").filter(pk=file_id).first()
    if row is None:
        raise NotFound("Không tìm thấy tệp.")
    try:
        handle = file_store.open_stored(row.file)
    except FileNotFoundError:
        raise NotFound("Tệp không còn trong kho lưu trữ; báo quản trị hệ thống.") from None
    return FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.file.content_type)


@router.post("/inbox/{item_id}/register", response={200: DocumentListItem, **CREATE_ERRORS}, summary="Vào sổ",
             description="Vào sổ văn bản đến (hình thức điện tử) với thông tin và tệp của nơi gửi. Gọi lại trả về "
                         "cùng văn bản, không vào sổ lần hai. Trùng văn bản đã vào sổ (ví dụ bản giấy): lỗi 409 "
                         "duplicate_suspected; gửi lại với allow_duplicate=true để vẫn vào sổ.")
def inbox_register(request: HttpRequest, payload: InboxRegisterIn, item_id: int = ItemId):
    user = request.auth
    item = selectors.inbox_item_get(user=user, pk=item_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"allow_duplicate"})
    changes = {k: ("" if v is None and k not in ("receiving_department_id", "receiving_official_id") else v)
               for k, v in changes.items()}
    try:
        document = services.inbox_register(actor=user, item=item, changes=changes,
                                           allow_duplicate=payload.allow_duplicate)
    except DuplicateSuspected as exc:
        raise _duplicate_with_refs(exc, user) from None
    return document_item(Document.objects.select_related("doc_type", "register", "agency").get(pk=document.pk))


@router.post("/inbox/{item_id}/return", response={200: InboxItemOut, **ERRORS}, summary="Trả lại nơi gửi",
             description="Trả lại qua hệ thống kèm lý do; văn thư nơi gửi được thông báo.")
def inbox_return(request: HttpRequest, payload: ReasonIn, item_id: int = ItemId):
    item = selectors.inbox_item_get(user=request.auth, pk=item_id)
    services.inbox_return(actor=request.auth, item=item, reason=payload.reason)
    return inbox_item(selectors.inbox_item_get(user=request.auth, pk=item_id))


def outbox_item(o: OutboxItem) -> dict:
    return {"id": o.pk, "document_id": o.document_id, "number_notation": o.document.number_notation,
            "recipient_name": o.recipient_name, "status": o.status, "created_at": o.created_at,
            "posted_at": o.posted_at}


@router.get("/outbox", response={200: list[OutboxItemOut], **ERRORS}, summary="Văn bản đi gửi ra ngoài hệ thống",
            description="Nơi nhận ngoài hệ thống của văn bản đã phát hành; mặc định những nơi chờ gửi liên thông.")
def outbox_list(request: HttpRequest, status: OutboxStatusCode = Query("waiting"),
                agency: int | None = Query(None, ge=1, le=MAX_ID)):
    items = []
    for agency_id in _clerk_agencies(request.auth, agency):
        items += list(selectors.outbox_queue(user=request.auth, agency_id=agency_id, status=status)[:200])
    items.sort(key=lambda o: -o.pk)
    return [outbox_item(o) for o in items[:200]]


@router.post("/outbox/{item_id}/posted", response={200: OutboxItemOut, **ERRORS}, summary="Đã gửi qua bưu điện")
def outbox_posted(request: HttpRequest, item_id: int = Path(..., ge=1, le=MAX_ID)):
    item = selectors.outbox_item_get(user=request.auth, pk=item_id)
    services.outbox_mark_posted(actor=request.auth, item=item)
    return outbox_item(selectors.outbox_item_get(user=request.auth, pk=item_id))


@router.post("/documents/{document_id}/dispatch", response={200: DispatchOut, **ERRORS}, summary="Phát hành văn bản đi",
             description="Gửi văn bản đã cấp số: cơ quan trong hệ thống nhận ngay bản điện tử; nơi nhận khác vào "
                         "danh sách chờ gửi liên thông (hoặc đã gửi bưu điện khi by_post=true). Gọi lại không gửi "
                         "lần hai.")
def document_dispatch(request: HttpRequest, payload: DispatchIn,
                      document_id: int = Path(..., ge=1, le=MAX_ID, description="Id của văn bản đi.")):
    user = request.auth
    doc = document_get(user=user, pk=document_id)
    result = services.document_dispatch(actor=user, document=doc, by_post=payload.by_post)
    doc = document_get(user=user, pk=document_id)
    return {"document": document_item(doc), "delivered_to": [i.agency.name for i in result.inbox_items],
            "outbox": [o.recipient_name for o in result.outbox_items],
            "deliveries": [d.__dict__ for d in selectors.deliveries(document=doc)]}


@router.get("/documents/{document_id}/deliveries", response={200: list[DeliveryOut], **ERRORS},
            summary="Tình trạng gửi văn bản đi đến từng nơi nhận")
def document_deliveries(request: HttpRequest,
                        document_id: int = Path(..., ge=1, le=MAX_ID, description="Id của văn bản đi.")):
    doc = document_get(user=request.auth, pk=document_id)
    return [d.__dict__ for d in selectors.deliveries(document=doc)]


# --- statuses flowing back and recall (QCVN 102 codes; docs/decisions/0016) ----------------------------

StatusCodeOut = Literal[tuple(StatusCode.values)]  # type: ignore[valid-type]
RecallStateOut = Literal[("",) + tuple(RecallState.values)]  # type: ignore[valid-type]


class ExchangeStatusOut(Schema):
    code: StatusCodeOut = Field(description="01 đã đến, 02 từ chối, 03 đã vào sổ, 04 đã phân công, 05 đang xử lý, "
                                            "06 hoàn thành, 13 đề nghị lấy lại, 15 đồng ý lấy lại, 16 từ chối lấy lại.")
    name: str
    description: str
    agency_id: int = Field(description="Cơ quan báo trạng thái (13: cơ quan gửi; còn lại: cơ quan nhận).")
    actor_name: str
    created_at: dt.datetime


class DeliveryStatusesOut(Schema):
    delivery_id: int = Field(description="Id của lần gửi (văn bản điện tử đến của nơi nhận).")
    recipient: AgencyRef
    status: InboxStatusCode
    recall_state: RecallStateOut = Field(description="requested: chờ nơi nhận quyết định; accepted; refused.")
    recall_reason: str
    recalled_at: dt.datetime | None
    statuses: list[ExchangeStatusOut]


class RecallIn(StrictIn):
    reason: str = Field(description="Lý do thu hồi (bắt buộc).")


class RecallAcceptIn(StrictIn):
    note: str = Field("", description="Ghi chú (không bắt buộc).")


class RecallRefuseIn(StrictIn):
    reason: str = Field(description="Lý do từ chối thu hồi (bắt buộc).")


def _status(s) -> dict:
    return {"code": s.code, "name": s.get_code_display(), "description": s.description, "agency_id": s.agency_id,
            "actor_name": s.actor_name, "created_at": s.created_at}


def _delivery_statuses(item: InboxItem, statuses) -> dict:
    return {"delivery_id": item.pk, "recipient": {"id": item.agency_id, "name": item.agency.name},
            "status": item.status, "recall_state": item.recall_state, "recall_reason": item.recall_reason,
            "recalled_at": item.recalled_at, "statuses": [_status(s) for s in statuses]}


@router.get("/documents/{document_id}/exchange-statuses", response={200: list[DeliveryStatusesOut], **ERRORS},
            summary="Trạng thái xử lý tại từng nơi nhận",
            description="Với từng cơ quan nhận trên hệ thống: các trạng thái nơi nhận báo lại (01, 02, 03, 04, 05, 06) "
                        "và thu hồi (13, 15, 16), cũ trước mới sau. Người xem được văn bản đi mới xem được.")
def document_exchange_statuses(request: HttpRequest,
                               document_id: int = Path(..., ge=1, le=MAX_ID, description="Id của văn bản đi.")):
    return [_delivery_statuses(t.item, t.statuses)
            for t in selectors.delivery_timelines(user=request.auth, document=document_id)]


@router.post("/deliveries/{delivery_id}/recall", response={200: DeliveryStatusesOut, **ERRORS},
             summary="Đề nghị thu hồi văn bản đã gửi (13)",
             description="Văn thư cơ quan gửi đề nghị nơi nhận trả lại văn bản, kèm lý do; văn thư nơi nhận được "
                         "thông báo. Gọi lại khi đề nghị đang chờ không tạo đề nghị mới.")
def delivery_recall(request: HttpRequest, payload: RecallIn,
                    delivery_id: int = Path(..., ge=1, le=MAX_ID, description="Id của lần gửi.")):
    item = selectors.delivery_get(user=request.auth, pk=delivery_id)
    item = services.delivery_recall_request(actor=request.auth, item=item, reason=payload.reason)
    return _delivery_statuses(item, selectors.item_statuses(item=item))


@router.get("/inbox/{item_id}/statuses", response={200: DeliveryStatusesOut, **ERRORS},
            summary="Trạng thái đã báo nơi gửi")
def inbox_statuses(request: HttpRequest, item_id: int = ItemId):
    item = selectors.inbox_item_get(user=request.auth, pk=item_id)
    return _delivery_statuses(item, selectors.item_statuses(item=item))


@router.post("/inbox/{item_id}/recall/accept", response={200: DeliveryStatusesOut, **ERRORS},
             summary="Đồng ý thu hồi (15)",
             description="Chưa vào sổ: văn bản được rút khỏi danh sách chờ; đã vào sổ: văn bản được giữ và đánh dấu "
                         "đã thu hồi. Chỉ văn thư cơ quan nhận.")
def inbox_recall_accept(request: HttpRequest, payload: RecallAcceptIn, item_id: int = ItemId):
    item = selectors.inbox_item_get(user=request.auth, pk=item_id)
    item = services.delivery_recall_accept(actor=request.auth, item=item, note=payload.note)
    return _delivery_statuses(item, selectors.item_statuses(item=item))


@router.post("/inbox/{item_id}/recall/refuse", response={200: DeliveryStatusesOut, **ERRORS},
             summary="Từ chối thu hồi (16)", description="Kèm lý do; văn thư cơ quan gửi được thông báo.")
def inbox_recall_refuse(request: HttpRequest, payload: RecallRefuseIn, item_id: int = ItemId):
    item = selectors.inbox_item_get(user=request.auth, pk=item_id)
    item = services.delivery_recall_refuse(actor=request.auth, item=item, reason=payload.reason)
    return _delivery_statuses(item, selectors.item_statuses(item=item))


# --- external recipients: transmission to another system (docs/decisions/0017) -------------------------

TransmissionStateOut = Literal[tuple(TransmissionState.values)]  # type: ignore[valid-type]
PeerTransportOut = Literal[tuple(PeerTransport.values)]  # type: ignore[valid-type]


class ReportedStatusOut(Schema):
    code: str = Field(description="Mã trạng thái QCVN 102 (01, 02, 03, 04, 05, 06, 15, 16).")
    description: str
    at: dt.datetime | None


class ExternalDeliveryOut(Schema):
    outbox_item_id: int = Field(description="Id của nơi nhận ngoài hệ thống (văn bản chờ gửi).")
    name: str = Field(description="Nơi nhận như ghi trên văn bản.")
    status: OutboxStatusCode = Field(description="waiting: chờ gửi liên thông; posted: đã gửi qua bưu điện.")
    organ_id: str | None = Field(description="Mã định danh nơi nhận; null khi chưa truyền qua trục liên thông.")
    transport: PeerTransportOut | None = Field(description="http: HTTP(S) giữa hai hệ thống; folder: thư mục trao "
                                                           "đổi thủ công; null khi chưa truyền.")
    state: TransmissionStateOut | None = Field(description="pending: chờ gửi (sẽ thử lại); sent: đã gửi; failed: gửi "
                                                           "lỗi, đã thử hết; null khi chưa truyền.")
    attempts: int
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None = Field(description="Lần thử tiếp theo (chỉ khi đang chờ gửi).")
    last_error: str = Field(description="Lỗi gần nhất (rỗng khi đã gửi thành công).")
    last_status: ReportedStatusOut | None = Field(description="Trạng thái cuối hệ thống nơi nhận báo lại.")


def _external_delivery(e) -> dict:
    t = e.transmission
    row = {"outbox_item_id": e.item.pk, "name": e.name, "status": e.item.status, "organ_id": None, "transport": None,
           "state": None, "attempts": 0, "sent_at": None, "next_attempt_at": None, "last_error": "",
           "last_status": None}
    if t is None:
        return row
    # What the sender's status page shows: the next try only while waiting, the error only until sent.
    row.update(organ_id=t.organ_id, transport=t.peer.transport, state=t.state, attempts=t.attempts,
               sent_at=t.sent_at,
               next_attempt_at=t.next_attempt_at if t.state == TransmissionState.PENDING else None,
               last_error="" if t.sent_at else t.last_error,
               last_status=({"code": t.last_status_code, "description": t.last_status_description,
                             "at": t.last_status_at} if t.last_status_code else None))
    return row


@router.get("/documents/{document_id}/external-deliveries", response={200: list[ExternalDeliveryOut], **ERRORS},
            summary="Tình trạng truyền đến nơi nhận ngoài hệ thống",
            description="Với từng nơi nhận ngoài hệ thống: việc truyền sang hệ thống khác (trạng thái, số lần gửi, "
                        "lần thử tiếp theo, lỗi gần nhất) và trạng thái cuối hệ thống đó báo lại. Người xem được văn "
                        "bản đi mới xem được.")
def document_external_deliveries(request: HttpRequest,
                                 document_id: int = Path(..., ge=1, le=MAX_ID, description="Id của văn bản đi.")):
    return [_external_delivery(e) for e in selectors.external_deliveries(user=request.auth, document=document_id)]


# --- update, replace, recall to other systems (QCVN 102 business 1, 2, 3; docs/decisions/0018) ----------------

class ExchangeUpdateIn(StrictIn):
    """The corrected metadata of an issued document sent electronically; fields left out stay as they are. New
    files are sent from the statuses page (multipart upload)."""

    reason: str = Field(description="Lý do cập nhật (bắt buộc).")
    subject: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    pages: int | None = Field(None, ge=1, le=100000)
    due_date: str | None = Field(None, description="Hạn trả lời (yyyy-mm-dd hoặc dd/mm/yyyy).")


class ExchangeUpdateOut(Schema):
    version_id: int | None = Field(description="Id của phiên bản trước được lưu lại ở nơi gửi.")
    updated_deliveries: list[int] = Field(description="Các lần gửi trên hệ thống đã được cập nhật ngay.")
    queued_outbox_items: list[int] = Field(description="Nơi nhận ngoài hệ thống sẽ nhận gói cập nhật qua liên thông.")
    skipped: list[str] = Field(description="Nơi nhận không được cập nhật (đã trả lại, đã thu hồi…).")


class ExchangeReplaceIn(StrictIn):
    replacement_id: Id = Field(description="Id của văn bản đi (đã ban hành) thay thế.")
    reason: str = Field(description="Lý do thay thế (bắt buộc).")


class ExchangeReplaceOut(Schema):
    deliveries: list[int] = Field(description="Các lần gửi văn bản thay thế trên hệ thống.")
    outbox_items: list[int] = Field(description="Nơi nhận ngoài hệ thống sẽ nhận văn bản thay thế qua liên thông.")


class OutboxRecallOut(Schema):
    outbox_item_id: int
    recall_state: RecallStateOut
    recall_reason: str


class VersionOut(Schema):
    id: int
    kind: Literal["update", "replace"]
    reason: str
    created_at: dt.datetime
    values: dict = Field(description="Thông tin của phiên bản trước (trích yếu, người ký, số trang, hạn…).")
    files: list[str] = Field(description="Tên các tệp của phiên bản trước.")
    page_url: str


@router.post("/documents/{document_id}/exchange-update", response={200: ExchangeUpdateOut, **ERRORS},
             summary="Gửi cập nhật văn bản đã gửi (nghiệp vụ 2)",
             description="Văn thư cơ quan ban hành sửa thông tin văn bản đi đã gửi điện tử và gửi cập nhật kèm lý do: "
                         "nơi nhận trên hệ thống được cập nhật ngay (giữ phiên bản trước), nơi nhận ngoài hệ thống "
                         "nhận gói cập nhật qua liên thông. Nơi nhận đã thu hồi hay trả lại không được cập nhật.")
def document_exchange_update(request: HttpRequest, payload: ExchangeUpdateIn,
                             document_id: int = Path(..., ge=1, le=MAX_ID, description="Id của văn bản đi.")):
    document = document_get(user=request.auth, pk=document_id)
    changes = payload.model_dump(exclude={"reason"}, exclude_none=True)
    result = services.document_update_send(actor=request.auth, document=document, reason=payload.reason,
                                           changes=changes)
    return {"version_id": result.version.pk if result.version else None,
            "updated_deliveries": [i.pk for i in result.updated],
            "queued_outbox_items": [b.outbox_item_id for b in result.queued], "skipped": result.skipped}


@router.post("/documents/{document_id}/exchange-replace", response={200: ExchangeReplaceOut, **ERRORS},
             summary="Gửi văn bản thay thế (nghiệp vụ 3)",
             description="Gửi văn bản đi khác (đã ban hành, có số riêng) thay thế văn bản này đến mọi nơi nhận đã "
                         "nhận điện tử; gọi lại không gửi hai lần.")
def document_exchange_replace(request: HttpRequest, payload: ExchangeReplaceIn,
                              document_id: int = Path(..., ge=1, le=MAX_ID, description="Id của văn bản đi.")):
    document = document_get(user=request.auth, pk=document_id)
    replacement = document_get(user=request.auth, pk=payload.replacement_id)
    result = services.document_replace_send(actor=request.auth, document=document, replacement=replacement,
                                            reason=payload.reason)
    return {"deliveries": [i.pk for i in result.inbox_items], "outbox_items": [o.pk for o in result.outbox_items]}


@router.post("/outbox/{item_id}/recall", response={200: OutboxRecallOut, **ERRORS},
             summary="Đề nghị thu hồi văn bản đã gửi ra ngoài hệ thống (nghiệp vụ 1)",
             description="Gửi gói thu hồi kèm lý do qua liên thông; trạng thái 15/16 của nơi nhận được ghi lại khi về.")
def outbox_recall(request: HttpRequest, payload: RecallIn, item_id: int = Path(..., ge=1, le=MAX_ID)):
    item = selectors.outbox_item_get(user=request.auth, pk=item_id)
    item = services.outbox_recall_request(actor=request.auth, item=item, reason=payload.reason)
    return {"outbox_item_id": item.pk, "recall_state": item.recall_state, "recall_reason": item.recall_reason}


@router.get("/inbox/{item_id}/versions", response={200: list[VersionOut], **ERRORS},
            summary="Các phiên bản trước của văn bản điện tử đến",
            description="Mỗi lần nơi gửi cập nhật, phiên bản trước được giữ lại: thông tin và tệp.")
def inbox_versions(request: HttpRequest, item_id: int = ItemId):
    item = selectors.inbox_item_get(user=request.auth, pk=item_id)
    return [{"id": v.pk, "kind": v.kind, "reason": v.reason, "created_at": v.created_at, "values": v.values,
             "files": [f["name"] for f in v.files], "page_url": reverse("exchange:version_detail", kwargs={"pk": v.pk})}
            for v in item.versions.all()]
