"""Reads of intake, filtered by who may see them.

A file dropped on a registration form is its uploader's until it is registered: only he sees its
reading and its duplicates. A file attached to a document is seen by whoever may see the document.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Attachment, StoredFile
from congvu.documents.selectors import visible_documents
from congvu.intake.models import Extraction, ExtractionCorrection, ExtractionStatus, IntakeUpload, TextSource
from congvu.intake.registration import FIELD_LABELS, INCOMING_FIELDS, LOW_CONFIDENCE, confidence_of
from congvu.org.models import Role
from congvu.org.selectors import user_access, user_has_role

NOT_FOUND = "Không tìm thấy tệp hoặc bạn không có quyền xem."


def my_uploads(user):
    """Uploads `user` made in agencies where he still holds a position."""
    return IntakeUpload.objects.filter(uploaded_by_id=user.pk, agency_id__in=list(user_access(user)))


def upload_get(*, user, pk: int) -> IntakeUpload:
    upload = my_uploads(user).select_related("file").filter(pk=pk).first()
    if upload is None:
        raise NotFound(NOT_FOUND)
    return upload


def uploads_for_form(*, user, agency_id: int, ids) -> list[IntakeUpload]:
    """The uploads a registration form refers to (its hidden `intake_upload` ids), in the order given.
    Raises ValidationFailed (fields={"attachments": …}) for an id that is not the user's in this agency."""
    wanted: list[int] = []
    for raw in ids or []:
        try:
            pk = int(str(raw).strip())
        except ValueError:
            pk = 0
        if not 0 < pk < 2**63:
            raise ValidationFailed("Tệp đã tải lên không hợp lệ.", fields={"attachments": "Mã tệp không hợp lệ."})
        if pk not in wanted:
            wanted.append(pk)
    if not wanted:
        return []
    found = {u.pk: u for u in my_uploads(user).filter(pk__in=wanted, agency_id=agency_id).select_related("file")}
    if len(found) != len(wanted):
        raise ValidationFailed("Có tệp đã tải lên không còn dùng được; vui lòng tải lại.",
                               fields={"attachments": "Có tệp không thuộc phiên làm việc này; vui lòng tải lại."})
    return [found[pk] for pk in wanted]


def uploads_of_files(*, user, agency_id: int, file_ids) -> list[IntakeUpload]:
    """For registering through the API: the user's latest upload, in this agency, of each stored file id
    (ids from POST /api/v1/intake/files), in the order given. Raises ValidationFailed
    (fields={"intake_files": …}) for a file he did not upload there."""
    result = []
    for file_id in dict.fromkeys(file_ids or []):
        upload = (my_uploads(user).filter(file_id=file_id, agency_id=agency_id).select_related("file")
                  .order_by("-pk").first())
        if upload is None:
            raise ValidationFailed("Có tệp chưa được tải lên ở cơ quan này.",
                                   fields={"intake_files": f"Không tìm thấy tệp {file_id} bạn đã tải lên."})
        result.append(upload)
    return result


def stored_file_get(*, user, pk: int) -> tuple[StoredFile, IntakeUpload | None]:
    """A stored file `user` may read about: one he uploaded (his latest upload of it is returned too), or
    one attached to a document he may see. Otherwise NotFound, as if it did not exist."""
    upload = my_uploads(user).select_related("file").filter(file_id=pk).order_by("-pk").first()
    if upload is not None:
        return upload.file, upload
    if Attachment.objects.filter(file_id=pk, document__in=visible_documents(user)).exists():
        return StoredFile.objects.get(pk=pk), None
    raise NotFound(NOT_FOUND)


def extraction_of(stored_file: StoredFile) -> Extraction | None:
    return Extraction.objects.filter(file=stored_file).first()


@dataclass
class ReadingState:
    """Where the reading of a file stands, as the form and the API show it."""

    status: str  # pending, running, done, failed, or "none" when no reading was started
    label: str
    source: str = ""
    source_label: str = ""
    pages: int | None = None
    pages_done: int = 0
    progress: float | None = None  # 0..1 while an OCR runs with a known page count
    fields: dict = field(default_factory=dict)
    confidence: dict = field(default_factory=dict)
    low_confidence: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def reading(self) -> bool:
        return self.status in (ExtractionStatus.PENDING, ExtractionStatus.RUNNING)

    @property
    def percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)


