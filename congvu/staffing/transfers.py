"""Transfers (điều động) of staff members between agencies, and who may plan them.

A transfer is a record with a status: proposed → approved → done, or cancelled (from proposed or approved).
Done = the person's posting moves: `roster.posting_change(reason=TRANSFER, agency=to_agency, on=date)` closes
the posting at the old agency the day before and opens one at the new agency from the date (history kept).
`planned_date` is the first day at the new agency.

Vacancy: a transfer to an agency with no vacancy on the planned date is refused unless a reason is given.
Vacancy = quota − in post (S1's `report.surplus_of`, for the person's category: cadres and civil servants or
part-time workers) − transfers of that category already proposed or approved into that agency on or before that
date (they take the places first). An agency whose quota is not
known (not classified, no quota decision) has no known vacancy: a reason is needed too.

Who may: system admins; the agency admin of a UBND tỉnh (PROVINCE_PC) for agencies of its province — both the
sending and the receiving agency. Reading: also leaders and agency admins of the agency. Every write is atomic
and journaled on both agencies' chains.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.dates import format_vn_date
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.core.text import clean_text
from congvu.org.models import Agency, Membership, Role
from congvu.org.selectors import official_for_user
from congvu.staffing.models import (
    PROVINCE_LEVEL,
    LeaveReason,
    RoadmapCase,
    StaffCategory,
    StaffMember,
    StaffPosting,
    SurplusRoadmap,
    Transfer,
    TransferStatus,
    UnitAgency,
)
from congvu.staffing.services import _admin_provinces, province_of

OPEN = (TransferStatus.PROPOSED, TransferStatus.APPROVED)
REASON_MAX = 2000


# --- who may do what -----------------------------------------------------------------------------------

def agency_provinces(agency: Agency) -> set[str]:
    """Province codes an agency belongs to: its `province_code` and the province of every unit it governs."""
    codes = {agency.province_code} if agency.province_code else set()
    for link in UnitAgency.objects.filter(agency=agency).select_related("unit"):
        top = province_of(link.unit)
        if top.unit_type in PROVINCE_LEVEL:
            codes.add(top.code)
    return codes


def can_plan_for(user, agency: Agency) -> bool:
    """Propose/approve transfers, make roadmaps, enter operating costs for `agency`."""
    if getattr(user, "is_superuser", False):
        return True
    provinces = _admin_provinces(user)
    return bool(provinces and provinces & agency_provinces(agency))


def can_view_plans(user, agency: Agency) -> bool:
    """See transfers, roadmaps and budget figures of `agency`: planners, and its leaders and agency admins."""
    if can_plan_for(user, agency):
        return True
    official = official_for_user(user)
    return official is not None and Membership.objects.filter(
        official=official, agency=agency, active=True, role__in=[Role.LEADER, Role.AGENCY_ADMIN]).exists()


def _province_q(provinces: set[str]) -> Q:
    q = Q(pk__in=[])
    if provinces:
        q |= Q(province_code__in=provinces)
        q |= Q(administrative_units__unit__code__in=provinces,
               administrative_units__unit__unit_type__in=PROVINCE_LEVEL)
        q |= Q(administrative_units__unit__parent__code__in=provinces,
               administrative_units__unit__parent__unit_type__in=PROVINCE_LEVEL)
        q |= Q(administrative_units__unit__parent__parent__code__in=provinces,
               administrative_units__unit__parent__parent__unit_type__in=PROVINCE_LEVEL)
    return q


def plannable_agencies(user) -> QuerySet[Agency]:
    """Agencies `user` may plan for (the same rule as `can_plan_for`, as one query)."""
    if getattr(user, "is_superuser", False):
        return Agency.objects.all()
    return Agency.objects.filter(_province_q(_admin_provinces(user))).distinct()


def visible_agencies(user) -> QuerySet[Agency]:
    """Agencies whose plans `user` may see (for lists and pickers)."""
    if getattr(user, "is_superuser", False):
        return Agency.objects.all()
    q = _province_q(_admin_provinces(user))
    official = official_for_user(user)
    if official is not None:
        q |= Q(pk__in=Membership.objects.filter(official=official, active=True,
                                                role__in=[Role.LEADER, Role.AGENCY_ADMIN]).values("agency_id"))
    return Agency.objects.filter(q).distinct()


def require_planner(actor, agency: Agency) -> None:
    if actor is not None and not can_plan_for(actor, agency):
        raise PermissionDenied(f"Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh quản lý {agency.name} được thực hiện.")


def actor_official(actor):
    official = official_for_user(actor)
    if official is None:
        raise PermissionDenied("Tài khoản chưa gắn với cán bộ nào; không ghi được người lập.")
    return official


def _vn(day: dt.date | None) -> str:
    return format_vn_date(day) if day else ""


# --- vacancy ---------------------------------------------------------------------------------------------

def incoming_open(agency: Agency, *, on: dt.date, exclude_pk: int | None = None,
                  category: str = StaffCategory.CADRE_CIVIL) -> int:
    """Transfers proposed or approved into `agency` taking effect on or before `on`, of people of `category`
    (their current posting's)."""
    qs = Transfer.objects.filter(to_agency=agency, status__in=OPEN, planned_date__lte=on,
                                 member__postings__valid_to__isnull=True, member__postings__category=category)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.count()


def vacancy_of(agency: Agency, *, on: dt.date, exclude_pk: int | None = None,
               category: str = StaffCategory.CADRE_CIVIL) -> int | None:
    """Free places of `category` on `on` (None: quota unknown). Negative = surplus."""
    from congvu.staffing import report  # S1's module

    surplus = report.surplus_of(agency, on=on, category=category)
    if surplus is None:
        return None
    return -surplus - incoming_open(agency, on=on, exclude_pk=exclude_pk, category=category)


# --- writes ----------------------------------------------------------------------------------------------

def _current_posting(member: StaffMember) -> StaffPosting | None:
    return StaffPosting.objects.filter(member=member, valid_to__isnull=True).select_related("agency").first()


def _journal_both(*, actor, transfer: Transfer, action: str, before: dict | None, after: dict) -> None:
    for agency_id in dict.fromkeys([transfer.from_agency_id, transfer.to_agency_id]):
        journal_record(actor=actor, agency_id=agency_id, action=action, obj=transfer, before=before, after=after)


def _state(t: Transfer) -> dict:
    return {"member": t.member_id, "from_agency": t.from_agency_id, "to_agency": t.to_agency_id,
            "planned_date": t.planned_date, "status": t.status, "reason": t.reason,
            "decision_number": t.decision_number, "roadmap": t.roadmap_id}


@transaction.atomic
def transfer_propose(*, actor, member: StaffMember, to_agency: Agency, planned_date: dt.date, reason: str = "",
                     roadmap: SurplusRoadmap | None = None, decision_number: str = "") -> Transfer:
    """Propose moving `member` from the agency they are in post at to `to_agency` from `planned_date`."""
    member = StaffMember.objects.select_for_update().get(pk=member.pk)
    posting = _current_posting(member)
    reason = clean_text(reason, multiline=True)
    decision_number = clean_text(decision_number)
    fields: dict[str, str] = {}
    if not isinstance(planned_date, dt.date):
        raise ValidationFailed("Nhập ngày điều động dự kiến.", fields={"planned_date": "Bắt buộc (dd/mm/yyyy)."})
    if posting is None:
        raise ValidationFailed(f"{member.full_name} hiện không công tác tại cơ quan nào; không điều động được.",
                               fields={"member": "Người này không còn trong danh sách đang công tác."})
    from_agency = posting.agency
    require_planner(actor, from_agency)
    require_planner(actor, to_agency)
    official = actor_official(actor)
    if to_agency.pk == from_agency.pk:
        fields["to_agency"] = f"{member.full_name} đang công tác tại {from_agency.name}; chọn cơ quan khác."
    if planned_date <= posting.valid_from:
        fields["planned_date"] = (f"Ngày điều động phải sau ngày bắt đầu vị trí hiện tại "
                                  f"({_vn(posting.valid_from)}).")
    if len(reason) > REASON_MAX:
        fields["reason"] = f"Lý do dài quá {REASON_MAX} ký tự."
    if len(decision_number) > 60:
        fields["decision_number"] = "Số quyết định dài quá 60 ký tự."
    if roadmap is not None:
        if roadmap.agency_id != from_agency.pk:
            fields["roadmap"] = "Người này không thuộc cơ quan của lộ trình."
        from congvu.staffing.roadmap import roadmap_end

        end = roadmap_end(roadmap)
        if not roadmap.start_date <= planned_date < end:
            fields["planned_date"] = (f"Ngày điều động phải trong thời gian lộ trình "
                                      f"({_vn(roadmap.start_date)} – {_vn(end - dt.timedelta(days=1))}).")
    if fields:
        raise ValidationFailed("Đề xuất điều động chưa hợp lệ.", fields=fields)
    other = Transfer.objects.filter(member=member, status__in=OPEN).first()
    if other is not None:
        raise Conflict(f"{member.full_name} đã có đề xuất điều động đến {other.to_agency.name} "
                       f"({other.get_status_display().lower()}); hủy đề xuất đó trước.", code="transfer_open")
    vacancy = vacancy_of(to_agency, on=planned_date, category=posting.category)
    if (vacancy is None or vacancy <= 0) and not reason:
        why = ("chưa xác định được biên chế" if vacancy is None
               else f"không còn chỉ tiêu trống (thiếu {-vacancy} chỉ tiêu)" if vacancy < 0
               else "không còn chỉ tiêu trống")
        raise ValidationFailed(
            f"{to_agency.name} {why} vào ngày {_vn(planned_date)}; chỉ điều động khi ghi rõ lý do.",
            fields={"reason": "Nhập lý do điều động đến cơ quan không còn chỉ tiêu."}, )
    transfer = Transfer.objects.create(member=member, from_agency=from_agency, to_agency=to_agency,
                                       planned_date=planned_date, reason=reason, decision_number=decision_number,
                                       roadmap=roadmap, created_by=official)
    _journal_both(actor=actor, transfer=transfer, action="staffing.transfer_propose", before=None,
                  after=_state(transfer) | {"vacancy": vacancy})
    return transfer


def _lock(transfer: Transfer) -> Transfer:
    return Transfer.objects.select_for_update().select_related("member", "from_agency", "to_agency").get(
        pk=transfer.pk)


@transaction.atomic
def transfer_approve(*, actor, transfer: Transfer, decision_number: str = "") -> Transfer:
    transfer = _lock(transfer)
    require_planner(actor, transfer.from_agency)
    require_planner(actor, transfer.to_agency)
    if transfer.status != TransferStatus.PROPOSED:
        raise Conflict(f"Chỉ phê duyệt được đề xuất đang chờ; điều động này {transfer.get_status_display().lower()}.",
                       code="transfer_status")
    decision_number = clean_text(decision_number)
    if len(decision_number) > 60:
        raise ValidationFailed("Số quyết định dài quá 60 ký tự.", fields={"decision_number": "Tối đa 60 ký tự."})
    before = _state(transfer)
    transfer.status = TransferStatus.APPROVED
    if decision_number:
        transfer.decision_number = decision_number
    transfer.save(update_fields=["status", "decision_number"])
    _journal_both(actor=actor, transfer=transfer, action="staffing.transfer_approve", before=before,
                  after=_state(transfer))
    return transfer


@transaction.atomic
def transfer_complete(*, actor, transfer: Transfer, on: dt.date | None = None) -> Transfer:
    """Carry out an approved transfer: the posting moves to the receiving agency from `on` (default: the
    planned date)."""
    from congvu.staffing import roster  # S1's module

    transfer = _lock(transfer)
    require_planner(actor, transfer.from_agency)
    require_planner(actor, transfer.to_agency)
    if transfer.status != TransferStatus.APPROVED:
        raise Conflict(f"Chỉ thực hiện được điều động đã phê duyệt; điều động này "
                       f"{transfer.get_status_display().lower()}.", code="transfer_status")
    day = on or transfer.planned_date
    posting = _current_posting(transfer.member)
    if posting is None or posting.agency_id != transfer.from_agency_id:
        raise Conflict(f"{transfer.member.full_name} không còn công tác tại {transfer.from_agency.name}; "
                       "hủy điều động này.", code="transfer_stale")
    if day <= posting.valid_from:
        raise ValidationFailed(f"Ngày thực hiện phải sau ngày bắt đầu vị trí hiện tại ({_vn(posting.valid_from)}).",
                               fields={"on": "Chọn ngày khác."})
    basis = f"Điều động theo quyết định {transfer.decision_number}" if transfer.decision_number else "Điều động"
    roster.posting_change(actor=actor, member=transfer.member, on=day, reason=LeaveReason.TRANSFER,
                          basis=basis[:300], agency=transfer.to_agency)
    before = _state(transfer)
    transfer.status = TransferStatus.DONE
    transfer.done_at = timezone.now()
    transfer.planned_date = day
    transfer.save(update_fields=["status", "done_at", "planned_date"])
    RoadmapCase.objects.filter(transfer=transfer).exclude(planned_date=day).update(planned_date=day)
    _journal_both(actor=actor, transfer=transfer, action="staffing.transfer_complete", before=before,
                  after=_state(transfer))
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, reason: str = "") -> Transfer:
    transfer = _lock(transfer)
    require_planner(actor, transfer.from_agency)
    if transfer.status not in OPEN:
        raise Conflict(f"Không hủy được điều động {transfer.get_status_display().lower()}.", code="transfer_status")
    reason = clean_text(reason, multiline=True)[:REASON_MAX]
    before = _state(transfer)
    transfer.status = TransferStatus.CANCELLED
    transfer.save(update_fields=["status"])
    _journal_both(actor=actor, transfer=transfer, action="staffing.transfer_cancel", before=before,
                  after=_state(transfer) | {"cancel_reason": reason})
    return transfer


# --- reads -----------------------------------------------------------------------------------------------

def transfers_visible(user, *, agency: Agency | None = None, status: str = "") -> QuerySet[Transfer]:
    qs = Transfer.objects.select_related("member", "from_agency", "to_agency", "roadmap")
    if not getattr(user, "is_superuser", False):
        ids = visible_agencies(user).values("pk")
        qs = qs.filter(Q(from_agency__in=ids) | Q(to_agency__in=ids))
    if agency is not None:
        qs = qs.filter(Q(from_agency=agency) | Q(to_agency=agency))
    if status in TransferStatus.values:
        qs = qs.filter(status=status)
    return qs
