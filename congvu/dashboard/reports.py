"""The period report (báo cáo định kỳ) of a unit, or of the whole deployment a user sees, as agencies send it
upward: the Decree 30/2020 header (issuing agency, national motto, place and date), the title "BÁO CÁO Tình hình
hoạt động … từ ngày … đến ngày …", then sections I–VI (documents, processing, one-stop, staffing, exchange,
equipment). Every figure is `indicators.compute(key, scope)` — for the whole scope, and for each unit (the
agency alone) in the per-unit tables of a report covering several agencies — with its formula in a numbered
footnote. Built once (`period_report`), rendered as HTML, PDF (fpdf2, DejaVu, A4) and XLSX (openpyxl), and
served as JSON by the API."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from congvu.core.dates import parse_vn_date
from congvu.core.errors import ValidationFailed
from congvu.dashboard import access, indicators
from congvu.dashboard.access import Scope
from congvu.org.models import Agency

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"

# (group of the registry, section number, title): the order of the sections of the report.
SECTIONS = (
    ("documents", "I", "Công tác văn thư, quản lý văn bản đến, văn bản đi"),
    ("processing", "II", "Xử lý văn bản, thực hiện nhiệm vụ được giao"),
    ("onestop", "III", "Tiếp nhận, giải quyết thủ tục hành chính tại Bộ phận Một cửa"),
    ("staffing", "IV", "Biên chế, số lượng cán bộ, công chức"),
    ("exchange", "V", "Liên thông văn bản điện tử"),
    ("equipment", "VI", "Hạ tầng, thiết bị phục vụ điều hành"),
)


# --- the numbers as written ---------------------------------------------------------------------------------

def fmt_number(value) -> str:
    """How a figure is printed: 1.234 (thousands with a dot), 87,5 (decimal comma), — when there is no data."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        sign = "-" if value < 0 else ""
        whole, _, frac = f"{abs(value):f}".partition(".")
        text = f"{int(whole):,}".replace(",", ".")
        return sign + text + ("," + frac if frac else "")
    return f"{int(value):,}".replace(",", ".")


def fmt_ratio(numerator, denominator) -> str:
    """"5/6" beside a figure that has a numerator and a denominator; "" otherwise."""
    if numerator is None or denominator is None:
        return ""
    return f"{fmt_number(numerator)}/{fmt_number(denominator)}"


def as_json_number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def long_date(on: dt.date) -> str:
    """Decree 30, Annex I: "ngày 07 tháng 9 năm 2026" — zero-padded day, months 1 and 2 zero-padded."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"


# --- the report ---------------------------------------------------------------------------------------------

@dataclass
class Figure:
    key: str
    name: str
    unit: str
    formula: str
    period: str
    note: int  # footnote number
    value: object
    numerator: int | None
    denominator: int | None

    @property
    def text(self) -> str:
        return fmt_number(self.value)

    @property
    def ratio_text(self) -> str:
        return fmt_ratio(self.numerator, self.denominator)


@dataclass
class UnitRow:
    agency_id: int
    name: str
    figures: list[Figure]


@dataclass
class Section:
    group: str
    number: str
    title: str
    figures: list[Figure]
    units: list[UnitRow] = field(default_factory=list)


@dataclass
class PeriodReport:
    scope: Scope
    issuer: Agency | None
    issuer_name: str
    upper_name: str
    notation: str
    place: str
    on: dt.date
    whole: bool  # a report over several agencies (with a row per unit)
    title: str
    subtitle: str
    sections: list[Section]
    generated_at: dt.datetime

    @property
    def notes(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.notes if f.key == key)

    def as_dict(self) -> dict:
        def fig(f: Figure) -> dict:
            return {"key": f.key, "name": f.name, "unit": f.unit, "formula": f.formula, "period": f.period,
                    "note": f.note, "value": as_json_number(f.value), "numerator": f.numerator,
                    "denominator": f.denominator}

        return {
            "issuer": {"id": self.issuer.pk, "name": self.issuer.name} if self.issuer else None,
            "title": self.title, "subtitle": self.subtitle, "date_from": self.scope.start,
            "date_to": self.scope.end, "agency_ids": list(self.scope.agency_ids), "whole": self.whole,
            "generated_at": timezone.localtime(self.generated_at),
            "sections": [{"number": s.number, "group": s.group, "title": s.title,
                          "figures": [fig(f) for f in s.figures],
                          "units": [{"agency_id": u.agency_id, "name": u.name,
                                     "figures": [{"key": f.key, "value": as_json_number(f.value),
                                                  "numerator": f.numerator, "denominator": f.denominator}
                                                 for f in u.figures]} for u in s.units]}
                         for s in self.sections],
        }


def _check_year(day: dt.date | None, field_name: str) -> dt.date | None:
    if day is not None and not 1900 <= day.year <= 2999:
        raise ValidationFailed("Ngày không hợp lệ.", fields={field_name: "Năm phải từ 1900 đến 2999."})
    return day


def report_scope(user, *, agency=None, date_from=None, date_to=None) -> Scope:
    """The scope of a report or an API request from its raw parameters: Vietnamese messages for bad dates or
    agency ids (ValidationFailed, both dates at once), PermissionDenied for an agency out of the user's sight."""
    errors: dict[str, str] = {}
    days = {}
    for name, raw in (("from", date_from), ("to", date_to)):
        try:
            days[name] = _check_year(parse_vn_date(raw, field=name), name)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed("Ngày không hợp lệ: " + " ".join(errors.values()), fields=errors)
    if agency not in (None, ""):
        try:
            agency = int(str(agency).strip())
        except ValueError:
            raise ValidationFailed("Mã cơ quan không hợp lệ.", fields={"agency": "Mã cơ quan phải là số."}) from None
        if not 0 < agency < 2**63:
            raise ValidationFailed("Mã cơ quan không hợp lệ.", fields={"agency": "Mã cơ quan không hợp lệ."})
    return access.resolve_scope(user, agency_id=agency, start=days["from"], end=days["to"])


