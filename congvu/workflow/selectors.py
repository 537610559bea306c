"""Reads of processing: queues, "my work", the overdue list, a document's timeline.

Every list is limited to what the user may see: assignments on documents go through
`visible_documents` (or the rows the user is personally responsible for, who are named on the
document), tasks through the agencies the user works in. Queues sort urgent work first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from congvu.core.errors import NotFound
from congvu.documents.models import URGENCY_RANK, Document, DocumentAccess
from congvu.documents.models import Direction as DocDirection
from congvu.documents.selectors import visible_documents
from congvu.org.models import Agency, Role
from congvu.org.selectors import FULL_VIEW_ROLES, official_for_user, user_access
from congvu.workflow import rules
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    ExtensionRequest,
    ExtensionStatus,
    Presentation,
    PresentationStatus,
    ProcessingEvent,
    Task,
    TaskStatus,
)

MY_WORK_LIMIT = 100


def open_work_count(*, document_ids) -> int:
    """Open assignments and open tasks on these documents (a case file holding them may not be closed)."""
    ids = list(document_ids)
    if not ids:
        return 0
    total = 0
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        total += Assignment.objects.filter(document_id__in=chunk, status__in=list(OPEN_STATUSES)).count()
        total += Task.objects.filter(document_id__in=chunk, status=TaskStatus.OPEN).count()
    return total


# --- my work ---------------------------------------------------------------------------------------

@dataclass
class WorkItem:
    """One line of "Việc của tôi": something waiting for the user."""

    kind: str  # assignment | unit_assignment | inform | presentation | result | extension
    kind_label: str
    title: str
    url: str
    due_at: dt.datetime | None
    urgency_rank: int
    overdue: bool
    status_label: str = ""
    role_label: str = ""
    assignment_id: int | None = None
    presentation_id: int | None = None
    extension_id: int | None = None
    document_id: int | None = None
    task_id: int | None = None
    urgency_label: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def sort_key(self):
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return (not self.overdue, -self.urgency_rank, self.due_at or far)


@dataclass
class MyWork:
    items: list[WorkItem]
    counts: dict[str, int]  # to_present (clerks, agency admins only): documents waiting to be presented, capped
    truncated: bool
    to_present_more: bool = False  # more documents wait to be presented than counts["to_present"]


_URGENCY_LABELS = {3: "Hỏa tốc", 2: "Thượng khẩn", 1: "Khẩn"}
_TASK_LABELS = {2: "Khẩn", 1: "Quan trọng"}


# The columns a work item shows: rows are read with these only (lists of up to MY_WORK_LIMIT rows per source).
_ROW_RELATED = ("document", "task", "assignee_department", "assignee_official")
_ROW_FIELDS = ("id", "agency_id", "document_id", "task_id", "role", "status", "due_at", "urgency_rank", "progress",
               "assignee_official_id", "assignee_department_id", "submitted_at",
               "document__number", "document__notation", "document__subject", "document__urgency",
               "task__title", "assignee_department__name", "assignee_official__full_name")


def _rows(qs: QuerySet) -> QuerySet:
    return qs.select_related(*_ROW_RELATED).only(*_ROW_FIELDS)


def _subject(a, urls: dict) -> tuple[str, str, str]:
    """(title, url, urgency label) of an assignment's document or task (select_related)."""
    if a.document_id:
        d = a.document
        title = f"{d.number_notation} — {d.subject}" if d.number_notation else d.subject
        return title, urls["document"].format(d.pk), _URGENCY_LABELS.get(URGENCY_RANK.get(d.urgency, 0), "")
    return a.task.title, urls["task"].format(a.task_id), _TASK_LABELS.get(a.urgency_rank, "")


def _url_patterns() -> dict:
    """URL templates of documents and tasks, reversed once per list rather than once per row."""
    from congvu.workflow.services import subject_url

    return {"document": subject_url(document_id=987654321).replace("987654321", "{}"),
            "task": subject_url(task_id=987654321).replace("987654321", "{}")}


