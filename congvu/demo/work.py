"""The demo district's day-to-day work beside its correspondence: tasks given by the leader (giao việc), the
weekly schedule (lịch công tác) of this week and the next, and drafts (dự thảo) in every state of their way
to issue, one of them a reply sent electronically to a commune.

Everything goes through the apps' own services (checked, journaled, notified) as the people themselves
would do it: lanhdao gives and accepts tasks, chuyenvien (and the head of Phòng Nội vụ, truongphong)
reports progress, asks for more time and hands in, vanthu keeps the schedule, checks the format, numbers
and dispatches. The services stamp "now" and refuse deadlines in the past, so tasks are given with a
deadline in working days and then dated back over the last two months (queryset `update()` of the times
only; statuses stay the services', so `active` stays consistent) as if the work had happened then.
Deadlines and dates come from the agency's working-day calendar, so the demo loads the same on a weekend
or a holiday. Idempotent: a district that has tasks already is left alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from congvu.demo.corpus import small_pdf
from congvu.documents.models import Direction, Document, Secrecy
from congvu.documents.selectors import visible_documents
from congvu.drafting import services as drafting
from congvu.drafting.models import Draft
from congvu.exchange.services import document_dispatch
from congvu.notifications.models import Notification
from congvu.org.models import Agency, Department, Official, Role
from congvu.org.selectors import headed_department_ids
from congvu.schedule.models import ScheduleEntry
from congvu.schedule.services import (
    INVITATION_TYPE_CODE,
    ScheduleEntryData,
    invitation_prefill,
    schedule_entry_cancel,
    schedule_entry_create,
    schedule_entry_from_document,
)
from congvu.workdays.services import calendar_for
from congvu.workflow import services as workflow
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    Assignment,
    AssignmentRole,
    EventKind,
    ExtensionRequest,
    ProcessingEvent,
    ProgressReport,
    Task,
    TaskPriority,
)
from congvu.workflow.task_services import task_cancel, task_complete, task_create


@dataclass
class WorkDemoResult:
    created: bool  # False when the district had tasks already and nothing was added
    tasks: int = 0
    schedule_entries: int = 0
    drafts: int = 0
    reply_document_id: int | None = None  # the issued reply, delivered to a commune's electronic inbox


# --- who and when ----------------------------------------------------------------------------------

@dataclass
class _People:
    district: Agency
    users: dict[str, object]  # username → user, for the logins that exist
    departments: dict[str, Department]  # code → department of the district
    chair: Official | None  # the Chủ tịch, when the demo has one

    def user(self, username: str, fallback: str | None = None):
        return self.users.get(username) or (self.users[fallback] if fallback else None)

    def official(self, username: str, fallback: str | None = None) -> Official:
        return self.user(username, fallback).official

    @property
    def head(self):
        """The head of Phòng Nội vụ (truongphong); None while the demo has no such login heading the unit."""
        user = self.users.get("truongphong")
        unit = self.departments.get("NV")
        if user is None or unit is None or unit.pk not in headed_department_ids(user.official, self.district.pk):
            return None
        return user


def _people(district: Agency) -> _People:
    names = ["vanthu", "lanhdao", "chuyenvien", "truongphong", "kiemnhiem", "quantri"]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names).select_related("official")}
    departments = {d.code: d for d in Department.objects.filter(agency=district, active=True)}
    chair = (Official.objects.filter(memberships__agency=district, memberships__role=Role.LEADER,
                                     memberships__active=True, memberships__position__name="Chủ tịch")
             .order_by("pk").first())
    return _People(district, users, departments, chair)


class _Clock:
    """Moments of the demo's past and near future on the district's working-day calendar."""

    def __init__(self, agency: Agency, now: dt.datetime):
        self.cal = calendar_for(agency=agency)
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localtime(now).date()

    def back(self, n: int) -> dt.date:
        """The n-th working day before today (today itself for 0, whatever day today is)."""
        return self.cal.shift_working_days(self.today, -n) if n else self.today

    def shift(self, day: dt.date, n: int) -> dt.date:
        return self.cal.shift_working_days(day, n)

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def past(self, moment: dt.datetime) -> dt.datetime:
        """`moment`, but never later than a little before now."""
        return min(moment, self.now - dt.timedelta(minutes=20))


def _fmt(moment: dt.datetime | None) -> str:
    # As the workflow services write a deadline in timeline texts and notices.
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else "không có hạn"


def _pdf(name: str, lines: list[str]) -> SimpleUploadedFile:
    """A one-page PDF of `lines` (its text layer folded to ASCII: the base-14 fonts lack Vietnamese)."""
    return SimpleUploadedFile(name, small_pdf(lines), content_type="application/pdf")


# --- the weekly schedule -------------------------------------------------------------------------

# (title, place, attending units, preparing unit)
WEEKLY_MEETING = ("Giao ban lãnh đạo UBND huyện đầu tuần", "Phòng họp số 1, UBND huyện", ("VP",), "VP",
                  "Chánh Văn phòng, Trưởng các phòng chuyên môn")
SCHEDULE_ITEMS = (
    ("Làm việc với UBND xã Quế Trung về tiến độ xây dựng nông thôn mới", "UBND xã Quế Trung", ("NN", "KTHT"), "NN"),
    ("Tiếp công dân định kỳ", "Trụ sở Tiếp công dân huyện", ("TTr", "TNMT"), "TTr"),
    ("Họp Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn huyện", "Phòng họp số 2, UBND huyện",
     ("NN", "TNMT", "KTHT"), "NN"),
    ("Kiểm tra tiến độ thi công đường ĐH2 đoạn Quế Lâm - Phước Ninh", "Hiện trường công trình", ("KTHT", "TCKH"),
     "KTHT"),
    ("Dự hội nghị trực tuyến của UBND tỉnh về giải ngân vốn đầu tư công", "Điểm cầu trực tuyến UBND huyện",
     ("TCKH", "KTHT"), "TCKH"),
    ("Nghe báo cáo dự toán thu, chi ngân sách huyện năm sau", "Phòng họp số 1, UBND huyện", ("TCKH", "VP"), "TCKH"),
    ("Họp Hội đồng Thi đua - Khen thưởng huyện", "Phòng họp số 2, UBND huyện", ("NV", "VP"), "NV"),
    ("Làm việc với Phòng Nội vụ về Đề án vị trí việc làm", "Phòng họp số 2, UBND huyện", ("NV",), "NV"),
    ("Kiểm tra công tác chuẩn bị cơ sở vật chất trường học", "Các trường học trên địa bàn huyện", ("GDĐT",), "GDĐT"),
    ("Họp thẩm định hồ sơ giao đất, cho thuê đất", "Phòng họp số 2, UBND huyện", ("TNMT", "TP"), "TNMT"),
    ("Đối thoại với doanh nghiệp, hợp tác xã trên địa bàn huyện", "Hội trường UBND huyện", ("TCKH", "NN", "KTHT"),
     "TCKH"),
    ("Kiểm tra công tác tiêm chủng, phòng chống dịch bệnh", "Trung tâm Y tế huyện Nông Sơn", ("YT",), "YT"),
    ("Làm việc với UBND xã Ninh Phước về bố trí cán bộ, công chức sau sắp xếp", "UBND xã Ninh Phước", ("NV",), "NV"),
    ("Họp giải quyết kiến nghị của cử tri sau kỳ họp HĐND", "Phòng họp số 1, UBND huyện", ("VP", "TNMT", "LĐTBXH"),
     "VP"),
    ("Kiểm tra hiện trạng sạt lở bờ sông Thu Bồn", "Xã Quế Lâm", ("TNMT", "NN"), "TNMT"),
    ("Họp xét duyệt hồ sơ hỗ trợ hộ nghèo, cận nghèo", "Phòng họp số 2, UBND huyện", ("LĐTBXH", "TCKH"), "LĐTBXH"),
)
# Start times on a day with 2, 3 or 4 entries: morning first.
SLOTS = ((7, 30), (14, 0), (9, 30), (15, 30))
CANCEL_REASON = "Lãnh đạo UBND huyện đi công tác tỉnh đột xuất; lịch chuyển sang tuần sau."
DRAFT_ENTRIES = 3  # the last entries of next week are still drafts (dự kiến)


@dataclass
class _Schedule:
    entries: list[ScheduleEntry]
    meeting: ScheduleEntry  # last week's leaders' meeting, where a task was given


def _entry_data(people: _People, clock: _Clock, day: dt.date, slot: tuple[int, int], item, chair: Official,
                hours: float = 2) -> ScheduleEntryData:
    title, place, units, preparing, *rest = item
    start = clock.at(day, *slot)
    depts = [people.departments[c].pk for c in units if c in people.departments]
    prep = people.departments.get(preparing)
    return ScheduleEntryData(start=start, end=start + dt.timedelta(hours=hours), title=title, place=place,
                             chair_id=chair.pk, attendee_department_ids=depts,
                             attendees_text=rest[0] if rest else "",
                             preparing_department_id=prep.pk if prep else None)


def _seed_schedule(people: _People, clock: _Clock) -> _Schedule:
    """This week's and next week's working days, 2–4 entries each, published but for the last few; one
    called off with its reason; one made from a registered invitation; last week's leaders' meeting."""
    keeper = people.user("vanthu")
    leader = people.official("lanhdao")
    district = people.district
    monday = clock.today - dt.timedelta(days=clock.today.weekday())

    last_week = next((d for d in (monday - dt.timedelta(days=7 - i) for i in range(5)) if clock.cal.is_working_day(d)),
                     clock.cal.previous_working_day(monday))
    meeting = schedule_entry_create(
        actor=keeper, agency=district, publish=True,
        data=_entry_data(people, clock, last_week, (7, 30), WEEKLY_MEETING, people.chair or leader, hours=1.5))

    days = [d for d in (monday + dt.timedelta(days=i) for i in range(14)) if clock.cal.is_working_day(d)]
    plan: list[tuple[dt.date, tuple[int, int], tuple, Official, float]] = []
    counter = 0
    for i, day in enumerate(days):
        first_of_week = i == 0 or days[i - 1] < day - dt.timedelta(days=day.weekday())
        slots = sorted(SLOTS[:2 + i % 3])
        for j, slot in enumerate(slots):
            if j == 0 and first_of_week:
                plan.append((day, slot, WEEKLY_MEETING, people.chair or leader, 1.5))
                continue
            item = SCHEDULE_ITEMS[counter % len(SCHEDULE_ITEMS)]
            chair = people.chair if people.chair is not None and counter % 3 == 0 else leader
            plan.append((day, slot, item, chair, 2.0))
            counter += 1
    entries = []
    for k, (day, slot, item, chair, hours) in enumerate(plan):
        entries.append(schedule_entry_create(
            actor=keeper, agency=district, publish=k < len(plan) - DRAFT_ENTRIES,
            data=_entry_data(people, clock, day, slot, item, chair, hours)))
    if len(entries) > 1:
        schedule_entry_cancel(actor=keeper, entry=entries[1], reason=CANCEL_REASON)

    invitation = (Document.objects.filter(agency=district, direction=Direction.INCOMING, secrecy=Secrecy.NORMAL,
                                          doc_type__code=INVITATION_TYPE_CODE)
                  .select_related("doc_type", "agency").order_by("-registered_at", "-pk").first())
    if invitation is not None and days:
        day = invitation.due_date if invitation.due_date in days else days[len(days) // 2]
        data = invitation_prefill(invitation)
        data.chair_id = leader.pk
        data.attendee_department_ids = [people.departments[c].pk for c in ("VP",) if c in people.departments]
        entries.append(schedule_entry_from_document(
            actor=keeper, document=invitation, start=clock.at(day, 8, 0), end=clock.at(day, 11, 0),
            place=f"Hội trường {invitation.issuer}"[:300], data=data, publish=True))
    return _Schedule(entries=[meeting, *entries], meeting=meeting)


# --- tasks ---------------------------------------------------------------------------------------

ON_TIME = "on_time"  # handed in before the deadline, accepted, task done
LATE = "late"  # handed in after the deadline, accepted, task done
SUBMITTED_LATE = "submitted_late"  # handed in after the deadline, waiting for acceptance
OVERDUE = "overdue"  # started, deadline passed, not handed in
OVERDUE_PENDING = "overdue_pending"  # never started, deadline passed
IN_PROGRESS = "in_progress"
EXTENSION = "extension"  # in progress, more time asked for, not decided yet
DELEGATED = "delegated"  # given to Phòng Nội vụ, its head re-assigned it to an officer who is on it
PENDING = "pending"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class _TaskPlan:
    title: str
    lead: str  # a username, or a department code
    given: int  # working days before today (0: today, a little before now)
    days: int  # working days given to do it
    outcome: str
    description: str = ""
    coordinators: tuple[str, ...] = ()
    priority: str = TaskPriority.NORMAL
    source: str = ""  # "document" or "meeting"
    progress: int = 0
    file: str = ""


TASKS = (
    _TaskPlan("Rà soát, sắp xếp tổ chức bộ máy các cơ quan chuyên môn thuộc UBND huyện", "NV", 40, 10, ON_TIME,
              "Rà soát chức năng, nhiệm vụ, đề xuất phương án sắp xếp; báo cáo UBND huyện.", ("TCKH",),
              TaskPriority.HIGH, progress=50),
    _TaskPlan("", "chuyenvien", 36, 5, LATE, source="document", progress=50),
    _TaskPlan("Hướng dẫn các xã kiện toàn đội ngũ công chức Văn phòng - Thống kê", "kiemnhiem", 32, 7, ON_TIME,
              "Hướng dẫn bằng văn bản, tổng hợp kết quả kiện toàn của 6 xã."),
    _TaskPlan("Tổng hợp báo cáo kết quả công tác cải cách hành chính của huyện", "chuyenvien", 26, 8, OVERDUE,
              "Tổng hợp số liệu của các phòng, ban và UBND các xã theo đề cương của Sở Nội vụ.", ("VP",),
              progress=60, file="de-cuong-bao-cao-cai-cach-hanh-chinh.pdf"),
    _TaskPlan("Rà soát hồ sơ nâng bậc lương thường xuyên cho cán bộ, công chức", "kiemnhiem", 22, 6, SUBMITTED_LATE),
    _TaskPlan("Kiểm tra, báo cáo tình hình sạt lở bờ sông Thu Bồn đoạn qua xã Quế Lâm", "TNMT", 19, 5,
              OVERDUE_PENDING, "Kiểm tra thực địa, đề xuất phương án di dời các hộ trong vùng nguy hiểm.", ("NN",),
              TaskPriority.URGENT),
    _TaskPlan("Lập kế hoạch sửa chữa nhà văn hóa thôn Trung Hạ", "KTHT", 15, 10, CANCELLED),
    _TaskPlan("", "chuyenvien", 12, 15, EXTENSION, source="document", progress=40),
    _TaskPlan("Xây dựng Đề án vị trí việc làm của các phòng chuyên môn", "NV", 9, 15, DELEGATED,
              "Xây dựng dự thảo Đề án, lấy ý kiến các phòng, trình UBND huyện.", progress=30),
    _TaskPlan("Rà soát, đề xuất danh sách khen thưởng tập thể, cá nhân có thành tích trong phong trào thi đua",
              "kiemnhiem", 0, 15, IN_PROGRESS, "Theo kết luận tại cuộc họp giao ban lãnh đạo.", ("VHTT",),
              source="meeting", progress=20),
    _TaskPlan("Cung cấp số liệu biên chế công chức, viên chức cho Sở Nội vụ", "chuyenvien", 6, 5, ON_TIME),
    _TaskPlan("Xây dựng dự toán kinh phí thực hiện chính sách tinh giản biên chế năm sau", "TCKH", 2, 10, PENDING,
              coordinators=("NV",), priority=TaskPriority.HIGH),
    _TaskPlan("Báo cáo nhanh số lượng cán bộ, công chức cấp xã dôi dư sau sắp xếp", "chuyenvien", 0, 3, PENDING,
              priority=TaskPriority.URGENT),
)
CANCEL_TASK_REASON = "Nội dung đã được giao trong Kế hoạch sửa chữa công trình văn hóa năm nay; không giao riêng."
EXTENSION_REASON = "Chờ số liệu của UBND các xã Quế Lâm và Phước Ninh; đề nghị gia hạn để tổng hợp đầy đủ."
PROGRESS_NOTE = {20: "Đã gửi văn bản đề nghị các đơn vị đăng ký.", 30: "Đã xây dựng đề cương, đang lấy ý kiến.",
                 40: "Đã tổng hợp số liệu của 4/6 xã.", 50: "Đang tổng hợp số liệu.",
                 60: "Đã có số liệu của các phòng, đang chờ UBND các xã."}
RESULT_NOTE = "Đã hoàn thành, có báo cáo kèm theo."


def _assignee(people: _People, key: str):
    """An official (by username; kiemnhiem falls back to chuyenvien) or a department (by code)."""
    if key in people.departments:
        return people.departments[key]
    return people.official(key, "chuyenvien")


def _pick_document(people: _People, before: dt.datetime, taken: set[int]) -> Document:
    """An incoming document the leader sees, registered before the task was given (the demo's earliest
    when none was)."""
    docs = (visible_documents(people.user("lanhdao"))
            .filter(agency=people.district, direction=Direction.INCOMING, secrecy=Secrecy.NORMAL)
            .exclude(pk__in=taken).exclude(doc_type__code=INVITATION_TYPE_CODE).select_related("doc_type"))
    doc = docs.filter(registered_at__lt=before).order_by("-registered_at", "-pk").first() or \
        docs.order_by("registered_at", "pk").first()
    taken.add(doc.pk)
    return doc


def _times(plan: _TaskPlan, clock: _Clock, t0: dt.datetime, due: dt.datetime) -> dict[str, dt.datetime]:
    """When each step of the task happened."""
    cal = clock.cal
    t = {"created": t0}
    if plan.progress:
        t["progress"] = clock.past(clock.at(clock.shift(t0.date(), max(1, min(plan.days // 2, 4))), 16, 0))
    if plan.outcome == ON_TIME:
        t["submitted"] = clock.past(clock.at(clock.shift(due.date(), -1) if plan.days > 2 else t0.date(), 15, 0))
        t["closed"] = clock.past(clock.at(clock.shift(t["submitted"].date(), 1), 9, 0))
    elif plan.outcome in (LATE, SUBMITTED_LATE):
        t["submitted"] = clock.past(clock.at(clock.shift(due.date(), 2), 10, 0))
        if plan.outcome == LATE:
            t["closed"] = clock.past(clock.at(clock.shift(t["submitted"].date(), 1), 14, 30))
    elif plan.outcome == CANCELLED:
        t["closed"] = clock.past(clock.at(clock.shift(t0.date(), 2), 9, 0))
    elif plan.outcome == EXTENSION:
        t["extension"] = clock.past(clock.at(clock.back(2), 10, 0))
        t["requested"] = cal.add_working_days(due, 7)
    elif plan.outcome == DELEGATED:
        t["reassigned"] = clock.past(clock.at(clock.shift(t0.date(), 1), 8, 0))
        t["child_due"] = cal.add_working_days(t0, plan.days - 3)
        t["progress"] = clock.past(clock.at(clock.shift(t["reassigned"].date(), 2), 16, 0))
    return t


def _play(people: _People, plan: _TaskPlan, task: Task, clock: _Clock) -> None:
    """What the people did with the task, through the workflow services (times are set afterwards)."""
    leader = people.user("lanhdao")
    lead = Assignment.objects.get(task=task, role=AssignmentRole.LEAD, parent__isnull=True)
    handler = people.head if lead.assignee_department_id else lead.assignee_official.user
    if plan.outcome == CANCELLED:
        task_cancel(actor=leader, task=task, reason=CANCEL_TASK_REASON)
        return
    if plan.outcome == DELEGATED:
        officer = people.user("kiemnhiem", "chuyenvien")
        lead = workflow.assignment_reassign(actor=handler, assignment=lead, to_official=officer.official,
                                            due_in_working_days=plan.days - 3,
                                            note="Đồng chí chủ động phối hợp các phòng để xây dựng dự thảo.")
        handler = officer
    if plan.progress and plan.outcome not in (PENDING, OVERDUE_PENDING):
        workflow.progress_record(actor=handler, assignment=lead, percent=plan.progress,
                                 note=PROGRESS_NOTE.get(plan.progress, ""))
    if plan.outcome == EXTENSION:
        requested = clock.cal.closing(clock.cal.shift_working_days(timezone.localdate(), plan.days + 10))
        workflow.extension_request(actor=handler, assignment=lead, requested_due_at=requested,
                                   reason=EXTENSION_REASON)
    if plan.outcome in (ON_TIME, LATE, SUBMITTED_LATE):
        workflow.assignment_submit(actor=handler, assignment=lead, note=RESULT_NOTE)
    if plan.outcome in (ON_TIME, LATE):
        task_complete(actor=leader, task=task, note="Đồng ý với kết quả.")


_DEADLINE_RE = re.compile(r"(Hạn xử lý: |Hạn: )\d\d/\d\d/\d{4} \d\d:\d\d")


def _redate(text: str, due: dt.datetime | None) -> str:
    return _DEADLINE_RE.sub(lambda m: m.group(1) + _fmt(due), text)


def _backdate(task: Task, t: dict[str, dt.datetime], due: dt.datetime, now: dt.datetime) -> None:
    """Move the task's rows to the times of `t`, as if each step had happened then."""
    Task.objects.filter(pk=task.pk).update(created_at=t["created"], due_at=due,
                                           closed_at=t.get("closed") if task.closed_at else None)
    child_due = t.get("child_due")
    started = t.get("progress") or t.get("submitted")
    for a in Assignment.objects.filter(task=task):
        values = {"created_at": t.get("reassigned", t["created"]) if a.parent_id else t["created"]}
        if a.role != AssignmentRole.INFORM:
            values["due_at"] = child_due if a.parent_id else due
        for name, key in (("submitted_at", "submitted"), ("accepted_at", "closed"), ("completed_at", "closed")):
            if getattr(a, name) is not None:
                values[name] = t[key]
        if a.started_at is not None:
            values["started_at"] = started
        Assignment.objects.filter(pk=a.pk).update(**values)
    ProgressReport.objects.filter(assignment__task=task).update(created_at=t.get("progress"))
    for ext in ExtensionRequest.objects.filter(assignment__task=task):
        ExtensionRequest.objects.filter(pk=ext.pk).update(created_at=t["extension"], previous_due_at=due,
                                                          requested_due_at=t["requested"])
    at_kind = {EventKind.TASK_CREATED: t["created"], EventKind.ASSIGNED: t["created"],
               EventKind.REASSIGNED: t.get("reassigned"), EventKind.PROGRESS: t.get("progress"),
               EventKind.EXTENSION_REQUESTED: t.get("extension"), EventKind.SUBMITTED: t.get("submitted"),
               EventKind.ACCEPTED: t.get("closed"), EventKind.CANCELLED: t.get("closed"),
               EventKind.TASK_CLOSED: t.get("closed")}
    for event in ProcessingEvent.objects.filter(task=task):
        text = event.text
        if event.kind == EventKind.ASSIGNED:
            text = _redate(text, due)
        elif event.kind == EventKind.REASSIGNED:
            text = _redate(text, child_due)
        elif event.kind == EventKind.EXTENSION_REQUESTED:
            text = f"Xin gia hạn từ {_fmt(due)} đến {_fmt(t['requested'])}: {EXTENSION_REASON}"
        ProcessingEvent.objects.filter(pk=event.pk).update(created_at=at_kind[event.kind], text=text)
    # The notices went out at those times too (with the deadlines as dated back); older ones have been read.
    at_notice = {"workflow.submitted": t.get("submitted"), "workflow.accepted": t.get("closed"),
                 "workflow.cancelled": t.get("closed"), "workflow.extension_requested": t.get("extension")}
    children = set(Assignment.objects.filter(task=task, parent__isnull=False).values_list("pk", flat=True))
    for n in Notification.objects.filter(url=reverse("tasks:detail", args=[task.pk])):
        body = n.body
        if n.kind == "workflow.assigned":
            child = n.key in {f"assignment:{pk}:assigned" for pk in children}
            at = t["reassigned"] if child else t["created"]
            body = _redate(body, child_due if child else due)
        elif n.kind == "workflow.extension_requested":
            at, body = t["extension"], f"Đến {_fmt(t['requested'])}: {EXTENSION_REASON}"
        else:
            at = at_notice.get(n.kind)
        if at is None:
            continue
        read = at + dt.timedelta(hours=2) if at < now - dt.timedelta(days=2) else None
        Notification.objects.filter(pk=n.pk).update(created_at=at, read_at=read, body=body)


