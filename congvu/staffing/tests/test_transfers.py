"""Transfers: proposed → approved → done (the posting moves, history kept) or cancelled; a transfer to an agency
with no vacancy needs a reason; who may do it."""

import datetime as dt

import pytest

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.staffing import roadmap as rm
from congvu.staffing import transfers
from congvu.staffing.models import LeaveReason, StaffPosting, Transfer, TransferStatus
from congvu.staffing.tests.roadmap_world import commune, commune_agency, member, quota, superuser_with_official

D = dt.date


@pytest.fixture
def world(quang_nam):
    """Ninh Phước (quota 21, 3 people in post) and Quế Lâm (quota 3, 2 in post: one vacancy)."""
    ninh_phuoc = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    que_lam = commune_agency(commune(quang_nam["district"], "20668", "Xã Quế Lâm"), "UBND xã Quế Lâm")
    quota(ninh_phuoc, 21)
    quota(que_lam, 3)
    people = [member(ninh_phuoc, n) for n in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường")]
    for n in ("Phạm Văn Dũng", "Võ Thị Em"):
        member(que_lam, n)
    return {"from": ninh_phuoc, "to": que_lam, "people": people}


@pytest.fixture
def admin(db):
    return superuser_with_official()


def _chain_actions(agency) -> list[str]:
    return list(JournalEntry.objects.filter(chain__key=f"agency:{agency.pk}").order_by("seq")
                .values_list("action", flat=True))


def test_propose_to_agency_with_a_vacancy_is_journaled_on_both_chains(world, province_admin):
    t = transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=world["to"],
                                   planned_date=D(2021, 3, 1))
    assert (t.status, t.from_agency, t.to_agency, t.reason) == (TransferStatus.PROPOSED, world["from"], world["to"], "")
    assert _chain_actions(world["from"]) == ["staffing.transfer_propose"]
    assert _chain_actions(world["to"]) == ["staffing.transfer_propose"]
    # Quế Lâm: quota 3 − 2 in post = 1 vacancy, now taken by the open proposal.
    assert transfers.vacancy_of(world["to"], on=D(2021, 3, 1)) == 0


def test_no_vacancy_is_refused_without_reason_and_allowed_with_one(world, province_admin):
    first, second = world["people"][:2]
    transfers.transfer_propose(actor=province_admin, member=first, to_agency=world["to"], planned_date=D(2021, 3, 1))
    before = Transfer.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        transfers.transfer_propose(actor=province_admin, member=second, to_agency=world["to"],
                                   planned_date=D(2021, 6, 1))
    assert "UBND xã Quế Lâm không còn chỉ tiêu trống vào ngày 01/06/2021" in exc.value.message
    assert "reason" in exc.value.fields
    assert Transfer.objects.count() == before
    assert not Transfer.objects.filter(member=second).exists()
    t = transfers.transfer_propose(actor=province_admin, member=second, to_agency=world["to"],
                                   planned_date=D(2021, 6, 1), reason="Bố trí chuyên môn địa chính còn thiếu")
    assert t.reason == "Bố trí chuyên môn địa chính còn thiếu"
    assert Transfer.objects.count() == before + 1


def test_unknown_quota_needs_a_reason(world, province_admin, quang_nam):
    bare = commune_agency(commune(quang_nam["district"], "20669", "Xã Quế Trung", unit_class=""), "UBND xã Quế Trung")
    with pytest.raises(ValidationFailed) as exc:
        transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=bare,
                                   planned_date=D(2021, 3, 1))
    assert "chưa xác định được biên chế" in exc.value.message
    assert not Transfer.objects.exists()


def test_same_agency_and_member_not_in_post_are_refused(world, province_admin):
    with pytest.raises(ValidationFailed) as exc:
        transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=world["from"],
                                   planned_date=D(2021, 3, 1))
    assert "to_agency" in exc.value.fields
    gone = member(world["from"], "Hồ Văn Giang", end=D(2020, 12, 31))
    with pytest.raises(ValidationFailed) as exc:
        transfers.transfer_propose(actor=province_admin, member=gone, to_agency=world["to"],
                                   planned_date=D(2021, 3, 1))
    assert "không công tác tại cơ quan nào" in exc.value.message
    # A planned date not after the start of the current posting.
    with pytest.raises(ValidationFailed):
        transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=world["to"],
                                   planned_date=D(2015, 1, 1))
    assert not Transfer.objects.exists()


def test_second_open_transfer_of_the_same_person_is_a_conflict(world, province_admin):
    transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=world["to"],
                               planned_date=D(2021, 3, 1))
    with pytest.raises(Conflict):
        transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=world["to"],
                                   planned_date=D(2021, 4, 1), reason="lần hai")
    assert Transfer.objects.count() == 1


def test_done_transfer_moves_the_posting_and_keeps_history(world, province_admin):
    person = world["people"][0]
    t = transfers.transfer_propose(actor=province_admin, member=person, to_agency=world["to"],
                                   planned_date=D(2021, 3, 1))
    with pytest.raises(Conflict):  # not approved yet
        transfers.transfer_complete(actor=province_admin, transfer=t)
    assert StaffPosting.objects.filter(member=person).count() == 1
    transfers.transfer_approve(actor=province_admin, transfer=t, decision_number="125/QĐ-UBND")
    t = transfers.transfer_complete(actor=province_admin, transfer=t)
    assert t.status == TransferStatus.DONE and t.done_at is not None
    old, new = StaffPosting.objects.filter(member=person).order_by("valid_from")
    assert (old.agency, old.valid_from, old.valid_to, old.ended_reason) == (
        world["from"], D(2015, 1, 1), D(2021, 2, 28), LeaveReason.TRANSFER)
    assert (new.agency, new.valid_from, new.valid_to, new.position, str(new.salary_coefficient)) == (
        world["to"], D(2021, 3, 1), None, "Công chức", "2.34")
    assert "125/QĐ-UBND" in new.basis
    assert "staffing.transfer_complete" in _chain_actions(world["from"])
    assert "staffing.transfer_complete" in _chain_actions(world["to"])
    with pytest.raises(Conflict):  # done is final
        transfers.transfer_cancel(actor=province_admin, transfer=t)


