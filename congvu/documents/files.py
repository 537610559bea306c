"""Attachments: type checked by content, stored once by SHA-256, text extracted for search."""

import hashlib
import io
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings

from congvu.core.errors import ValidationFailed

log = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"  # legacy Word: old files still arrive; intake reads them (antiword/catdoc)
ALLOWED = {
    PDF: ".pdf",
    DOCX: ".docx",
    DOC: ".doc",
    XLSX: ".xlsx",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
}
ALLOWED_LABEL = "PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The directory entry of a Word binary document's main stream, as OLE2 stores names (UTF-16LE).
WORD_STREAM = "WordDocument".encode("utf-16-le")
OLE2_SCAN_LIMIT = 64 * 1024 * 1024


@dataclass
class PreparedFile:
    """An upload checked and copied to a temporary file, ready to be stored."""

    original_name: str
    content_type: str
    size: int
    sha256: str
    temp_path: Path
    text: str = ""  # extracted before the registering transaction, so the number lock is not held for it


def _ooxml_kind(head_path: Path) -> str | None:
    try:
        with zipfile.ZipFile(head_path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _ole2_kind(path: Path) -> str | None:
    """An OLE2 container is a Word .doc when its directory names a WordDocument stream (Excel and
    PowerPoint binaries share the container and are not accepted)."""
    tail = b""
    with open(path, "rb") as fh:
        read = 0
        while read < OLE2_SCAN_LIMIT:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            if WORD_STREAM in tail + chunk:
                return DOC
            tail, read = chunk[-len(WORD_STREAM):], read + len(chunk)
    return None


def detect_content_type(path: Path) -> str | None:
    """The file's real type from its bytes; the name and the browser's claim are not trusted."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(path)
    if head.startswith(OLE2_MAGIC):
        return _ole2_kind(path)
    kind = filetype.guess(head)
    if kind and kind.mime in ALLOWED:
        return kind.mime
    return None


def prepare_upload(upload, *, field: str = "attachments") -> PreparedFile:
    """Copy an uploaded file to a temp file while hashing it; reject wrong types and oversize files.

    `upload` is anything with `.name` and `.chunks()` (Django's UploadedFile) or `.read()`.
    """
    name = os.path.basename(getattr(upload, "name", "") or "tep-dinh-kem")
    limit = settings.MAX_UPLOAD_BYTES
    size_hint = getattr(upload, "size", None)
    if size_hint is not None and size_hint > limit:
        raise ValidationFailed(
            f"Tệp “{name}” quá lớn.",
            fields={field: f"Tệp “{name}” vượt quá giới hạn {limit // (1024 * 1024)} MB."},
        )
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(prefix="congvu-upload-")
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(
                        f"Tệp “{name}” quá lớn.",
                        fields={field: f"Tệp “{name}” vượt quá giới hạn {limit // (1024 * 1024)} MB."},
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(f"Tệp “{name}” rỗng.", fields={field: f"Tệp “{name}” không có nội dung."})
        content_type = detect_content_type(tmp_path)
        if content_type is None:
            raise ValidationFailed(
                f"Tệp “{name}” không đúng định dạng cho phép.",
                fields={field: f"Nội dung tệp “{name}” không phải {ALLOWED_LABEL}."},
            )
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return PreparedFile(name, content_type, size, digest.hexdigest(), tmp_path)


def storage_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "files" / sha256[:2] / sha256[2:4] / sha256


def storage_relpath(sha256: str) -> str:
    return str(storage_path(sha256).relative_to(settings.MEDIA_ROOT))


def put_file(prepared: PreparedFile) -> str:
    """Copy the prepared file into content-addressed storage; returns its relative path.

    Always writes, through a temporary name of its own and an atomic rename: the caller owns the
    StoredFile row, and the bytes are the same whoever writes them.
    """
    target = storage_path(prepared.sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{prepared.sha256[:12]}-", suffix=".part")
    try:
        # Copy-then-rename: the temp dir may be on another filesystem; rename is atomic on this one.
        with os.fdopen(fd, "wb") as dst, open(prepared.temp_path, "rb") as src:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return storage_relpath(prepared.sha256)


def discard(prepared: PreparedFile) -> None:
    prepared.temp_path.unlink(missing_ok=True)


def extract_text(path: Path, content_type: str, *, max_chars: int = 200_000) -> str:
    """Text layer of a PDF or the paragraphs of a DOCX, for search. Scans are the OCR step's job."""
    try:
        if content_type == PDF:
            from pypdf import PdfReader

            reader = PdfReader(str(path))
            parts = []
            total = 0
            for page in reader.pages:
                text = page.extract_text() or ""
                parts.append(text)
                total += len(text)
                if total > max_chars:
                    break
            return "\n".join(parts)[:max_chars]
        if content_type == DOCX:
            import docx

            d = docx.Document(str(path))
            paras = [p.text for p in d.paragraphs]
            for table in d.tables:
                for row in table.rows:
                    paras.append(" ".join(c.text for c in row.cells))
            return "\n".join(paras)[:max_chars]
    except Exception:  # a damaged file still registers; it just has no searchable text
        log.warning("text extraction failed for %s", path, exc_info=True)
    return ""


def open_stored(stored) -> io.BufferedReader:
    return open(Path(settings.MEDIA_ROOT) / stored.path, "rb")
