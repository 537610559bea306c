"""Helpers for other apps' tests.

With the default database queue, `enqueue` inserts Job rows in the test's transaction; a test runs them
with `run_queued()` (in this thread, so inside the test's transaction, errors raised as they happen):

    from congvu.jobs.testing import queued, run_queued
    some_service(...)
    assert queued("notifications.send_email") == [{"notification_id": n.pk}]
    run_queued()

Alternatively set `settings.TASK_BROKER = "immediate"` (pytest-django `settings` fixture) and wrap the call
in `django_capture_on_commit_callbacks(execute=True)`: each job then runs right after the (captured) commit.
"""

from __future__ import annotations

from django.utils import timezone

from congvu.jobs import registry
from congvu.jobs.models import Job, JobStatus


def queued(name: str | None = None) -> list[dict]:
    """Arguments of the queued jobs (of one name), oldest first."""
    qs = Job.objects.filter(status=JobStatus.QUEUED)
    if name:
        qs = qs.filter(name=name)
    return list(qs.order_by("pk").values_list("kwargs", flat=True))


def run_queued(name: str | None = None, *, max_rounds: int = 10) -> int:
    """Run every queued job (of one name) now, whatever its run_after, including jobs those jobs queue.
    Exceptions propagate. Returns how many ran."""
    ran = 0
    for _ in range(max_rounds):
        qs = Job.objects.filter(status=JobStatus.QUEUED)
        if name:
            qs = qs.filter(name=name)
        batch = list(qs.order_by("pk"))
        if not batch:
            break
        for one in batch:
            Job.objects.filter(pk=one.pk).update(status=JobStatus.RUNNING, attempts=one.attempts + 1,
                                                 started_at=timezone.now())
            registry.get(one.name).func(**one.kwargs)
            Job.objects.filter(pk=one.pk).update(status=JobStatus.DONE, finished_at=timezone.now())
            ran += 1
    return ran
