import time

import pytest
from django.core import mail
from django.db import transaction

from congvu.core.errors import NotFound, ValidationFailed
from congvu.jobs.models import Job
from congvu.jobs.testing import queued, run_queued
from congvu.notifications.models import Notification
from congvu.notifications.selectors import inbox, unread_count
from congvu.notifications.services import notification_mark_read, notifications_mark_all_read, notify
from congvu.notifications.tasks import send_email
from congvu.org.models import Official

pytestmark = pytest.mark.django_db


def _with_email(user, address):
    Official.objects.filter(pk=user.official.pk).update(email=address)
    user.official.refresh_from_db()


def test_notify_puts_one_notification_in_each_inbox_and_queues_emails(agency, clerk, leader, officer):
    _with_email(leader, "lanhdao@nongson.gov.vn")
    created = notify(recipients=[clerk.official, leader.official.pk, clerk.official.pk], agency_id=agency.pk,
                     kind="workflow.assigned", title="Được giao xử lý văn bản 12/UBND",
                     body="Hạn xử lý 20/02/2026.", url="/documents/5/")
    assert created == 2
    rows = list(Notification.objects.order_by("pk").values(
        "official_id", "agency_id", "kind", "title", "body", "url", "key", "read_at", "emailed_at"))
    common = {"agency_id": agency.pk, "kind": "workflow.assigned", "title": "Được giao xử lý văn bản 12/UBND",
              "body": "Hạn xử lý 20/02/2026.", "url": "/documents/5/", "key": None, "read_at": None,
              "emailed_at": None}
    assert rows == [{"official_id": clerk.official.pk, **common}, {"official_id": leader.official.pk, **common}]
    leader_note = Notification.objects.get(official=leader.official)
    # Only the leader has an address: one e-mail job, for the leader's notification.
    assert queued("notifications.send_email") == [{"notification_id": leader_note.pk}]
    assert Notification.objects.filter(official=officer.official).count() == 0


def test_with_a_key_an_official_is_notified_once(agency, clerk, leader):
    args = {"agency_id": agency.pk, "kind": "workflow.due_soon", "title": "Sắp đến hạn", "key": "assignment:7:due"}
    assert notify(recipients=[clerk.official], **args) == 1
    assert notify(recipients=[clerk.official], **args) == 0
    # A new recipient with the same key still gets it; the one who has it does not get it again.
    assert notify(recipients=[clerk.official, leader.official], **args) == 1
    assert sorted(Notification.objects.values_list("official_id", flat=True)) == sorted(
        [clerk.official.pk, leader.official.pk])
    # Without a key, nothing stops a repeat.
    assert notify(recipients=[clerk.official], agency_id=agency.pk, kind="x", title="Tin mới") == 1
    assert notify(recipients=[clerk.official], agency_id=agency.pk, kind="x", title="Tin mới") == 1
    assert Notification.objects.count() == 4


def test_notify_rolls_back_with_the_callers_transaction(agency, clerk, leader):
    _with_email(leader, "lanhdao@nongson.gov.vn")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert notify(recipients=[clerk.official, leader.official], agency_id=agency.pk, kind="k", title="T") == 2
        raise RuntimeError("the caller's change fails")
    assert Notification.objects.count() == 0
    assert Job.objects.count() == 0


def test_notify_refuses_an_empty_title_and_creates_nothing(agency, clerk):
    with pytest.raises(ValidationFailed) as err:
        notify(recipients=[clerk.official], agency_id=agency.pk, kind="k", title="   ")
    assert (err.value.message, err.value.fields) == ("Thông báo phải có tiêu đề.", {"title": "Chưa nhập tiêu đề."})
    assert Notification.objects.count() == 0


def test_no_recipients_is_nothing(agency):
    assert notify(recipients=[], agency_id=agency.pk, kind="k", title="T") == 0
    assert Notification.objects.count() == 0


def test_a_long_title_is_shortened_not_refused(agency, clerk):
    notify(recipients=[clerk.official], agency_id=None, kind="k", title="Á" * 400)
    title = Notification.objects.get().title
    assert (len(title), title[-1]) == (300, "…")


