"""The staffing report (báo cáo biên chế): per agency and date, quota, in post and surplus or vacancy by
category, with totals — for one agency, a list of agencies or a whole province.

Quotas follow `services.quota_for` exactly (a decision for the agency, else for its unit, else the norm in
force for the unit's type and class on that date), but are computed for all agencies at once: a fixed number of
queries whatever the number of agencies (decisions, unit links, classes, norms, in-post counts). Only a unit
with neither a classification decision nor a recorded class nor a classified predecessor one level back falls
back to `services.unit_class_on` (a rare case: a merged unit of a merged unit, not yet classified).

Which agencies are "in a province" on a date (`province_agencies`): the agencies active on that date that are
linked through `UnitAgency` (link and unit in force on that date) to the province unit itself, to a unit whose
parent is the province (district, or commune after 07/2025) or to a unit whose grandparent is the province
(commune under a district before 07/2025); plus the agencies whose `province_code` is the code (agencies not
linked to any unit yet). Codes are those of the date: pre-2025 Quảng Nam is 49, today's Đà Nẵng 48.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Q

from congvu.core.errors import ValidationFailed
from congvu.core.folding import vi_sort_key
from congvu.org.models import Agency
from congvu.staffing import services
from congvu.staffing.models import (
    PROVINCE_LEVEL,
    AdministrativeUnit,
    ClassificationDecision,
    NormUnitType,
    QuotaDecision,
    StaffCategory,
    StaffingNorm,
    StaffPosting,
    UnitAgency,
    UnitSuccession,
    UnitType,
)

CATEGORIES = (StaffCategory.CADRE_CIVIL, StaffCategory.PART_TIME)
_PROVINCE_CODE = re.compile(r"[0-9A-Za-z]{1,10}")


def province_code(value) -> str:
    """A province code typed in a filter (`?province=`): "" when empty, else 1–10 ASCII letters or digits;
    anything else (control characters, punctuation, too long) raises ValidationFailed."""
    text = str(value or "").strip()
    if text and not _PROVINCE_CODE.fullmatch(text):
        raise ValidationFailed("Mã tỉnh không hợp lệ.", fields={"province": "Mã tỉnh gồm 1–10 chữ cái hoặc chữ số."})
    return text


@dataclass
class ReportLine:
    agency: Agency
    unit: AdministrativeUnit | None
    category: str
    quota: int | None
    quota_basis: str
    in_post: int
    surplus: int | None  # in_post − quota: positive = dôi dư, negative = thiếu; None without a quota
    unit_class: str = ""  # the unit's class on the report date, when the quota comes from a unit

    @property
    def excess(self) -> int:
        return max(self.surplus, 0) if self.surplus is not None else 0

    @property
    def vacancy(self) -> int:
        return max(-self.surplus, 0) if self.surplus is not None else 0

    @property
    def category_label(self) -> str:
        return StaffCategory(self.category).label


@dataclass
class CategoryTotal:
    category: str
    quota: int = 0  # sum over the agencies that have a quota
    in_post: int = 0  # everyone in post, with or without a quota
    in_post_with_quota: int = 0
    excess: int = 0  # sum of the surpluses (dôi dư) of agencies over quota
    vacancy: int = 0  # sum of the vacancies (còn thiếu) of agencies under quota
    without_quota: int = 0  # agencies whose quota is not known

    @property
    def surplus(self) -> int:
        """Net: in post − quota over the agencies with a quota."""
        return self.in_post_with_quota - self.quota

    @property
    def category_label(self) -> str:
        return StaffCategory(self.category).label


@dataclass
class AgencyRow:
    agency: Agency
    unit: AdministrativeUnit | None
    lines: dict[str, ReportLine]

    @property
    def unit_label(self) -> str:
        """"Xã Ninh Phước (loại II)"; "" without a unit."""
        if self.unit is None:
            return ""
        cls = self.cadre.unit_class or self.part_time.unit_class
        return f"{self.unit.name} ({services._cls(cls)})" if cls else self.unit.name

    @property
    def cadre(self) -> ReportLine:
        return self.lines[StaffCategory.CADRE_CIVIL]

    @property
    def part_time(self) -> ReportLine:
        return self.lines[StaffCategory.PART_TIME]


@dataclass
class StaffingReport:
    on: dt.date
    lines: list[ReportLine] = field(default_factory=list)
    totals: dict[str, CategoryTotal] = field(default_factory=dict)
    rows: list[AgencyRow] = field(default_factory=list)

    @property
    def without_quota(self) -> list[ReportLine]:
        """Lines whose quota is unknown, with the reason in `quota_basis`."""
        return [line for line in self.lines if line.quota is None]

    def line(self, agency: Agency | int, category: str = StaffCategory.CADRE_CIVIL) -> ReportLine:
        pk = agency if isinstance(agency, int) else agency.pk
        return next(row.lines[category] for row in self.rows if row.agency.pk == pk)


def _covering(day: dt.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day}))


def _decision_text(decision: QuotaDecision) -> str:
    return f"Theo quyết định {decision.decision_number} ngày {services._vn(decision.decision_date)}."


def _classes_on(units: list[AdministrativeUnit], day: dt.date) -> dict[int, str]:
    """`services.unit_class_on` for many units in a fixed number of queries."""
    classes: dict[int, str] = {}
    for unit_id, unit_class in (ClassificationDecision.objects.filter(unit__in=units, effective_from__lte=day)
                                .order_by("unit_id", "effective_from").values_list("unit_id", "unit_class")):
        classes[unit_id] = unit_class  # the latest wins
    pending = []
    for unit in units:
        if unit.pk not in classes:
            if unit.unit_class:
                classes[unit.pk] = unit.unit_class
            else:
                pending.append(unit)
    if not pending:
        return classes
    links = list(UnitSuccession.objects.filter(successor__in=pending).select_related("predecessor"))
    decisions = {}
    for d in (ClassificationDecision.objects.filter(unit__in={link.predecessor_id for link in links})
              .order_by("unit_id", "effective_from")):
        decisions.setdefault(d.unit_id, []).append(d)
    for unit in pending:
        found, deeper = [], False
        for link in (x for x in links if x.successor_id == unit.pk):
            before = link.effective_date - dt.timedelta(days=1)
            in_force = [d.unit_class for d in decisions.get(link.predecessor_id, []) if d.effective_from <= before]
            cls = in_force[-1] if in_force else link.predecessor.unit_class
            if cls:
                found.append(cls)
            else:
                deeper = True
        if deeper:  # a predecessor that itself needs its predecessors: rare, do it the slow, exact way
            classes[unit.pk] = services.unit_class_on(unit, day)
        else:
            classes[unit.pk] = min(found, key=lambda c: services.CLASS_ORDER[c]) if found else ""
    return classes


def quotas_for(agencies: list[Agency], *, on: dt.date) -> dict[tuple[int, str], services.Quota]:
    """`services.quota_for(agency, on=on, category=c)` for every agency and category, in bulk."""
    ids = [a.pk for a in agencies]
    agency_decisions: dict[tuple[int, str], QuotaDecision] = {}
    for d in (QuotaDecision.objects.filter(_covering(on), agency_id__in=ids, valid_from__lte=on)
              .order_by("valid_from", "pk")):
        agency_decisions[(d.agency_id, d.category)] = d
    unit_by_agency: dict[int, AdministrativeUnit] = {}
    for link in (UnitAgency.objects.filter(_covering(on), _covering(on, "unit__"), agency_id__in=ids)
                 .select_related("unit").order_by("pk")):
        unit_by_agency.setdefault(link.agency_id, link.unit)
    units = list({u.pk: u for u in unit_by_agency.values()}.values())
    unit_decisions: dict[tuple[int, str], QuotaDecision] = {}
    for d in (QuotaDecision.objects.filter(_covering(on), unit__in=units, valid_from__lte=on)
              .order_by("valid_from", "pk")):
        unit_decisions[(d.unit_id, d.category)] = d
    classes = _classes_on(units, on)
    norms: dict[tuple[str, str, str], StaffingNorm] = {}
    for n in StaffingNorm.objects.filter(_covering(on), valid_from__lte=on).order_by("valid_from"):
        norms[(n.unit_type, n.unit_class, n.category)] = n  # the latest start wins, as in quota_for

    result: dict[tuple[int, str], services.Quota] = {}
    for agency in agencies:
        unit = unit_by_agency.get(agency.pk)
        for category in CATEGORIES:
            decision = agency_decisions.get((agency.pk, category))
            if decision is not None:
                # unlike quota_for, the unit is kept (the report shows it) even though the decision decides
                result[(agency.pk, category)] = services.Quota(decision.quota, "decision", _decision_text(decision),
                                                               unit=unit, decision=decision)
                continue
            if unit is None:
                result[(agency.pk, category)] = services.Quota(
                    None, "none", f"{agency.name} chưa gắn với đơn vị hành chính nào vào ngày {services._vn(on)} "
                    "và chưa có quyết định giao biên chế.")
                continue
            result[(agency.pk, category)] = _unit_quota(unit, category, on, unit_decisions, classes, norms)
    return result


def _unit_quota(unit, category, on, unit_decisions, classes, norms) -> services.Quota:
    decision = unit_decisions.get((unit.pk, category))
    if decision is not None:
        return services.Quota(decision.quota, "decision", _decision_text(decision), unit=unit, decision=decision)
    unit_class = classes.get(unit.pk, "")
    if unit.unit_type in (UnitType.COMMUNE, UnitType.TOWNSHIP):
        types = [NormUnitType.COMMUNE, NormUnitType.ANY_COMMUNE]
    elif unit.unit_type == UnitType.WARD:
        types = [NormUnitType.WARD, NormUnitType.ANY_COMMUNE]
    else:
        types = []
    if not unit_class or not types:
        why = "chưa được phân loại" if not unit_class else "không có định mức theo loại đơn vị"
        return services.Quota(None, "none", f"{unit.name} {why} vào ngày {services._vn(on)}; cần quyết định giao "
                              "biên chế.", unit=unit, unit_class=unit_class)
    candidates = [norms[k] for k in ((t, unit_class, category) for t in types) if k in norms]
    if not candidates:
        return services.Quota(None, "none", f"Không có định mức nào có hiệu lực ngày {services._vn(on)} cho "
                              f"{unit.name} ({services._cls(unit_class)}); cần quyết định giao biên chế.",
                              unit=unit, unit_class=unit_class)
    norm = max(candidates, key=lambda n: n.valid_from)
    return services.Quota(norm.quota, "norm", f"Theo {norm.rule_set} ({services._cls(unit_class)}).", unit=unit,
                          unit_class=unit_class, norm=norm)


def in_post_counts(agency_ids, on: dt.date) -> dict[tuple[int, str], int]:
    rows = (StaffPosting.objects.filter(agency_id__in=list(agency_ids), valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .values("agency_id", "category").annotate(n=Count("pk")).order_by())
    return {(r["agency_id"], r["category"]): r["n"] for r in rows}


def staffing_report(*, agencies, on: dt.date) -> StaffingReport:
    """Quota, in post and surplus (+) or vacancy (−) by category for each agency on `on`, with totals."""
    agencies = sorted({a.pk: a for a in agencies}.values(), key=lambda a: (vi_sort_key(a.name), a.pk))
    quotas = quotas_for(agencies, on=on)
    counts = in_post_counts([a.pk for a in agencies], on)
    report = StaffingReport(on=on, totals={c: CategoryTotal(category=c) for c in CATEGORIES})
    for agency in agencies:
        lines = {}
        unit = None
        for category in CATEGORIES:
            q = quotas[(agency.pk, category)]
            unit = unit or q.unit
            n = counts.get((agency.pk, category), 0)
            line = ReportLine(agency=agency, unit=q.unit, category=category, quota=q.quota,
                              quota_basis=q.explanation, in_post=n,
                              surplus=n - q.quota if q.quota is not None else None, unit_class=q.unit_class)
            lines[category] = line
            report.lines.append(line)
            total = report.totals[category]
            total.in_post += n
            if q.quota is None:
                total.without_quota += 1
            else:
                total.quota += q.quota
                total.in_post_with_quota += n
                total.excess += line.excess
                total.vacancy += line.vacancy
        report.rows.append(AgencyRow(agency=agency, unit=unit, lines=lines))
    return report


def _active_on(day: dt.date) -> Q:
    return (Q(active_from__isnull=True) | Q(active_from__lte=day)) & (Q(active_to__isnull=True)
                                                                      | Q(active_to__gte=day))


def province_agencies(province_code: str, on: dt.date) -> list[Agency]:
    """Agencies in the province with this code on `on` (see the module docstring for the rule), in Vietnamese
    alphabetical order."""
    province_level = list(PROVINCE_LEVEL)
    linked = (UnitAgency.objects.filter(_covering(on), _covering(on, "unit__"))
              .filter(Q(unit__code=province_code, unit__unit_type__in=province_level)
                      | Q(unit__parent__code=province_code, unit__parent__unit_type__in=province_level)
                      | Q(unit__parent__parent__code=province_code,
                          unit__parent__parent__unit_type__in=province_level))
              .values("agency_id"))
    found = Agency.objects.filter(_active_on(on)).filter(Q(pk__in=linked) | Q(province_code=province_code))
    return sorted(found, key=lambda a: (vi_sort_key(a.name), a.pk))


def can_view_province_report(user, province_code: str) -> bool:
    """System admins, and the agency admin of a UBND tỉnh whose province_code is `province_code`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or province_code in services._admin_provinces(user)


