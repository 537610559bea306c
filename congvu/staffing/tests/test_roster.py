"""Roster: adding people, changing and ending postings, retirement dates, CSV import, who may do what."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_agency, make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.org.models import AgencyKind, Role
from congvu.staffing import roster
from congvu.staffing.models import (
    AdministrativeUnit,
    LeaveReason,
    Sex,
    StaffCategory,
    StaffMember,
    StaffPosting,
    UnitAgency,
    UnitType,
)

pytestmark = pytest.mark.django_db
D = dt.date
CADRE, PART = StaffCategory.CADRE_CIVIL, StaffCategory.PART_TIME


def _add(actor, agency, name="Nguyễn Văn An", **kw):
    values = {"sex": Sex.MALE, "birth_date": D(1980, 5, 20), "category": CADRE, "position": "Công chức Văn phòng",
              "salary_coefficient": "2.34", "start_date": D(2010, 1, 1)} | kw
    return roster.staff_member_create(actor=actor, agency=agency, full_name=name, **values)


def _state():
    return (StaffMember.objects.count(), StaffPosting.objects.count(), JournalEntry.objects.count())


# --- retirement dates (Labour Code 2019 Art. 169, NĐ 135/2020), worked by hand --------------------------

@pytest.mark.parametrize(("sex", "born", "expected"), [
    # before the roadmap: 60 / 55 reached in 2020
    (Sex.MALE, D(1960, 11, 15), D(2020, 11, 15)),
    (Sex.FEMALE, D(1965, 10, 15), D(2020, 10, 15)),
    # 60 reached on 15/01/2021 is not enough: 2021 asks 60y3m, reached 15/04/2021
    (Sex.MALE, D(1961, 1, 15), D(2021, 4, 15)),
    # 2021's 60y3m would fall on 10/01/2022 (not 2021); 2022 asks 60y6m → 10/04/2022
    (Sex.MALE, D(1961, 10, 10), D(2022, 4, 10)),
    # the contract's example: 60y3m → 15/06/2022 (not 2021); 2022: 60y6m → 15/09/2022
    (Sex.MALE, D(1962, 3, 15), D(2022, 9, 15)),
    # 31/08/1961 + 60y3m = "31/11/2021" → the last day of November
    (Sex.MALE, D(1961, 8, 31), D(2021, 11, 30)),
    # from 2028 the age stays 62
    (Sex.MALE, D(1970, 5, 20), D(2032, 5, 20)),
    # women: 55y4m in 2021 (15/01/1966 → 15/05/2021); 15/10/1966: 55y4m → 15/02/2022 ✗, 55y8m → 15/06/2022
    (Sex.FEMALE, D(1966, 1, 15), D(2021, 5, 15)),
    (Sex.FEMALE, D(1966, 10, 15), D(2022, 6, 15)),
    # 2035 onward: 60
    (Sex.FEMALE, D(1980, 3, 1), D(2040, 3, 1)),
])
def test_retirement_date_worked_cases(sex, born, expected):
    assert roster.retirement_date(sex=sex, birth_date=born) == expected


def test_required_age_by_year():
    assert roster.required_age_months(sex=Sex.MALE, year=2020) == 720
    assert roster.required_age_months(sex=Sex.MALE, year=2023) == 729  # 60y9m
    assert roster.required_age_months(sex=Sex.MALE, year=2028) == 744
    assert roster.required_age_months(sex=Sex.MALE, year=2040) == 744
    assert roster.required_age_months(sex=Sex.FEMALE, year=2025) == 680  # 56y8m
    assert roster.required_age_months(sex=Sex.FEMALE, year=2035) == 720


# --- create, change, leave ----------------------------------------------------------------------------

def test_create_member_with_first_posting_journaled_on_the_agency_chain(agency, agency_admin):
    member = _add(agency_admin, agency, rank="Chuyên viên", position_allowance="0.2", monthly_allowance_vnd=500000)
    posting = roster.current_posting(member)
    assert (posting.agency, posting.category, posting.position, posting.rank) == (
        agency, CADRE, "Công chức Văn phòng", "Chuyên viên")
    assert (posting.salary_coefficient, posting.position_allowance, posting.monthly_allowance_vnd) == (
        Decimal("2.34"), Decimal("0.20"), 500000)
    assert (posting.valid_from, posting.valid_to) == (D(2010, 1, 1), None)
    assert member.name_folded == "nguyen van an"
    entry = JournalEntry.objects.order_by("-pk").first()
    assert (entry.action, entry.agency_id_ref, entry.after["full_name"]) == ("staffing.member_create", agency.pk,
                                                                         "Nguyễn Văn An")


@pytest.mark.parametrize(("kw", "field", "text"), [
    ({"birth_date": D(2099, 1, 1)}, "birth_date", "ở tương lai"),
    ({"birth_date": D(1990, 1, 1), "start_date": D(1989, 1, 1)}, "start_date", "trước ngày sinh"),
    ({"birth_date": D(2000, 6, 2), "start_date": D(2018, 6, 1)}, "start_date", "chưa đủ 18 tuổi"),
    ({"salary_coefficient": "0"}, "salary_coefficient", "lớn hơn 0"),
    ({"salary_coefficient": "-1.5"}, "salary_coefficient", "lớn hơn 0"),
    ({"salary_coefficient": "15.01"}, "salary_coefficient", "không quá 15"),
    ({"salary_coefficient": "abc"}, "salary_coefficient", "không phải là số"),
    ({"category": "boss"}, "category", "Đối tượng không hợp lệ"),
    ({"sex": "x"}, "sex", "Nam hoặc Nữ"),
    ({"position": "  "}, "position", "Nhập chức vụ"),
    ({"position_allowance": "-0.1"}, "position_allowance", "từ 0 đến 15"),
])
def test_bad_input_is_refused_and_nothing_changes(agency, agency_admin, kw, field, text):
    before = _state()
    with pytest.raises(ValidationFailed) as info:
        _add(agency_admin, agency, **kw)
    assert text in info.value.fields[field]
    assert _state() == before


def test_exactly_18_on_the_start_date_is_accepted(agency, agency_admin):
    member = _add(agency_admin, agency, birth_date=D(2000, 6, 1), start_date=D(2018, 6, 1))
    assert roster.current_posting(member).valid_from == D(2018, 6, 1)


def test_posting_change_closes_the_day_before_and_keeps_other_values(agency, agency_admin):
    member = _add(agency_admin, agency, rank="Chuyên viên")
    new = roster.posting_change(actor=agency_admin, member=member, on=D(2020, 7, 1), position="Phó Chủ tịch UBND",
                                salary_coefficient="3.00", basis="QĐ 15/QĐ-UBND")
    old = StaffPosting.objects.get(member=member, valid_from=D(2010, 1, 1))
    assert (old.valid_to, old.ended_reason, old.position) == (D(2020, 6, 30), LeaveReason.CHANGE, "Công chức Văn phòng")
    assert (new.valid_from, new.valid_to, new.position, new.rank, new.salary_coefficient, new.basis) == (
        D(2020, 7, 1), None, "Phó Chủ tịch UBND", "Chuyên viên", Decimal("3.00"), "QĐ 15/QĐ-UBND")
    assert roster.current_posting(member, on=D(2020, 6, 30)) == old
    assert roster.current_posting(member, on=D(2020, 7, 1)) == new
    assert roster.current_posting(member, on=D(2009, 12, 31)) is None
    assert JournalEntry.objects.order_by("-pk").first().action == "staffing.posting_change"


def test_posting_change_to_another_agency_journals_both_chains(agency, other_agency, superuser):
    member = _add(superuser, agency)
    roster.posting_change(actor=superuser, member=member, on=D(2021, 1, 1), reason=LeaveReason.TRANSFER,
                          agency=other_agency)
    assert list(roster.in_post([agency.pk], D(2020, 12, 31)).values_list("member", flat=True)) == [member.pk]
    assert not roster.in_post([agency.pk], D(2021, 1, 1)).exists()
    assert list(roster.in_post([other_agency.pk], D(2021, 1, 1)).values_list("member", flat=True)) == [member.pk]
    last = list(JournalEntry.objects.order_by("-pk")[:2])
    assert {(e.action, e.agency_id_ref) for e in last} == {("staffing.posting_change", agency.pk),
                                                      ("staffing.posting_in", other_agency.pk)}


def test_posting_change_refusals_change_nothing(agency, agency_admin):
    member = _add(agency_admin, agency)
    before = _state()
    with pytest.raises(ValidationFailed, match="phải sau ngày bắt đầu"):
        roster.posting_change(actor=agency_admin, member=member, on=D(2010, 1, 1), position="Khác")
    with pytest.raises(ValidationFailed, match="Không có gì thay đổi"):
        roster.posting_change(actor=agency_admin, member=member, on=D(2015, 1, 1), position="Công chức Văn phòng")
    with pytest.raises(ValidationFailed, match="Không thay đổi được: birth_date"):
        roster.posting_change(actor=agency_admin, member=member, on=D(2015, 1, 1), birth_date=D(1990, 1, 1))
    with pytest.raises(ValidationFailed, match="không quá 15"):
        roster.posting_change(actor=agency_admin, member=member, on=D(2015, 1, 1), salary_coefficient="99")
    assert _state() == before


def test_leave_closes_the_posting_and_a_second_leave_is_refused(agency, agency_admin):
    member = _add(agency_admin, agency)
    closed = roster.member_leave(actor=agency_admin, member=member, on=D(2024, 3, 1), reason=LeaveReason.RETIREMENT,
                                 basis="QĐ 3/QĐ-UBND")
    assert (closed.valid_to, closed.ended_reason) == (D(2024, 2, 29), LeaveReason.RETIREMENT)
    assert roster.current_posting(member) is None
    assert roster.in_post([agency.pk], D(2024, 2, 29)).count() == 1
    assert roster.in_post([agency.pk], D(2024, 3, 1)).count() == 0
    before = _state()
    with pytest.raises(Conflict, match="không còn đang công tác"):
        roster.member_leave(actor=agency_admin, member=member, on=D(2025, 1, 1), reason=LeaveReason.RESIGNATION)
    with pytest.raises(ValidationFailed, match="Chọn lý do"):
        roster.member_leave(actor=agency_admin, member=member, on=D(2025, 1, 1), reason=LeaveReason.CHANGE)
    assert _state() == before


# --- permissions --------------------------------------------------------------------------------------

def test_who_may_view_and_manage(agency, other_agency, agency_admin, leader, clerk):
    other_admin = make_official(other_agency, Role.AGENCY_ADMIN, username="qt_xa").user
    assert roster.can_view_roster(agency_admin, agency) and roster.can_manage_roster(agency_admin, agency)
    assert roster.can_view_roster(leader, agency) and not roster.can_manage_roster(leader, agency)
    assert not roster.can_view_roster(clerk, agency)
    assert not roster.can_view_roster(other_admin, agency) and not roster.can_manage_roster(other_admin, agency)
    before = _state()
    with pytest.raises(PermissionDenied):
        _add(other_admin, agency)
    with pytest.raises(PermissionDenied):
        _add(leader, agency)
    assert _state() == before


def test_province_admin_sees_agencies_of_its_province(db):
    province_pc = make_agency(name="UBND tỉnh Quảng Nam", kind=AgencyKind.PROVINCE_PC, province_code="49")
    admin = make_official(province_pc, Role.AGENCY_ADMIN, username="qtqn").user
    by_code = make_agency(name="UBND xã A", kind=AgencyKind.COMMUNE_PC, province_code="49")
    linked = make_agency(name="UBND xã Ninh Phước", kind=AgencyKind.COMMUNE_PC)
    elsewhere = make_agency(name="UBND xã B", kind=AgencyKind.COMMUNE_PC, province_code="68")
    province = AdministrativeUnit.objects.create(code="49", name="Tỉnh Quảng Nam", unit_type=UnitType.PROVINCE)
    district = AdministrativeUnit.objects.create(code="506", name="Huyện Nông Sơn", unit_type=UnitType.DISTRICT,
                                                 parent=province)
    commune = AdministrativeUnit.objects.create(code="20667", name="Xã Ninh Phước", unit_type=UnitType.COMMUNE,
                                                parent=district)
    UnitAgency.objects.create(unit=commune, agency=linked)
    assert roster.can_manage_roster(admin, by_code) and roster.can_manage_roster(admin, linked)
    assert not roster.can_view_roster(admin, elsewhere)


def test_anonymous_may_not(agency):
    from django.contrib.auth.models import AnonymousUser

    assert not roster.can_view_roster(AnonymousUser(), agency)
    assert not roster.can_manage_roster(AnonymousUser(), agency)


# --- CSV import ---------------------------------------------------------------------------------------

HEADER = "full_name,sex,birth_date,category,position,rank,salary_coefficient,start_date\n"


def test_import_adds_everyone_in_one_journal_entry(agency, agency_admin):
    text = HEADER + ("Trần Thị Bình,Nữ,02/03/1985,Cán bộ công chức,Công chức Tư pháp,Chuyên viên,\"2,67\",01/09/2008\n"
                     "Lê Văn Cường,nam,1979-12-31,part_time,Phó Chỉ huy trưởng Quân sự,,1.00,15/01/2015\n")
    before = JournalEntry.objects.count()
    result = roster.roster_import(actor=agency_admin, agency=agency, text=text)
    assert result.created == 2
    rows = {p.member.full_name: p for p in StaffPosting.objects.select_related("member")}
    binh, cuong = rows["Trần Thị Bình"], rows["Lê Văn Cường"]
    assert (binh.member.sex, binh.member.birth_date, binh.category, binh.salary_coefficient, binh.valid_from) == (
        Sex.FEMALE, D(1985, 3, 2), CADRE, Decimal("2.67"), D(2008, 9, 1))
    assert (cuong.member.sex, cuong.category, cuong.rank, cuong.member.name_folded) == (
        Sex.MALE, PART, "", "le van cuong")
    assert JournalEntry.objects.count() == before + 1
    assert JournalEntry.objects.order_by("-pk").first().after["created"] == 2


def test_import_is_all_or_nothing_and_names_every_bad_line(agency, agency_admin):
    _add(agency_admin, agency, name="Nguyễn Văn An", birth_date=D(1980, 5, 20))
    text = HEADER + (
        "Trần Thị Bình,Nữ,02/03/1985,cadre_civil,Công chức,,2.67,01/09/2008\n"  # 2: good
        "Tương Lai,Nam,01/01/2099,cadre_civil,Công chức,,2.34,01/01/2020\n"  # 3: born in the future
        "Trẻ Em,Nam,01/01/2010,cadre_civil,Công chức,,2.34,01/01/2020\n"  # 4: under 18
        "Hệ Số,Nam,01/01/1980,giám đốc,Công chức,,0,01/01/2020\n"  # 5: category, coefficient
        "Nguyễn Văn An,Nam,20/05/1980,cadre_civil,Công chức,,2.34,01/01/2020\n"  # 6: already on the roster
        "Ngày Sai,Nam,31/02/1980,cadre_civil,Công chức,,16,01/01/2020\n"  # 7: date, absurd coefficient
    )
    before = _state()
    with pytest.raises(ValidationFailed) as info:
        roster.roster_import(actor=agency_admin, agency=agency, text=text)
    fields = info.value.fields
    assert sorted(fields) == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert fields["line 3"].startswith("Dòng 3: ") and "ở tương lai" in fields["line 3"]
    assert "chưa đủ 18 tuổi" in fields["line 4"]
    assert "đối tượng “giám đốc” không rõ" in fields["line 5"] and "lớn hơn 0" in fields["line 5"]
    assert "đã có trong danh sách" in fields["line 6"]
    assert "ngày sinh “31/02/1980” không hợp lệ" in fields["line 7"] and "không quá 15" in fields["line 7"]
    assert info.value.message == "Tệp có 5 dòng không hợp lệ; chưa nhập ai."
    assert _state() == before


def test_import_refuses_a_wrong_header_and_other_admins(agency, other_agency, agency_admin):
    with pytest.raises(ValidationFailed) as info:
        roster.roster_import(actor=agency_admin, agency=agency, text="name,sex\nA,Nam\n")
    assert "Thiếu cột: full_name" in info.value.fields["header"]
    other_admin = make_official(other_agency, Role.AGENCY_ADMIN, username="qt_xa").user
    before = _state()
    with pytest.raises(PermissionDenied):
        roster.roster_import(actor=other_admin, agency=agency, text=HEADER + "A,Nam,01/01/1980,cadre_civil,X,,2,"
                             "01/01/2010\n")
    assert _state() == before
