"""The incoming and outgoing registers of Decree 30/2020 Annex IV as rows, PDF and XLSX.

One row builder (`register_table`) decides the columns and what each cell holds; the HTML print page
(`documents:register_print`), the PDF and the XLSX all render its `RegisterTable`, so the three never
disagree. The rows are those of `selectors.register_print`, which already applies who may see what.

The PDF is A4 landscape and embeds DejaVu Serif Condensed (shipped in `congvu/documents/data/`, with its
licence), which has every Vietnamese letter: the text is the text, and copy/paste or search in the PDF
give the Vietnamese back exactly (docs/decisions/0003-working-days.md, section "Printable registers").
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from congvu.documents.models import Direction, Register
from congvu.documents.selectors import RegisterPrint

DATA = Path(__file__).resolve().parent / "data"
FONT_REGULAR = DATA / "DejaVuSerifCondensed.ttf"
FONT_BOLD = DATA / "DejaVuSerifCondensed-Bold.ttf"


@dataclass(frozen=True)
class Column:
    title: str
    pdf_width: float  # mm; each direction's widths add up to the 277 mm between A4 landscape margins
    xlsx_width: float  # characters
    center: bool = False


# Annex IV, incoming register: 10 columns.
INCOMING_COLUMNS = (
    Column("Ngày đến", 18, 11, True),
    Column("Số đến", 13, 8, True),
    Column("Tác giả", 40, 28),
    Column("Số, ký hiệu", 28, 16),
    Column("Ngày tháng", 18, 11, True),
    Column("Tên loại và trích yếu nội dung", 76, 50),
    Column("Đơn vị hoặc người nhận", 34, 24),
    Column("Ngày chuyển", 18, 11, True),
    Column("Ký nhận", 16, 10),
    Column("Ghi chú", 16, 16),
)
# Annex IV, outgoing register: 10 columns.
OUTGOING_COLUMNS = (
    Column("Số, ký hiệu văn bản", 28, 16),
    Column("Ngày tháng văn bản", 18, 11, True),
    Column("Tên loại và trích yếu nội dung văn bản", 76, 50),
    Column("Người ký", 28, 20),
    Column("Nơi nhận văn bản", 42, 30),
    Column("Đơn vị, người nhận bản lưu", 28, 20),
    Column("Số lượng bản", 13, 8, True),
    Column("Ngày chuyển", 18, 11, True),
    Column("Ký nhận", 13, 10),
    Column("Ghi chú", 13, 16),
)


@dataclass(frozen=True)
class Cell:
    """One cell. `value` is typed (date, int or text) for the spreadsheet; `text` is how it prints.
    The subject cell also carries the urgency label and the type name, which the pages style."""

    value: object
    text: str
    center: bool = False
    bold: bool = False
    urgency: str = ""
    kind: str = ""

    @property
    def plain(self) -> str:
        return " ".join(part for part in (self.urgency, self.kind, self.text) if part)


@dataclass(frozen=True)
class RegisterRow:
    document_id: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class RegisterTable:
    """Everything a printed register shows: the cover's facts, the columns and the rows."""

    printed: RegisterPrint
    incoming: bool
    columns: tuple[Column, ...]
    rows: tuple[RegisterRow, ...]

    @property
    def register(self) -> Register:
        return self.printed.register

    @property
    def title(self) -> str:
        return f"SỔ ĐĂNG KÝ VĂN BẢN {'ĐẾN' if self.incoming else 'ĐI'}"

    @property
    def number_range(self) -> tuple[str, str] | None:
        """First and last number as printed (outgoing numbers padded to two digits, as issued)."""
        if self.printed.first_number is None:
            return None
        fmt = "{}" if self.incoming else "{:02d}"
        return fmt.format(self.printed.first_number), fmt.format(self.printed.last_number)

    @property
    def period(self) -> str:
        return f"{self.printed.date_from:%d/%m/%Y} – {self.printed.date_to:%d/%m/%Y}"

    @property
    def secret(self) -> bool:
        return self.register.scope == Register.Scope.SECRET


def _date(value: dt.date | None) -> Cell:
    return Cell(value, value.strftime("%d/%m/%Y") if value else "", center=True)


def _text(value: str | None, **kw) -> Cell:
    return Cell(value or "", value or "", **kw)


