"""Vocabulary the metadata extractor reads Decree 30 headers with: document types and their
abbreviations, the nouns agency names start with, leaders' titles, provinces (for the place).

Pure data and small helpers, no Django: `congvu.intake.extract` must run without a database.
"""

import json
import unicodedata
from functools import cache
from pathlib import Path

_TYPES_JSON = Path(__file__).resolve().parent.parent / "documents" / "data" / "document_types.json"

# Types the administrative list (Decree 30 Annex III) does not hold but headers carry: normative legal
# documents (Law 80/2015) have their own type names and abbreviations.
_LEGAL_TYPES = [
    ("Luật", ""),
    ("Pháp lệnh", ""),
    ("Nghị định", "NĐ"),
    ("Thông tư", "TT"),
    ("Thông tư liên tịch", "TTLT"),
    ("Nghị quyết liên tịch", "NQLT"),
]


@cache
def type_names() -> dict[str, str]:
    """Folded upper-case type name ("QUYET DINH") → the type's name ("Quyết định"), longest first."""
    names: dict[str, str] = {}
    for row in json.loads(_TYPES_JSON.read_text(encoding="utf-8")):
        names.setdefault(fold(row["name"]), row["name"])
    for name, _abbr in _LEGAL_TYPES:
        names.setdefault(fold(name), name)
    return dict(sorted(names.items(), key=lambda kv: -len(kv[0])))


@cache
def type_abbreviations() -> dict[str, str]:
    """Abbreviation as printed in notations ("QĐ", "QyĐ", "TTr") → the type's name. Current abbreviations
    win over the pre-2020 ones (Decree 30 keeps those for imports)."""
    rows = json.loads(_TYPES_JSON.read_text(encoding="utf-8"))
    rows.sort(key=lambda r: r["valid_to"] is not None)  # current first
    abbrs: dict[str, str] = {}
    for row in rows:
        if row["abbreviation"]:
            abbrs.setdefault(row["abbreviation"], row["name"])
    for name, abbr in _LEGAL_TYPES:
        if abbr:
            abbrs.setdefault(abbr, name)
    return abbrs


@cache
def unambiguous_folded_abbreviations() -> dict[str, str]:
    """Folded abbreviation ("QD") → the printed one ("QĐ") when only one abbreviation folds that way:
    OCR that loses the stroke of Đ can be undone for QĐ, not for HD/HĐ or DA/ĐA."""
    groups: dict[str, set[str]] = {}
    for abbr in type_abbreviations():
        groups.setdefault(fold(abbr), set()).add(abbr)
    return {folded: next(iter(a)) for folded, a in groups.items() if len(a) == 1}


# Nouns an agency's name starts with (folded, upper case). Longest match wins ("UY BAN NHAN DAN" before
# "BAN"); a head right after another head with nothing between is part of the same name
# ("VĂN PHÒNG CHÍNH PHỦ", "BỘ CÔNG AN").
AGENCY_HEADS = [
    "UY BAN NHAN DAN", "UBND", "HOI DONG NHAN DAN", "HDND", "UY BAN", "BO TU LENH", "BO CHI HUY", "BO",
    "TONG CUC", "CHI CUC", "CUC", "SO", "VU", "VAN PHONG", "THANH TRA", "BAN", "PHONG", "TRUNG TAM",
    "HOC VIEN", "VIEN KIEM SAT NHAN DAN", "VIEN", "TRUONG", "BENH VIEN", "DAI HOC", "BAO HIEM XA HOI",
    "KHO BAC NHA NUOC", "KHO BAC", "NGAN HANG", "TOA AN NHAN DAN", "TOA AN", "CONG AN", "KIEM TOAN NHA NUOC",
    "TONG CONG TY", "CONG TY", "TAP DOAN", "CHINH PHU", "THU TUONG CHINH PHU", "QUOC HOI", "CHU TICH NUOC",
    "CHI NHANH", "HAT KIEM LAM", "DOI", "DAI PHAT THANH", "BAO", "LIEN DOAN", "HOI", "QUY", "TRAM",
    "BO CHI HUY QUAN SU", "DANG UY", "HUYEN UY", "TINH UY", "THANH UY", "MAT TRAN TO QUOC",
    "UY BAN MAT TRAN TO QUOC", "DOAN", "TRUONG DAI HOC", "CUC THUE", "CUC HAI QUAN",
]

