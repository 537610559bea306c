"""Generate realistic official documents laid out like Decree 30/2020 (Annex I) with their true metadata.

Each document is written as DOCX with python-docx (header as a two-column table: parent body, issuer,
number and notation, V/v and marks on the left; motto and place/date on the right; type name and subject
centred; "Kính gửi"; body; Nơi nhận and signature block as a second two-column table), then converted by
LibreOffice to PDF (the born-digital path) and rendered page by page to images that are degraded like a
scan (the scanned path). The truth is what the generator printed, as the extractor must return it.

Deterministic for a given seed. Everything goes into the output directory (./var/bench/extraction).
"""

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

# (parent, issuer lines, issuer abbreviation, place, collective for TM., head title, deputy title, units)
ISSUERS = [
    (None, ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NAM"], "UBND", "Quảng Nam", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH",
     "PHÓ CHỦ TỊCH", ["VP", "KT", "VX", "NC"]),
    (None, ["ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK"], "UBND", "Đắk Lắk", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH",
     ["TH", "KT"]),
    (None, ["UBND THÀNH PHỐ HẢI PHÒNG"], "UBND", "Hải Phòng", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH",
     ["VP", "NC"]),
    (["UBND TỈNH QUẢNG NAM"], ["SỞ NỘI VỤ"], "SNV", "Quảng Nam", None, "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
     ["TCBC", "VP", "CCVC"]),
    (["UBND TỈNH LÂM ĐỒNG"], ["SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"], "STNMT", "Lâm Đồng", None, "GIÁM ĐỐC",
     "PHÓ GIÁM ĐỐC", ["QLĐĐ", "VP"]),
    (["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI"], ["SỞ Y TẾ"], "SYT", "Hà Nội", None, "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
     ["NVY", "KHTC"]),
    (["UBND TỈNH NGHỆ AN"], ["SỞ GIÁO DỤC VÀ ĐÀO TẠO"], "SGDĐT", "Nghệ An", None, "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
     ["GDTrH", "VP"]),
    (["BỘ TÀI CHÍNH"], ["TỔNG CỤC THUẾ"], "TCT", "Hà Nội", None, "TỔNG CỤC TRƯỞNG", "PHÓ TỔNG CỤC TRƯỞNG",
     ["CS", "KK"]),
    (["BỘ TÀI CHÍNH"], ["TỔNG CỤC HẢI QUAN"], "TCHQ", "Hà Nội", None, "TỔNG CỤC TRƯỞNG", "PHÓ TỔNG CỤC TRƯỞNG",
     ["GSQL", "TXNK"]),
    (None, ["BỘ NỘI VỤ"], "BNV", "Hà Nội", None, "BỘ TRƯỞNG", "THỨ TRƯỞNG", ["VP", "TCBC", "CCVC"]),
    (None, ["BỘ KẾ HOẠCH VÀ ĐẦU TƯ"], "BKHĐT", "Hà Nội", None, "BỘ TRƯỞNG", "THỨ TRƯỞNG", ["ĐKKD", "VP"]),
    (None, ["BỘ QUỐC PHÒNG"], "BQP", "Hà Nội", None, "BỘ TRƯỞNG", "THỨ TRƯỞNG", ["VP"]),
    (None, ["VĂN PHÒNG CHÍNH PHỦ"], "VPCP", "Hà Nội", None, "BỘ TRƯỞNG, CHỦ NHIỆM", "PHÓ CHỦ NHIỆM",
     ["KTTH", "TCCV"]),
    (["BỘ Y TẾ"], ["BỆNH VIỆN BẠCH MAI"], "BVBM", "Hà Nội", None, "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", ["KHTH", "TCCB"]),
    (None, ["HỘI ĐỒNG NHÂN DÂN", "TỈNH BÌNH ĐỊNH"], "HĐND", "Bình Định", "HỘI ĐỒNG NHÂN DÂN", "CHỦ TỊCH",
     "PHÓ CHỦ TỊCH", ["VP"]),
    (["ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG"],
     ["BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ XÂY DỰNG CÁC CÔNG TRÌNH DÂN DỤNG VÀ CÔNG NGHIỆP"], "BQLDA", "Đà Nẵng", None,
     "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", ["KH", "TCHC"]),
    (["BỘ CÔNG AN"], ["CÔNG AN TỈNH THANH HÓA"], "CAT", "Thanh Hóa", None, "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
     ["PV01", "PC06"]),
    (None, ["BẢO HIỂM XÃ HỘI VIỆT NAM"], "BHXH", "Hà Nội", None, "TỔNG GIÁM ĐỐC", "PHÓ TỔNG GIÁM ĐỐC",
     ["CSYT", "TST"]),
    (["TỔNG CỤC THUẾ"], ["CỤC THUẾ TỈNH BẮC NINH"], "CTBNI", "Bắc Ninh", None, "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG",
     ["TTHT", "HCQT"]),
    (["UBND TỈNH KHÁNH HÒA"], ["VĂN PHÒNG UBND TỈNH"], "VPUBND", "Khánh Hòa", None, "CHÁNH VĂN PHÒNG",
     "PHÓ CHÁNH VĂN PHÒNG", ["HCTC", "KT"]),
    (["SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI"], ["TRƯỜNG THPT CHU VĂN AN"], "THPTCVA", "Hà Nội", None, "HIỆU TRƯỞNG",
     "PHÓ HIỆU TRƯỞNG", ["VP"]),
    (None, ["ỦY BAN NHÂN DÂN", "XÃ HÒA VANG"], "UBND", "Hòa Vang", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH",
     "PHÓ CHỦ TỊCH", ["VP"]),
    (["BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"], ["CỤC THỦY LỢI"], "TL", "Hà Nội", None, "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG",
     ["QLCT", "VP"]),
    (["UBND TỈNH AN GIANG"], ["SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN"], "SNNPTNT", "An Giang", None, "GIÁM ĐỐC",
     "PHÓ GIÁM ĐỐC", ["TTBVTV", "VP"]),
]

