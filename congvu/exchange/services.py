"""Sending issued documents to their recipients and receiving them on the other side.

- `document_dispatch`: recipients inside this deployment get the document at once in their agency's
  queue of documents received electronically; external recipients are recorded in the outbox, to be
  sent by electronic exchange (QCVN 102) or marked as sent by post.
- `inbox_register`: the receiving clerk registers a queued document as incoming (channel electronic),
  reusing the stored files; `inbox_return`: the clerk returns it through the system with a reason.

Each is one transaction that locks the row it changes, so a double click or a retry does nothing twice.
"""

from dataclasses import dataclass, field, replace

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Channel, Direction, Document, Secrecy
from congvu.documents.selectors import visible_documents
from congvu.documents.services import IncomingData, document_update, incoming_register
from congvu.exchange.models import InboxFile, InboxItem, InboxStatus, OutboxItem, OutboxStatus, RecallState, StatusCode
from congvu.exchange.selectors import agency_clerk_ids
from congvu.exchange.statuses import status_record
from congvu.notifications.services import notify
from congvu.org.selectors import can_register


@dataclass
class DispatchResult:
    inbox_items: list[InboxItem] = field(default_factory=list)  # created by this call
    outbox_items: list[OutboxItem] = field(default_factory=list)  # created by this call

    @property
    def created(self) -> int:
        return len(self.inbox_items) + len(self.outbox_items)


def exchange_document_id(document: Document) -> str:
    """The edXML DocumentId of an outgoing document: "<OrganId>,<yyyy/MM/dd>,<number>/<notation>"
    (QCVN 102:2016, MessageHeader 1.14)."""
    issued = document.issued_date.strftime("%Y/%m/%d") if document.issued_date else ""
    return f"{document.agency.identifier},{issued},{document.number_notation}"[:120]


def document_dispatch(*, actor, document: Document, by_post: bool = False) -> DispatchResult:
    """Send an issued outgoing document to its recipients (Decree 30 Art. 16: dispatch).

    Recipients that are agencies of this deployment get an `InboxItem` in their agency at once; the
    others get an `OutboxItem`: waiting for electronic exchange, or sent by post when `by_post`. A secret
    document never travels electronically (QĐ 28/2018): it is dispatched by post only, every recipient
    included. The document's dispatch date is set to today if it had none.

    Idempotent: a recipient that already has its item gets nothing new, so calling again (a double click,
    a retry) creates nothing twice. Only the issuing agency's clerk dispatches.
    """
    doc = visible_documents(actor).filter(pk=document.pk).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    if not can_register(actor, doc.agency_id):
        raise PermissionDenied("Chỉ văn thư của cơ quan được phát hành văn bản.")
    if doc.direction != Direction.OUTGOING:
        raise ValidationFailed("Chỉ phát hành văn bản đi.")
    if doc.secrecy != Secrecy.NORMAL and not by_post:
        raise ValidationFailed("Văn bản mật không được gửi qua mạng; chọn gửi qua bưu điện.",
                               fields={"by_post": "Văn bản mật chỉ gửi bản giấy."})
    result = DispatchResult()
    with transaction.atomic():
        locked = Document.objects.select_for_update().select_related("agency", "doc_type").get(pk=doc.pk)
        recipients = list(locked.recipients.select_related("agency", "inbox_item", "outbox_item"))
        now = timezone.now()
        electronic_files = None
        for r in recipients:
            if hasattr(r, "inbox_item") or hasattr(r, "outbox_item"):
                continue
            if r.agency_id and locked.secrecy == Secrecy.NORMAL and r.agency_id != locked.agency_id:
                if electronic_files is None:
                    electronic_files = list(locked.attachments.select_related("file"))
                result.inbox_items.append(_deliver(locked, r, electronic_files, now))
            else:
                result.outbox_items.append(OutboxItem.objects.create(
                    agency_id=locked.agency_id, document=locked, recipient=r, recipient_name=r.name[:300],
                    created_by=actor, status=OutboxStatus.POSTED if by_post else OutboxStatus.WAITING,
                    posted_at=now if by_post else None, posted_by=actor if by_post else None))
        if not result.created:
            return result
        if locked.dispatched_on is None:
            document_update(actor=actor, document=locked, changes={"dispatched_on": timezone.localdate()})
        journal_record(actor=actor, agency_id=locked.agency_id, action="document.dispatch", obj=locked, after={
            "electronic": [i.agency.name for i in result.inbox_items],
            "outbox": [o.recipient_name for o in result.outbox_items if o.status == OutboxStatus.WAITING],
            "post": [o.recipient_name for o in result.outbox_items if o.status == OutboxStatus.POSTED],
        })
        for item in result.inbox_items:
            journal_record(actor=actor, agency_id=item.agency_id, action="exchange.receive", obj=item,
                           after={"sender": item.sender_name, "number_notation": item.number_notation,
                                  "subject": item.subject[:500]})
            notify(recipients=agency_clerk_ids(item.agency_id), agency_id=item.agency_id, kind="exchange.received",
                   title=f"Văn bản điện tử đến: {item.number_notation} của {item.sender_name}"[:300],
                   body=item.subject[:1000], url=reverse("exchange:inbox_detail", kwargs={"pk": item.pk}),
                   key=f"inbox:{item.pk}:received")
    return result