# A head word that is really the tail of a compound: (previous word, head) or (head, next word).
FUSED_BEFORE = {
    ("QUOC", "PHONG"), ("DU", "PHONG"), ("NOI", "VU"), ("NGOAI", "VU"), ("DICH", "VU"), ("NHIEM", "VU"),
    ("NGHIEP", "VU"), ("CONG", "VU"), ("TAI", "VU"), ("THOI", "VU"), ("XA", "HOI"), ("DAI", "HOI"),
    ("CONG", "DOAN"), ("TAP", "DOAN"), ("THANH", "NIEN"), ("PHAI", "DOAN"), ("KHO", "BAC"), ("TIEN", "TRAM"),
    ("LANH", "DAO"), ("SONG", "DOI"), ("PHAN", "DOI"), ("QUAN", "DOI"), ("TRUNG", "DOAN"), ("SU", "DOAN"),
    ("THUONG", "VU"), ("LUAT", "SU"), ("NGAN", "QUY"), ("HIEU", "TRUONG"), ("THI", "TRUONG"),
    ("MOI", "TRUONG"), ("BO", "TRUONG"), ("CUC", "TRUONG"), ("VIEN", "TRUONG"), ("THU", "TRUONG"),
    ("QUAN", "HOI"), ("HOC", "VIEN"),
}
FUSED_AFTER = {
    ("PHONG", "CHONG"), ("PHONG", "CHAY"), ("PHONG", "NGUA"), ("PHONG", "BENH"), ("PHONG", "THU"),
    ("BAN", "HANH"), ("SO", "HUU"), ("DOI", "MOI"), ("DOI", "VOI"), ("DOI", "NGOAI"), ("DOAN", "THE"),
    ("HOI", "NHAP"), ("HOI", "NGHI"), ("HOI", "DONG"), ("BAO", "CAO"), ("BAO", "VE"), ("BAO", "DAM"),
    ("BAO", "HIEM"), ("QUY", "DINH"), ("QUY", "CHE"), ("QUY", "HOACH"), ("QUY", "TRINH"), ("BO", "SUNG"),
    ("VU", "VIEC"), ("TRUONG", "HOP"), ("SO", "LIEU"), ("CUC", "BO"), ("VIEN", "CHUC"), ("TRAM", "Y"),
}

# Leaders' titles (printed form) that open the authority line under a subject ("CHỦ TỊCH ỦY BAN NHÂN
# DÂN TỈNH …", "BỘ TRƯỞNG BỘ …") and stand in signature blocks.
LEADER_TITLES = [
    "PHÓ CHỦ TỊCH", "CHỦ TỊCH", "PHÓ THỦ TƯỚNG", "THỦ TƯỚNG", "BỘ TRƯỞNG, CHỦ NHIỆM", "BỘ TRƯỞNG",
    "THỨ TRƯỞNG", "PHÓ TỔNG CỤC TRƯỞNG", "TỔNG CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "CỤC TRƯỞNG",
    "PHÓ CHI CỤC TRƯỞNG", "CHI CỤC TRƯỞNG", "PHÓ TỔNG GIÁM ĐỐC", "TỔNG GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "GIÁM ĐỐC",
    "PHÓ CHÁNH VĂN PHÒNG", "CHÁNH VĂN PHÒNG", "CHÁNH THANH TRA", "CHÁNH ÁN", "PHÓ VỤ TRƯỞNG", "VỤ TRƯỞNG",
    "VIỆN TRƯỞNG", "HIỆU TRƯỞNG", "PHÓ TRƯỞNG BAN", "TRƯỞNG BAN", "PHÓ TRƯỞNG PHÒNG", "TRƯỞNG PHÒNG",
    "TỔNG KIỂM TOÁN NHÀ NƯỚC", "THỐNG ĐỐC", "CHỦ NHIỆM", "BÍ THƯ", "TƯ LỆNH", "THỦ TRƯỞNG", "TỔNG THƯ KÝ",
]

