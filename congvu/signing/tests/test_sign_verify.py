import datetime as dt
import shutil
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader

from congvu.core.errors import ValidationFailed
from congvu.signing.pki import make_ca, make_signer_p12
from congvu.signing.signing import (
    MM,
    SEAL_SIZE,
    Pkcs12Key,
    attachment_box,
    default_personal_box,
    load_pkcs12_signer,
    seal_box,
    sign_pdf,
)
from congvu.signing.verify import LABEL_INVALID, LABEL_NONE, LABEL_VALID, overall_label, verify_pdf, verify_pdf_label

PDFSIG = shutil.which("pdfsig")
needs_pdfsig = pytest.mark.skipif(PDFSIG is None, reason="pdfsig (Debian poppler-utils) is not installed")


def widgets(pdf_bytes):
    """(field name, page index, rect) of the signature widgets, read with pypdf."""
    reader = PdfReader(BytesIO(pdf_bytes))
    out = []
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig":
                out.append((str(annot["/T"]), index, tuple(round(float(v), 2) for v in annot["/Rect"])))
    return out


def pdfsig(tmp_path, data, name="f.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    run = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout


def test_personal_signature_verifies_valid(plain_pdf, leader_key, ca_cert, when, signature_png):
    signed = sign_pdf(plain_pdf, signer=leader_key, kind="personal", image=signature_png, when=when)
    assert signed[: len(plain_pdf)] == plain_pdf
    reports = verify_pdf(signed, trust_roots=[ca_cert])
    assert len(reports) == 1
    report = reports[0]
    assert report.status == "valid"
    assert report.signer_name == "Nguyễn Văn Lãnh Đạo"
    assert report.organisation == "Ủy ban nhân dân tỉnh Demo"
    assert report.signing_time == when
    assert (report.covers_whole_file, report.intact, report.chain_ok) == (True, True, True)
    assert report.message_vi == "Chữ ký của Nguyễn Văn Lãnh Đạo hợp lệ."
    assert overall_label(reports) == LABEL_VALID == "ký số hợp lệ"
    # on the last page, in the default signing block
    assert widgets(signed) == [("CongVu_personal_1", 1, tuple(round(v, 2) for v in default_personal_box(595.28)))]


def test_personal_then_agency_is_incremental_and_both_valid(plain_pdf, leader_key, agency_key, ca_cert, when,
                                                             signature_png, seal_png):
    first = sign_pdf(plain_pdf, signer=leader_key, kind="personal", image=signature_png, when=when)
    second = sign_pdf(first, signer=agency_key, kind="agency", image=seal_png, when=when + dt.timedelta(minutes=5))
    assert second[: len(first)] == first
    assert len(second) > len(first)
    reports = verify_pdf(second, trust_roots=[ca_cert])
    assert [(r.status, r.signer_name, r.covers_whole_file, r.intact, r.chain_ok) for r in reports] == [
        ("valid", "Nguyễn Văn Lãnh Đạo", False, True, True),
        ("valid", "Ủy ban nhân dân tỉnh Demo", True, True, True),
    ]
    assert reports[1].signing_time == when + dt.timedelta(minutes=5)
    assert overall_label(reports) == LABEL_VALID
    # the seal overlaps the left third of the personal signature, real size, on the same page
    (name1, page1, personal), (name2, page2, seal) = widgets(second)
    assert (name1, name2, page1, page2) == ("CongVu_personal_1", "CongVu_agency_2", 1, 1)
    assert seal == tuple(round(v, 2) for v in seal_box(personal))
    assert round(seal[2] - personal[0], 2) == round((personal[2] - personal[0]) / 3, 2)
    assert round(seal[2] - seal[0], 2) == round(SEAL_SIZE, 2) == round(39 * MM, 2)


def test_attachment_signature_top_right_of_first_page(plain_pdf, clerk_key, ca_cert, when):
    signed = sign_pdf(plain_pdf, signer=clerk_key, kind="attachment", number="12/QĐ-UBND", when=when)
    ((name, page, rect),) = widgets(signed)
    assert (name, page) == ("CongVu_attachment_1", 0)
    assert rect == tuple(round(v, 2) for v in attachment_box(595.28, 841.89))
    assert rect[2] == round(595.28 - 15 * MM, 2)
    assert rect[3] > 841.89 - 20 * MM  # inside the top margin
    result = verify_pdf_label(signed, trust_roots=[ca_cert])
    assert result.label == LABEL_VALID
    assert result.signatures[0].signer_name == "Trần Thị Văn Thư"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed")
def test_attachment_appearance_shows_number_and_iso_time(plain_pdf, clerk_key, when):
    signed = sign_pdf(plain_pdf, signer=clerk_key, kind="attachment", number="12/QĐ-UBND", when=when)
    run = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=signed, capture_output=True, timeout=60)
    text = run.stdout.decode()
    assert "Số, ký hiệu: 12/QĐ-UBND" in text
    assert "2026-11-27T08:30:05+07:00" in text  # ISO 8601, Vietnam zone
    assert "Ủy ban nhân dân tỉnh Demo" in text


def test_tampered_copy_is_invalid(plain_pdf, leader_key, agency_key, ca_cert, when):
    signed = sign_pdf(plain_pdf, signer=leader_key, kind="personal", when=when)
    signed = sign_pdf(signed, signer=agency_key, kind="agency", when=when)
    assert signed.count(b"Sentinel") == 1
    tampered = signed.replace(b"Sentinel", b"Sentinal")
    reports = verify_pdf(tampered, trust_roots=[ca_cert])
    assert [(r.status, r.intact) for r in reports] == [("invalid", False), ("invalid", False)]
    assert reports[0].message_vi == "Chữ ký của Nguyễn Văn Lãnh Đạo không hợp lệ: nội dung tệp đã bị thay đổi sau khi ký."
    assert overall_label(reports) == LABEL_INVALID == "không hợp lệ"
    # the original is untouched and still valid
    assert overall_label(verify_pdf(signed, trust_roots=[ca_cert])) == LABEL_VALID


