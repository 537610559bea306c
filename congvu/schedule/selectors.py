"""Reads of the weekly schedule, already limited to what the user may see.

- leaders, clerks and agency admins keep the schedule: they see every entry of their agency, drafts
  included;
- everyone else with a position in the agency sees the published entries, and the published entries
  that were later cancelled (struck out, with the reason), so an announced meeting never silently
  disappears.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from congvu.core.errors import NotFound, ValidationFailed
from congvu.documents.selectors import visible_documents
from congvu.org.models import Role
from congvu.org.selectors import user_access, user_has_role
from congvu.schedule.models import EntryStatus, ScheduleEntry

KEEPER_ROLES = (Role.LEADER, Role.CLERK, Role.AGENCY_ADMIN)
WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
# Entries starting before noon are "Sáng", the rest "Chiều" (evening meetings included).
AFTERNOON_FROM = dt.time(12, 0)

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def can_keep_schedule(user, agency_id: int) -> bool:
    """Leaders, clerks and agency admins make, correct, publish and cancel the agency's entries."""
    return user_has_role(user, agency_id, *KEEPER_ROLES)


def visible_entries(user, agency_id: int | None = None) -> QuerySet[ScheduleEntry]:
    """Entries `user` may see, optionally of one agency."""
    access = user_access(user)
    agencies = [a for a in access if agency_id is None or a == agency_id]
    if not agencies:
        return ScheduleEntry.objects.none()
    keeper = [a for a in agencies if access[a].roles.intersection(KEEPER_ROLES)]
    reader = [a for a in agencies if a not in keeper]
    cond = Q(pk__in=[])
    if keeper:
        cond |= Q(agency_id__in=keeper)
    if reader:
        announced = Q(status=EntryStatus.PUBLISHED) | Q(status=EntryStatus.CANCELLED, published_at__isnull=False)
        cond |= Q(agency_id__in=reader) & announced
    return ScheduleEntry.objects.filter(cond)


def entry_get(*, user, pk: int) -> ScheduleEntry:
    """One entry if `user` may see it; otherwise NotFound (its existence is not revealed)."""
    entry = (visible_entries(user).select_related("agency", "chair", "preparing_department", "created_by",
                                                  "source_document")
             .filter(pk=pk).first())
    if entry is None:
        raise NotFound("Không tìm thấy lịch công tác hoặc bạn không có quyền xem.")
    return entry


def entry_documents(*, user, entry: ScheduleEntry) -> list:
    """The documents linked to an entry that `user` may open (the others are not named)."""
    return list(visible_documents(user).filter(pk__in=entry.documents.values("pk"))
                .select_related("doc_type").order_by("registered_at", "pk"))


# --- weeks -------------------------------------------------------------------------------------

def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str | None) -> dt.date:
    """Monday of an ISO week written "2026-W48" (also "2026W48", "2026-w48"); this week when empty."""
    if not week:
        today = timezone.localdate()
        return today - dt.timedelta(days=today.weekday())
    match = _WEEK_RE.match(week.strip())
    monday = None
    if match:
        try:
            monday = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            monday = None
    if monday is None:
        raise ValidationFailed(f"Tuần “{week}” không hợp lệ; ghi theo dạng 2026-W48.",
                               fields={"week": "Tuần không hợp lệ; ví dụ 2026-W48."})
    return monday


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def week_bounds(week: str | None) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) of the week, local time."""
    monday = week_monday(week)
    return _midnight(monday), _midnight(monday + dt.timedelta(days=7))


@dataclass
class DayRow:
    date: dt.date
    name: str
    morning: list[ScheduleEntry] = field(default_factory=list)
    afternoon: list[ScheduleEntry] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.morning) + len(self.afternoon)

    @property
    def parts(self) -> list[tuple[str, list[ScheduleEntry]]]:
        """("Sáng", entries), ("Chiều", entries), leaving out a half-day with nothing in it."""
        return [(name, rows) for name, rows in (("Sáng", self.morning), ("Chiều", self.afternoon)) if rows]

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


@dataclass
class Week:
    agency_id: int
    week: str  # "2026-W48"
    monday: dt.date
    sunday: dt.date
    days: list[DayRow]
    previous: str
    next: str
    current: str
    drafts: int  # entries still to publish (only keepers see drafts)

    @property
    def entries(self) -> list[ScheduleEntry]:
        return [e for d in self.days for e in d.morning + d.afternoon]

    @property
    def number(self) -> int:
        return int(self.week.split("W")[1])


def schedule_week(*, user, agency_id: int, week: str | None = None, include_drafts: bool = True) -> Week:
    """One week (Monday to Sunday) of an agency's schedule as `user` may see it, split by day and by
    morning / afternoon, in start order. `include_drafts=False` leaves drafts out (the printed week)."""
    monday = week_monday(week)
    start, end = _midnight(monday), _midnight(monday + dt.timedelta(days=7))
    qs = (visible_entries(user, agency_id).filter(start__gte=start, start__lt=end)
          .select_related("chair", "preparing_department")
          .prefetch_related("attendee_officials", "attendee_departments")
          .order_by("start", "pk"))
    if not include_drafts:
        qs = qs.exclude(status=EntryStatus.DRAFT)
    days = [DayRow(monday + dt.timedelta(days=i), WEEKDAY_NAMES[i]) for i in range(7)]
    drafts = 0
    for entry in qs:
        local = timezone.localtime(entry.start)
        row = days[(local.date() - monday).days]
        (row.afternoon if local.time() >= AFTERNOON_FROM else row.morning).append(entry)
        drafts += entry.status == EntryStatus.DRAFT
    return Week(agency_id=agency_id, week=iso_week(monday), monday=monday, sunday=monday + dt.timedelta(days=6),
                days=days, previous=iso_week(monday - dt.timedelta(days=7)),
                next=iso_week(monday + dt.timedelta(days=7)), current=iso_week(timezone.localdate()),
                drafts=drafts)


def upcoming_entries(*, user, agency_id: int, limit: int = 5) -> list[ScheduleEntry]:
    """The next published entries from now on (for a home-page panel)."""
    return list(visible_entries(user, agency_id).filter(status=EntryStatus.PUBLISHED, start__gte=timezone.now())
                .select_related("chair").order_by("start", "pk")[:limit])
