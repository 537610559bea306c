"""The monthly task report (báo cáo kết quả thực hiện nhiệm vụ được giao): per official or per unit.

What is counted is the task's assignment rows that owe work — chủ trì and phối hợp (để biết owes
nothing); a row cancelled or declined is work withdrawn and never counted. For month M = [S, E) in
local time, the figures are read as of T = E for a past month and T = now for the current one:

- **assigned** (được giao): rows created before T and not finished before S — work carried over from
  earlier months plus work given during M; `new` (giao mới) is the part created in M;
- **done on time** (hoàn thành đúng hạn): handed in (status submitted or accepted) before T, and handed in
  at or before the deadline (or without a deadline);
- **done late** (hoàn thành quá hạn): handed in before T, after the deadline;
- **overdue** (chưa hoàn thành, quá hạn): not handed in by T and the deadline is before T;
- **in progress** (đang thực hiện, trong hạn): not handed in by T, deadline at or after T (or none).

The four last figures split `assigned` exactly. "Handed in" is `submitted_at` (the moment the assignee
reported completion; a result sent back clears it, so a result returned and handed in again counts at its
last hand-in). Per official: rows assigned to the official, re-assigned rows included. Per unit: top-level
rows, those given to the unit and those given directly to an official of the unit (by the official's
department). See docs/decisions/0008-schedule-and-tasks.md.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.core.folding import vi_sort_key
from congvu.org.models import Agency, Department, Membership, Official, Role
from congvu.org.selectors import official_for_user, user_access
from congvu.workflow import rules
from congvu.workflow.models import Assignment, AssignmentRole, AssignmentStatus
from congvu.workflow.task_selectors import month_bounds

BY_OFFICIAL = "official"
BY_UNIT = "unit"
FIGURES = ("assigned", "new", "on_time", "late", "overdue", "in_progress")
FIGURE_LABELS = {
    "assigned": "Được giao", "new": "Trong đó giao mới", "on_time": "Hoàn thành đúng hạn",
    "late": "Hoàn thành quá hạn", "overdue": "Chưa hoàn thành, quá hạn", "in_progress": "Đang thực hiện trong hạn",
}
NO_UNIT = "Không thuộc phòng, ban"
HANDED_IN = (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED)
WITHDRAWN = (AssignmentStatus.CANCELLED, AssignmentStatus.DECLINED)


@dataclass
class ReportRow:
    key: str  # "o:<official id>", "d:<department id>" or "none"
    name: str
    unit: str = ""
    assigned: int = 0
    new: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    in_progress: int = 0

    def add(self, values: dict) -> None:
        for f in FIGURES:
            setattr(self, f, getattr(self, f) + (values.get(f) or 0))

    @property
    def figures(self) -> list[int]:
        return [getattr(self, f) for f in FIGURES]

    @property
    def done(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> str:
        """Share of the work handed in that was on time, as printed ("87,5%"); "—" when nothing was done."""
        if not self.done:
            return "—"
        return f"{self.on_time * 100 / self.done:.1f}".replace(".", ",").replace(",0", "") + "%"


@dataclass
class MonthlyReport:
    agency: Agency
    month: str  # "2026-11"
    by: str
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    rows: list[ReportRow]
    total: ReportRow = field(default_factory=lambda: ReportRow("total", "Tổng cộng"))
    limited_to_units: bool = False  # a unit head's report: their units only

    @property
    def month_label(self) -> str:
        return f"{self.start:%m/%Y}"

    @property
    def by_label(self) -> str:
        return "theo cán bộ" if self.by == BY_OFFICIAL else "theo phòng, ban"

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()


def _figures(start: dt.datetime, as_of: dt.datetime) -> dict:
    done = Q(status__in=list(HANDED_IN), submitted_at__lt=as_of)
    # Written without negating `done`: submitted_at is nullable and a negated lookup on it is easy to get wrong.
    not_done = ~Q(status__in=list(HANDED_IN)) | Q(submitted_at__isnull=True) | Q(submitted_at__gte=as_of)
    return {
        "assigned": Count("pk"),
        "new": Count("pk", filter=Q(created_at__gte=start)),
        "on_time": Count("pk", filter=done & (Q(due_at__isnull=True) | Q(submitted_at__lte=F("due_at")))),
        "late": Count("pk", filter=done & Q(due_at__isnull=False, submitted_at__gt=F("due_at"))),
        "overdue": Count("pk", filter=not_done & Q(due_at__isnull=False, due_at__lt=as_of)),
        "in_progress": Count("pk", filter=not_done & (Q(due_at__isnull=True) | Q(due_at__gte=as_of))),
    }


def _population(agency_id: int, start: dt.datetime, as_of: dt.datetime):
    finished_before = Q(status__in=list(HANDED_IN), submitted_at__isnull=False, submitted_at__lt=start)
    return (Assignment.objects.filter(task__agency_id=agency_id, task__isnull=False,
                                      role__in=[AssignmentRole.LEAD, AssignmentRole.COORDINATE],
                                      created_at__lt=as_of)
            .exclude(status__in=list(WITHDRAWN)).exclude(finished_before))


def report_scope(user, agency_id: int) -> set[int] | None:
    """None: the whole agency (leaders, agency admins); else the ids of the units a unit head heads.
    Raises PermissionDenied for anybody else."""
    access = user_access(user).get(agency_id)
    if access is None:
        raise PermissionDenied("Bạn không công tác tại cơ quan này.")
    if access.roles & {Role.LEADER, Role.AGENCY_ADMIN}:
        return None
    heads = rules.headed_department_ids(official_for_user(user), agency_id)
    if not heads:
        raise PermissionDenied("Chỉ lãnh đạo cơ quan, lãnh đạo đơn vị và quản trị cơ quan xem báo cáo giao việc.")
    return heads


def _unit_of_officials(agency_id: int) -> dict[int, int]:
    """Official id → the department of their active position in the agency (the first one, by id)."""
    out: dict[int, int] = {}
    for official_id, dept_id in (Membership.objects.filter(agency_id=agency_id, active=True, department__isnull=False)
                                 .order_by("pk").values_list("official_id", "department_id")):
        out.setdefault(official_id, dept_id)
    return out


def task_monthly_report(*, user, agency_id: int, month: str, by: str = BY_UNIT,
                        now: dt.datetime | None = None) -> MonthlyReport:
    """The report of one agency for `month` ("2026-11"), `by` official or unit (see the module docstring).

    Leaders and agency admins see the whole agency, a unit head their units (per official: the officials of
    those units). Every active official or unit is listed, with zeros where nothing was assigned."""
    if by not in (BY_OFFICIAL, BY_UNIT):
        raise ValidationFailed("Chọn báo cáo theo cán bộ hoặc theo phòng, ban.",
                               fields={"by": "Giá trị là official hoặc unit."})
    scope = report_scope(user, agency_id)
    start, end = month_bounds(month)
    now = now or timezone.now()
    if start > now:
        raise ValidationFailed(f"Tháng {start:%m/%Y} chưa bắt đầu.", fields={"month": "Chọn tháng này hoặc trước đó."})
    as_of = min(end, now)
    agency = Agency.objects.get(pk=agency_id)
    base = _population(agency_id, start, as_of)
    figures = _figures(start, as_of)
    units = _unit_of_officials(agency_id)
    departments = {d.pk: d for d in Department.objects.filter(agency_id=agency_id)}

    if by == BY_OFFICIAL:
        counted = {r.pop("assignee_official_id"): r for r in base.filter(assignee_official__isnull=False)
                   .values("assignee_official_id").annotate(**figures).order_by()}
        active = set(Membership.objects.filter(agency_id=agency_id, active=True).values_list("official_id", flat=True))
        ids = active | set(counted)
        if scope is not None:
            ids = {i for i in ids if units.get(i) in scope}
        officials = Official.objects.filter(pk__in=ids)
        rows = []
        for o in officials:
            dept = departments.get(units.get(o.pk))
            row = ReportRow(f"o:{o.pk}", o.full_name, dept.name if dept else NO_UNIT)
            row.add(counted.get(o.pk, {}))
            rows.append(row)
        rows.sort(key=lambda r: (r.unit == NO_UNIT, vi_sort_key(r.unit), vi_sort_key(r.name)))
    else:
        by_dept: dict[int | None, ReportRow] = {}
        for values in (base.filter(parent__isnull=True).values("assignee_department_id", "assignee_official_id")
                       .annotate(**figures).order_by()):
            dept_id = values.pop("assignee_department_id") or units.get(values.pop("assignee_official_id"))
            if dept_id not in by_dept:
                d = departments.get(dept_id)
                by_dept[dept_id] = ReportRow(f"d:{dept_id}" if d else "none", d.name if d else NO_UNIT)
            by_dept[dept_id].add(values)
        for d in departments.values():
            if d.active and d.pk not in by_dept:
                by_dept[d.pk] = ReportRow(f"d:{d.pk}", d.name)
        rows = [r for k, r in by_dept.items() if scope is None or k in scope]
        rows.sort(key=lambda r: (r.key == "none", vi_sort_key(r.name)))
    report = MonthlyReport(agency=agency, month=f"{start:%Y-%m}", by=by, start=start, end=end, as_of=as_of,
                           rows=rows, limited_to_units=scope is not None)
    for r in rows:
        report.total.add({f: getattr(r, f) for f in FIGURES})
    return report


# --- XLSX ---------------------------------------------------------------------------------------

def report_xlsx(report: MonthlyReport) -> bytes:
    """The report as an Excel workbook: title, the period, one row per official or unit, the total."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = f"Tháng {report.start:%m-%Y}"
    by_official = report.by == BY_OFFICIAL
    headers = ["STT", "Cán bộ" if by_official else "Phòng, ban"] + (["Phòng, ban"] if by_official else []) + \
        [FIGURE_LABELS[f] for f in FIGURES] + ["Tỷ lệ đúng hạn"]
    width = len(headers)
    last = get_column_letter(width)
    ws.append([report.agency.name.upper()])
    ws.append([f"BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO THÁNG {report.start:%m/%Y} ({report.by_label.upper()})"])
    as_of = timezone.localtime(report.as_of)
    ws.append([f"Từ ngày {report.start:%d/%m/%Y} đến ngày {report.last_day:%d/%m/%Y}; số liệu tính đến "
               f"{as_of:%H:%M ngày %d/%m/%Y}"])
    for r in (1, 2, 3):
        ws.merge_cells(f"A{r}:{last}{r}")
        ws[f"A{r}"].alignment = Alignment(horizontal="center")
    ws["A1"].font = Font(bold=True)
    ws["A2"].font = Font(bold=True, size=13)
    ws["A3"].font = Font(italic=True)
    ws.append([])
    ws.append(headers)
    header_row = ws.max_row
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    for i, row in enumerate(report.rows, start=1):
        ws.append([i, row.name] + ([row.unit] if by_official else []) + row.figures + [row.on_time_rate])
    ws.append(["", report.total.name] + ([""] if by_official else []) + report.total.figures
              + [report.total.on_time_rate])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row):
        for cell in row:
            cell.border = box
    widths = [6, 32] + ([28] if by_official else []) + [12] * len(FIGURES) + [12]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.row_dimensions[header_row].height = 45
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_filename(report: MonthlyReport) -> str:
    kind = "can-bo" if report.by == BY_OFFICIAL else "phong-ban"
    return f"bao-cao-giao-viec-{report.month}-{kind}.xlsx"
