"""Writes of the notification inbox. `notify` is called by every app that tells someone something."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from congvu.core.errors import NotFound, ValidationFailed
from congvu.jobs import enqueue_many
from congvu.notifications.models import Notification
from congvu.org.models import Official

TITLE_MAX = Notification._meta.get_field("title").max_length
URL_MAX = Notification._meta.get_field("url").max_length
KIND_MAX = Notification._meta.get_field("kind").max_length
KEY_MAX = Notification._meta.get_field("key").max_length
CHUNK = 2000


def _official_ids(recipients: Iterable[Official | int]) -> list[int]:
    ids: dict[int, None] = {}  # keeps the caller's order, drops repeats
    for r in recipients:
        pk = r.pk if isinstance(r, Official) else int(r)
        ids[pk] = None
    return list(ids)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def notify(*, recipients: Iterable[Official | int], agency_id: int | None, kind: str, title: str,
           body: str = "", url: str = "", key: str | None = None, confidential: bool = False) -> int:
    """Put one notification in each recipient's inbox and queue an e-mail to those with an address.

    Runs inside the caller's transaction (rolls back with it); e-mails are sent after it commits.
    With `key`, an official gets it at most once: a second call, even a concurrent one, creates nothing
    for them (the unique constraint decides). `confidential` (about a secret document): the inbox shows
    everything, the e-mail only that there is a notification. Returns the number of notifications created."""
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("Thông báo phải có tiêu đề.", fields={"title": "Chưa nhập tiêu đề."})
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"kind must be 1 to {KIND_MAX} characters")
    if key is not None and (not key or len(key) > KEY_MAX):
        raise ValueError(f"key must be 1 to {KEY_MAX} characters")
    if len(url) > URL_MAX:
        raise ValueError(f"url must be at most {URL_MAX} characters")
    ids = _official_ids(recipients)
    if not ids:
        return 0
    fields = {"agency_id": agency_id, "kind": kind, "title": _clip(title, TITLE_MAX), "body": body, "url": url,
              "key": key, "confidential": confidential}
    total = 0
    for start in range(0, len(ids), CHUNK):  # bounded IN lists and memory for very long recipient lists
        total += _notify_chunk(ids[start:start + CHUNK], fields)
    return total


def _notify_chunk(ids: list[int], fields: dict) -> int:
    if fields["key"] is not None:
        # Skip those who already have it; the constraint still guards rows a concurrent call is adding.
        have = set(Notification.objects.filter(key=fields["key"], official_id__in=ids)
                   .values_list("official_id", flat=True))
        ids = [pk for pk in ids if pk not in have]
    created = _insert(ids, fields)
    with_email = set(
        Official.objects.filter(pk__in=[n.official_id for n in created]).exclude(email="")
        .values_list("pk", flat=True)
    )
    enqueue_many("notifications.send_email",
                 [{"notification_id": n.pk} for n in created if n.official_id in with_email])
    return len(created)


def _insert(ids: list[int], fields: dict) -> list[Notification]:
    rows = [Notification(official_id=pk, **fields) for pk in ids]
    if not rows:
        return []
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        if fields["key"] is None:
            raise  # not a duplicate key: an official that does not exist
    # A concurrent call added some of them meanwhile: one row at a time, each in its savepoint.
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            if not Notification.objects.filter(official_id=row.official_id, key=fields["key"]).exists():
                raise
            continue
        created.append(row)
    return created


def _own(actor, notification_id: int) -> Notification:
    official = getattr(actor, "official", None) if actor is not None and actor.is_authenticated else None
    try:
        return Notification.objects.select_for_update().get(pk=notification_id, official=official)
    except Notification.DoesNotExist:
        # Someone else's notification is answered exactly like one that does not exist.
        raise NotFound("Không tìm thấy thông báo.") from None


@transaction.atomic
def notification_mark_read(*, actor, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read (again: no change)."""
    notification = _own(actor, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read. Returns how many changed."""
    official = getattr(actor, "official", None) if actor is not None and actor.is_authenticated else None
    if official is None:
        return 0
    return Notification.objects.filter(official=official, read_at__isnull=True).update(read_at=timezone.now())
