"""Processing history for the demo district: presentations, directions and assignments over the last
months, most finished on time, some late, some still open and a few overdue, so that "Việc của tôi",
the queues, the overdue list and the reminders show what a real agency's would.

Rows are written in bulk with their historical times (the services stamp "now"), keeping the
invariants the services keep: one open top-level lead per document, `active` mirroring the status,
the assignees named on the document (DocumentAccess) so that officers see what they handle, and a
timeline event for each step.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from congvu.documents.models import URGENCY_RANK, Direction, Document, DocumentAccess, Secrecy
from congvu.org.models import Department, Membership, Official
from congvu.workdays.calendar import to_local
from congvu.workdays.services import calendar_for
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    EventKind,
    Presentation,
    PresentationStatus,
    ProcessingEvent,
    ProcessingPolicy,
    ProgressReport,
)
from congvu.workflow.models import Direction as DirectionNote

DIRECTION_TEXTS = (
    "Giao {lead} chủ trì, tham mưu UBND huyện xử lý theo quy định.",
    "Giao {lead} chủ trì nghiên cứu, đề xuất; báo cáo kết quả trước hạn.",
    "{lead} chủ trì triển khai thực hiện; các đơn vị liên quan phối hợp.",
    "Giao {lead} tham mưu văn bản trả lời, trình ký đúng hạn.",
    "Chuyển {lead} theo dõi, tổng hợp và báo cáo.",
)
RESULT_NOTES = (
    "Đã tham mưu văn bản trả lời.", "Đã triển khai, báo cáo kết quả.", "Đã tổng hợp, trình lãnh đạo.",
    "Đã hoàn thành theo chỉ đạo.",
)
PROGRESS_NOTES = ("Đang tổng hợp số liệu.", "Đã làm việc với các xã.", "Đang dự thảo văn bản.",
                  "Chờ ý kiến phối hợp.")


@dataclass
class ProcessingSeed:
    presented: int = 0
    directed: int = 0
    assignments: int = 0
    overdue: int = 0


class _Rows:
    def __init__(self):
        self.presentations: list[Presentation] = []
        self.directions: list[DirectionNote] = []
        self.assignments: list[Assignment] = []
        self.events: list[ProcessingEvent] = []
        self.progress: list[ProgressReport] = []
        self.access: set[tuple[int, int]] = set()


def seed_processing_demo(*, agency, clerk: Official, leader: Official, now: dt.datetime, days: int = 90,
                         share: float = 0.6, seed: int = 2026) -> ProcessingSeed:
    """Presentations, directions and assignments for `share` of the agency's incoming documents of the
    last `days` days. Deadlines come from the agency's working-day calendar."""
    rng = random.Random(seed)
    cal = calendar_for(agency=agency)
    ProcessingPolicy.objects.update_or_create(agency=agency, defaults={"default_leader": leader})
    departments = list(Department.objects.filter(agency=agency, active=True).order_by("pk"))
    dept_by_code = {d.code: d for d in departments}
    members: dict[int, list[int]] = {}
    for dept_id, official_id in Membership.objects.filter(agency=agency, active=True, department__isnull=False) \
            .values_list("department_id", "official_id"):
        members.setdefault(dept_id, []).append(official_id)
    officers = list(Official.objects.filter(memberships__agency=agency, memberships__role="officer",
                                            memberships__active=True).distinct().order_by("pk"))
    handling = [d for d in departments if d.code != "VP"]
    since = now - dt.timedelta(days=days)
    docs = list(Document.objects.filter(agency=agency, direction=Direction.INCOMING, secrecy=Secrecy.NORMAL,
                                        registered_at__gte=since, registered_at__lt=now - dt.timedelta(hours=2))
                .order_by("pk").only("pk", "registered_at", "urgency"))
    rows = _Rows()
    result = ProcessingSeed()
    waiting_for_direction = 0
    for doc in docs:
        if rng.random() > share:
            continue
        presented_at = doc.registered_at + dt.timedelta(minutes=rng.randint(10, 240))
        if presented_at >= now:
            continue
        rank = URGENCY_RANK.get(doc.urgency, 0)
        recent = (now - doc.registered_at) < dt.timedelta(days=2)
        pending = recent and waiting_for_direction < 8 and rng.random() < 0.5
        presentation = Presentation(agency=agency, document_id=doc.pk, presented_by=clerk, to_official=leader,
                                    status=PresentationStatus.PENDING if pending else PresentationStatus.DIRECTED,
                                    urgency_rank=rank, created_at=presented_at)
        rows.presentations.append(presentation)
        rows.events.append(ProcessingEvent(agency=agency, document_id=doc.pk, actor=clerk, kind=EventKind.PRESENTED,
                                           text=f"Người nhận: {leader.full_name}", created_at=presented_at))
        result.presented += 1
        if pending:
            waiting_for_direction += 1
            continue
        # Leaders direct during office hours; a deadline given in working days ends at that day's closing.
        directed_at = cal.next_working_moment(presented_at + dt.timedelta(minutes=rng.randint(30, 1440)))
        directed_at = min(directed_at, now - dt.timedelta(minutes=5))
        presentation.decided_at = directed_at
        days_given = rng.choice((3, 5, 5, 7, 10, 15)) if rank == 0 else rng.choice((1, 2, 3))
        due_at = cal.closing(cal.shift_working_days(to_local(directed_at).date(), days_given))
        lead_dept = rng.choice(handling)
        to_officer = rng.random() < 0.3 and officers
        lead_official = rng.choice(officers) if to_officer else None
        lead_label = lead_official.full_name if lead_official else lead_dept.name
        text = rng.choice(DIRECTION_TEXTS).format(lead=lead_label)
        direction = DirectionNote(agency=agency, document_id=doc.pk, author=leader, text=text, due_at=due_at,
                                  created_at=directed_at)
        rows.directions.append(direction)
        rows.events.append(ProcessingEvent(agency=agency, document_id=doc.pk, actor=leader, kind=EventKind.DIRECTED,
                                           text=text, created_at=directed_at))
        result.directed += 1
        coordinators = rng.sample([d for d in handling if d != lead_dept], k=rng.choice((0, 0, 1, 2)))
        inform = [dept_by_code["VP"]] if "VP" in dept_by_code and rng.random() < 0.2 else []
        status, submitted_at, accepted_at, progress = _outcome(rng, now, directed_at, due_at)
        started_at = directed_at + dt.timedelta(hours=2) if status != AssignmentStatus.PENDING else None
        result.overdue += status in ACTIVE_STATUSES and due_at < now
        lead = Assignment(agency=agency, document_id=doc.pk, role=AssignmentRole.LEAD, assigned_by=leader,
                          assignee_official=lead_official, assignee_department=None if lead_official else lead_dept,
                          due_at=due_at, status=status, active=status in ACTIVE_STATUSES, progress=progress,
                          urgency_rank=rank, created_at=directed_at, submitted_at=submitted_at,
                          started_at=started_at,
                          accepted_at=accepted_at, completed_at=accepted_at,
                          accepted_by=leader if accepted_at else None,
                          result_note=rng.choice(RESULT_NOTES) if submitted_at else "")
        lead._direction = direction
        rows.assignments.append(lead)
        people = [lead_official.pk] if lead_official else members.get(lead_dept.pk, [])
        for coord in coordinators:
            coord_status = AssignmentStatus.ACCEPTED if accepted_at else AssignmentStatus.IN_PROGRESS
            rows.assignments.append(_assignment(agency, doc.pk, direction, leader, coord, AssignmentRole.COORDINATE,
                                                due_at, coord_status, rank, directed_at, accepted_at))
            people += members.get(coord.pk, [])
        for dept in inform:
            rows.assignments.append(_assignment(agency, doc.pk, direction, leader, dept, AssignmentRole.INFORM, None,
                                                AssignmentStatus.READ, rank, directed_at,
                                                directed_at + dt.timedelta(hours=3)))
            people += members.get(dept.pk, [])
        rows.access.update((doc.pk, p) for p in people)
        rows.events.append(ProcessingEvent(agency=agency, document_id=doc.pk, actor=leader, kind=EventKind.ASSIGNED,
                                           text=f"Chủ trì: {lead_label}; hạn {to_local(due_at):%d/%m/%Y}",
                                           created_at=directed_at))
        if progress and not submitted_at:
            rows.progress.append((lead, ProgressReport(author=lead_official or leader, percent=progress,
                                                       note=rng.choice(PROGRESS_NOTES),
                                                       created_at=min(now, directed_at + dt.timedelta(days=1)))))
        if submitted_at:
            rows.events.append(ProcessingEvent(agency=agency, document_id=doc.pk, actor=lead_official or leader,
                                               kind=EventKind.SUBMITTED, text=lead.result_note,
                                               created_at=submitted_at))
        if accepted_at:
            rows.events.append(ProcessingEvent(agency=agency, document_id=doc.pk, actor=leader,
                                               kind=EventKind.ACCEPTED, text="Đồng ý kết quả.",
                                               created_at=accepted_at))
    _write(rows)
    result.assignments = len(rows.assignments)
    return result


