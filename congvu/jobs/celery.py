"""Celery for CONGVU_TASK_BROKER=redis://… or amqp://…: every @job becomes a Celery task of the same name,
periodic jobs get a beat entry, and failures that survive all retries are written to the Job table so
`congvu jobs list` shows them whatever runs the work.

Beat may run more than once (two `congvu worker` processes each embed one): each beat entry only asks
"is this period's run still unclaimed?" through the same PeriodicRun compare-and-set as the database
queue, so a periodic job still runs once per period.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import traceback

from celery import Celery
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from congvu.jobs import registry

log = logging.getLogger("congvu.jobs")

PERIODIC_TASK = "congvu.jobs.periodic"
DEFAULT_QUEUE = "congvu"
# How often beat asks whether a periodic job's period has begun (the period itself may be longer).
BEAT_CHECK = dt.timedelta(seconds=60)

_apps: dict[tuple[str, str], Celery] = {}


def get_app(broker: str | None = None, *, queue: str = DEFAULT_QUEUE) -> Celery:
    """The Celery app for `broker` (default settings.TASK_BROKER), built once per broker and queue."""
    broker = broker or settings.TASK_BROKER
    key = (broker, queue)
    if key not in _apps:
        _apps[key] = build_app(broker, queue=queue)
    return _apps[key]


def build_app(broker: str, *, queue: str = DEFAULT_QUEUE) -> Celery:
    app = Celery("congvu", broker=broker, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_default_queue=queue,
        # A message is acknowledged after the job ran: a worker killed mid-job leaves it for another.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone=settings.TIME_ZONE,
        enable_utc=True,
        beat_schedule=beat_schedule(),
        worker_hijack_root_logger=False,
    )
    for spec in registry.all_jobs():
        _register(app, spec)
    app.task(name=PERIODIC_TASK, ignore_result=True, shared=False)(periodic)
    return app


def beat_schedule() -> dict:
    return {
        f"periodic:{spec.name}": {
            "task": PERIODIC_TASK,
            "schedule": min(spec.every, BEAT_CHECK).total_seconds(),
            "args": (spec.name,),
        }
        for spec in registry.periodic_jobs()
    }


def _register(app: Celery, spec: registry.JobSpec) -> None:
    name = spec.name

    def run(self, **kwargs):
        spec = registry.get(name)  # looked up when it runs: the registry is the one source of truth
        try:
            spec.func(**kwargs)
        except Exception as exc:
            from congvu.jobs.worker import backoff

            attempt = self.request.retries + 1
            if attempt >= spec.max_attempts:
                record_failure(spec.name, kwargs, traceback.format_exc(), attempts=attempt)
                raise
            log.warning("Job %s failed (attempt %s of %s), retrying", spec.name, attempt, spec.max_attempts)
            raise self.retry(exc=exc, countdown=backoff(attempt).total_seconds(), max_retries=spec.max_attempts)

    app.task(name=spec.name, bind=True, ignore_result=True, shared=False)(run)


def periodic(name: str) -> bool:
    """Beat's entry for one periodic job: start it if this period's run is still unclaimed."""
    from congvu.jobs.worker import claim_periodic

    spec = registry.get(name)
    with transaction.atomic():
        if not claim_periodic(spec, timezone.now()):
            return False
        registry.enqueue(spec.name)  # sent when this transaction commits
    return True


def send(name: str, kwargs: dict) -> None:
    """Publish one job (called on commit). A broker that cannot be reached is recorded, not lost silently:
    the Job row it leaves can be sent again with `congvu jobs retry ID`."""
    try:
        get_app().send_task(name, kwargs=kwargs)
    except Exception:
        log.exception("Could not send job %s to %s", name, settings.TASK_BROKER)
        record_failure(name, kwargs, traceback.format_exc(), attempts=0)


def record_failure(name: str, kwargs: dict, error: str, *, attempts: int) -> None:
    from congvu.jobs.models import Job, JobStatus

    now = timezone.now()
    Job.objects.create(
        name=name, kwargs=kwargs, status=JobStatus.FAILED, run_after=now, attempts=attempts,
        max_attempts=registry.get(name).max_attempts if name in {s.name for s in registry.all_jobs()} else 1,
        last_error=error[-10_000:], started_at=now, finished_at=now, locked_by=f"celery@{socket.gethostname()}"[:100],
    )
