"""The one-stop clock: when a limit starts, when it ends, how pauses move it, and whether a finish was early,
on time or late. Plain functions over a `WorkCalendar` (`congvu.workdays.services.calendar_for(agency=…)`);
no database. The rules and which of them are our reading: docs/decisions/0020-onestop-clock-and-codes.md.

- The limit starts at the next working moment after receipt of a complete dossier; received at or after
  15:00, or on a day off, it starts at the next working day's opening (REGULATIONS §4.7).
- Working days: the same position in the working day N working days later; a limit that would end at a
  day's opening ends at the previous working day's close instead (07:00 Monday and 17:00 Friday are the
  same office time; the appointment reads as the last day of the limit). Fractions of a day are 8 working
  hours a day (REGULATIONS §4.7, reference calculator).
- Calendar days ("ngày"): the same clock time N days later (an opening becomes the previous day's close,
  as above), never on a day off: then the next working day, same time.
- Working hours: office time, lunch, evenings and days off not counted.
- A limit of 0 working days ("trong ngày") ends at the close of the day the clock starts.
- A pause moves the due moment by the working time paused (the resume rule).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from congvu.onestop.models import ProcedureVersion, Timeliness, TimeUnit
from congvu.workdays.calendar import WorkCalendar, to_local

CUTOFF = dt.time(15, 0)
HOURS_PER_DAY = 8  # REGULATIONS §4.7: 1 day = 8 working hours


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    """Float hours can leave a stray microsecond; deadlines are kept to the second."""
    return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0) if moment.microsecond else moment


def _add_hours(calendar: WorkCalendar, moment: dt.datetime, hours: Decimal) -> dt.datetime:
    return _whole_seconds(calendar.add_working_hours(moment, float(hours)))


def _close_if_opening(calendar: WorkCalendar, moment: dt.datetime) -> dt.datetime:
    """07:00 of a working day is, in office time, the previous working day's close: show that instead."""
    day = moment.date()
    if calendar.is_working_day(day) and moment == calendar.opening(day):
        return calendar.closing(calendar.previous_working_day(day))
    return moment


def clock_start(*, calendar: WorkCalendar, received_at: dt.datetime) -> dt.datetime:
    """When the limit of a complete dossier received at `received_at` starts."""
    return calendar.cutoff_start(received_at, CUTOFF)


def due_at(*, calendar: WorkCalendar, version: ProcedureVersion, start: dt.datetime) -> dt.datetime:
    """The appointment (ngày hẹn trả) for a limit starting at `start` (normally `clock_start(…)`)."""
    return deadline(calendar=calendar, start=start, limit=Decimal(version.time_limit), unit=version.time_unit)


def deadline(*, calendar: WorkCalendar, start: dt.datetime, limit: Decimal, unit: str) -> dt.datetime:
    """`due_at` with the limit given directly (a step, a what-if on the catalogue page)."""
    limit = Decimal(limit)
    if limit < 0:
        raise ValueError("a time limit cannot be negative")
    begin = calendar.next_working_moment(start)
    if unit == TimeUnit.WORKING_HOURS:
        return _add_hours(calendar, begin, limit)
    whole = int(limit)
    fraction = limit - whole
    if unit == TimeUnit.CALENDAR_DAYS:
        end = _whole_seconds(begin + dt.timedelta(days=whole, hours=float(fraction * 24)))
        if whole and not fraction and begin == calendar.opening(begin.date()):
            # from an opening, N days cover N whole days: the limit ends at the close of the last one
            end = calendar.closing(end.date() - dt.timedelta(days=1))
        day = end.date()
        if not calendar.is_working_day(day):
            day = calendar.next_working_day(day)
            end = dt.datetime.combine(day, end.time(), tzinfo=end.tzinfo)
        return end
    if unit != TimeUnit.WORKING_DAYS:
        raise ValueError(f"unknown time unit {unit!r}")
    if not limit:
        # "Trong ngày": a same-day procedure is due at the close of the day its clock starts (received after
        # 15:00, that is the next working day's close).
        return calendar.closing(begin.date())
    end = begin
    if whole:
        end = _close_if_opening(calendar, calendar.add_working_days(begin, whole))
    if fraction:
        end = _add_hours(calendar, end, fraction * HOURS_PER_DAY)
    return end


def step_due(*, calendar: WorkCalendar, start: dt.datetime, budget_days: Decimal) -> dt.datetime:
    """A step's deadline: its budget in working days at 8 working hours a day, from `start`."""
    return _add_hours(calendar, start, Decimal(budget_days) * HOURS_PER_DAY)


def timeliness(*, finished_at: dt.datetime, due_at: dt.datetime | None) -> Timeliness:
    """Early: finished on a day before the due day; on time: by the due moment; late: after it. No due
    moment (a dossier without an appointment) is on time (DVCQG counts it by the legal maximum instead)."""
    if due_at is None:
        return Timeliness.ON_TIME
    finished, due = to_local(finished_at), to_local(due_at)
    if finished > due:
        return Timeliness.LATE
    if finished.date() < due.date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def working_time_paused(*, calendar: WorkCalendar, paused_from: dt.datetime, paused_to: dt.datetime
                        ) -> dt.timedelta:
    """Office time between the two moments (0 if `paused_to` is not after `paused_from`)."""
    if paused_to <= paused_from:
        return dt.timedelta()
    return calendar.working_time_between(paused_from, paused_to)


def extend_by_pause(*, calendar: WorkCalendar, due_at: dt.datetime, paused_from: dt.datetime,
                    paused_to: dt.datetime) -> dt.datetime:
    """The resume rule: the due moment moves by the working time the dossier was paused."""
    paused = working_time_paused(calendar=calendar, paused_from=paused_from, paused_to=paused_to)
    if not paused:
        return due_at
    hours = Decimal(int(paused.total_seconds())) / 3600
    return _add_hours(calendar, due_at, hours)