def _issuer(user, scope: Scope, agency_id) -> Agency | None:
    """The agency that signs the report: the one asked for; else the single top agency of the scope."""
    if agency_id:
        return Agency.objects.filter(pk=agency_id).first()
    ids = set(scope.agency_ids)
    tops = [a for a in Agency.objects.filter(pk__in=ids) if a.parent_id not in ids]
    return tops[0] if len(tops) == 1 else None


def _figure(key: str, result, notes: dict[str, int]) -> Figure:
    ind = indicators.get(key)
    return Figure(key=key, name=ind.name, unit=ind.unit, formula=ind.formula, period=ind.period, note=notes[key],
                  value=result.value, numerator=result.numerator, denominator=result.denominator)


def _unit_results(key: str, whole, scope: Scope, units: list[Agency]) -> dict[int, object]:
    """Each unit's result (the agency alone) for one indicator.

    An indicator broken down by unit already carries, in the breakdown of the whole scope's result, each agency's
    own value, numerator and denominator (the same sums over that agency's rows); an agency with no row there
    has no data, and every agency without data has the same result: compute() over the first of them. Other
    indicators (broken down by department or procedure, and the equipment, whose headline counts communes) are
    computed unit by unit."""
    ind = indicators.get(key)
    if ind.breakdown == "unit" and ind.group != "equipment":
        rows = {r.key: r for r in whole.breakdown}
        empty = None
        out = {}
        for unit in units:
            row = rows.get(str(unit.pk))
            if row is None:
                empty = empty or indicators.compute(key, Scope((unit.pk,), scope.start, scope.end))
                out[unit.pk] = empty
            else:
                out[unit.pk] = indicators.IndicatorResult(value=row.value, numerator=row.numerator,
                                                          denominator=row.denominator)
        return out
    return {unit.pk: indicators.compute(key, Scope((unit.pk,), scope.start, scope.end)) for unit in units}


def period_report(user, *, agency=None, date_from=None, date_to=None, today: dt.date | None = None) -> PeriodReport:
    """Build the report for what `user` may see (see report_scope for the parameters and errors)."""
    scope = report_scope(user, agency=agency, date_from=date_from, date_to=date_to)
    agency_id = int(agency) if agency not in (None, "") else None
    today = today or timezone.localdate()
    issuer = _issuer(user, scope, agency_id)
    whole = len(scope.agency_ids) > 1
    by_group: dict[str, list[str]] = {}
    for key, ind in indicators.INDICATORS.items():
        by_group.setdefault(ind.group, []).append(key)
    ordered = [k for g, _, _ in SECTIONS for k in by_group.get(g, [])]
    notes = {k: i for i, k in enumerate(ordered, start=1)}
    units = list(Agency.objects.filter(pk__in=scope.agency_ids).order_by("name", "pk")) if whole else []
    sections = []
    for group, number, title in SECTIONS:
        keys = by_group.get(group, [])
        results = {key: indicators.compute(key, scope) for key in keys}
        section = Section(group=group, number=number, title=title,
                          figures=[_figure(key, results[key], notes) for key in keys])
        if units:
            per_unit = {key: _unit_results(key, results[key], scope, units) for key in keys}
            section.units = [UnitRow(agency_id=unit.pk, name=unit.name,
                                     figures=[_figure(key, per_unit[key][unit.pk], notes) for key in keys])
                             for unit in units]
        sections.append(section)
    issuer_name = issuer.name if issuer else "Các cơ quan, đơn vị"
    what = f"của {issuer_name}" + (" và các cơ quan, đơn vị trực thuộc" if whole and issuer else "")
    if not issuer:
        what = f"của {len(scope.agency_ids)} cơ quan, đơn vị"
    return PeriodReport(
        scope=scope, issuer=issuer, issuer_name=issuer_name,
        upper_name=issuer.parent.name if issuer and issuer.parent_id else "",
        notation=issuer.notation_code if issuer else "", place=issuer.place if issuer else "",
        on=today, whole=whole, title="BÁO CÁO",
        subtitle=f"Tình hình hoạt động {what} từ ngày {scope.start:%d/%m/%Y} đến ngày {scope.end:%d/%m/%Y}",
        sections=sections, generated_at=timezone.now())


