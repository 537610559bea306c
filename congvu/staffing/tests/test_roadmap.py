"""The surplus roadmap: retirements found from birth dates, cases added by hand, the projection reaching the quota,
hires without a freeze, quotas changing with the norms, transfer suggestions across the province, bad input."""

import datetime as dt

import pytest

from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.staffing import roadmap as rm
from congvu.staffing import transfers
from congvu.staffing.models import CaseKind, RoadmapCase, SurplusRoadmap, Transfer, TransferStatus
from congvu.staffing.tests.roadmap_world import commune, commune_agency, member, quota

D = dt.date

# Retirement dates by hand (Labour Code 2019 Art. 169, NĐ 135/2020; the age required is that of the year in
# which it is reached — men 60 in 2020, +3 months a year from 2021; women 55 in 2020, +4 months a year):
RETIRING = [
    # (name, sex, birth date, retirement date, plan year)
    ("Nam 1960", "male", D(1960, 5, 10), D(2020, 5, 10), 1),  # 60y in 2020
    ("Nữ 1966", "female", D(1966, 3, 20), D(2021, 7, 20), 2),  # 55y → 20/03/2021 ≠ 2020; 55y4m → 20/07/2021
    ("Nam 1962", "male", D(1962, 3, 15), D(2022, 9, 15), 3),  # 60y3m → 15/06/2022 ≠ 2021; 60y6m → 15/09/2022
    ("Nam 02/1963", "male", D(1963, 2, 1), D(2023, 11, 1), 4),  # 60y6m → 01/08/2023 ≠ 2022; 60y9m → 01/11/2023
    ("Nữ 1968", "female", D(1968, 1, 10), D(2024, 5, 10), 5),  # 56y → 10/01/2024 ≠ 2023; 56y4m → 10/05/2024
    ("Nam 06/1963", "male", D(1963, 6, 5), D(2024, 6, 5), 5),  # 60y9m → 05/03/2024 ≠ 2023; 61y → 05/06/2024
]
# Born 01/08/1964: 61y → 01/08/2025 ≠ 2024; 61y3m → 01/11/2025 — after the plan (2020–2024): no case.
LATE = ("Nam 1964", "male", D(1964, 8, 1))


@pytest.fixture
def seed(quang_nam):
    """Ninh Phước with 33 cadres and civil servants in post (quota 21 by decision) and Quế Lâm with room."""
    ninh_phuoc = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    que_lam = commune_agency(commune(quang_nam["district"], "20668", "Xã Quế Lâm"), "UBND xã Quế Lâm")
    quota(ninh_phuoc, 21)
    quota(que_lam, 10)
    member(que_lam, "Phạm Văn Dũng")
    member(que_lam, "Võ Thị Em")
    retiring = [member(ninh_phuoc, n, sex=s, birth=b) for n, s, b, _r, _y in RETIRING]
    late = member(ninh_phuoc, LATE[0], sex=LATE[1], birth=LATE[2])
    young = [member(ninh_phuoc, f"Cán bộ {i:02d}", birth=D(1980 + i % 15, 1 + i % 12, 1 + i)) for i in range(26)]
    # Not counted: a part-time worker, and someone who left before the plan.
    member(ninh_phuoc, "Không chuyên trách", category="part_time", coefficient="0", monthly=1_500_000)
    member(ninh_phuoc, "Đã nghỉ", end=D(2019, 6, 30))
    return {"agency": ninh_phuoc, "to": que_lam, "retiring": retiring, "late": late, "young": young}


def test_create_adds_retirements_within_the_horizon(seed, province_admin):
    plan = rm.roadmap_create(actor=province_admin, agency=seed["agency"], start_date=D(2020, 1, 1),
                             title="Lộ trình giải quyết dôi dư xã Ninh Phước 2020–2024")
    assert (plan.years, plan.hiring_freeze) == (5, True)
    cases = {c.member.full_name: (c.kind, c.planned_date) for c in plan.cases.all()}
    assert cases == {n: (CaseKind.RETIREMENT, r) for n, _s, _b, r, _y in RETIRING}
    assert LATE[0] not in cases


