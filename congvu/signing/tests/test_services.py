import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf
from congvu.signing.models import SignatureCheck, SignatureLabel
from congvu.signing.selectors import document_signature_checks, latest_checks
from congvu.signing.services import signature_check
from congvu.signing.signing import sign_pdf


def _register(clerk, agency, data: bytes, name="vb.pdf", number="125"):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number=number),
                            uploads=[SimpleUploadedFile(name, data, content_type="application/pdf")])
    return doc, doc.attachments.get().file


def test_signature_check_records_a_valid_signature(agency, clerk, leader_key, agency_key, ca_cert, when):
    signed = sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when)
    signed = sign_pdf(signed, signer=agency_key, kind="agency", when=when)
    doc, stored = _register(clerk, agency, signed)
    journal_before = JournalEntry.objects.count()
    check = signature_check(stored, actor=clerk, agency_id=agency.pk, trust_roots=[ca_cert])
    check.refresh_from_db()
    assert (check.label, check.get_label_display(), check.signature_count) == (
        SignatureLabel.VALID, "ký số hợp lệ", 2,
    )
    assert (check.signer_name, check.organisation, check.signing_time) == (
        "Nguyễn Văn Lãnh Đạo", "Ủy ban nhân dân tỉnh Demo", when,
    )
    assert [r["status"] for r in check.reports] == ["valid", "valid"]
    assert check.reports[1]["signer_name"] == "Ủy ban nhân dân tỉnh Demo"
    assert check.checked_by == clerk
    entry = JournalEntry.objects.order_by("-id").first()
    assert JournalEntry.objects.count() == journal_before + 1
    assert entry.action == "signature.checked"
    assert [(a.file_id, c.pk) for a, c in document_signature_checks(user=clerk, document_id=doc.pk)] == [
        (stored.pk, check.pk)
    ]


def test_signature_check_flags_tampered_and_unsigned_files(agency, clerk, leader_key, ca_cert, when):
    signed = sign_pdf(minimal_pdf("Sentinel"), signer=leader_key, kind="personal", when=when)
    _, tampered = _register(clerk, agency, signed.replace(b"Sentinel", b"Sentinal"), "sua.pdf")
    bad = signature_check(tampered, actor=clerk, agency_id=agency.pk, trust_roots=[ca_cert])
    assert (bad.label, bad.signature_count, bad.signer_name) == (SignatureLabel.INVALID, 1, "Nguyễn Văn Lãnh Đạo")
    assert bad.message == "Chữ ký của Nguyễn Văn Lãnh Đạo không hợp lệ: nội dung tệp đã bị thay đổi sau khi ký."

    _, plain = _register(clerk, agency, minimal_pdf("khong ky"), "khong-ky.pdf", number="126")
    none = signature_check(plain, actor=clerk, agency_id=agency.pk, trust_roots=[ca_cert])
    assert (none.label, none.get_label_display(), none.signature_count, none.reports) == (
        SignatureLabel.NONE, "không có chữ ký", 0, [],
    )
    assert {k: v.label for k, v in latest_checks([tampered.pk, plain.pk]).items()} == {
        tampered.pk: SignatureLabel.INVALID, plain.pk: SignatureLabel.NONE,
    }


def test_latest_check_wins_and_outsiders_see_nothing(agency, clerk, other_clerk, leader_key, ca_cert, when):
    signed = sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when)
    doc, stored = _register(clerk, agency, signed)
    first = signature_check(stored, actor=clerk, agency_id=agency.pk, trust_roots=[])
    second = signature_check(stored, actor=clerk, agency_id=agency.pk, trust_roots=[ca_cert])
    assert (first.label, first.reports[0]["status"]) == (SignatureLabel.INVALID, "unknown_signer")
    assert latest_checks([stored.pk])[stored.pk].pk == second.pk
    assert SignatureCheck.objects.filter(stored_file=stored).count() == 2
    with pytest.raises(NotFound):
        document_signature_checks(user=other_clerk, document_id=doc.pk)


def test_stored_file_sign_makes_a_new_signed_file_and_keeps_the_original(settings, agency, clerk, leader, demo_pki,
                                                                         ca_cert, when):
    from congvu.core.errors import ValidationFailed
    from congvu.documents.files import open_stored
    from congvu.signing.services import configured_signer, stored_file_sign

    settings.CONGVU_PKI_DIR = str(demo_pki.directory)
    settings.CONGVU_PKCS11_LIB = ""
    _, original = _register(clerk, agency, minimal_pdf("ban goc"))
    with open_stored(original) as fh:
        original_bytes = fh.read()
    with pytest.raises(ValidationFailed) as err:  # the leader's username has no personal certificate yet
        configured_signer("personal", user=leader)
    assert err.value.message == "Tài khoản lanhdao chưa có chứng thư số cá nhân."
    (demo_pki.directory / "lanhdao.p12").write_bytes(demo_pki.personal_p12["leader"].read_bytes())
    try:
        personal = stored_file_sign(actor=leader, stored_file=original, kind="personal", agency_id=agency.pk,
                                    when=when)
        sealed = stored_file_sign(actor=clerk, stored_file=personal, kind="agency", agency_id=agency.pk, when=when)
    finally:
        (demo_pki.directory / "lanhdao.p12").unlink()
    with open_stored(original) as fh:
        assert fh.read() == original_bytes
    with open_stored(personal) as fh:
        personal_bytes = fh.read()
    with open_stored(sealed) as fh:
        sealed_bytes = fh.read()
    assert personal_bytes.startswith(original_bytes) and sealed_bytes.startswith(personal_bytes)
    assert len({original.pk, personal.pk, sealed.pk}) == 3
    assert JournalEntry.objects.filter(action="signature.signed").count() == 2
    check = signature_check(sealed, actor=clerk, agency_id=agency.pk, trust_roots=[ca_cert])
    assert (check.label, [r["signer_name"] for r in check.reports]) == (
        SignatureLabel.VALID, ["Nguyễn Văn Lãnh Đạo", "Ủy ban nhân dân tỉnh Demo"],
    )


def test_stored_file_sign_failure_stores_nothing(agency, clerk, leader_key):
    from congvu.core.errors import ValidationFailed
    from congvu.documents.models import StoredFile
    from congvu.signing.services import stored_file_sign

    _, original = _register(clerk, agency, minimal_pdf("ban goc"))
    files_before, journal_before = StoredFile.objects.count(), JournalEntry.objects.count()
    with pytest.raises(ValidationFailed) as err:
        stored_file_sign(actor=clerk, stored_file=original, kind="stamp", signer=leader_key, agency_id=agency.pk)
    assert err.value.message == "Loại chữ ký không hợp lệ: stamp."
    assert (StoredFile.objects.count(), JournalEntry.objects.count()) == (files_before, journal_before)
