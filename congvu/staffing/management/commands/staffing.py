"""`congvu staffing`: staffing norms and classification rules shipped as data.

    congvu staffing norms load [tệp.json]   # NĐ 34/2019 and NĐ 33/2023 tables (idempotent)
    congvu staffing norms list
    congvu staffing rules load              # classification rule sets (pre-2025, NĐ 307/2025)
    congvu staffing quota MÃ_ĐƠN_VỊ [--on dd/mm/yyyy] [--category cadre_civil|part_time]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import DomainError
from congvu.staffing import selectors, services
from congvu.staffing.models import StaffCategory


class Command(BaseCommand):
    help = "Biên chế: nạp, xem định mức; nạp bộ tiêu chí phân loại; tính biên chế của một đơn vị tại một ngày."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="area", required=True, metavar="{norms,rules,quota}")
        norms = sub.add_parser("norms", help="Định mức biên chế.")
        norms_sub = norms.add_subparsers(dest="action", required=True, metavar="{load,list}")
        load = norms_sub.add_parser("load", help="Nạp bảng định mức (mặc định NĐ 34/2019 và NĐ 33/2023).")
        load.add_argument("file", nargs="?", default="")
        norms_sub.add_parser("list", help="Liệt kê định mức.")
        rules = sub.add_parser("rules", help="Bộ tiêu chí phân loại.")
        rules_sub = rules.add_subparsers(dest="action", required=True, metavar="{load}")
        rules_sub.add_parser("load", help="Nạp các bộ tiêu chí kèm theo.")
        quota = sub.add_parser("quota", help="Biên chế của một đơn vị tại một ngày.")
        quota.add_argument("code")
        quota.add_argument("--on", default="", help="Ngày dd/mm/yyyy (mặc định hôm nay).")
        quota.add_argument("--category", default=StaffCategory.CADRE_CIVIL, choices=StaffCategory.values)

    def handle(self, *args, **options):
        try:
            area = options["area"]
            if area == "norms" and options["action"] == "load":
                made = services.norms_load(path=Path(options["file"]) if options["file"] else None)
                self.stdout.write(f"Đã thêm {made} dòng định mức.")
            elif area == "norms":
                for n in selectors.norms():
                    self.stdout.write(f"{n.rule_set}\t{format_vn_date(n.valid_from)}–{format_vn_date(n.valid_to)}\t"
                                      f"{n.get_unit_type_display()}\t{n.get_unit_class_display()}\t"
                                      f"{n.get_category_display()}\t{n.quota}")
            elif area == "rules":
                self.stdout.write(f"Đã thêm {services.classification_rules_load()} bộ tiêu chí.")
            else:
                on = parse_vn_date(options["on"], field="on") or timezone.localdate()
                units = list(selectors.units_in_force(on).filter(code=options["code"]))
                if len(units) != 1:
                    raise CommandError(f"Không có đơn vị mã {options['code']} có hiệu lực ngày {format_vn_date(on)}.")
                q = services.quota_for(units[0], on=on, category=options["category"])
                self.stdout.write(f"{units[0].name} ngày {format_vn_date(on)}: "
                                  f"{q.quota if q.quota is not None else 'chưa xác định'}. {q.explanation}")
        except DomainError as exc:
            detail = "\n".join(v for v in exc.fields.values() if v)
            raise CommandError(exc.message + (f"\n{detail}" if detail else "")) from exc
