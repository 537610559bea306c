"""Metadata extraction from a document's text (congvu.intake.extract): the real test documents, the noise
real text carries, and never inventing a value."""

import json

import pytest

from congvu.core import testdata
from congvu.intake.extract import (
    CONFIDENCE,
    CONFIDENCE_SCANNED,
    EXTRACTOR_VERSION,
    FIELDS,
    empty_fields,
    explain,
    extract_fields,
)
from congvu.intake.vntext import repair

TESTDATA = testdata.shared_testdata("documents", "documents.jsonl")
DOCS = [json.loads(line) for line in TESTDATA.read_text(encoding="utf-8").splitlines()] if TESTDATA else []
TRUTH_KEYS = ("issuer", "parent_issuer", "number", "notation", "doc_type", "place", "date", "subject", "signer",
              "signer_title")

needs_testdata = pytest.mark.skipif(not DOCS, reason="../shared/testdata/documents is not checked out")


# --- the real documents ------------------------------------------------------------------------------------

@needs_testdata
@pytest.mark.parametrize("index", range(len(DOCS)) if DOCS else [0])
def test_real_document_fields_equal_the_truth(index):
    doc = DOCS[index]
    fields, confidence = extract_fields(doc["text"])
    assert {k: fields[k] for k in TRUTH_KEYS} == doc["truth"]
    assert all(confidence[k] >= 0.8 for k in TRUTH_KEYS if doc["truth"][k] is not None)


@needs_testdata
@pytest.mark.parametrize("index", range(len(DOCS)) if DOCS else [0])
def test_real_document_fields_after_text_repair(index):
    """What registration sees: the text after vntext.repair (header columns split, one tone placement)."""
    doc = DOCS[index]
    fields, _ = extract_fields(repair(doc["text"]).text)
    want = {k: " ".join(repair(v).text.split()) if isinstance(v, str) else v for k, v in doc["truth"].items()}
    assert {k: fields[k] for k in TRUTH_KEYS} == want


@needs_testdata
def test_real_documents_recipients_from_kinh_gui_and_noi_nhan():
    fields, _ = extract_fields(DOCS[7]["text"])  # BHXH 296/BHXH-CSYT: a "Kính gửi" list and a "Nơi nhận" list
    assert fields["recipients"] == [
        "Bảo hiểm xã hội các tỉnh, thành phố trực thuộc Trung ương", "Bảo hiểm xã hội Bộ Quốc phòng",
        "Bảo hiểm xã hội Công an nhân dân", "Tổng Giám đốc (để b/c)", "Các đơn vị: TST, TCKT, TTKT, KTNB, TT, GĐĐT"]
    fields, _ = extract_fields(DOCS[1]["text"])  # "Kính gửi:" run into the first sentence of the body
    assert fields["recipients"] == ["Tổng công ty Khí Việt Nam-CTCP (PV GAS)", "VPCP", "VCCI"]
    assert fields["urgency"] is None and fields["secrecy"] is None


# --- a Decree 30 document, and the noise real text carries ------------------------------------------------------

CONG_VAN = """UBND TỈNH QUẢNG NAM
SỞ NỘI VỤ
_______
Số: 123/SNV-TCBC
V/v hướng dẫn thực hiện chế độ báo cáo
thống kê ngành nội vụ năm 2024
KHẨN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
_______________________
Quảng Nam, ngày 05 tháng 3 năm 2024
Kính gửi:
- Ủy ban nhân dân các huyện, thị xã, thành phố;
- Các sở, ban, ngành thuộc tỉnh.
Thực hiện Thông tư số 03/2018/TT-BNV ngày 06 tháng 3 năm 2018 của Bộ trưởng Bộ Nội vụ, Sở Nội vụ đề nghị
các cơ quan, đơn vị thực hiện báo cáo đúng thời hạn./.
Nơi nhận:
- Như trên;
- UBND tỉnh (b/c);
- Lưu: VT, TCBC.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Nguyễn Văn Bình
"""

