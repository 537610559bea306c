import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from congvu.api.tests.conftest import ApiClient, state_snapshot
from congvu.audit.models import JournalEntry
from congvu.documents.models import Attachment, Document, Register, Secrecy
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf, outgoing_data, pdf_upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def incoming_body(**overrides) -> dict:
    body = {
        "issuer": "Sở Tài chính tỉnh Quảng Nam", "number": "2739", "notation": "STC-NS",
        "issued_date": (TODAY - dt.timedelta(days=3)).isoformat(), "doc_type": "cong_van",
        "subject": "Về việc thẩm định quyết toán ngân sách xã năm 2025", "signer": "Trần Thị Hoa",
        "urgency": "urgent", "pages": 3,
    }
    body.update(overrides)
    return body


def outgoing_body(**overrides) -> dict:
    body = {
        "doc_type": "quyet_dinh", "subject": "Về việc thành lập Tổ công tác chuyển đổi số",
        "signer": "Nguyễn Văn An", "signer_title": "CHỦ TỊCH",
        "recipient_names": ["Sở Nội vụ tỉnh Quảng Nam", "Lưu: VT"],
    }
    body.update(overrides)
    return body


# --- list and search ---------------------------------------------------------------------------

def test_list_is_newest_first_with_keyset_pages(agency, clerk):
    docs = [incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(i))) for i in range(5)]
    client = ApiClient(clerk)

    first = client.get("/documents", {"limit": 2}).json()
    assert [d["id"] for d in first["items"]] == [docs[4].pk, docs[3].pk]
    assert first["next_after"] == docs[3].pk and first["prev_before"] is None

    second = client.get("/documents", {"limit": 2, "after": first["next_after"]}).json()
    assert [d["id"] for d in second["items"]] == [docs[2].pk, docs[1].pk]
    third = client.get("/documents", {"limit": 2, "after": second["next_after"]}).json()
    assert [d["id"] for d in third["items"]] == [docs[0].pk]
    assert third["next_after"] is None


def test_list_item_shape(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(urgency="flash"))
    item = ApiClient(clerk).get("/documents").json()["items"][0]
    assert item == {
        "id": doc.pk, "direction": "in", "agency": {"id": agency.pk, "name": "UBND huyện Nông Sơn"},
        "register": {"id": doc.register_id, "name": f"Sổ văn bản đến năm {TODAY.year}", "year": TODAY.year},
        "register_number": 1, "registered_at": item["registered_at"], "number": "125", "notation": "QĐ-UBND",
        "number_notation": "125/QĐ-UBND",
        "doc_type": {"code": "quyet_dinh", "name": "Quyết định", "abbreviation": "QĐ"},
        "issuer": "UBND tỉnh Quảng Nam", "issued_date": (TODAY - dt.timedelta(days=2)).isoformat(),
        "subject": "Về việc giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội năm 2026",
        "urgency": "flash", "secrecy": "normal", "due_date": None, "status": "registered",
    }
    # Local time (UTC+7) with an explicit offset, to the millisecond.
    assert item["registered_at"].endswith("+07:00")
    assert dt.datetime.fromisoformat(item["registered_at"]) == doc.registered_at.replace(
        microsecond=doc.registered_at.microsecond // 1000 * 1000)


def test_search_ignores_marks_and_filters(agency, clerk):
    water = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="1", subject="Về việc phòng chống lũ lụt và bảo vệ đê điều", urgency="flash"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2", subject="Về việc tuyển dụng"))
    out = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(subject="Phương án phòng chống lũ"))
    client = ApiClient(clerk)

    ids = lambda params: [d["id"] for d in client.get("/documents", params).json()["items"]]  # noqa: E731
    assert ids({"q": "phong chong lu"}) == [out.pk, water.pk]
    assert ids({"q": "phòng chống lũ", "direction": "in"}) == [water.pk]
    assert ids({"q": "PHONG CHONG", "urgency": ["flash", "urgent"]}) == [water.pk]
    assert ids({"direction": "out"}) == [out.pk]
    assert ids({"doc_type": "quyet_dinh", "register": out.register_id}) == [out.pk]
    assert ids({"q": "\"chống lũ lụt\""}) == [water.pk]
    assert ids({"q": "\"lũ chống\""}) == []
    assert ids({"agency": agency.pk, "status": "issued"}) == [out.pk]
    today = TODAY.strftime("%d/%m/%Y")
    assert len(ids({"date_from": today, "date_to": TODAY.isoformat()})) == 3
    assert ids({"date_from": (TODAY + dt.timedelta(days=1)).isoformat()}) == []


