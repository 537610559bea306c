from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang chạy"
    DONE = "done", "Đã xong"
    FAILED = "failed", "Lỗi"
    RETRIED = "retried", "Đã chạy lại"  # a failed Celery run sent again (the new run is a new message)


class Job(models.Model):
    """One run of a registered job on the database queue (and failures of Celery runs, for the record).

    A queued row is inserted in the caller's transaction, so it exists exactly when the caller's
    change does; workers claim it (status queued → running) once it is due."""

    name = models.CharField(max_length=100)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    run_after = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "tác vụ nền"
        verbose_name_plural = "tác vụ nền"
        indexes = [
            # The worker's poll: due queued rows, oldest first. Partial, so done rows cost nothing.
            models.Index(fields=["run_after", "id"], name="job_due_idx", condition=Q(status="queued")),
            # Rows whose worker died (running past the lease).
            models.Index(fields=["started_at"], name="job_running_idx", condition=Q(status="running")),
            models.Index(fields=["status", "-id"], name="job_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"

    @property
    def error_summary(self) -> str:
        """The last line of the last error (the exception and its message)."""
        lines = self.last_error.strip().splitlines()
        return lines[-1] if lines else ""


class PeriodicRun(models.Model):
    """When a periodic job last started; claimed with a compare-and-set so two workers never both run it."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lịch chạy định kỳ"
        verbose_name_plural = "lịch chạy định kỳ"

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at}"
