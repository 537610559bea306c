import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/documents": {"get"},
    "/api/v1/documents/{document_id}/attachments": {"get"},
    "/api/v1/documents/{document_id}/attachments/{attachment_id}/content": {"get"},
    "/api/v1/documents/incoming": {"post"},
    "/api/v1/documents/outgoing": {"post"},
    "/api/v1/documents/{document_id}": {"get", "patch"},
    "/api/v1/registers": {"get"},
    "/api/v1/document-types": {"get"},
    "/api/v1/me": {"get"},
    "/api/v1/registers/{register_id}/export": {"get"},
    "/api/v1/workdays/add": {"get"},
    "/api/v1/workdays/between": {"get"},
    "/api/v1/workdays/calendar": {"get"},
    "/api/v1/workdays/days": {"post"},
    "/api/v1/workdays/days/{day_id}": {"delete", "patch"},
    "/api/v1/workdays/office-hours": {"get", "post"},
    "/api/v1/notifications": {"get"},
    "/api/v1/notifications/unread-count": {"get"},
    "/api/v1/notifications/read-all": {"post"},
    "/api/v1/notifications/{notification_id}/read": {"post"},
    "/api/v1/my-work": {"get"},
    "/api/v1/assignments/overdue": {"get"},
    "/api/v1/documents/{document_id}/processing": {"get"},
    "/api/v1/assignments/{assignment_id}": {"get"},
    "/api/v1/documents/{document_id}/present": {"post"},
    "/api/v1/documents/{document_id}/directions": {"post"},
    "/api/v1/assignments/{assignment_id}/progress": {"post"},
    "/api/v1/assignments/{assignment_id}/submit": {"post"},
    "/api/v1/assignments/{assignment_id}/accept": {"post"},
    "/api/v1/assignments/{assignment_id}/return": {"post"},
    "/api/v1/assignments/{assignment_id}/decline": {"post"},
    "/api/v1/assignments/{assignment_id}/cancel": {"post"},
    "/api/v1/assignments/{assignment_id}/read": {"post"},
    "/api/v1/assignments/{assignment_id}/reassign": {"post"},
    "/api/v1/assignments/{assignment_id}/extension": {"post"},
    "/api/v1/extensions/{extension_id}/decision": {"post"},
    "/api/v1/tasks": {"get", "post"},
    "/api/v1/tasks/{task_id}": {"get", "patch"},
    "/api/v1/tasks/{task_id}/complete": {"post"},
    "/api/v1/tasks/{task_id}/cancel": {"post"},
    "/api/v1/tasks/{task_id}/files/{file_id}/content": {"get"},
    "/api/v1/reports/tasks/monthly": {"get"},
    "/api/v1/drafts": {"get", "post"},
    "/api/v1/drafts/{draft_id}": {"get"},
    "/api/v1/drafts/{draft_id}/versions": {"get", "post"},
    "/api/v1/drafts/{draft_id}/versions/{number}/content": {"get"},
    "/api/v1/drafts/{draft_id}/compare": {"get"},
    "/api/v1/drafts/{draft_id}/submit": {"post"},
    "/api/v1/drafts/{draft_id}/review": {"post"},
    "/api/v1/drafts/{draft_id}/approve": {"post"},
    "/api/v1/drafts/{draft_id}/return": {"post"},
    "/api/v1/drafts/{draft_id}/format-check": {"post"},
    "/api/v1/drafts/{draft_id}/issue": {"post"},
    "/api/v1/drafting-policy": {"get", "put"},
    "/api/v1/inbox": {"get"},
    "/api/v1/inbox/{item_id}": {"get"},
    "/api/v1/inbox/{item_id}/files/{file_id}/content": {"get"},
    "/api/v1/inbox/{item_id}/register": {"post"},
    "/api/v1/inbox/{item_id}/return": {"post"},
    "/api/v1/outbox": {"get"},
    "/api/v1/outbox/{item_id}/posted": {"post"},
    "/api/v1/documents/{document_id}/dispatch": {"post"},
    "/api/v1/documents/{document_id}/deliveries": {"get"},
    "/api/v1/documents/{document_id}/exchange-statuses": {"get"},
    "/api/v1/documents/{document_id}/external-deliveries": {"get"},
    "/api/v1/deliveries/{delivery_id}/recall": {"post"},
    "/api/v1/inbox/{item_id}/statuses": {"get"},
    "/api/v1/inbox/{item_id}/recall/accept": {"post"},
    "/api/v1/inbox/{item_id}/recall/refuse": {"post"},
    "/api/v1/schedule/entries": {"get", "post"},
    "/api/v1/schedule/entries/{entry_id}": {"get", "patch"},
    "/api/v1/schedule/entries/{entry_id}/publish": {"post"},
    "/api/v1/schedule/entries/{entry_id}/cancel": {"post"},
    "/api/v1/schedule/weeks/{iso_week}": {"get"},
    "/api/v1/schedule/weeks/{iso_week}/publish": {"post"},
    "/api/v1/retention-schedules": {"get", "post"},
    "/api/v1/retention-schedules/{schedule_id}": {"patch"},
    "/api/v1/retention-schedules/{schedule_id}/items": {"post"},
    "/api/v1/retention-items/{item_id}": {"put"},
    "/api/v1/file-plans": {"get", "post"},
    "/api/v1/file-plans/{plan_id}": {"get", "patch"},
    "/api/v1/file-plans/{plan_id}/issue": {"post"},
    "/api/v1/file-plans/{plan_id}/headings": {"post"},
    "/api/v1/file-plans/{plan_id}/headings/{heading_id}": {"delete", "patch"},
    "/api/v1/file-plans/{plan_id}/entries": {"post"},
    "/api/v1/file-plans/{plan_id}/entries/{entry_id}": {"delete", "put"},
    "/api/v1/case-files": {"get", "post"},
    "/api/v1/case-files/due-for-transfer": {"get"},
    "/api/v1/case-files/{case_file_id}": {"get", "patch"},
    "/api/v1/case-files/{case_file_id}/documents": {"get", "post"},
    "/api/v1/case-files/{case_file_id}/documents/{document_id}": {"delete"},
    "/api/v1/case-files/{case_file_id}/close": {"post"},
    "/api/v1/case-files/{case_file_id}/reopen": {"post"},
    "/api/v1/archive-transfers": {"get", "post"},
    "/api/v1/archive-transfers/{transfer_id}": {"get"},
    "/api/v1/intake/files": {"post"},
    "/api/v1/intake/files/{file_id}": {"get"},
    "/api/v1/intake/duplicates": {"get"},
    "/api/v1/intake/files/{file_id}/link": {"post"},
    "/api/v1/directory": {"get"},
    "/api/v1/directory/import": {"post"},
    "/api/v1/directory/{identifier}": {"get"},
    "/api/v1/documents/{document_id}/signatures": {"get"},
    "/api/v1/documents/{document_id}/signatures/check": {"post"},
    "/api/v1/documents/{document_id}/exchange-update": {"post"},
    "/api/v1/documents/{document_id}/exchange-replace": {"post"},
    "/api/v1/outbox/{item_id}/recall": {"post"},
    "/api/v1/inbox/{item_id}/versions": {"get"},
    "/api/v1/onestop/dossiers": {"get"},
    "/api/v1/onestop/office": {"get"},
    "/api/v1/staffing/units": {"get"},
    "/api/v1/staffing/units/{unit_id}": {"get"},
    "/api/v1/staffing/norms": {"get"},
    "/api/v1/staffing/merge/preview": {"post"},
    "/api/v1/staffing/merge": {"post"},
    "/api/v1/staffing/roster": {"get", "post"},
    "/api/v1/staffing/report": {"get"},
    "/api/v1/staffing/transfers": {"get", "post"},
    "/api/v1/staffing/transfers/{transfer_id}/{action}": {"post"},
    "/api/v1/staffing/roadmaps": {"get", "post"},
    "/api/v1/staffing/roadmaps/{roadmap_id}": {"get"},
    "/api/v1/staffing/budget": {"get"},
    "/api/v1/staffing/reorganisations/{reorganisation_id}/saving": {"get"},
    "/api/v1/dashboard/indicators": {"get"},
    "/api/v1/dashboard/indicators/{key}": {"get"},
    "/api/v1/dashboard/equipment": {"get"},
    "/api/v1/dashboard/report": {"get"},
    "/api/v1/onestop/dossiers/{dossier_id}": {"get"},
    "/api/v1/onestop/dossiers/{dossier_id}/hand-over": {"post"},
    "/api/v1/onestop/dossiers/{dossier_id}/pause": {"post"},
    "/api/v1/onestop/dossiers/{dossier_id}/resume": {"post"},
    "/api/v1/onestop/dossiers/{dossier_id}/withdraw": {"post"},
    "/api/v1/onestop/dossiers/{dossier_id}/apology": {"post"},
    "/api/v1/onestop/dossiers/{dossier_id}/result": {"post"},
    "/api/v1/onestop/dossiers/{dossier_id}/return": {"post"},
    "/api/v1/onestop/certified-copies": {"get", "post"},
    "/api/v1/onestop/certified-copies/{copy_id}": {"get"},
    "/api/v1/onestop/certified-copies/{copy_id}/content": {"get"},
    "/api/v1/onestop/procedures": {"get"},
    "/api/v1/onestop/procedures/{procedure_id}": {"get"},
    "/api/v1/onestop/counter/dossiers": {"post"},
    "/api/v1/onestop/stats": {"get"},
    "/api/v1/onestop/indicators": {"get"},
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
            # Vietnamese: some letter carries a mark (ă, ệ, ờ, đ…), which plain ASCII English never does.
            assert any(ord(ch) > 127 for ch in op["summary"]), op["summary"]
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
