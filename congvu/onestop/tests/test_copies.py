"""Electronic certified copies: the fee, the register numbers, the signed PDF, atomicity, permissions."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as dj_settings
from pypdf import PdfReader

from conftest import make_agency, make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents.files import open_stored
from congvu.documents.models import StoredFile
from congvu.onestop import copies
from congvu.onestop.copies import copy_fee, register_book
from congvu.onestop.models import CertificationSequence, CertifiedCopy
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o4 import *  # noqa: F403  (fixtures: chair, copy_pki, copy_ca)
from congvu.onestop.tests.factories_o4 import AGENCY_SIGNER, image_bytes, pdf_bytes, upload
from congvu.org.models import Role
from congvu.signing.verify import LABEL_VALID, verify_pdf_label

PDFSIG = shutil.which("pdfsig")


# --- the fee: a pure function ---------------------------------------------------------------------------

@pytest.mark.parametrize(("pages", "fee"), [
    (1, 2_000), (2, 4_000), (3, 5_000), (4, 6_000), (198, 200_000), (199, 200_000), (200, 200_000),
    (500, 200_000),
])
def test_fee_per_copy_at_the_boundaries(pages, fee):
    assert copy_fee(pages=pages) == fee


def test_fee_times_the_copies_and_the_cap_applies_per_copy():
    assert copy_fee(pages=3, copies=2) == 10_000
    assert copy_fee(pages=197, copies=1) == 199_000  # 4,000 + 195 × 1,000: just under the cap
    assert copy_fee(pages=500, copies=3) == 600_000
    with pytest.raises(ValueError):
        copy_fee(pages=0)
    with pytest.raises(ValueError):
        copy_fee(pages=2, copies=0)


def test_codes_are_normalised_from_what_people_type():
    code = copies.new_code()
    assert copies.CODE_RE.match(code)
    assert copies.normalise_code(code.lower().replace("-", " ")) == code
    assert copies.normalise_code(" " + code.replace("-", "") + " ") == code
    assert copies.normalise_code("ABCD-EFGH-JKL0") == ""  # 0 is never in a code
    assert copies.normalise_code("ABCD") == ""
    assert register_book(2026) == "01/2026-SCT/BS"


# --- certifying ------------------------------------------------------------------------------------------

def _certify(actor, agency, data=None, **kw):
    values = dict(uploads=[upload(data or pdf_bytes(3))], document_title="Bằng tốt nghiệp trung học phổ thông",
                  requester_name="Trần Thị Bình", requester_id_number="049190001234")
    values.update(kw)
    return copies.certified_copy_create(actor=actor, agency=agency, **values)


def _bytes(stored):
    with open_stored(stored) as fh:
        return fh.read()


def _media_files():
    root = Path(dj_settings.MEDIA_ROOT)
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.django_db
def test_certify_a_pdf_numbers_signs_and_journals(copy_pki, copy_ca, agency, chair):
    original = pdf_bytes(3)
    copy = _certify(chair, agency, original)
    copy.refresh_from_db()
    assert (copy.register_year, copy.register_number, copy.pages, copy.copies, copy.fee) == (
        copy.certified_at.year, 1, 3, 1, 5_000)
    assert copy.certifier == chair.official and copy.created_by == chair
    assert (copy.document_title, copy.requester_name, copy.requester_id_number) == (
        "Bằng tốt nghiệp trung học phổ thông", "Trần Thị Bình", "049190001234")
    assert copies.CODE_RE.match(copy.code)
    # the scan is kept as uploaded; the certified copy is the scan + the statement page, signed
    assert _bytes(copy.scan) == original
    signed = _bytes(copy.certified_file)
    reader = PdfReader(io.BytesIO(signed))
    assert len(reader.pages) == 4
    assert "Ban chinh trang 3" in reader.pages[2].extract_text()
    statement = reader.pages[3].extract_text()
    for text in ("Chứng thực bản sao này đúng với bản chính.", "Số chứng thực:", "Quyển số:",
                 register_book(copy.register_year), copy.code, "NGƯỜI THỰC HIỆN CHỨNG THỰC", "CHỦ TỊCH",
                 "Nguyễn Văn Chủ Tịch", "Bằng tốt nghiệp trung học phổ thông", "Trần Thị Bình"):
        assert text in statement, text
    result = verify_pdf_label(signed, trust_roots=[copy_ca])
    assert result.label == LABEL_VALID
    assert [(r.field_name, r.status, r.signer_name, r.covers_whole_file) for r in result.signatures] == [
        ("CongVu_agency_1", "valid", AGENCY_SIGNER, True)]
    assert result.signatures[0].signing_time == copy.certified_at
    entry = JournalEntry.objects.filter(action="certified_copy.certified").get()
    assert (entry.object_id, entry.after["number"], entry.after["fee"], entry.after["code"]) == (
        str(copy.pk), 1, 5_000, copy.code)
    assert JournalEntry.objects.filter(action="signature.signed").count() == 1
    assert CertificationSequence.objects.get(agency=agency).last == 1


@pytest.mark.skipif(PDFSIG is None, reason="pdfsig (Debian poppler-utils) is not installed")
@pytest.mark.django_db
def test_pdfsig_accepts_the_certified_copy(tmp_path, copy_pki, agency, chair):
    copy = _certify(chair, agency)
    path = tmp_path / "ban-sao.pdf"
    path.write_bytes(_bytes(copy.certified_file))
    report = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60).stdout
    assert report.count("Signature Validation: Signature is Valid.") == 1
    assert "Signature Field Name: CongVu_agency_1" in report
    assert f"Signer Certificate Common Name: {AGENCY_SIGNER}" in report
    assert "Total document signed" in report
    tampered = tmp_path / "sua.pdf"
    tampered.write_bytes(_bytes(copy.certified_file).replace(b"Ban chinh trang 2", b"Ban chinh trang 9"))
    bad = subprocess.run([PDFSIG, str(tampered)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid" not in bad


@pytest.mark.django_db
def test_images_become_one_pdf_one_page_each_in_order(copy_pki, agency, chair):
    uploads = [upload(image_bytes("JPEG", (250, 0, 0), (300, 420)), "1.jpg", "image/jpeg"),
               upload(image_bytes("PNG", (0, 0, 250), (420, 300), mode="RGBA"), "2.png", "image/png"),
               upload(image_bytes("TIFF", (0, 250, 0)), "3.tif", "image/tiff")]
    copy = _certify(chair, agency, uploads=uploads, copies=2)
    assert (copy.pages, copy.copies, copy.fee) == (3, 2, 10_000)
    scan = PdfReader(io.BytesIO(_bytes(copy.scan)))
    assert len(scan.pages) == 3
    assert [round(float(p.mediabox.width)) for p in scan.pages] == [595, 842, 595]  # the landscape one turned
    # the JPEG is embedded as it was (no re-encoding): its bytes are inside the PDF
    assert image_bytes("JPEG", (250, 0, 0), (300, 420)) in _bytes(copy.scan)
    assert len(PdfReader(io.BytesIO(_bytes(copy.certified_file))).pages) == 4


@pytest.mark.django_db
def test_numbers_follow_each_other_per_agency_and_year(copy_pki, agency, chair, onestop, other_agency):
    import datetime as dt

    first = _certify(chair, agency, pdf_bytes(1, "Mot"))
    second = _certify(onestop, agency, pdf_bytes(1, "Hai"), certifier_id=chair.official.pk)
    other_chair = make_official(other_agency, Role.LEADER, username="chutich_xa").user
    elsewhere = _certify(other_chair, other_agency, pdf_bytes(1, "Ba"))
    next_year = _certify(chair, agency, pdf_bytes(1, "Bon"),
                         now=dt.datetime(first.certified_at.year + 1, 1, 2, 2, 0, tzinfo=dt.UTC))
    assert [(c.agency_id, c.register_year, c.register_number) for c in (first, second, elsewhere, next_year)] == [
        (agency.pk, first.register_year, 1), (agency.pk, first.register_year, 2),
        (other_agency.pk, first.register_year, 1), (agency.pk, first.register_year + 1, 1)]
    assert second.certifier == chair.official and second.created_by == onestop
    assert len({c.code for c in (first, second, elsewhere, next_year)}) == 4


@pytest.mark.django_db
def test_a_failure_while_signing_gives_the_number_back_and_leaves_no_file(copy_pki, agency, chair, monkeypatch):
    _certify(chair, agency, pdf_bytes(1, "Truoc"))
    before = (CertifiedCopy.objects.count(), StoredFile.objects.count(), JournalEntry.objects.count(),
              CertificationSequence.objects.get(agency=agency).last, _media_files())

    def broken(*args, **kwargs):
        raise RuntimeError("token removed while signing")

    monkeypatch.setattr(copies, "sign_pdf", broken)
    with pytest.raises(RuntimeError):
        _certify(chair, agency, pdf_bytes(2, "Loi"))
    assert (CertifiedCopy.objects.count(), StoredFile.objects.count(), JournalEntry.objects.count(),
            CertificationSequence.objects.get(agency=agency).last, _media_files()) == before
    monkeypatch.undo()
    again = _certify(chair, agency, pdf_bytes(2, "Loi"))
    assert again.register_number == 2


@pytest.mark.django_db
def test_without_an_agency_key_nothing_is_certified(agency, chair):
    with pytest.raises(ValidationFailed) as err:
        _certify(chair, agency)
    assert err.value.message.startswith("Chưa cấu hình chứng thư số của cơ quan")
    assert (CertifiedCopy.objects.count(), CertificationSequence.objects.count(), StoredFile.objects.count(),
            _media_files()) == (0, 0, 0, [])


@pytest.mark.django_db
def test_bad_input_is_refused_in_vietnamese_and_changes_nothing(copy_pki, agency, chair, onestop):
    cases = [
        (dict(document_title=" "), "document_title", "Nhập tên giấy tờ, văn bản được chứng thực."),
        (dict(requester_name=""), "requester_name", "Nhập họ tên người yêu cầu chứng thực."),
        (dict(requester_id_number="12-3"), "requester_id_number",
         "Số giấy tờ tùy thân gồm 6 đến 20 chữ số hoặc chữ cái."),
        (dict(copies="0"), "copies", "Số bản sao phải từ 1 đến 100."),
        (dict(copies="hai"), "copies", "Số bản sao phải là số nguyên."),
        (dict(certifier_id=onestop.official.pk), "certifier",
         "Người thực hiện chứng thực phải là lãnh đạo đang công tác tại cơ quan."),
        (dict(uploads=[]), "files", "Tải lên tệp PDF hoặc ảnh quét."),
        (dict(uploads=[upload(b"PK\x03\x04 not really a docx", "a.docx", "application/msword")]), "files", None),
        (dict(uploads=[upload(pdf_bytes(1)), upload(pdf_bytes(2), "b.pdf")]), "files",
         "Gộp bản quét thành một tệp PDF."),
        (dict(uploads=[upload(pdf_bytes(1)), upload(image_bytes(), "a.png", "image/png")]), "files",
         "Không nhận tệp Word, Excel hay trộn PDF với ảnh."),
        (dict(uploads=[upload(b"%PDF-1.4 broken", "hong.pdf")]), "files", "Tệp PDF bị hỏng hoặc không hợp lệ."),
        (dict(pages=5), "pages", "Bản quét có 3 trang."),
    ]
    for overrides, field, message in cases:
        with pytest.raises(ValidationFailed) as err:
            _certify(chair, agency, **overrides)
        assert field in err.value.fields, (overrides, err.value.fields)
        if message:
            assert err.value.fields[field] == message
    with pytest.raises(ValidationFailed) as err:  # a one-stop clerk must name the certifier
        _certify(onestop, agency)
    assert err.value.fields == {"certifier": "Chọn người thực hiện chứng thực (lãnh đạo của cơ quan)."}
    assert (CertifiedCopy.objects.count(), CertificationSequence.objects.count(), StoredFile.objects.count(),
            JournalEntry.objects.count(), _media_files()) == (0, 0, 0, 0, [])


@pytest.mark.django_db
def test_only_counter_staff_and_leaders_certify_and_see_the_register(copy_pki, agency, chair, clerk, officer,
                                                                    agency_admin, other_clerk):
    for user in (clerk, officer, agency_admin, other_clerk):
        with pytest.raises(PermissionDenied):
            _certify(user, agency, certifier_id=chair.official.pk)
    assert CertifiedCopy.objects.count() == 0
    copy = _certify(chair, agency)
    assert copies.copy_for(agency_admin, copy.pk) == copy
    assert list(copies.visible_copies(chair, agency.pk)) == [copy]
    for user in (clerk, officer, other_clerk):
        with pytest.raises(NotFound):
            copies.copy_for(user, copy.pk)
        assert list(copies.visible_copies(user, agency.pk)) == []


@pytest.mark.django_db
def test_link_to_a_certification_dossier_only(copy_pki, agency, chair):
    from congvu.onestop.models import Dossier

    def dossier(version, code):
        from django.utils import timezone
        return Dossier.objects.create(agency=agency, procedure_version=version, code=code,
                                      applicant_name="Trần Thị Bình", submitted_at=timezone.now())

    copy_version = make_procedure(local_code="2.000815.000.00.00.H40", name="Chứng thực bản sao từ bản chính")
    birth = dossier(make_procedure(), "H40-260101-0001")
    wanted = dossier(copy_version, "H40-260101-0002")
    with pytest.raises(ValidationFailed) as err:
        _certify(chair, agency, dossier_id=birth.pk)
    assert err.value.fields == {"dossier": "Hồ sơ H40-260101-0001 không phải hồ sơ chứng thực bản sao (thủ tục 2.000815)."}
    with pytest.raises(ValidationFailed) as err:
        _certify(chair, agency, dossier_id=999999)
    assert err.value.fields == {"dossier": "Không tìm thấy hồ sơ này trong cơ quan."}
    copy = _certify(chair, agency, dossier_id=wanted.pk)
    assert copy.dossier == wanted and wanted.certified_copies.get() == copy


@pytest.mark.django_db
def test_another_agencys_dossier_cannot_be_linked(copy_pki, agency, chair):
    from django.utils import timezone

    from congvu.onestop.models import Dossier

    far = make_agency(name="UBND xã Xa", code="UBND")
    version = make_procedure(local_code="2.000815.000.00.00.H41", name="Chứng thực bản sao từ bản chính")
    theirs = Dossier.objects.create(agency=far, procedure_version=version, code="X-1", applicant_name="A",
                                    submitted_at=timezone.now())
    with pytest.raises(ValidationFailed) as err:
        _certify(chair, agency, dossier_id=theirs.pk)
    assert err.value.fields == {"dossier": "Không tìm thấy hồ sơ này trong cơ quan."}


@pytest.mark.django_db
def test_a_signed_pdf_original_keeps_the_look_of_its_signature_not_a_broken_field(copy_pki, copy_ca, agency, chair):
    from congvu.signing.signing import Pkcs12Key, sign_pdf

    original = sign_pdf(pdf_bytes(2), signer=Pkcs12Key(copy_pki.personal_p12["leader"], copy_pki.password),
                        kind="personal")
    copy = _certify(chair, agency, original)
    assert _bytes(copy.scan) == original  # the scan is kept as it came, signature included
    signed = _bytes(copy.certified_file)
    result = verify_pdf_label(signed, trust_roots=[copy_ca])
    assert (result.label, [(r.field_name, r.status) for r in result.signatures]) == (
        LABEL_VALID, [("CongVu_agency_1", "valid")])
    page = PdfReader(io.BytesIO(signed)).pages[1]
    stamps = [a.get_object() for a in page["/Annots"]]
    assert [(a["/Subtype"], "/AP" in a) for a in stamps] == [("/Stamp", True)]  # still shown, no longer a field


def _encrypted(user_password: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(2))))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_pdf_locked_for_reading_is_refused_one_with_an_owner_password_only_is_certified(copy_pki, copy_ca, agency,
                                                                                         chair):
    with pytest.raises(ValidationFailed) as err:
        _certify(chair, agency, _encrypted("mat-khau"))
    assert err.value.fields == {"files": "Tệp PDF có mật khẩu."}
    assert CertifiedCopy.objects.count() == 0
    copy = _certify(chair, agency, _encrypted(""))
    assert copy.pages == 2
    signed = _bytes(copy.certified_file)
    assert verify_pdf_label(signed, trust_roots=[copy_ca]).label == LABEL_VALID
    assert "Ban chinh trang 2" in PdfReader(io.BytesIO(signed)).pages[1].extract_text()


@pytest.mark.parametrize("long", [False, True])
def test_the_statement_details_always_end_above_the_signing_block(long):
    import datetime as dt

    title = ("Bằng tốt nghiệp trung học phổ thông " * 20)[:500] if long else "Giấy khai sinh"
    requester = ("Trần Thị Bình Người Yêu Cầu " * 10)[:200] if long else "Trần Thị Bình"
    data = copies.statement_pdf(agency_name="UBND xã Quế Phước", place="Quế Phước", number=7, year=2026,
                                certified_at=dt.datetime(2026, 11, 27, 3, tzinfo=dt.UTC),
                                certifier_name="Nguyễn Văn Chủ Tịch", certifier_title="Chủ tịch",
                                document_title=title, pages=3, copies=1, requester_name=requester,
                                code="ABCD-EFGH-JKLM")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    found = {}

    def visit(text, cm, tm, font, size):
        for needle in ("ABCD-EFGH-JKLM", "NGƯỜI THỰC HIỆN CHỨNG THỰC", "Quế Phước, ngày 27 tháng 11 năm 2026"):
            if needle in text and needle not in found:
                found[needle] = tm[5] * cm[3] + cm[5]  # y from the bottom, in points

    reader.pages[0].extract_text(visitor_text=visit)
    mm = 72 / 25.4
    assert found["Quế Phước, ngày 27 tháng 11 năm 2026"] == pytest.approx((297 - 205) * mm, abs=6 * mm)
    assert found["ABCD-EFGH-JKLM"] > found["Quế Phước, ngày 27 tháng 11 năm 2026"] + 3 * mm


@pytest.mark.django_db
def test_the_leader_certifies_from_the_scans_the_counter_received_with_the_dossier(copy_pki, agency, chair, onestop):
    """Two people, two steps: the counter receives a 2.000815 dossier with the scanned pages, the leader
    certifies from it without uploading anything."""
    from django.db import transaction
    from django.utils import timezone

    from congvu.onestop.models import Dossier, DossierComponent

    version = make_procedure(local_code="2.000815.000.00.00.H40", name="Chứng thực bản sao từ bản chính",
                             components=(("Bản chính giấy tờ (bản quét)", True), ("Tờ khai", False)))
    dossier = Dossier.objects.create(agency=agency, procedure_version=version, code="H40-261127-0001",
                                     applicant_name="Trần Thị Bình", submitted_at=timezone.now(),
                                     received_by=onestop.official)
    pages = [image_bytes("JPEG", (250, 0, 0)), image_bytes("PNG", (0, 0, 250), (420, 300))]
    with transaction.atomic():
        for i, (data, name) in enumerate(zip(pages, ("trang-1.jpg", "trang-2.png"))):
            prepared = copies._prepared_from_bytes(data, name)
            prepared.content_type = "image/jpeg" if name.endswith(".jpg") else "image/png"
            stored = copies._store(prepared, [])
            prepared.temp_path.unlink()
            DossierComponent.objects.create(dossier=dossier, name=f"Trang {i + 1}", provided=True, file=stored,
                                            original_name=name)
        DossierComponent.objects.create(dossier=dossier, name="Tờ khai", provided=False)
    copy = copies.certified_copy_create(actor=chair, agency=agency, uploads=[], dossier_code="h40-261127-0001",
                                        document_title="Giấy khai sinh", requester_name="Trần Thị Bình")
    assert (copy.dossier, copy.pages, copy.fee, copy.created_by) == (dossier, 2, 4_000, chair)
    scan = PdfReader(io.BytesIO(_bytes(copy.scan)))
    assert [round(float(p.mediabox.width)) for p in scan.pages] == [595, 842]  # in the components' order
    empty = Dossier.objects.create(agency=agency, procedure_version=version, code="H40-261127-0002",
                                   applicant_name="A", submitted_at=timezone.now())
    with pytest.raises(ValidationFailed) as err:
        copies.certified_copy_create(actor=chair, agency=agency, uploads=[], dossier_id=empty.pk,
                                     document_title="Giấy khai sinh", requester_name="A")
    assert err.value.message == "Hồ sơ H40-261127-0002 chưa có bản quét (tệp PDF hoặc ảnh) của bản chính."
    assert CertifiedCopy.objects.count() == 1


@pytest.mark.django_db
def test_a_dissolved_agency_certifies_nothing_new(copy_pki, agency, chair):
    import datetime as dt

    agency.active_to = dt.date(2025, 6, 30)  # district people's committees ended on 30/06/2025
    agency.save()
    with pytest.raises(ValidationFailed) as err:
        _certify(chair, agency)
    assert err.value.code == "agency_inactive"
    assert err.value.message.startswith(f"{agency.name} không còn hoạt động vào ngày ")
    assert (CertifiedCopy.objects.count(), CertificationSequence.objects.count()) == (0, 0)
