"""Bad input never gives a 500: every error is JSON {code, message, fields} with the right status."""

import json

import pytest
from django.test import Client

from congvu.api.tests.conftest import BASE, ApiClient, state_snapshot
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data

pytestmark = pytest.mark.django_db

VALID = {"issuer": "UBND tỉnh Quảng Nam", "number": "12", "notation": "QĐ-UBND", "issued_date": "2026-01-05",
         "doc_type": "quyet_dinh", "subject": "Về việc phê duyệt kế hoạch"}


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    return body


@pytest.fixture
def client(clerk):
    return ApiClient(clerk)


@pytest.mark.parametrize("raw", ["{garbage", "", "[1, 2", "\x00\xff", "{\"issuer\": }", "nul"])
def test_garbage_json_is_400(agency, client, raw):
    before = state_snapshot()
    body = assert_error_shape(client.post("/documents/incoming", raw), 400, "invalid_json")
    assert body["message"] == "Nội dung gửi lên không phải JSON hợp lệ."
    assert state_snapshot() == before


@pytest.mark.parametrize("raw", ["[]", "42", "\"chuỗi\"", "null"])
def test_json_that_is_not_an_object_is_400(agency, client, raw):
    assert_error_shape(client.post("/documents/incoming", raw), 400, "invalid_json")


def test_garbage_json_on_patch_is_400(agency, clerk, client):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    assert_error_shape(client.patch(f"/documents/{doc.pk}", "{nope"), 400, "invalid_json")


@pytest.mark.parametrize("override, field, message", [
    ({"pages": "ba"}, "pages", "Phải là số nguyên."),
    ({"pages": 1.5}, "pages", "Phải là số nguyên."),
    ({"issuer": 123}, "issuer", "Phải là chuỗi ký tự."),
    ({"issued_date": 20260105}, "issued_date", "Phải là chuỗi ký tự."),
    ({"urgency": "rất khẩn"}, "urgency", "Giá trị không hợp lệ; chọn một trong: 'normal', 'urgent', 'very_urgent' "
                                         "or 'flash'."),
    ({"receiving_department_id": "phòng"}, "receiving_department_id", "Phải là số nguyên."),
    ({"receiving_department_id": 10**30}, "receiving_department_id",
     "Giá trị phải không lớn hơn 9223372036854775807."),
    ({"agency": -1}, "agency", "Giá trị phải không nhỏ hơn 1."),
    ({"access_official_ids": "1,2"}, "access_official_ids", "Phải là danh sách."),
    ({"access_official_ids": [1, "x"]}, "access_official_ids.1", "Phải là số nguyên."),
    ({"allow_duplicate": "có"}, "allow_duplicate", "Phải là true hoặc false."),
    ({"received_at": "hôm qua"}, "received_at",
     "Thời gian không hợp lệ; dùng dạng ISO 8601, ví dụ 2026-03-05T08:30:00+07:00."),
    ({"unknown_field": 1}, "unknown_field", "Trường này không được hỗ trợ."),
])
def test_wrong_types_are_422_with_the_field(agency, client, override, field, message):
    before = state_snapshot()
    body = assert_error_shape(client.post("/documents/incoming", VALID | override), 422, "schema_invalid")
    assert body["message"] == "Dữ liệu gửi lên không đúng cấu trúc của API."
    assert body["fields"] == {field: message}
    assert state_snapshot() == before


def test_missing_required_fields_are_listed(agency, client):
    body = assert_error_shape(client.post("/documents/incoming", {}), 422, "schema_invalid")
    assert body["fields"] == {"issuer": "Thiếu trường bắt buộc.", "doc_type": "Thiếu trường bắt buộc.",
                              "subject": "Thiếu trường bắt buộc."}


@pytest.mark.parametrize("override, field", [
    ({"issued_date": "31/02/2026"}, "issued_date"),
    ({"issued_date": "2026-13-01"}, "issued_date"),
    ({"due_date": "ngày mai"}, "due_date"),
    ({"pages": 10**40}, "pages"),
    ({"pages": -3}, "pages"),
    ({"subject": "x" * 5000}, "subject"),
    ({"issuer": " \t\n "}, "issuer"),
    ({"receiving_department_id": 999999}, "receiving_department_id"),
])
def test_impossible_values_are_400_from_the_service(agency, client, override, field):
    before = state_snapshot()
    body = assert_error_shape(client.post("/documents/incoming", VALID | override), 400, "validation_failed")
    assert field in body["fields"]
    assert state_snapshot() == before


