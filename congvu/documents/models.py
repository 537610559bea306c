"""Registers, documents (incoming and outgoing in one table), recipients and attachments.

One `Document` table holds both directions, so that lists, search and the visibility selector are
one query; `IncomingDocument` and `OutgoingDocument` are proxies with the glossary's names.
"""

from django.conf import settings
from django.db import models

from congvu.org.models import Agency, Department, Official


class Direction(models.TextChoices):
    INCOMING = "in", "Văn bản đến"
    OUTGOING = "out", "Văn bản đi"


class Urgency(models.TextChoices):
    # Decree 30/2020 Art. 22 and Annex I: red stamps for the three urgent levels.
    NORMAL = "normal", "Thường"
    URGENT = "urgent", "Khẩn"
    VERY_URGENT = "very_urgent", "Thượng khẩn"
    FLASH = "flash", "Hỏa tốc"


URGENT_LEVELS = (Urgency.URGENT, Urgency.VERY_URGENT, Urgency.FLASH)
URGENCY_RANK = {Urgency.FLASH: 3, Urgency.VERY_URGENT: 2, Urgency.URGENT: 1, Urgency.NORMAL: 0}


class Secrecy(models.TextChoices):
    # Law 29/2018/QH14 on protecting state secrets.
    NORMAL = "normal", "Thường"
    CONFIDENTIAL = "confidential", "Mật"
    SECRET = "secret", "Tối mật"
    TOP_SECRET = "top_secret", "Tuyệt mật"


class Channel(models.TextChoices):
    PAPER = "paper", "Giấy"
    ELECTRONIC = "electronic", "Điện tử"
    EMAIL = "email", "Thư điện tử"
    FAX = "fax", "Fax"


class DocumentStatus(models.TextChoices):
    REGISTERED = "registered", "Đã vào sổ"
    ISSUED = "issued", "Đã ban hành"
    DISPATCHED = "dispatched", "Đã phát hành"


class DocumentType(models.Model):
    """A document type with its abbreviation, as a dated rule (Decree 30/2020 Annex III)."""

    code = models.CharField(max_length=30)
    name = models.CharField("tên loại", max_length=100)
    abbreviation = models.CharField("viết tắt", max_length=10, blank=True)  # Công văn has none
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    legal_basis = models.CharField(max_length=120)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = "loại văn bản"
        verbose_name_plural = "loại văn bản"
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="doctype_code_version")]

    def __str__(self) -> str:
        return self.name


class Register(models.Model):
    """A numbered book of one agency, year and direction (Decree 30/2020 Annex IV).

    `next_number` is the counter: it is read and advanced under a row lock inside the registering
    transaction, so a rolled-back registration gives its number back.
    """

    class Scope(models.TextChoices):
        GENERAL = "general", "Chung"
        PER_TYPE = "per_type", "Theo loại văn bản"
        SECRET = "secret", "Văn bản mật"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="registers")
    year = models.PositiveSmallIntegerField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.GENERAL)
    doc_type_code = models.CharField(max_length=30, blank=True)  # for per-type registers
    name = models.CharField("tên sổ", max_length=200)
    next_number = models.PositiveIntegerField(default=1)
    closed = models.BooleanField(default=False)

    class Meta:
        verbose_name = "sổ văn bản"
        verbose_name_plural = "sổ văn bản"
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "direction", "scope", "doc_type_code"],
                                    name="register_unique_scope"),
        ]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="documents")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="documents")
    # Arrival number (số đến) for incoming, the document's own number for outgoing.
    register_number = models.PositiveIntegerField()
    registered_at = models.DateTimeField()
    # As printed: for incoming the sender's number ("2739"), for outgoing the padded own number ("05").
    number = models.CharField("số", max_length=11, blank=True)
    notation = models.CharField("ký hiệu", max_length=30, blank=True)
    doc_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    issuer = models.CharField("cơ quan ban hành", max_length=200)
    issuer_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    issued_date = models.DateField("ngày ban hành", null=True, blank=True)
    subject = models.TextField("trích yếu")
    signer = models.CharField("người ký", max_length=100, blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=200, blank=True)
    urgency = models.CharField("độ khẩn", max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.CharField("độ mật", max_length=12, choices=Secrecy.choices, default=Secrecy.NORMAL)
    pages = models.PositiveIntegerField("số trang", null=True, blank=True)
    due_date = models.DateField("hạn xử lý", null=True, blank=True)
    channel = models.CharField("hình thức nhận", max_length=12, choices=Channel.choices, default=Channel.PAPER)
    receiving_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+", verbose_name="đơn vị nhận")
    receiving_official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name="người nhận")
    # Outgoing: drafting unit (for Công văn notations), dispatch and copies.
    drafting_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="+", verbose_name="đơn vị soạn thảo")
    dispatched_on = models.DateField("ngày chuyển", null=True, blank=True)
    copies = models.PositiveIntegerField("số lượng bản", null=True, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    status = models.CharField(max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.REGISTERED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A form's one-time token: a double-clicked submit finds the first registration instead of numbering twice.
    request_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Folded issuer, used for the duplicate check and issuer filters.
    issuer_folded = models.CharField(max_length=200, db_index=True)

    class Meta:
        verbose_name = "văn bản"
        verbose_name_plural = "văn bản"
        constraints = [
            models.UniqueConstraint(fields=["register", "register_number"], name="document_register_number"),
        ]
        indexes = [
            models.Index(fields=["agency", "direction", "-id"], name="doc_list_idx"),
            models.Index(fields=["issuer_folded", "number", "issued_date"], name="doc_duplicate_idx"),
            models.Index(fields=["agency", "urgency"], name="doc_urgency_idx"),
            models.Index(fields=["agency", "direction", "registered_at"], name="doc_arrival_idx"),
            models.Index(fields=["agency", "direction", "due_date"], name="doc_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number_notation} {self.subject[:60]}"

    @property
    def number_notation(self) -> str:
        if self.number and self.notation:
            return f"{self.number}/{self.notation}"
        return self.number or self.notation

    @property
    def is_urgent(self) -> bool:
        return self.urgency in URGENT_LEVELS

    @property
    def is_secret(self) -> bool:
        return self.secrecy != Secrecy.NORMAL


class IncomingManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(direction=Direction.INCOMING)


class OutgoingManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(direction=Direction.OUTGOING)


class IncomingDocument(Document):
    objects = IncomingManager()

    class Meta:
        proxy = True
        verbose_name = "văn bản đến"


class OutgoingDocument(Document):
    objects = OutgoingManager()

    class Meta:
        proxy = True
        verbose_name = "văn bản đi"


class DocumentAccess(models.Model):
    """The people named on a secret document: only they may see it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="access_list")
    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "official"], name="document_access_unique")]


class Recipient(models.Model):
    """Nơi nhận of an outgoing document: an agency of this deployment or an external address as text."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="recipients")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]


class StoredFile(models.Model):
    """One file content, stored once under its SHA-256; the original is never modified."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=120)
    path = models.CharField(max_length=200)
    text = models.TextField(blank=True)  # extracted text layer, for search
    created_at = models.DateTimeField(auto_now_add=True)


class Attachment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="attachments")
    original_name = models.CharField(max_length=255)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]


class SearchEntry(models.Model):
    """The folded text of one document, as the search engines index it (see documents/search.py).

    On SQLite an FTS5 index follows this table through triggers; on PostgreSQL a generated tsvector
    column with a GIN index sits on it. Both are created by migration 0003 for their database only.
    """

    document = models.OneToOneField(Document, on_delete=models.CASCADE, primary_key=True,
                                    related_name="search_entry")
    body = models.TextField()
