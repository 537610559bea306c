"""`congvu workdays`: working-day arithmetic on the calendar in the database, and seeding it.

    congvu workdays add 2026-02-13T16:00 5             → 2026-02-27T16:00
    congvu workdays add 2026-02-13T16:00 --hours 2     → 2026-02-23T08:00
    congvu workdays between 2026-02-13 2026-02-27      → 5
    congvu workdays next 2026-02-14                    → 2026-02-23T07:00
    congvu workdays seed --from 2020 --to 2030
"""

import math

from django.core.management.base import BaseCommand, CommandError

from congvu.core.errors import DomainError
from congvu.workdays import services
from congvu.workdays.services import PROVINCE_CODE_RE, calendar_for, format_moment, parse_moment


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise CommandError(f"{what} phải là số nguyên, không phải “{text}”.")


class Command(BaseCommand):
    help = ("Lịch làm việc: cộng ngày/giờ làm việc (add), đếm ngày làm việc (between), "
            "thời điểm làm việc kế tiếp (next), nạp ngày lễ từ thư viện holidays (seed).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,between,next,seed}")
        add = sub.add_parser("add", help="Thời điểm sau N ngày làm việc (hoặc --hours H giờ làm việc).")
        add.add_argument("start", help="Ngày hoặc thời điểm: 2026-02-13T16:00, 2026-02-13, 13/02/2026 16:00.")
        add.add_argument("days", nargs="?", help="Số ngày làm việc (có thể âm).")
        add.add_argument("--hours", help="Cộng số giờ làm việc thay cho số ngày (ví dụ 4.5).")
        add.add_argument("--province", default="", help="Mã tỉnh: dùng lịch riêng của tỉnh (mặc định toàn quốc).")
        between = sub.add_parser("between", help="Số ngày làm việc sau ngày A đến hết ngày B.")
        between.add_argument("start")
        between.add_argument("end")
        between.add_argument("--province", default="")
        nxt = sub.add_parser("next", help="Thời điểm làm việc kế tiếp (chính nó nếu đang trong giờ làm việc).")
        nxt.add_argument("start")
        nxt.add_argument("--province", default="")
        seed = sub.add_parser("seed", help="Nạp ngày lễ, nghỉ bù, hoán đổi toàn quốc từ thư viện holidays.")
        seed.add_argument("--from", dest="year_from", default="2020")
        seed.add_argument("--to", dest="year_to", default="2030")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            # The field messages say what is wrong and how to write it; the summary only when there are none.
            raise CommandError(" ".join(exc.fields.values()) or exc.message)

    def _calendar(self, options):
        code = (options.get("province") or "").strip()
        if code and not PROVINCE_CODE_RE.match(code):
            raise CommandError(f"Mã tỉnh “{code}” không hợp lệ (chỉ gồm chữ số hoặc chữ cái không dấu, ví dụ 49).")
        return calendar_for(province_code=code)

    def _add(self, options):
        start, has_time = parse_moment(options["start"])
        days, hours = options.get("days"), options.get("hours")
        if (days is None) == (hours is None):
            raise CommandError("Cho biết số ngày làm việc (add THỜI_ĐIỂM N) hoặc số giờ (--hours H), một trong hai.")
        calendar = self._calendar(options)
        if hours is not None:
            try:
                value = float(str(hours).replace(",", "."))
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or abs(value) > 100_000:
                raise CommandError(f"Số giờ phải là một số (ví dụ 4.5), không phải “{hours}”.")
            self.stdout.write(format_moment(calendar.add_working_hours(start, value)))
            return
        n = _int(days, "Số ngày làm việc")
        if abs(n) > 10_000:
            raise CommandError("Số ngày làm việc phải trong khoảng −10000 đến 10000.")
        result = calendar.add_working_days(start, n)
        # A date in gives a date out: the N-th working day.
        self.stdout.write(result.date().isoformat() if not has_time else format_moment(result))

    def _between(self, options):
        start, _ = parse_moment(options["start"], field="start")
        end, _ = parse_moment(options["end"], field="end")
        self.stdout.write(str(self._calendar(options).working_days_between(start, end)))

    def _next(self, options):
        start, _ = parse_moment(options["start"])
        self.stdout.write(format_moment(self._calendar(options).next_working_moment(start)))

    def _seed(self, options):
        year_from = _int(options["year_from"], "Năm bắt đầu (--from)")
        year_to = _int(options["year_to"], "Năm kết thúc (--to)")
        result = services.calendar_seed(year_from=year_from, year_to=year_to)
        self.stdout.write(
            f"Lịch {year_from}–{year_to}: thêm {result.created}, cập nhật {result.updated}, xóa {result.removed}, "
            f"giữ nguyên {result.unchanged}, không đụng tới {result.kept_edited} ngày do quản trị sửa."
        )
