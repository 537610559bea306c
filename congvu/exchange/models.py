"""Delivery of issued documents: the receiving agency's queue of documents received electronically
(`InboxItem`, waiting for its clerk to register them) and the sender's list of external recipients
(`OutboxItem`, waiting for electronic exchange or sent by post).

An InboxItem carries its own copy of the sender's metadata and links to the same stored files, so a
queue row does not depend on where it came from: today another agency of this deployment, later an
edXML package from another system (QCVN 102:2016).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from congvu.documents.models import Document, Recipient, StoredFile, Urgency
from congvu.org.models import Agency


class InboxStatus(models.TextChoices):
    WAITING = "waiting", "Chờ vào sổ"
    REGISTERED = "registered", "Đã vào sổ"
    RETURNED = "returned", "Đã trả lại"
    WITHDRAWN = "withdrawn", "Đã thu hồi"
    REPLACED = "replaced", "Đã được thay thế"


class RecallState(models.TextChoices):
    REQUESTED = "requested", "Nơi gửi đề nghị thu hồi"
    ACCEPTED = "accepted", "Đã đồng ý thu hồi"
    REFUSED = "refused", "Đã từ chối thu hồi"


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
    # Recall (QCVN 102 business 1, statuses 13/15/16; docs/decisions/0016): the sender's last request and
    # the receiving clerk's decision. `recalled_at`: the recall was accepted (a registered document is kept).
    recall_state = models.CharField("thu hồi", max_length=10, choices=RecallState.choices, blank=True)
    recall_reason = models.TextField("lý do thu hồi", blank=True)
    recalled_at = models.DateTimeField("thời gian thu hồi", null=True, blank=True)
    # Update and replace by the sender (QCVN 102 business 2 and 3; docs/decisions/0018). `replaces`: the earlier
    # delivery this one (a new document) replaces; the earlier versions of an updated one are `versions`.
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
                                 verbose_name="thay thế văn bản")
    replace_reason = models.TextField("lý do thay thế", blank=True)
    sender_updated_at = models.DateTimeField("nơi gửi cập nhật lúc", null=True, blank=True)
    sender_update_reason = models.TextField("lý do cập nhật", blank=True)

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


class StatusCode(models.TextChoices):
    """The processing statuses of QCVN 102:2016 status packages, recorded per delivery (InboxItem)."""

    ARRIVED = "01", "Đã đến"
    REJECTED = "02", "Từ chối"
    REGISTERED = "03", "Đã tiếp nhận (vào sổ văn bản đến)"
    ASSIGNED = "04", "Đã phân công"
    PROCESSING = "05", "Đang xử lý"
    COMPLETED = "06", "Hoàn thành"
    RECALL_REQUESTED = "13", "Đề nghị lấy lại văn bản"
    RECALL_ACCEPTED = "15", "Đồng ý lấy lại"
    RECALL_REFUSED = "16", "Từ chối lấy lại"


# Codes that may be recorded more than once for one delivery: 05 (each assignee's first report) and a new
# recall request after a refusal (13, 16). The others are recorded once (a partial unique constraint).
REPEATABLE_CODES = ("05", "13", "16")


class ExchangeStatus(models.Model):
    """One status of a delivery as the receiving agency reports it to the sender (or, for 13, as the sender
    asks), in order: the sender's timeline per recipient."""

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="statuses")
    code = models.CharField("mã trạng thái", max_length=2, choices=StatusCode.choices)
    description = models.TextField("nội dung", blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan báo")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField("người thực hiện", max_length=200, blank=True)
    created_at = models.DateTimeField("thời gian")

    class Meta:
        verbose_name = "trạng thái liên thông"
        verbose_name_plural = "trạng thái liên thông"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], condition=~models.Q(code__in=REPEATABLE_CODES),
                                    name="exchange_status_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_code_display()}"


