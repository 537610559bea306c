"""The Decision 766 service-quality indicators (QĐ 766/QĐ-TTg) that the system's own data can compute,
REGULATIONS §4.10, each with its formula, threshold and points: R = numerator / denominator × 100 %;
**score = Pmax if R ≥ T, else R × Pmax / T** (a sub-indicator without a published threshold is scored with
T = 100 %, i.e. R × Pmax — said beside it). The others are listed with the reason they cannot be computed.

Same period, scope and visibility as the statistics (congvu.onestop.stats). Three grouped queries, by receiving
agency: dossiers (2.1, 2.2, 3.3, 4.1, 4.2 through the paper counters receiving keeps on each dossier, the late
share of 5.4), ratings (5.4) and certified copies; nothing loops over dossiers in Python.

- **2.1 early or on time** (DVCQG rule, §4.7): dossiers done (9, 10) in the period are on time when early or
  on time (recorded, or ended ≤ appointment); dossiers not ended at T count with "end of period": waiting for
  a supplement or paused (5, 6, 8) they end at the pause (on time when it began ≤ appointment), otherwise
  on time when the appointment is ≥ T. **More than one supplement request (Pause rows) ⇒ late.** The
  supplement time deduction is already in our appointment: the clock stops during the supplement (resume
  rule: due_at moves by the time paused) or restarts (restart rule: a new appointment), so the comparison is
  with `due_at`. Withdrawn dossiers are left out.
- **2.2 average time**: Σ (end − clock start − time paused) / dossiers done in the period, in calendar days
  (the procedures' working-day units would need the calendar per dossier; tracked, no points).
- **3.3 online**: dossiers received online (channel 2) / dossiers received, T 50 %, 12 points; no DVCQG sync
  yet, so the sync ratio is taken as 1.
- **4.1 electronic result**: done dossiers with a result file / done dossiers (we cannot tell which need a
  paper result: all are counted), no published threshold.
- **4.2 digitised**: (papers provided with a file + results with a file) / (papers provided + results of done
  dossiers), for the dossiers received in the period, T 80 %, 4 points.
- **5.4 satisfaction**: 100 % − (late share by 2.1 among done dossiers + dissatisfied share of the ratings
  given in the period), T 90 %, 6 points.
- **e-certified copies**: electronic certified copies made in the period (a count; 2 points in the group,
  the formula is not published: no points).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Case, Count, F, FloatField, Func, Q, Sum, When
from django.db.models import Value as V

from congvu.core.errors import ValidationFailed
from congvu.core.folding import vi_sort_key
from congvu.onestop import stats
from congvu.onestop.models import (
    CertifiedCopy,
    Channel,
    DossierStatus,
    Pause,
    PauseKind,
    Rating,
    Timeliness,
)
from congvu.org.models import Agency


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    formula: str
    threshold: float | None  # T as a fraction; None: not published (scored as 1.0)
    max_points: float | None  # None: tracked or not scored
    group: str


DEFINITIONS = (
    Definition("2.1", "Hồ sơ giải quyết trước hạn, đúng hạn",
               "Số hồ sơ trước hạn, đúng hạn (kể cả hồ sơ chưa kết thúc còn trong hạn tại cuối kỳ; hồ sơ yêu cầu "
               "bổ sung quá một lần tính là quá hạn) / số hồ sơ đã giải quyết trong kỳ và chưa kết thúc tại cuối kỳ",
               None, 20, "Tiến độ giải quyết"),
    Definition("2.2", "Thời gian giải quyết trung bình",
               "Tổng thời gian (kết thúc − bắt đầu tính thời hạn − thời gian tạm dừng) / số hồ sơ đã giải quyết "
               "trong kỳ; tính bằng ngày lịch", None, None, "Tiến độ giải quyết"),
    Definition("3.3", "Hồ sơ trực tuyến",
               "Số hồ sơ tiếp nhận trực tuyến (kênh 2) / số hồ sơ tiếp nhận trong kỳ × tỷ lệ đồng bộ (chưa đồng "
               "bộ với Cổng DVCQG: lấy bằng 1)", 0.5, 12, "Dịch vụ công trực tuyến"),
    Definition("4.1", "Kết quả điện tử",
               "Số hồ sơ đã giải quyết có tệp kết quả / số hồ sơ đã giải quyết trong kỳ (coi mọi hồ sơ đều có kết "
               "quả giấy)", None, 6, "Số hóa hồ sơ"),
    Definition("4.2", "Số hóa hồ sơ",
               "(Số thành phần hồ sơ đã nộp có tệp + số kết quả có tệp) / (số thành phần hồ sơ đã nộp + số hồ sơ "
               "đã giải quyết), của hồ sơ tiếp nhận trong kỳ", 0.8, 4, "Số hóa hồ sơ"),
    Definition("5.4", "Mức độ hài lòng về giải quyết hồ sơ",
               "100% − (tỷ lệ hồ sơ quá hạn theo chỉ số 2.1 trong số hồ sơ đã giải quyết + tỷ lệ đánh giá không "
               "hài lòng trong số đánh giá trong kỳ)", 0.9, 6, "Mức độ hài lòng"),
    Definition("ecopy", "Chứng thực bản sao điện tử",
               "Số bản sao chứng thực điện tử cấp trong kỳ (Quyết định 766 chưa công bố công thức: chỉ đếm)",
               None, None, "Số hóa hồ sơ"),
)
NOT_COMPUTABLE = (
    ("1.1", "Công khai TTHC đúng hạn", "Cần ngày quyết định công bố và ngày hiệu lực của văn bản quy định TTHC."),
    ("1.2", "Cập nhật lên CSDL quốc gia đúng hạn", "Cần ngày đăng tải trên CSDL quốc gia về TTHC."),
    ("1.3", "Công khai đầy đủ các nội dung TTHC", "Cần đối chiếu với CSDL quốc gia về TTHC."),
    ("1.4", "Đồng bộ hồ sơ lên Cổng DVCQG", "Chưa đồng bộ với Cổng Dịch vụ công quốc gia."),
    ("3.1", "TTHC cung cấp trực tuyến", "Cần danh mục TTHC thuộc thẩm quyền từ CSDL quốc gia."),
    ("3.5", "Phí, lệ phí đồng bộ thanh toán trực tuyến", "Chưa kết nối thanh toán trực tuyến."),
    ("3.6", "Hồ sơ thanh toán trực tuyến", "Chưa kết nối thanh toán trực tuyến."),
    ("4.3", "Tái sử dụng dữ liệu số hóa", "Chưa có kho dữ liệu số hóa dùng chung."),
    ("4.4", "Kho dữ liệu của công dân", "Chưa kết nối kho dữ liệu công dân trên Cổng DVCQG."),
    ("4.5", "Khai thác CSDL quốc gia về dân cư, VNeID", "Chưa kết nối CSDL dân cư, VNeID."),
    ("5.2", "Xử lý phản ánh, kiến nghị đúng hạn", "Hệ thống chưa quản lý phản ánh, kiến nghị."),
    ("5.3", "Hài lòng về xử lý phản ánh, kiến nghị", "Hệ thống chưa quản lý phản ánh, kiến nghị."),
)
RULE = "Điểm = điểm tối đa nếu R ≥ T, ngược lại R × điểm tối đa / T (không công bố ngưỡng: T = 100%)."


def points(rate: float | None, threshold: float | None, max_points: float | None) -> float | None:
    """score = Pmax if R ≥ T, else R × Pmax / T (T = 1 when no threshold is published)."""
    if rate is None or max_points is None:
        return None
    t = threshold or 1.0
    return float(max_points) if rate >= t else rate * max_points / t


@dataclass
class Value:
    definition: Definition
    numerator: int | None = None
    denominator: int | None = None
    amount: float | None = None  # 2.2: days; ecopy: count

    @property
    def rate(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return max(0.0, self.numerator / self.denominator)

    @property
    def points(self) -> float | None:
        return points(self.rate, self.definition.threshold, self.definition.max_points)

    @property
    def result_text(self) -> str:
        code = self.definition.code
        if code == "2.2":
            return "—" if self.amount is None else f"{self.amount:.2f}".replace(".", ",") + " ngày"
        if code == "ecopy":
            return f"{int(self.amount or 0):,}".replace(",", ".") + " bản"
        return stats.percent(self.rate)

    @property
    def points_text(self) -> str:
        if self.points is None:
            return "—"
        return f"{self.points:.2f}".replace(".", ",")

    @property
    def threshold_label(self) -> str:
        d = self.definition
        if d.max_points is None:
            return "—"
        return stats.percent(d.threshold) if d.threshold else "không công bố (100%)"

    def as_dict(self) -> dict:
        d = self.definition
        return {"code": d.code, "name": d.name, "formula": d.formula, "numerator": self.numerator,
                "denominator": self.denominator, "rate": self.rate, "amount": self.amount,
                "threshold": d.threshold, "max_points": d.max_points, "points": self.points}


@dataclass
class Row:
    key: str
    name: str
    counts: dict = field(default_factory=dict)
    values: list[Value] = field(default_factory=list)

    def value(self, code: str) -> Value:
        return next(v for v in self.values if v.definition.code == code)


@dataclass
class IndicatorReport:
    period: stats.Period
    total: Row
    by_agency: list[Row]
    not_computable: tuple = NOT_COMPUTABLE


MULTI_LIST_MAX = 5000


class SecondsBetween(Func):
    """Seconds from `b` to `a` (datetimes), computed by the database: julianday on SQLite (no Python function
    per row), EXTRACT(EPOCH …) on PostgreSQL."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)",
                           arg_joiner=") - julianday(", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))",
                           arg_joiner=" - ", **extra_context)


