"""The one-stop shop (một cửa, một cửa liên thông): procedures as dated data, dossiers from receipt to result.

Rules as data (ARCHITECTURE "Rules as data"): a Procedure's limits, fees, components and steps live in a
ProcedureVersion with valid_from / valid_to and its legal basis; a Dossier points at the version in force when
it was received and keeps it, whatever is edited later. Dossier-code templates are dated rows too.
Statuses are the national portal's codes 1–10 (REGULATIONS §4.5) so the data can be synchronised later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from congvu.documents.models import StoredFile
from congvu.org.models import Agency, Department, Official

# --- catalogue ------------------------------------------------------------------------------------------


class ProcedureLevel(models.TextChoices):
    PROVINCE = "province", "Cấp tỉnh"
    COMMUNE = "commune", "Cấp xã"
    DISTRICT = "district", "Cấp huyện (trước 01/07/2025)"
    MINISTRY = "ministry", "Cấp bộ, ngành"


class OnlineLevel(models.TextChoices):
    # NĐ 42/2022: online public services are full (toàn trình) or partial (một phần).
    NONE = "none", "Không trực tuyến"
    PARTIAL = "partial", "Một phần"
    FULL = "full", "Toàn trình"


class TimeUnit(models.TextChoices):
    # A limit is in working days unless the procedure says calendar days ("ngày"); REGULATIONS §4.7.
    WORKING_DAYS = "working_days", "ngày làm việc"
    CALENDAR_DAYS = "calendar_days", "ngày"
    WORKING_HOURS = "working_hours", "giờ làm việc"


class SupplementRule(models.TextChoices):
    # After a supplement the clock either restarts from zero or resumes where it stopped (REGULATIONS §4.7).
    RESTART = "restart", "Tính lại từ đầu khi nhận đủ hồ sơ"
    RESUME = "resume", "Tính tiếp thời gian còn lại"


class Procedure(models.Model):
    """A published administrative procedure (TTHC). What may change over time is in ProcedureVersion."""

    national_code = models.CharField("mã TTHC quốc gia", max_length=30, db_index=True)  # e.g. 1.000948
    local_code = models.CharField("mã TTHC địa phương", max_length=60, unique=True)  # 2.000815.000.00.00.H55
    name = models.CharField("tên thủ tục", max_length=500)
    field = models.CharField("lĩnh vực", max_length=200)
    level = models.CharField("cấp thực hiện", max_length=20, choices=ProcedureLevel.choices)
    # The agencies offering it: empty = every agency of `level`'s kind in the deployment.
    agencies = models.ManyToManyField(Agency, blank=True, related_name="procedures")
    active = models.BooleanField("đang áp dụng", default=True)

    class Meta:
        ordering = ["field", "name"]
        verbose_name = "thủ tục hành chính"

    def __str__(self) -> str:
        return f"{self.local_code} — {self.name}"


class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)  # exclusive
    basis = models.CharField("căn cứ pháp lý", max_length=500, blank=True)
    time_limit = models.DecimalField("thời hạn giải quyết", max_digits=6, decimal_places=1)
    time_unit = models.CharField("đơn vị thời hạn", max_length=20, choices=TimeUnit.choices,
                                 default=TimeUnit.WORKING_DAYS)
    fee = models.PositiveIntegerField("phí, lệ phí (đồng)", default=0)
    fee_note = models.CharField("ghi chú phí, lệ phí", max_length=500, blank=True)
    result_documents = models.TextField("kết quả thực hiện", blank=True)
    online_level = models.CharField("dịch vụ công trực tuyến", max_length=10, choices=OnlineLevel.choices,
                                    default=OnlineLevel.NONE)
    supplement_rule = models.CharField("thời hạn sau bổ sung", max_length=10, choices=SupplementRule.choices,
                                       default=SupplementRule.RESTART)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["procedure", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["procedure", "valid_from"], name="procedure_version_once")]

    def __str__(self) -> str:
        return f"{self.procedure.local_code} từ {self.valid_from:%d/%m/%Y}"


class ProcedureComponent(models.Model):
    """One paper of the dossier (thành phần hồ sơ)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="components")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField("tên giấy tờ", max_length=500)
    required = models.BooleanField("bắt buộc", default=True)
    copies = models.PositiveSmallIntegerField("số bản", default=1)
    kind = models.CharField("loại bản", max_length=60, blank=True)  # bản chính / bản sao / bản chụp

    class Meta:
        ordering = ["version", "position"]


