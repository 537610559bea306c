"""Security review of the weekly schedule: who reaches which page and endpoint, ids of another agency's
objects, secret documents linked to entries, CSRF and the journal. A refused call changes nothing."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.core.errors import ValidationFailed
from congvu.documents.models import Secrecy
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Membership, Role
from congvu.schedule import urls as schedule_urls
from congvu.schedule.models import EntryStatus, ScheduleEntry
from congvu.schedule.services import (
    ScheduleEntryData,
    schedule_entry_cancel,
    schedule_entry_create,
    schedule_entry_from_document,
    schedule_entry_publish,
    schedule_entry_update,
    schedule_week_publish,
)
from congvu.schedule.tests.conftest import at

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Phương án bảo vệ mục tiêu quan trọng dịp Tết"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def entries_state() -> list:
    return [
        (e.pk, e.status, e.title, e.place, e.cancel_reason, e.published_at, sorted(e.documents.values_list("pk", flat=True)))
        for e in ScheduleEntry.objects.order_by("pk")
    ]


def _page_urls(module) -> list[str]:
    """Every page URL of an app with made-up ids (a page must send the anonymous to login before it looks)."""
    out = []
    for p in module.urlpatterns:
        assert isinstance(p, URLPattern)
        kwargs = {name: 999 for name in p.pattern.converters}
        out.append(reverse(f"{module.app_name}:{p.name}", kwargs=kwargs))
    return out


def _api_paths(router) -> list[tuple[str, str]]:
    paths = []
    for path, view in router.path_operations.items():
        url = re.sub(r"\{[^}]+\}", "999", path).replace("{iso_week}", "2026-W48")
        for op in view.operations:
            for method in op.methods:
                paths.append((method, url))
    return paths


@pytest.fixture
def secret_doc(agency, clerk):
    """A secret incoming document only the registering clerk is named on."""
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(
        secrecy=Secrecy.CONFIDENTIAL, subject=SECRET_SUBJECT, number="7", notation="M-CA"))


# --- anonymous ----------------------------------------------------------------------------------

def test_every_schedule_page_sends_the_anonymous_to_login(db):
    urls = _page_urls(schedule_urls)
    assert len(urls) == 8
    anonymous = Client()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(anonymous, method)(url)
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith("/login/?next="), (method, url)
    assert ScheduleEntry.objects.count() == 0


def test_every_schedule_endpoint_answers_401_to_the_anonymous(db):
    from congvu.api.schedule import router

    paths = _api_paths(router)
    assert len(paths) == 8
    anonymous = Client()
    for method, path in paths:
        response = anonymous.generic(method, "/api/v1" + path, "{}", content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "unauthenticated"


# --- another agency -----------------------------------------------------------------------------

def test_another_agencys_keeper_gets_404_on_every_entry_page_and_endpoint(make_entry, other_agency):
    entry = make_entry(title="Giao ban lãnh đạo UBND", publish=True)
    foreign = make_official(other_agency, Role.LEADER, username="lanhdao_xa").user
    web, api = client_for(foreign), ApiClient(foreign)
    before, journal = entries_state(), JournalEntry.objects.count()
    for name in ("detail", "edit", "cancel"):
        assert web.get(reverse(f"schedule:{name}", args=[entry.pk])).status_code == 404, name
    for name, data in (("edit", {"day": "24/11/2026", "start_time": "09:00", "title": "Đổi"}),
                       ("publish", {}), ("cancel", {"reason": "Hoãn"})):
        assert web.post(reverse(f"schedule:{name}", args=[entry.pk]), data).status_code == 404, name
    assert api.get(f"/schedule/entries/{entry.pk}").status_code == 404
    assert api.patch(f"/schedule/entries/{entry.pk}", {"title": "Đổi"}).status_code == 404
    assert api.post(f"/schedule/entries/{entry.pk}/publish", {}).status_code == 404
    assert api.post(f"/schedule/entries/{entry.pk}/cancel", {"reason": "Hoãn"}).status_code == 404
    # Their week and their list do not hold it either.
    assert api.get("/schedule/entries", {"week": "2026-W48"}).json() == []
    assert "Giao ban lãnh đạo UBND" not in web.get(reverse("schedule:week"), {"week": "2026-W48"}).content.decode()
    # Publishing "their" week does not touch ours.
    assert api.post("/schedule/weeks/2026-W48/publish", {}).json() == {"week": "2026-W48", "published": 0}
    assert entries_state() == before and JournalEntry.objects.count() == journal


def test_an_officer_reads_published_entries_but_changes_nothing(make_entry, officer):
    draft = make_entry(title="Họp dự kiến")
    published = make_entry(title="Giao ban", publish=True)
    web, api = client_for(officer), ApiClient(officer)
    before, journal = entries_state(), JournalEntry.objects.count()
    assert web.get(reverse("schedule:detail", args=[draft.pk])).status_code == 404
    assert api.get(f"/schedule/entries/{draft.pk}").status_code == 404
    assert web.get(reverse("schedule:detail", args=[published.pk])).status_code == 200
    assert web.get(reverse("schedule:new")).status_code == 403
    assert web.get(reverse("schedule:edit", args=[published.pk])).status_code == 403
    assert web.post(reverse("schedule:cancel", args=[published.pk]), {"reason": "x"}).status_code == 403
    assert web.post(reverse("schedule:publish_week"), {"week": "2026-W48"}).status_code == 403
    response = api.post("/schedule/entries", {"start": "2026-11-24T08:00", "title": "Họp"})
    assert response.status_code == 403
    assert response.json()["message"] == "Chỉ lãnh đạo, văn thư và quản trị cơ quan được lập lịch công tác."
    assert api.patch(f"/schedule/entries/{published.pk}", {"title": "Đổi"}).status_code == 403
    assert api.post(f"/schedule/entries/{published.pk}/cancel", {"reason": "x"}).status_code == 403
    assert entries_state() == before and JournalEntry.objects.count() == journal


# --- ids of another agency ----------------------------------------------------------------------

def test_ids_of_another_agency_in_an_entry_are_refused(agency, other_agency, leader, clerk):
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa")
    foreign_dept = other_agency.departments.create(name="Văn phòng xã", code="VPX")
    api = ApiClient(leader)
    before, journal = entries_state(), JournalEntry.objects.count()
    response = api.post("/schedule/entries", {
        "start": "2026-11-24T08:00", "title": "Họp", "chair_id": foreign_leader.pk,
        "attendee_official_ids": [foreign_leader.pk], "attendee_department_ids": [foreign_dept.pk],
        "preparing_department_id": foreign_dept.pk})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "chair_id": "Người chủ trì phải là lãnh đạo đang công tác tại cơ quan.",
        "attendee_official_ids": "Có người dự không thuộc cơ quan.",
        "attendee_department_ids": "Có đơn vị dự không thuộc cơ quan.",
        "preparing_department_id": "Đơn vị chuẩn bị không thuộc cơ quan."}
    assert entries_state() == before and JournalEntry.objects.count() == journal


def test_a_document_of_another_agency_is_not_linked_even_by_who_works_in_both(agency, other_agency, clerk):
    """A clerk of two agencies sees both registries, but an entry of one links only its own documents."""
    Membership.objects.create(official=clerk.official, agency=other_agency, role=Role.CLERK)
    foreign_doc = incoming_register(actor=clerk, agency=other_agency, data=incoming_data(subject="Văn bản của xã"))
    own_doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="9"))
    before, journal = entries_state(), JournalEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        schedule_entry_create(actor=clerk, agency=agency, data=ScheduleEntryData(
            start=at(2026, 11, 24), title="Họp", document_ids=[own_doc.pk, foreign_doc.pk]))
    assert exc.value.fields == {"document_ids": "Có văn bản không tồn tại hoặc bạn không có quyền xem."}
    assert entries_state() == before and JournalEntry.objects.count() == journal


# --- secret documents ---------------------------------------------------------------------------

def test_a_keeper_not_named_on_a_linked_secret_document_never_sees_its_subject(agency, clerk, leader, secret_doc):
    entry = schedule_entry_create(actor=clerk, agency=agency, data=ScheduleEntryData(
        start=at(2026, 11, 24), title="Họp Ban Chỉ huy quân sự", document_ids=[secret_doc.pk]), publish=True)
    web = client_for(leader)
    for url in (reverse("schedule:detail", args=[entry.pk]), reverse("schedule:edit", args=[entry.pk]),
                reverse("schedule:week") + "?week=2026-W48", reverse("schedule:print") + "?week=2026-W48"):
        html = web.get(url).content.decode()
        assert "Họp Ban Chỉ huy quân sự" in html, url
        assert SECRET_SUBJECT not in html, url
    body = ApiClient(leader).get(f"/schedule/entries/{entry.pk}").json()
    assert body["documents"] == []
    # The clerk, named on it, sees the link.
    assert SECRET_SUBJECT in client_for(clerk).get(reverse("schedule:detail", args=[entry.pk])).content.decode()


def test_a_keeper_not_named_on_a_linked_secret_document_corrects_the_entry_and_keeps_the_link(
        agency, clerk, leader, secret_doc):
    entry = schedule_entry_create(actor=clerk, agency=agency, data=ScheduleEntryData(
        start=at(2026, 11, 24), title="Họp Ban Chỉ huy quân sự", document_ids=[secret_doc.pk]))
    # Through the page: the form as the leader gets it, with the place changed.
    web = client_for(leader)
    response = web.post(reverse("schedule:edit", args=[entry.pk]), {
        "day": "24/11/2026", "start_time": "08:00", "title": "Họp Ban Chỉ huy quân sự", "place": "Hội trường"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.place == "Hội trường"
    assert list(entry.documents.values_list("pk", flat=True)) == [secret_doc.pk]
    # Through the API: a PATCH of one field.
    response = ApiClient(leader).patch(f"/schedule/entries/{entry.pk}", {"place": "Phòng họp 2"})
    assert response.status_code == 200
    assert (response.json()["place"], response.json()["documents"]) == ("Phòng họp 2", [])
    assert list(entry.documents.values_list("pk", flat=True)) == [secret_doc.pk]
    # The journal names no change of links.
    updates = JournalEntry.objects.filter(action="schedule.update", object_id=str(entry.pk)).order_by("pk")
    assert [sorted(j.after) for j in updates] == [["place"], ["place"]]


def test_an_entry_from_a_secret_invitation_does_not_take_its_subject_as_title(agency, clerk, leader, officer):
    invitation = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        doc_type="giay_moi", number="3", notation="GM-BCH", secrecy=Secrecy.CONFIDENTIAL,
        subject=SECRET_SUBJECT, access_official_ids=[leader.official.pk]))
    # The form a named keeper gets is not filled with the subject.
    html = client_for(leader).get(reverse("schedule:new"), {"document": invitation.pk}).content.decode()
    title = re.search(r'<textarea[^>]*name="title"[^>]*>(.*?)</textarea>', html, re.S)
    assert title is not None and title.group(1).strip() == ""
    # Without a title the service asks for one instead of publishing the subject.
    before, journal = entries_state(), JournalEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        schedule_entry_from_document(actor=leader, document=invitation, start=at(2026, 11, 25, 14), publish=True)
    assert exc.value.fields == {"title": "Vui lòng nhập nội dung công việc."}
    assert entries_state() == before and JournalEntry.objects.count() == journal
    response = ApiClient(leader).post("/schedule/entries", {"document": invitation.pk, "start": "2026-11-25T14:00",
                                                            "publish": True})
    assert response.status_code == 400 and response.json()["fields"] == {"title": "Vui lòng nhập nội dung công việc."}
    assert entries_state() == before
    # With a title it is made and linked; another keeper not named edits it without learning the subject.
    entry = schedule_entry_from_document(actor=leader, document=invitation, start=at(2026, 11, 25, 14),
                                         data=ScheduleEntryData(title="Họp theo giấy mời của Bộ Chỉ huy"),
                                         publish=True)
    assert (entry.title, entry.source_document_id) == ("Họp theo giấy mời của Bộ Chỉ huy", invitation.pk)
    other_keeper = make_official(agency, Role.LEADER, username="phochutich").user
    for user in (other_keeper, officer):
        for name in ("detail", "edit"):
            response = client_for(user).get(reverse(f"schedule:{name}", args=[entry.pk]))
            assert SECRET_SUBJECT not in response.content.decode(), (user, name)


# --- CSRF and journal ---------------------------------------------------------------------------

def test_schedule_posts_without_the_csrf_token_are_refused(make_entry, clerk):
    entry = make_entry(title="Giao ban")
    before = entries_state()
    web = Client(enforce_csrf_checks=True)
    web.force_login(clerk)
    for url, data in ((reverse("schedule:new"), {"day": "24/11/2026", "start_time": "08:00", "title": "Họp"}),
                      (reverse("schedule:publish", args=[entry.pk]), {}),
                      (reverse("schedule:cancel", args=[entry.pk]), {"reason": "Hoãn"}),
                      (reverse("schedule:publish_week"), {"week": "2026-W48"})):
        assert web.post(url, data).status_code == 403, url
    # The API with the browser session needs it too.
    response = web.post("/api/v1/schedule/entries", '{"start": "2026-11-24T08:00", "title": "Họp"}',
                        content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert entries_state() == before


def test_every_schedule_change_is_journaled(agency, make_entry, clerk):
    entry = make_entry(title="Giao ban")
    schedule_entry_update(actor=clerk, entry=entry, data=ScheduleEntryData(start=at(2026, 11, 23, 8), title="Giao ban tuần"))
    schedule_entry_publish(actor=clerk, entry=entry)
    second = make_entry(title="Tiếp dân", start=at(2026, 11, 25, 8))
    schedule_week_publish(actor=clerk, agency=agency, week="2026-W48")
    schedule_entry_cancel(actor=clerk, entry=entry, reason="Lãnh đạo đi công tác")
    rows = list(JournalEntry.objects.order_by("pk").values_list("action", "object_id"))
    assert rows == [("schedule.create", str(entry.pk)), ("schedule.update", str(entry.pk)),
                    ("schedule.publish", str(entry.pk)), ("schedule.create", str(second.pk)),
                    ("schedule.publish_week", "2026-W48"), ("schedule.cancel", str(entry.pk))]
    assert ScheduleEntry.objects.get(pk=second.pk).status == EntryStatus.PUBLISHED
