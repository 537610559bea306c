from django.db import models
from django.db.models import Q

from congvu.org.models import Agency, Official


class Notification(models.Model):
    """One message in one official's in-app inbox (and, if the official has an address, one e-mail)."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="notifications")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("loại", max_length=50)
    title = models.CharField("tiêu đề", max_length=300)
    body = models.TextField("nội dung", blank=True)
    url = models.CharField("đường dẫn", max_length=500, blank=True)
    # Set by callers that must not notify twice (a reminder job run twice): unique per official.
    key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # About a secret document: the e-mail (which leaves the system) says only that there is news.
    confidential = models.BooleanField(default=False)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        constraints = [
            models.UniqueConstraint(fields=["official", "key"], condition=Q(key__isnull=False),
                                    name="notification_unique_key"),
        ]
        indexes = [
            # The bell's count and the unread half of the inbox: (official, read_at IS NULL) by id.
            models.Index(fields=["official", "read_at", "-id"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.official}: {self.title}"
