"""Periodic statistics of the one-stop shop (báo cáo tình hình giải quyết hồ sơ TTHC), REGULATIONS §4.8.

A report covers the period [S, E) — from the first day at 00:00 to the day after the last day, local time —
and is read as of T = min(E, now). Every figure is one conditional COUNT of ONE grouped query over the
dossier table (grouped by receiving agency and procedure version; the Python side only adds up the few
hundred group rows into the table by procedure, the table by unit and the total). Definitions, also printed
beside each figure on the page (FORMULAS):

- *received at* = `accepted_at` (the clock's dossier), or `submitted_at` for a dossier still waiting for its
  supplement at the counter; dossiers never accepted (1 mới đăng ký) and refused (3) are not received;
- *ended at* = `processed_at` (9 đã xử lý xong, even if returned later: DVCQG's priority 9 > 10), else
  `finished_at`, for statuses 7, 9, 10 only; a stopped dossier (8) is paused, not ended (§4.8 groups 6 and 8);
- **carried over** (kỳ trước chuyển sang): received before S and not ended before S;
- **received in period** (tiếp nhận trong kỳ): received in [S, E), split by channel 1 counter / 2 online /
  3 postal; **total** = carried over + received in period;
- **done** (đã giải quyết): statuses 9, 10 ended in [S, T): early / on time / late as recorded when the result
  was recorded (`timeliness`); without it, on time when ended at or before the appointment (or no appointment),
  late otherwise; **withdrawn** (rút hồ sơ, 7) ended in [S, T);
- at T, every dossier of the total not ended is exactly one of: **supplement** (5), **paused** (6 financial
  obligations, 8 stopped) — the current status, counted when the pause began before T —, or **in progress**:
  *on time* when the appointment is at or after T (or there is none), *overdue* before T; *due within 24 h*
  is the part of in progress on time whose appointment falls in [T, T + 24 h);
- **refused** (không tiếp nhận, 3) in [S, E) by `finished_at` (else `submitted_at`): outside the total;
- **on-time rate** = (early + on time + withdrawn + in progress on time + supplement) / total (§4.8);
- **online rate** = received online (channel 2) / received in period.

So total = early + on time + late + withdrawn + supplement + paused + in progress on time + overdue, always.
A past period reads pauses from the current status: a dossier paused at T but resumed since counts as in
progress (the Pause rows would tell, at the price of a second scan; not needed for current periods).

Visibility (`stats_agency_ids`): the leaders, one-stop staff and agency admins of an agency see its figures;
if the agency has subordinate agencies (a province People's Committee over its departments and communes),
they see the whole subtree; a system admin (superuser) sees every agency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from congvu.core.dates import parse_vn_date
from congvu.core.errors import NotFound, ValidationFailed
from congvu.core.folding import vi_sort_key
from congvu.onestop.models import (
    Channel,
    Dossier,
    DossierStatus,
    DossierStep,
    Procedure,
    ProcedureVersion,
    Timeliness,
)
from congvu.org.models import Agency, Department, Role
from congvu.org.selectors import user_access

STATS_ROLES = frozenset({Role.LEADER, Role.ONESTOP, Role.AGENCY_ADMIN})
BY_PROCEDURE = "procedure"
BY_AGENCY = "agency"

ENDED = (DossierStatus.WITHDRAWN, DossierStatus.PROCESSED, DossierStatus.RETURNED)
DONE = (DossierStatus.PROCESSED, DossierStatus.RETURNED)
NOT_RECEIVED = (DossierStatus.REGISTERED, DossierStatus.REFUSED)
PAUSED = (DossierStatus.FINANCIAL, DossierStatus.STOPPED)
WAITING = (DossierStatus.SUPPLEMENT, DossierStatus.FINANCIAL, DossierStatus.STOPPED)

# Counted figures, in the order of the table.
FIGURES = ("carried_over", "received", "received_counter", "received_online", "received_postal", "total",
           "done_early", "done_on_time", "done_late", "withdrawn", "in_progress_on_time", "in_progress_overdue",
           "due_soon", "supplement", "paused", "refused")
LABELS = {
    "carried_over": "Kỳ trước chuyển sang",
    "received": "Tiếp nhận trong kỳ",
    "received_counter": "Trực tiếp",
    "received_online": "Trực tuyến",
    "received_postal": "Bưu chính",
    "total": "Tổng số hồ sơ",
    "done_early": "Giải quyết trước hạn",
    "done_on_time": "Giải quyết đúng hạn",
    "done_late": "Giải quyết quá hạn",
    "withdrawn": "Rút hồ sơ",
    "in_progress_on_time": "Đang giải quyết trong hạn",
    "in_progress_overdue": "Đang giải quyết quá hạn",
    "due_soon": "Trong đó đến hạn trong 24 giờ",
    "supplement": "Chờ bổ sung",
    "paused": "Tạm dừng (nghĩa vụ tài chính, dừng xử lý)",
    "refused": "Không tiếp nhận",
    "on_time_rate": "Tỷ lệ đúng hạn",
    "online_rate": "Tỷ lệ trực tuyến",
}
# The formula written beside each figure (page, XLSX, API).
FORMULAS = {
    "carried_over": "Tiếp nhận trước ngày đầu kỳ, chưa kết thúc (7, 9, 10) trước ngày đầu kỳ",
    "received": "Tiếp nhận (ngày tiếp nhận, hoặc ngày nộp nếu đang chờ bổ sung tại một cửa) trong kỳ; "
                "không tính hồ sơ 1 (mới đăng ký) và 3 (không tiếp nhận)",
    "received_counter": "Tiếp nhận trong kỳ qua kênh 1 (trực tiếp)",
    "received_online": "Tiếp nhận trong kỳ qua kênh 2 (trực tuyến)",
    "received_postal": "Tiếp nhận trong kỳ qua kênh 3 (bưu chính)",
    "total": "Kỳ trước chuyển sang + tiếp nhận trong kỳ",
    "done_early": "Trạng thái 9, 10 xử lý xong trong kỳ, kết quả trước ngày hẹn trả",
    "done_on_time": "Trạng thái 9, 10 xử lý xong trong kỳ, đúng ngày hẹn trả (hoặc không có ngày hẹn)",
    "done_late": "Trạng thái 9, 10 xử lý xong trong kỳ, sau thời điểm hẹn trả",
    "withdrawn": "Trạng thái 7 (công dân rút hồ sơ) trong kỳ",
    "in_progress_on_time": "Chưa kết thúc tại thời điểm cuối kỳ, không chờ bổ sung, không tạm dừng, "
                           "hẹn trả từ thời điểm cuối kỳ trở đi",
    "in_progress_overdue": "Chưa kết thúc tại thời điểm cuối kỳ, không chờ bổ sung, không tạm dừng, "
                           "hẹn trả trước thời điểm cuối kỳ",
    "due_soon": "Đang giải quyết trong hạn, hẹn trả trong 24 giờ sau thời điểm cuối kỳ",
    "supplement": "Trạng thái 5 (yêu cầu bổ sung) tại thời điểm cuối kỳ",
    "paused": "Trạng thái 6 (nghĩa vụ tài chính) hoặc 8 (dừng xử lý) tại thời điểm cuối kỳ",
    "refused": "Trạng thái 3 (không được tiếp nhận) trong kỳ; không tính vào tổng số",
    "on_time_rate": "(trước hạn + đúng hạn + rút hồ sơ + đang giải quyết trong hạn + chờ bổ sung) / tổng số",
    "online_rate": "tiếp nhận trực tuyến / tiếp nhận trong kỳ",
}
PERIOD_NOTE = ("Thời điểm cuối kỳ: 24:00 ngày cuối kỳ, hoặc thời điểm xem báo cáo nếu kỳ chưa kết thúc. "
               "Tổng số = trước hạn + đúng hạn + quá hạn + rút hồ sơ + chờ bổ sung + tạm dừng + đang giải quyết "
               "trong hạn + đang giải quyết quá hạn.")


# --- who sees what -----------------------------------------------------------------------------------------

def _subtree(roots: set[int]) -> set[int]:
    """`roots` and every agency below them (one query over the agency table, walked in memory)."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Agency.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    seen, stack = set(roots), list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def stats_agency_ids(user) -> set[int]:
    """Agencies whose figures `user` may read: see the module docstring. Empty: none."""
    if getattr(user, "is_superuser", False):
        return set(Agency.objects.values_list("pk", flat=True))
    roots = {a for a, access in user_access(user).items() if access.roles & STATS_ROLES}
    return _subtree(roots) if roots else set()


