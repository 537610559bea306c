"""Background jobs of the signing app: verifying the signatures of a document's files after it arrives."""

from congvu.jobs import job


@job("signing.check_document", max_attempts=3)
def check_document(*, document_id: int, **_ignored) -> None:
    """Verify every attachment of a registered document and record a SignatureCheck per file, the system
    acting. Idempotent: files that already have a check are left alone (a retry or a second run records
    nothing new); a document that no longer exists is skipped."""
    from congvu.documents.models import Attachment
    from congvu.signing.models import SignatureCheck
    from congvu.signing.services import signature_check

    attachments = list(Attachment.objects.filter(document_id=document_id).select_related("file", "document"))
    checked = set(SignatureCheck.objects.filter(stored_file_id__in=[a.file_id for a in attachments])
                  .values_list("stored_file_id", flat=True))
    for attachment in attachments:
        if attachment.file_id in checked:
            continue
        signature_check(attachment.file, actor=None, agency_id=attachment.document.agency_id)
        checked.add(attachment.file_id)
