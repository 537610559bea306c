"""The indicator registry: every figure of the dashboard, the reports and the API is defined here, once.

Each indicator has a stable key, a Vietnamese name, its formula written out in words, a unit, the period it
covers, and the code that computes it. The code reads only the roll-ups (DailyFigure, see metrics.py for what
each metric counts) and the small equipment table — never the raw documents or dossiers tables.

Conventions of the roll-ups (metrics.py): every metric's total over a scope is the sum over all its
dimensions; flow metrics ("received on day D") are summed over the days of the period; snapshot metrics
("overdue at the end of day D") are read on the last day of the period (today when the period runs to today).
"""

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from congvu.core.errors import NotFound
from congvu.dashboard import metrics as m
from congvu.dashboard.access import Scope
from congvu.dashboard.models import RollupState

MONTHLY_AFTER_DAYS = 92  # a longer period is charted per month


@dataclass
class Row:
    """One breakdown row (ranked: worst first for lateness, biggest first for counts)."""

    key: str
    label: str
    value: Decimal | int | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass
class IndicatorResult:
    value: Decimal | int | None  # the headline figure over the scope (None = no data, shown "—")
    numerator: int | None
    denominator: int | None
    series: list[tuple[date, Decimal | int | None]] = field(default_factory=list)
    breakdown: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    formula: str
    unit: str
    period: str
    group: str  # documents | processing | onestop | staffing | exchange | equipment
    breakdown: str  # unit | department | procedure | "" (none)
    compute: Callable[[Scope], IndicatorResult]


# --- reading the roll-ups -----------------------------------------------------------------------------------

FLOW = "theo ngày trong kỳ"
SNAPSHOT = "tại thời điểm cuối kỳ"


def _monthly(scope: Scope) -> bool:
    return scope.days > MONTHLY_AFTER_DAYS


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _buckets(scope: Scope) -> list[date]:
    if not _monthly(scope):
        return [scope.start + timedelta(days=i) for i in range(scope.days)]
    out, b = [], scope.start.replace(day=1)
    while b <= scope.end:
        out.append(b)
        b = _next_month(b)
    return out


def _parts(scope: Scope) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """The period as daily ranges (partial months at its ends) and one range of whole months (first days)."""
    first_full = scope.start if scope.start.day == 1 else _next_month(scope.start)
    after = scope.end + timedelta(days=1)
    last_full_end = after.replace(day=1)  # months before this one end inside the period
    if scope.end >= timezone.localdate():
        # A period running to today: the current month's sum holds its days so far (flows are dated by events
        # that have happened), so that month is read as a whole too.
        last_full_end = _next_month(scope.end)
    if first_full >= last_full_end:
        return [(scope.start, scope.end)], None
    daily = []
    if scope.start < first_full:
        daily.append((scope.start, first_full - timedelta(days=1)))
    if last_full_end <= scope.end:
        daily.append((last_full_end, scope.end))
    return daily, (first_full, last_full_end - timedelta(days=1))


# Small, slowly changing facts are kept a few seconds per process: the number of agencies (a scope of all of
# them reads without a list of ids), the last snapshot day, the labels of agencies, departments, procedures.
_CACHE: dict[str, tuple[float, object]] = {}
CACHE_SECONDS = 5.0


def _cached(key: str, load):
    now = time.monotonic()
    hit = _CACHE.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    _CACHE[key] = (now, value)
    return value


def cache_clear() -> None:
    _CACHE.clear()


def _agency_count() -> int:
    from congvu.org.models import Agency

    return _cached("agencies", lambda: Agency.objects.count())


