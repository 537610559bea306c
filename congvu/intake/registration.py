"""Intake in the registration form: a dropped file is stored at once and read; what was read is offered
as the form's values; on registration the file is attached without uploading it again, and every
field as read and as saved is kept (`ExtractionCorrection`) to measure accuracy on real use.
"""

import datetime as dt
import logging
import re
import unicodedata

from django.db import IntegrityError, transaction

from congvu.audit.services import journal_record
from congvu.core.errors import PermissionDenied
from congvu.core.folding import fold_for_index
from congvu.documents import files as file_store
from congvu.documents.models import Direction, Document, DocumentType, Secrecy, StoredFile, Urgency
from congvu.intake.models import Extraction, ExtractionCorrection, ExtractionStatus, IntakeUpload
from congvu.org.models import Agency
from congvu.org.selectors import can_register

log = logging.getLogger(__name__)

# A field read with less confidence than this is highlighted for the clerk to check (the extractor's advice).
LOW_CONFIDENCE = 0.9

# Fields compared at registration, in the form's order, by direction. The keys are the extraction's
# (the `congvu extract` keys), so accuracy on real use lines up with the benchmark.
INCOMING_FIELDS = ("issuer", "number", "notation", "date", "doc_type", "subject", "signer", "signer_title",
                   "urgency", "secrecy")
# An outgoing document's number, notation and issuer are the agency's own, given by the register.
OUTGOING_FIELDS = ("date", "doc_type", "subject", "signer", "signer_title", "urgency", "secrecy")

FIELD_LABELS = {
    "issuer": "Cơ quan ban hành", "number": "Số", "notation": "Ký hiệu", "date": "Ngày ban hành",
    "doc_type": "Loại văn bản", "subject": "Trích yếu", "signer": "Người ký", "signer_title": "Chức vụ người ký",
    "urgency": "Độ khẩn", "secrecy": "Độ mật",
}

_URGENCY = {"khan": Urgency.URGENT, "thuong khan": Urgency.VERY_URGENT, "hoa toc": Urgency.FLASH,
            "hoa toc hen gio": Urgency.FLASH}
_SECRECY = {"mat": Secrecy.CONFIDENTIAL, "toi mat": Secrecy.SECRET, "tuyet mat": Secrecy.TOP_SECRET}


# --- storing a dropped file --------------------------------------------------------------------

def upload_receive(*, actor, agency: Agency, upload) -> IntakeUpload:
    """Store a file dropped on a registration form (or posted to the API) and start reading it.

    The bytes go to the registry's content-addressed store (one StoredFile per content, shared with
    documents that already have it); the upload records who sent it, for which agency, under which name.
    Raises PermissionDenied (not a clerk of the agency) or ValidationFailed (fields={"file": …}: empty,
    too large, not an accepted type). A file that cannot be read is kept: its extraction says why."""
    if not can_register(actor, agency.pk):
        raise PermissionDenied("Chỉ văn thư của cơ quan được tải văn bản lên để vào sổ.")
    prepared = file_store.prepare_upload(upload, field="file")
    written: list[str] = []
    try:  # the text for search is the reading's (`extraction_start` puts it on the StoredFile)
        with transaction.atomic():
            row = StoredFile.objects.filter(sha256=prepared.sha256).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = StoredFile.objects.create(
                            sha256=prepared.sha256, size=prepared.size, content_type=prepared.content_type,
                            path=file_store.storage_relpath(prepared.sha256), text=prepared.text)
                except IntegrityError:  # stored meanwhile by another request: share it
                    row = StoredFile.objects.get(sha256=prepared.sha256)
                else:
                    written.append(file_store.put_file(prepared))
            name = unicodedata.normalize("NFC", prepared.original_name)[:255]
            result = IntakeUpload.objects.create(file=row, agency=agency, uploaded_by=actor, original_name=name)
            journal_record(actor=actor, agency_id=agency.pk, action="intake.upload", obj=result,
                           after={"file": name, "sha256": row.sha256, "size": row.size})
    except BaseException:
        if written:  # this request wrote the bytes and its row is rolled back: nothing refers to them
            file_store.storage_path(prepared.sha256).unlink(missing_ok=True)
        raise
    finally:
        file_store.discard(prepared)
    _start_reading(actor, row)
    return result


def _start_reading(actor, stored_file: StoredFile) -> None:
    """Read the file now (text layer, Word) or queue its OCR. Never fails the upload: a file that cannot
    be read is still attached, and the clerk types its fields by hand (or asks to read it again)."""
    from congvu.intake.services import extraction_start

    try:
        extraction_start(actor=actor, stored_file=stored_file)
    except Exception:
        log.exception("starting the extraction of stored file %s failed", stored_file.pk)


