"""Reading text from files: PDF text layers, DOCX, DOC, images, plain text in every encoding, bad input."""

import io
import shutil

import docx
import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from congvu.intake import sources
from congvu.intake.sources import TextResult, TextSource, read_text
from congvu.intake.vntext import encode_tcvn3, encode_vni

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
LEFT = ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NAM", "-------", "Số: 12/QĐ-UBND"]
RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "---------------",
         "Quảng Nam, ngày 5 tháng 3 năm 2024"]
TITLE = ["QUYẾT ĐỊNH", "Về việc phê duyệt kế hoạch hỗ trợ hộ nghèo năm 2024"]
HEADER_TEXT = "\n".join(LEFT + RIGHT + TITLE)


# --- builders (also used by test_ocr and test_services) ----------------------------------------------------


def header_pdf(*, pages: int = 1, left=LEFT, right=RIGHT, title=TITLE, font_size: int = 12) -> bytes:
    """A born-digital PDF whose header stands in two columns, as Decree 30/2020 lays it out."""
    pdf = FPDF(format="A4")
    pdf.add_font("Serif", "", FONT)
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("Serif", "", font_size)
        y = 15
        for a, b in zip(left, right):
            pdf.set_xy(10, y)
            pdf.cell(70, 6, a, align="C")
            pdf.set_xy(85, y)
            pdf.cell(115, 6, b, align="C")
            y += 7
        for line in title:
            y += 9
            pdf.set_xy(10, y)
            pdf.cell(190, 7, line, align="C")
    return bytes(pdf.output())


def page_png(pdf_bytes: bytes, *, dpi: int = 200, page: int = 0, crop_top: float | None = 0.35) -> bytes:
    """A page of a PDF as a scanner gives it (grey PNG), cropped to its top part to keep OCR tests quick."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    image = doc[page].render(scale=dpi / 72, grayscale=True).to_pil()
    doc.close()
    if crop_top:
        image = image.crop((0, 0, image.width, int(image.height * crop_top)))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def scan_pdf(*images: bytes) -> bytes:
    """An image-only PDF (no text layer): what a copier's scan-to-PDF gives."""
    import img2pdf

    return img2pdf.convert(list(images))


