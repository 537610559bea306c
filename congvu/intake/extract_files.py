"""The text of a file given to `congvu extract`, read the way registration reads it:
`congvu.intake.sources.read_text` (PDF text layer, DOCX, DOC, plain text in any Vietnamese encoding, all
repaired by `vntext.repair`), then `congvu.intake.ocr.ocr_file` for scans and images.

A file that cannot be read raises `ReadFailed` with a Vietnamese message for the person at the terminal.
"""

from pathlib import Path


class ReadFailed(Exception):
    """The file could not be read; the message says why, in Vietnamese."""


def read_document_text(path: Path) -> str:
    """The repaired text of the file at `path` (OCR'd when it is a scan)."""
    from congvu.intake import ocr, sources

    if not path.exists():
        raise ReadFailed("không tìm thấy tệp")
    if path.is_dir():
        raise ReadFailed("đây là một thư mục, không phải tệp")
    try:
        result = sources.read_text(path)
    except OSError as exc:
        raise ReadFailed(f"không đọc được tệp ({exc.strerror or exc})") from exc
    text = result.text
    if result.needs_ocr:
        reason = ocr.ocr_available()
        if reason and not text.strip():
            raise ReadFailed(reason)
        if not reason:
            try:
                text = ocr.ocr_file(path.read_bytes(), content_type=result.content_type, signed=result.signed).text
            except ocr.OcrFailed as exc:
                raise ReadFailed(exc.message) from exc
    if not text.strip():
        raise ReadFailed(" ".join(result.warnings) or "tệp không có chữ đọc được")
    return text
