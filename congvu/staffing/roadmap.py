"""The surplus roadmap (lộ trình giải quyết dôi dư): a plan to bring an agency's cadres and civil servants down to
its quota within N years (default 5, NQ 76/2025 Art. 11), with a hiring freeze by default.

A roadmap covers `years` plan years from `start_date`: year k runs from the k-th anniversary − 1 of the start to
the day before the next one (a roadmap from 01/01/2020 has years 2020 … 2024). Cases are people leaving the
agency, each with a planned date = the first day they are no longer in the agency's headcount:
- RETIREMENT — added automatically by `roadmap_create` for everyone in post on the start date whose retirement
  date (`roster.retirement_date`, Labour Code roadmap) falls before the end of the plan (someone already past the
  age on the start date leaves on the start date);
- EARLY_RETIREMENT and STREAMLINING — added by hand;
- TRANSFER — added by hand; creates a `Transfer` (proposed), which moves the person when done. A case whose
  transfer was cancelled no longer counts.

Projection (`roadmap_projection`), per plan year:
    start headcount = in post on the start date (year 1) or the previous year's end headcount;
    leaving         = cases planned in the year, by kind;
    hires           = 0 under a hiring freeze; otherwise recruiting up to the quota:
                      max(0, quota − (start − leaving));
    end headcount   = start − leaving + hires;
    quota           = services.quota_for(agency, on=last day of the year) — the norms may change in between;
    surplus         = end − quota (positive = dôi dư, ≤ 0 = the quota is reached).
Only the category the quota is about is counted: cadres and civil servants (StaffCategory.CADRE_CIVIL).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.dates import format_vn_date
from congvu.core.errors import Conflict, ValidationFailed
from congvu.core.text import clean_text
from congvu.org.models import Agency
from congvu.staffing import services
from congvu.staffing.models import (
    CaseKind,
    RoadmapCase,
    StaffCategory,
    StaffMember,
    StaffPosting,
    SurplusRoadmap,
    TransferStatus,
)
from congvu.staffing.transfers import (
    OPEN,
    actor_official,
    agency_provinces,
    incoming_open,
    require_planner,
    transfer_cancel,
    transfer_propose,
    visible_agencies,
)

MAX_YEARS = 10
CATEGORY = StaffCategory.CADRE_CIVIL


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29/02 → 28/02
        return day.replace(year=day.year + years, day=28)


def roadmap_end(roadmap: SurplusRoadmap) -> dt.date:
    """The first day after the plan."""
    return add_years(roadmap.start_date, roadmap.years)


def _vn(day: dt.date | None) -> str:
    return format_vn_date(day) if day else ""


def _in_post_ids(agency: Agency, on: dt.date) -> list[int]:
    """Member ids of the agency's cadres and civil servants in post on `on`."""
    from congvu.staffing import roster  # S1's module

    return list(roster.in_post([agency.pk], on).filter(category=CATEGORY).values_list("member_id", flat=True))


def _journal(*, actor, roadmap: SurplusRoadmap, action: str, after: dict, obj=None) -> None:
    journal_record(actor=actor, agency_id=roadmap.agency_id, action=action, obj=obj or roadmap, after=after)


# --- writes ----------------------------------------------------------------------------------------------

@transaction.atomic
def roadmap_create(*, actor, agency: Agency, start_date: dt.date, title: str, years: int = 5,
                   hiring_freeze: bool = True, basis: str = "") -> SurplusRoadmap:
    require_planner(actor, agency)
    official = actor_official(actor)
    title, basis = clean_text(title), clean_text(basis)
    fields: dict[str, str] = {}
    if not title:
        fields["title"] = "Nhập tên kế hoạch."
    elif len(title) > 200:
        fields["title"] = "Tên kế hoạch dài quá 200 ký tự."
    if len(basis) > 300:
        fields["basis"] = "Căn cứ dài quá 300 ký tự."
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        fields["years"] = f"Số năm phải từ 1 đến {MAX_YEARS}."
    if not isinstance(start_date, dt.date):
        fields["start_date"] = "Nhập ngày bắt đầu (dd/mm/yyyy)."
    elif not dt.date(1990, 1, 1) <= start_date <= dt.date(2100, 1, 1):
        fields["start_date"] = "Ngày bắt đầu không hợp lý."
    if fields:
        raise ValidationFailed("Lộ trình chưa hợp lệ.", fields=fields)
    roadmap = SurplusRoadmap.objects.create(agency=agency, title=title, start_date=start_date, years=years,
                                            hiring_freeze=bool(hiring_freeze), basis=basis, created_by=official)
    from congvu.staffing import roster  # S1's module

    end = roadmap_end(roadmap)
    cases = []
    for member in StaffMember.objects.filter(pk__in=_in_post_ids(agency, start_date)):
        retires = roster.retirement_date(sex=member.sex, birth_date=member.birth_date)
        if retires is not None and retires < end:
            cases.append(RoadmapCase(roadmap=roadmap, member=member, kind=CaseKind.RETIREMENT,
                                     planned_date=max(retires, start_date),
                                     note=f"Đủ tuổi nghỉ hưu ngày {_vn(retires)}"))
    RoadmapCase.objects.bulk_create(cases)
    _journal(actor=actor, roadmap=roadmap, action="staffing.roadmap_create",
             after={"title": title, "start_date": start_date, "years": years, "hiring_freeze": bool(hiring_freeze),
                    "retirements": len(cases)})
    return roadmap