def reading_state(extraction: Extraction | None) -> ReadingState:
    if extraction is None:
        return ReadingState(status="none", label="Chưa đọc tệp",
                            error="Chưa đọc được tệp này; vui lòng nhập thông tin bằng tay.")
    progress = None
    if extraction.pages:
        progress = min(1.0, extraction.pages_done / extraction.pages)
    if extraction.status == ExtractionStatus.DONE:
        progress = 1.0
    confidence = {k: v for k, v in (extraction.confidence or {}).items() if isinstance(v, int | float)}
    fields = extraction.fields if extraction.status == ExtractionStatus.DONE else {}
    low = [k for k in INCOMING_FIELDS if fields.get(k) and (c := confidence_of(extraction, k)) is not None
           and c < LOW_CONFIDENCE]
    error = extraction.error
    if extraction.status == ExtractionStatus.FAILED and not error:
        error = "Không đọc được tệp; vui lòng nhập thông tin bằng tay."
    return ReadingState(
        status=extraction.status, label=extraction.get_status_display(), source=extraction.source,
        source_label=extraction.get_source_display() if extraction.source else "", pages=extraction.pages,
        pages_done=extraction.pages_done, progress=progress, fields=dict(fields or {}), confidence=confidence,
        low_confidence=low, warnings=[str(w) for w in extraction.warnings or []], error=error,
    )


# --- accuracy on real use ----------------------------------------------------------------------

def can_view_accuracy(user, agency_id: int | None) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return agency_id is not None and user_has_role(user, agency_id, Role.LEADER, Role.AGENCY_ADMIN)


# The columns of the accuracy table: how the text was obtained.
SOURCE_GROUPS = (
    ("text_layer", "Lớp chữ PDF", (TextSource.TEXT_LAYER,)),
    ("word", "Tệp Word", (TextSource.DOCX, TextSource.DOC)),
    ("ocr", "Nhận dạng chữ (OCR)", (TextSource.OCR,)),
    ("plain", "Tệp văn bản", (TextSource.PLAIN,)),
)


@dataclass
class Rate:
    total: int = 0
    unchanged: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.unchanged / self.total, 1) if self.total else None


@dataclass
class AccuracyRow:
    field: str
    label: str
    overall: Rate
    by_source: dict[str, Rate]


@dataclass
class AccuracyReport:
    rows: list[AccuracyRow]
    overall: Rate
    by_source: dict[str, Rate]
    documents: int
    sources: tuple = SOURCE_GROUPS


def accuracy_report(*, user, agency_id: int | None, date_from: dt.date | None = None,
                    date_to: dt.date | None = None) -> AccuracyReport:
    """Per field, the share of fields the clerks saved as read (unchanged), overall and by how the text
    was obtained, for the registrations of `agency_id` (every agency for a system admin without one)
    between the dates (inclusive). Raises PermissionDenied unless leader or admin there."""
    if not can_view_accuracy(user, agency_id):
        raise PermissionDenied("Chỉ lãnh đạo và quản trị cơ quan xem được độ chính xác của việc đọc văn bản.")
    qs = ExtractionCorrection.objects.all()
    if agency_id is not None:
        qs = qs.filter(document__agency_id=agency_id)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    group_of = {source: key for key, _, sources in SOURCE_GROUPS for source in sources}
    cells: dict[tuple[str, str], Rate] = {}
    for f, source, total, unchanged in (qs.values_list("field", "extraction__source")
                                        .annotate(total=Count("id"), unchanged=Count("id", filter=Q(changed=False)))
                                        .values_list("field", "extraction__source", "total", "unchanged")):
        rate = cells.setdefault((f, group_of.get(source, "plain")), Rate())
        rate.total += total
        rate.unchanged += unchanged
    keys = [k for k, _, _ in SOURCE_GROUPS]
    rows = []
    for f in INCOMING_FIELDS:
        by_source = {k: cells.get((f, k), Rate()) for k in keys}
        overall = Rate(sum(r.total for r in by_source.values()), sum(r.unchanged for r in by_source.values()))
        rows.append(AccuracyRow(field=f, label=FIELD_LABELS[f], overall=overall, by_source=by_source))
    by_source = {k: Rate(sum(r.by_source[k].total for r in rows), sum(r.by_source[k].unchanged for r in rows))
                 for k in keys}
    overall = Rate(sum(r.overall.total for r in rows), sum(r.overall.unchanged for r in rows))
    return AccuracyReport(rows=rows, overall=overall, by_source=by_source,
                          documents=qs.values("document_id").distinct().count())
