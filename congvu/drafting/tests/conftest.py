"""Drafting fixtures: an agency with a unit (Phòng Nội vụ) whose officer drafts and whose head initials,
an agency leader who approves, the clerk who issues; another agency that receives."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.documents.models import Attachment, Document, Register, StoredFile
from congvu.documents.tests.factories import minimal_pdf
from congvu.drafting import services
from congvu.drafting.models import Draft, DraftEvent, DraftVersion
from congvu.exchange.models import InboxItem, OutboxItem
from congvu.notifications.models import Notification
from congvu.org.models import Role


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def nv(agency):
    return agency.departments.get(code="NV")


@pytest.fixture
def unit_head(agency, nv):
    """Trưởng phòng Nội vụ: leader role in the drafting unit."""
    return make_official(agency, Role.LEADER, username="truongphong", department=nv,
                         full_name="Trần Thị Bích").user


@pytest.fixture
def chairman(agency):
    """Chủ tịch: leader role, no unit."""
    return make_official(agency, Role.LEADER, username="chutich", full_name="Nguyễn Văn An").user


def pdf_file(text="Du thao cong van tra loi", name="du-thao.pdf"):
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


def docx_file(paragraphs, name="du-thao.docx"):
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def draft_data(**overrides) -> services.DraftData:
    values = dict(doc_type="cong_van", subject="V/v báo cáo tình hình thực hiện cải cách hành chính quý I",
                  recipient_names=["Sở Nội vụ tỉnh Quảng Nam"])
    values.update(overrides)
    return services.DraftData(**values)


def make_draft(author, agency, **overrides):
    upload = overrides.pop("upload", None) or pdf_file()
    return services.draft_create(actor=author, agency=agency, data=draft_data(**overrides), upload=upload)


def to_state(draft, state, *, officer, unit_head, chairman, clerk):
    """Move a draft through the flow up to `state` (in_review, reviewed, approved, checked, issued)."""
    order = ["in_review", "reviewed", "approved", "checked", "issued"]
    steps = order[: order.index(state) + 1]
    if "in_review" in steps:
        draft = services.draft_submit_for_review(actor=officer, draft=draft)
    if "reviewed" in steps:
        draft = services.draft_review(actor=unit_head, draft=draft, forward=True, approver_id=chairman.official.pk)
    if "approved" in steps:
        draft = services.draft_approve(actor=chairman, draft=draft)
    if "checked" in steps:
        draft = services.draft_check_format(actor=clerk, draft=draft, ok=True)
    if "issued" in steps:
        services.draft_issue(actor=clerk, draft=draft)
    return Draft.objects.get(pk=draft.pk)


def state_snapshot() -> dict:
    """Everything a refused call must leave as it was."""
    return {
        "drafts": list(Draft.objects.order_by("pk").values_list(
            "pk", "status", "reviewer_id", "approver_id", "approved_at", "format_checked_at", "document_id",
            "subject", "version_count", "signer", "updated_at")),
        "versions": DraftVersion.objects.count(),
        "events": DraftEvent.objects.count(),
        "documents": Document.objects.count(),
        "attachments": Attachment.objects.count(),
        "files": StoredFile.objects.count(),
        "registers": list(Register.objects.order_by("pk").values_list("pk", "next_number")),
        "journal": JournalEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "inbox": list(InboxItem.objects.order_by("pk").values_list("pk", "status", "incoming_document_id")),
        "outbox": OutboxItem.objects.count(),
    }
