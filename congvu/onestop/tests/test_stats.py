"""Statistics on the hand-built dataset of factories_o5 (October 2026, read on 15/11/2026 10:00).

Every expected figure is derived by hand in the comments from the dossiers' chosen statuses and times;
S = 01/10/2026 00:00, E = T = 01/11/2026 00:00 (the period is over when read).
"""

import pytest
from django.contrib.auth import get_user_model

from conftest import make_agency, make_official
from congvu.core.errors import NotFound, ValidationFailed
from congvu.onestop import stats
from congvu.onestop.tests import factories_o5 as f
from congvu.org.models import AgencyKind, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def ds(agency, leader):
    b = make_agency(name="UBND xã Quế Trung", kind=AgencyKind.COMMUNE_PC, parent=agency)
    c = make_agency(name="UBND xã Sơn Viên", kind=AgencyKind.COMMUNE_PC)
    return f.build(agency_a=agency, agency_b=b, agency_c=c, official=leader.official)


def report(user, **kw):
    kw.setdefault("date_from", "01/10/2026")
    kw.setdefault("date_to", "31/10/2026")
    return stats.stats_report(user=user, now=f.NOW, **kw)


def test_october_figures_for_the_leader_of_the_district_and_its_commune(ds, leader):
    r = report(leader)
    t = r.total.values
    # carried over: d1, d2, d4, d25 (received in September, not ended before 01/10; d25 ended exactly at S);
    # d3 and d24 ended in September.
    assert t["carried_over"] == 4
    # received: d5 (at S exactly), d6–d16, d20 (supplement at the counter, by its submission), d21 (commune B);
    # not d17 (accepted at E), d18 (refused), d19 (only registered online), d22 (agency C, not visible).
    assert t["received"] == 14
    # channels: online d6, d8, d12, d16; postal d7; the nine others at the counter.
    assert (t["received_counter"], t["received_online"], t["received_postal"]) == (9, 4, 1)
    assert t["total"] == 18
    assert t["done_early"] == 2  # d1, d21 (recorded early)
    assert t["done_on_time"] == 2  # d5 (recorded), d6 (not recorded; processed 10:00 ≤ due 17:00)
    assert t["done_late"] == 3  # d2 (recorded), d25 (recorded), d7 (not recorded; 20/10 > due 12/10)
    assert t["withdrawn"] == 1  # d15
    # open at T: d8 (due 05/11), d9 (due 01/11 10:00), d14 (status 5 since 05/11, after T: in progress then)
    assert t["in_progress_on_time"] == 3
    assert t["due_soon"] == 1  # d9: due within 24 h of T
    # d4 (due 15/10), d10 (due 30/10), d16 (returned on 03/11, after T; due 31/10 12:00)
    assert t["in_progress_overdue"] == 3
    assert t["supplement"] == 2  # d11 (since 15/10), d20 (at the counter since 22/10)
    assert t["paused"] == 2  # d12 (financial obligations), d13 (stopped)
    assert t["refused"] == 1  # d18; d23 was refused in September
    # The categories split the total exactly.
    parts = ("done_early", "done_on_time", "done_late", "withdrawn", "in_progress_on_time", "in_progress_overdue",
             "supplement", "paused")
    assert sum(t[p] for p in parts) == t["total"]
    # on-time rate = (early 2 + on time 2 + withdrawn 1 + in progress on time 3 + supplement 2) / 18
    assert r.total.on_time_rate == pytest.approx(10 / 18)
    assert r.total.online_rate == pytest.approx(4 / 14)
    assert stats.percent(r.total.on_time_rate) == "55,6%"


def test_tables_by_unit_and_by_procedure(ds, leader):
    r = report(leader)
    by_agency = {row.name: row.values for row in r.by_agency}
    assert set(by_agency) == {"UBND huyện Nông Sơn", "UBND xã Quế Trung"}  # not C
    assert by_agency["UBND xã Quế Trung"]["total"] == 1 and by_agency["UBND xã Quế Trung"]["done_early"] == 1
    assert by_agency["UBND huyện Nông Sơn"]["total"] == 17
    assert by_agency["UBND huyện Nông Sơn"]["carried_over"] == 4
    by_proc = {row.name: row for row in r.by_procedure}
    assert by_proc["Đăng ký kết hôn"].values["total"] == 1
    assert by_proc["Đăng ký khai sinh"].values["total"] == 17
    assert by_proc["Đăng ký khai sinh"].code == "1.001612.000.00.00.H40"


