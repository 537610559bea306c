"""`congvu units`: the administrative units.

    congvu units load                 # today's 34 provinces and 3,321 communes from vietnam-provinces
    congvu units import don-vi.csv    # historical units with validity periods (all or nothing)
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.core.errors import DomainError
from congvu.staffing import services


class Command(BaseCommand):
    help = "Đơn vị hành chính: nạp danh mục hiện hành, nhập đơn vị lịch sử từ tệp CSV."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{load,import}")
        sub.add_parser("load", help="Nạp 34 tỉnh, thành phố và các xã, phường, đặc khu từ gói vietnam-provinces.")
        imp = sub.add_parser("import", help="Nhập đơn vị từ tệp CSV (UTF-8; có dòng sai thì không nhập gì). "
                                            f"Cột: {','.join(services.CSV_COLUMNS)}")
        imp.add_argument("file")

    def handle(self, *args, **options):
        try:
            if options["action"] == "load":
                r = services.units_load()
                self.stdout.write(f"Đã nạp danh mục: thêm {r.created}, cập nhật {r.updated}, giữ nguyên {r.unchanged}.")
            else:
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"Không tìm thấy tệp {path}.")
                try:
                    text = path.read_text(encoding="utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise CommandError("Tệp phải mã hóa UTF-8.") from exc
                r = services.units_import(text=text)
                self.stdout.write(f"Đã nhập {r.created} đơn vị, {r.successions} quan hệ kế thừa.")
        except DomainError as exc:
            detail = "\n".join(v for v in exc.fields.values() if v)
            raise CommandError(exc.message + (f"\n{detail}" if detail else "")) from exc
