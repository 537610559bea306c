"""The working-day calendar for the rest of congvu, and the admin's writes to it.

Every deadline goes through `calendar_for(...)` (or `deadline_after(...)`), which returns a
`congvu.workdays.calendar.WorkCalendar` for a province: the national rows plus that province's rows, a
province row replacing the national row of the same date. Calendars are cached per province in the
process; a write here clears this process's cache at once, and other processes notice the change through
`CalendarRevision` within `REVISION_CHECK_SECONDS`.

Writes are keyword-only, atomic, journaled on the system chain (agency_id=None), and allowed to system
admins (superusers) for every scope and to the agency admin of a provincial People's Committee for the
rows of its own province.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time

from django.db import transaction

from congvu.audit.services import journal_record
from congvu.core.dates import parse_vn_date
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.org.models import Agency, AgencyKind, Membership, Role
from congvu.org.selectors import official_for_user
from congvu.workdays.calendar import (
    DEFAULT_PERIODS,
    CalendarError,
    Periods,
    WorkCalendar,
    format_periods,
    parse_periods,
    to_local,
)
from congvu.workdays.models import CalendarDay, CalendarRevision, DayKind, OfficeHours
from congvu.workdays.seed import bump_revision

REVISION_CHECK_SECONDS = 5.0
PROVINCE_CODE_RE = re.compile(r"^[0-9A-Za-z]{1,10}$")
YEAR_MIN, YEAR_MAX = 2000, 2100

# --- reading: the calendar of a province ---------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, WorkCalendar] = {}
_cache_state = {"revision": None, "checked_at": 0.0}


def _current_revision() -> int:
    return CalendarRevision.objects.filter(pk=1).values_list("revision", flat=True).first() or 0


def calendar_cache_clear() -> None:
    """Forget every cached calendar in this process (the writes below call it)."""
    with _lock:
        _cache.clear()
        _cache_state["revision"] = None
        _cache_state["checked_at"] = 0.0


def _merged_office_hours(province_code: str) -> tuple[tuple[dt.date, Periods], ...]:
    """Versions of office hours for a province: on each date its own row applies if one covers the date,
    else the national row, else the default 07:00–11:30, 13:30–17:00."""
    rows = list(OfficeHours.objects.filter(province_code__in={"", province_code}).order_by("valid_from"))
    scoped = {code: [r for r in rows if r.province_code == code] for code in {"", province_code}}
    starts = {dt.date.min}
    for r in rows:
        starts.add(r.valid_from)
        if r.valid_to is not None and r.valid_to < dt.date.max:
            starts.add(r.valid_to + dt.timedelta(days=1))

    def covering(code: str, day: dt.date):
        for r in scoped.get(code, []):
            if r.valid_from <= day and (r.valid_to is None or day <= r.valid_to):
                return r
        return None

    versions: list[tuple[dt.date, Periods]] = []
    for start in sorted(starts):
        row = (covering(province_code, start) if province_code else None) or covering("", start)
        periods = parse_periods(row.periods) if row is not None else DEFAULT_PERIODS
        if not versions or versions[-1][1] != periods:
            versions.append((start, periods))
    return tuple(versions)


def _build_calendar(province_code: str) -> WorkCalendar:
    by_date: dict[dt.date, str] = {}
    rows = CalendarDay.objects.filter(province_code__in={"", province_code}).values_list(
        "date", "kind", "province_code", "active")
    # National rows first, then the province's: a province row for a date replaces the national one.
    for day, kind, _code, active in sorted(rows, key=lambda r: r[2] != ""):
        if active:
            by_date[day] = kind
        else:
            by_date.pop(day, None)
    days_off = frozenset(d for d, k in by_date.items() if k != DayKind.SWAPPED_WORKDAY)
    worked = frozenset(d for d, k in by_date.items() if k == DayKind.SWAPPED_WORKDAY)
    return WorkCalendar(days_off=days_off, swapped_workdays=worked,
                        office_hours=_merged_office_hours(province_code))


def _province_of(agency) -> str:
    if agency is None:
        return ""
    if isinstance(agency, Agency):
        return agency.province_code or ""
    return Agency.objects.filter(pk=agency).values_list("province_code", flat=True).first() or ""


def calendar_for(*, agency: Agency | int | None = None, province_code: str = "") -> WorkCalendar:
    """The working-day calendar of an agency's province (`agency.province_code`), or of `province_code`;
    the national calendar when neither names a province. Cheap: cached per province in the process."""
    code = _province_of(agency) if agency is not None else (province_code or "")
    now = time.monotonic()
    with _lock:
        stale = now - _cache_state["checked_at"] > REVISION_CHECK_SECONDS
    if stale:
        revision = _current_revision()
        with _lock:
            if revision != _cache_state["revision"]:
                _cache.clear()
                _cache_state["revision"] = revision
            _cache_state["checked_at"] = now
    with _lock:
        cached = _cache.get(code)
    if cached is not None:
        return cached
    calendar = _build_calendar(code)
    with _lock:
        _cache[code] = calendar
    return calendar


def deadline_after(*, agency: Agency | int | None, start: dt.datetime, working_days: int) -> dt.datetime:
    """`working_days` working days after `start` on the agency's calendar (see WorkCalendar.add_working_days)."""
    return calendar_for(agency=agency).add_working_days(start, working_days)


