"""Roster pages: the list with search and filter, member detail with history, add, change and leave forms,
who may see and change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.org.models import Role
from congvu.staffing.models import LeaveReason, StaffCategory, StaffMember, StaffPosting
from congvu.staffing.tests.conftest import login
from congvu.staffing.tests.roster_world import add_one

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def people(agency):
    an = add_one(agency, "Nguyễn Văn An", birth_date=D(1962, 3, 15), salary_coefficient="4.98",
                 position_allowance="0.2", monthly_allowance_vnd=1250000)
    binh = add_one(agency, "Trần Thị Bình", sex="female", birth_date=D(1990, 1, 2), category=StaffCategory.PART_TIME,
                   position="Phó Chỉ huy trưởng Quân sự", salary_coefficient="1.00", start_date=D(2015, 6, 1))
    return an, binh


def _state():
    return (StaffMember.objects.count(), StaffPosting.objects.count(), JournalEntry.objects.count())


def test_roster_list_shows_current_postings_with_retirement_dates(agency, agency_admin, people):
    page = login(agency_admin).get(reverse("staffing:roster"), {"agency": agency.pk, "on": "01/01/2020"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nguyễn Văn An" in html and "Trần Thị Bình" in html
    assert "15/09/2022" in html  # An's retirement date (60y6m in 2022)
    assert "4,98" in html and "1.250.000 đ" in html
    assert "2 người" in html


def test_roster_search_is_accent_insensitive_and_filters_by_category(agency, leader, people):
    client = login(leader)
    html = client.get(reverse("staffing:roster"), {"agency": agency.pk, "q": "tran thi"}).content.decode()
    assert "Trần Thị Bình" in html and "Nguyễn Văn An" not in html
    html = client.get(reverse("staffing:roster"), {"agency": agency.pk, "q": "BÌNH"}).content.decode()
    assert "Trần Thị Bình" in html
    html = client.get(reverse("staffing:roster"), {"agency": agency.pk, "category": "cadre_civil"}).content.decode()
    assert "Nguyễn Văn An" in html and "Trần Thị Bình" not in html


def test_roster_before_a_start_date_and_a_bad_date(agency, agency_admin, people):
    client = login(agency_admin)
    html = client.get(reverse("staffing:roster"), {"agency": agency.pk, "on": "01/01/2012"}).content.decode()
    assert "Nguyễn Văn An" in html and "Trần Thị Bình" not in html  # Bình starts on 01/06/2015
    page = client.get(reverse("staffing:roster"), {"agency": agency.pk, "on": "31/02/2020"})
    assert page.status_code == 200 and "không hợp lệ" in page.content.decode()


def test_permissions(agency, other_agency, clerk, people):
    url = reverse("staffing:roster")
    anonymous = Client().get(url, {"agency": agency.pk})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert login(clerk).get(url, {"agency": agency.pk}).status_code == 403
    other_admin = make_official(other_agency, Role.AGENCY_ADMIN, username="qt_xa").user
    assert login(other_admin).get(url, {"agency": agency.pk}).status_code == 403
    assert login(other_admin).get(reverse("staffing:member_detail", args=[people[0].pk])).status_code == 403
    assert login(other_admin).get(reverse("staffing:member_new"), {"agency": agency.pk}).status_code == 403
    before = _state()
    post = login(other_admin).post(reverse("staffing:member_leave", args=[people[0].pk]),
                                   {"on": "01/01/2024", "reason": "retirement"})
    assert post.status_code == 403
    assert _state() == before
    assert login(other_admin).get(url, {"agency": 999999}).status_code == 404
    # without ?agency= an agency admin goes straight to their agency
    assert login(other_admin).get(url)["Location"].endswith(f"?agency={other_agency.pk}")


def test_leader_sees_but_may_not_change(agency, leader, people):
    client = login(leader)
    page = client.get(reverse("staffing:member_detail", args=[people[0].pk]))
    assert page.status_code == 200 and "Ghi thôi công tác" not in page.content.decode()
    before = _state()
    assert client.post(reverse("staffing:member_change", args=[people[0].pk]),
                       {"on": "01/01/2024", "position": "Chủ tịch"}).status_code == 403
    assert _state() == before


def test_add_member_form(agency, agency_admin):
    client = login(agency_admin)
    assert client.get(reverse("staffing:member_new"), {"agency": agency.pk}).status_code == 200
    page = client.post(f"{reverse('staffing:member_new')}?agency={agency.pk}", {
        "full_name": "Lê Văn Cường", "sex": "male", "birth_date": "05/03/1985", "category": "cadre_civil",
        "position": "Công chức Địa chính", "rank": "Chuyên viên", "salary_coefficient": "2,67",
        "monthly_allowance_vnd": "500.000", "start_date": "01/09/2010", "basis": "QĐ 9/QĐ-UBND"})
    member = StaffMember.objects.get(full_name="Lê Văn Cường")
    assert page.status_code == 302 and page["Location"] == reverse("staffing:member_detail", args=[member.pk])
    posting = member.postings.get()
    assert (posting.salary_coefficient, posting.monthly_allowance_vnd, posting.valid_from, posting.basis) == (
        Decimal("2.67"), 500000, D(2010, 9, 1), "QĐ 9/QĐ-UBND")


@pytest.mark.parametrize(("values", "text"), [
    ({"birth_date": "05/03/2099"}, "ở tương lai"),
    ({"birth_date": "31/02/1985"}, "không hợp lệ"),
    ({"start_date": "01/01/1984"}, "trước ngày sinh"),
    ({"start_date": "01/01/2000"}, "chưa đủ 18 tuổi"),
    ({"salary_coefficient": "0"}, "lớn hơn 0"),
    ({"salary_coefficient": "25"}, "không quá 15"),
    ({"category": "boss"}, "Đối tượng không hợp lệ"),
])
def test_add_member_bad_input_shows_the_message_and_changes_nothing(agency, agency_admin, values, text):
    before = _state()
    data = {"full_name": "Lê Văn Cường", "sex": "male", "birth_date": "05/03/1985", "category": "cadre_civil",
            "position": "Công chức", "salary_coefficient": "2.67", "start_date": "01/09/2010"} | values
    page = login(agency_admin).post(f"{reverse('staffing:member_new')}?agency={agency.pk}", data)
    assert page.status_code == 400
    assert text in page.content.decode()
    assert _state() == before


def test_change_and_leave_forms_and_the_history(agency, agency_admin, people):
    an = people[0]
    client = login(agency_admin)
    page = client.post(reverse("staffing:member_change", args=[an.pk]),
                       {"on": "01/07/2020", "position": "Phó Chủ tịch UBND", "salary_coefficient": "5,32",
                        "basis": "QĐ 15/QĐ-UBND"})
    assert page.status_code == 302
    page = client.post(reverse("staffing:member_leave", args=[an.pk]),
                       {"on": "15/09/2022", "reason": "retirement", "basis": "QĐ 30/QĐ-UBND"})
    assert page.status_code == 302
    postings = list(an.postings.order_by("valid_from"))
    assert [(p.valid_from, p.valid_to, p.position, p.ended_reason) for p in postings] == [
        (D(2010, 1, 1), D(2020, 6, 30), "Công chức Văn phòng - Thống kê", LeaveReason.CHANGE),
        (D(2020, 7, 1), D(2022, 9, 14), "Phó Chủ tịch UBND", LeaveReason.RETIREMENT)]
    html = client.get(reverse("staffing:member_detail", args=[an.pk])).content.decode()
    assert "Phó Chủ tịch UBND" in html and "14/09/2022" in html and "Nghỉ hưu" in html and "5,32" in html
    assert "Không còn công tác" in html


def test_change_and_leave_bad_input_changes_nothing(agency, agency_admin, people):
    an = people[0]
    client = login(agency_admin)
    before = _state()
    for url, data, text in [
        ("member_change", {"on": "01/01/2009", "position": "X"}, "phải sau ngày bắt đầu"),
        ("member_change", {"on": "", "position": "X"}, "Thiếu ngày"),
        ("member_change", {"on": "01/01/2020", "salary_coefficient": "-1"}, "lớn hơn 0"),
        ("member_leave", {"on": "01/01/2020", "reason": ""}, "Chọn lý do"),
        ("member_leave", {"on": "aa", "reason": "retirement"}, "không hợp lệ"),
    ]:
        page = client.post(reverse(f"staffing:{url}", args=[an.pk]), data)
        assert page.status_code == 400, (url, data)
        assert text in page.content.decode(), (url, data)
    assert _state() == before
    assert client.get(reverse("staffing:member_detail", args=[999999])).status_code == 404


def test_import_page(agency, agency_admin, leader):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from congvu.staffing.tests.roster_world import roster_csv

    url = f"{reverse('staffing:roster_import')}?agency={agency.pk}"
    client = login(agency_admin)
    assert client.get(url).status_code == 200
    bad = roster_csv(2) + "Tương Lai,Nam,01/01/2099,cadre_civil,Công chức,,2.34,01/01/2020\n"
    before = _state()
    page = client.post(url, {"file": SimpleUploadedFile("ds.csv", bad.encode())})
    html = page.content.decode()
    assert page.status_code == 400
    assert "Tệp có 1 dòng không hợp lệ; chưa nhập ai." in html and "Dòng 4: ngày sinh 01/01/2099 ở tương lai." in html
    page = client.post(url, {"file": SimpleUploadedFile("ds.csv", "\ufeffđ".encode("utf-16"))})
    assert page.status_code == 400 and "UTF-8" in page.content.decode()
    assert client.post(url, {}).status_code == 400
    assert _state() == before
    assert login(leader).post(url, {"file": SimpleUploadedFile("ds.csv", roster_csv(2).encode())}).status_code == 403
    assert _state() == before
    page = client.post(url, {"file": SimpleUploadedFile("ds.csv", roster_csv(3).encode("utf-8-sig"))})
    assert page.status_code == 302 and page["Location"].endswith(f"?agency={agency.pk}")
    assert StaffMember.objects.count() == before[0] + 3


def test_forms_write_to_the_agency_checked_whatever_is_posted(agency, other_agency, agency_admin):
    client = login(agency_admin)
    page = client.post(f"{reverse('staffing:member_new')}?agency={agency.pk}", {
        "agency": other_agency.pk, "full_name": "Người Lạ", "sex": "male", "birth_date": "01/01/1990",
        "start_date": "01/01/2015", "category": "cadre_civil", "position": "Công chức", "salary_coefficient": "2,34"})
    assert page.status_code == 302
    assert StaffPosting.objects.get(member__full_name="Người Lạ").agency == agency
    before = _state()
    # without ?agency= the posted one is checked: the admin of another agency is refused
    page = client.post(reverse("staffing:member_new"), {
        "agency": other_agency.pk, "full_name": "Người Khác", "sex": "male", "birth_date": "01/01/1990",
        "start_date": "01/01/2015", "category": "cadre_civil", "position": "Công chức", "salary_coefficient": "2,34"})
    assert page.status_code == 403
    assert client.post(reverse("staffing:roster_import"), {"agency": other_agency.pk}).status_code == 403
    assert _state() == before
