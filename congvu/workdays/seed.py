"""National days off and swapped workdays from the `holidays` package (python-holidays, Vietnam).

python-holidays 0.109 matches the official public-sector calendars of 2025 and 2026 (swapped Saturdays
and the new 24/11 holiday included); later years are its estimates, marked `estimated` here. The rows are
a seed for the admin-editable table, never the last word: `seed_calendar` leaves rows an admin edited alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays

from congvu.workdays.models import DayKind

# The last year whose public-sector calendar was decided when this was written (REGULATIONS §5). Later
# years are estimates until an admin records the decision.
LAST_OFFICIAL_YEAR = 2026

OFFICIAL_BASIS = {
    2025: "CV 8726/VPCP-KGVX; TB 6150/TB-BLĐTBXH (lịch nghỉ năm 2025 của cán bộ, công chức, viên chức)",
    2026: "CV 9859/VPCP-KGVX ngày 13/10/2025; TB 9441/TB-BNV ngày 16/10/2025 (lịch nghỉ năm 2026)",
}
PAST_BASIS = "Bộ luật Lao động 2019, Điều 111–112; lịch nghỉ khu vực nhà nước năm {year} (theo thư viện holidays)"
ESTIMATED_BASIS = ("Dự kiến theo Bộ luật Lao động 2019, Điều 111–112 (thư viện holidays); "
                   "chưa có quyết định về lịch nghỉ năm {year}")

SEED_YEARS = (2020, 2030)


@dataclass(frozen=True)
class SeedDay:
    date: dt.date
    kind: str
    name: str
    basis: str
    estimated: bool


def year_basis(year: int) -> tuple[str, bool]:
    """The legal basis recorded for a seeded year, and whether its days are estimates."""
    if year > LAST_OFFICIAL_YEAR:
        return ESTIMATED_BASIS.format(year=year), True
    return OFFICIAL_BASIS.get(year, PAST_BASIS.format(year=year)), False


def package_days(year: int) -> list[SeedDay]:
    """What the installed `holidays` package says about `year`, as calendar rows (sorted by date).

    Kinds: a day the law names (observed=False) is a holiday, "Ngày nghỉ (thay cho ngày …)" is a day off
    swapped for a worked Saturday, any other day the package adds when a holiday falls on a weekly rest
    day (nghỉ bù, the Tết days moved before/after the weekend) is compensatory. The package's weekend
    workdays of the year are swapped workdays.
    """
    observed = holidays.Vietnam(years=year, language="vi")
    named = holidays.Vietnam(years=year, language="vi", observed=False)
    basis, estimated = year_basis(year)
    rows: list[SeedDay] = []
    swapped_off_for: dict[dt.date, dt.date] = {}
    for day, name in sorted(observed.items()):
        if day.year != year:
            continue
        if "thay cho ngày" in name:
            kind = DayKind.SWAPPED_OFF
        elif day in named:
            kind = DayKind.HOLIDAY
        else:
            kind = DayKind.COMPENSATORY
        rows.append(SeedDay(day, kind, name, basis, estimated))
    for worked in sorted(d for d in observed.weekend_workdays if d.year == year):
        for row in rows:
            if row.kind == DayKind.SWAPPED_OFF and worked.strftime("%d/%m/%Y") in row.name:
                swapped_off_for[worked] = row.date
        off = swapped_off_for.get(worked)
        name = f"Làm việc bù cho ngày nghỉ {off:%d/%m/%Y}" if off else "Làm việc bù"
        rows.append(SeedDay(worked, DayKind.SWAPPED_WORKDAY, name, basis, estimated))
    return sorted(rows, key=lambda r: r.date)


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_edited: int = 0
    unchanged: int = 0


def seed_calendar(*, year_from: int, year_to: int, day_model=None, revision_model=None) -> SeedResult:
    """Bring the national rows of `year_from`..`year_to` in line with the package. Idempotent.

    Rows an admin created or edited are never changed or removed; un-edited seeded rows the package no
    longer lists are removed. `day_model`/`revision_model` are the historical models in a migration.
    Must run in a transaction when called outside a migration (the command does).
    """
    if day_model is None:
        from congvu.workdays.models import CalendarDay as day_model
    if revision_model is None:
        from congvu.workdays.models import CalendarRevision as revision_model
    result = SeedResult()
    wanted = {row.date: row for year in range(year_from, year_to + 1) for row in package_days(year)}
    existing = {
        r.date: r for r in day_model.objects.filter(
            province_code="", date__gte=dt.date(year_from, 1, 1), date__lte=dt.date(year_to, 12, 31))
    }
    for day, row in sorted(wanted.items()):
        current = existing.get(day)
        values = {"kind": str(row.kind), "name": row.name, "basis": row.basis, "estimated": row.estimated}
        if current is None:
            day_model.objects.create(date=day, province_code="", source="seed", edited=False, active=True, **values)
            result.created += 1
        elif current.edited or current.source != "seed":
            result.kept_edited += 1
        elif any(getattr(current, k) != v for k, v in values.items()) or not current.active:
            for k, v in values.items():
                setattr(current, k, v)
            current.active = True
            current.save()
            result.updated += 1
        else:
            result.unchanged += 1
    stale = [r.pk for d, r in existing.items() if d not in wanted and r.source == "seed" and not r.edited]
    if stale:
        day_model.objects.filter(pk__in=stale).delete()
        result.removed = len(stale)
    if result.created or result.updated or result.removed:
        bump_revision(revision_model)
    return result


def bump_revision(revision_model=None) -> None:
    from django.db.models import F

    if revision_model is None:
        from congvu.workdays.models import CalendarRevision as revision_model
    if not revision_model.objects.filter(pk=1).update(revision=F("revision") + 1):
        revision_model.objects.create(pk=1, revision=1)
