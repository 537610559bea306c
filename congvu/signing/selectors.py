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


_WORST = {"invalid": 0, "valid": 1, "none": 2}


def document_signature_labels(document_ids) -> dict[int, SignatureCheck]:
    """Per document id, the check to show in a list: the worst of its PDF attachments' latest checks
    (invalid before valid before none). Documents whose files were never checked are absent."""
    rows = list(Attachment.objects.filter(document_id__in=list(document_ids)).values_list("document_id", "file_id"))
    latest = latest_checks(file_id for _, file_id in rows)
    shown: dict[int, SignatureCheck] = {}
    for document_id, file_id in rows:
        check = latest.get(file_id)
        if check is None:
            continue
        current = shown.get(document_id)
        if current is None or _WORST[check.label] < _WORST[current.label]:
            shown[document_id] = check
    return shown
