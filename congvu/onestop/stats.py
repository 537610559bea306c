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

from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q
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

def received_at():
    return Coalesce("accepted_at", "submitted_at", output_field=DateTimeField())


def ended_at():
    return Coalesce("processed_at", "finished_at", output_field=DateTimeField())


def figures_for(period: Period) -> dict:
    """The conditional counts of one period, over a queryset aliased with `recv` and `ended` (see _base)."""
    S, E, T = period.start, period.end, period.as_of
    received = ~Q(status__in=NOT_RECEIVED)
    ended_before_s = Q(status__in=ENDED, ended__lt=S)
    in_total = received & Q(recv__lt=E) & ~ended_before_s
    # Not ended before T, written positively: `ended` is nullable and a negated lookup on it is easy to get wrong.
    open_at_t = in_total & (~Q(status__in=ENDED) | Q(ended__isnull=True) | Q(ended__gte=T))
    waiting_at_t = Q(status__in=WAITING) & (Q(paused_at__isnull=True) | Q(paused_at__lt=T))
    in_progress = open_at_t & ~waiting_at_t
    done = received & Q(status__in=DONE, ended__gte=S, ended__lt=T)
    unrecorded = ~Q(timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE])
    new = received & Q(recv__gte=S, recv__lt=E)
    return {
        "carried_over": Count("pk", filter=received & Q(recv__lt=S) & ~ended_before_s),
        "received": Count("pk", filter=new),
        "received_counter": Count("pk", filter=new & Q(channel=Channel.COUNTER)),
        "received_online": Count("pk", filter=new & Q(channel=Channel.ONLINE)),
        "received_postal": Count("pk", filter=new & Q(channel=Channel.POSTAL)),
        "done_early": Count("pk", filter=done & Q(timeliness=Timeliness.EARLY)),
        "done_on_time": Count("pk", filter=done & (
            Q(timeliness=Timeliness.ON_TIME)
            | (unrecorded & (Q(due_at__isnull=True) | Q(ended__lte=F("due_at"))))
        )),
        "done_late": Count("pk", filter=done & (
            Q(timeliness=Timeliness.LATE) | (unrecorded & Q(due_at__isnull=False, ended__gt=F("due_at"))))),
        "withdrawn": Count("pk", filter=received & Q(status=DossierStatus.WITHDRAWN, ended__gte=S, ended__lt=T)),
        "in_progress_on_time": Count("pk", filter=in_progress & (Q(due_at__isnull=True) | Q(due_at__gte=T))),
        "in_progress_overdue": Count("pk", filter=in_progress & Q(due_at__lt=T)),
        "due_soon": Count("pk", filter=in_progress & Q(due_at__gte=T, due_at__lt=T + dt.timedelta(hours=24))),
        "supplement": Count("pk", filter=open_at_t & waiting_at_t & Q(status=DossierStatus.SUPPLEMENT)),
        "paused": Count("pk", filter=open_at_t & waiting_at_t & Q(status__in=PAUSED)),
        "refused": Count("pk", filter=Q(status=DossierStatus.REFUSED) & Q(refused_at__gte=S, refused_at__lt=E)),
    }


def _base(*, agency_ids: set[int] | None, version_ids: list[int] | None, department_id: int | None, period: Period):
    """Dossiers that can count in the period: received (or refused) before E and not ended before S."""
    qs = Dossier.objects.all()
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=sorted(agency_ids))
    if version_ids is not None:
        qs = qs.filter(procedure_version_id__in=version_ids)
    if department_id is not None:
        qs = qs.filter(Exists(DossierStep.objects.filter(dossier_id=OuterRef("pk"), department_id=department_id)))
    qs = qs.alias(recv=received_at(), ended=ended_at(),
                  refused_at=Coalesce("finished_at", "submitted_at", output_field=DateTimeField()))
    return qs.filter(submitted_at__lt=period.end).exclude(status__in=ENDED, ended__lt=period.start)


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
    grouped = list(qs.values("agency_id", "procedure_version_id").annotate(**figures_for(period)).order_by())
    return _assemble(period, agency_ids, procedure, department, grouped)


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