CONG_VAN_FIELDS = {
    "issuer": "SỞ NỘI VỤ", "parent_issuer": "UBND TỈNH QUẢNG NAM", "number": "123", "notation": "SNV-TCBC",
    "doc_type": "Công văn", "place": "Quảng Nam", "date": "2024-03-05",
    "subject": "V/v hướng dẫn thực hiện chế độ báo cáo thống kê ngành nội vụ năm 2024",
    "signer": "Nguyễn Văn Bình", "signer_title": "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC", "urgency": "KHẨN", "secrecy": None,
    "recipients": ["Ủy ban nhân dân các huyện, thị xã, thành phố", "Các sở, ban, ngành thuộc tỉnh", "UBND tỉnh (b/c)"],
}


def test_cong_van_every_field():
    fields, confidence = extract_fields(CONG_VAN)
    assert fields == CONG_VAN_FIELDS
    assert set(confidence) == set(FIELDS)
    assert all(0.0 <= v <= 1.0 for v in confidence.values())


def test_columns_side_by_side_as_pdftotext_layout_gives_them():
    text = """        UBND TỈNH QUẢNG NAM                CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
              SỞ NỘI VỤ                         Độc lập - Tự do - Hạnh phúc
               _______                        _______________________
         Số: 123/SNV-TCBC               Quảng Nam, ngày 05 tháng 3 năm 2024
V/v hướng dẫn thực hiện chế độ báo cáo
   thống kê ngành nội vụ năm 2024
                KHẨN

                                      Kính gửi:
- Ủy ban nhân dân các huyện, thị xã, thành phố;
- Các sở, ban, ngành thuộc tỉnh.

     Thực hiện Thông tư số 03/2018/TT-BNV ngày 06 tháng 3 năm 2018 của Bộ trưởng Bộ Nội vụ, Sở Nội vụ đề
nghị các cơ quan, đơn vị thực hiện báo cáo đúng thời hạn./.

Nơi nhận:                                              KT. GIÁM ĐỐC
- Như trên;                                            PHÓ GIÁM ĐỐC
- UBND tỉnh (b/c);
- Lưu: VT, TCBC.

                                                       Nguyễn Văn Bình
"""
    fields, _ = extract_fields(text)
    assert fields == CONG_VAN_FIELDS


def test_columns_interleaved_block_by_block_as_pdftotext_gives_them():
    text = """UBND TỈNH QUẢNG NAM

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT
NAM

SỞ NỘI VỤ

Độc lập - Tự do - Hạnh phúc

Số: 123/SNV-TCBC
V/v hướng dẫn thực hiện chế độ báo cáo
thống kê ngành nội vụ năm 2024

Quảng Nam, ngày 05 tháng 3 năm 2024

KHẨN

Kính gửi:
- Ủy ban nhân dân các huyện, thị xã, thành phố;
- Các sở, ban, ngành thuộc tỉnh.
Thực hiện Thông tư số 03/2018/TT-BNV, Sở Nội vụ đề nghị các cơ quan, đơn vị thực hiện./.
Nơi nhận:

KT. GIÁM ĐỐC

- Như trên;

PHÓ GIÁM ĐỐC

- UBND tỉnh (b/c);
- Lưu: VT, TCBC.

Nguyễn Văn Bình
"""
    fields, _ = extract_fields(text)
    assert fields == CONG_VAN_FIELDS