def can_see_stats(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        access.roles & STATS_ROLES for access in user_access(user).values())


# --- the period ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime

    @property
    def label(self) -> str:
        return f"từ ngày {self.date_from:%d/%m/%Y} đến ngày {self.date_to:%d/%m/%Y}"


def period_for(date_from, date_to, *, now: dt.datetime | None = None) -> Period:
    """The period [first day 00:00, day after the last day 00:00) in local time; dd/mm/yyyy or ISO dates.
    Default: from the first day of the current year to today."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    first = parse_vn_date(date_from, field="date_from") or today.replace(month=1, day=1)
    last = parse_vn_date(date_to, field="date_to") or today
    if last < first:
        raise ValidationFailed("Ngày cuối kỳ trước ngày đầu kỳ.",
                               fields={"date_to": "Chọn ngày cuối kỳ từ ngày đầu kỳ trở đi."})
    if (last - first).days > 366 * 5:
        raise ValidationFailed("Kỳ báo cáo dài quá 5 năm.", fields={"date_from": "Chọn kỳ ngắn hơn."})
    if first > today:
        raise ValidationFailed(f"Kỳ báo cáo bắt đầu ngày {first:%d/%m/%Y}, chưa đến.",
                               fields={"date_from": "Chọn ngày đầu kỳ từ hôm nay trở về trước."})
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return Period(first, last, start, end, min(end, now))


# --- the query ------------------------------------------------------------------------------------------------

class Plain(Func):
    """A column as it is, but without SQLite's NUMERIC affinity (unary plus): Django declares datetime columns
    "datetime", so SQLite would try to turn the compared text parameter into a number on every row — four times
    slower over a million rows. PostgreSQL gets the column unchanged."""

    arity = 1
    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def received_at():
    return Coalesce("accepted_at", "submitted_at", output_field=DateTimeField())


def ended_at():
    return Coalesce("processed_at", "finished_at", output_field=DateTimeField())


# Buckets: each dossier of the period falls in exactly one (the CASE stops at the first match), so the query
# evaluates two CASE expressions per row and counts per group, instead of one condition per figure.
REFUSED, EARLY, ON_TIME, LATE, WITHDRAWN, SUPPLEMENT, PAUSED_B, DUE_SOON, IN_TIME, OVERDUE = range(10)
CARRIED, NEW_COUNTER, NEW_ONLINE, NEW_POSTAL, NOT_COUNTED = range(5)
BUCKET_FIGURE = {EARLY: "done_early", ON_TIME: "done_on_time", LATE: "done_late", WITHDRAWN: "withdrawn",
                 SUPPLEMENT: "supplement", PAUSED_B: "paused", DUE_SOON: "in_progress_on_time",
                 IN_TIME: "in_progress_on_time", OVERDUE: "in_progress_overdue", REFUSED: "refused"}
ORIGIN_FIGURE = {NEW_COUNTER: "received_counter", NEW_ONLINE: "received_online", NEW_POSTAL: "received_postal"}


def classify(period: Period, *, buckets: dict | None = None, origins: dict | None = None) -> dict:
    """`bucket` and `origin` of every dossier of the period (see the module docstring), as CASE expressions
    over a queryset aliased by _base. `buckets` / `origins` map a code to the value the CASE gives (default: the
    code itself; codes left out give 0)."""
    S, T = period.start, period.as_of

    def b(code):
        return Value(code if buckets is None else buckets.get(code, 0))

    def o(code):
        return Value(code if origins is None else origins.get(code, 0))

    waiting_since = Q(paused__isnull=True) | Q(paused__lt=T)
    bucket = Case(
        When(status=DossierStatus.REFUSED, then=b(REFUSED)),
        When(Q(status__in=DONE, ended__gte=S, ended__lt=T), then=Case(
            When(timeliness=Timeliness.EARLY, then=b(EARLY)),
            When(timeliness=Timeliness.ON_TIME, then=b(ON_TIME)),
            When(timeliness=Timeliness.LATE, then=b(LATE)),
            When(due__isnull=True, then=b(ON_TIME)),
            When(ended__lte=F("due"), then=b(ON_TIME)),
            default=b(LATE))),
        When(Q(status=DossierStatus.WITHDRAWN, ended__gte=S, ended__lt=T), then=b(WITHDRAWN)),
        When(Q(status=DossierStatus.SUPPLEMENT) & waiting_since, then=b(SUPPLEMENT)),
        When(Q(status__in=PAUSED) & waiting_since, then=b(PAUSED_B)),
        When(due__isnull=True, then=b(IN_TIME)),
        When(due__lt=T, then=b(OVERDUE)),
        When(due__lt=T + dt.timedelta(hours=24), then=b(DUE_SOON)),
        default=b(IN_TIME),
        output_field=BigIntegerField())
    origin = Case(
        When(status=DossierStatus.REFUSED, then=o(NOT_COUNTED)),
        When(recv__lt=S, then=o(CARRIED)),
        When(channel=Channel.COUNTER, then=o(NEW_COUNTER)),
        When(channel=Channel.ONLINE, then=o(NEW_ONLINE)),
        default=o(NEW_POSTAL),
        output_field=BigIntegerField())
    return {"bucket": bucket, "origin": origin}


# Packed counting: one SUM adds three counters at once, 21 bits apart (each CASE gives 0, 1, 2^21 or 2^42), so
# the query groups by (agency, procedure version) only — the order of an index, no sort of the rows — and each row
# goes through four short CASE expressions whose first branch settles the common case. Refused dossiers and
# postal receipts are what is left of the row count. A group of 2^21 dossiers or more would overflow a field:
# such a (very unusual) report falls back to grouping by the codes (classify above).
SHIFT = 21
W0, W1, W2 = 1, 1 << SHIFT, 1 << (2 * SHIFT)


def packed_sums(period: Period) -> dict:
    S, T = period.start, period.as_of
    zero = Value(0)

    def v(x):
        return Value(x)

    # Conditions are written status first: SQLite stops at the first false term, and the status is the
    # cheapest column to test.
    since = Q(paused__isnull=True) | Q(paused__lt=T)
    waiting = Q(status__in=WAITING) & since
    done = Q(status__in=DONE) & Q(ended__gte=S) & Q(ended__lt=T)
    # early (W0), on time (W1), late (W2)
    done_pack = Case(
        When(done, then=Case(
            When(timeliness=Timeliness.EARLY, then=v(W0)),
            When(timeliness=Timeliness.ON_TIME, then=v(W1)),
            When(timeliness=Timeliness.LATE, then=v(W2)),
            When(due__isnull=True, then=v(W1)),
            When(ended__lte=F("due"), then=v(W1)),
            default=v(W2))),
        default=zero, output_field=BigIntegerField())
    # withdrawn (W0), supplement (W1), paused (W2)
    other_pack = Case(
        When(status__in=(DossierStatus.ACCEPTED, DossierStatus.PROCESSING, DossierStatus.PROCESSED,
                          DossierStatus.RETURNED, DossierStatus.REFUSED), then=zero),
        When(Q(status=DossierStatus.WITHDRAWN) & Q(ended__gte=S) & Q(ended__lt=T), then=v(W0)),
        When(Q(status=DossierStatus.SUPPLEMENT) & since, then=v(W1)),
        When(Q(status__in=PAUSED) & since, then=v(W2)),
        default=zero, output_field=BigIntegerField())
    # in progress at T: due within 24 h (W0), in time (W1), overdue (W2)
    open_pack = Case(
        When(status=DossierStatus.REFUSED, then=zero),
        When(Q(status__in=ENDED) & Q(ended__lt=T), then=zero),
        When(waiting, then=zero),
        When(due__isnull=True, then=v(W1)),
        When(due__lt=T, then=v(W2)),
        When(due__lt=T + dt.timedelta(hours=24), then=v(W0)),
        default=v(W1), output_field=BigIntegerField())
    # carried over (W0), received at the counter (W1), online (W2)
    origin_pack = Case(
        When(status=DossierStatus.REFUSED, then=zero),
        When(recv__lt=S, then=v(W0)),
        When(channel=Channel.COUNTER, then=v(W1)),
        When(channel=Channel.ONLINE, then=v(W2)),
        default=zero, output_field=BigIntegerField())
    return {"n": Count("pk"), "p_done": Sum(done_pack), "p_other": Sum(other_pack), "p_open": Sum(open_pack),
            "p_origin": Sum(origin_pack)}


def _unpack(total, mask=(1 << SHIFT) - 1) -> tuple[int, int, int]:
    total = int(total or 0)
    return total & mask, (total >> SHIFT) & mask, (total >> (2 * SHIFT)) & mask


def _packed(qs, keys: tuple[str, ...], period: Period) -> list[dict]:
    """Rows of `keys` + the figures, counted by packed sums (see above)."""
    rows = []
    for g in qs.values(*keys).annotate(**packed_sums(period)).order_by(*keys):
        if g["n"] >= 1 << SHIFT:
            return _grouped(qs, keys, period)
        values = dict.fromkeys(FIGURES, 0)
        values["done_early"], values["done_on_time"], values["done_late"] = _unpack(g["p_done"])
        values["withdrawn"], values["supplement"], values["paused"] = _unpack(g["p_other"])
        soon, in_time, values["in_progress_overdue"] = _unpack(g["p_open"])
        values["in_progress_on_time"] = soon + in_time
        values["due_soon"] = soon
        values["carried_over"], values["received_counter"], values["received_online"] = _unpack(g["p_origin"])
        counted = sum(values[f] for f in ("done_early", "done_on_time", "done_late", "withdrawn", "supplement",
                                          "paused", "in_progress_on_time", "in_progress_overdue"))
        values["refused"] = g["n"] - counted
        values["received_postal"] = counted - values["carried_over"] - values["received_counter"] \
            - values["received_online"]
        values["received"] = counted - values["carried_over"]
        values["total"] = counted
        rows.append({k: g[k] for k in keys} | values)
    return rows


def _grouped(qs, keys: tuple[str, ...], period: Period) -> list[dict]:
    """The same figures by grouping on the codes (a sort of the rows; used when packing could overflow)."""
    per_key: dict[tuple, dict] = {}
    for g in qs.annotate(**classify(period)).values(*keys, "origin", "bucket").annotate(n=Count("pk")).order_by():
        values = per_key.setdefault(tuple(g[k] for k in keys), dict.fromkeys(FIGURES, 0))
        add_counts(values, g["origin"], g["bucket"], g["n"])
    return [dict(zip(keys, key)) | values for key, values in per_key.items()]


def add_counts(values: dict, origin: int, bucket: int, n: int) -> None:
    """Add `n` dossiers of one (origin, bucket) to a figures dict."""
    if origin == CARRIED:
        values["carried_over"] += n
    elif origin in ORIGIN_FIGURE:
        values["received"] += n
        values[ORIGIN_FIGURE[origin]] += n
    values[BUCKET_FIGURE[bucket]] += n
    if bucket == DUE_SOON:
        values["due_soon"] += n


def _base(*, agency_ids: set[int] | None, version_ids: list[int] | None, department_id: int | None, period: Period):
    """Dossiers that can count in the period: received (or refused) before E and not ended before S."""
    qs = Dossier.objects.all()
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=sorted(agency_ids))
    if version_ids is not None:
        qs = qs.filter(procedure_version_id__in=version_ids)
    if department_id is not None:
        qs = qs.filter(Exists(DossierStep.objects.filter(dossier_id=OuterRef("pk"), department_id=department_id)))
    S, E = period.start, period.end
    qs = qs.alias(recv=received_at(), ended=ended_at(), due=Plain("due_at", output_field=DateTimeField()),
                  paused=Plain("paused_at", output_field=DateTimeField()),
                  refused_at=Coalesce("finished_at", "submitted_at", output_field=DateTimeField()))
    counted = ~Q(status__in=NOT_RECEIVED) & Q(recv__lt=E) & ~(Q(status__in=ENDED) & Q(ended__lt=S))
    refused = Q(status=DossierStatus.REFUSED) & Q(refused_at__gte=S) & Q(refused_at__lt=E)
    # No index helps a report over every agency (carried-over rows reach back before the period): one pass.
    return qs.filter(counted | refused)


# --- the report -------------------------------------------------------------------------------------------------

@dataclass
class StatsRow:
    key: str  # "p:<procedure id>", "a:<agency id>" or "total"
    name: str
    code: str = ""
    values: dict = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))

    def add(self, values: dict) -> None:
        for f in FIGURES:
            if f != "total":
                self.values[f] += values.get(f) or 0
        self.values["total"] = self.values["carried_over"] + self.values["received"]

    def __getattr__(self, name):
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def done(self) -> int:
        v = self.values
        return v["done_early"] + v["done_on_time"] + v["done_late"]

    @property
    def on_time_numerator(self) -> int:
        v = self.values
        return v["done_early"] + v["done_on_time"] + v["withdrawn"] + v["in_progress_on_time"] + v["supplement"]

    @property
    def on_time_rate(self) -> float | None:
        total = self.values["total"]
        return self.on_time_numerator / total if total else None

    @property
    def online_rate(self) -> float | None:
        received = self.values["received"]
        return self.values["received_online"] / received if received else None

    @property
    def on_time_rate_text(self) -> str:
        return percent(self.on_time_rate)

    @property
    def online_rate_text(self) -> str:
        return percent(self.online_rate)

    def as_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "code": self.code, **self.values,
                "done": self.done, "on_time_rate": self.on_time_rate, "online_rate": self.online_rate}


@dataclass
class StatsReport:
    period: Period
    agencies: list[Agency]  # the agencies counted
    procedure: Procedure | None
    department: Department | None
    by_procedure: list[StatsRow]
    by_agency: list[StatsRow]
    total: StatsRow


def percent(value: float | None) -> str:
    """0.875 → "87,5%"; None → "—" (nothing to divide)."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}".replace(".", ",").removesuffix(",0") + "%"


