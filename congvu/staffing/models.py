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


# --- Roster (issue 7 part 4): people, and their postings over time ---

class Sex(models.TextChoices):
    MALE = "male", "Nam"
    FEMALE = "female", "Nữ"


class StaffMember(models.Model):
    """A person on an agency's staff (hồ sơ cán bộ, công chức); where they work is in `StaffPosting`.

    Not every person has a login: `official` links the roster row to `org.Official` when they do."""

    full_name = models.CharField("họ và tên", max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True, editable=False, default="")
    sex = models.CharField("giới tính", max_length=6, choices=Sex.choices)
    birth_date = models.DateField("ngày sinh")
    official = models.OneToOneField("org.Official", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="staff_member", verbose_name="tài khoản")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cán bộ, công chức"
        verbose_name_plural = "danh sách cán bộ, công chức"
        ordering = ["name_folded", "birth_date"]

    def __str__(self) -> str:
        return self.full_name


class LeaveReason(models.TextChoices):
    # Why a posting ended; NĐ 178/2024 (am. NĐ 67/2025) and NĐ 154/2025 for the streamlining cases.
    TRANSFER = "transfer", "Điều động, luân chuyển"
    REORGANISATION = "reorganisation", "Sắp xếp đơn vị hành chính"
    RETIREMENT = "retirement", "Nghỉ hưu"
    EARLY_RETIREMENT = "early_retirement", "Nghỉ hưu trước tuổi"
    STREAMLINING = "streamlining", "Tinh giản biên chế, thôi việc"
    RESIGNATION = "resignation", "Xin thôi việc"
    CHANGE = "change", "Thay đổi chức vụ, ngạch, hệ số"
    OTHER = "other", "Lý do khác"


class StaffPosting(models.Model):
    """One period of a person in one agency with one position, rank and pay (the history of positions and
    agencies). `valid_to` is the LAST day (inclusive); empty = still in post. In post on day D = a posting
    covering D."""

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="postings")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff_postings")
    category = models.CharField("đối tượng", max_length=20, choices=StaffCategory.choices)
    position = models.CharField("chức vụ, chức danh", max_length=150)
    rank = models.CharField("ngạch", max_length=100, blank=True)
    salary_coefficient = models.DecimalField("hệ số lương", max_digits=4, decimal_places=2)
    position_allowance = models.DecimalField("hệ số phụ cấp chức vụ", max_digits=4, decimal_places=2, default=0)
    other_allowance = models.DecimalField("hệ số phụ cấp khác", max_digits=4, decimal_places=2, default=0)
    monthly_allowance_vnd = models.PositiveBigIntegerField("phụ cấp khoán (đồng/tháng)", default=0)
    valid_from = models.DateField("từ ngày")
    valid_to = models.DateField("đến ngày (ngày cuối)", null=True, blank=True)
    ended_reason = models.CharField("lý do kết thúc", max_length=20, choices=LeaveReason.choices, blank=True)
    basis = models.CharField("căn cứ (quyết định)", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "quá trình công tác"
        verbose_name_plural = "quá trình công tác"
        ordering = ["member", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from")), name="staffposting_valid_range"),
            # One current posting per person: a new one closes the old (kiêm nhiệm is org.Membership).
            models.UniqueConstraint(fields=["member"], condition=models.Q(valid_to__isnull=True),
                                    name="staffposting_one_current"),
        ]
        indexes = [models.Index(fields=["agency", "category", "valid_from"], name="staffposting_agency_cat")]

    def __str__(self) -> str:
        return f"{self.member} — {self.position} ({self.agency})"


class RetirementAgeRule(models.Model):
    """Retirement age in normal conditions for one sex, as dated data (Labour Code 2019 Art. 169, NĐ 135/2020):
    the age required of someone who reaches it in year Y is start_age + step × (Y − start_year), capped."""

    sex = models.CharField("giới tính", max_length=6, choices=Sex.choices)
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến (ngày cuối)", null=True, blank=True)
    start_year = models.PositiveSmallIntegerField("năm bắt đầu lộ trình")
    start_age_months = models.PositiveSmallIntegerField("tuổi nghỉ hưu năm đầu (tháng)")
    step_months = models.PositiveSmallIntegerField("tăng mỗi năm (tháng)", default=0)
    max_age_months = models.PositiveSmallIntegerField("tuổi tối đa (tháng)")
    basis = models.CharField("căn cứ", max_length=300)

    class Meta:
        verbose_name = "tuổi nghỉ hưu"
        verbose_name_plural = "tuổi nghỉ hưu"
        ordering = ["sex", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["sex", "valid_from"], name="retirementrule_sex_from")]


# --- Reorganisation (part 6): several units and their agencies become one ---

class Numbering(models.TextChoices):
    # REGULATIONS §6.2: whether a new commune restarts its registers at 01 is not fixed, so it is a choice.
    RESTART = "restart", "Sổ mới, đánh số lại từ 01"
    CONTINUE = "continue", "Tiếp tục số của sổ đang dùng (khi cơ quan kế thừa là cơ quan cũ)"


