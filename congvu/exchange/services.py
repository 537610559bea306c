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
from congvu.documents.models import Channel, Direction, Document, DocumentStatus, Secrecy, StoredFile
from congvu.documents.selectors import visible_documents
from congvu.documents.services import IncomingData, document_update, incoming_register
from congvu.exchange.models import (
    BusinessSend,
    DeliveryVersion,
    InboxFile,
    InboxItem,
    InboxStatus,
    OutboxItem,
    OutboxStatus,
    RecallState,
    StatusCode,
    VersionKind,
)
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


def _receiving_agency(agency):
    """Where a delivery to `agency` goes: the agency itself, or, once it has ended (merged into another,
    congvu.staffing.reorg), the agency its identifier now means in the directory (an alias)."""
    today = timezone.localdate()
    if agency.active_to is None or today <= agency.active_to or not agency.identifier:
        return agency
    from congvu.exchange.directory import resolve_identifier

    entry = resolve_identifier(agency.identifier, on=today)
    return entry.agency if entry is not None and entry.agency_id else agency


def _deliver(document: Document, recipient, attachments, now) -> InboxItem:
    receiving = _receiving_agency(recipient.agency)
    item = InboxItem.objects.create(
        agency_id=receiving.pk, source_document=document, source_recipient=recipient,
        sender_agency_id=document.agency_id, exchange_document_id=exchange_document_id(document),
        sender_name=document.issuer[:200], number=document.number, notation=document.notation,
        issued_date=document.issued_date, doc_type_code=document.doc_type.code, doc_type_name=document.doc_type.name,
        subject=document.subject, signer=document.signer, signer_title=document.signer_title,
        urgency=document.urgency, due_date=document.due_date, pages=document.pages, delivered_at=now,
    )
    item.agency = receiving
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
        if locked.status == InboxStatus.REPLACED:
            raise Conflict("Nơi gửi đã thay thế văn bản này bằng văn bản khác; hãy vào sổ văn bản thay thế.",
                           code="wrong_state")
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
        if locked.status in (InboxStatus.WITHDRAWN, InboxStatus.REPLACED):
            raise Conflict("Nơi gửi đã thu hồi hoặc thay thế văn bản này.", code="wrong_state")
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
        if locked.status in (InboxStatus.RETURNED, InboxStatus.REPLACED):
            raise Conflict("Nơi nhận đã trả lại văn bản, hoặc văn bản đã được thay thế; không cần thu hồi.",
                           code="wrong_state")
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


# --- update and replace by the sender (QCVN 102 business 2 and 3; docs/decisions/0018) ------------------

# The sender's metadata an update may change: the number, notation and date of a document never change (a
# different number is a new document: a replacement).
UPDATE_FIELDS = ("subject", "signer", "signer_title", "urgency", "pages", "due_date")
# What an update changes on an incoming document already registered: the sender's own fields. The urgency and
# due date of an incoming document are the receiving clerk's decision and stay as registered.
INCOMING_UPDATE_FIELDS = ("subject", "signer", "signer_title", "pages")


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def item_values(item: InboxItem) -> dict:
    """The sender's metadata of a delivery, as a version keeps it."""
    return {"number": item.number, "notation": item.notation, "issued_date": _jsonable(item.issued_date),
            "doc_type_name": item.doc_type_name} | {f: _jsonable(getattr(item, f)) for f in UPDATE_FIELDS}


