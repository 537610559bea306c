"""OCR with Tesseract's Vietnamese model through OCRmyPDF: text, searchable copy, signed PDFs, limits."""

import shutil

import pytest

from congvu.intake import ocr, sources
from congvu.intake.sources import read_text
from congvu.intake.tests.test_sources import header_pdf, page_png, png, scan_pdf, signed

needs_ocr = pytest.mark.skipif(ocr.ocr_available() is not None, reason="tesseract-ocr / tesseract-ocr-vie missing")


@pytest.fixture(scope="module")
def header_scan() -> bytes:
    return page_png(header_pdf(font_size=14), dpi=200, crop_top=0.3)


@needs_ocr
def test_ocr_of_an_image_gives_text_and_a_searchable_copy(header_scan):
    calls = []
    original = bytes(header_scan)
    result = ocr.ocr_file(header_scan, content_type="image/png", progress=lambda done, total: calls.append((done, total)))
    lines = result.text.split("\n")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines
    assert "Độc lập - Tự do - Hạnh phúc" in lines
    assert "Số: 12/QĐ-UBND" in lines
    assert (result.pages, result.total_pages, result.warnings) == (1, 1, [])
    assert calls == [(1, 1)]
    assert header_scan == original  # the original bytes are never touched
    copy = read_text(result.pdf)
    assert copy.source == sources.TextSource.TEXT_LAYER
    assert copy.text == result.text


@needs_ocr
def test_signed_pdf_is_ocrd_to_text_only(header_scan):
    scan = signed(scan_pdf(header_scan))
    result = ocr.ocr_file(scan, content_type=sources.PDF, signed=True)
    assert result.pdf is None
    assert "Số: 12/QĐ-UBND" in result.text.split("\n")
    assert result.warnings == [ocr.MSG_SIGNED]


@needs_ocr
def test_page_limit_ocrs_the_first_pages_with_a_message(header_scan):
    scan = scan_pdf(header_scan, header_scan, header_scan)
    result = ocr.ocr_file(scan, content_type=sources.PDF, max_pages=1)
    assert (result.pages, result.total_pages) == (1, 3)
    assert result.warnings == ["Tệp có 3 trang, vượt quá giới hạn 1 trang: chỉ nhận dạng chữ 1 trang đầu; "
                               "bản PDF tìm kiếm được chỉ có chữ ở các trang đó."]
    assert result.text.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 1
    assert read_text(result.pdf).pages == 3


@needs_ocr
def test_time_limit_stops_the_ocr_and_says_so(header_scan):
    scan = scan_pdf(header_scan, header_scan)
    with pytest.raises(ocr.OcrFailed) as caught:
        ocr.ocr_file(scan, content_type=sources.PDF, time_limit=0.5)
    assert caught.value.message == ("Nhận dạng chữ quá 1 phút nên đã dừng. Tệp gốc vẫn được lưu; "
                                    "hãy nhập thông tin bằng tay hoặc tách tệp thành nhiều phần nhỏ hơn.")


@needs_ocr
def test_an_image_without_text():
    result = ocr.ocr_file(png(600, 400), content_type="image/png")
    assert result.text == ""
    assert result.warnings == [ocr.MSG_NO_TEXT_FOUND]


def test_a_damaged_image_is_refused_before_ocr():
    with pytest.raises(ocr.OcrFailed) as caught:
        ocr.ocr_file(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, content_type="image/png")
    assert caught.value.message in (sources.MSG_IMAGE_DAMAGED, ocr.MSG_NO_TESSERACT, ocr.MSG_NO_VIETNAMESE)


def test_without_tesseract_ocr_says_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert ocr.ocr_available() == ocr.MSG_NO_TESSERACT
    with pytest.raises(ocr.OcrFailed) as caught:
        ocr.ocr_file(png(), content_type="image/png")
    assert caught.value.message == ("Máy chủ chưa cài Tesseract (gói tesseract-ocr) nên chưa nhận dạng được chữ "
                                    "từ bản quét. Hãy nhập thông tin văn bản bằng tay.")


def test_without_the_vietnamese_model(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(ocr, "_tesseract_languages", lambda: ("eng", "osd"))
    assert ocr.ocr_available() == ocr.MSG_NO_VIETNAMESE


def test_the_ocr_command_never_rewrites_a_signature_on_the_kept_copy(tmp_path):
    args = ocr.ocr_command(tmp_path / "in.pdf", tmp_path / "out.pdf", pages=3, max_pages=50, jobs=2, signed=False)
    assert "--invalidate-digital-signatures" not in args
    assert args[args.index("-l") + 1] == "vie"
    assert "--pages" not in args
    args = ocr.ocr_command(tmp_path / "in.pdf", tmp_path / "out.pdf", pages=80, max_pages=50, jobs=2, signed=True)
    assert args[args.index("--pages") + 1] == "1-50"
    assert "--invalidate-digital-signatures" in args
