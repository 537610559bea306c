"""Delivery of issued documents: the receiving agency's queue of documents received electronically
(`InboxItem`, waiting for its clerk to register them) and the sender's list of external recipients
(`OutboxItem`, waiting for electronic exchange or sent by post).

An InboxItem carries its own copy of the sender's metadata and links to the same stored files, so a
queue row does not depend on where it came from: today another agency of this deployment, later an
edXML package from another system (QCVN 102:2016).
"""

from django.conf import settings
from django.db import models

from congvu.documents.models import Document, Recipient, StoredFile, Urgency
from congvu.org.models import Agency


class InboxStatus(models.TextChoices):
    WAITING = "waiting", "Chờ vào sổ"
    REGISTERED = "registered", "Đã vào sổ"
    RETURNED = "returned", "Đã trả lại"


class InboxItem(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="inbox_items",
                               verbose_name="cơ quan nhận")
    # Where it came from: an outgoing document of this deployment and its recipient row (null for packages
    # received from another system).
    source_document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="deliveries")
    source_recipient = models.OneToOneField(Recipient, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="inbox_item")
    sender_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # edXML DocumentId: "<OrganId>,<yyyy/MM/dd>,<number>/<notation>" (QCVN 102, MessageHeader 1.14).
    exchange_document_id = models.CharField(max_length=120, blank=True)
    # The sender's metadata as delivered (QCVN 102 MessageHeader): what the clerk's registration starts from.
    sender_name = models.CharField("cơ quan gửi", max_length=200)
    number = models.CharField("số", max_length=11, blank=True)
    notation = models.CharField("ký hiệu", max_length=30, blank=True)
    issued_date = models.DateField("ngày ban hành", null=True, blank=True)
    doc_type_code = models.CharField(max_length=30)
    doc_type_name = models.CharField("loại văn bản", max_length=100)
    subject = models.TextField("trích yếu")
    signer = models.CharField("người ký", max_length=100, blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=200, blank=True)
    urgency = models.CharField("độ khẩn", max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    due_date = models.DateField("hạn trả lời", null=True, blank=True)
    pages = models.PositiveIntegerField("số trang", null=True, blank=True)
    delivered_at = models.DateTimeField("thời gian nhận")
    status = models.CharField(max_length=12, choices=InboxStatus.choices, default=InboxStatus.WAITING)
    incoming_document = models.OneToOneField(Document, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="inbox_item", verbose_name="văn bản đến")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField("lý do trả lại", blank=True)

    class Meta:
        verbose_name = "văn bản điện tử đến"
        verbose_name_plural = "văn bản điện tử đến"
        indexes = [models.Index(fields=["agency", "status", "-id"], name="inbox_queue_idx")]

    def __str__(self) -> str:
        return f"{self.number_notation} — {self.sender_name}"

    @property
    def number_notation(self) -> str:
        if self.number and self.notation:
            return f"{self.number}/{self.notation}"
        return self.number or self.notation

    @property
    def is_urgent(self) -> bool:
        return self.urgency != Urgency.NORMAL


class InboxFile(models.Model):
    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="files")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]


class OutboxStatus(models.TextChoices):
    WAITING = "waiting", "Chờ gửi liên thông"
    POSTED = "posted", "Đã gửi qua bưu điện"


class OutboxItem(models.Model):
    """An external recipient of an issued document: sent later through electronic exchange, or by post."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="outbox_items",
                               verbose_name="cơ quan gửi")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="outbox_items")
    recipient = models.OneToOneField(Recipient, on_delete=models.PROTECT, related_name="outbox_item")
    recipient_name = models.CharField("nơi nhận", max_length=300)
    status = models.CharField(max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = "văn bản chờ gửi"
        verbose_name_plural = "văn bản chờ gửi"
        indexes = [models.Index(fields=["agency", "status", "-id"], name="outbox_queue_idx")]
