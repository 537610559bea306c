"""Vietnamese text repair: legacy encodings, normal form, tone placement, broken words and header columns."""

import json
import unicodedata

import pytest

from congvu.core.testdata import shared_testdata
from congvu.intake import vntext
from congvu.intake.vntext import Repaired, detect_legacy, encode_tcvn3, encode_viqr, encode_vni, is_syllable, repair

NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
BODY = ("Căn cứ Luật tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; xét đề nghị của giám đốc sở "
        "tài chính tại tờ trình số 45/TTr-STC. Điều 1. Phê duyệt kế hoạch hỗ trợ các hộ nghèo trên địa bàn tỉnh "
        "năm 2024 với tổng kinh phí là một tỷ đồng.")
TESTDATA = shared_testdata("documents", "documents.jsonl")


# --- fixed real-world byte sequences -----------------------------------------------------------------


def test_tcvn3_bytes_from_a_vntime_document():
    raw = b"C\xe9ng ho\xb5 x\xb7 h\xe9i ch\xf1 ngh\xdca Vi\xd6t Nam\n\xa7\xe9c l\xcbp - T\xf9 do - H\xb9nh ph\xf3c"
    result = repair(raw.decode("latin-1"))
    assert result == Repaired("Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc", "tcvn3",
                              ("legacy:tcvn3", "tone_placement"))


def test_tcvn3_capitals_typed_in_an_h_font_come_back_as_capitals():
    raw = b"C\xe9NG H\xdfA X\xb7 H\xe9I CH\xf1 NGH\xdcA VI\xd6T NAM"
    assert repair(raw.decode("latin-1")).text == NATIONAL


def test_vni_bytes_from_a_vni_times_document():
    raw = b"Co\xe4ng ho\xf8a xa\xf5 ho\xe4i chu\xfb ngh\xf3a Vie\xe4t Nam\n\xd1o\xe4c la\xe4p - T\xf6\xef do - Ha\xefnh phu\xf9c"
    result = repair(raw.decode("cp1252"))
    assert result.text == "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc"
    assert result.legacy_encoding == "vni"


def test_viqr_text():
    result = repair("Co^.ng ho`a xa~ ho^.i chu? nghi~a Vie^.t Nam\nDDo^.c la^.p - Tu+. do - Ha.nh phu'c")
    assert result.text == "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc"
    assert result.legacy_encoding == "viqr"


def test_viqr_sentence_full_stops_are_kept():
    result = repair("Ba'o ca'o gu+?i Bo^. Ta`i chi'nh. Co^ng va(n tra? lo+`i nga`y mai.")
    assert result.text == "Báo cáo gửi Bộ Tài chính. Công văn trả lời ngày mai."


# --- round trips through our own tables -----------------------------------------------------------------


@pytest.mark.parametrize("encode, name", [(encode_tcvn3, "tcvn3"), (encode_vni, "vni"), (encode_viqr, "viqr")])
def test_round_trip_of_a_body_paragraph(encode, name):
    encoded = encode(BODY)
    assert encoded != BODY
    result = repair(encoded)
    assert result.text == BODY
    assert result.legacy_encoding == name
    assert detect_legacy(encoded)[0] == name


@pytest.mark.parametrize("encode", [encode_tcvn3, encode_vni, encode_viqr])
def test_round_trip_of_a_capitalised_header(encode):
    header = f"ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM\nSỞ TÀI CHÍNH\n{NATIONAL}\nQUYẾT ĐỊNH\nVỀ VIỆC PHÊ DUYỆT KẾ HOẠCH"
    assert repair(encode(header)).text == header


needs_testdata = pytest.mark.skipif(TESTDATA is None, reason="shared/testdata/documents is not on this machine")


@needs_testdata
def test_round_trip_of_every_test_document_through_vni():
    texts = [json.loads(line)["text"] for line in TESTDATA.read_text(encoding="utf-8").splitlines()]
    clean = "\n".join(repair(t).text for t in texts)
    assert repair(encode_vni(clean)).text == clean