def snapshot_day(scope: Scope) -> date:
    """The day whose snapshot describes the end of the period: its last day, or the last refreshed day."""
    last = _cached("snapshot_day", lambda: RollupState.objects.filter(key=m.SNAPSHOT_STATE_KEY)
                   .values_list("last_entry_id", flat=True).first())
    today = timezone.localdate()
    latest = date.fromordinal(last) if last else today
    return min(scope.end, latest, today)


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class _Sql:
    """One statement of UNION ALL parts over the roll-up tables (raw SQL: an indicator is one round trip)."""

    def __init__(self, scope: Scope, metrics: list[str]):
        self.parts: list[str] = []
        self.params: list = []
        self.metrics = metrics
        self.sqlite = connection.vendor == "sqlite"
        if len(scope.agency_ids) == 1:
            self.agencies, self.agency_params = " AND agency_id = %s", [scope.agency_ids[0]]
        elif len(scope.agency_ids) >= 50 and len(scope.agency_ids) == _agency_count():
            self.agencies, self.agency_params = "", []  # the whole deployment
        else:
            self.agencies = f" AND agency_id IN ({', '.join(['%s'] * len(scope.agency_ids))})"
            self.agency_params = list(scope.agency_ids)

    def add(self, tag: str, table: str, date_col: str, lo: date, hi: date, by: str, group: str,
            *, exact_day: bool = False) -> None:
        """Sum of the values by (metric, group) where group is the date column, agency_id or dimension."""
        split = by in ("department", "procedure")
        dims = "dimension > ''" if split else "dimension = ''"
        marks = ", ".join(["%s"] * len(self.metrics))
        when = f"{date_col} = %s" if exact_day else f"{date_col} >= %s AND {date_col} <= %s"
        # split rows: the (metric, day, dimension …) index bounds the day range (SQLite is told; PostgreSQL's
        # planner picks it from the statistics)
        hint = f" INDEXED BY {table.replace('figure', 'figure_split')}" if split and self.sqlite else ""
        self.parts.append(
            f"SELECT '{tag}', metric, CAST({group} AS TEXT), SUM(value) FROM dashboard_{table}{hint} "
            f"WHERE metric IN ({marks}) "
            f"AND {dims} AND {when}{self.agencies} GROUP BY metric, {group}")
        self.params += [*self.metrics, lo] + ([] if exact_day else [hi]) + self.agency_params

    def add_days(self, tag: str, days: list[date], by: str, group: str) -> None:
        dims = "dimension > ''" if by in ("department", "procedure") else "dimension = ''"
        marks = ", ".join(["%s"] * len(self.metrics))
        day_marks = ", ".join(["%s"] * len(days))
        self.parts.append(
            f"SELECT '{tag}', metric, CAST({group} AS TEXT), SUM(value) FROM dashboard_dailyfigure "
            f"WHERE metric IN ({marks}) "
            f"AND {dims} AND day IN ({day_marks}){self.agencies} GROUP BY metric, {group}")
        self.params += [*self.metrics, *days, *self.agency_params]

    def run(self) -> list[tuple]:
        if not self.parts:
            return []
        with connection.cursor() as cur:
            cur.execute(" UNION ALL ".join(self.parts), self.params)
            return cur.fetchall()


def _group_col(by: str) -> str:
    return "agency_id" if by == "unit" else "dimension"


def flows(metrics: list[str], scope: Scope, by: str) -> tuple[dict, dict]:
    """(metric → bucket → sum, metric → group key → sum) over the period, in one statement. Buckets are days, or
    months when the period is long; whole months are read from MonthlyFigure, the days at the ends from
    DailyFigure. Group keys (text): agency ids for "unit", dimensions for "department" / "procedure"."""
    monthly = _monthly(scope)
    sql = _Sql(scope, metrics)
    daily, months = _parts(scope)
    if not monthly:  # a series per day reads every day of the period
        sql.add("s", "dailyfigure", "day", scope.start, scope.end, "", "day")
    for lo, hi in daily:
        if monthly:
            sql.add("s", "dailyfigure", "day", lo, hi, "", "day")
        if by:
            sql.add("g", "dailyfigure", "day", lo, hi, by, _group_col(by))
    if months:
        if monthly:
            sql.add("s", "monthlyfigure", "month", months[0], months[1], "", "month")
        if by:
            sql.add("g", "monthlyfigure", "month", months[0], months[1], by, _group_col(by))
    series: dict[str, dict[date, int]] = {k: defaultdict(int) for k in metrics}
    groups: dict[str, dict[str, int]] = {k: defaultdict(int) for k in metrics}
    for tag, metric, key, v in sql.run():
        if tag == "s":
            day = _as_date(key)
            series[metric][day.replace(day=1) if monthly else day] += int(v or 0)
        else:
            groups[metric][str(key)] += int(v or 0)
    return series, groups


