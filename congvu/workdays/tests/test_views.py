"""/manage/calendar/: who sees it, who edits, and the forms."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from congvu.audit.models import JournalEntry
from congvu.workdays.models import CalendarDay, OfficeHours

pytestmark = pytest.mark.django_db

URL = "/manage/calendar/"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state():
    return (list(CalendarDay.objects.order_by("pk").values_list("pk", "date", "kind", "name", "active")),
            list(OfficeHours.objects.values_list("pk", "periods")), JournalEntry.objects.count())


def test_url_name():
    assert reverse("workdays:calendar") == URL


def test_superuser_sees_the_year_as_a_table_and_a_month_grid(superuser):
    r = login(superuser).get(URL, {"year": 2026})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Lịch làm việc năm 2026 — toàn quốc" in html
    assert "Năm 2026 có <strong>249</strong> ngày làm việc theo lịch này." in html
    assert "<td data-label=\"Ngày\">22/08/2026</td>" in html
    assert "Làm việc bù cho ngày nghỉ 31/08/2026" in html
    assert '<td class="swapped" title="Làm việc bù cho ngày nghỉ 31/08/2026">22</td>' in html
    assert '<td class="off" title="Ngày Văn hóa Việt Nam">24</td>' in html
    assert "Thêm ngày toàn quốc" in html and "Đặt giờ làm việc toàn quốc" in html
    assert "Mặc định: 07:00–11:30, 13:30–17:00." in html


def test_an_estimated_year_says_so(superuser):
    html = login(superuser).get(URL, {"year": 2027}).content.decode()
    assert "Lịch nghỉ của năm này là <strong>dự kiến</strong>" in html


def test_agency_admin_sees_without_forms_and_other_roles_are_refused(agency_admin, clerk, leader):
    r = login(agency_admin).get(URL, {"year": 2026})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Bạn chỉ xem lịch này." in html
    assert "Thêm ngày" not in html and "/manage/calendar/days/" not in html
    for user in (clerk, leader):
        assert login(user).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302  # to the login page


def test_superuser_adds_edits_and_removes_a_day(superuser):
    client = login(superuser)
    r = client.post(URL, {"year": "2026", "province": "", "date": "10/03/2026", "kind": "extra_off",
                          "name": "Nghỉ thêm", "basis": "CV 1/VPCP"})
    assert r.status_code == 302 and r["Location"] == f"{URL}?year=2026&province="
    day = CalendarDay.objects.get(date=dt.date(2026, 3, 10))
    assert (day.kind, day.name, day.basis, day.province_code, day.estimated) == (
        "extra_off", "Nghỉ thêm", "CV 1/VPCP", "", False)
    edit = reverse("workdays:day_edit", args=[day.pk])
    assert 'value="10/03/2026"' in client.get(edit).content.decode()
    r = client.post(edit, {"date": "11/03/2026", "kind": "extra_off", "name": "Nghỉ thêm (dời)", "estimated": "on"})
    assert r.status_code == 302
    day.refresh_from_db()
    assert (day.date, day.name, day.estimated) == (dt.date(2026, 3, 11), "Nghỉ thêm (dời)", True)
    r = client.post(reverse("workdays:day_delete", args=[day.pk]))
    assert r.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


def test_bad_input_is_shown_on_the_form_and_nothing_changes(superuser):
    client = login(superuser)
    before = state()
    r = client.post(URL, {"year": "2026", "date": "22/08/2026", "kind": "holiday", "name": "x"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Chưa lưu được." in html
    assert "Ngày 22/08/2026 đã có trong lịch toàn quốc: “Làm việc bù cho ngày nghỉ 31/08/2026”. Hãy sửa dòng đó." in html
    r = client.post(reverse("workdays:office_hours_set"), {"year": "2026", "valid_from": "01/05/2026",
                                                           "periods": "11:00-07:00"})
    assert r.status_code == 400
    assert "Giờ làm việc chưa hợp lệ: nhập các buổi theo thứ tự" in r.content.decode()
    assert state() == before


def test_province_admin_edits_its_province_only(province_admin, province_agency):
    client = login(province_admin)
    html = client.get(URL, {"year": 2026}).content.decode()  # the province of the agency they work in
    assert "Lịch làm việc năm 2026 — tỉnh mã 49" in html and "Thêm ngày cho tỉnh 49" in html
    r = client.post(URL, {"year": "2026", "province": "49", "date": "23/02/2026", "kind": "extra_off",
                          "name": "Nghỉ thêm sau Tết"})
    assert r.status_code == 302
    assert CalendarDay.objects.filter(province_code="49").count() == 1
    html = client.get(URL, {"year": 2026, "province": "49"}).content.decode()
    assert "Năm 2026 có <strong>248</strong> ngày làm việc" in html
    before = state()
    national = CalendarDay.objects.get(date=dt.date(2026, 1, 1))
    assert client.post(URL, {"year": "2026", "province": "", "date": "10/03/2026", "kind": "extra_off",
                             "name": "x"}).status_code == 403
    assert client.post(reverse("workdays:day_delete", args=[national.pk])).status_code == 403
    assert client.get(reverse("workdays:day_edit", args=[national.pk])).status_code == 403
    assert state() == before


def test_office_hours_form_and_removed_days(superuser):
    client = login(superuser)
    r = client.post(reverse("workdays:office_hours_set"), {"year": "2026", "province": "", "valid_from": "01/05/2026",
                                                           "periods": "07:00-11:00, 13:00-17:00", "basis": "QĐ 5"})
    assert r.status_code == 302
    row = OfficeHours.objects.get()
    assert (row.valid_from, row.periods, row.basis) == (dt.date(2026, 5, 1), [["07:00", "11:00"], ["13:00", "17:00"]],
                                                        "QĐ 5")
    html = client.get(URL, {"year": 2026}).content.decode()
    assert "07:00–11:00, 13:00–17:00" in html
    seeded = CalendarDay.objects.get(date=dt.date(2026, 11, 24))
    client.post(reverse("workdays:day_delete", args=[seeded.pk]))
    html = client.get(URL, {"year": 2026}).content.decode()
    assert "Ngày đã bỏ khỏi lịch" in html and "Năm 2026 có <strong>250</strong>" in html
    client.post(reverse("workdays:day_restore", args=[seeded.pk]))
    seeded.refresh_from_db()
    assert seeded.active is True
    assert client.post(reverse("workdays:office_hours_delete", args=[row.pk]), {"year": "2026"}).status_code == 302
    assert not OfficeHours.objects.exists()