def test_projection_reaches_the_quota_in_year_five(seed, province_admin):
    plan = rm.roadmap_create(actor=province_admin, agency=seed["agency"], start_date=D(2020, 1, 1), title="Lộ trình")
    young = seed["young"]
    for person, day in zip(young[:5], [D(2020, 7, 1), D(2021, 3, 1), D(2022, 6, 1), D(2023, 9, 1), D(2024, 2, 1)],
                           strict=True):
        case = rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=person, kind=CaseKind.TRANSFER,
                                   planned_date=day, to_agency=seed["to"])
        assert case.transfer.status == TransferStatus.PROPOSED and case.transfer.roadmap == plan
    rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=young[5], kind=CaseKind.EARLY_RETIREMENT,
                        planned_date=D(2022, 10, 1), note="NĐ 178/2024")
    # By hand: 33 in post on 01/01/2020, quota 21 (decision), freeze:
    # 2020: 1 retirement + 1 transfer = 2 → 31 (surplus 10); 2021: 1 + 1 = 2 → 29 (8);
    # 2022: 1 retirement + 1 transfer + 1 early = 3 → 26 (5); 2023: 1 + 1 = 2 → 24 (3);
    # 2024: 2 retirements + 1 transfer = 3 → 21 (0).
    projection = rm.roadmap_projection(plan)
    rows = [(y.label, y.headcount_start, y.leaving_total, y.hires, y.headcount_end, y.quota, y.surplus)
            for y in projection]
    assert rows == [("2020", 33, 2, 0, 31, 21, 10), ("2021", 31, 2, 0, 29, 21, 8), ("2022", 29, 3, 0, 26, 21, 5),
                    ("2023", 26, 2, 0, 24, 21, 3), ("2024", 24, 3, 0, 21, 21, 0)]
    assert projection[2].leaving == {CaseKind.RETIREMENT: 1, CaseKind.EARLY_RETIREMENT: 1,
                                     CaseKind.STREAMLINING: 0, CaseKind.TRANSFER: 1}
    assert rm.reaches_quota(projection).label == "2024"
    assert (projection[-1].start, projection[-1].end) == (D(2024, 1, 1), D(2024, 12, 31))
    # Cancelling a transfer puts the person back: 2024 ends one over.
    transfers.transfer_cancel(actor=province_admin, transfer=Transfer.objects.get(member=young[4]))
    projection = rm.roadmap_projection(plan)
    assert [y.surplus for y in projection] == [10, 8, 5, 3, 1]
    assert rm.reaches_quota(projection) is None


def test_quota_follows_the_norms_and_hires_without_a_freeze(quang_nam, province_admin):
    # Ninh Phước class II, no quota decision: NĐ 34/2019 gives 21 until 31/07/2023, NĐ 33/2023 20 for a class II
    # xã from 01/08/2023 — the plan years ending 31/12/2023 and 31/12/2024 have quota 20.
    agency = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    people = [member(agency, f"Người {i:02d}") for i in range(19)]
    retiring = member(agency, "Nam 1960", birth=D(1960, 5, 10))  # retires 10/05/2020
    plan = rm.roadmap_create(actor=province_admin, agency=agency, start_date=D(2020, 1, 1), title="Không dừng tuyển",
                             hiring_freeze=False)
    assert list(plan.cases.values_list("member", flat=True)) == [retiring.pk]
    rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=people[0], kind=CaseKind.STREAMLINING,
                        planned_date=D(2023, 3, 1))
    # 2020: 20 − 1 = 19, recruit to 21: +2 → 21; 2021, 2022: 21 (quota 21); 2023: 21 − 1 = 20 = quota 20, +0;
    # 2024: 20.
    rows = [(y.headcount_start, y.leaving_total, y.hires, y.headcount_end, y.quota, y.surplus)
            for y in rm.roadmap_projection(plan)]
    assert rows == [(20, 1, 2, 21, 21, 0), (21, 0, 0, 21, 21, 0), (21, 0, 0, 21, 21, 0), (21, 1, 0, 20, 20, 0),
                    (20, 0, 0, 20, 20, 0)]