# name, abbreviation, weight, may be a normative legal document (number/year/notation)
TYPES = [
    ("Công văn", "", 34, False),
    ("Quyết định", "QĐ", 18, True),
    ("Thông báo", "TB", 7, False),
    ("Kế hoạch", "KH", 7, False),
    ("Báo cáo", "BC", 6, False),
    ("Tờ trình", "TTr", 5, False),
    ("Giấy mời", "GM", 4, False),
    ("Chỉ thị", "CT", 3, True),
    ("Nghị quyết", "NQ", 3, True),
    ("Công điện", "CĐ", 2, False),
    ("Hướng dẫn", "HD", 3, False),
    ("Chương trình", "CTr", 2, False),
    ("Quy chế", "QC", 1, False),
    ("Thông tư", "TT", 2, True),
    ("Biên bản", "BB", 2, False),
]

TOPICS = [
    "triển khai thực hiện Kế hoạch cải cách hành chính năm {y}",
    "tăng cường công tác phòng, chống thiên tai, tìm kiếm cứu nạn mùa mưa bão năm {y}",
    "kết quả thực hiện nhiệm vụ 6 tháng đầu năm và phương hướng nhiệm vụ 6 tháng cuối năm {y}",
    "đề nghị cung cấp thông tin, tài liệu phục vụ công tác thanh tra",
    "hướng dẫn thực hiện chế độ báo cáo thống kê ngành Nội vụ",
    "tổ chức Hội nghị tổng kết công tác năm {y} và triển khai nhiệm vụ năm {y1}",
    "phê duyệt kế hoạch lựa chọn nhà thầu Dự án đầu tư xây dựng công trình Trường Tiểu học Nguyễn Trãi",
    "ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh nhiệm kỳ 2021 - 2026",
    "công bố danh mục thủ tục hành chính mới ban hành trong lĩnh vực hộ tịch thuộc thẩm quyền giải quyết "
    "của Ủy ban nhân dân cấp xã",
    "giao chỉ tiêu biên chế công chức trong các cơ quan, tổ chức hành chính năm {y}",
    "tăng cường quản lý, sử dụng con dấu và bảo vệ bí mật nhà nước",
    "góp ý dự thảo Luật Đất đai (sửa đổi)",
    "xử lý vướng mắc trong thực hiện thủ tục hải quan đối với hàng hóa xuất khẩu, nhập khẩu",
    "đôn đốc giải ngân vốn đầu tư công năm {y}",
    "chuẩn bị nội dung phục vụ kỳ họp thứ {n} Hội đồng nhân dân tỉnh khóa XI",
    "thành lập Tổ công tác kiểm tra việc thực hiện quy chế dân chủ ở cơ sở",
    "quy định mức thu, chế độ thu, nộp, quản lý và sử dụng phí thẩm định báo cáo đánh giá tác động môi trường",
    "phân bổ kinh phí thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm {y}",
    "điều chỉnh giá đất trên địa bàn tỉnh giai đoạn 2020 - 2024",
    "cử cán bộ tham gia lớp bồi dưỡng kiến thức quốc phòng và an ninh",
    "chủ động ứng phó với bão số {n} và mưa lũ",
    "nâng lương trước thời hạn do lập thành tích xuất sắc trong thực hiện nhiệm vụ năm {y}",
    "tiếp nhận và trả kết quả giải quyết thủ tục hành chính qua dịch vụ bưu chính công ích",
    "sắp xếp, tổ chức lại đơn vị sự nghiệp công lập thuộc Sở",
    "kiểm tra công tác văn thư, lưu trữ năm {y}",
    "thực hiện chuyển đổi số trong hoạt động của cơ quan nhà nước giai đoạn {y} - 2030",
    "phòng, chống dịch bệnh sốt xuất huyết trên địa bàn",
    "xét tuyển viên chức giáo dục năm học {y} - {y1}",
    "thanh toán chi phí khám bệnh, chữa bệnh bảo hiểm y tế",
    "bảo đảm trật tự, an toàn giao thông dịp Tết Nguyên đán",
]