COUNT_KEYS = ("on_time", "assessed", "done", "done_late", "received", "online", "done_with_result",
              "received_done", "received_done_with_result", "papers", "papers_with_file", "ratings",
              "dissatisfied", "copies", "duration_seconds", "paused_seconds")


def _values(counts: dict) -> list[Value]:
    c = counts
    by = {d.code: d for d in DEFINITIONS}
    done = c["done"]
    avg = None
    if done:
        avg = max(0.0, (c["duration_seconds"] - c["paused_seconds"]) / done / 86400)
    # 5.4: 100 % − late share − dissatisfied share, as numerator / denominator over a common denominator.
    sat_num = sat_den = None
    if done or c["ratings"]:
        late_share = (done - c["on_time_done"]) / done if done else 0.0
        dis_share = c["dissatisfied"] / c["ratings"] if c["ratings"] else 0.0
        sat_den = 10_000
        sat_num = round(max(0.0, 1 - late_share - dis_share) * sat_den)
    return [
        Value(by["2.1"], c["on_time"], c["assessed"]),
        Value(by["2.2"], amount=avg),
        Value(by["3.3"], c["online"], c["received"]),
        Value(by["4.1"], c["done_with_result"], done),
        Value(by["4.2"], c["papers_with_file"] + c["received_done_with_result"], c["papers"] + c["received_done"]),
        Value(by["5.4"], sat_num, sat_den),
        Value(by["ecopy"], amount=float(c["copies"])),
    ]


