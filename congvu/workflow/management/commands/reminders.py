"""`congvu reminders run [--now ISO]`: send the deadline reminders now (the job runs every 15 minutes).

    congvu reminders run
    congvu reminders run --now 2026-03-05T08:00
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.workflow.tasks import reminders_send


class Command(BaseCommand):
    help = "Nhắc hạn xử lý: báo trước hạn, đến hạn và quá hạn cho người xử lý và người giao việc."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{run}")
        run = sub.add_parser("run", help="Gửi các lời nhắc đến hạn (chạy lại không gửi trùng).")
        run.add_argument("--now", help="Thời điểm coi là hiện tại (ISO, ví dụ 2026-03-05T08:00; giờ Việt Nam).")

    def handle(self, *args, action, now=None, **options):
        moment = None
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"Thời điểm “{now}” không hợp lệ; dùng dạng 2026-03-05T08:00.") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        started = time.perf_counter()
        stats = reminders_send(now=moment)
        self.stdout.write(
            f"Đã xét {stats.scanned} phân công ở {stats.agencies} cơ quan; {stats.logged} lời nhắc mới, "
            f"{stats.notifications} thông báo ({time.perf_counter() - started:.1f} giây).")
