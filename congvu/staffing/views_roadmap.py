"""Pages of transfers, surplus roadmaps and the budget effect. Thin: congvu.staffing.transfers, roadmap and budget
decide, check who may, and journal. Who sees: system admins, the agency admin of the UBND tỉnh for agencies of
its province, and the agency's own leaders and agency admins (transfers.can_view_plans)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from congvu.core.dates import parse_vn_date
from congvu.core.errors import DomainError, ValidationFailed
from congvu.org.models import Agency
from congvu.staffing import budget, charts, services, transfers
from congvu.staffing import roadmap as rm
from congvu.staffing.models import (
    CaseKind,
    Reorganisation,
    RoadmapCase,
    StaffMember,
    SurplusRoadmap,
    Transfer,
    TransferStatus,
)

PICKER_LIMIT = 1000


def vnd(value: int | None) -> str:
    """1234567 → "1.234.567" (Vietnamese thousands separator)."""
    if value is None:
        return "—"
    return f"{value:,}".replace(",", ".")


def _int(text, field: str, label: str, *, required: bool = True) -> int | None:
    text = (str(text or "")).strip().replace(".", "").replace(" ", "")
    if not text:
        if required:
            raise ValidationFailed(f"Nhập {label}.", fields={field: f"Nhập {label}."})
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise ValidationFailed(f"{label.capitalize()} phải là số nguyên.",
                               fields={field: f"{label.capitalize()} phải là số nguyên."}) from exc


def _agency(pk) -> Agency:
    try:
        agency = Agency.objects.filter(pk=int(pk)).first() if str(pk or "").strip().isdigit() else None
    except (OverflowError, ValueError):
        agency = None
    if agency is None:
        raise ValidationFailed("Không tìm thấy cơ quan.", fields={"agency": "Chọn cơ quan."})
    return agency


def _viewable_agency(request, pk) -> Agency:
    agency = Agency.objects.filter(pk=pk).first() if pk else None
    if agency is None or not transfers.can_view_plans(request.user, agency):
        raise Http404("Không tìm thấy cơ quan.")
    return agency


def _pickers(user, *, plannable: bool = False) -> list[Agency]:
    qs = transfers.plannable_agencies(user) if plannable else transfers.visible_agencies(user)
    return list(qs.order_by("name")[:PICKER_LIMIT])


def _refuse(request, exc: DomainError, *, inline: bool = False) -> str:
    """403/404 raised; otherwise the message with each field's detail — shown beside the form (`inline`) or
    as a message after a redirect."""
    if exc.status == 403:
        raise HttpForbidden(exc.message) from exc
    if exc.status == 404:
        raise Http404(exc.message) from exc
    detail = " ".join(v for v in exc.fields.values() if v and v not in exc.message)
    text = f"{exc.message} {detail}".strip()
    if not inline:
        messages.error(request, text)
    return text


def _pk_from(request, name: str) -> int | None:
    text = (request.GET.get(name) or "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else None


# --- roadmaps --------------------------------------------------------------------------------------------

@login_required
def roadmap_list(request):
    agency = None
    if (pk := _pk_from(request, "agency")) is not None:
        agency = _viewable_agency(request, pk)
    plans = list(rm.roadmaps_visible(request.user, agency=agency)[:500])
    rows = []
    for plan in plans:
        projection = rm.roadmap_projection(plan)
        reached = rm.reaches_quota(projection)
        rows.append({"plan": plan, "end": rm.roadmap_end(plan) - dt.timedelta(days=1),
                     "start_count": projection[0].headcount_start if projection else None,
                     "surplus_end": projection[-1].surplus if projection else None, "reached": reached})
    return render(request, "staffing/roadmap_list.html", {
        "rows": rows, "agency": agency, "can_create": services.can_manage_staffing(request.user)})


@login_required
def roadmap_new(request):
    if not services.can_manage_staffing(request.user):
        raise HttpForbidden("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh được lập lộ trình.")
    values = request.POST if request.method == "POST" else {"agency": request.GET.get("agency", ""), "years": "5",
                                                             "hiring_freeze": "on"}
    status, error = 200, ""
    if request.method == "POST":
        post = request.POST
        try:
            agency = _agency(post.get("agency"))
            plan = rm.roadmap_create(
                actor=request.user, agency=agency, title=post.get("title", "")[:400],
                start_date=parse_vn_date(post.get("start_date"), field="start_date", required=True),
                years=_int(post.get("years"), "years", "số năm"), hiring_freeze=post.get("hiring_freeze") == "on",
                basis=post.get("basis", "")[:400])
        except DomainError as exc:
            error = _refuse(request, exc, inline=True)
            status = 400
        else:
            messages.success(request, f"Đã lập lộ trình; {plan.cases.count()} người đến tuổi nghỉ hưu trong thời "
                                      "gian lộ trình được ghi tự động.")
            return redirect("staffing:roadmap_detail", pk=plan.pk)
    return render(request, "staffing/roadmap_new.html", {
        "v": values, "error": error, "agencies": _pickers(request.user, plannable=True)}, status=status)


def _plan(request, pk: int) -> SurplusRoadmap:
    plan = SurplusRoadmap.objects.select_related("agency", "created_by").filter(pk=pk).first()
    if plan is None or not transfers.can_view_plans(request.user, plan.agency):
        raise Http404("Không tìm thấy lộ trình.")
    return plan


def _detail_context(request, plan: SurplusRoadmap, *, case_values=None, error: str = "") -> dict:
    projection = rm.roadmap_projection(plan)
    start_quota = services.quota_for(plan.agency, on=plan.start_date).quota
    end = rm.roadmap_end(plan) - dt.timedelta(days=1)
    can_plan = transfers.can_plan_for(request.user, plan.agency)
    return {
        "plan": plan, "end": end, "projection": projection, "reached": rm.reaches_quota(projection),
        "start_quota": start_quota, "kinds": CaseKind.choices,
        "chart": charts.projection_chart(projection, start_quota=start_quota,
                                         title=f"Số người đang công tác và biên chế được giao — {plan.title}"),
        "cases": list(plan.cases.select_related("member", "transfer__to_agency").order_by("planned_date", "pk")),
        "can_plan": can_plan, "cv": case_values or {}, "error": error,
        "members": list(rm.members_in_plan_scope(plan)) if can_plan else [],
        "targets": [a for a in _pickers(request.user, plannable=True) if a.pk != plan.agency_id] if can_plan else [],
    }


@login_required
def roadmap_detail(request, pk: int):
    plan = _plan(request, pk)
    return render(request, "staffing/roadmap_detail.html", _detail_context(request, plan))


def _back_to_suggestions(plan: SurplusRoadmap, post):
    url = reverse("staffing:roadmap_suggestions", args=[plan.pk])
    on = (post.get("on") or "")[:10]
    return redirect(f"{url}?{urlencode({'on': on})}" if on else url)


@login_required
@require_POST
def roadmap_case_add(request, pk: int):
    plan = _plan(request, pk)
    post = request.POST
    try:
        member = StaffMember.objects.filter(pk=_int(post.get("member"), "member", "người")).first()
        if member is None:
            raise ValidationFailed("Không tìm thấy người này.", fields={"member": "Chọn người."})
        kind = post.get("kind", "")
        to_agency = _agency(post.get("to_agency")) if kind == CaseKind.TRANSFER and post.get("to_agency") else None
        rm.roadmap_case_add(actor=request.user, roadmap=plan, member=member, kind=kind,
                            planned_date=parse_vn_date(post.get("planned_date"), field="planned_date", required=True),
                            note=post.get("note", "")[:400], to_agency=to_agency, reason=post.get("reason", "")[:2100],
                            decision_number=post.get("decision_number", "")[:100])
    except DomainError as exc:
        if post.get("back") == "suggestions":
            _refuse(request, exc)
            return _back_to_suggestions(plan, post)
        error = _refuse(request, exc, inline=True)
        return render(request, "staffing/roadmap_detail.html",
                      _detail_context(request, plan, case_values=post, error=error), status=400)
    messages.success(request, f"Đã thêm {member.full_name} vào lộ trình.")
    if post.get("back") == "suggestions":
        return _back_to_suggestions(plan, post)
    return redirect("staffing:roadmap_detail", pk=plan.pk)


@login_required
@require_POST
def roadmap_case_remove(request, pk: int, case_pk: int):
    plan = _plan(request, pk)
    case = RoadmapCase.objects.filter(pk=case_pk, roadmap=plan).first()
    if case is None:
        raise Http404("Không tìm thấy trường hợp này.")
    try:
        rm.roadmap_case_remove(actor=request.user, case=case)
    except DomainError as exc:
        _refuse(request, exc)
    else:
        messages.success(request, "Đã xóa khỏi lộ trình.")
    return redirect("staffing:roadmap_detail", pk=plan.pk)


@login_required
def roadmap_suggestions(request, pk: int):
    plan = _plan(request, pk)
    on = rm.suggestion_date(plan)
    date_error = ""
    if request.GET.get("on"):
        try:
            on = parse_vn_date(request.GET["on"], field="on") or on
        except ValidationFailed as exc:
            date_error = exc.message
    s = rm.transfer_suggestions(plan, on=on)
    return render(request, "staffing/roadmap_suggestions.html", {
        "plan": plan, "s": s, "date_error": date_error, "can_plan": transfers.can_plan_for(request.user, plan.agency),
        "end": rm.roadmap_end(plan) - dt.timedelta(days=1)})


# --- transfers -------------------------------------------------------------------------------------------

@login_required
def transfer_list(request):
    agency = None
    if (pk := _pk_from(request, "agency")) is not None:
        agency = _viewable_agency(request, pk)
    status = request.GET.get("status", "")
    rows = list(transfers.transfers_visible(request.user, agency=agency, status=status)[:500])
    return render(request, "staffing/transfer_list.html", {
        "rows": rows, "agency": agency, "status": status, "statuses": TransferStatus.choices,
        "can_create": services.can_manage_staffing(request.user),
        "plannable": {t.pk for t in rows if transfers.can_plan_for(request.user, t.from_agency)
                      and transfers.can_plan_for(request.user, t.to_agency)}})


@login_required
def transfer_new(request):
    if not services.can_manage_staffing(request.user):
        raise HttpForbidden("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh được đề xuất điều động.")
    source = request.POST if request.method == "POST" else request.GET
    from_agency = None
    if str(source.get("agency", "")).isdigit():
        from_agency = Agency.objects.filter(pk=int(source["agency"][:18])).first()
        if from_agency is not None and not transfers.can_plan_for(request.user, from_agency):
            raise Http404("Không tìm thấy cơ quan.")
    status, error = 200, ""
    if request.method == "POST":
        try:
            member = StaffMember.objects.filter(pk=_int(source.get("member"), "member", "người")).first()
            if member is None:
                raise ValidationFailed("Không tìm thấy người này.", fields={"member": "Chọn người."})
            t = transfers.transfer_propose(
                actor=request.user, member=member, to_agency=_agency(source.get("to_agency")),
                planned_date=parse_vn_date(source.get("planned_date"), field="planned_date", required=True),
                reason=source.get("reason", "")[:2100], decision_number=source.get("decision_number", "")[:100])
        except DomainError as exc:
            error = _refuse(request, exc, inline=True)
            status = 400
        else:
            messages.success(request, f"Đã đề xuất điều động {t.member.full_name} đến {t.to_agency.name}.")
            return redirect(reverse("staffing:transfer_list") + f"?agency={t.from_agency_id}")
    members = []
    if from_agency is not None:
        members = list(StaffMember.objects.filter(postings__agency=from_agency, postings__valid_to__isnull=True)
                       .order_by("name_folded")[:2000])
    return render(request, "staffing/transfer_new.html", {
        "from_agency": from_agency, "members": members, "agencies": _pickers(request.user, plannable=True),
        "v": source, "error": error}, status=status)


@login_required
@require_POST
def transfer_action(request, pk: int, action: str):
    t = Transfer.objects.select_related("from_agency", "to_agency", "member").filter(pk=pk).first()
    if t is None or not (transfers.can_view_plans(request.user, t.from_agency)
                         or transfers.can_view_plans(request.user, t.to_agency)):
        raise Http404("Không tìm thấy điều động.")
    post = request.POST
    try:
        if action == "approve":
            transfers.transfer_approve(actor=request.user, transfer=t,
                                       decision_number=post.get("decision_number", "")[:100])
            done = "Đã phê duyệt điều động."
        elif action == "complete":
            transfers.transfer_complete(actor=request.user, transfer=t,
                                        on=parse_vn_date(post.get("on"), field="on"))
            done = f"Đã thực hiện: {t.member.full_name} chuyển sang {t.to_agency.name}."
        elif action == "cancel":
            transfers.transfer_cancel(actor=request.user, transfer=t, reason=post.get("reason", "")[:2100])
            done = "Đã hủy điều động."
        else:
            raise Http404("Không có thao tác này.")
    except DomainError as exc:
        _refuse(request, exc)
    else:
        messages.success(request, done)
    return redirect(reverse("staffing:transfer_list") + f"?agency={t.from_agency_id}")


# --- budget ----------------------------------------------------------------------------------------------

def _year(request, source, default: int) -> tuple[int, str]:
    text = (source.get("year") or "").strip()
    if not text:
        return default, ""
    if text.isdigit() and budget.MIN_YEAR <= int(text[:6]) <= budget.MAX_YEAR:
        return int(text), ""
    return default, f"Năm “{text[:20]}” không hợp lệ (từ {budget.MIN_YEAR} đến {budget.MAX_YEAR})."


def _cost_rows(cost) -> list[dict]:
    return [{"month": f"{m.month:%m/%Y}", "base": vnd(m.base_salary), "people": m.people, "salaries": vnd(m.salaries),
             "allowances": vnd(m.allowances)} for m in cost.months]


@login_required
def budget_page(request):
    agency = None
    if (pk := _pk_from(request, "agency")) is not None:
        agency = _viewable_agency(request, pk)
    year, year_error = _year(request, request.GET, timezone.localdate().year)
    return _budget_render(request, agency, year, year_error=year_error)


def _budget_render(request, agency, year, *, year_error="", op_values=None, error="", status=200):
    cost = budget.agency_cost(agency=agency, year=year) if agency is not None else None
    return render(request, "staffing/budget_page.html", {
        "agency": agency, "year": year, "year_error": year_error, "cost": cost,
        "rows": _cost_rows(cost) if cost else [], "vnd": vnd,
        "figures": {k: vnd(getattr(cost, k)) for k in ("salaries", "allowances", "operating", "total")} if cost else {},
        "agencies": _pickers(request.user), "ov": op_values or {}, "error": error,
        "can_plan": agency is not None and transfers.can_plan_for(request.user, agency),
        "reorganisations": list(Reorganisation.objects.filter(successor_agency=agency)) if agency else []},
        status=status)


@login_required
@require_POST
def budget_operating(request):
    post = request.POST
    agency = _viewable_agency(request, int(post["agency"]) if post.get("agency", "").isdigit()
                              and len(post["agency"]) < 18 else None)
    year, _ = _year(request, post, timezone.localdate().year)
    try:
        amount = _int(post.get("amount_vnd"), "amount_vnd", "số tiền")
        op_year = _int(post.get("year"), "year", "năm")
        budget.operating_cost_set(actor=request.user, agency=agency, year=op_year, amount_vnd=amount,
                                  note=post.get("note", "")[:400])
    except DomainError as exc:
        error = _refuse(request, exc, inline=True)
        return _budget_render(request, agency, year, op_values=post, error=error, status=400)
    messages.success(request, f"Đã ghi chi hoạt động năm {op_year}.")
    return redirect(reverse("staffing:budget") + f"?agency={agency.pk}&year={op_year}")


@login_required
def merger_saving(request, pk: int):
    reorg = Reorganisation.objects.select_related("successor_agency", "successor_unit").filter(pk=pk).first()
    if reorg is None or not transfers.can_view_plans(request.user, reorg.successor_agency):
        raise Http404("Không tìm thấy lần sắp xếp này.")
    default = max(reorg.effective_date.year, min(timezone.localdate().year, budget.MAX_YEAR))
    year, year_error = _year(request, request.GET, default)
    if year < reorg.effective_date.year:
        year, year_error = default, f"Năm phải từ năm sắp xếp ({reorg.effective_date.year}) trở đi."
    s = budget.merger_saving(reorganisation=reorg, year=year)
    figures = {k: vnd(getattr(s, k)) for k in (
        "before_salaries", "before_allowances", "before_pay", "after_salaries", "after_allowances", "after_pay",
        "pay_saving", "before_operating", "after_operating", "operating_saving", "saving")}
    return render(request, "staffing/budget_saving.html", {
        "reorg": reorg, "s": s, "f": figures, "year": year, "year_error": year_error,
        "eve": reorg.effective_date - dt.timedelta(days=1),
        "parts": list(reorg.parts.select_related("predecessor_unit", "predecessor_agency"))})