def snapshots(metrics: list[str], scope: Scope, by: str) -> tuple[dict, dict, dict]:
    """(metric → bucket → the snapshot at the end of the bucket, metric → group key → value at the end of the
    period, metric → total at the end of the period), in one statement."""
    monthly = _monthly(scope)
    last = snapshot_day(scope)
    series: dict[str, dict[date, int]] = {k: {} for k in metrics}
    groups: dict[str, dict[str, int]] = {k: defaultdict(int) for k in metrics}
    totals: dict[str, int] = dict.fromkeys(metrics, 0)
    if last < scope.start:
        return series, groups, totals
    buckets = _buckets(Scope(scope.agency_ids, scope.start, last))
    ends = {b: (min(_next_month(b) - timedelta(days=1), last) if monthly else b) for b in buckets}
    sql = _Sql(scope, metrics)
    if monthly:
        sql.add_days("s", sorted(set(ends.values())), "", "day")
    else:
        sql.add("s", "dailyfigure", "day", scope.start, last, "", "day")
    if by and by != "unit":
        sql.add("g", "dailyfigure", "day", last, last, by, _group_col(by), exact_day=True)
    sql.add("u", "dailyfigure", "day", last, last, "unit", "agency_id", exact_day=True)
    per_day: dict[str, dict[date, int]] = {k: {} for k in metrics}
    for tag, metric, key, v in sql.run():
        if tag == "s":
            per_day[metric][_as_date(key)] = int(v or 0)
        else:
            if tag == "u":
                totals[metric] += int(v or 0)
            if tag == "g" or by == "unit":
                groups[metric][str(key)] += int(v or 0)
    for metric in metrics:
        for b in buckets:
            series[metric][b] = per_day[metric].get(ends[b], 0)
    return series, groups, totals


def _series_list(scope: Scope, values: dict[date, object], *, snapshot: bool = False) -> list[tuple[date, object]]:
    buckets = _buckets(scope)
    if snapshot:
        last = snapshot_day(scope)
        return [(b, values.get(b, 0)) for b in buckets if b <= last]
    return [(b, values.get(b, 0)) for b in buckets]


MINUTES_PER_DAY = 1440