TYPE_OPENERS = {
    "Quyết định": ["Về việc {t}", "Ban hành Quy định {t}", "Phê duyệt {t}", "Về việc {t}"],
    "Thông báo": ["Kết luận của Chủ tịch về {t}", "Về việc {t}"],
    "Kế hoạch": ["Triển khai {t}", "Thực hiện {t}"],
    "Báo cáo": ["Kết quả {t}", "Tình hình {t}"],
    "Tờ trình": ["Về việc đề nghị {t}", "Đề nghị phê duyệt {t}"],
    "Giấy mời": ["Dự hội nghị {t}"],
    "Chỉ thị": ["Về việc {t}", "Về tăng cường {t}"],
    "Nghị quyết": ["Về {t}", "Quy định {t}"],
    "Công điện": ["Về việc {t}"],
    "Hướng dẫn": ["Thực hiện {t}"],
    "Chương trình": ["Công tác năm {y} về {t}"],
    "Quy chế": ["Phối hợp {t}"],
    "Thông tư": ["Quy định chi tiết {t}", "Hướng dẫn {t}"],
    "Biên bản": ["Họp {t}"],
}

RECIPIENT_POOL = [
    "Ủy ban nhân dân các huyện, thị xã, thành phố", "Các sở, ban, ngành thuộc tỉnh", "Văn phòng Chính phủ",
    "Bộ Tài chính", "Sở Kế hoạch và Đầu tư", "Kho bạc Nhà nước tỉnh", "Thường trực Tỉnh ủy (b/c)",
    "Thường trực HĐND tỉnh (b/c)", "CT, các PCT UBND tỉnh", "Cổng thông tin điện tử tỉnh",
    "Cục Hải quan các tỉnh, thành phố", "Bảo hiểm xã hội các tỉnh, thành phố trực thuộc Trung ương",
    "Lãnh đạo Văn phòng", "Các phòng chuyên môn thuộc Sở", "Đ/c Giám đốc (để b/c)", "Báo Quảng Nam",
    "Trung tâm Phục vụ hành chính công tỉnh", "Công an tỉnh", "Bộ Nội vụ (để báo cáo)", "Sở Nội vụ",
    "Đài Phát thanh và Truyền hình tỉnh", "Các đơn vị trực thuộc", "Vụ Pháp chế", "Các Thứ trưởng",
]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Đinh", "Đoàn", "Trịnh", "Trương", "Lương", "Hà", "Mai", "Tạ"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Ngọc", "Xuân", "Thị Thu", "Công", "Đình",
           "Anh", "Hồng", "Quang", "Thế"]
