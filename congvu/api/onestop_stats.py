"""One-stop shop JSON API (onestop_stats): the statistics and the Decision 766 indicators, as on the pages, with
the same keys and formulas. Thin: congvu.onestop.stats and congvu.onestop.indicators compute and decide who sees
what (an agency, procedure or department out of sight is a 404, like one that does not exist)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from congvu.api.schemas import ERRORS, MAX_ID
from congvu.core.errors import ValidationFailed
from congvu.onestop import indicators, stats

router = Router(tags=["Một cửa"])

DATE_HELP = "Ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd."
XLSX_RESPONSE = {"responses": {200: {"description": "Số liệu (JSON, hoặc XLSX khi format=xlsx).", "content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}}}}


class StatsRowOut(Schema):
    key: str = Field(description="“p:<id thủ tục>”, “a:<id cơ quan>” hoặc “total”.")
    name: str
    code: str = Field(description="Mã TTHC hoặc mã định danh cơ quan.")
    carried_over: int
    received: int
    received_counter: int
    received_online: int
    received_postal: int
    total: int
    done: int
    done_early: int
    done_on_time: int
    done_late: int
    withdrawn: int
    in_progress_on_time: int
    in_progress_overdue: int
    due_soon: int
    supplement: int
    paused: int
    refused: int
    on_time_rate: float | None = Field(description="Tỷ lệ đúng hạn (0–1); null khi tổng số bằng 0.")
    online_rate: float | None = Field(description="Tỷ lệ trực tuyến (0–1); null khi không tiếp nhận hồ sơ nào.")


class StatsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    as_of: dt.datetime = Field(description="Thời điểm cuối kỳ: 24:00 ngày cuối kỳ, hoặc lúc xem nếu kỳ chưa hết.")
    agency_ids: list[int] = Field(description="Các cơ quan được tính.")
    procedure_id: int | None
    department_id: int | None
    formulas: dict[str, str] = Field(description="Cách tính từng chỉ tiêu, theo khóa.")
    labels: dict[str, str]
    total: StatsRowOut
    by_procedure: list[StatsRowOut]
    by_agency: list[StatsRowOut]


class IndicatorOut(Schema):
    code: str = Field(description="Mã chỉ số (2.1, 2.2, 3.3, 4.1, 4.2, 5.4; “ecopy”: bản sao chứng thực điện tử).")
    name: str
    formula: str
    numerator: int | None
    denominator: int | None
    rate: float | None = Field(description="R = tử số / mẫu số (0–1).")
    amount: float | None = Field(description="2.2: số ngày trung bình; ecopy: số bản.")
    threshold: float | None = Field(description="Ngưỡng T (0–1); null: không công bố, tính như 1.")
    max_points: float | None
    points: float | None = Field(description="Điểm = điểm tối đa nếu R ≥ T, ngược lại R × điểm tối đa / T.")


class IndicatorRowOut(Schema):
    key: str
    name: str
    indicators: list[IndicatorOut]


class NotComputableOut(Schema):
    code: str
    name: str
    reason: str


class IndicatorsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    as_of: dt.datetime
    rule: str
    total: IndicatorRowOut
    by_agency: list[IndicatorRowOut]
    not_computable: list[NotComputableOut]


def _format(value: str) -> str:
    if value not in ("json", "xlsx"):
        raise ValidationFailed("Định dạng không hợp lệ.", fields={"format": "Chọn json hoặc xlsx."})
    return value


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=stats.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/onestop/stats", response={200: StatsOut, **ERRORS}, summary="Thống kê hồ sơ một cửa theo kỳ",
            description="Theo thủ tục và theo cơ quan: kỳ trước chuyển sang, tiếp nhận trong kỳ (theo kênh), đã giải "
                        "quyết trước hạn / đúng hạn / quá hạn, rút hồ sơ, đang giải quyết trong hạn / quá hạn, chờ bổ "
                        "sung, tạm dừng, không tiếp nhận; tỷ lệ đúng hạn và trực tuyến; `formulas` ghi cách tính. "
                        "Lãnh đạo, cán bộ một cửa, quản trị cơ quan xem cơ quan mình và các cơ quan cấp dưới; quản trị "
                        "hệ thống xem tất cả. `format=xlsx` trả về tệp Excel.",
            openapi_extra=XLSX_RESPONSE)
def onestop_stats(
    request: HttpRequest,
    date_from: str | None = Query(None, max_length=20, description="Ngày đầu kỳ; mặc định 01/01 năm nay. " + DATE_HELP),
    date_to: str | None = Query(None, max_length=20, description="Ngày cuối kỳ; mặc định hôm nay. " + DATE_HELP),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan (tính cả các cơ quan cấp dưới)."),
    procedure: int | None = Query(None, ge=1, le=MAX_ID, description="Id thủ tục hành chính."),
    department: int | None = Query(None, ge=1, le=MAX_ID, description="Id phòng, ban: hồ sơ có bước xử lý tại đó."),
    format: str = Query("json", description="json hoặc xlsx."),
):
    fmt = _format(format)
    report = stats.stats_report(user=request.auth, date_from=date_from, date_to=date_to, agency_id=agency,
                                procedure_id=procedure, department_id=department)
    if fmt == "xlsx":
        return _xlsx(stats.stats_xlsx(report), stats.stats_filename(report))
    return {"date_from": report.period.date_from, "date_to": report.period.date_to,
            "as_of": timezone.localtime(report.period.as_of), "agency_ids": [a.pk for a in report.agencies],
            "procedure_id": report.procedure.pk if report.procedure else None,
            "department_id": report.department.pk if report.department else None,
            "formulas": stats.FORMULAS, "labels": stats.LABELS, "total": report.total.as_dict(),
            "by_procedure": [r.as_dict() for r in report.by_procedure],
            "by_agency": [r.as_dict() for r in report.by_agency]}


def _indicator_row(row: indicators.Row) -> dict:
    return {"key": row.key, "name": row.name, "indicators": [v.as_dict() for v in row.values]}


@router.get("/onestop/indicators", response={200: IndicatorsOut, **ERRORS},
            summary="Chỉ số Quyết định 766 tính được từ dữ liệu một cửa",
            description="Mỗi chỉ số kèm công thức, tử số, mẫu số, ngưỡng và điểm; `not_computable` liệt kê các chỉ số "
                        "chưa tính được và lý do. Cùng quyền xem như thống kê. `format=xlsx` trả về tệp Excel.",
            openapi_extra=XLSX_RESPONSE)
def onestop_indicators(
    request: HttpRequest,
    date_from: str | None = Query(None, max_length=20, description="Ngày đầu kỳ. " + DATE_HELP),
    date_to: str | None = Query(None, max_length=20, description="Ngày cuối kỳ. " + DATE_HELP),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Id cơ quan (tính cả các cơ quan cấp dưới)."),
    format: str = Query("json", description="json hoặc xlsx."),
):
    fmt = _format(format)
    report = indicators.indicator_report(user=request.auth, date_from=date_from, date_to=date_to, agency_id=agency)
    if fmt == "xlsx":
        name = f"chi-so-766-{report.period.date_from:%Y%m%d}-{report.period.date_to:%Y%m%d}.xlsx"
        return _xlsx(indicators.indicators_xlsx(report), name)
    return {"date_from": report.period.date_from, "date_to": report.period.date_to,
            "as_of": timezone.localtime(report.period.as_of), "rule": indicators.RULE,
            "total": _indicator_row(report.total), "by_agency": [_indicator_row(r) for r in report.by_agency],
            "not_computable": [{"code": c, "name": n, "reason": r} for c, n, r in report.not_computable]}