class StepHandler(models.TextChoices):
    COUNTER = "counter", "Bộ phận một cửa"
    DEPARTMENT = "department", "Phòng chuyên môn"
    LEADER = "leader", "Lãnh đạo ký"
    OTHER_AGENCY = "other_agency", "Cơ quan khác (liên thông)"


class ProcedureStep(models.Model):
    """One step of the processing with its time budget (counter → office → leader → counter)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField("tên bước", max_length=300)
    handler = models.CharField("đơn vị thực hiện", max_length=20, choices=StepHandler.choices)
    # For OTHER_AGENCY: the level of the agency the dossier crosses to (e.g. commune → province department).
    agency_level = models.CharField("cấp cơ quan", max_length=20, choices=ProcedureLevel.choices, blank=True)
    department_code = models.CharField("mã phòng", max_length=20, blank=True)  # Department.code, if fixed
    budget = models.DecimalField("thời gian (ngày làm việc)", max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["version", "position"]


class DossierCodeTemplate(models.Model):
    """How dossier codes look, as dated data (REGULATIONS §4.4). `agency` null = the deployment's default.

    Placeholders: {agency} agency identifier, {yyMMdd} / {yyyyMMdd} receipt date, {AA} the central system
    owner's two digits, {N} the daily sequence (at least `min_digits` digits, no fixed maximum)."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="dossier_code_templates")
    name = models.CharField("tên mẫu", max_length=200)
    template = models.CharField("mẫu mã", max_length=200)
    system_code = models.CharField("mã hệ thống (AA)", max_length=2, blank=True)
    min_digits = models.PositiveSmallIntegerField("số chữ số tối thiểu", default=4)
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    basis = models.CharField("căn cứ", max_length=300, blank=True)
    # A shipped template may wait for its configuration (the national format needs the AA digits).
    active = models.BooleanField("đang dùng", default=True)

    class Meta:
        ordering = ["agency_id", "-valid_from"]