def ratio(num: int, den: int, *, percent: bool = True, places: str = "0.1", scale: int = 1) -> Decimal | None:
    """num / den (× 100 for a percentage; ÷ scale, e.g. minutes → days), rounded half up; None when den is 0."""
    if not den:
        return None
    factor = 100 if percent else 1
    return (Decimal(num * factor) / Decimal(den * scale)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


# --- labels for breakdown rows -------------------------------------------------------------------------------

def _all_labels(by: str) -> dict[str, str]:
    if by == "unit":
        from congvu.org.models import Agency

        return {str(pk): (short or name) for pk, name, short in Agency.objects.values_list("pk", "name", "short_name")}
    if by == "department":
        from congvu.org.models import Department

        labels = {str(pk): f"{name} ({short or agency})" for pk, name, short, agency in
                  Department.objects.values_list("pk", "name", "agency__short_name", "agency__name")}
        labels[m.NO_DEPARTMENT] = "Chưa giao phòng, ban"
        return labels
    if by == "procedure":
        from congvu.onestop.models import Procedure

        labels = dict(Procedure.objects.values_list("local_code", "name"))
        labels[m.NO_PROCEDURE] = "Không rõ thủ tục"
        return labels
    return {}


def _labels(by: str, keys) -> dict[str, str]:
    labels = _cached(f"labels:{by}", lambda: _all_labels(by))
    if any(k not in labels for k in keys):  # something new since the labels were read
        _CACHE.pop(f"labels:{by}", None)
        labels = _cached(f"labels:{by}", lambda: _all_labels(by))
    return labels


def _rows(by: str, values: dict[str, int], *, largest_first: bool = True) -> list[Row]:
    labels = _labels(by, values.keys())
    rows = [Row(key=k, label=labels.get(k, k), value=v) for k, v in values.items() if v]
    rows.sort(key=lambda r: (-r.value if largest_first else r.value, r.label))
    return rows


def _ratio_rows(by: str, num: dict[str, int], den: dict[str, int], *, percent=True, places="0.1",
                worst_low: bool = True, scale: int = 1) -> list[Row]:
    labels = _labels(by, den.keys())
    rows = []
    for k, d in den.items():
        if not d:
            continue
        n = num.get(k, 0)
        rows.append(Row(key=k, label=labels.get(k, k), value=ratio(n, d, percent=percent, places=places,
                                                                   scale=scale),
                        numerator=n if scale == 1 else None, denominator=d))
    rows.sort(key=lambda r: ((r.value if worst_low else -r.value), -(r.denominator or 0), r.label))
    return rows


# --- indicator kinds -----------------------------------------------------------------------------------------

def count_flow(metric: str, by: str) -> Callable[[Scope], IndicatorResult]:
    """Sum of a flow metric over the days of the period."""

    def compute(scope: Scope) -> IndicatorResult:
        series, groups = flows([metric], scope, by)
        total = sum(series[metric].values())
        breakdown = _rows(by, groups[metric]) if by else []
        return IndicatorResult(value=total, numerator=None, denominator=None,
                               series=_series_list(scope, series[metric]), breakdown=breakdown)

    return compute


def count_snapshot(metric: str, by: str, *, unknown_when_empty: bool = False) -> Callable[[Scope], IndicatorResult]:
    """A snapshot metric read at the end of the period (series: the snapshot at the end of each day/month).
    `unknown_when_empty`: no row at all means "not known" (None, shown "—"), not zero — a quota nobody set."""

    def compute(scope: Scope) -> IndicatorResult:
        series, groups, totals = snapshots([metric], scope, by)
        breakdown = _rows(by, groups[metric]) if by else []
        value = totals[metric]
        if unknown_when_empty and not groups[metric]:
            value = None
        return IndicatorResult(value=value, numerator=None, denominator=None,
                               series=_series_list(scope, series[metric], snapshot=True), breakdown=breakdown)

    return compute


def ratio_flow(num_metrics: list[str], den_metrics: list[str], by: str, *, percent=True, places="0.1",
               worst_low: bool = True, scale: int = 1) -> Callable[[Scope], IndicatorResult]:
    """sum(numerator metrics) / sum(denominator metrics) over the period (× 100 for a percentage, ÷ scale).
    With a scale (minutes → days) the numerator is not an item count and is left out (None)."""
    metrics = sorted(set(num_metrics) | set(den_metrics))

    def add_up(data: dict, keys: list[str]) -> dict:
        out: dict = defaultdict(int)
        for k in keys:
            for b, v in data[k].items():
                out[b] += v
        return out

    def compute(scope: Scope) -> IndicatorResult:
        s, g = flows(metrics, scope, by)
        num_s, den_s = add_up(s, num_metrics), add_up(s, den_metrics)
        num, den = sum(num_s.values()), sum(den_s.values())
        series = {b: ratio(num_s.get(b, 0), d, percent=percent, places=places, scale=scale)
                  for b, d in den_s.items()}
        breakdown: list[Row] = []
        if by:
            breakdown = _ratio_rows(by, add_up(g, num_metrics), add_up(g, den_metrics), percent=percent,
                                    places=places, worst_low=worst_low, scale=scale)
        return IndicatorResult(value=ratio(num, den, percent=percent, places=places, scale=scale),
                               numerator=num if scale == 1 else None, denominator=den,
                               series=[(b, series.get(b)) for b in _buckets(scope)], breakdown=breakdown)

    return compute


def staffing_surplus(scope: Scope) -> IndicatorResult:
    """In post minus quota, per agency whose quota is known, at the end of the period."""
    metrics = [m.STAFF_IN_POST, m.STAFF_QUOTA]
    s, g, _ = snapshots(metrics, scope, "unit")
    series = {b: s[m.STAFF_IN_POST].get(b, 0) - s[m.STAFF_QUOTA].get(b, 0) for b in s[m.STAFF_QUOTA].keys()
              | s[m.STAFF_IN_POST].keys()}
    keys = set(g[m.STAFF_QUOTA])  # agencies whose quota is known
    labels = _labels("unit", keys)
    rows = []
    for k in keys:
        q, p = g[m.STAFF_QUOTA].get(k, 0), g[m.STAFF_IN_POST].get(k, 0)
        rows.append(Row(key=k, label=labels.get(k, k), value=p - q, numerator=p, denominator=q))
    rows.sort(key=lambda r: (-r.value, r.label))
    quota, in_post = sum(g[m.STAFF_QUOTA].values()), sum(g[m.STAFF_IN_POST].get(k, 0) for k in keys)
    if not keys:  # no agency in the scope has a known quota: the surplus is unknown, not zero
        return IndicatorResult(value=None, numerator=None, denominator=None,
                               series=_series_list(scope, series, snapshot=True), breakdown=[])
    return IndicatorResult(value=in_post - quota, numerator=in_post, denominator=quota,
                           series=_series_list(scope, series, snapshot=True), breakdown=rows)


def _equipment(kind: str) -> Callable[[Scope], IndicatorResult]:
    def compute(scope: Scope) -> IndicatorResult:
        from congvu.dashboard.models import EquipmentKind

        summary = equipment_counts(scope.agency_ids).get(kind, (0, 0, 0, 0, 0))
        points, online, with_points, total, connected = summary
        per_agency = equipment_by_agency(scope.agency_ids, kind)
        labels = _labels("unit", per_agency.keys())
        rows = [Row(key=k, label=labels.get(k, k), value=p, numerator=o, denominator=p)
                for k, (p, o) in per_agency.items()]
        rows.sort(key=lambda r: (-(r.value or 0), r.label))
        if kind == EquipmentKind.VIDEO_CONFERENCE:
            return IndicatorResult(value=connected, numerator=connected, denominator=total, breakdown=rows)
        return IndicatorResult(value=points, numerator=with_points, denominator=total, breakdown=rows)

    return compute


def equipment_counts(agency_ids) -> dict[str, tuple[int, int, int, int, int]]:
    """kind → (points, online, agencies with points, agencies counted, agencies with an online point).
    D3's equipment.equipment_summary when present; the same counts from EquipmentPoint otherwise."""
    try:
        from congvu.dashboard.equipment import equipment_summary
    except ImportError:
        equipment_summary = None
    if equipment_summary is not None:
        return equipment_summary(list(agency_ids))
    from congvu.dashboard.models import EquipmentKind, EquipmentPoint, EquipmentStatus
    from congvu.org.models import Agency, AgencyKind

    communes = Agency.objects.filter(pk__in=agency_ids, kind=AgencyKind.COMMUNE_PC).count()
    total = communes or len(agency_ids)
    out = {}
    for kind in EquipmentKind.values:
        qs = EquipmentPoint.objects.filter(kind=kind, active=True, agency_id__in=agency_ids)
        out[kind] = (qs.count(), qs.filter(status=EquipmentStatus.ONLINE).count(),
                     qs.values("agency_id").distinct().count(), total,
                     qs.filter(status=EquipmentStatus.ONLINE).values("agency_id").distinct().count())
    return out


def equipment_by_agency(agency_ids, kind: str) -> dict[str, tuple[int, int]]:
    from django.db.models import Count, Q

    from congvu.dashboard.models import EquipmentPoint, EquipmentStatus

    rows = (EquipmentPoint.objects.filter(kind=kind, active=True, agency_id__in=agency_ids)
            .values("agency_id").annotate(n=Count("id"), on=Count("id", filter=Q(status=EquipmentStatus.ONLINE))))
    return {str(r["agency_id"]): (r["n"], r["on"]) for r in rows}


# --- the registry --------------------------------------------------------------------------------------------

def _ind(key, name, formula, unit, period, group, breakdown, compute) -> Indicator:
    return Indicator(key=key, name=name, formula=formula, unit=unit, period=period, group=group,
                     breakdown=breakdown, compute=compute)


_LIST = [
    # documents
    _ind("documents_incoming", "Văn bản đến",
         "Số văn bản đến được vào sổ trong kỳ (tính theo ngày vào sổ).",
         "văn bản", FLOW, "documents", "unit", count_flow(m.DOC_IN, "unit")),
    _ind("documents_outgoing", "Văn bản đi",
         "Số văn bản đi được ban hành (cấp số) trong kỳ (tính theo ngày ban hành).",
         "văn bản", FLOW, "documents", "unit", count_flow(m.DOC_OUT, "unit")),
    _ind("documents_electronic_share", "Tỷ lệ văn bản điện tử",
         "(Văn bản đến nhận qua kênh điện tử + văn bản đi ban hành điện tử) ÷ (tổng văn bản đến + văn bản đi) "
         "trong kỳ × 100.",
         "%", FLOW, "documents", "unit",
         ratio_flow([m.DOC_IN_ELECTRONIC, m.DOC_OUT_ELECTRONIC], [m.DOC_IN, m.DOC_OUT], "unit", worst_low=True)),
    # processing of documents (the lead assignment: xử lý chính)
    _ind("processing_on_time", "Văn bản xử lý đúng hạn",
         "Số văn bản đến mà đơn vị/người xử lý chính hoàn thành trong kỳ, không muộn hơn hạn xử lý "
         "(văn bản không có hạn được tính là đúng hạn).",
         "văn bản", FLOW, "processing", "department", count_flow(m.PROC_ON_TIME, "department")),
    _ind("processing_late", "Văn bản xử lý trễ hạn",
         "Số văn bản đến mà người xử lý chính hoàn thành trong kỳ, sau hạn xử lý.",
         "văn bản", FLOW, "processing", "department", count_flow(m.PROC_LATE, "department")),
    _ind("processing_overdue", "Văn bản quá hạn chưa xử lý",
         "Số văn bản đến đang được xử lý chính (chưa hoàn thành) mà hạn xử lý đã qua, tại cuối kỳ.",
         "văn bản", SNAPSHOT, "processing", "department", count_snapshot(m.PROC_OVERDUE, "department")),
    _ind("processing_average_days", "Thời gian xử lý bình quân",
         "Tổng thời gian từ lúc giao xử lý chính đến lúc hoàn thành (ngày theo lịch, có phần lẻ) của các văn "
         "bản hoàn thành trong kỳ ÷ số văn bản đó.",
         "ngày", FLOW, "processing", "department",
         ratio_flow([m.PROC_MINUTES], [m.PROC_ON_TIME, m.PROC_LATE], "department", percent=False,
                    worst_low=False, scale=MINUTES_PER_DAY)),
    # tasks (công việc)
    _ind("tasks_on_time", "Công việc hoàn thành đúng hạn",
         "Số công việc được giao (người/đơn vị chủ trì) hoàn thành trong kỳ, không muộn hơn hạn "
         "(không có hạn: đúng hạn).",
         "công việc", FLOW, "processing", "department", count_flow(m.TASK_ON_TIME, "department")),
    _ind("tasks_late", "Công việc hoàn thành trễ hạn",
         "Số công việc được giao (chủ trì) hoàn thành trong kỳ, sau hạn.",
         "công việc", FLOW, "processing", "department", count_flow(m.TASK_LATE, "department")),
    _ind("tasks_overdue", "Công việc quá hạn chưa hoàn thành",
         "Số công việc đang thực hiện (chủ trì, chưa hoàn thành) mà hạn đã qua, tại cuối kỳ.",
         "công việc", SNAPSHOT, "processing", "department", count_snapshot(m.TASK_OVERDUE, "department")),
    # one-stop
    _ind("dossiers_received", "Hồ sơ TTHC tiếp nhận",
         "Số hồ sơ thủ tục hành chính được tiếp nhận trong kỳ (trực tiếp, trực tuyến, bưu chính), "
         "tính theo ngày tiếp nhận.",
         "hồ sơ", FLOW, "onestop", "procedure", count_flow(m.DOSSIER_RECEIVED, "procedure")),
    _ind("dossiers_on_time_rate", "Tỷ lệ hồ sơ giải quyết đúng hạn",
         "Số hồ sơ giải quyết xong trong kỳ trước hoặc đúng hạn ÷ tổng số hồ sơ giải quyết xong trong kỳ × 100 "
         "(đúng hạn theo cách tính của Bộ phận một cửa: hoàn thành không muộn hơn ngày hẹn trả, "
         "đã cộng thời gian tạm dừng).",
         "%", FLOW, "onestop", "unit",
         ratio_flow([m.DOSSIER_ON_TIME], [m.DOSSIER_ON_TIME, m.DOSSIER_LATE], "unit", worst_low=True)),
    _ind("dossiers_late_by_procedure", "Hồ sơ trễ hạn theo thủ tục",
         "Số hồ sơ giải quyết xong trong kỳ sau ngày hẹn trả, theo từng thủ tục (nhiều nhất trước).",
         "hồ sơ", FLOW, "onestop", "procedure", count_flow(m.DOSSIER_LATE, "procedure")),
    _ind("dossiers_overdue", "Hồ sơ quá hạn đang giải quyết",
         "Số hồ sơ đang giải quyết (chưa có kết quả) đã quá ngày hẹn trả, tại cuối kỳ.",
         "hồ sơ", SNAPSHOT, "onestop", "procedure", count_snapshot(m.DOSSIER_OVERDUE, "procedure")),
    _ind("dossiers_online_share", "Tỷ lệ hồ sơ trực tuyến",
         "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến trong kỳ ÷ tổng số hồ sơ tiếp nhận trong kỳ × 100.",
         "%", FLOW, "onestop", "unit",
         ratio_flow([m.DOSSIER_ONLINE], [m.DOSSIER_RECEIVED], "unit", worst_low=True)),
    _ind("dossiers_satisfaction", "Mức độ hài lòng",
         "Số đánh giá «hài lòng» hoặc «rất hài lòng» nhận được trong kỳ ÷ tổng số đánh giá trong kỳ × 100.",
         "%", FLOW, "onestop", "unit",
         ratio_flow([m.RATING_SATISFIED], [m.RATING_COUNT], "unit", worst_low=True)),
    # staffing
    _ind("staffing_quota", "Biên chế được giao",
         "Tổng số biên chế (chỉ tiêu) được giao cho các cơ quan, tại cuối kỳ.",
         "người", SNAPSHOT, "staffing", "unit", count_snapshot(m.STAFF_QUOTA, "unit", unknown_when_empty=True)),
    _ind("staffing_in_post", "Số người đang làm việc",
         "Số cán bộ, công chức đang giữ vị trí trong biên chế của cơ quan, tại cuối kỳ.",
         "người", SNAPSHOT, "staffing", "unit", count_snapshot(m.STAFF_IN_POST, "unit")),
    _ind("staffing_surplus", "Thừa (+) / thiếu (−) so với biên chế",
         "Số người đang làm việc − biên chế được giao, theo từng cơ quan, tại cuối kỳ (dương: vượt biên chế; "
         "âm: còn thiếu).",
         "người", SNAPSHOT, "staffing", "unit", staffing_surplus),
    # exchange (liên thông)
    _ind("exchange_sent", "Văn bản gửi liên thông",
         "Số gói văn bản điện tử gửi đi qua trục liên thông trong kỳ.",
         "văn bản", FLOW, "exchange", "unit", count_flow(m.EXCHANGE_SENT, "unit")),
    _ind("exchange_received", "Văn bản nhận liên thông",
         "Số gói văn bản điện tử nhận được qua trục liên thông trong kỳ.",
         "văn bản", FLOW, "exchange", "unit", count_flow(m.EXCHANGE_RECEIVED, "unit")),
    _ind("exchange_waiting", "Văn bản chờ phản hồi trạng thái",
         "Số gói đã gửi liên thông chưa nhận được trạng thái xử lý từ nơi nhận, tại cuối kỳ.",
         "văn bản", SNAPSHOT, "exchange", "unit", count_snapshot(m.EXCHANGE_WAITING, "unit")),
    # equipment (current state, not a period)
    _ind("equipment_video_conference", "Điểm cầu truyền hình trực tuyến",
         "Số xã/đơn vị có điểm cầu truyền hình trực tuyến đang hoạt động ÷ tổng số xã/đơn vị "
         "(theo trạng thái kiểm tra gần nhất).",
         "đơn vị", "hiện tại", "equipment", "unit", _equipment("video_conference")),
    _ind("equipment_cameras", "Điểm camera an ninh",
         "Số điểm camera an ninh đang sử dụng; kèm số xã/đơn vị có camera ÷ tổng số xã/đơn vị.",
         "điểm", "hiện tại", "equipment", "unit", _equipment("camera")),
]

INDICATORS: dict[str, Indicator] = {i.key: i for i in _LIST}


def get(key: str) -> Indicator:
    try:
        return INDICATORS[key]
    except KeyError:
        raise NotFound("Không có chỉ tiêu này.") from None


def compute(key: str, scope: Scope) -> IndicatorResult:
    return get(key).compute(scope)
