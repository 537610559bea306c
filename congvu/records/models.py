"""Case files and retention: the retention schedule (dated data), the yearly file plan (danh mục hồ sơ),
case files (hồ sơ công việc) with their documents, and transfers to the agency archive (nộp lưu).

Decree 30/2020/NĐ-CP Art. 28–31 and Annex V; retention periods come from a schedule (TT 10/2022/TT-BNV)
stored as versioned data, and every plan entry and case file keeps the version it was made under.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from congvu.documents.models import Document
from congvu.org.models import Agency, Department, Official
from congvu.records.rules import DEPOSIT_MIN_YEARS


def retention_label(years: int | None, permanent: bool) -> str:
    """“Vĩnh viễn” or “N năm”, as the file plan prints the retention column (Decree 30 Annex V)."""
    if permanent:
        return "Vĩnh viễn"
    return f"{years} năm" if years else ""


class RetentionSchedule(models.Model):
    """One version of the retention schedule (bảng thời hạn bảo quản), in force between two dates."""

    code = models.CharField("mã", max_length=40, unique=True)
    name = models.CharField("tên", max_length=300)
    legal_basis = models.CharField("căn cứ", max_length=120)  # "TT 10/2022/TT-BNV"
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    notes = models.TextField("ghi chú", blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = "bảng thời hạn bảo quản"
        verbose_name_plural = "bảng thời hạn bảo quản"

    def __str__(self) -> str:
        return f"{self.name} ({self.legal_basis})"


class RetentionItem(models.Model):
    """One line of a schedule: a kind of file and how long it is kept (N years or permanently)."""

    schedule = models.ForeignKey(RetentionSchedule, on_delete=models.PROTECT, related_name="items")
    code = models.CharField("số thứ tự", max_length=20)
    title = models.CharField("tên nhóm hồ sơ, tài liệu", max_length=500)
    years = models.PositiveSmallIntegerField("số năm", null=True, blank=True)
    permanent = models.BooleanField("vĩnh viễn", default=False)
    # Where the period comes from and how sure we are (REGULATIONS trust labels).
    source = models.CharField("nguồn", max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["schedule", "position", "pk"]
        verbose_name = "mục thời hạn bảo quản"
        verbose_name_plural = "mục thời hạn bảo quản"
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="retention_item_code_unique"),
            models.CheckConstraint(condition=Q(permanent=True, years__isnull=True) | Q(permanent=False, years__gt=0),
                                   name="retention_item_years_or_permanent"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title} — {self.retention}"

    @property
    def retention(self) -> str:
        return retention_label(self.years, self.permanent)


class Numbering(models.TextChoices):
    # Decree 30 Annex V: file numbers run on through the plan, or restart under each heading.
    CONTINUOUS = "continuous", "Liên tục trong cả danh mục"
    PER_HEADING = "per_heading", "Đánh lại từ 01 theo từng đề mục"


class FilePlan(models.Model):
    """The agency's file plan for one year (danh mục hồ sơ, Decree 30 Art. 28, Annex V).

    A draft is renumbered as entries come and go; once issued its codes are frozen and entries added
    later (bổ sung) take the next number.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        ISSUED = "issued", "Đã ban hành"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="file_plans")
    year = models.PositiveSmallIntegerField("năm")
    numbering = models.CharField("cách đánh số hồ sơ", max_length=12, choices=Numbering.choices,
                                 default=Numbering.CONTINUOUS)
    status = models.CharField("trạng thái", max_length=8, choices=Status.choices, default=Status.DRAFT)
    schedule = models.ForeignKey(RetentionSchedule, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="bảng thời hạn bảo quản")
    decision_ref = models.CharField("quyết định ban hành", max_length=120, blank=True)
    issued_at = models.DateTimeField("ngày ban hành", null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agency", "-year"]
        verbose_name = "danh mục hồ sơ"
        verbose_name_plural = "danh mục hồ sơ"
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="file_plan_agency_year")]

    def __str__(self) -> str:
        return f"Danh mục hồ sơ năm {self.year} — {self.agency}"

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED


