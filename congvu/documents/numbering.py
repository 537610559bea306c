"""Numbers and notations as Decree 30/2020 writes them (Art. 15, Annex I). Plain functions, no database."""

import re

# Start of the notation grammar from REGULATIONS §2.5; imports are parsed more leniently.
NOTATION_RE = re.compile(r"^([A-ZĐ][A-Za-zĐđ]*)(-[A-ZĐ0-9][A-Za-zĐđ0-9.]*)+$")
NUMBER_NOTATION_RE = re.compile(r"^\s*(?:Số:?\s*)?(\d{1,11})\s*/\s*(\S+)\s*$", re.IGNORECASE)


def format_number(n: int) -> str:
    """Numbers below 10 are padded with a zero: 5 → "05" (Art. 15)."""
    return f"{n:02d}"


def build_notation(*, type_abbreviation: str, agency_code: str, department_code: str = "") -> str:
    """Type + issuer abbreviation ("QĐ-UBND"); a Công văn has no type: issuer + unit ("UBND-VP")."""
    if type_abbreviation:
        return f"{type_abbreviation}-{agency_code}"
    return f"{agency_code}-{department_code}" if department_code else agency_code


def split_number_notation(text: str) -> tuple[str, str]:
    """ "Số: 12/QĐ-UBND" → ("12", "QĐ-UBND"); a bare notation or number comes back in its slot."""
    text = (text or "").strip()
    m = NUMBER_NOTATION_RE.match(text)
    if m:
        return m.group(1), m.group(2)
    if text.isdigit():
        return text, ""
    return "", text