# --- detail, attachments, download -------------------------------------------------------------

def test_detail_includes_recipients_and_attachments(agency, clerk):
    vp = agency.departments.get(code="VP")
    doc = outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("qd.pdf")], data=outgoing_data(
        doc_type="cong_van", drafting_department_id=vp.pk, recipient_names=["UBND các xã", "Lưu: VT"], copies=5))
    body = ApiClient(clerk).get(f"/documents/{doc.pk}").json()
    assert body["number_notation"] == "01/UBND-VP"
    assert body["recipients"] == [{"agency_id": None, "name": "UBND các xã"}, {"agency_id": None, "name": "Lưu: VT"}]
    assert (body["copies"], body["drafting_department_id"], body["status"]) == (5, vp.pk, "issued")
    att = Attachment.objects.get()
    assert body["attachments"] == [{
        "id": att.pk, "original_name": "qd.pdf", "content_type": "application/pdf", "size": att.file.size,
        "sha256": att.file.sha256, "content_url": f"/api/v1/documents/{doc.pk}/attachments/{att.pk}/content",
    }]


def test_attachments_list_and_download_give_the_original_bytes(agency, clerk):
    content = minimal_pdf("Cong van so 12")
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(),
                            uploads=[SimpleUploadedFile("Công văn 12.pdf", content)])
    client = ApiClient(clerk)
    listing = client.get(f"/documents/{doc.pk}/attachments").json()
    assert [a["original_name"] for a in listing] == ["Công văn 12.pdf"]

    journal_before = JournalEntry.objects.count()
    response = client.client.get(listing[0]["content_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''C%C3%B4ng%20v%C4%83n%2012.pdf" in response["Content-Disposition"]
    assert listing[0]["sha256"] == hashlib.sha256(content).hexdigest()
    # Downloads of ordinary documents are not journaled; secret ones are (below).
    assert JournalEntry.objects.count() == journal_before


def test_opening_and_downloading_a_secret_document_is_journaled(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(secrecy=Secrecy.CONFIDENTIAL),
                            uploads=[pdf_upload()])
    att = doc.attachments.get()
    client = ApiClient(clerk)
    assert client.get(f"/documents/{doc.pk}").status_code == 200
    response = client.get(f"/documents/{doc.pk}/attachments/{att.pk}/content")
    assert response.status_code == 200
    rows = list(JournalEntry.objects.filter(object_type="documents.document", object_id=str(doc.pk))
                .order_by("seq").values_list("action", "actor"))
    assert rows == [("document.register_incoming", clerk.pk), ("document.view", clerk.pk),
                    ("document.download", clerk.pk)]


def test_attachment_of_another_document_is_404(agency, clerk):
    a = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"), uploads=[pdf_upload()])
    b = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"))
    att = a.attachments.get()
    response = ApiClient(clerk).get(f"/documents/{b.pk}/attachments/{att.pk}/content")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- registering -------------------------------------------------------------------------------

def test_register_incoming_with_json(agency, clerk):
    response = ApiClient(clerk).post("/documents/incoming", incoming_body(issued_date="05/01/2026",
                                                                          due_date="2026-01-20"))
    assert response.status_code == 201, response.content
    body = response.json()
    doc = Document.objects.get()
    assert body["id"] == doc.pk
    assert (body["register_number"], body["number_notation"], body["issued_date"], body["due_date"]) == (
        1, "2739/STC-NS", "2026-01-05", "2026-01-20")
    assert (doc.issuer, doc.urgency, doc.pages, doc.created_by) == ("Sở Tài chính tỉnh Quảng Nam", "urgent", 3, clerk)
    assert JournalEntry.objects.filter(action="document.register_incoming", object_id=str(doc.pk)).count() == 1


def test_register_incoming_multipart_with_files(agency, clerk):
    files = [SimpleUploadedFile("to-trinh.pdf", minimal_pdf("To trinh")),
             SimpleUploadedFile("phu-luc.pdf", minimal_pdf("Phu luc"))]
    response = ApiClient(clerk).post_multipart("/documents/incoming", incoming_body(), files)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["original_name"] for a in body["attachments"]] == ["to-trinh.pdf", "phu-luc.pdf"]
    assert Document.objects.get().attachments.count() == 2


def test_register_outgoing(agency, clerk):
    other = agency.__class__.objects.create(name="UBND xã Quế Lộc", notation_code="UBND")
    response = ApiClient(clerk).post("/documents/outgoing", outgoing_body(
        recipient_agency_ids=[other.pk], dispatched_on=TODAY.strftime("%d/%m/%Y")))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["direction"], body["number_notation"], body["status"]) == ("out", "01/QĐ-UBND", "dispatched")
    assert body["recipients"] == [{"agency_id": other.pk, "name": "UBND xã Quế Lộc"},
                                  {"agency_id": None, "name": "Sở Nội vụ tỉnh Quảng Nam"},
                                  {"agency_id": None, "name": "Lưu: VT"}]
    assert body["dispatched_on"] == TODAY.isoformat()


