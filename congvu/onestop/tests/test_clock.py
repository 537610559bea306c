"""The one-stop clock against the official 2026 calendar (Tết 14–22/02/2026 off): the 15:00 cut-off, working
days, calendar days that never end on a day off, working hours, step budgets, timeliness and the resume
rule. Pure tests build the calendar by hand; the last ones check the seeded database calendar agrees."""

import datetime as dt
from decimal import Decimal

import pytest

from congvu.onestop.clock import (
    CUTOFF,
    clock_start,
    deadline,
    due_at,
    extend_by_pause,
    step_due,
    timeliness,
    working_time_paused,
)
from congvu.onestop.models import ProcedureVersion, Timeliness, TimeUnit
from congvu.workdays.calendar import VN_TZ, WorkCalendar
from congvu.workdays.services import calendar_for

D = dt.date
# CV 9859/VPCP-KGVX, TB 9441/TB-BNV: Tết 14/02–22/02/2026 (16–20/02 weekdays off); Hùng Kings → Mon 27/04;
# 30/04, 01/05; Sat 22/08 worked for Mon 31/08; 24/11.
OFF_2026 = {D(2026, 1, 1), D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19), D(2026, 2, 20),
            D(2026, 4, 26), D(2026, 4, 27), D(2026, 4, 30), D(2026, 5, 1), D(2026, 8, 31), D(2026, 9, 1),
            D(2026, 9, 2), D(2026, 11, 24)}
CAL = WorkCalendar(days_off=frozenset(OFF_2026), swapped_workdays=frozenset({D(2026, 8, 22)}))
WD, CD, WH = TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_DAYS, TimeUnit.WORKING_HOURS


def at(y, mo, d, h=0, mi=0, s=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ)


def version(limit, unit=WD) -> ProcedureVersion:
    return ProcedureVersion(time_limit=Decimal(limit), time_unit=unit)  # unsaved: the clock reads two fields


# --- when the clock starts ----------------------------------------------------------------------------

@pytest.mark.parametrize("received, start", [
    (at(2026, 2, 13, 10, 0), at(2026, 2, 13, 10, 0)),       # Friday before Tết, morning: at once
    (at(2026, 2, 13, 14, 59, 59), at(2026, 2, 13, 14, 59, 59)),
    (at(2026, 2, 13, 15, 0), at(2026, 2, 23, 7, 0)),        # 15:00 sharp: after Tết, Monday 23/02
    (at(2026, 2, 13, 16, 30), at(2026, 2, 23, 7, 0)),
    (at(2026, 2, 13, 18, 0), at(2026, 2, 23, 7, 0)),
    (at(2026, 2, 18, 9, 0), at(2026, 2, 23, 7, 0)),         # online on mùng 2 Tết
    (at(2026, 2, 12, 12, 0), at(2026, 2, 12, 13, 30)),      # lunch break: the afternoon opening
    (at(2026, 2, 12, 6, 30), at(2026, 2, 12, 7, 0)),        # before opening: that morning
    (at(2026, 8, 22, 9, 0), at(2026, 8, 22, 9, 0)),         # the swapped Saturday is worked
    (at(2026, 8, 28, 15, 10), at(2026, 9, 3, 7, 0)),        # before the 29/08–02/09 break
])
def test_clock_start_cutoff_and_days_off(received, start):
    assert dt.time(15, 0) == CUTOFF
    assert clock_start(calendar=CAL, received_at=received) == start


def test_naive_and_utc_receipt_times_are_read_in_vietnam_time():
    assert clock_start(calendar=CAL, received_at=dt.datetime(2026, 2, 13, 15, 0)) == at(2026, 2, 23, 7, 0)
    utc = dt.datetime(2026, 2, 13, 7, 59, tzinfo=dt.UTC)  # 14:59 in Hà Nội
    assert clock_start(calendar=CAL, received_at=utc) == at(2026, 2, 13, 14, 59)


# --- working days ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("received, limit, due", [
    # 10:00 Friday 13/02 + 5 working days: 23, 24, 25, 26, 27/02 (Tết skipped) → 10:00 Friday 27/02
    (at(2026, 2, 13, 10, 0), "5", at(2026, 2, 27, 10, 0)),
    (at(2026, 2, 13, 14, 59), "5", at(2026, 2, 27, 14, 59)),
    # after the cut-off: starts 07:00 Monday 23/02; five whole days end at 17:00 Friday 27/02
    (at(2026, 2, 13, 15, 0), "5", at(2026, 2, 27, 17, 0)),
    (at(2026, 2, 14, 9, 0), "5", at(2026, 2, 27, 17, 0)),
    (at(2026, 2, 12, 6, 30), "1", at(2026, 2, 12, 17, 0)),   # from the opening: that day's close
    (at(2026, 2, 12, 12, 0), "1", at(2026, 2, 13, 13, 30)),
    (at(2026, 2, 12, 10, 0), "15", at(2026, 3, 12, 10, 0)),  # 13/02; 23–27/02; 02–06/03; 09–12/03
    (at(2026, 4, 29, 9, 0), "1", at(2026, 5, 4, 9, 0)),      # 30/04 and 01/05 off
    (at(2026, 8, 21, 10, 0), "1", at(2026, 8, 22, 10, 0)),   # into the worked Saturday
])
def test_working_day_limits_across_tet(received, limit, due):
    start = clock_start(calendar=CAL, received_at=received)
    assert due_at(calendar=CAL, version=version(limit), start=start) == due


