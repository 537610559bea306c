"""The calendar in the database: seed, province overrides, cache, admin writes and who may make them."""

import datetime as dt

import pytest

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.org.models import Role
from congvu.workdays import services
from congvu.workdays.calendar import VN_TZ
from congvu.workdays.models import CalendarDay, CalendarRevision, DayKind, OfficeHours
from congvu.workdays.seed import package_days, seed_calendar
from congvu.workdays.services import (
    calendar_day_create,
    calendar_day_delete,
    calendar_day_restore,
    calendar_day_update,
    calendar_for,
    calendar_seed,
    deadline_after,
    office_hours_delete,
    office_hours_set,
)

pytestmark = pytest.mark.django_db

D = dt.date


def at(y, mo, d, h=0, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


def rows_state():
    return {
        "days": list(CalendarDay.objects.order_by("pk").values_list(
            "pk", "date", "kind", "province_code", "name", "basis", "estimated", "edited", "active")),
        "hours": list(OfficeHours.objects.order_by("pk").values_list("pk", "valid_from", "valid_to", "periods")),
        "journal": JournalEntry.objects.count(),
    }


# --- the seeded national calendar ---------------------------------------------------------------------

def test_migration_seeds_the_official_2025_and_2026_calendars():
    rows = {(r.date, r.kind) for r in CalendarDay.objects.filter(date__year=2026)}
    assert rows == {
        (D(2026, 1, 1), DayKind.HOLIDAY), (D(2026, 2, 16), DayKind.HOLIDAY), (D(2026, 2, 17), DayKind.HOLIDAY),
        (D(2026, 2, 18), DayKind.HOLIDAY), (D(2026, 2, 19), DayKind.HOLIDAY), (D(2026, 2, 20), DayKind.HOLIDAY),
        (D(2026, 4, 26), DayKind.HOLIDAY), (D(2026, 4, 27), DayKind.COMPENSATORY),
        (D(2026, 4, 30), DayKind.HOLIDAY), (D(2026, 5, 1), DayKind.HOLIDAY),
        (D(2026, 8, 22), DayKind.SWAPPED_WORKDAY), (D(2026, 8, 31), DayKind.SWAPPED_OFF),
        (D(2026, 9, 1), DayKind.HOLIDAY), (D(2026, 9, 2), DayKind.HOLIDAY), (D(2026, 11, 24), DayKind.HOLIDAY),
    }
    swap = CalendarDay.objects.get(date=D(2026, 8, 22))
    assert swap.name == "Làm việc bù cho ngày nghỉ 31/08/2026"
    assert (swap.estimated, swap.source, swap.edited, swap.province_code) == (False, "seed", False, "")
    assert swap.basis.startswith("CV 9859/VPCP-KGVX ngày 13/10/2025; TB 9441/TB-BNV")
    assert CalendarDay.objects.get(date=D(2026, 11, 24)).name == "Ngày Văn hóa Việt Nam"
    assert CalendarDay.objects.get(date=D(2025, 4, 26)).kind == DayKind.SWAPPED_WORKDAY
    assert CalendarDay.objects.get(date=D(2025, 5, 2)).kind == DayKind.SWAPPED_OFF
    national = calendar_for()
    assert national.working_days_in_year(2026) == 249
    assert national.working_days_in_year(2025) == 250
    assert national.add_working_days(at(2026, 2, 13, 16), 5) == at(2026, 2, 27, 16)


def test_years_without_a_decision_are_estimated():
    assert set(CalendarDay.objects.filter(date__year=2027).values_list("estimated", flat=True)) == {True}
    assert set(CalendarDay.objects.filter(date__year__lte=2026).values_list("estimated", flat=True)) == {False}
    assert CalendarDay.objects.get(date=D(2027, 5, 3)).basis.startswith("Dự kiến")
    assert CalendarDay.objects.filter(date__year__gte=2020, date__year__lte=2030).count() == 162


def test_seed_is_idempotent_and_journals_only_changes():
    journal = JournalEntry.objects.count()
    result = calendar_seed(year_from=2020, year_to=2030)
    assert (result.created, result.updated, result.removed, result.unchanged, result.kept_edited) == (0, 0, 0, 162, 0)
    assert JournalEntry.objects.count() == journal
    CalendarDay.objects.filter(date__year=2031).delete()
    result = calendar_seed(year_from=2031, year_to=2031)
    assert result.created == len(package_days(2031)) == CalendarDay.objects.filter(date__year=2031).count()
    entry = JournalEntry.objects.latest("pk")
    assert (entry.action, entry.agency_id_ref, entry.object_id) == ("workdays.seed", None, "2031-2031")
    assert calendar_seed(year_from=2031, year_to=2031).created == 0


def test_seed_never_overwrites_or_brings_back_what_an_admin_changed(superuser):
    tet_eve = CalendarDay.objects.get(date=D(2027, 2, 5))
    calendar_day_update(actor=superuser, day=tet_eve, date=D(2027, 2, 5), kind=DayKind.HOLIDAY,
                        name="Giao thừa (theo quyết định 2027)", basis="CV giả định 2027", estimated=False)
    labour_day_obs = CalendarDay.objects.get(date=D(2027, 5, 3))
    calendar_day_delete(actor=superuser, day=labour_day_obs)
    # A seeded row drifted from the package (e.g. an older package version) and one it no longer lists:
    CalendarDay.objects.filter(date=D(2027, 1, 1)).update(name="cũ")
    CalendarDay.objects.create(date=D(2027, 3, 3), kind=DayKind.HOLIDAY, name="không còn", source="seed")
    result = calendar_seed(year_from=2027, year_to=2027)
    assert (result.updated, result.removed, result.kept_edited) == (1, 1, 2)
    tet_eve.refresh_from_db()
    assert (tet_eve.name, tet_eve.estimated, tet_eve.edited) == ("Giao thừa (theo quyết định 2027)", False, True)
    assert CalendarDay.objects.get(date=D(2027, 5, 3)).active is False
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).name == "Tết Dương lịch"
    assert not CalendarDay.objects.filter(date=D(2027, 3, 3)).exists()
    assert calendar_for().is_working_day(D(2027, 5, 3)) is True


