"""The text of a file given to `congvu extract`: plain text decoded here, every other kind read by
`congvu.intake.sources` (PDF text layer, Word, OCR of images and scans), all repaired by
`congvu.intake.vntext.repair` (legacy encodings, NFC, words and header columns put back).

A file that cannot be read raises `ReadFailed` with a Vietnamese message for the person at the terminal.
"""

from pathlib import Path


class ReadFailed(Exception):
    """The file could not be read; the message says why, in Vietnamese."""


_TEXT_SUFFIXES = {".txt", ".text"}


def decode_plain(data: bytes) -> str:
    """Bytes of a .txt file as text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1258
    (Vietnamese Windows). Old TCVN3/VNI files decode as Latin look-alikes that `repair` converts."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def read_document_text(path: Path) -> str:
    """The repaired text of the file at `path`."""
    from congvu.intake.vntext import repair

    if not path.exists():
        raise ReadFailed("không tìm thấy tệp")
    if path.is_dir():
        raise ReadFailed("đây là một thư mục, không phải tệp")
    if path.suffix.lower() in _TEXT_SUFFIXES:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReadFailed(f"không đọc được tệp ({exc.strerror or exc})") from exc
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ReadFailed("tệp .txt này không phải văn bản (có byte nhị phân)")
        return repair(decode_plain(data)).text
    return _read_with_sources(path)


def _read_with_sources(path: Path) -> str:
    from congvu.intake import sources

    try:
        result = sources.read_text(path)
    except sources.SourceError as exc:
        raise ReadFailed(str(exc)) from exc
    text = result.text if hasattr(result, "text") else str(result)
    if not text.strip():
        raise ReadFailed("tệp không có chữ đọc được")
    return text
