"""Administrative units, their classification and the staffing norms that follow from it — all as dated data.

Validity: `valid_from` is the first day a row is in force and `valid_to` the LAST day (inclusive; empty =
still in force). A district abolished on 01/07/2025 has valid_to 30/06/2025. Unit codes are the statistics
office's codes; a new ward may reuse the code of a predecessor commune, so a code is unique only together
with its `valid_from`.
"""

from django.db import models

from congvu.org.models import Agency


class UnitType(models.TextChoices):
    # NQ 60-NQ/TW, Law 72/2025/QH15: two tiers from 01/07/2025 (province; xã / phường / đặc khu).
    PROVINCE = "province", "Tỉnh"
    CITY = "city", "Thành phố trực thuộc trung ương"
    DISTRICT = "district", "Đơn vị hành chính cấp huyện (đến 30/06/2025)"
    COMMUNE = "commune", "Xã"
    WARD = "ward", "Phường"
    TOWNSHIP = "township", "Thị trấn (đến 30/06/2025)"
    SPECIAL_ZONE = "special_zone", "Đặc khu"


PROVINCE_LEVEL = frozenset({UnitType.PROVINCE, UnitType.CITY})
COMMUNE_LEVEL = frozenset({UnitType.COMMUNE, UnitType.WARD, UnitType.TOWNSHIP, UnitType.SPECIAL_ZONE})


class UnitClass(models.TextChoices):
    # NĐ 307/2025/NĐ-CP: xã I/II/III; phường and đặc khu also "đặc biệt".
    SPECIAL = "special", "Loại đặc biệt"
    I = "I", "Loại I"  # noqa: E741 — the class is called I in the decree
    II = "II", "Loại II"
    III = "III", "Loại III"


class UnitSource(models.TextChoices):
    PACKAGE = "package", "Danh mục vietnam-provinces"
    IMPORT = "import", "Nhập từ tệp"
    MANUAL = "manual", "Nhập tay"


class AdministrativeUnit(models.Model):
    code = models.CharField("mã đơn vị", max_length=10)
    name = models.CharField("tên đơn vị", max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False, default="")
    unit_type = models.CharField("loại đơn vị", max_length=20, choices=UnitType.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="đơn vị cấp trên")
    unit_class = models.CharField("phân loại", max_length=10, choices=UnitClass.choices, blank=True)
    area_km2 = models.DecimalField("diện tích (km²)", max_digits=10, decimal_places=2, null=True, blank=True)
    population = models.PositiveIntegerField("dân số (người)", null=True, blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến (ngày cuối)", null=True, blank=True)
    basis = models.CharField("căn cứ", max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=UnitSource.choices, default=UnitSource.MANUAL)

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="adminunit_code_from_unique"),
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True) | models.Q(valid_from__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from")), name="adminunit_valid_range"),
        ]
        indexes = [models.Index(fields=["parent", "code"], name="adminunit_parent_code")]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class UnitSuccession(models.Model):
    """One predecessor → successor link of a reorganisation (merge, split, renaming, type change)."""

    class Kind(models.TextChoices):
        MERGE = "merge", "Nhập, sáp nhập"
        SPLIT = "split", "Chia, tách"
        RENAME = "rename", "Đổi tên, đổi loại"

    predecessor = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="successions")
    successor = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="predecessions")
    kind = models.CharField("hình thức", max_length=10, choices=Kind.choices, default=Kind.MERGE)
    effective_date = models.DateField("ngày có hiệu lực")
    resolution = models.CharField("nghị quyết", max_length=300)

    class Meta:
        verbose_name = "kế thừa đơn vị hành chính"
        verbose_name_plural = "kế thừa đơn vị hành chính"
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unitsuccession_once"),
            models.CheckConstraint(condition=~models.Q(predecessor=models.F("successor")),
                                   name="unitsuccession_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class UnitAgency(models.Model):
    """An agency that governs a unit (UBND, HĐND of a commune …) during a period."""

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="governing")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="administrative_units")
    valid_from = models.DateField("từ ngày", null=True, blank=True)
    valid_to = models.DateField("đến ngày", null=True, blank=True)

    class Meta:
        verbose_name = "cơ quan quản lý đơn vị"
        verbose_name_plural = "cơ quan quản lý đơn vị"
        constraints = [models.UniqueConstraint(fields=["unit", "agency"], name="unitagency_once")]