def test_header_run_together_on_one_line():
    text = ("BỘ TÀI CHÍNH TỔNG CỤC HẢI QUAN ------- CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc "
            "---------------\nSố: 2135/QĐ-TCHQ Hà Nội, ngày 31 tháng 07 năm 2015 QUYẾT ĐỊNH VỀ VIỆC BAN HÀNH QUY "
            "TRÌNH XÁC ĐỊNH TRƯỚC MÃ SỐ TỔNG CỤC TRƯỞNG TỔNG CỤC HẢI QUAN\nCăn cứ Luật Hải quan số 54/2014/QH13 "
            "ngày 23 tháng 6 năm 2014;\nQuyết định này có hiệu lực./.\nNơi nhận:\n- Như Điều 3;\n- Lưu: VT, TXNK "
            "(30b) KT. TỔNG CỤC TRƯỞNG PHÓ TỔNG CỤC TRƯỞNG Nguyễn Dương Thái")
    fields, _ = extract_fields(text)
    assert (fields["parent_issuer"], fields["issuer"]) == ("BỘ TÀI CHÍNH", "TỔNG CỤC HẢI QUAN")
    assert (fields["number"], fields["notation"], fields["doc_type"]) == ("2135", "QĐ-TCHQ", "Quyết định")
    assert (fields["place"], fields["date"]) == ("Hà Nội", "2015-07-31")
    assert fields["subject"] == "VỀ VIỆC BAN HÀNH QUY TRÌNH XÁC ĐỊNH TRƯỚC MÃ SỐ"
    assert (fields["signer"], fields["signer_title"]) == ("Nguyễn Dương Thái", "KT. TỔNG CỤC TRƯỞNG PHÓ TỔNG CỤC TRƯỞNG")
    assert fields["recipients"] == []


