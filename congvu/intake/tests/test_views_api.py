"""/api/v1/intake: upload and read, follow the reading, duplicates and linking — same services and
visibility as the form, JSON errors like the rest of the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_agency, make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.documents.models import Attachment, Document, Register, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload
from congvu.intake.models import ExtractionStatus, IntakeUpload
from congvu.intake.tests.test_views import ISSUED, READ, cong_van_pdf, read_as
from congvu.org.models import Role

pytestmark = pytest.mark.django_db


def post_file(api: ApiClient, content: bytes, name="cv-215.pdf", **form):
    return api.client.post("/api/v1/intake/files", {"file": SimpleUploadedFile(name, content), **form})


def test_upload_reads_a_born_digital_pdf_at_once(agency, clerk):
    api = ApiClient(clerk)
    response = post_file(api, cong_van_pdf())
    assert response.status_code == 201
    body = response.json()
    u = IntakeUpload.objects.get()
    assert body["id"] == u.file_id == StoredFile.objects.get().pk
    assert (body["original_name"], body["agency_id"], body["document_id"]) == ("cv-215.pdf", agency.pk, None)
    reading = body["reading"]
    assert (reading["status"], reading["source"], reading["progress"], reading["error"]) == (
        "done", "text_layer", 1.0, "")
    assert reading["fields"]["number"] == "215" and reading["fields"]["notation"] == "UBND-VP"
    assert reading["fields"]["date"] == ISSUED.isoformat()
    assert set(reading["confidence"]) >= {"issuer", "number", "notation", "date", "subject"}
    assert api.get(f"/intake/files/{body['id']}").json() == body


def test_follow_an_ocr_and_see_low_confidence_fields(agency, clerk):
    api = ApiClient(clerk)
    file_id = post_file(api, pdf_upload().read(), name="scan.pdf").json()["id"]
    u = IntakeUpload.objects.get()
    read_as(u, {}, {}, status=ExtractionStatus.RUNNING, source="ocr", pages=4, pages_done=1)
    reading = api.get(f"/intake/files/{file_id}").json()["reading"]
    assert (reading["status"], reading["pages"], reading["pages_done"], reading["progress"], reading["fields"]) == (
        "running", 4, 1, 0.25, {})
    read_as(u)
    reading = api.get(f"/intake/files/{file_id}").json()["reading"]
    assert reading["status"] == "done"
    assert reading["low_confidence"] == ["subject", "signer_title"]


def test_upload_errors_are_json(agency, clerk, officer):
    api, officer_api = ApiClient(clerk), ApiClient(officer)
    journal = JournalEntry.objects.count()  # creating the tokens is journaled
    bad = post_file(api, b"MZ not a document", name="x.exe")
    assert bad.status_code == 400
    assert bad.json() == {"code": "validation_failed", "message": "Tệp “x.exe” không đúng định dạng cho phép.",
                          "fields": {"file": "Nội dung tệp “x.exe” không phải PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF."}}
    none = api.client.post("/api/v1/intake/files", {})
    assert (none.status_code, none.json()["fields"]) == (400, {"file": "Cần đúng một tệp."})
    json_body = api.post("/intake/files", {"file": "abc"})
    assert (json_body.status_code, json_body.json()["code"]) == (415, "unsupported_media_type")
    forbidden = post_file(officer_api, cong_van_pdf())
    assert forbidden.status_code == 403
    assert forbidden.json()["message"] == "Chỉ văn thư của cơ quan được tải văn bản lên để vào sổ."
    anonymous = ApiClient().client.post("/api/v1/intake/files", {"file": SimpleUploadedFile("a.pdf", b"%PDF-")})
    assert anonymous.status_code == 401
    assert (StoredFile.objects.count(), IntakeUpload.objects.count(), JournalEntry.objects.count()) == (0, 0, journal)


def test_a_clerk_of_two_agencies_says_which(agency, clerk):
    second = make_agency(name="UBND xã Quế Trung", code="UBND")
    from congvu.org.models import Membership

    Membership.objects.create(official=clerk.official, agency=second, role=Role.CLERK)
    api = ApiClient(clerk)
    response = post_file(api, cong_van_pdf())
    assert (response.status_code, response.json()["fields"]) == (
        400, {"agency": "Bạn là văn thư của nhiều cơ quan; chọn một."})
    ok = post_file(api, cong_van_pdf(), agency=str(second.pk))
    assert (ok.status_code, ok.json()["agency_id"]) == (201, second.pk)


def test_another_agencys_file_id_is_404(agency, other_agency, clerk, other_clerk):
    theirs = post_file(ApiClient(other_clerk), cong_van_pdf()).json()["id"]
    api = ApiClient(clerk)
    for path in (f"/intake/files/{theirs}", f"/intake/duplicates?stored_file={theirs}"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Không tìm thấy tệp hoặc bạn không có quyền xem.",
                                   "fields": {}}
    link = api.post(f"/intake/files/{theirs}/link", {"document": 1})
    assert link.status_code == 404
    assert api.get("/intake/files/999999").status_code == 404
    # a colleague in the same agency does not see an upload either, until it is on a document he sees
    colleague = make_official(agency, Role.CLERK, username="vanthu2").user
    mine = post_file(api, pdf_upload().read(), name="a.pdf").json()["id"]
    assert ApiClient(colleague).get(f"/intake/files/{mine}").status_code == 404
    u = IntakeUpload.objects.get(uploaded_by=clerk)
    incoming_register(actor=clerk, agency=agency, data=incoming_data(), stored_files=[(u.file, u.original_name)])
    seen = ApiClient(colleague).get(f"/intake/files/{mine}")
    assert (seen.status_code, seen.json()["original_name"], seen.json()["agency_id"]) == (200, "", None)


def test_duplicates_by_content_and_metadata(agency, other_agency, clerk, other_clerk):
    pdf = cong_van_pdf()
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer="UBND huyện Nông Sơn", number="215", notation="UBND-VP", issued_date=ISSUED, doc_type="cong_van"),
        uploads=[SimpleUploadedFile("giay.pdf", pdf)])
    incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(
        issuer="UBND huyện Nông Sơn", number="215", notation="UBND-VP", issued_date=ISSUED, doc_type="cong_van"),
        uploads=[SimpleUploadedFile("giay.pdf", pdf)])
    api = ApiClient(clerk)
    file_id = post_file(api, pdf, name="email.pdf").json()["id"]
    body = api.get("/intake/duplicates", {"stored_file": file_id}).json()
    assert body == {"items": [{
        "document": {"id": doc.pk, "number_notation": "215/UBND-VP", "issuer": "UBND huyện Nông Sơn",
                     "issued_date": ISSUED.isoformat(), "register_number": doc.register_number,
                     "subject": doc.subject},
        "reasons": ["content", "metadata"],  # the same bytes are one stored file: no text to compare apart
        "labels": ["Cùng tệp (trùng từng byte)", "Cùng cơ quan ban hành, số, ký hiệu và ngày ban hành"]}]}
    assert api.get("/intake/duplicates", {"stored_file": file_id, "agency": other_agency.pk}).status_code == 403


def test_link_through_the_api(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(), uploads=[pdf_upload(name="giay.pdf")])
    api = ApiClient(clerk)
    file_id = post_file(api, cong_van_pdf(), name="dien-tu.pdf").json()["id"]
    next_number = Register.objects.get(pk=doc.register_id).next_number
    response = api.post(f"/intake/files/{file_id}/link", {"document": doc.pk, "channel": "electronic"})
    assert response.status_code == 200
    assert response.json()["id"] == doc.pk
    assert list(Attachment.objects.filter(document=doc).values_list("original_name", flat=True)) == [
        "giay.pdf", "dien-tu.pdf"]
    assert (Document.objects.count(), Register.objects.get(pk=doc.register_id).next_number) == (1, next_number)
    assert api.get(f"/intake/files/{file_id}").json()["document_id"] == doc.pk
    bad = api.post(f"/intake/files/{file_id}/link", {"document": doc.pk, "channel": "pigeon"})
    assert bad.status_code == 422


def test_fields_read_match_the_form(agency, clerk):
    api = ApiClient(clerk)
    file_id = post_file(api, pdf_upload().read(), name="x.pdf").json()["id"]
    read_as(IntakeUpload.objects.get())
    fields = api.get(f"/intake/files/{file_id}").json()["reading"]["fields"]
    assert fields == READ


def test_uploads_of_files_for_registering_through_the_api(agency, other_agency, clerk, other_clerk):
    from congvu.core.errors import ValidationFailed
    from congvu.intake.selectors import uploads_of_files

    api = ApiClient(clerk)
    first = post_file(api, cong_van_pdf(), name="a.pdf").json()["id"]
    second = post_file(api, pdf_upload().read(), name="b.pdf").json()["id"]
    again = post_file(api, cong_van_pdf(), name="a-lan-2.pdf").json()["id"]
    assert again == first
    uploads = uploads_of_files(user=clerk, agency_id=agency.pk, file_ids=[second, first, second])
    assert [(u.file_id, u.original_name) for u in uploads] == [(second, "b.pdf"), (first, "a-lan-2.pdf")]
    theirs = post_file(ApiClient(other_clerk), b"%PDF-1.4 other", name="c.pdf")
    with pytest.raises(ValidationFailed) as exc:
        uploads_of_files(user=clerk, agency_id=agency.pk, file_ids=[first, theirs.json().get("id", 0)])
    assert exc.value.fields == {"intake_files": f"Không tìm thấy tệp {theirs.json().get('id', 0)} bạn đã tải lên."}
    with pytest.raises(ValidationFailed):
        uploads_of_files(user=clerk, agency_id=other_agency.pk, file_ids=[first])


def test_register_through_the_api_with_an_uploaded_file(agency, clerk, other_clerk):
    api = ApiClient(clerk)
    file_id = post_file(api, cong_van_pdf()).json()["id"]
    values = {"issuer": "UBND huyện Nông Sơn", "number": "215", "notation": "UBND-VP", "doc_type": "cong_van",
              "subject": "V/v rà soát hồ sơ", "issued_date": ISSUED.isoformat()}
    # Another clerk cannot attach this upload by its id.
    refused = ApiClient(other_clerk).post("/documents/incoming", {**values, "intake_files": [file_id]})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"intake_files"}
    assert not Document.objects.exists()
    response = api.post("/documents/incoming", {**values, "intake_files": [file_id]})
    assert response.status_code == 201
    doc = Document.objects.get()
    assert list(doc.attachments.values_list("file_id", "original_name")) == [(file_id, "cv-215.pdf")]
    assert IntakeUpload.objects.get().document_id == doc.pk
    assert StoredFile.objects.count() == 1  # attached, not sent again