def _outcome(rng, now, directed_at, due_at):
    """(status, submitted_at, accepted_at, progress) of a lead assignment given at `directed_at`."""
    if due_at < now:
        r = rng.random()
        if r < 0.08:  # still open after its deadline: overdue
            return AssignmentStatus.IN_PROGRESS, None, None, rng.choice((20, 50, 80))
        late = r > 0.85
        if late:
            submitted = due_at + dt.timedelta(hours=rng.randint(4, 96))
        else:
            submitted = due_at - dt.timedelta(hours=rng.randint(2, 72))
        submitted = max(submitted, directed_at + dt.timedelta(hours=1))
        if submitted >= now:
            return AssignmentStatus.SUBMITTED, now - dt.timedelta(hours=1), None, 100
        accepted = submitted + dt.timedelta(hours=rng.randint(1, 20))
        if accepted >= now:
            return AssignmentStatus.SUBMITTED, submitted, None, 100
        return AssignmentStatus.ACCEPTED, submitted, accepted, 100
    r = rng.random()
    if r < 0.25:
        return AssignmentStatus.PENDING, None, None, 0
    if r < 0.85:
        return AssignmentStatus.IN_PROGRESS, None, None, rng.choice((10, 30, 50, 70))
    submitted = min(now - dt.timedelta(minutes=30), directed_at + dt.timedelta(hours=rng.randint(2, 30)))
    return AssignmentStatus.SUBMITTED, max(submitted, directed_at), None, 100


