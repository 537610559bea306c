"""Charts of the dashboard: pygal line and bar charts rendered on the server to inline SVG.

Nothing comes from a network: pygal is an installed package, charts are rendered with `js=[]` and the one
inline configuration script pygal always writes is removed, so a page holds plain SVG (no script at all).
Each chart is shown beside a table holding the same numbers (`table_rows`), which is what a screen reader
reads. Nothing is cached: a chart costs a few milliseconds to draw.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif'

LIGHT = Style(
    background="transparent", plot_background="transparent", foreground="#334155", foreground_strong="#0f172a",
    foreground_subtle="#e2e8f0", opacity=".85", opacity_hover="1", transition="none",
    colors=("#1d4ed8", "#b91c1c", "#15803d", "#b45309", "#7c3aed", "#0e7490"),
    font_family=FONT, label_font_family=FONT, major_label_font_family=FONT, value_font_family=FONT,
    value_label_font_family=FONT, tooltip_font_family=FONT, title_font_family=FONT, legend_font_family=FONT,
    label_font_size=12, major_label_font_size=12, legend_font_size=13, value_font_size=12,
)
DARK = Style(
    background="transparent", plot_background="transparent", foreground="#cbd5e1", foreground_strong="#f8fafc",
    foreground_subtle="#334155", opacity=".9", opacity_hover="1", transition="none",
    colors=("#60a5fa", "#f87171", "#4ade80", "#fbbf24", "#c084fc", "#22d3ee"),
    font_family=FONT, label_font_family=FONT, major_label_font_family=FONT, value_font_family=FONT,
    value_label_font_family=FONT, tooltip_font_family=FONT, title_font_family=FONT, legend_font_family=FONT,
    label_font_size=16, major_label_font_size=16, legend_font_size=16, value_font_size=16,
)

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TITLE = re.compile(r"<title>Pygal</title>")
_MAX_X_LABELS = 8


def number(value, unit: str = "") -> str:
    """A figure as Vietnamese readers write it: 1.234 and 87,5 (no unit for counts; "%" glued on)."""
    if value is None:
        return "—"
    if isinstance(value, (Decimal, float)) and value != int(value):
        text = f"{Decimal(value):,.1f}"
    else:
        text = f"{int(value):,}"
    text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text + "%" if unit == "%" else text


def day_label(day: dt.date, *, monthly: bool = False) -> str:
    return f"{day:%m/%Y}" if monthly else f"{day:%d/%m}"


def is_monthly(series: list[tuple[dt.date, object]]) -> bool:
    """A series of first days of consecutive months (the registry switches to months over 92 days)."""
    return len(series) > 1 and all(d.day == 1 for d, _ in series) and (series[1][0] - series[0][0]).days >= 28


def _plain(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _integer_ticks(values, unit: str) -> list[int] | None:
    """Whole-number ticks for counts (pygal would write 0,8 and 1,6 for a count of 2); None for shares."""
    values = [v for v in values if v is not None]
    if unit == "%" or any(isinstance(v, (Decimal, float)) and v != int(v) for v in values):
        return None
    low, high = min([0, *map(int, values)]), max([1, *map(int, values)])
    step = max(1, -(-(high - low) // 5))
    return list(range(low - (-low % step if low < 0 else 0), high + step, step))


def _svg(chart, label: str) -> SafeString:
    svg = chart.render(is_unicode=True)
    svg = _SCRIPT.sub("", svg)
    svg = _COMMENT.sub("", svg)
    svg = _TITLE.sub(f"<title>{escape(label)}</title>", svg, count=1)
    # The table beside the chart carries the numbers for assistive technology; the picture is named only.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(svg)  # noqa: S308 - pygal's output with every label escaped by pygal itself


def _config(*, dark: bool, height: int) -> dict:
    return {
        "js": [], "disable_xml_declaration": True, "style": DARK if dark else LIGHT, "width": 720, "height": height,
        "explicit_size": False, "show_legend": False, "truncate_label": -1, "print_values": False,
        "margin": 8, "spacing": 8, "show_y_guides": True, "show_x_guides": False, "min_scale": 2, "max_scale": 6,
        "no_data_text": "Chưa có số liệu",
    }


def line_chart(series: list[tuple[dt.date, object]], *, label: str, unit: str = "", dark: bool = False,
               height: int = 240) -> SafeString:
    """A trend over days (dd/mm) or months (mm/yyyy): one line, at most 8 dates written under the axis."""
    monthly = is_monthly(series)
    chart = pygal.Line(**_config(dark=dark, height=height), show_minor_x_labels=False, dots_size=2,
                       fill=False, allow_interruptions=True, show_dots=len(series) <= 62)
    labels = [day_label(d, monthly=monthly) for d, _ in series]
    chart.x_labels = labels
    step = max(1, -(-len(labels) // _MAX_X_LABELS))
    chart.x_labels_major = labels[::step]
    chart.value_formatter = lambda v: number(v, unit)
    ticks = _integer_ticks([v for _, v in series], unit)
    if ticks:
        chart.y_labels = ticks
    chart.add(label, [_plain(v) for _, v in series])
    return _svg(chart, label)


def bar_chart(rows: list[tuple[str, object]], *, label: str, unit: str = "", dark: bool = False,
              height: int | None = None) -> SafeString:
    """Ranked bars, one per row (a unit, a procedure), the biggest at the top."""
    rows = rows[:15]
    height = height or max(120, 28 * len(rows) + 40)
    chart = pygal.HorizontalBar(**{**_config(dark=dark, height=height), "print_values": True})
    chart.value_formatter = lambda v: number(v, unit)
    chart.x_labels = [r[0] for r in reversed(rows)]
    ticks = _integer_ticks([r[1] for r in rows], unit)
    if ticks:
        chart.y_labels = ticks
    chart.add(label, [_plain(r[1]) for r in reversed(rows)])
    return _svg(chart, label)


def table_rows(series: list[tuple[dt.date, object]], unit: str = "") -> list[tuple[str, str]]:
    """The table beside a trend chart: (date as dd/mm/yyyy or mm/yyyy, figure)."""
    monthly = is_monthly(series)
    return [(f"{d:%m/%Y}" if monthly else f"{d:%d/%m/%Y}", number(v, unit)) for d, v in series]
