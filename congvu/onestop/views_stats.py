"""Statistics and Decision 766 indicator pages of the one-stop shop, with their XLSX exports. Thin: figures come
from congvu.onestop.stats and congvu.onestop.indicators, which also decide who sees which agencies (a user
without a statistics role gets 403, an agency, procedure or department out of sight 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from congvu.core.errors import NotFound, ValidationFailed
from congvu.core.folding import vi_sort_key
from congvu.onestop import indicators, stats
from congvu.onestop.models import Procedure
from congvu.org.models import Agency, Department

FILTERS = ("date_from", "date_to", "agency", "procedure", "department")


def _int(request, name: str) -> int | None:
    value = (request.GET.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise Http404("Không tìm thấy.")
    return int(value)


def _params(request) -> dict:
    return {"date_from": (request.GET.get("date_from") or "").strip()[:20] or None,
            "date_to": (request.GET.get("date_to") or "").strip()[:20] or None,
            "agency_id": _int(request, "agency")}


def _guard(request) -> None:
    if not stats.can_see_stats(request.user):
        raise HttpForbidden("Chỉ lãnh đạo, cán bộ một cửa và quản trị cơ quan xem được thống kê hồ sơ một cửa.")


def _choices(request, agency_id: int | None) -> dict:
    visible = stats.stats_agency_ids(request.user)
    agencies = sorted(Agency.objects.filter(pk__in=sorted(visible)), key=lambda a: vi_sort_key(a.name))
    dept_agencies = [agency_id] if agency_id else (sorted(visible) if len(visible) == 1 else [])
    departments = Department.objects.filter(agency_id__in=dept_agencies, active=True).order_by("name")
    procedures = sorted(Procedure.objects.filter(active=True), key=lambda p: vi_sort_key(p.name))
    return {"agencies": agencies, "departments": departments, "procedures": procedures,
            "values": {k: (request.GET.get(k) or "").strip()[:20] for k in FILTERS}}


def _show_period(context: dict, report) -> dict:
    """The filter shows the period the report used (today's defaults included), as dd/mm/yyyy."""
    if report is not None:
        values = context["values"]
        values["date_from"] = values["date_from"] or f"{report.period.date_from:%d/%m/%Y}"
        values["date_to"] = values["date_to"] or f"{report.period.date_to:%d/%m/%Y}"
    return context


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=stats.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _stats(request):
    params = _params(request)
    return stats.stats_report(user=request.user, **params, procedure_id=_int(request, "procedure"),
                              department_id=_int(request, "department"))


@login_required
@require_GET
def stats_page(request):
    """Báo cáo tình hình giải quyết hồ sơ: filters (period, agency, procedure, department), the totals with their
    formulas, the table by procedure, the table by unit and, for one agency, the table by department."""
    _guard(request)
    report = None
    error = ""
    departments_rows = None
    try:
        report = _stats(request)
        one_agency = _int(request, "agency") or (report.agencies[0].pk if len(report.agencies) == 1 else None)
        if one_agency:
            departments_rows = stats.department_stats(user=request.user, date_from=report.period.date_from,
                                                      date_to=report.period.date_to, agency_id=one_agency)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ValidationFailed as exc:
        error = exc.message
    summary = []
    if report is not None:
        t = report.total
        summary = [(stats.LABELS[f], t.values[f], stats.FORMULAS[f]) for f in stats.TABLE_FIGURES]
        summary.append((stats.LABELS["on_time_rate"], stats.percent(t.on_time_rate), stats.FORMULAS["on_time_rate"]))
        summary.append((stats.LABELS["online_rate"], stats.percent(t.online_rate), stats.FORMULAS["online_rate"]))
    query = request.GET.urlencode()
    return render(request, "onestop/stats_report.html", _show_period({
        "report": report, "error": error, "summary": summary, "period_note": stats.PERIOD_NOTE,
        "formulas": stats.FORMULAS, "labels": stats.LABELS, "departments_rows": departments_rows,
        "step_formulas": stats.STEP_FORMULAS,
        "step_notes": [(stats.STEP_LABELS[k], f) for k, f in stats.STEP_FORMULAS.items()], "query": query,
        **_choices(request, _int(request, "agency")),
    }, report))


@login_required
@require_GET
def stats_export(request):
    _guard(request)
    try:
        report = _stats(request)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return _xlsx(stats.stats_xlsx(report), stats.stats_filename(report))


def _indicators(request):
    return indicators.indicator_report(user=request.user, **_params(request))


@login_required
@require_GET
def indicators_page(request):
    """Chỉ số Quyết định 766 tính được từ dữ liệu của hệ thống, mỗi chỉ số kèm công thức, ngưỡng và điểm."""
    _guard(request)
    report = None
    error = ""
    try:
        report = _indicators(request)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ValidationFailed as exc:
        error = exc.message
    return render(request, "onestop/stats_indicators.html", _show_period({
        "report": report, "error": error, "rule": indicators.RULE, "query": request.GET.urlencode(),
        "codes": [d.code for d in indicators.DEFINITIONS], **_choices(request, _int(request, "agency")),
    }, report))


@login_required
@require_GET
def indicators_export(request):
    _guard(request)
    try:
        report = _indicators(request)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    name = f"chi-so-766-{report.period.date_from:%Y%m%d}-{report.period.date_to:%Y%m%d}.xlsx"
    return _xlsx(indicators.indicators_xlsx(report), name)
