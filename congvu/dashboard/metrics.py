"""The roll-up computations: for each source, the DailyFigure rows of an agency over a range of days, computed
from the raw tables with queries bounded by agency and time (their indexes), bucketed by local day in Python.

Row conventions (read by congvu.dashboard.indicators):
- a row with dimension "" holds the TOTAL of a metric for (agency, day); rows with another dimension split it
  (a department id, "0" for no department; a procedure's local code, "?" when unknown) and add up to the total;
- flow metrics count the events of a day; snapshot metrics hold the state at the end of a day (today: at the
  moment of the last refresh);
- rows whose value is 0 are not stored.

Definitions (each names the rule it mirrors, so there is one definition per figure in the code base):
- documents: an incoming document counts on the day it was registered (`registered_at`), an outgoing one on
  the day it was numbered and issued (`registered_at` in the outgoing register); incoming "electronic" = received
  through an electronic channel (Channel.ELECTRONIC or EMAIL); outgoing "electronic" = sent electronically to at
  least one recipient (an internal delivery, InboxItem, or an external one sent through the exchange axis).
- processing: the top-level lead assignment (xử lý chính, parent empty) of a document or of a task. Done = status
  accepted (workflow: the assigner accepted the result), counted on its completion day; on time when there is no
  deadline or `completed_at <= due_at`; processing time = completed_at − created_at. Open at moment T = given by
  T and not finished by T (workflow.models.OPEN_STATUSES: every closed status sets `completed_at`); overdue at T
  = open at T and `due_at < T` (workflow.selectors.overdue_assignments: due_at < now).
- one-stop: congvu.onestop.stats, exactly: received at = accepted_at, else submitted_at (statuses 1 and 3 are
  not received); resolved = statuses 9, 10 by ended at = processed_at, else finished_at; on time / late as
  recorded (timeliness), else on time when ended <= appointment or there is none; overdue at T = the stats'
  "in progress overdue" at T (not ended before T, not waiting for a supplement / paused since before T,
  appointment < T). Ratings count on the day given; satisfied = overall 1 or 2 (satisfied, very satisfied).
- exchange: sent = electronic deliveries made by the agency (internal InboxItem by delivered_at, external
  OutboxItem marked sent, by created_at); received = deliveries to the agency by delivered_at; waiting for
  status at T = deliveries sent by the agency, delivered by T, that the recipient had not yet registered,
  returned or given back by T (handled_at empty or later) and not replaced.
- staffing: congvu.staffing.report (quotas_for, in_post_counts): quota and people in post per category on the
  day; an agency without a known quota has no quota row.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

SNAPSHOT_STATE_KEY = "snapshot_day"  # RollupState: last_entry_id = ordinal of the last day with snapshots
JOURNAL_STATE_KEY = "journal"  # RollupState: the last journal entry read

# documents (flows)
DOC_IN = "doc_in"
DOC_IN_ELECTRONIC = "doc_in_electronic"
DOC_OUT = "doc_out"
DOC_OUT_ELECTRONIC = "doc_out_electronic"
# processing of documents and tasks: the lead assignment (flows by completion day; dimension = department id)
PROC_ON_TIME = "proc_on_time"
PROC_LATE = "proc_late"
PROC_MINUTES = "proc_minutes"
PROC_OPEN = "proc_open"  # snapshot
PROC_OVERDUE = "proc_overdue"  # snapshot
TASK_ON_TIME = "task_on_time"
TASK_LATE = "task_late"
TASK_OPEN = "task_open"  # snapshot
TASK_OVERDUE = "task_overdue"  # snapshot
# one-stop (dimension = procedure local code)
DOSSIER_RECEIVED = "dossier_received"
DOSSIER_ONLINE = "dossier_online"
DOSSIER_ON_TIME = "dossier_on_time"
DOSSIER_LATE = "dossier_late"
DOSSIER_OVERDUE = "dossier_overdue"  # snapshot
RATING_COUNT = "rating_count"
RATING_SATISFIED = "rating_satisfied"
# staffing (snapshots; dimension = category)
STAFF_QUOTA = "staff_quota"
STAFF_IN_POST = "staff_in_post"
# exchange
EXCHANGE_SENT = "exchange_sent"
EXCHANGE_RECEIVED = "exchange_received"
EXCHANGE_WAITING = "exchange_waiting"  # snapshot

FLOW_METRICS = (DOC_IN, DOC_IN_ELECTRONIC, DOC_OUT, DOC_OUT_ELECTRONIC, PROC_ON_TIME, PROC_LATE, PROC_MINUTES,
                TASK_ON_TIME, TASK_LATE, DOSSIER_RECEIVED, DOSSIER_ONLINE, DOSSIER_ON_TIME, DOSSIER_LATE,
                RATING_COUNT, RATING_SATISFIED, EXCHANGE_SENT, EXCHANGE_RECEIVED)
SNAPSHOT_METRICS = (PROC_OPEN, PROC_OVERDUE, TASK_OPEN, TASK_OVERDUE, DOSSIER_OVERDUE, STAFF_QUOTA, STAFF_IN_POST,
                    EXCHANGE_WAITING)

NO_DEPARTMENT = "0"
NO_PROCEDURE = "?"

# A figure: (metric, agency id, day, dimension) → value. The dimension "" total is added by `with_totals`.
Key = tuple[str, int, dt.date, str]


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def day_range(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def with_totals(figures: Counter) -> dict[Key, int]:
    """Add the dimension "" total of every (metric, agency, day) that has split rows; drop zeros."""
    out: dict[Key, int] = {}
    totals: Counter = Counter()
    for (metric, agency, day, dim), v in figures.items():
        if dim == "":
            totals[(metric, agency, day, "")] += v
        else:
            out[(metric, agency, day, dim)] = v
            totals[(metric, agency, day, "")] += v
    out.update(totals)
    return {k: v for k, v in out.items() if v}


# --- lookups shared by the sources -------------------------------------------------------------------------

class Lookups:
    """Small tables read once per computation: an official's department in an agency, a version's procedure."""

    def __init__(self):
        self._departments: dict[tuple[int, int], int] | None = None
        self._procedures: dict[int, str] | None = None

    def department(self, agency_id: int, department_id: int | None, official_id: int | None) -> str:
        if department_id:
            return str(department_id)
        if self._departments is None:
            from congvu.org.models import Membership

            self._departments = {}
            for off, ag, dep in (Membership.objects.filter(active=True, department__isnull=False)
                                 .order_by("pk").values_list("official_id", "agency_id", "department_id")):
                self._departments.setdefault((off, ag), dep)
        dep = self._departments.get((official_id, agency_id))
        return str(dep) if dep else NO_DEPARTMENT

    def procedure(self, version_id: int | None) -> str:
        if self._procedures is None:
            from congvu.onestop.models import ProcedureVersion

            self._procedures = dict(ProcedureVersion.objects.values_list("pk", "procedure__local_code"))
        return self._procedures.get(version_id) or NO_PROCEDURE


# --- flows ----------------------------------------------------------------------------------------------------

def document_flows(agency_id: int, start: dt.date, end: dt.date, out: Counter) -> None:
    from congvu.documents.models import Channel, Direction, Document
    from congvu.exchange.models import InboxItem, OutboxItem, OutboxStatus

    lo, hi = day_start(start), day_start(end + dt.timedelta(days=1))
    electronic = (Channel.ELECTRONIC, Channel.EMAIL)
    for at, channel in (Document.objects.filter(agency_id=agency_id, direction=Direction.INCOMING,
                                                registered_at__gte=lo, registered_at__lt=hi)
                        .values_list("registered_at", "channel").order_by()):
        day = local_day(at)
        out[(DOC_IN, agency_id, day, "")] += 1
        if channel in electronic:
            out[(DOC_IN_ELECTRONIC, agency_id, day, "")] += 1
    sent = (Exists(InboxItem.objects.filter(source_document_id=OuterRef("pk")))
            | Exists(OutboxItem.objects.filter(document_id=OuterRef("pk"), status=OutboxStatus.SENT)))
    for at, is_sent in (Document.objects.filter(agency_id=agency_id, direction=Direction.OUTGOING,
                                                registered_at__gte=lo, registered_at__lt=hi)
                        .annotate(sent=sent).values_list("registered_at", "sent").order_by()):
        day = local_day(at)
        out[(DOC_OUT, agency_id, day, "")] += 1
        if is_sent:
            out[(DOC_OUT_ELECTRONIC, agency_id, day, "")] += 1


def processing_flows(agency_id: int, start: dt.date, end: dt.date, out: Counter, lookups: Lookups) -> None:
    from congvu.workflow.models import Assignment, AssignmentRole, AssignmentStatus

    lo, hi = day_start(start), day_start(end + dt.timedelta(days=1))
    rows = (Assignment.objects.filter(agency_id=agency_id, role=AssignmentRole.LEAD, parent__isnull=True,
                                      status=AssignmentStatus.ACCEPTED, completed_at__gte=lo, completed_at__lt=hi)
            .values_list("document_id", "assignee_department_id", "assignee_official_id", "created_at", "due_at",
                         "completed_at").order_by())
    for doc_id, dep_id, off_id, created, due, completed in rows:
        day = local_day(completed)
        dim = lookups.department(agency_id, dep_id, off_id)
        on_time = due is None or completed <= due
        if doc_id:
            out[(PROC_ON_TIME if on_time else PROC_LATE, agency_id, day, dim)] += 1
            out[(PROC_MINUTES, agency_id, day, dim)] += max(0, int((completed - created).total_seconds() // 60))
        else:
            out[(TASK_ON_TIME if on_time else TASK_LATE, agency_id, day, dim)] += 1


def onestop_flows(agency_id: int, start: dt.date, end: dt.date, out: Counter, lookups: Lookups) -> None:
    from congvu.onestop import stats
    from congvu.onestop.models import Channel, Dossier, Rating, Timeliness

    lo, hi = day_start(start), day_start(end + dt.timedelta(days=1))
    base = Dossier.objects.filter(agency_id=agency_id).annotate(recv=stats.received_at(), ended=stats.ended_at())
    for version_id, channel, recv in (base.exclude(status__in=stats.NOT_RECEIVED).filter(recv__gte=lo, recv__lt=hi)
                                      .values_list("procedure_version_id", "channel", "recv").order_by()):
        day, dim = local_day(recv), lookups.procedure(version_id)
        out[(DOSSIER_RECEIVED, agency_id, day, dim)] += 1
        if channel == Channel.ONLINE:
            out[(DOSSIER_ONLINE, agency_id, day, dim)] += 1
    for version_id, timeliness, ended, due in (base.filter(status__in=stats.DONE, ended__gte=lo, ended__lt=hi)
                                               .values_list("procedure_version_id", "timeliness", "ended", "due_at")
                                               .order_by()):
        if timeliness in (Timeliness.EARLY, Timeliness.ON_TIME):
            on_time = True
        elif timeliness == Timeliness.LATE:
            on_time = False
        else:
            on_time = due is None or ended <= due
        out[(DOSSIER_ON_TIME if on_time else DOSSIER_LATE, agency_id, local_day(ended),
             lookups.procedure(version_id))] += 1
    for version_id, at, overall in (Rating.objects.filter(dossier__agency_id=agency_id, created_at__gte=lo,
                                                          created_at__lt=hi)
                                    .values_list("dossier__procedure_version_id", "created_at", "overall")
                                    .order_by()):
        day, dim = local_day(at), lookups.procedure(version_id)
        out[(RATING_COUNT, agency_id, day, dim)] += 1
        if overall >= 1:
            out[(RATING_SATISFIED, agency_id, day, dim)] += 1


def exchange_flows(agency_id: int, start: dt.date, end: dt.date, out: Counter) -> None:
    from congvu.exchange.models import InboxItem, OutboxItem, OutboxStatus

    lo, hi = day_start(start), day_start(end + dt.timedelta(days=1))
    for at in (InboxItem.objects.filter(sender_agency_id=agency_id, delivered_at__gte=lo, delivered_at__lt=hi)
               .values_list("delivered_at", flat=True).order_by()):
        out[(EXCHANGE_SENT, agency_id, local_day(at), "")] += 1
    for at in (OutboxItem.objects.filter(agency_id=agency_id, status=OutboxStatus.SENT, created_at__gte=lo,
                                         created_at__lt=hi).values_list("created_at", flat=True).order_by()):
        out[(EXCHANGE_SENT, agency_id, local_day(at), "")] += 1
    for at in (InboxItem.objects.filter(agency_id=agency_id, delivered_at__gte=lo, delivered_at__lt=hi)
               .values_list("delivered_at", flat=True).order_by()):
        out[(EXCHANGE_RECEIVED, agency_id, local_day(at), "")] += 1


# The flow metrics of each source: a refresh recomputes only the sources its journal entries concern.
DOCUMENTS, PROCESSING, ONESTOP, EXCHANGE = "documents", "processing", "onestop", "exchange"
SOURCES = (DOCUMENTS, PROCESSING, ONESTOP, EXCHANGE)
SOURCE_METRICS = {
    DOCUMENTS: (DOC_IN, DOC_IN_ELECTRONIC, DOC_OUT, DOC_OUT_ELECTRONIC),
    PROCESSING: (PROC_ON_TIME, PROC_LATE, PROC_MINUTES, TASK_ON_TIME, TASK_LATE),
    ONESTOP: (DOSSIER_RECEIVED, DOSSIER_ONLINE, DOSSIER_ON_TIME, DOSSIER_LATE, RATING_COUNT, RATING_SATISFIED),
    EXCHANGE: (EXCHANGE_SENT, EXCHANGE_RECEIVED),
}


def flows(agency_id: int, start: dt.date, end: dt.date, lookups: Lookups | None = None,
          sources=SOURCES) -> dict[Key, int]:
    """The flow metrics of these sources (default: all) of one agency for the days start..end (inclusive),
    with the "" totals."""
    lookups = lookups or Lookups()
    out: Counter = Counter()
    if DOCUMENTS in sources:
        document_flows(agency_id, start, end, out)
    if PROCESSING in sources:
        processing_flows(agency_id, start, end, out, lookups)
    if ONESTOP in sources:
        onestop_flows(agency_id, start, end, out, lookups)
    if EXCHANGE in sources:
        exchange_flows(agency_id, start, end, out)
    return with_totals(out)


# --- snapshots ------------------------------------------------------------------------------------------------

class Moments:
    """The moment each day's snapshot describes: the end of the day (the next day's 00:00), or `now` for today."""

    def __init__(self, days: list[dt.date], now: dt.datetime):
        self.days = days
        self.at = [min(day_start(d + dt.timedelta(days=1)), now) for d in days]

    @property
    def first(self) -> dt.datetime:
        return self.at[0]

    @property
    def last(self) -> dt.datetime:
        return self.at[-1]

    def span(self, after: dt.datetime | None, *, strict: bool, until: dt.datetime | None,
             until_inclusive: bool = False) -> tuple[int, int]:
        """Indexes [i, j) of the days whose moment T satisfies T > after (or >=), and T < until (or <=)."""
        i = 0 if after is None else (bisect_right(self.at, after) if strict else bisect_left(self.at, after))
        if until is None:
            j = len(self.at)
        else:
            j = bisect_right(self.at, until) if until_inclusive else bisect_left(self.at, until)
        return i, max(i, j)


class Spans:
    """Counts of items over day ranges, by difference arrays: add(key, i, j) counts the item on days i..j-1."""

    def __init__(self, moments: Moments):
        self.moments = moments
        self.diff: dict[tuple[str, int, str], list[int]] = {}

    def add(self, metric: str, agency_id: int, dim: str, span: tuple[int, int]) -> None:
        i, j = span
        if i >= j:
            return
        d = self.diff.get((metric, agency_id, dim))
        if d is None:
            d = self.diff[(metric, agency_id, dim)] = [0] * (len(self.moments.days) + 1)
        d[i] += 1
        d[j] -= 1

    def into(self, out: Counter) -> None:
        days = self.moments.days
        for (metric, agency_id, dim), d in self.diff.items():
            running = 0
            for idx, day in enumerate(days):
                running += d[idx]
                if running:
                    out[(metric, agency_id, day, dim)] += running


def _agency_filter(qs, field: str, agency_ids):
    return qs if agency_ids is None else qs.filter(**{f"{field}__in": list(agency_ids)})


def processing_snapshots(agency_ids, moments: Moments, spans: Spans, lookups: Lookups) -> None:
    from congvu.workflow.models import Assignment, AssignmentRole

    qs = Assignment.objects.filter(role=AssignmentRole.LEAD, parent__isnull=True, created_at__lte=moments.last)
    qs = qs.filter(Q(completed_at__isnull=True) | Q(completed_at__gt=moments.first))
    qs = _agency_filter(qs, "agency_id", agency_ids)
    for agency_id, doc_id, dep_id, off_id, created, due, completed in qs.values_list(
            "agency_id", "document_id", "assignee_department_id", "assignee_official_id", "created_at", "due_at",
            "completed_at").order_by().iterator(chunk_size=5000):
        dim = lookups.department(agency_id, dep_id, off_id)
        open_metric, overdue_metric = (PROC_OPEN, PROC_OVERDUE) if doc_id else (TASK_OPEN, TASK_OVERDUE)
        # open at T: created <= T < completed
        spans.add(open_metric, agency_id, dim, moments.span(created, strict=False, until=completed))
        if due is not None:
            # overdue at T: open at T and due < T
            spans.add(overdue_metric, agency_id, dim,
                      moments.span(max(created, due), strict=due >= created, until=completed))


def onestop_snapshots(agency_ids, moments: Moments, spans: Spans, lookups: Lookups) -> None:
    from congvu.onestop import stats
    from congvu.onestop.models import Dossier, DossierStatus

    in_progress = (DossierStatus.ACCEPTED, DossierStatus.PROCESSING)
    qs = Dossier.objects.filter(due_at__isnull=False, due_at__lt=moments.last).annotate(ended=stats.ended_at())
    if moments.first >= timezone.now() - dt.timedelta(seconds=1) and len(moments.days) == 1:
        # Only "now": nothing has ended or paused after now, so only dossiers in progress can be overdue — read
        # through the (agency, status, due_at) index, agency by agency.
        ids = agency_ids
        if ids is None:
            from congvu.org.models import Agency

            ids = list(Agency.objects.values_list("pk", flat=True))
        qs = qs.filter(agency_id__in=list(ids), status__in=in_progress)
    else:
        qs = qs.exclude(status__in=stats.NOT_RECEIVED).filter(
            Q(status__in=in_progress) | Q(status__in=stats.ENDED, ended__gte=moments.first)
            | Q(status__in=stats.WAITING, paused_at__gte=moments.first))
        qs = _agency_filter(qs, "agency_id", agency_ids)
    for agency_id, version_id, status, due, ended, paused in qs.values_list(
            "agency_id", "procedure_version_id", "status", "due_at", "ended", "paused_at").order_by().iterator(
            chunk_size=5000):
        # stats: in progress overdue at T = not ended before T, not waiting since before T, due < T
        until = None
        if status in stats.ENDED:
            until = ended
        elif status in stats.WAITING:
            if paused is None:
                continue
            until = paused
        spans.add(DOSSIER_OVERDUE, agency_id, lookups.procedure(version_id),
                  moments.span(due, strict=True, until=until, until_inclusive=True))


def exchange_snapshots(agency_ids, moments: Moments, spans: Spans) -> None:
    from congvu.exchange.models import InboxItem, InboxStatus

    qs = (InboxItem.objects.filter(sender_agency__isnull=False, delivered_at__lte=moments.last)
          .exclude(status=InboxStatus.REPLACED)
          .filter(Q(handled_at__isnull=True) | Q(handled_at__gt=moments.first)))
    qs = _agency_filter(qs, "sender_agency_id", agency_ids)
    for agency_id, delivered, handled in qs.values_list("sender_agency_id", "delivered_at", "handled_at").order_by():
        spans.add(EXCHANGE_WAITING, agency_id, "", moments.span(delivered, strict=False, until=handled))


def staffing_snapshots(agency_ids, days: list[dt.date], out: Counter) -> None:
    from congvu.org.models import Agency
    from congvu.staffing.models import StaffPosting
    from congvu.staffing.report import in_post_counts, quotas_for

    agencies = list(Agency.objects.all() if agency_ids is None else Agency.objects.filter(pk__in=list(agency_ids)))
    if not agencies:
        return
    if not StaffPosting.objects.exists():
        from congvu.staffing.models import QuotaDecision, UnitAgency

        if not (QuotaDecision.objects.exists() or UnitAgency.objects.exists()):
            return  # nothing about staffing recorded anywhere: no rows (and no queries per day)
    ids = [a.pk for a in agencies]
    for day in days:
        quotas = quotas_for(agencies, on=day)
        for (agency_id, category), q in quotas.items():
            if q.quota:
                out[(STAFF_QUOTA, agency_id, day, str(category))] += q.quota
        for (agency_id, category), n in in_post_counts(ids, day).items():
            if n:
                out[(STAFF_IN_POST, agency_id, day, str(category))] += n


def snapshots(agency_ids: Iterable[int] | None, days: list[dt.date], *, now: dt.datetime | None = None,
              lookups: Lookups | None = None) -> dict[Key, int]:
    """Every snapshot metric for these days (sorted, none after today) and agencies (None = all)."""
    if not days:
        return {}
    now = now or timezone.now()
    lookups = lookups or Lookups()
    if agency_ids is not None:
        agency_ids = sorted(set(agency_ids))
    moments = Moments(days, now)
    spans = Spans(moments)
    processing_snapshots(agency_ids, moments, spans, lookups)
    onestop_snapshots(agency_ids, moments, spans, lookups)
    exchange_snapshots(agency_ids, moments, spans)
    out: Counter = Counter()
    spans.into(out)
    staffing_snapshots(agency_ids, days, out)
    return with_totals(out)


# --- what a journal entry touches -----------------------------------------------------------------------------

# Which sources an action or an object type concerns (documents and exchange go together: a dispatch makes
# deliveries, a delivery makes an outgoing document "electronic").
ACTION_SOURCES = {"document.": (DOCUMENTS, EXCHANGE), "exchange.": (DOCUMENTS, EXCHANGE),
                  "draft.": (DOCUMENTS, EXCHANGE), "signature.": (DOCUMENTS, EXCHANGE),
                  "workflow.": (PROCESSING,), "task.": (PROCESSING,), "onestop.": (ONESTOP,), "demo.": SOURCES,
                  "staffing.": ()}
TYPE_SOURCES = {"documents.": (DOCUMENTS, EXCHANGE), "exchange.": (DOCUMENTS, EXCHANGE),
                "workflow.": (PROCESSING,), "onestop.": (ONESTOP,)}


def sources_of(name: str, table: dict) -> tuple[str, ...]:
    for prefix, sources in table.items():
        if name.startswith(prefix):
            return sources
    return SOURCES


def object_buckets(object_type: str, ids: list[str]) -> set[tuple[int, dt.date]]:
    """The (agency, day) buckets whose flows depend on these objects' dates (beyond the entry's own day)."""
    from congvu.exchange.models import InboxItem, OutboxItem
    from congvu.onestop import stats
    from congvu.onestop.models import Dossier
    from congvu.workflow.models import Assignment

    pks = [int(i) for i in ids if str(i).isdigit()]
    out: set[tuple[int, dt.date]] = set()
    if not pks:
        return out

    def add(agency_id, moment):
        if agency_id and moment:
            out.add((agency_id, local_day(moment)))

    if object_type in ("documents.document", "documents.incomingdocument", "documents.outgoingdocument"):
        from congvu.documents.models import Document

        for agency_id, at in Document.objects.filter(pk__in=pks).values_list("agency_id", "registered_at"):
            add(agency_id, at)
        for agency_id, sender_id, at in InboxItem.objects.filter(source_document_id__in=pks).values_list(
                "agency_id", "sender_agency_id", "delivered_at"):
            add(agency_id, at)
            add(sender_id, at)
        for agency_id, at in OutboxItem.objects.filter(document_id__in=pks).values_list("agency_id", "created_at"):
            add(agency_id, at)
    elif object_type == "workflow.assignment":
        for agency_id, at in Assignment.objects.filter(pk__in=pks).values_list("agency_id", "completed_at"):
            add(agency_id, at)
    elif object_type == "workflow.task":
        for agency_id, at in Assignment.objects.filter(task_id__in=pks).values_list("agency_id", "completed_at"):
            add(agency_id, at)
    elif object_type == "workflow.extensionrequest":
        for agency_id, at in Assignment.objects.filter(extension_requests__pk__in=pks).values_list(
                "agency_id", "completed_at"):
            add(agency_id, at)
    elif object_type == "onestop.dossier":
        for agency_id, recv, ended in (Dossier.objects.filter(pk__in=pks)
                                       .annotate(recv=stats.received_at(), ended=stats.ended_at())
                                       .values_list("agency_id", "recv", "ended")):
            add(agency_id, recv)
            add(agency_id, ended)
    elif object_type == "exchange.inboxitem":
        for agency_id, sender_id, at, doc_id in InboxItem.objects.filter(pk__in=pks).values_list(
                "agency_id", "sender_agency_id", "delivered_at", "source_document__registered_at"):
            add(agency_id, at)
            add(sender_id, at)
            add(sender_id, doc_id)
    elif object_type == "exchange.outboxitem":
        for agency_id, at, doc_at in OutboxItem.objects.filter(pk__in=pks).values_list(
                "agency_id", "created_at", "document__registered_at"):
            add(agency_id, at)
            add(agency_id, doc_at)
    return out