def vacancies(*, province_code: str, on: dt.date,
              category: str = StaffCategory.CADRE_CIVIL) -> list[tuple[Agency, int]]:
    """Agencies of the province with fewer people in post than their quota on `on`, biggest vacancy first."""
    report = staffing_report(agencies=province_agencies(province_code, on), on=on)
    found = [(line.agency, line.vacancy) for line in report.lines if line.category == category and line.vacancy > 0]
    return sorted(found, key=lambda pair: (-pair[1], vi_sort_key(pair[0].name), pair[0].pk))


def surplus_of(agency: Agency, *, on: dt.date, category: str = StaffCategory.CADRE_CIVIL) -> int | None:
    """In post − quota on `on` (positive = dôi dư); None when the quota is not known."""
    return staffing_report(agencies=[agency], on=on).line(agency, category).surplus


# --- presentation: numbers as Vietnamese write them, and the XLSX workbook ---------------------------------

def vn_int(value: int | None) -> str:
    """12345 → "12.345"; None → "—"."""
    return "—" if value is None else f"{value:,}".replace(",", ".")


def vn_signed(value: int | None) -> str:
    """+12 (dôi dư), −3 (thiếu), 0; None → "—"."""
    if value is None:
        return "—"
    return f"+{vn_int(value)}" if value > 0 else (f"−{vn_int(-value)}" if value < 0 else "0")


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_HEADER = ["STT", "Cơ quan", "Đơn vị hành chính",
               "Biên chế CBCC", "Có mặt CBCC", "Dôi dư (+) / thiếu (−) CBCC",
               "Biên chế KCT", "Có mặt KCT", "Dôi dư (+) / thiếu (−) KCT", "Căn cứ biên chế"]


