"""Fixes after review R1: member history limited to readable agencies, duplicates, the shared text cleaning."""

import datetime as dt

import pytest
from django.urls import reverse

from conftest import make_official
from congvu.core.errors import ValidationFailed
from congvu.core.text import clean_text, has_control_characters
from congvu.org.models import Role
from congvu.staffing import report, roster
from congvu.staffing.models import StaffMember, StaffPosting
from congvu.staffing.tests.conftest import login
from congvu.staffing.tests.roster_world import add_one

pytestmark = pytest.mark.django_db
D = dt.date


def test_clean_text_drops_control_and_format_characters():
    assert clean_text(" Trần\x00 Bình\u200b ") == "Trần Bình"
    assert clean_text("dòng 1\r\ndòng\t2\x07", multiline=True) == "dòng 1\ndòng\t2"
    assert clean_text("a\nb") == "a b"
    assert clean_text(None) == ""
    assert has_control_characters("a\x00b") and not has_control_characters(" ab\n")
    assert not has_control_characters("a\nb", multiline=True)


def test_province_code_accepts_letters_and_digits_only():
    assert report.province_code(" 49 ") == "49"
    assert report.province_code("") == ""
    for bad in ("a\x00b", "4-9", "12345678901", "Hà"):
        with pytest.raises(ValidationFailed, match="Mã tỉnh không hợp lệ"):
            report.province_code(bad)


def test_member_detail_shows_only_postings_at_readable_agencies(agency, other_agency):
    member = add_one(agency, "Lê Văn Cường", birth_date=D(1980, 5, 1), position="Công chức Tư pháp - Hộ tịch",
                     start_date=D(2010, 1, 1))
    roster.posting_change(actor=None, member=member, on=D(2024, 3, 1), agency=other_agency,
                          position="Chánh Văn phòng mới")
    old_admin = make_official(agency, Role.AGENCY_ADMIN, username="qt_cu").user
    new_admin = make_official(other_agency, Role.AGENCY_ADMIN, username="qt_moi").user
    html = login(old_admin).get(reverse("staffing:member_detail", args=[member.pk])).content.decode()
    assert "Lê Văn Cường" in html and "Công chức Tư pháp - Hộ tịch" in html
    assert "Chánh Văn phòng mới" not in html and other_agency.name not in html
    html = login(new_admin).get(reverse("staffing:member_detail", args=[member.pk])).content.decode()
    assert "Chánh Văn phòng mới" in html and "Công chức Tư pháp - Hộ tịch" not in html


def test_create_refuses_a_person_already_in_post_but_not_one_who_left(agency):
    add_one(agency, "Phạm Thị Dung", sex="female", birth_date=D(1985, 2, 3))
    before = (StaffMember.objects.count(), StaffPosting.objects.count())
    with pytest.raises(ValidationFailed, match="đã có trong danh sách của cơ quan"):
        roster.staff_member_create(actor=None, agency=agency, full_name="pham thi DUNG",
                                   sex="female", birth_date=D(1985, 2, 3), category="cadre_civil",
                                   position="Công chức", salary_coefficient="2.34", start_date=D(2020, 1, 1))
    assert (StaffMember.objects.count(), StaffPosting.objects.count()) == before
    # a namesake born on another day is another person
    roster.staff_member_create(actor=None, agency=agency, full_name="Phạm Thị Dung", sex="female",
                               birth_date=D(1985, 2, 4), category="cadre_civil", position="Công chức",
                               salary_coefficient="2.34", start_date=D(2020, 1, 1))
    assert StaffMember.objects.count() == before[0] + 1
