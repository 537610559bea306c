"""The records behind a dashboard figure (drill-down): for each indicator, the documents, assignments, tasks,
dossiers, ratings, staff, exchange items or equipment points it counts, as the user may see them.

The conditions are those of congvu.dashboard.metrics (what each roll-up counts), read here from the raw tables
for one scope; visibility comes from the apps' own selectors (visible_documents, visible_dossiers, …). The
figure itself always comes from indicators.compute: when fewer rows are visible than the figure counts, the
page says how many the user may not see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from congvu.core.errors import ValidationFailed
from congvu.dashboard import charts, indicators, metrics
from congvu.dashboard.access import Scope
from congvu.dashboard.models import RollupState

PAGE_SIZE = 50
MAX_PAGE = 100_000


@dataclass
class Item:
    url: str  # the record's own page ("" when it has none the user may open)
    cells: list[tuple[str, str]]  # (column, text)


@dataclass
class ItemsPage:
    rows: list[Item]
    total: int  # rows the user may see behind the figure (all pages)
    has_next: bool
    columns: list[str] = field(default_factory=list)
    figure: int | None = None  # how many records the figure counts (the value, or the denominator of a share)
    hidden: int = 0  # counted by the figure but not visible to this user
    noun: str = "mục"
    figure_label: str = ""
    dimension_label: str = ""

    @property
    def count(self) -> int:
        """The count in the page header: the figure's own count (what the dashboard showed), else the rows."""
        return self.figure if self.figure is not None else self.total

    @property
    def count_text(self) -> str:
        return charts.number(self.count)


# --- helpers ---------------------------------------------------------------------------------------------------

def bounds(scope: Scope) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the scope's local days as aware datetimes."""
    return metrics.day_start(scope.start), metrics.day_start(scope.end + dt.timedelta(days=1))


def snapshot_moment(scope: Scope) -> dt.datetime:
    """The moment a snapshot figure describes (metrics.Moments): the end of the registry's snapshot day, or, for
    today, when the snapshots were last refreshed."""
    day = indicators.snapshot_day(scope)
    end = metrics.day_start(day + dt.timedelta(days=1))
    refreshed = (RollupState.objects.filter(key=metrics.SNAPSHOT_STATE_KEY)
                 .values_list("updated_at", flat=True).first())
    return min(end, refreshed or timezone.now(), timezone.now()) if end > timezone.now() else end