def test_encoders_use_the_published_code_points():
    assert encode_tcvn3("đường Ư") == "\u00ae\u00ad\u00eang \u00a6"
    assert encode_vni("được Đà Nẵng") == "\u00f1\u00f6\u00f4\u00efc \u00d1a\u00f8 Na\u00fcng"
    assert encode_viqr("Việt Nam đẹp") == "Vie^.t Nam dde.p"


# --- never damage correct text ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "The quick brown fox jumps over the lazy dog. I'm sure it's fine, isn't it? Yes. Don't worry (a^b).",
    "Café au lait, déjà vu, naïve résumé, Zürich, señor mañana, voilà, Ærø, smörgåsbord.",
    "Tân Phú, Bình Dương",
    "Nguyễn Văn An, Trưởng phòng Tài chính - Kế hoạch",
    "Số: 12/QĐ-UBND",
    "ID: 12345; email: a.b@example.com; URL https://example.com/a?b=c.",
])
def test_correct_text_is_left_alone(text):
    assert repair(text) == Repaired(text, "", ())


def test_a_unicode_line_of_latin1_letters_in_a_mixed_document_is_kept():
    text = f"{MOTTO}\n{encode_tcvn3(BODY)}\nTân Phú"
    assert repair(text).text == f"{MOTTO}\n{BODY}\nTân Phú"


def test_unicode_lines_of_a_mixed_document_are_not_converted():
    text = f"{NATIONAL}\n{encode_vni(BODY)}\n{MOTTO}"
    result = repair(text)
    assert result.text == f"{NATIONAL}\n{BODY}\n{MOTTO}"
    assert result.legacy_encoding == "vni"


def test_two_accidental_legacy_words_do_not_convert_a_text():
    assert detect_legacy("Ceci est un texte français: à côté, où, très.") == ("", 0.0)


# --- normal form ------------------------------------------------------------------------------------


def test_decomposed_text_is_composed():
    decomposed = unicodedata.normalize("NFD", "Quyết định")
    assert repair(decomposed) == Repaired("Quyết định", "", ("nfc",))


def test_soft_hyphens_and_zero_width_characters_are_removed():
    assert repair("Quy\u00adết đ\u200bịnh\ufeff").text == "Quyết định"


def test_eth_used_for_d_with_stroke_is_fixed_only_in_vietnamese_words():
    assert repair("Ðiều 1. Ðồng ý; Ðorđević").text == "Điều 1. Đồng ý; Ðorđević"


@pytest.mark.parametrize("given, expected", [
    ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
    ("hoà bình, thuỷ lợi, khoẻ mạnh, Toà án, HOÀ", "hòa bình, thủy lợi, khỏe mạnh, Tòa án, HÒA"),
    ("hoàn thành, quý, quỳnh, khuya, thuyền, hoạch, khoá", "hoàn thành, quý, quỳnh, khuya, thuyền, hoạch, khóa"),
])
def test_one_tone_placement_the_classic_one(given, expected):
    assert repair(given).text == expected


# --- words broken across lines and by spacing -------------------------------------------------------------


def test_a_syllable_hyphenated_across_lines_is_rejoined():
    result = repair("Ủy ban nhân dân tỉnh Quả-\nng Nam giao Sở Tài chính")
    assert result == Repaired("Ủy ban nhân dân tỉnh Quảng\nNam giao Sở Tài chính", "", ("rejoined",))


def test_a_syllable_split_by_a_wrap_without_hyphen_is_rejoined():
    assert repair("tỉnh Quả\nng Nam").text == "tỉnh Quảng\nNam"
    assert repair("tỉnh Quả\nng").text == "tỉnh Quảng"


def test_letter_spaced_headers_are_rejoined():
    assert repair("ỦY BAN NHÂN DÂN TỈNH Q UẢNG NAM").text == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM"
    assert repair("Độc l ập").text == "Độc lập"