def test_seed_rejects_a_bad_range():
    before = rows_state()
    with pytest.raises(ValidationFailed) as exc:
        calendar_seed(year_from=2030, year_to=2020)
    assert exc.value.fields == {"year_to": "Năm phải trong khoảng 2000–2100 và “đến năm” không trước “từ năm”."}
    assert rows_state() == before


def test_seed_counts_from_an_empty_table():
    CalendarDay.objects.all().delete()
    result = seed_calendar(year_from=2026, year_to=2026)
    assert (result.created, result.updated, result.removed) == (15, 0, 0)


# --- provinces and the cache ------------------------------------------------------------------------

def test_a_province_row_replaces_the_national_row_and_applies_only_there(superuser, province_agency, agency):
    extra = calendar_day_create(actor=superuser, date="10/03/2026", kind=DayKind.EXTRA_OFF, name="Lễ hội tỉnh",
                                province_code="49", basis="QĐ 1/QĐ-UBND")
    assert extra.edited is True and extra.source == "admin"
    province, national = calendar_for(agency=province_agency), calendar_for(agency=agency)
    assert province.is_working_day(D(2026, 3, 10)) is False
    assert national.is_working_day(D(2026, 3, 10)) is True
    assert calendar_for(province_code="49") is province  # cached per province
    assert calendar_for(agency=province_agency.pk) is province
    assert province.working_days_in_year(2026) == 248
    # The province works on the national swapped Saturday 22/08/2026? No: it declares the Saturday off.
    calendar_day_create(actor=superuser, date="22/08/2026", kind=DayKind.EXTRA_OFF, name="Không làm bù",
                        province_code="49")
    assert calendar_for(province_code="49").is_working_day(D(2026, 8, 22)) is False
    assert calendar_for().is_working_day(D(2026, 8, 22)) is True
    assert deadline_after(agency=province_agency, start=at(2026, 8, 21, 9), working_days=1) == at(2026, 8, 24, 9)
    assert deadline_after(agency=agency, start=at(2026, 8, 21, 9), working_days=1) == at(2026, 8, 22, 9)