def resolve_scope(user, *, agency_id: int | None = None, procedure_id: int | None = None,
                  department_id: int | None = None):
    """(agency ids counted or None for every agency, the procedure, the department) after the visibility
    checks: an agency, procedure or department out of the user's sight is a NotFound (404), never a figure."""
    visible = stats_agency_ids(user)
    if not visible:
        raise NotFound("Bạn không có quyền xem thống kê hồ sơ một cửa.")
    if agency_id is not None:
        if agency_id not in visible:
            raise NotFound("Không tìm thấy cơ quan.")
        agency_ids = _subtree({agency_id}) & visible
    else:
        agency_ids = visible
    procedure = None
    if procedure_id is not None:
        procedure = Procedure.objects.filter(pk=procedure_id).first()
        if procedure is None:
            raise NotFound("Không tìm thấy thủ tục hành chính.")
    department = None
    if department_id is not None:
        department = Department.objects.filter(pk=department_id, agency_id__in=sorted(agency_ids)).first()
        if department is None:
            raise NotFound("Không tìm thấy phòng, ban.")
    everything = getattr(user, "is_superuser", False) and agency_id is None
    return (None if everything else agency_ids), agency_ids, procedure, department


def stats_report(*, user, date_from=None, date_to=None, agency_id: int | None = None,
                 procedure_id: int | None = None, department_id: int | None = None,
                 now: dt.datetime | None = None) -> StatsReport:
    """The period's figures for the agencies the user may see (or `agency_id` and the agencies below it),
    optionally one procedure (every version of it) and one department (dossiers with a step there):
    a table by procedure, a table by unit and the total, from one grouped query."""
    period = period_for(date_from, date_to, now=now)
    filter_ids, agency_ids, procedure, department = resolve_scope(
        user, agency_id=agency_id, procedure_id=procedure_id, department_id=department_id)
    version_ids = None
    if procedure is not None:
        version_ids = list(ProcedureVersion.objects.filter(procedure=procedure).values_list("pk", flat=True))
    qs = _base(agency_ids=filter_ids, version_ids=version_ids, department_id=department.pk if department else None,
               period=period)
    rows = _packed(qs, ("agency_id", "procedure_version_id"), period)
    return _assemble(period, agency_ids, procedure, department, rows)