def _ordered(qs: QuerySet, now: dt.datetime, limit: int) -> list:
    """Overdue rows first, each half urgent first then by deadline; two index ranges, `limit` rows at most."""
    overdue = list(qs.filter(due_at__lt=now).order_by("-urgency_rank", "due_at", "pk")[:limit])
    rest = list(qs.filter(Q(due_at__gte=now) | Q(due_at__isnull=True))
                .order_by("-urgency_rank", "due_at", "pk")[: max(0, limit - len(overdue))])
    return overdue + rest


def my_work(user, agency_id: int, *, limit: int = MY_WORK_LIMIT, now: dt.datetime | None = None) -> MyWork:
    """Everything waiting for `user` in one agency, overdue first, then urgent, then by deadline:

    - assignments to them (lead, coordinate, inform not yet read), and to the units they head;
    - documents presented to them (or to their unit) awaiting a direction;
    - results submitted to them awaiting acceptance, and extension requests awaiting their decision;
    - for clerks and agency admins, how many documents wait to be presented (a count up to `limit`, linked to
      their queue; the documents are not listed here).
    """
    now = now or timezone.now()
    official = official_for_user(user)
    if official is None or agency_id not in user_access(user):
        return MyWork([], {}, False)
    heads = rules.headed_department_ids(official, agency_id)
    urls = _url_patterns()
    mine = Assignment.objects.filter(agency_id=agency_id, assignee_official=official, active=1)
    unit = Assignment.objects.filter(agency_id=agency_id, assignee_department_id__in=sorted(heads), active=1)
    if heads:
        # A unit's row of a secret document only for heads named on it (one appointed later is not).
        named = _named_document_ids(official, agency_id)
        unit = unit.exclude(Q(secret=1) & ~Q(document_id__in=named)) if named else unit.filter(secret=0)
    items: list[WorkItem] = []
    counts = {"assignment": 0, "presentation": 0, "result": 0, "extension": 0, "overdue": 0}
    truncated = False
    for qs, kind in ((mine, "assignment"), (unit, "unit_assignment")):
        if kind == "unit_assignment" and not heads:
            continue
        rows = _ordered(_rows(qs), now, limit)
        truncated |= len(rows) >= limit
        for a in rows:
            title, url, ulabel = _subject(a, urls)
            inform = a.role == AssignmentRole.INFORM
            items.append(WorkItem(
                kind="inform" if inform else kind,
                kind_label="Để biết" if inform else ("Đơn vị được giao" if kind == "unit_assignment" else "Xử lý"),
                title=title, url=url, due_at=a.due_at, urgency_rank=a.urgency_rank,
                overdue=bool(a.due_at and a.due_at < now), status_label=a.get_status_display(),
                role_label=a.get_role_display() + (f" ({a.assignee_department.name})"
                                                   if a.assignee_department_id else ""),
                assignment_id=a.pk, document_id=a.document_id, task_id=a.task_id, urgency_label=ulabel,
                extra={"progress": a.progress}))
            counts["assignment"] += 1
    # Presentations waiting for a direction from me or from a unit I head.
    pres_q = Q(to_official=official)
    if heads:
        pres_q |= Q(to_department_id__in=sorted(heads))
    pres = list(Presentation.objects.filter(agency_id=agency_id, status=PresentationStatus.PENDING).filter(pres_q)
                .select_related("document").order_by("-urgency_rank", "created_at")[:limit])
    visible_ids = set(visible_documents(user).filter(pk__in=[p.document_id for p in pres]).values_list("pk", flat=True))
    agency = None
    for p in pres:
        if p.document_id not in visible_ids:
            continue
        d = p.document
        if d.due_date and agency is None:
            agency = Agency.objects.get(pk=agency_id)
        due = rules.end_of_day(agency, d.due_date) if d.due_date else None
        items.append(WorkItem(kind="presentation", kind_label="Chờ cho ý kiến",
                              title=f"{d.number_notation} — {d.subject}" if d.number_notation else d.subject,
                              url=f"/documents/{d.pk}/", due_at=due, urgency_rank=p.urgency_rank,
                              overdue=bool(due and due < now), status_label="Chờ cho ý kiến chỉ đạo",
                              presentation_id=p.pk, document_id=d.pk,
                              urgency_label=_URGENCY_LABELS.get(p.urgency_rank, "")))
        counts["presentation"] += 1
    # Results submitted to me.
    results = list(_rows(Assignment.objects.filter(assigned_by=official, status=AssignmentStatus.SUBMITTED,
                                                   agency_id=agency_id))
                   .order_by("-urgency_rank", "due_at")[:limit])
    for a in results:
        title, url, ulabel = _subject(a, urls)
        items.append(WorkItem(kind="result", kind_label="Chờ duyệt kết quả", title=title, url=url, due_at=a.due_at,
                              urgency_rank=a.urgency_rank, overdue=False,
                              status_label=f"{a.assignee_label} đã báo cáo hoàn thành", role_label=a.get_role_display(),
                              assignment_id=a.pk, document_id=a.document_id, task_id=a.task_id, urgency_label=ulabel))
        counts["result"] += 1
    exts = list(ExtensionRequest.objects.filter(assignment__agency_id=agency_id, assignment__assigned_by=official,
                                                status=ExtensionStatus.PENDING)
                .select_related("assignment", "assignment__document", "assignment__task", "requested_by",
                                "assignment__assignee_official", "assignment__assignee_department")
                .order_by("created_at")[:limit])
    for e in exts:
        a = e.assignment
        title, url, ulabel = _subject(a, urls)
        items.append(WorkItem(kind="extension", kind_label="Xin gia hạn", title=title, url=url, due_at=a.due_at,
                              urgency_rank=a.urgency_rank, overdue=bool(a.due_at and a.due_at < now),
                              status_label=f"{e.requested_by.full_name} xin gia hạn đến "
                                           f"{timezone.localtime(e.requested_due_at):%d/%m/%Y}",
                              assignment_id=a.pk, extension_id=e.pk, document_id=a.document_id, task_id=a.task_id,
                              urgency_label=ulabel))
        counts["extension"] += 1
    items.sort(key=lambda i: i.sort_key)
    counts["overdue"] = sum(1 for i in items if i.overdue)
    if len(items) > limit:
        items, truncated = items[:limit], True
    waiting = to_present_count(user, agency_id, cap=limit, now=now)
    if waiting is not None:
        counts["to_present"] = min(waiting, limit)
    return MyWork(items, counts, truncated, to_present_more=bool(waiting and waiting > limit))


