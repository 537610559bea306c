"""The processing panel on a document's page (documents/document_detail.html loads it), and small tags
for lists: an overdue flag per document row."""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from congvu.core.errors import NotFound

register = template.Library()


@register.simple_tag(takes_context=True)
def workflow_panel(context, document):
    """Timeline and actions of processing for the current user; nothing for a document they cannot see."""
    from congvu.workflow.views import render_panel

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    try:
        return mark_safe(render_panel(request, document))  # noqa: S308 (rendered template, autoescaped)
    except NotFound:
        return ""


@register.simple_tag(takes_context=True)
def wf_form_open(context, action: str, assignment_id: int, multipart: bool = False):
    """The opening tag of an action form on one assignment (works with and without htmx), CSRF included."""
    url = reverse("workflow:assignment_action", args=[assignment_id, action])
    enc = ' enctype="multipart/form-data" hx-encoding="multipart/form-data"' if multipart else ""
    token = get_token(context["request"])
    return format_html('<form class="wf-form" method="post" action="{}" hx-post="{}"{}>'
                       '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', url, url, mark_safe(enc), token)


@register.simple_tag(takes_context=True)
def overdue_flags(context, documents):
    """Ids of the listed documents with an overdue assignment, computed once per list:
    `{% overdue_flags page.items as overdue_ids %}` then `{% if doc.pk in overdue_ids %}`."""
    from congvu.workflow.selectors import overdue_document_ids

    return overdue_document_ids(document_ids=[getattr(d, "pk", None) for d in documents or ()])


@register.simple_tag
def overdue_badge(document, overdue_ids):
    """A red "Quá hạn" badge for a document row whose id is in `overdue_ids`."""
    if getattr(document, "pk", None) in (overdue_ids or ()):
        return format_html('<span class="badge badge-overdue" title="{}">Quá hạn</span>',
                           "Có phân công xử lý đã quá hạn")
    return ""