# --- who may edit -----------------------------------------------------------------------------------

def can_edit_calendar(user, province_code: str = "") -> bool:
    """System admins edit every row; the agency admin of a provincial People's Committee edits the rows
    of its own province. National rows are the system admin's only."""
    if getattr(user, "is_superuser", False):
        return True
    if not province_code:
        return False
    official = official_for_user(user)
    if official is None:
        return False
    return Membership.objects.filter(
        official=official, active=True, role=Role.AGENCY_ADMIN,
        agency__kind=AgencyKind.PROVINCE_PC, agency__province_code=province_code,
    ).exists()


def can_view_calendar(user) -> bool:
    """The calendar page is for system admins and agency admins (who see it, and edit their province's)."""
    if getattr(user, "is_superuser", False):
        return True
    official = official_for_user(user)
    return official is not None and Membership.objects.filter(
        official=official, active=True, role=Role.AGENCY_ADMIN).exists()


def _require_editor(actor, province_code: str) -> None:
    if not can_edit_calendar(actor, province_code):
        if province_code:
            raise PermissionDenied(
                f"Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh có mã {province_code} được sửa lịch của tỉnh này.")
        raise PermissionDenied("Chỉ quản trị hệ thống được sửa lịch làm việc toàn quốc.")


# --- writes: days -------------------------------------------------------------------------------------

DAY_FIELDS = ("date", "kind", "province_code", "name", "basis", "estimated", "active")


def _snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _clean(value) -> str:
    return " ".join(nfc(str(value or "")).split())


def _province(value, errors: dict[str, str]) -> str:
    code = _clean(value)
    if code and not PROVINCE_CODE_RE.match(code):
        errors["province_code"] = "Mã tỉnh chỉ gồm chữ số hoặc chữ cái không dấu, tối đa 10 ký tự (ví dụ 49)."
    return code


def _day_values(*, date, kind, name, basis, estimated, province_code) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    try:
        values["date"] = parse_vn_date(date, field="date", required=True)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    else:
        if not YEAR_MIN <= values["date"].year <= YEAR_MAX:
            errors["date"] = f"Ngày phải trong khoảng năm {YEAR_MIN}–{YEAR_MAX}."
    values["kind"] = str(kind or "")
    if values["kind"] not in DayKind.values:
        errors["kind"] = "Vui lòng chọn loại ngày: " + ", ".join(str(label) for label in DayKind.labels) + "."
    values["name"] = _clean(name)
    if not values["name"]:
        errors["name"] = "Vui lòng nhập tên ngày nghỉ hoặc lý do (ví dụ “Tết Nguyên đán”)."
    elif len(values["name"]) > 200:
        errors["name"] = "Tên dài quá 200 ký tự."
    values["basis"] = _clean(basis)
    if len(values["basis"]) > 300:
        errors["basis"] = "Căn cứ dài quá 300 ký tự."
    values["estimated"] = bool(estimated)
    values["province_code"] = _province(province_code, errors)
    if values.get("date") and values["kind"] == DayKind.SWAPPED_WORKDAY and values["date"].weekday() < 5:
        errors["kind"] = "Ngày làm việc bù phải là thứ Bảy hoặc Chủ nhật."
    if errors:
        raise ValidationFailed("Thông tin ngày trong lịch chưa hợp lệ.", fields=errors)
    return values


