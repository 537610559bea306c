"""edXML builder: round trips through the parser, and `congvu edxml build` for an issued document."""

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from congvu.core.testdata import shared_testdata
from congvu.documents.files import open_stored
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import minimal_pdf, outgoing_data, pdf_upload
from congvu.exchange.edxml import (
    NS_QCVN,
    Attachment,
    Business,
    EdxmlError,
    Organ,
    OtherInfo,
    Package,
    Receiver,
    Replacement,
    ResponseFor,
    Signer,
    StaffInfo,
    Status,
    TraceHeader,
    build_package,
    document_id_for,
    parse_package,
)

SAMPLES = shared_testdata("edxml")
SENDER = Organ(
    organ_id="000.00.00.H49",
    name="UBND tỉnh Quảng Ninh",
    organization_in_charge="UBND tỉnh Quảng Ninh",
    address="Số 1 & 2 <Hạ Long>",
    email="vp@quangninh.gov.vn",
    telephone="0203 1",
    fax="0203 2",
    website="quangninh.gov.vn",
)
TO = (Organ(organ_id="000.00.00.H41", name="UBND tỉnh Nghệ An"), Organ(organ_id="000.00.00.G22", name="VPCP"))


def _document(tmp_path, **overrides) -> Package:
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(minimal_pdf())
    big = tmp_path / "phu-luc.bin"
    big.write_bytes(bytes(range(256)) * 4001)  # not a multiple of the encoder's chunk
    values = dict(
        kind="document",
        sender=SENDER,
        recipients=TO,
        document_id=document_id_for("000.00.00.H49", dt.date(2026, 1, 5), "12", "QĐ-UBND"),
        number="12",
        notation="QĐ-UBND",
        place="Quảng Ninh",
        date=dt.date(2026, 1, 5),
        type_code="1",
        type_detail="1",
        type_name="Quyết định",
        subject="Về việc A & B",
        content="Nội dung <ngắn>",
        signer=Signer("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"),
        due_date=dt.date(2026, 1, 20),
        to_places=("Như trên", "Lưu: VT"),
        other_info=OtherInfo(
            priority=2,
            sphere_of_promulgation="Công khai",
            typer_notation="NVA",
            promulgation_amount=3,
            page_amount=4,
            direction=False,
            appendixes=("Phụ lục I",),
        ),
        response_for=(
            ResponseFor("000.00.00.H41", "5/UBND-VP", dt.date(2025, 12, 1), "000.00.00.H41,2025/12/01,5/UBND-VP"),
        ),
        steering_type=0,
        traces=(TraceHeader("000.00.00.H49", dt.datetime(2026, 1, 5, 8, 30, 15)),),
        business=Business(
            doc_type=3,
            reason="Thay thế",
            document_id="000.00.00.H49,2026/01/02,10/QĐ-UBND",
            paper=0,
            staff=StaffInfo("Văn phòng", "Lê Thị B", "b@qn.gov.vn", "0912"),
            document_info="1",
            document_receiver="1",
            receivers=(Receiver("000.00.00.H41", 0),),
            replacements=(Replacement("000.00.00.H49,2026/01/02,10/QĐ-UBND", ("000.00.00.H41",)),),
        ),
        attachments=(
            Attachment("cid:1", "qd.pdf", "application/pdf", "Quyết định", path=pdf),
            Attachment("cid:2", "phu-luc.bin", "application/octet-stream", path=big),
        ),
    )
    values.update(overrides)
    return Package(**values)


def test_document_round_trip(tmp_path):
    package = _document(tmp_path)
    out = io.BytesIO()
    built = build_package(package, out)
    assert [(a.size, a.sha256) for a in built.attachments] == [
        (len(minimal_pdf()), hashlib.sha256(minimal_pdf()).hexdigest()),
        (256 * 4001, hashlib.sha256(bytes(range(256)) * 4001).hexdigest()),
    ]
    work = tmp_path / "work"
    work.mkdir()
    parsed = parse_package(io.BytesIO(out.getvalue()), strict=True, attachments_dir=work)
    assert parsed.warnings == ()
    assert parsed == built
    assert parsed.attachments[1].path.read_bytes() == bytes(range(256)) * 4001


