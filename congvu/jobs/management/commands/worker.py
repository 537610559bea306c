"""`congvu worker`: run background jobs until stopped (Ctrl+C or SIGTERM).

Database queue (CONGVU_TASK_BROKER unset): polls the Job table; any number of workers may run.
Celery (redis:// or amqp://): starts a Celery worker with an embedded beat for the periodic jobs.
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from congvu.jobs import backends, registry, worker


class Command(BaseCommand):
    help = "Chạy các tác vụ nền (hàng đợi trong cơ sở dữ liệu, hoặc Celery khi đặt CONGVU_TASK_BROKER)."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=None,
                            help="Giây chờ giữa hai lần tìm việc khi hàng đợi trống (mặc định 2).")
        parser.add_argument("--concurrency", type=int, default=2, help="Số tiến trình con của Celery (mặc định 2).")
        parser.add_argument("--no-beat", action="store_true",
                            help="Celery: không chạy lịch định kỳ trong tiến trình này.")

    def handle(self, *args, poll=None, concurrency=2, no_beat=False, **options):
        mode = backends.mode()
        names = ", ".join(s.name for s in registry.all_jobs()) or "(none)"
        if mode == backends.IMMEDIATE:
            raise CommandError("CONGVU_TASK_BROKER=immediate runs jobs inside the caller; there is nothing to work on.")
        if mode == backends.CELERY:
            from congvu.jobs.celery import get_app

            self.stdout.write(f"Celery worker on {settings.TASK_BROKER}; jobs: {names}")
            argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
            if not no_beat:
                argv += ["--beat", f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILE}"]
            get_app().worker_main(argv)
            return
        self.stdout.write(f"Database-queue worker; jobs: {names}")
        stop = threading.Event()

        def _stop(signum, frame):
            self.stdout.write("Stopping after the current job…")
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        worker.loop(stop=stop, poll_seconds=poll)
