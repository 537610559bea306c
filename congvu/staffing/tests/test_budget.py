"""Budget: the base salary in force, an agency's yearly cost month by month across a base-salary change, the
saving of a hand-built merger, operating costs entered as data."""

import datetime as dt

import pytest

from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.staffing import budget
from congvu.staffing.models import OperatingCost, Reorganisation, ReorganisationPart
from congvu.staffing.tests.roadmap_world import commune, commune_agency, member, superuser_with_official

D = dt.date


def test_base_salary_is_dated_data(db):
    assert budget.base_salary_on(D(2018, 7, 1)) == 1_390_000
    assert budget.base_salary_on(D(2019, 6, 30)) == 1_390_000
    assert budget.base_salary_on(D(2019, 7, 1)) == 1_490_000
    assert budget.base_salary_on(D(2023, 6, 30)) == 1_490_000
    assert budget.base_salary_on(D(2023, 7, 1)) == 1_800_000
    assert budget.base_salary_on(D(2024, 7, 1)) == 2_340_000
    assert budget.base_salary_on(D(2030, 1, 1)) == 2_340_000
    with pytest.raises(NotFound):
        budget.base_salary_on(D(2018, 6, 30))


def test_agency_cost_across_the_july_2023_change(quang_nam, province_admin):
    agency = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    member(agency, "Công chức 2,34", coefficient="2.34", start=D(2020, 1, 1))
    member(agency, "Phó Chủ tịch", coefficient="3.00", position_allowance="0.20", start=D(2020, 1, 1))
    member(agency, "Không chuyên trách", category="part_time", coefficient="0", monthly=1_500_000,
           start=D(2023, 4, 1))
    member(agency, "Vào giữa tháng", coefficient="2.10", start=D(2023, 9, 15))  # counts from 01/10
    member(agency, "Nghỉ 31/03", coefficient="4.00", start=D(2020, 1, 1), end=D(2023, 3, 31))
    budget.operating_cost_set(actor=province_admin, agency=agency, year=2023, amount_vnd=800_000_000,
                              note="Dự toán 2023")
    cost = budget.agency_cost(agency=agency, year=2023)
    # Base salary: 1,490,000 January–June, 1,800,000 July–December.
    # Salaries: (2.34 + 3.00) × 1,490,000 × 6 = 47,739,600; (2.34 + 3.00) × 1,800,000 × 6 = 57,672,000;
    #           2.10 × 1,800,000 × 3 (Oct–Dec) = 11,340,000; 4.00 × 1,490,000 × 3 (Jan–Mar) = 17,880,000
    #           → 134,631,600.
    # Allowances: 0.20 × 1,490,000 × 6 = 1,788,000; 0.20 × 1,800,000 × 6 = 2,160,000;
    #             1,500,000 × 9 (Apr–Dec) = 13,500,000 → 17,448,000.
    # Total: 134,631,600 + 17,448,000 + 800,000,000 = 952,079,600.
    assert (cost.salaries, cost.allowances, cost.operating, cost.total) == (
        134_631_600, 17_448_000, 800_000_000, 952_079_600)
    assert cost.operating_entered
    assert [m.base_salary for m in cost.months] == [1_490_000] * 6 + [1_800_000] * 6
    assert [m.people for m in cost.months] == [3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4]
    assert cost.months[6].salaries == 9_612_000  # 5.34 × 1,800,000
    assert sum(m.salaries for m in cost.months) == cost.salaries
    # A year with nothing entered: operating 0, flagged.
    empty = budget.agency_cost(agency=agency, year=2019)
    assert (empty.salaries, empty.allowances, empty.operating, empty.operating_entered) == (0, 0, 0, False)


def _merger(quang_nam):
    """Quế Phước (chairman 3.00 + 0.25, civil servant 2.34) + Quế Ninh (chairman 3.00 + 0.25, civil servants 2.34
    and 2.10) → Ninh Phước from 01/01/2020: Quế Phước's chairman chairs it, Quế Ninh's becomes vice-chairman
    (3.00 + 0.20), the two 2.34 civil servants move, the 2.10 one retires on 31/12/2019."""
    district = quang_nam["district"]
    que_phuoc = commune_agency(commune(district, "20664", "Xã Quế Phước", valid_from=D(2000, 1, 1),
                                       valid_to=D(2019, 12, 31)), "UBND xã Quế Phước")
    que_ninh = commune_agency(commune(district, "20665", "Xã Quế Ninh", valid_from=D(2000, 1, 1),
                                      valid_to=D(2019, 12, 31)), "UBND xã Quế Ninh")
    ninh_phuoc = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    old, new = D(2019, 12, 31), D(2020, 1, 1)
    for agency, chairman_after in ((que_phuoc, "0.25"), (que_ninh, "0.20")):
        chairman = member(agency, f"Chủ tịch {agency.name}", coefficient="3.00", position_allowance="0.25",
                          start=D(2016, 7, 1), end=old)
        chairman.postings.create(agency=ninh_phuoc, category="cadre_civil", position="Lãnh đạo",
                                 salary_coefficient="3.00", position_allowance=chairman_after, valid_from=new)
        clerk = member(agency, f"Công chức {agency.name}", coefficient="2.34", start=D(2015, 1, 1), end=old)
        clerk.postings.create(agency=ninh_phuoc, category="cadre_civil", position="Công chức",
                              salary_coefficient="2.34", valid_from=new)
    member(que_ninh, "Nghỉ hưu 31/12/2019", coefficient="2.10", start=D(2000, 1, 1), end=old)
    admin = superuser_with_official()
    reorg = Reorganisation.objects.create(successor_unit=quang_nam["commune"], successor_agency=ninh_phuoc,
                                          effective_date=new, resolution="NQ 814/NQ-UBTVQH14",
                                          created_by=admin.official)
    for agency in (que_phuoc, que_ninh):
        ReorganisationPart.objects.create(reorganisation=reorg, predecessor_unit=agency.administrative_units.get().unit,
                                          predecessor_agency=agency)
    for agency, year, amount in ((que_phuoc, 2019, 500_000_000), (que_ninh, 2019, 450_000_000),
                                 (ninh_phuoc, 2020, 600_000_000)):
        budget.operating_cost_set(actor=admin, agency=agency, year=year, amount_vnd=amount)
    return reorg


