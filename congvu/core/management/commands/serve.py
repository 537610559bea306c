"""`congvu serve [--host H] [--port N] [--threads N] [--worker]`: serve this deployment with waitress, no demo data."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Chạy máy chủ (waitress) cho dữ liệu hiện có, không tạo dữ liệu mẫu. --worker: chạy cả tác vụ nền "
            "trong tiến trình này.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--worker", action="store_true", help="chạy tác vụ nền trong tiến trình máy chủ")

    def handle(self, *args, host="127.0.0.1", port=8000, threads=8, worker=False, **options):
        from waitress import serve

        from congvu.wsgi import application

        if worker:
            from congvu.jobs.worker import start_in_process

            if start_in_process() is not None:
                self.stdout.write("Tác vụ nền chạy trong tiến trình này.")
        self.stdout.write(f"Đang phục vụ tại http://{host}:{port}/ (Ctrl+C để dừng)")
        self.stdout.flush()
        serve(application, host=host, port=port, threads=threads, ident="congvu")
