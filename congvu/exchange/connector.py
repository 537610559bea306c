"""The exchange connector (docs/decisions/0017): sends the outbox to other systems and receives their packages.

- `send_pending()`: every external recipient waiting for electronic exchange whose identifier a `Peer`
  serves gets a `Transmission`; due transmissions are claimed with a lease (so two workers never send the same
  one at once), the edXML package is built and handed to the peer's transport, then marked sent. A failure is
  retried with exponential backoff. A crash after the transport accepted the package and before it was
  marked sent makes the lease expire and the package be sent again: harmless, because the receiving side
  stores a document once per (sender OrganId, DocumentId).
- `receive(data, via=...)`: a package from another system. A document package becomes one `InboxItem` per
  local recipient (status 01 recorded), stored once; a status package updates our transmission to that
  recipient. Anything malformed or unexpected is refused with a clear message and nothing is written.
"""

import dataclasses
import datetime as dt
import hashlib
import io
import logging
import os
import shutil
import tempfile
from pathlib import Path

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, ValidationFailed
from congvu.documents import files as file_store
from congvu.documents.files import open_stored
from congvu.documents.models import Secrecy, StoredFile, Urgency
from congvu.exchange import services, transports
from congvu.exchange.directory import resolve_identifier
from congvu.exchange.edxml import (
    BUSINESS_NEW,
    BUSINESS_RECALL,
    BUSINESS_REPLACE,
    BUSINESS_UPDATE,
    Business,
    EdxmlError,
    Organ,
    Package,
    Replacement,
    ResponseFor,
    Status,
    build_package,
    parse_package,
)
from congvu.exchange.models import (
    BusinessSend,
    DirectoryEntry,
    InboxFile,
    InboxItem,
    OutboxItem,
    OutboxStatus,
    Peer,
    RecallState,
    ReceivedPackage,
    StatusCode,
    StatusSend,
    Transmission,
    TransmissionState,
)
from congvu.exchange.packages import document_package
from congvu.exchange.selectors import agency_clerk_ids
from congvu.exchange.services import exchange_document_id
from congvu.exchange.statuses import status_record
from congvu.notifications.services import notify
from congvu.org.models import Agency

log = logging.getLogger("congvu.exchange.connector")

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 10
URGENCY_BY_PRIORITY = {0: Urgency.NORMAL, 1: Urgency.URGENT, 2: Urgency.VERY_URGENT, 3: Urgency.FLASH}


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: 1, 2, 4 … minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


# --- sending --------------------------------------------------------------------------------------

def recipient_organ_id(item: OutboxItem, on: dt.date) -> str:
    """The identifier of an external recipient: its agency's, else the directory entry of the same name."""
    recipient = item.recipient
    if recipient.agency_id and recipient.agency.identifier:
        return recipient.agency.identifier
    entry = (DirectoryEntry.objects.filter(name__iexact=item.recipient_name.strip())
             .order_by("-valid_from", "identifier").first())
    if entry is not None and entry.valid_on(on):
        return entry.identifier
    return ""


def _peer_for(organ_id: str, peers: list[Peer]) -> Peer | None:
    return next((p for p in peers if organ_id in (p.organ_ids or [])), None)


def plan_transmissions() -> int:
    """Create the `Transmission` of each waiting outbox item a peer can take. Returns how many were created."""
    peers = list(Peer.objects.filter(active=True).order_by("pk"))
    if not peers:
        return 0
    today = timezone.localdate()
    created = 0
    # A secret document never travels electronically (QĐ 28/2018), even if its outbox row says so.
    waiting = (OutboxItem.objects.filter(status=OutboxStatus.WAITING, transmission__isnull=True,
                                         document__secrecy=Secrecy.NORMAL)
               .select_related("recipient__agency", "document__agency"))
    for item in waiting:
        organ_id = recipient_organ_id(item, today)
        peer = _peer_for(organ_id, peers) if organ_id else None
        if peer is None:
            continue
        try:
            package = document_package(item.document, to=(Organ(organ_id=organ_id, name=item.recipient_name),))
        except EdxmlError as exc:  # e.g. our agency has no identifier yet: stays waiting, the others go on
            log.warning("exchange cannot plan outbox item %s: %s", item.pk, exc.message)
            continue
        try:
            with transaction.atomic():
                Transmission.objects.create(outbox_item=item, organ_id=organ_id, peer=peer,
                                            document_id=package.document_id, next_attempt_at=timezone.now())
        except IntegrityError:  # another worker planned it first
            continue
        created += 1
    return created


