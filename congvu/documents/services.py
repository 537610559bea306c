"""Every write to the registry: registering incoming and outgoing documents, correcting them.

Each service is one transaction that validates, takes the number under a row lock, writes the
document, its files and search row, and journals the change. If anything fails, nothing stays:
no document, no consumed number, no orphan file.
"""

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.dates import parse_vn_date
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import fold, fold_for_index, nfc
from congvu.documents import files as file_store
from congvu.documents import search
from congvu.documents.models import (
    Attachment,
    Channel,
    Direction,
    Document,
    DocumentAccess,
    DocumentStatus,
    DocumentType,
    Recipient,
    Register,
    Secrecy,
    StoredFile,
    Urgency,
)
from congvu.documents.numbering import build_notation, format_number
from congvu.documents.selectors import visible_documents
from congvu.jobs import enqueue
from congvu.org.models import Agency, Department, Official
from congvu.org.selectors import can_register, official_for_user


class DuplicateSuspected(Conflict):
    """A document with the same issuer, number/notation and date is already registered."""

    code = "duplicate_suspected"

    def __init__(self, documents: list[Document]):
        first = documents[0]
        super().__init__(
            f"Văn bản {first.number_notation} của {first.issuer} ngày "
            f"{first.issued_date:%d/%m/%Y} đã được vào sổ (số đến {first.register_number}). "
            "Kiểm tra lại trước khi vào sổ thêm một bản."
        )
        self.documents = documents


@dataclass
class IncomingData:
    """What a clerk types (or an import supplies) to register an incoming document."""

    issuer: str = ""
    number: str = ""
    notation: str = ""
    issued_date: dt.date | str | None = None
    doc_type: str = ""  # DocumentType.code
    subject: str = ""
    signer: str = ""
    signer_title: str = ""
    urgency: str = Urgency.NORMAL
    secrecy: str = Secrecy.NORMAL
    pages: int | str | None = None
    due_date: dt.date | str | None = None
    channel: str = Channel.PAPER
    received_at: dt.datetime | None = None
    receiving_department_id: int | None = None
    receiving_official_id: int | None = None
    notes: str = ""
    access_official_ids: list[int] = field(default_factory=list)


@dataclass
class OutgoingData:
    """An already-signed outgoing document to number and record."""

    doc_type: str = ""
    subject: str = ""
    signer: str = ""
    signer_title: str = ""
    issued_date: dt.date | str | None = None
    urgency: str = Urgency.NORMAL
    secrecy: str = Secrecy.NORMAL
    pages: int | str | None = None
    due_date: dt.date | str | None = None
    drafting_department_id: int | None = None
    recipient_agency_ids: list[int] = field(default_factory=list)
    recipient_names: list[str] = field(default_factory=list)
    dispatched_on: dt.date | str | None = None
    copies: int | str | None = None
    notes: str = ""
    access_official_ids: list[int] = field(default_factory=list)


# --- validation helpers ------------------------------------------------------------------------