class ClassificationRuleSet(models.Model):
    """A version of the classification rules; `parameters` drive congvu.staffing.classification.

    Empty `parameters` = a rule set kept for the class only (its scoring is not modelled)."""

    name = models.CharField("tên bộ tiêu chí", max_length=200, unique=True)
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến (ngày cuối)", null=True, blank=True)
    basis = models.CharField("căn cứ", max_length=400)
    parameters = models.JSONField("tham số", default=dict, blank=True)

    class Meta:
        verbose_name = "bộ tiêu chí phân loại"
        verbose_name_plural = "bộ tiêu chí phân loại"
        ordering = ["valid_from"]

    def __str__(self) -> str:
        return self.name

    @property
    def scores(self) -> bool:
        return bool(self.parameters)


class ClassificationDecision(models.Model):
    """The class a unit was given by a decision, from `effective_from`, with the score if computed."""

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="classifications")
    rule_set = models.ForeignKey(ClassificationRuleSet, on_delete=models.PROTECT, related_name="decisions")
    unit_class = models.CharField("phân loại", max_length=10, choices=UnitClass.choices)
    score = models.DecimalField("tổng điểm", max_digits=6, decimal_places=2, null=True, blank=True)
    criteria = models.JSONField("số liệu tiêu chí", default=dict, blank=True)
    breakdown = models.JSONField("điểm từng tiêu chí", default=dict, blank=True)
    decision_number = models.CharField("số quyết định", max_length=60)
    decision_date = models.DateField("ngày quyết định")
    effective_from = models.DateField("áp dụng từ")
    basis = models.CharField("ghi chú căn cứ", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "quyết định phân loại"
        verbose_name_plural = "quyết định phân loại"
        ordering = ["unit", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["unit", "effective_from"], name="classification_unit_from")]

    @property
    def score_text(self) -> str:
        """The score as Vietnamese write it: 76, 54,5."""
        if self.score is None:
            return ""
        return f"{self.score.normalize():f}".replace(".", ",")


class StaffCategory(models.TextChoices):
    CADRE_CIVIL = "cadre_civil", "Cán bộ, công chức"
    PART_TIME = "part_time", "Người hoạt động không chuyên trách"


class NormUnitType(models.TextChoices):
    # NĐ 34/2019 gives one table for every commune-level unit; NĐ 33/2023 separates phường from xã/thị trấn.
    ANY_COMMUNE = "any_commune", "Cấp xã (xã, phường, thị trấn)"
    COMMUNE = "commune", "Xã, thị trấn"
    WARD = "ward", "Phường"


class StaffingNorm(models.Model):
    """Posts a unit of a type and class may have under one rule set, in force from `valid_from` to `valid_to`."""

    rule_set = models.CharField("văn bản quy định", max_length=100)
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến (ngày cuối)", null=True, blank=True)
    basis = models.CharField("căn cứ", max_length=300)
    unit_type = models.CharField("loại đơn vị", max_length=20, choices=NormUnitType.choices)
    unit_class = models.CharField("phân loại", max_length=10, choices=UnitClass.choices)
    category = models.CharField("đối tượng", max_length=20, choices=StaffCategory.choices)
    quota = models.PositiveIntegerField("số lượng tối đa")

    class Meta:
        verbose_name = "định mức biên chế"
        verbose_name_plural = "định mức biên chế"
        ordering = ["valid_from", "category", "unit_type", "unit_class"]
        constraints = [
            models.UniqueConstraint(fields=["unit_type", "unit_class", "category", "valid_from"],
                                    name="staffingnorm_scope_from"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set}: {self.get_unit_type_display()} {self.get_unit_class_display()} = {self.quota}"


class QuotaDecision(models.Model):
    """A quota set by a decision (e.g. a province's allocation after 07/2025) for one agency or one unit.
    It wins over the norm for the dates it covers."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="quota_decisions")
    unit = models.ForeignKey(AdministrativeUnit, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="quota_decisions")
    category = models.CharField("đối tượng", max_length=20, choices=StaffCategory.choices)
    quota = models.PositiveIntegerField("số lượng được giao")
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến (ngày cuối)", null=True, blank=True)
    decision_number = models.CharField("số quyết định", max_length=60)
    decision_date = models.DateField("ngày quyết định")
    basis = models.CharField("căn cứ", max_length=300, blank=True)

    class Meta:
        verbose_name = "quyết định giao biên chế"
        verbose_name_plural = "quyết định giao biên chế"
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(agency__isnull=True) ^ models.Q(unit__isnull=True),
                                   name="quotadecision_one_target"),
        ]
