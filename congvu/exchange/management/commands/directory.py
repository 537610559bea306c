"""`congvu directory`: the agency directory (danh bạ mã định danh, QCVN 102 / QĐ 20/2020).

    congvu directory import FILE.csv [--dry-run]   → nhập (tất cả hoặc không dòng nào), ghi nhật ký
    congvu directory export [--out FILE.csv]       → xuất theo đúng định dạng nhập
    congvu directory resolve MÃ [--on yyyy-mm-dd]  → mã đó chỉ cơ quan nào vào ngày đó (theo mã cũ)

Columns: identifier,name,parent,valid_from,valid_to,alias_of,basis (docs/decisions/0015-agency-directory.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import DomainError
from congvu.exchange import directory


class Command(BaseCommand):
    help = "Danh bạ mã định danh cơ quan: nhập từ CSV (import), xuất ra CSV (export), tra mã (resolve)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,export,resolve}")
        imp = sub.add_parser("import", help="Nhập danh bạ từ tệp CSV UTF-8 (cập nhật theo mã định danh).")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi gì.")
        exp = sub.add_parser("export", help="Xuất danh bạ ra CSV (mặc định ra màn hình).")
        exp.add_argument("--out", default="")
        res = sub.add_parser("resolve", help="Mã định danh chỉ cơ quan nào vào một ngày (theo ánh xạ mã cũ).")
        res.add_argument("identifier")
        res.add_argument("--on", default="", help="Ngày (yyyy-mm-dd hoặc dd/mm/yyyy), mặc định hôm nay.")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['action']}")(options)
        except directory.DirectoryImportFailed as exc:
            raise CommandError(exc.message)
        except DomainError as exc:
            raise CommandError(" ".join(exc.fields.values()) or exc.message)

    def _import(self, options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp “{path}”: {exc.strerror or exc}.")
        result = directory.directory_import(actor=None, as_system=True, data=data, dry_run=options["dry_run"],
                                            source=path.name)
        for line in result.changes:
            self.stdout.write(line)
        self.stdout.write(result.summary)

    def _export(self, options):
        text = directory.directory_export()
        if options["out"]:
            try:
                Path(options["out"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Không ghi được tệp “{options['out']}”: {exc.strerror or exc}.")
            self.stdout.write(f"Đã xuất {text.count(chr(10)) - 1} mã vào {options['out']}.")
        else:
            self.stdout.write(text, ending="")

    def _resolve(self, options):
        day = parse_vn_date(options["on"], field="on") or timezone.localdate()
        entry = directory.resolve_identifier(options["identifier"], on=day)
        if entry is None:
            raise CommandError(f"Mã “{options['identifier']}” không chỉ cơ quan nào vào ngày {format_vn_date(day)}.")
        self.stdout.write(f"{entry.identifier}\t{entry.name}")
