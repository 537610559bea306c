"""Reading stored files: synchronous reads, the OCR job (progress, copy, search), failures and leases."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from congvu.core.errors import NotFound
from congvu.documents import files as file_store
from congvu.documents.models import SearchEntry, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.intake import ocr, services, sources
from congvu.intake.duplicates import text_words
from congvu.intake.extract import EXTRACTOR_VERSION, extract_fields
from congvu.intake.models import Extraction, ExtractionStatus, IntakeUpload, TextFingerprint
from congvu.intake.services import extraction_ocr, extraction_restart, extraction_start, extractions_sweep
from congvu.intake.sources import TextSource
from congvu.intake.tests.test_sources import HEADER_TEXT, header_pdf, page_png, scan_pdf, signed
from congvu.jobs.testing import queued, run_queued

needs_ocr = pytest.mark.skipif(ocr.ocr_available() is not None, reason="tesseract-ocr / tesseract-ocr-vie missing")


def store(data: bytes, content_type: str) -> StoredFile:
    sha256 = hashlib.sha256(data).hexdigest()
    path = file_store.storage_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return StoredFile.objects.create(sha256=sha256, size=len(data), content_type=content_type,
                                     path=file_store.storage_relpath(sha256))


def attach(clerk, agency, stored_file: StoredFile):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(subject="Về việc tiếp nhận hồ sơ"),
                             stored_files=[(stored_file, "scan.pdf")])


@pytest.fixture
def scan_bytes() -> bytes:
    return page_png(header_pdf(font_size=14), dpi=200, crop_top=0.3)


@pytest.fixture
def ocr_installed(monkeypatch):
    """For tests of the job's bookkeeping: OCR counts as installed; the test supplies ocr_file."""
    monkeypatch.setattr(ocr, "ocr_available", lambda: None)


def fake_result(text="ỦY BAN NHÂN DÂN\nSố: 7/QĐ-UBND", pdf=b"%PDF-1.4 copy"):
    return ocr.OcrResult(text=text, pdf=pdf, pages=1, total_pages=1)


# --- read now ----------------------------------------------------------------------------------------


def test_a_text_pdf_is_read_at_once_and_feeds_search(clerk, agency):
    row = store(header_pdf(), sources.PDF)
    document = attach(clerk, agency, row)
    extraction = extraction_start(actor=clerk, stored_file=row)
    extraction.refresh_from_db()
    assert (extraction.status, extraction.source, extraction.pages, extraction.error) == (
        ExtractionStatus.DONE, TextSource.TEXT_LAYER, 1, "")
    assert extraction.text == HEADER_TEXT
    assert (extraction.fields["number"], extraction.fields["notation"]) == ("12", "QĐ-UBND")
    assert extraction.fields["date"] == "2024-03-05"
    assert extraction.extractor_version == EXTRACTOR_VERSION
    assert queued("intake.ocr") == []
    row.refresh_from_db()
    assert row.text == HEADER_TEXT
    assert "phe duyet ke hoach ho tro ho ngheo" in SearchEntry.objects.get(document=document).body
    # The near-duplicate fingerprint is taken from the same reading.
    assert TextFingerprint.objects.get(file=row).length == len(text_words(HEADER_TEXT)) > 0


def test_an_extraction_is_reused(clerk, agency):
    row = store(header_pdf(), sources.PDF)
    first = extraction_start(actor=clerk, stored_file=row)
    second = extraction_start(actor=clerk, stored_file=row)
    assert second.pk == first.pk
    assert Extraction.objects.count() == 1


def test_an_encrypted_pdf_fails_with_a_message_and_nothing_else_changes(clerk):
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(header_pdf())))
    writer.encrypt(user_password="mat-khau", algorithm="AES-128")
    out = BytesIO()
    writer.write(out)
    row = store(out.getvalue(), sources.PDF)
    extraction = extraction_start(actor=clerk, stored_file=row)
    assert (extraction.status, extraction.error, extraction.text) == (ExtractionStatus.FAILED, sources.MSG_ENCRYPTED, "")
    assert queued("intake.ocr") == []
    row.refresh_from_db()
    assert row.text == ""


def test_a_file_missing_from_storage(clerk):
    row = StoredFile.objects.create(sha256="0" * 64, size=10, content_type=sources.PDF, path="files/00/00/none")
    extraction = extraction_start(actor=clerk, stored_file=row)
    assert (extraction.status, extraction.error) == (ExtractionStatus.FAILED, services.MSG_FILE_MISSING)


