"""edXML parser on the real sample packages (values checked by reading the XML) and on hostile input."""

import base64
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from congvu.core.testdata import shared_testdata
from congvu.exchange.edxml import EdxmlError, parse_package

SAMPLES = shared_testdata("edxml")
needs_samples = pytest.mark.skipif(SAMPLES is None, reason="shared testdata/edxml is not on this machine")

WARNINGS = {
    "document_2019.edxml": (
        "signature_namespace",
        "document_id_format",
        "content_type_mismatch",
        "due_before_date",
        "response_for_empty",
    ),
    "document_2025_a.edxml": (
        "organ_id_format",
        "organ_name_missing",
        "organ_id_format",
        "organ_name_missing",
        "document_id_format",
        "number_format",
        "trace_organ_missing",
        "trace_organ_missing",
        "zipped_undeclared",
    ),
    "document_2025_b.edxml": (
        "organ_id_format",
        "organ_id_format",
        "document_id_format",
        "trace_organ_missing",
        "trace_organ_missing",
        "binary_damaged",
    ),
    "document_new.edxml": (
        "leading_garbage",
        "signature_namespace",
        "organ_id_format",
        "number_format",
        "document_id_date",
        "due_before_date",
    ),
    "document_new_small.edxml": (
        "unbound_prefix",
        "document_id_format",
        "manifest_content_type_missing",
        "attachment_not_base64",
        "due_before_date",
        "response_for_empty",
    ),
    "document_recall.edxml": ("signature_namespace", "business_target_missing"),
    "document_replace.edxml": ("signature_namespace",),
    "document_update.edxml": ("signature_namespace", "document_id_date"),
    "gateway_upload_1.edxml": ("organ_id_format", "organ_id_format", "document_id_format") + ("zipped_undeclared",) * 3,
    "gateway_upload_2.edxml": ("organ_id_format", "organ_id_format", "document_id_format", "trace_organ_missing")
    + ("content_type_mismatch",) * 3,
    "gateway_upload_3.edxml": ("organ_id_format", "organ_id_format", "document_id_format", "trace_organ_missing")
    + ("content_type_mismatch",) * 2,
    "gateway_upload_4.edxml": ("organ_id_format", "organ_id_format", "document_id_format") + ("zipped_undeclared",) * 3,
    "gateway_upload_5.edxml": ("organ_id_format", "organ_id_format", "document_id_format") + ("zipped_undeclared",) * 3,
    **{
        f"status_{name}.edxml": ()
        for name in (
            "01_arrived",
            "02_rejected",
            "03_accepted",
            "04_assigned",
            "05_processing",
            "06_finished",
            "13_recall_requested",
            "15_change_accepted",
            "16_change_rejected",
            "generic",
        )
    },
}


def _independent_digests(path: Path) -> list[tuple[int, str]]:
    """Decode each attachment with the stdlib only (regex + base64), as a check on the streaming decoder."""
    text = path.read_text(encoding="utf-8", errors="replace")
    result = []
    for payload in re.findall(r"<edXML:ContentTransferEncoded[^>]*>([^<]*)<", text):
        raw = base64.b64decode("".join(payload.split()))
        result.append((len(raw), hashlib.sha256(raw).hexdigest()))
    return result


@needs_samples
def test_every_sample_is_listed():
    assert sorted(p.name for p in SAMPLES.glob("*.edxml")) == sorted(WARNINGS)


@needs_samples
@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_sample_parses_leniently_with_expected_warnings(name, tmp_path):
    package = parse_package(SAMPLES / name, attachments_dir=tmp_path)
    assert tuple(w.code for w in package.warnings) == WARNINGS[name]
    assert all(w.message for w in package.warnings)
    decodable = [a for a in package.attachments if a.sha256 is not None]
    if name == "document_new_small.edxml":  # its "base64" is a test-tool placeholder: nothing decodable
        assert [(a.name, a.size, a.sha256, a.path) for a in package.attachments] == [
            ("GUIDE_INSTALL OPENVPN.SIGNED.PDF", None, None, None)
        ]
    else:
        assert [(a.size, a.sha256) for a in decodable] == _independent_digests(SAMPLES / name)
    for attachment in decodable:
        assert hashlib.sha256(attachment.path.read_bytes()).hexdigest() == attachment.sha256