def report_filename(report: PeriodReport, ext: str) -> str:
    who = f"-{report.issuer.pk}" if report.issuer else ""
    return f"bao-cao{who}-{report.scope.start:%Y%m%d}-{report.scope.end:%Y%m%d}.{ext}"


def place_date(report: PeriodReport) -> str:
    return f"{report.place or '……'}, {long_date(report.on)}"


# --- PDF ----------------------------------------------------------------------------------------------------

FONT = "DejaVuSerifCondensed"


def report_pdf(report: PeriodReport) -> bytes:
    """A4 portrait, Decree 30 margins; a page number at the foot of every page."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from congvu.documents.register_export import FONT_BOLD, FONT_REGULAR

    class ReportPDF(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = ReportPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(30, 20, 15)  # Decree 30 Annex I margins
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FONT, "", str(FONT_REGULAR))
    pdf.add_font(FONT, "B", str(FONT_BOLD))
    pdf.set_title(f"{report.title} {report.subtitle}")
    pdf.set_author(report.issuer_name)
    pdf.set_creator("congvu")
    pdf.set_lang("vi")
    pdf.add_page()
    _pdf_header(pdf, report)
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))

    for section in report.sections:
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(0, 6.5, f"{section.number}. {section.title.upper()}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font(FONT, "", 10)
        with pdf.table(col_widths=(10, 78, 25, 22, 30), width=pdf.epw, line_height=5, padding=1,
                       headings_style=heading, text_align=("CENTER", "LEFT", "RIGHT", "CENTER", "LEFT")) as grid:
            head = grid.row()
            for title in ("STT", "Chỉ tiêu", "Số liệu", "Tỷ lệ (tử số/mẫu số)", "Đơn vị tính"):
                head.cell(title, align="CENTER")
            for i, f in enumerate(section.figures, 1):
                row = grid.row()
                row.cell(str(i))
                row.cell(f"{f.name} ({f.note})")
                row.cell(f.text)
                row.cell(f.ratio_text)
                row.cell(f.unit)
        pdf.ln(3)
        if section.units:
            _pdf_units(pdf, section, heading)

    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, "Ghi chú: cách tính các chỉ tiêu", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for f in report.notes:
        pdf.multi_cell(0, 4.6, f"({f.note}) {f.name} ({f.unit}, {f.period}): {f.formula}", new_x="LMARGIN",
                       new_y="NEXT")
    pdf.ln(1)
    pdf.multi_cell(0, 4.6, f"Số liệu lấy từ dữ liệu tổng hợp theo ngày của hệ thống, lập lúc "
                           f"{timezone.localtime(report.generated_at):%H:%M ngày %d/%m/%Y}.",
                   new_x="LMARGIN", new_y="NEXT")
    _pdf_signature(pdf, report)
    return bytes(pdf.output())


def _pdf_header(pdf, report: PeriodReport) -> None:
    width = pdf.epw
    left_w = width * 0.45
    right_w = width - left_w
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_xy(x0, y0)
    if report.upper_name:
        pdf.set_font(FONT, "", 10.5)
        pdf.multi_cell(left_w, 5, report.upper_name.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(left_w, 5, report.issuer_name.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.line(x0 + left_w / 2 - 10, pdf.get_y() + 1, x0 + left_w / 2 + 10, pdf.get_y() + 1)
    pdf.set_font(FONT, "", 10.5)
    pdf.set_y(pdf.get_y() + 2)
    pdf.cell(left_w, 5, f"Số:       /BC-{report.notation}" if report.notation else "Số:       /BC",
             align="C", new_x="LEFT", new_y="NEXT")
    y_left = pdf.get_y()
    pdf.set_xy(x0 + left_w, y0)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(right_w, 5, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 11.5)
    pdf.cell(right_w, 6, MOTTO_2, align="C", new_x="LEFT", new_y="NEXT")
    motto_w = pdf.get_string_width(MOTTO_2)
    cx = x0 + left_w + right_w / 2
    pdf.line(cx - motto_w / 2, pdf.get_y() + 0.5, cx + motto_w / 2, pdf.get_y() + 0.5)
    pdf.set_xy(x0 + left_w, pdf.get_y() + 3)
    pdf.set_font(FONT, "", 11)
    pdf.cell(right_w, 6, place_date(report), align="C")
    pdf.set_xy(x0, max(y_left, pdf.get_y() + 6) + 6)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, report.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, report.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _pdf_units(pdf, section: Section, heading) -> None:
    """The section's figures for each unit: a row per unit, a column per indicator (footnote numbers)."""
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, f"Số liệu theo từng cơ quan, đơn vị (mục {section.number}):", new_x="LMARGIN",
                   new_y="NEXT")
    n = len(section.figures)
    name_w = 52.0
    col_w = (pdf.epw - 8 - name_w) / max(n, 1)
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=(8, name_w) + (col_w,) * n, width=pdf.epw, line_height=4, padding=0.8,
                   headings_style=heading, text_align=("CENTER", "LEFT") + ("RIGHT",) * n) as grid:
        head = grid.row()
        head.cell("STT", align="CENTER")
        head.cell("Cơ quan, đơn vị", align="CENTER")
        for f in section.figures:
            head.cell(f"{f.name} ({f.note})", align="CENTER")
        for i, unit in enumerate(section.units, 1):
            row = grid.row()
            row.cell(str(i))
            row.cell(unit.name)
            for f in unit.figures:
                row.cell(f.text)
        total = grid.row()
        total.cell("")
        total.cell("Tổng cộng")
        for f in section.figures:
            total.cell(f.text)
    pdf.ln(4)


