"""The roadmap chart: headcount at the end of each plan year (bars) against the quota (line), drawn by pygal on
the server as inline SVG with no script (`js=[]`, pygal's inline configuration script removed) and nothing from
a network. The page shows the same figures in a table beside it, which is what a screen reader reads."""

from __future__ import annotations

import re

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif'
STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#334155", foreground_strong="#0f172a",
    foreground_subtle="#e2e8f0", opacity=".85", opacity_hover="1", transition="none",
    colors=("#1d4ed8", "#b91c1c", "#15803d"), font_family=FONT, label_font_family=FONT,
    major_label_font_family=FONT, value_font_family=FONT, legend_font_family=FONT, title_font_family=FONT,
    tooltip_font_family=FONT, label_font_size=12, major_label_font_size=12, legend_font_size=13, value_font_size=12,
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TITLE = re.compile(r"<title>Pygal</title>")


def _svg(chart, label: str) -> SafeString:
    svg = chart.render(is_unicode=True)
    svg = _SCRIPT.sub("", svg)
    svg = _COMMENT.sub("", svg)
    svg = _TITLE.sub(f"<title>{escape(label)}</title>", svg, count=1)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(svg)  # noqa: S308 - pygal escapes every label it writes


def projection_chart(projection, *, title: str, start_quota: int | None) -> SafeString:
    """Side by side for the start and the end of each plan year: people in post and the quota."""
    labels = ["Đầu kỳ"] + [f"Cuối {y.label}" for y in projection]
    chart = pygal.Bar(js=[], style=STYLE, height=320, width=760, show_legend=True, legend_at_bottom=True,
                      print_values=True, disable_xml_declaration=True, explicit_size=False,
                      y_title="Số người", include_x_axis=True, truncate_label=-1, min_scale=4)
    chart.x_labels = labels
    chart.add("Số người đang công tác",
              [projection[0].headcount_start if projection else None] + [y.headcount_end for y in projection])
    chart.add("Biên chế được giao", [start_quota] + [y.quota for y in projection])
    return _svg(chart, title)
