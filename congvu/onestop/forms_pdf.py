"""The one-stop shop's printed forms (TT 01/2018/TT-VPCP forms 01–06; TT 03/2025 Annex I), A4 PDF.

Receipt and appointment (with a QR code of the public lookup address), supplement request, refusal,
apology and new date, control slip, and the tracking register (sổ theo dõi) of a period. Every form
opens with the Decree 30/2020 header: the issuing body on the left, the national motto on the right,
then place and date. The fields are those of REGULATIONS §4.3.

Fonts: DejaVu Serif Condensed shipped in congvu/documents/data (as the document registers use), which has
every Vietnamese letter, so text extracted from the PDF is the Vietnamese text exactly.

These functions only render: the caller (views_print) has already checked that the user may see the
dossier, and passes the rows it may print.
"""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.utils import timezone

from congvu.documents.register_export import FONT_BOLD, FONT_REGULAR
from congvu.onestop.models import Dossier, ReturnMethod, StepHandler, Timeliness, TimeUnit

FONT = "DejaVuSerifCondensed"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
COUNTER_UNIT = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
# QR codes: error correction M, 4-module quiet zone (ISO/IEC 18004), drawn 34 mm wide.
QR_ERROR = "m"
QR_BORDER = 4
QR_SCALE = 8
QR_MM = 34


# --- small formatting helpers ------------------------------------------------------------------------

def local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def fmt_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return f"{value:%d/%m/%Y}"


def fmt_datetime(value: dt.datetime | None) -> str:
    """“10 giờ 05 phút, ngày 27/11/2026”: the receipt's hour, minute and date."""
    if value is None:
        return ""
    v = local(value)
    return f"{v.hour:02d} giờ {v.minute:02d} phút, ngày {v:%d/%m/%Y}"


