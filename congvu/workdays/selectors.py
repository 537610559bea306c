"""Reads of the calendar tables, for the calendar page and the API. The calendar is not secret: every
signed-in user may read it; `services.can_edit_calendar` says who may change it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from congvu.workdays.models import CalendarDay, OfficeHours


@dataclass(frozen=True)
class DayRow:
    """A row as it applies to one scope; `overrides` when a province row replaces a national one."""

    day: CalendarDay
    overrides: CalendarDay | None = None


def calendar_days(*, year: int, province_code: str = "") -> list[DayRow]:
    """The active rows that shape `year` in a scope: national rows, and for a province its own rows, which
    replace the national row of the same date. Sorted by date."""
    rows = CalendarDay.objects.filter(date__year=year, province_code__in={"", province_code}, active=True)
    national: dict[dt.date, CalendarDay] = {}
    provincial: dict[dt.date, CalendarDay] = {}
    for row in rows:
        (provincial if row.province_code else national)[row.date] = row
    result = [DayRow(row, national.get(d)) for d, row in provincial.items()]
    result += [DayRow(row) for d, row in national.items() if d not in provincial]
    return sorted(result, key=lambda r: r.day.date)


def removed_days(*, year: int) -> list[CalendarDay]:
    """Seeded national rows an admin took out of the calendar (they can be put back)."""
    return list(CalendarDay.objects.filter(date__year=year, province_code="", active=False).order_by("date"))


def office_hours_versions(*, province_code: str = "") -> list[OfficeHours]:
    """National versions, and the province's own when a province is named, oldest first."""
    return list(OfficeHours.objects.filter(province_code__in={"", province_code}).order_by("province_code",
                                                                                             "valid_from"))


def known_province_codes() -> list[str]:
    """Province codes that have rows or agencies, for the page's scope picker."""
    from congvu.org.models import Agency

    codes = set(CalendarDay.objects.exclude(province_code="").values_list("province_code", flat=True))
    codes |= set(OfficeHours.objects.exclude(province_code="").values_list("province_code", flat=True))
    codes |= set(Agency.objects.exclude(province_code="").values_list("province_code", flat=True))
    return sorted(codes)
