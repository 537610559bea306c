from django.conf import settings
from django.db import models


class SignatureLabel(models.TextChoices):
    VALID = "valid", "ký số hợp lệ"
    INVALID = "invalid", "không hợp lệ"
    NONE = "none", "không có chữ ký"


class SignatureCheck(models.Model):
    """The result of verifying the digital signatures of one stored file (kept; a later check adds a row)."""

    stored_file = models.ForeignKey("documents.StoredFile", on_delete=models.CASCADE, related_name="signature_checks")
    label = models.CharField(max_length=10, choices=SignatureLabel.choices)
    signature_count = models.PositiveSmallIntegerField(default=0)
    signer_name = models.CharField(max_length=255, blank=True)  # of the first signature (the competent person)
    organisation = models.CharField(max_length=255, blank=True)
    signing_time = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)  # Vietnamese, one line per signature
    reports = models.JSONField(default=list)  # one object per signature, see signing.verify.SignatureReport
    checked_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["stored_file", "-checked_at"])]

    def __str__(self):
        return f"{self.stored_file_id}: {self.get_label_display()}"