def _seed_tasks(people: _People, clock: _Clock, meeting: ScheduleEntry) -> list[Task]:
    leader = people.user("lanhdao")
    taken: set[int] = set()
    tasks = []
    for plan in TASKS:
        lead_key, outcome = plan.lead, plan.outcome
        if lead_key == "NV" and people.head is None:  # nobody heads the unit yet: give it to its officer
            lead_key, outcome = "chuyenvien", (IN_PROGRESS if outcome == DELEGATED else outcome)
        plan = replace(plan, lead=lead_key, outcome=outcome)
        if plan.source == "meeting":
            t0 = timezone.localtime(meeting.start) + dt.timedelta(hours=2, minutes=30)
        elif plan.given == 0:
            t0 = clock.now - dt.timedelta(minutes=90)
        else:
            t0 = clock.at(clock.back(plan.given), 8, 30)
        due = clock.cal.add_working_days(t0, plan.days)
        title, description, document = plan.title, plan.description, None
        if plan.source == "document":
            document = _pick_document(people, t0, taken)
            title = f"Tham mưu thực hiện văn bản số {document.number_notation} của {document.issuer}"
            description = f"Nội dung: {document.subject}"
        files = [_pdf(plan.file, [title, description, "Thời hạn: theo chỉ đạo của lãnh đạo UBND huyện."])] \
            if plan.file else ()
        task = task_create(actor=leader, agency=people.district, title=title, description=description,
                           document=document, meeting=meeting if plan.source == "meeting" else None,
                           priority=plan.priority, due_in_working_days=plan.days,
                           lead=_assignee(people, plan.lead),
                           coordinators=[_assignee(people, c) for c in plan.coordinators], files=files)
        _play(people, plan, task, clock)
        task.refresh_from_db()
        _backdate(task, _times(plan, clock, t0, due), due, clock.now)
        tasks.append(task)
    return tasks