def _claim(now, model=Transmission):
    with transaction.atomic():
        row = (model.objects.select_for_update(skip_locked=True)
               .filter(state=TransmissionState.PENDING, next_attempt_at__lte=now)
               .exclude(lease_until__gt=now).order_by("next_attempt_at", "pk").first())
        if row is None:
            return None
        row.lease_until = now + LEASE
        row.attempts += 1
        row.save(update_fields=["lease_until", "attempts"])
    return row


def package_bytes(transmission: Transmission) -> bytes:
    item = transmission.outbox_item
    document = item.document
    package = document_package(document, to=(Organ(organ_id=transmission.organ_id, name=item.recipient_name),))
    if item.replaces_id:
        # A replacing document (docs/decisions/0018): business 3 with the DocumentId it replaces at that recipient.
        earlier = getattr(item.replaces, "transmission", None)
        old_id = earlier.document_id if earlier is not None else exchange_document_id(item.replaces.document)
        package = dataclasses.replace(package, business=Business(
            doc_type=BUSINESS_REPLACE, reason=item.replace_reason, document_id=old_id, paper=0,
            replacements=(Replacement(document_id=old_id, organ_ids=(transmission.organ_id,)),)))
    files = {f"cid:{a.file.sha256[:32]}-{a.position}": a.file for a in document.attachments.select_related("file")}
    out = io.BytesIO()
    build_package(package, out, open_attachment=lambda a: open_stored(files[a.content_id]))
    return out.getvalue()


def _after_send(transmission: Transmission) -> None:
    """Hook between the transport's success and marking sent (tests simulate a crash here)."""


