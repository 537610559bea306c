"""Reads of drafts, always through `visible_drafts`: the one place that decides who sees which draft."""

import datetime as dt
import difflib
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from congvu.core.errors import NotFound, ValidationFailed
from congvu.documents.models import Secrecy, Urgency
from congvu.drafting.models import Draft, DraftEvent, DraftingPolicy, DraftStatus, DraftVersion
from congvu.org.models import Membership, Official, Role
from congvu.org.selectors import can_register, department_head_ids, official_for_user, user_access

# Roles that may write drafts of their agency (one-stop staff work on dossiers, not correspondence).
DRAFTING_ROLES = frozenset({Role.OFFICER, Role.LEADER, Role.CLERK, Role.AGENCY_ADMIN})


def can_draft(user, agency_id: int) -> bool:
    access = user_access(user).get(agency_id)
    return bool(access and access.roles & DRAFTING_ROLES)


def visible_drafts(user) -> QuerySet[Draft]:
    """Drafts `user` may see, in the agencies where they hold a position now:

    - their own drafts, and drafts sent to them or that they acted on (reviewers, approvers);
    - leaders: the non-secret drafts of the units they belong to;
    - clerks (and the agency admin standing in): drafts approved, which they check and number, and drafts
      issued as ordinary documents (an issued secret draft only to those named on its document or who acted
      on it, like the document itself).
    """
    official = official_for_user(user)
    if official is None:
        return Draft.objects.none()
    access = user_access(user)
    if not access:
        return Draft.objects.none()
    cond = (Q(author=official) | Q(reviewer=official) | Q(approver=official)
            | Q(pk__in=DraftEvent.objects.filter(Q(actor=official) | Q(target=official)).values("draft_id")))
    for agency_id, acc in access.items():
        if Role.LEADER in acc.roles and acc.department_ids:
            cond |= Q(agency_id=agency_id, drafting_department_id__in=acc.department_ids, secrecy=Secrecy.NORMAL)
        if can_register(user, agency_id):
            cond |= Q(agency_id=agency_id, status=DraftStatus.APPROVED)
            cond |= Q(agency_id=agency_id, status=DraftStatus.ISSUED, secrecy=Secrecy.NORMAL)
    return Draft.objects.filter(agency_id__in=sorted(access)).filter(cond)


def draft_get(*, user, pk: int) -> Draft:
    draft = (visible_drafts(user)
             .select_related("agency", "doc_type", "drafting_department", "author", "reviewer", "approver",
                             "format_checked_by", "document", "reply_to")
             .filter(pk=pk).first())
    if draft is None:
        raise NotFound("Không tìm thấy dự thảo hoặc bạn không có quyền xem.")
    return draft


# --- the lists of the "Dự thảo" page -----------------------------------------------------------

TABS = {
    "mine": "Của tôi",
    "review": "Chờ tôi ký nháy",
    "approve": "Chờ tôi ký duyệt",
    "issue": "Chờ kiểm tra thể thức, cấp số",
}


def drafts_in_tab(*, user, agency_id: int | None, tab: str) -> QuerySet[Draft]:
    """The drafts of one tab, in one agency (or every agency of the user when `agency_id` is None)."""
    official = official_for_user(user)
    qs = visible_drafts(user)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if tab == "mine":
        qs = qs.filter(author=official)
    elif tab == "review":
        qs = qs.filter(reviewer=official, status=DraftStatus.IN_REVIEW)
    elif tab == "approve":
        qs = qs.filter(approver=official, status=DraftStatus.REVIEWED)
    elif tab == "issue":
        clerk_of = [a for a in user_access(user) if can_register(user, a)]
        qs = qs.filter(status=DraftStatus.APPROVED, agency_id__in=clerk_of)
    else:
        raise ValidationFailed("Danh sách không hợp lệ.", fields={"tab": f"Chọn một trong: {', '.join(TABS)}."})
    return qs.select_related("doc_type", "author", "drafting_department", "reviewer", "approver", "document")