@pytest.mark.parametrize("start, limit, due", [
    (at(2026, 2, 13, 10, 0), "0.5", at(2026, 2, 13, 16, 0)),   # 4 h: 10:00–11:30, 13:30–16:00
    (at(2026, 2, 13, 14, 0), "1.5", at(2026, 2, 24, 8, 0)),    # 23/02 14:00 + 4 h: 17:00, then 07:00–08:00
    (at(2026, 2, 13, 15, 0), "0.5", at(2026, 2, 23, 9, 0)),    # 15:00–17:00 Fri, 07:00–09:00 Mon
    (at(2026, 2, 23, 7, 0), "2.5", at(2026, 2, 25, 11, 0)),    # 17:00 Tue (closed), then 4 h Wednesday
])
def test_fractions_of_a_working_day_are_eight_hours(start, limit, due):
    assert deadline(calendar=CAL, start=start, limit=Decimal(limit), unit=WD) == due


@pytest.mark.parametrize("received, due", [
    (at(2026, 2, 13, 10, 0), at(2026, 2, 13, 17, 0)),   # same day ("trong ngày"): that day's close
    (at(2026, 2, 13, 15, 30), at(2026, 2, 23, 17, 0)),  # after 15:00: the next working day's close
])
def test_a_same_day_limit_ends_at_the_close_of_the_start_day(received, due):
    start = clock_start(calendar=CAL, received_at=received)
    assert due_at(calendar=CAL, version=version("0"), start=start) == due


# --- calendar days ------------------------------------------------------------------------------------

@pytest.mark.parametrize("received, limit, due", [
    (at(2026, 3, 2, 9, 0), "7", at(2026, 3, 9, 9, 0)),        # Monday + 7 days: Monday
    (at(2026, 2, 9, 10, 0), "10", at(2026, 2, 23, 10, 0)),    # would end Thu 19/02 (Tết): Monday 23/02
    (at(2026, 2, 10, 10, 0), "5", at(2026, 2, 23, 10, 0)),    # would end Sunday 15/02: Monday 23/02
    (at(2026, 3, 2, 10, 0), "5", at(2026, 3, 9, 10, 0)),      # Saturday 07/03 → Monday 09/03
    # after the cut-off on Wed 11/02: from 07:00 Thu 12/02, 3 whole days end Saturday 14/02 (Tết) → 23/02
    (at(2026, 2, 11, 16, 0), "3", at(2026, 2, 23, 17, 0)),
    (at(2026, 3, 4, 16, 0), "1", at(2026, 3, 5, 17, 0)),      # from 07:00 Thu 05/03, one day: its close
    (at(2026, 4, 24, 9, 0), "3", at(2026, 4, 28, 9, 0)),      # Mon 27/04 off (Hùng Kings) → Tue 28/04
])
def test_calendar_day_limits_never_end_on_a_day_off(received, limit, due):
    start = clock_start(calendar=CAL, received_at=received)
    result = due_at(calendar=CAL, version=version(limit, CD), start=start)
    assert result == due
    assert CAL.is_working_day(result)


def test_no_calendar_day_limit_in_2026_ends_on_a_day_off():
    ends = set()
    for day in range(365):
        start = at(2026, 1, 1, 9, 0) + dt.timedelta(days=day)
        for limit in ("1", "3", "7", "10", "15", "30"):
            end = deadline(calendar=CAL, start=start, limit=Decimal(limit), unit=CD)
            assert CAL.is_working_day(end), (start, limit, end)
            # never shorter than the limit: from an opening, the close of the day before counts the same
            assert end >= CAL.next_working_moment(start) + dt.timedelta(days=int(limit), hours=-14)
            ends.add(end.date())
    assert D(2026, 2, 23) in ends and D(2026, 2, 19) not in ends


# --- working hours and steps -----------------------------------------------------------------------------

@pytest.mark.parametrize("start, hours, due", [
    (at(2026, 2, 13, 16, 0), "8", at(2026, 2, 23, 16, 0)),    # 1 h Friday, 4.5 + 2.5 h Monday after Tết
    (at(2026, 2, 12, 7, 0), "4.5", at(2026, 2, 12, 11, 30)),  # the earliest moment: 11:30, not 13:30
    (at(2026, 2, 12, 11, 0), "1", at(2026, 2, 12, 14, 0)),    # over lunch
    (at(2026, 2, 14, 8, 0), "2", at(2026, 2, 23, 9, 0)),      # from a day off: the next opening
])
def test_working_hour_limits(start, hours, due):
    assert due_at(calendar=CAL, version=version(hours, WH), start=start) == due


