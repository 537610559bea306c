"""Hooks of signing in other apps: the check after registration, signing at approval and issue, badges."""

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf
from congvu.jobs.testing import queued, run_queued
from congvu.signing.models import SignatureCheck, SignatureLabel
from congvu.signing.signing import sign_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def pki(settings, tmp_path, demo_pki):
    """A PKI folder of this test (a copy of the session's demo PKI), configured and trusted."""
    folder = tmp_path / "pki"
    shutil.copytree(demo_pki.directory, folder)
    settings.CONGVU_PKI_DIR = str(folder)
    settings.CONGVU_TRUST_ROOTS = ""
    settings.CONGVU_TRUST_DEMO_CA = "1"
    settings.CONGVU_PKCS11_LIB = ""
    return folder


def test_registration_queues_the_check_and_the_job_records_it(pki, agency, clerk, leader_key, agency_key, when):
    signed = sign_pdf(sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when),
                      signer=agency_key, kind="agency", when=when)
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="77"), uploads=[
        SimpleUploadedFile("vb.pdf", signed, content_type="application/pdf"),
        SimpleUploadedFile("phu-luc.pdf", minimal_pdf("Phu luc"), content_type="application/pdf"),
    ])
    assert queued("signing.check_document") == [{"document_id": doc.pk}]
    assert SignatureCheck.objects.count() == 0

    assert run_queued("signing.check_document") == 1

    files = [a.file_id for a in doc.attachments.order_by("position")]
    checks = {c.stored_file_id: c for c in SignatureCheck.objects.all()}
    assert sorted(checks) == sorted(files)
    assert (checks[files[0]].label, checks[files[0]].signature_count, checks[files[0]].checked_by) == (
        SignatureLabel.VALID, 2, None)
    assert (checks[files[1]].label, checks[files[1]].signature_count) == (SignatureLabel.NONE, 0)
    # Idempotent: running it again records nothing more.
    from congvu.signing.tasks import check_document

    check_document(document_id=doc.pk)
    assert SignatureCheck.objects.count() == 2


def test_a_failed_registration_queues_nothing(pki, agency, clerk):
    from congvu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(subject=""))
    assert queued("signing.check_document") == []


def test_document_page_and_list_show_the_signature_label(pki, client, agency, clerk, leader_key, when):
    signed = sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when)
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="78"), uploads=[
        SimpleUploadedFile("vb.pdf", signed, content_type="application/pdf")])
    plain = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="79"), uploads=[
        SimpleUploadedFile("vb2.pdf", minimal_pdf("Khong ky"), content_type="application/pdf")])
    client.force_login(clerk)
    page = client.get(f"/documents/{doc.pk}/").content.decode()
    assert "chưa kiểm tra" in page and f'href="/signatures/documents/{doc.pk}/"' in page
    run_queued("signing.check_document")

    page = client.get(f"/documents/{doc.pk}/").content.decode()
    assert "<dt>Chữ ký số</dt>" in page and "ký số hợp lệ</span>" in page and "chưa kiểm tra" not in page
    assert 'title="Nguyễn Văn Lãnh Đạo — Ủy ban nhân dân tỉnh Demo"' in page
    listing = client.get("/incoming/").content.decode()
    assert listing.count("ký số hợp lệ</span>") == 1 and listing.count("không có chữ ký</span>") == 1
    row_of = {d.pk: listing.index(f'href="/documents/{d.pk}/"') for d in (doc, plain)}
    valid_at = listing.index("ký số hợp lệ</span>")
    none_at = listing.index("không có chữ ký</span>")
    # each badge sits in its own row, before that row's link
    assert (valid_at < row_of[doc.pk]) and (none_at < row_of[plain.pk])
    assert (valid_at > row_of[plain.pk]) == (row_of[doc.pk] > row_of[plain.pk])


# --- signing at approval and issue ------------------------------------------------------------

from congvu.drafting.tests.conftest import chairman, docx_file, make_draft, nv, to_state, unit_head  # noqa: E402,F401


def _bytes(stored):
    from congvu.documents.files import open_stored

    with open_stored(stored) as fh:
        return fh.read()


@pytest.fixture
def people(officer, unit_head, chairman, clerk):  # noqa: F811 - fixtures imported above
    return {"officer": officer, "unit_head": unit_head, "chairman": chairman, "clerk": clerk}


@pytest.fixture
def chairman_key(pki, demo_pki):
    (pki / "chutich.p12").write_bytes(demo_pki.personal_p12["leader"].read_bytes())