def signed(pdf_bytes: bytes) -> bytes:
    """The PDF with a signature field whose value is a signature dictionary (/ByteRange, /Contents)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    sig = DictionaryObject({
        NameObject("/Type"): NameObject("/Sig"), NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
        NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
        NameObject("/ByteRange"): ArrayObject([NumberObject(0), NumberObject(10), NumberObject(20), NumberObject(30)]),
        NameObject("/Contents"): TextStringObject("00"),
    })
    field = DictionaryObject({
        NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Chu ky"),
        NameObject("/V"): writer._add_object(sig),
    })
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/Fields"): ArrayObject([writer._add_object(field)]), NameObject("/SigFlags"): NumberObject(3),
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def header_docx() -> bytes:
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "\n".join(LEFT)
    table.cell(0, 1).text = "\n".join(RIGHT)
    for line in TITLE:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def png(width=40, height=20, color=255) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), color).save(out, format="PNG")
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------------


def test_pdf_text_layer_with_the_header_in_two_columns():
    result = read_text(header_pdf(), name="qd-12.pdf")
    assert result == TextResult(HEADER_TEXT, TextSource.TEXT_LAYER, pages=1, needs_ocr=False, signed=False,
                                warnings=[], legacy_encoding="", content_type=sources.PDF)


def test_pdf_pages_are_separated_by_a_form_feed_line():
    result = read_text(header_pdf(pages=2))
    assert result.pages == 2
    assert result.text == HEADER_TEXT + "\n\f\n" + HEADER_TEXT


def test_pdf_written_in_a_legacy_font_is_converted():
    pdf = header_pdf(left=[encode_vni(x) for x in LEFT], right=[encode_vni(x) for x in RIGHT],
                     title=[encode_vni(x) for x in TITLE])
    result = read_text(pdf)
    assert result.text == HEADER_TEXT
    assert result.legacy_encoding == "vni"
    assert result.warnings == ["Văn bản dùng bảng mã cũ VNI và đã được chuyển sang Unicode; hãy kiểm tra lại các trường."]


def test_scanned_pdf_needs_ocr():
    scan = scan_pdf(page_png(header_pdf(), dpi=72), page_png(header_pdf(), dpi=72))
    result = read_text(scan)
    assert result == TextResult("", TextSource.NONE, pages=2, needs_ocr=True, warnings=[sources.MSG_NO_TEXT_LAYER],
                                content_type=sources.PDF)


def test_signed_pdf_is_recognised():
    result = read_text(signed(header_pdf()))
    assert result.signed is True
    assert result.text == HEADER_TEXT
    assert read_text(header_pdf()).signed is False


def test_encrypted_pdf_gives_a_message_not_an_error():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(header_pdf())))
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    result = read_text(out.getvalue())
    assert result == TextResult("", TextSource.NONE, warnings=[sources.MSG_ENCRYPTED], content_type=sources.PDF)


def test_pdf_with_only_an_owner_password_is_read():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(header_pdf())))
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert read_text(out.getvalue()).text == HEADER_TEXT


def test_damaged_pdf():
    result = read_text(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    assert result == TextResult("", TextSource.NONE, warnings=[sources.MSG_PDF_DAMAGED], content_type=sources.PDF)


def test_slow_text_layer_stops_at_the_time_budget():
    result = read_text(header_pdf(pages=3), max_seconds=0.0)
    assert result.warnings == ["Đọc lớp chữ quá 0 giây nên đã dừng ở trang 0/3."]
    assert result.text == ""


# --- Word --------------------------------------------------------------------------------------------


def test_docx_header_table_left_cell_then_right_cell():
    result = read_text(header_docx(), name="qd.docx")
    assert result == TextResult(HEADER_TEXT, TextSource.DOCX, content_type=sources.DOCX)


def test_damaged_docx():
    data = header_docx()
    broken = data[: len(data) // 2]
    result = read_text(broken, name="hong.docx")
    assert result == TextResult("", TextSource.NONE, warnings=[sources.MSG_DOCX_DAMAGED], content_type=sources.DOCX)


def test_doc_without_any_reader_installed(monkeypatch):
    monkeypatch.setattr(sources, "doc_tools", lambda: [])
    result = read_text(sources._OLE2 + b"\x00" * 600, name="cu.doc")
    assert result == TextResult("", TextSource.NONE, warnings=[sources.MSG_DOC_NO_TOOL], content_type=sources.DOC)


@pytest.mark.skipif(not shutil.which("antiword") and not shutil.which("catdoc"), reason="antiword/catdoc missing")
def test_damaged_doc_with_the_real_tools():
    result = read_text(sources._OLE2 + b"\x00" * 600, name="cu.doc")
    assert result.text == ""
    assert result.source == TextSource.NONE
    assert result.warnings == [sources.MSG_DOC_FAILED]


def test_doc_reader_time_limit():
    with pytest.raises(sources.ReadFailed) as caught:
        sources._run_tool(["sleep", "5"], timeout=1)
    assert str(caught.value) == ("Đọc tệp quá 1 giây nên đã dừng. Tệp gốc vẫn được lưu; "
                                 "hãy nhập thông tin bằng tay.")


# --- images ------------------------------------------------------------------------------------------


def test_image_needs_ocr():
    assert read_text(png(), name="scan.png") == TextResult("", TextSource.NONE, pages=1, needs_ocr=True,
                                                           content_type="image/png")


def test_multi_page_tiff_counts_its_pages():
    out = io.BytesIO()
    Image.new("L", (30, 30), 255).save(out, format="TIFF", save_all=True,
                                       append_images=[Image.new("L", (30, 30), 0)])
    result = read_text(out.getvalue())
    assert (result.pages, result.needs_ocr, result.content_type) == (2, True, "image/tiff")


def test_damaged_image():
    result = read_text(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    assert result == TextResult("", TextSource.NONE, warnings=[sources.MSG_IMAGE_DAMAGED], content_type="image/png")


# --- plain text --------------------------------------------------------------------------------------

VI = "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc"


@pytest.mark.parametrize("data", [
    VI.encode("utf-8"), b"\xef\xbb\xbf" + VI.encode("utf-8"), VI.encode("utf-16"), VI.encode("utf-16-le"),
])
def test_unicode_text_files(data):
    assert read_text(data, name="cv.txt") == TextResult(VI, TextSource.PLAIN, content_type=sources.TEXT)


def cp1258(text: str) -> bytes:
    """Windows-1258 as Word wrote it: letters with circumflex, breve or horn precomposed, tones combining."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in parts[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
        letter = unicodedata.normalize("NFC", "".join(m for m in parts if m not in tones))
        out.append(letter + tones)
    return "".join(out).encode("cp1258")


def test_windows_1258_text_file():
    data = cp1258(VI)
    assert read_text(data, name="cv.txt") == TextResult(VI, TextSource.PLAIN, content_type=sources.TEXT)


@pytest.mark.parametrize("encode, name, label", [(encode_tcvn3, "tcvn3", "TCVN3 (ABC)"), (encode_vni, "vni", "VNI")])
def test_legacy_text_files(encode, name, label):
    data = encode(VI.lower()).encode("latin-1")
    result = read_text(data, name="cu.txt")
    assert result.text == VI.lower()
    assert result.legacy_encoding == name
    assert result.warnings == [f"Văn bản dùng bảng mã cũ {label} và đã được chuyển sang Unicode; hãy kiểm tra lại các trường."]


def test_text_in_an_unknown_encoding_keeps_its_bytes_and_warns():
    data = bytes(range(0xC0, 0xFF)) * 3
    result = read_text(data, name="la.txt")
    assert result.source == TextSource.PLAIN
    assert result.warnings == [sources.MSG_UNKNOWN_ENCODING]
    assert result.text == data.decode("cp1252", errors="replace")


# --- anything else -----------------------------------------------------------------------------------


def test_empty_file():
    assert read_text(b"") == TextResult("", TextSource.NONE, warnings=[sources.MSG_EMPTY])


def test_unknown_binary():
    assert read_text(b"\x00\x01\x02binary", name="x.bin") == TextResult("", TextSource.NONE,
                                                                         warnings=[sources.MSG_UNKNOWN_TYPE])


def test_spreadsheet_is_not_read():
    import openpyxl

    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    result = read_text(out.getvalue(), name="bang.xlsx")
    assert result == TextResult("", TextSource.NONE, warnings=[sources.MSG_SPREADSHEET], content_type=sources.XLSX)


def test_reads_from_a_path(tmp_path):
    path = tmp_path / "qd.docx"
    path.write_bytes(header_docx())
    assert read_text(path).text == HEADER_TEXT
