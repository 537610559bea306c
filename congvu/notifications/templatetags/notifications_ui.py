from django import template

from congvu.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context):
    """The bell with the unread count (one indexed COUNT); htmx refreshes it every 30 s."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"count": unread_count(user) if user is not None else 0}
