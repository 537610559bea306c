"""The records panel on a document's page (documents/document_detail.html loads it): the case files
holding the document that the user may see, and "add to a case file" for those allowed."""

from django import template
from django.template.loader import render_to_string

from congvu.records import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def records_panel(context, document):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    user = request.user
    return render_to_string("records/_panel.html", {
        "doc": document,
        "files": selectors.document_case_files(user=user, document=document),
        "addable": selectors.addable_case_files(user=user, document=document),
        "can_open": selectors.can_open_case_file(user, document.agency_id),
    }, request=request)
