"""Pages of administrative units, classification and staffing norms. Every logged-in user reads; system
admins and the agency admin of a UBND tỉnh (for units of their province) record decisions. Thin:
congvu.staffing.services decides and journals."""

from __future__ import annotations

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
from congvu.core.text import clean_text
from congvu.staffing import selectors, services
from congvu.staffing.models import (
    AdministrativeUnit,
    ClassificationRuleSet,
    StaffCategory,
    UnitClass,
    UnitType,
)

# The figures asked for on the classification form (fields of classification.Criteria), with their labels.
FIGURES = [
    ("population", "Dân số (người)"), ("area_km2", "Diện tích (km²)"),
    ("budget_self_financing_pct", "Tỷ lệ tự cân đối thu chi ngân sách (%)"),
    ("industry_services_pct", "Tỷ trọng công nghiệp, dịch vụ (%)"),
    ("non_farm_labour_pct", "Lao động phi nông nghiệp (%)"), ("poverty_pct", "Tỷ lệ hộ nghèo (%)"),
    ("clean_water_pct", "Hộ dùng nước sạch (%)"), ("online_dossiers_pct", "Hồ sơ trực tuyến toàn trình (%)"),
    ("provincial_online_dossiers_avg_pct", "Bình quân hồ sơ trực tuyến toàn trình của tỉnh (%)"),
    ("online_documents_pct", "Văn bản đi ký số, gửi trên môi trường điện tử (%)"),
    ("minority_pct", "Dân tộc thiểu số (xã) / tạm trú (phường) (%)"),
    ("population_standard", "Tiêu chuẩn dân số của loại đơn vị (người, để tính ưu tiên)"),
    ("area_standard_km2", "Tiêu chuẩn diện tích (km², để tính ưu tiên)"),
]
FLAGS = [
    ("budget_balanced", "Tự cân đối được thu chi"), ("mountainous", "Xã miền núi, vùng cao"),
    ("city_ward", "Phường thuộc thành phố trực thuộc trung ương"), ("urban", "Đặc khu tính theo tiêu chí phường"),
    ("border", "Biên giới (xã) / miền núi (phường)"), ("relic", "Di sản UNESCO, di tích quốc gia đặc biệt"),
    ("safe_zone", "An toàn khu"), ("strategic", "Ưu tiên: vị trí chiến lược"),
    ("inter_commune_centre", "Ưu tiên: trung tâm liên xã"),
    ("provincial_specialised_centre", "Ưu tiên: trung tâm chuyên ngành của tỉnh"),
    ("provincial_general_centre", "Ưu tiên: trung tâm tổng hợp của tỉnh"),
    ("special_conditions_met", "Đủ điều kiện khác của loại đặc biệt (Bộ Nội vụ xác định)"),
]


def _require_viewer(request) -> None:
    if not services.can_view_staffing(request.user):
        raise HttpForbidden("Cần đăng nhập để xem đơn vị hành chính.")


def _on(request, source) -> tuple:
    try:
        return parse_vn_date(source.get("on", ""), field="on") or timezone.localdate(), ""
    except ValidationFailed as exc:
        return timezone.localdate(), exc.message


def _unit(pk: int) -> AdministrativeUnit:
    unit = AdministrativeUnit.objects.select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise Http404("Không tìm thấy đơn vị hành chính.")
    return unit


@login_required
def unit_list(request):
    _require_viewer(request)
    on, date_error = _on(request, request.GET)
    all_dates = request.GET.get("all") == "1"
    q = clean_text(request.GET.get("q"))[:100]
    unit_type = request.GET.get("type", "")
    unit_type = unit_type if unit_type in UnitType.values else ""
    unit_class = request.GET.get("class", "")
    unit_class = unit_class if unit_class in UnitClass.values else ""
    try:
        parent_id = int(request.GET.get("parent") or 0) or None
    except ValueError:
        parent_id = None
    parent = AdministrativeUnit.objects.filter(pk=parent_id).first() if parent_id else None
    listing = bool(q or parent or unit_type or unit_class)
    rows, total = selectors.unit_search(q=q, day=None if all_dates else on, parent_id=parent_id,
                                        unit_type=unit_type, unit_class=unit_class, limit=500) if listing else ([], 0)
    return render(request, "staffing/unit_list.html", {
        "on": on, "date_error": date_error, "all_dates": all_dates, "q": q, "parent": parent, "rows": rows,
        "total": total, "listing": listing, "provinces": [] if listing else selectors.provinces(on),
        "unit_types": UnitType.choices, "unit_classes": UnitClass.choices, "unit_type": unit_type,
        "unit_class": unit_class, "can_manage": services.can_manage_staffing(request.user),
    })