# --- the overdue list ------------------------------------------------------------------------------

@dataclass
class OverduePage:
    items: list[Assignment]
    total: int
    next_cursor: str | None


def _named_document_ids(official, agency_id: int) -> list[int]:
    """Documents of the agency the official is named on (secret ones are seen by their named readers only)."""
    return list(DocumentAccess.objects.filter(official=official, document__agency_id=agency_id)
                .values_list("document_id", flat=True)[:5000])


def _overdue_scopes(user, agency_id: int) -> list[QuerySet[Assignment]] | None:
    """Whose active rows the user sees in the overdue list, as one or two querysets whose union is the scope:

    - leaders, clerks and admins: the agency's rows of ordinary documents (index range), plus the rows of
      secret documents they are named on (few, read apart so the main read stays an index range);
    - unit heads: their units' rows and their people's; everyone else: their own; rows of secret documents
      again only those they are named on."""
    official = official_for_user(user)
    access = user_access(user).get(agency_id)
    if official is None or access is None:
        return None
    qs = Assignment.objects.filter(agency_id=agency_id, active=1)
    named = _named_document_ids(official, agency_id)
    if access.roles & FULL_VIEW_ROLES:
        scopes = [qs.filter(secret=0)]
        if named:
            scopes.append(qs.filter(secret=1, document_id__in=named))
        return scopes
    heads = sorted(rules.headed_department_ids(official, agency_id))
    cond = Q(assignee_official=official)
    if heads:
        from congvu.org.models import Membership

        members = Membership.objects.filter(department_id__in=heads, active=True).values("official_id")
        cond |= Q(assignee_department_id__in=heads) | Q(assignee_official_id__in=members)
    scopes = [qs.filter(cond, secret=0)]
    if named:
        scopes.append(qs.filter(cond, secret=1, document_id__in=named))
    return scopes