# --- scans -------------------------------------------------------------------------------------------


def test_a_scan_without_ocr_installed_fails_with_what_to_install(clerk, monkeypatch, scan_bytes):
    monkeypatch.setattr(ocr, "ocr_available", lambda: ocr.MSG_NO_TESSERACT)
    extraction = extraction_start(actor=clerk, stored_file=store(scan_bytes, "image/png"))
    assert (extraction.status, extraction.error, extraction.pages) == (ExtractionStatus.FAILED, ocr.MSG_NO_TESSERACT, 1)
    assert queued("intake.ocr") == []


@needs_ocr
def test_a_scan_is_ocrd_in_the_background(clerk, agency, scan_bytes):
    row = store(scan_bytes, "image/png")
    document = attach(clerk, agency, row)
    extraction = extraction_start(actor=clerk, stored_file=row)
    assert (extraction.status, extraction.text) == (ExtractionStatus.PENDING, "")
    assert queued("intake.ocr") == [{"extraction_id": extraction.pk}]
    assert run_queued("intake.ocr") == 1
    extraction.refresh_from_db()
    assert (extraction.status, extraction.source, extraction.pages, extraction.pages_done, extraction.error) == (
        ExtractionStatus.DONE, TextSource.OCR, 1, 1, "")
    assert "Số: 12/QĐ-UBND" in extraction.text.split("\n")
    assert (extraction.fields["number"], extraction.fields["notation"]) == ("12", "QĐ-UBND")
    # OCR text is judged with the confidences calibrated on scans, lower than a text layer's.
    assert extraction.confidence == extract_fields(extraction.text, scanned=True)[1]
    assert extraction.confidence != extract_fields(extraction.text)[1]
    copy = extraction.ocr_file
    assert copy is not None and copy.pk != row.pk and copy.content_type == sources.PDF
    assert file_store.storage_path(row.sha256).read_bytes() == scan_bytes  # the original is untouched
    assert sources.read_text(file_store.storage_path(copy.sha256)).text == extraction.text
    row.refresh_from_db()
    assert row.text == extraction.text
    assert "so 12 qd ubnd" in SearchEntry.objects.get(document=document).body
    assert TextFingerprint.objects.get(file=row).length == len(text_words(extraction.text)) > 0
    assert extraction_ocr(extraction_id=extraction.pk) == ExtractionStatus.DONE  # a second run changes nothing
    assert StoredFile.objects.count() == 2


@needs_ocr
def test_a_signed_scan_gets_no_copy(clerk, scan_bytes):
    row = store(signed(scan_pdf(scan_bytes)), sources.PDF)
    extraction = extraction_start(actor=clerk, stored_file=row)
    assert (extraction.status, extraction.signed) == (ExtractionStatus.PENDING, True)
    run_queued("intake.ocr")
    extraction.refresh_from_db()
    assert (extraction.status, extraction.ocr_file) == (ExtractionStatus.DONE, None)
    assert ocr.MSG_SIGNED in extraction.warnings
    assert StoredFile.objects.count() == 1


def test_progress_is_recorded_per_page(clerk, ocr_installed, monkeypatch, scan_bytes):
    extraction = extraction_start(actor=clerk, stored_file=store(scan_bytes, "image/png"))
    seen = []

    def fake_ocr(data, *, content_type, signed, progress):
        progress(1, 2)
        seen.append(Extraction.objects.values_list("status", "pages_done", "pages").get(pk=extraction.pk))
        progress(2, 2)
        return ocr.OcrResult(text="ỦY BAN NHÂN DÂN", pdf=b"%PDF-1.4 copy", pages=2, total_pages=2)

    monkeypatch.setattr(ocr, "ocr_file", fake_ocr)
    assert extraction_ocr(extraction_id=extraction.pk) == ExtractionStatus.DONE
    assert seen == [(ExtractionStatus.RUNNING, 1, 2)]
    extraction.refresh_from_db()
    assert (extraction.pages_done, extraction.pages, extraction.attempts) == (2, 2, 1)


def test_a_timeout_leaves_the_extraction_failed_with_the_reason(clerk, ocr_installed, monkeypatch, scan_bytes):
    extraction = extraction_start(actor=clerk, stored_file=store(scan_bytes, "image/png"))
    message = ocr.MSG_TIMEOUT.format(minutes=20)

    def fake_ocr(data, **kw):
        raise ocr.OcrFailed(message)

    monkeypatch.setattr(ocr, "ocr_file", fake_ocr)
    assert extraction_ocr(extraction_id=extraction.pk) == ExtractionStatus.FAILED
    extraction.refresh_from_db()
    assert (extraction.status, extraction.error, extraction.ocr_file) == (ExtractionStatus.FAILED, message, None)


