"""Reads of the exchange queues. Only the clerks of an agency (and its admin standing in) see its queues."""

from dataclasses import dataclass

from django.db.models import QuerySet

from congvu.core.errors import NotFound, PermissionDenied
from congvu.documents.models import Document
from congvu.documents.selectors import visible_documents
from congvu.exchange.models import InboxItem, InboxStatus, OutboxItem, OutboxStatus, RecallState
from congvu.org.models import Membership, Role
from congvu.org.selectors import can_register


def agency_clerk_ids(agency_id: int) -> list[int]:
    """The clerks of an agency: who is told that a document arrived."""
    return sorted(set(Membership.objects.filter(agency_id=agency_id, role=Role.CLERK, active=True)
                      .values_list("official_id", flat=True)))


def inbox_queue(*, user, agency_id: int, status: str = InboxStatus.WAITING) -> QuerySet[InboxItem]:
    """The agency's documents received electronically in one status, newest first ("Văn bản điện tử chờ vào sổ")."""
    if not can_register(user, agency_id):
        raise PermissionDenied("Chỉ văn thư của cơ quan được xem văn bản điện tử đến.")
    if status not in InboxStatus.values:
        status = InboxStatus.WAITING
    return (InboxItem.objects.filter(agency_id=agency_id, status=status)
            .select_related("incoming_document").order_by("-pk"))


def inbox_waiting_count(*, user, agency_id: int) -> int:
    """The number beside "Văn bản điện tử đến" in the menu; 0 for those who do not register."""
    if not can_register(user, agency_id):
        return 0
    return InboxItem.objects.filter(agency_id=agency_id, status=InboxStatus.WAITING).count()


def inbox_item_get(*, user, pk: int) -> InboxItem:
    """One queue row if `user` is a clerk of the receiving agency; NotFound otherwise (for everybody else,
    including the sender, it does not exist)."""
    item = (InboxItem.objects.select_related("agency", "sender_agency", "incoming_document", "handled_by")
            .filter(pk=pk).first())
    if item is None or not can_register(user, item.agency_id):
        raise NotFound("Không tìm thấy văn bản điện tử đến.")
    return item


def outbox_queue(*, user, agency_id: int, status: str | None = OutboxStatus.WAITING) -> QuerySet[OutboxItem]:
    if not can_register(user, agency_id):
        raise PermissionDenied("Chỉ văn thư của cơ quan được xem văn bản chờ gửi.")
    qs = OutboxItem.objects.filter(agency_id=agency_id).select_related("document").order_by("-pk")
    if status:
        qs = qs.filter(status=status)
    return qs


def outbox_item_get(*, user, pk: int) -> OutboxItem:
    item = OutboxItem.objects.select_related("document").filter(pk=pk).first()
    if item is None or not can_register(user, item.agency_id):
        raise NotFound("Không tìm thấy văn bản chờ gửi.")
    return item


@dataclass
class Delivery:
    """How one recipient of an outgoing document got it, as the sender sees it."""

    name: str
    channel: str  # "electronic" | "exchange" | "post" | "none"
    status: str  # Vietnamese
    detail: str = ""


def deliveries(*, document: Document) -> list[Delivery]:
    """Per recipient of an outgoing document (already visible to the caller): delivered to a queue and what
    the receiving clerk did, waiting for exchange, posted, or not dispatched yet."""
    rows = []
    for r in document.recipients.select_related("inbox_item", "outbox_item", "inbox_item__incoming_document"):
        inbox = getattr(r, "inbox_item", None) if hasattr(r, "inbox_item") else None
        outbox = getattr(r, "outbox_item", None) if hasattr(r, "outbox_item") else None
        if inbox is not None:
            detail = ""
            if inbox.status == InboxStatus.RETURNED:
                detail = f"Lý do: {inbox.return_reason}"
            elif inbox.status == InboxStatus.REGISTERED and inbox.incoming_document_id:
                detail = f"Số đến {inbox.incoming_document.register_number}"
            status = {InboxStatus.WAITING: "Đã gửi điện tử, chờ vào sổ"}.get(inbox.status, inbox.get_status_display())
            rows.append(Delivery(r.name, "electronic", status, detail))
        elif outbox is not None:
            rows.append(Delivery(r.name, "post" if outbox.status == OutboxStatus.POSTED else "exchange",
                                 outbox.get_status_display()))
        else:  # dispatched on paper before (the date is set), or not yet
            rows.append(Delivery(r.name, "none", "Chưa gửi qua hệ thống" if document.dispatched_on
                                 else "Chưa phát hành"))
    return rows


