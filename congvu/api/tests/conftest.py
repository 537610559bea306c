"""API test helpers: a client that authenticates with a real API token of a given user."""

import json

import pytest
from django.test import Client

from congvu.api.services import api_token_create
from congvu.audit.models import JournalEntry
from congvu.documents.models import Document, Register

BASE = "/api/v1"


class ApiClient:
    """Django's test client with `Authorization: Bearer <token>` and JSON helpers."""

    def __init__(self, user=None, *, token: str | None = None):
        if user is not None and token is None:
            _, token = api_token_create(actor=None, user=user, name="kiểm thử")
        self.token = token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers)

    def get(self, path, params=None, **headers):
        return self.client.get(BASE + path, params or {}, headers=headers)

    def post(self, path, data, **headers):
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return self.client.post(BASE + path, body, content_type="application/json", headers=headers)

    def post_multipart(self, path, data: dict, files: list, **headers):
        return self.client.post(BASE + path, {"data": json.dumps(data), "files": files}, headers=headers)

    def patch(self, path, data, **headers):
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return self.client.patch(BASE + path, body, content_type="application/json", headers=headers)


@pytest.fixture
def api_as():
    """api_as(user) → an ApiClient authenticated as `user` by a fresh token."""
    return ApiClient


def state_snapshot() -> dict:
    """Everything a forbidden request must leave untouched."""
    return {
        "documents": list(Document.objects.order_by("pk").values_list(
            "pk", "subject", "urgency", "notes", "pages", "due_date", "register_number")),
        "registers": list(Register.objects.order_by("pk").values_list("pk", "next_number")),
        "journal": JournalEntry.objects.count(),
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The permission matrix creates eight logins per test; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
