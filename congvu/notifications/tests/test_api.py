import pytest

from congvu.api.tests.conftest import ApiClient
from congvu.notifications.models import Notification
from congvu.notifications.services import notify

pytestmark = pytest.mark.django_db


def _note(user, title, agency=None, url=""):
    notify(recipients=[user.official], agency_id=agency.pk if agency else None, kind="workflow.assigned",
           title=title, body="Nội dung", url=url)
    return Notification.objects.latest("pk")


def test_list_unread_first_with_filter_and_cursor(clerk, leader, agency):
    a = _note(clerk, "Tin A", agency=agency, url="/documents/1/")
    b = _note(clerk, "Tin B")
    c = _note(clerk, "Tin C")
    _note(leader, "Của lãnh đạo")
    Notification.objects.filter(pk=c.pk).update(read_at=c.created_at)
    api = ApiClient(clerk)

    response = api.get("/notifications", {"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert [i["id"] for i in body["items"]] == [b.pk, a.pk]
    assert body["next_cursor"] == "r0"
    item = body["items"][1]
    assert {k: item[k] for k in ("id", "kind", "title", "body", "url", "agency", "read_at")} == {
        "id": a.pk, "kind": "workflow.assigned", "title": "Tin A", "body": "Nội dung", "url": "/documents/1/",
        "agency": {"id": agency.pk, "name": agency.name}, "read_at": None}
    assert item["created_at"].endswith("+07:00")

    body = api.get("/notifications", {"limit": 2, "cursor": "r0"}).json()
    assert ([i["id"] for i in body["items"]], body["next_cursor"]) == ([c.pk], None)
    assert [i["id"] for i in api.get("/notifications", {"unread": "true"}).json()["items"]] == [b.pk, a.pk]
    assert [i["id"] for i in api.get("/notifications", {"unread": "false"}).json()["items"]] == [c.pk]
    assert api.get("/notifications", {"limit": 0}).status_code == 422


def test_unread_count_and_marking_read(clerk, leader):
    a = _note(clerk, "Tin A")
    _note(clerk, "Tin B")
    theirs = _note(leader, "Của lãnh đạo")
    api = ApiClient(clerk)
    assert api.get("/notifications/unread-count").json() == {"unread": 2}

    response = api.post(f"/notifications/{a.pk}/read", {})
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert api.get("/notifications/unread-count").json() == {"unread": 1}

    response = api.post(f"/notifications/{theirs.pk}/read", {})
    assert (response.status_code, response.json()) == (
        404, {"code": "not_found", "message": "Không tìm thấy thông báo.", "fields": {}})
    theirs.refresh_from_db()
    assert theirs.read_at is None

    assert api.post("/notifications/read-all", {}).json() == {"changed": 1}
    assert api.get("/notifications/unread-count").json() == {"unread": 0}
    assert ApiClient(leader).get("/notifications/unread-count").json() == {"unread": 1}


def test_without_credentials_nothing_is_shown(clerk):
    _note(clerk, "Tin A")
    response = ApiClient().get("/notifications")
    assert response.status_code == 401