# --- drafts --------------------------------------------------------------------------------------

def _draft_data(people: _People, doc_type: str, subject: str, **kw) -> drafting.DraftData:
    leader = people.official("lanhdao")
    return drafting.DraftData(doc_type=doc_type, subject=subject, signer=leader.full_name[:100],
                              signer_title="KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", **kw)


# The type's name heads a draft's text; the subject follows it without repeating it (Decree 30, Annex I).
_TYPE_HEADINGS = {"ke_hoach": "KẾ HOẠCH", "bao_cao": "BÁO CÁO", "to_trinh": "TỜ TRÌNH", "quyet_dinh": "QUYẾT ĐỊNH"}


def _body(doc_type: str, subject: str, paragraphs: list[str]) -> list[str]:
    heading = [_TYPE_HEADINGS[doc_type]] if doc_type in _TYPE_HEADINGS else []
    return ["ỦY BAN NHÂN DÂN HUYỆN NÔNG SƠN", "DỰ THẢO", *heading, subject, *paragraphs]


def _reply_to(people: _People, commune: Agency) -> Document:
    """An incoming document chuyenvien handles: one with their open lead assignment and from the commune
    if there is one, else any they see."""
    officer = people.user("chuyenvien")
    docs = visible_documents(officer).filter(agency=people.district, direction=Direction.INCOMING,
                                             secrecy=Secrecy.NORMAL).exclude(doc_type__code=INVITATION_TYPE_CODE)
    handles = Exists(Assignment.objects.filter(document_id=OuterRef("pk"), role=AssignmentRole.LEAD,
                                               assignee_official=officer.official, status__in=list(ACTIVE_STATUSES)))
    for qs in (docs.filter(handles, issuer_agency=commune), docs.filter(handles), docs.filter(issuer_agency=commune),
               docs):
        doc = qs.order_by("-registered_at", "-pk").first()
        if doc is not None:
            return doc
    raise LookupError("chuyenvien sees no incoming document of the district")


