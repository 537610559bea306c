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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.errors import DomainError
from congvu.core.folding import fold
from congvu.onestop import catalogue
from congvu.onestop.catalogue import can_edit_catalogue, can_view_catalogue
from congvu.onestop.models import Procedure, ProcedureVersion
from congvu.onestop.views_counter import vnd

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
    for v in page.object_list:
        v.fee_text = vnd(v.fee)
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
    for v in procedure.versions.all():
        v.fee_text = vnd(v.fee)
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


# --- a procedure, or a new version of one, from a form ----------------------------------------------------

FORM_FIELDS = ("national_code", "local_code", "name", "field", "level", "valid_from", "basis", "time_limit",
               "time_unit", "fee", "fee_note", "result_documents", "online_level", "supplement_rule", "agencies")


def _lines(text: str) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in (text or "").splitlines() if line.strip()]


def _form_values(post) -> dict:
    values = {k: (post.get(k) or "").strip() for k in FORM_FIELDS}
    values["components"] = [{"name": p[0], "required": p[1] if len(p) > 1 else "Có",
                             "copies": p[2] if len(p) > 2 else "1", "kind": p[3] if len(p) > 3 else ""}
                            for p in _lines(post.get("components_text", ""))]
    values["steps"] = [{"name": p[0], "handler": p[1] if len(p) > 1 else "", "budget": p[2] if len(p) > 2 else "",
                        "department_code": p[3] if len(p) > 3 else "", "agency_level": p[4] if len(p) > 4 else ""}
                       for p in _lines(post.get("steps_text", ""))]
    return values


def _initial(version: ProcedureVersion | None) -> dict:
    if version is None:
        return {"level": "Cấp xã", "time_unit": "ngày làm việc", "online_level": "Không trực tuyến",
                "supplement_rule": "Tính lại từ đầu khi nhận đủ hồ sơ", "fee": "0",
                "steps_text": "Tiếp nhận hồ sơ | Bộ phận một cửa | 0.5\nThẩm định hồ sơ | Phòng chuyên môn | 1\n"
                              "Lãnh đạo ký duyệt | Lãnh đạo ký | 0.5\nTrả kết quả | Bộ phận một cửa | 0.5"}
    p = version.procedure
    return {
        "national_code": p.national_code, "local_code": p.local_code, "name": p.name, "field": p.field,
        "level": p.get_level_display(), "valid_from": "", "basis": version.basis,
        "time_limit": f"{version.time_limit.normalize():f}", "time_unit": version.get_time_unit_display(),
        "fee": str(version.fee), "fee_note": version.fee_note, "result_documents": version.result_documents,
        "online_level": version.get_online_level_display(), "supplement_rule": version.get_supplement_rule_display(),
        "agencies": ", ".join(a.identifier for a in p.agencies.all()),
        "components_text": "\n".join(
            f"{c.name} | {'Có' if c.required else 'Không'} | {c.copies} | {c.kind}".rstrip(" |")
            for c in version.components.all()),
        "steps_text": "\n".join(" | ".join(x for x in (s.name, s.get_handler_display(), f"{s.budget.normalize():f}",
                                                        s.department_code,
                                                        s.get_agency_level_display() if s.agency_level else "")
                                           ).rstrip(" |") for s in version.steps.all()),
    }


@login_required
@require_http_methods(["GET", "POST"])
def procedure_edit(request, pk: int | None = None):
    """A new procedure (no pk), or a new version of one from a date (its current version pre-filled)."""
    if not can_edit_catalogue(request.user):
        raise HttpForbidden("Chỉ quản trị cơ quan hoặc quản trị hệ thống được sửa danh mục thủ tục.")
    procedure = None
    if pk is not None:
        procedure = Procedure.objects.filter(pk=pk).first()
        if procedure is None:
            raise Http404("Không có thủ tục này.")
    error = ""
    if request.method == "POST":
        values = _form_values(request.POST)
        if procedure is not None and values["local_code"] != procedure.local_code:
            error = "Không đổi mã TTHC địa phương của một thủ tục đã có; hãy tạo thủ tục mới."
        else:
            try:
                result = catalogue.procedure_save(actor=request.user, values=values)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, {"created": "Đã tạo thủ tục.", "added": "Đã thêm phiên bản mới.",
                                           "updated": "Đã sửa phiên bản (chưa có hồ sơ).",
                                           "unchanged": "Không có gì thay đổi."}[result.outcome])
                return redirect("onestop:procedure", result.procedure.pk)
        initial = {k: request.POST.get(k, "") for k in (*FORM_FIELDS, "components_text", "steps_text")}
    else:
        current = None
        if procedure is not None:
            current = (procedure.versions.order_by("-valid_from").prefetch_related("components", "steps").first())
        initial = _initial(current)
    return render(request, "onestop/catalogue_form.html", {
        "procedure": procedure, "initial": initial, "error": error}, status=400 if error else 200)
