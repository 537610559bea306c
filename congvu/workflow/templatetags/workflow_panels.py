"""The workflow panel on a document's page (documents/document_detail.html loads it)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def workflow_panel(context, document):
    # Filled in by the workflow app; the document page reserves its place.
    return ""