class FilePlanHeading(models.Model):
    """A heading of the plan (đề mục), e.g. “TCCB” Tổ chức cán bộ; its code ends every file number under it."""

    plan = models.ForeignKey(FilePlan, on_delete=models.CASCADE, related_name="headings")
    code = models.CharField("chữ viết tắt", max_length=20)
    title = models.CharField("tên đề mục", max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = "đề mục"
        verbose_name_plural = "đề mục"
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="file_plan_heading_code")]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class FilePlanEntry(models.Model):
    """One file foreseen by the plan: number (ordinal + heading code, “01.TCCB”), title, retention, creator."""

    plan = models.ForeignKey(FilePlan, on_delete=models.CASCADE, related_name="entries")
    heading = models.ForeignKey(FilePlanHeading, on_delete=models.PROTECT, related_name="entries")
    ordinal = models.PositiveIntegerField("số thứ tự")
    code = models.CharField("số và ký hiệu hồ sơ", max_length=30)
    title = models.CharField("tiêu đề hồ sơ", max_length=500)
    responsible_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="+", verbose_name="đơn vị lập hồ sơ")
    responsible_official = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+", verbose_name="người lập hồ sơ")
    retention_item = models.ForeignKey(RetentionItem, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="mục thời hạn bảo quản")
    retention_years = models.PositiveSmallIntegerField("thời hạn (năm)", null=True, blank=True)
    retention_permanent = models.BooleanField("vĩnh viễn", default=False)
    # The schedule in force when the entry was made: its retention was decided under that version.
    retention_schedule = models.ForeignKey(RetentionSchedule, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    notes = models.CharField("ghi chú", max_length=500, blank=True)
    # Added after the plan was issued (bổ sung), by the plan's editors or by an officer opening a file.
    supplementary = models.BooleanField("bổ sung", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "heading__position", "heading_id", "ordinal"]
        verbose_name = "hồ sơ trong danh mục"
        verbose_name_plural = "hồ sơ trong danh mục"
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="file_plan_entry_code"),
            models.CheckConstraint(
                condition=Q(retention_permanent=True, retention_years__isnull=True)
                | Q(retention_permanent=False, retention_years__gt=0),
                name="file_plan_entry_retention"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def retention(self) -> str:
        return retention_label(self.retention_years, self.retention_permanent)


class CaseFile(models.Model):
    """A case file (hồ sơ công việc): the documents of one matter, opened from a plan entry (Art. 29).

    Its number, title and retention are copied from the entry when it is opened, so a later change to
    the plan does not rewrite the file. Closed: its time span and document index are fixed. Transferred
    to the archive: read-only.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Đang lập"
        CLOSED = "closed", "Đã kết thúc"
        TRANSFERRED = "transferred", "Đã nộp lưu"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="case_files")
    plan_entry = models.OneToOneField(FilePlanEntry, on_delete=models.PROTECT, related_name="case_file")
    year = models.PositiveSmallIntegerField("năm")
    code = models.CharField("số và ký hiệu hồ sơ", max_length=30)
    title = models.CharField("tiêu đề hồ sơ", max_length=500)
    retention_years = models.PositiveSmallIntegerField("thời hạn (năm)", null=True, blank=True)
    retention_permanent = models.BooleanField("vĩnh viễn", default=False)
    retention_schedule = models.ForeignKey(RetentionSchedule, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    responsible = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="case_files",
                                    verbose_name="người lập hồ sơ")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="đơn vị lập hồ sơ")
    status = models.CharField("trạng thái", max_length=12, choices=Status.choices, default=Status.OPEN)
    # Decree 30 Art. 30: capital-construction files are deposited within 3 months of settlement.
    capital_construction = models.BooleanField("hồ sơ xây dựng cơ bản", default=False)
    settled_on = models.DateField("ngày quyết toán", null=True, blank=True)
    # Art. 30: the head may let a unit keep a closed file longer, up to 2 years past its due date.
    transfer_extended_to = models.DateField("gia hạn nộp lưu đến", null=True, blank=True)
    sheets = models.PositiveIntegerField("số tờ", null=True, blank=True)
    notes = models.CharField("ghi chú", max_length=500, blank=True)
    opened_at = models.DateTimeField("ngày mở")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("ngày kết thúc", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    # Time span (thời gian bắt đầu, kết thúc) and totals, fixed when the file is closed.
    start_date = models.DateField("từ ngày", null=True, blank=True)
    end_date = models.DateField("đến ngày", null=True, blank=True)
    doc_total = models.PositiveIntegerField("số văn bản", default=0)
    page_total = models.PositiveIntegerField("số trang", null=True, blank=True)
    transfer = models.ForeignKey("ArchiveTransfer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="case_files")

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = "hồ sơ công việc"
        verbose_name_plural = "hồ sơ công việc"
        indexes = [
            models.Index(fields=["agency", "status"], name="case_file_agency_status"),
            models.Index(fields=["responsible", "status"], name="case_file_responsible"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_permanent=True, retention_years__isnull=True)
                | Q(retention_permanent=False, retention_years__gt=0),
                name="case_file_retention"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def retention(self) -> str:
        return retention_label(self.retention_years, self.retention_permanent)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def deposit_required(self) -> bool:
        """Kept 5 years or more (or permanently): goes to the agency archive (Art. 31)."""
        return self.retention_permanent or (self.retention_years or 0) >= DEPOSIT_MIN_YEARS


class CaseFileDocument(models.Model):
    """A document kept in a case file; one document may sit in several files without being copied
    (Annex VI). `ordinal` is its number in the file's document index, given when the file is closed."""

    case_file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="items")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="case_file_items")
    ordinal = models.PositiveIntegerField("số thứ tự", null=True, blank=True)
    first_sheet = models.PositiveIntegerField("tờ số", null=True, blank=True)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case_file", "ordinal", "added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case_file", "document"], name="case_file_document_unique")]


class ArchiveTransfer(models.Model):
    """Closed files handed to the agency archive (nộp lưu, Decree 30 Art. 30–31), with the deposit index
    and the hand-over minute (biên bản giao nhận, two originals)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="archive_transfers")
    transferred_on = models.DateField("ngày giao nhận")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="đơn vị giao")
    handed_over_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+",
                                       verbose_name="người giao")
    received_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="người nhận (lưu trữ cơ quan)")
    notes = models.CharField("ghi chú", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-transferred_on", "-pk"]
        verbose_name = "nộp lưu hồ sơ"
        verbose_name_plural = "nộp lưu hồ sơ"

    def __str__(self) -> str:
        return f"Nộp lưu ngày {self.transferred_on:%d/%m/%Y} — {self.agency}"
