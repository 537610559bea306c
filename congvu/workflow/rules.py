"""Who may act in processing, and how deadlines are read: small helpers shared by services and selectors."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from congvu.core.dates import parse_vn_date
from congvu.core.errors import ValidationFailed
from congvu.documents.models import URGENCY_RANK, Document
from congvu.org import selectors as org_selectors
from congvu.org.models import Agency, Department, Membership, Official, Role
from congvu.org.selectors import official_for_user, user_access
from congvu.workflow.models import Assignment, ProcessingPolicy


def policy_for(agency_id: int) -> ProcessingPolicy:
    """The agency's processing rules; an unsaved row with the defaults when it has none."""
    return ProcessingPolicy.objects.filter(agency_id=agency_id).first() or ProcessingPolicy(agency_id=agency_id)


def document_rank(document: Document) -> int:
    return URGENCY_RANK.get(document.urgency, 0)


# --- roles -----------------------------------------------------------------------------------------

def is_leader(user, agency_id: int) -> bool:
    access = user_access(user).get(agency_id)
    return bool(access and Role.LEADER in access.roles)


# The unit-head rule lives with the organisation, shared with drafting.
headed_department_ids = org_selectors.headed_department_ids
department_heads = org_selectors.department_head_ids


def department_member_ids(department_id: int) -> list[int]:
    return list(Membership.objects.filter(department_id=department_id, active=True)
                .values_list("official_id", flat=True).distinct())


def is_agency_official(official_id: int, agency_id: int) -> bool:
    return Membership.objects.filter(official_id=official_id, agency_id=agency_id, active=True).exists()


def responsible_ids(assignment: Assignment) -> list[int]:
    """Officials who act on an assignment: its official, or the heads of its department."""
    if assignment.assignee_official_id:
        return [assignment.assignee_official_id]
    return department_heads(assignment.assignee_department_id)


def may_handle(user, assignment: Assignment) -> bool:
    official = official_for_user(user)
    if official is None:
        return False
    if assignment.assignee_official_id:
        return assignment.assignee_official_id == official.pk and is_agency_official(official.pk, assignment.agency_id)
    return assignment.assignee_department_id in headed_department_ids(official, assignment.agency_id)


def may_decide(user, assignment: Assignment) -> bool:
    """Accept/return results and decide extensions: the person who assigned it, or (for top-level rows)
    any leader of the agency, who may stand in for a colleague."""
    official = official_for_user(user)
    if official is None or assignment.agency_id not in user_access(user):
        return False
    if assignment.assigned_by_id == official.pk:
        return True
    return assignment.parent_id is None and is_leader(user, assignment.agency_id)


# --- assignees -------------------------------------------------------------------------------------

ASSIGNEE_RE = re.compile(r"^([od]):(\d{1,18})$")


def assignee_key(obj: Official | Department) -> str:
    return f"o:{obj.pk}" if isinstance(obj, Official) else f"d:{obj.pk}"


def resolve_assignee(value, agency: Agency, *, field: str, errors: dict) -> Official | Department | None:
    """An Official or Department of `agency` from an instance or a key "o:12" / "d:3" (forms, API).

    Officials must hold an active position in the agency, departments be active units of it."""
    if value in (None, ""):
        return None
    if isinstance(value, Official):
        kind, pk = "o", value.pk
    elif isinstance(value, Department):
        kind, pk = "d", value.pk
    else:
        m = ASSIGNEE_RE.match(str(value).strip())
        if not m:
            errors[field] = "Người hoặc đơn vị được giao không hợp lệ."
            return None
        kind, pk = m.group(1), int(m.group(2))
    if kind == "o":
        found = Official.objects.filter(pk=pk, memberships__agency=agency, memberships__active=True).first()
        if found is None:
            errors[field] = "Người được giao không thuộc cơ quan."
        return found
    found = Department.objects.filter(pk=pk, agency=agency, active=True).first()
    if found is None:
        errors[field] = "Đơn vị được giao không thuộc cơ quan."
    return found


def agency_assignee_choices(agency_id: int) -> list[tuple[str, str]]:
    """(key, label) of every active department and official of the agency, for pickers."""
    depts = [(f"d:{d.pk}", f"Đơn vị: {d.name}")
             for d in Department.objects.filter(agency_id=agency_id, active=True).order_by("name")]
    people = {}
    for m in (Membership.objects.filter(agency_id=agency_id, active=True)
              .select_related("official", "department", "position").order_by("official__full_name")):
        if m.official_id in people:
            continue
        extra = ", ".join(x for x in (m.position.name if m.position else "", m.department.name if m.department else "")
                          if x)
        people[m.official_id] = (f"o:{m.official_id}", f"{m.official.full_name}" + (f" ({extra})" if extra else ""))
    return depts + list(people.values())


# --- deadlines -------------------------------------------------------------------------------------

WORKING_DAYS_RE = re.compile(r"^\s*(\d{1,3})\s*(ngày\s*làm\s*việc|ngay\s*lam\s*viec|nlv|wd)?\s*$", re.IGNORECASE)


def calendar(agency: Agency):
    from congvu.workdays.services import calendar_for

    return calendar_for(agency=agency)


def end_of_day(agency: Agency, day: dt.date) -> dt.datetime:
    """A deadline typed as a date means the end of office hours that day."""
    return calendar(agency).closing(day)


def resolve_due(agency: Agency, *, due_at=None, due_in_working_days=None, field: str = "due_at",
                errors: dict, now: dt.datetime | None = None, required: bool = False) -> dt.datetime | None:
    """A deadline from a date or datetime, "dd/mm/yyyy", "N ngày làm việc", or `due_in_working_days`.

    Working days go through the agency's working-day calendar. A deadline before today is refused."""
    from congvu.workdays.services import deadline_after

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if due_in_working_days in ("", None) and isinstance(due_at, str) and (m := WORKING_DAYS_RE.match(due_at)) \
            and m.group(2):
        due_in_working_days, due_at = int(m.group(1)), None
    if due_at not in (None, "") and due_in_working_days not in (None, ""):
        errors[field] = "Chỉ nhập hạn xử lý theo ngày hoặc theo số ngày làm việc, không nhập cả hai."
        return None
    if due_in_working_days not in (None, ""):
        try:
            n = int(str(due_in_working_days).strip())
        except ValueError:
            errors[field] = "Số ngày làm việc phải là số nguyên."
            return None
        if n < 1 or n > 365:
            errors[field] = "Số ngày làm việc phải từ 1 đến 365."
            return None
        return deadline_after(agency=agency, start=now, working_days=n)
    if due_at in (None, ""):
        if required:
            errors[field] = "Vui lòng nhập hạn xử lý (dd/mm/yyyy hoặc “N ngày làm việc”)."
        return None
    if isinstance(due_at, dt.datetime):
        moment = due_at if timezone.is_aware(due_at) else timezone.make_aware(due_at)
        day = timezone.localtime(moment).date()
    else:
        try:
            day = parse_vn_date(due_at, field=field)
        except ValidationFailed as exc:
            errors[field] = (f"Hạn xử lý “{due_at}” không hợp lệ; nhập dd/mm/yyyy (ví dụ 05/03/2026) "
                             "hoặc “N ngày làm việc”.") if isinstance(due_at, str) \
                else exc.fields.get(field, exc.message)
            return None
        moment = end_of_day(agency, day)
    if day < today:
        errors[field] = "Hạn xử lý không được trước ngày hôm nay."
        return None
    return moment