GIVENS = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hùng", "Hương", "Lan", "Long", "Mai", "Nam", "Phong",
          "Quang", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vinh", "Yến", "Khánh", "Thắng", "Hòa", "Lâm", "Hiếu",
          "Thành", "Tùng", "Nga", "Phúc"]

BODY = [
    "Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư, {o} đề "
    "nghị các cơ quan, đơn vị triển khai thực hiện một số nội dung sau:",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung một số điều "
    "của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 năm 2019;",
    "Căn cứ Quyết định số 1291/QĐ-BNV ngày 24 tháng 12 năm 2019 của Bộ trưởng Bộ Nội vụ;",
    "1. Rà soát, tổng hợp số liệu và gửi báo cáo về {o} trước ngày 15 tháng 12 năm {y} để tổng hợp.",
    "2. Phân công lãnh đạo, công chức theo dõi, đôn đốc và chịu trách nhiệm về kết quả thực hiện.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị các cơ quan, đơn vị phản ánh kịp thời "
    "về {o} (qua phòng chuyên môn, số điện thoại 0235.3812345) để được hướng dẫn, giải quyết.",
    "Theo báo cáo của các đơn vị, đến ngày 30 tháng 9 năm {y} đã giải ngân được 68,5% kế hoạch vốn được giao; "
    "một số dự án chậm tiến độ do vướng mắc trong công tác bồi thường, giải phóng mặt bằng.",
]


@dataclass
class Doc:
    key: str
    truth: dict
    features: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)


def _pad_day(d: int) -> str:
    return f"{d:02d}"


def _pad_month(m: int) -> str:
    return f"{m:02d}" if m <= 2 else str(m)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)}"


