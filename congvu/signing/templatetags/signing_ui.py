"""Signature badges for document pages and lists.

    {% load signing_ui %}
    {% signature_badge doc %}                    one document (one query)
    {% signature_badge doc labels %}             in a list: labels = signature_labels_for(page documents)
    {% signature_link doc %}                     link to the document's signatures page
"""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from congvu.signing.selectors import document_signature_labels

register = template.Library()


@register.simple_tag
def signature_labels_for(documents):
    return document_signature_labels(d.pk for d in documents)


@register.simple_tag
def signature_badge(document, labels=None):
    if labels is None:
        labels = document_signature_labels([document.pk])
    check = labels.get(document.pk)
    if check is None:
        return ""
    return mark_safe(render_to_string("signing/_badge.html", {"check": check}).strip())  # noqa: S308 - rendered template


@register.simple_tag
def signature_link(document):
    return format_html('<a class="btn" href="{}">Chữ ký số</a>', reverse("signing:document", args=[document.pk]))
