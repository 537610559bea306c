"""Processing of incoming documents and tasks (Decree 30/2020 Art. 20–24; issue "điều hành tác nghiệp").

What happens after the clerk registers a document:

    Presentation (trình)  → Direction (bút phê) → Assignment rows (chủ trì / phối hợp / để biết)
    → ProgressReport, ExtensionRequest → submit (báo cáo hoàn thành) → accept / return

A `Task` (giao việc) is the same machinery without (or beside) a document: its assignments are the
same `Assignment` rows, with `task` set instead of `document`. `ProcessingEvent` is the timeline the
document and task pages show; the audit journal keeps the tamper-evident record of the same steps.
`ReminderLog` makes the reminder job idempotent: one row per (assignment, kind, deadline, offset).
"""

from django.db import models
from django.db.models import Q

from congvu.documents.models import Document, StoredFile
from congvu.org.models import Agency, Department, Official

# --- per-agency rules ----------------------------------------------------------------------------


class PresentTo(models.TextChoices):
    LEADER = "leader", "Lãnh đạo cơ quan"
    DEPARTMENT = "department", "Phòng, ban được chỉ định"


DEFAULT_REMINDER_OFFSETS = [2, 0]  # working days before the deadline; 0 = on the day


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


class ProcessingPolicy(models.Model):
    """How one agency processes incoming documents. Missing row = the defaults of the field values."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="processing_policy")
    # Decree 30 Art. 24: the clerk presents to the agency's leader, or to the unit the agency's rules name.
    present_to = models.CharField("trình văn bản đến cho", max_length=12, choices=PresentTo.choices,
                                  default=PresentTo.LEADER)
    default_leader = models.ForeignKey(Official, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       verbose_name="lãnh đạo nhận trình mặc định")
    default_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name="đơn vị nhận trình mặc định")
    reminder_offsets_days = models.JSONField("nhắc trước hạn (ngày làm việc)", default=default_reminder_offsets)
    # After the deadline, remind again every N working days (0 = only once).
    overdue_repeat_days = models.PositiveSmallIntegerField("nhắc lại khi quá hạn sau (ngày làm việc)", default=0)
    allow_leader_self_assign = models.BooleanField("lãnh đạo được tự chủ trì", default=True)
    # Direction without an explicit due date: this many working days (0 = no deadline).
    default_due_working_days = models.PositiveSmallIntegerField("hạn xử lý mặc định (ngày làm việc)", default=0)

    class Meta:
        verbose_name = "quy định xử lý văn bản"
        verbose_name_plural = "quy định xử lý văn bản"

    def __str__(self) -> str:
        return f"Quy định xử lý — {self.agency}"


# --- presentation and direction --------------------------------------------------------------------


class PresentationStatus(models.TextChoices):
    PENDING = "pending", "Chờ cho ý kiến"
    DIRECTED = "directed", "Đã có ý kiến chỉ đạo"
    WITHDRAWN = "withdrawn", "Đã rút lại"


class Presentation(models.Model):
    """The clerk presents a registered incoming document to a leader or a unit (trình văn bản)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="presentations")
    presented_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    to_official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("ghi chú", blank=True)
    status = models.CharField(max_length=10, choices=PresentationStatus.choices, default=PresentationStatus.PENDING)
    urgency_rank = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "trình văn bản"
        verbose_name_plural = "trình văn bản"
        constraints = [
            models.CheckConstraint(
                condition=(Q(to_official__isnull=False, to_department__isnull=True)
                           | Q(to_official__isnull=True, to_department__isnull=False)),
                name="presentation_one_target"),
            # A document waits for one direction at a time.
            models.UniqueConstraint(fields=["document"], condition=Q(status="pending"),
                                    name="presentation_one_pending"),
        ]
        indexes = [
            models.Index(fields=["to_official", "status", "-urgency_rank", "created_at"], name="pres_official_idx"),
            models.Index(fields=["to_department", "status", "-urgency_rank", "created_at"], name="pres_dept_idx"),
            models.Index(fields=["document", "created_at"], name="pres_document_idx"),
        ]