def test_clerk_of_several_agencies_must_choose(agency, other_agency, clerk):
    from congvu.org.models import Membership, Role

    Membership.objects.create(official=clerk.official, agency=other_agency, role=Role.CLERK)
    client = ApiClient(clerk)
    response = client.post("/documents/incoming", incoming_body())
    assert response.status_code == 400
    assert response.json()["fields"] == {"agency": "Bạn là văn thư của nhiều cơ quan; chọn một."}
    response = client.post("/documents/incoming", incoming_body(agency=other_agency.pk))
    assert response.status_code == 201
    assert Document.objects.get().agency == other_agency


def test_validation_errors_are_per_field_and_in_vietnamese(agency, clerk):
    client = ApiClient(clerk)
    before = state_snapshot()
    response = client.post("/documents/incoming", incoming_body(
        issuer="   ", issued_date="31/02/2026", doc_type="khong_co", subject=""))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["message"] == "Thông tin văn bản chưa hợp lệ."
    assert body["fields"] == {
        "issuer": "Vui lòng nhập cơ quan ban hành.",
        "issued_date": "Ngày “31/02/2026” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026.",
        "doc_type": "Loại văn bản “khong_co” không có trong danh mục.",
        "subject": "Vui lòng nhập trích yếu.",
    }
    assert state_snapshot() == before


