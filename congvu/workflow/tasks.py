"""The reminder job: before a deadline, on the day and when overdue, tell the people responsible and the
leader who assigned the work (Mayan-style escalation: deadlines and offsets are data, a periodic job acts).

Idempotent in two steps, per agency:

1. *Due reminders*: stream the agency's active assignments whose deadline falls before the furthest
   reminder horizon, in keyset chunks on (due_at, id), and insert one `ReminderLog` per reminder now due
   (unique per assignment, kind, deadline, offset: `ignore_conflicts` makes a second run insert nothing).
2. *Delivery*: stream the agency's logs not yet notified, count them per official (the assignee or the
   heads of the assigned unit, and the person who assigned it), then in one transaction put one
   notification per official in the inbox (each item when there are few, one digest otherwise) and mark
   the logs notified. A crash between the steps leaves logs that the next run delivers.

Memory stays constant in the number of assignments: one chunk of rows plus a small tally per official.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from congvu.documents.models import DocumentAccess
from congvu.jobs import job
from congvu.org.models import Agency
from congvu.workflow import rules
from congvu.workflow.models import Assignment, ReminderKind, ReminderLog

CHUNK = 2000
SINGLE_LIMIT = 3  # an official with at most this many new reminders gets each one; more make a digest
SAMPLES = 5

KIND_WORDS = {ReminderKind.BEFORE: "sắp đến hạn", ReminderKind.DUE: "đến hạn hôm nay",
              ReminderKind.OVERDUE: "quá hạn"}


@dataclass
class RunStats:
    agencies: int = 0
    scanned: int = 0
    logged: int = 0
    notifications: int = 0
    run_id: str = ""


@dataclass
class _Tally:
    own: dict = field(default_factory=dict)  # kind → count, as the person responsible
    given: dict = field(default_factory=dict)  # kind → count, as the person who assigned it
    samples: list = field(default_factory=list)  # (log id, assignment id, kind, own?) of the first few
    total: int = 0


def _local_day_end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _plan_agency(agency: Agency, now: dt.datetime):
    """(horizon, decide) for one agency: `decide(due_at)` → (kind, offset) of the reminder due now or None."""
    policy = rules.policy_for(agency.pk)
    cal = rules.calendar(agency)
    today = timezone.localtime(now).date()
    offsets = sorted({int(x) for x in (policy.reminder_offsets_days or []) if int(x) >= 0})
    before = [(n, cal.shift_working_days(today, n)) for n in offsets if n > 0]  # smallest offset first
    due_today = 0 in offsets
    repeat = policy.overdue_repeat_days
    horizon_day = max([today] + [t for _, t in before])
    horizon = _local_day_end(horizon_day)

    def decide(due_at: dt.datetime):
        if due_at < now:
            offset = 0
            if repeat:
                late = cal.working_days_between(timezone.localtime(due_at).date(), today)
                offset = (max(late, 0) // repeat) * repeat
            return ReminderKind.OVERDUE, offset
        day = timezone.localtime(due_at).date()
        if day <= today:
            return (ReminderKind.DUE, 0) if due_today else None
        for n, threshold in before:
            if day <= threshold:
                return ReminderKind.BEFORE, n
        return None

    return horizon, decide


def _log_due_reminders(agency: Agency, now: dt.datetime, run_id: str, stats: RunStats) -> None:
    horizon, decide = _plan_agency(agency, now)
    today = timezone.localtime(now).date()
    base = Assignment.objects.filter(agency_id=agency.pk, active=1, due_at__lt=horizon)
    last: tuple[dt.datetime, int] | None = None
    while True:
        qs = base
        if last is not None:
            # A range on due_at the index can seek to (an OR of two conditions would make SQLite rescan from
            # the start each chunk); the rows of the last deadline already seen are excluded after the seek.
            qs = qs.filter(due_at__gte=last[0]).exclude(due_at=last[0], pk__lte=last[1])
        rows = list(qs.order_by("due_at", "pk").values_list("pk", "due_at")[:CHUNK])
        if not rows:
            return
        last = rows[-1][1], rows[-1][0]
        stats.scanned += len(rows)
        wanted = {}
        for pk, due_at in rows:
            plan = decide(due_at)
            if plan is not None:
                wanted[(pk, plan[0], due_at, plan[1])] = None
        if not wanted:
            continue
        have = set(ReminderLog.objects.filter(assignment_id__in=[k[0] for k in wanted])
                   .values_list("assignment_id", "kind", "due_at", "offset"))
        new = [ReminderLog(assignment_id=pk, agency_id=agency.pk, kind=kind, due_at=due_at, offset=offset,
                           for_date=today, run_id=run_id, created_at=now)
               for (pk, kind, due_at, offset) in wanted if (pk, kind, due_at, offset) not in have]
        if new:
            with transaction.atomic():
                ReminderLog.objects.bulk_create(new, ignore_conflicts=True)
            stats.logged += len(new)


def _deliver(agency: Agency, now: dt.datetime, run_id: str, stats: RunStats) -> None:
    from congvu.notifications.services import notify

    heads_cache: dict[int, list[int]] = {}
    tally: dict[int, _Tally] = {}
    base = ReminderLog.objects.filter(agency_id=agency.pk, notified_at__isnull=True)
    last_id = 0
    while True:
        rows = list(base.filter(pk__gt=last_id).order_by("pk").values_list(
            "pk", "kind", "assignment_id", "assignment__assignee_official_id", "assignment__assignee_department_id",
            "assignment__assigned_by_id", "assignment__active")[:CHUNK])
        if not rows:
            break
        last_id = rows[-1][0]
        for log_id, kind, asg_id, official_id, dept_id, by_id, active in rows:
            if not active:  # finished since the log was written: nothing to remind about
                continue
            if official_id:
                own = [official_id]
            else:
                if dept_id not in heads_cache:
                    heads_cache[dept_id] = rules.department_heads(dept_id)
                own = heads_cache[dept_id]
            for person, is_own in [(o, True) for o in own] + ([(by_id, False)] if by_id not in own else []):
                t = tally.setdefault(person, _Tally())
                bucket = t.own if is_own else t.given
                bucket[kind] = bucket.get(kind, 0) + 1
                t.total += 1
                if len(t.samples) <= SAMPLES:
                    t.samples.append((log_id, asg_id, kind, is_own))
    if last_id == 0:
        return
    sample_ids = {s[1] for t in tally.values() for s in t.samples}
    subjects = {a.pk: a for a in Assignment.objects.filter(pk__in=sample_ids).select_related("document", "task")}
    # A secret document's subject only to those named on it (a unit head appointed later is not).
    secret_docs = {a.document_id for a in subjects.values() if a.secret and a.document_id}
    named = set(DocumentAccess.objects.filter(document_id__in=secret_docs, official_id__in=list(tally))
                .values_list("official_id", "document_id")) if secret_docs else set()

    def subject_for(a: Assignment, person: int, limit: int) -> str:
        if a.secret and a.document_id and (person, a.document_id) not in named:
            return f"văn bản mật {a.document.number_notation}".strip()
        return a.subject_label[:limit]

    from congvu.workflow.services import subject_url

    my_work = reverse("workflow:my_work")
    overdue_url = reverse("workflow:overdue")
    with transaction.atomic():
        for person, t in tally.items():
            if t.total <= SINGLE_LIMIT:
                for log_id, asg_id, kind, is_own in t.samples:
                    a = subjects[asg_id]
                    due = timezone.localtime(a.due_at).strftime("%d/%m/%Y %H:%M")
                    what = "Việc của bạn" if is_own else f"Việc đã giao cho {a.assignee_label}"
                    stats.notifications += notify(
                        recipients=[person], agency_id=agency.pk, kind=f"workflow.reminder.{kind}",
                        title=f"{what} {KIND_WORDS[kind]}: {subject_for(a, person, 200)}",
                        body=f"Hạn xử lý: {due}.", url=subject_url(document_id=a.document_id, task_id=a.task_id),
                        key=f"reminder:{log_id}", confidential=bool(a.secret))
                continue
            parts = []
            for label, bucket in (("Việc của bạn", t.own), ("Việc bạn đã giao", t.given)):
                counts = [f"{bucket[k]} {KIND_WORDS[k]}" for k in (ReminderKind.OVERDUE, ReminderKind.DUE,
                                                                  ReminderKind.BEFORE) if bucket.get(k)]
                if counts:
                    parts.append(f"{label}: {', '.join(counts)}")
            lines = [f"• {subject_for(subjects[s[1]], person, 150)} ({KIND_WORDS[s[2]]})" for s in t.samples[:SAMPLES]]
            stats.notifications += notify(
                recipients=[person], agency_id=agency.pk, kind="workflow.reminder.digest",
                title="Nhắc việc — " + "; ".join(parts), body="\n".join(lines),
                url=my_work if t.own else overdue_url, key=f"reminders:{run_id}:{agency.pk}:{last_id}",
                confidential=any(subjects[s[1]].secret for s in t.samples[:SAMPLES]))
        base.filter(pk__lte=last_id).update(notified_at=now)


def reminders_send(*, now: dt.datetime | None = None) -> RunStats:
    """One pass of reminders over every agency with active assignments that have a deadline."""
    now = now or timezone.now()
    stats = RunStats(run_id=uuid.uuid4().hex)
    agency_ids = set(Assignment.objects.filter(active=1, due_at__isnull=False)
                     .values_list("agency_id", flat=True).distinct())
    agency_ids |= set(ReminderLog.objects.filter(notified_at__isnull=True).values_list("agency_id", flat=True)
                      .distinct())
    for agency in Agency.objects.filter(pk__in=agency_ids).order_by("pk"):
        stats.agencies += 1
        _log_due_reminders(agency, now, stats.run_id, stats)
        _deliver(agency, now, stats.run_id, stats)
    return stats


@job("workflow.reminders", every=dt.timedelta(minutes=15))
def reminders_run(now: str | None = None) -> None:
    """Periodic entry point (every 15 minutes); `now` (ISO) only for replaying a moment."""
    moment = dt.datetime.fromisoformat(now) if now else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    reminders_send(now=moment)