def upload_read_again(*, actor, upload: IntakeUpload) -> Extraction:
    """Read an upload's file again: after a failure, or a reading that never started (OCR installed since,
    a worker lost). Only the uploader (the caller checks it through `selectors.upload_get`)."""
    from congvu.intake.services import extraction_restart, extraction_start

    if upload.uploaded_by_id != actor.pk:
        raise PermissionDenied("Chỉ người tải tệp lên được yêu cầu đọc lại.")
    extraction = Extraction.objects.filter(file_id=upload.file_id).first()
    if extraction is None:
        return extraction_start(actor=actor, stored_file=upload.file)
    return extraction_restart(actor=actor, extraction_id=extraction.pk)


# --- what was read, as the form's values -------------------------------------------------------

def _doc_type_code(value: str) -> str:
    if not value:
        return ""
    if DocumentType.objects.filter(code=value).exists():
        return value
    wanted = fold_for_index(value)
    from congvu.documents.forms import current_document_types

    for t in current_document_types():
        if fold_for_index(t.name) == wanted:
            return t.code
    return ""


def _mark_code(value: str, table: dict, choices) -> str:
    """An urgency or secrecy mark as printed ("HỎA TỐC", "MẬT") → its code; no mark → normal."""
    if not value:
        return "normal"
    if value in choices.values:
        return value
    return table.get(fold_for_index(value), "")


def _iso_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(str(value)).isoformat() if value else ""
    except ValueError:
        return ""


def _notation_with_year(number: str, notation: str, text: str) -> str:
    """A legal document's notation carries its year ("30/2016/QĐ-UBND"); the extractor gives the part
    after the last "/". The registry keeps the year in the notation ("2016/QĐ-UBND"), so it is put back
    when the text prints it."""
    if not (number and notation and text):
        return notation
    m = re.search(rf"(?<!\d){re.escape(number)}\s*/\s*((?:19|20)\d\d)\s*/\s*{re.escape(notation)}", text)
    return f"{m.group(1)}/{notation}" if m else notation


def read_values(extraction: Extraction | None, *, direction: str = Direction.INCOMING) -> dict[str, str]:
    """The extraction's fields in the registry's terms (doc type and marks as codes, date ISO), for the
    fields compared at registration; "" where nothing was read."""
    if extraction is None or extraction.status != ExtractionStatus.DONE:
        return {}
    raw = extraction.fields or {}

    def text(key):
        value = raw.get(key)
        return " ".join(str(value).split()) if value else ""

    values = {
        "issuer": text("issuer"), "number": text("number"),
        "notation": _notation_with_year(text("number"), text("notation").replace(" ", ""), extraction.text),
        "date": _iso_date(raw.get("date") or ""), "doc_type": _doc_type_code(text("doc_type")),
        "subject": text("subject"), "signer": text("signer"), "signer_title": text("signer_title"),
        "urgency": _mark_code(text("urgency"), _URGENCY, Urgency),
        "secrecy": _mark_code(text("secrecy"), _SECRECY, Secrecy),
    }
    keep = INCOMING_FIELDS if direction == Direction.INCOMING else OUTGOING_FIELDS
    return {k: values[k] for k in keep}


def confidence_of(extraction: Extraction, key: str) -> float | None:
    value = (extraction.confidence or {}).get(key)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def form_fill(extraction: Extraction | None, *, direction: str = Direction.INCOMING, user=None,
              agency_id: int | None = None) -> dict[str, dict]:
    """What the registration form offers: form field name → {"value", "low", "label"}. Only fields read.

    The issuer is offered in the spelling of earlier documents when one folds alike, "UBND" and "Ủy ban
    nhân dân" being the same ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM" → "UBND tỉnh Quảng Nam"), so the register
    stays consistent."""
    values = read_values(extraction, direction=direction)
    if not values:
        return {}
    conf = {k: confidence_of(extraction, k) for k in values}

    def low(*keys) -> bool:
        return any(conf[k] is not None and conf[k] < LOW_CONFIDENCE for k in keys)

    offered: dict[str, dict] = {}

    def offer(name: str, value: str, *keys: str):
        if value:
            offered[name] = {"value": value, "low": low(*keys), "label": FIELD_LABELS[keys[0]]}

    if direction == Direction.INCOMING:
        issuer = values["issuer"]
        if issuer and user is not None and agency_id is not None:
            from congvu.documents.selectors import issuer_suggestions

            variants = issuer_variants(issuer)
            for variant in variants:
                known = [k for k in issuer_suggestions(user=user, agency_id=agency_id, prefix=variant, limit=10)
                         if fold_for_index(k) in variants]
                if known:
                    issuer = known[0]
                    break
        offer("issuer", issuer, "issuer")
        number_notation = "/".join(v for v in (values["number"], values["notation"]) if v)
        offer("number_notation", number_notation, "number", "notation")
    if values["date"]:
        offer("issued_date", dt.date.fromisoformat(values["date"]).strftime("%d/%m/%Y"), "date")
    offer("doc_type", values["doc_type"], "doc_type")
    for key in ("subject", "signer", "signer_title"):
        offer(key, values[key], key)
    for key in ("urgency", "secrecy"):
        if values[key] and values[key] != "normal":
            offer(key, values[key], key)
    return offered