def indicator_report(*, user, date_from=None, date_to=None, agency_id: int | None = None,
                     now: dt.datetime | None = None) -> IndicatorReport:
    period = stats.period_for(date_from, date_to, now=now)
    filter_ids, agency_ids, _, _ = stats.resolve_scope(user, agency_id=agency_id)
    S, E, T = period.start, period.end, period.as_of
    base = stats._base(agency_ids=filter_ids, version_ids=None, department_id=None, period=period)

    # Dossiers with more than one supplement request (Pause rows): few; listed first, else kept as a subquery.
    multi_rows = (Pause.objects.filter(kind=PauseKind.SUPPLEMENT).values("dossier_id").annotate(n=Count("pk"))
                  .filter(n__gt=1).values_list("dossier_id", flat=True))
    multi_ids = list(multi_rows[:MULTI_LIST_MAX + 1])
    multi = Q(pk__in=multi_ids) if len(multi_ids) <= MULTI_LIST_MAX else Q(pk__in=multi_rows)
    # Every row of `base` is counted in the period or refused in it (stats._base). Conditions test the status
    # first and each CASE settles the common case (done in the period) in its first branches.
    refused = Q(status=DossierStatus.REFUSED)
    done = Q(status__in=stats.DONE) & Q(ended__gte=S) & Q(ended__lt=T)
    ended_before_t = Q(status__in=stats.ENDED) & Q(ended__lt=T)
    unrecorded = ~Q(timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE])
    ok_done = ~multi & (Q(timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME]) | (
        unrecorded & (Q(due__isnull=True) | Q(ended__lte=F("due")))))
    waiting = Q(status__in=stats.WAITING) & (Q(paused__isnull=True) | Q(paused__lt=T))
    ok_open = ~multi & (
        (waiting & (Q(due__isnull=True) | Q(paused__isnull=True) | Q(paused__lte=F("due"))))
        | (~waiting & (Q(due__isnull=True) | Q(due__gte=T))))
    old = Q(recv__lt=S)  # carried over: not received in the period
    has_result = Q(result_file__isnull=False)
    W0, W1, W2 = stats.W0, stats.W1, stats.W2
    big = BigIntegerField()

    def expr(w):
        return w if hasattr(w, "resolve_expression") else V(w)

    def case(*whens, default=0):
        return Case(*[When(cond, then=expr(w)) for cond, w in whens], default=expr(default), output_field=big)

    result_w1 = case((has_result, W1))
    # Packed sums (see congvu.onestop.stats): one SUM carries three counters 21 bits apart.
    sums = {
        "n": Count("pk"),
        # on time (W0), assessed (W1), done (W2): done in the period, or not ended at T ("end of period")
        "p_a": Sum(case((refused, 0), (done, case((ok_done, W0 + W1 + W2), default=W1 + W2)),
                        (ended_before_t, 0), (ok_open, W0 + W1), default=W1)),
        # on time among done (W0), done with a result file (W1), received in the period (W2)
        "p_b": Sum(case((refused, 0),
                        (done, case((ok_done, W0)) + result_w1 + case((old, 0), default=W2)),
                        (old, 0), default=W2)),
        # received online (W0), received and done (W1), received, done, with a result file (W2)
        "p_c": Sum(case((refused | old, 0),
                        (done, case((Q(channel=Channel.ONLINE), W0)) + V(W1) + case((has_result, W2))),
                        (Q(channel=Channel.ONLINE), W0))),
        "duration": Sum(Case(When(done & Q(clock_start__isnull=False),
                                  then=SecondsBetween("ended", "clock_start") - F("paused_seconds")),
                             default=V(0.0), output_field=FloatField())),
        # papers of the dossiers received in the period: counters receiving keeps on the dossier
        "papers": Sum(case((refused | old, 0), default=F("papers_provided"))),
        "papers_with_file": Sum(case((refused | old, 0), default=F("papers_digitised"))),
    }
    grouped = {}
    for g in base.values("agency_id").annotate(**sums).order_by("agency_id"):
        if g["n"] >= 1 << stats.SHIFT:
            raise ValidationFailed("Kỳ báo cáo có quá nhiều hồ sơ của một cơ quan; chọn kỳ ngắn hơn.",
                                   fields={"date_from": "Chọn kỳ ngắn hơn."})
        on_time, assessed, done_n = stats._unpack(g["p_a"])
        on_time_done, done_with_result, received_n = stats._unpack(g["p_b"])
        online, received_done, received_done_with_result = stats._unpack(g["p_c"])
        grouped[g["agency_id"]] = {
            "on_time": on_time, "assessed": assessed, "done": done_n, "on_time_done": on_time_done,
            "done_with_result": done_with_result, "received": received_n, "online": online,
            "received_done": received_done, "received_done_with_result": received_done_with_result,
            "duration_seconds": float(g["duration"] or 0), "paused_seconds": 0,
            "papers": int(g["papers"] or 0), "papers_with_file": int(g["papers_with_file"] or 0)}

    ratings = Rating.objects.filter(created_at__gte=S, created_at__lt=E)
    copies = CertifiedCopy.objects.filter(certified_at__gte=S, certified_at__lt=E)
    if filter_ids is not None:
        ratings = ratings.filter(dossier__agency_id__in=sorted(filter_ids))
        copies = copies.filter(agency_id__in=sorted(filter_ids))
    rating_counts = {g["dossier__agency_id"]: g for g in ratings.values("dossier__agency_id").annotate(
        ratings=Count("pk"), dissatisfied=Count("pk", filter=Q(overall=0))).order_by()}
    copy_counts = dict(copies.values("agency_id").annotate(n=Count("pk")).values_list("agency_id", "n").order_by())

    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=sorted(agency_ids))}
    ids = set(grouped) | set(rating_counts) | set(copy_counts)
    total_counts = dict.fromkeys(COUNT_KEYS + ("on_time_done",), 0)
    rows = []
    for a_id in ids:
        g = grouped.get(a_id, {})
        counts = {k: g.get(k) or 0 for k in ("on_time", "on_time_done", "assessed", "done", "received", "online",
                                             "done_with_result", "received_done", "received_done_with_result",
                                             "paused_seconds", "duration_seconds", "papers", "papers_with_file")}
        counts["ratings"] = rating_counts.get(a_id, {}).get("ratings", 0)
        counts["dissatisfied"] = rating_counts.get(a_id, {}).get("dissatisfied", 0)
        counts["copies"] = copy_counts.get(a_id, 0)
        counts["done_late"] = counts["done"] - counts["on_time_done"]
        for k, v in counts.items():
            total_counts[k] = total_counts.get(k, 0) + v
        a = agencies.get(a_id)
        rows.append(Row(f"a:{a_id}", a.name if a else f"#{a_id}", counts, _values(counts)))
    rows.sort(key=lambda r: vi_sort_key(r.name))
    total = Row("total", "Tổng cộng", total_counts, _values(total_counts))
    return IndicatorReport(period=period, total=total, by_agency=rows)


