"""Writes of the signing app: recording the verification of a stored file's signatures."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from congvu.audit.services import journal_record
from congvu.core.errors import ValidationFailed
from congvu.documents import files as file_store
from congvu.documents.files import PDF, open_stored
from congvu.documents.models import StoredFile
from congvu.signing.config import configured_trust_roots, pkcs11_settings, pkcs12_password, pki_dir
from congvu.signing.models import SignatureCheck, SignatureLabel
from congvu.signing.signing import Pkcs12Key, pkcs11_signer, sign_pdf
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


def configured_signer(kind: str, *, user=None):
    """The key the deployment signs with: the agency's (PKCS#11 token when configured, else
    <pki dir>/agency.p12) for "agency" and "attachment"; <pki dir>/<username>.p12 for "personal"."""
    if kind in ("agency", "attachment"):
        token = pkcs11_settings()
        if token:
            signer, session = pkcs11_signer(**token)
            return signer, session
        path = pki_dir() / "agency.p12"
        if not path.is_file():
            raise ValidationFailed("Chưa cấu hình chứng thư số của cơ quan (chạy `congvu pki demo-ca` khi thử nghiệm).")
        return Pkcs12Key(path, pkcs12_password()), None
    username = getattr(user, "username", "") or ""
    path = pki_dir() / f"{username}.p12"
    if not username or not path.is_file():
        raise ValidationFailed(f"Tài khoản {username or '(không rõ)'} chưa có chứng thư số cá nhân.")
    return Pkcs12Key(path, pkcs12_password()), None


def stored_file_sign(*, actor, stored_file, kind: str, agency_id: int | None = None, image: bytes | None = None,
                     number: str = "", signer=None, when=None):
    """Sign a stored PDF and store the result as a NEW StoredFile (the input is never modified).

    `signer` defaults to `configured_signer(kind, user=actor)`. The caller links the returned file to its
    document/draft. Journals `signature.signed`.
    """
    if stored_file.content_type != PDF:
        raise ValidationFailed("Chỉ ký số được tệp PDF.")
    session = None
    if signer is None:
        signer, session = configured_signer(kind, user=actor)
    with open_stored(stored_file) as fh:
        data = fh.read()
    try:
        signed = sign_pdf(data, signer=signer, kind=kind, image=image, number=number, when=when)
    finally:
        if session is not None:
            session.close()
    digest = hashlib.sha256(signed).hexdigest()
    fd, tmp = tempfile.mkstemp(suffix=".pdf")
    with open(fd, "wb") as out:
        out.write(signed)
    prepared = file_store.PreparedFile("signed.pdf", PDF, len(signed), digest, Path(tmp), stored_file.text)
    written = []
    try:
        with transaction.atomic():
            row = StoredFile.objects.filter(sha256=digest).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = StoredFile.objects.create(sha256=digest, size=len(signed), content_type=PDF,
                                                        path=file_store.storage_relpath(digest), text=stored_file.text)
                except IntegrityError:
                    row = StoredFile.objects.get(sha256=digest)
                else:
                    written.append(file_store.put_file(prepared))
            journal_record(actor=actor if actor is not None and actor.is_authenticated else None,
                           agency_id=agency_id, action="signature.signed", obj=row,
                           after={"from": stored_file.sha256, "to": digest, "kind": kind})
    except BaseException:
        for rel in written:
            (Path(settings.MEDIA_ROOT) / rel).unlink(missing_ok=True)
        raise
    finally:
        file_store.discard(prepared)
    return row