class Direction(models.Model):
    """A leader's written direction (bút phê) on a document or a task; its assignments follow from it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="directions")
    task = models.ForeignKey("Task", null=True, blank=True, on_delete=models.PROTECT, related_name="directions")
    presentation = models.ForeignKey(Presentation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("ý kiến chỉ đạo")
    due_at = models.DateTimeField("hạn xử lý", null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "bút phê"
        verbose_name_plural = "bút phê"
        indexes = [models.Index(fields=["document", "created_at"], name="direction_document_idx")]


# --- tasks (giao việc) -----------------------------------------------------------------------------


class TaskSource(models.TextChoices):
    DOCUMENT = "document", "Từ văn bản"
    MEETING = "meeting", "Từ cuộc họp"
    OWN = "own", "Lãnh đạo tự giao"


class TaskPriority(models.TextChoices):
    NORMAL = "normal", "Bình thường"
    HIGH = "high", "Quan trọng"
    URGENT = "urgent", "Khẩn"


TASK_PRIORITY_RANK = {TaskPriority.NORMAL: 0, TaskPriority.HIGH: 1, TaskPriority.URGENT: 2}


class TaskStatus(models.TextChoices):
    OPEN = "open", "Đang thực hiện"
    DONE = "done", "Đã hoàn thành"
    CANCELLED = "cancelled", "Đã hủy"


class Task(models.Model):
    """A piece of work a leader gives with a deadline (giao việc), from a document, a meeting or on their own."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    title = models.CharField("tên công việc", max_length=500)
    description = models.TextField("nội dung", blank=True)
    source = models.CharField("nguồn giao việc", max_length=10, choices=TaskSource.choices, default=TaskSource.OWN)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    meeting_reference = models.CharField("cuộc họp", max_length=500, blank=True)
    meeting = models.ForeignKey("schedule.ScheduleEntry", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tasks", verbose_name="cuộc họp (lịch công tác)")
    priority = models.CharField("mức độ", max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    due_at = models.DateTimeField("hạn hoàn thành", null=True, blank=True)
    created_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "công việc"
        verbose_name_plural = "công việc"
        indexes = [
            models.Index(fields=["agency", "status", "due_at"], name="task_agency_status_idx"),
            models.Index(fields=["agency", "created_at"], name="task_agency_created_idx"),
            models.Index(fields=["created_by", "status"], name="task_creator_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def urgency_rank(self) -> int:
        return TASK_PRIORITY_RANK.get(self.priority, 0)


class TaskAttachment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]


# --- assignments (phân công) -----------------------------------------------------------------------


class AssignmentRole(models.TextChoices):
    # Roles as deployed systems number them (VOffice: 1 lead, 2 coordinate, 3 for information).
    LEAD = "lead", "Chủ trì"
    COORDINATE = "coordinate", "Phối hợp"
    INFORM = "inform", "Để biết"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "Chờ xử lý"
    IN_PROGRESS = "in_progress", "Đang xử lý"
    RETURNED = "returned", "Bị trả lại"
    DELEGATED = "delegated", "Đã phân công lại"
    SUBMITTED = "submitted", "Chờ duyệt kết quả"
    ACCEPTED = "accepted", "Đã hoàn thành"
    DECLINED = "declined", "Từ chối"
    CANCELLED = "cancelled", "Đã hủy"
    READ = "read", "Đã xem"


# The assignee still owes work: these rows fill "my work", the overdue list and the reminder job.
ACTIVE_STATUSES = (AssignmentStatus.PENDING, AssignmentStatus.IN_PROGRESS, AssignmentStatus.RETURNED)
# Not finished: the above, plus delegated inside a unit and submitted awaiting acceptance.
OPEN_STATUSES = ACTIVE_STATUSES + (AssignmentStatus.DELEGATED, AssignmentStatus.SUBMITTED)
# Finished one way or another.
CLOSED_STATUSES = (AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED,
                   AssignmentStatus.READ)


class Assignment(models.Model):
    """Who handles a document or a task, in which role, by when, and how far they are.

    Exactly one of `document` / `task`, exactly one of `assignee_official` / `assignee_department`.
    `active` mirrors `status in ACTIVE_STATUSES` (set in `save`), so the hot lists and the reminder
    job read one small index range. `urgency_rank` is copied from the document's urgency or the
    task's priority (higher = more urgent) so that queues sort urgent work first without a join;
    `secret` is copied from the document so the agency overdue list can hide secret rows cheaply.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assignments")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    direction = models.ForeignKey(Direction, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="assignments")
    role = models.CharField("vai trò", max_length=10, choices=AssignmentRole.choices)
    assignee_official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name="người xử lý")
    assignee_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name="đơn vị xử lý")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    assigned_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField("hạn xử lý", null=True, blank=True)
    status = models.CharField(max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING)
    # 1 while the assignee owes work, else 0. An integer, not a BooleanField: Django writes `active=True` as the
    # bare column, which SQLite cannot use as the equality prefix of a composite index; `= 1` it can.
    active = models.PositiveSmallIntegerField(default=1)
    progress = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    urgency_rank = models.PositiveSmallIntegerField(default=0)
    secret = models.PositiveSmallIntegerField(default=0)  # 1 for a secret document (an integer, as `active`)
    note = models.TextField("ghi chú khi giao", blank=True)
    result_note = models.TextField("kết quả", blank=True)
    reason = models.TextField("lý do từ chối / trả lại", blank=True)
    reply_document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       verbose_name="văn bản phúc đáp")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # accepted, read, declined or cancelled
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "phân công xử lý"
        verbose_name_plural = "phân công xử lý"
        constraints = [
            models.CheckConstraint(
                condition=(Q(document__isnull=False, task__isnull=True) | Q(document__isnull=True, task__isnull=False)),
                name="assignment_document_xor_task"),
            models.CheckConstraint(
                condition=(Q(assignee_official__isnull=False, assignee_department__isnull=True)
                           | Q(assignee_official__isnull=True, assignee_department__isnull=False)),
                name="assignment_one_assignee"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="assignment_progress_percent"),
            # One lead per document or task at the top level (re-assignment inside a unit has a parent).
            models.UniqueConstraint(fields=["document"], condition=Q(role="lead", parent__isnull=True,
                                                                     status__in=list(OPEN_STATUSES)),
                                    name="assignment_one_open_lead_document"),
            models.UniqueConstraint(fields=["task"], condition=Q(role="lead", parent__isnull=True,
                                                                 status__in=list(OPEN_STATUSES)),
                                    name="assignment_one_open_lead_task"),
        ]
        indexes = [
            # "My work": an official's active rows, urgent first, then by deadline.
            # (agency is in the key: an official may work in several agencies, and the filter stays index-only)
            models.Index(fields=["assignee_official", "agency", "active", "-urgency_rank", "due_at"],
                         name="asg_mywork_idx"),
            models.Index(fields=["assignee_department", "agency", "active", "-urgency_rank", "due_at"],
                         name="asg_unit_idx"),
            # Results waiting for the person who assigned them.
            models.Index(fields=["assigned_by", "status", "-urgency_rank", "due_at"], name="asg_assigner_idx"),
            # The agency overdue list: rows of ordinary documents in display order, and their count; rows of
            # secret documents (few) are read apart for those named on them.
            models.Index(fields=["agency", "active", "secret", "-urgency_rank", "due_at"], name="asg_agency_order_idx"),
            models.Index(fields=["agency", "active", "secret", "due_at"], name="asg_agency_open_idx"),
            # The reminder job walks an agency's active rows by (due_at, id).
            models.Index(fields=["agency", "active", "due_at"], name="asg_agency_due_idx"),
            models.Index(fields=["document", "status"], name="asg_document_idx"),
            models.Index(fields=["task", "status"], name="asg_task_idx"),
            # The dashboard's roll-ups and drill-down read assignments finished in a period (ADR 0025).
            models.Index(fields=["agency", "completed_at"], name="asg_agency_completed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.assignee_label}"

    def save(self, *args, **kwargs):
        self.active = int(self.status in ACTIVE_STATUSES)
        self.secret = int(bool(self.secret))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = list(set(update_fields) | {"active"})
        super().save(*args, **kwargs)

    @property
    def assignee_label(self) -> str:
        if self.assignee_official_id:
            return self.assignee_official.full_name
        return self.assignee_department.name if self.assignee_department_id else ""

    @property
    def subject_label(self) -> str:
        if self.document_id:
            d = self.document
            return f"{d.number_notation} — {d.subject}" if d.number_notation else d.subject
        return self.task.title if self.task_id else ""


class ProgressReport(models.Model):
    """The assignee reports how far the work is (percent and note, optionally files)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="progress_reports")
    author = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    percent = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="progress_report_percent")]


