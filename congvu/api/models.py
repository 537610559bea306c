"""API tokens: a person's key for scripts and other systems, stored only as a SHA-256 digest."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """One bearer token of one user. The token itself is shown once at creation and never stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("tên", max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField("tạo lúc", auto_now_add=True)
    last_used = models.DateTimeField("dùng lần cuối", null=True, blank=True)
    revoked = models.BooleanField("đã thu hồi", default=False)

    class Meta:
        verbose_name = "khóa API"
        verbose_name_plural = "khóa API"

    def __str__(self) -> str:
        return f"{self.user} — {self.name or self.pk}"
