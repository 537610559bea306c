"""The reminder job: before the deadline (per the agency's offsets), on the day, when overdue; the people
responsible and the leader who assigned it; running it twice sends nothing twice."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.notifications.models import Notification
from congvu.workdays.services import calendar_for
from congvu.workflow import services
from congvu.workflow.models import Assignment, AssignmentRole, ProcessingPolicy, ReminderKind, ReminderLog
from congvu.workflow.tasks import reminders_run, reminders_send

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour=8) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def cal(agency):
    return calendar_for(agency=agency)


@pytest.fixture
def due_day(cal):
    # A working day three weeks ahead, so that two working days before it are still in the future.
    return cal.shift_working_days(timezone.localdate(), 15)


@pytest.fixture
def lead(doc, leader, officer, due_day):
    services.direction_give(actor=leader, document=doc, text="Xử lý", lead=officer.official,
                            due_at=due_day.strftime("%d/%m/%Y"))
    return Assignment.objects.get(role=AssignmentRole.LEAD)


def _reminders(official):
    return list(Notification.objects.filter(official=official, kind__startswith="workflow.reminder")
                .order_by("pk").values_list("kind", flat=True))


def test_nothing_before_the_first_offset(lead, officer, leader, cal, due_day):
    stats = reminders_send(now=_at(cal.shift_working_days(due_day, -3)))
    assert (stats.logged, stats.notifications) == (0, 0)
    assert ReminderLog.objects.count() == 0


def test_before_on_the_day_and_overdue_each_once(lead, officer, leader, cal, due_day):
    two_before = _at(cal.shift_working_days(due_day, -2))
    stats = reminders_send(now=two_before)
    assert (stats.logged, stats.notifications) == (1, 2)
    assert _reminders(officer.official) == ["workflow.reminder.before"]
    assert _reminders(leader.official) == ["workflow.reminder.before"]
    title = Notification.objects.get(official=officer.official, kind="workflow.reminder.before").title
    assert title.startswith("Việc của bạn sắp đến hạn: 125/QĐ-UBND")
    leader_title = Notification.objects.get(official=leader.official, kind="workflow.reminder.before").title
    assert leader_title.startswith(f"Việc đã giao cho {officer.official.full_name} sắp đến hạn")

    # Run again at the same moment and later the same day: nothing new.
    again = reminders_send(now=two_before)
    later = reminders_send(now=two_before + dt.timedelta(hours=3))
    assert (again.logged, again.notifications, later.logged, later.notifications) == (0, 0, 0, 0)

    reminders_send(now=_at(due_day))
    reminders_send(now=_at(due_day))
    assert _reminders(officer.official) == ["workflow.reminder.before", "workflow.reminder.due"]

    overdue_at = _at(cal.shift_working_days(due_day, 1))
    reminders_send(now=overdue_at)
    reminders_send(now=overdue_at + dt.timedelta(days=3))
    assert _reminders(officer.official) == ["workflow.reminder.before", "workflow.reminder.due",
                                            "workflow.reminder.overdue"]
    assert _reminders(leader.official) == ["workflow.reminder.before", "workflow.reminder.due",
                                           "workflow.reminder.overdue"]
    assert sorted(ReminderLog.objects.values_list("kind", "offset")) == [
        (ReminderKind.BEFORE, 2), (ReminderKind.DUE, 0), (ReminderKind.OVERDUE, 0)]
    assert ReminderLog.objects.filter(notified_at__isnull=True).count() == 0


def test_the_periodic_job_and_the_command_are_the_same_pass(lead, officer, cal, due_day, capsys):
    moment = _at(due_day)
    reminders_run(now=moment.isoformat())
    call_command("reminders", "run", "--now", timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M"))
    assert _reminders(officer.official) == ["workflow.reminder.due"]
    assert "0 lời nhắc mới, 0 thông báo" in capsys.readouterr().out


def test_agency_offsets_and_overdue_repeats(lead, officer, agency, cal, due_day):
    ProcessingPolicy.objects.create(agency=agency, reminder_offsets_days=[5], overdue_repeat_days=2)
    reminders_send(now=_at(cal.shift_working_days(due_day, -5)))
    reminders_send(now=_at(due_day))  # no reminder on the day with these offsets
    for late in (1, 2, 3, 4):
        reminders_send(now=_at(cal.shift_working_days(due_day, late)))
    assert sorted(ReminderLog.objects.values_list("kind", "offset")) == [
        (ReminderKind.BEFORE, 5), (ReminderKind.OVERDUE, 0), (ReminderKind.OVERDUE, 2), (ReminderKind.OVERDUE, 4)]
    assert len(_reminders(officer.official)) == 4


def test_finished_work_is_not_reminded(lead, officer, cal, due_day):
    services.assignment_submit(actor=officer, assignment=lead)
    stats = reminders_send(now=_at(cal.shift_working_days(due_day, 1)))
    assert (stats.scanned, stats.logged, stats.notifications) == (0, 0, 0)


def test_an_extension_brings_new_reminders_for_the_new_deadline(lead, officer, leader, cal, due_day):
    reminders_send(now=_at(due_day))
    new_day = cal.shift_working_days(due_day, 10)
    ext = services.extension_request(actor=officer, assignment=lead, requested_due_at=new_day.strftime("%d/%m/%Y"),
                                     reason="Chờ ý kiến của Sở")
    services.extension_decide(actor=leader, extension=ext, approve=True)
    reminders_send(now=_at(new_day))
    assert _reminders(officer.official) == ["workflow.reminder.due", "workflow.reminder.due"]


def test_unit_assignments_remind_the_unit_heads(doc, leader, nv, head, officer, cal, due_day):
    services.direction_give(actor=leader, document=doc, text="Xử lý", lead=nv, due_at=due_day.strftime("%d/%m/%Y"))
    reminders_send(now=_at(due_day))
    assert _reminders(head.official) == ["workflow.reminder.due"]
    assert _reminders(officer.official) == []  # an officer of the unit is not responsible until re-assigned
    assert _reminders(leader.official) == ["workflow.reminder.due"]


def test_many_reminders_make_one_digest(agency, clerk, leader, officer, cal, due_day):
    for i in range(5):
        doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(200 + i)))
        services.direction_give(actor=leader, document=doc, text="Xử lý", lead=officer.official,
                                due_at=due_day.strftime("%d/%m/%Y"))
    stats = reminders_send(now=_at(cal.shift_working_days(due_day, 1)))
    assert (stats.logged, stats.notifications) == (5, 2)
    mine = Notification.objects.get(official=officer.official, kind="workflow.reminder.digest")
    assert mine.title == "Nhắc việc — Việc của bạn: 5 quá hạn"
    assert mine.url == "/my-work/"
    assert mine.body.count("• ") == 5
    given = Notification.objects.get(official=leader.official, kind="workflow.reminder.digest")
    assert given.title == "Nhắc việc — Việc bạn đã giao: 5 quá hạn"
    assert reminders_send(now=_at(cal.shift_working_days(due_day, 1))).notifications == 0


def test_logs_left_undelivered_are_delivered_by_the_next_run(lead, officer, cal, due_day):
    ReminderLog.objects.create(assignment=lead, agency_id=lead.agency_id, kind=ReminderKind.DUE, due_at=lead.due_at,
                               offset=0, for_date=due_day, run_id="crashed", created_at=timezone.now())
    stats = reminders_send(now=_at(due_day))
    assert (stats.logged, _reminders(officer.official)) == (0, ["workflow.reminder.due"])