@pytest.mark.django_db(transaction=True)
def test_concurrent_notifies_with_one_key_create_one_notification(agency, clerk, tmp_path):
    from congvu.jobs.tests.helpers import run_threads, sqlite_file_database

    official_id = clerk.official.pk
    results = []
    with sqlite_file_database(tmp_path / "db.sqlite3"):
        def work(i):
            with transaction.atomic():
                results.append(notify(recipients=[official_id], agency_id=None, kind="k",
                                      title=f"Nhắc hạn {i}", key="assignment:1:overdue"))
                time.sleep(0.3)  # hold the transaction open while the other caller inserts

        assert run_threads(2, work) == []
        counts = []
        assert run_threads(1, lambda i: counts.append(Notification.objects.count())) == []
    assert sorted(results) == [0, 1]
    assert counts == [1]


def _make(official, n, **kw):
    ids = []
    for i in range(n):
        notify(recipients=[official], agency_id=None, kind="k", title=f"{kw.get('prefix', 'Tin')} {i}")
        ids.append(Notification.objects.latest("pk").pk)
    return ids


def test_marking_read_only_touches_ones_own_notifications(clerk, leader):
    mine = _make(clerk.official, 2)
    theirs = _make(leader.official, 1)[0]
    with pytest.raises(NotFound, match="Không tìm thấy thông báo."):
        notification_mark_read(actor=clerk, notification_id=theirs)
    assert Notification.objects.get(pk=theirs).read_at is None

    first = notification_mark_read(actor=clerk, notification_id=mine[0])
    assert first.read_at is not None
    again = notification_mark_read(actor=clerk, notification_id=mine[0])
    assert again.read_at == first.read_at
    assert (unread_count(clerk), unread_count(leader)) == (1, 1)

    assert notifications_mark_all_read(actor=clerk) == 1
    assert notifications_mark_all_read(actor=clerk) == 0
    assert (unread_count(clerk), unread_count(leader)) == (0, 1)


def test_inbox_shows_unread_first_then_read_newest_first_in_pages(clerk, leader):
    ids = _make(clerk.official, 7)  # ids[0] oldest
    _make(leader.official, 3)
    for pk in (ids[1], ids[4], ids[6]):
        notification_mark_read(actor=clerk, notification_id=pk)
    unread_ids = [ids[5], ids[3], ids[2], ids[0]]
    read_ids = [ids[6], ids[4], ids[1]]

    page = inbox(clerk, limit=3)
    assert ([n.pk for n in page.rows], page.next_cursor) == (unread_ids[:3], f"u{ids[2]}")
    page = inbox(clerk, cursor=page.next_cursor, limit=3)
    assert ([n.pk for n in page.rows], page.next_cursor) == ([ids[0], ids[6], ids[4]], f"r{ids[4]}")
    page = inbox(clerk, cursor=page.next_cursor, limit=3)
    assert ([n.pk for n in page.rows], page.next_cursor) == ([ids[1]], None)

    # A page ending exactly where the unread part ends continues with the read part from its start.
    page = inbox(clerk, limit=4)
    assert ([n.pk for n in page.rows], page.next_cursor) == (unread_ids, "r0")
    assert [n.pk for n in inbox(clerk, cursor="r0", limit=10).rows] == read_ids

    assert [n.pk for n in inbox(clerk, unread=True, limit=10).rows] == unread_ids
    page = inbox(clerk, unread=False, limit=2)
    assert ([n.pk for n in page.rows], page.next_cursor) == (read_ids[:2], f"r{ids[4]}")
    assert [n.pk for n in inbox(clerk, unread=False, cursor=page.next_cursor).rows] == [ids[1]]
    # A malformed cursor starts over.
    assert [n.pk for n in inbox(clerk, cursor="x'; drop", limit=10).rows] == unread_ids + read_ids
    assert unread_count(clerk) == 4