def _deliver(document: Document, recipient, attachments, now) -> InboxItem:
    item = InboxItem.objects.create(
        agency_id=recipient.agency_id, source_document=document, source_recipient=recipient,
        sender_agency_id=document.agency_id, exchange_document_id=exchange_document_id(document),
        sender_name=document.issuer[:200], number=document.number, notation=document.notation,
        issued_date=document.issued_date, doc_type_code=document.doc_type.code, doc_type_name=document.doc_type.name,
        subject=document.subject, signer=document.signer, signer_title=document.signer_title,
        urgency=document.urgency, due_date=document.due_date, pages=document.pages, delivered_at=now,
    )
    item.agency = recipient.agency
    InboxFile.objects.bulk_create([InboxFile(item=item, file=a.file, original_name=a.original_name, position=i)
                                   for i, a in enumerate(attachments)])
    status_record(item=item, code=StatusCode.ARRIVED, at=now)
    return item


def outbox_mark_posted(*, actor, item: OutboxItem) -> OutboxItem:
    """The clerk records that an external recipient waiting for electronic exchange was sent the paper copy."""
    if not can_register(actor, item.agency_id):
        raise NotFound("Không tìm thấy văn bản chờ gửi.")
    with transaction.atomic():
        locked = OutboxItem.objects.select_for_update().get(pk=item.pk)
        if locked.status == OutboxStatus.POSTED:
            return locked
        locked.status, locked.posted_at, locked.posted_by = OutboxStatus.POSTED, timezone.now(), actor
        locked.save()
        journal_record(actor=actor, agency_id=locked.agency_id, action="exchange.posted", obj=locked,
                       before={"status": OutboxStatus.WAITING}, after={"status": OutboxStatus.POSTED,
                                                                       "recipient": locked.recipient_name})
        return locked


# --- the receiving clerk -----------------------------------------------------------------------

def _locked_item(actor, item: InboxItem) -> InboxItem:
    """The queue row, locked, if `actor` is a clerk of the receiving agency; NotFound otherwise."""
    if not can_register(actor, item.agency_id):
        raise NotFound("Không tìm thấy văn bản điện tử đến.")
    return InboxItem.objects.select_for_update().select_related("agency").get(pk=item.pk)


def incoming_data_of(item: InboxItem) -> IncomingData:
    """The registration an inbox item pre-fills: the sender's metadata, received electronically."""
    return IncomingData(
        issuer=item.sender_name, number=item.number, notation=item.notation, issued_date=item.issued_date,
        doc_type=item.doc_type_code, subject=item.subject, signer=item.signer, signer_title=item.signer_title,
        urgency=item.urgency, pages=item.pages, due_date=item.due_date, channel=Channel.ELECTRONIC,
        received_at=item.delivered_at,
    )


# What the receiving clerk may set on registration; the sender's metadata stays as delivered.
REGISTRATION_FIELDS = ("urgency", "due_date", "receiving_department_id", "receiving_official_id", "notes",
                       "doc_type", "subject")


