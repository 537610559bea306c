"""Working-day arithmetic against the official 2025 and 2026 public-sector calendars. No database."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from congvu.workdays.calendar import (
    DEFAULT_PERIODS,
    VN_TZ,
    CalendarError,
    WorkCalendar,
    parse_periods,
)

D = dt.date

# CV 8726/VPCP-KGVX, TB 6150/TB-BLĐTBXH: Tết 25/01–02/02 (weekdays 27–31/01 off); Hùng Kings Mon 07/04;
# 30/04–04/05 off with Sat 26/04 worked for Fri 02/05; 30/08–02/09 off (Mon 01/09 added).
OFF_2025 = {D(2025, 1, 1), D(2025, 1, 27), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31),
            D(2025, 2, 1), D(2025, 4, 7), D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2), D(2025, 9, 1),
            D(2025, 9, 2)}
WORKED_2025 = {D(2025, 4, 26)}
# CV 9859/VPCP-KGVX, TB 9441/TB-BNV: Tết 14/02–22/02 (16–20/02 off); Hùng Kings Sun 26/04 → Mon 27/04 off;
# 30/04, 01/05; Sat 22/08 worked for Mon 31/08 (29/08–02/09 off); 24/11 Vietnamese Culture Day.
OFF_2026 = {D(2026, 1, 1), D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19), D(2026, 2, 20),
            D(2026, 4, 26), D(2026, 4, 27), D(2026, 4, 30), D(2026, 5, 1), D(2026, 8, 31), D(2026, 9, 1),
            D(2026, 9, 2), D(2026, 11, 24)}
WORKED_2026 = {D(2026, 8, 22)}

OFFICIAL = WorkCalendar(days_off=frozenset(OFF_2025 | OFF_2026), swapped_workdays=frozenset(WORKED_2025 | WORKED_2026))


def at(y, mo, d, h=0, mi=0, s=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ)


# --- days ----------------------------------------------------------------------------------------

def test_working_days_in_the_official_years():
    assert OFFICIAL.working_days_in_year(2026) == 249
    assert OFFICIAL.working_days_in_year(2025) == 250
    assert OFFICIAL.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 249


@pytest.mark.parametrize("day, working", [
    (D(2025, 1, 24), True), (D(2025, 1, 25), False), (D(2025, 1, 27), False), (D(2025, 1, 31), False),
    (D(2025, 2, 2), False), (D(2025, 2, 3), True),
    (D(2025, 4, 26), True), (D(2025, 4, 27), False), (D(2025, 5, 2), False), (D(2025, 5, 5), True),
    (D(2025, 8, 29), True), (D(2025, 8, 30), False), (D(2025, 9, 1), False), (D(2025, 9, 2), False),
    (D(2025, 9, 3), True),
    (D(2026, 2, 13), True), (D(2026, 2, 14), False), (D(2026, 2, 16), False), (D(2026, 2, 20), False),
    (D(2026, 2, 22), False), (D(2026, 2, 23), True),
    (D(2026, 4, 27), False), (D(2026, 4, 28), True), (D(2026, 4, 30), False), (D(2026, 5, 1), False),
    (D(2026, 8, 22), True), (D(2026, 8, 23), False), (D(2026, 8, 28), True), (D(2026, 8, 31), False),
    (D(2026, 9, 2), False), (D(2026, 9, 3), True), (D(2026, 11, 24), False), (D(2026, 11, 25), True),
])
def test_official_days(day, working):
    assert OFFICIAL.is_working_day(day) is working
    assert OFFICIAL.is_working_day(at(day.year, day.month, day.day, 10)) is working


def test_the_new_24_11_holiday_is_a_day_off_in_2026_only_on_this_calendar():
    assert OFFICIAL.is_working_day(D(2025, 11, 24)) is True  # a Monday in 2025, before the holiday existed
    assert OFFICIAL.is_working_day(D(2026, 11, 24)) is False


def test_a_day_both_off_and_swapped_is_off():
    cal = WorkCalendar(days_off=frozenset({D(2026, 8, 22)}), swapped_workdays=frozenset({D(2026, 8, 22)}))
    assert cal.is_working_day(D(2026, 8, 22)) is False
    assert cal.working_days_between(D(2026, 8, 21), D(2026, 8, 24)) == 1


# --- adding working days -------------------------------------------------------------------------

def test_five_working_days_over_tet_2026_keep_the_time_of_day():
    assert OFFICIAL.add_working_days(at(2026, 2, 13, 16), 5) == at(2026, 2, 27, 16)


@pytest.mark.parametrize("start, n, expected", [
    (at(2025, 1, 24, 16), 1, at(2025, 2, 3, 16)),           # Tết 2025
    (at(2025, 4, 25, 9), 1, at(2025, 4, 26, 9)),            # the Saturday worked in 2025
    (at(2025, 4, 26, 9), 1, at(2025, 4, 28, 9)),
    (at(2025, 4, 29, 9), 1, at(2025, 5, 5, 9)),             # 30/04–04/05/2025 off
    (at(2025, 8, 29, 9), 1, at(2025, 9, 3, 9)),             # 30/08–02/09/2025 off
    (at(2026, 4, 24, 8), 1, at(2026, 4, 28, 8)),            # Mon 27/04/2026 off
    (at(2026, 4, 29, 10), 1, at(2026, 5, 4, 10)),           # 30/04, 01/05/2026
    (at(2026, 8, 21, 9), 1, at(2026, 8, 22, 9)),            # Sat 22/08/2026 worked
    (at(2026, 8, 28, 9), 1, at(2026, 9, 3, 9)),             # 29/08–02/09/2026 off
    (at(2026, 11, 23, 14), 1, at(2026, 11, 25, 14)),        # 24/11/2026
    (at(2026, 12, 31, 9), 1, at(2027, 1, 1, 9)),            # 2027 is not on this calendar: a plain Friday
])
def test_add_working_days_over_official_days(start, n, expected):
    assert OFFICIAL.add_working_days(start, n) == expected
    assert OFFICIAL.add_working_days(expected, -n) == start


def test_a_moment_outside_office_hours_starts_at_the_next_opening():
    assert OFFICIAL.add_working_days(at(2026, 3, 6, 17, 30), 1) == at(2026, 3, 10, 7)  # Fri evening → Mon 07:00 → Tue
    assert OFFICIAL.add_working_days(at(2026, 3, 7, 10), 1) == at(2026, 3, 10, 7)      # Saturday
    assert OFFICIAL.add_working_days(at(2026, 3, 9, 12), 1) == at(2026, 3, 10, 13, 30)  # lunch → 13:30
    assert OFFICIAL.add_working_days(at(2026, 3, 9, 6), 0) == at(2026, 3, 9, 7)
    assert OFFICIAL.add_working_days(at(2026, 3, 9, 9, 15, 30), 0) == at(2026, 3, 9, 9, 15, 30)


def test_naive_and_foreign_moments_are_taken_as_local_time():
    assert OFFICIAL.add_working_days(dt.datetime(2026, 2, 13, 16), 5) == at(2026, 2, 27, 16)
    utc = dt.datetime(2026, 2, 13, 9, tzinfo=dt.UTC)  # 16:00 in Hà Nội
    result = OFFICIAL.add_working_days(utc, 5)
    assert result == at(2026, 2, 27, 16)
    assert result.tzinfo == ZoneInfo("Asia/Ho_Chi_Minh")
    assert OFFICIAL.add_working_days(D(2026, 2, 13), 5) == at(2026, 2, 27, 7)


# --- hours -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, hours, expected", [
    (at(2026, 3, 9, 11), 1, at(2026, 3, 9, 14)),              # lunch break skipped
    (at(2026, 3, 9, 7), 4.5, at(2026, 3, 9, 11, 30)),         # the earliest moment: 11:30, not 13:30
    (at(2026, 3, 9, 7), 8, at(2026, 3, 9, 17)),
    (at(2026, 3, 9, 7), 8.25, at(2026, 3, 10, 7, 15)),
    (at(2026, 3, 9, 12, 10), 0.5, at(2026, 3, 9, 14)),        # received at lunch: counts from 13:30
    (at(2026, 2, 13, 16), 2, at(2026, 2, 23, 8)),             # across Tết 2026
    (at(2026, 2, 13, 16), 40, at(2026, 2, 27, 16)),           # 5 days of 8 hours
    (at(2026, 8, 21, 16), 2, at(2026, 8, 22, 8)),             # into the worked Saturday
    (at(2026, 8, 28, 16, 30), 0.75, at(2026, 9, 3, 7, 15)),
    (at(2025, 1, 24, 15), 200, at(2025, 3, 7, 15)),           # 2 h + 24 days + 6 h from before Tết 2025
])
def test_add_working_hours(start, hours, expected):
    assert OFFICIAL.add_working_hours(start, hours) == expected
    assert OFFICIAL.working_time_between(start, expected) == dt.timedelta(hours=hours)


@pytest.mark.parametrize("start, hours, expected", [
    (at(2026, 2, 23, 8), -2, at(2026, 2, 13, 16)),
    (at(2026, 3, 9, 14), -1, at(2026, 3, 9, 11)),
    (at(2026, 3, 9, 12), -0.5, at(2026, 3, 9, 11)),           # from lunch, count back from 11:30
    (at(2026, 3, 10, 7), -1, at(2026, 3, 9, 16)),
    (at(2026, 3, 9, 8), -1, at(2026, 3, 9, 7)),
])
def test_subtract_working_hours(start, hours, expected):
    assert OFFICIAL.add_working_hours(start, hours) == expected


def test_zero_hours_is_the_next_working_moment():
    assert OFFICIAL.add_working_hours(at(2026, 2, 14, 9), 0) == at(2026, 2, 23, 7)


def test_working_time_between_counts_only_office_hours():
    assert OFFICIAL.working_time_between(at(2026, 2, 13, 7), at(2026, 2, 23, 17)) == dt.timedelta(hours=16)
    assert OFFICIAL.working_time_between(at(2026, 2, 23, 17), at(2026, 2, 13, 7)) == dt.timedelta(hours=-16)
    assert OFFICIAL.working_time_between(at(2026, 3, 9, 11), at(2026, 3, 9, 14)) == dt.timedelta(hours=1)


# --- next working moment and the cut-off -----------------------------------------------------------

@pytest.mark.parametrize("moment, expected", [
    (at(2026, 3, 9, 9), at(2026, 3, 9, 9)),
    (at(2026, 3, 9, 6, 59), at(2026, 3, 9, 7)),
    (at(2026, 3, 9, 11, 30), at(2026, 3, 9, 13, 30)),   # 11:30 is already the lunch break
    (at(2026, 3, 9, 13, 29), at(2026, 3, 9, 13, 30)),
    (at(2026, 3, 9, 16, 59), at(2026, 3, 9, 16, 59)),
    (at(2026, 3, 9, 17), at(2026, 3, 10, 7)),
    (at(2026, 2, 13, 17, 30), at(2026, 2, 23, 7)),
    (at(2026, 8, 21, 20), at(2026, 8, 22, 7)),
])
def test_next_working_moment(moment, expected):
    assert OFFICIAL.next_working_moment(moment) == expected


@pytest.mark.parametrize("moment, expected", [
    (at(2026, 3, 9, 14, 59), at(2026, 3, 9, 14, 59)),
    (at(2026, 3, 9, 15, 0), at(2026, 3, 10, 7)),
    (at(2026, 3, 9, 16, 30), at(2026, 3, 10, 7)),
    (at(2026, 3, 9, 12), at(2026, 3, 9, 13, 30)),
    (at(2026, 3, 9, 6), at(2026, 3, 9, 7)),
    (at(2026, 2, 13, 15, 30), at(2026, 2, 23, 7)),      # Friday before Tết 2026
    (at(2026, 2, 14, 9), at(2026, 2, 23, 7)),           # received on a day off
    (at(2026, 4, 29, 15, 1), at(2026, 5, 4, 7)),
])
def test_cutoff_15h(moment, expected):
    assert OFFICIAL.cutoff_start(moment, dt.time(15)) == expected


# --- counting -------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, count", [
    (D(2026, 2, 13), D(2026, 2, 27), 5),
    (D(2026, 2, 27), D(2026, 2, 13), -5),
    (D(2026, 2, 13), D(2026, 2, 13), 0),
    (D(2026, 2, 13), D(2026, 2, 22), 0),
    (D(2026, 2, 14), D(2026, 2, 23), 1),
    (D(2026, 8, 21), D(2026, 9, 3), 7),       # Sat 22/08, Mon–Fri 24–28/08, Thu 03/09
    (at(2026, 2, 13, 16), at(2026, 2, 27, 8), 5),
])
def test_working_days_between(a, b, count):
    assert OFFICIAL.working_days_between(a, b) == count


def test_counting_and_shifting_agree_with_walking_day_by_day():
    """The O(log n) counting against the obvious loop, over every pair of dates near the official years."""
    days = [D(2024, 12, 20) + dt.timedelta(days=i) for i in range(0, 760, 3)]
    working = [d for d in (D(2024, 10, 1) + dt.timedelta(days=i) for i in range(900)) if OFFICIAL.is_working_day(d)]
    for a, b in itertools.product(days[::5], days[::7]):
        walked = sum(1 for d in working if a < d <= b) if b >= a else -sum(1 for d in working if b < d <= a)
        assert OFFICIAL.working_days_between(a, b) == walked, (a, b)
    for a in days[:200]:
        later = [d for d in working if d > a]
        earlier = [d for d in working if d < a]
        for n in (1, 2, 5, 15, 30):
            assert OFFICIAL.shift_working_days(a, n) == later[n - 1], (a, n)
            assert OFFICIAL.shift_working_days(a, -n) == earlier[-n], (a, -n)


def test_adding_then_counting_gives_back_n():
    for start in (at(2026, 2, 13, 16), at(2026, 8, 21, 9), at(2025, 4, 25, 10), at(2026, 4, 29, 13, 45)):
        for n in range(0, 40):
            result = OFFICIAL.add_working_days(start, n)
            assert OFFICIAL.working_days_between(start, result) == n
            assert OFFICIAL.add_working_days(result, -n) == start


# --- office hours that change by date --------------------------------------------------------------

SUMMER = ((dt.time(7, 0), dt.time(11, 0)), (dt.time(13, 0), dt.time(17, 0)))
VERSIONED = WorkCalendar(days_off=OFFICIAL.days_off, swapped_workdays=OFFICIAL.swapped_workdays,
                         office_hours=((D(2000, 1, 1), DEFAULT_PERIODS), (D(2026, 5, 4), SUMMER)))


def test_office_hours_apply_from_their_date():
    assert VERSIONED.periods_on(D(2026, 5, 3)) == DEFAULT_PERIODS
    assert VERSIONED.periods_on(D(2026, 5, 4)) == SUMMER
    assert VERSIONED.periods_on(D(1999, 5, 4)) == DEFAULT_PERIODS  # before the first version: the first
    assert VERSIONED.next_working_moment(at(2026, 5, 4, 11, 15)) == at(2026, 5, 4, 13)
    assert VERSIONED.next_working_moment(at(2026, 4, 29, 11, 15)) == at(2026, 4, 29, 11, 15)


def test_hours_across_a_change_of_office_hours():
    # Wed 29/04 16:00 (old hours): 1 h left that day; 30/04–03/05 off; Mon 04/05 summer hours from 07:00.
    assert VERSIONED.add_working_hours(at(2026, 4, 29, 16), 5.5) == at(2026, 5, 4, 13, 30)
    # Same position in the working day: 11:15 is 4 h 15 min after opening; on summer hours that is 13:15.
    assert VERSIONED.add_working_days(at(2026, 4, 29, 11, 15), 1) == at(2026, 5, 4, 13, 15)


def test_bad_office_hours_are_refused():
    with pytest.raises(CalendarError):
        parse_periods([["11:30", "07:00"]])
    with pytest.raises(CalendarError):
        parse_periods([["07:00", "12:00"], ["11:00", "17:00"]])
    with pytest.raises(CalendarError):
        parse_periods([])
    with pytest.raises(CalendarError):
        parse_periods([["7h", "11:30"]])
    with pytest.raises(CalendarError):
        WorkCalendar(weekly_rest=frozenset(range(7)))
    assert parse_periods([["07:00", "11:30"], ["13:30", "17:00"]]) == DEFAULT_PERIODS


@pytest.mark.parametrize("start", [D(1985, 3, 1), D(1990, 1, 3), D(2110, 12, 24), D(2200, 6, 1)])
def test_shifting_outside_and_across_the_precomputed_span(start):
    cal = WorkCalendar(days_off=frozenset({D(1990, 1, 1), D(2110, 12, 30)}))
    days = [start + dt.timedelta(days=i) for i in range(-40, 41)]
    working = [d for d in days if cal.is_working_day(d)]
    later = [d for d in working if d > start]
    earlier = [d for d in working if d < start]
    for n in (1, 3, 10, 20):
        assert cal.shift_working_days(start, n) == later[n - 1], n
        assert cal.shift_working_days(start, -n) == earlier[-n], -n