def test_approval_signs_a_new_version_with_the_leaders_personal_key(pki, chairman_key, agency, people, ca_cert):
    from congvu.drafting.models import DraftEvent
    from congvu.signing.verify import LABEL_VALID, verify_pdf_label

    draft = make_draft(people["officer"], agency)
    v1_bytes = _bytes(draft.versions.get().file)
    draft = to_state(draft, "approved", **people)

    assert draft.version_count == 2
    v1, v2 = draft.versions.order_by("number").select_related("file")
    assert (v1.number, v2.number, v2.author.user, v2.original_name) == (1, 2, people["chairman"], v1.original_name)
    assert v2.note == "Bản phiên bản 1 đã ký số cá nhân của Nguyễn Văn An."
    assert _bytes(v1.file) == v1_bytes
    signed = _bytes(v2.file)
    assert signed.startswith(v1_bytes) and len(signed) > len(v1_bytes)
    result = verify_pdf_label(signed, trust_roots=[ca_cert])
    assert (result.label, [(r.field_name, r.status, r.signer_name) for r in result.signatures]) == (
        LABEL_VALID, [("CongVu_personal_1", "valid", "Nguyễn Văn Lãnh Đạo")])
    event = draft.events.get(action=DraftEvent.Action.APPROVE)
    assert (event.comment, event.version_number) == ("Đã ký số cá nhân vào phiên bản 2.", 2)


def test_approval_without_a_personal_key_signs_nothing_and_says_so(pki, agency, people):
    from congvu.audit.models import JournalEntry
    from congvu.documents.models import StoredFile
    from congvu.drafting import services
    from congvu.drafting.models import DraftEvent, DraftStatus

    draft = to_state(make_draft(people["officer"], agency), "reviewed", **people)
    files = StoredFile.objects.count()
    draft = services.draft_approve(actor=people["chairman"], draft=draft, comment="Đồng ý")
    assert (draft.status, draft.version_count, StoredFile.objects.count()) == (DraftStatus.APPROVED, 1, files)
    assert JournalEntry.objects.filter(action="signature.signed").count() == 0
    event = draft.events.get(action=DraftEvent.Action.APPROVE)
    assert (event.comment, event.version_number) == (
        "Đồng ý (Chưa ký số: tài khoản chutich chưa có chứng thư số cá nhân.)", 1)


def test_issue_seals_the_signed_pdf_and_keeps_the_draft_versions(pki, chairman_key, tmp_path, agency, people,
                                                                 ca_cert):
    from congvu.drafting import services
    from congvu.drafting.models import DraftEvent
    from congvu.signing.verify import LABEL_VALID, verify_pdf_label

    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    versions = {v.number: (v.file_id, _bytes(v.file)) for v in draft.versions.select_related("file")}

    doc = services.draft_issue(actor=people["clerk"], draft=draft)

    attachment = doc.attachments.select_related("file").get()
    assert attachment.file_id not in {file_id for file_id, _ in versions.values()}
    assert attachment.original_name == "du-thao.pdf"
    assert {v.number: (v.file_id, _bytes(v.file)) for v in draft.versions.select_related("file")} == versions
    issued = _bytes(attachment.file)
    assert issued.startswith(versions[2][1]) and len(issued) > len(versions[2][1])
    result = verify_pdf_label(issued, trust_roots=[ca_cert])
    assert result.label == LABEL_VALID
    assert [(r.field_name, r.status, r.signer_name) for r in result.signatures] == [
        ("CongVu_personal_1", "valid", "Nguyễn Văn Lãnh Đạo"),
        ("CongVu_agency_2", "valid", "Ủy ban nhân dân tỉnh Demo")]
    event = draft.events.get(action=DraftEvent.Action.ISSUE)
    assert event.comment == f"Số, ký hiệu: {doc.number_notation}. Đã ký số của cơ quan."
    assert queued("signing.check_document") == [{"document_id": doc.pk}]
    run_queued("signing.check_document")
    assert list(SignatureCheck.objects.values_list("stored_file_id", "label", "signature_count")) == [
        (attachment.file_id, SignatureLabel.VALID, 2)]
    pdfsig = shutil.which("pdfsig")
    if pdfsig:  # poppler's independent verifier (installed in CI)
        import subprocess

        path = tmp_path / "issued.pdf"
        path.write_bytes(issued)
        report = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, timeout=60).stdout
        assert report.count("Signature Validation: Signature is Valid.") == 2