def inbox_register(*, actor, item: InboxItem, changes: dict | None = None, allow_duplicate: bool = False) -> Document:
    """Register a document received electronically as incoming, in the receiving agency's register, with
    the sender's files (not copied), and link the queue row to it.

    `changes` may set the fields of `REGISTRATION_FIELDS` (unit and person it goes to, due date, notes…).
    Idempotent: once registered, calling again returns the same document. A returned item cannot be
    registered. Raises DuplicateSuspected like any registration (e.g. the paper copy was registered).
    """
    unknown = set(changes or {}) - set(REGISTRATION_FIELDS)
    if unknown:
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    with transaction.atomic():
        locked = _locked_item(actor, item)
        if locked.status == InboxStatus.REGISTERED:
            return locked.incoming_document
        if locked.status == InboxStatus.RETURNED:
            raise Conflict("Văn bản này đã được trả lại cho nơi gửi.", code="wrong_state")
        if locked.status == InboxStatus.WITHDRAWN:
            raise Conflict("Nơi gửi đã thu hồi văn bản này.", code="wrong_state")
        data = replace(incoming_data_of(locked), **(changes or {}))
        files = [(f.file, f.original_name) for f in locked.files.select_related("file")]
        document = incoming_register(actor=actor, agency=locked.agency, data=data, stored_files=files,
                                     allow_duplicate=allow_duplicate)
        locked.status, locked.incoming_document = InboxStatus.REGISTERED, document
        locked.handled_by, locked.handled_at = actor, timezone.now()
        locked.save()
        status_record(item=locked, code=StatusCode.REGISTERED, actor=actor, at=locked.handled_at,
                      description=f"Đã vào sổ văn bản đến, số đến {document.register_number}")
        journal_record(actor=actor, agency_id=locked.agency_id, action="exchange.register", obj=locked,
                       before={"status": InboxStatus.WAITING},
                       after={"status": locked.status, "document_id": document.pk,
                              "register_number": document.register_number})
        return document


def inbox_return(*, actor, item: InboxItem, reason: str) -> InboxItem:
    """Return a document received electronically to its sender (wrong addressee, unreadable, invalid…),
    with the reason, which the sender's clerks are told (Decree 30 Art. 21: return through the system)."""
    reason = "\n".join(" ".join(line.split()) for line in str(reason or "").splitlines()).strip()
    if not reason:
        raise ValidationFailed("Vui lòng ghi lý do trả lại.", fields={"reason": "Vui lòng ghi lý do trả lại."})
    if len(reason) > 2000:
        raise ValidationFailed("Lý do dài quá 2000 ký tự.", fields={"reason": "Dài quá 2000 ký tự."})
    with transaction.atomic():
        locked = _locked_item(actor, item)
        if locked.status == InboxStatus.RETURNED:
            return locked
        if locked.status == InboxStatus.REGISTERED:
            raise Conflict("Văn bản đã được vào sổ, không trả lại được.", code="wrong_state")
        if locked.status == InboxStatus.WITHDRAWN:
            raise Conflict("Nơi gửi đã thu hồi văn bản này.", code="wrong_state")
        locked.status, locked.return_reason = InboxStatus.RETURNED, reason
        locked.handled_by, locked.handled_at = actor, timezone.now()
        locked.save()
        status_record(item=locked, code=StatusCode.REJECTED, actor=actor, at=locked.handled_at,
                      description=f"Từ chối: {reason}")
        journal_record(actor=actor, agency_id=locked.agency_id, action="exchange.return", obj=locked,
                       before={"status": InboxStatus.WAITING}, after={"status": locked.status, "reason": reason})
        if locked.sender_agency_id and locked.source_document_id:
            journal_record(actor=actor, agency_id=locked.sender_agency_id, action="document.returned_by_recipient",
                           obj=locked.source_document, after={"recipient": locked.agency.name, "reason": reason})
            people = set(agency_clerk_ids(locked.sender_agency_id))
            draft_author = _draft_author_of(locked.source_document_id)
            if draft_author:
                people.add(draft_author)
            notify(recipients=sorted(people), agency_id=locked.sender_agency_id, kind="exchange.returned",
                   title=f"{locked.agency.name} trả lại văn bản {locked.number_notation}"[:300],
                   body=f"Lý do: {reason}",
                   url=reverse("documents:detail", kwargs={"pk": locked.source_document_id}),
                   key=f"inbox:{locked.pk}:returned")
        return locked


