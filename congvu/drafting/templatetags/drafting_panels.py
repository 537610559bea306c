"""The drafting panel on a document's page (documents/document_detail.html loads it)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def drafting_panel(context, document):
    # Filled in by the drafting app; the document page reserves its place.
    return ""
