import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/documents": {"get"},
    "/api/v1/documents/{document_id}": {"get", "patch"},
    "/api/v1/documents/incoming": {"post"},
    "/api/v1/documents/outgoing": {"post"},
    "/api/v1/documents/{document_id}/attachments": {"get"},
    "/api/v1/documents/{document_id}/attachments/{attachment_id}/content": {"get"},
    "/api/v1/registers": {"get"},
    "/api/v1/document-types": {"get"},
    "/api/v1/me": {"get"},
}


@pytest.fixture
def spec():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_openapi_lists_every_endpoint(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "congvu — API văn bản"
    assert {path: set(ops) for path, ops in spec["paths"].items()} == ENDPOINTS


def test_every_operation_is_described_in_vietnamese_and_documents_errors(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["summary"], (method, path)
            assert any(ch in op["summary"] for ch in "ăâđêôơưáàảãạéèóòúùíìý"), op["summary"]
            assert {"401", "404"} <= set(op["responses"]), (method, path)
            assert op["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"}


def test_every_reference_resolves(spec):
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    schemas = spec["components"]["schemas"]
    assert refs
    assert {r.removeprefix("#/components/schemas/") for r in refs} <= set(schemas)


def test_create_bodies_accept_json_and_multipart(spec):
    body = spec["paths"]["/api/v1/documents/incoming"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/IncomingIn"}
    multipart = body["content"]["multipart/form-data"]["schema"]
    assert multipart["required"] == ["data"] and set(multipart["properties"]) == {"data", "files"}
    incoming = spec["components"]["schemas"]["IncomingIn"]
    assert set(incoming["required"]) == {"issuer", "doc_type", "subject"}
    assert incoming["properties"]["urgency"]["enum"] == ["normal", "urgent", "very_urgent", "flash"]
    params = {p["name"] for p in spec["paths"]["/api/v1/documents/incoming"]["post"]["parameters"]}
    assert params == {"Idempotency-Key"}


def test_security_schemes_are_bearer_and_session(spec):
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_list_parameters_are_documented(spec):
    params = {p["name"] for p in spec["paths"]["/api/v1/documents"]["get"]["parameters"]}
    assert params == {"q", "direction", "doc_type", "issuer", "date_from", "date_to", "urgency", "register",
                      "status", "agency", "after", "before", "limit"}