@needs_samples
@pytest.mark.parametrize("name", sorted(n for n, w in WARNINGS.items() if w))
def test_strict_mode_rejects_the_irregular_samples(name, tmp_path):
    with pytest.raises(EdxmlError) as caught:
        parse_package(SAMPLES / name, strict=True, attachments_dir=tmp_path)
    assert "chế độ nghiêm ngặt" in caught.value.message or "tiền tố" in caught.value.message
    assert list(tmp_path.iterdir()) == []  # decoded files are not left behind


@needs_samples
@pytest.mark.parametrize("name", sorted(n for n, w in WARNINGS.items() if not w))
def test_strict_mode_accepts_the_regular_samples(name):
    assert parse_package(SAMPLES / name, strict=True).warnings == ()


@needs_samples
def test_document_new_values(tmp_path):
    p = parse_package(SAMPLES / "document_new.edxml", attachments_dir=tmp_path)
    assert p.kind == "document"
    assert (p.sender.organ_id, p.sender.name) == (
        "002.00.20.H13",
        "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng",
    )
    assert p.sender.email == "vpcp@gov.vn"
    assert [(o.organ_id, o.name) for o in p.recipients] == [
        ("28.22.H17", "UBND xã Hòa Sơn - UBND huyện Hòa Vang - Thành phố Đà Nẵng")
    ]
    assert p.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert (p.number, p.notation, p.place, p.date) == ("74fass22", "VPCP-TTĐT", "Hà Nội", dt.date(2019, 1, 16))
    assert (p.type_code, p.type_detail, p.type_name) == ("1", "0", "Công văn")
    assert p.subject == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    assert (p.signer.competence, p.signer.position, p.signer.full_name) == (
        "TL. BO TRUONG",
        "Cuc truong cuc ung dung cong nghe thong tin",
        "Nguyen Thanh Phuc",
    )
    assert p.due_date == dt.date(2018, 9, 28)
    assert p.to_places == ("Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP")
    assert (p.other_info.priority, p.other_info.page_amount, p.other_info.direction) == (0, 22, False)
    assert p.steering_type == 1
    assert [(t.organ_id, t.timestamp) for t in p.traces] == [("000.00.00.G22", dt.datetime(2018, 9, 28))]
    assert (p.business.doc_type, p.business.reason, p.business.document_id, p.business.paper) == (
        0,
        "Văn bản điện tử mới",
        "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT",
        0,
    )
    assert p.business.staff.staff == "Nguyễn Thị Ngọc Trâm"
    [att] = p.attachments
    assert (att.content_id, att.name, att.content_type, att.size, att.zipped) == (
        "cid:209",
        "1896_QD-TTg_m_294779.doc",
        "application/zip",
        270823,
        True,
    )
    assert att.path.read_bytes()[:4] == b"PK\x03\x04"


@needs_samples
def test_update_replace_recall_business_blocks():
    update = parse_package(SAMPLES / "document_update.edxml", keep_attachments=False)
    assert update.business.doc_type == 2
    assert [(r.organ_id, r.receiver_type) for r in update.business.receivers] == [
        ("000.00.00.H41", 0),
        ("000.00.00.H14", 1),
    ]
    assert [(o.organ_id, o.name) for o in update.recipients] == [
        ("000.00.00.H41", "UBND Tỉnh Nghệ An"),
        ("000.00.00.H14", "UBND Tỉnh Cao Bằng"),
        ("000.00.00.G17", "Sở Thông tin truyền thông Hải Phòng"),
    ]
    assert update.response_for == ()
    replace = parse_package(SAMPLES / "document_replace.edxml", keep_attachments=False)
    assert replace.business.doc_type == 3
    assert [(r.document_id, r.organ_ids) for r in replace.business.replacements] == [
        ("000.00.00.G22,2014/01/30,7806/VPCP-TTĐT", ("000.00.00.H41", "000.00.00.H14"))
    ] * 2
    recall = parse_package(SAMPLES / "document_recall.edxml", keep_attachments=False)
    assert [(r.organ_id, r.code, r.document_id, r.promulgation_date) for r in recall.response_for] == [
        ("000.00.00.H14", "267/VPCP-TTĐT", "000.00.04.G14,2012/08/06,267/VPCP-TTĐT", dt.date(2018, 9, 28))
    ]
    assert (recall.business.doc_type, recall.business.reason, recall.business.document_id) == (
        1,
        "Thu hồi văn bản điện tử",
        "",
    )