def indicators_xlsx(report: IndicatorReport) -> bytes:
    """The indicators as an Excel workbook: the total with formulas and points, one sheet per agency table,
    and the indicators that cannot be computed with their reasons."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ số 766"
    ws.append(["CHỈ SỐ ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ (QUYẾT ĐỊNH 766/QĐ-TTg)"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Kỳ {report.period.label}"])
    ws.append([RULE])
    ws.append([])
    ws.append(["Mã", "Chỉ số", "Công thức", "Tử số", "Mẫu số", "Kết quả", "Ngưỡng T", "Điểm tối đa", "Điểm"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for v in report.total.values:
        ws.append(_xlsx_line(v))
    ws.append([])
    ws.append(["Chưa tính được từ dữ liệu của hệ thống"])
    ws[f"A{ws.max_row}"].font = Font(bold=True)
    for code, name, reason in report.not_computable:
        ws.append([code, name, reason])
    for col, width in zip("ABCDEFGHI", (7, 34, 70, 10, 10, 12, 14, 12, 10)):
        ws.column_dimensions[col].width = width
    units = wb.create_sheet("Theo đơn vị")
    codes = [d.code for d in DEFINITIONS]
    units.append(["Cơ quan, đơn vị"] + [f"{c} kết quả" for c in codes] + [f"{c} điểm" for c in codes])
    for cell in units[1]:
        cell.font = Font(bold=True)
    for row in report.by_agency + [report.total]:
        units.append([row.name] + [_result(row.value(c)) for c in codes]
                     + [None if row.value(c).points is None else round(row.value(c).points, 2) for c in codes])
    units.column_dimensions["A"].width = 40
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _result(v: Value):
    if v.definition.code == "2.2":
        return None if v.amount is None else round(v.amount, 2)
    if v.definition.code == "ecopy":
        return int(v.amount or 0)
    return stats.percent(v.rate)


def _xlsx_line(v: Value) -> list:
    d = v.definition
    return [d.code, d.name, d.formula, v.numerator, v.denominator,
            _result(v) if d.code != "2.2" else (None if v.amount is None else f"{v.amount:.2f} ngày"),
            v.threshold_label, d.max_points if d.max_points is not None else "—",
            None if v.points is None else round(v.points, 2)]