def test_another_process_sees_a_change_through_the_revision(monkeypatch):
    first = calendar_for()
    assert first.is_working_day(D(2026, 3, 10)) is True
    # Another process writes (simulated: the row and the revision bump, without touching this cache).
    CalendarDay.objects.create(date=D(2026, 3, 10), kind=DayKind.EXTRA_OFF, name="x")
    CalendarRevision.objects.filter(pk=1).update(revision=CalendarRevision.objects.get(pk=1).revision + 1)
    assert calendar_for() is first  # within REVISION_CHECK_SECONDS, the cached value
    monkeypatch.setattr(services, "REVISION_CHECK_SECONDS", -1.0)
    assert calendar_for().is_working_day(D(2026, 3, 10)) is False


def test_a_write_here_clears_the_cache_at_once(superuser):
    assert calendar_for().is_working_day(D(2026, 3, 10)) is True
    revision = CalendarRevision.objects.get(pk=1).revision
    calendar_day_create(actor=superuser, date="2026-03-10", kind=DayKind.EXTRA_OFF, name="Nghỉ thêm")
    assert calendar_for().is_working_day(D(2026, 3, 10)) is False
    assert CalendarRevision.objects.get(pk=1).revision == revision + 1


# --- writes: validation, permission, journal ------------------------------------------------------------

def test_create_update_delete_restore_are_journaled_on_the_system_chain(superuser):
    day = calendar_day_create(actor=superuser, date="02/01/2026", kind=DayKind.EXTRA_OFF, name="Nghỉ thêm đầu năm",
                              basis="CV 1/VPCP")
    calendar_day_update(actor=superuser, day=day, date="02/01/2026", kind=DayKind.EXTRA_OFF, name="Nghỉ thêm",
                        basis="CV 1/VPCP")
    seeded = CalendarDay.objects.get(date=D(2026, 11, 24))
    calendar_day_delete(actor=superuser, day=seeded)
    calendar_day_restore(actor=superuser, day=seeded)
    calendar_day_delete(actor=superuser, day=day)
    entries = list(JournalEntry.objects.filter(action__startswith="workdays.").order_by("pk"))
    assert [(e.action, e.agency_id_ref, e.chain.key, e.actor_id) for e in entries] == [
        ("workdays.day_create", None, "system", superuser.pk),
        ("workdays.day_update", None, "system", superuser.pk),
        ("workdays.day_delete", None, "system", superuser.pk),
        ("workdays.day_restore", None, "system", superuser.pk),
        ("workdays.day_delete", None, "system", superuser.pk),
    ]
    assert entries[1].before["name"] == "Nghỉ thêm đầu năm" and entries[1].after["name"] == "Nghỉ thêm"
    assert entries[0].after["date"] == "2026-01-02"
    assert not CalendarDay.objects.filter(pk=day.pk).exists()  # an admin's own row is deleted
    seeded.refresh_from_db()
    assert (seeded.active, seeded.edited) == (True, True)


def test_an_update_that_changes_nothing_writes_nothing(superuser):
    day = CalendarDay.objects.get(date=D(2026, 1, 1))
    before = rows_state()
    calendar_day_update(actor=superuser, day=day, date=day.date, kind=day.kind, name=day.name, basis=day.basis,
                        estimated=day.estimated)
    assert rows_state() == before