@needs_samples
def test_status_package_values():
    p = parse_package(SAMPLES / "status_02_rejected.edxml")
    assert p.kind == "status"
    assert (p.sender.organ_id, p.sender.name) == ("000.00.00.H41", "UBND Tỉnh Nghệ An")
    assert (p.status.code, p.status.timestamp) == ("02", dt.datetime(2015, 9, 20, 11, 8, 36))
    assert p.status.description == "Văn thư - Phòng Văn thư - Lưu trữ: Từ chối không tiếp nhận văn bản điện tử"
    assert p.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert p.response_for[0].promulgation_date == dt.date(2015, 9, 30)
    assert p.attachments == ()
    codes = {parse_package(path).status.code for path in SAMPLES.glob("status_*.edxml")}
    assert codes == {"01", "02", "03", "04", "05", "06", "13", "15", "16"}


@needs_samples
def test_command_prints_one_json_object(capsys):
    call_command("edxml", "parse", str(SAMPLES / "document_2025_b.edxml"), "--json")
    data = json.loads(capsys.readouterr().out)
    assert list(data) == [
        "kind",
        "from",
        "to",
        "document_id",
        "number",
        "notation",
        "place",
        "date",
        "type_name",
        "subject",
        "signer",
        "due_date",
        "priority",
        "steering_type",
        "to_places",
        "business",
        "status",
        "attachments",
        "warnings",
    ]
    assert data["from"] == {"organ_id": "vxp.saas.03", "name": "Đơn vị test vxp 3"}
    assert data["to"] == [{"organ_id": "vxp.saas.03", "name": "Đơn vị test vxp 3"}]
    assert (data["number"], data["notation"], data["date"], data["place"]) == (
        "202545",
        "VPCP-TTĐT",
        "2025-10-20",
        "Thành phố Đà Nẵng",
    )
    assert data["signer"] == {"competence": "", "position": "Chủ tịch UBND", "full_name": "Nguyễn Văn A"}
    assert (data["priority"], data["steering_type"], data["to_places"]) == (1, 2, ["Các phòng ban", "Ban lãnh đạo"])
    [(size, sha)] = _independent_digests(SAMPLES / "document_2025_b.edxml")
    assert data["attachments"] == [
        {
            "name": "1761209178887_TestTrucLienThong.pdf",
            "content_type": "application/pdf",
            "size": size,
            "sha256": sha,
            "zipped": False,
        }
    ]
    assert len(data["warnings"]) == 6
    assert data["warnings"][-1] == (
        "Tệp PDF '1761209178887_TestTrucLienThong.pdf' bị hỏng do chuyển đổi văn bản (chứa ký tự U+FFFD)."
    )


@needs_samples
def test_command_strict_fails_with_message():
    with pytest.raises(CommandError, match="document_recall.edxml: Gói không đúng chuẩn QCVN 102"):
        call_command("edxml", "parse", str(SAMPLES / "document_recall.edxml"), "--strict")


