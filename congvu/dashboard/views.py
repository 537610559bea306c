"""Pages of the operations dashboard (IOC): the overview, one indicator, the items behind a figure, the wall screen.

Thin: every figure comes from `indicators.compute` (computed once per request and per key), the rows behind a
figure from `items.items_for`, who sees which agencies from `access`. Bad filters give a page with a Vietnamese
message and status 400, an agency out of the user's sight 403, never a 500.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from congvu.core.dates import parse_vn_date
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.dashboard import access, charts, indicators, items
from congvu.dashboard.access import Scope

PRESETS = {
    "today": "Hôm nay",
    "week": "Tuần này",
    "month": "Tháng này",
    "quarter": "Quý này",
    "year": "Năm nay",
}
NO_ACCESS = "Bạn không có quyền xem bảng điều hành: trang này dành cho lãnh đạo và quản trị cơ quan."

# Headline tiles of the overview, in reading order.
TILES = (
    "documents_incoming", "documents_outgoing", "documents_electronic_share",
    "processing_late", "processing_overdue", "tasks_overdue",
    "dossiers_received", "dossiers_on_time_rate", "dossiers_online_share",
    "staffing_surplus", "exchange_waiting", "equipment_video_conference",
)
WALL_TILES = (
    "documents_incoming", "documents_outgoing", "processing_overdue", "processing_late",
    "dossiers_received", "dossiers_on_time_rate", "exchange_waiting", "staffing_surplus",
)
# Tiles shown in red when not zero: something is late.
ALARM = frozenset({"processing_late", "processing_overdue", "tasks_late", "tasks_overdue", "exchange_waiting",
                   "dossiers_overdue"})
HOME_KEYS = tuple(dict.fromkeys(TILES + (
    "documents_incoming", "documents_outgoing", "processing_on_time", "processing_late", "processing_overdue",
    "processing_average_days", "tasks_on_time", "tasks_late", "tasks_overdue", "dossiers_received",
    "dossiers_on_time_rate", "dossiers_online_share", "dossiers_satisfaction", "dossiers_late_by_procedure",
    "dossiers_overdue", "staffing_quota", "staffing_in_post", "staffing_surplus", "exchange_sent", "exchange_received",
    "exchange_waiting", "equipment_video_conference", "equipment_cameras")))
WALL_KEYS = tuple(dict.fromkeys(WALL_TILES + (
    "processing_late", "processing_overdue", "dossiers_late_by_procedure", "equipment_video_conference",
    "equipment_cameras", "documents_incoming")))
GROUPS = (
    ("documents", "Văn bản"),
    ("processing", "Xử lý văn bản và công việc"),
    ("onestop", "Một cửa"),
    ("staffing", "Biên chế"),
    ("exchange", "Liên thông văn bản"),
    ("equipment", "Thiết bị điều hành"),
)


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "today":
        return today, today
    if preset == "week":
        return today - dt.timedelta(days=today.weekday()), today
    if preset == "month":
        return today.replace(day=1), today
    if preset == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if preset == "year":
        return today.replace(month=1, day=1), today
    raise ValidationFailed("Kỳ báo cáo không hợp lệ.", fields={"preset": "Chọn một kỳ trong danh sách."})


@dataclass
class Filters:
    """What the filter bar asked for, and the scope it resolves to."""

    scope: Scope | None = None
    agency: str = ""  # as given (empty: the default agency)
    preset: str = ""
    date_from: str = ""  # dd/mm/yyyy as shown in the form
    date_to: str = ""
    error: str = ""
    fields: dict = field(default_factory=dict)

    @property
    def query(self) -> str:
        """The query string that gives the same scope on another dashboard page (items, one indicator)."""
        if self.scope is None:
            return ""
        params = {}
        if self.agency:
            params["agency"] = self.agency
        params["from"] = f"{self.scope.start:%d/%m/%Y}"
        params["to"] = f"{self.scope.end:%d/%m/%Y}"
        return urlencode(params)


def _text(request, name: str, limit: int = 20) -> str:
    return (request.GET.get(name) or "").strip()[:limit]


def _bounded(day: dt.date | None, field_name: str) -> dt.date | None:
    """Years a calendar can hold with room to spare (as the reports do): 31/12/9999 would overflow the months."""
    if day is not None and not 1900 <= day.year <= 2999:
        raise ValidationFailed(f"Ngày không hợp lệ: {day:%d/%m/%Y}.", fields={field_name: "Năm phải từ 1900 đến 2999."})
    return day


def _filters(request) -> Filters:
    """Parse agency / preset / from / to. PermissionDenied (agency out of sight) propagates; bad input is kept
    in `error` with the default scope computed for nothing (the page shows the message with status 400)."""
    if access.dashboard_roots(request.user) == []:  # None: a superuser, who sees everything
        raise HttpForbidden(NO_ACCESS)
    f = Filters(agency=_text(request, "agency"), preset=_text(request, "preset"),
                date_from=_text(request, "from"), date_to=_text(request, "to"))
    try:
        start = end = None
        if f.preset:
            start, end = preset_period(f.preset, timezone.localdate())
        else:
            start = _bounded(parse_vn_date(f.date_from, field="from"), "from")
            end = _bounded(parse_vn_date(f.date_to, field="to"), "to")
        if f.agency and not (f.agency.isascii() and f.agency.isdigit()):
            raise ValidationFailed("Mã cơ quan không hợp lệ.", fields={"agency": "Chọn một cơ quan trong danh sách."})
        f.scope = access.resolve_scope(request.user, agency_id=f.agency or None, start=start, end=end,
                                       current_agency_id=getattr(request, "agency_id", None))
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    except ValidationFailed as exc:
        f.error, f.fields, f.scope = exc.message, exc.fields, None
        return f
    f.date_from, f.date_to = f"{f.scope.start:%d/%m/%Y}", f"{f.scope.end:%d/%m/%Y}"
    return f


class Figures:
    """Indicator results for one scope, each computed at most once per request."""

    def __init__(self, scope: Scope, keys=()):
        self.scope = scope
        self._results: dict[str, indicators.IndicatorResult] = {}
        many = getattr(indicators, "compute_many", None)
        wanted = [k for k in keys if k in indicators.INDICATORS]
        if many is not None and wanted:
            self._results.update(many(wanted, scope))

    def __getitem__(self, key: str) -> indicators.IndicatorResult:
        if key not in self._results:
            self._results[key] = indicators.compute(key, self.scope)
        return self._results[key]


@dataclass
class Tile:
    key: str
    name: str
    text: str  # the figure as shown
    unit: str
    note: str  # numerator/denominator when the figure is a share
    url: str
    alarm: bool


def _figure_text(ind, result) -> str:
    return charts.number(result.value, ind.unit)


def _note(ind, result) -> str:
    if result.numerator is not None and result.denominator is not None and ind.unit == "%":
        return f"{charts.number(result.numerator)}/{charts.number(result.denominator)}"
    return ""


def _items_url(key: str, query: str, dim: str = "") -> str:
    url = reverse("dashboard:items", args=[key])
    q = query + (("&" if query else "") + urlencode({"dim": dim}) if dim else "")
    return f"{url}?{q}" if q else url


def _indicator_url(key: str, query: str) -> str:
    url = reverse("dashboard:indicator", args=[key])
    return f"{url}?{query}" if query else url


def _tile(key: str, figures: Figures, query: str) -> Tile | None:
    if key not in indicators.INDICATORS:
        return None
    ind = indicators.INDICATORS[key]
    result = figures[key]
    return Tile(key=key, name=ind.name, text=_figure_text(ind, result), unit=ind.unit if ind.unit != "%" else "",
                note=_note(ind, result), url=_items_url(key, query),
                alarm=key in ALARM and bool(result.value))


def _rows(key: str, figures: Figures, query: str, limit: int = 10) -> list[dict]:
    """A breakdown as table rows, each with its link to the items behind it."""
    if key not in indicators.INDICATORS:
        return []
    ind = indicators.INDICATORS[key]
    out = []
    for row in figures[key].breakdown[:limit]:
        out.append({"label": row.label, "text": charts.number(row.value, ind.unit),
                    "note": (f"{charts.number(row.numerator)}/{charts.number(row.denominator)}"
                             if row.numerator is not None and row.denominator is not None else ""),
                    "url": _items_url(key, query, row.key)})
    return out


def _ranked_units(figures: Figures, query: str, limit: int = 15) -> list[dict]:
    """Units ranked by processing lateness: overdue (still open past the deadline) then late, worst first."""
    merged: dict[str, dict] = {}
    for key in ("processing_overdue", "processing_late"):
        if key not in indicators.INDICATORS:
            continue
        for row in figures[key].breakdown:
            entry = merged.setdefault(row.key, {"label": row.label, "overdue": 0, "late": 0, "key": row.key})
            entry["overdue" if key == "processing_overdue" else "late"] = row.value or 0
    ranked = sorted(merged.values(), key=lambda e: (-e["overdue"], -e["late"], e["label"]))
    ranked = [e for e in ranked if e["overdue"] or e["late"]][:limit]
    for e in ranked:
        e["overdue_text"], e["late_text"] = charts.number(e["overdue"]), charts.number(e["late"])
        e["overdue_url"] = _items_url("processing_overdue", query, e["key"])
        e["late_url"] = _items_url("processing_late", query, e["key"])
    return ranked


def _trend(key: str, figures: Figures, *, dark: bool = False, height: int = 220) -> dict | None:
    if key not in indicators.INDICATORS:
        return None
    ind = indicators.INDICATORS[key]
    series = figures[key].series
    return {"key": key, "name": ind.name, "unit": ind.unit, "monthly": charts.is_monthly(series),
            "svg": charts.line_chart(series, label=ind.name, unit=ind.unit, dark=dark, height=height),
            "table": charts.table_rows(series, ind.unit)}


def _equipment_line(key: str, figures: Figures, query: str) -> dict | None:
    """"6/6 xã đã kết nối", "46 điểm camera tại 5/6 xã": the points counted, and how many communes have them."""
    if key not in indicators.INDICATORS:
        return None
    ind = indicators.INDICATORS[key]
    r = figures[key]
    if key == "equipment_video_conference":
        text = f"{charts.number(r.numerator)}/{charts.number(r.denominator)} xã đã kết nối"
    else:
        text = (f"{charts.number(r.value)} điểm camera tại "
                f"{charts.number(r.numerator)}/{charts.number(r.denominator)} xã")
    return {"key": key, "name": ind.name, "text": text, "url": _items_url(key, query)}


def _catalogue(query: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every indicator of the registry by group, linked to its page (formula, trend, breakdown)."""
    out = []
    for group, label in GROUPS:
        entries = [(ind.name, _indicator_url(ind.key, query)) for ind in indicators.INDICATORS.values()
                   if ind.group == group]
        if entries:
            out.append((label, entries))
    return out