def is_dispatched(*, document: Document) -> bool:
    """Every recipient has been sent the document (or queued for exchange)."""
    recipients = document.recipients.all()
    return all(hasattr(r, "inbox_item") or hasattr(r, "outbox_item")
               for r in recipients.select_related("inbox_item", "outbox_item"))


@dataclass
class DeliveryTimeline:
    """One internal recipient of an outgoing document and the statuses its agency reported, oldest first."""

    item: InboxItem
    name: str
    statuses: list
    recall_error: str = ""  # set by the page that failed to record a recall request

    @property
    def current(self):
        return self.statuses[-1] if self.statuses else None

    @property
    def recall_pending(self) -> bool:
        return self.item.recall_state == RecallState.REQUESTED

    @property
    def may_recall(self) -> bool:
        """The sender may ask to recall: delivered and not returned, withdrawn, recalled or already asked."""
        return (self.item.status in (InboxStatus.WAITING, InboxStatus.REGISTERED)
                and self.item.recall_state in ("", RecallState.REFUSED))


def _sender_document(user, document_id: int) -> Document:
    doc = visible_documents(user).filter(pk=document_id).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    return doc


def delivery_timelines(*, user, document: Document | int) -> list[DeliveryTimeline]:
    """Per recipient of an outgoing document in this deployment, the statuses flowing back (01 arrived,
    02 rejected, 03 registered, 04 assigned, 05 processing, 06 completed, 13/15/16 recall), for whoever may
    see the outgoing document; NotFound for anyone else (the receiving agency included)."""
    doc = _sender_document(user, document if isinstance(document, int) else document.pk)
    items = list(InboxItem.objects.filter(source_document_id=doc.pk).select_related("agency")
                 .prefetch_related("statuses").order_by("pk"))
    return [DeliveryTimeline(item=i, name=i.agency.name, statuses=list(i.statuses.all())) for i in items]


@dataclass
class ExternalDelivery:
    """One external recipient of an outgoing document (an outbox item) and its transmission to another system,
    if the connector planned one: state, attempts, next try, last error and the last status reported back."""

    item: OutboxItem
    transmission: object | None  # congvu.exchange.models.Transmission

    @property
    def name(self) -> str:
        return self.item.recipient_name


def external_deliveries(*, user, document: Document | int) -> list[ExternalDelivery]:
    """Per external recipient of an outgoing document, oldest first, for whoever may see the outgoing document;
    NotFound for anyone else (same visibility as `delivery_timelines`)."""
    doc = _sender_document(user, document if isinstance(document, int) else document.pk)
    items = (OutboxItem.objects.filter(document_id=doc.pk).select_related("transmission", "transmission__peer")
             .order_by("pk"))
    return [ExternalDelivery(item=i, transmission=getattr(i, "transmission", None)) for i in items]


def delivery_get(*, user, pk: int) -> InboxItem:
    """A delivery as its sender's clerk sees it (to ask for a recall); NotFound for everybody else."""
    item = InboxItem.objects.select_related("agency", "sender_agency").filter(pk=pk).first()
    if item is None or item.sender_agency_id is None or not can_register(user, item.sender_agency_id) \
            or not visible_documents(user).filter(pk=item.source_document_id).exists():
        raise NotFound("Không tìm thấy nơi nhận văn bản.")
    return item


def item_statuses(*, item: InboxItem) -> list:
    return list(item.statuses.order_by("created_at", "pk"))
