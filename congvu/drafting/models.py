"""Drafts (dự thảo) of outgoing documents: their versions, their review and approval, and the agency's rule
on approving one's own draft.

A draft goes drafting → in_review (waiting for the unit head's initials, ký nháy) → reviewed (waiting for
a leader's approval, ký duyệt) → approved (waiting for the clerk's format check and number) → issued, and
can be returned to its author at any step before issuing (Decree 30/2020 Art. 10–14).
"""

from django.db import models

from congvu.documents.models import Document, DocumentType, Secrecy, StoredFile, Urgency
from congvu.org.models import Agency, Department, Official


class DraftStatus(models.TextChoices):
    DRAFTING = "drafting", "Đang soạn"
    IN_REVIEW = "in_review", "Chờ ký nháy"
    REVIEWED = "reviewed", "Chờ ký duyệt"
    APPROVED = "approved", "Đã ký duyệt"
    RETURNED = "returned", "Bị trả lại"
    ISSUED = "issued", "Đã ban hành"


# The author may change the draft (new version, metadata) only while it is in their hands.
EDITABLE_STATUSES = (DraftStatus.DRAFTING, DraftStatus.RETURNED)


class DraftingPolicy(models.Model):
    """An agency's drafting rules. No row means the defaults (self-approval forbidden)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="drafting_policy")
    allow_self_approval = models.BooleanField("cho phép tự ký duyệt dự thảo của mình", default=False)

    class Meta:
        verbose_name = "quy định soạn thảo"
        verbose_name_plural = "quy định soạn thảo"


class Draft(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="drafts")
    drafting_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                            verbose_name="đơn vị soạn thảo")
    author = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+", verbose_name="người soạn")
    doc_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    subject = models.TextField("trích yếu")
    urgency = models.CharField("độ khẩn", max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.CharField("độ mật", max_length=12, choices=Secrecy.choices, default=Secrecy.NORMAL)
    signer = models.CharField("người ký", max_length=100, blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=200, blank=True)
    # Nơi nhận: agencies of this deployment (ids, in the order written) and other addressees as text.
    recipient_agency_ids = models.JSONField("nơi nhận trong hệ thống", default=list, blank=True)
    recipient_names = models.JSONField("nơi nhận khác", default=list, blank=True)
    due_date = models.DateField("hạn trả lời", null=True, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    reply_to = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="replies",
                                 verbose_name="trả lời văn bản đến")
    status = models.CharField(max_length=12, choices=DraftStatus.choices, default=DraftStatus.DRAFTING)
    # Who holds it now: the unit head asked for initials, the leader asked to approve.
    reviewer = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="người ký nháy")
    approver = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="người ký duyệt")
    approved_at = models.DateTimeField(null=True, blank=True)
    format_checked_by = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name="người kiểm tra thể thức")
    format_checked_at = models.DateTimeField(null=True, blank=True)
    # The outgoing document it became. One-to-one: a draft can be numbered once, whatever happens.
    document = models.OneToOneField(Document, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="draft", verbose_name="văn bản đi")
    issued_at = models.DateTimeField(null=True, blank=True)
    version_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The create form's one-time token (scoped to the user): a double-clicked submit creates one draft.
    request_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "dự thảo"
        verbose_name_plural = "dự thảo"
        indexes = [
            models.Index(fields=["agency", "status", "-id"], name="draft_agency_status_idx"),
            models.Index(fields=["author", "-id"], name="draft_author_idx"),
            models.Index(fields=["reviewer", "status"], name="draft_reviewer_idx"),
            models.Index(fields=["approver", "status"], name="draft_approver_idx"),
        ]

    def __str__(self) -> str:
        return f"Dự thảo {self.doc_type.name}: {self.subject[:60]}"

    @property
    def is_secret(self) -> bool:
        return self.secrecy != Secrecy.NORMAL

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class DraftVersion(models.Model):
    """One uploaded file of a draft with the metadata as it stood then. Versions are never changed or removed."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict)
    author = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("ghi chú", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="draft_version_number")]

    def __str__(self) -> str:
        return f"Phiên bản {self.number}"


class DraftEvent(models.Model):
    """One step of a draft's way, with the comment said at that step: the timeline on its page."""

    class Action(models.TextChoices):
        CREATE = "create", "Tạo dự thảo"
        REVISE = "revise", "Cập nhật dự thảo"
        SUBMIT = "submit", "Trình ký nháy"
        FORWARD = "forward", "Ký nháy, trình ký duyệt"
        REVIEW_RETURN = "review_return", "Trả lại khi ký nháy"
        APPROVE = "approve", "Ký duyệt"
        APPROVE_RETURN = "approve_return", "Trả lại khi ký duyệt"
        FORMAT_OK = "format_ok", "Kiểm tra thể thức: đạt"
        FORMAT_RETURN = "format_return", "Trả lại do sai thể thức"
        ISSUE = "issue", "Cấp số, ban hành"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    # The person it was sent to at this step (reviewer, approver), if any.
    target = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    version_number = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["actor", "draft"], name="draft_event_actor_idx")]
