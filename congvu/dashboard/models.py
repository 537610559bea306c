"""Daily roll-ups behind the operations dashboard (IOC), and the registry of operations equipment.

The dashboard never reads the raw tables: every figure is a sum over `DailyFigure` rows, which the roll-up
job keeps up to date from the journal and `congvu dashboard rebuild` recomputes from scratch."""

from django.db import models

from congvu.org.models import Agency


class DailyFigure(models.Model):
    """One count for one agency and one day (local date), optionally split by a dimension
    (a department id, a procedure code …). A metric name is a key of congvu.dashboard.metrics."""

    day = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=40)
    dimension = models.CharField(max_length=60, blank=True, default="")
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "agency", "day", "dimension"], name="dailyfigure_key"),
        ]
        # Covering: an indicator reads the totals (metric, dimension "", a day range, agencies) and the value
        # from the first index alone,
        # and the split rows of a day range (dimension > "") by the second one: day before dimension.
        indexes = [models.Index(fields=["metric", "dimension", "day", "agency", "value"],
                                name="dailyfigure_read"),
                   models.Index(fields=["metric", "day", "dimension", "agency", "value"],
                                name="dailyfigure_split")]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id} {self.metric}[{self.dimension}] = {self.value}"


class MonthlyFigure(models.Model):
    """The sum of a flow metric's DailyFigure rows over one calendar month (`month` = its first day), kept with
    them, so that a figure over a long period reads twelve rows a year per agency instead of 365."""

    month = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=40)
    dimension = models.CharField(max_length=60, blank=True, default="")
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "agency", "month", "dimension"], name="monthlyfigure_key"),
        ]
        indexes = [models.Index(fields=["metric", "dimension", "month", "agency", "value"],
                                name="monthlyfigure_read"),
                   models.Index(fields=["metric", "month", "dimension", "agency", "value"],
                                name="monthlyfigure_split")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id} {self.metric}[{self.dimension}] = {self.value}"


class RollupState(models.Model):
    """Where the incremental roll-up stopped (the last journal entry it has read)."""

    key = models.CharField(max_length=40, unique=True)
    last_entry_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class EquipmentKind(models.TextChoices):
    VIDEO_CONFERENCE = "video_conference", "Điểm cầu truyền hình trực tuyến"
    CAMERA = "camera", "Điểm camera an ninh"


class EquipmentStatus(models.TextChoices):
    ONLINE = "online", "Hoạt động"
    OFFLINE = "offline", "Mất kết nối"
    MAINTENANCE = "maintenance", "Đang bảo trì"


class EquipmentPoint(models.Model):
    """An operations equipment point of an agency (a commune's video-conference endpoint, a camera point)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="equipment_points")
    kind = models.CharField("loại thiết bị", max_length=20, choices=EquipmentKind.choices)
    name = models.CharField("tên điểm", max_length=200)
    location = models.CharField("vị trí", max_length=300, blank=True)
    status = models.CharField("trạng thái", max_length=12, choices=EquipmentStatus.choices,
                              default=EquipmentStatus.ONLINE)
    last_checked_at = models.DateTimeField("kiểm tra lần cuối", null=True, blank=True)
    active = models.BooleanField("đang sử dụng", default=True)
    note = models.CharField("ghi chú", max_length=300, blank=True)

    class Meta:
        verbose_name = "điểm thiết bị điều hành"
        verbose_name_plural = "điểm thiết bị điều hành"
        ordering = ["agency", "kind", "name"]
        indexes = [models.Index(fields=["kind", "active", "agency"], name="equipment_kind_agency")]

    def __str__(self) -> str:
        return self.name


class EquipmentCheck(models.Model):
    """One check of an equipment point (its status at that moment and who checked)."""

    point = models.ForeignKey(EquipmentPoint, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField("thời điểm kiểm tra")
    status = models.CharField("trạng thái", max_length=12, choices=EquipmentStatus.choices)
    note = models.CharField("ghi chú", max_length=300, blank=True)
    checked_by = models.ForeignKey("org.Official", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-checked_at"]
