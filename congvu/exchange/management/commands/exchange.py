from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from congvu.core.errors import DomainError
from congvu.exchange import connector, pull
from congvu.exchange.models import Peer, PeerTransport
from congvu.exchange.peers import peer_save


class Command(BaseCommand):
    help = ("Liên thông: `congvu exchange run [--folder DIR]` gửi các văn bản chờ gửi tới hệ thống khác và nhận "
            "các gói trong thư mục trao đổi DIR/inbox một lần; `congvu exchange peer-set NAME ...` khai báo một hệ "
            "thống liên thông (--pull: hệ thống đó tự lấy gói về; --fetch: ta lấy gói từ hệ thống đó); "
            "`congvu exchange peers` liệt kê chúng.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Gửi văn bản chờ gửi và nhận gói trong thư mục trao đổi.")
        run.add_argument("--folder", default=getattr(settings, "CONGVU_EXCHANGE_FOLDER", ""))
        peer = sub.add_parser("peer-set", help="Thêm hoặc sửa một hệ thống liên thông.")
        peer.add_argument("name")
        peer.add_argument("--url", default="", help="Địa chỉ gốc (HTTP).")
        peer.add_argument("--folder", default="", help="Thư mục trao đổi (thay cho HTTP).")
        peer.add_argument("--organ-ids", required=True, help="Các mã định danh nó phục vụ, cách nhau dấu phẩy.")
        peer.add_argument("--key-id", required=True)
        peer.add_argument("--secret", default="", help="Khóa bí mật chung (mặc định: sinh ngẫu nhiên và in ra).")
        peer.add_argument("--inactive", action="store_true")
        peer.add_argument("--pull", action="store_true",
                          help="Hệ thống đó tự lấy gói của nó từ ta (kiểu trục tỉnh); không cần --url hay --folder.")
        peer.add_argument("--fetch", action="store_true",
                          help="Ta lấy gói chờ ta ở hệ thống đó (--url) mỗi lần chạy `exchange run`.")
        sub.add_parser("peers", help="Liệt kê các hệ thống liên thông.")

    def handle(self, *args, **options):
        if options["action"] == "peer-set":
            return self._peer_set(options)
        if options["action"] == "peers":
            for p in Peer.objects.order_by("name"):
                where = p.folder if p.transport == PeerTransport.FOLDER else p.base_url
                self.stdout.write(f"{p.name}\t{p.transport}{'+fetch' if p.fetch else ''}\t{where}\t"
                                  f"{','.join(p.organ_ids)}\t{p.key_id}\t{'hoạt động' if p.active else 'tạm dừng'}")
            return
        fetched = pull.fetch_all()  # first, so the 01 of what arrives goes back in this run
        sent = connector.send_pending()
        self.stdout.write(f"Đã gửi {sent['sent']} gói, {sent['failed']} gói lỗi (sẽ thử lại).")
        if sent["statuses_sent"] or sent["statuses_failed"]:
            self.stdout.write(f"Đã gửi {sent['statuses_sent']} gói trạng thái, {sent['statuses_failed']} gói lỗi.")
        if fetched["peers"]:
            self.stdout.write(f"Đã lấy về {fetched['received']} gói, từ chối {fetched['refused']} gói"
                              + (f", {fetched['errors']} hệ thống không kết nối được." if fetched["errors"] else "."))
        if options["folder"]:
            got = connector.collect_folder(options["folder"])
            self.stdout.write(f"Đã nhận {got['received']} gói, từ chối {got['rejected']} gói.")

    def _peer_set(self, options) -> None:
        """Through the peers service (the same rules and journal as the peers page), acting as the system."""
        if options["pull"] and options["folder"]:
            raise CommandError("--pull (hệ thống đó tự lấy gói) không đi cùng --folder.")
        transport = PeerTransport.PULL if options["pull"] else None
        try:
            saved = peer_save(actor=None, as_system=True, name=options["name"], url=options["url"],
                              folder=options["folder"], organ_ids=options["organ_ids"].split(","),
                              key_id=options["key_id"], secret=options["secret"], active=not options["inactive"],
                              transport=transport, fetch=options["fetch"])
        except DomainError as exc:
            raise CommandError(" ".join((getattr(exc, "fields", None) or {}).values()) or exc.message) from None
        self.stdout.write(f"{'Đã thêm' if saved.created else 'Đã cập nhật'} hệ thống liên thông {saved.peer.name}.")
        if saved.generated_secret:
            self.stdout.write(f"Khóa bí mật chung (khai báo giống hệt ở hệ thống kia): {saved.generated_secret}")
