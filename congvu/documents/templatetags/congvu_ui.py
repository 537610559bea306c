"""Small display helpers shared by every page: Vietnamese dates, urgency badges, search highlights."""

import datetime as dt
import re

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from congvu.core.folding import fold, fold_words, nfc
from congvu.documents.models import URGENT_LEVELS, Secrecy, Urgency

register = template.Library()


@register.filter
def vn_date(value) -> str:
    """dd/mm/yyyy, as officials write dates."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


@register.filter
def vn_datetime(value) -> str:
    if not value:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d/%m/%Y %H:%M")


@register.filter
def vn_long_date(value) -> str:
    """'ngày 07 tháng 9 năm 2026', the date line of Decree 30/2020, Annex I: a leading zero for days below 10
    and for months 1 and 2, none for the other months. `|capfirst` for 'Ngày …' at the start of a line."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


@register.simple_tag
def urgency_badge(document):
    """A red badge for Hỏa tốc, Thượng khẩn, Khẩn (Decree 30 red stamps); nothing for normal."""
    if document.urgency not in URGENT_LEVELS:
        return ""
    level = {Urgency.FLASH: "flash", Urgency.VERY_URGENT: "very", Urgency.URGENT: "urgent"}[document.urgency]
    return format_html('<span class="badge badge-urgent badge-{}">{}</span>', level,
                       document.get_urgency_display())


@register.simple_tag
def secrecy_badge(document):
    if document.secrecy == Secrecy.NORMAL:
        return ""
    return format_html('<span class="badge badge-secret" title="Văn bản mật">{}</span>',
                       document.get_secrecy_display().upper())


def _folded_with_map(text: str) -> str | None:
    """Fold character by character so positions in the folded text match the original.

    Returns None when some character does not fold to exactly one character.
    """
    out = []
    for ch in text:
        f = fold(ch)
        if len(f) != 1:
            return None
        out.append(f)
    return "".join(out)


@register.simple_tag
def highlight(text, query):
    """`text` with the words of `query` wrapped in <mark>, matching without case or marks."""
    text = nfc(str(text or ""))
    words = [w for w in fold_words(query or "") if len(w) > 1 or w.isdigit()]
    folded = _folded_with_map(text) if words else None
    if not words or folded is None:
        return conditional_escape(text)
    pattern = re.compile(r"(?<![0-9a-z])(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                         + r")(?![0-9a-z])")
    parts, last = [], 0
    for m in pattern.finditer(folded):
        parts.append(conditional_escape(text[last:m.start()]))
        parts.append(format_html("<mark>{}</mark>", text[m.start():m.end()]))
        last = m.end()
    parts.append(conditional_escape(text[last:]))
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (empty value removes it)."""
    params = context["request"].GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
