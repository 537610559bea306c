"""/api/v1/onestop/certified-copies: list, create (multipart), detail, content."""

import json

import pytest

from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.documents.files import open_stored
from congvu.onestop.models import CertificationSequence, CertifiedCopy
from congvu.onestop.tests.factories_o4 import *  # noqa: F403  (fixtures: chair, copy_pki, copy_ca)
from congvu.onestop.tests.factories_o4 import AGENCY_SIGNER, image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db
PATH = "/onestop/certified-copies"


def _data(**kw):
    values = {"document_title": "Sổ hộ khẩu", "requester_name": "Đỗ Văn Em", "requester_id_number": "001200012345"}
    values.update(kw)
    return values


def test_create_list_detail_and_content(copy_pki, agency, chair, onestop):
    api = ApiClient(onestop)
    response = api.post_multipart(PATH, _data(certifier=chair.official.pk, copies=3),
                                  [upload(image_bytes("JPEG"), "1.jpg", "image/jpeg"),
                                   upload(image_bytes("JPEG", (0, 90, 0)), "2.jpg", "image/jpeg"),
                                   upload(image_bytes("JPEG", (0, 0, 90)), "3.jpg", "image/jpeg")])
    assert response.status_code == 201, response.content
    body = response.json()
    copy = CertifiedCopy.objects.get()
    assert {k: body[k] for k in ("id", "register_number", "pages", "copies", "fee", "certifier_name", "code",
                                 "register_book", "agency_id", "dossier_id")} == {
        "id": copy.pk, "register_number": 1, "pages": 3, "copies": 3, "fee": 15_000,
        "certifier_name": "Nguyễn Văn Chủ Tịch", "code": copy.code,
        "register_book": f"01/{copy.register_year}-SCT/BS", "agency_id": agency.pk, "dossier_id": None}
    assert body["public_url"] == f"/kiem-tra-ban-sao/{copy.code}/"
    assert body["signature"]["valid"] is True
    assert [(s["status"], s["signer_name"]) for s in body["signature"]["signatures"]] == [("valid", AGENCY_SIGNER)]

    listing = api.get(PATH, {"year": copy.register_year})
    assert listing.status_code == 200
    assert [(i["id"], i["register_number"]) for i in listing.json()["items"]] == [(copy.pk, 1)]
    assert listing.json()["next_after"] is None
    assert api.get(PATH, {"year": copy.register_year - 1}).json()["items"] == []

    detail = api.get(f"{PATH}/{copy.pk}")
    assert detail.status_code == 200 and detail.json()["sha256"] == copy.certified_file.sha256
    content = api.get(body["content_url"].removeprefix("/api/v1"))
    assert content.status_code == 200 and content["Content-Type"] == "application/pdf"
    with open_stored(copy.certified_file) as fh:
        assert b"".join(content.streaming_content) == fh.read()
    assert JournalEntry.objects.filter(action="certified_copy.download").count() == 1


def test_list_pages_by_register_number(copy_pki, agency, chair):
    api = ApiClient(chair)
    for i in range(3):
        assert api.post_multipart(PATH, _data(), [upload(pdf_bytes(1, f"So {i}"))]).status_code == 201
    first = api.get(PATH, {"limit": 2}).json()
    assert [i["register_number"] for i in first["items"]] == [3, 2] and first["next_after"] == 2
    second = api.get(PATH, {"limit": 2, "after": first["next_after"]}).json()
    assert [i["register_number"] for i in second["items"]] == [1] and second["next_after"] is None


def test_errors_are_json_in_vietnamese_and_change_nothing(copy_pki, agency, chair, clerk, other_clerk):
    api = ApiClient(chair)
    bad = api.post_multipart(PATH, _data(document_title=""), [upload(pdf_bytes(1))])
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"document_title": "Nhập tên giấy tờ, văn bản được chứng thực."}
    unknown = api.post_multipart(PATH, _data(colour="red"), [upload(pdf_bytes(1))])
    assert unknown.status_code == 422 and "colour" in unknown.json()["fields"]
    no_files = api.post_multipart(PATH, _data(), [])
    assert no_files.status_code == 400 and no_files.json()["fields"] == {"files": "Tải lên tệp PDF hoặc ảnh quét."}
    wrong_pages = api.post_multipart(PATH, _data(pages=4), [upload(pdf_bytes(2))])
    assert wrong_pages.status_code == 400 and wrong_pages.json()["fields"] == {"pages": "Bản quét có 2 trang."}
    as_json = api.post(PATH, _data())
    assert as_json.status_code == 415
    assert ApiClient(clerk).post_multipart(PATH, _data(), [upload(pdf_bytes(1))]).status_code == 403
    assert ApiClient(clerk).get(PATH).status_code == 403
    assert ApiClient().get(PATH).status_code == 401
    assert (CertifiedCopy.objects.count(), CertificationSequence.objects.count(),
            JournalEntry.objects.filter(action__startswith="certified_copy").count()) == (0, 0, 0)

    ok = api.post_multipart(PATH, _data(), [upload(pdf_bytes(1))]).json()
    assert ApiClient(other_clerk).get(f"{PATH}/{ok['id']}").status_code == 404
    assert ApiClient(clerk).get(f"{PATH}/{ok['id']}/content").status_code == 404
    assert api.get(f"{PATH}/{ok['id'] + 99}").json()["code"] == "not_found"


def test_multipart_without_data_field_or_with_broken_json(copy_pki, agency, chair):
    api = ApiClient(chair)
    missing = api.client.post("/api/v1" + PATH, {"files": [upload(pdf_bytes(1))]})
    assert missing.status_code == 400 and missing.json()["fields"] == {"data": "Thiếu trường bắt buộc."}
    broken = api.client.post("/api/v1" + PATH, {"data": "{nope", "files": [upload(pdf_bytes(1))]})
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_json"
    assert json.loads(broken.content)["message"] == "Trường “data” không phải JSON hợp lệ."
    assert CertifiedCopy.objects.count() == 0
