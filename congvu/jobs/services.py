"""Writes on the job queue that people make (the worker's own writes are in worker.py)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, NotFound, PermissionDenied
from congvu.jobs import backends, registry
from congvu.jobs.models import Job, JobStatus


@transaction.atomic
def job_retry(*, actor, job_id: int) -> Job:
    """Run a job that failed for good once more, with a fresh count of attempts. `actor` is a system
    administrator (None: the operator at the console). Journaled."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Chỉ quản trị hệ thống được chạy lại tác vụ nền.")
    one = Job.objects.select_for_update().filter(pk=job_id).first()
    if one is None:
        raise NotFound("Không tìm thấy tác vụ.")
    if one.status != JobStatus.FAILED:
        raise Conflict("Chỉ chạy lại được tác vụ đã lỗi.")
    try:
        registry.get(one.name)
    except LookupError:
        raise Conflict(f"Tác vụ “{one.name}” không còn trong hệ thống, không chạy lại được.") from None
    if backends.mode() == backends.DATABASE:
        one.status, one.attempts, one.run_after = JobStatus.QUEUED, 0, timezone.now()
        one.started_at = one.finished_at = None
        one.save(update_fields=["status", "attempts", "run_after", "started_at", "finished_at"])
    else:
        one.status = JobStatus.RETRIED
        one.save(update_fields=["status"])
        registry.enqueue(one.name, **one.kwargs)
    journal_record(actor=actor, agency_id=None, action="job.retry", obj=one,
                   after={"name": one.name, "kwargs": one.kwargs})
    return one