@transaction.atomic
def roadmap_case_add(*, actor, roadmap: SurplusRoadmap, member: StaffMember, kind: str, planned_date: dt.date,
                     note: str = "", to_agency: Agency | None = None, reason: str = "",
                     decision_number: str = "") -> RoadmapCase:
    """Add one person leaving under the plan; a TRANSFER case proposes a transfer to `to_agency`."""
    roadmap = SurplusRoadmap.objects.select_for_update().select_related("agency").get(pk=roadmap.pk)
    require_planner(actor, roadmap.agency)
    note = clean_text(note, multiline=True)
    end = roadmap_end(roadmap)
    fields: dict[str, str] = {}
    if kind not in CaseKind.values:
        fields["kind"] = "Chọn hình thức: nghỉ hưu, nghỉ hưu trước tuổi, tinh giản, điều động."
    if not isinstance(planned_date, dt.date):
        fields["planned_date"] = "Nhập ngày dự kiến (dd/mm/yyyy)."
    elif not roadmap.start_date <= planned_date < end:
        fields["planned_date"] = (f"Ngày dự kiến phải trong thời gian lộ trình ({_vn(roadmap.start_date)} – "
                                  f"{_vn(end - dt.timedelta(days=1))}).")
    if len(note) > 300:
        fields["note"] = "Ghi chú dài quá 300 ký tự."
    if kind == CaseKind.TRANSFER and to_agency is None:
        fields["to_agency"] = "Chọn cơ quan nhận."
    if member.pk not in _in_post_ids(roadmap.agency, roadmap.start_date):
        fields["member"] = (f"{member.full_name} không phải cán bộ, công chức của {roadmap.agency.name} "
                            f"ngày {_vn(roadmap.start_date)}.")
    if fields:
        raise ValidationFailed("Trường hợp chưa hợp lệ.", fields=fields)
    existing = RoadmapCase.objects.filter(roadmap=roadmap, member=member).first()
    if existing is not None:
        raise Conflict(f"{member.full_name} đã có trong lộ trình ({existing.get_kind_display().lower()}, "
                       f"ngày {_vn(existing.planned_date)}); xóa trường hợp đó trước.", code="case_exists")
    transfer = None
    if kind == CaseKind.TRANSFER:
        transfer = transfer_propose(actor=actor, member=member, to_agency=to_agency, planned_date=planned_date,
                                    reason=reason, roadmap=roadmap, decision_number=decision_number)
    case = RoadmapCase.objects.create(roadmap=roadmap, member=member, kind=kind, planned_date=planned_date,
                                      transfer=transfer, note=note)
    _journal(actor=actor, roadmap=roadmap, action="staffing.roadmap_case_add", obj=case,
             after={"roadmap": roadmap.pk, "member": member.pk, "kind": kind, "planned_date": planned_date,
                    "transfer": transfer.pk if transfer else None})
    return case


@transaction.atomic
def roadmap_case_remove(*, actor, case: RoadmapCase) -> None:
    case = RoadmapCase.objects.select_for_update(of=("self",)).select_related("roadmap__agency", "transfer").get(
        pk=case.pk)
    require_planner(actor, case.roadmap.agency)
    if case.transfer is not None:
        if case.transfer.status == TransferStatus.DONE:
            raise Conflict("Điều động đã thực hiện; không xóa được trường hợp này.", code="case_done")
        if case.transfer.status in OPEN:
            transfer_cancel(actor=actor, transfer=case.transfer, reason="Xóa khỏi lộ trình")
    journal_record(actor=actor, agency_id=case.roadmap.agency_id, action="staffing.roadmap_case_remove", obj=case,
                   before={"roadmap": case.roadmap_id, "member": case.member_id, "kind": case.kind,
                           "planned_date": case.planned_date})
    case.delete()


# --- projection ------------------------------------------------------------------------------------------

@dataclass
class ProjectionYear:
    index: int  # 1 … years
    start: dt.date
    end: dt.date  # last day
    headcount_start: int
    leaving: dict[str, int]  # CaseKind → count
    leaving_total: int
    hires: int
    headcount_end: int
    quota: int | None
    quota_basis: str
    surplus: int | None

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.start.month == 1:
            return str(self.start.year)
        return f"{_vn(self.start)} – {_vn(self.end)}"

    @property
    def leaving_rows(self) -> list[tuple[str, int]]:
        return [(label, self.leaving.get(kind, 0)) for kind, label in CaseKind.choices]


def active_cases(roadmap: SurplusRoadmap) -> QuerySet[RoadmapCase]:
    """Cases that count: not those whose transfer was cancelled."""
    return roadmap.cases.exclude(transfer__status=TransferStatus.CANCELLED).select_related("member", "transfer")


