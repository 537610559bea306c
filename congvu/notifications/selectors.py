"""Reads of the notification inbox: always the requesting user's own notifications, nobody else's."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from congvu.notifications.models import Notification

PAGE_MAX = 200


def own_notifications(user) -> QuerySet[Notification]:
    official_id = _official_id(user)
    if official_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(official_id=official_id)


def _official_id(user) -> int | None:
    if user is None or not user.is_authenticated:
        return None
    official = getattr(user, "official", None)
    return official.pk if official is not None else None


def unread_count(user) -> int:
    """The bell's figure: one COUNT over the (official, read_at) index."""
    return own_notifications(user).filter(read_at__isnull=True).count()


def notification_get(user, notification_id: int) -> Notification | None:
    return own_notifications(user).select_related("agency").filter(pk=notification_id).first()


@dataclass
class InboxPage:
    rows: list[Notification]
    next_cursor: str | None  # pass as `cursor` for the following page; None on the last page


def inbox(user, *, unread: bool | None = None, cursor: str | None = None, limit: int = 50) -> InboxPage:
    """The user's notifications, keyset-paginated.

    unread=None: unread ones first, then read ones, each newest first; unread=True / False: only those,
    newest first. `cursor` is opaque ("u<id>" while in the unread part, "r<id>" in the read part);
    a malformed cursor starts from the beginning."""
    limit = max(1, min(int(limit), PAGE_MAX))
    phase, after = _parse_cursor(cursor)
    qs = own_notifications(user).select_related("agency")
    unread_qs, read_qs = qs.filter(read_at__isnull=True), qs.filter(read_at__isnull=False)
    if unread is False and phase == "u":
        phase, after = "r", None
    rows: list[Notification] = []
    if unread is not False and phase == "u":
        part = unread_qs.filter(pk__lt=after) if after else unread_qs
        rows = list(part.order_by("-pk")[: limit + 1])
        if len(rows) > limit:
            return InboxPage(rows[:limit], f"u{rows[limit - 1].pk}")
        if unread:
            return InboxPage(rows, None)
        phase, after = "r", None
    if unread is not True and phase == "r":
        part = read_qs.filter(pk__lt=after) if after else read_qs
        room = limit - len(rows)
        more = list(part.order_by("-pk")[: room + 1])
        if len(more) <= room:
            return InboxPage(rows + more, None)
        # "r0": the read part from its start (the page ended exactly where the unread part did).
        return InboxPage(rows + more[:room], f"r{more[room - 1].pk}" if room else "r0")
    return InboxPage(rows, None)


def _parse_cursor(cursor: str | None) -> tuple[str, int | None]:
    if cursor and cursor[0] in "ur" and cursor[1:].isdigit() and len(cursor) < 20:
        return cursor[0], int(cursor[1:])
    return "u", None