@pytest.mark.parametrize("keep", [-2000, -100, 0.6])
def test_cut_signature_is_invalid(plain_pdf, leader_key, ca_cert, when, keep):
    signed = sign_pdf(plain_pdf, signer=leader_key, kind="personal", when=when)
    cut = signed[: int(len(signed) * keep) if isinstance(keep, float) else keep]
    result = verify_pdf_label(cut, trust_roots=[ca_cert])
    assert result.label == LABEL_INVALID
    assert [r.status for r in result.signatures] == ["invalid"]
    assert result.signatures[0].message_vi == (
        "Tệp PDF có chữ ký nhưng đã bị cắt hoặc hỏng, không đọc được để kiểm tra."
    )


def test_content_changed_in_a_later_revision_is_invalid(plain_pdf, leader_key, ca_cert, when):
    """Appending an update that rewrites the page after signing is not a permitted change."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign_pdf(plain_pdf, signer=leader_key, kind="personal", when=when)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    stream = generic.StreamObject(stream_data=b"BT /F1 14 Tf 10 800 Td (Forged) Tj ET")
    page = page_ref.get_object()
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    modified = out.getvalue()
    assert modified[: len(signed)] == signed
    (report,) = verify_pdf(modified, trust_roots=[ca_cert])
    assert (report.status, report.intact, report.covers_whole_file) == ("invalid", True, False)
    assert report.message_vi == "Chữ ký của Nguyễn Văn Lãnh Đạo không còn hiệu lực: tệp đã bị sửa nội dung sau khi ký."


def test_unknown_ca_is_not_trusted(tmp_path, plain_pdf, ca_cert, when):
    other_ca, other_key = make_ca("Rogue CA")
    p12 = tmp_path / "rogue.p12"
    p12.write_bytes(make_signer_p12(other_ca, other_key, common_name="Kẻ Lạ", organisation="Không rõ", password="x"))
    signed = sign_pdf(plain_pdf, signer=Pkcs12Key(p12, "x"), kind="personal", when=when)
    (report,) = verify_pdf(signed, trust_roots=[ca_cert])
    assert (report.status, report.intact, report.chain_ok, report.signer_name) == (
        "unknown_signer", True, False, "Kẻ Lạ",
    )
    assert report.message_vi == (
        "Chữ ký của Kẻ Lạ nguyên vẹn nhưng chứng thư số không thuộc tổ chức chứng thực được tin cậy."
    )
    assert overall_label([report]) == LABEL_INVALID


def test_no_signature(plain_pdf, ca_cert):
    result = verify_pdf_label(plain_pdf, trust_roots=[ca_cert])
    assert (result.label, result.signatures) == (LABEL_NONE, [])
    assert LABEL_NONE == "không có chữ ký"


def test_wrong_password_and_not_a_pdf_are_rejected(plain_pdf, demo_pki, leader_key):
    with pytest.raises(ValidationFailed) as err:
        load_pkcs12_signer(demo_pki.personal_p12["leader"], "wrong")
    assert err.value.message == "Tệp PKCS#12 không hợp lệ hoặc sai mật khẩu."
    with pytest.raises(ValidationFailed) as err:
        sign_pdf(b"not a pdf at all", signer=leader_key, kind="personal")
    assert err.value.message == "Tệp không phải PDF hợp lệ nên không ký được."
    with pytest.raises(ValidationFailed) as err:
        sign_pdf(plain_pdf, signer=leader_key, kind="stamp")
    assert err.value.message == "Loại chữ ký không hợp lệ: stamp."


@needs_pdfsig
def test_pdfsig_accepts_our_signatures_and_rejects_a_tampered_copy(tmp_path, plain_pdf, leader_key, agency_key,
                                                                    when, signature_png, seal_png):
    signed = sign_pdf(plain_pdf, signer=leader_key, kind="personal", image=signature_png, when=when)
    signed = sign_pdf(signed, signer=agency_key, kind="agency", image=seal_png, when=when)
    report = pdfsig(tmp_path, signed, "signed.pdf")
    assert report.count("Signature Validation: Signature is Valid.") == 2
    assert "Signature Field Name: CongVu_personal_1" in report
    assert "Signature Field Name: CongVu_agency_2" in report
    assert "Signer Certificate Common Name: Nguyễn Văn Lãnh Đạo" in report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    tampered = signed.replace(b"Sentinel", b"Sentinal")
    bad = pdfsig(tmp_path, tampered, "tampered.pdf")
    assert "Signature is Valid" not in bad
    assert bad.count("Signature Validation: Digest Mismatch.") == 2


def test_signature_value_cut_out_is_invalid(plain_pdf, leader_key, ca_cert, when):
    signed = sign_pdf(plain_pdf, signer=leader_key, kind="personal", when=when)
    start = signed.index(b"/Contents <", len(plain_pdf)) + len(b"/Contents <")
    end = signed.index(b">", start)
    blanked = signed[:start] + b"0" * (end - start) + signed[end:]
    assert len(blanked) == len(signed)
    result = verify_pdf_label(blanked, trust_roots=[ca_cert])
    assert result.label == LABEL_INVALID
    assert [(r.status, r.intact, r.chain_ok) for r in result.signatures] == [("invalid", False, False)]
    assert result.signatures[0].message_vi == "Tệp PDF có chữ ký nhưng đã bị cắt hoặc hỏng, không đọc được để kiểm tra."
