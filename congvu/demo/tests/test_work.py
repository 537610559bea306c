"""The demo's tasks, weekly schedule and drafts: built through the services, dated back over two months, in
every state the pages show, and loaded once."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.audit.services import journal_verify
from congvu.demo import seed, work
from congvu.demo.seed import DISTRICT_ID, seed_demo
from congvu.demo.work import CANCEL_REASON, EXTENSION_REASON, TASKS, seed_work_demo
from congvu.documents.models import Document
from congvu.documents.selectors import visible_documents
from congvu.drafting.models import Draft, DraftEvent, DraftStatus
from congvu.drafting.selectors import compare_versions, drafts_in_tab
from congvu.exchange.models import InboxItem, InboxStatus
from congvu.exchange.selectors import inbox_queue
from congvu.notifications.models import Notification
from congvu.org.models import Agency, Membership
from congvu.schedule.models import EntryStatus, ScheduleEntry
from congvu.schedule.selectors import schedule_week
from congvu.workdays.services import calendar_for
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    Assignment,
    AssignmentRole,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    ProcessingEvent,
    Task,
    TaskSource,
)
from congvu.workflow.reports import BY_UNIT, task_monthly_report

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Wednesday 2 September 2026, 10:00: National Day, a day off (31/08–02/09 off, Saturday 22/08 worked instead).
# The demo must load on such a day: nothing may depend on today being a working day.
HOLIDAY = dt.datetime(2026, 9, 2, 10, 0, tzinfo=VN)


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _head_exists() -> bool:
    return Membership.objects.filter(official__user__username="truongphong", active=True,
                                     department__code="NV").exists()


@pytest.fixture
def bare_demo(db, monkeypatch):
    """The demo deployment without its work (whether or not the demo seed adds it itself), for the tests to add."""

    def build(now) -> Agency:
        with monkeypatch.context() as m:
            m.setattr(work, "seed_work_demo", lambda **kw: None)
            m.setattr(seed, "seed_work_demo", lambda **kw: None, raising=False)
            seed_demo(days=3, now=now)
        district = Agency.objects.get(identifier=DISTRICT_ID)
        assert not Task.objects.filter(agency=district).exists()
        return district

    return build


@pytest.fixture
def district(bare_demo):
    district = bare_demo(HOLIDAY)
    result = seed_work_demo(district=district, now=HOLIDAY)
    assert (result.created, result.tasks, result.schedule_entries, result.drafts) == (True, 13, 22, 6)
    assert result.reply_document_id == Draft.objects.get(status=DraftStatus.ISSUED).document_id
    return district


def _local(moment):
    return timezone.localtime(moment, VN)


def test_tasks_in_every_state_dated_back_over_two_months(district):
    tasks = list(Task.objects.filter(agency=district).order_by("pk"))
    assert len(tasks) == len(TASKS) == 13
    assert Counter(t.status for t in tasks) == {"done": 4, "open": 8, "cancelled": 1}
    leads = Assignment.objects.filter(task__agency=district, role=AssignmentRole.LEAD, parent__isnull=True)
    head = _head_exists()
    assert Counter(leads.values_list("status", flat=True)) == {
        "accepted": 4, "cancelled": 1, "submitted": 1, "pending": 3,
        "in_progress": 3 if head else 4, **({"delegated": 1} if head else {})}
    # `active` mirrors the status after the dating back, everywhere.
    for a in Assignment.objects.filter(task__agency=district):
        assert a.active == (a.status in ACTIVE_STATUSES), a.pk
    assert _local(tasks[0].created_at) == dt.datetime(2026, 7, 7, 8, 30, tzinfo=VN)  # 40 working days back
    assert _local(tasks[-1].created_at) == HOLIDAY - dt.timedelta(minutes=90)
    assert all(t.created_at < HOLIDAY for t in tasks)
    # Overdue: started and not handed in, and never started; the deadline was the dated-back one.
    overdue = leads.filter(active=True, due_at__lt=HOLIDAY).order_by("pk")
    assert [(o.task.title[:22], _local(o.due_at)) for o in overdue] == [
        ("Tổng hợp báo cáo kết q", dt.datetime(2026, 8, 6, 8, 30, tzinfo=VN)),
        ("Kiểm tra, báo cáo tình", dt.datetime(2026, 8, 12, 8, 30, tzinfo=VN)),
    ]
    late = leads.get(status="submitted")
    assert late.submitted_at > late.due_at
    # Sources: two from documents the leader sees, one from last week's leaders' meeting.
    lanhdao = _user("lanhdao")
    from_docs = [t for t in tasks if t.source == TaskSource.DOCUMENT]
    assert len(from_docs) == 2
    for t in from_docs:
        assert visible_documents(lanhdao).filter(pk=t.document_id, direction="in").exists()
        assert t.title == f"Tham mưu thực hiện văn bản số {t.document.number_notation} của {t.document.issuer}"
    meeting_task = Task.objects.get(agency=district, source=TaskSource.MEETING)
    assert meeting_task.meeting.title == "Giao ban lãnh đạo UBND huyện đầu tuần"
    assert _local(meeting_task.meeting.start) == dt.datetime(2026, 8, 24, 7, 30, tzinfo=VN)
    assert _local(meeting_task.created_at) == dt.datetime(2026, 8, 24, 10, 0, tzinfo=VN)


def test_the_extension_request_and_the_timeline_read_the_dated_back_deadlines(district):
    ext = ExtensionRequest.objects.get(assignment__task__agency=district)
    assert ext.status == ExtensionStatus.PENDING
    assert ext.requested_by == _user("chuyenvien").official
    assert _local(ext.previous_due_at) == dt.datetime(2026, 9, 8, 8, 30, tzinfo=VN)
    assert _local(ext.requested_due_at) == dt.datetime(2026, 9, 17, 8, 30, tzinfo=VN)
    assert _local(ext.created_at) == dt.datetime(2026, 8, 27, 10, 0, tzinfo=VN)
    assert ext.assignment.due_at == ext.previous_due_at
    task = ext.assignment.task
    events = list(ProcessingEvent.objects.filter(task=task).order_by("created_at", "pk"))
    assert [e.kind for e in events] == [EventKind.TASK_CREATED, EventKind.ASSIGNED, EventKind.PROGRESS,
                                        EventKind.EXTENSION_REQUESTED]
    assert events[1].text.endswith("Hạn xử lý: 08/09/2026 08:30")
    assert events[3].text == f"Xin gia hạn từ 08/09/2026 08:30 đến 17/09/2026 08:30: {EXTENSION_REASON}"
    assert [e.created_at for e in events[:2]] == [task.created_at, task.created_at]
    notice = Notification.objects.get(key=f"extension:{ext.pk}:requested")
    assert (notice.official, notice.created_at, notice.body) == (
        _user("lanhdao").official, ext.created_at, f"Đến 17/09/2026 08:30: {EXTENSION_REASON}")
    assigned = Notification.objects.get(key=f"assignment:{ext.assignment_id}:assigned")
    assert (assigned.created_at, assigned.body) == (task.created_at, "Hạn xử lý: 08/09/2026 08:30")
    assert assigned.read_at == task.created_at + dt.timedelta(hours=2)


def test_the_monthly_report_has_figures_for_this_and_last_month(district):
    leader = _user("lanhdao")
    this = task_monthly_report(user=leader, agency_id=district.pk, month="2026-09", by=BY_UNIT, now=HOLIDAY)
    total = this.total
    assert (total.assigned, total.new, total.on_time, total.late, total.overdue, total.in_progress) == \
        (11, 1, 0, 0, 4, 7)
    home = next(r for r in this.rows if r.name == "Phòng Nội vụ")
    assert (home.assigned, home.new, home.overdue, home.in_progress) == (6, 1, 1, 5)
    last = task_monthly_report(user=leader, agency_id=district.pk, month="2026-08", by=BY_UNIT, now=HOLIDAY)
    total = last.total
    assert (total.assigned, total.new, total.on_time, total.late, total.overdue, total.in_progress) == \
        (12, 9, 1, 1, 4, 6)


def test_the_schedule_of_this_week_and_next(district):
    cal = calendar_for(agency=district)
    working = [d for d in (dt.date(2026, 8, 31) + dt.timedelta(days=i) for i in range(14)) if cal.is_working_day(d)]
    assert working == [dt.date(2026, 9, d) for d in (3, 4, 7, 8, 9, 10, 11)]
    invitation = ScheduleEntry.objects.get(agency=district, source_document__isnull=False)
    doc = invitation.source_document
    assert (doc.doc_type.code, doc.direction, invitation.status) == ("giay_moi", "in", EntryStatus.PUBLISHED)
    assert list(invitation.documents.all()) == [doc]
    assert _local(invitation.start).date() == (doc.due_date if doc.due_date in working else dt.date(2026, 9, 8))
    regular = ScheduleEntry.objects.filter(agency=district, source_document__isnull=True)
    per_day = Counter(_local(e.start).date() for e in regular)
    assert per_day == {dt.date(2026, 8, 24): 1, **dict(zip(working, (2, 3, 4, 2, 3, 4, 2)))}
    assert set(regular.values_list("chair__user__username", flat=True)) == {"lanhdao"}
    assert regular.filter(title="Giao ban lãnh đạo UBND huyện đầu tuần").count() == 3  # each Monday-ish
    assert Counter(regular.values_list("status", flat=True)) == {"published": 17, "cancelled": 1, "draft": 3}
    cancelled = regular.get(status=EntryStatus.CANCELLED)
    assert (_local(cancelled.start), cancelled.cancel_reason) == (dt.datetime(2026, 9, 3, 14, 0, tzinfo=VN),
                                                                   CANCEL_REASON)
    assert cancelled.published_at is not None
    drafts = regular.filter(status=EntryStatus.DRAFT).order_by("start")
    assert [_local(e.start) for e in drafts] == [dt.datetime(2026, 9, 10, 15, 30, tzinfo=VN),
                                                 dt.datetime(2026, 9, 11, 7, 30, tzinfo=VN),
                                                 dt.datetime(2026, 9, 11, 14, 0, tzinfo=VN)]
    # An officer sees this week's announced entries (the cancelled one struck out), no drafts.
    officer = _user("chuyenvien")
    week = schedule_week(user=officer, agency_id=district.pk, week="2026-W36")
    in_week = 1 if _local(invitation.start).date() < dt.date(2026, 9, 7) else 0
    assert Counter(e.status for e in week.entries) == {"published": 4 + in_week, "cancelled": 1}
    assert week.drafts == 0
    assert next(d for d in week.days if d.date == dt.date(2026, 9, 3)).morning[0].attendee_departments.count() == 1
    # The clerk keeping it sees next week's drafts too.
    following = schedule_week(user=_user("vanthu"), agency_id=district.pk, week="2026-W37")
    assert (len(following.entries), following.drafts) == (15 + 1 - in_week, 3)


def test_drafts_in_every_state_and_the_reply_in_the_communes_inbox(district):
    author = _user("chuyenvien").official
    drafts = Draft.objects.filter(agency=district, author=author)
    assert Counter(drafts.values_list("status", flat=True)) == {
        s: 1 for s in (DraftStatus.DRAFTING, DraftStatus.IN_REVIEW, DraftStatus.REVIEWED, DraftStatus.APPROVED,
                       DraftStatus.RETURNED, DraftStatus.ISSUED)}
    reviewer = _user("truongphong") if _head_exists() else _user("lanhdao")
    leader = _user("lanhdao")
    in_review = drafts.get(status=DraftStatus.IN_REVIEW)
    assert in_review.reviewer == reviewer.official
    assert list(drafts_in_tab(user=reviewer, agency_id=district.pk, tab="review")) == [in_review]
    assert list(drafts_in_tab(user=leader, agency_id=district.pk, tab="approve")) == \
        [drafts.get(status=DraftStatus.REVIEWED)]
    approved = drafts.get(status=DraftStatus.APPROVED)
    assert (approved.approver, approved.format_checked_at, approved.document) == (leader.official, None, None)
    assert list(drafts_in_tab(user=_user("vanthu"), agency_id=district.pk, tab="issue")) == [approved]
    returned = drafts.get(status=DraftStatus.RETURNED)
    back = returned.events.get(action=DraftEvent.Action.APPROVE_RETURN)
    assert (back.actor, back.target) == (leader.official, author)
    assert back.comment.startswith("Bổ sung căn cứ Nghị định 90/2020/NĐ-CP")
    # Two versions of the one being written, whose texts differ.
    writing = drafts.get(status=DraftStatus.DRAFTING)
    assert (writing.version_count, writing.versions.count()) == (2, 2)
    diff = compare_versions(user=author.user, draft=writing, old=1, new=2)
    assert (diff.same_file, diff.removed, diff.added) == (False, 2, 3)
    assert [line.text for line in diff.lines if line.kind == "added"][-1] == \
        "5. to chuc thuc hien: phong noi vu chu tri"

    # The reply: issued by the clerk, answering a document chuyenvien handles, delivered to Quế Trung.
    reply = drafts.get(status=DraftStatus.ISSUED)
    assert visible_documents(author.user).filter(pk=reply.reply_to_id, direction="in").exists()
    document = reply.document
    assert (document.direction, document.agency, document.dispatched_on) == ("out", district, timezone.localdate())
    assert document.subject.startswith(f"V/v phúc đáp văn bản số {reply.reply_to.number_notation}")
    quetrung = Agency.objects.get(parent=district, place="Quế Trung")
    item = InboxItem.objects.get(source_document=document, agency=quetrung)
    assert (item.status, item.sender_agency, item.subject) == (InboxStatus.WAITING, district, document.subject)
    assert item.files.count() == 1
    assert list(inbox_queue(user=_user("vanthu_quetrung"), agency_id=quetrung.pk)) == [item]


def _counts():
    return (Task.objects.count(), Assignment.objects.count(), ProcessingEvent.objects.count(),
            ScheduleEntry.objects.count(), Draft.objects.count(), Document.objects.count(),
            InboxItem.objects.count(), Notification.objects.count(), JournalEntry.objects.count())


def test_a_second_run_adds_nothing_and_the_journal_verifies(district):
    before = _counts()
    again = seed_work_demo(district=district, now=HOLIDAY)
    assert again.created is False
    assert (again.tasks, again.schedule_entries, again.drafts) == (0, 0, 0)
    assert _counts() == before
    assert journal_verify().ok


def test_the_work_loads_today_whatever_day_it_is(bare_demo):
    now = timezone.now()
    district = bare_demo(now)
    result = seed_work_demo(district=district, now=now)
    assert (result.created, result.tasks, result.drafts) == (True, 13, 6)
    report = task_monthly_report(user=_user("lanhdao"), agency_id=district.pk,
                                 month=f"{timezone.localdate():%Y-%m}", now=now)
    # Whatever the date: the work still open is the same eleven rows, four of them overdue.
    assert (report.total.overdue, report.total.in_progress) == (4, 7)
    cal = calendar_for(agency=district)
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    for day in (monday + dt.timedelta(days=i) for i in range(14)):
        start = dt.datetime.combine(day, dt.time.min, tzinfo=VN)
        n = ScheduleEntry.objects.filter(agency=district, source_document__isnull=True, start__gte=start,
                                         start__lt=start + dt.timedelta(days=1)).count()
        assert (2 <= n <= 4) if cal.is_working_day(day) else n == 0, day
    assert Draft.objects.filter(agency=district, status=DraftStatus.ISSUED).count() == 1


def test_without_a_head_of_the_unit_the_leader_initials_and_the_officer_takes_the_units_tasks(bare_demo):
    district = bare_demo(HOLIDAY)
    Membership.objects.filter(official__user__username="truongphong").update(active=False)
    result = seed_work_demo(district=district, now=HOLIDAY)
    assert (result.created, result.tasks, result.drafts) == (True, 13, 6)
    leader = _user("lanhdao").official
    assert Draft.objects.get(agency=district, status=DraftStatus.IN_REVIEW).reviewer == leader
    leads = Assignment.objects.filter(task__agency=district, role=AssignmentRole.LEAD, parent__isnull=True)
    assert Counter(leads.values_list("status", flat=True)) == {
        "accepted": 4, "cancelled": 1, "submitted": 1, "pending": 3, "in_progress": 4}
    assert not leads.filter(assignee_department__code="NV").exists()