def test_merger_saving_on_a_hand_built_merger(quang_nam):
    reorg = _merger(quang_nam)
    s = budget.merger_saving(reorganisation=reorg, year=2020)
    # 2020, 12 months at 1,490,000 (= 17,880,000 a person-coefficient-year).
    # Before: salary coefficients 3.00 + 2.34 + 3.00 + 2.34 + 2.10 = 12.78 → 228,506,400;
    #         allowances 0.25 + 0.25 = 0.50 → 8,940,000.
    # After (Ninh Phước in 2020): 3.00 + 3.00 + 2.34 + 2.34 = 10.68 → 190,958,400; 0.25 + 0.20 = 0.45 → 8,046,000.
    # Pay saving 237,446,400 − 199,004,400 = 38,442,000 (= 2.15 × 17,880,000: the retiree and 0.05 allowance).
    # Operating: 500,000,000 + 450,000,000 (2019) − 600,000,000 (2020) = 350,000,000.
    assert (s.months, s.baseline_year, s.before_people, s.after_people) == (12, 2019, 5, 4)
    assert (s.before_salaries, s.before_allowances, s.after_salaries, s.after_allowances) == (
        228_506_400, 8_940_000, 190_958_400, 8_046_000)
    assert (s.pay_saving, s.before_operating, s.after_operating, s.operating_saving, s.saving) == (
        38_442_000, 950_000_000, 600_000_000, 350_000_000, 388_442_000)
    assert s.missing_operating == []
    # 2023, priced at 2023's base salaries (6 × 1,490,000 + 6 × 1,800,000 = 19,740,000):
    # pay saving 2.15 × 19,740,000 = 42,441,000; Ninh Phước's 2023 operating cost not entered.
    s = budget.merger_saving(reorganisation=reorg, year=2023)
    assert s.pay_saving == 42_441_000
    assert (s.before_operating, s.after_operating) == (950_000_000, 0)
    assert s.missing_operating == ["UBND xã Ninh Phước (2023)"]
    with pytest.raises(ValidationFailed):
        budget.merger_saving(reorganisation=reorg, year=2019)


def test_merger_in_mid_year_counts_the_months_from_the_date(quang_nam):
    reorg = _merger(quang_nam)
    Reorganisation.objects.filter(pk=reorg.pk).update(effective_date=D(2020, 7, 1))
    reorg.refresh_from_db()
    s = budget.merger_saving(reorganisation=reorg, year=2020)
    # July–December only. On 30/06/2020 the four were already at Ninh Phước (the successor existed), so "before"
    # and "after" pay are equal; operating: the successor's 600,000,000 (2020) × 6/12 on both sides, the
    # predecessors' 2020 costs not entered.
    assert (s.months, s.baseline_year, s.before_people, s.pay_saving) == (6, 2020, 4, 0)
    assert (s.before_operating, s.after_operating, s.saving) == (300_000_000, 300_000_000, 0)
    assert s.missing_operating == ["UBND xã Quế Ninh (2020)", "UBND xã Quế Phước (2020)"]


def test_operating_cost_bad_input_and_permissions(quang_nam, province_admin, other_province_admin):
    agency = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    for kwargs in ({"year": 2023, "amount_vnd": -1}, {"year": 0, "amount_vnd": 1}, {"year": 2023, "amount_vnd": 1.5},
                   {"year": 2023, "amount_vnd": 10**16}, {"year": 2023, "amount_vnd": 1, "note": "x" * 301}):
        with pytest.raises(ValidationFailed):
            budget.operating_cost_set(actor=province_admin, agency=agency, **kwargs)
    with pytest.raises(PermissionDenied):
        budget.operating_cost_set(actor=other_province_admin, agency=agency, year=2023, amount_vnd=1)
    assert not OperatingCost.objects.exists()
    assert not JournalEntry.objects.filter(action="staffing.operating_cost_set").exists()
    budget.operating_cost_set(actor=province_admin, agency=agency, year=2023, amount_vnd=1_000)
    budget.operating_cost_set(actor=province_admin, agency=agency, year=2023, amount_vnd=2_000, note="Điều chỉnh")
    assert list(OperatingCost.objects.values_list("year", "amount_vnd", "note")) == [(2023, 2_000, "Điều chỉnh")]
    assert JournalEntry.objects.filter(action="staffing.operating_cost_set").count() == 2
    for year in (0, 1989, 2101):
        with pytest.raises(ValidationFailed):
            budget.agency_cost(agency=agency, year=year)