def _d(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    return f"{value:%d/%m/%Y}"


def _in_scope(scope: Scope, dimension: str, by: str, field_name: str = "agency_id") -> Q:
    q = Q(**{f"{field_name}__in": list(scope.agency_ids)})
    if by == "unit" and dimension:
        q &= Q(**{field_name: int(dimension)})
    return q


def _url_or_blank(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _visible(qs: QuerySet, field_name: str) -> Exists:
    """Row by row, whether the record in `field_name` is in `qs` (a selector's queryset): one index probe per row,
    where `field__in=qs` would first read every record the user may see."""
    return Exists(qs.filter(pk=OuterRef(field_name)))


def _title(d) -> str:
    return f"{d.number_notation} — {d.subject}" if d.number_notation else d.subject


class Chain:
    """Two querysets read as one list (count and slices), the first one's rows first."""

    def __init__(self, *parts: QuerySet):
        self.parts = parts
        self._counts: list[int] | None = None

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [p.count() for p in self.parts]
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __getitem__(self, sl: slice) -> list:
        start, stop = sl.start or 0, sl.stop
        out: list = []
        for part, n in zip(self.parts, self.counts(), strict=True):
            if stop <= 0:
                break
            if start < n:
                out += list(part[start: min(stop, n)])
            start, stop = max(0, start - n), stop - n
        return out


@dataclass(frozen=True)
class Spec:
    noun: str
    columns: tuple[str, ...]
    rows: Callable  # (user, scope, dimension) -> QuerySet (or Chain) of the visible rows, ordered
    cells: Callable  # (obj) -> Item
    count_of: str = "value"  # which part of the figure this list explains: value | denominator | numerator | none
    label: str = ""  # what the list is, beside the count
    breakdown_agencies: bool = False  # the figure counts only the agencies of its breakdown rows


# --- documents (metrics.document_flows) ------------------------------------------------------------------------

def _documents(user, scope: Scope, dimension: str, *, direction: str | None) -> QuerySet:
    from congvu.documents.selectors import visible_documents
    from congvu.exchange.models import InboxItem, OutboxItem, OutboxStatus

    start, end = bounds(scope)
    qs = visible_documents(user).filter(_in_scope(scope, dimension, "unit"),
                                        registered_at__gte=start, registered_at__lt=end)
    # both directions as an IN list: the (agency, direction, registered_at) index still bounds the dates
    qs = qs.filter(direction__in=[direction] if direction else ["in", "out"])
    sent = (Exists(InboxItem.objects.filter(source_document_id=OuterRef("pk")))
            | Exists(OutboxItem.objects.filter(document_id=OuterRef("pk"), status=OutboxStatus.SENT)))
    return qs.annotate(sent=sent).select_related("doc_type", "agency").order_by("-registered_at", "-pk")


def _document_item(d) -> Item:
    from congvu.documents.models import Channel, Direction

    if d.direction == Direction.INCOMING:
        electronic = "Có" if d.channel in (Channel.ELECTRONIC, Channel.EMAIL) else "Không"
    else:
        electronic = "Có" if d.sent else "Không"
    return Item(reverse("documents:detail", args=[d.pk]), [
        ("Văn bản", _title(d)), ("Loại", d.doc_type.name), ("Vào sổ", _d(d.registered_at)),
        ("Đi/đến", d.get_direction_display()), ("Điện tử", electronic),
        ("Cơ quan", d.agency.short_name or d.agency.name)])


DOC_COLUMNS = ("Văn bản", "Loại", "Vào sổ", "Đi/đến", "Điện tử", "Cơ quan")


# --- processing: the lead assignment of a document or a task (metrics.processing_flows / _snapshots) -----------

def _with_department(qs: QuerySet, dimension: str) -> QuerySet:
    """The department a row counts for (metrics.Lookups.department): the assigned department, else the
    assignee's first department in the agency, else none ("0")."""
    from django.db.models.functions import Coalesce

    from congvu.org.models import Membership

    first = (Membership.objects.filter(official_id=OuterRef("assignee_official_id"),
                                       agency_id=OuterRef("agency_id"), active=True, department__isnull=False)
             .order_by("pk").values("department_id")[:1])
    qs = qs.annotate(counted_department=Coalesce("assignee_department_id", Subquery(first),
                                                 output_field=BigIntegerField()))
    if not dimension:
        return qs
    if dimension == metrics.NO_DEPARTMENT:
        return qs.filter(counted_department__isnull=True)
    return qs.filter(counted_department=int(dimension))


def _lead_rows(user, scope: Scope, dimension: str, *, on_tasks: bool) -> QuerySet:
    from congvu.workflow.models import Assignment, AssignmentRole

    qs = Assignment.objects.filter(agency_id__in=list(scope.agency_ids), role=AssignmentRole.LEAD,
                                   parent__isnull=True)
    if on_tasks:
        from congvu.workflow.task_selectors import visible_tasks

        qs = qs.filter(document__isnull=True).filter(_visible(visible_tasks(user), "task_id"))
    else:
        from congvu.documents.selectors import visible_documents

        qs = qs.filter(document__isnull=False).filter(_visible(visible_documents(user), "document_id"))
    return _with_department(qs, dimension).select_related(
        "document", "task", "assignee_department", "assignee_official")


def _done(user, scope: Scope, dimension: str, *, on_tasks: bool, late: bool | None) -> QuerySet:
    from congvu.workflow.models import AssignmentStatus

    start, end = bounds(scope)
    qs = _lead_rows(user, scope, dimension, on_tasks=on_tasks).filter(
        status=AssignmentStatus.ACCEPTED, completed_at__gte=start, completed_at__lt=end)
    if late is True:
        qs = qs.filter(due_at__isnull=False, completed_at__gt=F("due_at"))
    elif late is False:
        qs = qs.filter(Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at")))
    return qs.order_by("-completed_at", "-pk")


def _overdue(user, scope: Scope, dimension: str, *, on_tasks: bool) -> QuerySet:
    """Open at T (created ≤ T, not completed by T) and due before T."""
    at = snapshot_moment(scope)
    qs = _lead_rows(user, scope, dimension, on_tasks=on_tasks).filter(
        created_at__lte=at, due_at__lt=at).filter(Q(completed_at__isnull=True) | Q(completed_at__gt=at))
    return qs.annotate(snapshot_at=Value(at, output_field=DateTimeField())).order_by("due_at", "pk")


def _assignment_item(a) -> Item:
    if a.document_id:
        title, url = _title(a.document), reverse("documents:detail", args=[a.document_id])
    else:
        title, url = a.task.title, reverse("tasks:detail", args=[a.task_id])
    who = a.assignee_official.full_name if a.assignee_official_id else ""
    unit = a.assignee_department.name if a.assignee_department_id else ""
    days = ""
    if a.completed_at and a.created_at:
        days = charts.number(Decimal((a.completed_at - a.created_at).total_seconds() / 86400).quantize(Decimal("0.1")))
    return Item(url, [("Văn bản / công việc", title), ("Chủ trì", ", ".join(x for x in (unit, who) if x)),
                      ("Hạn xử lý", _d(a.due_at)), ("Hoàn thành", _d(a.completed_at)),
                      ("Số ngày", days), ("Trạng thái", a.get_status_display())])


ASSIGNMENT_COLUMNS = ("Văn bản / công việc", "Chủ trì", "Hạn xử lý", "Hoàn thành", "Số ngày", "Trạng thái")


def _overdue_item(a) -> Item:
    """An open assignment past its deadline: how many days late it was at the moment the figure describes."""
    item = _assignment_item(a)
    late = (a.snapshot_at - a.due_at).total_seconds() / 86400
    cells = item.cells[:3] + [("Quá hạn (ngày)", charts.number(int(late)) if late >= 1 else "dưới 1"),
                              item.cells[5]]
    return Item(item.url, cells)


OVERDUE_COLUMNS = ("Văn bản / công việc", "Chủ trì", "Hạn xử lý", "Quá hạn (ngày)", "Trạng thái")


# --- one-stop (metrics.onestop_flows / onestop_snapshots) -------------------------------------------------------

def _dossiers(user, scope: Scope, dimension: str, by: str) -> QuerySet:
    from congvu.onestop import stats
    from congvu.onestop.selectors import visible_dossiers

    qs = (visible_dossiers(user).filter(_in_scope(scope, dimension, by))
          .annotate(recv=stats.received_at(), ended=stats.ended_at()))
    if by == "procedure" and dimension:
        qs = qs.filter(procedure_version__procedure__local_code=dimension)
    return qs.select_related("procedure_version__procedure", "agency")


def _received(user, scope, dimension, *, by: str) -> QuerySet:
    from congvu.onestop import stats

    start, end = bounds(scope)
    return (_dossiers(user, scope, dimension, by).exclude(status__in=stats.NOT_RECEIVED)
            .filter(recv__gte=start, recv__lt=end).order_by("-recv", "-pk"))


def _finished(user, scope, dimension, *, late: bool | None, by: str) -> QuerySet:
    from congvu.onestop import stats
    from congvu.onestop.models import Timeliness

    start, end = bounds(scope)
    qs = _dossiers(user, scope, dimension, by).filter(status__in=stats.DONE, ended__gte=start, ended__lt=end)
    unset = ~Q(timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE])
    late_q = Q(timeliness=Timeliness.LATE) | (unset & Q(due_at__isnull=False) & Q(ended__gt=F("due_at")))
    if late is True:
        qs = qs.filter(late_q)
    elif late is False:
        qs = qs.exclude(late_q)
    return qs.order_by("-ended", "-pk")


def _dossier_overdue(user, scope, dimension) -> QuerySet:
    """Overdue at T: due before T and, at T, still running (not ended, not waiting since before T)."""
    from congvu.onestop import stats
    from congvu.onestop.models import DossierStatus

    at = snapshot_moment(scope)
    running = Q(status__in=(DossierStatus.ACCEPTED, DossierStatus.PROCESSING))
    ended_after = Q(status__in=stats.ENDED, ended__gte=at)
    paused_after = Q(status__in=stats.WAITING, paused_at__gte=at)
    return (_dossiers(user, scope, dimension, "procedure").exclude(status__in=stats.NOT_RECEIVED)
            .filter(due_at__lt=at).filter(running | ended_after | paused_after).order_by("due_at", "pk"))


def _dossier_item(d) -> Item:
    return Item(reverse("onestop:dossier", args=[d.pk]), [
        ("Hồ sơ", d.code or f"#{d.pk}"), ("Thủ tục", d.procedure_version.procedure.name),
        ("Người nộp", d.applicant_name), ("Kênh", d.get_channel_display()),
        ("Hẹn trả", _d(d.due_at)), ("Trạng thái", d.get_status_display())])


DOSSIER_COLUMNS = ("Hồ sơ", "Thủ tục", "Người nộp", "Kênh", "Hẹn trả", "Trạng thái")


def _ratings(user, scope, dimension) -> QuerySet:
    from congvu.onestop.models import Rating
    from congvu.onestop.selectors import visible_dossiers

    start, end = bounds(scope)
    return (Rating.objects.filter(_in_scope(scope, dimension, "unit", "dossier__agency_id"), created_at__gte=start,
                                  created_at__lt=end).filter(_visible(visible_dossiers(user), "dossier_id"))
            .select_related("dossier__procedure_version__procedure").order_by("-created_at", "-pk"))


RATING_LABELS = {2: "Rất hài lòng", 1: "Hài lòng", 0: "Không hài lòng"}


def _rating_item(r) -> Item:
    d = r.dossier
    return Item(reverse("onestop:dossier", args=[d.pk]), [
        ("Hồ sơ", d.code or f"#{d.pk}"), ("Thủ tục", d.procedure_version.procedure.name),
        ("Đánh giá", RATING_LABELS.get(r.overall, str(r.overall))), ("Thời điểm", _d(r.created_at))])


# --- staffing (metrics.staffing_snapshots: postings covering the snapshot day) ------------------------------------

def _staff(user, scope, dimension) -> QuerySet:
    """People in post at the end of the period in the agencies whose roster the user may see."""
    from congvu.org.models import Agency, Role
    from congvu.org.selectors import user_access
    from congvu.staffing import roster
    from congvu.staffing.services import can_manage_staffing

    wanted = [a for a in scope.agency_ids if not dimension or str(a) == dimension]
    # roster.can_view_roster: a superuser, a leader or admin of the agency (no query), or the admin of its province
    # (asked agency by agency only when the user is a province admin at all).
    own = {a for a, acc in user_access(user).items() if acc.roles & {Role.LEADER, Role.AGENCY_ADMIN}}
    if user.is_superuser:
        allowed = wanted
    elif can_manage_staffing(user):
        allowed = [a.pk for a in Agency.objects.filter(pk__in=wanted) if a.pk in own or roster.can_view_roster(user, a)]
    else:
        allowed = [a for a in wanted if a in own]
    return (roster.in_post(allowed, indicators.snapshot_day(scope)).select_related("member", "agency")
            .order_by("agency__name", "member__name_folded", "pk"))


def _staff_item(p) -> Item:
    return Item(_url_or_blank("staffing:member_detail", p.member_id), [
        ("Họ và tên", p.member.full_name), ("Chức vụ", p.position), ("Ngạch", p.rank),
        ("Cơ quan", p.agency.short_name or p.agency.name), ("Từ ngày", _d(p.valid_from))])


STAFF_COLUMNS = ("Họ và tên", "Chức vụ", "Ngạch", "Cơ quan", "Từ ngày")


# --- exchange (metrics.exchange_flows / exchange_snapshots) -----------------------------------------------------

def _visible_doc(user, field_name: str) -> Exists:
    from congvu.documents.selectors import visible_documents

    return _visible(visible_documents(user), field_name)


def _sent(user, scope, dimension) -> Chain:
    """Delivered to an agency of this deployment (InboxItem with a sender agency) or sent out through a
    transport (OutboxItem, status sent), from the scope's agencies."""
    from congvu.exchange.models import InboxItem, OutboxItem, OutboxStatus

    start, end = bounds(scope)
    internal = (InboxItem.objects.filter(_in_scope(scope, dimension, "unit", "sender_agency_id"),
                                         delivered_at__gte=start, delivered_at__lt=end)
                .filter(_visible_doc(user, "source_document_id"))
                .select_related("source_document", "agency").order_by("-delivered_at", "-pk"))
    external = (OutboxItem.objects.filter(_in_scope(scope, dimension, "unit"), status=OutboxStatus.SENT,
                                          created_at__gte=start, created_at__lt=end)
                .filter(_visible_doc(user, "document_id"))
                .select_related("document", "agency").order_by("-created_at", "-pk"))
    return Chain(internal, external)


def _received_items(user, scope, dimension) -> QuerySet:
    """Received by the scope's agencies: the clerks (and admins) of the receiving agency see the queue row;
    others see the rows whose registered document they may open."""
    from congvu.exchange.models import InboxItem
    from congvu.org.selectors import can_register, user_access

    start, end = bounds(scope)
    clerk_of = [a for a in user_access(user) if can_register(user, a)]
    return (InboxItem.objects.filter(_in_scope(scope, dimension, "unit"), delivered_at__gte=start,
                                     delivered_at__lt=end)
            .filter(Q(agency_id__in=clerk_of) | _visible_doc(user, "incoming_document_id"))
            .annotate(queue_visible=ExpressionWrapper(Q(agency_id__in=clerk_of), output_field=BooleanField())
                      if clerk_of else Value(False, output_field=BooleanField()))
            .select_related("agency", "incoming_document").order_by("-delivered_at", "-pk"))


def _waiting(user, scope, dimension) -> QuerySet:
    """Delivered by T, not handled by the receiver at T (metrics.exchange_snapshots)."""
    from congvu.exchange.models import InboxItem, InboxStatus

    at = snapshot_moment(scope)
    return (InboxItem.objects.filter(_in_scope(scope, dimension, "unit", "sender_agency_id"), delivered_at__lte=at)
            .filter(_visible_doc(user, "source_document_id"))
            .exclude(status=InboxStatus.REPLACED).filter(Q(handled_at__isnull=True) | Q(handled_at__gt=at))
            .select_related("source_document", "agency").order_by("delivered_at", "pk"))


def _exchange_item(i) -> Item:
    from congvu.exchange.models import OutboxItem

    if isinstance(i, OutboxItem):
        d = i.document
        return Item(reverse("documents:detail", args=[d.pk]), [
            ("Văn bản", _title(d)), ("Nơi gửi", i.agency.name), ("Nơi nhận", i.recipient_name),
            ("Thời gian", _d(i.created_at)), ("Trạng thái", i.get_status_display())])
    if not hasattr(i, "queue_visible"):  # sent or waiting: the sender's own document
        url = reverse("documents:detail", args=[i.source_document_id])
    elif i.queue_visible:  # received, seen by a clerk of the receiving agency: the queue row
        url = reverse("exchange:inbox_detail", args=[i.pk])
    else:  # received, seen through the registered document
        url = reverse("documents:detail", args=[i.incoming_document_id]) if i.incoming_document_id else ""
    title = " ".join(x for x in (i.number, i.notation) if x) or i.doc_type_name
    return Item(url, [("Văn bản", title), ("Nơi gửi", i.sender_name), ("Nơi nhận", i.agency.name),
                      ("Thời gian", _d(i.delivered_at)), ("Trạng thái", i.get_status_display())])


EXCHANGE_COLUMNS = ("Văn bản", "Nơi gửi", "Nơi nhận", "Thời gian", "Trạng thái")


# --- equipment (D3's equipment_points: what the user may see of the scope) ----------------------------------------

def _equipment(kind: str):
    def rows(user, scope, dimension) -> QuerySet:
        from congvu.dashboard.equipment import equipment_points

        ids = [a for a in scope.agency_ids if not dimension or str(a) == dimension]
        return equipment_points(user, ids, kind)

    return rows


def _equipment_item(p) -> Item:
    return Item(_url_or_blank("dashboard:equipment_detail", p.pk), [
        ("Điểm", p.name), ("Cơ quan", p.agency.name), ("Vị trí", p.location),
        ("Trạng thái", p.get_status_display()), ("Kiểm tra lần cuối", _d(p.last_checked_at))])


EQUIPMENT_COLUMNS = ("Điểm", "Cơ quan", "Vị trí", "Trạng thái", "Kiểm tra lần cuối")


# --- the specs ----------------------------------------------------------------------------------------------------

def _spec_table() -> dict[str, Spec]:
    doc = _document_item
    asg = _assignment_item
    dos = _dossier_item
    return {
        "documents_incoming": Spec("văn bản đến", DOC_COLUMNS,
                                   lambda u, s, d: _documents(u, s, d, direction="in"), doc),
        "documents_outgoing": Spec("văn bản đi", DOC_COLUMNS,
                                   lambda u, s, d: _documents(u, s, d, direction="out"), doc),
        "documents_electronic_share": Spec("văn bản", DOC_COLUMNS,
                                           lambda u, s, d: _documents(u, s, d, direction=None), doc,
                                           count_of="denominator", label="tổng văn bản đến và đi trong kỳ"),
        "processing_on_time": Spec("văn bản", ASSIGNMENT_COLUMNS,
                                   lambda u, s, d: _done(u, s, d, on_tasks=False, late=False), asg),
        "processing_late": Spec("văn bản", ASSIGNMENT_COLUMNS,
                                lambda u, s, d: _done(u, s, d, on_tasks=False, late=True), asg),
        "processing_overdue": Spec("văn bản", OVERDUE_COLUMNS,
                                   lambda u, s, d: _overdue(u, s, d, on_tasks=False), _overdue_item),
        "processing_average_days": Spec("văn bản", ASSIGNMENT_COLUMNS,
                                        lambda u, s, d: _done(u, s, d, on_tasks=False, late=None), asg,
                                        count_of="denominator", label="văn bản hoàn thành trong kỳ"),
        "tasks_on_time": Spec("công việc", ASSIGNMENT_COLUMNS,
                              lambda u, s, d: _done(u, s, d, on_tasks=True, late=False), asg),
        "tasks_late": Spec("công việc", ASSIGNMENT_COLUMNS,
                           lambda u, s, d: _done(u, s, d, on_tasks=True, late=True), asg),
        "tasks_overdue": Spec("công việc", OVERDUE_COLUMNS,
                              lambda u, s, d: _overdue(u, s, d, on_tasks=True), _overdue_item),
        "dossiers_received": Spec("hồ sơ", DOSSIER_COLUMNS, lambda u, s, d: _received(u, s, d, by="procedure"), dos),
        "dossiers_on_time_rate": Spec("hồ sơ", DOSSIER_COLUMNS,
                                      lambda u, s, d: _finished(u, s, d, late=None, by="unit"), dos,
                                      count_of="denominator", label="hồ sơ giải quyết xong trong kỳ"),
        "dossiers_late_by_procedure": Spec("hồ sơ", DOSSIER_COLUMNS,
                                           lambda u, s, d: _finished(u, s, d, late=True, by="procedure"), dos),
        "dossiers_overdue": Spec("hồ sơ", DOSSIER_COLUMNS, lambda u, s, d: _dossier_overdue(u, s, d), dos),
        "dossiers_online_share": Spec("hồ sơ", DOSSIER_COLUMNS,
                                      lambda u, s, d: _received(u, s, d, by="unit"), dos,
                                      count_of="denominator", label="hồ sơ tiếp nhận trong kỳ"),
        "dossiers_satisfaction": Spec("đánh giá", ("Hồ sơ", "Thủ tục", "Đánh giá", "Thời điểm"), _ratings,
                                      _rating_item, count_of="denominator", label="đánh giá nhận được trong kỳ"),
        "staffing_quota": Spec("người", STAFF_COLUMNS, _staff, _staff_item, count_of="none",
                               label="người đang làm việc (biên chế được giao là chỉ tiêu, không phải danh sách)"),
        "staffing_in_post": Spec("người", STAFF_COLUMNS, _staff, _staff_item),
        "staffing_surplus": Spec("người", STAFF_COLUMNS, _staff, _staff_item, count_of="numerator",
                                 label="người đang làm việc ở các cơ quan đã có biên chế được giao",
                                 breakdown_agencies=True),
        "exchange_sent": Spec("văn bản", EXCHANGE_COLUMNS, _sent, _exchange_item),
        "exchange_received": Spec("văn bản", EXCHANGE_COLUMNS, _received_items, _exchange_item),
        "exchange_waiting": Spec("văn bản", EXCHANGE_COLUMNS, _waiting, _exchange_item),
        "equipment_video_conference": Spec("điểm", EQUIPMENT_COLUMNS, _equipment("video_conference"),
                                           _equipment_item, count_of="none", label="điểm cầu"),
        "equipment_cameras": Spec("điểm", EQUIPMENT_COLUMNS, _equipment("camera"), _equipment_item),
    }


SPECS = _spec_table()


def _check_dimension(ind, dimension: str) -> str:
    dimension = (dimension or "").strip()
    if not dimension:
        return ""
    if len(dimension) > 60 or not ind.breakdown or any(ord(ch) < 32 for ch in dimension):
        raise ValidationFailed("Nhóm số liệu không hợp lệ.", fields={"dim": "Nhóm số liệu không hợp lệ."})
    # an id: digits that fit a database integer (SQLite refuses larger Python ints outright)
    if ind.breakdown in ("unit", "department") and not (dimension.isascii() and dimension.isdigit()
                                                        and len(dimension) <= 18):
        raise ValidationFailed("Nhóm số liệu không hợp lệ.", fields={"dim": "Nhóm số liệu không hợp lệ."})
    return dimension


def _figure(spec: Spec, result, dimension: str) -> tuple[int | None, str]:
    """The count the figure (or its breakdown row) gives for this list, and the row's label."""
    src = result
    label = ""
    if dimension:
        src = next((r for r in result.breakdown if r.key == dimension), None)
        if src is None:
            return 0, ""
        label = src.label
    if spec.count_of == "none":
        return None, label
    value = getattr(src, spec.count_of, None)
    return (int(value) if value is not None else None), label


def items_for(user, key: str, scope: Scope, *, dimension: str = "", page: int = 1,
              result: indicators.IndicatorResult | None = None) -> ItemsPage:
    """One page of the records behind indicator `key` over `scope` (optionally one breakdown row, `dimension`),
    as `user` may see them. NotFound for an unknown key; ValidationFailed for a bad dimension or page."""
    ind = indicators.get(key)
    spec = SPECS.get(key)
    dimension = _check_dimension(ind, dimension)
    if not 1 <= int(page) <= MAX_PAGE:
        raise ValidationFailed("Số trang không hợp lệ.", fields={"page": "Số trang không hợp lệ."})
    result = result if result is not None else indicators.compute(key, scope)
    if spec is None:
        return ItemsPage([], 0, False)
    figure, dim_label = _figure(spec, result, dimension)
    if spec.breakdown_agencies and not dimension:
        counted = {int(r.key) for r in result.breakdown if str(r.key).isdigit()}
        scope = Scope(tuple(a for a in scope.agency_ids if a in counted), scope.start, scope.end)
    qs = spec.rows(user, scope, dimension)
    if qs is None:
        return ItemsPage([], 0, False, list(spec.columns), figure, figure or 0, spec.noun, spec.label, dim_label)
    total = qs.count()
    offset = (int(page) - 1) * PAGE_SIZE
    rows = list(qs[offset: offset + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    return ItemsPage(
        rows=[spec.cells(r) for r in rows[:PAGE_SIZE]], total=total, has_next=has_next, columns=list(spec.columns),
        figure=figure, hidden=max(0, (figure or 0) - total) if figure is not None else 0, noun=spec.noun,
        figure_label=spec.label, dimension_label=dim_label)