def make_docs(count: int, seed: int = 30) -> list[Doc]:
    rng = random.Random(seed)
    docs = []
    weights = [t[2] for t in TYPES]
    for i in range(count):
        parent, issuer_lines, abbr, place, collective, head, deputy, units = rng.choice(ISSUERS)
        type_name, type_abbr, _w, may_be_legal = rng.choices(TYPES, weights=weights)[0]
        if type_name == "Nghị quyết" and abbr not in {"HĐND"}:
            type_name, type_abbr, may_be_legal = "Quyết định", "QĐ", True
        if type_name == "Thông tư" and abbr not in {"BNV", "BKHĐT", "BQP"}:
            type_name, type_abbr, may_be_legal = "Kế hoạch", "KH", False
        year = rng.randint(2016, 2025)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        number = rng.randint(1, 9) if rng.random() < 0.06 else rng.randint(10, 3200)
        number_text = f"{number:02d}" if number < 10 else str(number)
        legal = may_be_legal and abbr in {"UBND", "HĐND", "BNV", "BKHĐT", "BQP"} and rng.random() < 0.45
        if type_name == "Công văn":
            notation = f"{abbr}-{rng.choice(units)}" if rng.random() < 0.85 else abbr
        else:
            notation = f"{type_abbr}-{abbr}"
        number_line = f"{number_text}/{year}/{notation}" if legal else f"{number_text}/{notation}"
        topic = rng.choice(TOPICS).format(y=year, y1=year + 1, n=rng.randint(1, 12))
        if type_name == "Công văn":
            subject = f"V/v {topic}"
        else:
            subject = rng.choice(TYPE_OPENERS[type_name]).format(t=topic, y=year)
            subject = subject[0].upper() + subject[1:]
        upper_subject = type_name != "Công văn" and rng.random() < 0.15
        if upper_subject:
            subject = subject.upper()
        urgency = rng.choices([None, "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"], weights=[84, 8, 4, 4])[0]
        secrecy = rng.choices([None, "MẬT", "TỐI MẬT", "TUYỆT MẬT"], weights=[91, 5, 2, 2])[0]
        # recipients
        kinh_gui: list[str] = []
        if type_name in {"Công văn", "Tờ trình", "Báo cáo", "Giấy mời", "Công điện"} and rng.random() < 0.85:
            kinh_gui = rng.sample(RECIPIENT_POOL, rng.choice([1, 1, 2, 3]))
        noi_nhan_lines = []
        if kinh_gui:
            noi_nhan_lines.append("Như trên")
        elif type_name in {"Quyết định", "Nghị quyết", "Thông tư", "Chỉ thị"}:
            noi_nhan_lines.append(rng.choice(["Như Điều 3", "Như Điều 4"]))
        extra = rng.sample([r for r in RECIPIENT_POOL if r not in kinh_gui], rng.randint(1, 4))
        noi_nhan_lines += extra
        unit = rng.choice(units)
        noi_nhan_lines.append(f"Lưu: VT, {unit}")
        recipients = list(dict.fromkeys(kinh_gui + extra))
        # signature
        mode = rng.choices(["head", "deputy", "tm_head", "tm_deputy", "tl", "tuq"], weights=[24, 34, 12, 18, 8, 4])[0]
        if collective is None and mode.startswith("tm"):
            mode = "deputy" if mode == "tm_deputy" else "head"
        if mode == "head":
            sig_lines = [head]
        elif mode == "deputy":
            sig_lines = [f"KT. {head}", deputy]
        elif mode == "tm_head":
            sig_lines = [f"TM. {collective}", head]
        elif mode == "tm_deputy":
            sig_lines = [f"TM. {collective}", f"KT. {head}", deputy]
        elif mode == "tl":
            sig_lines = [f"TL. {head}", rng.choice(["CHÁNH VĂN PHÒNG", "TRƯỞNG PHÒNG TỔNG HỢP", "VỤ TRƯỞNG"])]
        else:
            sig_lines = [f"TUQ. {head}", rng.choice(["CHÁNH VĂN PHÒNG", "TRƯỞNG PHÒNG TỔ CHỨC CÁN BỘ"])]
        signer = _name(rng)
        truth = {
            "issuer": " ".join(issuer_lines),
            "parent_issuer": " ".join(parent) if parent else None,
            "number": number_text,
            "notation": notation,
            "doc_type": type_name,
            "place": place,
            "date": f"{year:04d}-{month:02d}-{day:02d}",
            "subject": subject,
            "signer": signer,
            "signer_title": " ".join(sig_lines),
            "urgency": urgency,
            "secrecy": secrecy,
            "recipients": recipients,
        }
        subject_break = None
        if type_name != "Công văn" and len(subject) > 50 and rng.random() < 0.25:
            words = subject.split(" ")
            subject_break = len(words) // 2  # printed as two lines (a line break inside the subject)
        long_body = rng.random() < 0.2
        body = [b.format(o="cơ quan chủ trì", y=year) for b in rng.sample(BODY, rng.randint(2, 5))]
        if long_body:
            body += [b.format(o="cơ quan chủ trì", y=year) for b in rng.choices(BODY, k=rng.randint(8, 12))]
        annex = None
        if type_name in {"Quyết định", "Kế hoạch", "Thông báo"} and rng.random() < 0.3:
            annex = [(_name(rng), rng.choice(["Chuyên viên", "Trưởng phòng", "Phó Giám đốc", "Kế toán"]),
                      rng.choice(["Văn phòng", "Phòng Tổ chức", "Phòng Kế hoạch"])) for _ in range(rng.randint(3, 8))]
        layout = {
            "parent": parent, "issuer_lines": issuer_lines, "number_line": number_line,
            "date_line": f"{place}, ngày {_pad_day(day)} tháng {_pad_month(month)} năm {year}",
            "rule": rng.choice(["_______", "-------", "", "________________"]),
            "type_line": type_name.upper() if type_name != "Công văn" else None,
            "kinh_gui": kinh_gui, "kinh_gui_list": len(kinh_gui) > 1 or rng.random() < 0.3,
            "noi_nhan": noi_nhan_lines, "sig_lines": sig_lines, "signed_note": rng.random() < 0.15,
            "authority": _authority(rng, type_name, issuer_lines, head, collective),
            "body": body, "mark_first": rng.random() < 0.5, "subject_break": subject_break, "annex": annex,
            "so_label": rng.choices(["Số: ", "Số : ", "Số:"], weights=[85, 10, 5])[0],
            "wide_header": rng.random() < 0.5,
        }
        features = {"type": type_name, "legal": legal, "parent": bool(parent), "upper_subject": upper_subject,
                    "signature": mode, "urgency": bool(urgency), "secrecy": bool(secrecy), "long": long_body,
                    "annex": bool(annex), "subject_break": subject_break is not None}
        docs.append(Doc(key=f"doc{i:04d}", truth=truth, features=features, layout=layout))
    return docs