def test_issue_without_keys_or_of_a_word_draft_is_unsigned(pki, demo_pki, agency, people):
    from congvu.documents.models import StoredFile
    from congvu.drafting import services
    from congvu.drafting.models import DraftEvent

    (pki / "agency.p12").unlink()
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    files = StoredFile.objects.count()
    doc = services.draft_issue(actor=people["clerk"], draft=draft)
    assert doc.attachments.get().file_id == draft.versions.get().file_id
    assert StoredFile.objects.count() == files
    assert draft.events.get(action=DraftEvent.Action.ISSUE).comment == (
        f"Số, ký hiệu: {doc.number_notation}. Ban hành không ký số: chưa cấu hình chứng thư số của cơ quan.")

    (pki / "agency.p12").write_bytes(demo_pki.agency_p12.read_bytes())  # a key, but the leader had none
    unsigned = to_state(make_draft(people["officer"], agency, subject="Chưa ký cá nhân"), "checked", **people)
    doc = services.draft_issue(actor=people["clerk"], draft=unsigned)
    assert doc.attachments.get().file_id == unsigned.versions.get().file_id
    assert StoredFile.objects.count() == files
    assert unsigned.events.get(action=DraftEvent.Action.ISSUE).comment == (
        f"Số, ký hiệu: {doc.number_notation}. "
        "Ban hành không ký số của cơ quan: bản cuối chưa có chữ ký số cá nhân của người ký.")

    word = to_state(make_draft(people["officer"], agency, upload=docx_file(["Du thao"]), subject="Bản Word"),
                    "checked", **people)
    assert word.events.get(action=DraftEvent.Action.APPROVE).comment == (
        "Chưa ký số: chỉ ký số được tệp PDF, dự thảo này là tệp Word.")
    doc = services.draft_issue(actor=people["clerk"], draft=word)
    assert doc.attachments.get().file_id == word.versions.get().file_id
    assert word.events.get(action=DraftEvent.Action.ISSUE).comment == (
        f"Số, ký hiệu: {doc.number_notation}. Ban hành không ký số: chỉ ký số được tệp PDF, dự thảo này là tệp Word.")


def test_a_crash_after_signing_at_issue_leaves_nothing(pki, chairman_key, settings, monkeypatch, agency, people):
    from congvu.documents.models import Document, Register, StoredFile
    from congvu.drafting import services
    from congvu.drafting.models import Draft, DraftStatus

    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    before = (StoredFile.objects.count(), Document.objects.count(),
              list(Register.objects.values_list("pk", "next_number")),
              sorted(p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()))
    real_event = services._event

    def crash(draft, action, *args, **kwargs):
        if action == "issue":
            raise RuntimeError("crash after signing")
        return real_event(draft, action, *args, **kwargs)

    signed = []
    real_sign = services.stored_file_sign

    def sign(**kwargs):
        signed.append(real_sign(**kwargs))
        return signed[-1]

    monkeypatch.setattr(services, "_event", crash)
    monkeypatch.setattr(services, "stored_file_sign", sign)
    with pytest.raises(RuntimeError):
        services.draft_issue(actor=people["clerk"], draft=draft)
    assert len(signed) == 1  # it did sign before the crash
    assert (StoredFile.objects.count(), Document.objects.count(),
            list(Register.objects.values_list("pk", "next_number")),
            sorted(p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())) == before
    assert (Draft.objects.get(pk=draft.pk).status, Draft.objects.get(pk=draft.pk).document_id) == (
        DraftStatus.APPROVED, None)


# --- the demo's keys -----------------------------------------------------------------------------

def test_demo_command_creates_the_demo_keys_that_the_demo_trusts(settings, monkeypatch, tmp_path, when):
    import io

    from django.core.management import call_command

    from congvu.signing.config import configured_trust_roots
    from congvu.signing.signing import Pkcs12Key
    from congvu.signing.verify import LABEL_VALID, verify_pdf_label

    folder = tmp_path / "demo-pki"
    settings.CONGVU_PKI_DIR = str(folder)
    settings.CONGVU_TRUST_ROOTS = ""
    monkeypatch.setenv("CONGVU_TRUST_DEMO_CA", "1")  # restored after the test (the command sets it by default)
    call_command("demo", "--no-serve", "--days", "1", stdout=io.StringIO())
    assert not folder.exists()  # loading data alone writes no keys

    out = io.StringIO()
    call_command("demo", "--no-serve", "--keys", stdout=out)
    assert f"Chứng thư số thử nghiệm (ký duyệt: lanhdao, cấp số: vanthu): {folder}" in out.getvalue()
    assert sorted(p.name for p in folder.glob("*.p12")) == ["agency.p12", "lanhdao.p12", "vanthu.p12"]
    ca = (folder / "ca.pem").read_bytes()
    password = (folder / "password.txt").read_text().strip()
    signed = sign_pdf(minimal_pdf(), signer=Pkcs12Key(folder / "lanhdao.p12", password), kind="personal", when=when)
    signed = sign_pdf(signed, signer=Pkcs12Key(folder / "agency.p12", password), kind="agency", when=when)
    result = verify_pdf_label(signed, trust_roots=configured_trust_roots())
    assert (result.label, [(r.signer_name, r.organisation) for r in result.signatures]) == (
        LABEL_VALID, [("Trần Văn Minh", "UBND huyện Nông Sơn"), ("UBND huyện Nông Sơn", "UBND huyện Nông Sơn")])

    call_command("demo", "--no-serve", "--keys", stdout=io.StringIO())  # again: the same CA is kept
    assert (folder / "ca.pem").read_bytes() == ca