def _seed_drafts(people: _People, clock: _Clock, commune: Agency) -> tuple[list[Draft], Document]:
    """chuyenvien's drafts, one in each state; the last one a reply issued and sent to `commune`."""
    author, leader, clerk = people.user("chuyenvien"), people.user("lanhdao"), people.user("vanthu")
    reviewer = people.head or leader
    lead_pk = leader.official.pk
    district = people.district
    year = clock.today.year

    def create(doc_type, subject, paragraphs, name, **kw):
        return drafting.draft_create(actor=author, agency=district, data=_draft_data(people, doc_type, subject, **kw),
                                     upload=_pdf(name, _body(doc_type, subject, paragraphs)),
                                     note="Bản dự thảo đầu tiên.")

    def submit(draft):
        return drafting.draft_submit_for_review(actor=author, draft=draft, reviewer_id=reviewer.official.pk,
                                                comment="Kính trình đồng chí xem xét, ký nháy.")

    def forward(draft):
        return drafting.draft_review(actor=reviewer, draft=draft, forward=True, approver_id=lead_pk,
                                     comment="Đã rà soát nội dung, đề nghị lãnh đạo ký duyệt.")

    drafting_subject = f"Tuyển dụng công chức cấp xã năm {year}"
    first = ["1. Chỉ tiêu tuyển dụng: 12 công chức", "2. Hình thức: xét tuyển", "3. Thời gian: quý III",
             "4. Kinh phí: ngân sách huyện"]
    second = ["1. Chỉ tiêu tuyển dụng: 9 công chức, điều chỉnh theo ý kiến Sở Nội vụ", "2. Hình thức: xét tuyển",
              "3. Thời gian: quý IV", "4. Kinh phí: ngân sách huyện", "5. Tổ chức thực hiện: Phòng Nội vụ chủ trì"]
    in_drafting = create("ke_hoach", drafting_subject, first, "ke-hoach-tuyen-dung-v1.pdf",
                         recipient_names=["UBND các xã", "Sở Nội vụ tỉnh Quảng Nam"])
    drafting.draft_revise(actor=author, draft=in_drafting, data=drafting.draft_data_of(in_drafting),
                          upload=_pdf("ke-hoach-tuyen-dung-v2.pdf", _body("ke_hoach", drafting_subject, second)),
                          note="Điều chỉnh chỉ tiêu và thời gian theo ý kiến của Sở Nội vụ.")

    in_review = submit(create("bao_cao", "Kết quả công tác cải cách hành chính năm " + str(year),
                              ["1. Kết quả đạt được", "2. Tồn tại, hạn chế", "3. Phương hướng, nhiệm vụ"],
                              "bao-cao-cai-cach-hanh-chinh.pdf", recipient_names=["Sở Nội vụ tỉnh Quảng Nam"]))
    reviewed = forward(submit(create(
        "to_trinh", "Đề nghị phê duyệt Đề án vị trí việc làm của các cơ quan chuyên môn",
        ["Căn cứ Nghị định số 62/2020/NĐ-CP", "Đề nghị phê duyệt Đề án vị trí việc làm"],
        "to-trinh-vi-tri-viec-lam.pdf",
        recipient_names=["Sở Nội vụ tỉnh Quảng Nam"])))
    approved = drafting.draft_approve(actor=leader, comment="Đồng ý ban hành.", draft=forward(submit(create(
        "quyet_dinh", "Về việc kiện toàn Hội đồng Thi đua - Khen thưởng huyện",
        ["Điều 1. Kiện toàn Hội đồng Thi đua - Khen thưởng huyện", "Điều 2. Nhiệm vụ của Hội đồng",
         "Điều 3. Hiệu lực thi hành"], "quyet-dinh-hoi-dong-thi-dua.pdf",
        recipient_names=["Như Điều 3", "Lưu: VT, NV"]))))
    returned = drafting.draft_return(
        actor=leader, draft=forward(submit(create(
            "cong_van", "Hướng dẫn đánh giá, xếp loại chất lượng cán bộ, công chức năm " + str(year),
            ["Hướng dẫn đánh giá, xếp loại", "Thời hạn gửi báo cáo"], "huong-dan-danh-gia-xep-loai.pdf",
            recipient_names=["Các phòng, ban thuộc huyện", "UBND các xã"]))),
        reason="Bổ sung căn cứ Nghị định 90/2020/NĐ-CP và nêu rõ thời hạn các xã gửi kết quả đánh giá.")

    original = _reply_to(people, commune)
    recipients = [commune.pk] + ([original.issuer_agency_id] if original.issuer_agency_id not in
                                 (None, commune.pk, district.pk) else [])
    names = [] if original.issuer_agency_id in recipients else [original.issuer]
    issued = f" ngày {original.issued_date:%d/%m/%Y}" if original.issued_date else ""
    subject = f"V/v phúc đáp văn bản số {original.number_notation}{issued} của {original.issuer}"
    reply = drafting.draft_create(
        actor=author, agency=district, reply_to_id=original.pk, note="Dự thảo văn bản trả lời.",
        data=_draft_data(people, "cong_van", subject, recipient_agency_ids=recipients, recipient_names=names),
        upload=_pdf("cong-van-phuc-dap.pdf", _body("cong_van", subject, ["UBND huyện Nông Sơn phúc đáp như sau:",
                                                                         "Thống nhất với đề xuất của địa phương."])))
    reply = drafting.draft_approve(actor=leader, draft=forward(submit(reply)), comment="Đồng ý, phát hành.")
    drafting.draft_check_format(actor=clerk, draft=reply, ok=True)
    document = drafting.draft_issue(actor=clerk, draft=reply)
    document_dispatch(actor=clerk, document=document)
    return [in_drafting, in_review, reviewed, approved, returned, reply], document


# --- all of it -----------------------------------------------------------------------------------

@transaction.atomic
def seed_work_demo(*, district: Agency, now: dt.datetime) -> WorkDemoResult:
    """Tasks, the weekly schedule and drafts for the demo `district` as of `now` (see the module docstring).

    Needs the demo's logins (vanthu, lanhdao, chuyenvien; truongphong and kiemnhiem when they exist, else
    lanhdao reviews drafts and chuyenvien takes their work) and its commune Quế Trung, where the reply is
    delivered. When the district has tasks already, nothing is added and `created` is False."""
    if Task.objects.filter(agency=district).exists():
        return WorkDemoResult(created=False)
    people = _people(district)
    clock = _Clock(district, now)
    schedule = _seed_schedule(people, clock)
    tasks = _seed_tasks(people, clock, schedule.meeting)
    commune = Agency.objects.filter(parent=district, place="Quế Trung").first() or \
        Agency.objects.filter(parent=district).order_by("pk").first()
    drafts, reply = _seed_drafts(people, clock, commune)
    return WorkDemoResult(created=True, tasks=len(tasks), schedule_entries=len(schedule.entries), drafts=len(drafts),
                          reply_document_id=reply.pk)
