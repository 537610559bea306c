"""`congvu extract FILE... [--json]`: one JSON object per file and line, exactly the contract's keys; bad files
reported on stderr with a non-zero exit while the others are still read."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from congvu.intake import ocr
from congvu.intake.extract import CONFIDENCE
from congvu.intake.tests.test_extract import CONG_VAN, CONG_VAN_FIELDS

KEYS = ["issuer", "parent_issuer", "number", "notation", "doc_type", "place", "date", "subject", "signer",
        "signer_title", "urgency", "secrecy", "recipients", "confidence"]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def run(*args) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command("extract", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def write_txt(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_has_exactly_the_contract_keys_in_order(tmp_path):
    out, err, error = run(write_txt(tmp_path, "cv.txt", CONG_VAN), "--json")
    assert error is None and err == ""
    lines = out.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert list(record) == KEYS
    assert {k: record[k] for k in KEYS[:-1]} == CONG_VAN_FIELDS
    assert list(record["confidence"]) == KEYS[:-1]
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in record["confidence"].values())


def test_missing_values_are_null_and_recipients_an_empty_list(tmp_path):
    out, _, error = run(write_txt(tmp_path, "prose.txt", "Hôm nay trời đẹp, chúng tôi đi dạo trong công viên."),
                        "--json")
    assert error is None
    record = json.loads(out)
    assert record == {**{k: None for k in KEYS[:-2]}, "recipients": [], "confidence": {k: 0.0 for k in KEYS[:-1]}}


def test_several_files_one_line_each_in_the_order_given(tmp_path):
    second = CONG_VAN.replace("Số: 123/SNV-TCBC", "Số: 456/SNV-VP")
    out, _, error = run(write_txt(tmp_path, "a.txt", CONG_VAN), write_txt(tmp_path, "b.txt", second), "--json")
    assert error is None
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["number"], r["notation"]) for r in records] == [("123", "SNV-TCBC"), ("456", "SNV-VP")]


def test_a_bad_file_is_reported_and_the_others_still_read(tmp_path):
    corrupt = tmp_path / "hong.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref")
    missing = tmp_path / "khong-co.pdf"
    good = write_txt(tmp_path, "cv.txt", CONG_VAN)
    out, err, error = run(corrupt, good, missing, "--json")
    assert error is not None and error.returncode == 1
    assert str(error) == "2/3 tệp không đọc được."
    assert [json.loads(line)["number"] for line in out.splitlines()] == ["123"]
    err_lines = err.splitlines()
    assert len(err_lines) == 2
    assert err_lines[0].startswith(f"{corrupt}: ") and "PDF" in err_lines[0]
    assert err_lines[1] == f"{missing}: không tìm thấy tệp"


def test_summary_in_vietnamese(tmp_path):
    out, _, error = run(write_txt(tmp_path, "cv.txt", CONG_VAN))
    assert error is None
    lines = out.splitlines()
    assert lines[0] == f"== {tmp_path / 'cv.txt'}"
    assert lines[1] == f"Cơ quan ban hành: SỞ NỘI VỤ  [{round(CONFIDENCE['issuer']['head_split'] * 100)}%]"
    assert any(line.startswith("Ngày ban hành:") and "05/03/2024" in line for line in lines)
    assert any(line.startswith("Độ mật:") and line.endswith("(không có)") for line in lines)
    assert any(line.startswith("Độ khẩn:") and "KHẨN" in line for line in lines)


def _docx(path: Path) -> Path:
    from docx import Document

    d = Document()
    table = d.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].add_run("UBND TỈNH QUẢNG NAM")
    for line in ("SỞ NỘI VỤ", "Số: 123/SNV-TCBC", "V/v hướng dẫn thực hiện chế độ báo cáo thống kê ngành nội vụ "
                 "năm 2024", "KHẨN"):
        left.add_paragraph(line)
    right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    right.add_paragraph("Độc lập - Tự do - Hạnh phúc")
    right.add_paragraph("Quảng Nam, ngày 05 tháng 3 năm 2024")
    d.add_paragraph("Kính gửi:")
    d.add_paragraph("- Ủy ban nhân dân các huyện, thị xã, thành phố;")
    d.add_paragraph("- Các sở, ban, ngành thuộc tỉnh.")
    d.add_paragraph("Sở Nội vụ đề nghị các cơ quan, đơn vị thực hiện báo cáo đúng thời hạn./.")
    foot = d.add_table(rows=1, cols=2)
    left, right = foot.rows[0].cells
    left.paragraphs[0].add_run("Nơi nhận:")
    for line in ("- Như trên;", "- UBND tỉnh (b/c);", "- Lưu: VT, TCBC."):
        left.add_paragraph(line)
    right.paragraphs[0].add_run("KT. GIÁM ĐỐC")
    for line in ("PHÓ GIÁM ĐỐC", "", "Nguyễn Văn Bình"):
        right.add_paragraph(line)
    d.save(str(path))
    return path


def test_docx_file(tmp_path):
    out, err, error = run(_docx(tmp_path / "cv.docx"), "--json")
    assert error is None, err
    record = json.loads(out)
    assert {k: record[k] for k in KEYS[:-1]} == CONG_VAN_FIELDS


def _pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for line in CONG_VAN.splitlines():
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


@pytest.mark.skipif(not FONT.exists(), reason="fonts-dejavu-core missing (a Vietnamese font to write the PDF)")
def test_pdf_text_layer(tmp_path):
    out, err, error = run(_pdf(tmp_path / "cv.pdf"), "--json")
    assert error is None, err
    record = json.loads(out)
    assert {k: record[k] for k in KEYS[:-1]} == CONG_VAN_FIELDS


@pytest.mark.skipif(ocr.ocr_available() is not None or not FONT.exists(),
                    reason="tesseract-ocr / tesseract-ocr-vie / ocrmypdf or fonts-dejavu-core missing")
def test_scanned_image_is_read_through_ocr(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    lines = CONG_VAN.splitlines()[:11]  # the header: issuer to the date line
    font = ImageFont.truetype(str(FONT), 40)
    image = Image.new("L", (2000, 80 + 60 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((80, 40 + 60 * i), line, font=font, fill=0)
    path = tmp_path / "scan.png"
    image.save(path, dpi=(300, 300))
    out, err, error = run(path, "--json")
    assert error is None, err
    record = json.loads(out)
    assert (record["number"], record["notation"], record["doc_type"]) == ("123", "SNV-TCBC", "Công văn")
    assert (record["place"], record["date"]) == ("Quảng Nam", "2024-03-05")
    assert (record["parent_issuer"], record["issuer"]) == ("UBND TỈNH QUẢNG NAM", "SỞ NỘI VỤ")
