"""`congvu jobs run-due | list | retry ID`: the database queue from a shell or cron."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.jobs import backends, registry, worker
from congvu.jobs.models import Job, JobStatus, PeriodicRun
from congvu.jobs.services import job_retry


class Command(BaseCommand):
    help = "Tác vụ nền: chạy các việc đến hạn một lần (run-due), xem gần đây (list), chạy lại (retry)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run-due", help="Run due periodic jobs and queued jobs once, then exit (for cron).")
        run.add_argument("--max", type=int, default=1000, help="At most this many queued jobs (default 1000).")
        lst = sub.add_parser("list", help="Recent jobs, failures first with their error.")
        lst.add_argument("--limit", type=int, default=20)
        lst.add_argument("--failed", action="store_true", help="Only jobs that failed for good.")
        retry = sub.add_parser("retry", help="Queue a failed job again.")
        retry.add_argument("job_id", type=int)

    def handle(self, *args, action, **options):
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _run_due(self, *, max, **_):
        stats = worker.run_once(max_jobs=max)
        for name in stats.periodic:
            self.stdout.write(f"periodic: {name}")
        self.stdout.write(f"done: {stats.done}, failed: {stats.failed}")

    def _list(self, *, limit, failed, **_):
        self.stdout.write(f"Backend: {backends.mode()}")
        periodic = {r.name: r.last_run_at for r in PeriodicRun.objects.all()}
        for spec in registry.all_jobs():
            every = f"every {spec.every}" if spec.every else "on demand"
            last = periodic.get(spec.name)
            last_text = timezone.localtime(last).strftime("%d/%m/%Y %H:%M:%S") if last else "never"
            self.stdout.write(f"  {spec.name:<40} {every:<24} last run: {last_text if spec.every else '-'}")
        counts = {s: Job.objects.filter(status=s).count() for s in JobStatus.values}
        self.stdout.write("Queue: " + ", ".join(f"{s} {n}" for s, n in counts.items()))
        qs = Job.objects.order_by("-pk")
        if failed:
            qs = qs.filter(status=JobStatus.FAILED)
        for one in qs[:limit]:
            when = timezone.localtime(one.finished_at or one.started_at or one.created_at).strftime("%d/%m/%Y %H:%M:%S")
            self.stdout.write(f"#{one.pk} {one.name} {one.status} attempts {one.attempts}/{one.max_attempts} {when}"
                              f" {one.kwargs}")
            if one.last_error and one.status in (JobStatus.FAILED, JobStatus.QUEUED):
                self.stdout.write("    " + one.error_summary)

    def _retry(self, *, job_id, **_):
        from congvu.core.errors import DomainError

        try:
            new = job_retry(actor=None, job_id=job_id)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Job #{job_id} queued again" + (f" as #{new.pk}" if new and new.pk != job_id else ""))
