"""Reads of the registry, always through `visible_documents`: the one place that decides who sees what."""

from django.db.models import Q, QuerySet

from congvu.core.errors import NotFound
from congvu.documents.models import Document, DocumentAccess, Secrecy
from congvu.org.models import Role
from congvu.org.selectors import FULL_VIEW_ROLES, official_for_user, user_access


def visible_documents(user) -> QuerySet[Document]:
    """Documents `user` may see.

    - clerks, leaders and agency admins: every non-secret document of their agencies;
    - officers: non-secret documents addressed to them or their department, or that they registered;
    - one-stop staff: none through this role (their work is dossiers);
    - secret documents (Mật and above): only the officials named on them, whatever their role.
    """
    official = official_for_user(user)
    if official is None:
        return Document.objects.none()
    access = user_access(user)
    full = [a for a, acc in access.items() if acc.roles & FULL_VIEW_ROLES]
    officer = [a for a, acc in access.items() if Role.OFFICER in acc.roles and a not in full]
    cond = Q(pk__in=DocumentAccess.objects.filter(official=official).values("document_id"))
    if full:
        cond |= Q(agency_id__in=full, secrecy=Secrecy.NORMAL)
    for agency_id in officer:
        mine = Q(receiving_official=official) | Q(created_by=user)
        depts = access[agency_id].department_ids
        if depts:
            mine |= Q(receiving_department_id__in=depts)
        cond |= Q(agency_id=agency_id, secrecy=Secrecy.NORMAL) & mine
    return Document.objects.filter(cond)


def document_get(*, user, pk: int) -> Document:
    """One document if `user` may see it; otherwise NotFound (we do not reveal that it exists)."""
    doc = (
        visible_documents(user)
        .select_related("doc_type", "register", "agency", "receiving_department", "receiving_official",
                        "drafting_department", "created_by")
        .filter(pk=pk)
        .first()
    )
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    return doc
