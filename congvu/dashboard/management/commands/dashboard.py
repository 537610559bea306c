import datetime as dt
import json
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congvu.core.errors import DomainError
from congvu.dashboard import indicators, rollups
from congvu.dashboard.access import MAX_YEAR, MIN_YEAR, Scope, default_period
from congvu.org.models import Agency


def _date(value: str | None, label: str) -> dt.date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise CommandError(f"{label} “{value}”: năm phải từ {MIN_YEAR} đến {MAX_YEAR}.")
        return day
    raise CommandError(f"{label} “{value}” không hợp lệ: dùng yyyy-mm-dd hoặc dd/mm/yyyy.")


def _subtree(agency_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent in Agency.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    out, stack = [], [agency_id]
    while stack:
        pk = stack.pop()
        if pk not in out:
            out.append(pk)
            stack.extend(children.get(pk, []))
    return sorted(out)


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Command(BaseCommand):
    help = ("Số liệu bảng điều hành: `congvu dashboard rebuild [--from yyyy-mm-dd] [--to …] [--agency SỐ]`, "
            "`refresh`, `indicators [--agency SỐ] [--from …] [--to …] [--json]`.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Tính lại toàn bộ số liệu tổng hợp theo ngày từ dữ liệu gốc.")
        rebuild.add_argument("--from", dest="start")
        rebuild.add_argument("--to", dest="end")
        rebuild.add_argument("--agency", type=int, action="append",
                             help="chỉ cơ quan này (có thể lặp lại); mặc định: mọi cơ quan")
        sub.add_parser("refresh", help="Cập nhật số liệu tổng hợp theo nhật ký (như tác vụ chạy mỗi phút).")
        ind = sub.add_parser("indicators", help="In giá trị và công thức của mọi chỉ tiêu.")
        ind.add_argument("--agency", type=int, help="cơ quan (kèm các cơ quan trực thuộc); mặc định: mọi cơ quan")
        ind.add_argument("--from", dest="start")
        ind.add_argument("--to", dest="end")
        ind.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "rebuild":
                self._rebuild(options)
            elif action == "refresh":
                started = time.monotonic()
                result = rollups.refresh()
                while result.get("more"):
                    result = rollups.refresh()
                self.stdout.write(f"Đã cập nhật: {result.get('entries', 0)} mục nhật ký, "
                                  f"{result.get('buckets', 0)} ngày-cơ quan, "
                                  f"{time.monotonic() - started:.1f} giây.")
            else:
                self._indicators(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _rebuild(self, options):
        start, end = _date(options["start"], "Ngày bắt đầu"), _date(options["end"], "Ngày kết thúc")
        agency_ids = options["agency"]
        if agency_ids:
            missing = set(agency_ids) - set(Agency.objects.filter(pk__in=agency_ids).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"Không có cơ quan số {', '.join(map(str, sorted(missing)))}.")
        if start and end and end < start:
            raise CommandError("Ngày kết thúc phải sau ngày bắt đầu.")
        started = time.monotonic()
        result = rollups.rebuild(start, end, agency_ids)
        self.stdout.write(f"Đã tính lại từ {result['start']:%d/%m/%Y} đến {result['end']:%d/%m/%Y} cho "
                          f"{result['agencies']} cơ quan: {result['rows']} dòng số liệu, "
                          f"{time.monotonic() - started:.1f} giây.")

    def _indicators(self, options):
        d_start, d_end = default_period()
        start = _date(options["start"], "Ngày bắt đầu") or d_start
        end = _date(options["end"], "Ngày kết thúc") or max(d_end, start)
        if end < start:
            raise CommandError("Ngày kết thúc phải sau ngày bắt đầu.")
        if options["agency"]:
            if not Agency.objects.filter(pk=options["agency"]).exists():
                raise CommandError(f"Không có cơ quan số {options['agency']}.")
            ids = _subtree(options["agency"])
        else:
            ids = sorted(Agency.objects.values_list("pk", flat=True))
        scope = Scope(agency_ids=tuple(ids), start=start, end=end)
        out = []
        for key, ind in indicators.INDICATORS.items():
            r = ind.compute(scope)
            out.append({"key": key, "name": ind.name, "value": _plain(r.value), "numerator": r.numerator,
                        "denominator": r.denominator, "unit": ind.unit, "period": ind.period,
                        "formula": ind.formula,
                        "breakdown": [{"key": row.key, "label": row.label, "value": _plain(row.value)}
                                      for row in r.breakdown[:5]]})
        if options["json"]:
            self.stdout.write(json.dumps({"agencies": ids, "from": start.isoformat(), "to": end.isoformat(),
                                          "generated_at": timezone.now().isoformat(), "indicators": out},
                                         ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Kỳ: {start:%d/%m/%Y} – {end:%d/%m/%Y}; {len(ids)} cơ quan.")
        for row in out:
            value = "—" if row["value"] is None else row["value"]
            ratio = f" ({row['numerator']}/{row['denominator']})" if row["denominator"] is not None else ""
            self.stdout.write(f"{row['name']} [{row['key']}]: {value} {row['unit']}{ratio}")
            self.stdout.write(f"    Công thức: {row['formula']} Kỳ tính: {row['period']}.")
