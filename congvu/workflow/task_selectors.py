"""Reads of tasks (giao việc), already limited to what the user may see.

Who sees a task of an agency:
- leaders and agency admins of the agency: every task of it;
- everyone else working there: the tasks they gave, and the tasks assigned (in any role, re-assigned rows
  included) to them or to a unit they belong to.
The document a task comes from is shown only to those who may see that document.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from congvu.core.errors import NotFound, ValidationFailed
from congvu.documents.selectors import visible_documents
from congvu.org.models import Membership, Role
from congvu.org.selectors import official_for_user, user_access
from congvu.schedule.selectors import visible_entries
from congvu.workflow import rules
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    ExtensionRequest,
    ExtensionStatus,
    ProgressReport,
    Task,
    TaskPriority,
    TaskStatus,
)

# Roles that see every task of their agency.
TASK_FULL_VIEW_ROLES = frozenset({Role.LEADER, Role.AGENCY_ADMIN})
# Withdrawn work: not a current assignment of anybody.
WITHDRAWN = (AssignmentStatus.CANCELLED, AssignmentStatus.DECLINED)


def can_assign_tasks(user, agency_id: int) -> bool:
    """Leaders of the agency give tasks to anyone in it; a unit head gives tasks inside the unit."""
    if rules.is_leader(user, agency_id):
        return True
    return bool(rules.headed_department_ids(official_for_user(user), agency_id))


def can_manage_task(user, task: Task) -> bool:
    """Edit, complete or cancel a task: the official who gave it, or a leader of its agency."""
    official = official_for_user(user)
    if official is None or task.agency_id not in user_access(user):
        return False
    return task.created_by_id == official.pk or rules.is_leader(user, task.agency_id)


def _mine(official, department_ids) -> Q:
    """Tasks with an assignment (any role) to `official` or to one of `department_ids`."""
    rows = Q(assignee_official=official)
    if department_ids:
        rows |= Q(assignee_department_id__in=list(department_ids))
    return Q(Exists(Assignment.objects.filter(rows, task_id=OuterRef("pk"))))


def visible_tasks(user, agency_id: int | None = None) -> QuerySet[Task]:
    official = official_for_user(user)
    access = user_access(user)
    agencies = [a for a in access if agency_id is None or a == agency_id]
    if official is None or not agencies:
        return Task.objects.none()
    full = [a for a in agencies if access[a].roles & TASK_FULL_VIEW_ROLES]
    limited = [a for a in agencies if a not in full]
    cond = Q(pk__in=[])
    if full:
        cond |= Q(agency_id__in=full)
    if limited:
        depts = set().union(*(access[a].department_ids for a in limited))
        cond |= Q(agency_id__in=limited) & (Q(created_by=official) | _mine(official, depts))
    return Task.objects.filter(cond)


def task_get(*, user, pk: int) -> Task:
    """One task if `user` may see it; otherwise NotFound (its existence is not revealed)."""
    task = (visible_tasks(user).select_related("agency", "created_by", "document", "document__doc_type")
            .filter(pk=pk).first())
    if task is None:
        raise NotFound("Không tìm thấy công việc hoặc bạn không có quyền xem.")
    return task


# --- lists -------------------------------------------------------------------------------------

def lead_row(task_pk) -> QuerySet[Assignment]:
    """The task's current top-level lead row (a withdrawn lead is replaced by a newer one)."""
    return (Assignment.objects.filter(task_id=task_pk, role=AssignmentRole.LEAD, parent__isnull=True)
            .exclude(status__in=WITHDRAWN).order_by("-pk"))


_PRIORITY_RANK = Case(When(priority=TaskPriority.URGENT, then=Value(2)),
                      When(priority=TaskPriority.HIGH, then=Value(1)), default=Value(0), output_field=IntegerField())


def with_lead(qs: QuerySet[Task]) -> QuerySet[Task]:
    """Annotate each task with its lead's current deadline (after extensions), status and progress."""
    lead = lead_row(OuterRef("pk"))
    return qs.annotate(
        lead_due=Subquery(lead.values("due_at")[:1]),
        lead_status=Subquery(lead.values("status")[:1]),
        lead_progress=Subquery(lead.values("progress")[:1]),
        lead_id=Subquery(lead.values("pk")[:1]),
        priority_rank=_PRIORITY_RANK,
    )


_MONTH_VN = re.compile(r"(\d{1,2})/(\d{4})")  # 11/2026, as a Vietnamese clerk types a month
_MONTH_ISO = re.compile(r"(\d{4})-(\d{1,2})")  # 2026-11, as links and the API write it


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """[first moment, first moment of the next month) of "11/2026" (or "2026-11"), local time."""
    text = month.strip() if isinstance(month, str) else ""
    if m := _MONTH_VN.fullmatch(text):
        year, mon = int(m[2]), int(m[1])
    elif m := _MONTH_ISO.fullmatch(text):
        year, mon = int(m[1]), int(m[2])
    else:
        year, mon = 0, 0
    if not (2000 <= year <= 2100 and 1 <= mon <= 12):
        raise ValidationFailed(f"Tháng “{month}” không hợp lệ; ghi theo dạng 11/2026.",
                               fields={"month": "Tháng không hợp lệ; ví dụ 11/2026."})
    start = dt.date(year, mon, 1)
    end = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(end, dt.time.min, tzinfo=tz)


def month_label(month: str) -> str:
    """How a valid month is shown in a field: "11/2026" (also for "2026-11"); the text itself when invalid."""
    try:
        return f"{month_bounds(month)[0]:%m/%Y}"
    except ValidationFailed:
        return month


