"""The drafting panel on a document's page (documents/document_detail.html loads it).

- incoming document: "Soạn văn bản trả lời" and the replies drafted to it;
- outgoing document: the draft it was issued from (its versions and steps), how each recipient got it,
  and the clerk's "Phát hành" button while some recipient has not been sent it.
"""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from congvu.documents.models import Direction, Secrecy
from congvu.drafting.models import Draft, DraftEvent
from congvu.drafting.selectors import can_draft, replies_to, visible_drafts, waiting_count
from congvu.exchange.selectors import deliveries, inbox_waiting_count
from congvu.org.selectors import can_register

register = template.Library()


@register.simple_tag(takes_context=True)
def drafting_panel(context, document):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    values = {"doc": document, "request": request}
    if document.direction == Direction.INCOMING:
        values["can_reply"] = can_draft(user, document.agency_id)
        values["replies"] = replies_to(user=user, document=document)
        item = getattr(document, "inbox_item", None) if hasattr(document, "inbox_item") else None
        values["received_from"] = item
        if not (values["can_reply"] or values["replies"] or item):
            return ""
        return render_to_string("drafting/_panel_incoming.html", values, request=request)
    draft = Draft.objects.filter(document=document).first()
    values["draft"] = draft if draft and visible_drafts(user).filter(pk=draft.pk).exists() else None
    if values["draft"]:
        values["events"] = list(DraftEvent.objects.filter(draft=draft).select_related("actor", "target"))
    values["deliveries"] = deliveries(document=document)
    pending = any(d.channel == "none" for d in values["deliveries"])
    values["can_dispatch"] = pending and can_register(user, document.agency_id)
    values["secret"] = document.secrecy != Secrecy.NORMAL
    values["has_external"] = pending and document.recipients.filter(
        agency__isnull=True, inbox_item__isnull=True, outbox_item__isnull=True).exists()
    return render_to_string("drafting/_panel_outgoing.html", values, request=request)


@register.simple_tag(takes_context=True)
def drafting_nav(context):
    """The main menu's links of this app, with how many items wait for the user: "Dự thảo" (drafts to
    initial, approve, or check and number) and, for clerks, "Văn bản điện tử đến" (documents received
    electronically, not yet registered). For base.html's <nav class="mainnav">."""
    request = context.get("request")
    user = getattr(request, "user", None)
    agency_id = getattr(request, "agency_id", None)
    if user is None or not user.is_authenticated or agency_id is None:
        return ""
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    links = []
    if can_draft(user, agency_id):
        links.append((reverse("drafting:list"), "Dự thảo", waiting_count(user=user, agency_id=agency_id),
                      namespace == "drafting"))
    if can_register(user, agency_id):
        links.append((reverse("exchange:inbox"), "Văn bản điện tử đến",
                      inbox_waiting_count(user=user, agency_id=agency_id), namespace == "exchange"))
    rendered = []
    for url, label, count, current in links:
        badge = format_html(' <span class="badge badge-urgent" title="Đang chờ bạn">{}</span>', count) if count else ""
        rendered.append((url, mark_safe(' aria-current="page"') if current else "", label, badge))
    return format_html_join("\n", '<a href="{}"{}>{}{}</a>', rendered)
