"""Dates as Vietnamese officials write them: dd/mm/yyyy."""

import datetime as dt

from congvu.core.errors import ValidationFailed


def parse_vn_date(value: str | dt.date | None, *, field: str = "date", required: bool = False) -> dt.date | None:
    """Parse "dd/mm/yyyy" (also "d/m/yyyy" and ISO "yyyy-mm-dd"); raise with a Vietnamese message."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed("Thiếu ngày.", fields={field: "Vui lòng nhập ngày (dd/mm/yyyy)."})
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed(
        f"Ngày không hợp lệ: “{text}”.",
        fields={field: f"Ngày “{text}” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."},
    )


def format_vn_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