class OutboxStatus(models.TextChoices):
    WAITING = "waiting", "Chờ gửi liên thông"
    POSTED = "posted", "Đã gửi qua bưu điện"
    SENT = "sent", "Đã gửi liên thông"


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
    # Recall of a document sent to another system (business 1 package; 15/16 come back as status packages) and
    # the earlier external recipient this one replaces (its package carries business 3; docs/decisions/0018).
    recall_state = models.CharField("thu hồi", max_length=10, choices=RecallState.choices, blank=True)
    recall_reason = models.TextField("lý do thu hồi", blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    replace_reason = models.TextField("lý do thay thế", blank=True)

    class Meta:
        verbose_name = "văn bản chờ gửi"
        verbose_name_plural = "văn bản chờ gửi"
        indexes = [models.Index(fields=["agency", "status", "-id"], name="outbox_queue_idx")]


class VersionKind(models.TextChoices):
    UPDATE = "update", "Cập nhật"
    REPLACE = "replace", "Thay thế"


class DeliveryVersion(models.Model):
    """An earlier version of a document, kept when its sender updated it (QCVN 102 business 2): the metadata and
    the files as they were before. On the receiving side `item` is the delivery (and `document` the incoming
    document it was registered as, if any); on the sending side `item` is null and `document` is the outgoing
    document. Files are StoredFiles, never modified nor deleted, so the earlier files stay readable."""

    item = models.ForeignKey(InboxItem, null=True, blank=True, on_delete=models.CASCADE, related_name="versions")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="exchange_versions")
    kind = models.CharField(max_length=10, choices=VersionKind.choices, default=VersionKind.UPDATE)
    reason = models.TextField("lý do")
    values = models.JSONField(default=dict)  # the earlier metadata: subject, signer, signer_title, pages…
    files = models.JSONField(default=list)  # the earlier files: [{"file_id", "name"}]
    # What the update brought (hash of its metadata, reason and file hashes): the same update twice is kept once.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField("thời gian")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "fingerprint"], condition=models.Q(item__isnull=False),
                                    name="delivery_version_once"),
        ]


class BusinessSend(models.Model):
    """A recall (business 1) or update (business 2) package to an external recipient that was sent the document,
    drained by the connector like a `Transmission` (lease, backoff)."""

    outbox_item = models.ForeignKey(OutboxItem, on_delete=models.PROTECT, related_name="business_sends")
    business = models.PositiveSmallIntegerField()  # 1 recall, 2 update
    reason = models.TextField()
    state = models.CharField(max_length=10, default="pending")  # TransmissionState values
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="business_send_due_idx")]


# --- Agency directory (QCVN 102 §3.6 identifiers, QĐ 20/2020 and QĐ 09/2025; docs/decisions/0015) ---

# QCVN 102:2016 `V1V2V3.Z1Z2.Y1Y2.MX1X2`: 13 characters, level 1 last (000.00.00.H49).
QCVN102_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$")
# QĐ 20/2020/QĐ-TTg: level 1 first (M = A–Y, then two characters), then groups of 0–9/A–Z separated by
# dots, at most 35 characters in all (H55.242).
QD20_RE = re.compile(r"^[A-Y][0-9A-Z]{2}(\.[0-9A-Z]+)*$")
QD20_MAX_LENGTH = 35


def identifier_format(value: str) -> str | None:
    """"qcvn102", "qd20" or None for a string that is neither form of an agency identifier."""
    if QCVN102_RE.match(value or ""):
        return "qcvn102"
    if value and len(value) <= QD20_MAX_LENGTH and QD20_RE.match(value):
        return "qd20"
    return None


def validate_directory_identifier(value: str) -> None:
    if identifier_format(value) is None:
        raise ValidationError(
            "Mã định danh “%(value)s” không đúng cấu trúc QCVN 102 (ví dụ 000.00.00.H49) "
            "hay QĐ 20/2020 (ví dụ H55.242, tối đa 35 ký tự).",
            params={"value": value},
        )


class DirectoryEntry(models.Model):
    """One agency of the exchange directory (danh bạ mã định danh), ours or any other, with the interval
    in which its code is in use."""

    identifier = models.CharField("mã định danh", max_length=QD20_MAX_LENGTH, unique=True,
                                  validators=[validate_directory_identifier])
    name = models.CharField("tên cơ quan", max_length=300)
    # fold_for_index(name): what the accent-insensitive search matches (REGULATIONS §7).
    name_folded = models.CharField(max_length=300, editable=False, db_index=True)
    parent_identifier = models.CharField("mã cơ quan cấp trên", max_length=QD20_MAX_LENGTH, blank=True,
                                         validators=[validate_directory_identifier])
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    basis = models.CharField("căn cứ", max_length=300, blank=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="directory_entries", verbose_name="cơ quan trên hệ thống này")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mã định danh cơ quan"
        verbose_name_plural = "danh bạ mã định danh"
        ordering = ["identifier"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True) | models.Q(valid_from__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from")),
                                   name="directory_entry_interval"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} — {self.name}"

    def valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class DirectoryAlias(models.Model):
    """An old code that now means another entry: the closed code of a merged province (QĐ 09/2025)."""

    old_identifier = models.CharField("mã cũ", max_length=QD20_MAX_LENGTH, unique=True,
                                      validators=[validate_directory_identifier])
    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="aliases",
                              verbose_name="mã hiện hành")
    valid_from = models.DateField("áp dụng từ", null=True, blank=True)
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    basis = models.CharField("căn cứ", max_length=300, blank=True)

    class Meta:
        verbose_name = "mã định danh cũ"
        verbose_name_plural = "mã định danh cũ"
        ordering = ["old_identifier"]

    def __str__(self) -> str:
        return f"{self.old_identifier} → {self.entry.identifier}"

    def valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


