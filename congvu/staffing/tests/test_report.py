"""The staffing report: the seed's numbers (33 in post against a norm of 21 → surplus 12), quotas changing at a
date, bulk quotas equal to quota_for, a province's agencies, vacancies, totals, a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_agency
from congvu.org.models import AgencyKind
from congvu.staffing import report, roster, services
from congvu.staffing.models import (
    AdministrativeUnit,
    LeaveReason,
    StaffCategory,
    StaffMember,
    UnitSuccession,
    UnitType,
)
from congvu.staffing.tests.roster_world import add_people, build_units, commune_agency

pytestmark = pytest.mark.django_db
D = dt.date
CADRE, PART = StaffCategory.CADRE_CIVIL, StaffCategory.PART_TIME


@pytest.fixture
def seed():
    units = build_units()
    ninh_phuoc = commune_agency(units["20667"], "UBND xã Ninh Phước")
    add_people(ninh_phuoc, 33)
    add_people(ninh_phuoc, 9, prefix="Không chuyên trách", category="part_time")
    return {"units": units, "agency": ninh_phuoc}


def test_seed_class_ii_commune_33_in_post_against_21_is_a_surplus_of_12(seed):
    rep = report.staffing_report(agencies=[seed["agency"]], on=D(2020, 6, 1))
    cadre = rep.line(seed["agency"], CADRE)
    assert (cadre.quota, cadre.in_post, cadre.surplus, cadre.excess, cadre.vacancy) == (21, 33, 12, 12, 0)
    assert cadre.quota_basis == "Theo NĐ 34/2019/NĐ-CP (loại II)."
    assert cadre.unit == seed["units"]["20667"]
    part = rep.line(seed["agency"], PART)
    assert (part.quota, part.in_post, part.surplus, part.vacancy) == (12, 9, -3, 3)  # NĐ 34: part-time class II = 12
    totals = rep.totals[CADRE]
    assert (totals.quota, totals.in_post, totals.surplus, totals.excess, totals.vacancy, totals.without_quota) == (
        21, 33, 12, 12, 0, 0)
    assert report.surplus_of(seed["agency"], on=D(2020, 6, 1)) == 12
    assert report.surplus_of(seed["agency"], on=D(2020, 6, 1), category=PART) == -3


def test_nobody_in_post_before_the_start_and_the_unit_before_it_existed(seed):
    line = report.staffing_report(agencies=[seed["agency"]], on=D(2019, 11, 30)).line(seed["agency"])
    # the commune starts on 01/12/2019: on 30/11/2019 its link and unit are not in force
    assert (line.quota, line.in_post, line.surplus) == (None, 0, None)
    assert "chưa gắn với đơn vị hành chính nào vào ngày 30/11/2019" in line.quota_basis


def test_quota_changes_from_nd34_to_nd33_on_01_08_2023(seed):
    agency = seed["agency"]
    before = report.staffing_report(agencies=[agency], on=D(2023, 7, 31)).line(agency)
    after = report.staffing_report(agencies=[agency], on=D(2023, 8, 1)).line(agency)
    assert (before.quota, before.surplus, before.quota_basis) == (21, 12, "Theo NĐ 34/2019/NĐ-CP (loại II).")
    assert (after.quota, after.surplus, after.quota_basis) == (20, 13, "Theo NĐ 33/2023/NĐ-CP (loại II).")
    # after the two-tier reform the commune and its link end: nobody governs a unit, no quota
    gone = report.staffing_report(agencies=[agency], on=D(2025, 7, 1)).line(agency)
    assert (gone.quota, gone.in_post) == (None, 33)


def test_people_leaving_and_moving_change_the_count_from_the_date(seed):
    agency = seed["agency"]
    other = commune_agency(seed["units"]["20668"], "UBND xã Quế Lâm")
    members = list(StaffMember.objects.filter(full_name__startswith="Cán bộ").order_by("pk"))
    roster.member_leave(actor=None, member=members[0], on=D(2021, 1, 1), reason=LeaveReason.RETIREMENT)
    roster.posting_change(actor=None, member=members[1], on=D(2021, 3, 1), reason=LeaveReason.TRANSFER, agency=other)
    assert report.surplus_of(agency, on=D(2020, 12, 31)) == 12
    assert report.surplus_of(agency, on=D(2021, 1, 1)) == 11
    assert report.surplus_of(agency, on=D(2021, 3, 1)) == 10
    # Quế Lâm, class III under NĐ 34: 19; one person in post from 01/03/2021
    assert report.surplus_of(other, on=D(2021, 3, 1)) == -18


def test_bulk_quotas_equal_quota_for_in_every_case(superuser):
    units = build_units()
    on = D(2024, 1, 1)
    plain = commune_agency(units["20667"], "A norm")
    by_agency = commune_agency(units["20668"], "B agency decision")
    services.quota_decision_create(actor=superuser, agency=by_agency, category=CADRE, quota=25,
                                   valid_from=D(2023, 1, 1), decision_number="5/QĐ-UBND", decision_date=D(2022, 12, 1))
    ward = AdministrativeUnit.objects.create(code="20333", name="Phường Điện Nam", unit_type=UnitType.WARD,
                                             valid_from=D(2020, 1, 1), parent=units["506"])
    by_unit = commune_agency(ward, "C unit decision")
    services.quota_decision_create(actor=superuser, unit=ward, category=PART, quota=7, valid_from=D(2023, 1, 1),
                                   decision_number="6/QĐ-UBND", decision_date=D(2022, 12, 1))
    merged = AdministrativeUnit.objects.create(code="20999", name="Xã Mới", unit_type=UnitType.COMMUNE,
                                               valid_from=D(2023, 1, 1), parent=units["506"])
    UnitSuccession.objects.create(predecessor=units["20668"], successor=merged, effective_date=D(2023, 1, 1),
                                  resolution="NQ 1/2022")
    inherited = commune_agency(merged, "D class from predecessor")  # class III inherited
    district = commune_agency(units["506"], "E district")
    loose = make_agency(name="F no unit", kind=AgencyKind.COMMUNE_PC)
    agencies = [plain, by_agency, by_unit, inherited, district, loose]
    bulk = report.quotas_for(agencies, on=on)
    for agency in agencies:
        for category in (CADRE, PART):
            single = services.quota_for(agency, on=on, category=category)
            got = bulk[(agency.pk, category)]
            assert (got.quota, got.source, got.explanation) == (single.quota, single.source, single.explanation), (
                agency.name, category)
    assert bulk[(inherited.pk, CADRE)].quota == 18  # xã loại III under NĐ 33
    assert bulk[(by_agency.pk, CADRE)].quota == 25
    assert bulk[(by_unit.pk, PART)].quota == 7
    assert bulk[(district.pk, CADRE)].quota is None and bulk[(loose.pk, CADRE)].quota is None


def test_a_fixed_number_of_queries_whatever_the_number_of_agencies(db):
    units = build_units()
    province = units["49"]
    district = units["506"]

    def communes(n, start):
        made = []
        for i in range(n):
            unit = AdministrativeUnit.objects.create(code=f"3{start + i:04d}", name=f"Xã {start + i}",
                                                     unit_type=UnitType.COMMUNE, unit_class="II", parent=district)
            made.append(commune_agency(unit, f"UBND xã {start + i}"))
        return made

    small = communes(2, 0)
    big = small + communes(20, 100)
    counts = []
    for agencies in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            report.staffing_report(agencies=agencies, on=D(2024, 1, 1))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with CaptureQueriesContext(connection) as ctx:
        rep = report.staffing_report(agencies=report.province_agencies(province.code, D(2024, 1, 1)), on=D(2024, 1, 1))
    assert len(ctx.captured_queries) == counts[0] + 1
    assert len(rep.rows) == 22


def test_province_agencies_at_a_date(seed):
    units = seed["units"]
    on = D(2024, 1, 1)
    que_lam = commune_agency(units["20668"], "UBND xã Quế Lâm")
    district_pc = make_agency(name="UBND huyện Nông Sơn", kind=AgencyKind.DISTRICT_PC)
    services.unit_agency_link(actor=None, unit=units["506"], agency=district_pc)
    by_code = make_agency(name="Sở Nội vụ Quảng Nam", kind=AgencyKind.OTHER, province_code="49")
    closed = make_agency(name="UBND xã Đã Giải Thể", kind=AgencyKind.COMMUNE_PC, province_code="49",
                         active_to=D(2022, 12, 31))
    elsewhere = make_agency(name="UBND xã Lâm Đồng", kind=AgencyKind.COMMUNE_PC, province_code="68")
    found = report.province_agencies("49", on)
    assert [a.name for a in found] == ["Sở Nội vụ Quảng Nam", "UBND huyện Nông Sơn", "UBND xã Ninh Phước",
                                       "UBND xã Quế Lâm"]
    assert closed not in found and elsewhere not in found and que_lam in found
    # after 30/06/2025 the units and links of pre-2025 Quảng Nam are over: only the province_code match remains
    assert report.province_agencies("49", D(2025, 7, 1)) == [by_code]


def test_province_report_totals_and_vacancies(seed):
    units = seed["units"]
    on = D(2021, 1, 1)
    que_lam = commune_agency(units["20668"], "UBND xã Quế Lâm")  # class III: 19 cadres, 10 part-time (NĐ 34)
    add_people(que_lam, 15, prefix="Quế Lâm")
    district_pc = make_agency(name="UBND huyện Nông Sơn", kind=AgencyKind.DISTRICT_PC)
    services.unit_agency_link(actor=None, unit=units["506"], agency=district_pc)
    add_people(district_pc, 4, prefix="Huyện")
    rep = report.staffing_report(agencies=report.province_agencies("49", on), on=on)
    assert [r.agency.name for r in rep.rows] == ["UBND huyện Nông Sơn", "UBND xã Ninh Phước", "UBND xã Quế Lâm"]
    cadre = rep.totals[CADRE]
    # quota 21 + 19 = 40; in post 4 + 33 + 15 = 52, of which 48 where a quota is known; 33 − 21 = +12, 15 − 19 = −4
    assert (cadre.quota, cadre.in_post, cadre.in_post_with_quota, cadre.excess, cadre.vacancy, cadre.surplus,
            cadre.without_quota) == (40, 52, 48, 12, 4, 8, 1)
    part = rep.totals[PART]
    assert (part.quota, part.in_post, part.excess, part.vacancy) == (22, 9, 0, 13)
    assert [line.agency.name for line in rep.without_quota] == ["UBND huyện Nông Sơn"] * 2
    assert report.vacancies(province_code="49", on=on) == [(que_lam, 4)]
    assert report.vacancies(province_code="49", on=on, category=PART) == [(que_lam, 10), (seed["agency"], 3)]


def test_agencies_in_vietnamese_alphabetical_order(db):
    for name in ("UBND xã Bình An", "UBND xã Ấn Sơn", "UBND xã Ân Hảo", "UBND xã An Hòa"):
        make_agency(name=name, kind=AgencyKind.COMMUNE_PC, province_code="77")
    found = report.province_agencies("77", D(2024, 1, 1))
    # a < ă < â < b; Python's code-point order would put "Ấn", "Ân" after "Bình"
    assert [a.name for a in found] == ["UBND xã An Hòa", "UBND xã Ân Hảo", "UBND xã Ấn Sơn", "UBND xã Bình An"]
    assert [r.agency.name for r in report.staffing_report(agencies=reversed(found), on=D(2024, 1, 1)).rows] == [
        a.name for a in found]
