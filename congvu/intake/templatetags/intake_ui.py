"""Template helpers of intake: file sizes as a clerk reads them, accuracy shares."""

from django import template

from congvu.documents.upload_handlers import format_size

register = template.Library()


@register.filter
def vn_size(value) -> str:
    """1536 → "2 KB", 1572864 → "1,5 MB"."""
    try:
        return format_size(int(value))
    except (TypeError, ValueError):
        return ""


@register.filter
def vn_percent(value) -> str:
    """97.5 → "97,5%"; None → "—" (nothing measured yet)."""
    if value is None:
        return "—"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
