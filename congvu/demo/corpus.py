"""Synthetic but realistic Vietnamese correspondence: issuers, notations, signers and subjects.

Plain functions over a seeded `random.Random`, no database: the demo and the benchmark dataset
generator both draw from here, so the same seed always gives the same documents.
"""

import datetime as dt
import random
from dataclasses import dataclass

import holidays

# --- calendar ----------------------------------------------------------------------------------

def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Weekdays from `start` to `end` inclusive, minus Vietnamese public holidays (the `holidays` package)."""
    vn = holidays.country_holidays("VN", years=range(start.year, end.year + 1))
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in vn:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


# --- issuers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Issuer:
    name: str
    code: str  # issuer abbreviation in the notation: "UBND" in "56/QĐ-UBND"
    units: tuple[str, ...]  # unit codes used in Công văn notations: "KTTH" in "1234/UBND-KTTH"
    signers: tuple[tuple[str, str], ...]  # (full name, signing block)
    weight: int  # how often this issuer writes to a district


# Names are invented; titles follow Decree 30 Annex I signing blocks (TM./KT./TL./Q.).
EXTERNAL_ISSUERS: tuple[Issuer, ...] = (
    Issuer("UBND tỉnh Quảng Nam", "UBND", ("KTTH", "KTN", "NC", "VX", "TH"),
           (("Lê Văn Dũng", "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"),
            ("Trần Anh Tuấn", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"),
            ("Hồ Quang Bửu", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"),
            ("Nguyễn Hồng Quang", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")), 30),
    Issuer("Văn phòng UBND tỉnh Quảng Nam", "VP", ("KTTH", "KTN", "NC", "VX", "HCTC"),
           (("Nguyễn Văn Hùng", "CHÁNH VĂN PHÒNG"), ("Phan Xuân Cảnh", "KT. CHÁNH VĂN PHÒNG / PHÓ CHÁNH VĂN PHÒNG")),
           12),
    Issuer("Sở Nội vụ tỉnh Quảng Nam", "SNV", ("XDCQ", "TCBC", "CCHC", "VTLT", "TĐKT"),
           (("Võ Văn Thương", "GIÁM ĐỐC"), ("Đoàn Thị Minh Hạnh", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")), 10),
    Issuer("Sở Tài chính tỉnh Quảng Nam", "STC", ("NS", "ĐT", "QLG", "TCDN"),
           (("Phạm Văn Thanh", "GIÁM ĐỐC"), ("Lê Thị Thu Hà", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")), 8),
    Issuer("Sở Kế hoạch và Đầu tư tỉnh Quảng Nam", "SKHĐT", ("TH", "ĐTG", "KTN"),
           (("Lê Văn Trường", "GIÁM ĐỐC"),), 5),
    Issuer("Sở Tài nguyên và Môi trường tỉnh Quảng Nam", "STNMT", ("QLĐĐ", "MT", "TNN", "KS"),
           (("Nguyễn Công Thủy", "GIÁM ĐỐC"), ("Đặng Văn Hòa", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")), 6),
    Issuer("Sở Nông nghiệp và Phát triển nông thôn tỉnh Quảng Nam", "SNN", ("KHTC", "TTBVTV", "CCKL"),
           (("Nguyễn Viết Thủy", "GIÁM ĐỐC"),), 6),
    Issuer("Sở Giáo dục và Đào tạo tỉnh Quảng Nam", "SGDĐT", ("GDTrH", "GDTH", "KTKĐ"),
           (("Hồ Thị Kim Thoa", "GIÁM ĐỐC"),), 4),
    Issuer("Sở Y tế tỉnh Quảng Nam", "SYT", ("NVY", "KHTC", "NVD"),
           (("Nguyễn Văn Văn", "GIÁM ĐỐC"), ("Trương Đình Quý", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")), 4),
    Issuer("Sở Xây dựng tỉnh Quảng Nam", "SXD", ("QLN", "KT&VLXD", "QHKT"),
           (("Lê Thuận", "GIÁM ĐỐC"),), 4),
    Issuer("Sở Thông tin và Truyền thông tỉnh Quảng Nam", "STTTT", ("CNTT", "TTBCXB", "BCVT"),
           (("Võ Thị Thanh Hà", "GIÁM ĐỐC"),), 4),
    Issuer("Sở Lao động - Thương binh và Xã hội tỉnh Quảng Nam", "SLĐTBXH", ("NCC", "BTXH", "LĐVL"),
           (("Đinh Văn Thu", "GIÁM ĐỐC"),), 3),
    Issuer("Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Nam", "SVHTTDL", ("QLVH", "QLTT", "QLDL"),
           (("Nguyễn Thanh Hồng", "GIÁM ĐỐC"),), 3),
    Issuer("Công an tỉnh Quảng Nam", "CAT", ("PV01", "PC06", "PC07"),
           (("Đại tá Nguyễn Đức Dũng", "GIÁM ĐỐC"),), 2),
    Issuer("Bộ Nội vụ", "BNV", ("CQĐP", "TCBC", "CCHC", "VP"),
           (("Phạm Thị Thanh Trà", "BỘ TRƯỞNG"), ("Vũ Đăng Minh", "TL. BỘ TRƯỞNG / CHÁNH VĂN PHÒNG")), 2),
    Issuer("Bộ Tài chính", "BTC", ("NSNN", "ĐT", "VP"),
           (("Trần Quốc Phương", "KT. BỘ TRƯỞNG / THỨ TRƯỞNG"),), 1),
    Issuer("Ban Chỉ huy Phòng chống thiên tai và Tìm kiếm cứu nạn tỉnh Quảng Nam", "BCH",
           ("PCTT",), (("Trần Anh Tuấn", "TRƯỞNG BAN"),), 2),
    Issuer("Bảo hiểm xã hội tỉnh Quảng Nam", "BHXH", ("QLT", "CSXH", "KHTC"),
           (("Nguyễn Văn Quang", "GIÁM ĐỐC"),), 2),
    Issuer("Kho bạc Nhà nước Quảng Nam", "KBNN", ("KSC", "KTNN"),
           (("Phạm Văn Lợi", "GIÁM ĐỐC"),), 2),
)


def commune_issuer(name: str) -> Issuer:
    """A commune People's Committee writing to the district."""
    return Issuer(name, "UBND", ("VP", "ĐC", "VHXH"),
                  (("Nguyễn Văn Sáu", "CHỦ TỊCH"), ("Hồ Thị Lan", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")), 3)


def pick_issuer(rng: random.Random, issuers: list[Issuer]) -> Issuer:
    return rng.choices(issuers, weights=[i.weight for i in issuers])[0]


# --- document types ----------------------------------------------------------------------------

# (DocumentType.code, weight) for what a district or commune receives and sends.
INCOMING_TYPES = (
    ("cong_van", 44), ("quyet_dinh", 11), ("giay_moi", 10), ("ke_hoach", 8), ("thong_bao", 8),
    ("bao_cao", 5), ("huong_dan", 4), ("to_trinh", 2), ("chi_thi", 2), ("cong_dien", 2), ("nghi_quyet", 1),
    ("chuong_trinh", 1), ("quy_dinh", 1), ("ban_sao_y", 1),
)
OUTGOING_TYPES = (
    ("cong_van", 42), ("quyet_dinh", 18), ("bao_cao", 10), ("thong_bao", 9), ("ke_hoach", 8), ("giay_moi", 6),
    ("to_trinh", 5), ("huong_dan", 1), ("chuong_trinh", 1),
)


def pick_type(rng: random.Random, table) -> str:
    codes, weights = zip(*table)
    return rng.choices(codes, weights=weights)[0]


# --- subjects ----------------------------------------------------------------------------------

COMMUNES = ("Quế Trung", "Quế Lộc", "Sơn Viên", "Phước Ninh", "Quế Lâm", "Ninh Phước")

# Matters a district and its communes deal with, as they appear in real subjects.
TOPICS = (
    "quản lý đất đai", "cấp giấy chứng nhận quyền sử dụng đất", "thu hồi đất, bồi thường, hỗ trợ tái định cư",
    "xây dựng nông thôn mới", "xây dựng nông thôn mới nâng cao", "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "phòng, chống lụt, bão", "phòng cháy, chữa cháy rừng", "chuyển đổi số", "Đề án 06 về phát triển ứng dụng dữ liệu dân cư",
    "cải cách hành chính", "thực hiện cơ chế một cửa, một cửa liên thông", "bầu cử đại biểu Quốc hội và đại biểu HĐND các cấp",
    "tuyển sinh vào lớp 10", "tuyển sinh đầu cấp", "giảm nghèo bền vững", "Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi",
    "giải ngân vốn đầu tư công", "thu ngân sách nhà nước", "quyết toán ngân sách", "sắp xếp đơn vị hành chính cấp xã",
    "sắp xếp tổ chức bộ máy", "tinh giản biên chế", "tuyển dụng công chức cấp xã", "đánh giá, xếp loại cán bộ, công chức",
    "thi đua, khen thưởng", "an toàn thực phẩm", "tiêm chủng mở rộng", "phòng, chống dịch tả lợn châu Phi",
    "phòng, chống sốt xuất huyết", "dân số và phát triển", "bảo hiểm xã hội, bảo hiểm y tế toàn dân",
    "trồng rừng và bảo vệ rừng", "quản lý khai thác khoáng sản", "bảo vệ môi trường", "thu gom, xử lý rác thải",
    "an toàn giao thông", "an ninh trật tự", "tiếp công dân, giải quyết khiếu nại, tố cáo", "phổ biến, giáo dục pháp luật",
    "thủy lợi và nước sạch nông thôn", "chăn nuôi, thú y", "sản xuất vụ Đông Xuân", "sản xuất vụ Hè Thu",
    "phát triển du lịch cộng đồng", "bảo tồn văn hóa dân tộc Cơ Tu", "chi trả chính sách người có công",
    "hỗ trợ nhà ở cho hộ nghèo", "xóa nhà tạm, nhà dột nát", "phổ cập giáo dục", "công tác văn thư, lưu trữ",
    "ứng dụng chữ ký số", "kiểm soát thủ tục hành chính", "thống kê, báo cáo định kỳ", "quốc phòng địa phương",
    "tuyển chọn và gọi công dân nhập ngũ", "quy hoạch sử dụng đất", "cấp phép xây dựng", "quản lý trật tự xây dựng",
)

EVENTS = (
    "Hội nghị tổng kết công tác năm {year} và triển khai nhiệm vụ năm {next_year}",
    "Hội nghị sơ kết 6 tháng đầu năm {year}",
    "Hội nghị trực tuyến về {topic}",
    "cuộc họp giao ban tháng {month}/{year}",
    "Lễ ra quân {topic}",
    "buổi làm việc về {topic}",
    "Hội nghị tập huấn {topic}",
    "kỳ họp thứ {n} HĐND huyện khóa XII",
)

PERIODS = ("quý I", "quý II", "quý III", "quý IV", "6 tháng đầu năm", "9 tháng", "tháng {month}", "năm")

# As Decree 30 writes them under the type's name: a Kế hoạch's subject reads "Triển khai …", not "Kế hoạch triển
# khai …" (lists show "Tên loại và trích yếu" as the type then the subject).
SUBJECTS: dict[str, tuple[str, ...]] = {
    "cong_van": (
        "V/v triển khai thực hiện {topic}",
        "V/v báo cáo kết quả thực hiện {topic} {period} {year}",
        "V/v tăng cường công tác {topic}",
        "V/v đề nghị cung cấp thông tin, số liệu về {topic}",
        "V/v hướng dẫn thực hiện {topic} năm {year}",
        "V/v chấn chỉnh công tác {topic}",
        "V/v góp ý dự thảo Kế hoạch {topic}",
        "V/v rà soát, tổng hợp số liệu {topic} trên địa bàn xã {commune}",
        "V/v đôn đốc thực hiện {topic}",
        "V/v tham mưu, đề xuất giải quyết kiến nghị của cử tri xã {commune}",
        "V/v cử cán bộ tham gia {event}",
        "V/v kiểm tra, xác minh hồ sơ {topic}",
    ),
    "quyet_dinh": (
        "Về việc phê duyệt Kế hoạch {topic} năm {year}",
        "Về việc giao chỉ tiêu {topic} năm {year}",
        "Về việc thành lập Tổ công tác {topic}",
        "Về việc kiện toàn Ban Chỉ đạo {topic}",
        "Về việc công nhận xã {commune} đạt chuẩn nông thôn mới năm {year}",
        "Về việc phân bổ kinh phí thực hiện {topic} năm {year}",
        "Về việc giao đất cho hộ gia đình, cá nhân tại xã {commune}",
        "Về việc thu hồi đất để thực hiện dự án đường giao thông xã {commune}",
        "Về việc khen thưởng tập thể, cá nhân có thành tích trong {topic}",
        "Về việc điều động công chức",
        "Về việc công bố danh mục thủ tục hành chính lĩnh vực {topic}",
    ),
    "ke_hoach": (
        "Triển khai {topic} năm {year}",
        "Kiểm tra công tác {topic} năm {year}",
        "Tổ chức {event}",
        "Thực hiện {topic} giai đoạn {year}-{plus5}",
    ),
    "thong_bao": (
        "Kết luận của Chủ tịch UBND huyện tại {event}",
        "Lịch tiếp công dân tháng {month}/{year}",
        "Về việc tuyển dụng công chức năm {year}",
        "Kết quả kiểm tra {topic} tại xã {commune}",
        "Phân công nhiệm vụ {topic}",
    ),
    "giay_moi": (
        "Mời dự {event}",
        "Mời họp bàn về {topic}",
        "Mời dự {event} tại Hội trường UBND huyện",
    ),
    "bao_cao": (
        "Kết quả thực hiện {topic} {period} {year}",
        "Tình hình {topic} trên địa bàn huyện",
        "Công tác {topic} năm {year} và phương hướng nhiệm vụ năm {next_year}",
        "Thiệt hại do mưa lũ tại xã {commune}",
    ),
    "huong_dan": (
        "Thực hiện {topic} năm {year}",
        "Đánh giá, chấm điểm {topic}",
    ),
    "to_trinh": (
        "Về việc đề nghị phê duyệt dự toán {topic} năm {year}",
        "Về việc đề nghị công nhận xã {commune} đạt chuẩn nông thôn mới",
        "Về việc đề nghị bổ sung kinh phí {topic}",
    ),
    "chi_thi": (
        "Về việc tăng cường công tác {topic}",
        "Về việc chủ động triển khai {topic} năm {year}",
    ),
    "cong_dien": (
        "Về việc chủ động ứng phó với bão số {n}",
        "Về việc tập trung ứng phó với mưa lớn, lũ quét và sạt lở đất",
        "Về việc khẩn trương khắc phục hậu quả mưa lũ",
    ),
    "nghi_quyet": (
        "Về việc phê chuẩn dự toán ngân sách năm {next_year}",
        "Về nhiệm vụ phát triển kinh tế - xã hội năm {next_year}",
    ),
    "chuong_trinh": ("Công tác năm {year} của UBND huyện", "Hành động về {topic}"),
    "quy_dinh": ("Về {topic} trên địa bàn tỉnh",),
    "ban_sao_y": ("Sao y Quyết định về việc {topic}",),
}


def subject(rng: random.Random, type_code: str, on: dt.date) -> str:
    """A one-line summary (trích yếu) of the kind clerks type for this document type."""
    template = rng.choice(SUBJECTS.get(type_code) or SUBJECTS["cong_van"])
    values = dict(
        topic=rng.choice(TOPICS), commune=rng.choice(COMMUNES), year=on.year, next_year=on.year + 1,
        plus5=on.year + 5, month=rng.randint(1, 12), n=rng.randint(1, 13),
        period=rng.choice(PERIODS).format(month=on.month),
    )
    values["event"] = rng.choice(EVENTS).format(**values)
    text = template.format(**values)
    return text[0].upper() + text[1:]


# --- people --------------------------------------------------------------------------------------

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hồ", "Võ", "Huỳnh", "Phan", "Đặng", "Bùi", "Đoàn", "Alăng", "Bríu")
MIDDLE = ("Văn", "Thị", "Minh", "Hữu", "Thanh", "Quang", "Ngọc", "Đức")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Long", "Nam", "Phúc",
         "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vy", "Xuân", "Yến")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


# --- small valid PDFs ----------------------------------------------------------------------------

def _ascii(text: str) -> str:
    from congvu.core.folding import fold

    return "".join(c for c in fold(text) if 32 <= ord(c) < 127 and c not in "()\\")


def small_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF whose text layer holds `lines` (folded to ASCII: the base-14 fonts lack Vietnamese)."""
    body = " ".join(f"({_ascii(line)}) Tj 0 -22 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 760 Td {body} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