def _subject(doc) -> Cell:
    urgency = doc.get_urgency_display() if doc.is_urgent else ""
    kind = doc.doc_type.name
    plain = " ".join(p for p in (urgency, kind, doc.subject) if p)
    return Cell(plain, doc.subject, urgency=urgency, kind=kind)


def _incoming_row(doc) -> RegisterRow:
    receivers = "; ".join(x for x in (doc.receiving_department.name if doc.receiving_department else "",
                                      doc.receiving_official.full_name if doc.receiving_official else "") if x)
    return RegisterRow(doc.pk, (
        _date(timezone.localtime(doc.registered_at).date()),
        Cell(doc.register_number, str(doc.register_number), center=True, bold=True),
        _text(doc.issuer),
        _text(doc.number_notation),
        _date(doc.issued_date),
        _subject(doc),
        _text(receivers),
        _date(doc.dispatched_on),
        _text(""),  # Ký nhận: signed on paper
        _text(doc.notes),
    ))


def _outgoing_row(doc) -> RegisterRow:
    recipients = "; ".join(r.name for r in doc.recipients.all())
    return RegisterRow(doc.pk, (
        _text(doc.number_notation, bold=True),
        _date(doc.issued_date),
        _subject(doc),
        _text(doc.signer),
        _text(recipients),
        _text(doc.drafting_department.name if doc.drafting_department else ""),
        Cell(doc.copies, "" if doc.copies is None else str(doc.copies), center=True),
        _date(doc.dispatched_on),
        _text(""),
        _text(doc.notes),
    ))


def register_table(printed: RegisterPrint) -> RegisterTable:
    """The columns and rows of a register print (Annex IV), for every output format."""
    incoming = printed.register.direction == Direction.INCOMING
    build = _incoming_row if incoming else _outgoing_row
    return RegisterTable(printed=printed, incoming=incoming,
                         columns=INCOMING_COLUMNS if incoming else OUTGOING_COLUMNS,
                         rows=tuple(build(doc) for doc in printed.documents))


def export_filename(table: RegisterTable, extension: str) -> str:
    """ASCII file name: so-den-2025-20250101-20251231.pdf."""
    kind = "so-den" if table.incoming else "so-di"
    if table.secret:
        kind += "-mat"
    return (f"{kind}-{table.register.year}-{table.printed.date_from:%Y%m%d}-{table.printed.date_to:%Y%m%d}"
            f".{extension}")


# --- PDF -----------------------------------------------------------------------------------------