# --- Connector between deployments (docs/decisions/0017) ---

class PeerTransport(models.TextChoices):
    HTTP = "http", "HTTP(S) giữa hai hệ thống"
    FOLDER = "folder", "Thư mục trao đổi thủ công"
    # Hub style (docs/decisions/0019): we never call it; what we send it waits in its mailbox (`PullPackage`)
    # until it fetches it with a signed GET and acknowledges it.
    PULL = "pull", "Hệ thống kia tự lấy gói về (kéo)"


class Peer(models.Model):
    """Another system that serves some agency identifiers: reached over HTTP (signed requests) or through a
    drop folder. `key_id` + `secret` are shared by both sides; the sender signs with the raw secret, so it is
    stored as is (rotate: set a new secret on both sides, see ADR 0017)."""

    name = models.CharField("tên hệ thống", max_length=100, unique=True)
    transport = models.CharField(max_length=10, choices=PeerTransport.choices, default=PeerTransport.HTTP)
    base_url = models.CharField("địa chỉ", max_length=300, blank=True)
    folder = models.CharField("thư mục trao đổi", max_length=300, blank=True)
    organ_ids = models.JSONField("mã định danh phục vụ", default=list)
    key_id = models.CharField(max_length=100, unique=True)
    secret = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    # We fetch packages waiting for us at its `base_url` (it keeps a mailbox for us, hub style; ADR 0019).
    fetch = models.BooleanField("lấy gói từ hệ thống này", default=False)

    class Meta:
        verbose_name = "hệ thống liên thông"
        verbose_name_plural = "hệ thống liên thông"

    def __str__(self) -> str:
        return self.name


class TransmissionState(models.TextChoices):
    PENDING = "pending", "Chờ gửi"
    SENT = "sent", "Đã gửi"
    FAILED = "failed", "Gửi lỗi (đã thử hết)"


class Transmission(models.Model):
    """Sending one outbox item (one external recipient) through its peer's transport: claimed with a lease,
    retried with backoff, marked sent once the transport has accepted the package."""

    outbox_item = models.OneToOneField(OutboxItem, on_delete=models.PROTECT, related_name="transmission")
    organ_id = models.CharField(max_length=QD20_MAX_LENGTH)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="transmissions")
    document_id = models.CharField(max_length=120)
    state = models.CharField(max_length=10, choices=TransmissionState.choices, default=TransmissionState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.CharField(max_length=2, blank=True)
    last_status_description = models.TextField(blank=True)
    last_status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="transmission_due_idx")]


class ReceivedPackage(models.Model):
    """An edXML package received from another system, kept as it came (the raw bytes as a StoredFile) with the
    parser's warnings. Document packages are stored once per (sender OrganId, DocumentId)."""

    kind = models.CharField(max_length=10)  # "document" | "status"
    sender_organ_id = models.CharField(max_length=QD20_MAX_LENGTH)
    document_id = models.CharField(max_length=120)
    raw = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    warnings = models.JSONField(default=list)
    via = models.CharField(max_length=100)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender_organ_id", "document_id"], condition=models.Q(kind="document"),
                                    name="received_document_once"),
        ]


class Nonce(models.Model):
    """A request nonce seen from a peer (replay protection: refused when seen again)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "value"], name="peer_nonce_once")]


class StatusSend(models.Model):
    """A status of a delivery received from another system, to be sent back to its sender (a status package),
    drained by the connector like a `Transmission`."""

    status = models.OneToOneField(ExchangeStatus, on_delete=models.CASCADE, related_name="send")
    organ_id = models.CharField(max_length=QD20_MAX_LENGTH)  # the document's sender
    document_id = models.CharField(max_length=120)
    state = models.CharField(max_length=10, choices=TransmissionState.choices, default=TransmissionState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="status_send_due_idx")]


class PullPackage(models.Model):
    """A package for a peer that fetches its packages from us (`PeerTransport.PULL`, ADR 0019): its mailbox.
    Handing a package to such a peer's transport puts it here (once per peer and name: a resend after a crash finds
    it); the peer lists what is waiting, takes it and acknowledges it, received (`fetched_at`) or refused (`error`)."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="pull_packages")
    name = models.CharField(max_length=100)  # the connector's name of the package (document, status, business)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    queued_at = models.DateTimeField()
    listed = models.PositiveIntegerField(default=0)  # how many times the peer was offered it
    fetched_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)  # the peer's reason for refusing it (final)

    class Meta:
        verbose_name = "gói chờ hệ thống kia lấy về"
        verbose_name_plural = "gói chờ hệ thống kia lấy về"
        constraints = [models.UniqueConstraint(fields=["peer", "name"], name="pull_package_once")]
        indexes = [models.Index(fields=["peer", "fetched_at", "id"], name="pull_package_waiting_idx")]
