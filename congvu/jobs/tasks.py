"""Jobs of the job queue itself."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from congvu.jobs import job
from congvu.jobs.models import Job, JobStatus

PRUNE_BATCH = 5000


@job("jobs.prune", every=dt.timedelta(days=1))
def prune(**kwargs) -> int:
    """Delete finished rows older than JOBS_KEEP_DAYS (default 30); failures are kept three times as long.
    In batches, so a large backlog never holds a long lock. Returns how many rows went."""
    keep = dt.timedelta(days=int(getattr(settings, "JOBS_KEEP_DAYS", 30)))
    now = timezone.now()
    removed = 0
    for statuses, older_than in (([JobStatus.DONE, JobStatus.RETRIED], now - keep),
                                 ([JobStatus.FAILED], now - 3 * keep)):
        while True:
            ids = list(Job.objects.filter(status__in=statuses, finished_at__lt=older_than)
                       .values_list("pk", flat=True)[:PRUNE_BATCH])
            if not ids:
                break
            removed += Job.objects.filter(pk__in=ids).delete()[0]
    return removed
