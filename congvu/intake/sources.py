"""Text from every kind of file a clerk receives: PDF text layers, Word (DOCX and the old DOC), plain text.

    result = read_text(path_or_bytes, name="cv-12.pdf")   # -> TextResult

Every text goes through `congvu.intake.vntext.repair`. Scans (images, PDFs without a text layer) come back
with `needs_ocr=True`: OCR is slow and runs as a background job (`congvu.intake.ocr`). Nothing here raises
on a bad file: an encrypted PDF, a damaged DOCX, a text in an unknown encoding or a missing tool gives an
empty or partial text with a Vietnamese warning for the clerk, who can still type the fields by hand.
External tools run with a time limit. Needs no database (the enum is importable without settings).
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models

from congvu.intake import vntext

log = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"
TEXT = "text/plain"
IMAGES = ("image/jpeg", "image/png", "image/tiff")

MAX_CHARS = 500_000  # about 200 pages of text; the rest of a longer file is not read
MAX_PDF_SECONDS = 60.0  # reading a text layer page by page stops after this long
TOOL_TIMEOUT = 60  # seconds for antiword / catdoc / LibreOffice on one file
MIN_PAGE_LETTERS = 20  # a PDF page with fewer letters than this has no usable text layer


class TextSource(models.TextChoices):
    TEXT_LAYER = "text_layer", "Lớp chữ của PDF"
    DOCX = "docx", "Tệp Word (DOCX)"
    DOC = "doc", "Tệp Word cũ (DOC)"
    OCR = "ocr", "Nhận dạng chữ (OCR)"
    PLAIN = "plain", "Tệp văn bản"
    NONE = "none", "Không có chữ"


@dataclass
class TextResult:
    text: str
    source: TextSource
    pages: int | None = None
    needs_ocr: bool = False  # a scan: run OCR (congvu.intake.ocr) to get its text
    signed: bool = False  # a digitally signed PDF: never rewrite it
    warnings: list[str] = field(default_factory=list)  # Vietnamese, for the clerk
    legacy_encoding: str = ""  # "tcvn3", "vni", "viqr" when the text was converted
    content_type: str = ""  # what the bytes are (PDF, DOCX, DOC, image, text/plain), "" when unknown


class ReadFailed(Exception):
    """Internal: reading stopped with a message for the clerk."""


# --- messages ----------------------------------------------------------------------------------------

MSG_ENCRYPTED = ("Tệp PDF được đặt mật khẩu nên không đọc được nội dung. Tệp gốc vẫn được lưu; "
                 "hãy nhập thông tin văn bản bằng tay.")
MSG_PDF_DAMAGED = "Tệp PDF bị hỏng, không đọc được nội dung. Tệp gốc vẫn được lưu; hãy nhập thông tin bằng tay."
MSG_DOCX_DAMAGED = ("Tệp Word (DOCX) bị hỏng, không đọc được nội dung. Tệp gốc vẫn được lưu; "
                    "hãy nhập thông tin bằng tay.")
MSG_DOC_NO_TOOL = ("Máy chủ chưa cài công cụ đọc tệp Word cũ (.doc) — antiword, catdoc hoặc LibreOffice. "
                   "Hãy nhập thông tin bằng tay, hoặc lưu tệp thành DOCX/PDF rồi gửi lại.")
MSG_DOC_FAILED = "Không đọc được tệp Word cũ (.doc). Tệp gốc vẫn được lưu; hãy nhập thông tin bằng tay."
MSG_TOOL_TIMEOUT = "Đọc tệp quá {seconds} giây nên đã dừng. Tệp gốc vẫn được lưu; hãy nhập thông tin bằng tay."
MSG_UNKNOWN_TYPE = "Không đọc được chữ từ loại tệp này. Tệp gốc vẫn được lưu; hãy nhập thông tin bằng tay."
MSG_SPREADSHEET = "Tệp bảng tính không được đọc tự động; hãy nhập thông tin văn bản bằng tay."
MSG_EMPTY = "Tệp rỗng, không có nội dung để đọc."
MSG_IMAGE_DAMAGED = "Tệp ảnh bị hỏng hoặc không có điểm ảnh nào, không nhận dạng được chữ."
MSG_NO_TEXT_LAYER = "Tệp PDF là bản quét (không có lớp chữ): cần nhận dạng chữ (OCR)."
MSG_PARTIAL_TEXT_LAYER = "{missing}/{pages} trang của tệp PDF không có lớp chữ (trang quét): cần nhận dạng chữ (OCR)."
MSG_BAD_TEXT_LAYER = ("Lớp chữ của tệp PDF dùng phông chữ không chuẩn nên không đọc được: "
                      "cần nhận dạng chữ (OCR) từ hình ảnh trang.")
MSG_TRUNCATED = "Tệp quá dài: chỉ đọc {chars} ký tự đầu."
MSG_SLOW_PDF = "Đọc lớp chữ quá {seconds} giây nên đã dừng ở trang {page}/{pages}."
MSG_UNKNOWN_ENCODING = ("Không nhận ra bảng mã của tệp văn bản; chữ có dấu có thể hiển thị sai. "
                        "Hãy kiểm tra lại các trường đã điền.")
MSG_LEGACY = "Văn bản dùng bảng mã cũ {name} và đã được chuyển sang Unicode; hãy kiểm tra lại các trường."
LEGACY_NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI", "viqr": "VIQR"}


# --- content type ------------------------------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, name: str | None = None) -> str:
    """What the bytes are, from their content (the name only separates plain text from unknown binary)."""
    head = data[:8192]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return DOCX if (name or "").lower().endswith(".docx") else ""
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        return DOCX if (name or "").lower().endswith(".docx") else ""
    if head.startswith(_OLE2):
        return DOC if not (name or "").lower().endswith((".xls", ".ppt", ".msg")) else ""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if _looks_like_text(head) or (name or "").lower().endswith(".txt"):
        return TEXT
    return ""


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls == 0


# --- the entry point ---------------------------------------------------------------------------------


def read_text(path_or_bytes: str | os.PathLike | bytes, *, name: str | None = None,
              content_type: str | None = None, max_seconds: float | None = None) -> TextResult:
    """Read the text of a file; never raises for a bad file (see the module docstring).

    `max_seconds` bounds the time spent on a PDF's text layer (default MAX_PDF_SECONDS)."""
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        data = bytes(path_or_bytes)
        path = None
    else:
        path = Path(path_or_bytes)
        name = name or path.name
        data = path.read_bytes()
    if not data:
        return TextResult("", TextSource.NONE, warnings=[MSG_EMPTY])
    kind = sniff(data, name)
    if content_type in (PDF, DOCX, DOC, TEXT, *IMAGES) and kind in ("", TEXT) and content_type != TEXT:
        kind = content_type  # trust the caller's check for a type we cannot tell apart from noise
    try:
        if kind == PDF:
            result = _read_pdf(data, MAX_PDF_SECONDS if max_seconds is None else max_seconds)
        elif kind == DOCX:
            result = _read_docx(data)
        elif kind == DOC:
            result = _read_doc(data, path)
        elif kind in IMAGES:
            result = _read_image(data, kind)
        elif kind == TEXT:
            result = _read_plain(data)
        elif kind == XLSX:
            result = TextResult("", TextSource.NONE, warnings=[MSG_SPREADSHEET])
        else:
            result = TextResult("", TextSource.NONE, warnings=[MSG_UNKNOWN_TYPE])
    except ReadFailed as exc:
        result = TextResult("", TextSource.NONE, warnings=[str(exc)])
    except Exception:  # a reader library choking on a hostile file must not stop registration
        log.warning("reading %s failed", name or "bytes", exc_info=True)
        result = TextResult("", TextSource.NONE, warnings=[MSG_UNKNOWN_TYPE if not kind else _damaged(kind)])
    result.content_type = kind
    return finish(result)


