"""The weekly schedule (lịch công tác): the leaders' meetings and working visits of one agency.

An entry is a draft until someone who keeps the schedule publishes it; only then does the rest of the
agency see it. A cancelled entry keeps its row (and `published_at`), so a week that was announced still
shows what was called off and why.
"""

from django.conf import settings
from django.db import models

from congvu.documents.models import Document
from congvu.org.models import Agency, Department, Official


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Dự kiến"
    PUBLISHED = "published", "Đã công bố"
    CANCELLED = "cancelled", "Đã hủy"


class ScheduleEntry(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="schedule_entries")
    start = models.DateTimeField("bắt đầu")
    end = models.DateTimeField("kết thúc", null=True, blank=True)
    title = models.CharField("nội dung", max_length=500)
    content = models.TextField("chi tiết", blank=True)
    place = models.CharField("địa điểm", max_length=300, blank=True)
    # The leader who chairs (an official of the agency), or a name typed when the chair is from elsewhere.
    chair = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="chủ trì")
    chair_text = models.CharField("chủ trì (ghi rõ)", max_length=200, blank=True)
    attendee_officials = models.ManyToManyField(Official, blank=True, related_name="+",
                                                verbose_name="thành phần (cán bộ)")
    attendee_departments = models.ManyToManyField(Department, blank=True, related_name="+",
                                                  verbose_name="thành phần (đơn vị)")
    attendees_text = models.TextField("thành phần khác", blank=True)
    preparing_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+", verbose_name="đơn vị chuẩn bị")
    preparing_text = models.CharField("chuẩn bị (ghi rõ)", max_length=200, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="schedule_entries",
                                       verbose_name="văn bản liên quan")
    # The invitation (Giấy mời) the entry was made from, if any.
    source_document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="giấy mời")
    status = models.CharField("trạng thái", max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField("lý do hủy", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lịch công tác"
        verbose_name_plural = "lịch công tác"
        indexes = [models.Index(fields=["agency", "start"], name="schedule_agency_start_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                                   name="schedule_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y %H:%M} {self.title[:60]}"

    @property
    def chair_name(self) -> str:
        return self.chair.full_name if self.chair_id else self.chair_text

    @property
    def preparing_name(self) -> str:
        names = [self.preparing_department.name] if self.preparing_department_id else []
        if self.preparing_text:
            names.append(self.preparing_text)
        return "; ".join(names)

    @property
    def is_cancelled(self) -> bool:
        return self.status == EntryStatus.CANCELLED
