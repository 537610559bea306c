"""Pages of the operations equipment registry: the list (with the counts the dashboard shows), a point with
its check history and the "ghi nhận kiểm tra" form, new and edit. Thin: congvu.dashboard.equipment decides,
checks who may do what, and journals."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from congvu.core.dates import parse_vn_date
from congvu.core.errors import DomainError, NotFound, ValidationFailed
from congvu.dashboard import equipment
from congvu.dashboard.models import EquipmentKind, EquipmentPoint, EquipmentStatus
from congvu.org.models import Agency


def _int(value) -> int | None:
    try:
        n = int(str(value or "").strip())
    except ValueError:
        return None
    return n if 0 < n < 2**63 else None


def _visible(request) -> set[int]:
    ids = equipment.visible_agency_ids(request.user)
    if not ids:
        raise HttpForbidden("Chỉ lãnh đạo, quản trị cơ quan và quản trị hệ thống xem được thiết bị điều hành.")
    return ids


def _point(request, pk: int) -> EquipmentPoint:
    try:
        return equipment.equipment_point_get(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _managed_agencies(user) -> list[Agency]:
    ids = equipment.manageable_agency_ids(user)
    qs = Agency.objects.all() if ids is None else Agency.objects.filter(pk__in=sorted(ids))
    return list(qs.order_by("name"))


@login_required
def equipment_list(request):
    visible = _visible(request)
    errors = []
    kind = request.GET.get("kind", "")
    if kind and kind not in EquipmentKind.values:
        errors.append("Loại thiết bị không hợp lệ; đang xem mọi loại.")
        kind = ""
    status = request.GET.get("status", "")
    if status and status not in EquipmentStatus.values:
        errors.append("Trạng thái không hợp lệ; đang xem mọi trạng thái.")
        status = ""
    agency = None
    raw_agency = request.GET.get("agency", "")
    if raw_agency:
        agency_id = _int(raw_agency)
        if agency_id is None or agency_id not in visible:
            errors.append("Cơ quan không hợp lệ hoặc ngoài phạm vi được xem; đang xem mọi cơ quan.")
        else:
            agency = Agency.objects.get(pk=agency_id)
    scope = (equipment.subtree_ids(agency.pk) & visible) if agency else visible
    points = list(equipment.equipment_points(request.user, scope, kind or None, status=status or None,
                                             include_inactive=request.GET.get("inactive") == "1")[:1000])
    summary = equipment.equipment_summary(scope)
    return render(request, "dashboard/equipment_list.html", {
        "points": points, "summary": [(EquipmentKind(k).label, k, s) for k, s in summary.items()],
        "kinds": EquipmentKind.choices, "statuses": EquipmentStatus.choices, "kind": kind, "status": status,
        "agency": agency, "agencies": Agency.objects.filter(pk__in=sorted(visible)).order_by("name"),
        "errors": errors, "can_manage": equipment.can_manage_equipment(request.user),
        "inactive": request.GET.get("inactive") == "1",
    }, status=400 if errors else 200)


def _form_context(request, *, point=None, values=None) -> dict:
    return {"point": point, "v": values or {}, "kinds": EquipmentKind.choices, "statuses": EquipmentStatus.choices,
            "agencies": _managed_agencies(request.user)}


@login_required
def equipment_new(request):
    _visible(request)
    if not equipment.can_manage_equipment(request.user):
        raise HttpForbidden("Chỉ quản trị hệ thống hoặc quản trị cơ quan được thêm điểm thiết bị.")
    if request.method != "POST":
        initial = {"kind": request.GET.get("kind", ""), "agency": request.GET.get("agency", "")}
        return render(request, "dashboard/equipment_form.html", _form_context(request, values=initial))
    post = request.POST
    try:
        agency_id = _int(post.get("agency"))
        agency = Agency.objects.filter(pk=agency_id).first() if agency_id else None
        if agency is None:
            raise ValidationFailed("Chọn cơ quan có điểm thiết bị.", fields={"agency": "Chọn cơ quan."})
        point = equipment.equipment_point_create(
            actor=request.user, agency=agency, kind=post.get("kind", ""), name=post.get("name", ""),
            location=post.get("location", ""), status=post.get("status") or EquipmentStatus.ONLINE,
            note=post.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        ctx = _form_context(request, values=post)
        ctx["field_errors"] = exc.fields
        return render(request, "dashboard/equipment_form.html", ctx, status=403 if exc.status == 403 else 400)
    messages.success(request, f"Đã thêm điểm thiết bị “{point.name}”.")
    return redirect(reverse("dashboard:equipment_detail", args=[point.pk]))


@login_required
def equipment_edit(request, pk: int):
    _visible(request)
    point = _point(request, pk)
    if not equipment.can_manage_equipment(request.user, point.agency_id):
        raise HttpForbidden("Bạn không được sửa điểm thiết bị của cơ quan này.")
    if request.method != "POST":
        values = {"kind": point.kind, "name": point.name, "location": point.location, "note": point.note,
                  "active": "on" if point.active else ""}
        return render(request, "dashboard/equipment_form.html", _form_context(request, point=point, values=values))
    post = request.POST
    try:
        equipment.equipment_point_update(actor=request.user, point=point, kind=post.get("kind", ""),
                                         name=post.get("name", ""), location=post.get("location", ""),
                                         note=post.get("note", ""), active=post.get("active") == "on")
    except DomainError as exc:
        messages.error(request, exc.message)
        ctx = _form_context(request, point=point, values=post)
        ctx["field_errors"] = exc.fields
        return render(request, "dashboard/equipment_form.html", ctx, status=403 if exc.status == 403 else 400)
    messages.success(request, "Đã lưu điểm thiết bị.")
    return redirect(reverse("dashboard:equipment_detail", args=[point.pk]))


def _detail(request, point, *, values=None, field_errors=None, status=200):
    return render(request, "dashboard/equipment_detail.html", {
        "point": point, "checks": equipment.equipment_checks(point), "statuses": EquipmentStatus.choices,
        "can_manage": equipment.can_manage_equipment(request.user, point.agency_id), "v": values or {},
        "field_errors": field_errors or {}, "now": timezone.localtime()}, status=status)


@login_required
def equipment_detail(request, pk: int):
    _visible(request)
    return _detail(request, _point(request, pk))


def _checked_at(post) -> dt.datetime | None:
    """The check's moment from the form: a date (dd/mm/yyyy) and an optional time (HH:MM); both empty = now."""
    day_text = (post.get("checked_on") or "").strip()
    time_text = (post.get("checked_time") or "").strip()
    if not day_text and not time_text:
        return None
    day = parse_vn_date(day_text, field="checked_at", required=True)
    if not 1900 <= day.year <= 2999:
        raise ValidationFailed("Ngày kiểm tra không hợp lệ.", fields={"checked_at": "Năm phải từ 1900 đến 2999."})
    moment = dt.time(0, 0)
    if time_text:
        try:
            moment = dt.datetime.strptime(time_text, "%H:%M").time()
        except ValueError as exc:
            raise ValidationFailed(f"Giờ kiểm tra không hợp lệ: “{time_text[:10]}”; nhập dạng HH:MM, ví dụ 08:30.",
                                   fields={"checked_at": "Giờ dạng HH:MM."}) from exc
    return timezone.make_aware(dt.datetime.combine(day, moment))


@login_required
@require_POST
def equipment_check(request, pk: int):
    _visible(request)
    point = _point(request, pk)
    post = request.POST
    try:
        equipment.equipment_check_record(actor=request.user, point=point, status=post.get("status", ""),
                                         note=post.get("note", ""), checked_at=_checked_at(post))
    except DomainError as exc:
        if exc.status == 403:
            raise HttpForbidden(exc.message) from exc
        messages.error(request, exc.message)
        return _detail(request, point, values=post, field_errors=exc.fields, status=400)
    messages.success(request, "Đã ghi nhận kiểm tra.")
    return redirect(reverse("dashboard:equipment_detail", args=[point.pk]))