def _assemble(period, agency_ids, procedure, department, grouped) -> StatsReport:
    version_proc = dict(ProcedureVersion.objects.filter(pk__in={g["procedure_version_id"] for g in grouped})
                        .values_list("pk", "procedure_id"))
    procedures = {p.pk: p for p in Procedure.objects.filter(pk__in=set(version_proc.values()))}
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=sorted(agency_ids))}
    by_proc: dict[int, StatsRow] = {}
    by_agency: dict[int, StatsRow] = {}
    total = StatsRow("total", "Tổng cộng")
    for g in grouped:
        proc_id = version_proc[g["procedure_version_id"]]
        if proc_id not in by_proc:
            p = procedures[proc_id]
            by_proc[proc_id] = StatsRow(f"p:{proc_id}", p.name, p.local_code)
        by_proc[proc_id].add(g)
        a_id = g["agency_id"]
        if a_id not in by_agency:
            a = agencies.get(a_id)
            by_agency[a_id] = StatsRow(f"a:{a_id}", a.name if a else f"#{a_id}", a.identifier if a else "")
        by_agency[a_id].add(g)
        total.add(g)
    rows_p = sorted(by_proc.values(), key=lambda r: vi_sort_key(r.name))
    rows_a = sorted(by_agency.values(), key=lambda r: vi_sort_key(r.name))
    return StatsReport(period=period, agencies=sorted(agencies.values(), key=lambda a: vi_sort_key(a.name)),
                       procedure=procedure, department=department, by_procedure=rows_p, by_agency=rows_a,
                       total=total)