@pytest.mark.parametrize("text", [
    "nhân dân\ntỉnh Quảng Nam", "Khánh-\nHòa", "điểm b khoản 1", "điểm đ khoản 2", "TP HCM", "UB ND", "Ô tô",
])
def test_whole_words_are_not_joined(text):
    assert repair(text).text == text


# --- header columns --------------------------------------------------------------------------------


def test_interleaved_header_columns_are_separated_left_first():
    text = (f"ỦY BAN NHÂN DÂN {NATIONAL}\n"
            f"TỈNH QUẢNG NAM {MOTTO}\n"
            "Số: 12/QĐ-UBND Quảng Nam, ngày 5 tháng 3 năm 2024\n"
            "QUYẾT ĐỊNH")
    result = repair(text)
    assert result.text.split("\n") == [
        "ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NAM", "Số: 12/QĐ-UBND",
        NATIONAL, MOTTO, "Quảng Nam, ngày 5 tháng 3 năm 2024", "QUYẾT ĐỊNH",
    ]
    assert result.changes == ("header_columns",)


def test_header_run_into_one_line_with_rules_and_ocr_noise():
    text = ("BỘ TÀI CHÍNH ------- CỘNG HÒA XàHỘI CHỦ NGHĨA VIỆT NAM Độc lập – Tự do – Hạnh phúc ---------------\n"
            "Số: 778/TCHQ-GSQL V/v xử lý vướng mắc Hà Nội, ngày 13 tháng 02 năm 2017 Kính gửi: Cục Hải quan")
    assert repair(text).text.split("\n") == [
        "BỘ TÀI CHÍNH", "-------", "Số: 778/TCHQ-GSQL", "V/v xử lý vướng mắc Hà Nội, ngày 13 tháng 02 năm 2017",
        "CỘNG HÒA XàHỘI CHỦ NGHĨA VIỆT NAM", "Độc lập – Tự do – Hạnh phúc", "---------------",
        "Kính gửi: Cục Hải quan",
    ]


@needs_testdata
def test_header_of_a_published_document():
    first = json.loads(TESTDATA.read_text(encoding="utf-8").splitlines()[0])["text"]
    assert repair(first).text.split("\n")[:9] == [
        "VĂN PHÒNG CHÍNH PHỦ", "-------", "Số: 2739/VPCP-ĐMDN",
        "V/v quy định về quản trị doanh nghiệp tại Luật Doanh nghiệp chưa được thực thi",
        NATIONAL, MOTTO, "---------------", "Hà Nội, ngày 05 tháng 04 năm 2019", "Kính gửi: Bộ Kế hoạch và Đầu tư.",
    ]


def test_a_header_already_in_column_order_is_unchanged():
    text = f"ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NAM\nSố: 12/QĐ-UBND\n{NATIONAL}\n{MOTTO}\nQuảng Nam, ngày 5 tháng 3 năm 2024"
    assert repair(text) == Repaired(text, "", ())


def test_signature_marks_start_their_own_line():
    assert repair("Nơi nhận: TM. ỦY BAN NHÂN DÂN\n- Như Điều 3; KT. CHỦ TỊCH").text == (
        "Nơi nhận:\nTM. ỦY BAN NHÂN DÂN\n- Như Điều 3;\nKT. CHỦ TỊCH")


# --- syllables --------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["nghiêng", "Quyết", "ĐỊNH", "gì", "giữ", "khuya", "ương", "hòa", "hoà", "Ủy", "a"])
def test_vietnamese_syllables(word):
    assert is_syllable(word) is True


@pytest.mark.parametrize("word", ["shop", "and", "quick", "tết" + "x", "hát" + "t", "bàc", "Việ" + "T", "UBND", "CộNG", ""])
def test_not_vietnamese_syllables(word):
    assert is_syllable(word) is False


def test_vietnamese_ratio():
    assert vntext.vietnamese_ratio("Ủy ban nhân dân UBND") == 0.8
    assert vntext.vietnamese_ratio("1 2 3") == 0.0
