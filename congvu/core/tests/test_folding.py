"""Vietnamese folding (REGULATIONS §7) and alphabetical order: plain functions, no database."""

import unicodedata

import pytest

from congvu.core.folding import fold, fold_for_index, fold_words, nfc, vi_sort_key


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("text, folded", [
    ("Quyết định", "quyet dinh"),
    ("ĐẮK LẮK", "dak lak"),
    ("đường Điện Biên Phủ", "duong dien bien phu"),
    ("Thượng khẩn", "thuong khan"),
    ("Hỏa tốc", "hoa toc"),
    ("Ủy ban nhân dân", "uy ban nhan dan"),
    ("Tuyệt mật", "tuyet mat"),
    ("Nguyễn Thị Ngọc Ánh", "nguyen thi ngoc anh"),
    ("QĐ-UBND", "qd-ubnd"),
    ("", ""),
])
def test_fold_removes_case_tone_and_vowel_marks_and_the_d_bar(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("a, b", [
    ("hoà", "hòa"), ("thuỷ", "thủy"), ("Khoẻ", "Khỏe"), ("Quý", "Qúy"),
    ("HOÀ BÌNH", "hòa bình"), ("Đà Nẵng", "da nang"), ("QĐ-UBND", "QD-UBND"),
])
def test_both_tone_placements_and_plain_letters_fold_alike(a, b):
    assert fold(a) == fold(b)


def test_nfd_and_nfc_fold_alike_and_nfc_is_what_is_stored():
    subject = "Về việc kiện toàn Ban Chỉ đạo phòng, chống thiên tai và tìm kiếm cứu nạn"
    assert fold(nfd(subject)) == fold(subject)
    assert nfc(nfd(subject)) == subject
    assert unicodedata.is_normalized("NFC", nfc(nfd(subject)))
    assert nfc(None) == ""


def test_stacked_marks_fold_fully():
    # FTS5's remove_diacritics 1 misses these; congvu folds before indexing
    assert fold("Kiếm Ổn Ựa Ỵ Ẫm") == "kiem on ua y am"


def test_fold_words_splits_on_everything_that_is_not_a_letter_or_digit():
    assert fold_words("Số: 12/QĐ-UBND, ngày 05/3/2026") == ["so", "12", "qd", "ubnd", "ngay", "05", "3", "2026"]
    assert fold_words("   —  ") == []


def test_fold_for_index_joins_words_with_single_spaces():
    assert fold_for_index("  UBND  tỉnh\tQuảng   Nam\n") == "ubnd tinh quang nam"
    assert fold_for_index(nfd("Sở Tài nguyên và Môi trường")) == "so tai nguyen va moi truong"
    assert fold_for_index("") == ""


def _sorted(names):
    return sorted(names, key=vi_sort_key)


def test_vietnamese_alphabet_order_of_letters():
    # a ă â … d đ … o ô ơ … u ư: each marked letter is its own letter, after the plain one
    assert _sorted(["Ân", "Ăn", "An"]) == ["An", "Ăn", "Ân"]
    assert _sorted(["Đức", "Dũng", "Duy"]) == ["Dũng", "Duy", "Đức"]
    assert _sorted(["Ơn", "Ôn", "On"]) == ["On", "Ôn", "Ơn"]
    assert _sorted(["Ưng", "Ung", "Vân"]) == ["Ung", "Ưng", "Vân"]
    assert _sorted(["Ê", "E", "F"]) == ["E", "Ê", "F"]


def test_tones_only_break_ties_in_their_regulated_order():
    # ngang, huyền, hỏi, ngã, sắc, nặng
    assert _sorted(["mạ", "má", "mã", "mả", "mà", "ma"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    # letters first: "Bà Rịa" comes before "Ba Tơ" although ngang sorts before huyền
    assert _sorted(["Ba Tơ", "Bà Rịa"]) == ["Bà Rịa", "Ba Tơ"]


def test_real_officials_sort_as_a_clerk_expects():
    names = ["Trần Thị Ánh", "Nguyễn Văn An", "Đặng Văn Bình", "Dương Thị Cúc", "Lê Văn Hùng", "Âu Dương Phong",
             "Ông Văn Đức", "Ưng Hoàng Phúc", "Bùi Thị Xuân", "Lê Văn Hưng"]
    assert _sorted(names) == ["Âu Dương Phong", "Bùi Thị Xuân", "Dương Thị Cúc", "Đặng Văn Bình", "Lê Văn Hùng",
                              "Lê Văn Hưng", "Nguyễn Văn An", "Ông Văn Đức", "Trần Thị Ánh", "Ưng Hoàng Phúc"]


def test_real_agencies_sort_with_a_word_before_its_longer_neighbours():
    agencies = ["UBND xã Quế Phước", "UBND xã Quế Ninh", "UBND xã Ninh Phước", "UBND xã Quế Lâm",
                "UBND xã Phước Ninh", "UBND huyện Nông Sơn", "Phòng Nội vụ", "Phòng Tài chính - Kế hoạch"]
    assert _sorted(agencies) == [
        "Phòng Nội vụ", "Phòng Tài chính - Kế hoạch", "UBND huyện Nông Sơn", "UBND xã Ninh Phước",
        "UBND xã Phước Ninh", "UBND xã Quế Lâm", "UBND xã Quế Ninh", "UBND xã Quế Phước"]
    # a word boundary sorts before any letter: "Hà Nam" before "Hàm Yên", "Lê Vân" before "Lêa"
    assert _sorted(["Hàm Yên", "Hà Nam"]) == ["Hà Nam", "Hàm Yên"]
    assert _sorted(["Lêa", "Lê Vân"]) == ["Lê Vân", "Lêa"]


def test_sort_key_ignores_case_spacing_tone_placement_and_normal_form():
    assert vi_sort_key("Hoà Vang") == vi_sort_key("Hòa Vang")
    assert vi_sort_key("Thuỷ") == vi_sort_key("Thủy")
    assert vi_sort_key(nfd("Quảng Nam")) == vi_sort_key("QUẢNG NAM")
    assert vi_sort_key("  Hà   Nam ") == vi_sort_key("Hà Nam")
    assert vi_sort_key("") == vi_sort_key(None) == ((), ())


def test_digits_sort_before_letters():
    assert _sorted(["Tổ A", "Tổ 2", "Tổ 1"]) == ["Tổ 1", "Tổ 2", "Tổ A"]
