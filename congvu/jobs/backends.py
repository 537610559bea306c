"""Where `enqueue` sends work, chosen by settings.TASK_BROKER (env CONGVU_TASK_BROKER):

- "" (unset, the embedded default): the database queue (congvu.jobs.models.Job), run by `congvu worker`,
  `congvu jobs run-due` or the in-process worker thread of the demo server;
- "immediate": the job runs in this process right after the transaction commits (tests, scripts);
- "redis://…" or "amqp://…": Celery on that broker (congvu.jobs.celery).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from congvu.jobs import registry

log = logging.getLogger("congvu.jobs")

DATABASE = "database"
IMMEDIATE = "immediate"
CELERY = "celery"


def mode() -> str:
    broker = (getattr(settings, "TASK_BROKER", "") or "").strip()
    if not broker or broker == DATABASE:
        return DATABASE
    if broker == IMMEDIATE:
        return IMMEDIATE
    if broker.split("://", 1)[0] in {"redis", "rediss", "amqp", "amqps", "pyamqp", "memory"}:
        return CELERY
    raise ValueError(
        f"CONGVU_TASK_BROKER={broker!r} is not understood: leave it unset (database queue), "
        "'immediate', or a redis:// or amqp:// URL."
    )


class DatabaseBackend:
    def enqueue(self, name: str, kwargs_list: list[dict]) -> None:
        from congvu.jobs.models import Job

        spec = registry.get(name)
        now = timezone.now()
        # Inserted in the caller's transaction: visible to workers only after it commits, gone if it
        # rolls back. That is "runs after the current transaction commits" without an on_commit hook
        # that a crash between commit and hook could lose.
        Job.objects.bulk_create(
            Job(name=name, kwargs=kw, run_after=now, max_attempts=spec.max_attempts) for kw in kwargs_list
        )


class ImmediateBackend:
    def enqueue(self, name: str, kwargs_list: list[dict]) -> None:
        spec = registry.get(name)
        for kw in kwargs_list:
            transaction.on_commit(lambda kw=kw: spec.func(**kw))


class CeleryBackend:
    def enqueue(self, name: str, kwargs_list: list[dict]) -> None:
        from congvu.jobs.celery import send

        for kw in kwargs_list:
            transaction.on_commit(lambda kw=kw: send(name, kw))


_BACKENDS = {DATABASE: DatabaseBackend(), IMMEDIATE: ImmediateBackend(), CELERY: CeleryBackend()}


def current():
    return _BACKENDS[mode()]