def _taken(date: dt.date, province_code: str, exclude_pk: int | None = None) -> CalendarDay | None:
    qs = CalendarDay.objects.filter(date=date, province_code=province_code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _duplicate(row: CalendarDay) -> ValidationFailed:
    scope = f"tỉnh {row.province_code}" if row.province_code else "toàn quốc"
    state = "" if row.active else " (đã bỏ; có thể khôi phục)"
    return ValidationFailed(
        "Ngày này đã có trong lịch.",
        fields={"date": f"Ngày {row.date:%d/%m/%Y} đã có trong lịch {scope}: “{row.name}”{state}. Hãy sửa dòng đó."},
    )


def _changed(on_commit: bool = True) -> None:
    bump_revision()
    calendar_cache_clear()
    if on_commit:  # the rows become visible to this process's other threads only after commit
        transaction.on_commit(calendar_cache_clear)


def calendar_day_create(*, actor, date, kind: str, name: str, province_code: str = "", basis: str = "",
                        estimated: bool = False) -> CalendarDay:
    """Add a day off or a swapped workday, nationally or for one province. One row per date and scope:
    a second one is refused (edit the first)."""
    values = _day_values(date=date, kind=kind, name=name, basis=basis, estimated=estimated,
                         province_code=province_code)
    _require_editor(actor, values["province_code"])
    with transaction.atomic():
        existing = _taken(values["date"], values["province_code"])
        if existing is not None:
            raise _duplicate(existing)
        day = CalendarDay.objects.create(source=CalendarDay.Source.ADMIN, edited=True, active=True, **values)
        journal_record(actor=actor, agency_id=None, action="workdays.day_create", obj=day,
                       after=_snapshot(day, DAY_FIELDS))
        _changed()
    return day


def _locked_day(pk: int) -> CalendarDay:
    day = CalendarDay.objects.select_for_update().filter(pk=pk).first()
    if day is None:
        raise NotFound("Không tìm thấy ngày này trong lịch.")
    return day


def calendar_day_update(*, actor, day: CalendarDay, date, kind: str, name: str, basis: str = "",
                        estimated: bool = False) -> CalendarDay:
    """Correct a row (its scope stays). The row counts as edited from then on: the seed leaves it alone."""
    _require_editor(actor, day.province_code)
    values = _day_values(date=date, kind=kind, name=name, basis=basis, estimated=estimated,
                         province_code=day.province_code)
    with transaction.atomic():
        locked = _locked_day(day.pk)
        existing = _taken(values["date"], locked.province_code, exclude_pk=locked.pk)
        if existing is not None:
            raise _duplicate(existing)
        before = _snapshot(locked, DAY_FIELDS)
        for field in ("date", "kind", "name", "basis", "estimated"):
            setattr(locked, field, values[field])
        after = _snapshot(locked, DAY_FIELDS)
        if after == before:
            return locked
        locked.edited = True
        locked.save()
        journal_record(actor=actor, agency_id=None, action="workdays.day_update", obj=locked,
                       before=before, after=after)
        _changed()
    return locked


def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    """Remove a row. A seeded row is kept, inactive and marked edited, so that the next seed does not
    bring it back; an admin's own row is deleted."""
    _require_editor(actor, day.province_code)
    with transaction.atomic():
        locked = _locked_day(day.pk)
        before = _snapshot(locked, DAY_FIELDS)
        if locked.source == CalendarDay.Source.SEED:
            if not locked.active:
                raise Conflict("Ngày này đã được bỏ khỏi lịch.")
            locked.active = False
            locked.edited = True
            locked.save()
        else:
            locked.delete()
        journal_record(actor=actor, agency_id=None, action="workdays.day_delete", object_type="workdays.calendarday",
                       object_id=str(day.pk), before=before)
        _changed()


def calendar_day_restore(*, actor, day: CalendarDay) -> CalendarDay:
    """Put back a seeded row an admin removed."""
    _require_editor(actor, day.province_code)
    with transaction.atomic():
        locked = _locked_day(day.pk)
        if locked.active:
            raise Conflict("Ngày này đang có trong lịch.")
        locked.active = True
        locked.save()
        journal_record(actor=actor, agency_id=None, action="workdays.day_restore", obj=locked,
                       before={"active": False}, after={"active": True})
        _changed()
    return locked


# --- writes: office hours -----------------------------------------------------------------------------

def _parse_periods_input(periods) -> Periods:
    """Periods from a list of pairs or from text like "07:00-11:30, 13:30-17:00"."""
    if isinstance(periods, str):
        pairs = []
        for part in re.split(r"[,;\n]+", periods):
            part = part.strip()
            if not part:
                continue
            bounds = re.split(r"\s*[-–—]\s*", part)
            if len(bounds) != 2:
                raise CalendarError(part)
            pairs.append(bounds)
        periods = pairs
    return parse_periods(periods)


def _reflow(province_code: str) -> None:
    """Each version of a scope ends the day before the next one starts; the last is open-ended."""
    rows = list(OfficeHours.objects.select_for_update().filter(province_code=province_code).order_by("valid_from"))
    for row, nxt in zip(rows, [*rows[1:], None]):
        valid_to = nxt.valid_from - dt.timedelta(days=1) if nxt else None
        if row.valid_to != valid_to:
            OfficeHours.objects.filter(pk=row.pk).update(valid_to=valid_to)


def office_hours_set(*, actor, valid_from, periods, province_code: str = "", basis: str = "") -> OfficeHours:
    """Office hours from `valid_from` on, nationally or for one province (a new version; the one before
    ends the day before). Setting the same start date again replaces that version's periods.
    `periods`: [["07:00", "11:30"], ["13:30", "17:00"]] or the text "07:00-11:30, 13:30-17:00"."""
    errors: dict[str, str] = {}
    code = _province(province_code, errors)
    try:
        start = parse_vn_date(valid_from, field="valid_from", required=True)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        start = None
    if start and not YEAR_MIN <= start.year <= YEAR_MAX:
        errors["valid_from"] = f"Ngày phải trong khoảng năm {YEAR_MIN}–{YEAR_MAX}."
    try:
        parsed = _parse_periods_input(periods)
    except CalendarError:
        errors["periods"] = ("Giờ làm việc chưa hợp lệ: nhập các buổi theo thứ tự, không chồng nhau, "
                             "dạng 07:00-11:30, 13:30-17:00.")
        parsed = None
    basis = _clean(basis)
    if len(basis) > 300:
        errors["basis"] = "Căn cứ dài quá 300 ký tự."
    if errors:
        raise ValidationFailed("Giờ làm việc chưa hợp lệ.", fields=errors)
    _require_editor(actor, code)
    with transaction.atomic():
        row = OfficeHours.objects.select_for_update().filter(province_code=code, valid_from=start).first()
        before = {"periods": row.periods, "basis": row.basis} if row else None
        if row is None:
            row = OfficeHours.objects.create(province_code=code, valid_from=start, periods=format_periods(parsed),
                                             basis=basis)
        else:
            row.periods, row.basis = format_periods(parsed), basis
            row.save()
        _reflow(code)
        row.refresh_from_db()
        journal_record(actor=actor, agency_id=None, action="workdays.office_hours_set", obj=row, before=before,
                       after={"province_code": code, "valid_from": start, "periods": row.periods, "basis": basis})
        _changed()
    return row


def office_hours_delete(*, actor, hours: OfficeHours) -> None:
    """Remove one version; the version before it then runs on (or the default hours, if none)."""
    _require_editor(actor, hours.province_code)
    with transaction.atomic():
        row = OfficeHours.objects.select_for_update().filter(pk=hours.pk).first()
        if row is None:
            raise NotFound("Không tìm thấy phiên bản giờ làm việc này.")
        before = {"province_code": row.province_code, "valid_from": row.valid_from, "periods": row.periods,
                  "basis": row.basis}
        row.delete()
        _reflow(hours.province_code)
        journal_record(actor=actor, agency_id=None, action="workdays.office_hours_delete",
                       object_type="workdays.officehours", object_id=str(hours.pk), before=before)
        _changed()


# --- seeding ------------------------------------------------------------------------------------------

def calendar_seed(*, actor=None, year_from: int, year_to: int):
    """Bring the national rows of the years in line with the `holidays` package (see seed.seed_calendar):
    idempotent, never touching rows an admin edited; years after the last official decision are marked
    estimated. Journaled when something changed."""
    from congvu.workdays.seed import seed_calendar

    if not YEAR_MIN <= year_from <= year_to <= YEAR_MAX:
        raise ValidationFailed(
            "Khoảng năm chưa hợp lệ.",
            fields={"year_to": f"Năm phải trong khoảng {YEAR_MIN}–{YEAR_MAX} và “đến năm” không trước “từ năm”."})
    with transaction.atomic():
        result = seed_calendar(year_from=year_from, year_to=year_to)
        if result.created or result.updated or result.removed:
            journal_record(actor=actor, agency_id=None, action="workdays.seed", object_type="workdays.calendarday",
                           object_id=f"{year_from}-{year_to}",
                           after={"created": result.created, "updated": result.updated, "removed": result.removed,
                                  "kept_edited": result.kept_edited})
            calendar_cache_clear()
            transaction.on_commit(calendar_cache_clear)
    return result



# --- input as people type it ----------------------------------------------------------------------------

_VN_MOMENT_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2})[:h](\d{2}))?$")


