from django.conf import settings
from django.core.management.base import BaseCommand

from congvu.exchange import connector


class Command(BaseCommand):
    help = ("Liên thông: `congvu exchange run [--folder DIR]` gửi các văn bản chờ gửi tới hệ thống khác và nhận "
            "các gói trong thư mục trao đổi DIR/inbox một lần.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Gửi văn bản chờ gửi và nhận gói trong thư mục trao đổi.")
        run.add_argument("--folder", default=getattr(settings, "CONGVU_EXCHANGE_FOLDER", ""))

    def handle(self, *args, **options):
        sent = connector.send_pending()
        self.stdout.write(f"Đã gửi {sent['sent']} gói, {sent['failed']} gói lỗi (sẽ thử lại).")
        if options["folder"]:
            got = connector.collect_folder(options["folder"])
            self.stdout.write(f"Đã nhận {got['received']} gói, từ chối {got['rejected']} gói.")
