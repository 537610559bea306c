"""Keeping the roll-ups (DailyFigure, MonthlyFigure) up to date.

- `refresh()` reads the journal entries written since the last run (RollupState "journal"), finds the
  (agency, day) buckets they touch — the entry's own agency and day, plus the days of the objects it names
  (a document's registration day, an assignment's completion day, a dossier's reception and end days, a
  delivery's day for both agencies) — recomputes just those buckets' flow metrics from the raw tables, and the
  snapshot metrics of today (and of the days since the last run, once a day has ended). Idempotent: running
  it again recomputes the same buckets to the same values. Job `dashboard.rollups`, every minute, and
  `congvu dashboard refresh`.
- `rebuild(start, end, agency_ids)` recomputes everything in the range from scratch (`congvu dashboard
  rebuild`); without arguments, from the first day with data to today, and it moves the journal watermark.

Every write of one run is one transaction: the dashboard never sees half a refresh.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from congvu.dashboard import metrics as m
from congvu.dashboard.models import DailyFigure, MonthlyFigure, RollupState

log = logging.getLogger(__name__)

# Journal actions that can change a figure: these prefixes, minus the reads listed below.
RELEVANT_PREFIXES = ("document.", "workflow.", "task.", "draft.", "onestop.", "exchange.", "staffing.", "demo.",
                     "signature.")
IGNORED_ACTIONS = frozenset({"document.view", "document.download", "document.print", "draft.download",
                             "onestop.dossier_file_download", "signature.checked", "exchange.peer_save",
                             "onestop.catalogue_import", "onestop.code_template_use", "workflow.policy_update",
                             "drafting.policy"})
RESOLVED_TYPES = ("documents.document", "documents.incomingdocument", "documents.outgoingdocument",
                  "workflow.assignment", "workflow.task", "workflow.extensionrequest", "onestop.dossier",
                  "exchange.inboxitem", "exchange.outboxitem")
# Entries are read from a little before the watermark: on PostgreSQL an entry with a smaller id can commit after
# a larger one was read. Recomputing a bucket twice is harmless.
OVERLAP = 200
OVERLAP_AGE = dt.timedelta(minutes=5)
BATCH = 20_000
SNAPSHOT_WINDOW = 62  # days of snapshots computed (and held in memory) at once by rebuild
CATCH_UP_DAYS = 366  # refresh: at most this many ended days of snapshots caught up after a long pause


def _forget_cached() -> None:
    from congvu.dashboard.indicators import cache_clear

    cache_clear()


def relevant(action: str) -> bool:
    return action.startswith(RELEVANT_PREFIXES) and action not in IGNORED_ACTIONS


def _state(key: str) -> RollupState:
    state, _ = RollupState.objects.get_or_create(key=key)
    return state


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --- writing --------------------------------------------------------------------------------------------------

def _insert(figures: dict, batch: int = 5000) -> int:
    rows = [DailyFigure(metric=k[0], agency_id=k[1], day=k[2], dimension=k[3], value=v) for k, v in figures.items()]
    DailyFigure.objects.bulk_create(rows, batch_size=batch)
    return len(rows)


def _write_flows(agency_id: int, days: set[dt.date], figures: dict, metrics=m.FLOW_METRICS) -> None:
    """Replace the rows of these flow metrics of one agency on these days by `figures` (on those days)."""
    days_l = sorted(days)
    DailyFigure.objects.filter(agency_id=agency_id, metric__in=list(metrics), day__in=days_l).delete()
    _insert({k: v for k, v in figures.items() if k[2] in days})


def _write_snapshots(agency_ids, days: list[dt.date], figures: dict) -> None:
    qs = DailyFigure.objects.filter(metric__in=m.SNAPSHOT_METRICS, day__gte=days[0], day__lte=days[-1])
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    qs.delete()
    _insert(figures)


def _refresh_months(pairs: set[tuple[int, dt.date, tuple[str, ...]]]) -> None:
    """Recompute MonthlyFigure for these (agency, first day of month, metrics) from the daily rows."""
    by_month: dict[tuple[dt.date, tuple[str, ...]], list[int]] = defaultdict(list)
    for agency_id, month, metrics in pairs:
        by_month[(month, metrics)].append(agency_id)
    for (month, metrics), agency_ids in by_month.items():
        _months_from_days(agency_ids, month, _next_month(month) - dt.timedelta(days=1), metrics)


def _months_from_days(agency_ids, first: dt.date, last: dt.date, metrics=m.FLOW_METRICS) -> None:
    """Recompute MonthlyFigure of these metrics for the months first..last (days inside those months)."""
    lo, hi = _month(first), _next_month(last)
    metrics = list(metrics)
    old = MonthlyFigure.objects.filter(metric__in=metrics, month__gte=lo, month__lt=hi)
    daily = DailyFigure.objects.filter(metric__in=metrics, day__gte=lo, day__lt=hi)
    if agency_ids is not None:
        old = old.filter(agency_id__in=list(agency_ids))
        daily = daily.filter(agency_id__in=list(agency_ids))
    old.delete()
    rows = (daily.annotate(month=TruncMonth("day")).values("month", "agency_id", "metric", "dimension")
            .annotate(v=Sum("value")).order_by().values_list("month", "agency_id", "metric", "dimension", "v"))
    objs = []
    for month, agency_id, metric, dim, v in rows.iterator(chunk_size=10_000):
        if v:
            if isinstance(month, dt.datetime):
                month = month.date()
            objs.append(MonthlyFigure(month=month, agency_id=agency_id, metric=metric, dimension=dim, value=v))
        if len(objs) >= 5000:
            MonthlyFigure.objects.bulk_create(objs)
            objs = []
    MonthlyFigure.objects.bulk_create(objs)


def _recompute_buckets(buckets: dict[tuple[int, dt.date], set[str]], lookups: m.Lookups) -> None:
    """Recompute the flows of these (agency, day) buckets, each for the sources its entries concern."""
    by_agency: dict[tuple[int, tuple[str, ...]], set[dt.date]] = defaultdict(set)
    for (agency_id, day), sources in buckets.items():
        if sources:
            by_agency[(agency_id, tuple(sorted(sources)))].add(day)
    months = set()
    for (agency_id, sources), days in by_agency.items():
        metrics = [x for source in sources for x in m.SOURCE_METRICS[source]]
        # contiguous runs of days are computed by one set of queries; far-apart days separately
        ordered = sorted(days)
        runs: list[list[dt.date]] = [[ordered[0]]]
        for d in ordered[1:]:
            if (d - runs[-1][-1]).days <= 7:
                runs[-1].append(d)
            else:
                runs.append([d])
        for run in runs:
            figures = m.flows(agency_id, run[0], run[-1], lookups, sources=sources)
            _write_flows(agency_id, set(run), figures, metrics)
            months.update((agency_id, _month(d), tuple(metrics)) for d in run)
    _refresh_months(months)


def _snapshot_days(agency_ids, days: list[dt.date], now: dt.datetime, lookups: m.Lookups) -> None:
    for i in range(0, len(days), SNAPSHOT_WINDOW):
        window = days[i:i + SNAPSHOT_WINDOW]
        figures = m.snapshots(agency_ids, window, now=now, lookups=lookups)
        _write_snapshots(agency_ids, window, figures)


def _agency_exists_filter(buckets: set[tuple[int, dt.date]]) -> set[tuple[int, dt.date]]:
    from congvu.org.models import Agency

    ids = set(Agency.objects.filter(pk__in={a for a, _ in buckets}).values_list("pk", flat=True))
    return {(a, d) for a, d in buckets if a in ids}


# --- the two entry points -------------------------------------------------------------------------------------

def refresh(*, now: dt.datetime | None = None, batch: int = BATCH, snapshots: bool = True) -> dict:
    """Bring the roll-ups up to date with the journal (see the module docstring). Returns what it did.
    `snapshots=False` leaves today's snapshots as they are (the benchmark times the two parts apart)."""
    from congvu.audit.models import JournalEntry

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if not RollupState.objects.filter(key=m.JOURNAL_STATE_KEY).exists():
        result = rebuild(now=now)
        return {"entries": 0, "buckets": 0, "rebuilt": True, **result}
    lookups = m.Lookups()
    entries = buckets_n = 0
    with transaction.atomic():
        state = RollupState.objects.select_for_update().get(key=m.JOURNAL_STATE_KEY)
        rows = list(JournalEntry.objects.filter(pk__gt=max(0, state.last_entry_id - OVERLAP)).order_by("pk")
                    .values_list("pk", "agency_id_ref", "created_at", "action", "object_type", "object_id")[:batch])
        buckets: dict[tuple[int, dt.date], set[str]] = defaultdict(set)
        objects: dict[str, list[str]] = defaultdict(list)
        last = state.last_entry_id
        settled = now - OVERLAP_AGE
        for pk, agency_id, created_at, action, object_type, object_id in rows:
            last = max(last, pk)
            if pk <= state.last_entry_id and created_at < settled:
                continue  # read by an earlier run, and written long before it: nothing late to catch
            if not relevant(action):
                continue
            entries += 1
            if agency_id:
                buckets[(agency_id, m.local_day(created_at))].update(m.sources_of(action, m.ACTION_SOURCES))
            if object_type in RESOLVED_TYPES and object_id:
                objects[object_type].append(object_id)
        for object_type, ids in objects.items():
            ids = sorted(set(ids))
            sources = m.sources_of(object_type, m.TYPE_SOURCES)
            for i in range(0, len(ids), 500):
                for bucket in m.object_buckets(object_type, ids[i:i + 500]):
                    buckets[bucket].update(sources)
        known = _agency_exists_filter({b for b in buckets if b[1] <= today})
        buckets = {b: s for b, s in buckets.items() if b in known}
        buckets_n = len(buckets)
        if buckets:
            _recompute_buckets(buckets, lookups)
        # snapshots: today, and the days since the last run (their end-of-day state) once they have ended
        days = []
        if snapshots:
            snap = _state(m.SNAPSHOT_STATE_KEY)
            first = date_from_ordinal(snap.last_entry_id) or today
            first = max(first, today - dt.timedelta(days=CATCH_UP_DAYS))
            days = m.day_range(min(first, today), today)
            _snapshot_days(None, days, now, lookups)
            snap.last_entry_id = today.toordinal()
            snap.save(update_fields=["last_entry_id", "updated_at"])
        state.last_entry_id = last
        state.save(update_fields=["last_entry_id", "updated_at"])
    _forget_cached()
    more = len(rows) >= batch
    return {"entries": entries, "buckets": buckets_n, "snapshot_days": len(days), "more": more, "rebuilt": False}