class DossierSequence(models.Model):
    """The per-agency daily sequence behind dossier codes, taken under the row lock (gap-free)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossier_sequence_once")]


# --- dossiers ----------------------------------------------------------------------------------------------


class DossierStatus(models.IntegerChoices):
    # The national portal's (DVCQG) codes, REGULATIONS §4.5.
    REGISTERED = 1, "Mới đăng ký"
    ACCEPTED = 2, "Được tiếp nhận"
    REFUSED = 3, "Không được tiếp nhận"
    PROCESSING = 4, "Đang xử lý"
    SUPPLEMENT = 5, "Yêu cầu bổ sung giấy tờ"
    FINANCIAL = 6, "Yêu cầu thực hiện nghĩa vụ tài chính"
    WITHDRAWN = 7, "Công dân yêu cầu rút hồ sơ"
    STOPPED = 8, "Dừng xử lý"
    PROCESSED = 9, "Đã xử lý xong"
    RETURNED = 10, "Đã trả kết quả"


class Channel(models.IntegerChoices):
    COUNTER = 1, "Trực tiếp"
    ONLINE = 2, "Trực tuyến"
    POSTAL = 3, "Bưu chính"


class ApplicantKind(models.IntegerChoices):
    # DVCQG LoaiDoiTuong.
    CITIZEN = 1, "Công dân"
    ENTERPRISE = 2, "Doanh nghiệp"
    STATE_BODY = 3, "Cơ quan nhà nước"
    ORGANISATION = 4, "Tổ chức"


class ReturnMethod(models.TextChoices):
    IN_PERSON = "in_person", "Trực tiếp"
    POSTAL = "postal", "Bưu chính"
    ELECTRONIC = "electronic", "Điện tử"


class Timeliness(models.TextChoices):
    EARLY = "early", "Trước hạn"
    ON_TIME = "on_time", "Đúng hạn"
    LATE = "late", "Trễ hạn"


class Dossier(models.Model):
    """One application (hồ sơ TTHC). The clock: `due_at` is the appointment; time spent paused (supplement
    under the "resume" rule, financial obligations, stop) is in `paused_seconds` and moves `due_at`."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers")  # receiving
    procedure_version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers")
    code = models.CharField("mã hồ sơ", max_length=60, blank=True)  # given when accepted (or on online submit)
    status = models.PositiveSmallIntegerField("trạng thái", choices=DossierStatus.choices,
                                              default=DossierStatus.REGISTERED)
    channel = models.PositiveSmallIntegerField("kênh", choices=Channel.choices, default=Channel.COUNTER)

    applicant_kind = models.PositiveSmallIntegerField("đối tượng", choices=ApplicantKind.choices,
                                                      default=ApplicantKind.CITIZEN)
    applicant_name = models.CharField("người nộp / tổ chức", max_length=200)
    applicant_id_number = models.CharField("số định danh / mã số", max_length=20, blank=True)
    applicant_phone = models.CharField("điện thoại", max_length=20, blank=True)
    applicant_email = models.EmailField("thư điện tử", blank=True)
    applicant_address = models.CharField("địa chỉ", max_length=300, blank=True)
    representative_name = models.CharField("người được ủy quyền", max_length=200, blank=True)
    representative_id_number = models.CharField("số định danh người được ủy quyền", max_length=20, blank=True)
    request_summary = models.CharField("nội dung yêu cầu", max_length=1000, blank=True)
    sets = models.PositiveSmallIntegerField("số bộ hồ sơ", default=1)
    fee = models.PositiveIntegerField("phí, lệ phí (đồng)", default=0)
    # Kept by receiving whenever the components are written (indicator 4.2 reads them without a join).
    papers_provided = models.PositiveSmallIntegerField("số giấy tờ đã nộp", default=0)
    papers_digitised = models.PositiveSmallIntegerField("số giấy tờ có tệp", default=0)

    submitted_at = models.DateTimeField("thời điểm nộp")  # counter: arrival; online: submission
    accepted_at = models.DateTimeField("thời điểm tiếp nhận", null=True, blank=True)
    clock_start = models.DateTimeField("bắt đầu tính thời hạn", null=True, blank=True)
    due_at = models.DateTimeField("ngày hẹn trả", null=True, blank=True)
    original_due_at = models.DateTimeField("ngày hẹn trả ban đầu", null=True, blank=True)
    paused_at = models.DateTimeField("tạm dừng từ", null=True, blank=True)
    paused_seconds = models.PositiveBigIntegerField("thời gian tạm dừng (giây)", default=0)
    processed_at = models.DateTimeField("xử lý xong lúc", null=True, blank=True)
    finished_at = models.DateTimeField("kết thúc lúc", null=True, blank=True)  # returned/withdrawn/stopped/refused
    timeliness = models.CharField("kết quả đúng hạn", max_length=10, choices=Timeliness.choices, blank=True)

    refusal_reason = models.TextField("lý do từ chối", blank=True)
    withdrawal_reason = models.TextField("lý do rút hồ sơ", blank=True)
    return_method = models.CharField("hình thức trả", max_length=20, choices=ReturnMethod.choices, blank=True)
    returned_to = models.CharField("người nhận kết quả", max_length=200, blank=True)
    result_note = models.TextField("kết quả giải quyết", blank=True)
    result_file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    received_by = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="dossier_code_unique")]
        indexes = [
            models.Index(fields=["agency", "status", "due_at"], name="dossier_agency_status_due"),
            models.Index(fields=["agency", "submitted_at"], name="dossier_agency_submitted"),
            models.Index(fields=["procedure_version", "submitted_at"], name="dossier_version_submitted"),
            # The statistics group by (agency, version) and read only these columns (o5's measurement: 3–4×).
            models.Index(fields=["agency", "procedure_version", "status", "channel", "timeliness", "accepted_at",
                                 "submitted_at", "processed_at", "finished_at", "due_at", "paused_at", "clock_start",
                                 "result_file", "paused_seconds", "papers_provided", "papers_digitised"],
                         name="dossier_stats_cover"),
        ]

    def __str__(self) -> str:
        return self.code or f"Hồ sơ #{self.pk}"


