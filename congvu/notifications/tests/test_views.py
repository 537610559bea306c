import pytest
from django.urls import reverse

from congvu.notifications.models import Notification
from congvu.notifications.services import notify

pytestmark = pytest.mark.django_db


def _note(user, title, url="", agency=None):
    notify(recipients=[user.official], agency_id=agency.pk if agency else None, kind="k", title=title, url=url)
    return Notification.objects.latest("pk")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def test_the_inbox_lists_ones_own_notifications_unread_first(clerk_client, clerk, leader):
    older = _note(clerk, "Văn bản 10/UBND đã được phân công")
    newer = _note(clerk, "Lịch họp giao ban tuần 7")
    read = _note(clerk, "Hồ sơ đã đóng")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    _note(leader, "Thông báo của lãnh đạo")

    html = clerk_client.get(reverse("notifications:inbox")).content.decode()
    assert "2 thông báo chưa đọc" in html
    assert "Đánh dấu đã đọc tất cả" in html
    assert "Thông báo của lãnh đạo" not in html
    positions = [html.index(t) for t in ("Lịch họp giao ban tuần 7", "Văn bản 10/UBND đã được phân công",
                                         "Hồ sơ đã đóng")]
    assert positions == sorted(positions)
    assert f'id="notification-{newer.pk}"' in html and f'id="notification-{older.pk}"' in html
    assert html.count("notif-unread") == 2

    html = clerk_client.get(reverse("notifications:inbox"), {"loc": "read"}).content.decode()
    assert "Hồ sơ đã đóng" in html and "Lịch họp giao ban tuần 7" not in html


def test_the_inbox_pages_with_a_cursor(clerk_client, clerk):
    for i in range(32):
        _note(clerk, f"Tin số {i:02d}")
    html = clerk_client.get(reverse("notifications:inbox")).content.decode()
    assert html.count('class="notif notif-unread"') == 30
    assert "Tin số 31" in html and "Tin số 02" in html and "Tin số 01" not in html
    cursor = f"u{Notification.objects.get(title='Tin số 02').pk}"
    assert f"?cursor={cursor}" in html
    html = clerk_client.get(reverse("notifications:inbox"), {"cursor": cursor}).content.decode()
    assert html.count('class="notif notif-unread"') == 2
    assert "Tin số 01" in html and "Tin số 00" in html and "Xem tiếp" not in html and "« Mới nhất" in html


def test_opening_a_notification_marks_it_read_and_follows_its_link(clerk_client, clerk):
    note = _note(clerk, "Văn bản mới", url="/documents/5/")
    response = clerk_client.get(reverse("notifications:open", args=[note.pk]))
    assert (response.status_code, response["Location"]) == (302, "/documents/5/")
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_link_to_another_site_is_not_followed(clerk_client, clerk):
    note = _note(clerk, "Lừa đảo", url="https://evil.example/")
    response = clerk_client.get(reverse("notifications:open", args=[note.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("notifications:inbox"))


def test_someone_elses_notification_is_not_found_and_stays_unread(clerk_client, leader):
    theirs = _note(leader, "Của lãnh đạo", url="/documents/1/")
    assert clerk_client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert clerk_client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    clerk_client.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_and_all_read(clerk_client, clerk):
    a, b, c = (_note(clerk, t) for t in ("A", "B", "C"))
    response = clerk_client.post(reverse("notifications:read", args=[a.pk]), {"next": "/notifications/?loc=unread"})
    assert (response.status_code, response["Location"]) == (302, "/notifications/?loc=unread")
    assert list(Notification.objects.filter(read_at__isnull=True).order_by("pk").values_list("pk", flat=True)) == [
        b.pk, c.pk]
    response = clerk_client.post(reverse("notifications:read_all"), follow=True)
    assert "Đã đánh dấu 2 thông báo là đã đọc." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert clerk_client.get(reverse("notifications:read_all")).status_code == 405


def test_the_bell_shows_the_unread_count_and_polls(clerk_client, clerk, django_assert_num_queries):
    home = clerk_client.get(reverse("documents:home")).content.decode()
    assert 'id="notification-bell"' in home and "bell-count" not in home
    for i in range(3):
        _note(clerk, f"Tin {i}")
    home = clerk_client.get(reverse("documents:home")).content.decode()
    assert '<span class="bell-count" data-unread="3">3</span>' in home
    assert 'hx-get="/notifications/badge/"' in home
    assert "hx-trigger=\"every 30s [document.visibilityState === 'visible']\"" in home

    # session, user, the active-agency middleware's memberships, official, the COUNT
    with django_assert_num_queries(5):
        badge = clerk_client.get(reverse("notifications:badge"))
    assert badge["Cache-Control"] == "no-store"
    html = badge.content.decode()
    assert html.startswith('<a id="notification-bell" class="bell bell-unread"')
    assert 'aria-label="Thông báo: 3 chưa đọc"' in html

    Notification.objects.update(read_at=Notification.objects.first().created_at)
    html = clerk_client.get(reverse("notifications:badge")).content.decode()
    assert "bell-count" not in html and 'aria-label="Thông báo"' in html


def test_more_than_99_unread_shows_99_plus(clerk_client, clerk):
    Notification.objects.bulk_create(Notification(official=clerk.official, kind="k", title=f"T{i}") for i in range(120))
    html = clerk_client.get(reverse("notifications:badge")).content.decode()
    assert '<span class="bell-count" data-unread="120">99+</span>' in html


def test_signed_out_the_badge_stops_polling_and_the_inbox_asks_to_log_in(client):
    response = client.get(reverse("notifications:badge"))
    assert (response.status_code, response.content) == (286, b"")
    response = client.get(reverse("notifications:inbox"))
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/notifications/")