def test_suggestions_match_youngest_members_with_the_biggest_vacancies(quang_nam, province_admin):
    ninh_phuoc = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    que_lam = commune_agency(commune(quang_nam["district"], "20668", "Xã Quế Lâm"), "UBND xã Quế Lâm")
    que_trung = commune_agency(commune(quang_nam["district"], "20669", "Xã Quế Trung"), "UBND xã Quế Trung")
    full = commune_agency(commune(quang_nam["district"], "20670", "Xã Quế Lộc"), "UBND xã Quế Lộc")
    quota(ninh_phuoc, 3)
    quota(que_lam, 2)  # 0 in post: 2 vacancies
    quota(que_trung, 2)
    member(que_trung, "Đã có")  # 1 vacancy
    quota(full, 1)
    member(full, "Đủ")  # none
    oldest = member(ninh_phuoc, "Lớn tuổi", birth=D(1975, 1, 1))
    middle = member(ninh_phuoc, "Trung niên", birth=D(1985, 1, 1))
    youngest = member(ninh_phuoc, "Trẻ nhất", birth=D(1995, 1, 1))
    member(ninh_phuoc, "Trẻ", birth=D(1990, 1, 1))
    member(ninh_phuoc, "Trẻ hai", birth=D(1991, 1, 1))
    plan = rm.roadmap_create(actor=province_admin, agency=ninh_phuoc, start_date=D(2021, 1, 1), title="Gợi ý")
    # 5 in post, quota 3, no retirements before 2026: 2 to place.
    s = rm.transfer_suggestions(plan, on=D(2021, 2, 1))
    assert s.needed == 2
    assert [(a.name, n) for a, n in s.vacancies] == [("UBND xã Quế Lâm", 2), ("UBND xã Quế Trung", 1)]
    assert [(m.member.full_name, m.to_agency.name) for m in s.matches] == [
        ("Trẻ nhất", "UBND xã Quế Lâm"), ("Trẻ hai", "UBND xã Quế Lâm")]
    # A transfer case takes its person and its place out of the next suggestions.
    rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=youngest, kind=CaseKind.TRANSFER,
                        planned_date=D(2021, 2, 1), to_agency=que_lam)
    s = rm.transfer_suggestions(plan, on=D(2021, 2, 1))
    assert s.needed == 1
    assert [(a.name, n) for a, n in s.vacancies] == [("UBND xã Quế Lâm", 1), ("UBND xã Quế Trung", 1)]
    assert [(m.member.full_name, m.to_agency.name) for m in s.matches] == [("Trẻ hai", "UBND xã Quế Lâm")]
    assert oldest and middle


def test_bad_input_changes_nothing(seed, province_admin, other_province_admin):
    agency = seed["agency"]
    for years in (0, 11, -1):
        with pytest.raises(ValidationFailed) as exc:
            rm.roadmap_create(actor=province_admin, agency=agency, start_date=D(2020, 1, 1), title="X", years=years)
        assert "years" in exc.value.fields
    with pytest.raises(ValidationFailed):
        rm.roadmap_create(actor=province_admin, agency=agency, start_date=D(2020, 1, 1), title="  ")
    with pytest.raises(PermissionDenied):
        rm.roadmap_create(actor=other_province_admin, agency=agency, start_date=D(2020, 1, 1), title="X")
    assert not SurplusRoadmap.objects.exists()
    plan = rm.roadmap_create(actor=province_admin, agency=agency, start_date=D(2020, 1, 1), title="X")
    cases = plan.cases.count()
    person = seed["young"][0]
    for day in (D(2019, 12, 31), D(2025, 1, 1)):
        with pytest.raises(ValidationFailed) as exc:
            rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=person, kind=CaseKind.STREAMLINING,
                                planned_date=day)
        assert "01/01/2020 – 31/12/2024" in exc.value.fields["planned_date"]
    with pytest.raises(ValidationFailed):  # transfer without a receiving agency
        rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=person, kind=CaseKind.TRANSFER,
                            planned_date=D(2021, 1, 1))
    with pytest.raises(ValidationFailed):  # not a member of the agency
        rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=member(seed["to"], "Người xã khác"),
                            kind=CaseKind.STREAMLINING, planned_date=D(2021, 1, 1))
    with pytest.raises(Conflict):  # already retiring under the plan
        rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=seed["retiring"][0],
                            kind=CaseKind.STREAMLINING, planned_date=D(2020, 2, 1))
    with pytest.raises(PermissionDenied):
        rm.roadmap_case_add(actor=other_province_admin, roadmap=plan, member=person, kind=CaseKind.STREAMLINING,
                            planned_date=D(2021, 1, 1))
    assert plan.cases.count() == cases
    assert not Transfer.objects.exists()


def test_removing_a_transfer_case_cancels_the_transfer(seed, province_admin):
    plan = rm.roadmap_create(actor=province_admin, agency=seed["agency"], start_date=D(2020, 1, 1), title="X")
    case = rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=seed["young"][0], kind=CaseKind.TRANSFER,
                               planned_date=D(2020, 7, 1), to_agency=seed["to"])
    rm.roadmap_case_remove(actor=province_admin, case=case)
    assert not RoadmapCase.objects.filter(pk=case.pk).exists()
    assert Transfer.objects.get().status == TransferStatus.CANCELLED
    # A done transfer's case stays.
    case = rm.roadmap_case_add(actor=province_admin, roadmap=plan, member=seed["young"][1], kind=CaseKind.TRANSFER,
                               planned_date=D(2020, 7, 1), to_agency=seed["to"])
    transfers.transfer_approve(actor=province_admin, transfer=case.transfer)
    transfers.transfer_complete(actor=province_admin, transfer=case.transfer, on=D(2020, 8, 1))
    case.refresh_from_db()
    assert case.planned_date == D(2020, 8, 1)
    with pytest.raises(Conflict):
        rm.roadmap_case_remove(actor=province_admin, case=case)
    assert RoadmapCase.objects.filter(pk=case.pk).exists()
