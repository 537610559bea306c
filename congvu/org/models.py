"""Agencies, their departments, officials and the positions and roles they hold."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# QCVN 102:2016 identifier V1V2V3.Z1Z2.Y1Y2.MX1X2: level 1 (M + two characters) last, e.g. 000.00.00.H40.
IDENTIFIER_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$")


def validate_identifier(value: str) -> None:
    if value and not IDENTIFIER_RE.match(value):
        raise ValidationError(
            "Mã định danh “%(value)s” không đúng cấu trúc QCVN 102 (ví dụ 000.00.00.H40).",
            params={"value": value},
        )


class AgencyKind(models.TextChoices):
    PROVINCE_PC = "province_pc", "UBND tỉnh"
    DISTRICT_PC = "district_pc", "UBND huyện"  # abolished 01/07/2025; kept for history
    COMMUNE_PC = "commune_pc", "UBND xã"
    WARD_PC = "ward_pc", "UBND phường"
    SPECIAL_ZONE_PC = "special_zone_pc", "UBND đặc khu"
    PEOPLES_COUNCIL = "peoples_council", "HĐND"
    DEPARTMENT = "department", "Sở, ban, ngành"
    OFFICE = "office", "Phòng chuyên môn"
    MINISTRY = "ministry", "Bộ, cơ quan ngang bộ"
    OTHER = "other", "Cơ quan, tổ chức khác"


class Agency(models.Model):
    name = models.CharField("tên cơ quan", max_length=200)
    short_name = models.CharField("tên viết tắt", max_length=60, blank=True)
    kind = models.CharField("loại", max_length=20, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="cơ quan cấp trên")
    identifier = models.CharField("mã định danh", max_length=13, blank=True, validators=[validate_identifier])
    # The issuer abbreviation in notations: "UBND" in "12/QĐ-UBND" (Decree 30, Annex I).
    notation_code = models.CharField("chữ viết tắt trong ký hiệu", max_length=20)
    place = models.CharField("địa danh", max_length=100, blank=True)
    # The province whose holiday and swap-day overrides apply (official code, e.g. "49" for Quảng Nam).
    province_code = models.CharField("mã tỉnh", max_length=10, blank=True)
    # Decree 30 lets the head decide: administrative documents share one outgoing sequence, except the
    # document type codes listed here, which each get a register of their own.
    separate_numbering_types = models.JSONField("loại văn bản đánh số riêng", default=list, blank=True)
    active_from = models.DateField("hoạt động từ", null=True, blank=True)
    active_to = models.DateField("hoạt động đến", null=True, blank=True)

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        constraints = [
            models.UniqueConstraint(fields=["identifier"], condition=~models.Q(identifier=""),
                                    name="agency_identifier_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField("tên phòng, ban", max_length=200)
    code = models.CharField("chữ viết tắt", max_length=20)  # "VP" in "UBND-VP"
    active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "phòng, ban"
        verbose_name_plural = "phòng, ban"
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="department_code_unique")]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    name = models.CharField("chức vụ", max_length=100, unique=True)
    is_leader = models.BooleanField("là lãnh đạo", default=False)

    class Meta:
        verbose_name = "chức vụ"
        verbose_name_plural = "chức vụ"

    def __str__(self) -> str:
        return self.name


class Official(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="official")
    full_name = models.CharField("họ và tên", max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = "cán bộ, công chức"
        verbose_name_plural = "cán bộ, công chức"

    def __str__(self) -> str:
        return self.full_name


class Role(models.TextChoices):
    CLERK = "clerk", "Văn thư"
    LEADER = "leader", "Lãnh đạo"
    OFFICER = "officer", "Chuyên viên"
    ONESTOP = "onestop", "Cán bộ một cửa"
    AGENCY_ADMIN = "agency_admin", "Quản trị cơ quan"


class Membership(models.Model):
    """An official's position in one agency, with one role. Several rows = kiêm nhiệm or several roles."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="memberships")
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.PROTECT)
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "vị trí công tác"
        verbose_name_plural = "vị trí công tác"
        constraints = [
            models.UniqueConstraint(fields=["official", "agency", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.official} — {self.get_role_display()} — {self.agency}"
