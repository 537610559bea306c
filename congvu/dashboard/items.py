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

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from congvu.core.errors import ValidationFailed
from congvu.dashboard import charts, indicators
from congvu.dashboard.access import Scope

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
    def total_text(self) -> str:
        return charts.number(self.total)


# --- helpers ---------------------------------------------------------------------------------------------------

def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def bounds(scope: Scope) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the scope's local days as aware datetimes."""
    return day_start(scope.start), day_start(scope.end + dt.timedelta(days=1))


def snapshot_end(scope: Scope) -> dt.datetime:
    """The moment a snapshot figure describes: the end of the registry's snapshot day, or now for today."""
    day = indicators.snapshot_day(scope)
    end = day_start(day + dt.timedelta(days=1))
    return min(end, timezone.now())


def _d(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    return f"{value:%d/%m/%Y}"


def _agency_filter(scope: Scope, dimension: str, by: str, field_name: str = "agency_id") -> Q:
    q = Q(**{f"{field_name}__in": list(scope.agency_ids)})
    if by == "unit" and dimension:
        q &= Q(**{field_name: int(dimension)})
    return q


@dataclass(frozen=True)
class Spec:
    noun: str
    columns: tuple[str, ...]
    rows: Callable  # (user, scope, dimension) -> QuerySet of visible rows, ordered
    cells: Callable  # (obj) -> Item
    count_of: str = "value"  # which part of the figure this list explains: value | denominator | numerator
    label: str = ""  # what the list is, beside the count


# --- documents -------------------------------------------------------------------------------------------------

def _documents(user, scope: Scope, dimension: str, *, direction: str | None) -> QuerySet:
    from congvu.documents.selectors import visible_documents

    start, end = bounds(scope)
    qs = visible_documents(user).filter(_agency_filter(scope, dimension, "unit"),
                                        registered_at__gte=start, registered_at__lt=end)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.select_related("doc_type", "agency").order_by("-registered_at", "-pk")


def _document_item(d) -> Item:
    from congvu.documents.models import Channel

    title = f"{d.number_notation} — {d.subject}" if d.number_notation else d.subject
    electronic = "Điện tử" if d.channel == Channel.ELECTRONIC else d.get_channel_display()
    return Item(reverse("documents:detail", args=[d.pk]), [
        ("Văn bản", title), ("Loại", d.doc_type.name), ("Vào sổ", _d(d.registered_at)),
        ("Hình thức", electronic), ("Cơ quan", d.agency.short_name or d.agency.name)])


DOC_COLUMNS = ("Văn bản", "Loại", "Vào sổ", "Hình thức", "Cơ quan")


# --- processing (lead assignments on incoming documents) and tasks ------------------------------------------------

def _lead_rows(user, scope: Scope, dimension: str, *, on_tasks: bool) -> QuerySet:
    from congvu.workflow.models import Assignment, AssignmentRole

    qs = Assignment.objects.filter(agency_id__in=list(scope.agency_ids), role=AssignmentRole.LEAD, parent__isnull=True)
    qs = qs.filter(task__isnull=False) if on_tasks else qs.filter(document__direction="in")
    if dimension:
        qs = qs.filter(assignee_department_id=int(dimension)) if dimension.isdigit() else qs.filter(
            assignee_department__isnull=True)
    return qs


def _visible_assignments(user, qs: QuerySet, *, on_tasks: bool) -> QuerySet:
    if on_tasks:
        from congvu.workflow.task_selectors import visible_tasks

        return qs.filter(task__in=visible_tasks(user).values("pk"))
    from congvu.documents.selectors import visible_documents

    return qs.filter(document__in=visible_documents(user).values("pk"))


def _done(user, scope: Scope, dimension: str, *, on_tasks: bool, late: bool | None) -> QuerySet:
    from congvu.workflow.reports import HANDED_IN

    start, end = bounds(scope)
    qs = _lead_rows(user, scope, dimension, on_tasks=on_tasks).filter(
        status__in=HANDED_IN, submitted_at__gte=start, submitted_at__lt=end)
    if late is True:
        qs = qs.filter(due_at__isnull=False, submitted_at__gt=F("due_at"))
    elif late is False:
        qs = qs.filter(Q(due_at__isnull=True) | Q(submitted_at__lte=F("due_at")))
    return _visible_assignments(user, qs, on_tasks=on_tasks).select_related(
        "document", "task", "assignee_department", "assignee_official").order_by("-submitted_at", "-pk")


def _overdue(user, scope: Scope, dimension: str, *, on_tasks: bool) -> QuerySet:
    from congvu.workflow.models import OPEN_STATUSES

    at = snapshot_end(scope)
    qs = _lead_rows(user, scope, dimension, on_tasks=on_tasks).filter(
        status__in=list(OPEN_STATUSES), due_at__lt=at, created_at__lt=at)
    return _visible_assignments(user, qs, on_tasks=on_tasks).select_related(
        "document", "task", "assignee_department", "assignee_official").order_by("due_at", "pk")


def _assignment_item(a) -> Item:
    if a.task_id:
        title, url = a.task.title, reverse("tasks:detail", args=[a.task_id])
    else:
        d = a.document
        title = f"{d.number_notation} — {d.subject}" if d.number_notation else d.subject
        url = reverse("documents:detail", args=[d.pk])
    who = a.assignee_official.full_name if a.assignee_official_id else ""
    unit = a.assignee_department.name if a.assignee_department_id else ""
    days = ""
    if a.submitted_at and a.created_at:
        days = charts.number(round((a.submitted_at - a.created_at).total_seconds() / 86400, 1))
    return Item(url, [("Văn bản / công việc", title), ("Chủ trì", ", ".join(x for x in (unit, who) if x)),
                      ("Hạn xử lý", _d(a.due_at)), ("Hoàn thành", _d(a.submitted_at)),
                      ("Số ngày", days), ("Trạng thái", a.get_status_display())])


ASSIGNMENT_COLUMNS = ("Văn bản / công việc", "Chủ trì", "Hạn xử lý", "Hoàn thành", "Số ngày", "Trạng thái")


# --- one-stop ---------------------------------------------------------------------------------------------------

def _dossiers(user, scope: Scope, dimension: str, by: str) -> QuerySet:
    from congvu.onestop.selectors import visible_dossiers

    qs = visible_dossiers(user).filter(_agency_filter(scope, dimension, by))
    if by == "procedure" and dimension:
        qs = qs.filter(procedure_version__procedure__local_code=dimension)
    return qs


def _received(user, scope, dimension, *, online: bool | None = None, by="procedure") -> QuerySet:
    from django.db.models.functions import Coalesce

    from congvu.onestop.models import Channel, DossierStatus

    start, end = bounds(scope)
    qs = (_dossiers(user, scope, dimension, by).exclude(status=DossierStatus.REFUSED)
          .annotate(recv=Coalesce("accepted_at", "submitted_at")).filter(recv__gte=start, recv__lt=end))
    if online is not None:
        qs = qs.filter(channel=Channel.ONLINE) if online else qs.exclude(channel=Channel.ONLINE)
    return qs.select_related("procedure_version__procedure", "agency").order_by("-recv", "-pk")


def _finished(user, scope, dimension, *, late: bool | None, by: str) -> QuerySet:
    from django.db.models.functions import Coalesce

    from congvu.onestop.models import Timeliness
    from congvu.onestop.stats import DONE

    start, end = bounds(scope)
    qs = (_dossiers(user, scope, dimension, by).filter(status__in=DONE)
          .annotate(ended=Coalesce("processed_at", "finished_at")).filter(ended__gte=start, ended__lt=end))
    late_q = Q(timeliness=Timeliness.LATE) | (Q(timeliness="") & Q(due_at__isnull=False) & Q(ended__gt=F("due_at")))
    if late is True:
        qs = qs.filter(late_q)
    elif late is False:
        qs = qs.exclude(late_q)
    return qs.select_related("procedure_version__procedure", "agency").order_by("-ended", "-pk")


def _dossier_overdue(user, scope, dimension) -> QuerySet:
    from congvu.onestop.selectors import RUNNING_STATUSES

    at = snapshot_end(scope)
    return (_dossiers(user, scope, dimension, "procedure").filter(status__in=RUNNING_STATUSES, due_at__lt=at)
            .select_related("procedure_version__procedure", "agency").order_by("due_at", "pk"))


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
    dossiers = visible_dossiers(user).filter(_agency_filter(scope, dimension, "unit"))
    return (Rating.objects.filter(dossier__in=dossiers.values("pk"), created_at__gte=start, created_at__lt=end)
            .select_related("dossier__procedure_version__procedure").order_by("-created_at", "-pk"))


RATING_LABELS = {2: "Rất hài lòng", 1: "Hài lòng", 0: "Không hài lòng"}


def _rating_item(r) -> Item:
    d = r.dossier
    return Item(reverse("onestop:dossier", args=[d.pk]), [
        ("Hồ sơ", d.code or f"#{d.pk}"), ("Thủ tục", d.procedure_version.procedure.name),
        ("Đánh giá", RATING_LABELS.get(r.overall, str(r.overall))), ("Thời điểm", _d(r.created_at))])


# --- staffing ---------------------------------------------------------------------------------------------------

def _staff(user, scope, dimension) -> QuerySet:
    """Staff in post per agency: the roster (congvu.staffing.roster) once it exists; nothing before."""
    try:
        from congvu.staffing import roster
    except ImportError:
        return None
    rows = getattr(roster, "members_in_post", None)
    if rows is None:
        return None
    agency_ids = [a for a in scope.agency_ids if not dimension or str(a) == dimension]
    agency_ids = [a for a in agency_ids if roster.can_view_roster(user, a)]
    return rows(agency_ids=agency_ids, on=scope.end)


def _staff_item(member) -> Item:
    url = ""
    try:
        url = reverse("staffing:roster_member", args=[member.pk])
    except Exception:  # noqa: BLE001 - the roster pages may not exist yet
        url = ""
    return Item(url, [("Họ và tên", str(member)), ("Cơ quan", getattr(member, "agency", "") and member.agency.name)])


# --- exchange ---------------------------------------------------------------------------------------------------

def _outbox(user, scope, dimension) -> QuerySet:
    from congvu.documents.selectors import visible_documents
    from congvu.exchange.models import InboxItem

    start, end = bounds(scope)
    return (InboxItem.objects.filter(source_document__agency_id__in=list(scope.agency_ids),
                                     delivered_at__gte=start, delivered_at__lt=end,
                                     source_document__in=visible_documents(user).values("pk"))
            .filter(Q(source_document__agency_id=int(dimension)) if dimension else Q())
            .select_related("source_document", "agency").order_by("-delivered_at", "-pk"))


def _inbox(user, scope, dimension) -> QuerySet:
    from congvu.exchange.models import InboxItem
    from congvu.org.models import Role
    from congvu.org.selectors import user_access

    start, end = bounds(scope)
    mine = [a for a, acc in user_access(user).items() if acc.roles & {Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN}]
    return (InboxItem.objects.filter(_agency_filter(scope, dimension, "unit"), agency_id__in=mine,
                                     delivered_at__gte=start, delivered_at__lt=end)
            .select_related("agency").order_by("-delivered_at", "-pk"))


def _waiting(user, scope, dimension) -> QuerySet:
    at = snapshot_end(scope)
    return _outbox(user, Scope(scope.agency_ids, dt.date(1970, 1, 1), scope.end), dimension).filter(
        delivered_at__lt=at).exclude(statuses__isnull=False)


def _inbox_item(i) -> Item:
    return Item(reverse("exchange:inbox_detail", args=[i.pk]), [
        ("Văn bản", " ".join(x for x in (i.number, i.notation) if x) or i.doc_type_name),
        ("Nơi gửi", i.sender_name), ("Nơi nhận", i.agency.name), ("Thời gian", _d(i.delivered_at)),
        ("Trạng thái", i.get_status_display())])


def _outbox_item(i) -> Item:
    d = i.source_document
    return Item(reverse("documents:detail", args=[d.pk]), [
        ("Văn bản", f"{d.number_notation} — {d.subject}" if d.number_notation else d.subject),
        ("Nơi gửi", i.sender_name), ("Nơi nhận", i.agency.name), ("Thời gian", _d(i.delivered_at)),
        ("Trạng thái", i.get_status_display())])


EXCHANGE_COLUMNS = ("Văn bản", "Nơi gửi", "Nơi nhận", "Thời gian", "Trạng thái")


# --- equipment --------------------------------------------------------------------------------------------------

def _equipment(kind: str):
    def rows(user, scope, dimension) -> QuerySet:
        from congvu.dashboard.models import EquipmentPoint

        return (EquipmentPoint.objects.filter(_agency_filter(scope, dimension, "unit"), kind=kind, active=True)
                .select_related("agency").order_by("agency__name", "name", "pk"))

    return rows


def _equipment_item(p) -> Item:
    try:
        url = reverse("dashboard:equipment_detail", args=[p.pk])
    except Exception:  # noqa: BLE001 - D3's equipment pages
        url = ""
    return Item(url, [("Điểm", p.name), ("Cơ quan", p.agency.name), ("Vị trí", p.location),
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
        "processing_overdue": Spec("văn bản", ASSIGNMENT_COLUMNS,
                                   lambda u, s, d: _overdue(u, s, d, on_tasks=False), asg),
        "processing_average_days": Spec("văn bản", ASSIGNMENT_COLUMNS,
                                        lambda u, s, d: _done(u, s, d, on_tasks=False, late=None), asg,
                                        count_of="denominator", label="văn bản hoàn thành trong kỳ"),
        "tasks_on_time": Spec("công việc", ASSIGNMENT_COLUMNS,
                              lambda u, s, d: _done(u, s, d, on_tasks=True, late=False), asg),
        "tasks_late": Spec("công việc", ASSIGNMENT_COLUMNS,
                           lambda u, s, d: _done(u, s, d, on_tasks=True, late=True), asg),
        "tasks_overdue": Spec("công việc", ASSIGNMENT_COLUMNS,
                              lambda u, s, d: _overdue(u, s, d, on_tasks=True), asg),
        "dossiers_received": Spec("hồ sơ", DOSSIER_COLUMNS, lambda u, s, d: _received(u, s, d), dos),
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
        "staffing_quota": Spec("người", ("Họ và tên", "Cơ quan"), _staff, _staff_item, count_of="none",
                               label="người đang làm việc (biên chế được giao là chỉ tiêu, không phải danh sách)"),
        "staffing_in_post": Spec("người", ("Họ và tên", "Cơ quan"), _staff, _staff_item),
        "staffing_surplus": Spec("người", ("Họ và tên", "Cơ quan"), _staff, _staff_item, count_of="numerator",
                                 label="người đang làm việc"),
        "exchange_sent": Spec("văn bản", EXCHANGE_COLUMNS, _outbox, _outbox_item),
        "exchange_received": Spec("văn bản", EXCHANGE_COLUMNS, _inbox, _inbox_item),
        "exchange_waiting": Spec("văn bản", EXCHANGE_COLUMNS, _waiting, _outbox_item),
        "equipment_video_conference": Spec("điểm", EQUIPMENT_COLUMNS, _equipment("video_conference"),
                                           _equipment_item, count_of="none", label="điểm cầu"),
        "equipment_cameras": Spec("điểm", EQUIPMENT_COLUMNS, _equipment("camera"), _equipment_item),
    }


SPECS = _spec_table()


def _check_dimension(ind, dimension: str) -> str:
    dimension = (dimension or "").strip()
    if not dimension:
        return ""
    if len(dimension) > 60 or not ind.breakdown:
        raise ValidationFailed("Nhóm số liệu không hợp lệ.", fields={"dim": "Nhóm số liệu không hợp lệ."})
    if ind.breakdown in ("unit", "department") and not dimension.isdigit():
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
