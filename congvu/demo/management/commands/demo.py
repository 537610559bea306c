"""`congvu demo`: migrate, load the demo deployment once, print the logins and serve on 127.0.0.1:8000."""

import os
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from congvu.demo.seed import DEMO_PASSWORD, demo_keys, seed_demo


def _n(value: int) -> str:
    """12345 → "12.345", as Vietnamese writes thousands."""
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu (UBND huyện Nông Sơn và 6 xã, khoảng hai năm văn bản) và chạy máy chủ trên cổng 8000."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="chỉ nạp dữ liệu, không chạy máy chủ")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--days", type=int, default=None,
                            help="số ngày làm việc có văn bản (mặc định: hai năm đến hôm nay)")
        parser.add_argument("--keys", action="store_true",
                            help="tạo chứng thư số thử nghiệm cả khi không chạy máy chủ (--no-serve)")

    def handle(self, *args, no_serve=False, host="127.0.0.1", port=8000, days=None, keys=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        result = seed_demo(days=days)
        if result.created:
            self.stdout.write(
                f"Đã tạo dữ liệu mẫu trong {time.monotonic() - started:.1f} giây: {_n(result.incoming)} văn bản "
                f"đến, {_n(result.outgoing)} văn bản đi, từ {result.first_day:%d/%m/%Y} đến "
                f"{result.last_day:%d/%m/%Y}."
            )
        else:
            self.stdout.write("Dữ liệu mẫu đã có sẵn, dùng lại.")
        self.stdout.write(f"Cơ sở dữ liệu: {settings.DATABASES['default']['NAME']}")
        self.stdout.write(f"\nTài khoản dùng thử (mật khẩu chung: {DEMO_PASSWORD}):")
        for login in result.logins:
            self.stdout.write(f"  {login.username:<20} {login.role} — {login.where}")
        if keys or not no_serve:
            # Demo keys in the data dir (a real deployment configures its own, ADR 0014); the demo trusts
            # its CA even when CONGVU_TRUST_ROOTS names other roots. Only when asked with --no-serve, so
            # loading data alone (scripts, tests) writes no keys.
            pki = demo_keys()
            from congvu.demo.onestop import seed_onestop_copies
            seed_onestop_copies()  # idempotent: the district's signed certified copies, once the keys exist
            os.environ.setdefault("CONGVU_TRUST_DEMO_CA", "1")
            self.stdout.write(f"\nChứng thư số thử nghiệm (ký duyệt: lanhdao, cấp số: vanthu): {pki.directory}")
        if no_serve:
            return
        from waitress import serve

        from congvu.jobs.worker import start_in_process
        from congvu.wsgi import application

        # On the embedded default nothing else runs queued e-mails, reminders and periodic jobs.
        if start_in_process() is not None:
            self.stdout.write("Tác vụ nền (nhắc hạn, thư điện tử) chạy trong tiến trình này.")
        self.stdout.write(f"\nĐang phục vụ tại http://{host}:{port}/ (Ctrl+C để dừng)")
        serve(application, host=host, port=port, threads=8, ident="congvu")
