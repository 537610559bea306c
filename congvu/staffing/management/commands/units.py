"""`congvu units`: the administrative units.

    congvu units load                 # today's 34 provinces and 3,321 communes from vietnam-provinces
    congvu units import don-vi.csv    # historical units with validity periods (all or nothing)
    congvu units link MÃ_ĐƠN_VỊ ID_CƠ_QUAN [--on dd/mm/yyyy] [--from dd/mm/yyyy] [--to dd/mm/yyyy]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.core.dates import parse_vn_date
from congvu.core.errors import DomainError
from congvu.org.models import Agency
from congvu.staffing import selectors, services


class Command(BaseCommand):
    help = "Đơn vị hành chính: nạp danh mục hiện hành, nhập đơn vị lịch sử từ tệp CSV."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{load,import,link}")
        sub.add_parser("load", help="Nạp 34 tỉnh, thành phố và các xã, phường, đặc khu từ gói vietnam-provinces.")
        imp = sub.add_parser("import", help="Nhập đơn vị từ tệp CSV (UTF-8; có dòng sai thì không nhập gì). "
                                            f"Cột: {','.join(services.CSV_COLUMNS)}")
        imp.add_argument("file")
        link = sub.add_parser("link", help="Ghi cơ quan (UBND, HĐND…) quản lý một đơn vị hành chính.")
        link.add_argument("code")
        link.add_argument("agency", type=int)
        link.add_argument("--on", default="", help="Đơn vị có hiệu lực ngày này (mặc định hôm nay).")
        link.add_argument("--from", dest="valid_from", default="")
        link.add_argument("--to", dest="valid_to", default="")

    def handle(self, *args, **options):
        try:
            if options["action"] == "load":
                r = services.units_load()
                self.stdout.write(f"Đã nạp danh mục: thêm {r.created}, cập nhật {r.updated}, giữ nguyên {r.unchanged}.")
            elif options["action"] == "link":
                self._link(options)
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

    def _link(self, options) -> None:
        on = parse_vn_date(options["on"], field="on") or timezone.localdate()
        units = list(selectors.units_in_force(on).filter(code=options["code"]))
        if len(units) != 1:
            raise CommandError(f"Không có đơn vị mã {options['code']} có hiệu lực ngày {on:%d/%m/%Y}.")
        agency = Agency.objects.filter(pk=options["agency"]).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan id {options['agency']}.")
        services.unit_agency_link(actor=None, unit=units[0], agency=agency,
                                  valid_from=parse_vn_date(options["valid_from"], field="from"),
                                  valid_to=parse_vn_date(options["valid_to"], field="to"))
        self.stdout.write(f"{agency.name} quản lý {units[0].name}.")
