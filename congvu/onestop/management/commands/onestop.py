"""`congvu onestop`: the procedure catalogue as XLSX and the dossier-code templates.

    congvu onestop catalogue export danh-muc.xlsx
    congvu onestop catalogue import danh-muc.xlsx [--user quantri]
    congvu onestop templates load [tệp.json]
    congvu onestop templates list
    congvu onestop templates use "Mã hồ sơ theo Thông tư 04/2025/TT-VPCP" --system-code 01 \
        [--agency 3] [--from 2026-01-25]
"""

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.core.errors import DomainError
from congvu.onestop import catalogue, codes
from congvu.onestop.models import DossierCodeTemplate
from congvu.org.models import Agency


class Command(BaseCommand):
    help = "Một cửa: xuất, nhập danh mục thủ tục (Excel); nạp, xem, áp dụng mẫu mã hồ sơ."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="area", required=True, metavar="{catalogue,templates}")
        cat = sub.add_parser("catalogue", help="Danh mục thủ tục hành chính.")
        cat_sub = cat.add_subparsers(dest="action", required=True, metavar="{export,import}")
        export = cat_sub.add_parser("export", help="Xuất toàn bộ danh mục (mỗi phiên bản một dòng) ra tệp .xlsx.")
        export.add_argument("file")
        imp = cat_sub.add_parser("import", help="Nhập danh mục từ tệp .xlsx (có lỗi thì không lưu gì).")
        imp.add_argument("file")
        imp.add_argument("--user", default="", help="Tên đăng nhập ghi vào nhật ký (mặc định: hệ thống).")
        tpl = sub.add_parser("templates", help="Mẫu mã hồ sơ.")
        tpl_sub = tpl.add_subparsers(dest="action", required=True, metavar="{load,list,use}")
        load = tpl_sub.add_parser("load", help="Nạp mẫu mã từ tệp JSON (mặc định dữ liệu kèm theo).")
        load.add_argument("file", nargs="?", default="")
        tpl_sub.add_parser("list", help="Các mẫu mã và mẫu đang áp dụng hôm nay.")
        use = tpl_sub.add_parser("use", help="Áp dụng một mẫu mã cho toàn hệ thống hoặc một cơ quan.")
        use.add_argument("name")
        use.add_argument("--system-code", default="", help="Mã hệ thống AA (2 chữ số) cho mẫu có {AA}.")
        use.add_argument("--agency", default="", help="Id cơ quan (mặc định: toàn hệ thống).")
        use.add_argument("--from", dest="valid_from", default="", help="Áp dụng từ ngày yyyy-mm-dd.")
        use.add_argument("--template", default="", help="Mẫu riêng, ví dụ {agency}-{yyMMdd}-{N}.")
        use.add_argument("--user", default="")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['area']}_{options['action']}")(options)
        except DomainError as exc:
            detail = "\n".join(v for v in exc.fields.values() if v)
            raise CommandError(exc.message + (f"\n{detail}" if detail and detail not in exc.message else ""))

    def _user(self, username: str):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không có người dùng “{username}”.")
        if not catalogue.can_edit_catalogue(user):
            raise CommandError(f"“{username}” không phải quản trị cơ quan hoặc quản trị hệ thống.")
        return user

    def _catalogue_export(self, options):
        content = catalogue.catalogue_export()
        Path(options["file"]).write_bytes(content)
        self.stdout.write(f"Đã xuất danh mục ra {options['file']} ({len(content)} byte).")

    def _catalogue_import(self, options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không có tệp {path}.")
        result = catalogue.catalogue_import(actor=self._user(options["user"]), content=path.read_bytes())
        self.stdout.write(f"Đã nhập danh mục: {result.created} thủ tục mới, {result.added} phiên bản mới, "
                          f"{result.updated} phiên bản sửa, {result.unchanged} không đổi.")

    def _templates_load(self, options):
        created, updated = codes.code_templates_load(path=Path(options["file"]) if options["file"] else None)
        self.stdout.write(f"Đã nạp mẫu mã hồ sơ: {created} mới, {updated} cập nhật.")

    def _templates_list(self, options):
        today = timezone.localdate()
        for t in DossierCodeTemplate.objects.select_related("agency").order_by("agency_id", "valid_from"):
            scope = t.agency.name if t.agency else "toàn hệ thống"
            end = f" đến {t.valid_to:%d/%m/%Y}" if t.valid_to else ""
            state = "đang dùng" if t.active else "chưa bật"
            self.stdout.write(f"{t.name} | {t.template} | AA={t.system_code or '-'} | {scope} | từ "
                              f"{t.valid_from:%d/%m/%Y}{end} | {state}")
        default = codes.template_in_force(agency=0, on=today)
        self.stdout.write(f"Mẫu toàn hệ thống hôm nay: {default.template}")

    def _templates_use(self, options):
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(pk=int(options["agency"]) if options["agency"].isdigit() else 0).first()
            if agency is None:
                raise CommandError(f"Không có cơ quan id “{options['agency']}”.")
        valid_from = None
        if options["valid_from"]:
            try:
                valid_from = dt.date.fromisoformat(options["valid_from"])
            except ValueError:
                raise CommandError(f"Ngày “{options['valid_from']}” không đúng dạng yyyy-mm-dd.") from None
        row = codes.code_template_use(actor=self._user(options["user"]), name=options["name"],
                                      system_code=options["system_code"], agency=agency, valid_from=valid_from,
                                      template=options["template"])
        self.stdout.write(f"Áp dụng mẫu “{row.name}” ({row.template}) từ {row.valid_from:%d/%m/%Y}.")