def _parse_cursor(cursor: str | None):
    if not cursor:
        return None
    try:
        rank_s, due_s, pk_s = cursor.split("_")
        return int(rank_s), dt.datetime.fromtimestamp(float(due_s), tz=dt.UTC), int(pk_s)
    except ValueError:
        return None


def overdue_assignments(user, agency_id: int, *, cursor: str | None = None, limit: int = 50,
                        now: dt.datetime | None = None) -> OverduePage:
    """Active assignments past their deadline, most urgent first, then the longest overdue.

    Keyset-paginated on (urgency, deadline, id): `cursor` is the `next_cursor` of the previous page.
    Each scope is read in index order up to one page and the pages are merged, so the cost does not
    grow with the number of overdue rows (only the count reads their index range)."""
    now = now or timezone.now()
    scopes = _overdue_scopes(user, agency_id)
    if scopes is None:
        return OverduePage([], 0, None)
    scopes = [q.filter(due_at__lt=now) for q in scopes]
    total = sum(q.count() for q in scopes)
    key = _parse_cursor(cursor)
    limit = max(1, min(int(limit), 200))
    rows: list[Assignment] = []
    for q in scopes:
        if key is not None:
            rank, due, pk = key
            q = q.filter(Q(urgency_rank__lt=rank) | Q(urgency_rank=rank, due_at__gt=due)
                         | Q(urgency_rank=rank, due_at=due, pk__gt=pk))
        rows += list(q.select_related("document", "task", "assignee_official", "assignee_department", "assigned_by")
                     .order_by("-urgency_rank", "due_at", "pk")[: limit + 1])
    rows.sort(key=lambda a: (-a.urgency_rank, a.due_at, a.pk))
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        nxt = f"{last.urgency_rank}_{last.due_at.timestamp():.6f}_{last.pk}"
    return OverduePage(rows, total, nxt)


# --- queues ----------------------------------------------------------------------------------------

TO_PRESENT_WINDOW_DAYS = 180
TO_PRESENT_ROLES = frozenset({Role.CLERK, Role.AGENCY_ADMIN})


def _to_present_qs(user, agency_id: int, now: dt.datetime | None = None) -> QuerySet[Document] | None:
    """Incoming documents of the clerk's queue (registered in the last 180 days, never presented, never
    directed), unordered; None for a user who is not a clerk or agency admin of the agency."""
    access = user_access(user).get(agency_id)
    if access is None or not access.roles & TO_PRESENT_ROLES:
        return None
    since = (now or timezone.now()) - dt.timedelta(days=TO_PRESENT_WINDOW_DAYS)
    # NOT EXISTS per candidate row (document indexes of both tables), not NOT IN over the agency's history.
    return (visible_documents(user).filter(agency_id=agency_id, direction=DocDirection.INCOMING,
                                           registered_at__gte=since)
            .filter(~Exists(Presentation.objects.filter(document_id=OuterRef("pk"))))
            .filter(~Exists(Assignment.objects.filter(document_id=OuterRef("pk")))))


def to_present(user, agency_id: int, *, limit: int = 100) -> list[Document]:
    """The clerk's queue: incoming documents registered in the last 180 days that were never presented
    and never directed, urgent first, then oldest first."""
    qs = _to_present_qs(user, agency_id)
    if qs is None:
        return []
    rows = list(qs.select_related("doc_type").order_by("-pk")[:limit * 5])
    rows.sort(key=lambda d: (-URGENCY_RANK.get(d.urgency, 0), d.registered_at))
    return rows[:limit]


def to_present_count(user, agency_id: int, *, cap: int = MY_WORK_LIMIT, now: dt.datetime | None = None) -> int | None:
    """How many documents wait in the clerk's queue, counted up to `cap + 1` (more than `cap` reads "cap+");
    None for a user without that queue. One bounded query: it stops after `cap + 1` rows."""
    qs = _to_present_qs(user, agency_id, now)
    if qs is None:
        return None
    return qs.values("pk")[:cap + 1].count()