def test_a_crash_leaves_the_extraction_failed_not_running(clerk, ocr_installed, monkeypatch, scan_bytes):
    extraction = extraction_start(actor=clerk, stored_file=store(scan_bytes, "image/png"))

    def fake_ocr(data, **kw):
        raise RuntimeError("tesseract segfault")

    monkeypatch.setattr(ocr, "ocr_file", fake_ocr)
    extraction_ocr(extraction_id=extraction.pk)
    extraction.refresh_from_db()
    assert (extraction.status, extraction.error) == (ExtractionStatus.FAILED, services.MSG_OCR_ERROR)


def test_a_running_extraction_is_left_to_its_worker(clerk, ocr_installed, monkeypatch, scan_bytes):
    extraction = extraction_start(actor=clerk, stored_file=store(scan_bytes, "image/png"))
    Extraction.objects.filter(pk=extraction.pk).update(status=ExtractionStatus.RUNNING, attempts=1,
                                                       updated_at=timezone.now())
    monkeypatch.setattr(ocr, "ocr_file", lambda *a, **k: pytest.fail("must not run"))
    assert extraction_ocr(extraction_id=extraction.pk) == ExtractionStatus.RUNNING
    assert Extraction.objects.values_list("status", "attempts").get(pk=extraction.pk) == (ExtractionStatus.RUNNING, 1)


def test_a_stale_running_extraction_is_taken_over(clerk, ocr_installed, monkeypatch, scan_bytes):
    extraction = extraction_start(actor=clerk, stored_file=store(scan_bytes, "image/png"))
    old = timezone.now() - dt.timedelta(hours=2)
    Extraction.objects.filter(pk=extraction.pk).update(status=ExtractionStatus.RUNNING, attempts=1, updated_at=old,
                                                       started_at=old)
    assert extractions_sweep() == 1
    assert queued("intake.ocr") == [{"extraction_id": extraction.pk}] * 2
    monkeypatch.setattr(ocr, "ocr_file", lambda data, **kw: fake_result())
    run_queued("intake.ocr")
    extraction.refresh_from_db()
    assert (extraction.status, extraction.attempts, extraction.text) == (
        ExtractionStatus.DONE, 2, "ỦY BAN NHÂN DÂN\nSố: 7/QĐ-UBND")
    assert extraction.ocr_file.sha256 == hashlib.sha256(b"%PDF-1.4 copy").hexdigest()


def test_a_file_that_keeps_killing_the_worker_is_given_up(clerk, ocr_installed, monkeypatch, scan_bytes):
    extraction = extraction_start(actor=clerk, stored_file=store(scan_bytes, "image/png"))
    old = timezone.now() - dt.timedelta(hours=2)
    Extraction.objects.filter(pk=extraction.pk).update(status=ExtractionStatus.RUNNING, attempts=3, updated_at=old)
    monkeypatch.setattr(ocr, "ocr_file", lambda *a, **k: pytest.fail("must not run"))
    assert extraction_ocr(extraction_id=extraction.pk) == ExtractionStatus.FAILED
    extraction.refresh_from_db()
    assert extraction.error == services.MSG_OCR_CRASHED.format(n=3)


# --- reading again -----------------------------------------------------------------------------------


def test_restart_is_for_those_who_can_see_the_file(clerk, other_clerk, agency, monkeypatch, scan_bytes):
    monkeypatch.setattr(ocr, "ocr_available", lambda: ocr.MSG_NO_TESSERACT)
    row = store(scan_bytes, "image/png")
    extraction = extraction_start(actor=clerk, stored_file=row)
    IntakeUpload.objects.create(file=row, agency=agency, uploaded_by=clerk, original_name="scan.png")
    with pytest.raises(NotFound):
        extraction_restart(actor=other_clerk, extraction_id=extraction.pk)
    assert Extraction.objects.values_list("status", "error").get(pk=extraction.pk) == (
        ExtractionStatus.FAILED, ocr.MSG_NO_TESSERACT)
    monkeypatch.setattr(ocr, "ocr_available", lambda: None)  # OCR installed since
    again = extraction_restart(actor=clerk, extraction_id=extraction.pk)
    assert (again.pk, again.status, again.error) == (extraction.pk, ExtractionStatus.PENDING, "")
    assert queued("intake.ocr") == [{"extraction_id": extraction.pk}]
