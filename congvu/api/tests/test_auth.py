import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from congvu.api.models import ApiToken
from congvu.api.services import api_token_create, api_token_revoke
from congvu.api.tests.conftest import BASE, ApiClient, state_snapshot
from congvu.audit.models import JournalEntry
from congvu.documents.models import Document

pytestmark = pytest.mark.django_db

INCOMING = {
    "issuer": "Sở Nội vụ tỉnh Quảng Nam", "number": "88", "notation": "SNV-CCVC", "issued_date": "2026-01-05",
    "doc_type": "cong_van", "subject": "Về việc báo cáo số lượng cán bộ, công chức cấp xã",
}


# --- tokens ------------------------------------------------------------------------------------

def test_token_is_stored_only_as_its_sha256(clerk):
    _, raw = api_token_create(actor=None, user=clerk, name="đồng bộ")
    row = ApiToken.objects.get()
    assert raw.startswith("cv_") and len(raw) > 40
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert (row.user, row.name, row.revoked, row.last_used) == (clerk, "đồng bộ", False, None)


def test_valid_token_authenticates_and_records_last_use(clerk):
    client = ApiClient(clerk)
    response = client.get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == "vanthu"
    assert ApiToken.objects.get().last_used is not None


def test_revoked_token_is_refused(clerk):
    client = ApiClient(clerk)
    api_token_revoke(actor=None, token_id=ApiToken.objects.get().pk)
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="congvu"'


@pytest.mark.parametrize("header", ["Bearer cv_not-a-real-token", "Bearer ", "Basic dmFudGh1Om1hdGtoYXU=",
                                    "cv_token-without-scheme", "Bearer " + "x" * 5000])
def test_wrong_or_malformed_token_is_refused(clerk, header):
    api_token_create(actor=None, user=clerk)
    response = Client().get(f"{BASE}/me", headers={"Authorization": header})
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated" and body["fields"] == {}
    assert "khóa" in body["message"].lower() or "authorization" in body["message"].lower()


def test_wrong_token_wins_over_a_valid_session(clerk, leader):
    client = Client(headers={"Authorization": "Bearer cv_wrong"})
    client.force_login(leader)
    assert client.get(f"{BASE}/me").status_code == 401


def test_token_of_a_deactivated_user_is_refused(clerk):
    client = ApiClient(clerk)
    clerk.is_active = False
    clerk.save()
    assert client.get("/me").status_code == 401


def test_no_credentials_is_401_json(clerk):
    for path in ("/me", "/documents", "/registers", "/document-types", "/documents/1"):
        response = Client().get(BASE + path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthenticated"


def test_unauthenticated_create_changes_nothing(agency, clerk):
    before = state_snapshot()
    response = Client().post(f"{BASE}/documents/incoming", json.dumps(INCOMING), content_type="application/json")
    assert response.status_code == 401
    assert state_snapshot() == before


# --- session auth ------------------------------------------------------------------------------

def test_session_reads_without_csrf(clerk):
    client = Client()
    client.force_login(clerk)
    response = client.get(f"{BASE}/me")
    assert response.status_code == 200
    assert response.json()["agencies"][0]["roles"] == ["clerk"]


def test_session_write_without_csrf_token_is_refused(agency, clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    before = state_snapshot()
    response = client.post(f"{BASE}/documents/incoming", json.dumps(INCOMING), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert state_snapshot() == before


def test_session_write_with_csrf_token_registers(agency, clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    client.get("/login/")  # any page that sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(f"{BASE}/documents/incoming", json.dumps(INCOMING), content_type="application/json",
                           headers={"X-CSRFToken": csrf})
    assert response.status_code == 201, response.content
    assert Document.objects.get().subject == INCOMING["subject"]


def test_token_writes_need_no_csrf(agency, clerk):
    client = ApiClient(clerk)
    client.client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {client.token}"})
    assert client.post("/documents/incoming", INCOMING).status_code == 201


# --- the management command --------------------------------------------------------------------

def test_apitoken_create_prints_the_token_once_and_journals(clerk):
    out, err = io.StringIO(), io.StringIO()
    call_command("apitoken", "create", "vanthu", "--name", "Đồng bộ một cửa", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    row = ApiToken.objects.get()
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.name == "Đồng bộ một cửa"
    assert raw not in err.getvalue()
    entry = JournalEntry.objects.get(action="api_token.create")
    assert (entry.object_id, entry.after) == (str(row.pk), {"user": "vanthu", "name": "Đồng bộ một cửa"})
    assert ApiClient(token=raw).get("/me").json()["username"] == "vanthu"

    listing = io.StringIO()
    call_command("apitoken", "list", stdout=listing)
    assert raw not in listing.getvalue() and "vanthu" in listing.getvalue()


def test_apitoken_create_for_unknown_user_fails_cleanly(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("apitoken", "create", "khongco")
    assert ApiToken.objects.count() == 0
    assert JournalEntry.objects.count() == 0


def test_apitoken_revoke_command(clerk):
    token, raw = api_token_create(actor=None, user=clerk)
    call_command("apitoken", "revoke", str(token.pk), stdout=io.StringIO())
    assert ApiToken.objects.get().revoked is True
    assert JournalEntry.objects.filter(action="api_token.revoke").count() == 1
    assert ApiClient(token=raw).get("/me").status_code == 401
