"""Writes of the API app: creating and revoking API tokens, journaled like every other change."""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from congvu.api.models import ApiToken
from congvu.audit.services import journal_record
from congvu.core.errors import NotFound

TOKEN_PREFIX = "cv_"
# Writing last_used on every request would make every read a write; once a minute is enough to audit.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; return the row and the raw token, which is never stored or shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=" ".join(name.split())[:100], token_hash=token_digest(raw))
        journal_record(actor=actor, agency_id=None, action="api_token.create", obj=token,
                       after={"user": user.get_username(), "name": token.name})
    return token, raw


def api_token_revoke(*, actor, token_id: int) -> ApiToken:
    """Revoke a token; a revoked token never authenticates again."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise NotFound(f"Không có khóa API số {token_id}.")
        if not token.revoked:
            ApiToken.objects.filter(pk=token.pk).update(revoked=True)
            token.revoked = True
            journal_record(actor=actor, agency_id=None, action="api_token.revoke", obj=token,
                           before={"revoked": False}, after={"revoked": True})
    return token


def api_token_authenticate(raw: str):
    """The active user owning `raw`, or None. Records when the token was last used."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_digest(raw), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user
