"""OCR of scans with Tesseract's Vietnamese model, through OCRmyPDF.

    result = ocr_file(data, content_type="image/jpeg", progress=lambda done, total: ...)
    result.text   # the recognised text, repaired (congvu.intake.sources.finish)
    result.pdf    # a searchable PDF copy (the page images with an invisible text layer), or None

OCRmyPDF (pip) drives Debian's `tesseract` (+ `tesseract-ocr-vie`) and reads/writes PDFs with pikepdf;
pages are rasterised with pypdfium2, so Ghostscript is not needed. It runs as a child process
(`python -m ocrmypdf --plugin congvu.intake.ocr`), which is what makes the time limit enforceable: on
timeout the whole process group is killed. This module is also that plugin: its `get_progressbar_class`
hook prints one line per page on stderr, which the parent turns into `progress(done, total)` calls.

A digitally signed PDF is never rewritten: its copy is made in a temporary directory only to read the
text, and `pdf` is None. The original bytes are never modified in any case.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from congvu.intake import sources

DEFAULT_MAX_PAGES = 50  # a scan longer than this is OCR'd on its first pages only (the metadata is on page 1)
DEFAULT_TIME_LIMIT = 20 * 60  # seconds; under the job queue's 30-minute lease
PROGRESS_PREFIX = "CONGVU-OCR-PROGRESS"
LANGUAGE = "vie"

MSG_NO_TESSERACT = ("Máy chủ chưa cài Tesseract (gói tesseract-ocr) nên chưa nhận dạng được chữ từ bản quét. "
                    "Hãy nhập thông tin văn bản bằng tay.")
MSG_NO_VIETNAMESE = ("Máy chủ chưa cài bộ nhận dạng tiếng Việt của Tesseract (gói tesseract-ocr-vie). "
                     "Hãy nhập thông tin văn bản bằng tay.")
MSG_NO_OCRMYPDF = "Máy chủ chưa cài OCRmyPDF nên chưa nhận dạng được chữ. Hãy nhập thông tin văn bản bằng tay."
MSG_TIMEOUT = ("Nhận dạng chữ quá {minutes} phút nên đã dừng. Tệp gốc vẫn được lưu; "
               "hãy nhập thông tin bằng tay hoặc tách tệp thành nhiều phần nhỏ hơn.")
MSG_TOO_MANY_PAGES = ("Tệp có {pages} trang, vượt quá giới hạn {limit} trang: chỉ nhận dạng chữ {limit} trang đầu; "
                      "bản PDF tìm kiếm được chỉ có chữ ở các trang đó.")
MSG_FAILED = "Không nhận dạng được chữ từ tệp này. Tệp gốc vẫn được lưu; hãy nhập thông tin bằng tay."
MSG_ENCRYPTED = sources.MSG_ENCRYPTED
MSG_NO_TEXT_FOUND = "Không tìm thấy chữ nào trên bản quét (ảnh trắng hoặc quá mờ); hãy nhập thông tin bằng tay."
MSG_SIGNED = "Tệp PDF có chữ ký số nên không tạo bản sao có lớp chữ; chỉ lấy chữ để điền thông tin và tìm kiếm."


class OcrFailed(Exception):
    """OCR could not run or did not finish; `message` is for the clerk (Vietnamese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class OcrResult:
    text: str
    pdf: bytes | None  # the searchable copy; None for a signed PDF
    pages: int  # pages OCR'd
    total_pages: int
    warnings: list[str] = field(default_factory=list)
    legacy_encoding: str = ""
    seconds: float = 0.0


# --- what is installed -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tesseract_languages() -> tuple[str, ...]:
    try:
        done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(line.strip() for line in done.stdout.splitlines()[1:] if line.strip())


def ocr_available() -> str | None:
    """None when OCR can run here, else the Vietnamese reason (missing Debian or pip package)."""
    if not shutil.which("tesseract"):
        return MSG_NO_TESSERACT
    if LANGUAGE not in _tesseract_languages():
        return MSG_NO_VIETNAMESE
    try:
        import ocrmypdf  # noqa: F401
    except ImportError:
        return MSG_NO_OCRMYPDF
    return None


# --- running OCRmyPDF --------------------------------------------------------------------------------


def _page_count(data: bytes, content_type: str) -> int:
    if content_type == sources.PDF:
        pages = sources.pdf_page_count(data)
        if pages is None:
            raise OcrFailed(MSG_ENCRYPTED if b"/Encrypt" in data else sources.MSG_PDF_DAMAGED)
        return pages
    try:
        return sources.image_pages(data)
    except sources.ReadFailed as exc:
        raise OcrFailed(str(exc)) from None


def _image_to_pdf(data: bytes, target: Path) -> None:
    """An image (a TIFF may have many pages) as a PDF of its pages; OCRmyPDF then treats every input alike."""
    import img2pdf
    from PIL import Image

    try:
        target.write_bytes(img2pdf.convert(data, rotation=img2pdf.Rotation.ifvalid))
        return
    except Exception:  # img2pdf refuses some modes (alpha, palette with transparency): go through Pillow
        pass
    import io

    frames = []
    with Image.open(io.BytesIO(data)) as image:
        for index in range(getattr(image, "n_frames", 1) or 1):
            image.seek(index)
            frames.append(image.convert("RGB").copy())
    out = io.BytesIO()
    frames[0].save(out, format="PDF", save_all=True, append_images=frames[1:], resolution=300)
    target.write_bytes(out.getvalue())


def ocr_command(source: Path, target: Path, *, pages: int, max_pages: int, jobs: int,
                signed: bool) -> list[str]:
    args = [sys.executable, "-m", "ocrmypdf", "--plugin", "congvu.intake.ocr",
            "-l", LANGUAGE, "--output-type", "pdf", "--skip-text", "--optimize", "0",
            "--rasterizer", "pypdfium", "--jobs", str(jobs),
            "--tesseract-timeout", "300", "--fast-web-view", "100000"]
    if pages > max_pages:
        args += ["--pages", f"1-{max_pages}"]
    if signed:
        args.append("--invalidate-digital-signatures")  # only ever on the throw-away copy we read text from
    return args + [str(source), str(target)]


def ocr_file(data: bytes, *, content_type: str, signed: bool = False,
             progress: Callable[[int, int], None] | None = None, max_pages: int | None = None,
             time_limit: float | None = None, jobs: int | None = None) -> OcrResult:
    """OCR a scan (PDF or image bytes). Raises OcrFailed with a Vietnamese message; never hangs past
    `time_limit` seconds. `progress(done, total)` is called as pages finish (total = pages to OCR)."""
    from django.conf import settings

    reason = ocr_available()
    if reason:
        raise OcrFailed(reason)
    max_pages = max_pages or int(getattr(settings, "INTAKE_OCR_MAX_PAGES", DEFAULT_MAX_PAGES))
    time_limit = time_limit or float(getattr(settings, "INTAKE_OCR_SECONDS", DEFAULT_TIME_LIMIT))
    jobs = jobs or int(getattr(settings, "INTAKE_OCR_JOBS", 0)) or max(1, min(2, os.cpu_count() or 1))
    total_pages = _page_count(data, content_type)
    to_do = min(total_pages, max_pages)
    warnings: list[str] = []
    if total_pages > max_pages:
        warnings.append(MSG_TOO_MANY_PAGES.format(pages=total_pages, limit=max_pages))
    if signed:
        warnings.append(MSG_SIGNED)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="congvu-ocr-") as tmp:
        source = Path(tmp) / "input.pdf"
        if content_type == sources.PDF:
            source.write_bytes(data)
        else:
            _image_to_pdf(data, source)
        target = Path(tmp) / "output.pdf"
        args = ocr_command(source, target, pages=total_pages, max_pages=max_pages, jobs=jobs, signed=signed)
        _run(args, time_limit=time_limit, progress=progress, total=to_do)
        if not target.exists():
            raise OcrFailed(MSG_FAILED)
        pdf = target.read_bytes()
    text_result = sources.read_text(pdf, content_type=sources.PDF)
    text = text_result.text if text_result.source != sources.TextSource.NONE else ""
    if not text.strip():
        warnings.append(MSG_NO_TEXT_FOUND)
    return OcrResult(text=text, pdf=None if signed else pdf, pages=to_do, total_pages=total_pages,
                     warnings=warnings, legacy_encoding=text_result.legacy_encoding,
                     seconds=time.monotonic() - started)