def report_xlsx(rep: StaffingReport, *, title: str) -> bytes:
    """The report as a workbook: one row per agency (numbers as numbers, empty where no quota), a total row
    and the agencies without a quota with the reason."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Biên chế"
    last = get_column_letter(len(XLSX_HEADER))
    for i, line in enumerate(["BÁO CÁO SỐ LƯỢNG CÁN BỘ, CÔNG CHỨC SO VỚI BIÊN CHẾ", title,
                              "CBCC: cán bộ, công chức; KCT: người hoạt động không chuyên trách. "
                              "Dôi dư = có mặt − biên chế."], start=1):
        ws.append([line])
        ws.merge_cells(f"A{i}:{last}{i}")
        ws[f"A{i}"].alignment = Alignment(horizontal="center", wrap_text=True)
        ws[f"A{i}"].font = Font(bold=i < 3, size=13 if i == 1 else 11, italic=i == 3)
    ws.append([])
    ws.append(XLSX_HEADER)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    for i, row in enumerate(rep.rows, start=1):
        c, p = row.cadre, row.part_time
        unit = row.unit_label
        basis = c.quota_basis if c.quota_basis == p.quota_basis else f"CBCC: {c.quota_basis} KCT: {p.quota_basis}"
        ws.append([i, row.agency.name, unit, c.quota, c.in_post, c.surplus, p.quota, p.in_post, p.surplus, basis])
        for cell in ws[ws.max_row]:
            cell.border = box
    tc, tp = rep.totals[StaffCategory.CADRE_CIVIL], rep.totals[StaffCategory.PART_TIME]
    ws.append([None, "Tổng cộng", f"{len(rep.rows)} cơ quan", tc.quota, tc.in_post, tc.surplus, tp.quota, tp.in_post,
               tp.surplus, "Tổng biên chế và dôi dư chỉ tính các cơ quan đã xác định được biên chế."])
    for cell in ws[ws.max_row]:
        cell.border = box
        cell.font = Font(bold=True)
    ws.append([])
    ws.append([None, "Dôi dư CBCC (tổng các cơ quan thừa)", None, tc.excess, None, None, tp.excess])
    ws.append([None, "Còn thiếu CBCC (tổng các cơ quan thiếu)", None, tc.vacancy, None, None, tp.vacancy])
    missing = rep.without_quota
    if missing:
        ws.append([])
        ws.append([None, "Chưa xác định được biên chế"])
        ws[f"B{ws.max_row}"].font = Font(bold=True)
        for line in missing:
            ws.append([None, line.agency.name, line.category_label, None, line.in_post, None, None, None, None,
                       line.quota_basis])
    widths = {"A": 6, "B": 36, "C": 26, "J": 60}
    for col in range(1, len(XLSX_HEADER) + 1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = widths.get(letter, 12)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