# ---------------------------------------------------------------- malformed corpus

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _package(payload: str = "SGVsbG8=", ns: str = NS) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{ns}"><edXMLEnvelope><edXMLHeader><MessageHeader>
<From><OrganId>000.00.00.H49</OrganId><OrganName>UBND tỉnh Quảng Ninh</OrganName></From>
<To><OrganId>000.00.00.H41</OrganId><OrganName>UBND tỉnh Nghệ An</OrganName></To>
<DocumentId>000.00.00.H49,2026/01/05,12/UBND-VP</DocumentId>
<Code><CodeNumber>12</CodeNumber><CodeNotation>UBND-VP</CodeNotation></Code>
<PromulgationInfo><Place>Quảng Ninh</Place><PromulgationDate>2026/01/05</PromulgationDate></PromulgationInfo>
</MessageHeader></edXMLHeader><edXMLBody><edXMLManifest version="1.0"><Reference><ContentId>cid:1</ContentId>
<ContentType>text/plain</ContentType><AttachmentName>a.txt</AttachmentName></Reference></edXMLManifest></edXMLBody>
</edXMLEnvelope><AttachmentEncoded><Attachment><ContentId>cid:1</ContentId><AttachmentName>a.txt</AttachmentName>
<ContentType>text/plain</ContentType><ContentTransferEncoded>{payload}</ContentTransferEncoded></Attachment>
</AttachmentEncoded></edXML>""".encode()


def test_minimal_valid_package_is_clean(tmp_path):
    path = tmp_path / "ok.edxml"
    path.write_bytes(_package())
    p = parse_package(path, strict=True, attachments_dir=tmp_path)
    assert p.warnings == ()
    assert (p.attachments[0].size, p.attachments[0].sha256) == (5, hashlib.sha256(b"Hello").hexdigest())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol3;</edXML>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><x>&xxe;</x></edXML>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/evil.dtd">
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS, "DOCTYPE"),
        (EXTERNAL, "DOCTYPE"),
        (EXTERNAL_DTD, "DOCTYPE"),
        (_package(ns="http://example.com/other"), "không gian tên lạ 'http://example.com/other'"),
        (_package().replace(b"<edXML xmlns", b"<root xmlns").replace(b"</edXML>", b"</root>"), "phần tử gốc"),
        (_package(payload="SGVsbG8gd29ybGQ"), "bị cắt cụt"),
        (_package()[:-300], "không phải XML hợp lệ"),
        (b"%PDF-1.4 not xml at all", "không phải XML"),
        (b"", "Tệp rỗng"),
        (b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'><a>", "không phải XML hợp lệ"),
        (b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'/>", "thiếu edXMLEnvelope"),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "external-dtd",
        "wrong-namespace",
        "wrong-root",
        "truncated-base64",
        "truncated-file",
        "not-xml",
        "empty",
        "unclosed",
        "no-header",
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_malformed_input_is_rejected_with_clear_message(content, message, strict, tmp_path):
    path = tmp_path / "bad.edxml"
    path.write_bytes(content)
    workdir = tmp_path / "work"
    workdir.mkdir()
    with pytest.raises(EdxmlError) as caught:
        parse_package(path, strict=strict, attachments_dir=workdir)
    assert message in caught.value.message
    assert list(workdir.iterdir()) == []


def test_size_limits(tmp_path):
    path = tmp_path / "big.edxml"
    path.write_bytes(_package(payload="QUJD" * 100_000))
    with pytest.raises(EdxmlError, match="vượt quá kích thước cho phép"):
        parse_package(path, max_bytes=100_000, attachments_dir=tmp_path)
    deep = b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'>" + b"<a>" * 100 + b"</a>" * 100 + b"</edXML>"
    path.write_bytes(deep)
    with pytest.raises(EdxmlError, match="lồng quá sâu"):
        parse_package(path)
    long_text = _package().replace(b"<CodeNumber>12<", b"<CodeNumber>" + b"9" * 2_000_000 + b"<")
    path.write_bytes(long_text)
    with pytest.raises(EdxmlError, match="CodeNumber có nội dung quá dài"):
        parse_package(path)


def test_command_rejects_non_edxml(tmp_path):
    path = tmp_path / "x.edxml"
    path.write_bytes(BILLION_LAUGHS)
    with pytest.raises(CommandError, match="x.edxml: Gói chứa khai báo DOCTYPE"):
        call_command("edxml", "parse", str(path))
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("edxml", "parse", str(tmp_path / "missing.edxml"))


def test_older_vnpt_namespace_is_accepted():
    import io

    p = parse_package(io.BytesIO(_package(ns="http://www.e-doc.vn/Schema/")), strict=True, keep_attachments=False)
    assert (p.namespace, p.number, p.notation) == ("http://www.e-doc.vn/Schema/", "12", "UBND-VP")


class _Generated:
    """A package with a ~200 MB attachment, generated while read (nothing on disk, nothing in memory)."""

    def __init__(self, attachment_mb: int):
        head, tail = _package(payload="@@").split(b"@@")
        self.parts = [head]
        self.remaining = attachment_mb * 2**20 * 4 // 3
        self.tail = tail

    def read(self, size: int) -> bytes:
        if self.parts:
            return self.parts.pop()
        if self.remaining > 0:
            n = min(size - size % 4, self.remaining)
            self.remaining -= n
            return b"QUJD" * (n // 4)
        tail, self.tail = self.tail, b""
        return tail

    def tell(self) -> int:
        return 0


def test_a_200_mb_attachment_is_rejected_with_the_size_limit(tmp_path):
    with pytest.raises(EdxmlError, match="Gói vượt quá kích thước cho phép \\(200 MB\\)"):
        parse_package(_Generated(200), attachments_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_undeclared_prefix_is_a_warning_leniently_and_an_error_strictly(tmp_path):
    import io

    content = _package().replace(b"<Reference>", b'<Reference xlink:href="">')
    lenient = parse_package(io.BytesIO(content), keep_attachments=False)
    assert [w.code for w in lenient.warnings] == ["unbound_prefix"]
    assert (lenient.number, lenient.attachments[0].size) == ("12", 5)
    with pytest.raises(EdxmlError, match="tiền tố không gian tên chưa khai báo \\(dòng 8\\)"):
        parse_package(io.BytesIO(content), strict=True)