def urgency_first(drafts) -> list[Draft]:
    rank = {Urgency.FLASH: 3, Urgency.VERY_URGENT: 2, Urgency.URGENT: 1}
    return sorted(drafts, key=lambda d: (-rank.get(d.urgency, 0), -d.pk))


def tab_counts(*, user, agency_id: int) -> dict[str, int]:
    """How many drafts wait for the user in each tab (the badge beside "Dự thảo")."""
    counts = {}
    for tab in ("review", "approve", "issue"):
        counts[tab] = drafts_in_tab(user=user, agency_id=agency_id, tab=tab).count()
    return counts


def waiting_count(*, user, agency_id: int) -> int:
    """Drafts waiting for the user's action: initials, approval, format check and number."""
    return sum(tab_counts(user=user, agency_id=agency_id).values())


# --- people ------------------------------------------------------------------------------------

def agency_leaders(agency_id: int) -> QuerySet[Official]:
    """Officials holding the leader role in the agency now."""
    return Official.objects.filter(pk__in=Membership.objects.filter(
        agency_id=agency_id, role=Role.LEADER, active=True).values("official_id"))


def agency_clerks(agency_id: int) -> QuerySet[Official]:
    return Official.objects.filter(pk__in=Membership.objects.filter(
        agency_id=agency_id, role=Role.CLERK, active=True).values("official_id"))


def unit_heads(draft: Draft) -> list[Official]:
    """Heads of the drafting unit (org's unit-head rule), other than the author."""
    if not draft.drafting_department_id:
        return []
    return list(Official.objects.filter(pk__in=department_head_ids(draft.drafting_department_id))
                .exclude(pk=draft.author_id).order_by("full_name", "pk"))


def default_reviewer(draft: Draft) -> Official | None:
    """The unit head a draft goes to for initials when the author names nobody: the drafting unit's leader
    (the first by name if the unit has several)."""
    heads = unit_heads(draft)
    return heads[0] if heads else None


def self_approval_allowed(agency_id: int) -> bool:
    policy = DraftingPolicy.objects.filter(agency_id=agency_id).first()
    return bool(policy and policy.allow_self_approval)


def reviewers(agency_id: int, department_id: int | None) -> QuerySet[Official]:
    """Who may initial a draft of a unit: the agency's leaders and the unit's heads."""
    heads = department_head_ids(department_id) if department_id else []
    return Official.objects.filter(Q(pk__in=agency_leaders(agency_id).values("pk")) | Q(pk__in=heads))


def reviewer_choices(draft: Draft) -> list[Official]:
    return list(reviewers(draft.agency_id, draft.drafting_department_id).exclude(pk=draft.author_id)
                .order_by("full_name", "pk"))


def approver_choices(draft: Draft) -> list[Official]:
    """Leaders who may approve: the author is left out where the agency forbids self-approval."""
    qs = agency_leaders(draft.agency_id)
    if not self_approval_allowed(draft.agency_id):
        qs = qs.exclude(pk=draft.author_id)
    return list(qs.order_by("full_name", "pk"))


# --- what the acting user may do on a draft ----------------------------------------------------

@dataclass(frozen=True)
class DraftPermissions:
    revise: bool
    submit: bool
    review: bool
    approve: bool
    check_format: bool
    issue: bool

    @property
    def any(self) -> bool:
        return any((self.revise, self.submit, self.review, self.approve, self.check_format, self.issue))


def draft_permissions(*, user, draft: Draft) -> DraftPermissions:
    """The buttons the draft's page shows; the services check the same rules again when pressed."""
    me = official_for_user(user)
    mine = me is not None and draft.author_id == me.pk
    clerk = can_register(user, draft.agency_id)
    editable = draft.status in (DraftStatus.DRAFTING, DraftStatus.RETURNED)
    return DraftPermissions(
        revise=mine and editable,
        submit=mine and editable,
        review=me is not None and draft.reviewer_id == me.pk and draft.status == DraftStatus.IN_REVIEW,
        approve=me is not None and draft.approver_id == me.pk and draft.status == DraftStatus.REVIEWED,
        check_format=clerk and draft.status == DraftStatus.APPROVED and draft.format_checked_at is None,
        issue=clerk and draft.status == DraftStatus.APPROVED and draft.format_checked_at is not None,
    )


