"""Working-day arithmetic for Vietnamese public agencies. Pure: no Django, no database.

A `WorkCalendar` is a frozen value built from the days off (holidays, compensatory days, swapped-off days,
extra days off), the swapped workdays (a Saturday or Sunday worked in exchange for a day off), the weekly
rest days and the office hours, which may change by date. The database layer (`congvu.workdays.services`)
builds one per province; everything here works on plain dates and times.

Conventions (docs/decisions/0003-working-days.md):

- Moments are aware datetimes in Asia/Ho_Chi_Minh; a naive datetime is taken as local time, a `date` as
  its midnight. Results are aware, in Asia/Ho_Chi_Minh.
- A working day: not a day off, and either a swapped workday or not a weekly rest day. A date that is
  both a day off and a swapped workday is off.
- Office hours are half-open periods [start, end): 11:30 and 17:00 are outside them.
- `add_working_days(m, n)`: `m` is first moved to the next working moment; the result is the same position
  in the working day (the same clock time when both days have the same hours) `n` working days later
  (earlier for negative `n`). A position past a shorter day's hours is that day's close.
- `add_working_hours(m, h)`: the earliest moment by which `h` hours of office time have passed since `m`
  (so it may be 11:30 or 17:00); negative `h` counts back to the latest such moment.
- `working_days_between(a, b)`: the working days after `a`'s date up to and including `b`'s date;
  negative when `b` is before `a`, 0 on the same date. Times of day are ignored.
"""

from __future__ import annotations

import bisect
import datetime as dt
from array import array
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

Period = tuple[dt.time, dt.time]
Periods = tuple[Period, ...]

# Office hours most provinces set (the Thanh Hóa reference calculator uses the same): 8 hours a day.
DEFAULT_PERIODS: Periods = ((dt.time(7, 0), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 0)))
DEFAULT_WEEKLY_REST = frozenset({SAT, SUN})
# The span of dates precomputed for fast shifting; dates outside it are still computed, only more slowly.
INDEX_FROM, INDEX_TO = dt.date(1990, 1, 1), dt.date(2110, 12, 31)


class CalendarError(ValueError):
    """A calendar that cannot be computed with (bad office hours, no working weekday)."""


