"""/api/v1/workdays: working-day arithmetic on the calendar in the database, the calendar itself, and the
admin's changes to it. Thin: congvu.workdays.services computes and decides."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from congvu.api.schemas import CREATE_ERRORS, ERRORS, MAX_ID, StrictIn
from congvu.core.errors import NotFound, ValidationFailed
from congvu.org.models import Agency
from congvu.org.selectors import user_access
from congvu.workdays import selectors, services
from congvu.workdays.models import CalendarDay, DayKind, OfficeHours

router = Router(tags=["Lịch làm việc"])

DayKindCode = Literal[tuple(DayKind.values)]  # type: ignore[valid-type]
MOMENT_HELP = ("Ngày hoặc thời điểm: 2026-02-13T16:00 (giờ Việt Nam nếu không ghi múi giờ), 2026-02-13, "
               "13/02/2026 hoặc 13/02/2026 16:00.")
PROVINCE_HELP = "Mã tỉnh: dùng lịch của tỉnh (ngày riêng của tỉnh thay ngày toàn quốc cùng ngày). Mặc định toàn quốc."
AGENCY_HELP = "Id cơ quan bạn công tác: dùng lịch của tỉnh nơi cơ quan đóng (thay cho `province`)."


class AddOut(Schema):
    start: dt.datetime = Field(description="Thời điểm bắt đầu tính: thời điểm làm việc kế tiếp của `start`.")
    result: dt.datetime = Field(description="Kết quả, giờ Việt Nam (+07:00).")


class BetweenOut(Schema):
    working_days: int = Field(description="Số ngày làm việc sau ngày `start` đến hết ngày `end`; âm nếu `end` trước.")


class CalendarDayOut(Schema):
    id: int
    date: dt.date
    kind: DayKindCode
    kind_label: str
    working: bool = Field(description="true với ngày làm việc bù (thứ Bảy/Chủ nhật đi làm).")
    name: str
    province_code: str = Field(description="Rỗng: toàn quốc.")
    basis: str
    estimated: bool = Field(description="Dự kiến: chưa có quyết định chính thức về lịch nghỉ năm đó.")
    edited: bool = Field(description="Quản trị đã nhập hoặc sửa; lệnh nạp lại không ghi đè.")


class CalendarOut(Schema):
    year: int
    province_code: str
    working_days: int = Field(description="Số ngày làm việc trong năm theo lịch này.")
    days: list[CalendarDayOut]


class CalendarDayIn(StrictIn):
    date: str = Field(max_length=20, description="yyyy-mm-dd hoặc dd/mm/yyyy.")
    kind: DayKindCode
    name: str = Field(max_length=300)
    province_code: str = Field("", max_length=10, description="Rỗng: toàn quốc (chỉ quản trị hệ thống).")
    basis: str = Field("", max_length=400)
    estimated: bool = False


class CalendarDayPatchIn(StrictIn):
    date: str | None = Field(None, max_length=20)
    kind: DayKindCode | None = None
    name: str | None = Field(None, max_length=300)
    basis: str | None = Field(None, max_length=400)
    estimated: bool | None = None


class OfficeHoursOut(Schema):
    id: int
    province_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    periods: list[list[str]] = Field(description='Các buổi làm việc, ví dụ [["07:00", "11:30"], ["13:30", "17:00"]].')
    basis: str


class OfficeHoursIn(StrictIn):
    valid_from: str = Field(max_length=20)
    periods: list[list[str]] = Field(max_length=6)
    province_code: str = Field("", max_length=10)
    basis: str = Field("", max_length=400)


def _province(user, province: str | None, agency: int | None) -> str:
    if agency is not None:
        if agency not in user_access(user):
            raise NotFound("Không tìm thấy cơ quan.")
        return Agency.objects.filter(pk=agency).values_list("province_code", flat=True).first() or ""
    code = (province or "").strip()
    if code and not services.PROVINCE_CODE_RE.match(code):
        raise ValidationFailed("Mã tỉnh không hợp lệ.", fields={"province": "Mã tỉnh chỉ gồm chữ số hoặc chữ cái."})
    return code


def day_item(row: CalendarDay) -> dict:
    return {"id": row.pk, "date": row.date, "kind": row.kind, "kind_label": row.get_kind_display(),
            "working": row.kind == DayKind.SWAPPED_WORKDAY, "name": row.name, "province_code": row.province_code,
            "basis": row.basis, "estimated": row.estimated, "edited": row.edited}


def hours_item(row: OfficeHours) -> dict:
    return {"id": row.pk, "province_code": row.province_code, "valid_from": row.valid_from,
            "valid_to": row.valid_to, "periods": row.periods, "basis": row.basis}


@router.get("/workdays/add", response={200: AddOut, **ERRORS}, summary="Cộng ngày hoặc giờ làm việc",
            description="Thời điểm sau `days` ngày làm việc (cùng giờ trong ngày; thời điểm ngoài giờ làm việc "
                        "được chuyển tới giờ mở cửa kế tiếp), hoặc sau `hours` giờ làm việc (chỉ tính giờ hành "
                        "chính, bỏ nghỉ trưa). Cho một trong hai.")
def workdays_add(
    request: HttpRequest,
    start: str = Query(..., max_length=40, description=MOMENT_HELP),
    days: int | None = Query(None, ge=-10000, le=10000, description="Số ngày làm việc (âm: trước đó)."),
    hours: float | None = Query(None, ge=-100000, le=100000, description="Số giờ làm việc, ví dụ 4.5."),
    province: str | None = Query(None, max_length=10, description=PROVINCE_HELP),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description=AGENCY_HELP),
):
    if (days is None) == (hours is None):
        raise ValidationFailed("Cho biết số ngày làm việc hoặc số giờ làm việc.",
                               fields={"days": "Nhập `days` hoặc `hours`, một trong hai."})
    moment, _ = services.parse_moment(start, field="start")
    calendar = services.calendar_for(province_code=_province(request.auth, province, agency))
    result = calendar.add_working_days(moment, days) if days is not None else calendar.add_working_hours(moment, hours)
    return {"start": calendar.next_working_moment(moment), "result": result}


@router.get("/workdays/between", response={200: BetweenOut, **ERRORS}, summary="Đếm ngày làm việc",
            description="Số ngày làm việc sau ngày `start` đến hết ngày `end` (giờ trong ngày không tính); âm nếu "
                        "`end` trước `start`, 0 nếu cùng ngày.")
def workdays_between(
    request: HttpRequest,
    start: str = Query(..., max_length=40, description=MOMENT_HELP),
    end: str = Query(..., max_length=40, description=MOMENT_HELP),
    province: str | None = Query(None, max_length=10, description=PROVINCE_HELP),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description=AGENCY_HELP),
):
    a, _ = services.parse_moment(start, field="start")
    b, _ = services.parse_moment(end, field="end")
    calendar = services.calendar_for(province_code=_province(request.auth, province, agency))
    return {"working_days": calendar.working_days_between(a, b)}


@router.get("/workdays/calendar", response={200: CalendarOut, **ERRORS}, summary="Lịch nghỉ lễ, làm bù của một năm",
            description="Các ngày nghỉ (lễ, Tết, nghỉ bù, hoán đổi, nghỉ thêm) và ngày làm việc bù của năm; với "
                        "một tỉnh, ngày riêng của tỉnh thay ngày toàn quốc cùng ngày.")
def workdays_calendar(
    request: HttpRequest,
    year: int = Query(..., ge=services.YEAR_MIN, le=services.YEAR_MAX, description="Năm."),
    province: str | None = Query(None, max_length=10, description=PROVINCE_HELP),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description=AGENCY_HELP),
):
    code = _province(request.auth, province, agency)
    return {"year": year, "province_code": code,
            "working_days": services.calendar_for(province_code=code).working_days_in_year(year),
            "days": [day_item(r.day) for r in selectors.calendar_days(year=year, province_code=code)]}


@router.post("/workdays/days", response={201: CalendarDayOut, **CREATE_ERRORS}, summary="Thêm ngày nghỉ hoặc làm bù",
             description="Quản trị hệ thống: mọi phạm vi; quản trị UBND tỉnh: ngày của tỉnh mình. Mỗi ngày một dòng "
                         "cho mỗi phạm vi.")
def workdays_day_create(request: HttpRequest, payload: CalendarDayIn):
    row = services.calendar_day_create(actor=request.auth, **payload.model_dump())
    return Status(201, day_item(row))


def _day(pk: int) -> CalendarDay:
    row = CalendarDay.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound("Không tìm thấy ngày này trong lịch.")
    return row


@router.patch("/workdays/days/{day_id}", response={200: CalendarDayOut, **CREATE_ERRORS},
              summary="Sửa một ngày trong lịch")
def workdays_day_update(request: HttpRequest, payload: CalendarDayPatchIn,
                        day_id: int = Path(..., ge=1, le=MAX_ID)):
    row = _day(day_id)
    changes = payload.model_dump(exclude_unset=True)
    values = {"date": row.date, "kind": row.kind, "name": row.name, "basis": row.basis,
              "estimated": row.estimated} | {k: v for k, v in changes.items() if v is not None}
    return day_item(services.calendar_day_update(actor=request.auth, day=row, **values))


@router.delete("/workdays/days/{day_id}", response={204: None, **CREATE_ERRORS}, summary="Bỏ một ngày khỏi lịch",
               description="Ngày nạp từ thư viện holidays được giữ lại ở trạng thái đã bỏ (để lệnh nạp lại không "
                           "đưa nó trở lại); ngày do quản trị nhập bị xóa.")
def workdays_day_delete(request: HttpRequest, day_id: int = Path(..., ge=1, le=MAX_ID)):
    services.calendar_day_delete(actor=request.auth, day=_day(day_id))
    return Status(204, None)


@router.get("/workdays/office-hours", response={200: list[OfficeHoursOut], **ERRORS}, summary="Giờ làm việc",
            description="Các phiên bản giờ làm việc toàn quốc và (nếu chọn) của tỉnh; mặc định 07:00–11:30, "
                        "13:30–17:00 khi chưa có phiên bản nào.")
def workdays_office_hours(
    request: HttpRequest,
    province: str | None = Query(None, max_length=10, description=PROVINCE_HELP),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description=AGENCY_HELP),
):
    code = _province(request.auth, province, agency)
    return [hours_item(r) for r in selectors.office_hours_versions(province_code=code)]


@router.post("/workdays/office-hours", response={201: OfficeHoursOut, **CREATE_ERRORS},
             summary="Đặt giờ làm việc từ một ngày",
             description="Tạo phiên bản mới (phiên bản trước kết thúc vào ngày hôm trước); cùng ngày bắt đầu thì "
                         "thay các buổi của phiên bản đó.")
def workdays_office_hours_set(request: HttpRequest, payload: OfficeHoursIn):
    row = services.office_hours_set(actor=request.auth, **payload.model_dump())
    return Status(201, hours_item(row))