DECISION = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NAM
Số: {number}
CỘNG HÒA XàHỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Nam, ngày 12 tháng 01 năm 2016
QUYẾT ĐỊNH
Ban hành Quy định quản lý, sử dụng con dấu
và bảo vệ bí mật nhà nước trên địa bàn tỉnh
ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy định quản lý con dấu./.
Nơi nhận:
- Như Điều 3;
- Lưu: VT, NC.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
(Đã ký)
Lê Trí Thanh
"""


@pytest.mark.parametrize(("printed", "number", "notation"), [
    ("30/2016/QĐ-UBND", "30", "QĐ-UBND"),  # a legal document: the year sits between number and notation
    ("1961/QĐUBND", "1961", "QĐ-UBND"),  # OCR lost the hyphen; QĐ is a known type
    ("1961/QD-UBND", "1961", "QĐ-UBND"),  # OCR lost the stroke of Đ; only QĐ folds to QD
    ("1961/QĐ- UBND", "1961", "QĐ-UBND"),  # a space after the hyphen
    ("05/QĐ-UBND", "05", "QĐ-UBND"),  # padded below 10, kept as printed
    ("    /QĐ-UBND", None, "QĐ-UBND"),  # not numbered yet
])
def test_number_and_notation_with_ocr_noise(printed, number, notation):
    fields, confidence = extract_fields(DECISION.format(number=printed))
    assert (fields["number"], fields["notation"]) == (number, notation)
    assert fields["doc_type"] == "Quyết định"
    assert fields["issuer"] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM" and fields["parent_issuer"] is None
    assert fields["subject"] == "Ban hành Quy định quản lý, sử dụng con dấu và bảo vệ bí mật nhà nước trên địa bàn tỉnh"
    assert (fields["signer"], fields["signer_title"]) == ("Lê Trí Thanh", "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH")
    assert fields["date"] == "2016-01-12"
    if printed in {"1961/QĐUBND", "1961/QD-UBND"}:
        assert confidence["notation"] < CONFIDENCE["notation"]["known"]  # repaired: less sure


def test_glued_notation_is_not_split_when_no_known_type_starts_it():
    fields, _ = extract_fields(DECISION.format(number="77/UBNDTH").replace("QUYẾT ĐỊNH\n", "", 1))
    assert fields["notation"] == "UBNDTH"


def test_subject_in_capitals_containing_bi_mat_is_not_a_secrecy_mark():
    text = DECISION.format(number="5/QĐ-UBND").replace(
        "Ban hành Quy định quản lý, sử dụng con dấu\nvà bảo vệ bí mật nhà nước trên địa bàn tỉnh",
        "VỀ VIỆC BẢO VỆ BÍ MẬT NHÀ NƯỚC KHẨN TRƯƠNG")
    fields, _ = extract_fields(text)
    assert fields["subject"] == "VỀ VIỆC BẢO VỆ BÍ MẬT NHÀ NƯỚC KHẨN TRƯƠNG"
    assert (fields["urgency"], fields["secrecy"]) == (None, None)


@pytest.mark.parametrize(("marks", "urgency", "secrecy"), [
    ("HỎA TỐC\nTỐI MẬT", "HỎA TỐC", "TỐI MẬT"),
    ("THƯỢNG KHẨN", "THƯỢNG KHẨN", None),
    ("TUYỆT MẬT", None, "TUYỆT MẬT"),
    ("MẬT", None, "MẬT"),
])
def test_urgency_and_secrecy_marks_under_the_number(marks, urgency, secrecy):
    fields, confidence = extract_fields(CONG_VAN.replace("KHẨN\n", marks + "\n"))
    assert (fields["urgency"], fields["secrecy"]) == (urgency, secrecy)
    assert confidence["urgency"] > 0.9 and confidence["secrecy"] > 0.9


@pytest.mark.parametrize(("lines", "parent", "issuer"), [
    ("UBND TỈNH QUẢNG NAM\nSỞ NỘI VỤ", "UBND TỈNH QUẢNG NAM", "SỞ NỘI VỤ"),
    ("UBND TỈNH QUẢNG NAM SỞ NỘI VỤ", "UBND TỈNH QUẢNG NAM", "SỞ NỘI VỤ"),
    ("UBND TỈNH LÂM ĐỒNG\nSỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "UBND TỈNH LÂM ĐỒNG", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"),
    ("BỘ CÔNG AN CỤC CẢNH SÁT GIAO THÔNG", "BỘ CÔNG AN", "CỤC CẢNH SÁT GIAO THÔNG"),
    ("ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ\nNẴNG\nBAN QUẢN LÝ DỰ ÁN ĐẦU TƯ XÂY\nDỰNG CÁC CÔNG TRÌNH",
     "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", "BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ XÂY DỰNG CÁC CÔNG TRÌNH"),
    ("UBND THÀNH PHỐ HẢI PHÒNG", None, "UBND THÀNH PHỐ HẢI PHÒNG"),
    ("VĂN PHÒNG CHÍNH PHỦ", None, "VĂN PHÒNG CHÍNH PHỦ"),
    ("BỘ QUỐC PHÒNG", None, "BỘ QUỐC PHÒNG"),
    ("BỘ NỘI VỤ", None, "BỘ NỘI VỤ"),
    ("ỦY BAN NHÂN DÂN\nXÃ HÒA VANG", None, "ỦY BAN NHÂN DÂN XÃ HÒA VANG"),
])
def test_issuer_and_parent_body(lines, parent, issuer):
    fields, confidence = extract_fields(CONG_VAN.replace("UBND TỈNH QUẢNG NAM\nSỞ NỘI VỤ", lines))
    assert (fields["parent_issuer"], fields["issuer"]) == (parent, issuer)
    assert confidence["issuer"] >= 0.9


def test_signature_run_into_the_recipients_by_ocr():
    text = CONG_VAN.replace("""Nơi nhận:
- Như trên;
- UBND tỉnh (b/c);
- Lưu: VT, TCBC.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Nguyễn Văn Bình""", """Nơi nhận:
KT. GIÁM ĐỐC
- Như trên; PHÓ GIÁM ĐÔC
- UBND tỉnh (b/c); l
- Lưu: VT, TCBC. Nguyễn Văn Bình""")
    fields, confidence = extract_fields(text)
    assert (fields["signer"], fields["signer_title"]) == ("Nguyễn Văn Bình", "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC")
    assert confidence["signer_title"] < CONFIDENCE["signer_title"]["prefix"]  # "ĐÔC" spelled back: less sure
    assert fields["recipients"] == CONG_VAN_FIELDS["recipients"]


def test_archive_unit_kt_is_not_a_signing_prefix():
    text = CONG_VAN.replace("- Lưu: VT, TCBC.\nKT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", "- Lưu: VT, KT.\nGIÁM ĐỐC")
    fields, _ = extract_fields(text)
    assert fields["signer_title"] == "GIÁM ĐỐC"


def test_vv_subject_cut_by_the_right_column_continues_after_it():
    text = CONG_VAN.replace("""V/v hướng dẫn thực hiện chế độ báo cáo
