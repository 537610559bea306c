"""The calendar page: a year's days off and swapped workdays as a table and a month grid, and office hours.

System admins edit every scope; the agency admin of a provincial People's Committee edits its province;
other agency admins see. Thin: workdays.services decides and journals.
"""

import calendar as pycalendar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from congvu.core.dates import format_vn_date
from congvu.core.errors import DomainError, PermissionDenied
from congvu.org.models import Agency
from congvu.workdays import selectors, services
from congvu.workdays.forms import CalendarDayForm, OfficeHoursForm
from congvu.workdays.models import CalendarDay, DayKind, OfficeHours

MONTHS = ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7", "Tháng 8", "Tháng 9",
          "Tháng 10", "Tháng 11", "Tháng 12"]
WEEKDAYS = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]


def _require_viewer(request) -> None:
    if not services.can_view_calendar(request.user):
        raise HttpForbidden("Chỉ quản trị hệ thống và quản trị cơ quan được xem trang lịch làm việc.")


def _scope(request, source) -> tuple[int, str]:
    """Year and province code of the page: from the query/form, else this year and the province of the
    agency the user works in (the national calendar for a system admin)."""
    today = timezone.localdate()
    try:
        year = int(source.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, services.YEAR_MIN), services.YEAR_MAX)
    if "province" in source:
        code = (source.get("province") or "").strip()
        if code and not services.PROVINCE_CODE_RE.match(code):
            code = ""
    elif request.agency_id:
        code = Agency.objects.filter(pk=request.agency_id).values_list("province_code", flat=True).first() or ""
    else:
        code = ""
    return year, code


def _page_url(year: int, code: str) -> str:
    return f"{reverse('workdays:calendar')}?year={year}&province={code}"


def _month_grids(year: int, code: str, rows: list[selectors.DayRow]) -> list[dict]:
    calendar = services.calendar_for(province_code=code)
    names = {r.day.date: r.day for r in rows}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                row = names.get(day)
                if day.month != month:
                    css = "out"
                elif row is not None and row.kind == DayKind.SWAPPED_WORKDAY:
                    css = "swapped"
                elif row is not None:
                    css = "off"
                elif calendar.is_working_day(day):
                    css = "work"
                else:
                    css = "rest"
                cells.append({"day": day, "css": css, "title": row.name if row and day.month == month else ""})
            weeks.append(cells)
        months.append({"name": MONTHS[month - 1], "weeks": weeks})
    return months


def _context(request, year: int, code: str, *, day_form=None, hours_form=None) -> dict:
    rows = selectors.calendar_days(year=year, province_code=code)
    calendar = services.calendar_for(province_code=code)
    return {
        "year": year, "province_code": code, "years": range(year - 3, year + 4),
        "provinces": selectors.known_province_codes(),
        "rows": rows, "removed": selectors.removed_days(year=year) if not code else [],
        "months": _month_grids(year, code, rows), "weekdays": WEEKDAYS,
        "working_days": calendar.working_days_in_year(year),
        "can_edit": services.can_edit_calendar(request.user, code),
        "hours": selectors.office_hours_versions(province_code=code),
        "day_form": day_form or CalendarDayForm(),
        "hours_form": hours_form or OfficeHoursForm(initial={"periods": "07:00-11:30, 13:30-17:00"}),
        "page_url": _page_url(year, code),
        "estimated_year": any(r.day.estimated for r in rows),
    }


def _run(form, service, **kwargs):
    """A service call for a form: its result, or None with the Vietnamese errors on the form; a refusal is
    a 403 page."""
    try:
        return service(**kwargs)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        form.add_service_errors(exc.fields, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    _require_viewer(request)
    if request.method == "POST":
        year, code = _scope(request, request.POST)
        form = CalendarDayForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        day = _run(form, services.calendar_day_create, actor=request.user, date=data.get("date", ""),
                   kind=data.get("kind", ""), name=data.get("name", ""), basis=data.get("basis", ""),
                   estimated=bool(data.get("estimated")), province_code=code)
        if day is not None:
            messages.success(request, f"Đã thêm ngày {format_vn_date(day.date)}: {day.name}.")
            return redirect(_page_url(day.date.year, code))
        return render(request, "workdays/calendar.html", _context(request, year, code, day_form=form), status=400)
    year, code = _scope(request, request.GET)
    return render(request, "workdays/calendar.html", _context(request, year, code))


def _day_or_404(pk: int) -> CalendarDay:
    day = CalendarDay.objects.filter(pk=pk).first()
    if day is None:
        raise Http404("Không tìm thấy ngày này trong lịch.")
    return day


@login_required
@require_http_methods(["GET", "POST"])
def day_edit(request, pk: int):
    _require_viewer(request)
    day = _day_or_404(pk)
    if not services.can_edit_calendar(request.user, day.province_code):
        raise HttpForbidden("Bạn không được sửa ngày này của lịch.")
    if request.method == "POST":
        form = CalendarDayForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        updated = _run(form, services.calendar_day_update, actor=request.user, day=day, date=data.get("date", ""),
                       kind=data.get("kind", ""), name=data.get("name", ""), basis=data.get("basis", ""),
                       estimated=bool(data.get("estimated")))
        if updated is not None:
            messages.success(request, f"Đã lưu ngày {format_vn_date(updated.date)}: {updated.name}.")
            return redirect(_page_url(updated.date.year, updated.province_code))
    else:
        form = CalendarDayForm(initial={"date": format_vn_date(day.date), "kind": day.kind, "name": day.name,
                                        "basis": day.basis, "estimated": day.estimated})
    return render(request, "workdays/day_edit.html", {
        "day": day, "form": form, "back_url": _page_url(day.date.year, day.province_code)})


@login_required
@require_POST
def day_delete(request, pk: int):
    _require_viewer(request)
    day = _day_or_404(pk)
    try:
        services.calendar_day_delete(actor=request.user, day=day)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Đã bỏ ngày {format_vn_date(day.date)} ({day.name}) khỏi lịch.")
    return redirect(_page_url(day.date.year, day.province_code))


@login_required
@require_POST
def day_restore(request, pk: int):
    _require_viewer(request)
    day = _day_or_404(pk)
    try:
        services.calendar_day_restore(actor=request.user, day=day)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Đã khôi phục ngày {format_vn_date(day.date)} ({day.name}).")
    return redirect(_page_url(day.date.year, day.province_code))


@login_required
@require_POST
def office_hours_set(request):
    _require_viewer(request)
    year, code = _scope(request, request.POST)
    form = OfficeHoursForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    row = _run(form, services.office_hours_set, actor=request.user, valid_from=data.get("valid_from", ""),
               periods=data.get("periods", ""), basis=data.get("basis", ""), province_code=code)
    if row is None:
        return render(request, "workdays/calendar.html", _context(request, year, code, hours_form=form), status=400)
    messages.success(request, f"Đã đặt giờ làm việc từ ngày {format_vn_date(row.valid_from)}.")
    return redirect(_page_url(year, code))


@login_required
@require_POST
def office_hours_delete(request, pk: int):
    _require_viewer(request)
    row = OfficeHours.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("Không tìm thấy phiên bản giờ làm việc này.")
    year, code = _scope(request, request.POST)
    try:
        services.office_hours_delete(actor=request.user, hours=row)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    messages.success(request, f"Đã xóa giờ làm việc áp dụng từ ngày {format_vn_date(row.valid_from)}.")
    return redirect(_page_url(year, code))

