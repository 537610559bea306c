"""Writes of the signing app: recording the verification of a stored file's signatures."""

from __future__ import annotations

import logging

from django.db import transaction

from congvu.audit.services import journal_record
from congvu.documents.files import PDF, open_stored
from congvu.signing.config import configured_trust_roots
from congvu.signing.models import SignatureCheck, SignatureLabel
from congvu.signing.verify import LABEL_INVALID, LABEL_NONE, LABEL_VALID, SignatureReport, verify_pdf_label

logger = logging.getLogger(__name__)
_LABEL_CODES = {
    LABEL_VALID: SignatureLabel.VALID, LABEL_INVALID: SignatureLabel.INVALID, LABEL_NONE: SignatureLabel.NONE,
}


def _report_dict(report: SignatureReport) -> dict:
    return {
        "field_name": report.field_name,
        "status": report.status,
        "signer_name": report.signer_name,
        "organisation": report.organisation,
        "signing_time": report.signing_time.isoformat() if report.signing_time else None,
        "covers_whole_file": report.covers_whole_file,
        "intact": report.intact,
        "chain_ok": report.chain_ok,
        "message_vi": report.message_vi,
    }


def signature_check(stored_file, *, actor=None, agency_id: int | None = None, trust_roots=None) -> SignatureCheck:
    """Verify the signatures of a stored file (a PDF; other formats have none) and record the result.

    Call it on receipt of a file (registration, edXML arrival). `trust_roots` defaults to the configured ones
    (CONGVU_TRUST_ROOTS plus the demo CA in demo mode). Journals `signature.checked` in the acting agency.
    """
    if stored_file.content_type == PDF:
        with open_stored(stored_file) as fh:
            data = fh.read()
        roots = configured_trust_roots() if trust_roots is None else list(trust_roots)
        result = verify_pdf_label(data, trust_roots=roots)
        label, reports = result.label, result.signatures
    else:
        label, reports = LABEL_NONE, []
    first = reports[0] if reports else None
    with transaction.atomic():
        check = SignatureCheck.objects.create(
            stored_file=stored_file,
            label=_LABEL_CODES[label],
            signature_count=len(reports),
            signer_name=first.signer_name[:255] if first else "",
            organisation=first.organisation[:255] if first else "",
            signing_time=first.signing_time if first else None,
            message="\n".join(r.message_vi for r in reports),
            reports=[_report_dict(r) for r in reports],
            checked_by=actor if actor is not None and actor.is_authenticated else None,
        )
        journal_record(
            actor=actor if actor is not None and actor.is_authenticated else None,
            agency_id=agency_id,
            action="signature.checked",
            obj=check,
            after={"stored_file": stored_file.sha256, "label": check.label, "signatures": len(reports)},
        )
    if check.label == SignatureLabel.INVALID:
        logger.warning("invalid signature on stored file %s: %s", stored_file.sha256, check.message)
    return check


def document_signatures_check(*, actor, document) -> list[SignatureCheck]:
    """Check every attachment of a document (the caller has already checked that the actor sees it)."""
    return [
        signature_check(attachment.file, actor=actor, agency_id=document.agency_id)
        for attachment in document.attachments.select_related("file")
    ]
