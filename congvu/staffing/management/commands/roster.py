"""`congvu roster`: an agency's roster and the staffing report, over the same services as the pages.

    congvu roster import danh-sach.csv --agency ID --as TÊN_ĐĂNG_NHẬP   # all or nothing; bad lines named
    congvu roster list --agency ID [--on yyyy-mm-dd]
    congvu roster report --province MÃ_TỈNH|--agency ID --on yyyy-mm-dd [--xlsx tệp.xlsx]
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import DomainError
from congvu.org.models import Agency
from congvu.staffing import report as reports
from congvu.staffing import roster, selectors


class Command(BaseCommand):
    help = "Danh sách cán bộ, công chức: nhập từ tệp CSV, liệt kê, báo cáo biên chế."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,list,report}")
        imp = sub.add_parser("import", help="Nhập danh sách từ tệp CSV UTF-8 (có dòng sai thì không nhập ai). "
                                            f"Cột: {','.join(roster.IMPORT_COLUMNS)}")
        imp.add_argument("file")
        imp.add_argument("--agency", type=int, required=True, help="Id cơ quan.")
        imp.add_argument("--as", dest="username", required=True, help="Người thực hiện (tên đăng nhập).")
        lst = sub.add_parser("list", help="Những người đang công tác tại một ngày.")
        lst.add_argument("--agency", type=int, required=True, help="Id cơ quan.")
        lst.add_argument("--on", default="", help="Ngày (yyyy-mm-dd hoặc dd/mm/yyyy; mặc định hôm nay).")
        rep = sub.add_parser("report", help="Báo cáo biên chế của một tỉnh hoặc một cơ quan tại một ngày.")
        scope = rep.add_mutually_exclusive_group(required=True)
        scope.add_argument("--province", default="", help="Mã tỉnh tại ngày báo cáo (ví dụ 49 trước 07/2025).")
        scope.add_argument("--agency", type=int, default=None, help="Id cơ quan.")
        rep.add_argument("--on", default="", help="Ngày (yyyy-mm-dd hoặc dd/mm/yyyy; mặc định hôm nay).")
        rep.add_argument("--xlsx", default="", help="Ghi thêm báo cáo ra tệp Excel này.")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            detail = "\n".join(v for v in exc.fields.values() if v and v not in exc.message)
            raise CommandError(exc.message + (f"\n{detail}" if detail else "")) from exc

    @staticmethod
    def _agency(pk: int) -> Agency:
        agency = Agency.objects.filter(pk=pk).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan id {pk}.")
        return agency

    def _import(self, options) -> None:
        user = get_user_model().objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"Không có tài khoản “{options['username']}” đang hoạt động.")
        agency = self._agency(options["agency"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError("Tệp phải mã hóa UTF-8.") from exc
        result = roster.roster_import(actor=user, agency=agency, text=text)
        self.stdout.write(f"Đã nhập {result.created} người vào danh sách của {agency.name}.")

    def _list(self, options) -> None:
        agency = self._agency(options["agency"])
        on = parse_vn_date(options["on"], field="on") or timezone.localdate()
        rules = roster.retirement_rules()
        postings = roster.in_post([agency.pk], on).select_related("member").order_by("member__name_folded", "pk")
        count = 0
        for p in postings:
            m = p.member
            retire = roster.retirement_date(sex=m.sex, birth_date=m.birth_date, rules=rules)
            self.stdout.write("\t".join([
                m.full_name, m.get_sex_display(), format_vn_date(m.birth_date), p.get_category_display(), p.position,
                p.rank or "—", f"{p.salary_coefficient}".replace(".", ","), f"từ {format_vn_date(p.valid_from)}",
                f"nghỉ hưu {format_vn_date(retire) or '—'}"]))
            count += 1
        self.stdout.write(f"{agency.name}, ngày {format_vn_date(on)}: {reports.vn_int(count)} người.")

    def _report(self, options) -> None:
        on = parse_vn_date(options["on"], field="on") or timezone.localdate()
        if options["agency"] is not None:
            agency = self._agency(options["agency"])
            agencies, title = [agency], f"{agency.name} — ngày {format_vn_date(on)}"
        else:
            code = options["province"].strip()
            name = next((p.name for p in selectors.provinces(on) if p.code == code), f"Tỉnh mã {code}")
            agencies, title = reports.province_agencies(code, on), f"{name} — ngày {format_vn_date(on)}"
        rep = reports.staffing_report(agencies=agencies, on=on)
        self.stdout.write(f"Báo cáo biên chế: {title}")
        self.stdout.write("Cơ quan\tCBCC: biên chế / có mặt / dôi dư (+), thiếu (−)\tKCT: biên chế / có mặt / ±")
        for row in rep.rows:
            cells = [" / ".join([reports.vn_int(line.quota), reports.vn_int(line.in_post),
                                 reports.vn_signed(line.surplus)]) for line in (row.cadre, row.part_time)]
            self.stdout.write("\t".join([row.agency.name, *cells]))
        for total in rep.totals.values():
            self.stdout.write(
                f"Tổng {total.category_label.lower()}: biên chế {reports.vn_int(total.quota)}, có mặt "
                f"{reports.vn_int(total.in_post)}, dôi dư {reports.vn_int(total.excess)}, còn thiếu "
                f"{reports.vn_int(total.vacancy)}, chưa xác định biên chế {total.without_quota} cơ quan.")
        for line in rep.without_quota:
            self.stdout.write(f"Chưa xác định biên chế — {line.agency.name} ({line.category_label.lower()}): "
                              f"{line.quota_basis}")
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(reports.report_xlsx(rep, title=title))
            self.stdout.write(f"Đã ghi {options['xlsx']}.")
