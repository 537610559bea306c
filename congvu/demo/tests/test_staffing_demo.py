"""The demo's staffing world: units past and present, the Quế Phước + Quế Ninh merger, the staffing report of the
seed story (21 / 33 / 12), the surplus roadmap reaching the quota, the saving of 2020 and the noivu login."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from congvu.demo.seed import DEMO_PASSWORD, demo_logins, seed_demo
from congvu.demo.staffing import MERGER_DATE, NINH_PHUOC_CODE
from congvu.exchange.models import DirectoryAlias
from congvu.org.models import Agency
from congvu.staffing import budget, report, roadmap, roster, services
from congvu.staffing.models import (
    COMMUNE_LEVEL,
    PROVINCE_LEVEL,
    AdministrativeUnit,
    CaseKind,
    LeaveReason,
    Reorganisation,
    StaffCategory,
    StaffPosting,
    SurplusRoadmap,
    TransferStatus,
    UnitSource,
    UnitSuccession,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=VN)
D = dt.date
EVE = MERGER_DATE - dt.timedelta(days=1)
CC, PT = StaffCategory.CADRE_CIVIL, StaffCategory.PART_TIME


@pytest.fixture
def seeded(db, monkeypatch):
    # Tasks, drafts and the schedule go through the services at the real time; test_work.py covers them.
    monkeypatch.setattr("congvu.demo.work.seed_work_demo", lambda **kwargs: None)
    return seed_demo(days=2, now=NOW)


def _agency(name: str) -> Agency:
    return Agency.objects.get(name=name)


def _line(rep, agency, category=CC):
    return rep.line(agency, category)


def test_units_of_today_and_of_the_seed_period(seeded):
    package = AdministrativeUnit.objects.filter(source=UnitSource.PACKAGE)
    assert package.filter(unit_type__in=PROVINCE_LEVEL).count() == 34
    assert package.filter(unit_type__in=COMMUNE_LEVEL).count() == 3321
    quang_nam = AdministrativeUnit.objects.get(code="49", source=UnitSource.IMPORT)
    assert (quang_nam.valid_to, quang_nam.successions.get().successor.name) == (D(2025, 6, 30), "Thành phố Đà Nẵng")
    nong_son = AdministrativeUnit.objects.get(code="519")
    assert nong_son.parent == quang_nam and nong_son.valid_to == D(2025, 6, 30)

    def communes_on(day):
        return sorted(u.name for u in nong_son.children.all() if u.in_force_on(day))

    assert communes_on(EVE) == ["Xã Phước Ninh", "Xã Quế Lâm", "Xã Quế Lộc", "Xã Quế Ninh", "Xã Quế Phước",
                                "Xã Quế Trung", "Xã Sơn Viên"]
    assert communes_on(MERGER_DATE) == ["Xã Ninh Phước", "Xã Phước Ninh", "Xã Quế Lâm", "Xã Quế Lộc",
                                        "Xã Quế Trung", "Xã Sơn Viên"]
    assert communes_on(D(2025, 7, 1)) == []
    # The merged commune: area and population summed (61.61 km², 4,847 people), class II, its predecessors.
    ninh_phuoc = AdministrativeUnit.objects.get(name="Xã Ninh Phước", code=NINH_PHUOC_CODE)
    assert (ninh_phuoc.area_km2, ninh_phuoc.population, ninh_phuoc.unit_class) == (Decimal("61.61"), 4847, "II")
    assert (ninh_phuoc.valid_from, ninh_phuoc.valid_to) == (MERGER_DATE, D(2025, 6, 30))
    decision = ninh_phuoc.classifications.get()
    assert (decision.unit_class, decision.effective_from, decision.score) == ("II", MERGER_DATE, None)
    assert decision.rule_set.name.startswith("Phân loại trước 07/2025")
    links = UnitSuccession.objects.filter(successor=ninh_phuoc)
    assert sorted(link.predecessor.name for link in links) == ["Xã Quế Ninh", "Xã Quế Phước"]
    assert {link.effective_date for link in links} == {MERGER_DATE}
    assert all(p.valid_to == EVE for p in (link.predecessor for link in links))
    # Governing agencies: UBND xã Ninh Phước continues UBND xã Quế Phước; UBND xã Quế Ninh ends with its commune,
    # its identifier now an alias of Ninh Phước's.
    agency = _agency("UBND xã Ninh Phước")
    assert services.unit_of_agency(agency, EVE).name == "Xã Quế Phước"
    assert services.unit_of_agency(agency, MERGER_DATE) == ninh_phuoc
    assert services.unit_of_agency(agency, D(2026, 1, 1)) is None
    que_ninh = _agency("UBND xã Quế Ninh")
    assert que_ninh.active_to == EVE
    assert DirectoryAlias.objects.get(old_identifier=que_ninh.identifier).entry.identifier == agency.identifier
    assert services.unit_of_agency(_agency("UBND tỉnh Quảng Nam"), EVE) == quang_nam
    # Today's successors of the seed period's communes (Đà Nẵng, from 01/07/2025).
    today = {link.predecessor.name: link.successor.name
             for link in UnitSuccession.objects.filter(effective_date=D(2025, 7, 1), predecessor__parent=nong_son)}
    assert today == {"Xã Quế Trung": "Xã Nông Sơn", "Xã Quế Lộc": "Xã Nông Sơn", "Xã Sơn Viên": "Xã Nông Sơn",
                     "Xã Phước Ninh": "Xã Quế Phước", "Xã Quế Lâm": "Xã Quế Phước", "Xã Ninh Phước": "Xã Quế Phước"}


def test_the_seed_story_in_the_staffing_report(seeded):
    ninh_phuoc = _agency("UBND xã Ninh Phước")
    que_ninh = _agency("UBND xã Quế Ninh")
    # The day before: Quế Phước (class III, continued by the agency of Ninh Phước) 16 and Quế Ninh 17, quota 19 each.
    eve = report.staffing_report(agencies=report.province_agencies("49", EVE), on=EVE)
    assert (_line(eve, ninh_phuoc).quota, _line(eve, ninh_phuoc).in_post) == (19, 16)
    assert (_line(eve, que_ninh).quota, _line(eve, que_ninh).in_post) == (19, 17)
    # The merger: Ninh Phước, class II, 33 cadres and civil servants against 21 under NĐ 34/2019: a surplus of 12.
    agencies = report.province_agencies("49", MERGER_DATE)
    assert que_ninh not in agencies
    rep = report.staffing_report(agencies=agencies, on=MERGER_DATE)
    line = _line(rep, ninh_phuoc)
    assert (line.quota, line.in_post, line.surplus) == (21, 33, 12)
    assert "NĐ 34/2019" in line.quota_basis
    assert (_line(rep, ninh_phuoc, PT).quota, _line(rep, ninh_phuoc, PT).in_post) == (12, 12)
    assert report.surplus_of(ninh_phuoc, on=MERGER_DATE) == 12
    # Every commune moved in 2020 is in post at Ninh Phước with its earlier posting kept as history.
    moved = StaffPosting.objects.filter(agency=que_ninh, ended_reason=LeaveReason.REORGANISATION, valid_to=EVE)
    assert moved.count() == 17 + 6
    assert Reorganisation.objects.get().summary["surplus"] == 12
    # The other communes have vacancies (quota 23 class I, 21 class II, 19 class III) that the transfers fill.
    expected = {"UBND xã Quế Trung": (23, 20), "UBND xã Quế Lộc": (21, 21), "UBND xã Sơn Viên": (19, 18),
                "UBND xã Phước Ninh": (21, 19), "UBND xã Quế Lâm": (21, 20), "UBND huyện Nông Sơn": (62, 58)}
    assert {name: (_line(rep, _agency(name)).quota, _line(rep, _agency(name)).in_post)
            for name in expected} == expected
    # At the end of the plan Ninh Phước is at the quota of NĐ 33/2023 (class II commune: 20).
    end = report.staffing_report(agencies=[ninh_phuoc], on=D(2025, 2, 1))
    assert (_line(end, ninh_phuoc).quota, _line(end, ninh_phuoc).in_post, _line(end, ninh_phuoc).surplus) == (
        20, 20, 0)


def test_the_roadmap_reaches_the_quota_and_was_carried_out(seeded):
    plan = SurplusRoadmap.objects.get()
    assert (plan.agency.name, plan.start_date, plan.years, plan.hiring_freeze) == (
        "UBND xã Ninh Phước", MERGER_DATE, 5, True)
    kinds = {kind: plan.cases.filter(kind=kind).count() for kind in CaseKind.values}
    assert kinds == {CaseKind.RETIREMENT: 5, CaseKind.EARLY_RETIREMENT: 2, CaseKind.STREAMLINING: 1,
                     CaseKind.TRANSFER: 5}
    # Retirements are the roadmap's own, from the birth dates: e.g. a man born 05/04/1960 retires at 60 in 2020.
    first = plan.cases.filter(kind=CaseKind.RETIREMENT).order_by("planned_date").first()
    assert (first.member.full_name, first.planned_date) == ("Nguyễn Văn Lộc", D(2020, 4, 5))
    projection = roadmap.roadmap_projection(plan)
    rows = [(y.headcount_start, y.leaving_total, y.headcount_end, y.quota, y.surplus) for y in projection]
    assert rows == [(33, 5, 28, 21, 7), (28, 4, 24, 21, 3), (24, 2, 22, 21, 1), (22, 1, 21, 20, 1),
                    (21, 1, 20, 20, 0)]
    assert roadmap.reaches_quota(projection).index == 5
    assert all(y.hires == 0 for y in projection)
    # Carried out: every transfer done and the person in post at the receiving commune; the leavers gone.
    done = {(t.member.full_name, t.to_agency.name, t.planned_date, t.status) for t in plan.transfers.all()}
    assert done == {
        ("Ngô Thị Kim Loan", "UBND xã Quế Trung", D(2020, 6, 1), TransferStatus.DONE),
        ("Phạm Văn Quý", "UBND xã Phước Ninh", D(2020, 9, 1), TransferStatus.DONE),
        ("Phan Thanh Tâm", "UBND xã Quế Lâm", D(2021, 3, 1), TransferStatus.DONE),
        ("Trần Quang Hiếu", "UBND xã Quế Trung", D(2021, 10, 1), TransferStatus.DONE),
        ("Hồ Thị Ngọc Vân", "UBND xã Sơn Viên", D(2022, 3, 1), TransferStatus.DONE),
    }
    for t in plan.transfers.all():
        assert roster.current_posting(t.member).agency == t.to_agency
    for case in plan.cases.exclude(kind=CaseKind.TRANSFER):
        assert roster.current_posting(case.member) is None
        assert roster.current_posting(case.member, on=case.planned_date - dt.timedelta(days=1)).agency == plan.agency
    ninh_phuoc = plan.agency
    assert roster.in_post([ninh_phuoc.pk], D(2025, 1, 31)).filter(category=CC).count() == 20


def test_the_saving_of_2020_and_the_home_affairs_login(seeded):
    reorganisation = Reorganisation.objects.get()
    saving = budget.merger_saving(reorganisation=reorganisation, year=2020)
    base = 1_490_000  # NĐ 38/2019, from 07/2019
    # Pay no longer paid from the month after each leaves (coefficient + position + region allowance) × base:
    pay = round(base * (
        8 * (3.66 + 0.25 + 0.20)  # Nguyễn Văn Lộc retired 05/04/2020: May–December
        + 7 * (2.67 + 0.20)  # Ngô Thị Kim Loan transferred 01/06/2020: June–December
        + 6 * (3.66 + 0.25 + 0.20)  # Trần Đức Nhân retired early 01/07/2020: July–December
        + 4 * (3.00 + 0.20 + 0.20)  # Phạm Văn Quý transferred 01/09/2020: September–December
        + 2 * 10 * 0.05))  # two chairs became deputies on 17/02/2020: 0.05 less, March–December
    assert pay == 137_422_700
    assert saving.pay_saving == pay
    # Quế Ninh's operating estimate for 2020 (900,000,000) saved for the 11 months from February.
    assert saving.operating_saving == 825_000_000
    assert saving.saving == 962_422_700  # "over 950 million VND in 2020"
    assert saving.missing_operating == []
    assert (saving.before_people, saving.after_people) == (33 + 12, 33 + 12)

    assert "noivu" in [login.username for login in demo_logins()]
    assert "noivu" in [login.username for login in seeded.logins]
    client = Client()
    assert client.login(username="noivu", password=DEMO_PASSWORD)
    user = get_user_model().objects.get(username="noivu")
    ninh_phuoc = _agency("UBND xã Ninh Phước")
    assert services.can_manage_staffing(user)
    assert services.can_manage_unit(user, AdministrativeUnit.objects.get(code="519"))
    assert roster.can_view_roster(user, ninh_phuoc) and roster.can_manage_roster(user, ninh_phuoc)
    page = client.get("/staffing/report/", {"province": "49", "on": "01/02/2020"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "UBND xã Ninh Phước" in text and "UBND xã Quế Ninh" not in text
    assert client.get(f"/staffing/roadmaps/{SurplusRoadmap.objects.get().pk}/").status_code == 200
    page = client.get("/staffing/reorganisations/")
    assert page.status_code == 200 and "Xã Ninh Phước" in page.content.decode()
    assert client.get(f"/staffing/merge/{reorganisation.pk}/").status_code == 200
    page = client.get(f"/staffing/reorganisations/{reorganisation.pk}/saving/", {"year": "2020"})
    assert page.status_code == 200 and "962.422.700" in page.content.decode()
    # A commune's own clerk does not see the province's report.
    clerk = Client()
    assert clerk.login(username="vanthu_ninhphuoc", password=DEMO_PASSWORD)
    assert clerk.get("/staffing/report/", {"province": "49", "on": "01/02/2020"}).status_code == 403
