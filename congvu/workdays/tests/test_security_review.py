"""Security review of the working-day calendar: who reaches which page and endpoint, who edits which scope,
CSRF and the journal. A refused call changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_agency
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.org.models import AgencyKind
from congvu.workdays import urls as workdays_urls
from congvu.workdays.models import CalendarDay, DayKind, OfficeHours
from congvu.workdays.services import calendar_day_create, office_hours_set

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def calendar_state() -> dict:
    return {
        "days": list(CalendarDay.objects.order_by("pk").values_list("pk", "date", "kind", "name", "active",
                                                                    "province_code")),
        "hours": list(OfficeHours.objects.order_by("pk").values_list("pk", "valid_from", "periods", "province_code")),
        "journal": JournalEntry.objects.count(),
    }


@pytest.fixture
def province_day(superuser):
    return calendar_day_create(actor=superuser, date="2026-03-26", kind=DayKind.EXTRA_OFF,
                               name="Kỷ niệm ngày giải phóng tỉnh", province_code="49")


@pytest.fixture
def other_province_day(superuser):
    return calendar_day_create(actor=superuser, date="2026-03-29", kind=DayKind.EXTRA_OFF,
                               name="Ngày giải phóng thành phố", province_code="48")


def test_the_anonymous_is_sent_to_login_and_the_api_answers_401(province_day):
    for p in workdays_urls.urlpatterns:
        url = reverse(f"workdays:{p.name}", kwargs={n: province_day.pk for n in p.pattern.converters})
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), (method, url)
    for method, path in (("GET", "/workdays/add?start=2026-02-13&days=1"), ("GET", "/workdays/calendar?year=2026"),
                         ("POST", "/workdays/days"), ("PATCH", f"/workdays/days/{province_day.pk}"),
                         ("DELETE", f"/workdays/days/{province_day.pk}"), ("POST", "/workdays/office-hours")):
        response = Client().generic(method, "/api/v1" + path, "{}", content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), path


def test_officers_may_not_open_the_calendar_page(officer, province_day):
    web = client_for(officer)
    before = calendar_state()
    assert web.get(reverse("workdays:calendar")).status_code == 403
    assert web.get(reverse("workdays:day_edit", args=[province_day.pk])).status_code == 403
    assert web.post(reverse("workdays:day_delete", args=[province_day.pk])).status_code == 403
    assert calendar_state() == before


def test_an_agency_admin_reads_but_edits_only_his_provinces_rows(agency_admin, province_admin, province_day,
                                                                 other_province_day):
    national = CalendarDay.objects.filter(province_code="", active=True).order_by("pk").first()
    district_api, province_api = ApiClient(agency_admin), ApiClient(province_admin)
    before = calendar_state()
    # A district's admin sees the page, changes nothing.
    web = client_for(agency_admin)
    assert web.get(reverse("workdays:calendar")).status_code == 200
    for day in (province_day, national):
        assert web.post(reverse("workdays:day_edit", args=[day.pk]), {"date": "27/03/2026", "kind": "extra_off",
                                                                      "name": "Đổi"}).status_code == 403
        assert web.post(reverse("workdays:day_delete", args=[day.pk])).status_code == 403
    response = district_api.post("/workdays/days", {"date": "2026-04-01", "kind": "extra_off", "name": "Nghỉ",
                                                    "province_code": "49"})
    assert response.status_code == 403
    # The province's admin: not the national rows, not another province's.
    web = client_for(province_admin)
    for day in (national, other_province_day):
        assert web.get(reverse("workdays:day_edit", args=[day.pk])).status_code == 403
        assert web.post(reverse("workdays:day_delete", args=[day.pk])).status_code == 403
        assert province_api.client.delete(f"/api/v1/workdays/days/{day.pk}").status_code == 403
        assert province_api.client.patch(f"/api/v1/workdays/days/{day.pk}", '{"name": "Đổi"}',
                                         content_type="application/json").status_code == 403
    for code in ("", "48"):
        response = province_api.post("/workdays/days", {"date": "2026-04-01", "kind": "extra_off", "name": "Nghỉ",
                                                        "province_code": code})
        assert response.status_code == 403, code
        response = province_api.post("/workdays/office-hours", {"valid_from": "2027-01-01", "province_code": code,
                                                                "periods": [["07:30", "11:30"]]})
        assert response.status_code == 403, code
    assert calendar_state() == before


def test_the_calendar_of_an_agency_one_does_not_work_in_is_a_404(agency_admin):
    foreign = make_agency(name="UBND tỉnh Đà Nẵng", kind=AgencyKind.PROVINCE_PC, province_code="48")
    response = ApiClient(agency_admin).get("/workdays/calendar", {"year": 2026, "agency": foreign.pk})
    assert (response.status_code, response.json()["message"]) == (404, "Không tìm thấy cơ quan.")


def test_calendar_posts_without_the_csrf_token_are_refused(superuser, province_day):
    web = Client(enforce_csrf_checks=True)
    web.force_login(superuser)
    before = calendar_state()
    assert web.post(reverse("workdays:day_delete", args=[province_day.pk])).status_code == 403
    assert web.post(reverse("workdays:calendar"), {"date": "01/04/2026", "kind": "extra_off", "name": "x"}
                    ).status_code == 403
    response = web.post("/api/v1/workdays/days", {"date": "2026-04-01", "kind": "extra_off", "name": "x"},
                        content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert calendar_state() == before


def test_every_calendar_change_is_journaled(superuser, province_admin):
    day = calendar_day_create(actor=province_admin, date="2026-03-26", kind=DayKind.EXTRA_OFF, name="Ngày tỉnh",
                              province_code="49")
    client_for(province_admin).post(reverse("workdays:day_delete", args=[day.pk]))
    office_hours_set(actor=superuser, valid_from="2027-01-01", periods=[["07:30", "11:30"], ["13:00", "16:30"]])
    actions = list(JournalEntry.objects.filter(action__startswith="workdays.").order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["workdays.day_create", "workdays.day_delete", "workdays.office_hours_set"]