def _clean_text(value) -> str:
    """NFC, invisible format characters (zero-width spaces, BOM…) removed, whitespace runs collapsed."""
    text = "".join(ch for ch in nfc(str(value or "")) if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\n\t")
    return " ".join(text.split())


def _text(value, *, field_name: str, label: str, errors: dict, required=False, max_length=None) -> str:
    text = _clean_text(value)
    if required and not text:
        errors[field_name] = f"Vui lòng nhập {label}."
    elif max_length and len(text) > max_length:
        errors[field_name] = f"{label.capitalize()} dài quá {max_length} ký tự."
    return text


def _choice(value, choices, *, field_name: str, label: str, errors: dict, default):
    value = value or default
    if value not in choices.values:
        errors[field_name] = f"{label.capitalize()} “{value}” không hợp lệ."
        return default
    return value


def _positive_int(value, *, field_name: str, label: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(str(value).strip())
    except ValueError:
        errors[field_name] = f"{label.capitalize()} phải là số nguyên."
        return None
    if n < 0 or n > 100000:
        errors[field_name] = f"{label.capitalize()} không hợp lệ."
        return None
    return n


def _date(value, *, field_name: str, errors: dict, required=False) -> dt.date | None:
    try:
        return parse_vn_date(value, field=field_name, required=required)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        return None


def document_type_at(code: str, on: dt.date) -> DocumentType | None:
    """The version of a document type in force on a date (types and abbreviations are dated data)."""
    return (
        DocumentType.objects.filter(code=code, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("-valid_from")
        .first()
    )


def _doc_type(code, on: dt.date, errors: dict) -> DocumentType | None:
    if not code:
        errors["doc_type"] = "Vui lòng chọn loại văn bản."
        return None
    if not re.fullmatch(r"[a-z0-9_]{1,30}", str(code)):
        errors["doc_type"] = "Loại văn bản không hợp lệ."
        return None
    found = document_type_at(code, on)
    if found is None:
        errors["doc_type"] = f"Loại văn bản “{code}” không có trong danh mục."
    return found


def _to_id(value) -> int | None:
    """An id typed or sent as text; None when it is not a positive whole number."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**63 else None


def _check_agency_member(model, pk, agency: Agency, *, field_name: str, label: str, errors: dict):
    if pk in (None, ""):
        return None
    pk = _to_id(pk)
    if pk is None:
        errors[field_name] = f"{label.capitalize()} không hợp lệ."
        return None
    qs = model.objects.filter(pk=pk)
    if model is Department:
        qs = qs.filter(agency=agency, active=True)
    else:  # someone who still holds a position there
        qs = qs.filter(memberships__agency=agency, memberships__active=True).distinct()
    obj = qs.first()
    if obj is None:
        errors[field_name] = f"{label.capitalize()} không thuộc cơ quan."
    return obj


def _officials_of(agency: Agency, ids) -> list[Official]:
    if not ids:
        return []
    raw = [i for i in ids or [] if str(i).strip()]
    ids = {_to_id(i) for i in raw}
    if None in ids:
        raise ValidationFailed("Danh sách người được xem văn bản mật không hợp lệ.",
                               fields={"access_official_ids": "Mã người không hợp lệ."})
    found = list(Official.objects.filter(pk__in=ids, memberships__agency=agency, memberships__active=True).distinct())
    if len(found) != len(ids):
        raise ValidationFailed("Người được xem văn bản mật không thuộc cơ quan.",
                               fields={"access_official_ids": "Có người không thuộc cơ quan."})
    return found


# --- registers ---------------------------------------------------------------------------------

def _register_name(direction: str, year: int, scope: str, type_name: str = "") -> str:
    base = "Sổ văn bản đến" if direction == Direction.INCOMING else "Sổ văn bản đi"
    if scope == Register.Scope.SECRET:
        base = base.replace("Sổ văn bản", "Sổ văn bản mật")
    if scope == Register.Scope.PER_TYPE:
        base = f"{base} — {type_name}"
    return f"{base} năm {year}"


def register_for(*, agency: Agency, year: int, direction: str, doc_type: DocumentType, secrecy: str) -> Register:
    """The register a new document goes into (Decree 30 Art. 15 and 22).

    Secret documents always use the secret register; incoming documents share one yearly sequence;
    outgoing ones share one too, unless the agency gave their type its own sequence.
    """
    if secrecy != Secrecy.NORMAL:
        scope, type_code = Register.Scope.SECRET, ""
    elif direction == Direction.OUTGOING and doc_type.code in (agency.separate_numbering_types or []):
        scope, type_code = Register.Scope.PER_TYPE, doc_type.code
    else:
        scope, type_code = Register.Scope.GENERAL, ""
    lookup = dict(agency=agency, year=year, direction=direction, scope=scope, doc_type_code=type_code)
    register = Register.objects.filter(**lookup).first()
    if register is None:
        try:
            with transaction.atomic():
                register = Register.objects.create(
                    **lookup, name=_register_name(direction, year, scope, doc_type.name)
                )
                # Opened by the system when the year's first document needs it (Decree 30: from 1 January).
                journal_record(actor=None, agency_id=agency.pk, action="register.open", obj=register,
                               after={"name": register.name, "year": year, "direction": direction,
                                      "scope": scope, "doc_type_code": type_code})
        except IntegrityError:  # another writer created it first
            register = Register.objects.get(**lookup)
    if register.closed:
        raise ValidationFailed(f"{register.name} đã khóa sổ.", code="register_closed")
    return register


def _check_agency_active(agency: Agency, on: dt.date) -> None:
    """A dissolved or merged agency keeps its history but registers nothing new (its period has ended)."""
    if agency.active_to and on > agency.active_to:
        raise ValidationFailed(
            f"{agency.name} đã ngừng hoạt động từ {agency.active_to + dt.timedelta(days=1):%d/%m/%Y}; "
            "không vào sổ văn bản mới.", code="agency_inactive")
    if agency.active_from and on < agency.active_from:
        raise ValidationFailed(f"{agency.name} hoạt động từ {agency.active_from:%d/%m/%Y}.", code="agency_inactive")


def _take_number(register: Register) -> int:
    """Advance the register's counter and return the number taken.

    One UPDATE … RETURNING: it takes the row lock, which the caller's transaction holds until it
    commits, so writers into one register queue here and a rollback gives the number back. Everything
    that can be prepared earlier is, to keep this critical section short.
    """
    table = connection.ops.quote_name(Register._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_number = next_number + 1 WHERE id = %s RETURNING next_number - 1",
            [register.pk],
        )
        return cursor.fetchone()[0]


# --- duplicates --------------------------------------------------------------------------------

def find_duplicates(*, actor, agency: Agency, issuer: str, number: str, notation: str, issued_date
                    ) -> list[Document]:
    """Incoming documents of the agency with the same issuer, number/notation and date (Annex VI).

    Only documents `actor` may see: a secret document the clerk is not named on is neither shown nor
    hinted at (its number and subject are secret too).
    """
    if not (issuer and (number or notation) and issued_date):
        return []
    candidates = visible_documents(actor).filter(
        agency=agency, direction=Direction.INCOMING, issuer_folded=fold_for_index(issuer)[:200],
        number=number, issued_date=issued_date,
    ).order_by("id")
    return [d for d in candidates if fold(d.notation) == fold(notation)]


# --- snapshots for the journal -----------------------------------------------------------------

SNAPSHOT_FIELDS = (
    "direction", "register_id", "register_number", "registered_at", "number", "notation", "doc_type_id",
    "issuer", "issued_date", "subject", "signer", "signer_title", "urgency", "secrecy", "pages", "due_date",
    "channel", "receiving_department_id", "receiving_official_id", "drafting_department_id",
    "dispatched_on", "copies", "notes", "status",
)


def document_snapshot(doc: Document) -> dict:
    return {f: getattr(doc, f) for f in SNAPSHOT_FIELDS}


# --- files -------------------------------------------------------------------------------------

def _prepare_files(uploads) -> list[file_store.PreparedFile]:
    """Check every upload and extract its text, before any transaction starts (slow work, no locks)."""
    prepared: list[file_store.PreparedFile] = []
    try:
        for upload in uploads or []:
            prepared.append(file_store.prepare_upload(upload))
        known = set(StoredFile.objects.filter(sha256__in=[p.sha256 for p in prepared])
                    .values_list("sha256", flat=True))
        for p in prepared:
            if p.sha256 not in known:
                p.text = file_store.extract_text(p.temp_path, p.content_type)
    except BaseException:
        _discard(prepared)
        raise
    return prepared


def _discard(prepared: list[file_store.PreparedFile]) -> None:
    for p in prepared:
        file_store.discard(p)


def _store_files(prepared: list[file_store.PreparedFile], written: list[str]) -> list[StoredFile]:
    """Find or create the StoredFile of each prepared file, writing the bytes for rows created here.

    The row is inserted before the file is written: a concurrent registration of the same content
    waits on the unique sha256 until this transaction ends, so it never links to a file that this
    one may still delete.
    """
    stored: list[StoredFile] = []
    for p in prepared:
        row = StoredFile.objects.filter(sha256=p.sha256).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = StoredFile.objects.create(sha256=p.sha256, size=p.size, content_type=p.content_type,
                                                    path=file_store.storage_relpath(p.sha256), text=p.text)
            except IntegrityError:  # committed meanwhile by another registration: share it
                row = StoredFile.objects.get(sha256=p.sha256)
            else:
                written.append(file_store.put_file(p))
        stored.append(row)
    return stored


def _link_attachments(document: Document, prepared: list[file_store.PreparedFile], stored: list[StoredFile],
                      reused: list[tuple[StoredFile, str]] = ()):
    """Attach the uploads (in order), then the already-stored files (`reused`), to `document`."""
    named = [(row, p.original_name) for p, row in zip(prepared, stored)] + list(reused)
    Attachment.objects.bulk_create([
        Attachment(document=document, file=row, original_name=name[:255], position=i)
        for i, (row, name) in enumerate(named)
    ])


def _check_stored_files(stored_files) -> list[tuple[StoredFile, str]]:
    """`stored_files` as (StoredFile, original name) pairs of rows already in storage.

    Used when the bytes are already kept (a draft's final version being issued, a document received
    electronically being registered): the document links to the same StoredFile, nothing is copied."""
    checked: list[tuple[StoredFile, str]] = []
    for row, name in stored_files or ():
        if not isinstance(row, StoredFile) or row.pk is None:
            raise TypeError("stored_files takes (StoredFile, original_name) pairs of saved rows")
        name = os.path.basename(_clean_text(name)) or f"tep-dinh-kem-{row.sha256[:8]}"
        checked.append((row, name))
    return checked


def _unlink(written: list[str]) -> None:
    from pathlib import Path

    from django.conf import settings

    for rel in written:
        (Path(settings.MEDIA_ROOT) / rel).unlink(missing_ok=True)
    written.clear()


def _write_registration(*, prepared: list[file_store.PreparedFile], request_token: str | None, body) -> Document:
    """Run `body(stored_files)` in one transaction after storing the files; on failure leave nothing.

    Files written by this call are deleted before the rollback, while this transaction still holds
    their StoredFile rows, so no concurrent registration can have linked to them. A unique-token
    clash means a double submit won the race: its document is returned.
    """
    written: list[str] = []
    try:
        with transaction.atomic():
            try:
                return body(_store_files(prepared, written))
            except BaseException:
                _unlink(written)
                raise
    except IntegrityError:
        _unlink(written)
        if (existing := _existing_for_token(request_token)) is not None:
            return existing
        raise
    except BaseException:
        _unlink(written)  # the commit itself failed
        raise
    finally:
        _discard(prepared)


def scoped_request_token(actor, token: str | None) -> str | None:
    """The stored form of a request token: bound to the user, so one user's token can never return,
    or block, another user's registration."""
    if not token:
        return None
    return hashlib.sha256(f"{actor.pk}:{token}".encode()).hexdigest()


def _existing_for_token(token: str | None) -> Document | None:
    """`token` is already scoped (scoped_request_token)."""
    return Document.objects.filter(request_token=token).first() if token else None


# --- registering -------------------------------------------------------------------------------

def incoming_register(*, actor, agency: Agency, data: IncomingData, uploads=(), request_token: str | None = None,
                      allow_duplicate: bool = False, stored_files=(),
                      on_registered: Callable[[Document], None] | None = None) -> Document:
    """Register an incoming document: give it the next arrival number of the year, store its files,
    index it and journal it, all in one transaction.

    Raises ValidationFailed (per-field Vietnamese messages), PermissionDenied, or DuplicateSuspected
    when the same issuer/number/notation/date is registered and `allow_duplicate` is false. A repeated
    `request_token` returns the document registered by the first request. `stored_files` are
    (StoredFile, original name) pairs already in storage, attached after the uploads without copying.
    `on_registered(document)` runs inside the transaction once the document is written (not when a
    repeated token returns an earlier one): what it writes commits or rolls back with the registration.
    """
    if not can_register(actor, agency.pk):
        raise PermissionDenied("Chỉ văn thư của cơ quan được vào sổ văn bản.")
    reused = _check_stored_files(stored_files)
    request_token = scoped_request_token(actor, request_token)
    if (existing := _existing_for_token(request_token)) is not None:
        return existing
    _check_agency_active(agency, timezone.localdate())
    errors: dict[str, str] = {}
    now = timezone.now()
    received_at = data.received_at or now
    if timezone.is_naive(received_at):  # typed on a form: local (Vietnam) time
        received_at = timezone.make_aware(received_at)
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = "Thời gian đến không được ở tương lai."
    arrival_day = timezone.localtime(received_at).date()
    issuer = _text(data.issuer, field_name="issuer", label="cơ quan ban hành", errors=errors, required=True,
                   max_length=200)
    number = _text(data.number, field_name="number", label="số", errors=errors, max_length=11)
    notation = _text(data.notation, field_name="notation", label="ký hiệu", errors=errors, max_length=30)
    if notation:
        notation = notation.replace(" ", "")
    issued_date = _date(data.issued_date, field_name="issued_date", errors=errors, required=True)
    if issued_date and issued_date > arrival_day:
        errors["issued_date"] = "Ngày ban hành không được sau ngày đến."
    doc_type = _doc_type(data.doc_type, issued_date or arrival_day, errors)
    subject = _text(data.subject, field_name="subject", label="trích yếu", errors=errors, required=True,
                    max_length=2000)
    signer = _text(data.signer, field_name="signer", label="người ký", errors=errors, max_length=100)
    signer_title = _text(data.signer_title, field_name="signer_title", label="chức vụ người ký", errors=errors,
                         max_length=200)
    urgency = _choice(data.urgency, Urgency, field_name="urgency", label="độ khẩn", errors=errors,
                      default=Urgency.NORMAL)
    secrecy = _choice(data.secrecy, Secrecy, field_name="secrecy", label="độ mật", errors=errors,
                      default=Secrecy.NORMAL)
    channel = _choice(data.channel, Channel, field_name="channel", label="hình thức nhận", errors=errors,
                      default=Channel.PAPER)
    pages = _positive_int(data.pages, field_name="pages", label="số trang", errors=errors)
    due_date = _date(data.due_date, field_name="due_date", errors=errors)
    if due_date and issued_date and due_date < issued_date:
        errors["due_date"] = "Hạn xử lý không được trước ngày ban hành."
    dept = _check_agency_member(Department, data.receiving_department_id, agency,
                                field_name="receiving_department_id", label="đơn vị nhận", errors=errors)
    person = _check_agency_member(Official, data.receiving_official_id, agency,
                                  field_name="receiving_official_id", label="người nhận", errors=errors)
    notes = _text(data.notes, field_name="notes", label="ghi chú", errors=errors, max_length=2000)
    if errors:
        raise ValidationFailed("Thông tin văn bản chưa hợp lệ.", fields=errors)
    access = _officials_of(agency, data.access_official_ids)

    if not allow_duplicate:
        dups = find_duplicates(actor=actor, agency=agency, issuer=issuer, number=number, notation=notation,
                               issued_date=issued_date)
        if dups:
            raise DuplicateSuspected(dups)

    prepared = _prepare_files(uploads)  # a refused file stops here, before anything is written
    try:
        register = register_for(agency=agency, year=arrival_day.year, direction=Direction.INCOMING,
                                doc_type=doc_type, secrecy=secrecy)
        issuer_agency = Agency.objects.filter(name__iexact=issuer).first()
    except BaseException:
        _discard(prepared)
        raise

    def body(stored: list[StoredFile]) -> Document:
        arrival_number = _take_number(register)
        doc = Document.objects.create(
            agency=agency, direction=Direction.INCOMING, register=register, register_number=arrival_number,
            registered_at=received_at, number=number, notation=notation, doc_type=doc_type, issuer=issuer,
            issuer_agency=issuer_agency, issued_date=issued_date, subject=subject, signer=signer,
            signer_title=signer_title, urgency=urgency, secrecy=secrecy, pages=pages, due_date=due_date,
            channel=channel, receiving_department=dept, receiving_official=person, notes=notes, created_by=actor,
            request_token=request_token, issuer_folded=fold_for_index(issuer)[:200],
        )
        _grant_secret_access(doc, actor, access, person)
        _link_attachments(doc, prepared, stored, reused)
        search.index_document(doc, new=True, attachment_texts=[row.text for row in stored]
                              + [row.text for row, _ in reused])
        journal_record(actor=actor, agency_id=agency.pk, action="document.register_incoming", obj=doc,
                       after=document_snapshot(doc))
        # Check the signatures of the files received once the registration commits (a job row in this
        # transaction: gone if it rolls back). The job lives in congvu.signing; its name is the only link.
        enqueue("signing.check_document", document_id=doc.pk)
        if on_registered is not None:
            on_registered(doc)
        return doc

    return _write_registration(prepared=prepared, request_token=request_token, body=body)


def _grant_secret_access(doc: Document, actor, access: list[Official], person: Official | None) -> None:
    if doc.secrecy == Secrecy.NORMAL:
        return
    people = {o.pk: o for o in access}
    if (me := official_for_user(actor)) is not None:
        people[me.pk] = me  # the clerk who registers a secret document is named on it
    if person is not None:
        people[person.pk] = person
    DocumentAccess.objects.bulk_create([DocumentAccess(document=doc, official=o) for o in people.values()])


def outgoing_register(*, actor, agency: Agency, data: OutgoingData, uploads=(), request_token: str | None = None,
                      stored_files=(), on_registered: Callable[[Document], None] | None = None) -> Document:
    """Number and record an already-signed outgoing document (Decree 30 Art. 15–16).

    The number comes from the outgoing register chosen by `register_for`; the notation is built from
    the type abbreviation and the agency (and, for a Công văn, the drafting unit) codes. `stored_files`
    as in `incoming_register` (an approved draft's final version is issued without copying its file);
    `on_registered` as in `incoming_register`.
    """
    if not can_register(actor, agency.pk):
        raise PermissionDenied("Chỉ văn thư của cơ quan được cấp số văn bản đi.")
    reused = _check_stored_files(stored_files)
    request_token = scoped_request_token(actor, request_token)
    if (existing := _existing_for_token(request_token)) is not None:
        return existing
    _check_agency_active(agency, timezone.localdate())
    errors: dict[str, str] = {}
    today = timezone.localdate()
    issued_date = _date(data.issued_date, field_name="issued_date", errors=errors) or today
    if issued_date > today:
        errors["issued_date"] = "Ngày ban hành không được ở tương lai."
    doc_type = _doc_type(data.doc_type, issued_date, errors)
    subject = _text(data.subject, field_name="subject", label="trích yếu", errors=errors, required=True,
                    max_length=2000)
    signer = _text(data.signer, field_name="signer", label="người ký", errors=errors, required=True,
                   max_length=100)
    signer_title = _text(data.signer_title, field_name="signer_title", label="chức vụ người ký", errors=errors,
                         max_length=200)
    urgency = _choice(data.urgency, Urgency, field_name="urgency", label="độ khẩn", errors=errors,
                      default=Urgency.NORMAL)
    secrecy = _choice(data.secrecy, Secrecy, field_name="secrecy", label="độ mật", errors=errors,
                      default=Secrecy.NORMAL)
    pages = _positive_int(data.pages, field_name="pages", label="số trang", errors=errors)
    copies = _positive_int(data.copies, field_name="copies", label="số lượng bản", errors=errors)
    due_date = _date(data.due_date, field_name="due_date", errors=errors)
    dispatched_on = _date(data.dispatched_on, field_name="dispatched_on", errors=errors)
    if dispatched_on and dispatched_on < issued_date:
        errors["dispatched_on"] = "Ngày chuyển không được trước ngày ban hành."
    dept = _check_agency_member(Department, data.drafting_department_id, agency,
                                field_name="drafting_department_id", label="đơn vị soạn thảo", errors=errors)
    if doc_type is not None and not doc_type.abbreviation and dept is None and "drafting_department_id" not in errors:
        errors["drafting_department_id"] = "Công văn cần đơn vị soạn thảo để ghi ký hiệu."
    notes = _text(data.notes, field_name="notes", label="ghi chú", errors=errors, max_length=2000)
    recipient_ids = [_to_id(i) for i in data.recipient_agency_ids or [] if str(i).strip()]
    recipient_agencies = []
    if None in recipient_ids:
        errors["recipient_agency_ids"] = "Mã cơ quan nhận không hợp lệ."
    else:
        found = Agency.objects.in_bulk(set(recipient_ids))
        recipient_agencies = [found[i] for i in dict.fromkeys(recipient_ids) if i in found]
        if len(found) != len(set(recipient_ids)):
            errors["recipient_agency_ids"] = "Có cơ quan nhận không tồn tại."
        elif ended := [a.name for a in recipient_agencies if a.active_to and a.active_to < issued_date]:
            errors["recipient_agency_ids"] = f"{ended[0]} đã ngừng hoạt động trước ngày ban hành."
    names = [n for n in (_clean_text(x) for x in data.recipient_names or []) if n]
    if not recipient_agencies and not names:
        errors["recipients"] = "Vui lòng nhập nơi nhận."
    if errors:
        raise ValidationFailed("Thông tin văn bản đi chưa hợp lệ.", fields=errors)
    access = _officials_of(agency, data.access_official_ids)

    prepared = _prepare_files(uploads)  # a refused file stops here, before anything is written
    try:
        register = register_for(agency=agency, year=issued_date.year, direction=Direction.OUTGOING,
                                doc_type=doc_type, secrecy=secrecy)
    except BaseException:
        _discard(prepared)
        raise
    notation = build_notation(type_abbreviation=doc_type.abbreviation, agency_code=agency.notation_code,
                              department_code=dept.code if dept else "")

    def body(stored: list[StoredFile]) -> Document:
        n = _take_number(register)
        doc = Document.objects.create(
            agency=agency, direction=Direction.OUTGOING, register=register, register_number=n,
            registered_at=timezone.now(), number=format_number(n), notation=notation, doc_type=doc_type,
            issuer=agency.name, issuer_agency=agency, issued_date=issued_date, subject=subject,
            signer=signer, signer_title=signer_title, urgency=urgency, secrecy=secrecy, pages=pages,
            due_date=due_date, channel=Channel.PAPER, drafting_department=dept, dispatched_on=dispatched_on,
            copies=copies, notes=notes, created_by=actor, request_token=request_token,
            status=DocumentStatus.DISPATCHED if dispatched_on else DocumentStatus.ISSUED,
            issuer_folded=fold_for_index(agency.name)[:200],
        )
        Recipient.objects.bulk_create(
            [Recipient(document=doc, agency=a, name=a.name, position=i) for i, a in enumerate(recipient_agencies)]
            + [Recipient(document=doc, name=name[:300], position=len(recipient_agencies) + i)
               for i, name in enumerate(names)]
        )
        _grant_secret_access(doc, actor, access, None)
        _link_attachments(doc, prepared, stored, reused)
        search.index_document(doc, new=True, recipient_names=[a.name for a in recipient_agencies] + names,
                              attachment_texts=[row.text for row in stored] + [row.text for row, _ in reused])
        journal_record(actor=actor, agency_id=agency.pk, action="document.register_outgoing", obj=doc,
                       after=document_snapshot(doc) | {"recipients": [a.name for a in recipient_agencies] + names})
        # Runs after the commit, so it sees the files as they end up (an issued draft's signed copies).
        enqueue("signing.check_document", document_id=doc.pk)
        if on_registered is not None:
            on_registered(doc)
        return doc

    return _write_registration(prepared=prepared, request_token=request_token, body=body)


EDITABLE_FIELDS = ("subject", "signer", "signer_title", "urgency", "pages", "due_date", "notes",
                   "receiving_department_id", "receiving_official_id", "dispatched_on", "copies")


# Vietnamese labels and length limits of the correctable fields (the same limits as registration).
_UPDATE_LABELS = {"subject": "trích yếu", "signer": "người ký", "signer_title": "chức vụ người ký", "notes": "ghi chú",
                  "pages": "số trang", "copies": "số lượng bản"}
_UPDATE_MAX_LENGTH = {"subject": 2000, "signer": 100, "signer_title": 200, "notes": 2000}


def document_update(*, actor, document: Document, changes: dict) -> Document:
    """Correct the metadata of a registered document. Numbers, dates of issue and registers never change.

    Only `EDITABLE_FIELDS` may be sent. Any invalid field rejects the whole change (ValidationFailed with
    Vietnamese per-field messages). A change that changes nothing writes nothing, not even a journal row.
    """
    if not visible_documents(actor).filter(pk=document.pk).exists():
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    if not can_register(actor, document.agency_id):
        raise PermissionDenied("Chỉ văn thư của cơ quan được sửa thông tin văn bản.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    errors: dict[str, str] = {}
    clean: dict = {}
    for key, value in changes.items():
        if key in ("subject", "signer", "signer_title", "notes"):
            clean[key] = _text(value, field_name=key, label=_UPDATE_LABELS[key], errors=errors,
                               required=(key == "subject"), max_length=_UPDATE_MAX_LENGTH[key])
        elif key == "urgency":
            clean[key] = _choice(value, Urgency, field_name=key, label="độ khẩn", errors=errors,
                                 default=document.urgency)
        elif key in ("pages", "copies"):
            clean[key] = _positive_int(value, field_name=key, label=_UPDATE_LABELS[key], errors=errors)
        elif key in ("due_date", "dispatched_on"):
            clean[key] = _date(value, field_name=key, errors=errors)
        elif key == "receiving_department_id":
            d = _check_agency_member(Department, value, document.agency, field_name=key, label="đơn vị nhận",
                                     errors=errors)
            clean[key] = d.pk if d else None
        elif key == "receiving_official_id":
            o = _check_agency_member(Official, value, document.agency, field_name=key, label="người nhận",
                                     errors=errors)
            clean[key] = o.pk if o else None
    # The date order registration enforces; checked only when the date changes, so an older record that
    # predates the rule can still have its other fields corrected.
    due_date = clean.get("due_date")
    if due_date and due_date != document.due_date and document.issued_date and due_date < document.issued_date:
        errors["due_date"] = "Hạn xử lý không được trước ngày ban hành."
    dispatched_on = clean.get("dispatched_on")
    if dispatched_on and dispatched_on != document.dispatched_on:
        if document.direction == Direction.INCOMING:
            if dispatched_on < timezone.localtime(document.registered_at).date():
                errors["dispatched_on"] = "Ngày chuyển không được trước ngày đến."
        elif document.issued_date and dispatched_on < document.issued_date:
            errors["dispatched_on"] = "Ngày chuyển không được trước ngày ban hành."
    if errors:
        raise ValidationFailed("Thông tin sửa chưa hợp lệ.", fields=errors)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        before = document_snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        if locked.direction == Direction.OUTGOING and locked.status in (DocumentStatus.ISSUED,
                                                                        DocumentStatus.DISPATCHED):
            locked.status = DocumentStatus.DISPATCHED if locked.dispatched_on else DocumentStatus.ISSUED
        after = document_snapshot(locked)
        if after == before:
            return locked
        locked.save()
        if locked.is_secret and locked.receiving_official_id and \
                after["receiving_official_id"] != before["receiving_official_id"]:
            # As at registration: the person a secret document is addressed to is named on it.
            DocumentAccess.objects.get_or_create(document=locked, official_id=locked.receiving_official_id)
        search.index_document(locked)
        journal_record(actor=actor, agency_id=locked.agency_id, action="document.update", obj=locked,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return locked


def document_access_record(*, actor, document: Document, action: str) -> None:
    """Journal that a secret document was opened or a file downloaded (Annex VI: view history)."""
    if document.secrecy == Secrecy.NORMAL:
        return
    with transaction.atomic():
        journal_record(actor=actor, agency_id=document.agency_id, action=action, obj=document)