def replies_to(*, user, document) -> list[Draft]:
    """Drafts answering an incoming document that the user may see, newest first."""
    return list(visible_drafts(user).filter(reply_to=document).select_related("document", "author", "doc_type")
                .order_by("-pk"))


# --- comparing versions ------------------------------------------------------------------------

METADATA_LABELS = [
    ("doc_type_name", "Loại văn bản"), ("subject", "Trích yếu"), ("urgency", "Độ khẩn"), ("secrecy", "Độ mật"),
    ("signer", "Người ký"), ("signer_title", "Chức vụ người ký"), ("drafting_department", "Đơn vị soạn thảo"),
    ("recipient_agencies", "Nơi nhận trong hệ thống"), ("recipient_names", "Nơi nhận khác"),
    ("due_date", "Hạn trả lời"), ("notes", "Ghi chú"),
]


def metadata_value(key: str, value) -> str:
    """A snapshot value as the page shows it."""
    if value in (None, "", []):
        return "(trống)"
    if key == "urgency":
        return Urgency(value).label if value in Urgency.values else str(value)
    if key == "secrecy":
        return Secrecy(value).label if value in Secrecy.values else str(value)
    if key == "due_date":
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed", "gap"
    text: str
    old_no: int | None = None
    new_no: int | None = None


@dataclass
class Comparison:
    old: DraftVersion
    new: DraftVersion
    metadata: list[tuple[str, str, str]]  # (label, old value, new value) of the fields that differ
    same_file: bool
    lines: list[DiffLine]
    added: int
    removed: int


def _text_lines(text: str) -> list[str]:
    return [line.rstrip() for line in (text or "").splitlines() if line.strip()]


def compare_versions(*, user, draft: Draft, old: int, new: int, context: int = 3) -> Comparison:
    """The differences between two versions of a visible draft: metadata fields, then the extracted text
    of their files line by line (difflib), with `context` unchanged lines around each change."""
    if not visible_drafts(user).filter(pk=draft.pk).exists():
        raise NotFound("Không tìm thấy dự thảo hoặc bạn không có quyền xem.")
    versions = {v.number: v for v in draft.versions.select_related("file", "author").filter(number__in=[old, new])}
    missing = [n for n in (old, new) if n not in versions]
    if missing:
        raise NotFound(f"Không tìm thấy phiên bản {missing[0]} của dự thảo.")
    a, b = versions[old], versions[new]
    metadata = []
    for key, label in METADATA_LABELS:
        va, vb = a.metadata.get(key), b.metadata.get(key)
        if va != vb:
            metadata.append((label, metadata_value(key, va), metadata_value(key, vb)))
    lines: list[DiffLine] = []
    added = removed = 0
    same_file = a.file_id == b.file_id
    if not same_file:
        old_lines, new_lines = _text_lines(a.file.text), _text_lines(b.file.text)
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for group in matcher.get_grouped_opcodes(context):
            if lines:
                lines.append(DiffLine("gap", "…"))
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    lines += [DiffLine("same", old_lines[i], i + 1, j1 + k + 1) for k, i in enumerate(range(i1, i2))]
                    continue
                if tag in ("replace", "delete"):
                    lines += [DiffLine("removed", old_lines[i], old_no=i + 1) for i in range(i1, i2)]
                    removed += i2 - i1
                if tag in ("replace", "insert"):
                    lines += [DiffLine("added", new_lines[j], new_no=j + 1) for j in range(j1, j2)]
                    added += j2 - j1
    return Comparison(old=a, new=b, metadata=metadata, same_file=same_file, lines=lines, added=added,
                      removed=removed)
