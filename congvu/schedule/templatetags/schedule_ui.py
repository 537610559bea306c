"""Display helpers of the schedule pages."""

import datetime as dt

from django import template
from django.utils import timezone

from congvu.schedule.selectors import WEEKDAY_NAMES

register = template.Library()


@register.filter
def vn_weekday(value) -> str:
    """"Thứ Hai" … "Chủ nhật" for a date or a moment (local time)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return WEEKDAY_NAMES[value.weekday()]