def roadmap_projection(roadmap: SurplusRoadmap) -> list[ProjectionYear]:
    headcount = len(_in_post_ids(roadmap.agency, roadmap.start_date))
    cases = list(active_cases(roadmap).values_list("kind", "planned_date"))
    years: list[ProjectionYear] = []
    for k in range(1, roadmap.years + 1):
        start, nxt = add_years(roadmap.start_date, k - 1), add_years(roadmap.start_date, k)
        leaving = {kind: 0 for kind in CaseKind.values}
        for kind, day in cases:
            if start <= day < nxt:
                leaving[kind] += 1
        total = sum(leaving.values())
        q = services.quota_for(roadmap.agency, on=nxt - dt.timedelta(days=1), category=CATEGORY)
        hires = 0
        if not roadmap.hiring_freeze and q.quota is not None:
            hires = max(0, q.quota - (headcount - total))
        end_count = headcount - total + hires
        years.append(ProjectionYear(
            index=k, start=start, end=nxt - dt.timedelta(days=1), headcount_start=headcount, leaving=leaving,
            leaving_total=total, hires=hires, headcount_end=end_count, quota=q.quota, quota_basis=q.explanation,
            surplus=None if q.quota is None else end_count - q.quota))
        headcount = end_count
    return years


def reaches_quota(projection: list[ProjectionYear]) -> ProjectionYear | None:
    """The first plan year ending at or under the quota."""
    return next((y for y in projection if y.surplus is not None and y.surplus <= 0), None)


# --- suggestions: members × vacancies across the province ------------------------------------------------

@dataclass
class Suggestion:
    member: StaffMember
    to_agency: Agency
    vacancy: int  # free places at the agency before this match
    planned_date: dt.date


@dataclass
class Suggestions:
    on: dt.date
    needed: int  # surplus left at the end of the plan
    vacancies: list[tuple[Agency, int]] = field(default_factory=list)
    matches: list[Suggestion] = field(default_factory=list)


def suggestion_date(roadmap: SurplusRoadmap) -> dt.date:
    today = timezone.localdate()
    return today if roadmap.start_date <= today < roadmap_end(roadmap) else roadmap.start_date


def province_vacancies(roadmap: SurplusRoadmap, *, on: dt.date) -> list[tuple[Agency, int]]:
    from congvu.staffing import report  # S1's module

    found: dict[int, tuple[Agency, int]] = {}
    for code in sorted(agency_provinces(roadmap.agency)):
        for agency, free in report.vacancies(province_code=code, on=on, category=CATEGORY):
            if agency.pk == roadmap.agency_id or agency.pk in found:
                continue
            free -= incoming_open(agency, on=on)
            if free > 0:
                found[agency.pk] = (agency, free)
    return sorted(found.values(), key=lambda pair: (-pair[1], pair[0].name))


def transfer_suggestions(roadmap: SurplusRoadmap, *, on: dt.date | None = None) -> Suggestions:
    """Match members of the agency (those not yet in the plan, youngest first — the others retire) with
    vacancies of the agencies of the same province (biggest first), as many as the surplus left at the end."""
    on = on or suggestion_date(roadmap)
    projection = roadmap_projection(roadmap)
    needed = max(0, projection[-1].surplus or 0) if projection else 0
    result = Suggestions(on=on, needed=needed, vacancies=province_vacancies(roadmap, on=on))
    if not needed:
        return result
    planned = set(roadmap.cases.values_list("member_id", flat=True))
    busy = set(roadmap.transfers.filter(status__in=OPEN).values_list("member_id", flat=True))
    current = set(StaffPosting.objects.filter(agency=roadmap.agency, valid_to__isnull=True, category=CATEGORY,
                                              valid_from__lt=on).values_list("member_id", flat=True))
    ids = current & set(_in_post_ids(roadmap.agency, on)) - planned - busy
    candidates = list(StaffMember.objects.filter(pk__in=ids).order_by("-birth_date", "pk"))
    for agency, free in result.vacancies:
        for slot in range(free):
            if not candidates or len(result.matches) >= needed:
                return result
            result.matches.append(Suggestion(member=candidates.pop(0), to_agency=agency, vacancy=free - slot,
                                             planned_date=on))
    return result


# --- reads -----------------------------------------------------------------------------------------------

def roadmaps_visible(user, *, agency: Agency | None = None) -> QuerySet[SurplusRoadmap]:
    qs = SurplusRoadmap.objects.select_related("agency", "created_by")
    if not getattr(user, "is_superuser", False):
        qs = qs.filter(agency__in=visible_agencies(user).values("pk"))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def members_in_plan_scope(roadmap: SurplusRoadmap) -> QuerySet[StaffMember]:
    """Members who may get a case: cadres and civil servants in post on the start date, not yet in the plan."""
    ids = set(_in_post_ids(roadmap.agency, roadmap.start_date)) - set(
        roadmap.cases.values_list("member_id", flat=True))
    return StaffMember.objects.filter(pk__in=ids).order_by("name_folded", "birth_date")

