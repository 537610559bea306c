"""Reads of the signing app: the latest verification of files the user may see."""

from __future__ import annotations

from congvu.core.errors import NotFound
from congvu.documents.models import Attachment
from congvu.documents.selectors import visible_documents
from congvu.signing.models import SignatureCheck


def latest_checks(stored_file_ids) -> dict[int, SignatureCheck]:
    """The newest SignatureCheck per stored file id (for badges in lists); files never checked are absent."""
    latest: dict[int, SignatureCheck] = {}
    for check in SignatureCheck.objects.filter(stored_file_id__in=list(stored_file_ids)).order_by(
        "stored_file_id", "-checked_at", "-id"
    ):
        latest.setdefault(check.stored_file_id, check)
    return latest


def document_signature_checks(*, user, document_id: int) -> list[tuple[Attachment, SignatureCheck | None]]:
    """Each attachment of a document the user may see, with its latest signature check."""
    if not visible_documents(user).filter(pk=document_id).exists():
        raise NotFound("Không tìm thấy văn bản.")
    attachments = list(Attachment.objects.filter(document_id=document_id).select_related("file"))
    latest = latest_checks(a.file_id for a in attachments)
    return [(a, latest.get(a.file_id)) for a in attachments]
