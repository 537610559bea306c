"""Reading stored files: text now when it is cheap (text layer, Word, plain text), OCR in the background.

    extraction = extraction_start(actor=clerk, stored_file=row)   # never raises for a bad file

One `Extraction` per `StoredFile` (files are stored once by content, so a file read for one registration
is not read again for the next). Its text, the fields `congvu.intake.extract.extract_fields` finds in it,
warnings and errors are in Vietnamese for the clerk. A scan is OCR'd by the job "intake.ocr", which
reports progress in `pages_done / pages`, stores the searchable copy as a new StoredFile beside the
untouched original (`ocr_file`; never for a signed PDF), puts the text into the original's `text` and
re-indexes the documents that attach it, so search finds scanned documents.

Reading is derived data, not an act on a document: it is not journaled (the registration that uses it is).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from congvu.core.errors import NotFound
from congvu.documents import files as file_store
from congvu.documents import search
from congvu.documents.models import Attachment, Document, StoredFile
from congvu.intake import ocr, sources
from congvu.intake.models import Extraction, ExtractionStatus, IntakeUpload
from congvu.intake.sources import TextSource
from congvu.jobs import enqueue

log = logging.getLogger(__name__)

SYNC_PDF_SECONDS = 10.0  # a text layer read while the clerk waits stops after this long
MAX_OCR_ATTEMPTS = 3
SEARCH_TEXT_CHARS = 200_000  # as congvu.documents.files.extract_text keeps for search
OCR_JOB = "intake.ocr"

MSG_FILE_MISSING = "Không tìm thấy nội dung tệp trong kho lưu trữ; hãy nhập thông tin bằng tay."
MSG_OCR_CRASHED = ("Nhận dạng chữ bị gián đoạn (máy chủ dừng giữa chừng) {n} lần nên đã ngừng. Tệp gốc vẫn được lưu; "
                   "hãy nhập thông tin bằng tay hoặc bấm “Đọc lại”.")
MSG_OCR_ERROR = "Nhận dạng chữ gặp lỗi không mong muốn. Tệp gốc vẫn được lưu; hãy nhập thông tin bằng tay."
MSG_NOTHING_READ = "Không đọc được chữ nào từ tệp này; hãy nhập thông tin bằng tay."


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "JOBS_LEASE_SECONDS", 1800)))


def _extract(text: str, *, scanned: bool = False) -> tuple[dict, dict, str]:
    """Metadata from a reading; OCR text gets the confidences calibrated on scans (lower, per field)."""
    from congvu.intake.extract import EXTRACTOR_VERSION, extract_fields

    if not text.strip():
        return {}, {}, EXTRACTOR_VERSION
    fields, confidence = extract_fields(text, scanned=scanned)
    return fields, confidence, EXTRACTOR_VERSION


def _stored_path(stored_file: StoredFile) -> Path:
    return Path(settings.MEDIA_ROOT) / stored_file.path


def _reindex_attaching(file_id: int) -> int:
    """Re-index every document attaching the file (its text feeds their search rows)."""
    ids = list(Attachment.objects.filter(file_id=file_id).values_list("document_id", flat=True).distinct())
    for document in Document.objects.filter(pk__in=ids).select_related("doc_type"):
        search.index_document(document)
    return len(ids)


def _set_search_text(stored_file_id: int, text: str) -> None:
    text = text[:SEARCH_TEXT_CHARS]
    if StoredFile.objects.filter(pk=stored_file_id).exclude(text=text).update(text=text):
        _reindex_attaching(stored_file_id)


# --- start -------------------------------------------------------------------------------------------


def extraction_start(*, actor, stored_file: StoredFile) -> Extraction:
    """The Extraction of `stored_file`, created and started if new.

    A file with a text layer, a Word or a text file is read now (seconds at most) and comes back DONE (or
    FAILED with a Vietnamese `error`); a scan comes back PENDING with the job "intake.ocr" queued (in the
    caller's transaction), or FAILED when OCR is not installed here. An existing extraction is returned as
    it is (use `extraction_restart` to read a file again)."""
    existing = Extraction.objects.filter(file=stored_file).first()
    if existing is not None:
        return existing
    values, queue = _reading(stored_file)
    with transaction.atomic():
        try:
            with transaction.atomic():
                extraction = Extraction.objects.create(file=stored_file, **values)
        except IntegrityError:  # read at the same moment for another registration: theirs stands
            return Extraction.objects.get(file=stored_file)
        _after_reading(extraction, values, queue)
    return extraction


def _reading(stored_file: StoredFile) -> tuple[dict, bool]:
    """Read the file (no transaction held) → the Extraction's values, and whether OCR must be queued."""
    result = _read_now(stored_file)
    fields, confidence, version = _extract(result.text) if not result.needs_ocr else ({}, {}, "")
    values = dict(source=result.source if result.text else TextSource.NONE, pages=result.pages, pages_done=0,
                  legacy_encoding=result.legacy_encoding, text=result.text, fields=fields, confidence=confidence,
                  warnings=list(result.warnings), signed=result.signed, extractor_version=version, error="",
                  ocr_file=None, attempts=0, started_at=None)
    queue = False
    if result.needs_ocr:
        reason = ocr.ocr_available()
        if reason:
            values.update(status=ExtractionStatus.FAILED, error=reason)
            if result.text:  # a partly scanned PDF: what the text layer gave is still worth filling in
                values["fields"], values["confidence"], values["extractor_version"] = _extract(result.text)
        else:
            values.update(status=ExtractionStatus.PENDING)
            queue = True
    elif result.text:
        values.update(status=ExtractionStatus.DONE)
    else:
        values.update(status=ExtractionStatus.FAILED, error=(result.warnings or [MSG_NOTHING_READ])[0])
    return values, queue


def _fingerprint(stored_file_id: int, text: str) -> None:
    """The near-duplicate fingerprint of a file, from its newest reading."""
    from congvu.intake.duplicates import fingerprint_ensure

    fingerprint_ensure(StoredFile.objects.get(pk=stored_file_id), text=text)


def _after_reading(extraction: Extraction, values: dict, queue: bool) -> None:
    if values["text"] and not queue:
        _set_search_text(extraction.file_id, values["text"])
        _fingerprint(extraction.file_id, values["text"])
    if queue:
        enqueue(OCR_JOB, extraction_id=extraction.pk)


def _read_now(stored_file: StoredFile) -> sources.TextResult:
    """The cheap part of reading: every reader but OCR (images only get their pages counted)."""
    path = _stored_path(stored_file)
    if not path.exists():
        return sources.TextResult("", TextSource.NONE, warnings=[MSG_FILE_MISSING])
    return sources.read_text(path, content_type=stored_file.content_type, max_seconds=SYNC_PDF_SECONDS)


def extraction_restart(*, actor, extraction_id: int) -> Extraction:
    """Read a file again (after a failure, or once OCR has been installed). The actor must have uploaded
    the file or see a document that attaches it; otherwise NotFound."""
    extraction = Extraction.objects.select_related("file").filter(pk=extraction_id).first()
    if extraction is None or not _may_see_file(actor, extraction.file_id):
        raise NotFound("Không tìm thấy kết quả đọc tệp này.")
    if extraction.status in (ExtractionStatus.PENDING, ExtractionStatus.RUNNING) and not _stale(extraction):
        return extraction  # already being read
    values, queue = _reading(extraction.file)
    with transaction.atomic():
        Extraction.objects.filter(pk=extraction.pk).update(updated_at=timezone.now(), **values)
        extraction.refresh_from_db()
        _after_reading(extraction, values, queue)
    return extraction


def _may_see_file(actor, file_id: int) -> bool:
    from congvu.documents.selectors import visible_documents

    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if IntakeUpload.objects.filter(file_id=file_id, uploaded_by=actor).exists():
        return True
    return visible_documents(actor).filter(attachments__file_id=file_id).exists()


def _stale(extraction: Extraction) -> bool:
    return extraction.status == ExtractionStatus.RUNNING and extraction.updated_at < timezone.now() - _lease()


# --- the OCR job -------------------------------------------------------------------------------------


def _claim(extraction_id: int) -> Extraction | None:
    """Take a PENDING extraction, or a RUNNING one whose run went silent for longer than the lease."""
    now = timezone.now()
    claimable = Q(status=ExtractionStatus.PENDING) | Q(status=ExtractionStatus.RUNNING, updated_at__lt=now - _lease())
    current = Extraction.objects.filter(claimable, pk=extraction_id).first()
    if current is None:
        return None
    if current.attempts >= MAX_OCR_ATTEMPTS:
        Extraction.objects.filter(claimable, pk=extraction_id, attempts=current.attempts).update(
            status=ExtractionStatus.FAILED, error=MSG_OCR_CRASHED.format(n=current.attempts), updated_at=now)
        return None
    taken = Extraction.objects.filter(claimable, pk=extraction_id, attempts=current.attempts).update(
        status=ExtractionStatus.RUNNING, started_at=now, updated_at=now, pages_done=0, error="",
        attempts=current.attempts + 1)
    if not taken:
        return None  # another worker took it between the read and the update
    return Extraction.objects.select_related("file").get(pk=extraction_id)


def extraction_ocr(*, extraction_id: int) -> str:
    """Run OCR for one extraction (the body of the job "intake.ocr"). Idempotent: a DONE or FAILED row,
    or one another worker is running, is left alone. Returns the status it leaves."""
    extraction = _claim(extraction_id)
    if extraction is None:
        return Extraction.objects.filter(pk=extraction_id).values_list("status", flat=True).first() or ""
    run_started = extraction.started_at
    try:
        path = _stored_path(extraction.file)
        if not path.exists():
            raise ocr.OcrFailed(MSG_FILE_MISSING)
        data = path.read_bytes()

        def progress(done: int, total: int) -> None:
            Extraction.objects.filter(pk=extraction_id, status=ExtractionStatus.RUNNING,
                                      started_at=run_started).update(pages_done=done, pages=total,
                                                                     updated_at=timezone.now())

        content_type = sources.sniff(data) or extraction.file.content_type
        result = ocr.ocr_file(data, content_type=content_type, signed=extraction.signed, progress=progress)
    except ocr.OcrFailed as exc:
        return _fail(extraction, run_started, exc.message)
    except Exception:
        log.exception("OCR of extraction %s failed", extraction_id)
        return _fail(extraction, run_started, MSG_OCR_ERROR)
    return _finish(extraction, run_started, result)


def _fail(extraction: Extraction, run_started, message: str) -> str:
    Extraction.objects.filter(pk=extraction.pk, status=ExtractionStatus.RUNNING, started_at=run_started).update(
        status=ExtractionStatus.FAILED, error=message, updated_at=timezone.now())
    return ExtractionStatus.FAILED


def _store_bytes(data: bytes, *, name: str, content_type: str, text: str) -> StoredFile:
    """Store derived bytes (the OCR copy) content-addressed, like an upload; the same bytes are stored once."""
    sha256 = hashlib.sha256(data).hexdigest()
    row = StoredFile.objects.filter(sha256=sha256).first()
    if row is not None:
        return row
    fd, tmp = tempfile.mkstemp(prefix="congvu-ocr-copy-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    prepared = file_store.PreparedFile(name, content_type, len(data), sha256, Path(tmp), text)
    try:
        try:
            with transaction.atomic():
                row = StoredFile.objects.create(sha256=sha256, size=len(data), content_type=content_type,
                                                path=file_store.storage_relpath(sha256),
                                                text=text[:SEARCH_TEXT_CHARS])
        except IntegrityError:
            return StoredFile.objects.get(sha256=sha256)
        file_store.put_file(prepared)
        return row
    finally:
        file_store.discard(prepared)


def _finish(extraction: Extraction, run_started, result: ocr.OcrResult) -> str:
    text = result.text
    fields, confidence, version = _extract(text, scanned=True)
    warnings = [w for w in extraction.warnings if w not in (sources.MSG_NO_TEXT_LAYER,)] + result.warnings
    with transaction.atomic():
        locked = Extraction.objects.select_for_update().filter(
            pk=extraction.pk, status=ExtractionStatus.RUNNING, started_at=run_started).first()
        if locked is None:
            return Extraction.objects.filter(pk=extraction.pk).values_list("status", flat=True).first() or ""
        copy = None
        if result.pdf is not None and text.strip():
            copy = _store_bytes(result.pdf, name="ocr.pdf", content_type=sources.PDF, text=text)
        locked.status = ExtractionStatus.DONE if text.strip() else ExtractionStatus.FAILED
        locked.error = "" if text.strip() else ocr.MSG_NO_TEXT_FOUND
        locked.source = TextSource.OCR if text.strip() else TextSource.NONE
        locked.text = text
        locked.pages = result.total_pages
        locked.pages_done = result.pages
        locked.legacy_encoding = result.legacy_encoding
        locked.fields, locked.confidence, locked.extractor_version = fields, confidence, version
        locked.warnings = list(dict.fromkeys(warnings))
        locked.ocr_file = copy
        locked.save()
        if text.strip():
            _set_search_text(locked.file_id, text)
            _fingerprint(locked.file_id, text)
    return locked.status


def extractions_sweep() -> int:
    """Queue again the OCR of extractions left PENDING or silent in RUNNING for longer than the lease (a lost
    message, a worker that died); `extraction_ocr` then finishes or fails them. Returns how many."""
    old = timezone.now() - _lease()
    ids = list(Extraction.objects.filter(
        Q(status=ExtractionStatus.PENDING, created_at__lt=old) | Q(status=ExtractionStatus.RUNNING, updated_at__lt=old)
    ).order_by("pk").values_list("pk", flat=True)[:500])
    for extraction_id in ids:
        enqueue(OCR_JOB, extraction_id=extraction_id)
    return len(ids)
