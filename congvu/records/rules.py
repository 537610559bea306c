"""Pure rules of the file plan and of deposit, with no database: file numbers and transfer due dates."""

import datetime as dt
import re

# Decree 30 Art. 31: files kept for 5 years or more (or permanently) are deposited in the agency archive.
DEPOSIT_MIN_YEARS = 5
# Decree 30 Art. 30 cl. 1: files are deposited within 1 year of the matter ending; capital-construction
# files within 3 months of the works' settlement (quyết toán).
DEPOSIT_WITHIN_MONTHS = 12
CAPITAL_CONSTRUCTION_WITHIN_MONTHS = 3
# Art. 30 cl. 2: a unit may keep a file longer, for at most 2 years past its due date.
MAX_EXTENSION_MONTHS = 24
# Annex VI Part I: the system reminds of a deposit 30 days before it is due.
REMIND_DAYS_BEFORE = 30

HEADING_CODE_RE = re.compile(r"^[A-Z0-9Đ]{1,20}$")


def file_code(ordinal: int, heading_code: str) -> str:
    """The file number of the plan (Decree 30 Annex V): ordinal, a dot, the heading code — “01.TCCB”."""
    return f"{ordinal:02d}.{heading_code}"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 29, 30, 31 of a shorter month falls on its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if month == 12:
        last = 31
    else:
        last = (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def base_transfer_due(*, closed_on: dt.date | None, capital_construction: bool,
                      settled_on: dt.date | None) -> dt.date | None:
    """When a closed file must reach the agency archive, before any extension.

    None while the file is open, or while a capital-construction file waits for its settlement.
    """
    if closed_on is None:
        return None
    if capital_construction:
        return add_months(settled_on, CAPITAL_CONSTRUCTION_WITHIN_MONTHS) if settled_on else None
    return add_months(closed_on, DEPOSIT_WITHIN_MONTHS)


def transfer_due(*, closed_on: dt.date | None, capital_construction: bool, settled_on: dt.date | None,
                 extended_to: dt.date | None) -> dt.date | None:
    """The due date in force: the extension when one was granted, otherwise the base due date."""
    if closed_on is None:
        return None
    if extended_to is not None:
        return extended_to
    return base_transfer_due(closed_on=closed_on, capital_construction=capital_construction, settled_on=settled_on)