def date_from_ordinal(n: int) -> dt.date | None:
    return dt.date.fromordinal(n) if n and n > 0 else None


def first_data_day() -> dt.date | None:
    """The first local day any source has data for."""
    from congvu.documents.models import Document
    from congvu.exchange.models import InboxItem
    from congvu.onestop.models import Dossier
    from congvu.workflow.models import Assignment

    candidates = [
        Document.objects.aggregate(v=Min("registered_at"))["v"],
        Assignment.objects.aggregate(v=Min("created_at"))["v"],
        Dossier.objects.aggregate(v=Min("submitted_at"))["v"],
        InboxItem.objects.aggregate(v=Min("delivered_at"))["v"],
    ]
    found = [m.local_day(c) for c in candidates if c is not None]
    return min(found) if found else None


def rebuild(start: dt.date | None = None, end: dt.date | None = None, agency_ids=None, *,
            now: dt.datetime | None = None) -> dict:
    """Recompute the roll-ups of these days (default: the first day with data .. today) and agencies (default:
    all) from the raw tables. A full rebuild (no agencies given, from the first day) also moves the journal
    watermark to the last entry, so that refresh() continues from there."""
    from congvu.audit.models import JournalEntry
    from congvu.org.models import Agency

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    first = first_data_day()
    full = agency_ids is None and (start is None or (first is not None and start <= first))
    start = start or first or today
    end = end or today
    if end < start:
        from congvu.core.errors import ValidationFailed

        raise ValidationFailed("Ngày kết thúc phải sau ngày bắt đầu.")
    ids = sorted(Agency.objects.values_list("pk", flat=True)) if agency_ids is None else sorted(set(agency_ids))
    lookups = m.Lookups()
    written = 0
    with transaction.atomic():
        last_entry = JournalEntry.objects.aggregate(v=Max("pk"))["v"] or 0
        qs = DailyFigure.objects.filter(day__gte=start, day__lte=end)
        if agency_ids is not None:
            qs = qs.filter(agency_id__in=ids)
        qs.delete()
        for agency_id in ids:
            figures = m.flows(agency_id, start, end, lookups)
            written += _insert(figures)
        _months_from_days(None if agency_ids is None else ids, start, end)
        snap_end = min(end, today)
        if start <= snap_end:
            _snapshot_days(None if agency_ids is None else ids, m.day_range(start, snap_end), now, lookups)
        if full:
            state = _state(m.JOURNAL_STATE_KEY)
            state.last_entry_id = last_entry
            state.save(update_fields=["last_entry_id", "updated_at"])
            snap = _state(m.SNAPSHOT_STATE_KEY)
            snap.last_entry_id = today.toordinal()
            snap.save(update_fields=["last_entry_id", "updated_at"])
    _forget_cached()
    rows = DailyFigure.objects.filter(day__gte=start, day__lte=end)
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=ids)
    return {"start": start, "end": end, "agencies": len(ids), "flow_rows": written, "rows": rows.count()}
