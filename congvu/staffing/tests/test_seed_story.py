"""The seed story, built here from nothing but the services (independently of the demo): Quế Phước (16 cadres and
civil servants) and Quế Ninh (17), both class III, merge into Ninh Phước, class II: 61.61 km², 4,847 people, and
33 in post against the 21 that NĐ 34/2019 allows: a surplus of 12, to be brought into line within five years with
no new hiring. From 01/08/2023 NĐ 33/2023 allows a class II commune (xã) 20."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_agency
from congvu.core.errors import ValidationFailed
from congvu.org.models import AgencyKind
from congvu.staffing import reorg, report, roadmap, roster, services
from congvu.staffing.models import (
    AdministrativeUnit,
    CaseKind,
    Reorganisation,
    StaffCategory,
    StaffMember,
    StaffPosting,
    UnitAgency,
    UnitType,
)

D = dt.date
MERGER = D(2020, 2, 1)
EVE = D(2020, 1, 31)
CC = StaffCategory.CADRE_CIVIL
UNITS = """code,name,type,parent_code,class,area_km2,population,valid_from,valid_to,basis
49,Tỉnh Quảng Nam,tỉnh,,,10574.86,1495812,01/01/1997,30/06/2025,
519,Huyện Nông Sơn,huyện,49,,471.64,35438,08/04/2008,30/06/2025,NĐ 42/2008/NĐ-CP
20674,Xã Quế Phước,xã,519,III,37.48,2416,08/04/2008,,illustrative split
20668,Xã Quế Ninh,xã,519,III,24.13,2431,08/04/2008,,illustrative split
20656,Xã Quế Trung,xã,519,I,49.24,11466,08/04/2008,30/06/2025,
"""


def _people(agency, count: int, *, born_from: int, prefix: str) -> list[StaffMember]:
    """`count` cadres and civil servants in post at `agency` since 2010, born `born_from`, `born_from` + 1, …"""
    return [roster.staff_member_create(
        actor=None, agency=agency, full_name=f"{prefix} {i + 1:02d}", sex="male",
        birth_date=D(born_from + i, 6, 15), category=CC, position="Công chức", salary_coefficient="2.67",
        start_date=D(2010, 1, 1)) for i in range(count)]


@pytest.fixture
def world(db, province_admin):
    services.units_import(actor=None, text=UNITS)
    units = {u.name: u for u in AdministrativeUnit.objects.all()}
    agencies = {}
    for name in ("Quế Phước", "Quế Ninh", "Quế Trung"):
        agencies[name] = make_agency(name=f"UBND xã {name}", kind=AgencyKind.COMMUNE_PC, place=name)
        services.unit_agency_link(actor=None, unit=units[f"Xã {name}"], agency=agencies[name])
    # Three men in Quế Phước reach retirement age within five years of the merger (born 1960, 1961, 1962); the
    # others are born from 1970 on.
    people = {"Quế Phước": _people(agencies["Quế Phước"], 3, born_from=1960, prefix="Cán bộ Quế Phước cao tuổi")
              + _people(agencies["Quế Phước"], 13, born_from=1970, prefix="Cán bộ Quế Phước"),
              "Quế Ninh": _people(agencies["Quế Ninh"], 17, born_from=1970, prefix="Cán bộ Quế Ninh"),
              "Quế Trung": _people(agencies["Quế Trung"], 16, born_from=1975, prefix="Cán bộ Quế Trung")}
    return {"units": units, "agencies": agencies, "people": people, "actor": province_admin}


def _merge(world) -> Reorganisation:
    plan = reorg.MergePlan(
        unit_ids=[world["units"]["Xã Quế Phước"].pk, world["units"]["Xã Quế Ninh"].pk], name="Xã Ninh Phước",
        code="20674", unit_type=UnitType.COMMUNE, unit_class="II", effective_date=MERGER,
        resolution="Nghị quyết của UBTVQH về sắp xếp đơn vị hành chính cấp xã tỉnh Quảng Nam",
        new_agency_name="UBND xã Ninh Phước", new_agency_notation="UBND", new_agency_identifier="000.09.18.H47")
    return reorg.merge_execute(actor=world["actor"], plan=plan)


def test_before_the_merger_two_class_three_communes_under_their_quota(world):
    rep = report.staffing_report(agencies=[world["agencies"]["Quế Phước"], world["agencies"]["Quế Ninh"]], on=EVE)
    assert [(line.quota, line.in_post, line.surplus) for line in rep.lines if line.category == CC] == [
        (19, 17, -2), (19, 16, -3)]  # ordered by name: Quế Ninh, Quế Phước


def test_the_merged_commune_has_a_surplus_of_twelve_against_twenty_one(world):
    preview = reorg.merge_preview(actor=world["actor"], plan=reorg.MergePlan(
        unit_ids=[world["units"]["Xã Quế Phước"].pk, world["units"]["Xã Quế Ninh"].pk], name="Xã Ninh Phước",
        code="20674", unit_type=UnitType.COMMUNE, unit_class="II", effective_date=MERGER, resolution="NQ",
        new_agency_name="UBND xã Ninh Phước", new_agency_notation="UBND", new_agency_identifier="000.09.18.H47"))
    assert (preview.area_km2, preview.population) == (Decimal("61.61"), 4847)
    assert (preview.quota, preview.in_post, preview.surplus) == (21, 33, 12)
    assert not AdministrativeUnit.objects.filter(name="Xã Ninh Phước").exists()  # a preview writes nothing

    done = _merge(world)
    unit, agency = done.successor_unit, done.successor_agency
    assert (unit.area_km2, unit.population, unit.unit_class, unit.valid_from) == (
        Decimal("61.61"), 4847, "II", MERGER)
    assert services.unit_of_agency(agency, MERGER) == unit
    quota = services.quota_for(agency, on=MERGER)
    assert (quota.quota, quota.norm.rule_set) == (21, "NĐ 34/2019/NĐ-CP")
    line = report.staffing_report(agencies=[agency], on=MERGER).line(agency)
    assert (line.quota, line.in_post, line.surplus) == (21, 33, 12)
    assert report.surplus_of(agency, on=MERGER) == 12
    # Province-wide on that day: Ninh Phước, Quế Trung (class I: 23, 16 in post, 7 vacancies) and the province's
    # own UBND (no quota).
    rep = report.staffing_report(agencies=report.province_agencies("49", MERGER), on=MERGER)
    assert {(line.agency.name, line.quota, line.in_post) for line in rep.lines if line.category == CC} == {
        ("UBND xã Ninh Phước", 21, 33), ("UBND xã Quế Trung", 23, 16), ("UBND tỉnh Quảng Nam", None, 0)}
    assert report.vacancies(province_code="49", on=MERGER) == [(world["agencies"]["Quế Trung"], 7)]
    # The quota changes with the rules, not the people: NĐ 33/2023 gives a class II xã 20 from 01/08/2023.
    assert report.surplus_of(agency, on=D(2023, 7, 31)) == 12
    assert report.surplus_of(agency, on=D(2023, 8, 1)) == 13
    # The predecessors remain as history.
    assert {u.name: u.valid_to for u in AdministrativeUnit.objects.filter(successions__successor=unit)} == {
        "Xã Quế Phước": EVE, "Xã Quế Ninh": EVE}
    assert StaffPosting.objects.filter(agency=world["agencies"]["Quế Ninh"], valid_to=EVE).count() == 17
    assert not UnitAgency.objects.filter(agency=world["agencies"]["Quế Ninh"], valid_to__isnull=True).exists()


def test_five_years_without_hiring_bring_the_surplus_into_line(world):
    agency = _merge(world).successor_agency
    actor = world["actor"]
    plan = roadmap.roadmap_create(actor=actor, agency=agency, start_date=MERGER, title="Lộ trình dôi dư Ninh Phước")
    # The three men born 1960–1962 retire at 60 (2020), 60 years 6 months (2021 + 3 months a year: 2022 → 60y6m)
    # and 60 years 9 months (2023): computed by the roadmap from their birth dates.
    retirements = sorted(plan.cases.filter(kind=CaseKind.RETIREMENT).values_list("planned_date", flat=True))
    assert retirements == [D(2020, 6, 15), D(2021, 9, 15), D(2022, 12, 15)]
    members = [m for m in world["people"]["Quế Ninh"]]
    # Two early retirements, one leaving, seven transfers to Quế Trung (7 vacancies until 07/2023, 6 after).
    cases = [(CaseKind.EARLY_RETIREMENT, D(2020, 7, 1)), (CaseKind.EARLY_RETIREMENT, D(2021, 1, 1)),
             (CaseKind.STREAMLINING, D(2021, 4, 1))]
    cases += [(CaseKind.TRANSFER, D(2020 + i // 2, 3 + 6 * (i % 2), 1)) for i in range(7)]
    for (kind, day), member in zip(cases, members, strict=False):
        roadmap.roadmap_case_add(actor=actor, roadmap=plan, member=member, kind=kind, planned_date=day,
                                 to_agency=world["agencies"]["Quế Trung"] if kind == CaseKind.TRANSFER else None)
    projection = roadmap.roadmap_projection(plan)
    assert [(y.headcount_end, y.quota, y.surplus) for y in projection] == [
        (33 - 5, 21, 7), (28 - 4, 21, 3), (24 - 3, 21, 0), (21 - 1, 20, 0), (20, 20, 0)]
    assert roadmap.reaches_quota(projection).index == 3
    assert all(y.hires == 0 for y in projection)
    # An eighth transfer (01/03/2024: quota 22 under NĐ 33/2023, 16 in post, 7 coming) is refused without a
    # reason, and nothing is written.
    before = plan.cases.count()
    with pytest.raises(ValidationFailed):
        roadmap.roadmap_case_add(actor=actor, roadmap=plan, member=members[10], kind=CaseKind.TRANSFER,
                                 planned_date=D(2024, 3, 1), to_agency=world["agencies"]["Quế Trung"])
    assert plan.cases.count() == before
