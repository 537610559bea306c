"""What intake read from files: text (text layer, Word, OCR), the metadata found in it with confidences,
the clerk's corrections (to measure accuracy on real use), and text fingerprints (near-duplicates).

The original file is never changed: an OCR result is a new StoredFile beside it (`ocr_file`).
"""

from django.conf import settings
from django.db import models

from congvu.documents.models import Document, StoredFile
from congvu.intake.sources import TextSource  # noqa: F401 (defined beside the readers, used here)
from congvu.org.models import Agency


class ExtractionStatus(models.TextChoices):
    PENDING = "pending", "Đang chờ đọc"
    RUNNING = "running", "Đang đọc"
    DONE = "done", "Đã đọc xong"
    FAILED = "failed", "Không đọc được"


class Extraction(models.Model):
    """One stored file read once: its repaired text, and the metadata extracted from it."""

    file = models.OneToOneField(StoredFile, on_delete=models.CASCADE, related_name="extraction")
    status = models.CharField(max_length=10, choices=ExtractionStatus.choices, default=ExtractionStatus.PENDING)
    source = models.CharField(max_length=12, choices=TextSource.choices, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    pages_done = models.PositiveIntegerField(default=0)  # OCR progress shown to the clerk
    legacy_encoding = models.CharField(max_length=10, blank=True)  # "tcvn3", "vni", "viqr" when converted
    text = models.TextField(blank=True)  # repaired Unicode NFC text
    fields = models.JSONField(default=dict)  # the `congvu extract` keys, values as printed
    confidence = models.JSONField(default=dict)  # field → 0..1
    warnings = models.JSONField(default=list)  # Vietnamese messages for the clerk
    error = models.TextField(blank=True)  # why reading failed, in Vietnamese
    signed = models.BooleanField(default=False)  # a digitally signed PDF: never rewritten, no OCR copy
    ocr_file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    extractor_version = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)  # when the current OCR run took the row
    attempts = models.PositiveSmallIntegerField(default=0)  # OCR runs started (a crash-looping file stops)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # also the OCR run's heartbeat (progress saves it)

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="extraction_status_idx")]


class ExtractionCorrection(models.Model):
    """A field as extracted and as the clerk saved it, for one registration: accuracy on real use."""

    extraction = models.ForeignKey(Extraction, on_delete=models.CASCADE, related_name="corrections")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=30)
    extracted = models.TextField(blank=True)
    final = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)
    changed = models.BooleanField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["field", "changed"], name="correction_field_idx")]


class TextFingerprint(models.Model):
    """A 64-bit SimHash of a file's text, split in four 16-bit bands: two texts within a few bits of each
    other share a band, so near-identical documents are found by four index lookups."""

    file = models.OneToOneField(StoredFile, on_delete=models.CASCADE, related_name="fingerprint")
    simhash = models.BigIntegerField()
    band0 = models.PositiveIntegerField()
    band1 = models.PositiveIntegerField()
    band2 = models.PositiveIntegerField()
    band3 = models.PositiveIntegerField()
    length = models.PositiveIntegerField()  # words, to skip texts too short to compare

    class Meta:
        indexes = [models.Index(fields=[f"band{i}"], name=f"fp_band{i}_idx") for i in range(4)]


class IntakeUpload(models.Model):
    """A file a clerk dropped on a registration form (or posted to the API), before it belongs to a
    document: who, in which agency, under which name. Only its uploader sees its reading and duplicates."""

    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="intake_uploads")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    # set when the file is registered as a document's attachment, or linked to an existing document
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["uploaded_by", "file"], name="intake_upload_user_idx")]