def send_one(transmission: Transmission) -> bool:
    try:
        body = package_bytes(transmission)
        transports.send(transmission.peer, body, name=hashlib.sha256(
            f"{transmission.document_id}|{transmission.organ_id}".encode()).hexdigest()[:32])
    except (transports.TransportError, EdxmlError, OSError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        with transaction.atomic():
            row = Transmission.objects.select_for_update().get(pk=transmission.pk)
            row.last_error = message[:4000]
            row.lease_until = None
            if row.attempts >= MAX_ATTEMPTS:
                row.state = TransmissionState.FAILED
            else:
                row.next_attempt_at = timezone.now() + backoff(row.attempts)
            row.save(update_fields=["last_error", "lease_until", "state", "next_attempt_at"])
        log.warning("exchange send %s to %s failed (attempt %s): %s", transmission.document_id,
                    transmission.organ_id, transmission.attempts, message)
        return False
    _after_send(transmission)
    with transaction.atomic():
        row = Transmission.objects.select_for_update().select_related("outbox_item").get(pk=transmission.pk)
        row.state = TransmissionState.SENT
        row.sent_at = timezone.now()
        row.lease_until = None
        row.last_error = ""
        row.save(update_fields=["state", "sent_at", "lease_until", "last_error"])
        item = row.outbox_item
        if item.status == OutboxStatus.WAITING:
            OutboxItem.objects.filter(pk=item.pk).update(status=OutboxStatus.SENT)
            journal_record(actor=None, agency_id=item.agency_id, action="exchange.sent", obj=item,
                           before={"status": OutboxStatus.WAITING},
                           after={"status": OutboxStatus.SENT, "recipient": item.recipient_name,
                                  "organ_id": row.organ_id, "peer": transmission.peer.name,
                                  "document_id": row.document_id})
    log.info("exchange sent %s to %s via %s", transmission.document_id, transmission.organ_id, transmission.peer)
    return True


def send_pending(*, limit: int = 100) -> dict[str, int]:
    """Plan and send what is due: documents, then statuses back to senders. Returns the counts
    {"sent", "failed", "statuses_sent", "statuses_failed"}."""
    plan_transmissions()
    counts = {"sent": 0, "failed": 0, "statuses_sent": 0, "statuses_failed": 0}
    for _ in range(limit):
        row = _claim(timezone.now())
        if row is None:
            break
        row = Transmission.objects.select_related("peer", "outbox_item__document__agency",
                                                  "outbox_item__document__doc_type").get(pk=row.pk)
        counts["sent" if send_one(row) else "failed"] += 1
    for _ in range(limit):
        row = _claim(timezone.now(), BusinessSend)
        if row is None:
            break
        row = BusinessSend.objects.select_related("outbox_item__transmission__peer", "outbox_item__document__agency",
                                                  "outbox_item__document__doc_type").get(pk=row.pk)
        counts["sent" if send_business(row) else "failed"] += 1
    for _ in range(limit):
        row = _claim(timezone.now(), StatusSend)
        if row is None:
            break
        row = StatusSend.objects.select_related("status__item__agency").get(pk=row.pk)
        counts["statuses_sent" if send_status(row) else "statuses_failed"] += 1
    return counts


# --- recall and update packages to external recipients (docs/decisions/0018) ----------------------

def business_package_bytes(row: BusinessSend) -> bytes:
    """The recall (business 1, no files) or update (business 2, the document as it is now, with its files)
    package of an outbox item already transmitted: same DocumentId, Bussiness DocumentId = that DocumentId."""
    item = row.outbox_item
    transmission = item.transmission
    document = item.document
    package = document_package(document, to=(Organ(organ_id=transmission.organ_id, name=item.recipient_name),))
    package = dataclasses.replace(
        package, document_id=transmission.document_id,
        business=Business(doc_type=row.business, reason=row.reason, document_id=transmission.document_id, paper=0),
        attachments=package.attachments if row.business == BUSINESS_UPDATE else ())
    files = {f"cid:{a.file.sha256[:32]}-{a.position}": a.file for a in document.attachments.select_related("file")}
    out = io.BytesIO()
    build_package(package, out, open_attachment=lambda a: open_stored(files[a.content_id]))
    return out.getvalue()


def _readable_refusal(message: str) -> tuple[str, bool]:
    """"<peer> trả lời 422: {"error": "…"}" → ("<peer> từ chối: …", True); other messages as they are."""
    import json

    head, sep, body = message.partition(" trả lời 422: ")
    if not sep:
        return message, False
    try:
        text = json.loads(body).get("error") or body
    except (ValueError, AttributeError):
        text = body
    return f"{head} từ chối: {text}", True


def send_business(row: BusinessSend) -> bool:
    transmission = getattr(row.outbox_item, "transmission", None)
    if transmission is None:
        _retry(BusinessSend, row.pk, "Văn bản chưa được truyền đến nơi nhận này.", final=True)
        return False
    try:
        transports.send(transmission.peer, business_package_bytes(row), name=f"business-{row.pk}")
    except (transports.TransportError, EdxmlError, OSError) as exc:
        message, refused = _readable_refusal(getattr(exc, "message", None) or str(exc))
        # Refused by the receiving system (422: e.g. the document was recalled there): final, not retried.
        _retry(BusinessSend, row.pk, message, final=refused)
        return False
    _mark_sent(BusinessSend, row.pk)
    log.info("exchange sent business %s of %s to %s", row.business, transmission.document_id, transmission.organ_id)
    return True


# --- statuses back to the sender ------------------------------------------------------------------

def status_queue(*, status, item: InboxItem) -> StatusSend:
    """Queue `status` of a delivery received from another system, to be sent back to the document's sender
    (called by `congvu.exchange.statuses.status_record`, inside its transaction)."""
    # The sender's OrganId as its package said (real DocumentIds are not always "<OrganId>,<date>,<number>").
    sender = (ReceivedPackage.objects.filter(kind="document", document_id=item.exchange_document_id)
              .values_list("sender_organ_id", flat=True).first())
    return StatusSend.objects.create(status=status, organ_id=(sender or item.exchange_document_id.split(",")[0])[:35],
                                     document_id=item.exchange_document_id, next_attempt_at=timezone.now())


def status_package_bytes(row: StatusSend) -> bytes:
    status = row.status
    agency = status.item.agency
    package = Package(
        kind="status", sender=Organ(organ_id=agency.identifier, name=agency.name),
        response_for=(ResponseFor(organ_id=row.organ_id, document_id=row.document_id),),
        status=Status(code=status.code, description=status.description[:500],
                      timestamp=timezone.localtime(status.created_at).replace(microsecond=0, tzinfo=None)))
    out = io.BytesIO()
    build_package(package, out)
    return out.getvalue()


def _retry(model, pk: int, message: str, *, final: bool = False) -> None:
    with transaction.atomic():
        row = model.objects.select_for_update().get(pk=pk)
        row.last_error = message[:4000]
        row.lease_until = None
        if final or row.attempts >= MAX_ATTEMPTS:
            row.state = TransmissionState.FAILED
        else:
            row.next_attempt_at = timezone.now() + backoff(row.attempts)
        row.save(update_fields=["last_error", "lease_until", "state", "next_attempt_at"])


def _mark_sent(model, pk: int) -> None:
    with transaction.atomic():
        row = model.objects.select_for_update().get(pk=pk)
        row.state = TransmissionState.SENT
        row.sent_at = timezone.now()
        row.lease_until = None
        row.last_error = ""
        row.save(update_fields=["state", "sent_at", "lease_until", "last_error"])


def send_status(row: StatusSend) -> bool:
    peers = list(Peer.objects.filter(active=True).order_by("pk"))
    peer = _peer_for(row.organ_id, peers)
    if peer is None:
        _retry(StatusSend, row.pk, f"Không có hệ thống liên thông nào phục vụ mã {row.organ_id}.")
        return False
    try:
        transports.send(peer, status_package_bytes(row), name=f"status-{row.pk}")
    except (transports.TransportError, EdxmlError, OSError) as exc:
        _retry(StatusSend, row.pk, getattr(exc, "message", None) or str(exc))
        return False
    _mark_sent(StatusSend, row.pk)
    return True


# --- receiving ------------------------------------------------------------------------------------

@dataclasses.dataclass
class ReceiveResult:
    kind: str
    document_id: str
    items: list[InboxItem] = dataclasses.field(default_factory=list)
    duplicate: bool = False


def _refuse(message: str, via: str) -> ValidationFailed:
    log.warning("exchange package refused (%s): %s", via, message)
    return ValidationFailed(message)


def _prepared(path: Path, name: str, content_type: str) -> file_store.PreparedFile:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return file_store.PreparedFile(name[:255], content_type[:120], size, digest.hexdigest(), path)


def _store(prepared: file_store.PreparedFile, written: list[str]) -> StoredFile:
    row = StoredFile.objects.filter(sha256=prepared.sha256).first()
    if row is not None:
        return row
    written.append(file_store.put_file(prepared))
    return StoredFile.objects.create(sha256=prepared.sha256, size=prepared.size, content_type=prepared.content_type,
                                     path=file_store.storage_relpath(prepared.sha256))


def _local_agencies(package, on: dt.date) -> list[Agency]:
    found: dict[int, Agency] = {}
    for organ in package.recipients:
        entry = resolve_identifier(organ.organ_id, on=on)
        agency = entry.agency if entry is not None and entry.agency_id else None
        if agency is None:
            agency = Agency.objects.filter(identifier=organ.organ_id).first() if organ.organ_id else None
        if agency is not None:
            found[agency.pk] = agency
    return list(found.values())


def receive(data: bytes, *, via: str, peer: Peer | None = None) -> ReceiveResult:
    """Store a package received from another system (see the module docstring). `peer`: the authenticated
    sender, whose served identifiers must include the package's sender."""
    workdir = Path(tempfile.mkdtemp(prefix="edxml-in-"))
    written: list[str] = []
    try:
        try:
            package = parse_package(io.BytesIO(data), attachments_dir=workdir)
        except EdxmlError as exc:
            raise _refuse(f"Gói edXML không hợp lệ: {exc.message}", via) from None
        sender = package.sender.organ_id
        if not sender:
            raise _refuse("Gói edXML không có mã định danh nơi gửi.", via)
        if peer is not None and sender not in (peer.organ_ids or []):
            raise _refuse(f"Hệ thống {peer.name} không được gửi thay cơ quan {sender}.", via)
        raw_path = workdir / "package.edxml"
        raw_path.write_bytes(data)
        raw = _prepared(raw_path, "package.edxml", "application/xml")
        warnings = [{"code": f.code, "message": f.message} for f in package.warnings]
        if package.kind == "status":
            return _receive_status(package, raw, warnings, via, written)
        return _receive_document(package, raw, warnings, via, written)
    except BaseException:
        for rel in written:
            Path(file_store.storage_path(Path(rel).name)).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _local_doc_type_code(package) -> str:
    """Our document type for the package's type name (QCVN 102's DocumentType Type is only "1" legal / "2"
    administrative, not a type of Decree 30): matched by folded name among the types in force on the
    document's date; empty when none matches, so the clerk chooses it at registration."""
    from congvu.core.folding import fold
    from congvu.documents.models import DocumentType

    name = fold(package.type_name or "").strip()
    if not name:
        return ""
    on = package.date or timezone.localdate()
    for row in DocumentType.objects.filter(valid_from__lte=on).exclude(valid_to__lt=on).only("code", "name"):
        if fold(row.name).strip() == name:
            return row.code[:30]
    return ""


def _receive_document(package, raw, warnings, via, written) -> ReceiveResult:
    now = timezone.now()
    sender = package.sender.organ_id
    if not package.document_id:
        raise _refuse("Gói văn bản không có DocumentId.", via)
    business = package.business.doc_type if package.business is not None else BUSINESS_NEW
    agencies = _local_agencies(package, timezone.localdate())
    if not agencies:
        listed = ", ".join(o.organ_id for o in package.recipients) or "(trống)"
        raise _refuse(f"Không có nơi nhận nào của gói thuộc hệ thống này (nơi nhận: {listed}).", via)
    if business in (BUSINESS_RECALL, BUSINESS_UPDATE):
        return _receive_business(package, agencies, raw, warnings, via, written)
    replaced: dict[int, InboxItem] = {}
    if business == BUSINESS_REPLACE:
        target = next((r.document_id for r in package.business.replacements if r.document_id), "") \
            or package.business.document_id
        if not target or target == package.document_id:
            # No other DocumentId named (as in VNPT's sample): the document is replaced in place, like an update.
            return _receive_business(package, agencies, raw, warnings, via, written)
        olds = _received_targets(sender, target, agencies)
        if not olds:
            raise _refuse(f"Không tìm thấy văn bản {target} do {sender} gửi đến nơi nhận của gói; văn bản thay thế "
                          f"{package.document_id} không được tiếp nhận.", via)
        replaced = {i.agency_id: i for i in olds}
    elif business != BUSINESS_NEW:
        raise _refuse(f"Loại nghiệp vụ {business} của gói {package.document_id} không được hỗ trợ.", via)
    result = ReceiveResult(kind="document", document_id=package.document_id)
    if ReceivedPackage.objects.filter(kind="document", sender_organ_id=sender,
                                      document_id=package.document_id).exists():
        result.duplicate = True
        return result
    try:
        with transaction.atomic():
            received = ReceivedPackage.objects.create(
                kind="document", sender_organ_id=sender, document_id=package.document_id,
                raw=_store(raw, written), warnings=warnings, via=via[:100], received_at=now)
            stored = []
            for a in package.attachments:
                if a.path is None:
                    continue
                content_type = file_store.detect_content_type(a.path) or a.content_type or "application/octet-stream"
                stored.append((_store(_prepared(a.path, a.name, content_type), written), a.name))
            sender_agency = Agency.objects.filter(identifier=sender).first()
            for agency in agencies:
                item = InboxItem.objects.create(
                    agency=agency, sender_agency=sender_agency, exchange_document_id=package.document_id[:120],
                    sender_name=(package.sender.name or sender)[:200], number=package.number[:11],
                    notation=package.notation[:30], issued_date=package.date,
                    doc_type_code=_local_doc_type_code(package), doc_type_name=(package.type_name or "Văn bản")[:100],
                    subject=package.subject or package.content or "(không có trích yếu)",
                    signer=package.signer.full_name[:100],
                    signer_title=(package.signer.competence or package.signer.position)[:200],
                    urgency=URGENCY_BY_PRIORITY.get(package.priority or 0, Urgency.NORMAL),
                    due_date=package.due_date, pages=package.other_info.page_amount, delivered_at=now)
                InboxFile.objects.bulk_create([InboxFile(item=item, file=f, original_name=name[:255], position=i)
                                               for i, (f, name) in enumerate(stored)])
                status_record(item=item, code=StatusCode.ARRIVED, at=now)
                if agency.pk in replaced:
                    old = InboxItem.objects.select_for_update().get(pk=replaced[agency.pk].pk)
                    services.delivery_mark_replaced(old=old, new=item, reason=package.business.reason or "", at=now)
                result.items.append(item)
    except IntegrityError:  # the same package arrived at the same moment through another request
        written.clear()
        result.duplicate = True
        result.items = []
        return result
    log.info("exchange received %s from %s via %s: %s item(s) (package %s)", package.document_id, sender, via,
             len(result.items), received.pk)
    return result


def _received_targets(sender: str, target: str, agencies: list[Agency]) -> list[InboxItem]:
    """The deliveries of document `target` that `sender` sent us, at the package's local recipients."""
    if not ReceivedPackage.objects.filter(kind="document", sender_organ_id=sender, document_id=target).exists():
        return []
    return list(InboxItem.objects.filter(exchange_document_id=target, source_document__isnull=True,
                                         agency__in=agencies).order_by("pk"))


def _receive_business(package, agencies, raw, warnings, via, written) -> ReceiveResult:
    """A recall (business 1), update (business 2) or in-place replacement (business 3 naming no other DocumentId)
    of a document `sender` sent us before: applied to each of its deliveries here, in one transaction (any refusal
    changes nothing). The same package twice changes nothing."""
    sender = package.sender.organ_id
    business = package.business.doc_type
    target = (package.document_id if business == BUSINESS_REPLACE
              else package.business.document_id or package.document_id)
    kind = {BUSINESS_RECALL: "recall", BUSINESS_UPDATE: "update"}.get(business, "replace")
    what = {"recall": "thu hồi", "update": "cập nhật", "replace": "thay thế"}[kind]
    result = ReceiveResult(kind=kind, document_id=target)
    reason = " ".join((package.business.reason or "").split())[:2000]
    if not reason:
        raise _refuse(f"Gói {what} văn bản {target} không ghi lý do (BussinessDocReason).", via)
    now = timezone.now()
    with transaction.atomic():
        items = [InboxItem.objects.select_for_update().select_related("agency").get(pk=i.pk)
                 for i in _received_targets(sender, target, agencies)]
        if not items:
            raise _refuse(f"Không tìm thấy văn bản {target} do {sender} gửi đến nơi nhận của gói; gói {what} "
                          "không được áp dụng.", via)
        changed = False
        try:
            if kind == "recall":
                for item in items:
                    changed |= services.delivery_recall_received(item=item, reason=reason, at=now)
            else:
                stored = []
                for a in package.attachments:
                    if a.path is None:
                        continue
                    content_type = (file_store.detect_content_type(a.path) or a.content_type
                                    or "application/octet-stream")
                    stored.append((_store(_prepared(a.path, a.name, content_type), written), a.name))
                values = {"subject": package.subject or package.content or items[0].subject,
                          "signer": package.signer.full_name[:100],
                          "signer_title": (package.signer.competence or package.signer.position)[:200],
                          "urgency": URGENCY_BY_PRIORITY.get(package.priority or 0, Urgency.NORMAL),
                          "pages": package.other_info.page_amount, "due_date": package.due_date}
                fingerprint = services.update_fingerprint(values=values, reason=reason,
                                                          file_hashes=[f.sha256 for f, _ in stored])
                for item in items:
                    same_files = [f.file_id for f in item.files.all()] == [f.pk for f, _ in stored]
                    version = services.delivery_apply_update(
                        item=item, values=values, files=None if same_files or not stored else stored, reason=reason,
                        at=now, fingerprint=fingerprint, kind=kind)
                    changed |= version is not None
        except Conflict as exc:
            raise _refuse(exc.message, via) from None
        if not changed:  # the same package again: roll back, and remove any file this call wrote
            for rel in written:
                Path(file_store.storage_path(Path(rel).name)).unlink(missing_ok=True)
            written.clear()
            result.duplicate = True
            transaction.set_rollback(True)
            return result
        ReceivedPackage.objects.create(kind=kind, sender_organ_id=sender, document_id=target[:120],
                                       raw=_store(raw, written), warnings=warnings, via=via[:100], received_at=now)
        result.items = items
    log.info("exchange received %s of %s from %s via %s: %s item(s)", kind, target, sender, via, len(items))
    return result


def _receive_status(package, raw, warnings, via, written) -> ReceiveResult:
    sender = package.sender.organ_id
    status = package.status
    refs = [r.document_id for r in package.response_for if r.document_id]
    if status is None or not refs:
        raise _refuse("Gói trạng thái thiếu mã trạng thái hoặc văn bản được trả lời (ResponseFor).", via)
    with transaction.atomic():
        rows = list(Transmission.objects.select_for_update().filter(document_id__in=refs, organ_id=sender))
        if not rows:
            raise _refuse(f"Trạng thái cho văn bản {refs[0]} mà hệ thống này chưa gửi tới {sender}.", via)
        ReceivedPackage.objects.create(kind="status", sender_organ_id=sender, document_id=refs[0][:120],
                                       raw=_store(raw, written), warnings=warnings, via=via[:100],
                                       received_at=timezone.now())
        for row in rows:
            row.last_status_code = status.code
            row.last_status_description = status.description[:4000]
            row.last_status_at = status.timestamp and timezone.make_aware(status.timestamp) or timezone.now()
            row.save(update_fields=["last_status_code", "last_status_description", "last_status_at"])
            if status.code in (StatusCode.RECALL_ACCEPTED, StatusCode.RECALL_REFUSED):
                _recall_answered(row.outbox_item_id, status)
    return ReceiveResult(kind="status", document_id=refs[0])


def _recall_answered(outbox_item_id: int, status) -> None:
    """The external recipient accepted (15) or refused (16) our recall: the outbox item says so."""
    item = OutboxItem.objects.select_for_update().get(pk=outbox_item_id)
    if item.recall_state != RecallState.REQUESTED:
        return
    accepted = status.code == StatusCode.RECALL_ACCEPTED
    item.recall_state = RecallState.ACCEPTED if accepted else RecallState.REFUSED
    item.save(update_fields=["recall_state"])
    journal_record(actor=None, agency_id=item.agency_id,
                   action="document.recall_accepted" if accepted else "document.recall_refused",
                   obj=item.document, after={"recipient": item.recipient_name, "note": status.description[:500]})
    notify(recipients=agency_clerk_ids(item.agency_id), agency_id=item.agency_id,
           kind="exchange.recall_accepted" if accepted else "exchange.recall_refused",
           title=f"{item.recipient_name} {'đồng ý' if accepted else 'từ chối'} thu hồi văn bản "
                 f"{item.document.number_notation}"[:300], body=status.description[:1000],
           url=reverse("exchange:document_statuses", kwargs={"pk": item.document_id}),
           key=f"outbox:{item.pk}:recall:{status.code}:{status.timestamp}")


# --- drop folder ----------------------------------------------------------------------------------

def collect_folder(folder: str | os.PathLike) -> dict[str, int]:
    """Receive every `<folder>/inbox/*.edxml`; move each to `done/` or `rejected/` (with a `.txt` reason)."""
    base = Path(folder)
    inbox = base / "inbox"
    counts = {"received": 0, "rejected": 0}
    if not inbox.is_dir():
        return counts
    for path in sorted(inbox.glob("*.edxml")):
        try:
            receive(path.read_bytes(), via=f"folder:{path.name}")
        except ValidationFailed as exc:
            target = base / "rejected"
            target.mkdir(exist_ok=True)
            (target / (path.name + ".txt")).write_text(exc.message + "\n", encoding="utf-8")
            os.replace(path, target / path.name)
            counts["rejected"] += 1
            continue
        target = base / "done"
        target.mkdir(exist_ok=True)
        os.replace(path, target / path.name)
        counts["received"] += 1
    return counts
