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


@register.inclusion_tag("schedule/_invitation_button.html", takes_context=True)
def schedule_invitation_button(context, document):
    """On an incoming invitation's page: "Đưa vào lịch công tác" for those who keep the schedule, and the
    entries already made from it (as far as the user may see them)."""
    from congvu.schedule.selectors import can_keep_schedule, visible_entries
    from congvu.schedule.services import INVITATION_TYPE_CODE

    request = context.get("request")
    user = getattr(request, "user", None)
    is_invitation = document.direction == "in" and document.doc_type.code == INVITATION_TYPE_CODE
    if user is None or not is_invitation:
        return {"show": False}
    entries = list(visible_entries(user, document.agency_id).filter(source_document=document)
                   .order_by("start", "pk")[:5])
    return {"show": True, "document": document, "entries": entries,
            "can_keep": can_keep_schedule(user, document.agency_id)}