class Reorganisation(models.Model):
    """A merger carried out in congvu: the successor unit and agency, the date, the resolution, and what moved."""

    successor_unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    successor_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reorganisations")
    effective_date = models.DateField("ngày có hiệu lực")
    resolution = models.CharField("nghị quyết", max_length=300)
    numbering = models.CharField("đánh số văn bản", max_length=10, choices=Numbering.choices,
                                 default=Numbering.RESTART)
    summary = models.JSONField("kết quả", default=dict, blank=True)  # counts of what moved, surplus at the date
    # Empty when a system admin without an official record (or the console) carried it out; the journal names them.
    created_by = models.ForeignKey("org.Official", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sắp xếp đơn vị hành chính"
        verbose_name_plural = "sắp xếp đơn vị hành chính"
        ordering = ["-effective_date", "-pk"]


class ReorganisationPart(models.Model):
    reorganisation = models.ForeignKey(Reorganisation, on_delete=models.CASCADE, related_name="parts")
    predecessor_unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    predecessor_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reorganisation", "predecessor_unit"],
                                               name="reorgpart_once")]


# --- Transfers and the surplus roadmap (part 7) ---

class TransferStatus(models.TextChoices):
    PROPOSED = "proposed", "Đề xuất"
    APPROVED = "approved", "Đã phê duyệt"
    DONE = "done", "Đã thực hiện"
    CANCELLED = "cancelled", "Đã hủy"


class Transfer(models.Model):
    """Moving one person to another agency (điều động); when done, their posting moves (`transfer_complete`)."""

    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="transfers")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    planned_date = models.DateField("ngày dự kiến")
    status = models.CharField("trạng thái", max_length=10, choices=TransferStatus.choices,
                              default=TransferStatus.PROPOSED)
    # Required when the receiving agency has no vacancy on the planned date.
    reason = models.TextField("lý do", blank=True)
    decision_number = models.CharField("số quyết định", max_length=60, blank=True)
    roadmap = models.ForeignKey("SurplusRoadmap", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="transfers")
    created_by = models.ForeignKey("org.Official", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "điều động"
        verbose_name_plural = "điều động"
        ordering = ["-planned_date", "-pk"]


class SurplusRoadmap(models.Model):
    """A plan to bring an agency's headcount down to its quota within `years` (NQ 76/2025 Art. 11: 5 years)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="surplus_roadmaps")
    title = models.CharField("tên kế hoạch", max_length=200)
    start_date = models.DateField("từ ngày")
    years = models.PositiveSmallIntegerField("số năm", default=5)
    hiring_freeze = models.BooleanField("không tuyển mới", default=True)
    basis = models.CharField("căn cứ", max_length=300, blank=True)
    created_by = models.ForeignKey("org.Official", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "lộ trình giải quyết dôi dư"
        verbose_name_plural = "lộ trình giải quyết dôi dư"
        ordering = ["-start_date", "-pk"]


class CaseKind(models.TextChoices):
    RETIREMENT = "retirement", "Nghỉ hưu đúng tuổi"
    EARLY_RETIREMENT = "early_retirement", "Nghỉ hưu trước tuổi"
    STREAMLINING = "streamlining", "Tinh giản biên chế, thôi việc"
    TRANSFER = "transfer", "Điều động sang đơn vị còn thiếu"


class RoadmapCase(models.Model):
    """One person leaving the agency under a roadmap, with the planned date (retirements are computed)."""

    roadmap = models.ForeignKey(SurplusRoadmap, on_delete=models.CASCADE, related_name="cases")
    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="roadmap_cases")
    kind = models.CharField("hình thức", max_length=20, choices=CaseKind.choices)
    planned_date = models.DateField("ngày dự kiến")
    transfer = models.OneToOneField(Transfer, null=True, blank=True, on_delete=models.SET_NULL, related_name="case")
    note = models.CharField("ghi chú", max_length=300, blank=True)

    class Meta:
        verbose_name = "trường hợp giải quyết dôi dư"
        verbose_name_plural = "trường hợp giải quyết dôi dư"
        ordering = ["planned_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "member"], name="roadmapcase_once")]


# --- Budget (part 8) ---

class BaseSalary(models.Model):
    """Mức lương cơ sở, VND a month, as dated data (1,490,000 from 07/2019; 1,800,000 from 07/2023; …)."""

    amount = models.PositiveIntegerField("mức lương cơ sở (đồng/tháng)")
    valid_from = models.DateField("áp dụng từ", unique=True)
    valid_to = models.DateField("áp dụng đến (ngày cuối)", null=True, blank=True)
    basis = models.CharField("căn cứ", max_length=300)

    class Meta:
        verbose_name = "mức lương cơ sở"
        verbose_name_plural = "mức lương cơ sở"
        ordering = ["valid_from"]


class OperatingCost(models.Model):
    """An agency's operating cost for a year (chi thường xuyên ngoài lương), entered from its estimate."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="operating_costs")
    year = models.PositiveSmallIntegerField("năm")
    amount_vnd = models.PositiveBigIntegerField("chi hoạt động (đồng/năm)")
    note = models.CharField("ghi chú, căn cứ", max_length=300, blank=True)

    class Meta:
        verbose_name = "chi hoạt động"
        verbose_name_plural = "chi hoạt động"
        ordering = ["agency", "year"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="operatingcost_agency_year")]
