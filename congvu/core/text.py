"""Cleaning of free text typed by people (forms, API, CSV files) before it is stored or searched.

PostgreSQL refuses NUL in text, openpyxl refuses control characters in cells, and invisible format characters
(zero-width spaces, direction marks, a stray BOM) make two equal-looking names differ. Every free-text value
goes through `clean_text`; identity fields that must not be silently altered can ask `has_control_characters`
first and refuse the value with a message.
"""

import unicodedata

_REMOVED = ("Cc", "Cf")


def clean_text(value, *, multiline: bool = False) -> str:
    """NFC text without control (Cc) and format (Cf) characters, stripped at both ends.

    Single-line text (names, titles, codes, search words): tabs and line breaks become spaces.
    Multi-line text (notes, reasons): line breaks (as "\\n") and tabs are kept.
    """
    text = unicodedata.normalize("NFC", str(value) if value is not None else "")
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in text:
        if unicodedata.category(ch) not in _REMOVED or multiline and ch in "\n\t":
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
    return "".join(out).strip()


def has_control_characters(value, *, multiline: bool = False) -> bool:
    """True when `value` (ignoring surrounding whitespace) holds a control character (category Cc) other than
    the line breaks and tabs allowed in multi-line text."""
    text = str(value) if value is not None else ""
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text.strip())