def parse_moment(value, *, field: str = "start") -> tuple[dt.datetime, bool]:
    """A moment from ISO (`2026-02-13T16:00`, `2026-02-13 16:00`, with or without an offset, or the date
    `2026-02-13`) or Vietnamese (`13/02/2026`, `13/02/2026 16:00`). Returns it aware in Asia/Ho_Chi_Minh
    (naive input is local time) and whether a time of day was given; a date alone is its midnight."""
    if isinstance(value, dt.datetime):
        return to_local(value), True
    if isinstance(value, dt.date):
        return to_local(value), False
    text = str(value or "").strip()
    example = "ví dụ 2026-02-13T16:00, 2026-02-13 hoặc 13/02/2026 16:00"
    if not text:
        raise ValidationFailed("Thiếu thời điểm.", fields={field: f"Vui lòng nhập ngày hoặc thời điểm ({example})."})
    moment = None
    has_time = True
    match = _VN_MOMENT_RE.match(text)
    try:
        if match:
            d, m, y, hh, mm = match.groups()
            has_time = hh is not None
            moment = dt.datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0))
        elif re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            has_time = False
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time.min)
        elif re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationFailed(f"Thời điểm không hợp lệ: “{text}”.",
                               fields={field: f"Thời điểm “{text}” không hợp lệ; {example}."})
    if not YEAR_MIN <= moment.year <= YEAR_MAX:
        raise ValidationFailed(f"Thời điểm ngoài khoảng năm {YEAR_MIN}–{YEAR_MAX}: “{text}”.",
                               fields={field: f"Năm phải trong khoảng {YEAR_MIN}–{YEAR_MAX}."})
    return to_local(moment), has_time


def format_moment(moment: dt.datetime) -> str:
    """ISO local time without offset, to the minute unless seconds matter: `2026-02-27T16:00`."""
    m = to_local(moment)
    return m.strftime("%Y-%m-%dT%H:%M:%S" if m.second or m.microsecond else "%Y-%m-%dT%H:%M")
