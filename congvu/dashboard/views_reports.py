"""The period report page: /dashboard/reports/?agency=&from=&to=&format=html|pdf|xlsx. Thin:
congvu.dashboard.reports builds the report from the indicator registry; congvu.dashboard.access decides who
sees which agencies."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpResponse
from django.shortcuts import render

from congvu.core.errors import DomainError
from congvu.dashboard import access, reports

FORMATS = ("html", "pdf", "xlsx")


@login_required
def report(request):
    if not access.dashboard_agency_ids(request.user):
        raise HttpForbidden("Chỉ lãnh đạo, quản trị cơ quan và quản trị hệ thống xem được báo cáo.")
    get = request.GET
    fmt = get.get("format") or "html"
    params = {"agency": (get.get("agency") or "")[:20], "from": (get.get("from") or "")[:20],
              "to": (get.get("to") or "")[:20]}
    ctx = {"tree": access.agency_tree(request.user), "params": params, "errors": {}, "report": None}
    if fmt not in FORMATS:
        ctx["message"] = "Định dạng không hợp lệ; chọn html, pdf hoặc xlsx."
        return render(request, "dashboard/report.html", ctx, status=400)
    try:
        built = reports.period_report(request.user, agency=params["agency"] or None,
                                      date_from=params["from"] or None, date_to=params["to"] or None)
    except DomainError as exc:
        if exc.status == 403:
            raise HttpForbidden(exc.message) from exc
        ctx.update(message=exc.message, errors=exc.fields)
        return render(request, "dashboard/report.html", ctx, status=400)
    if fmt == "pdf":
        response = HttpResponse(reports.report_pdf(built), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{reports.report_filename(built, "pdf")}"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(reports.report_xlsx(built), content_type=reports.XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{reports.report_filename(built, "xlsx")}"'
        return response
    query = {"agency": params["agency"], "from": f"{built.scope.start:%d/%m/%Y}", "to": f"{built.scope.end:%d/%m/%Y}"}
    ctx.update(report=built, place_date=reports.place_date(built),
               pdf_query=urlencode(query | {"format": "pdf"}), xlsx_query=urlencode(query | {"format": "xlsx"}),
               params=query)
    return render(request, "dashboard/report.html", ctx)