def _draft_author_of(document_id: int) -> int | None:
    from congvu.drafting.models import Draft

    return Draft.objects.filter(document_id=document_id).values_list("author_id", flat=True).first()


# --- recall (QCVN 102 business 1; statuses 13, 15, 16) ------------------------------------------------

def _reason(value, *, label: str, required: bool = True) -> str:
    reason = "\n".join(" ".join(line.split()) for line in str(value or "").splitlines()).strip()
    if required and not reason:
        raise ValidationFailed(f"Vui lòng ghi {label}.", fields={"reason": f"Vui lòng ghi {label}."})
    if len(reason) > 2000:
        raise ValidationFailed("Lý do dài quá 2000 ký tự.", fields={"reason": "Dài quá 2000 ký tự."})
    return reason


def delivery_recall_request(*, actor, item: InboxItem, reason: str) -> InboxItem:
    """The sender's clerk asks the receiving agency to give back (recall) a delivered document, with a reason:
    status 13; the receiving clerks are told and accept (15) or refuse (16).

    Only a clerk of the sending agency asks (NotFound for anybody else). A returned or withdrawn delivery,
    or one whose recall was accepted, cannot be recalled; asking again while a request waits does nothing."""
    reason = _reason(reason, label="lý do thu hồi")
    if item.sender_agency_id is None or not can_register(actor, item.sender_agency_id) \
            or not visible_documents(actor).filter(pk=item.source_document_id).exists():
        raise NotFound("Không tìm thấy nơi nhận văn bản.")
    with transaction.atomic():
        locked = (InboxItem.objects.select_for_update(of=("self",)).select_related("agency", "sender_agency")
                  .get(pk=item.pk))
        if locked.recall_state == RecallState.REQUESTED:
            return locked
        if locked.recall_state == RecallState.ACCEPTED or locked.status == InboxStatus.WITHDRAWN:
            raise Conflict("Văn bản đã được thu hồi.", code="wrong_state")
        if locked.status == InboxStatus.RETURNED:
            raise Conflict("Nơi nhận đã trả lại văn bản; không cần thu hồi.", code="wrong_state")
        before = {"recall_state": locked.recall_state}
        locked.recall_state, locked.recall_reason = RecallState.REQUESTED, reason
        locked.save(update_fields=["recall_state", "recall_reason"])
        row = status_record(item=locked, code=StatusCode.RECALL_REQUESTED, actor=actor,
                            agency_id=locked.sender_agency_id, description=f"Đề nghị thu hồi: {reason}")
        journal_record(actor=actor, agency_id=locked.sender_agency_id, action="exchange.recall_request",
                       obj=locked.source_document, before=before,
                       after={"recipient": locked.agency.name, "inbox_item_id": locked.pk, "reason": reason})
        journal_record(actor=actor, agency_id=locked.agency_id, action="exchange.recall_requested", obj=locked,
                       before=before, after={"recall_state": locked.recall_state, "reason": reason})
        notify(recipients=agency_clerk_ids(locked.agency_id), agency_id=locked.agency_id,
               kind="exchange.recall_requested",
               title=f"{locked.sender_name} đề nghị thu hồi văn bản {locked.number_notation}"[:300],
               body=f"Lý do: {reason}", url=reverse("exchange:inbox_detail", kwargs={"pk": locked.pk}),
               key=f"exchange-status:{row.pk}")
        return locked


def _recall_decision_locked(actor, item: InboxItem) -> InboxItem | None:
    """The delivery locked for the receiving clerk's decision; None when it was already decided as asked."""
    locked = _locked_item(actor, item)
    if locked.recall_state != RecallState.REQUESTED:
        raise Conflict("Không có đề nghị thu hồi nào đang chờ quyết định.", code="wrong_state")
    return locked