def _assignment(agency, doc_id, direction, leader, dept, role, due_at, status, rank, created_at, completed_at):
    a = Assignment(agency=agency, document_id=doc_id, role=role, assigned_by=leader, assignee_department=dept,
                   due_at=due_at, status=status, active=status in ACTIVE_STATUSES,
                   progress=100 if status in (AssignmentStatus.ACCEPTED, AssignmentStatus.READ) else 0,
                   urgency_rank=rank, created_at=created_at,
                   completed_at=completed_at if status in (AssignmentStatus.ACCEPTED, AssignmentStatus.READ) else None)
    a._direction = direction
    return a


@transaction.atomic
def _write(rows: _Rows) -> None:
    Presentation.objects.bulk_create(rows.presentations, batch_size=2000)
    by_doc = {p.document_id: p for p in rows.presentations}
    for d in rows.directions:
        d.presentation = by_doc.get(d.document_id)
    DirectionNote.objects.bulk_create(rows.directions, batch_size=2000)
    for a in rows.assignments:
        a.direction = a._direction
    Assignment.objects.bulk_create(rows.assignments, batch_size=2000)
    reports = []
    for assignment, report in rows.progress:
        report.assignment = assignment
        reports.append(report)
    ProgressReport.objects.bulk_create(reports, batch_size=2000)
    ProcessingEvent.objects.bulk_create(rows.events, batch_size=2000)
    have = set(DocumentAccess.objects.filter(document_id__in={d for d, _ in rows.access})
               .values_list("document_id", "official_id"))
    DocumentAccess.objects.bulk_create([DocumentAccess(document_id=d, official_id=o)
                                        for d, o in sorted(rows.access - have)], batch_size=2000)
