"""Reads of case files, file plans and transfers, already limited to what the user may see.

- A file plan is read by every official of its agency once issued; a draft by its editors, clerks and
  leaders (the roles that see the whole agency).
- A case file is seen by its agency's leaders, clerks and admins and by its responsible official while he
  holds a position there. Its documents still obey `visible_documents`: a secret document inside a case
  file is listed only to those who may see it.
- Transfers to the archive and the due list are the agency's business: leaders, clerks and admins.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from congvu.core.errors import NotFound
from congvu.documents.models import Document
from congvu.documents.selectors import visible_documents
from congvu.org.models import Membership, Role
from congvu.org.selectors import FULL_VIEW_ROLES, official_for_user, user_access, user_has_role
from congvu.records import rules
from congvu.records.models import (
    ArchiveTransfer,
    CaseFile,
    CaseFileDocument,
    FilePlan,
    FilePlanEntry,
    FilePlanHeading,
    RetentionItem,
    RetentionSchedule,
)

# --- who may do what -----------------------------------------------------------------------------

PLAN_EDITOR_ROLES = (Role.LEADER, Role.AGENCY_ADMIN)
CASE_FILE_OPENER_ROLES = (Role.OFFICER, Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN)
# Leaders and the agency admin look after every file of the agency; the clerk keeps the archive.
CASE_FILE_MANAGER_ROLES = (Role.LEADER, Role.AGENCY_ADMIN)
TRANSFER_ROLES = (Role.CLERK, Role.AGENCY_ADMIN)


def can_edit_plan(user, agency_id: int) -> bool:
    return user_has_role(user, agency_id, *PLAN_EDITOR_ROLES)


def can_open_case_file(user, agency_id: int) -> bool:
    return user_has_role(user, agency_id, *CASE_FILE_OPENER_ROLES)


def can_manage_case_files(user, agency_id: int) -> bool:
    return user_has_role(user, agency_id, *CASE_FILE_MANAGER_ROLES)


def can_view_agency_records(user, agency_id: int) -> bool:
    """Leaders, clerks and admins see every case file, the due list and the transfers of the agency."""
    return user_has_role(user, agency_id, *FULL_VIEW_ROLES)


def can_record_transfer(user, agency_id: int) -> bool:
    return user_has_role(user, agency_id, *TRANSFER_ROLES)


def is_responsible(user, case_file: CaseFile) -> bool:
    official = official_for_user(user)
    return (official is not None and case_file.responsible_id == official.pk
            and case_file.agency_id in user_access(user))


def can_edit_case_file(user, case_file: CaseFile) -> bool:
    """Its responsible official, and the agency's leaders and admins, add and remove documents, close it."""
    return is_responsible(user, case_file) or can_manage_case_files(user, case_file.agency_id)


# --- retention schedule --------------------------------------------------------------------------

def retention_schedules() -> QuerySet[RetentionSchedule]:
    """Every version, newest first (the schedule is public reference data)."""
    return RetentionSchedule.objects.prefetch_related("items").order_by("-valid_from", "-pk")