class DossierComponent(models.Model):
    """A paper handed in (or uploaded), checked against the procedure's list."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(ProcedureComponent, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    name = models.CharField(max_length=500)
    provided = models.BooleanField("đã nộp", default=False)
    copies = models.PositiveSmallIntegerField(default=1)
    file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["dossier", "id"]


class DossierStep(models.Model):
    """One step actually taken: who holds the dossier, since when, until when it is due, and how it ended.
    The control slip (phiếu kiểm soát) is these rows in order."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    procedure_step = models.ForeignKey(ProcedureStep, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=300)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    given_by = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timeliness = models.CharField(max_length=10, choices=Timeliness.choices, blank=True)
    note = models.TextField(blank=True)
    crossing = models.BooleanField("liên thông", default=False)  # agency != dossier.agency

    class Meta:
        ordering = ["dossier", "position", "id"]
        indexes = [models.Index(fields=["agency", "finished_at"], name="dossier_step_open"),
                   models.Index(fields=["agency", "dossier"], condition=Q(crossing=True),
                                name="dossier_step_crossing")]


class DossierEvent(models.Model):
    """The dossier's timeline (public view shows only kind, time and status)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)  # accepted, handed_over, supplement_requested, paused, apology…
    status = models.PositiveSmallIntegerField(choices=DossierStatus.choices)
    actor = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]


class SupplementRequest(models.Model):
    """The one supplement request a dossier may get, listing everything missing."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="supplement")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(default=list)  # ["Bản sao giấy khai sinh", …]
    reason = models.TextField()
    completed_at = models.DateTimeField(null=True, blank=True)


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", "Chờ bổ sung"
    FINANCIAL = "financial", "Chờ thực hiện nghĩa vụ tài chính"
    STOPPED = "stopped", "Dừng giải quyết"


class Pause(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=20, choices=PauseKind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")


class Apology(models.Model):
    """Phiếu xin lỗi và hẹn lại: at least one working day before the deadline; a new date once only."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="apology")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()


class Rating(models.Model):
    """The applicant's satisfaction rating, once per dossier (TT 01/2018 indicators, REGULATIONS §4.9)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    created_at = models.DateTimeField()
    overall = models.PositiveSmallIntegerField()  # 2 very satisfied, 1 satisfied, 0 dissatisfied
    scores = models.JSONField(default=dict)  # indicator → 0/1/2
    comment = models.TextField(blank=True)


class PublicLookupAttempt(models.Model):
    """Failed public look-ups and ratings, per client, for rate limiting (no personal data kept)."""

    client = models.CharField(max_length=64, db_index=True)  # hash of the client address
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20)


# --- electronic certified copies ------------------------------------------------------------------------


class CertifiedCopy(models.Model):
    """Chứng thực bản sao điện tử từ bản chính: the scan, its register entry, the fee and the signed copy."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="certified_copies")
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="certified_copies")
    code = models.CharField("mã bản sao", max_length=40, unique=True)  # for the public check
    register_year = models.PositiveSmallIntegerField()
    register_number = models.PositiveIntegerField("số chứng thực")
    certified_at = models.DateTimeField()
    certifier = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    requester_name = models.CharField("người yêu cầu", max_length=200)
    requester_id_number = models.CharField(max_length=20, blank=True)
    document_title = models.CharField("tên giấy tờ", max_length=500)
    pages = models.PositiveSmallIntegerField("số trang")
    copies = models.PositiveSmallIntegerField("số bản", default=1)
    fee = models.PositiveIntegerField("lệ phí (đồng)")
    scan = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    certified_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-certified_at"]
        constraints = [models.UniqueConstraint(fields=["agency", "register_year", "register_number"],
                                               name="certified_copy_number_once")]


class CertificationSequence(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="certification_sequence_once")]