def _tell_sender(locked: InboxItem, *, kind: str, title: str, body: str, key: str) -> None:
    if not (locked.sender_agency_id and locked.source_document_id):
        return
    notify(recipients=agency_clerk_ids(locked.sender_agency_id), agency_id=locked.sender_agency_id, kind=kind,
           title=title[:300], body=body[:1000],
           url=reverse("exchange:document_statuses", kwargs={"pk": locked.source_document_id}), key=key)


def delivery_recall_accept(*, actor, item: InboxItem, note: str = "") -> InboxItem:
    """The receiving clerk accepts the sender's recall (status 15). Not yet registered: the delivery is
    withdrawn from the queue. Registered: the incoming document is kept, the delivery is marked recalled and
    the document's journal says so. Only a clerk of the receiving agency decides (NotFound otherwise)."""
    note = _reason(note, label="ghi chú", required=False)
    with transaction.atomic():
        locked = _locked_item(actor, item)
        if locked.recall_state == RecallState.ACCEPTED:
            return locked
        locked = _recall_decision_locked(actor, locked)
        now = timezone.now()
        before = {"status": locked.status, "recall_state": locked.recall_state}
        locked.recall_state, locked.recalled_at = RecallState.ACCEPTED, now
        if locked.status == InboxStatus.WAITING:
            locked.status, locked.handled_by, locked.handled_at = InboxStatus.WITHDRAWN, actor, now
        locked.save()
        text = "Đồng ý thu hồi" + (": văn bản đã vào sổ được đánh dấu đã thu hồi" if locked.incoming_document_id
                                   else ": văn bản được rút khỏi danh sách chờ vào sổ")
        row = status_record(item=locked, code=StatusCode.RECALL_ACCEPTED, actor=actor, at=now,
                            description=text + (f". {note}" if note else ""))
        journal_record(actor=actor, agency_id=locked.agency_id, action="exchange.recall_accept", obj=locked,
                       before=before, after={"status": locked.status, "recall_state": locked.recall_state,
                                             "note": note})
        if locked.incoming_document_id:
            journal_record(actor=actor, agency_id=locked.agency_id, action="document.recalled",
                           obj=locked.incoming_document, after={"sender": locked.sender_name,
                                                                "reason": locked.recall_reason, "note": note})
        if locked.sender_agency_id and locked.source_document_id:
            journal_record(actor=actor, agency_id=locked.sender_agency_id, action="document.recall_accepted",
                           obj=locked.source_document, after={"recipient": locked.agency.name, "note": note})
        _tell_sender(locked, kind="exchange.recall_accepted",
                     title=f"{locked.agency.name} đồng ý thu hồi văn bản {locked.number_notation}",
                     body=note, key=f"exchange-status:{row.pk}")
        return locked


def delivery_recall_refuse(*, actor, item: InboxItem, reason: str) -> InboxItem:
    """The receiving clerk refuses the sender's recall, with a reason (status 16); the delivery stays as it
    was and the sender may ask again. Only a clerk of the receiving agency decides (NotFound otherwise)."""
    reason = _reason(reason, label="lý do từ chối thu hồi")
    with transaction.atomic():
        locked = _recall_decision_locked(actor, item)
        before = {"recall_state": locked.recall_state}
        locked.recall_state = RecallState.REFUSED
        locked.save(update_fields=["recall_state"])
        row = status_record(item=locked, code=StatusCode.RECALL_REFUSED, actor=actor,
                            description=f"Từ chối thu hồi: {reason}")
        journal_record(actor=actor, agency_id=locked.agency_id, action="exchange.recall_refuse", obj=locked,
                       before=before, after={"recall_state": locked.recall_state, "reason": reason})
        if locked.sender_agency_id and locked.source_document_id:
            journal_record(actor=actor, agency_id=locked.sender_agency_id, action="document.recall_refused",
                           obj=locked.source_document, after={"recipient": locked.agency.name, "reason": reason})
        _tell_sender(locked, kind="exchange.recall_refused",
                     title=f"{locked.agency.name} từ chối thu hồi văn bản {locked.number_notation}",
                     body=f"Lý do: {reason}", key=f"exchange-status:{row.pk}")
        return locked
