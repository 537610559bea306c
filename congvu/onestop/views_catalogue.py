"""The procedure catalogue's pages: the list of procedures in force (any signed-in official of an agency),
a procedure with all its versions, and the XLSX export and import (agency admins and system admins)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from congvu.core.errors import DomainError
from congvu.core.folding import fold
from congvu.onestop import catalogue
from congvu.onestop.catalogue import can_edit_catalogue, can_view_catalogue
from congvu.onestop.models import Procedure, ProcedureVersion

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _viewer(request) -> None:
    if not can_view_catalogue(request.user):
        raise HttpForbidden("Tài khoản chưa được phân công vào cơ quan nào.")


@login_required
@require_GET
def catalogue_list(request):
    _viewer(request)
    q = (request.GET.get("q") or "").strip()
    on_text = (request.GET.get("on") or "").strip()
    error = ""
    on = timezone.localdate()
    if on_text:
        try:
            on = dt.datetime.strptime(on_text, "%d/%m/%Y").date()
        except ValueError:
            error = f"Ngày “{on_text}” không đúng dạng dd/mm/yyyy."
    versions = list(catalogue.versions_in_force(on=on))
    if q:
        needle = fold(q)
        versions = [v for v in versions if needle in fold(f"{v.procedure.local_code} {v.procedure.national_code} "
                                                          f"{v.procedure.name} {v.procedure.field}")]
    page = Paginator(versions, 100).get_page(request.GET.get("page"))
    return render(request, "onestop/catalogue_list.html", {
        "page": page, "q": q, "on": on, "error": error, "can_edit": can_edit_catalogue(request.user),
        "total": len(versions)})


@login_required
@require_GET
def procedure_detail(request, pk: int):
    _viewer(request)
    procedure = (Procedure.objects.filter(pk=pk).prefetch_related(
        "agencies", Prefetch("versions", queryset=ProcedureVersion.objects.order_by("-valid_from")
                             .prefetch_related("components", "steps"))).first())
    if procedure is None:
        raise Http404("Không có thủ tục này.")
    today = timezone.localdate()
    current = next((v for v in procedure.versions.all()
                    if v.valid_from <= today and (v.valid_to is None or v.valid_to > today)), None)
    return render(request, "onestop/catalogue_detail.html", {
        "procedure": procedure, "versions": procedure.versions.all(), "current": current,
        "can_edit": can_edit_catalogue(request.user)})


@login_required
@require_GET
def catalogue_export(request):
    if not can_edit_catalogue(request.user):
        raise HttpForbidden("Chỉ quản trị cơ quan hoặc quản trị hệ thống được xuất danh mục.")
    response = HttpResponse(catalogue.catalogue_export(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="danh-muc-thu-tuc-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
@require_POST
def catalogue_import(request):
    if not can_edit_catalogue(request.user):
        raise HttpForbidden("Chỉ quản trị cơ quan hoặc quản trị hệ thống được nhập danh mục.")
    upload = request.FILES.get("file")
    rows: list[str] = []
    if upload is None:
        error = "Chọn tệp Excel (.xlsx) để nhập."
    elif upload.size > MAX_IMPORT_BYTES:
        error = "Tệp lớn quá 10 MB."
    else:
        try:
            result = catalogue.catalogue_import(actor=request.user, content=upload.read())
        except DomainError as exc:
            error = exc.message
            rows = [r for r in exc.fields.get("rows", "").split("\n") if r]
        else:
            messages.success(request, f"Đã nhập danh mục: {result.created} thủ tục mới, {result.added} phiên bản mới, "
                                      f"{result.updated} phiên bản sửa, {result.unchanged} không đổi.")
            return redirect("onestop:catalogue")
    return render(request, "onestop/catalogue_import.html", {"error": error, "rows": rows}, status=400)