def _detail_context(request, unit, *, on, classify_values=None, quota_values=None) -> dict:
    try:
        detail = selectors.unit_detail(unit.pk, on=on)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    can_manage = services.can_manage_unit(request.user, unit)
    return {"d": detail, "u": detail.unit, "on": on, "can_manage": can_manage,
            "rule_sets": ClassificationRuleSet.objects.order_by("-valid_from") if can_manage else [],
            "figures": FIGURES, "flags": FLAGS, "unit_classes": UnitClass.choices,
            "categories": StaffCategory.choices, "cv": classify_values or {}, "qv": quota_values or {},
            "scorable": unit.unit_type in (UnitType.COMMUNE, UnitType.WARD, UnitType.TOWNSHIP, UnitType.SPECIAL_ZONE)}


@login_required
def unit_detail(request, pk: int):
    _require_viewer(request)
    unit = _unit(pk)
    on, date_error = _on(request, request.GET)
    ctx = _detail_context(request, unit, on=on)
    ctx["date_error"] = date_error
    return render(request, "staffing/unit_detail.html", ctx)


def _int_or_none(text: str, field: str, label: str):
    text = (text or "").strip().replace(".", "").replace(" ", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise ValidationFailed(f"{label} phải là số nguyên.", fields={field: f"{label} phải là số nguyên."}) from exc


@login_required
@require_POST
def unit_classify(request, pk: int):
    _require_viewer(request)
    unit = _unit(pk)
    post = request.POST
    try:
        rule_set = None
        if post.get("rule_set"):
            rule_pk = _int_or_none(post["rule_set"], "rule_set", "Bộ tiêu chí")
            rule_set = ClassificationRuleSet.objects.filter(pk=rule_pk).first()
            if rule_set is None:
                raise ValidationFailed("Không tìm thấy bộ tiêu chí.", fields={"rule_set": "Chọn lại bộ tiêu chí."})
        figures: dict = {}
        if rule_set is None or rule_set.scores:
            for name, label in FIGURES:
                value = (post.get(name) or "").strip().replace(",", ".")
                if value:
                    if name in ("population", "population_standard"):
                        figures[name] = _int_or_none(value, name, label)
                    else:
                        figures[name] = value
            for name, _label in FLAGS:
                figures[name] = post.get(name) == "on"
        decision_date = parse_vn_date(post.get("decision_date"), field="decision_date", required=True)
        services.classification_decide(
            actor=request.user, unit=unit, decision_number=post.get("decision_number", "")[:60],
            decision_date=decision_date,
            effective_from=parse_vn_date(post.get("effective_from"), field="effective_from"),
            figures=figures,
            unit_class=post.get("unit_class", "") if post.get("unit_class") in UnitClass.values else "",
            basis=post.get("basis", "")[:300], rule_set=rule_set)
    except DomainError as exc:
        if exc.status == 403:
            raise HttpForbidden(exc.message) from exc
        messages.error(request, exc.message + "".join(f" {v}" for v in exc.fields.values() if v not in exc.message))
        ctx = _detail_context(request, unit, on=timezone.localdate(), classify_values=post)
        return render(request, "staffing/unit_detail.html", ctx, status=400)
    messages.success(request, "Đã lưu quyết định phân loại.")
    return redirect(reverse("staffing:unit_detail", args=[unit.pk]))


@login_required
@require_POST
def unit_quota_decision(request, pk: int):
    _require_viewer(request)
    unit = _unit(pk)
    post = request.POST
    try:
        quota = _int_or_none(post.get("quota", ""), "quota", "Số lượng")
        if quota is None:
            raise ValidationFailed("Nhập số lượng biên chế được giao.", fields={"quota": "Bắt buộc."})
        services.quota_decision_create(
            actor=request.user, unit=unit, category=post.get("category", ""), quota=quota,
            valid_from=parse_vn_date(post.get("valid_from"), field="valid_from", required=True),
            valid_to=parse_vn_date(post.get("valid_to"), field="valid_to"),
            decision_number=post.get("decision_number", "")[:60],
            decision_date=parse_vn_date(post.get("decision_date"), field="decision_date", required=True),
            basis=post.get("basis", "")[:300])
    except DomainError as exc:
        if exc.status == 403:
            raise HttpForbidden(exc.message) from exc
        messages.error(request, exc.message)
        ctx = _detail_context(request, unit, on=timezone.localdate(), quota_values=post)
        return render(request, "staffing/unit_detail.html", ctx, status=400)
    messages.success(request, "Đã lưu quyết định giao biên chế.")
    return redirect(reverse("staffing:unit_detail", args=[unit.pk]))


@login_required
def norm_list(request):
    _require_viewer(request)
    return render(request, "staffing/norm_list.html", {
        "norms": selectors.norms(), "rule_sets": ClassificationRuleSet.objects.order_by("valid_from")})