class Scope:
    MINE = "mine"  # assigned to me or my unit
    GIVEN = "given"  # I gave them
    ALL = "all"  # every task I may see in the agency


def task_list(*, user, agency_id: int, scope: str = Scope.ALL, status: str = "", overdue: bool = False,
              department_id: int | None = None, month: str = "", now: dt.datetime | None = None) -> QuerySet[Task]:
    """Visible tasks of one agency, filtered, open first, then urgent first, then by the lead's deadline.

    - scope "mine": assigned (any role) to the user or a unit they belong to; "given": created by the user;
    - status: open / done / cancelled; overdue: open, with the lead still owing work past its deadline;
    - department_id: assigned to that unit or to one of its officials;
    - month "11/2026" (or "2026-11"): given in that month."""
    now = now or timezone.now()
    official = official_for_user(user)
    qs = visible_tasks(user, agency_id)
    if scope == Scope.MINE:
        access = user_access(user).get(agency_id)
        qs = qs.filter(_mine(official, access.department_ids if access else ()))
    elif scope == Scope.GIVEN:
        qs = qs.filter(created_by=official)
    if status:
        if status not in TaskStatus.values:
            raise ValidationFailed("Trạng thái không hợp lệ.", fields={"status": "Trạng thái không hợp lệ."})
        qs = qs.filter(status=status)
    if overdue:
        late = lead_row(OuterRef("pk")).filter(status__in=list(ACTIVE_STATUSES) + [AssignmentStatus.DELEGATED],
                                               due_at__lt=now)
        qs = qs.filter(status=TaskStatus.OPEN).filter(Exists(late))
    if department_id:
        members = Membership.objects.filter(department_id=department_id, active=True).values("official_id")
        rows = Assignment.objects.filter(task_id=OuterRef("pk")).filter(
            Q(assignee_department_id=department_id) | Q(assignee_official_id__in=members))
        qs = qs.filter(Exists(rows))
    if month:
        start, end = month_bounds(month)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    status_order = Case(When(status=TaskStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (with_lead(qs).select_related("created_by", "document")
            .annotate(status_order=status_order)
            .order_by("status_order", "-priority_rank", "lead_due", "-pk"))


# --- one task ----------------------------------------------------------------------------------

@dataclass
class TaskView:
    task: Task
    document_visible: bool
    assignments: list[Assignment]  # top-level rows, each followed by its re-assigned rows
    progress: dict[int, list[ProgressReport]] = field(default_factory=dict)
    extensions: dict[int, list[ExtensionRequest]] = field(default_factory=dict)
    events: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    lead: Assignment | None = None
    meeting_visible: bool = False  # the schedule entry it was given at, if the user may open it

    @property
    def due_at(self) -> dt.datetime | None:
        """The current deadline: the lead's (extensions move it), else the task's own."""
        if self.lead is not None and self.lead.due_at:
            return self.lead.due_at
        return self.task.due_at


def _ordered_rows(rows: list[Assignment]) -> list[Assignment]:
    order = {AssignmentRole.LEAD: 0, AssignmentRole.COORDINATE: 1, AssignmentRole.INFORM: 2}
    children: dict[int, list[Assignment]] = {}
    for a in rows:
        if a.parent_id:
            children.setdefault(a.parent_id, []).append(a)
    out: list[Assignment] = []

    def walk(a: Assignment, depth: int):
        a.depth = depth
        out.append(a)
        for c in sorted(children.get(a.pk, []), key=lambda x: x.pk):
            walk(c, depth + 1)

    for a in sorted((a for a in rows if not a.parent_id), key=lambda x: (order.get(x.role, 9), x.pk)):
        walk(a, 0)
    return out


def task_view(*, user, task: Task) -> TaskView:
    """Everything the task page shows, for a task `user` may see (check with task_get first)."""
    rows = list(Assignment.objects.filter(task=task).select_related(
        "assignee_official", "assignee_department", "assigned_by", "accepted_by"))
    progress: dict[int, list[ProgressReport]] = {}
    for r in (ProgressReport.objects.filter(assignment__task=task).select_related("author")
              .prefetch_related("attachments")):
        progress.setdefault(r.assignment_id, []).append(r)
    extensions: dict[int, list[ExtensionRequest]] = {}
    for e in ExtensionRequest.objects.filter(assignment__task=task).select_related("requested_by", "decided_by"):
        extensions.setdefault(e.assignment_id, []).append(e)
    lead = next((a for a in sorted(rows, key=lambda x: -x.pk) if a.role == AssignmentRole.LEAD
                 and not a.parent_id and a.status not in WITHDRAWN), None)
    doc_visible = bool(task.document_id and visible_documents(user).filter(pk=task.document_id).exists())
    meeting_visible = bool(task.meeting_id and visible_entries(user, task.agency_id).filter(pk=task.meeting_id)
                           .exists())
    events = list(task.events.select_related("actor").order_by("created_at", "pk"))
    return TaskView(task=task, document_visible=doc_visible, assignments=_ordered_rows(rows), progress=progress,
                    extensions=extensions, events=events, attachments=list(task.attachments.select_related("file")),
                    lead=lead, meeting_visible=meeting_visible)


def pending_extension(view: TaskView, assignment_id: int) -> ExtensionRequest | None:
    return next((e for e in view.extensions.get(assignment_id, []) if e.status == ExtensionStatus.PENDING), None)


def is_open_row(a: Assignment) -> bool:
    return a.status in OPEN_STATUSES