def to_local(moment: dt.datetime | dt.date) -> dt.datetime:
    """`moment` as an aware datetime in Asia/Ho_Chi_Minh; a naive datetime is local, a date its midnight."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            return moment.replace(tzinfo=VN_TZ)
        return moment.astimezone(VN_TZ)
    if isinstance(moment, dt.date):
        return dt.datetime.combine(moment, dt.time.min, tzinfo=VN_TZ)
    raise TypeError(f"expected a date or datetime, got {type(moment).__name__}")


def _local_date(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        return to_local(moment).date()
    return moment


def parse_periods(value) -> Periods:
    """Periods from `[["07:00", "11:30"], ["13:30", "17:00"]]` (strings or `time`s), checked."""
    periods = []
    try:
        for start, end in value:
            s = start if isinstance(start, dt.time) else dt.time.fromisoformat(str(start))
            e = end if isinstance(end, dt.time) else dt.time.fromisoformat(str(end))
            periods.append((s.replace(tzinfo=None), e.replace(tzinfo=None)))
    except (TypeError, ValueError) as exc:
        raise CalendarError(f"office hours must be pairs of HH:MM times: {exc}") from None
    return check_periods(tuple(periods))


def check_periods(periods: Periods) -> Periods:
    if not periods:
        raise CalendarError("office hours need at least one period")
    previous_end = None
    for start, end in periods:
        if not start < end:
            raise CalendarError(f"period {start:%H:%M}–{end:%H:%M} ends before it starts")
        if previous_end is not None and start < previous_end:
            raise CalendarError(f"period {start:%H:%M}–{end:%H:%M} overlaps the one before or is out of order")
        previous_end = end
    return periods


def format_periods(periods: Periods) -> list[list[str]]:
    return [[s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in periods]


def _span(day: dt.date, a: dt.time, b: dt.time) -> dt.timedelta:
    return dt.datetime.combine(day, b) - dt.datetime.combine(day, a)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked and when. Immutable: build a new one to change it.

    `office_hours` is a sequence of `(valid_from, periods)`: each applies from its date until the next
    one's; dates before the first use the first. By default 07:00–11:30 and 13:30–17:00 always.
    """

    days_off: frozenset[dt.date] = frozenset()
    swapped_workdays: frozenset[dt.date] = frozenset()
    weekly_rest: frozenset[int] = DEFAULT_WEEKLY_REST
    office_hours: tuple[tuple[dt.date, Periods], ...] = ((dt.date.min, DEFAULT_PERIODS),)
    # Derived in __post_init__, for O(log n) counting.
    _off_weekdays: tuple[dt.date, ...] = field(default=(), init=False, repr=False, compare=False)
    _worked_rest_days: tuple[dt.date, ...] = field(default=(), init=False, repr=False, compare=False)
    _hours_from: tuple[dt.date, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self):
        days_off = frozenset(self.days_off)
        swapped = frozenset(self.swapped_workdays)
        rest = frozenset(self.weekly_rest)
        if len(rest) >= 7 or not rest <= set(range(7)):
            raise CalendarError("weekly rest days must be weekday numbers 0–6 leaving at least one working weekday")
        versions = sorted(((d, check_periods(tuple(p))) for d, p in self.office_hours), key=lambda v: v[0])
        if not versions:
            versions = [(dt.date.min, DEFAULT_PERIODS)]
        if len({d for d, _ in versions}) != len(versions):
            raise CalendarError("two office-hours versions start on the same date")
        object.__setattr__(self, "days_off", days_off)
        object.__setattr__(self, "swapped_workdays", swapped)
        object.__setattr__(self, "weekly_rest", rest)
        object.__setattr__(self, "office_hours", tuple(versions))
        # Exceptions to the weekly pattern: days off that fall on a weekday worked by default, and
        # swapped workdays that fall on a weekly rest day (and are not also off).
        object.__setattr__(self, "_off_weekdays", tuple(sorted(d for d in days_off if d.weekday() not in rest)))
        object.__setattr__(self, "_worked_rest_days",
                           tuple(sorted(d for d in swapped if d.weekday() in rest and d not in days_off)))
        object.__setattr__(self, "_hours_from", tuple(d for d, _ in versions))

    # --- days ----------------------------------------------------------------------------------

    def is_working_day(self, d: dt.date | dt.datetime) -> bool:
        d = _local_date(d)
        if d in self.days_off:
            return False
        return d in self.swapped_workdays or d.weekday() not in self.weekly_rest

    def _count(self, a: dt.date, b: dt.date) -> int:
        """Working days d with a < d <= b (0 when b <= a)."""
        if b <= a:
            return 0
        weeks, rest = divmod((b - a).days, 7)
        count = weeks * (7 - len(self.weekly_rest))
        weekday = a.weekday()
        for i in range(1, rest + 1):
            if (weekday + i) % 7 not in self.weekly_rest:
                count += 1

        def between(days: tuple[dt.date, ...]) -> int:
            return bisect.bisect_right(days, b) - bisect.bisect_right(days, a)

        return count - between(self._off_weekdays) + between(self._worked_rest_days)

    def working_days_between(self, a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
        """Working days after `a`'s date up to and including `b`'s date; negative if `b` is earlier."""
        da, db = _local_date(a), _local_date(b)
        return self._count(da, db) if db >= da else -self._count(db, da)

    @cached_property
    def _index(self) -> array:
        """Ordinals of every working day from INDEX_FROM to INDEX_TO, built once per calendar (~40 ms):
        shifting by n working days inside that span is then one bisect and one lookup."""
        start, end = INDEX_FROM.toordinal(), INDEX_TO.toordinal()
        rest = self.weekly_rest
        off, worked = self.days_off, self.swapped_workdays
        ordinals = array("l")
        day = INDEX_FROM
        for o in range(start, end + 1):
            if day not in off and (day in worked or (o - 1) % 7 not in rest):  # ordinal 1 (0001-01-01) is a Monday
                ordinals.append(o)
            day += dt.timedelta(days=1)
        return ordinals

    def shift_working_days(self, d: dt.date, n: int) -> dt.date:
        """The `n`-th working day after `d` (before it when `n` < 0); `d` itself when `n` == 0."""
        if n == 0:
            return d
        index = self._index
        o = d.toordinal()
        j = bisect.bisect_right(index, o) + n - 1 if n > 0 else bisect.bisect_left(index, o) + n
        if INDEX_FROM <= d <= INDEX_TO and 0 <= j < len(index):
            return dt.date.fromordinal(index[j])
        return self._shift_by_search(d, n)

    def _shift_by_search(self, d: dt.date, n: int) -> dt.date:
        """Outside the index: binary search over the O(log n) count."""
        per_week = 7 - len(self.weekly_rest)
        if n > 0:
            # Smallest D > d with n working days in (d, D].
            lo, step = d, n * 7 // per_week + 7
            hi = d + dt.timedelta(days=step)
            while self._count(d, hi) < n:
                lo, hi = hi, hi + dt.timedelta(days=step)
            while (hi - lo).days > 1:
                mid = lo + dt.timedelta(days=(hi - lo).days // 2)
                if self._count(d, mid) >= n:
                    hi = mid
                else:
                    lo = mid
            return hi
        # Largest D < d with -n working days in [D, d).
        n = -n
        last = d - dt.timedelta(days=1)
        hi, step = d, n * 7 // per_week + 7
        lo = d - dt.timedelta(days=step)
        while self._count(lo - dt.timedelta(days=1), last) < n:
            hi, lo = lo, lo - dt.timedelta(days=step)
        while (hi - lo).days > 1:
            mid = lo + dt.timedelta(days=(hi - lo).days // 2)
            if self._count(mid - dt.timedelta(days=1), last) >= n:
                lo = mid
            else:
                hi = mid
        return lo

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day after `d`."""
        return self.shift_working_days(_local_date(d), 1)

    def previous_working_day(self, d: dt.date) -> dt.date:
        return self.shift_working_days(_local_date(d), -1)

    # --- hours ---------------------------------------------------------------------------------

    def periods_on(self, d: dt.date) -> Periods:
        """The office hours that apply on `d` (whether or not it is a working day)."""
        i = bisect.bisect_right(self._hours_from, d) - 1
        return self.office_hours[max(i, 0)][1]

    def opening(self, d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, self.periods_on(d)[0][0], tzinfo=VN_TZ)

    def closing(self, d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, self.periods_on(d)[-1][1], tzinfo=VN_TZ)

    def day_length(self, d: dt.date) -> dt.timedelta:
        return sum((_span(d, s, e) for s, e in self.periods_on(d)), dt.timedelta())

    def is_working_moment(self, moment: dt.datetime) -> bool:
        m = to_local(moment)
        if not self.is_working_day(m.date()):
            return False
        t = m.time()
        return any(s <= t < e for s, e in self.periods_on(m.date()))

    def next_working_moment(self, moment: dt.datetime | dt.date) -> dt.datetime:
        """`moment` itself if it is inside office hours of a working day, otherwise the next opening."""
        m = to_local(moment)
        d = m.date()
        if self.is_working_day(d):
            t = m.time()
            for s, e in self.periods_on(d):
                if t < s:
                    return dt.datetime.combine(d, s, tzinfo=VN_TZ)
                if t < e:
                    return m
        return self.opening(self.next_working_day(d))

    def _previous_working_moment(self, m: dt.datetime) -> dt.datetime:
        """`m` if inside office hours (or at a period's end) of a working day, else the last close before it."""
        d = m.date()
        if self.is_working_day(d):
            t = m.time()
            for s, e in reversed(self.periods_on(d)):
                if t > e:
                    return dt.datetime.combine(d, e, tzinfo=VN_TZ)
                if t > s:
                    return m
        return self.closing(self.previous_working_day(d))

    def _offset_in_day(self, m: dt.datetime) -> dt.timedelta:
        """Office time from the opening of `m`'s day to `m` (m inside office hours)."""
        d, t = m.date(), m.time()
        offset = dt.timedelta()
        for s, e in self.periods_on(d):
            if t >= e:
                offset += _span(d, s, e)
            elif t >= s:
                offset += _span(d, s, t)
                break
        return offset

    def _moment_at_offset(self, d: dt.date, offset: dt.timedelta) -> dt.datetime:
        for s, e in self.periods_on(d):
            length = _span(d, s, e)
            if offset < length:
                return dt.datetime.combine(d, s, tzinfo=VN_TZ) + offset
            offset -= length
        return self.closing(d)

    def add_working_days(self, moment: dt.datetime | dt.date, n: int) -> dt.datetime:
        """`n` working days after `moment`, at the same position in the working day.

        `moment` is first moved to the next working moment (a Saturday, an evening or a lunch break moves
        to the next opening). Then the result keeps the time of day: 16:00 on Friday 13/02/2026 plus 5
        working days is 16:00 on Friday 27/02/2026 (Tết 14–22/02 is skipped). Negative `n` counts back.
        With office hours that differ between the two days, the position is the office time since the
        opening; past the shorter day's hours it is that day's close.
        """
        start = self.next_working_moment(moment)
        if n == 0:
            return start
        day = self.shift_working_days(start.date(), n)
        return self._moment_at_offset(day, self._offset_in_day(start))

    def add_working_hours(self, moment: dt.datetime | dt.date, hours: float) -> dt.datetime:
        """The earliest moment by which `hours` of office time have passed since `moment` (lunch breaks,
        evenings, weekly rest days and days off do not count). Negative `hours` count back to the latest
        moment that far before `moment`. Zero gives the next working moment."""
        remaining = dt.timedelta(hours=hours)
        if remaining == dt.timedelta():
            return self.next_working_moment(moment)
        if remaining > dt.timedelta():
            cur = self.next_working_moment(moment)
            while True:
                d = cur.date()
                for s, e in self.periods_on(d):
                    end = dt.datetime.combine(d, e, tzinfo=VN_TZ)
                    if end <= cur:
                        continue
                    begin = max(cur, dt.datetime.combine(d, s, tzinfo=VN_TZ))
                    if remaining <= end - begin:
                        return begin + remaining
                    remaining -= end - begin
                nxt = self.next_working_day(d)
                # Whole days at once: most of a long limit is spent here.
                while remaining > self.day_length(nxt):
                    remaining -= self.day_length(nxt)
                    nxt = self.next_working_day(nxt)
                cur = self.opening(nxt)
        remaining = -remaining
        cur = self._previous_working_moment(to_local(moment))
        while True:
            d = cur.date()
            for s, e in reversed(self.periods_on(d)):
                begin = dt.datetime.combine(d, s, tzinfo=VN_TZ)
                if begin >= cur:
                    continue
                end = min(cur, dt.datetime.combine(d, e, tzinfo=VN_TZ))
                if remaining <= end - begin:
                    return end - remaining
                remaining -= end - begin
            prev = self.previous_working_day(d)
            while remaining > self.day_length(prev):
                remaining -= self.day_length(prev)
                prev = self.previous_working_day(prev)
            cur = self.closing(prev)

    def working_time_between(self, a: dt.datetime | dt.date, b: dt.datetime | dt.date) -> dt.timedelta:
        """Office time from `a` to `b` (negative if `b` is earlier): what `add_working_hours` adds."""
        start, end = to_local(a), to_local(b)
        if end < start:
            return -self.working_time_between(end, start)
        total = dt.timedelta()
        d = start.date()
        while d <= end.date():
            if self.is_working_day(d):
                for s, e in self.periods_on(d):
                    begin = max(start, dt.datetime.combine(d, s, tzinfo=VN_TZ))
                    finish = min(end, dt.datetime.combine(d, e, tzinfo=VN_TZ))
                    if finish > begin:
                        total += finish - begin
            d += dt.timedelta(days=1)
        return total

    def cutoff_start(self, moment: dt.datetime | dt.date, cutoff: dt.time) -> dt.datetime:
        """When a limit starts for something received at `moment`: received on a working day before
        `cutoff` (e.g. 15:00 for the one-stop shop), the next working moment; at or after it, or on a
        day off, the opening of the next working day."""
        m = to_local(moment)
        if self.is_working_day(m.date()) and m.time() < cutoff:
            return self.next_working_moment(m)
        return self.opening(self.next_working_day(m.date()))

    # --- listing -------------------------------------------------------------------------------

    def working_days_in_year(self, year: int) -> int:
        return self._count(dt.date(year - 1, 12, 31), dt.date(year, 12, 31))