def _pdf_signature(pdf, report: PeriodReport) -> None:
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    half = pdf.epw / 2
    y = pdf.get_y()
    pdf.set_xy(pdf.l_margin, y)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(half, 5, "Nơi nhận:", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for line in ("- Cơ quan cấp trên (để báo cáo);", "- Lưu: VT."):
        pdf.cell(half, 4.5, line, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + half, y)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(half, 6, "THỦ TRƯỞNG CƠ QUAN", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(half, 5, "(Ký, ghi rõ họ tên, đóng dấu)", align="C", new_x="LEFT", new_y="NEXT")


# --- XLSX ---------------------------------------------------------------------------------------------------

def report_xlsx(report: PeriodReport) -> bytes:
    """One sheet "Báo cáo" (header, sections with their figures, the per-unit tables, the formulas); numbers are
    numbers (percentages as 87.5, not text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def line(values, *, bold=False, italic=False, boxed=False, size=None):
        ws.append(list(values))
        for cell in ws[ws.max_row]:
            if cell.value is None and not boxed:
                continue
            cell.font = Font(bold=bold, italic=italic, size=size or 11)
            if boxed:
                cell.border = box
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    line([report.upper_name.upper(), "", "", MOTTO] if report.upper_name else ["", "", "", MOTTO], bold=True)
    line([report.issuer_name.upper(), "", "", MOTTO_2], bold=True)
    line([f"Số:      /BC-{report.notation}" if report.notation else "Số:      /BC", "", "", place_date(report)],
         italic=True)
    ws.append([])
    line([report.title], bold=True, size=14)
    line([report.subtitle], bold=True)
    ws.append([])
    for section in report.sections:
        line([f"{section.number}. {section.title.upper()}"], bold=True)
        line(["STT", "Chỉ tiêu", "Ghi chú số", "Số liệu", "Tử số", "Mẫu số", "Đơn vị tính"], bold=True, boxed=True)
        for i, f in enumerate(section.figures, 1):
            line([i, f.name, f"({f.note})", as_json_number(f.value), f.numerator, f.denominator, f.unit], boxed=True)
        if section.units:
            ws.append([])
            line([f"Số liệu theo từng cơ quan, đơn vị (mục {section.number})"], italic=True)
            line(["STT", "Cơ quan, đơn vị", "Mã cơ quan"] + [f"{f.name} ({f.note})" for f in section.figures],
                 bold=True, boxed=True)
            for i, unit in enumerate(section.units, 1):
                line([i, unit.name, unit.agency_id] + [as_json_number(f.value) for f in unit.figures], boxed=True)
            line(["", "Tổng cộng", ""] + [as_json_number(f.value) for f in section.figures], bold=True, boxed=True)
        ws.append([])
    line(["Ghi chú: cách tính các chỉ tiêu"], bold=True)
    for f in report.notes:
        ws.append([f"({f.note})", f.name, f"{f.unit}; {f.period}", f.formula])
    ws.append([])
    ws.append(["", f"Lập lúc {timezone.localtime(report.generated_at):%H:%M ngày %d/%m/%Y} từ dữ liệu tổng hợp "
                   "theo ngày của hệ thống."])
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 46
    for col in "CDEFGHIJK":
        ws.column_dimensions[col].width = 14
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