def _run(args: list[str], *, time_limit: float, progress, total: int) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            start_new_session=True, text=True, errors="replace")
    tail: list[str] = []
    reported = [0]

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith(PROGRESS_PREFIX):
                parts = line.split()
                if len(parts) >= 3 and parts[1] == "OCR" and progress is not None:
                    done = min(int(parts[2]), total)
                    if done > reported[0]:
                        reported[0] = done
                        with contextlib.suppress(Exception):  # a progress callback must not kill the OCR
                            progress(done, total)
                continue
            tail.append(line.rstrip())
            del tail[:-40]

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        _kill(proc)
        reader.join(timeout=5)
        raise OcrFailed(MSG_TIMEOUT.format(minutes=max(1, round(time_limit / 60)))) from None
    reader.join(timeout=5)
    if code != 0:
        log_tail = "\n".join(tail[-10:])
        import logging

        logging.getLogger(__name__).warning("ocrmypdf exited with %s: %s", code, log_tail)
        if code == 8:  # EncryptedPdfError
            raise OcrFailed(MSG_ENCRYPTED)
        if code == 2 or code == 4:  # bad arguments / input file
            raise OcrFailed(MSG_FAILED)
        raise OcrFailed(MSG_FAILED)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # ocrmypdf's workers and tesseract go with it
    except (ProcessLookupError, PermissionError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


# --- OCRmyPDF plugin (loaded in the child process by --plugin congvu.intake.ocr) -----------------------

try:
    from ocrmypdf import hookimpl as _hookimpl
except ImportError:  # pragma: no cover - OCR unavailable; ocr_available() says so
    _hookimpl = None


class _LineProgress:
    """OCRmyPDF's ProgressBar protocol: one stderr line per update, read by the parent process."""

    def __init__(self, *, total=None, desc=None, unit=None, disable=False, **kwargs):
        self.desc = (desc or "").replace(" ", "_") or "-"
        self.done = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1, *, completed=None):
        self.done = completed if completed is not None else self.done + (n or 0)
        print(f"{PROGRESS_PREFIX} {self.desc} {int(self.done)}", file=sys.stderr, flush=True)


if _hookimpl is not None:

    @_hookimpl
    def get_progressbar_class():
        return _LineProgress
