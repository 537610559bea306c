"""edXML packages of issued documents (moved from the `edxml` command; docs/decisions/0013, 0017)."""

from pathlib import Path

from django.utils import timezone

from congvu.documents.files import open_stored
from congvu.documents.models import Direction, Document, DocumentStatus, Urgency
from congvu.exchange.edxml import (
    Attachment,
    Business,
    EdxmlError,
    Organ,
    OtherInfo,
    Package,
    Signer,
    TraceHeader,
    build_package,
    document_id_for,
)

PRIORITY = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.VERY_URGENT: 2, Urgency.FLASH: 3}
AUTHORITY_PREFIXES = ("KT.", "TM.", "TL.", "TUQ.", "Q.", "Q ")


def _signer(document: Document) -> Signer:
    title = document.signer_title.strip()
    if title.upper().startswith(AUTHORITY_PREFIXES):
        return Signer(competence=title, full_name=document.signer)
    return Signer(position=title, full_name=document.signer)


def document_package(document: Document, *, to: tuple[Organ, ...] | None = None) -> Package:
    """The edXML package (plain values) of an issued outgoing document; attachments point at stored files.
    `to`: the recipients to address (default: the document's recipients that are agencies with an identifier)."""
    if document.direction != Direction.OUTGOING or document.status not in (
        DocumentStatus.ISSUED,
        DocumentStatus.DISPATCHED,
    ):
        raise EdxmlError(f"Văn bản {document.pk} không phải văn bản đi đã ban hành.")
    agency = document.agency
    if not agency.identifier:
        raise EdxmlError(f"Cơ quan {agency.name} chưa có mã định danh, không lập được gói edXML.")
    recipients = list(document.recipients.select_related("agency"))
    default_to = tuple(
        Organ(organ_id=r.agency.identifier, name=r.agency.name)
        for r in recipients
        if r.agency is not None and r.agency.identifier
    )
    if to is None:
        to = default_to
    if not to:
        raise EdxmlError(f"Văn bản {document.pk} không có nơi nhận nào có mã định danh để gửi điện tử.")
    attachments = tuple(
        Attachment(
            content_id=f"cid:{a.file.sha256[:32]}-{a.position}",
            name=a.original_name,
            content_type=a.file.content_type,
        )
        for a in document.attachments.select_related("file")
    )
    return Package(
        kind="document",
        sender=Organ(organ_id=agency.identifier, name=agency.name, organization_in_charge=agency.name),
        recipients=to,
        document_id=document_id_for(agency.identifier, document.issued_date, document.number, document.notation),
        number=document.number,
        notation=document.notation,
        place=agency.place,
        date=document.issued_date,
        type_code="1",
        type_detail="0" if document.doc_type.code == "cong_van" else "1",
        type_name=document.doc_type.name,
        subject=document.subject,
        content=document.subject,
        signer=_signer(document),
        due_date=document.due_date,
        to_places=tuple(r.name for r in recipients),
        other_info=OtherInfo(
            priority=PRIORITY.get(document.urgency, 0),
            promulgation_amount=document.copies,
            page_amount=document.pages,
        ),
        steering_type=0,
        traces=(TraceHeader(agency.identifier, timezone.localtime().replace(microsecond=0, tzinfo=None)),),
        business=Business(doc_type=0, reason="Văn bản điện tử mới", paper=0),
        attachments=attachments,
    )


def write_document_package(document_id: int, out: Path, *, to: tuple[Organ, ...] | None = None) -> Package:
    document = Document.objects.select_related("agency", "doc_type").filter(pk=document_id).first()
    if document is None:
        raise EdxmlError(f"Không tìm thấy văn bản {document_id}.")
    package = document_package(document, to=to)
    files = {f"cid:{a.file.sha256[:32]}-{a.position}": a.file for a in document.attachments.select_related("file")}
    partial = out.with_name(out.name + ".part")
    try:
        with open(partial, "wb") as handle:
            built = build_package(package, handle, open_attachment=lambda a: open_stored(files[a.content_id]))
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return built