# Words of signature titles: an OCR misreading of one ("VU TRƯỞNG", "CÁN BÔ") is spelled back when its
# folded form belongs to one word only.
_TITLE_EXTRA_WORDS = ("ỦY BAN NHÂN DÂN HỘI ĐỒNG CÁN BỘ TỔ CHỨC TỔNG HỢP HÀNH CHÍNH KẾ HOẠCH TÀI QUẢN TRỊ NỘI VỤ "
                      "PHÁP CHẾ THI ĐUA KHEN THƯỞNG CÔNG TÁC VĂN PHÒNG THANH TRA")


@cache
def title_words() -> dict[str, str]:
    words: dict[str, set[str]] = {}
    for phrase in [*LEADER_TITLES, _TITLE_EXTRA_WORDS]:
        for word in phrase.replace(",", " ").split():
            words.setdefault(fold(word), set()).add(word)
    return {folded: next(iter(ws)) for folded, ws in words.items() if len(ws) == 1}


# Folded pieces one of which every signer's title contains.
TITLE_KEYWORDS = (
    "CHU TICH", "TRUONG", "GIAM DOC", "THU TUONG", "CHANH", "BI THU", "CHU NHIEM", "TU LENH", "THONG DOC",
    "THU KY", "KIEM TOAN", "UY VIEN", "CHINH UY", "KE TOAN", "TRUONG BAN", "CHU TRI", "PHO",
)

SIGNING_PREFIXES = ("TM.", "KT.", "TL.", "TUQ.", "Q.", "PP.", "T/M", "K/T", "T/L")

# Provinces and centrally governed cities before and after the 2025 mergers, as printed in date lines.
PLACES = {
    "Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh",
    "Tp. Hồ Chí Minh", "TP Hồ Chí Minh", "Hồ Chí Minh", "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn",
    "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau",
    "Cao Bằng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam",
    "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum",
    "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình",
    "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị",
    "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế",
    "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái", "Hoà Bình", "Khánh Hoà",
    "Thanh Hoá",
}

# Common Vietnamese family names: a signer's name starting with one is very likely a name.
SURNAMES = {
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Đinh", "Đoàn", "Lâm", "Mai", "Trịnh", "Trương", "Đào", "Cao", "Lương", "Tạ", "Hà", "Lưu",
    "Tô", "Châu", "Triệu", "Vương", "Kiều", "Quách", "Thái", "Tăng", "Từ", "Chu", "La", "Văn", "Khúc", "Nông",
    "Lò", "Hứa", "Giang", "Tống", "Phùng", "Âu", "Mạc", "Lại", "Thân", "Cù", "Doãn", "Kim", "Diệp", "Y",
}


def _fold_char(ch: str) -> str:
    if ch in "đĐðÐ":
        return "D"
    base = unicodedata.normalize("NFD", ch)[0]
    return base.upper() if base.isascii() and base.isalpha() else ch


_FOLD_TABLE = {cp: _fold_char(chr(cp)) for cp in list(range(0x61, 0x7B)) + list(range(0xC0, 0x250))
               + list(range(0x1E00, 0x1F00))}


def fold(text: str) -> str:
    """Upper-case ASCII letters for Vietnamese ones, one character for one: positions in the folded text
    are positions in the original, so patterns matched on the folded text cut values from the original."""
    return text.translate(_FOLD_TABLE)
