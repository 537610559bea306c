"""The audit journal: append-only, hash-chained per agency.

Each agency has its own chain so that writers in different agencies never wait for each other;
`JournalChain` holds the head of each chain and is row-locked while a row is appended.
"""

from django.conf import settings
from django.db import models


class JournalChain(models.Model):
    # key "agency:<id>" or "system" for actions outside any agency
    key = models.CharField(max_length=40, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"{self.key} #{self.last_seq}"


class JournalEntry(models.Model):
    chain = models.ForeignKey(JournalChain, on_delete=models.PROTECT, related_name="entries")
    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    agency_id_ref = models.BigIntegerField(null=True, blank=True, db_column="agency_id")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="journal_chain_seq_unique")]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="journal_object_idx"),
            models.Index(fields=["agency_id_ref", "-created_at"], name="journal_agency_time_idx"),
        ]
        verbose_name = "nhật ký"
        verbose_name_plural = "nhật ký"

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.actor_name} {self.action} {self.object_type}#{self.object_id}"