thống kê ngành nội vụ năm 2024
KHẨN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
_______________________
Quảng Nam, ngày 05 tháng 3 năm 2024""", """V/v hướng dẫn thực hiện chế độ báo cáo CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
thống kê ngành nội vụ năm 2024 Quảng Nam, ngày 05 tháng 3 năm 2024""")
    fields, _ = extract_fields(text)
    assert fields["subject"] == CONG_VAN_FIELDS["subject"]
    assert (fields["place"], fields["date"]) == ("Quảng Nam", "2024-03-05")


@pytest.mark.parametrize(("line", "place", "date", "date_confidence"), [
    ("Quảng Nam, ngày      tháng      năm 2024", "Quảng Nam", None, CONFIDENCE["date"]["blank"]),
    ("Quảng Nam, ngày 30 tháng 02 năm 2024", "Quảng Nam", None, 0.0),  # no such day: nothing
    ("Thành phố Hồ Chí Minh, ngày 5 tháng 3 năm 2024", "Thành phố Hồ Chí Minh", "2024-03-05",
     CONFIDENCE["date"]["full"]),
    ("TP. Hồ Chí Minh, ngày 15 tháng 12 năm 2025", "TP. Hồ Chí Minh", "2025-12-15", CONFIDENCE["date"]["full"]),
])
def test_place_and_date_line(line, place, date, date_confidence):
    fields, confidence = extract_fields(CONG_VAN.replace("Quảng Nam, ngày 05 tháng 3 năm 2024", line))
    assert (fields["place"], fields["date"]) == (place, date)
    assert confidence["date"] == date_confidence


def test_missing_lines_leave_their_fields_empty():
    """A scan that lost its top: no issuer, no number; what is there is still read."""
    text = CONG_VAN.split("_______________________\n", 1)[1]
    fields, confidence = extract_fields(text)
    assert (fields["issuer"], fields["parent_issuer"], fields["number"], fields["notation"]) == (None,) * 4
    assert (confidence["issuer"], confidence["number"]) == (0.0, 0.0)
    assert (fields["place"], fields["date"], fields["signer"]) == ("Quảng Nam", "2024-03-05", "Nguyễn Văn Bình")
    assert fields["doc_type"] is None  # neither a type name nor "V/v" nor a notation is left


def test_words_split_over_lines_are_joined_by_single_spaces():
    text = CONG_VAN.replace("V/v hướng dẫn thực hiện chế độ báo cáo\nthống kê", "V/v hướng dẫn thực hiện\nchế độ báo "
                                                                                  "cáo   \n  thống kê")
    assert extract_fields(text)[0]["subject"] == CONG_VAN_FIELDS["subject"]


# --- never invent -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "",
    "   \n\n  ",
    "Hôm nay trời đẹp. Chúng tôi đi dạo ở công viên Thống Nhất, ngắm hoa và ăn kem với các bạn cùng lớp.",
    "Giá vàng trong nước sáng nay tăng mạnh, có nơi vượt 90 triệu đồng mỗi lượng. Theo các chuyên gia, xu hướng "
    "này có thể kéo dài đến cuối tháng 12 năm 2024 khi nhu cầu mua vàng dịp cuối năm tăng cao.",
    "The quick brown fox jumps over the lazy dog. Invoice 2024/17 due on 5 March.",
    "1234567890 !!! ### ---- ____",
    "NGUYỄN VĂN A\nTRẦN THỊ B\nCông ty TNHH Minh Phát\nĐịa chỉ: 12 Lê Lợi, Quận 1",
])
def test_a_text_that_is_no_document_gives_every_field_empty(text):
    fields, confidence = extract_fields(text)
    assert fields == empty_fields()
    assert confidence == {k: 0.0 for k in FIELDS}


def test_explain_names_how_each_field_was_found():
    fields, confidence, paths = explain(CONG_VAN)
    assert set(paths) == set(FIELDS)
    assert paths["number"] == "colon" and paths["doc_type"] == "vv" and paths["signer"] == "prefix"
    assert all(confidence[k] == CONFIDENCE[k][paths[k]] for k in FIELDS)
    assert EXTRACTOR_VERSION


# --- OCR text ---------------------------------------------------------------------------------------------

OCR_TEXT = """UBND TỈNH QUẢNG NAM CỘNG HÒA XÃ HỘI CHỦ NGHĨA
SỞ NỘI VỤ VIỆT NAM
mm
Số: 2107/SNV-VP
V/v chủ động ứng phó với bão số 11 và mưa Quảng Nam, ngày 28 tháng 10 năm 2018
Độc lập - Tự do - Hạnh phúc
lũ
KHAN
Kính gửi: Các phòng chuyên môn thuộc Sở.
1. Rà soát, tổng hợp số liệu và gửi báo cáo trước ngày 15 tháng 12 năm 2018 để tổng hợp./.
Nơi nhận:
KT. GIÁM ĐỐC
- Như trên; PHÓ GIÁM ĐÔC
=1ưu: VT, VP. (Đã ký)
Ngô Quốc Phong
"""


def test_ocr_text_with_columns_glued_line_by_line():
    fields, confidence = extract_fields(OCR_TEXT, scanned=True)
    assert fields == {
        "issuer": "SỞ NỘI VỤ", "parent_issuer": "UBND TỈNH QUẢNG NAM", "number": "2107", "notation": "SNV-VP",
        "doc_type": "Công văn", "place": "Quảng Nam", "date": "2018-10-28",
        "subject": "V/v chủ động ứng phó với bão số 11 và mưa lũ", "signer": "Ngô Quốc Phong",
        "signer_title": "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC", "urgency": "KHẨN", "secrecy": None,
        "recipients": ["Các phòng chuyên môn thuộc Sở"],
    }
    _, _, paths = explain(OCR_TEXT, scanned=True)
    assert (paths["urgency"], paths["signer_title"], paths["subject"]) == ("repaired", "repaired", "vv_joined")
    assert confidence == {k: CONFIDENCE_SCANNED[k][paths[k]] for k in FIELDS}


def test_a_date_line_ocr_broke_is_not_replaced_by_a_date_of_the_body():
    fields, confidence = extract_fields(OCR_TEXT.replace("ngày 28 tháng 10", "ngày 238 tháng 10"), scanned=True)
    assert (fields["place"], fields["date"]) == ("Quảng Nam", None)
    assert confidence["date"] == 0.0


@pytest.mark.parametrize(("printed", "notation"), [
    ("2107/QĐÐ-SNV", "QĐ-SNV"),  # OCR read Đ twice, once as the Icelandic Ð
    ("2107/STNMT-QLĐĐ", "STNMT-QLĐĐ"),  # a real double Đ (Quản lý đất đai) is kept
])
def test_notation_stroke_d_from_ocr(printed, notation):
    fields, _ = extract_fields(OCR_TEXT.replace("2107/SNV-VP", printed), scanned=True)
    assert fields["notation"] == notation


def test_ocr_glues_the_name_to_the_archive_line_with_a_comma():
    text = OCR_TEXT.replace("=1ưu: VT, VP. (Đã ký)\nNgô Quốc Phong", "- Lưu: VT, VP, Ngô Quốc Phong")
    fields, _ = extract_fields(text, scanned=True)
    assert (fields["signer"], fields["signer_title"]) == ("Ngô Quốc Phong", "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC")
    assert fields["recipients"] == ["Các phòng chuyên môn thuộc Sở"]