class ProgressAttachment(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)

    class Meta:
        ordering = ["pk"]


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "Chờ quyết định"
    APPROVED = "approved", "Đồng ý gia hạn"
    REJECTED = "rejected", "Không đồng ý"


class ExtensionRequest(models.Model):
    """The assignee asks for more time; the person who assigned decides."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    previous_due_at = models.DateTimeField(null=True, blank=True)
    requested_due_at = models.DateTimeField()
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=Q(status="pending"),
                                    name="extension_one_pending"),
        ]


# --- timeline and reminders -----------------------------------------------------------------------


class EventKind(models.TextChoices):
    PRESENTED = "presented", "Trình văn bản"
    DIRECTED = "directed", "Cho ý kiến chỉ đạo"
    ASSIGNED = "assigned", "Phân công xử lý"
    REASSIGNED = "reassigned", "Phân công lại trong đơn vị"
    STARTED = "started", "Bắt đầu xử lý"
    READ = "read", "Đã xem (để biết)"
    PROGRESS = "progress", "Cập nhật tiến độ"
    EXTENSION_REQUESTED = "extension_requested", "Xin gia hạn"
    EXTENSION_APPROVED = "extension_approved", "Đồng ý gia hạn"
    EXTENSION_REJECTED = "extension_rejected", "Không đồng ý gia hạn"
    SUBMITTED = "submitted", "Báo cáo hoàn thành"
    ACCEPTED = "accepted", "Duyệt kết quả"
    RETURNED = "returned", "Trả lại"
    DECLINED = "declined", "Từ chối xử lý"
    CANCELLED = "cancelled", "Hủy phân công"
    REPLIED = "replied", "Phúc đáp bằng văn bản"
    TASK_CREATED = "task_created", "Giao việc"
    TASK_CLOSED = "task_closed", "Kết thúc công việc"


class ProcessingEvent(models.Model):
    """One step on the timeline of a document or task: who did what, when, in words."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["document", "created_at"], name="event_document_idx"),
            models.Index(fields=["task", "created_at"], name="event_task_idx"),
        ]


class ReminderKind(models.TextChoices):
    BEFORE = "before", "Sắp đến hạn"
    DUE = "due", "Đến hạn hôm nay"
    OVERDUE = "overdue", "Quá hạn"


class ReminderLog(models.Model):
    """One reminder due: the unique key makes a second run of the job send nothing twice.

    `due_at` is the deadline reminded about (an extension makes new reminders), `offset` the working
    days before it (BEFORE/DUE) or after it (OVERDUE repeats)."""

    # No single-column indexes: the unique key starts with assignment, the undelivered index with agency.
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    due_at = models.DateTimeField()
    offset = models.SmallIntegerField(default=0)
    for_date = models.DateField()
    run_id = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    # Set when the people concerned were told; rows still null are picked up by the next run.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "kind", "due_at", "offset"], name="reminder_once"),
        ]
        indexes = [
            models.Index(fields=["agency", "id"], condition=Q(notified_at__isnull=True), name="reminder_unsent_idx"),
        ]