def test_built_package_follows_the_sample_layout(tmp_path):
    out = io.BytesIO()
    build_package(_document(tmp_path), out)
    text = out.getvalue().decode()
    assert text.startswith(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="{NS_QCVN}">\n'
        f'  <edXML:edXMLEnvelope xmlns:edXML="{NS_QCVN}">\n'
    )
    children = re.findall(r"^ {8}<edXML:(\w+)>", text.split("</edXML:MessageHeader>")[0], flags=re.M)
    assert children == [
        "From",
        "To",
        "To",
        "DocumentId",
        "Code",
        "PromulgationInfo",
        "DocumentType",
        "Subject",
        "Content",
        "SignerInfo",
        "DueDate",
        "OtherInfo",
        "ResponseFor",
        "SteeringType",
        "ToPlaces",
    ]
    if SAMPLES is not None:  # the order of the VNPT EdXML102 sample (a recall with the same elements)
        sample = (SAMPLES / "document_recall.edxml").read_text(encoding="utf-8")
        sample_children = re.findall(r"^ {8}<edXML:(\w+)>", sample.split("</edXML:MessageHeader>")[0], flags=re.M)
        assert list(dict.fromkeys(sample_children)) == list(dict.fromkeys(children))
    assert "<AttachmentEncoded>\n    <Attachment>\n      <ContentId>cid:1</ContentId>" in text
    assert "Số 1 &amp; 2 &lt;Hạ Long&gt;" in text


@pytest.mark.parametrize("code", ["01", "02", "03", "04", "05", "06", "13", "15", "16"])
def test_status_round_trip(code):
    package = Package(
        kind="status",
        sender=SENDER,
        document_id="000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
        response_for=(
            ResponseFor(
                "000.00.00.G22", "7816/VPCP-TTĐT", dt.date(2015, 9, 30), "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
            ),
        ),
        staff=StaffInfo("Văn thư", "Nguyễn Thị C", "c@qn.gov.vn", "0913"),
        status=Status(code, "Mô tả", dt.datetime(2026, 1, 6, 9, 0, 1)),
    )
    out = io.BytesIO()
    build_package(package, out)
    parsed = parse_package(io.BytesIO(out.getvalue()), strict=True)
    assert parsed == package
    assert parsed.warnings == ()


def test_status_with_unknown_code_is_refused():
    with pytest.raises(EdxmlError, match="01–06, 13, 15, 16"):
        build_package(Package(kind="status", sender=SENDER, status=Status("07")), io.BytesIO())


def test_recall_and_update_round_trip(tmp_path):
    for doc_type in (0, 1, 2):
        package = _document(
            tmp_path, business=dataclasses.replace(_document(tmp_path).business, doc_type=doc_type, replacements=())
        )
        out = io.BytesIO()
        built = build_package(package, out)
        assert parse_package(io.BytesIO(out.getvalue()), strict=True, keep_attachments=False) == built


# ---------------------------------------------------------------- the command on an issued document


@pytest.fixture
def issued(agency, other_agency, clerk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return outgoing_register(
        actor=clerk,
        agency=agency,
        uploads=[pdf_upload()],
        data=outgoing_data(
            recipient_agency_ids=[other_agency.pk],
            recipient_names=["Sở Nội vụ tỉnh Quảng Nam"],
            signer_title="KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
            urgency="very_urgent",
            pages=2,
        ),
    )


@pytest.mark.django_db
def test_build_command_writes_the_package_of_an_issued_document(issued, agency, other_agency, tmp_path, capsys):
    out = tmp_path / "out.edxml"
    call_command("edxml", "build", str(issued.pk), "--out", str(out))
    assert capsys.readouterr().out.startswith("Đã ghi gói edXML ")
    parsed = parse_package(out, strict=True, attachments_dir=tmp_path)
    assert (parsed.sender.organ_id, parsed.sender.name) == (agency.identifier, agency.name)
    assert [(o.organ_id, o.name) for o in parsed.recipients] == [(other_agency.identifier, other_agency.name)]
    assert parsed.document_id == (
        f"{agency.identifier},{issued.issued_date:%Y/%m/%d},{issued.number}/{issued.notation}"
    )
    assert (parsed.number, parsed.notation, parsed.date) == (issued.number, issued.notation, issued.issued_date)
    assert (parsed.subject, parsed.type_name) == (issued.subject, issued.doc_type.name)
    assert parsed.signer == Signer(competence="KT. CHỦ TỊCH PHÓ CHỦ TỊCH", full_name="Nguyễn Văn An")
    assert (parsed.other_info.priority, parsed.other_info.page_amount) == (2, 2)
    assert parsed.business.doc_type == 0
    [stored] = issued.attachments.select_related("file")
    with open_stored(stored.file) as handle:
        content = handle.read()
    [att] = parsed.attachments
    assert (att.name, att.size, att.sha256) == (stored.original_name, len(content), hashlib.sha256(content).hexdigest())
    call_command("edxml", "parse", str(out))
    assert json.loads(capsys.readouterr().out)["warnings"] == []


@pytest.mark.django_db
def test_build_command_refuses_what_cannot_be_sent(agency, clerk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    paper_only = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    out = tmp_path / "out.edxml"
    with pytest.raises(CommandError, match="không có nơi nhận nào có mã định danh"):
        call_command("edxml", "build", str(paper_only.pk), "--out", str(out))
    with pytest.raises(CommandError, match="Không tìm thấy văn bản 999999"):
        call_command("edxml", "build", "999999", "--out", str(out))
    assert list(tmp_path.glob("out.edxml*")) == []