def finish(result: TextResult) -> TextResult:
    """Repair the text, cap its length and add the legacy-encoding note (also used for OCR text)."""
    if result.text:
        repaired = vntext.repair(result.text)
        text = repaired.text.strip()
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS]
            result.warnings.append(MSG_TRUNCATED.format(chars=f"{MAX_CHARS:,}".replace(",", ".")))
        result.text = text
        if repaired.legacy_encoding:
            result.legacy_encoding = repaired.legacy_encoding
            result.warnings.append(MSG_LEGACY.format(name=LEGACY_NAMES[repaired.legacy_encoding]))
    return result


def _damaged(kind: str) -> str:
    return {PDF: MSG_PDF_DAMAGED, DOCX: MSG_DOCX_DAMAGED, DOC: MSG_DOC_FAILED}.get(kind, MSG_IMAGE_DAMAGED)


# --- PDF ---------------------------------------------------------------------------------------------

# pdfium is not thread-safe: the web process and the in-process job worker share one lock.
PDFIUM_LOCK = threading.Lock()
_SIGNATURE = re.compile(rb"/ByteRange\s*\[|/Type\s*/Sig\b|/FT\s*/Sig\b")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\ufffd]")


def is_signed_pdf(data: bytes) -> bool:
    """A digitally signed PDF carries a signature dictionary (/ByteRange over the signed bytes)."""
    return bool(_SIGNATURE.search(data))


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def pdf_page_count(data: bytes) -> int | None:
    """Pages of a PDF, or None when it cannot be opened (damaged or encrypted)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return None
        try:
            return len(doc)
        finally:
            doc.close()


def _pdf_pages(data: bytes, warnings: list[str], max_seconds: float) -> tuple[list[str], int]:
    """The text of each page (as many as fit in the time and size budget) and the page count."""
    import pypdfium2 as pdfium

    texts: list[str] = []
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise ReadFailed(MSG_ENCRYPTED) from None
            raise ReadFailed(MSG_PDF_DAMAGED) from None
        try:
            pages = len(doc)
            started = time.monotonic()
            total = 0
            for index in range(pages):
                if time.monotonic() - started > max_seconds:
                    warnings.append(MSG_SLOW_PDF.format(seconds=int(max_seconds), page=index, pages=pages))
                    break
                page = doc[index]
                try:
                    textpage = page.get_textpage()
                    try:
                        text = textpage.get_text_bounded()
                    finally:
                        textpage.close()
                finally:
                    page.close()
                texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
                total += len(text)
                if total > MAX_CHARS:
                    break
        finally:
            doc.close()
    return texts, pages


def _read_pdf(data: bytes, max_seconds: float) -> TextResult:
    signed = is_signed_pdf(data)
    warnings: list[str] = []
    try:
        texts, pages = _pdf_pages(data, warnings, max_seconds)
    except ReadFailed as exc:
        return TextResult("", TextSource.NONE, signed=signed, warnings=[str(exc)])
    if pages == 0:
        return TextResult("", TextSource.NONE, pages=0, signed=signed, warnings=[MSG_PDF_DAMAGED])
    text = "\n\f\n".join(texts).strip("\n\f")
    missing = sum(1 for t in texts if _letters(t) < MIN_PAGE_LETTERS)
    private = len(_PRIVATE_USE.findall(text))
    unreadable = _letters(text) >= MIN_PAGE_LETTERS and (
        private > 0.2 * _letters(text)
        or vntext.vietnamese_ratio(vntext.repair(text[:5000]).text) < 0.2 and _mostly_noise(text[:5000]))
    needs_ocr = False
    if unreadable:
        needs_ocr = True
        warnings.append(MSG_BAD_TEXT_LAYER)
        text = ""
    elif texts and (missing == len(texts) or _letters(texts[0]) < MIN_PAGE_LETTERS):
        needs_ocr = True
        warnings.append(MSG_NO_TEXT_LAYER if missing == len(texts)
                        else MSG_PARTIAL_TEXT_LAYER.format(missing=missing, pages=pages))
    elif missing:
        needs_ocr = True
        warnings.append(MSG_PARTIAL_TEXT_LAYER.format(missing=missing, pages=pages))
    source = TextSource.TEXT_LAYER if text.strip() else TextSource.NONE
    return TextResult(text, source, pages=pages, needs_ocr=needs_ocr, signed=signed, warnings=warnings)


def _mostly_noise(text: str) -> bool:
    """Letters that are neither ASCII nor Vietnamese nor Latin-1 (what a font without a ToUnicode map gives)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    odd = sum(1 for ch in letters if ord(ch) > 0xFF and not ("\u1ea0" <= ch <= "\u1ef9" or "\u0100" <= ch <= "\u01b0"))
    return odd > 0.3 * len(letters)