@pytest.mark.parametrize("values, fields", [
    ({"date": "31/02/2026", "kind": "extra_off", "name": "x"},
     {"date": "Ngày “31/02/2026” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."}),
    ({"date": "", "kind": "extra_off", "name": "x"}, {"date": "Vui lòng nhập ngày (dd/mm/yyyy)."}),
    ({"date": "01/01/1990", "kind": "extra_off", "name": "x"}, {"date": "Ngày phải trong khoảng năm 2000–2100."}),
    ({"date": "10/03/2026", "kind": "vacation", "name": "x"},
     {"kind": "Vui lòng chọn loại ngày: Ngày lễ, Tết, Nghỉ bù, Nghỉ do hoán đổi ngày làm việc, "
              "Làm việc bù (hoán đổi), Nghỉ thêm."}),
    ({"date": "10/03/2026", "kind": "extra_off", "name": "  "},
     {"name": "Vui lòng nhập tên ngày nghỉ hoặc lý do (ví dụ “Tết Nguyên đán”)."}),
    ({"date": "10/03/2026", "kind": "swapped_workday", "name": "Làm bù"},
     {"kind": "Ngày làm việc bù phải là thứ Bảy hoặc Chủ nhật."}),
    ({"date": "10/03/2026", "kind": "extra_off", "name": "x", "province_code": "Quảng Nam"},
     {"province_code": "Mã tỉnh chỉ gồm chữ số hoặc chữ cái không dấu, tối đa 10 ký tự (ví dụ 49)."}),
    ({"date": "01/01/2026", "kind": "extra_off", "name": "x"},
     {"date": "Ngày 01/01/2026 đã có trong lịch toàn quốc: “Tết Dương lịch”. Hãy sửa dòng đó."}),
])
def test_bad_days_are_refused_and_nothing_changes(superuser, values, fields):
    before = rows_state()
    with pytest.raises(ValidationFailed) as exc:
        calendar_day_create(actor=superuser, **values)
    assert exc.value.fields == fields
    assert rows_state() == before


