"""Reads of the job queue for the system administrator's page and `congvu jobs list`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from congvu.documents.selectors import Page, keyset_page
from congvu.jobs import backends, registry
from congvu.jobs.models import Job, JobStatus, PeriodicRun


@dataclass
class RegisteredJob:
    name: str
    every: object
    last_run_at: object

    @property
    def every_text(self) -> str:
        return every_text(self.every)


def every_text(every) -> str:
    """'mỗi 15 phút', 'mỗi 2 giờ', 'mỗi ngày'… ('khi có việc' for jobs that are not periodic)."""
    if every is None:
        return "khi có việc"
    seconds = int(every.total_seconds())
    for unit, name in ((604800, "tuần"), (86400, "ngày"), (3600, "giờ"), (60, "phút"), (1, "giây")):
        if seconds % unit == 0:
            n = seconds // unit
            return f"mỗi {name}" if n == 1 else f"mỗi {n} {name}"
    return f"mỗi {seconds} giây"


def registered_jobs() -> list[RegisteredJob]:
    last = dict(PeriodicRun.objects.values_list("name", "last_run_at"))
    return [RegisteredJob(s.name, s.every, last.get(s.name)) for s in registry.all_jobs()]


def status_counts() -> dict[str, int]:
    counts = dict(Job.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {s: counts.get(s, 0) for s in JobStatus.values}


def recent_jobs(*, status: str | None = None, after: int | None = None, before: int | None = None,
                limit: int = 50) -> Page:
    qs = Job.objects.all()
    if status in JobStatus.values:
        qs = qs.filter(status=status)
    return keyset_page(qs, after=after, before=before, limit=limit)


def backend_name() -> str:
    return {backends.DATABASE: "Hàng đợi trong cơ sở dữ liệu", backends.IMMEDIATE: "Chạy ngay sau khi lưu",
            backends.CELERY: "Celery"}[backends.mode()]