def fmt_short(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{local(value):%H:%M %d/%m/%Y}"


def place_date(place: str, on: dt.date) -> str:
    """Decree 30's place-and-date line: “Nông Sơn, ngày 27 tháng 11 năm 2026”."""
    return f"{place or '……'}, ngày {on.day:02d} tháng {on.month:02d} năm {on.year}"


def time_limit_text(version) -> str:
    limit = version.time_limit.normalize()
    number = f"{limit:f}".replace(".", ",")
    return f"{number} {TimeUnit(version.time_unit).label}"


def money(value: int) -> str:
    return f"{value:,}".replace(",", ".") + " đồng"


def qr_png(url: str) -> bytes:
    """The QR code of `url` as PNG bytes (segno; error level M, quiet zone 4, 8 px a module)."""
    out = io.BytesIO()
    segno.make(url, error=QR_ERROR, micro=False).save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


def register_entry(dossier: Dossier) -> tuple[int, int]:
    """(year, STT): the dossier's line in its agency's tracking register of the year it was accepted."""
    when = local(dossier.accepted_at or dossier.submitted_at)
    start = timezone.make_aware(dt.datetime(when.year, 1, 1))
    end = timezone.make_aware(dt.datetime(when.year + 1, 1, 1))
    moment = dossier.accepted_at or dossier.submitted_at
    before = (Dossier.objects.filter(agency_id=dossier.agency_id, accepted_at__gte=start, accepted_at__lt=end)
              .filter(accepted_at__lt=moment).count())
    same = (Dossier.objects.filter(agency_id=dossier.agency_id, accepted_at=moment, pk__lte=dossier.pk).count()
            if dossier.accepted_at else 1)
    return when.year, before + same


# --- the page -------------------------------------------------------------------------------------------

def _new_pdf(title: str, author: str, *, landscape: bool = False):
    from fpdf import FPDF

    class FormPDF(FPDF):
        def footer(self):
            if self.pages_count <= 1 and not landscape:
                return
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = FormPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    # Decree 30 Annex I margins: top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
    if landscape:
        pdf.set_margins(12, 15, 10)
    else:
        pdf.set_margins(30, 20, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FONT, "", str(FONT_REGULAR))
    pdf.add_font(FONT, "B", str(FONT_BOLD))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("congvu")
    pdf.set_lang("vi")
    pdf.add_page()
    return pdf


def _header(pdf, *, upper: str, unit: str, place: str, on: dt.date, number: str = "") -> None:
    """Decree 30 header: issuing body (with the body above it) | national motto; then number and date."""
    width = pdf.epw
    left_w = width * 0.47
    right_w = width - left_w
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_font(FONT, "", 10.5)
    pdf.set_xy(x0, y0)
    if upper:
        pdf.multi_cell(left_w, 5, upper.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(left_w, 5, unit.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.line(x0 + left_w / 2 - 12, pdf.get_y() + 1.5, x0 + left_w / 2 + 12, pdf.get_y() + 1.5)
    y_left = pdf.get_y() + 2
    pdf.set_xy(x0 + left_w, y0)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(right_w, 5, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(right_w, 6, MOTTO_2, align="C", new_x="LEFT", new_y="NEXT")
    motto_w = pdf.get_string_width(MOTTO_2)
    cx = x0 + left_w + right_w / 2
    pdf.line(cx - motto_w / 2, pdf.get_y() + 0.5, cx + motto_w / 2, pdf.get_y() + 0.5)
    y = max(y_left, pdf.get_y() + 2)
    pdf.set_font(FONT, "", 11)
    if number:
        pdf.set_xy(x0, y)
        pdf.cell(left_w, 6, number, align="C")
    pdf.set_xy(x0 + left_w, y)
    pdf.cell(right_w, 6, place_date(place, on), align="C")
    pdf.set_xy(x0, y + 10)


def _title(pdf, title: str, subtitle: str = "") -> None:
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 6.5, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 5.5, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _field(pdf, label: str, value: str) -> None:
    pdf.set_font(FONT, "", 11.5)
    pdf.multi_cell(0, 6, f"{label}: {value}" if value else f"{label}: ……………………………",
                   new_x="LMARGIN", new_y="NEXT")


def _para(pdf, text: str, *, bold: bool = False, size: float = 11.5) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _numbered(pdf, items: list[str]) -> None:
    pdf.set_font(FONT, "", 11.5)
    for i, item in enumerate(items, 1):
        pdf.set_x(pdf.l_margin + 5)
        pdf.multi_cell(pdf.epw - 5, 6, f"{i}. {item}", new_x="LMARGIN", new_y="NEXT")


def _signatures(pdf, left: tuple[str, str, str] | None, right: tuple[str, str, str]) -> None:
    """Two signature blocks (title, note, name); `left` may be empty (the form has only one)."""
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    half = pdf.epw / 2
    y = pdf.get_y()
    for i, block in enumerate((left, right)):
        if not block:
            continue
        title, note, name = block
        pdf.set_xy(pdf.l_margin + i * half, y)
        pdf.set_font(FONT, "B", 11.5)
        pdf.multi_cell(half, 6, title, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(half, 5, note, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_xy(pdf.l_margin + i * half, pdf.get_y() + 20)
        pdf.set_font(FONT, "B", 11.5)
        pdf.multi_cell(half, 6, name, align="C", new_x="LEFT", new_y="NEXT")


def _agency_upper(agency) -> str:
    return agency.parent.name if agency.parent_id else ""


def _official_name(official) -> str:
    return official.full_name if official is not None else ""


def _applicant_block(pdf, dossier: Dossier) -> None:
    _field(pdf, "Tổ chức, cá nhân nộp hồ sơ", dossier.applicant_name)
    _field(pdf, "Số định danh cá nhân/mã số doanh nghiệp, tổ chức", dossier.applicant_id_number)
    _field(pdf, "Địa chỉ", dossier.applicant_address)
    _field(pdf, "Số điện thoại", dossier.applicant_phone)
    _field(pdf, "Thư điện tử", dossier.applicant_email or "(không có)")
    if dossier.representative_name:
        _field(pdf, "Người được ủy quyền nộp hồ sơ", dossier.representative_name)
        _field(pdf, "Số định danh người được ủy quyền", dossier.representative_id_number)


def _output(pdf) -> bytes:
    return bytes(pdf.output())


# --- 01 receipt and appointment --------------------------------------------------------------------------

def receipt_pdf(dossier: Dossier, *, lookup_url: str, printed_on: dt.date | None = None) -> bytes:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (form 01): code, applicant, request, numbered components,
    sets, legal time, received and appointment times (hour, minute, date), where to collect, the register
    entry, signatures, and the QR code of `lookup_url` (the public lookup of this dossier)."""
    agency = dossier.agency
    version = dossier.procedure_version
    on = printed_on or local(dossier.accepted_at or dossier.submitted_at).date()
    pdf = _new_pdf(f"Giấy tiếp nhận hồ sơ {dossier.code}", agency.name)
    _header(pdf, upper=agency.name, unit=COUNTER_UNIT, place=agency.place, on=on,
            number=f"Mã hồ sơ: {dossier.code}")
    _title(pdf, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", f"Mã hồ sơ: {dossier.code}")
    top = pdf.get_y()
    # The QR code sits at the top right of the body; the first lines wrap beside it.
    pdf.image(io.BytesIO(qr_png(lookup_url)), x=pdf.l_margin + pdf.epw - QR_MM, y=top, w=QR_MM, h=QR_MM)
    pdf.set_font(FONT, "", 11.5)
    pdf.multi_cell(pdf.epw - QR_MM - 4, 6, f"{COUNTER_UNIT.capitalize()} — {agency.name}", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.multi_cell(pdf.epw - QR_MM - 4, 6, f"Tiếp nhận hồ sơ của: {dossier.applicant_name}", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.multi_cell(pdf.epw - QR_MM - 4, 6, f"Thủ tục: {version.procedure.name} "
                   f"(mã {version.procedure.local_code})", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + QR_MM + 1))
    pdf.set_font(FONT, "", 8.5)
    pdf.set_x(pdf.l_margin + pdf.epw - QR_MM - 20)
    pdf.cell(QR_MM + 20, 4, "Quét mã để tra cứu hồ sơ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _applicant_block(pdf, dossier)
    _field(pdf, "Nội dung yêu cầu giải quyết", dossier.request_summary or version.procedure.name)
    _para(pdf, "Thành phần hồ sơ nộp gồm:")
    _numbered(pdf, [f"{c.name} ({c.copies} bản)" for c in dossier.components.all() if c.provided])
    _field(pdf, "Số lượng hồ sơ", f"{dossier.sets:02d} bộ")
    _field(pdf, "Thời gian giải quyết hồ sơ theo quy định", time_limit_text(version))
    if dossier.fee:
        _field(pdf, "Phí, lệ phí", money(dossier.fee))
    _field(pdf, "Thời gian nhận hồ sơ", fmt_datetime(dossier.accepted_at or dossier.submitted_at))
    _field(pdf, "Thời gian trả kết quả giải quyết hồ sơ", fmt_datetime(dossier.due_at))
    _field(pdf, "Nhận kết quả tại", f"{COUNTER_UNIT.capitalize()} — {agency.name}")
    year, stt = register_entry(dossier)
    _field(pdf, "Vào Sổ theo dõi hồ sơ", f"Quyển số: {year}; Số thứ tự: {stt}")
    _para(pdf, f"Tra cứu tình trạng hồ sơ: {lookup_url}", size=10)
    _signatures(pdf, ("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", dossier.applicant_name),
                ("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", _official_name(dossier.received_by)))
    return _output(pdf)


# --- 02 supplement request ------------------------------------------------------------------------------

def supplement_pdf(dossier: Dossier) -> bytes:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (form 02): the applicant, the request, contacts, the numbered
    items to complete and the reason."""
    supplement = dossier.supplement
    agency = dossier.agency
    pdf = _new_pdf(f"Phiếu yêu cầu bổ sung hồ sơ {dossier.code}", agency.name)
    _header(pdf, upper=agency.name, unit=COUNTER_UNIT, place=agency.place, on=local(supplement.requested_at).date(),
            number=f"Mã hồ sơ: {dossier.code}" if dossier.code else "")
    _title(pdf, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ")
    _para(pdf, f"{COUNTER_UNIT.capitalize()} — {agency.name} tiếp nhận hồ sơ của:")
    _applicant_block(pdf, dossier)
    _field(pdf, "Nội dung yêu cầu giải quyết", dossier.request_summary or dossier.procedure_version.procedure.name)
    _field(pdf, "Thủ tục", dossier.procedure_version.procedure.name)
    _para(pdf, "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:")
    _numbered(pdf, [str(item) for item in supplement.items])
    _field(pdf, "Lý do", supplement.reason)
    _para(pdf, "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ với "
               f"{_official_name(supplement.requested_by)} để được hướng dẫn.")
    _signatures(pdf, None, ("NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", _official_name(supplement.requested_by)))
    return _output(pdf)


# --- 03 refusal -------------------------------------------------------------------------------------------

def refusal_pdf(dossier: Dossier) -> bytes:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ (form 03): applicant, ID number, code if any, request,
    reason."""
    agency = dossier.agency
    on = local(dossier.finished_at or dossier.submitted_at).date()
    pdf = _new_pdf(f"Phiếu từ chối tiếp nhận hồ sơ {dossier.code}", agency.name)
    _header(pdf, upper=agency.name, unit=COUNTER_UNIT, place=agency.place, on=on,
            number=f"Mã hồ sơ: {dossier.code}" if dossier.code else "")
    _title(pdf, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ")
    _para(pdf, f"{COUNTER_UNIT.capitalize()} — {agency.name} tiếp nhận hồ sơ của:")
    _applicant_block(pdf, dossier)
    if dossier.code:
        _field(pdf, "Mã hồ sơ", dossier.code)
    _field(pdf, "Nội dung yêu cầu giải quyết", dossier.request_summary or dossier.procedure_version.procedure.name)
    _field(pdf, "Thủ tục", dossier.procedure_version.procedure.name)
    _para(pdf, "Cơ quan, đơn vị từ chối tiếp nhận, giải quyết hồ sơ này với lý do như sau:")
    _para(pdf, dossier.refusal_reason, bold=True)
    _para(pdf, "Xin thông báo cho ông/bà được biết và thực hiện.")
    _signatures(pdf, None, ("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", _official_name(dossier.received_by)))
    return _output(pdf)


# --- 04 apology and new date -------------------------------------------------------------------------------

def apology_pdf(dossier: Dossier) -> bytes:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (form 04): procedure, applicant, code, promised time,
    reason, the new date, the head's signature."""
    apology = dossier.apology
    agency = dossier.agency
    pdf = _new_pdf(f"Phiếu xin lỗi và hẹn lại ngày trả kết quả {dossier.code}", agency.name)
    _header(pdf, upper=_agency_upper(agency), unit=agency.name, place=agency.place,
            on=local(apology.created_at).date(), number=f"Mã hồ sơ: {dossier.code}")
    _title(pdf, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ")
    _para(pdf, f"Kính gửi: {dossier.applicant_name}")
    _para(pdf, f"Ngày {fmt_date(dossier.accepted_at or dossier.submitted_at)}, {agency.name} tiếp nhận giải "
               f"quyết hồ sơ của ông/bà đề nghị giải quyết thủ tục {dossier.procedure_version.procedure.name}.")
    _field(pdf, "Mã hồ sơ", dossier.code)
    _field(pdf, "Thời gian hẹn trả kết quả giải quyết hồ sơ", fmt_datetime(apology.previous_due_at))
    _field(pdf, "Lý do chậm trễ", apology.reason)
    _para(pdf, f"{agency.name} xin lỗi ông/bà và hẹn trả kết quả giải quyết hồ sơ vào:")
    _para(pdf, fmt_datetime(apology.new_due_at), bold=True)
    _para(pdf, "Chúng tôi xin thông báo để ông/bà biết và mong nhận được sự thông cảm của ông/bà.")
    _signatures(pdf, None, ("THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", ""))
    return _output(pdf)


# --- 05 control slip -------------------------------------------------------------------------------------------

TIMELINESS_LABEL = {t.value: t.label for t in Timeliness}


def control_slip_pdf(dossier: Dossier, rows) -> bytes:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ (form 05/06): every hand-over with the giving and the
    receiving unit and person, the time, the step's deadline and early / on time / late, as logged by the
    system. `rows` are selectors.control_slip(dossier)."""
    from fpdf.fonts import FontFace

    agency = dossier.agency
    pdf = _new_pdf(f"Phiếu kiểm soát quá trình giải quyết hồ sơ {dossier.code}", agency.name)
    _header(pdf, upper=agency.name, unit=COUNTER_UNIT, place=agency.place, on=timezone.localdate(),
            number=f"Mã hồ sơ: {dossier.code}")
    _title(pdf, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", f"Mã hồ sơ: {dossier.code}")
    _field(pdf, "Thủ tục", dossier.procedure_version.procedure.name)
    _field(pdf, "Tổ chức, cá nhân", dossier.applicant_name)
    _field(pdf, "Ngày hẹn trả kết quả", fmt_datetime(dossier.due_at))
    pdf.ln(2)
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=(9, 38, 38, 24, 24, 24), width=pdf.epw, align="LEFT", line_height=4.6, padding=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                   text_align=("CENTER", "LEFT", "LEFT", "CENTER", "CENTER", "CENTER")) as grid:
        head = grid.row()
        for title in ("STT", "Bên giao", "Bên nhận", "Thời gian giao, nhận", "Hạn xử lý",
                      "Kết quả (trước hạn / đúng hạn / trễ hạn)"):
            head.cell(title, align="CENTER")
        for n, row in enumerate(rows, 1):
            line = grid.row()
            line.cell(str(n))
            line.cell("\n".join(x for x in (row.giver_unit, row.giver_person) if x))
            line.cell("\n".join(x for x in (row.receiver_unit, row.receiver_person) if x) + f"\n({row.step_name})")
            line.cell(fmt_short(row.handed_at))
            line.cell(fmt_short(row.due_at))
            line.cell(TIMELINESS_LABEL.get(row.timeliness, "Đang xử lý"))
        if not rows:
            grid.row().cell("Chưa có lần giao, nhận nào.", colspan=6, align="CENTER")
    return _output(pdf)


# --- 06 tracking register ------------------------------------------------------------------------------------

REGISTER_COLUMNS = (
    ("STT", 10), ("Mã hồ sơ", 40), ("Tên thủ tục hành chính", 36), ("Tên tổ chức, cá nhân", 30),
    ("Địa chỉ, số điện thoại", 36), ("Cơ quan chủ trì giải quyết", 30), ("Nhận hồ sơ", 19),
    ("Hẹn trả kết quả", 19), ("Ngày có kết quả / trả kết quả", 21), ("Hình thức trả", 17),
    ("Ký nhận", 17),
)


class _FastGrid:
    """A bordered table drawn line by line with pdf.text: fpdf2's table() measures every character of every
    cell again (≈ 6 ms a row), too slow for a year's register; here each word's width is measured once and
    the rows wrap greedily (≈ 10× faster). The heading row is repeated on every page."""

    SIZE, LINE, PAD = 8, 3.5, 0.9

    def __init__(self, pdf, columns):
        self.pdf, self.columns = pdf, columns
        self.widths: dict[tuple[str, str], float] = {}
        self.heading()

    def _width(self, text: str, style: str) -> float:
        key = (text, style)
        width = self.widths.get(key)
        if width is None:
            width = self.widths[key] = self.pdf.get_string_width(text)
        return width

    def _wrap(self, text: str, width: float, style: str) -> list[str]:
        avail = width - 2 * self.PAD
        space = self._width(" ", style)
        lines: list[str] = []
        for paragraph in (text or "").split("\n"):
            line, line_w = "", 0.0
            for word in paragraph.split():
                word_w = self._width(word, style)
                while word_w > avail and len(word) > 1:  # a long code: break after a "-" or "." that fits
                    cut = len(word) - 1
                    while cut > 1 and self._width(word[:cut], style) > avail:
                        cut -= 1
                    at_mark = max(word.rfind("-", 0, cut), word.rfind(".", 0, cut))
                    if at_mark > 0:
                        cut = at_mark + 1
                    if line:
                        lines.append(line)
                        line, line_w = "", 0.0
                    lines.append(word[:cut])
                    word = word[cut:]
                    word_w = self._width(word, style)
                if line and line_w + space + word_w > avail:
                    lines.append(line)
                    line, line_w = word, word_w
                else:
                    line, line_w = (f"{line} {word}", line_w + space + word_w) if line else (word, word_w)
            lines.append(line)
        return lines

    def _draw(self, cells, *, style: str = "", center: bool = False, fill: bool = False) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, style, self.SIZE)
        wrapped = [self._wrap(text, width, style) for text, (_title, width) in zip(cells, self.columns, strict=True)]
        height = max(len(lines) for lines in wrapped) * self.LINE + 2 * self.PAD
        if pdf.get_y() + height > pdf.page_break_trigger and not style:
            pdf.add_page()
            self.heading()
            pdf.set_font(FONT, style, self.SIZE)
        x, y = pdf.l_margin, pdf.get_y()
        if fill:
            pdf.set_fill_color(235, 235, 235)
        for lines, (_title, width) in zip(wrapped, self.columns, strict=True):
            pdf.rect(x, y, width, height, style="DF" if fill else "D")
            for i, line in enumerate(lines):
                dx = (width - self._width(line, style)) / 2 if center else self.PAD
                pdf.text(x + dx, y + self.PAD + i * self.LINE + self.LINE * 0.78, line)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    def heading(self) -> None:
        self._draw([title for title, _ in self.columns], style="B", center=True, fill=True)

    def row(self, cells) -> None:
        self._draw(cells)

    def note(self, text: str) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "", self.SIZE + 1)
        pdf.cell(sum(w for _, w in self.columns), 8, text, border=1, align="C", new_x="LMARGIN", new_y="NEXT")


def lead_body(dossier: Dossier) -> str:
    """The body that decides: the first specialist office or other agency on the dossier's steps."""
    for step in dossier.steps.all():
        if step.procedure_step is not None and step.procedure_step.handler == StepHandler.COUNTER:
            continue
        if step.department_id:
            return f"{step.department.name} — {step.agency.name}" if step.agency_id != dossier.agency_id \
                else step.department.name
        if step.agency_id != dossier.agency_id:
            return step.agency.name
    return dossier.agency.name


def register_pdf(*, agency, date_from: dt.date, date_to: dt.date, dossiers) -> bytes:
    """Sổ theo dõi hồ sơ (form 06/07) of `agency` from `date_from` to `date_to`, A4 landscape; `dossiers`
    are the accepted dossiers of the period in order (the view has applied who may see them)."""
    pdf = _new_pdf(f"Sổ theo dõi hồ sơ {date_from:%d/%m/%Y}–{date_to:%d/%m/%Y}", agency.name, landscape=True)
    _header(pdf, upper=agency.name, unit=COUNTER_UNIT, place=agency.place, on=timezone.localdate())
    _title(pdf, "SỔ THEO DÕI HỒ SƠ", f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}")
    methods = {m.value: m.label for m in ReturnMethod}
    grid = _FastGrid(pdf, REGISTER_COLUMNS)
    n = 0
    for n, dossier in enumerate(dossiers, 1):
        contact = ", ".join(x for x in (dossier.applicant_address, dossier.applicant_phone) if x)
        done = dossier.finished_at if dossier.return_method else dossier.processed_at
        grid.row((str(n), dossier.code, dossier.procedure_version.procedure.name, dossier.applicant_name,
                  contact, lead_body(dossier), fmt_short(dossier.accepted_at or dossier.submitted_at),
                  fmt_short(dossier.due_at), fmt_short(done), methods.get(dossier.return_method, ""), ""))
    if not n:
        grid.note("Không có hồ sơ nào trong khoảng ngày này.")
    return _output(pdf)