# --- per department: the steps (control slip) -------------------------------------------------------------

STEP_FIGURES = ("carried_over", "received", "done_early", "done_on_time", "done_late", "in_progress_on_time",
                "in_progress_overdue")
STEP_LABELS = {
    "carried_over": "Kỳ trước chuyển sang", "received": "Nhận trong kỳ", "done_early": "Chuyển trước hạn",
    "done_on_time": "Chuyển đúng hạn", "done_late": "Chuyển quá hạn", "in_progress_on_time": "Đang xử lý trong hạn",
    "in_progress_overdue": "Đang xử lý quá hạn",
}
STEP_FORMULAS = {
    "carried_over": "Bước xử lý nhận trước ngày đầu kỳ, chưa chuyển đi trước ngày đầu kỳ",
    "received": "Bước xử lý nhận trong kỳ",
    "done_early": "Chuyển bước trong kỳ, trước hạn của bước",
    "done_on_time": "Chuyển bước trong kỳ, đúng hạn của bước (hoặc bước không có hạn)",
    "done_late": "Chuyển bước trong kỳ, sau hạn của bước",
    "in_progress_on_time": "Chưa chuyển đi tại thời điểm cuối kỳ, hạn của bước từ thời điểm cuối kỳ trở đi",
    "in_progress_overdue": "Chưa chuyển đi tại thời điểm cuối kỳ, hạn của bước trước thời điểm cuối kỳ",
}