# Long and short forms of the bodies most documents come from: a letterhead prints "ỦY BAN NHÂN DÂN TỈNH
# QUẢNG NAM", the register often says "UBND tỉnh Quảng Nam". Folded.
_ISSUER_FORMS = (("uy ban nhan dan", "ubnd"), ("hoi dong nhan dan", "hdnd"), ("uy ban mat tran to quoc", "ubmttq"))


def issuer_variants(issuer: str) -> list[str]:
    """The folded issuer and its other form ("uy ban nhan dan tinh quang nam" ↔ "ubnd tinh quang nam")."""
    folded = fold_for_index(issuer)
    if not folded:
        return []
    variants = [folded]
    for long, short in _ISSUER_FORMS:
        for a, b in ((long, short), (short, long)):
            if folded == a or folded.startswith(a + " "):
                variants.append(b + folded[len(a):])
    return list(dict.fromkeys(variants))


# --- at registration ---------------------------------------------------------------------------

def _same(a: str, b: str) -> bool:
    """Equal as a clerk means it: NFC, case and runs of spaces do not count (a clerk re-casing
    "UBND TỈNH QUẢNG NAM" did not correct a reading error); tone marks and letters do."""
    def norm(s):
        return " ".join(unicodedata.normalize("NFC", s or "").casefold().split())
    return norm(a) == norm(b)


def _short_forms(text: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", text or "").casefold().replace("uỷ", "ủy").split())
    for long, short in (("ủy ban nhân dân", "ubnd"), ("hội đồng nhân dân", "hđnd"),
                        ("ủy ban mặt trận tổ quốc", "ubmttq")):
        text = text.replace(long, short)
    return text


def _kept(key: str, read: str, saved: str) -> bool:
    """The clerk kept what was read: equal as `_same` says; for the issuer, the long and short forms of one
    body are the same ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM" offered as the register's "UBND tỉnh Quảng Nam")."""
    if _same(read, saved):
        return True
    return key == "issuer" and _short_forms(read) == _short_forms(saved)


def saved_values(document: Document) -> dict[str, str]:
    """A registered document's values in the terms of `read_values`."""
    return {
        "issuer": document.issuer, "number": document.number, "notation": document.notation,
        "date": document.issued_date.isoformat() if document.issued_date else "",
        "doc_type": document.doc_type.code, "subject": document.subject, "signer": document.signer,
        "signer_title": document.signer_title, "urgency": document.urgency, "secrecy": document.secrecy,
    }


def corrections_record(*, actor, document: Document, upload: IntakeUpload) -> list[ExtractionCorrection]:
    """One row per compared field: as read from `upload`'s file, as saved on `document`, the confidence,
    and whether the clerk changed it. Nothing when the file was not read (failed, still reading).
    Idempotent per (extraction, document). Runs in the caller's transaction."""
    extraction = Extraction.objects.filter(file_id=upload.file_id).first()
    read = read_values(extraction, direction=document.direction)
    if not read or ExtractionCorrection.objects.filter(extraction=extraction, document=document).exists():
        return []
    final = saved_values(document)
    rows = [
        ExtractionCorrection(
            extraction=extraction, document=document, field=key, extracted=read[key], final=final[key],
            confidence=confidence_of(extraction, key), changed=not _kept(key, read[key], final[key]), actor=actor)
        for key in read
    ]
    return ExtractionCorrection.objects.bulk_create(rows)


def registration_completed(*, actor, document: Document, uploads: list[IntakeUpload],
                           primary_id: int | None = None) -> None:
    """Called by the registry inside the registering transaction (`on_registered`): the uploads now
    belong to `document`; the corrections of the file that filled the form (`primary_id`, else the first
    one read) are recorded."""
    if not uploads:
        return
    IntakeUpload.objects.filter(pk__in=[u.pk for u in uploads]).update(document=document)
    primary = next((u for u in uploads if u.pk == primary_id), None)
    if primary is None:
        done = set(Extraction.objects.filter(file_id__in=[u.file_id for u in uploads], status=ExtractionStatus.DONE)
                   .values_list("file_id", flat=True))
        primary = next((u for u in uploads if u.file_id in done), None)
    if primary is not None:
        corrections_record(actor=actor, document=document, upload=primary)

    def fingerprints():
        from congvu.intake.duplicates import fingerprint_ensure

        for u in uploads:
            fingerprint_ensure(u.file)

    transaction.on_commit(fingerprints)
