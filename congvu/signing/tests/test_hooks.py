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