def test_complete_on_a_given_date(world, province_admin):
    t = transfers.transfer_propose(actor=province_admin, member=world["people"][1], to_agency=world["to"],
                                   planned_date=D(2021, 3, 1))
    transfers.transfer_approve(actor=province_admin, transfer=t)
    t = transfers.transfer_complete(actor=province_admin, transfer=t, on=D(2021, 4, 1))
    assert t.planned_date == D(2021, 4, 1)
    assert StaffPosting.objects.get(member=world["people"][1], valid_to__isnull=True).valid_from == D(2021, 4, 1)


def test_cancel_frees_the_vacancy_and_is_final(world, province_admin):
    t = transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=world["to"],
                                   planned_date=D(2021, 3, 1))
    transfers.transfer_cancel(actor=province_admin, transfer=t, reason="Người lao động không đồng ý")
    t.refresh_from_db()
    assert t.status == TransferStatus.CANCELLED
    assert transfers.vacancy_of(world["to"], on=D(2021, 3, 1)) == 1
    with pytest.raises(Conflict):
        transfers.transfer_approve(actor=province_admin, transfer=t)
    assert StaffPosting.objects.filter(member=world["people"][0]).count() == 1


def test_who_may(world, province_admin, other_province_admin, admin, agency):
    from conftest import make_official
    from congvu.org.models import Role

    commune_admin = make_official(world["from"], Role.AGENCY_ADMIN, username="qtxa").user
    for user in (other_province_admin, commune_admin):
        with pytest.raises(PermissionDenied):
            transfers.transfer_propose(actor=user, member=world["people"][0], to_agency=world["to"],
                                       planned_date=D(2021, 3, 1))
    assert not Transfer.objects.exists()
    t = transfers.transfer_propose(actor=admin, member=world["people"][0], to_agency=world["to"],
                                   planned_date=D(2021, 3, 1))
    with pytest.raises(PermissionDenied):
        transfers.transfer_approve(actor=other_province_admin, transfer=t)
    t.refresh_from_db()
    assert t.status == TransferStatus.PROPOSED
    # Reading: the commune's own admin sees its transfers; another province's admin does not.
    assert transfers.can_view_plans(commune_admin, world["from"])
    assert list(transfers.transfers_visible(commune_admin)) == [t]
    assert list(transfers.transfers_visible(other_province_admin)) == []
    assert list(transfers.transfers_visible(province_admin)) == [t]


def test_planned_date_outside_the_roadmap_is_refused(world, province_admin):
    plan = rm.roadmap_create(actor=province_admin, agency=world["from"], start_date=D(2021, 1, 1), title="Lộ trình")
    for day in (D(2020, 12, 31), D(2026, 1, 1)):
        with pytest.raises(ValidationFailed) as exc:
            transfers.transfer_propose(actor=province_admin, member=world["people"][0], to_agency=world["to"],
                                       planned_date=day, roadmap=plan)
        assert "01/01/2021 – 31/12/2025" in exc.value.fields["planned_date"]
    assert not Transfer.objects.exists()


def test_a_part_time_worker_is_judged_against_part_time_places(world, province_admin):
    from congvu.staffing.models import QuotaDecision, StaffCategory

    worker = member(world["from"], "Không chuyên trách", category=StaffCategory.PART_TIME, coefficient="0",
                    monthly=1_500_000)
    # Quế Lâm: 1 part-time place by decision, already filled; its cadre vacancy (3 − 2) does not count.
    QuotaDecision.objects.create(agency=world["to"], category=StaffCategory.PART_TIME, quota=1,
                                 valid_from=D(2019, 1, 1), decision_number="QĐ KCT", decision_date=D(2019, 1, 1))
    member(world["to"], "Không chuyên trách Quế Lâm", category=StaffCategory.PART_TIME, coefficient="0")
    assert transfers.vacancy_of(world["to"], on=D(2021, 3, 1)) == 1
    assert transfers.vacancy_of(world["to"], on=D(2021, 3, 1), category=StaffCategory.PART_TIME) == 0
    with pytest.raises(ValidationFailed) as exc:
        transfers.transfer_propose(actor=province_admin, member=worker, to_agency=world["to"],
                                   planned_date=D(2021, 3, 1))
    assert "không còn chỉ tiêu trống" in exc.value.message
    assert not Transfer.objects.exists()
    t = transfers.transfer_propose(actor=province_admin, member=worker, to_agency=world["to"],
                                   planned_date=D(2021, 3, 1), reason="Thiếu công an viên")
    # The open part-time transfer takes no cadre place.
    assert transfers.vacancy_of(world["to"], on=D(2021, 3, 1)) == 1
    assert transfers.vacancy_of(world["to"], on=D(2021, 3, 1), category=StaffCategory.PART_TIME) == -1
    assert t.reason == "Thiếu công an viên"