def test_filters_procedure_agency_and_department(ds, leader):
    assert report(leader, procedure_id=ds.p2.pk).total.values["total"] == 1
    only_b = report(leader, agency_id=ds.b.pk).total.values
    assert (only_b["total"], only_b["received"], only_b["done_early"]) == (1, 1, 1)
    # Dossiers with a step in Phòng Nội vụ: d4 (carried, overdue), d5 (done on time), d10 (overdue).
    nv = ds.a.departments.get(code="NV")
    dept = report(leader, department_id=nv.pk).total.values
    assert (dept["total"], dept["carried_over"], dept["received"]) == (3, 1, 2)
    assert (dept["done_on_time"], dept["in_progress_overdue"]) == (1, 2)


def test_november_read_before_its_end(ds, leader):
    # T = now = 15/11 10:00. Carried into November: every dossier open at 01/11 00:00 — d4, d8, d9, d10, d11,
    # d12, d13, d14, d16, d20 (10); received: d17 (accepted at 01/11 00:00 exactly).
    t = report(leader, date_from="01/11/2026", date_to="30/11/2026").total.values
    assert (t["carried_over"], t["received"], t["total"]) == (10, 1, 11)
    assert t["done_late"] == 1  # d16 returned 03/11, due 31/10
    assert t["in_progress_overdue"] == 4  # d4, d8 (05/11), d9 (01/11), d10 — all before T
    assert t["in_progress_on_time"] == 1  # d17 (due 20/11)
    assert t["supplement"] == 3  # d11, d14 (since 05/11, before T now), d20
    assert t["paused"] == 2


def test_department_table_from_the_control_slip(ds, leader):
    rows = stats.department_stats(user=leader, date_from="01/10/2026", date_to="31/10/2026", now=f.NOW)
    assert [r.name for r in rows] == ["Phòng Nội vụ"]  # the counter step of d1 has no department
    v = rows[0].values
    # steps of NV: d4 (started 29/09, finished late 06/10), d5 (02/10 → 04/10 early), d10 (11/10, open, due 20/10)
    assert (v["carried_over"], v["received"]) == (1, 2)
    assert (v["done_early"], v["done_on_time"], v["done_late"]) == (1, 0, 1)
    assert (v["in_progress_on_time"], v["in_progress_overdue"]) == (0, 1)


def test_visibility(ds, leader, officer, onestop, agency_admin):
    # One-stop staff and agency admins see what the leader sees.
    assert report(onestop).total.values["total"] == 18
    assert report(agency_admin).total.values["total"] == 18
    # An officer sees no statistics.
    with pytest.raises(NotFound):
        report(officer)
    # The commune's leader sees the commune only, and not the district above it.
    b_leader = make_official(ds.b, Role.LEADER).user
    assert report(b_leader).total.values["total"] == 1
    with pytest.raises(NotFound):
        report(b_leader, agency_id=ds.a.pk)
    c_onestop = make_official(ds.c, Role.ONESTOP).user
    t = report(c_onestop).total.values
    assert (t["total"], t["in_progress_overdue"]) == (1, 1)  # d22
    # A system admin sees every agency: d22 is added (received, overdue at T).
    admin = get_user_model().objects.create_superuser("root", password="x")
    t = report(admin).total.values
    assert (t["total"], t["received"], t["in_progress_overdue"]) == (19, 15, 4)
    assert {r.name for r in report(admin).by_agency} == {"UBND huyện Nông Sơn", "UBND xã Quế Trung",
                                                          "UBND xã Sơn Viên"}


def test_bad_input(ds, leader):
    with pytest.raises(ValidationFailed) as exc:
        report(leader, date_from="31/10/2026", date_to="01/10/2026")
    assert "trước ngày đầu kỳ" in exc.value.message
    with pytest.raises(ValidationFailed):
        report(leader, date_from="32/10/2026")
    with pytest.raises(NotFound):
        report(leader, procedure_id=999_999)
    with pytest.raises(NotFound):
        report(leader, department_id=999_999)


@pytest.mark.parametrize("dates", [("01/10/2026", "31/10/2026"), ("01/11/2026", "30/11/2026"),
                                   ("15/09/2026", "14/10/2026"), ("01/01/2026", "15/11/2026")])
def test_packed_sums_agree_with_grouping_by_codes(ds, leader, dates):
    # The report counts with packed sums; the fallback groups by the (origin, bucket) codes. Same figures.
    period = stats.period_for(*dates, now=f.NOW)
    qs = stats._base(agency_ids=None, version_ids=None, department_id=None, period=period)
    keys = ("agency_id", "procedure_version_id")
    packed = sorted(stats._packed(qs, keys, period), key=lambda r: (r["agency_id"], r["procedure_version_id"]))
    grouped = sorted(stats._grouped(qs, keys, period), key=lambda r: (r["agency_id"], r["procedure_version_id"]))
    for row in grouped:
        row["total"] = row["carried_over"] + row["received"]
    assert packed == grouped
    assert sum(r["total"] for r in packed) > 0