def awaiting_direction(user, agency_id: int, *, limit: int = 100) -> list[Presentation]:
    """The leader's queue: documents presented to them (or to a unit they head) waiting for a direction."""
    official = official_for_user(user)
    if official is None or agency_id not in user_access(user):
        return []
    heads = rules.headed_department_ids(official, agency_id)
    cond = Q(to_official=official)
    if heads:
        cond |= Q(to_department_id__in=sorted(heads))
    rows = list(Presentation.objects.filter(agency_id=agency_id, status=PresentationStatus.PENDING).filter(cond)
                .select_related("document", "document__doc_type", "presented_by", "to_department")
                .order_by("-urgency_rank", "created_at")[:limit])
    visible = set(visible_documents(user).filter(pk__in=[p.document_id for p in rows]).values_list("pk", flat=True))
    return [p for p in rows if p.document_id in visible]


# --- one document ----------------------------------------------------------------------------------

@dataclass
class Processing:
    """A document's processing as its page shows it."""

    document: Document
    events: list[ProcessingEvent]
    assignments: list[Assignment]
    pending_presentation: Presentation | None
    directions: list
    pending_extensions: dict[int, ExtensionRequest]
    progress: dict[int, list]


def document_processing(*, user, document: Document | int) -> Processing:
    """Timeline and assignments of a document the user may see (NotFound otherwise)."""
    pk = document.pk if isinstance(document, Document) else document
    doc = visible_documents(user).select_related("agency").filter(pk=pk).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    events = list(ProcessingEvent.objects.filter(document=doc).select_related("actor").order_by("created_at", "pk"))
    assignments = list(Assignment.objects.filter(document=doc)
                       .select_related("assignee_official", "assignee_department", "assigned_by", "parent",
                                       "reply_document")
                       .order_by("pk"))
    pending = (Presentation.objects.filter(document=doc, status=PresentationStatus.PENDING)
               .select_related("to_official", "to_department", "presented_by").first())
    exts = {e.assignment_id: e for e in ExtensionRequest.objects.filter(
        assignment__document=doc, status=ExtensionStatus.PENDING).select_related("requested_by")}
    from congvu.workflow.models import ProgressReport

    progress: dict[int, list] = {}
    for r in ProgressReport.objects.filter(assignment__document=doc).prefetch_related("attachments") \
            .select_related("author"):
        progress.setdefault(r.assignment_id, []).append(r)
    directions = list(doc.directions.select_related("author").order_by("created_at"))
    return Processing(doc, events, assignments, pending, directions, exts, progress)


def assignment_for_user(*, user, pk: int) -> Assignment:
    """An assignment whose document or task the user may see."""
    from congvu.workflow.task_selectors import visible_tasks

    a = (Assignment.objects.select_related("document", "task", "assignee_official", "assignee_department",
                                           "assigned_by").filter(pk=pk).first())
    if a is None or a.agency_id not in user_access(user):
        raise NotFound("Không tìm thấy phân công xử lý.")
    if a.document_id and not visible_documents(user).filter(pk=a.document_id).exists():
        raise NotFound("Không tìm thấy phân công xử lý.")
    if a.task_id and not visible_tasks(user, a.agency_id).filter(pk=a.task_id).exists():
        raise NotFound("Không tìm thấy phân công xử lý.")
    return a


def overdue_document_ids(*, document_ids, now: dt.datetime | None = None) -> set[int]:
    """Which of these documents have an active assignment past its deadline (for flags in lists)."""
    ids = [i for i in document_ids if i]
    if not ids:
        return set()
    now = now or timezone.now()
    return set(Assignment.objects.filter(document_id__in=ids, active=1, due_at__lt=now)
               .values_list("document_id", flat=True))


__all__ = ["ACTIVE_STATUSES", "open_work_count", "my_work", "overdue_assignments", "to_present",
           "awaiting_direction", "document_processing", "assignment_for_user", "overdue_document_ids"]
