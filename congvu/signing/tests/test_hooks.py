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