def _base_context(request, f: Filters) -> dict:
    tree = access.agency_tree(request.user)
    options = [(a.pk, "\u2003" * depth + a.name) for a, depth in tree]
    name = next((a.name for a, _depth in tree if str(a.pk) == f.agency), "")
    return {"filters": f, "presets": PRESETS, "agency_options": options, "query": f.query, "agency_name": name}


def _error_page(request, template: str, context: dict):
    return render(request, template, context, status=400)


@login_required
@require_GET
def home(request):
    """Bảng điều hành: where the administration is late, with every figure a link to the items behind it."""
    started = time.perf_counter()
    f = _filters(request)
    context = _base_context(request, f)
    if f.scope is None:
        return _error_page(request, "dashboard/dashboard.html", context)
    figures = Figures(f.scope, HOME_KEYS)
    q = f.query
    context.update({
        "tiles": [t for t in (_tile(k, figures, q) for k in TILES) if t],
        "documents_trends": [t for t in (_trend(k, figures) for k in ("documents_incoming", "documents_outgoing"))
                             if t],
        "ranked_units": _ranked_units(figures, q),
        "processing": [t for t in (_tile(k, figures, q) for k in (
            "processing_on_time", "processing_late", "processing_overdue", "processing_average_days",
            "tasks_on_time", "tasks_late", "tasks_overdue")) if t],
        "onestop": [t for t in (_tile(k, figures, q) for k in (
            "dossiers_received", "dossiers_on_time_rate", "dossiers_overdue", "dossiers_online_share",
            "dossiers_satisfaction")) if t],
        "late_by_procedure": _rows("dossiers_late_by_procedure", figures, q),
        "onestop_trend": _trend("dossiers_received", figures),
        "staffing": [t for t in (_tile(k, figures, q) for k in ("staffing_quota", "staffing_in_post",
                                                                 "staffing_surplus")) if t],
        "surplus_by_unit": _rows("staffing_surplus", figures, q),
        "exchange": [t for t in (_tile(k, figures, q) for k in ("exchange_sent", "exchange_received",
                                                                 "exchange_waiting")) if t],
        "equipment": [e for e in (_equipment_line(k, figures, q) for k in ("equipment_video_conference",
                                                                          "equipment_cameras")) if e],
    })
    context["catalogue"] = _catalogue(q)
    context["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
    return render(request, "dashboard/dashboard.html", context)


def _indicator_or_404(key: str):
    try:
        return indicators.get(key)
    except NotFound as exc:
        from django.http import Http404

        raise Http404(exc.message) from None


@login_required
@require_GET
def indicator(request, key: str):
    """One indicator: its formula in words, unit and period, the trend chart with its table, the breakdown."""
    f = _filters(request)
    ind = _indicator_or_404(key)
    context = {**_base_context(request, f), "indicator": ind}
    if f.scope is None:
        return _error_page(request, "dashboard/dashboard_indicator.html", context)
    figures = Figures(f.scope)
    result = figures[key]
    breakdown = _rows(key, figures, f.query, limit=200)
    context.update({
        "result": result, "figure": _figure_text(ind, result), "note": _note(ind, result),
        "items_url": _items_url(key, f.query), "trend": _trend(key, figures, height=260),
        "breakdown": breakdown,
        "breakdown_chart": charts.bar_chart([(r.label, r.value) for r in result.breakdown], label=ind.name,
                                            unit=ind.unit) if result.breakdown else "",
        "breakdown_label": BREAKDOWN_LABELS.get(ind.breakdown, "Phân tích"),
    })
    return render(request, "dashboard/dashboard_indicator.html", context)


BREAKDOWN_LABELS = {"unit": "Theo cơ quan, đơn vị", "department": "Theo phòng, ban", "procedure": "Theo thủ tục"}


def _page_number(request) -> int:
    text = _text(request, "page", 12) or "1"
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= items.MAX_PAGE:
        raise ValidationFailed("Số trang không hợp lệ.", fields={"page": "Số trang không hợp lệ."})
    return int(text)


@login_required
@require_GET
def items_page(request, key: str):
    """The records behind a figure, as the user may see them, each linking to its own page."""
    f = _filters(request)
    ind = _indicator_or_404(key)
    dim = _text(request, "dim", 60)
    context = {**_base_context(request, f), "indicator": ind, "dim": dim}
    if f.scope is None:
        return _error_page(request, "dashboard/items.html", context)
    try:
        page = _page_number(request)
        result = items.items_for(request.user, key, f.scope, dimension=dim, page=page)
    except ValidationFailed as exc:
        context["filters"].error = exc.message
        return _error_page(request, "dashboard/items.html", context)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    base = _items_url(key, f.query, dim)
    context.update({
        "result": result, "page": page,
        "next_url": f"{base}&page={page + 1}" if result.has_next else "",
        "prev_url": f"{base}&page={page - 1}" if page > 1 else "",
        "indicator_url": _indicator_url(key, f.query),
        "figure": charts.number(result.figure) if result.figure is not None else "—",
    })
    return render(request, "dashboard/items.html", context)


@login_required
@require_GET
def wall(request):
    """Màn hình trung tâm điều hành: large figures on a dark page, refreshed by htmx every 60 seconds
    (the request for the figures answers with the figures block only)."""
    f = _filters(request)
    context = _base_context(request, f)
    if f.scope is None:
        return _error_page(request, "dashboard/wall.html", context)
    figures = Figures(f.scope, WALL_KEYS)
    q = f.query
    context.update({
        "tiles": [t for t in (_tile(k, figures, q) for k in WALL_TILES) if t],
        "ranked_units": _ranked_units(figures, q, limit=8),
        "late_by_procedure": _rows("dossiers_late_by_procedure", figures, q, limit=6),
        "equipment": [e for e in (_equipment_line(k, figures, q) for k in ("equipment_video_conference",
                                                                          "equipment_cameras")) if e],
        "trend": _trend("documents_incoming", figures, dark=True, height=200),
        "updated_at": timezone.localtime(),
        "refresh_url": f"{reverse('dashboard:wall')}?{q}",
    })
    if getattr(request, "htmx", False):
        return render(request, "dashboard/wall_figures.html", context)
    return render(request, "dashboard/wall.html", context)
