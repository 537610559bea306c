import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from ninja.testing import TestClient

from congvu.api.signing import router
from congvu.core.errors import NotFound
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf
from congvu.signing.models import SignatureCheck
from congvu.signing.signing import sign_pdf

client = TestClient(router)


def test_api_lists_and_checks_signatures(settings, agency, clerk, demo_pki, leader_key, when):
    settings.CONGVU_PKI_DIR = str(demo_pki.directory)
    settings.CONGVU_TRUST_ROOTS = ""
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(), uploads=[
        SimpleUploadedFile("vb.pdf", sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when),
                           content_type="application/pdf")])
    attachment = doc.attachments.get()
    before = client.get(f"/documents/{doc.pk}/signatures", user=clerk)
    assert before.status_code == 200
    assert before.json() == [{"attachment_id": attachment.pk, "original_name": "vb.pdf",
                              "sha256": attachment.file.sha256, "check": None}]
    after = client.post(f"/documents/{doc.pk}/signatures/check", user=clerk)
    assert after.status_code == 200
    check = after.json()[0]["check"]
    assert (check["label"], check["label_text"], check["signer_name"]) == (
        "valid", "ký số hợp lệ", "Nguyễn Văn Lãnh Đạo",
    )
    assert check["signatures"][0]["status"] == "valid"
    assert check["signatures"][0]["signing_time"] == "2026-11-27T01:30:05+00:00"
    assert SignatureCheck.objects.count() == 1


def test_api_hides_documents_the_user_cannot_see(agency, clerk, other_clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(), uploads=[
        SimpleUploadedFile("vb.pdf", minimal_pdf(), content_type="application/pdf")])
    with pytest.raises(NotFound):  # the mounted API turns NotFound into a 404 (congvu.api.api handlers)
        client.post(f"/documents/{doc.pk}/signatures/check", user=other_clerk)
    assert SignatureCheck.objects.count() == 0