def test_anonymous_and_officialless_users_have_an_empty_inbox(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert unread_count(AnonymousUser()) == 0
    assert inbox(AnonymousUser()).rows == []
    bare = django_user_model.objects.create_user("admin2", password="matkhau-123")
    assert unread_count(bare) == 0
    assert notifications_mark_all_read(actor=bare) == 0


def test_the_email_job_sends_once_with_a_link_to_the_site(agency, leader, settings):
    settings.SITE_URL = "https://congvu.nongson.gov.vn"
    _with_email(leader, "lanhdao@nongson.gov.vn")
    notify(recipients=[leader.official], agency_id=agency.pk, kind="workflow.overdue",
           title="Văn bản quá hạn xử lý", body="Công văn 12/UBND đã quá hạn 2 ngày.", url="/documents/5/")
    assert run_queued("notifications.send_email") == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[congvu] Văn bản quá hạn xử lý"
    assert message.to == ["Cán bộ lanhdao <lanhdao@nongson.gov.vn>"]
    assert message.from_email == "congvu <noreply@localhost>"
    assert message.body == (
        "Công văn 12/UBND đã quá hạn 2 ngày.\n\n"
        "Xem chi tiết: https://congvu.nongson.gov.vn/documents/5/\n\n"
        f"Cơ quan: {agency.name}\n\n"
        "—\nThư gửi tự động từ hệ thống quản lý văn bản congvu; vui lòng không trả lời thư này."
    )
    note = Notification.objects.get()
    assert note.emailed_at is not None
    # Run again (a retry, a second worker): nothing more is sent.
    send_email(notification_id=note.pk)
    send_email(notification_id=note.pk + 1000)  # deleted meanwhile
    assert len(mail.outbox) == 1


def test_a_confidential_notification_is_in_the_inbox_but_its_email_tells_nothing(agency, leader):
    _with_email(leader, "lanhdao@nongson.gov.vn")
    notify(recipients=[leader.official], agency_id=agency.pk, kind="workflow.assigned",
           title="Được giao chủ trì: Về phương án bảo vệ mục tiêu", body="Hạn 05/12/2026.",
           url="/documents/7/", confidential=True)
    assert run_queued("notifications.send_email") == 1
    message = mail.outbox[0]
    assert message.subject == "[congvu] Bạn có thông báo mới về văn bản mật"
    assert "bảo vệ mục tiêu" not in message.body and "05/12/2026" not in message.body
    assert "/documents/7/" in message.body
    assert Notification.objects.get().title == "Được giao chủ trì: Về phương án bảo vệ mục tiêu"


def test_no_email_when_the_address_was_removed(agency, leader):
    _with_email(leader, "lanhdao@nongson.gov.vn")
    notify(recipients=[leader.official], agency_id=agency.pk, kind="k", title="T")
    _with_email(leader, "")
    run_queued("notifications.send_email")
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_immediate_mode_emails_right_after_commit(agency, leader, settings, django_capture_on_commit_callbacks):
    settings.TASK_BROKER = "immediate"
    _with_email(leader, "lanhdao@nongson.gov.vn")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[leader.official], agency_id=agency.pk, kind="k", title="Họp giao ban")
        assert mail.outbox == []
    assert [m.subject for m in mail.outbox] == ["[congvu] Họp giao ban"]
    assert Job.objects.count() == 0



def test_long_recipient_lists_are_handled_in_chunks(agency, clerk, leader, officer, monkeypatch):
    from congvu.notifications import services

    monkeypatch.setattr(services, "CHUNK", 2)
    _with_email(officer, "cv@nongson.gov.vn")
    people = [clerk.official, leader.official, officer.official]
    assert notify(recipients=people, agency_id=agency.pk, kind="k", title="Họp", key="meeting:1") == 3
    assert notify(recipients=people, agency_id=agency.pk, kind="k", title="Họp", key="meeting:1") == 0
    assert sorted(Notification.objects.values_list("official_id", flat=True)) == sorted(p.pk for p in people)
    assert queued("notifications.send_email") == [
        {"notification_id": Notification.objects.get(official=officer.official).pk}]
