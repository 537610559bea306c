"""The database queue's worker: claims due jobs safely, runs them, retries with backoff, records failures,
and starts periodic jobs once per period however many workers run.

Entry points: `run_once()` (what `congvu jobs run-due` calls), `loop()` (what `congvu worker` runs) and
`start_in_process()` (a daemon thread for the embedded web server).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import traceback
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from congvu.jobs import backends, registry
from congvu.jobs.models import Job, JobStatus, PeriodicRun

log = logging.getLogger("congvu.jobs")

CLAIM_BATCH = 10
# Retry n waits JOBS_BACKOFF_SECONDS (default 30 s) * 4**(n-1), at most an hour: 30 s, 2 min, 8 min, 32 min, 1 h.
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
ERROR_LIMIT = 10_000


def lease() -> dt.timedelta:
    """A running job whose worker went silent this long is taken over (counted as an attempt)."""
    return dt.timedelta(seconds=int(getattr(settings, "JOBS_LEASE_SECONDS", 1800)))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def backoff(attempts: int) -> dt.timedelta:
    base = dt.timedelta(seconds=float(getattr(settings, "JOBS_BACKOFF_SECONDS", BACKOFF_BASE.total_seconds())))
    return min(base * (4 ** max(attempts - 1, 0)), BACKOFF_MAX)


# --- periodic jobs ------------------------------------------------------------------------------

def _epoch() -> dt.datetime:
    # Periods are counted from a local Monday midnight, so "every day" starts at 00:00 local time and
    # "every 7 days" on Mondays.
    return timezone.make_aware(dt.datetime(2000, 1, 3), timezone.get_default_timezone())


def period_start(every: dt.timedelta, now: dt.datetime) -> dt.datetime:
    epoch = _epoch()
    return epoch + ((now - epoch) // every) * every


def claim_periodic(spec: registry.JobSpec, now: dt.datetime) -> bool:
    """True for exactly one caller per period of `spec`: a compare-and-set on PeriodicRun.last_run_at.

    Under PostgreSQL's READ COMMITTED the losing UPDATE waits for the winner, re-reads the row and
    matches nothing; SQLite runs writers one at a time."""
    run, _ = PeriodicRun.objects.get_or_create(name=spec.name)
    if run.last_run_at is not None and run.last_run_at >= period_start(spec.every, now):
        return False
    same = Q(last_run_at__isnull=True) if run.last_run_at is None else Q(last_run_at=run.last_run_at)
    return PeriodicRun.objects.filter(Q(pk=run.pk) & same).update(last_run_at=now) == 1


def run_due_periodic(now: dt.datetime | None = None) -> list[str]:
    """Hand every periodic job whose period has begun to the backend, once. Returns their names."""
    now = now or timezone.now()
    started = []
    for spec in registry.periodic_jobs():
        with transaction.atomic():  # the claim and the queued row commit together
            if claim_periodic(spec, now):
                registry.enqueue(spec.name)
                started.append(spec.name)
    return started


# --- queued jobs --------------------------------------------------------------------------------

def _due(now: dt.datetime) -> Q:
    return Q(status=JobStatus.QUEUED, run_after__lte=now) | Q(status=JobStatus.RUNNING, started_at__lt=now - lease())


def claim(*, worker: str, limit: int = CLAIM_BATCH, now: dt.datetime | None = None) -> list[Job]:
    """Take up to `limit` due jobs for `worker`. No two workers ever get the same row."""
    now = now or timezone.now()
    taken = {"status": JobStatus.RUNNING, "locked_by": worker, "started_at": now, "finished_at": None,
             "attempts": F("attempts") + 1}
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(
                Job.objects.select_for_update(skip_locked=True).filter(_due(now))
                .order_by("run_after", "id").values_list("id", flat=True)[:limit]
            )
            if ids:
                Job.objects.filter(pk__in=ids).update(**taken)
    else:
        # SQLite: read candidates without a lock, then take each with one conditional UPDATE; a row
        # another worker took meanwhile no longer matches and is skipped.
        candidates = list(
            Job.objects.filter(_due(now)).order_by("run_after", "id").values_list("id", "status", "started_at")[:limit]
        )
        ids = []
        for pk, status, started_at in candidates:
            if Job.objects.filter(pk=pk, status=status, started_at=started_at).update(**taken) == 1:
                ids.append(pk)
    return list(Job.objects.filter(pk__in=ids).order_by("run_after", "id"))


def execute(job: Job, *, worker: str) -> bool:
    """Run one claimed job; record success, a retry with backoff, or the final failure. True on success."""
    try:
        spec = registry.get(job.name)
    except LookupError as exc:
        _finish(job, worker, status=JobStatus.FAILED, error=str(exc))
        return False
    try:
        spec.func(**job.kwargs)
    except Exception:
        error = traceback.format_exc()[-ERROR_LIMIT:]
        if job.attempts >= job.max_attempts:
            log.error("Job %s #%s failed for good after %s attempts:\n%s", job.name, job.pk, job.attempts, error)
            _finish(job, worker, status=JobStatus.FAILED, error=error)
        else:
            log.warning("Job %s #%s failed (attempt %s of %s), retrying:\n%s",
                        job.name, job.pk, job.attempts, job.max_attempts, error)
            _finish(job, worker, status=JobStatus.QUEUED, error=error,
                    run_after=timezone.now() + backoff(job.attempts))
        return False
    _finish(job, worker, status=JobStatus.DONE)
    return True


def _finish(job: Job, worker: str, *, status: str, error: str | None = None, run_after=None) -> None:
    changes = {"status": status, "finished_at": timezone.now(), "locked_by": ""}
    if error is not None:
        changes["last_error"] = error
    if run_after is not None:
        changes["run_after"] = run_after
        changes["finished_at"] = None
    # Guarded by locked_by: if this worker overran its lease and another took the row, leave it alone.
    Job.objects.filter(pk=job.pk, locked_by=worker).update(**changes)


@dataclass
class RunStats:
    periodic: list[str] = field(default_factory=list)
    done: int = 0
    failed: int = 0


def run_once(*, worker: str | None = None, max_jobs: int = 1000) -> RunStats:
    """Start due periodic jobs, then run queued jobs until none is due (at most `max_jobs`)."""
    worker = worker or worker_name()
    stats = RunStats(periodic=run_due_periodic())
    if backends.mode() != backends.DATABASE:
        return stats  # periodic jobs went to Celery / ran on commit; there is no database queue to drain
    while stats.done + stats.failed < max_jobs:
        jobs = claim(worker=worker, limit=min(CLAIM_BATCH, max_jobs - stats.done - stats.failed))
        if not jobs:
            break
        for one in jobs:
            if execute(one, worker=worker):
                stats.done += 1
            else:
                stats.failed += 1
    return stats


def loop(*, stop: threading.Event, poll_seconds: float | None = None, worker: str | None = None) -> None:
    """Work until `stop` is set, sleeping `poll_seconds` whenever nothing is due."""
    poll = poll_seconds if poll_seconds is not None else float(getattr(settings, "JOBS_POLL_SECONDS", 2))
    worker = worker or worker_name()
    log.info("Job worker %s started (database queue, poll %ss)", worker, poll)
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                stats = run_once(worker=worker, max_jobs=CLAIM_BATCH)
            except Exception:  # the database went away, a migration is missing...: keep the worker alive
                log.exception("Job worker %s: polling failed", worker)
                stats = RunStats()
            if stats.done + stats.failed == 0:
                stop.wait(poll)
    finally:
        connection.close()
        log.info("Job worker %s stopped", worker)


_in_process: tuple[threading.Thread, threading.Event] | None = None
_in_process_lock = threading.Lock()


def start_in_process(*, poll_seconds: float | None = None) -> threading.Thread | None:
    """Start the database-queue worker as a daemon thread of this process (once; later calls return the
    same thread). Returns None when jobs are not on the database queue (Celery runs its own workers,
    'immediate' needs none)."""
    global _in_process
    if backends.mode() != backends.DATABASE:
        return None
    with _in_process_lock:
        if _in_process is not None and _in_process[0].is_alive():
            return _in_process[0]
        stop = threading.Event()
        thread = threading.Thread(target=loop, kwargs={"stop": stop, "poll_seconds": poll_seconds},
                                  name="congvu-jobs", daemon=True)
        thread.start()
        _in_process = (thread, stop)
        return thread


def stop_in_process(timeout: float = 10) -> None:
    """Ask the in-process worker to stop after its current job and wait for it."""
    global _in_process
    with _in_process_lock:
        if _in_process is None:
            return
        thread, stop = _in_process
        stop.set()
        thread.join(timeout)
        _in_process = None