@dataclass
class StepRow:
    key: str
    name: str
    agency: str
    values: dict

    def __getattr__(self, name):
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)


def department_stats(*, user, date_from=None, date_to=None, agency_id: int | None = None,
                     now: dt.datetime | None = None) -> list[StepRow]:
    """Per department (phòng, ban) of the agencies in view: the processing steps it held in the period —
    from the control slip rows (DossierStep), one grouped query. Steps without a department are the counter's
    or the leader's and are left out."""
    period = period_for(date_from, date_to, now=now)
    filter_ids, agency_ids, _, _ = resolve_scope(user, agency_id=agency_id)
    S, E, T = period.start, period.end, period.as_of
    qs = DossierStep.objects.filter(department__isnull=False, started_at__lt=E).exclude(finished_at__lt=S)
    if filter_ids is not None:
        qs = qs.filter(agency_id__in=sorted(filter_ids))
    finished = Q(finished_at__gte=S, finished_at__lt=T)
    unrecorded = ~Q(timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE])
    open_at_t = Q(finished_at__isnull=True) | Q(finished_at__gte=T)
    figures = {
        "carried_over": Count("pk", filter=Q(started_at__lt=S)),
        "received": Count("pk", filter=Q(started_at__gte=S)),
        "done_early": Count("pk", filter=finished & Q(timeliness=Timeliness.EARLY)),
        "done_on_time": Count("pk", filter=finished & (Q(timeliness=Timeliness.ON_TIME) | (unrecorded & (
            Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at")))))),
        "done_late": Count("pk", filter=finished & (Q(timeliness=Timeliness.LATE) | (unrecorded & Q(
            due_at__isnull=False, finished_at__gt=F("due_at"))))),
        "in_progress_on_time": Count("pk", filter=open_at_t & (Q(due_at__isnull=True) | Q(due_at__gte=T))),
        "in_progress_overdue": Count("pk", filter=open_at_t & Q(due_at__lt=T)),
    }
    grouped = list(qs.values("department_id").annotate(**figures).order_by())
    depts = {d.pk: d for d in Department.objects.select_related("agency").filter(
        pk__in=[g["department_id"] for g in grouped])}
    rows = []
    for g in grouped:
        d = depts[g.pop("department_id")]
        rows.append(StepRow(f"d:{d.pk}", d.name, d.agency.name, g))
    rows.sort(key=lambda r: (vi_sort_key(r.agency), vi_sort_key(r.name)))
    return rows



# --- XLSX -----------------------------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_FIGURES = ("carried_over", "received", "received_counter", "received_online", "received_postal", "total",
                 "done_early", "done_on_time", "done_late", "withdrawn", "in_progress_on_time",
                 "in_progress_overdue", "due_soon", "supplement", "paused", "refused")


def _sheet(wb, title: str, heading: list[str], header: list[str], rows: list[list], notes: list[tuple[str, str]]):
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    last = get_column_letter(len(header))
    for i, line in enumerate(heading, start=1):
        ws.append([line])
        ws.merge_cells(f"A{i}:{last}{i}")
        ws[f"A{i}"].alignment = Alignment(horizontal="center")
        ws[f"A{i}"].font = Font(bold=True, size=13 if i == 2 else 11, italic=i > 2)
    ws.append([])
    ws.append(header)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.border = box
    ws.append([])
    ws.append(["Cách tính"])
    ws[f"A{ws.max_row}"].font = Font(bold=True)
    for label, formula in notes:
        ws.append([label, formula])
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 44
    for col in range(3, len(header) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 13
    return ws


def _stats_rows(rows: list[StatsRow], total: StatsRow) -> list[list]:
    out = []
    for i, r in enumerate(rows, start=1):
        out.append([i, r.name, r.code] + [r.values[f] for f in TABLE_FIGURES]
                   + [percent(r.on_time_rate), percent(r.online_rate)])
    out.append(["", total.name, ""] + [total.values[f] for f in TABLE_FIGURES]
               + [percent(total.on_time_rate), percent(total.online_rate)])
    return out


def stats_xlsx(report: StatsReport) -> bytes:
    """The report as an Excel workbook: a sheet by procedure and a sheet by unit, each with the formulas."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    as_of = timezone.localtime(report.period.as_of)
    heading_base = [
        ", ".join(a.name for a in report.agencies[:3]).upper() + (" …" if len(report.agencies) > 3 else ""),
        "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        f"Kỳ báo cáo {report.period.label}; số liệu tính đến {as_of:%H:%M ngày %d/%m/%Y}"
        + (f"; thủ tục: {report.procedure.name}" if report.procedure else "")
        + (f"; phòng, ban: {report.department.name}" if report.department else ""),
    ]
    figures_header = [LABELS[f] for f in TABLE_FIGURES] + [LABELS["on_time_rate"], LABELS["online_rate"]]
    notes = [(LABELS[f], FORMULAS[f]) for f in TABLE_FIGURES + ("on_time_rate", "online_rate")]
    notes.append(("", PERIOD_NOTE))
    _sheet(wb, "Theo thủ tục", heading_base, ["STT", "Thủ tục hành chính", "Mã TTHC"] + figures_header,
           _stats_rows(report.by_procedure, report.total), notes)
    _sheet(wb, "Theo đơn vị", heading_base, ["STT", "Cơ quan, đơn vị", "Mã định danh"] + figures_header,
           _stats_rows(report.by_agency, report.total), notes)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def stats_filename(report: StatsReport) -> str:
    return f"thong-ke-mot-cua-{report.period.date_from:%Y%m%d}-{report.period.date_to:%Y%m%d}.xlsx"