# --- DOCX --------------------------------------------------------------------------------------------


def _read_docx(data: bytes) -> TextResult:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReadFailed(MSG_DOCX_DAMAGED) from exc
    except Exception as exc:  # lxml syntax errors and the like
        raise ReadFailed(MSG_DOCX_DAMAGED) from exc
    lines = list(_docx_blocks(document))
    return TextResult("\n".join(lines), TextSource.DOCX)


def _docx_blocks(container) -> Iterator[str]:
    """Paragraphs and tables in document order; a table row gives its left cell's lines, then the next cell's
    (the header of a Vietnamese document is a two-column table: issuer | national title)."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _docx_table(block)
        else:
            yield block.text


def _docx_table(table) -> Iterator[str]:
    for row in table.rows:
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column it spans
                continue
            seen.add(id(cell._tc))
            yield from _docx_blocks(cell)


# --- DOC (Word 97–2003) ------------------------------------------------------------------------------


def _run_tool(args: list[str], *, timeout: int = TOOL_TIMEOUT) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ReadFailed(MSG_TOOL_TIMEOUT.format(seconds=timeout)) from None
    if done.returncode != 0:
        raise ReadFailed(MSG_DOC_FAILED)
    return done.stdout


def doc_tools() -> list[str]:
    """The legacy Word readers installed on this machine, in the order they are tried."""
    return [tool for tool in ("antiword", "catdoc", "soffice") if shutil.which(tool)]


def _read_doc(data: bytes, path: Path | None) -> TextResult:
    tools = doc_tools()
    if not tools:
        raise ReadFailed(MSG_DOC_NO_TOOL)
    with tempfile.TemporaryDirectory(prefix="congvu-doc-") as tmp:
        source = Path(tmp) / "input.doc"
        source.write_bytes(data)
        last = ReadFailed(MSG_DOC_FAILED)
        for tool in tools:
            try:
                text = _doc_with(tool, source, Path(tmp))
            except ReadFailed as exc:
                last = exc
                continue
            if text.strip():
                return TextResult(text, TextSource.DOC)
        raise last


def _doc_with(tool: str, source: Path, tmp: Path) -> str:
    if tool == "antiword":
        # UTF-8 out; -w 0 keeps each paragraph on one line (no wrapping at 80 columns).
        return _run_tool(["antiword", "-m", "UTF-8.txt", "-w", "0", str(source)]).decode("utf-8", "replace")
    if tool == "catdoc":
        return _run_tool(["catdoc", "-d", "utf-8", "-w", str(source)]).decode("utf-8", "replace")
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    _run_tool(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
               "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(out), str(source)])
    produced = out / "input.txt"
    if not produced.exists():
        raise ReadFailed(MSG_DOC_FAILED)
    return produced.read_text(encoding="utf-8-sig", errors="replace")


# --- images ------------------------------------------------------------------------------------------


def image_pages(data: bytes) -> int:
    """Frames of an image (a TIFF may hold many pages); raises ReadFailed for a damaged or empty image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width < 1 or height < 1:
                raise ReadFailed(MSG_IMAGE_DAMAGED)
            frames = getattr(image, "n_frames", 1) or 1
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ReadFailed(MSG_IMAGE_DAMAGED) from exc
    return frames


def _read_image(data: bytes, kind: str) -> TextResult:
    pages = image_pages(data)
    return TextResult("", TextSource.NONE, pages=pages, needs_ocr=True)


# --- plain text --------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, bool]:
    """Decode a text file: BOMs, UTF-8, UTF-16 without BOM, Windows-1258, else Latin-1 for legacy fonts.

    Returns (text, encoding_known)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), True
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    sample = data[:4000]
    if len(sample) >= 4 and sample.count(b"\x00") > len(sample) // 4:
        codec = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(codec), True
        except UnicodeDecodeError:
            pass
    latin = data.decode("latin-1")
    cp1258 = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    legacy = vntext.detect_legacy(latin)[0]
    if legacy:
        return latin, True
    if vntext.vietnamese_ratio(cp1258) >= max(0.5, vntext.vietnamese_ratio(latin) + 0.1):
        return cp1258, True
    return data.decode("cp1252", errors="replace"), False


def _read_plain(data: bytes) -> TextResult:
    text, known = decode_text(data)
    warnings = [] if known else [MSG_UNKNOWN_ENCODING]
    return TextResult(text.replace("\x00", ""), TextSource.PLAIN, warnings=warnings)