@pytest.mark.parametrize("start, budget, due", [
    (at(2026, 2, 13, 16, 0), "0.5", at(2026, 2, 23, 10, 0)),
    (at(2026, 2, 23, 8, 0), "3", at(2026, 2, 26, 8, 0)),
    (at(2026, 2, 23, 7, 0), "1", at(2026, 2, 23, 17, 0)),
    (at(2026, 2, 13, 9, 0), "0.25", at(2026, 2, 13, 11, 0)),
])
def test_step_budget_is_eight_working_hours_a_day(start, budget, due):
    assert step_due(calendar=CAL, start=start, budget_days=Decimal(budget)) == due


def test_a_negative_limit_or_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        deadline(calendar=CAL, start=at(2026, 3, 2, 9), limit=Decimal("-1"), unit=WD)
    with pytest.raises(ValueError):
        deadline(calendar=CAL, start=at(2026, 3, 2, 9), limit=Decimal("1"), unit="weeks")


# --- timeliness -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("finished, expected", [
    (at(2026, 2, 26, 16, 0), Timeliness.EARLY),
    (at(2026, 2, 13, 9, 0), Timeliness.EARLY),
    (at(2026, 2, 27, 7, 0), Timeliness.ON_TIME),     # on the due day
    (at(2026, 2, 27, 17, 0), Timeliness.ON_TIME),    # at the due moment
    (at(2026, 2, 27, 17, 0, 1), Timeliness.LATE),
    (at(2026, 3, 2, 7, 0), Timeliness.LATE),
])
def test_timeliness(finished, expected):
    assert timeliness(finished_at=finished, due_at=at(2026, 2, 27, 17, 0)) == expected


def test_timeliness_compares_days_in_vietnam_time():
    # 23:30 UTC on 26/02 is 06:30 on 27/02 in Hà Nội: the due day itself, so on time, not early
    finished = dt.datetime(2026, 2, 26, 23, 30, tzinfo=dt.UTC)
    assert timeliness(finished_at=finished, due_at=at(2026, 2, 27, 17, 0)) == Timeliness.ON_TIME
    assert timeliness(finished_at=at(2026, 2, 27, 9), due_at=None) == Timeliness.ON_TIME


# --- the resume rule ----------------------------------------------------------------------------------

def test_resume_rule_adds_the_working_time_paused():
    # paused 15:00 Thu 12/02 → 09:00 Mon 23/02: 2 h + 8 h (Fri 13/02) + 2 h = 12 working hours (Tết free)
    paused = working_time_paused(calendar=CAL, paused_from=at(2026, 2, 12, 15), paused_to=at(2026, 2, 23, 9))
    assert paused == dt.timedelta(hours=12)
    # due 10:00 Fri 27/02 + 12 h: 5 h that Friday, 4.5 + 2.5 h Monday 02/03 → 16:00
    assert extend_by_pause(calendar=CAL, due_at=at(2026, 2, 27, 10), paused_from=at(2026, 2, 12, 15),
                           paused_to=at(2026, 2, 23, 9)) == at(2026, 3, 2, 16, 0)


@pytest.mark.parametrize("paused_from, paused_to", [
    (at(2026, 2, 14, 8), at(2026, 2, 22, 20)),       # the whole Tết break: no working time
    (at(2026, 2, 12, 12, 0), at(2026, 2, 12, 13, 0)),  # inside lunch
    (at(2026, 2, 12, 10, 0), at(2026, 2, 12, 10, 0)),
    (at(2026, 2, 12, 10, 0), at(2026, 2, 11, 10, 0)),  # backwards
])
def test_a_pause_without_working_time_does_not_move_the_due_moment(paused_from, paused_to):
    due = at(2026, 2, 27, 17, 0)
    assert extend_by_pause(calendar=CAL, due_at=due, paused_from=paused_from, paused_to=paused_to) == due


def test_resume_from_a_due_moment_at_closing_continues_next_working_day():
    # due 17:00 Friday 13/02, paused 2 h 20 min: 07:00 Monday 23/02 + 2 h 20 min
    assert extend_by_pause(calendar=CAL, due_at=at(2026, 2, 13, 17), paused_from=at(2026, 2, 10, 8, 0),
                           paused_to=at(2026, 2, 10, 10, 20)) == at(2026, 2, 23, 9, 20)


# --- the seeded database calendar gives the same answers -----------------------------------------------

@pytest.mark.django_db
def test_database_calendar_agrees_across_tet(agency):
    cal = calendar_for(agency=agency)
    start = clock_start(calendar=cal, received_at=at(2026, 2, 13, 15, 30))
    assert start == at(2026, 2, 23, 7, 0)
    assert due_at(calendar=cal, version=version("5"), start=start) == at(2026, 2, 27, 17, 0)
    assert due_at(calendar=cal, version=version("10", CD), start=at(2026, 2, 9, 10)) == at(2026, 2, 23, 10)
    assert extend_by_pause(calendar=cal, due_at=at(2026, 2, 27, 10), paused_from=at(2026, 2, 12, 15),
                           paused_to=at(2026, 2, 23, 9)) == at(2026, 3, 2, 16, 0)