def _authority(rng: random.Random, type_name: str, issuer_lines: list[str], head: str, collective) -> str | None:
    if type_name not in {"Quyết định", "Nghị quyết", "Chỉ thị", "Thông tư"}:
        return None
    issuer = " ".join(issuer_lines)
    if type_name == "Chỉ thị":
        return None
    if collective and rng.random() < 0.5:
        return issuer
    return f"{head} {issuer}" if not head.startswith("BỘ TRƯỞNG,") else f"BỘ TRƯỞNG, CHỦ NHIỆM {issuer}"


# --- DOCX -----------------------------------------------------------------------------------------------------

def write_docx(doc: Doc, path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    lay, truth = doc.layout, doc.truth
    d = Document()
    normal = d.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin, sec.right_margin, sec.top_margin, sec.bottom_margin = Cm(3), Cm(2), Cm(2), Cm(2)
    center, left, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY

    def para(container, text, *, bold=False, italic=False, align=center, size=13, first=False, after=0):
        p = container.paragraphs[0] if first else container.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_after = Pt(after)
        if text:
            run = p.add_run(text)
            run.bold, run.italic = bold, italic
            run.font.size = Pt(size)
        return p

    def table(widths):
        t = d.add_table(rows=1, cols=2)
        t.autofit = False
        for cell, w in zip(t.rows[0].cells, widths, strict=True):
            cell.width = Cm(w)
        return t.rows[0].cells

    lcell, rcell = table((5.8, 10.2) if lay["wide_header"] else (6.3, 9.7))
    first = True
    if lay["parent"]:
        for line in lay["parent"]:
            para(lcell, line, size=12, first=first)
            first = False
    for line in lay["issuer_lines"]:
        para(lcell, line, bold=True, size=12, first=first)
        first = False
    if lay["rule"]:
        para(lcell, lay["rule"], size=12)
    para(lcell, f"{lay['so_label']}{lay['number_line']}", size=13)
    marks = [m for m in (truth["urgency"], truth["secrecy"]) if m]
    if marks and lay["mark_first"]:
        for m in marks:
            para(lcell, m, bold=True, size=13)
    if truth["doc_type"] == "Công văn":
        para(lcell, truth["subject"], size=12)
    if marks and not lay["mark_first"]:
        for m in marks:
            para(lcell, m, bold=True, size=13)
    para(rcell, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, first=True)
    para(rcell, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13)
    if lay["rule"]:
        para(rcell, "_" * 22 if lay["rule"].startswith("_") else "-" * 22, size=12)
    para(rcell, lay["date_line"], italic=True, size=13)
    para(d, "", size=6)
    if lay["type_line"]:
        para(d, lay["type_line"], bold=True, size=14)
        if lay["subject_break"]:
            words = truth["subject"].split(" ")
            para(d, " ".join(words[:lay["subject_break"]]), bold=True, size=14)
            para(d, " ".join(words[lay["subject_break"]:]), bold=True, size=14)
        else:
            para(d, truth["subject"], bold=True, size=14)
        if lay["rule"]:
            para(d, "_" * 12, size=12)
        if lay["authority"]:
            para(d, "", size=6)
            para(d, lay["authority"], bold=True, size=14, after=6)
    if lay["kinh_gui"]:
        if lay["kinh_gui_list"]:
            para(d, "Kính gửi:", size=14)
            for i, r in enumerate(lay["kinh_gui"]):
                end = "." if i == len(lay["kinh_gui"]) - 1 else ";"
                para(d, f"- {r}{end}", size=14, align=left).paragraph_format.left_indent = Cm(3)
        else:
            para(d, f"Kính gửi: {lay['kinh_gui'][0]}.", size=14)
        para(d, "", size=6)
    for i, text in enumerate(lay["body"]):
        end = "./." if i == len(lay["body"]) - 1 else ""
        p = para(d, text + end, size=14, align=justify, after=6)
        p.paragraph_format.first_line_indent = Cm(1)
    para(d, "", size=6)
    lcell, rcell = table((7.5, 8.5))
    para(lcell, "Nơi nhận:", bold=True, italic=True, size=12, align=left, first=True)
    for i, r in enumerate(lay["noi_nhan"]):
        end = "." if i == len(lay["noi_nhan"]) - 1 else ";"
        para(lcell, f"- {r}{end}", size=11, align=left)
    for i, line in enumerate(lay["sig_lines"]):
        para(rcell, line, bold=True, size=13, first=i == 0)
    if lay["signed_note"]:
        para(rcell, "(Đã ký)", italic=True, size=13)
    for _ in range(3):
        para(rcell, "", size=13)
    para(rcell, truth["signer"], bold=True, size=14)
    if lay["annex"]:
        from docx.enum.text import WD_BREAK

        para(d, "").add_run().add_break(WD_BREAK.PAGE)
        para(d, "PHỤ LỤC", bold=True, size=14)
        para(d, "DANH SÁCH CÁN BỘ THAM GIA", bold=True, size=14)
        para(d, f"(Kèm theo {truth['doc_type']} số {truth['number']}/{truth['notation']} của "
                f"{truth['issuer'].title()})", italic=True, size=13)
        t = d.add_table(rows=1, cols=4)
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, ["STT", "HỌ VÀ TÊN", "CHỨC VỤ", "ĐƠN VỊ"], strict=True):
            para(cell, text, bold=True, size=12, first=True)
        for i, (name, title, unit) in enumerate(lay["annex"], start=1):
            cells = t.add_row().cells
            for cell, text in zip(cells, [str(i), name, title, unit], strict=True):
                para(cell, text, size=12, first=True, align=left)
    d.save(str(path))


def save_truth(docs: list[Doc], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for doc in docs:
            row = asdict(doc)
            row.pop("layout")
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def load_truth(path: Path) -> list[Doc]:
    return [Doc(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