def test_access_list_with_unknown_official_is_400(agency, client):
    before = state_snapshot()
    body = assert_error_shape(client.post("/documents/incoming", VALID | {"secrecy": "confidential",
                                                                          "access_official_ids": [987654]}),
                              400, "validation_failed")
    assert body["fields"] == {"access_official_ids": "Có người không thuộc cơ quan."}
    assert state_snapshot() == before


@pytest.mark.parametrize("path", ["/documents/abc", "/documents/1.5", "/documents/-1", "/documents/0",
                                  "/documents/99999999999999999999999999", "/documents/1/attachments/x/content"])
def test_bad_ids_in_the_path_are_422(client, path):
    body = assert_error_shape(client.get(path), 422, "schema_invalid")
    assert set(body["fields"]) <= {"document_id", "attachment_id"} and body["fields"]


@pytest.mark.parametrize("path", ["/documents/424242", "/documents/424242/attachments",
                                  "/documents/424242/attachments/1/content", "/no-such-endpoint", "/documents/1/x"])
def test_unknown_ids_and_paths_are_json_404(client, path):
    assert_error_shape(client.get(path), 404, "not_found")


def test_patch_of_unknown_document_is_404(client):
    assert_error_shape(client.patch("/documents/9223372036854775807", {"subject": "x"}), 404, "not_found")


@pytest.mark.parametrize("params, field", [
    ({"limit": "nhiều"}, "limit"), ({"limit": 0}, "limit"), ({"limit": 100000}, "limit"),
    ({"after": "abc"}, "after"), ({"after": 10**25}, "after"), ({"register": "x"}, "register"),
    ({"direction": "sideways"}, "direction"), ({"urgency": "very"}, "urgency.0"), ({"q": "x" * 1001}, "q"),
])
def test_bad_list_parameters_are_422(client, params, field):
    body = assert_error_shape(client.get("/documents", params), 422, "schema_invalid")
    assert list(body["fields"]) == [field]


@pytest.mark.parametrize("params, field", [({"date_from": "31/02/2026"}, "date_from"),
                                           ({"date_to": "hôm nay"}, "date_to")])
def test_bad_dates_in_filters_are_400(client, params, field):
    body = assert_error_shape(client.get("/documents", params), 400, "validation_failed")
    assert list(body["fields"]) == [field]


@pytest.mark.parametrize("q", ["\"", "*", "a*", "NOT", "OR AND", "'; DROP TABLE documents_document; --",
                               "c\u0301", "(((", "NEAR(a b)", "đ" * 900])
def test_any_search_text_is_answered(agency, clerk, client, q):
    incoming_register(actor=clerk, agency=agency, data=incoming_data())
    response = client.get("/documents", {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["items"], list)


def test_unsupported_media_type_is_415(agency, client):
    response = client.client.post(f"{BASE}/documents/incoming", "issuer=x", content_type="text/plain")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_multipart_without_data_field_is_400(agency, client):
    response = client.client.post(f"{BASE}/documents/incoming", {"issuer": "x"})
    body = assert_error_shape(response, 400, "validation_failed")
    assert body["fields"] == {"data": "Thiếu trường bắt buộc."}


def test_multipart_with_garbage_data_is_400(agency, client):
    response = client.client.post(f"{BASE}/documents/incoming", {"data": "{not json"})
    assert_error_shape(response, 400, "invalid_json")


def test_json_body_over_the_request_limit_is_413(agency, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    before = state_snapshot()
    response = client.post("/documents/incoming", VALID | {"notes": "x" * 5000})
    assert_error_shape(response, 413, "too_large")
    assert state_snapshot() == before


def test_wrong_method_is_json_405(client):
    response = client.client.delete(f"{BASE}/documents")
    assert_error_shape(response, 405, "method_not_allowed")


def test_overlong_idempotency_key_is_400(agency, client):
    before = state_snapshot()
    response = client.post("/documents/incoming", VALID, **{"Idempotency-Key": "k" * 201})
    body = assert_error_shape(response, 400, "validation_failed")
    assert list(body["fields"]) == ["Idempotency-Key"]
    assert state_snapshot() == before


def test_error_bodies_are_utf8_not_escaped(client):
    response = Client().get(f"{BASE}/me")
    assert "Chưa đăng nhập".encode() in response.content
    assert json.loads(response.content)["message"].startswith("Chưa đăng nhập")