def retention_schedule_at(day: dt.date) -> RetentionSchedule | None:
    """The schedule version in force on `day` (versions do not overlap; see services)."""
    return (RetentionSchedule.objects.filter(valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("-valid_from").first())


def entry_schedule(plan: FilePlan) -> RetentionSchedule | None:
    """The schedule an entry's retention is chosen from: the plan's while it is a draft; for an entry added
    to an issued plan, the version in force that day."""
    if not plan.is_issued:
        return plan.schedule
    return retention_schedule_at(timezone.localdate()) or plan.schedule


def retention_items(schedule: RetentionSchedule | None) -> list[RetentionItem]:
    return list(schedule.items.order_by("position", "pk")) if schedule else []


# --- file plans ----------------------------------------------------------------------------------

def visible_file_plans(user, agency_id: int) -> QuerySet[FilePlan]:
    access = user_access(user).get(agency_id)
    if access is None:
        return FilePlan.objects.none()
    qs = FilePlan.objects.filter(agency_id=agency_id)
    if not access.roles & (FULL_VIEW_ROLES | set(PLAN_EDITOR_ROLES)):
        qs = qs.filter(status=FilePlan.Status.ISSUED)
    return qs


def file_plans(*, user, agency_id: int) -> list[FilePlan]:
    return list(visible_file_plans(user, agency_id).select_related("issued_by", "schedule").order_by("-year"))


def file_plan_get(*, user, pk: int | None = None, agency_id: int | None = None, year: int | None = None
                  ) -> FilePlan:
    """One plan, by id or by (agency, year), if `user` may read it; otherwise NotFound."""
    qs = FilePlan.objects.select_related("agency", "agency__parent", "schedule", "issued_by")
    if pk is not None:
        plan = qs.filter(pk=pk).first()
    else:
        plan = qs.filter(agency_id=agency_id, year=year).first()
    if plan is None or not visible_file_plans(user, plan.agency_id).filter(pk=plan.pk).exists():
        raise NotFound("Không tìm thấy danh mục hồ sơ.")
    return plan


@dataclass
class HeadingRows:
    heading: FilePlanHeading
    entries: list[FilePlanEntry]


def file_plan_rows(plan: FilePlan) -> list[HeadingRows]:
    """The plan as printed: headings in order, each with its entries in number order."""
    entries: dict[int, list[FilePlanEntry]] = {}
    for e in (plan.entries.select_related("responsible_department", "responsible_official", "retention_item",
                                          "case_file")
              .order_by("ordinal", "pk")):
        entries.setdefault(e.heading_id, []).append(e)
    return [HeadingRows(h, entries.get(h.pk, [])) for h in plan.headings.order_by("position", "pk")]


@dataclass
class PlanTotals:
    files: int
    permanent: int
    limited: int


def file_plan_totals(plan: FilePlan) -> PlanTotals:
    """The closing line of Annex V: how many files, how many kept permanently, how many for a period."""
    entries = plan.entries.all()
    permanent = entries.filter(retention_permanent=True).count()
    total = entries.count()
    return PlanTotals(total, permanent, total - permanent)


def file_plan_entry_get(*, user, plan: FilePlan, pk: int) -> FilePlanEntry:
    entry = plan.entries.select_related("heading", "plan").filter(pk=pk).first()
    if entry is None:
        raise NotFound("Không tìm thấy hồ sơ trong danh mục.")
    return entry


def openable_entries(*, user, agency_id: int) -> list[FilePlanEntry]:
    """Entries of the agency's issued plans that have no case file yet, that `user` may open: every such
    entry for leaders and admins, otherwise those without a named creator or naming `user`."""
    if not can_open_case_file(user, agency_id):
        return []
    qs = (FilePlanEntry.objects.filter(plan__agency_id=agency_id, plan__status=FilePlan.Status.ISSUED,
                                       case_file__isnull=True)
          .select_related("plan", "heading", "responsible_official", "responsible_department"))
    if not can_manage_case_files(user, agency_id):
        official = official_for_user(user)
        qs = qs.filter(Q(responsible_official__isnull=True) | Q(responsible_official=official))
    return list(qs.order_by("-plan__year", "heading__position", "ordinal"))


# --- case files ----------------------------------------------------------------------------------

def visible_case_files(user) -> QuerySet[CaseFile]:
    access = user_access(user)
    if not access:
        return CaseFile.objects.none()
    full = [a for a, acc in access.items() if acc.roles & FULL_VIEW_ROLES]
    official = official_for_user(user)
    cond = Q(responsible=official)
    if full:
        cond |= Q(agency_id__in=full)
    return CaseFile.objects.filter(agency_id__in=sorted(access)).filter(cond)


def case_files(*, user, agency_id: int, mine: bool = False, status: str | None = None,
               year: int | None = None) -> QuerySet[CaseFile]:
    qs = visible_case_files(user).filter(agency_id=agency_id)
    if mine:
        qs = qs.filter(responsible=official_for_user(user))
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    return qs.select_related("responsible", "department").order_by("-year", "code")


def case_file_get(*, user, pk: int) -> CaseFile:
    """One case file if `user` may see it; otherwise NotFound (we do not reveal that it exists)."""
    cf = (visible_case_files(user).select_related("agency", "agency__parent", "responsible", "department",
                                                   "plan_entry", "plan_entry__heading", "retention_schedule",
                                                   "transfer", "opened_by", "closed_by")
          .filter(pk=pk).first())
    if cf is None:
        raise NotFound("Không tìm thấy hồ sơ hoặc bạn không có quyền xem.")
    return cf


@dataclass
class CaseFileContents:
    items: list[CaseFileDocument]  # the documents `user` may see, in index order once closed
    hidden: int  # how many more the file holds that `user` may not see


def case_file_contents(*, user, case_file: CaseFile) -> CaseFileContents:
    """The documents of a case file that `user` may see; secret ones he is not named on stay out."""
    all_items = case_file.items.all()
    visible_ids = visible_documents(user).filter(case_file_items__case_file=case_file).values("pk")
    items = list(all_items.filter(document_id__in=visible_ids)
                 .select_related("document", "document__doc_type", "added_by")
                 .order_by("ordinal", "added_at", "pk"))
    return CaseFileContents(items, all_items.count() - len(items))


def document_date(doc: Document) -> dt.date:
    """The date a document is filed under: its date of issue, else the day it was registered."""
    return doc.issued_date or timezone.localtime(doc.registered_at).date()


def document_case_files(*, user, document: Document) -> list[CaseFile]:
    """The case files holding `document` that `user` may see (the panel on the document's page)."""
    return list(visible_case_files(user).filter(items__document=document).select_related("responsible")
                .order_by("-year", "code"))


def addable_case_files(*, user, document: Document) -> list[CaseFile]:
    """Open case files of the document's agency that `user` may add it to and that do not hold it yet."""
    qs = visible_case_files(user).filter(agency_id=document.agency_id, status=CaseFile.Status.OPEN).exclude(
        items__document=document)
    if not can_manage_case_files(user, document.agency_id):
        qs = qs.filter(responsible=official_for_user(user))
    return list(qs.order_by("-year", "code"))


# --- transfer to the archive ---------------------------------------------------------------------

@dataclass
class DueRow:
    case_file: CaseFile
    due: dt.date | None  # None: a capital-construction file waiting for its settlement
    overdue: bool
    due_soon: bool  # within the 30 days Annex VI asks the system to remind


def due_for_transfer(*, user, agency_id: int, today: dt.date | None = None) -> list[DueRow]:
    """Closed files of the agency still to be deposited (kept 5 years or more), overdue first, then by due
    date; capital-construction files waiting for settlement last. Only leaders, clerks and admins."""
    if not can_view_agency_records(user, agency_id):
        return []
    today = today or timezone.localdate()
    rows = []
    qs = (CaseFile.objects.filter(agency_id=agency_id, status=CaseFile.Status.CLOSED)
          .filter(Q(retention_permanent=True) | Q(retention_years__gte=rules.DEPOSIT_MIN_YEARS))
          .select_related("responsible", "department"))
    for cf in qs:
        due = rules.transfer_due(closed_on=timezone.localtime(cf.closed_at).date(),
                                 capital_construction=cf.capital_construction, settled_on=cf.settled_on,
                                 extended_to=cf.transfer_extended_to)
        overdue = due is not None and due < today
        soon = due is not None and not overdue and (due - today).days <= rules.REMIND_DAYS_BEFORE
        rows.append(DueRow(cf, due, overdue, soon))
    rows.sort(key=lambda r: (r.due is None, r.due or dt.date.max, r.case_file.code))
    return rows


def case_file_transfer_due(case_file: CaseFile) -> dt.date | None:
    if case_file.closed_at is None:
        return None
    return rules.transfer_due(closed_on=timezone.localtime(case_file.closed_at).date(),
                              capital_construction=case_file.capital_construction,
                              settled_on=case_file.settled_on, extended_to=case_file.transfer_extended_to)


def archive_transfers(*, user, agency_id: int) -> list[ArchiveTransfer]:
    if not can_view_agency_records(user, agency_id):
        return []
    return list(ArchiveTransfer.objects.filter(agency_id=agency_id)
                .select_related("handed_over_by", "received_by", "department")
                .order_by("-transferred_on", "-pk"))


def archive_transfer_get(*, user, pk: int) -> ArchiveTransfer:
    t = (ArchiveTransfer.objects.select_related("agency", "agency__parent", "handed_over_by", "received_by",
                                                "department", "created_by")
         .filter(pk=pk).first())
    if t is None or not can_view_agency_records(user, t.agency_id):
        raise NotFound("Không tìm thấy biên bản nộp lưu.")
    return t


def transfer_files(transfer: ArchiveTransfer) -> list[CaseFile]:
    """The files of a transfer, in the order of the deposit index (by file number)."""
    return list(transfer.case_files.select_related("responsible").order_by("year", "code"))


def position_name(official, agency_id: int) -> str:
    """The position an official holds in the agency (for the signature lines of a minute)."""
    m = (Membership.objects.filter(official=official, agency_id=agency_id, active=True, position__isnull=False)
         .select_related("position").order_by("pk").first())
    return m.position.name if m else ""