def update_fingerprint(*, values: dict, reason: str, file_hashes) -> str:
    import hashlib
    import json

    data = {"values": {k: _jsonable(values.get(k)) for k in UPDATE_FIELDS}, "reason": reason,
            "files": list(file_hashes)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _check_updatable(locked: InboxItem) -> None:
    if locked.recall_state == RecallState.ACCEPTED or locked.status == InboxStatus.WITHDRAWN:
        raise Conflict(f"Văn bản {locked.number_notation} đã được thu hồi tại {locked.agency.name}; "
                       "không cập nhật được văn bản đã thu hồi.", code="recalled")
    if locked.status == InboxStatus.RETURNED:
        raise Conflict(f"{locked.agency.name} đã trả lại văn bản {locked.number_notation}; không cập nhật được.",
                       code="wrong_state")
    if locked.status == InboxStatus.REPLACED:
        raise Conflict(f"Văn bản {locked.number_notation} đã được thay thế bằng văn bản khác; không cập nhật được.",
                       code="wrong_state")


def delivery_apply_update(*, item: InboxItem, values: dict, files, reason: str, actor=None, at=None,
                          fingerprint: str, kind: str = VersionKind.UPDATE) -> DeliveryVersion | None:
    """Apply the sender's update to a delivery, keeping the earlier version (a `DeliveryVersion`).

    `item` must be locked by the caller's transaction. `values`: the new sender metadata (`UPDATE_FIELDS`);
    `files`: the new files as (StoredFile, name) pairs, or None to keep them. Not yet registered: the queue row
    shows the new version. Registered: the incoming document's sender fields (`INCOMING_UPDATE_FIELDS`) and
    files are updated too, journaled as a correction (`document.update`, shown in the document's history) and
    as `document.updated_by_sender`. Returns None when this update (same fingerprint) was applied already.
    `kind` "replace": a replacement received in place (a business 3 package naming no other DocumentId).
    Raises Conflict for a recalled, returned or replaced delivery (nothing changed)."""
    from congvu.documents import search
    from congvu.documents.models import Attachment
    from congvu.documents.services import document_snapshot

    _check_updatable(item)
    if DeliveryVersion.objects.filter(item=item, fingerprint=fingerprint).exists():
        return None
    at = at or timezone.now()
    earlier_files = [{"file_id": f.file_id, "name": f.original_name} for f in item.files.all()]
    version = DeliveryVersion.objects.create(
        item=item, document_id=item.incoming_document_id, kind=VersionKind(kind), reason=reason,
        values=item_values(item), files=earlier_files, fingerprint=fingerprint, created_at=at, actor=actor)
    new_values = {k: v for k, v in values.items() if k in UPDATE_FIELDS}
    for key, value in new_values.items():
        setattr(item, key, value)
    item.sender_updated_at, item.sender_update_reason = at, reason
    item.save()
    files = list(files) if files is not None else None
    if files is not None:
        item.files.all().delete()
        InboxFile.objects.bulk_create([InboxFile(item=item, file=f, original_name=name[:255], position=i)
                                       for i, (f, name) in enumerate(files)])
    journal_record(actor=actor, agency_id=item.agency_id, action="exchange.updated_by_sender", obj=item,
                   before=version.values | {"files": [f["name"] for f in earlier_files]},
                   after={k: _jsonable(v) for k, v in new_values.items()} | {"reason": reason, "version_id": version.pk}
                   | ({"files": [name for _, name in files]} if files is not None else {}))
    url = reverse("exchange:inbox_detail", kwargs={"pk": item.pk})
    if item.incoming_document_id:
        doc = Document.objects.select_for_update().get(pk=item.incoming_document_id)
        before = document_snapshot(doc)
        for key in INCOMING_UPDATE_FIELDS:
            if key in new_values:
                setattr(doc, key, new_values[key])
        after = document_snapshot(doc)
        if after != before:
            doc.save()
            journal_record(actor=actor, agency_id=doc.agency_id, action="document.update", obj=doc,
                           before={k: v for k, v in before.items() if after[k] != v},
                           after={k: v for k, v in after.items() if before[k] != v})
        old_files = [(a.file_id, a.original_name) for a in doc.attachments.all()]
        if files is not None and old_files != [(f.pk, name) for f, name in files]:
            doc.attachments.all().delete()
            Attachment.objects.bulk_create([Attachment(document=doc, file=f, original_name=name[:255], position=i)
                                            for i, (f, name) in enumerate(files)])
        search.index_document(doc)
        journal_record(actor=actor, agency_id=doc.agency_id, action="document.updated_by_sender", obj=doc,
                       after={"sender": item.sender_name, "reason": reason, "version_id": version.pk,
                              "files_before": [name for _, name in old_files],
                              "files_after": [name for _, name in files] if files is not None else None})
        url = reverse("documents:detail", kwargs={"pk": doc.pk})
    notify(recipients=agency_clerk_ids(item.agency_id), agency_id=item.agency_id, kind="exchange.updated",
           title=f"{item.sender_name} cập nhật văn bản {item.number_notation}"[:300], body=f"Lý do: {reason}"[:1000],
           url=url, key=f"delivery-version:{version.pk}")
    return version


def delivery_mark_replaced(*, old: InboxItem, new: InboxItem, reason: str, actor=None, at=None) -> None:
    """`new` (a delivery of the replacing document) replaces `old`: a waiting `old` can no longer be registered
    (status "Đã được thay thế"); a registered one keeps its incoming document, which says it was replaced."""
    at = at or timezone.now()
    new.replaces, new.replace_reason = old, reason
    new.save(update_fields=["replaces", "replace_reason"])
    before = {"status": old.status}
    if old.status == InboxStatus.WAITING:
        old.status, old.handled_at = InboxStatus.REPLACED, at
        old.save(update_fields=["status", "handled_at"])
    journal_record(actor=actor, agency_id=old.agency_id, action="exchange.replaced_by_sender", obj=old, before=before,
                   after={"status": old.status, "replaced_by": new.pk, "reason": reason})
    if old.incoming_document_id:
        journal_record(actor=actor, agency_id=old.agency_id, action="document.replaced_by_sender",
                       obj=old.incoming_document, after={"sender": old.sender_name, "reason": reason,
                                                         "replacement": new.number_notation, "inbox_item_id": new.pk})
    notify(recipients=agency_clerk_ids(new.agency_id), agency_id=new.agency_id, kind="exchange.replaced",
           title=f"{new.sender_name}: văn bản {new.number_notation} thay thế văn bản {old.number_notation}"[:300],
           body=f"Lý do: {reason}"[:1000], url=reverse("exchange:inbox_detail", kwargs={"pk": new.pk}),
           key=f"inbox:{new.pk}:replaces")


def delivery_recall_received(*, item: InboxItem, reason: str, at=None) -> bool:
    """A recall request (business 1) received from another system for a delivery it sent us (locked by the caller):
    as `delivery_recall_request`, status 13 recorded and the clerks told. False when nothing changed (asked
    already, or already recalled: the same package twice)."""
    if item.recall_state in (RecallState.REQUESTED, RecallState.ACCEPTED) or item.status == InboxStatus.WITHDRAWN:
        return False
    if item.status in (InboxStatus.RETURNED, InboxStatus.REPLACED):
        raise Conflict(f"Văn bản {item.number_notation} đã được trả lại hoặc thay thế; không cần thu hồi.",
                       code="wrong_state")
    before = {"recall_state": item.recall_state}
    item.recall_state, item.recall_reason = RecallState.REQUESTED, reason
    item.save(update_fields=["recall_state", "recall_reason"])
    row = status_record(item=item, code=StatusCode.RECALL_REQUESTED, at=at, agency_id=item.sender_agency_id,
                        description=f"Đề nghị thu hồi: {reason}")
    journal_record(actor=None, agency_id=item.agency_id, action="exchange.recall_requested", obj=item,
                   before=before, after={"recall_state": item.recall_state, "reason": reason})
    notify(recipients=agency_clerk_ids(item.agency_id), agency_id=item.agency_id, kind="exchange.recall_requested",
           title=f"{item.sender_name} đề nghị thu hồi văn bản {item.number_notation}"[:300],
           body=f"Lý do: {reason}"[:1000], url=reverse("exchange:inbox_detail", kwargs={"pk": item.pk}),
           key=f"exchange-status:{row.pk}")
    return True


def _sender_document_locked(actor, document: Document, *, what: str) -> Document:
    doc = visible_documents(actor).filter(pk=document.pk).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    if not can_register(actor, doc.agency_id):
        raise PermissionDenied(f"Chỉ văn thư của cơ quan ban hành được gửi {what}.")
    locked = Document.objects.select_for_update().select_related("agency", "doc_type").get(pk=doc.pk)
    if locked.direction != Direction.OUTGOING or locked.status not in (DocumentStatus.ISSUED,
                                                                       DocumentStatus.DISPATCHED):
        raise ValidationFailed(f"Chỉ gửi {what} cho văn bản đi đã ban hành.")
    return locked


def _live_deliveries(document_id: int):
    """The internal deliveries an update or replacement reaches: not returned, withdrawn, replaced or recalled."""
    return (InboxItem.objects.select_for_update(of=("self",)).select_related("agency")
            .filter(source_document_id=document_id, status__in=(InboxStatus.WAITING, InboxStatus.REGISTERED))
            .exclude(recall_state=RecallState.ACCEPTED).order_by("pk"))


def _sent_outbox(document_id: int):
    """The external recipients a document was transmitted to (not recalled)."""
    return (OutboxItem.objects.select_for_update(of=("self",)).select_related("recipient")
            .filter(document_id=document_id, status=OutboxStatus.SENT).exclude(recall_state=RecallState.ACCEPTED)
            .order_by("pk"))


@dataclass
class UpdateResult:
    version: DeliveryVersion | None = None
    updated: list[InboxItem] = field(default_factory=list)  # internal deliveries updated at once
    queued: list[BusinessSend] = field(default_factory=list)  # update packages for external recipients
    skipped: list[str] = field(default_factory=list)  # recipients not updated (recalled…), with why


def _document_values(document: Document) -> dict:
    return {f: getattr(document, f) for f in UPDATE_FIELDS}


def document_update_send(*, actor, document: Document, reason: str, changes: dict | None = None,
                         uploads=()) -> UpdateResult:
    """The issuing clerk corrects an issued outgoing document that was sent electronically (a typo in the
    subject, a replaced attachment) and sends the update (QCVN 102 business 2) with a reason.

    `changes`: new values of `UPDATE_FIELDS` (validated as a registry correction, `document_update`);
    `uploads`: if given, the document's files become these. The earlier version is kept on the sender's side
    (`DeliveryVersion` of the outgoing document; its files stay stored). Internal recipients get the update at
    once (`delivery_apply_update`); each external recipient the document was transmitted to gets an update
    package through the connector (`BusinessSend`). Recipients that recalled or returned it are skipped; if no
    recipient is left the update is refused and nothing changes."""
    from congvu.documents import files as file_store
    from congvu.documents import search
    from congvu.documents.models import Attachment
    from congvu.documents.services import document_update

    reason = _reason(reason, label="lý do cập nhật")
    changes = {k: v for k, v in (changes or {}).items() if v is not None}
    unknown = set(changes) - set(UPDATE_FIELDS)
    if unknown:
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    prepared = []
    written: list[str] = []
    try:
        for upload in uploads or ():
            prepared.append(file_store.prepare_upload(upload))
        with transaction.atomic():
            locked = _sender_document_locked(actor, document, what="cập nhật")
            items = list(_live_deliveries(locked.pk))
            outs = list(_sent_outbox(locked.pk))
            result = UpdateResult()
            result.skipped = [f"{i.agency.name}: {i.get_status_display().lower()}" + (
                ", đã thu hồi" if i.recall_state == RecallState.ACCEPTED else "")
                for i in InboxItem.objects.filter(source_document_id=locked.pk).select_related("agency")
                .exclude(pk__in=[i.pk for i in items])]
            if not items and not outs:
                raise ValidationFailed("Văn bản chưa được gửi điện tử đến nơi nhận nào, hoặc mọi nơi nhận đã trả lại "
                                       "hay đã thu hồi; không có nơi nào để gửi cập nhật.")
            earlier = _document_values(locked)
            earlier_files = list(locked.attachments.select_related("file"))
            if changes:
                document_update(actor=actor, document=locked, changes=changes)
            doc = Document.objects.select_related("agency", "doc_type").get(pk=locked.pk)
            if prepared:
                stored = []
                for p in prepared:
                    row = StoredFile.objects.filter(sha256=p.sha256).first()
                    if row is None:
                        text = file_store.extract_text(p.temp_path, p.content_type)
                        row = StoredFile.objects.create(sha256=p.sha256, size=p.size, content_type=p.content_type,
                                                        path=file_store.storage_relpath(p.sha256), text=text)
                        written.append(file_store.put_file(p))
                    stored.append((row, p.original_name))
                if [(a.file_id, a.original_name) for a in earlier_files] != [(f.pk, n) for f, n in stored]:
                    doc.attachments.all().delete()
                    Attachment.objects.bulk_create([Attachment(document=doc, file=f, original_name=n[:255], position=i)
                                                    for i, (f, n) in enumerate(stored)])
                    search.index_document(doc)
            files = [(a.file, a.original_name) for a in doc.attachments.select_related("file")]
            new_values = _document_values(doc)
            files_changed = [(a.file_id, a.original_name) for a in earlier_files] != [(f.pk, n) for f, n in files]
            if new_values == earlier and not files_changed:
                raise ValidationFailed("Không có thông tin hay tệp nào thay đổi; sửa trích yếu, người ký… hoặc chọn "
                                       "tệp mới trước khi gửi cập nhật.")
            fingerprint = update_fingerprint(values=new_values, reason=reason, file_hashes=[f.sha256 for f, _ in files])
            now = timezone.now()
            result.version = DeliveryVersion.objects.create(
                document=doc, kind=VersionKind.UPDATE, reason=reason,
                values={k: _jsonable(v) for k, v in earlier.items()},
                files=[{"file_id": a.file_id, "name": a.original_name} for a in earlier_files],
                fingerprint=fingerprint, created_at=now, actor=actor)
            for item in items:
                if delivery_apply_update(item=item, values=new_values, files=files if files_changed else None,
                                         reason=reason, actor=actor, at=now, fingerprint=fingerprint):
                    result.updated.append(item)
            for out in outs:
                result.queued.append(BusinessSend.objects.create(outbox_item=out, business=2, reason=reason,
                                                                 next_attempt_at=now))
            journal_record(actor=actor, agency_id=doc.agency_id, action="document.update_sent", obj=doc,
                           before={k: _jsonable(v) for k, v in earlier.items() if new_values[k] != v}
                           | ({"files": [a.original_name for a in earlier_files]} if files_changed else {}),
                           after={k: _jsonable(v) for k, v in new_values.items() if earlier[k] != v}
                           | ({"files": [n for _, n in files]} if files_changed else {})
                           | {"reason": reason, "recipients": [i.agency.name for i in result.updated]
                              + [o.recipient_name for o in outs]})
            return result
    except BaseException:
        for rel in written:
            file_store.storage_path(rel.rsplit("/", 1)[-1]).unlink(missing_ok=True)
        raise
    finally:
        for p in prepared:
            file_store.discard(p)


def _recipient_like(document: Document, *, agency_id: int | None, name: str):
    """The replacing document's recipient row for the same recipient (created when its list lacks it)."""
    from django.db.models import Max

    from congvu.documents.models import Recipient

    qs = document.recipients.filter(agency_id=agency_id) if agency_id else document.recipients.filter(
        agency__isnull=True, name__iexact=name)
    row = qs.order_by("pk").first()
    if row is None:
        position = (document.recipients.aggregate(m=Max("position"))["m"] or 0) + 1
        row = Recipient.objects.create(document=document, agency_id=agency_id, name=name[:300], position=position)
    return row


@dataclass
class ReplaceResult:
    inbox_items: list[InboxItem] = field(default_factory=list)
    outbox_items: list[OutboxItem] = field(default_factory=list)


def document_replace_send(*, actor, document: Document, replacement: Document, reason: str) -> ReplaceResult:
    """The issuing clerk sends `replacement` (another issued outgoing document of the agency, with its own number)
    in place of `document` to every recipient `document` was sent to electronically (QCVN 102 business 3), with
    a reason. Internal recipients get a new delivery at once that says what it replaces (the earlier one, still
    waiting, can no longer be registered; a registered one keeps its incoming document, marked replaced);
    external recipients get a new outbox item whose package carries business 3 and the replaced DocumentId.
    Idempotent per recipient."""
    reason = _reason(reason, label="lý do thay thế")
    with transaction.atomic():
        old = _sender_document_locked(actor, document, what="văn bản thay thế")
        new = _sender_document_locked(actor, replacement, what="văn bản thay thế")
        if new.pk == old.pk:
            raise ValidationFailed("Văn bản thay thế phải là văn bản khác.",
                                   fields={"replacement": "Chọn văn bản khác."})
        if new.agency_id != old.agency_id:
            raise ValidationFailed("Văn bản thay thế phải do cùng cơ quan ban hành.",
                                   fields={"replacement": "Chọn văn bản của cơ quan."})
        if new.secrecy != Secrecy.NORMAL:
            raise ValidationFailed("Văn bản mật không được gửi qua mạng.", fields={"replacement": "Văn bản mật."})
        # Live deliveries, and those already replaced (skipped below: calling again does nothing twice).
        items = list(_live_deliveries(old.pk)) + list(
            InboxItem.objects.select_related("agency").filter(source_document_id=old.pk, status=InboxStatus.REPLACED))
        outs = list(_sent_outbox(old.pk))
        if not items and not outs:
            raise ValidationFailed("Văn bản chưa được gửi điện tử đến nơi nhận nào, hoặc mọi nơi nhận đã trả lại "
                                   "hay đã thu hồi; không có nơi nào để gửi văn bản thay thế.")
        result = ReplaceResult()
        now = timezone.now()
        files = list(new.attachments.select_related("file"))
        for item in items:
            if InboxItem.objects.filter(replaces=item).exists():
                continue
            rcpt = _recipient_like(new, agency_id=item.agency_id, name=item.agency.name)
            fresh = InboxItem.objects.filter(source_recipient=rcpt).first() or _deliver(new, rcpt, files, now)
            delivery_mark_replaced(old=item, new=fresh, reason=reason, actor=actor, at=now)
            journal_record(actor=actor, agency_id=fresh.agency_id, action="exchange.receive", obj=fresh,
                           after={"sender": fresh.sender_name, "number_notation": fresh.number_notation,
                                  "subject": fresh.subject[:500], "replaces": item.pk})
            result.inbox_items.append(fresh)
        for out in outs:
            if OutboxItem.objects.filter(replaces=out).exists():
                continue
            rcpt = _recipient_like(new, agency_id=out.recipient.agency_id, name=out.recipient_name)
            existing = OutboxItem.objects.filter(recipient=rcpt).first()
            if existing is not None:
                existing.replaces, existing.replace_reason = out, reason
                existing.save(update_fields=["replaces", "replace_reason"])
                result.outbox_items.append(existing)
                continue
            result.outbox_items.append(OutboxItem.objects.create(
                agency_id=new.agency_id, document=new, recipient=rcpt, recipient_name=rcpt.name[:300],
                created_by=actor, status=OutboxStatus.WAITING, replaces=out, replace_reason=reason))
        if new.dispatched_on is None:
            document_update(actor=actor, document=new, changes={"dispatched_on": timezone.localdate()})
        journal_record(actor=actor, agency_id=old.agency_id, action="document.replace_sent", obj=old,
                       after={"replacement": new.number_notation, "replacement_id": new.pk, "reason": reason,
                              "recipients": [i.agency.name for i in result.inbox_items]
                              + [o.recipient_name for o in result.outbox_items]})
        journal_record(actor=actor, agency_id=new.agency_id, action="document.dispatch", obj=new, after={
            "electronic": [i.agency.name for i in result.inbox_items],
            "outbox": [o.recipient_name for o in result.outbox_items], "replaces": old.number_notation})
        return result


def outbox_recall_request(*, actor, item: OutboxItem, reason: str) -> OutboxItem:
    """The sender's clerk asks an external recipient the document was transmitted to to give it back: a recall
    package (business 1 with the reason) goes through the connector; the recipient's 15/16 come back as status
    packages (`connector._receive_status`)."""
    reason = _reason(reason, label="lý do thu hồi")
    if not can_register(actor, item.agency_id) or not visible_documents(actor).filter(pk=item.document_id).exists():
        raise NotFound("Không tìm thấy nơi nhận văn bản.")
    with transaction.atomic():
        locked = OutboxItem.objects.select_for_update().get(pk=item.pk)
        if locked.recall_state == RecallState.REQUESTED:
            return locked
        if locked.recall_state == RecallState.ACCEPTED:
            raise Conflict("Văn bản đã được thu hồi.", code="wrong_state")
        if locked.status != OutboxStatus.SENT:
            raise Conflict("Văn bản chưa được truyền liên thông đến nơi nhận này; chưa có gì để thu hồi.",
                           code="wrong_state")
        before = {"recall_state": locked.recall_state}
        locked.recall_state, locked.recall_reason = RecallState.REQUESTED, reason
        locked.save(update_fields=["recall_state", "recall_reason"])
        BusinessSend.objects.create(outbox_item=locked, business=1, reason=reason, next_attempt_at=timezone.now())
        journal_record(actor=actor, agency_id=locked.agency_id, action="exchange.recall_request",
                       obj=locked.document, before=before,
                       after={"recipient": locked.recipient_name, "outbox_item_id": locked.pk, "reason": reason})
        return locked
