"""OCR time per page: congvu's OCR (OCRmyPDF driving Tesseract, producing the searchable PDF copy) against
running `tesseract` alone on the same page image. Goal: within 1.2x.

    .venv/bin/python -m bench.ocr [--pages 4] [--dpi 300] [--runs 2] [--jobs 1]

Pages are Vietnamese administrative documents rendered with fpdf2 (header in two columns, body, signature),
rasterised to PNG at --dpi and wrapped in an image-only PDF: a scan as a copier makes it. Tesseract alone is
`tesseract page.png out -l vie pdf` (recognition plus its own text-layer PDF) per page, one after another;
congvu's is `congvu.intake.ocr.ocr_file(scan.pdf)` on the whole document with the same number of
processes (--jobs). The character accuracy of both against the source text is printed too.
"""

import argparse
import difflib
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
BODY = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung một số điều "
    "của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 năm 2019; căn cứ Nghị "
    "định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; xét đề nghị của Giám "
    "đốc Sở Tài chính tại Tờ trình số {n}/TTr-STC. Điều 1. Phê duyệt kế hoạch hỗ trợ các hộ nghèo, hộ cận "
    "nghèo trên địa bàn tỉnh năm 2024 với tổng kinh phí là một tỷ hai trăm triệu đồng. Điều 2. Giao Sở Tài "
    "chính chủ trì, phối hợp với các sở, ngành liên quan và Ủy ban nhân dân các huyện, thị xã, thành phố "
    "hướng dẫn, kiểm tra việc thực hiện; báo cáo kết quả về Ủy ban nhân dân tỉnh trước ngày 15 tháng 12. "
    "Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc các sở, Thủ trưởng các cơ quan, đơn vị có liên "
    "quan chịu trách nhiệm thi hành Quyết định này kể từ ngày ký."
)


def page_pdf(n: int) -> tuple[bytes, str]:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("Serif", "", FONT)
    pdf.add_font("Serif", "B", FONT_BOLD)
    left = ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NAM", "-------", f"Số: {n}/QĐ-UBND"]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "---------------",
             f"Quảng Nam, ngày {n % 28 + 1} tháng 3 năm 2024"]
    y = 15
    for a, b in zip(left, right):
        pdf.set_font("Serif", "B", 12)
        pdf.set_xy(10, y)
        pdf.cell(70, 6, a, align="C")
        pdf.set_xy(85, y)
        pdf.cell(115, 6, b, align="C")
        y += 7
    pdf.set_xy(10, y + 8)
    pdf.cell(190, 7, "QUYẾT ĐỊNH", align="C")
    pdf.set_font("Serif", "", 13)
    pdf.set_xy(20, y + 22)
    body = BODY.format(n=n)
    pdf.multi_cell(170, 7, body)
    pdf.set_font("Serif", "B", 12)
    pdf.set_xy(110, pdf.get_y() + 10)
    pdf.multi_cell(80, 6, "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\n\nNguyễn Văn An", align="C")
    text = "\n".join(left + right + ["QUYẾT ĐỊNH", body, "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH Nguyễn Văn An"])
    return bytes(pdf.output()), text


def raster(pdf_bytes: bytes, dpi: int) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    image = doc[0].render(scale=dpi / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    doc.close()
    return out.getvalue()


def similarity(a: str, b: str) -> float:
    norm = lambda s: " ".join(s.split())  # noqa: E731
    return difflib.SequenceMatcher(None, norm(a), norm(b), autojunk=False).ratio()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    common.setup()
    import img2pdf

    from congvu.intake import ocr

    reason = ocr.ocr_available()
    if reason:
        sys.exit(reason)
    tmp = Path(tempfile.mkdtemp(prefix="congvu-bench-ocr-"))
    pngs, truths = [], []
    for n in range(args.pages):
        pdf, truth = page_pdf(100 + n)
        png = tmp / f"page{n}.png"
        png.write_bytes(raster(pdf, args.dpi))
        pngs.append(png)
        truths.append(truth)
    scan = img2pdf.convert([str(p) for p in pngs])

    alone, ours = [], []
    alone_text = ""
    result = None
    for _ in range(args.runs):
        started = time.perf_counter()
        texts = []
        for png in pngs:
            subprocess.run(["tesseract", str(png), str(png.with_suffix("")), "-l", "vie", "pdf", "txt"],
                           check=True, capture_output=True, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
            texts.append(png.with_suffix(".txt").read_text(encoding="utf-8"))
        alone.append((time.perf_counter() - started) / args.pages)
        alone_text = "\n".join(texts)
        started = time.perf_counter()
        result = ocr.ocr_file(scan, content_type="application/pdf", jobs=args.jobs)
        ours.append((time.perf_counter() - started) / args.pages)
    truth = "\n".join(truths)
    a, o = statistics.median(alone), statistics.median(ours)
    print(f"pages: {args.pages} at {args.dpi} dpi, {args.runs} runs, jobs={args.jobs}")
    print(f"tesseract alone:          {a:.2f} s/page   text similarity {similarity(alone_text, truth):.3f}")
    print(f"congvu OCR (ocrmypdf):    {o:.2f} s/page   text similarity {similarity(result.text, truth):.3f}")
    print(f"ratio:                    {o / a:.2f}x  (goal <= 1.2x)")
    print(f"searchable copy: {len(result.pdf):,} bytes for a {len(scan):,}-byte scan")


if __name__ == "__main__":
    main()