def test_duplicate_is_409_with_the_existing_document(agency, clerk):
    client = ApiClient(clerk)
    first = client.post("/documents/incoming", incoming_body()).json()
    before = state_snapshot()
    response = client.post("/documents/incoming", incoming_body(issuer="SỞ TÀI CHÍNH TỈNH QUẢNG NAM"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_suspected"
    assert "đã được vào sổ (số đến 1)" in body["message"]
    assert body["documents"] == [{
        "id": first["id"], "number_notation": "2739/STC-NS", "issuer": "Sở Tài chính tỉnh Quảng Nam",
        "issued_date": first["issued_date"], "register_number": 1,
        "subject": "Về việc thẩm định quyết toán ngân sách xã năm 2025",
    }]
    assert state_snapshot() == before

    forced = client.post("/documents/incoming", incoming_body(allow_duplicate=True))
    assert forced.status_code == 201
    assert forced.json()["register_number"] == 2


def test_idempotency_key_registers_once(agency, clerk):
    client = ApiClient(clerk)
    first = client.post("/documents/incoming", incoming_body(), **{"Idempotency-Key": "0b7c6a52-dup"})
    again = client.post("/documents/incoming", incoming_body(), **{"Idempotency-Key": "0b7c6a52-dup"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Document.objects.count() == 1
    assert Register.objects.get().next_number == 2
    assert JournalEntry.objects.filter(action="document.register_incoming").count() == 1

    other_key = client.post("/documents/incoming", incoming_body(allow_duplicate=True),
                            **{"Idempotency-Key": "another"})
    assert other_key.status_code == 201
    assert Document.objects.count() == 2


def test_idempotency_keys_of_different_users_do_not_collide(agency, clerk, agency_admin):
    a = ApiClient(clerk).post("/documents/outgoing", outgoing_body(), **{"Idempotency-Key": "k1"})
    b = ApiClient(agency_admin).post("/documents/outgoing", outgoing_body(), **{"Idempotency-Key": "k1"})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert sorted(Document.objects.values_list("created_by__username", flat=True)) == ["quantri", "vanthu"]


def test_outgoing_idempotency_multipart_double_submit(agency, clerk):
    client = ApiClient(clerk)
    responses = [client.post_multipart("/documents/outgoing", outgoing_body(), [pdf_upload()],
                                       **{"Idempotency-Key": "form-123"}) for _ in range(2)]
    assert [r.status_code for r in responses] == [201, 200]
    assert Document.objects.count() == 1 and Attachment.objects.count() == 1
    assert Register.objects.get().next_number == 2


def test_oversize_file_is_413_and_nothing_is_saved(agency, clerk, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    client = ApiClient(clerk)
    before = state_snapshot()
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    response = client.post_multipart("/documents/incoming", incoming_body(), [big])
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large"
    assert body["fields"] == {"files": "Tệp “scan.pdf” vượt quá giới hạn 1 KB."}
    assert state_snapshot() == before


def test_oversize_file_before_the_data_field_is_still_413(agency, clerk, settings):
    # The guard stops parsing at the big file, so a `data` field sent after it never arrives.
    settings.MAX_UPLOAD_BYTES = 1024
    client = ApiClient(clerk)
    before = state_snapshot()
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    response = client.client.post("/api/v1/documents/incoming", {"files": [big], "data": "{}"})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert state_snapshot() == before


def test_file_that_is_not_what_its_name_says_is_refused(agency, clerk):
    client = ApiClient(clerk)
    before = state_snapshot()
    fake = SimpleUploadedFile("quyet-dinh.pdf", b"MZ\x90\x00 this is an executable")
    response = client.post_multipart("/documents/incoming", incoming_body(), [fake])
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert "không phải PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF" in response.json()["fields"]["attachments"]
    assert state_snapshot() == before


# --- correcting --------------------------------------------------------------------------------

def test_patch_changes_only_the_fields_sent(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(pages=4, notes="Bản chính"))
    response = ApiClient(clerk).patch(f"/documents/{doc.pk}", {"urgency": "very_urgent", "due_date": "15/12/2026"})
    assert response.status_code == 200, response.content
    assert (response.json()["urgency"], response.json()["due_date"]) == ("very_urgent", "2026-12-15")
    doc.refresh_from_db()
    assert (doc.urgency, doc.due_date, doc.pages, doc.notes) == ("very_urgent", dt.date(2026, 12, 15), 4, "Bản chính")
    entry = JournalEntry.objects.get(action="document.update")
    assert entry.before == {"urgency": "normal", "due_date": None}
    assert entry.after == {"urgency": "very_urgent", "due_date": "2026-12-15"}


def test_patch_cannot_touch_numbers(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    client = ApiClient(clerk)
    before = state_snapshot()
    response = client.patch(f"/documents/{doc.pk}", {"register_number": 7, "subject": "Mới"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"register_number": "Trường này không được hỗ trợ."}
    empty = client.patch(f"/documents/{doc.pk}", {})
    assert empty.status_code == 400 and empty.json()["code"] == "validation_failed"
    assert state_snapshot() == before


# --- reference data ----------------------------------------------------------------------------

def test_registers_of_my_agencies_only(agency, other_agency, clerk, other_clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data())
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    body = ApiClient(clerk).get("/registers").json()
    assert [(r["agency"]["id"], r["direction"], r["next_number"]) for r in body] == [
        (agency.pk, "in", 2), (agency.pk, "out", 2)]
    assert [r["name"] for r in ApiClient(clerk).get("/registers", {"direction": "out"}).json()] == [
        f"Sổ văn bản đi năm {TODAY.year}"]
    assert ApiClient(clerk).get("/registers", {"agency": other_agency.pk}).json() == []


def test_document_types_in_force(clerk):
    client = ApiClient(clerk)
    types = client.get("/document-types").json()
    by_code = {t["code"]: t for t in types}
    assert by_code["quyet_dinh"]["abbreviation"] == "QĐ"
    assert by_code["cong_van"]["abbreviation"] == ""
    assert client.get("/document-types", {"on": "01/01/2005"}).json() == []
    before_decree_30 = {t["code"]: t for t in client.get("/document-types", {"on": "01/01/2019"}).json()}
    assert before_decree_30["quyet_dinh"]["valid_from"] == "2011-01-19"
    bad = client.get("/document-types", {"on": "31/02/2026"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"on"}


def test_me_lists_agencies_and_roles(agency, other_agency, clerk):
    from congvu.org.models import Membership, Role

    Membership.objects.create(official=clerk.official, agency=other_agency, role=Role.LEADER)
    Membership.objects.create(official=clerk.official, agency=agency, role=Role.OFFICER)
    body = ApiClient(clerk).get("/me").json()
    assert body == {
        "id": clerk.pk, "username": "vanthu", "full_name": "Cán bộ vanthu",
        "agencies": [
            {"agency": {"id": agency.pk, "name": "UBND huyện Nông Sơn"}, "roles": ["clerk", "officer"],
             "can_register": True},
            {"agency": {"id": other_agency.pk, "name": "UBND xã Quế Phước"}, "roles": ["leader"],
             "can_register": False},
        ],
    }
