"""Register settings an agency admin controls: which outgoing types get their own number sequence
(Decree 30 Art. 15: the head of the agency decides) and closing a register at the end of its year."""

from django.db import transaction

from congvu.audit.services import journal_record
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.documents.models import DocumentType, Register
from congvu.org.models import Agency
from congvu.org.selectors import can_manage_agency


def registers_of_agency(*, agency: Agency) -> list[Register]:
    """The agency's registers, newest year first, incoming before outgoing."""
    return list(Register.objects.filter(agency=agency).order_by("-year", "direction", "scope", "doc_type_code"))


def agency_numbering_update(*, actor, agency: Agency, separate_types: list[str]) -> Agency:
    """Set the outgoing document types numbered in a sequence of their own; the rest share one.

    The change applies to documents numbered from now on; numbers already given never change.
    """
    if not can_manage_agency(actor, agency.pk):
        raise PermissionDenied("Chỉ quản trị cơ quan được thay đổi cách đánh số.")
    codes = sorted({c.strip() for c in separate_types or [] if c and c.strip()})
    known = set(DocumentType.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationFailed("Có loại văn bản không có trong danh mục.",
                               fields={"separate_types": f"Loại văn bản không hợp lệ: {', '.join(unknown)}."})
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        before = sorted(locked.separate_numbering_types or [])
        if before == codes:
            return locked
        locked.separate_numbering_types = codes
        locked.save(update_fields=["separate_numbering_types"])
        journal_record(actor=actor, agency_id=locked.pk, action="agency.numbering_update", obj=locked,
                       before={"separate_numbering_types": before}, after={"separate_numbering_types": codes})
    agency.separate_numbering_types = codes
    return locked


def register_set_closed(*, actor, register: Register, closed: bool) -> Register:
    """Close a register (no more numbers are taken from it) or open it again."""
    if not can_manage_agency(actor, register.agency_id):
        raise PermissionDenied("Chỉ quản trị cơ quan được khóa sổ.")
    with transaction.atomic():
        locked = Register.objects.select_for_update().get(pk=register.pk)
        if locked.closed == closed:
            return locked
        locked.closed = closed
        locked.save(update_fields=["closed"])
        journal_record(actor=actor, agency_id=locked.agency_id,
                       action="register.close" if closed else "register.reopen", obj=locked,
                       before={"closed": not closed}, after={"closed": closed})
    register.closed = closed
    return locked
