"""Pages of the notification inbox and the bell's badge. Every read goes through selectors (the user's
own notifications only), every write through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from congvu.core.errors import NotFound
from congvu.notifications import selectors, services
from congvu.org.selectors import user_access

FILTERS = {"": None, "unread": True, "read": False}
PAGE_SIZE = 30
# htmx stops polling when an answer has this status (the session ended: no more requests).
HTMX_STOP_POLLING = 286


@login_required
@require_GET
def inbox_page(request):
    which = request.GET.get("loc", "")
    if which not in FILTERS:
        which = ""
    page = selectors.inbox(request.user, unread=FILTERS[which], cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    agencies = {n.agency_id for n in page.rows if n.agency_id}
    return render(request, "notifications/inbox.html", {
        "page": page,
        "which": which,
        "unread": selectors.unread_count(request.user),
        "show_agency": len(agencies) > 1 or len(user_access(request.user)) > 1,
        "first_page": not request.GET.get("cursor"),
    })


@require_GET
def badge(request):
    """The bell in the top bar, polled every 30 s by htmx (swapped whole, so it keeps polling)."""
    if not request.user.is_authenticated:
        return HttpResponse("", status=HTMX_STOP_POLLING)
    # Rendered without the request's context processors: the badge needs one COUNT, not the agency list.
    html = render_to_string("notifications/_bell.html", {"count": selectors.unread_count(request.user)})
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response


def _safe_target(request, url: str) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


@login_required
@require_GET
def open_notification(request, notification_id: int):
    """Opening a notification marks it read and goes where it points (the inbox if it points nowhere)."""
    try:
        notification = services.notification_mark_read(actor=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404("Không tìm thấy thông báo.") from None
    return redirect(_safe_target(request, notification.url) or reverse("notifications:inbox"))


def _back(request):
    return redirect(_safe_target(request, request.POST.get("next", "")) or reverse("notifications:inbox"))


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        services.notification_mark_read(actor=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404("Không tìm thấy thông báo.") from None
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    changed = services.notifications_mark_all_read(actor=request.user)
    if changed:
        messages.success(request, f"Đã đánh dấu {changed} thông báo là đã đọc.")
    return _back(request)
