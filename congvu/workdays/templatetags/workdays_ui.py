"""Display helpers of the calendar page."""

from django import template

register = template.Library()

_WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


@register.filter
def vn_weekday(value) -> str:
    """“Thứ Hai” … “Chủ nhật” for a date."""
    return _WEEKDAYS[value.weekday()] if value else ""


@register.filter
def hours_text(periods) -> str:
    """[["07:00", "11:30"], ["13:30", "17:00"]] → “07:00–11:30, 13:30–17:00”."""
    return ", ".join(f"{start}–{end}" for start, end in periods or [])
