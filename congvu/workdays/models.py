"""The working-day calendar as editable data: days off and swapped workdays, office hours, per province.

Rows are national (`province_code` blank) or belong to one province (`org.Agency.province_code`). For a
province, its own row for a date replaces the national row for that date. `congvu.workdays.services`
turns the rows into a `congvu.workdays.calendar.WorkCalendar`; nothing else reads these tables.
"""

from django.db import models


class DayKind(models.TextChoices):
    # Labour Code 2019 Art. 111–112; the yearly public-sector decisions of the Prime Minister / Ministry.
    HOLIDAY = "holiday", "Ngày lễ, Tết"
    COMPENSATORY = "compensatory", "Nghỉ bù"
    SWAPPED_OFF = "swapped_off", "Nghỉ do hoán đổi ngày làm việc"
    SWAPPED_WORKDAY = "swapped_workday", "Làm việc bù (hoán đổi)"
    EXTRA_OFF = "extra_off", "Nghỉ thêm"


OFF_KINDS = frozenset({DayKind.HOLIDAY, DayKind.COMPENSATORY, DayKind.SWAPPED_OFF, DayKind.EXTRA_OFF})


class CalendarDay(models.Model):
    """One date that differs from the weekly pattern, nationally or in one province.

    Seeded rows come from the `holidays` package; an admin's change marks the row `edited`, and the seed
    never touches an edited row again. Removing a seeded row only deactivates it (`active=False`), so
    the next seed does not bring it back.
    """

    class Source(models.TextChoices):
        SEED = "seed", "Nạp từ thư viện holidays"
        ADMIN = "admin", "Quản trị nhập"

    date = models.DateField("ngày")
    kind = models.CharField("loại", max_length=20, choices=DayKind.choices)
    province_code = models.CharField("mã tỉnh", max_length=10, blank=True, default="")
    name = models.CharField("tên", max_length=200)
    basis = models.CharField("căn cứ", max_length=300, blank=True)
    estimated = models.BooleanField("dự kiến (chưa có quyết định chính thức)", default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ADMIN)
    edited = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ngày đặc biệt trong lịch làm việc"
        verbose_name_plural = "lịch nghỉ lễ, làm bù"
        ordering = ["date", "province_code"]
        constraints = [
            models.UniqueConstraint(fields=["date", "province_code"], name="calendarday_date_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"

    @property
    def is_off(self) -> bool:
        return self.kind in OFF_KINDS


class OfficeHours(models.Model):
    """Office hours from `valid_from` (to `valid_to`, kept by the services as the day before the next
    version of the same scope). `periods` is `[["07:00", "11:30"], ["13:30", "17:00"]]`."""

    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    province_code = models.CharField("mã tỉnh", max_length=10, blank=True, default="")
    periods = models.JSONField("các buổi làm việc")
    basis = models.CharField("căn cứ", max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "giờ làm việc"
        verbose_name_plural = "giờ làm việc"
        ordering = ["province_code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "valid_from"], name="officehours_scope_from"),
        ]

    def __str__(self) -> str:
        return f"{self.province_code or 'toàn quốc'} từ {self.valid_from:%d/%m/%Y}"


class CalendarRevision(models.Model):
    """One row whose counter goes up with every change to the tables above: processes compare it with the
    revision their cached calendars were built from."""

    revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "phiên bản lịch làm việc"