def test_who_may_edit(superuser, province_admin, agency_admin, clerk, commune_in_province):
    before = rows_state()
    with pytest.raises(PermissionDenied) as exc:
        calendar_day_create(actor=province_admin, date="10/03/2026", kind="extra_off", name="x")
    assert exc.value.message == "Chỉ quản trị hệ thống được sửa lịch làm việc toàn quốc."
    for user in (agency_admin, clerk):
        with pytest.raises(PermissionDenied):
            calendar_day_create(actor=user, date="10/03/2026", kind="extra_off", name="x", province_code="49")
    # The admin of a commune in the province is not the province's admin.
    commune_admin = make_official(commune_in_province, Role.AGENCY_ADMIN, username="quantri_xa49").user
    with pytest.raises(PermissionDenied) as exc:
        calendar_day_create(actor=commune_admin, date="10/03/2026", kind="extra_off", name="x", province_code="49")
    assert exc.value.message == ("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh có mã 49 được sửa lịch của tỉnh "
                                 "này.")
    national = CalendarDay.objects.get(date=D(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        calendar_day_delete(actor=province_admin, day=national)
    with pytest.raises(PermissionDenied):
        office_hours_set(actor=province_admin, valid_from="01/05/2026", periods="07:00-11:00, 13:00-17:00")
    assert rows_state() == before
    # The province's admin edits the province's rows.
    day = calendar_day_create(actor=province_admin, date="10/03/2026", kind="extra_off", name="Lễ hội",
                              province_code="49")
    calendar_day_delete(actor=province_admin, day=day)
    assert not CalendarDay.objects.filter(province_code="49").exists()


def test_deleting_twice_and_restoring_an_active_row_conflict(superuser):
    seeded = CalendarDay.objects.get(date=D(2026, 11, 24))
    with pytest.raises(Conflict):
        calendar_day_restore(actor=superuser, day=seeded)
    calendar_day_delete(actor=superuser, day=seeded)
    before = rows_state()
    with pytest.raises(Conflict):
        calendar_day_delete(actor=superuser, day=seeded)
    assert rows_state() == before


# --- office hours ---------------------------------------------------------------------------------------

def test_office_hours_versions_chain_and_apply(superuser):
    first = office_hours_set(actor=superuser, valid_from="01/01/2026", periods="07:30-11:30, 13:30-17:30",
                             basis="QĐ giờ làm việc 2026")
    summer = office_hours_set(actor=superuser, valid_from="2026-05-01", periods=[["07:00", "11:00"], ["13:00", "17:00"]])
    first.refresh_from_db()
    assert (first.valid_to, summer.valid_to) == (D(2026, 4, 30), None)
    assert first.periods == [["07:30", "11:30"], ["13:30", "17:30"]]
    cal = calendar_for()
    assert cal.next_working_moment(at(2026, 3, 9, 7, 10)) == at(2026, 3, 9, 7, 30)
    assert cal.next_working_moment(at(2026, 5, 4, 11, 10)) == at(2026, 5, 4, 13)
    assert cal.next_working_moment(at(2025, 12, 1, 7, 10)) == at(2025, 12, 1, 7, 10)  # default before 2026
    # The same start date again replaces that version.
    office_hours_set(actor=superuser, valid_from="01/05/2026", periods="06:30-11:00, 13:00-16:30")
    assert OfficeHours.objects.count() == 2
    assert calendar_for().next_working_moment(at(2026, 5, 4, 6, 40)) == at(2026, 5, 4, 6, 40)
    office_hours_delete(actor=superuser, hours=summer)
    first.refresh_from_db()
    assert first.valid_to is None
    assert calendar_for().next_working_moment(at(2026, 5, 4, 7, 10)) == at(2026, 5, 4, 7, 30)
    actions = list(JournalEntry.objects.filter(action__startswith="workdays.office").values_list("action", flat=True))
    assert actions == ["workdays.office_hours_set"] * 3 + ["workdays.office_hours_delete"]


def test_province_office_hours_override_the_national_ones_only_where_they_apply(superuser):
    office_hours_set(actor=superuser, valid_from="01/01/2026", periods="07:30-11:30, 13:30-17:30")
    office_hours_set(actor=superuser, valid_from="01/05/2026", periods="07:00-11:00, 13:00-17:00", province_code="49")
    office_hours_set(actor=superuser, valid_from="01/10/2026", periods="07:30-11:30, 13:30-17:30", province_code="49")
    province = calendar_for(province_code="49")
    assert province.periods_on(D(2026, 3, 2)) == calendar_for().periods_on(D(2026, 3, 2))
    assert province.next_working_moment(at(2026, 6, 1, 11, 10)) == at(2026, 6, 1, 13)
    assert calendar_for().next_working_moment(at(2026, 6, 1, 11, 10)) == at(2026, 6, 1, 11, 10)
    assert province.next_working_moment(at(2026, 10, 5, 7, 10)) == at(2026, 10, 5, 7, 30)


@pytest.mark.parametrize("periods", ["11:30-07:00", "07:00-12:00, 11:00-17:00", "", "7h-11h", "07:00"])
def test_bad_office_hours_are_refused(superuser, periods):
    before = rows_state()
    with pytest.raises(ValidationFailed) as exc:
        office_hours_set(actor=superuser, valid_from="01/05/2026", periods=periods)
    assert exc.value.fields == {"periods": "Giờ làm việc chưa hợp lệ: nhập các buổi theo thứ tự, không chồng nhau, "
                                           "dạng 07:00-11:30, 13:30-17:00."}
    assert rows_state() == before


def test_parse_moment_accepts_iso_and_vietnamese_forms():
    assert services.parse_moment("2026-02-13T16:00") == (at(2026, 2, 13, 16), True)
    assert services.parse_moment("2026-02-13 16:00") == (at(2026, 2, 13, 16), True)
    assert services.parse_moment("2026-02-13T09:00+00:00") == (at(2026, 2, 13, 16), True)
    assert services.parse_moment("2026-02-13") == (at(2026, 2, 13), False)
    assert services.parse_moment("13/02/2026") == (at(2026, 2, 13), False)
    assert services.parse_moment("13/02/2026 16:00") == (at(2026, 2, 13, 16), True)
    for bad in ("2026-02-30", "13/13/2026", "mai", "2026-02-13T25:00", "1800-01-01"):
        with pytest.raises(ValidationFailed):
            services.parse_moment(bad)
    assert services.format_moment(at(2026, 2, 27, 16)) == "2026-02-27T16:00"
    assert services.format_moment(dt.datetime(2026, 2, 27, 9, tzinfo=dt.UTC)) == "2026-02-27T16:00"