def register_pdf(table: RegisterTable) -> bytes:
    """A4 landscape: a cover page with the register's facts, then the table with its heading repeated on
    every page and page numbers."""
    from fpdf import FPDF
    from fpdf.enums import TableCellFillMode
    from fpdf.fonts import FontFace

    register = table.register

    class RegisterPDF(FPDF):
        def footer(self):
            if self.page_no() == 1:
                return
            self.set_y(-10)
            self.set_font("DejaVuSerifCondensed", size=8)
            self.cell(0, 5, f"{register.name} — trang {self.page_no()}/{{nb}}", align="C")

    pdf = RegisterPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("DejaVuSerifCondensed", "", str(FONT_REGULAR))
    pdf.add_font("DejaVuSerifCondensed", "B", str(FONT_BOLD))
    pdf.set_title(f"{register.name} ({table.period})")
    pdf.set_author(register.agency.name)
    pdf.set_creator("congvu")
    pdf.set_lang("vi")

    # Cover (Annex IV): the agency above, the register's name, year, dates, numbers, volume.
    pdf.add_page()
    pdf.set_font("DejaVuSerifCondensed", "B", 12)
    if register.agency.parent:
        pdf.cell(120, 6, register.agency.parent.name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(120, 6, register.agency.name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(45, pdf.get_y() + 1, 85, pdf.get_y() + 1)
    pdf.set_y(70)
    pdf.set_font("DejaVuSerifCondensed", "B", 24)
    pdf.cell(0, 12, table.title, align="C", new_x="LMARGIN", new_y="NEXT")
    if table.secret:
        pdf.set_font("DejaVuSerifCondensed", "B", 16)
        pdf.cell(0, 10, "MẬT", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVuSerifCondensed", "", 14)
    pdf.cell(0, 9, register.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    numbers = table.number_range
    facts = [
        ("Năm", str(register.year)),
        ("Từ ngày", f"{table.printed.date_from:%d/%m/%Y}  đến ngày  {table.printed.date_to:%d/%m/%Y}"),
        ("Từ số", f"{numbers[0]}  đến số  {numbers[1]}" if numbers else "—"),
        ("Quyển số", "………"),
    ]
    for label, value in facts:
        pdf.set_x(95)
        pdf.set_font("DejaVuSerifCondensed", "", 13)
        pdf.cell(30, 9, f"{label}:")
        pdf.set_font("DejaVuSerifCondensed", "B", 13)
        pdf.cell(0, 9, value, new_x="LMARGIN", new_y="NEXT")

    # The rows.
    pdf.add_page()
    pdf.set_font("DejaVuSerifCondensed", "", 8.5)
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=tuple(c.pdf_width for c in table.columns), width=sum(c.pdf_width for c in table.columns),
        text_align=tuple("CENTER" if c.center else "LEFT" for c in table.columns),
        headings_style=heading, num_heading_rows=2, repeat_headings=1, line_height=4.2,
        cell_fill_mode=TableCellFillMode.NONE, padding=1,
    ) as grid:
        head = grid.row()
        for column in table.columns:
            head.cell(column.title, align="CENTER")
        numbers_row = grid.row()
        for n in range(1, len(table.columns) + 1):
            numbers_row.cell(f"({n})", align="CENTER")
        for row in table.rows:
            line = grid.row()
            for cell in row.cells:
                line.cell(cell.plain, style=FontFace(emphasis="BOLD") if cell.bold else None)
        if not table.rows:
            line = grid.row()
            line.cell("Không có văn bản nào trong khoảng ngày này.", colspan=len(table.columns), align="CENTER")
    return bytes(pdf.output())


# --- XLSX ----------------------------------------------------------------------------------------

def register_xlsx(table: RegisterTable) -> bytes:
    """One sheet: the register's heading lines, the Annex IV columns numbered (1)…(10), one row per
    document with real dates and numbers; prints A4 landscape, one page wide, headings on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    register = table.register
    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ đến" if table.incoming else "Sổ đi"
    width = len(table.columns)
    last = get_column_letter(width)
    bold = Font(bold=True)
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    heading_lines = [
        register.agency.parent.name.upper() if register.agency.parent else "",
        register.agency.name.upper(),
        table.title + (" (MẬT)" if table.secret else ""),
        f"{register.name} — từ ngày {table.printed.date_from:%d/%m/%Y} đến ngày {table.printed.date_to:%d/%m/%Y}"
        + (f" — từ số {table.number_range[0]} đến số {table.number_range[1]}" if table.number_range else ""),
    ]
    for i, text in enumerate(heading_lines, start=1):
        ws.cell(row=i, column=1, value=text or None).font = Font(bold=True, size=13 if i == 3 else 11)
        ws.merge_cells(f"A{i}:{last}{i}")
        ws.cell(row=i, column=1).alignment = Alignment(horizontal="center" if i == 3 else "left")

    head_row = len(heading_lines) + 2
    fill = PatternFill("solid", fgColor="EBEBEB")
    for j, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = column.xlsx_width
        for r, value in ((head_row, column.title), (head_row + 1, f"({j})")):
            c = ws.cell(row=r, column=j, value=value)
            c.font, c.fill, c.border = bold, fill, box
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, row in enumerate(table.rows, start=head_row + 2):
        for j, cell in enumerate(row.cells, start=1):
            value = cell.value if not isinstance(cell.value, str) else (cell.plain or None)
            c = ws.cell(row=i, column=j, value=value)
            c.border = box
            c.alignment = Alignment(horizontal="center" if cell.center else "left", vertical="top", wrap_text=True)
            if isinstance(cell.value, dt.date):
                c.number_format = "DD/MM/YYYY"
            if cell.bold:
                c.font = bold
    if not table.rows:
        ws.cell(row=head_row + 2, column=1, value="Không có văn bản nào trong khoảng ngày này.")
        ws.merge_cells(f"A{head_row + 2}:{last}{head_row + 2}")

    ws.freeze_panes = ws.cell(row=head_row + 2, column=1)
    ws.print_title_rows = f"{head_row}:{head_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.properties.title = register.name
    wb.properties.creator = "congvu"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


EXPORTERS = {
    "pdf": (register_pdf, "application/pdf"),
    "xlsx": (register_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
