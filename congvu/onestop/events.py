"""The dossier's timeline: every state change adds one event, with the status the dossier has after it.
The public lookup shows the kind's label, the time and the status, never the note or the actor."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from congvu.onestop.models import Dossier, DossierEvent
from congvu.org.models import Official


class EventKind(models.TextChoices):
    SUBMITTED_ONLINE = "submitted_online", "Nộp hồ sơ trực tuyến"
    ACCEPTED = "accepted", "Tiếp nhận hồ sơ"
    REFUSED = "refused", "Từ chối tiếp nhận"
    SUPPLEMENT_REQUESTED = "supplement_requested", "Yêu cầu bổ sung hồ sơ"
    SUPPLEMENT_COMPLETED = "supplement_completed", "Đã bổ sung hồ sơ"
    HANDED_OVER = "handed_over", "Chuyển xử lý"
    PAUSED = "paused", "Tạm dừng"
    RESUMED = "resumed", "Tiếp tục xử lý"
    WITHDRAWN = "withdrawn", "Rút hồ sơ"
    APOLOGY = "apology", "Xin lỗi và hẹn lại ngày trả"
    PROCESSED = "processed", "Đã có kết quả"
    RETURNED = "returned", "Đã trả kết quả"
    RATED = "rated", "Đánh giá mức độ hài lòng"


def event_label(kind: str) -> str:
    """The Vietnamese label of a kind; an unknown kind (added by a later part) shows as itself."""
    try:
        return EventKind(kind).label
    except ValueError:
        return kind


def event_add(*, dossier: Dossier, kind: str, actor: Official | None, note: str = "",
              at: dt.datetime | None = None) -> DossierEvent:
    """Record `kind` on the dossier's timeline with its current status (call it after changing the status,
    in the same transaction)."""
    return DossierEvent.objects.create(dossier=dossier, kind=str(kind), status=dossier.status, actor=actor,
                                       note=note, at=at or timezone.now())
