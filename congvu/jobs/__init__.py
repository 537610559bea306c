"""One interface for background work, whatever runs it.

    from congvu.jobs import job, enqueue

    @job("workflow.reminders", every=timedelta(minutes=15))
    def reminders_run(**kwargs) -> None: ...

    enqueue("notifications.send_email", notification_id=5)

A job has a stable dotted name, takes keyword arguments only (JSON values) and must be idempotent:
any backend may run it more than once (retries, a worker that died mid-run). Which backend runs it is
chosen by the setting TASK_BROKER (environment variable CONGVU_TASK_BROKER), see congvu.jobs.backends
and docs/decisions/0004-background-jobs.md.
"""

from congvu.jobs.registry import enqueue, enqueue_many, job

__all__ = ["enqueue", "enqueue_many", "job"]
