"""Pages of the roster and the staffing report. Thin: congvu.staffing.roster decides who may see and change
what and journals; congvu.staffing.report computes.

Who sees a roster: see roster.can_view_roster. Who sees the staffing report: of one agency, whoever may see
its roster; of a province, system admins and the agency admin of that province's UBND tỉnh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db.models import Min, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import DomainError, ValidationFailed
from congvu.core.folding import fold
from congvu.core.text import clean_text
from congvu.org.models import Agency, Role
from congvu.org.selectors import user_access
from congvu.staffing import report as reports
from congvu.staffing import roster, selectors, services
from congvu.staffing.models import LeaveReason, Sex, StaffCategory, StaffMember, StaffPosting

ROSTER_LIMIT = 2000  # rows shown at once; the search narrows
LEAVE_REASONS = [(v, label) for v, label in LeaveReason.choices if v != LeaveReason.CHANGE]


def vn_decimal(value) -> str:
    """Decimal("2.34") → "2,34"; 0 → "0"."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def _int_param(value) -> int | None:
    try:
        number = int(str(value or "").strip())
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _agency_or_404(pk) -> Agency:
    agency = Agency.objects.filter(pk=_int_param(pk) or 0).first()
    if agency is None:
        raise Http404("Không tìm thấy cơ quan.")
    return agency


def _on(source) -> tuple[dt.date, str]:
    try:
        return parse_vn_date(source.get("on", ""), field="on") or timezone.localdate(), ""
    except ValidationFailed as exc:
        return timezone.localdate(), exc.message


def viewable_agencies(user) -> list[Agency]:
    """Agencies whose roster `user` may see (for the chooser): their own as leader or admin, and for a province
    admin every agency of the province today."""
    if getattr(user, "is_superuser", False):
        return list(Agency.objects.order_by("name")[:1000])
    own = [a for a, access in user_access(user).items() if access.roles & {Role.LEADER, Role.AGENCY_ADMIN}]
    found = {a.pk: a for a in Agency.objects.filter(pk__in=own)}
    today = timezone.localdate()
    for code in services._admin_provinces(user):
        found.update({a.pk: a for a in reports.province_agencies(code, today)})
    return sorted(found.values(), key=lambda a: a.name)


# --- roster ---------------------------------------------------------------------------------------------

@login_required
def roster_list(request):
    if not request.GET.get("agency"):
        choices = viewable_agencies(request.user)
        if len(choices) == 1:
            return redirect(f"{reverse('staffing:roster')}?agency={choices[0].pk}")
        if not choices:
            raise HttpForbidden("Chỉ lãnh đạo, quản trị cơ quan hoặc quản trị UBND tỉnh được xem danh sách cán bộ.")
        return render(request, "staffing/roster_choose.html", {"agencies": choices})
    agency = _agency_or_404(request.GET.get("agency"))
    if not roster.can_view_roster(request.user, agency):
        raise HttpForbidden("Bạn không được xem danh sách cán bộ, công chức của cơ quan này.")
    on, date_error = _on(request.GET)
    category = request.GET.get("category", "")
    category = category if category in StaffCategory.values else ""
    q = clean_text(request.GET.get("q"))[:100]
    first_start = (StaffPosting.objects.filter(member=OuterRef("member")).values("member")
                   .annotate(first=Min("valid_from")).values("first"))
    postings = (roster.in_post([agency.pk], on).select_related("member")
                .annotate(first_start=Subquery(first_start)).order_by("member__name_folded", "member__birth_date"))
    if category:
        postings = postings.filter(category=category)
    if q:
        postings = postings.filter(member__name_folded__contains=fold(q))
    rules = roster.retirement_rules()
    rows = []
    for p in postings[:ROSTER_LIMIT]:
        rows.append({"p": p, "m": p.member, "coefficient": vn_decimal(p.salary_coefficient),
                     "position_allowance": vn_decimal(p.position_allowance),
                     "other_allowance": vn_decimal(p.other_allowance),
                     "monthly": reports.vn_int(p.monthly_allowance_vnd) if p.monthly_allowance_vnd else "",
                     "retirement": roster.retirement_date(sex=p.member.sex, birth_date=p.member.birth_date,
                                                          rules=rules)})
    counts = {c: 0 for c in StaffCategory.values}
    for c in roster.in_post([agency.pk], on).values_list("category", flat=True):
        counts[c] += 1
    return render(request, "staffing/roster_list.html", {
        "agency": agency, "on": on, "date_error": date_error, "category": category, "q": q, "rows": rows,
        "categories": StaffCategory.choices, "counts": {StaffCategory(k).label: reports.vn_int(v)
                                                         for k, v in counts.items()},
        "total": reports.vn_int(sum(counts.values())), "shown": len(rows),
        "truncated": len(rows) == ROSTER_LIMIT, "limit": reports.vn_int(ROSTER_LIMIT),
        "can_manage": roster.can_manage_roster(request.user, agency)})


def _member_or_404(pk: int) -> StaffMember:
    member = StaffMember.objects.filter(pk=pk).first()
    if member is None:
        raise Http404("Không tìm thấy hồ sơ cán bộ, công chức.")
    return member


def _member_context(request, member: StaffMember, **extra) -> dict:
    postings = list(member.postings.select_related("agency").order_by("valid_from", "pk"))
    agencies = {p.agency_id: p.agency for p in postings}
    readable = {pk for pk, a in agencies.items() if roster.can_view_roster(request.user, a)}
    if not readable:
        raise HttpForbidden("Bạn không được xem hồ sơ này.")
    # only the postings at agencies whose roster the viewer may read: after a transfer the old agency keeps the
    # person's time there, not their post and pay at the new agency
    postings = [p for p in postings if p.agency_id in readable]
    current = next((p for p in postings if p.valid_to is None), None)
    can_manage = current is not None and roster.can_manage_roster(request.user, current.agency)
    history = [{"p": p, "coefficient": vn_decimal(p.salary_coefficient),
                "position_allowance": vn_decimal(p.position_allowance),
                "other_allowance": vn_decimal(p.other_allowance),
                "monthly": reports.vn_int(p.monthly_allowance_vnd) if p.monthly_allowance_vnd else ""}
               for p in reversed(postings)]
    return {"m": member, "history": history, "current": current, "can_manage": can_manage,
            "retirement": roster.retirement_date(sex=member.sex, birth_date=member.birth_date),
            "categories": StaffCategory.choices, "leave_reasons": LEAVE_REASONS,
            "change_reasons": LeaveReason.choices, "cv": {}, "lv": {}, **extra}


@login_required
def member_detail(request, pk: int):
    member = _member_or_404(pk)
    return render(request, "staffing/roster_member.html", _member_context(request, member))


def _refused(request, exc: DomainError):
    if exc.status == 403:
        raise HttpForbidden(exc.message) from exc
    if exc.status == 404:
        raise Http404(exc.message) from exc
    extra = [v for v in exc.fields.values() if v and v not in exc.message]
    messages.error(request, exc.message + "".join(f" {v}" for v in extra))


@login_required
@require_POST
def member_change(request, pk: int):
    member = _member_or_404(pk)
    post = request.POST
    changes = {}
    for key in roster.CHANGEABLE:
        value = (post.get(key) or "").strip()
        if value:
            changes[key] = value
    try:
        on = parse_vn_date(post.get("on"), field="on", required=True)
        reason = post.get("reason") or LeaveReason.CHANGE
        roster.posting_change(actor=request.user, member=member, on=on, reason=reason,
                              basis=post.get("basis", "")[:300], **changes)
    except DomainError as exc:
        _refused(request, exc)
        return render(request, "staffing/roster_member.html", _member_context(request, member, cv=post), status=400)
    messages.success(request, f"Đã ghi thay đổi từ ngày {format_vn_date(on)}.")
    return redirect(reverse("staffing:member_detail", args=[member.pk]))


@login_required
@require_POST
def member_leave(request, pk: int):
    member = _member_or_404(pk)
    post = request.POST
    try:
        on = parse_vn_date(post.get("on"), field="on", required=True)
        roster.member_leave(actor=request.user, member=member, on=on, reason=post.get("reason", ""),
                            basis=post.get("basis", "")[:300])
    except DomainError as exc:
        _refused(request, exc)
        return render(request, "staffing/roster_member.html", _member_context(request, member, lv=post), status=400)
    messages.success(request, f"Đã ghi thôi công tác từ ngày {format_vn_date(on)}.")
    return redirect(reverse("staffing:member_detail", args=[member.pk]))


@login_required
def member_new(request):
    agency = _form_agency(request)
    if not roster.can_manage_roster(request.user, agency):
        raise HttpForbidden("Bạn không được thêm cán bộ, công chức vào danh sách của cơ quan này.")
    ctx = {"agency": agency, "categories": StaffCategory.choices, "sexes": Sex.choices, "v": {}, "errors": {}}
    if request.method != "POST":
        return render(request, "staffing/roster_new.html", ctx)
    post = request.POST
    errors: dict[str, str] = {}
    dates = {}
    for key in ("birth_date", "start_date"):
        try:
            dates[key] = parse_vn_date(post.get(key), field=key)
        except ValidationFailed as exc:
            errors[key] = exc.fields.get(key, exc.message)
            dates[key] = None
    try:
        if errors:
            raise ValidationFailed("Ngày không hợp lệ.", fields=errors)
        member = roster.staff_member_create(
            actor=request.user, agency=agency, full_name=post.get("full_name", "")[:200], sex=post.get("sex", ""),
            birth_date=dates["birth_date"], start_date=dates["start_date"], category=post.get("category", ""),
            position=post.get("position", "")[:300], rank=post.get("rank", "")[:200],
            salary_coefficient=post.get("salary_coefficient", "")[:20],
            position_allowance=post.get("position_allowance", "")[:20] or "0",
            other_allowance=post.get("other_allowance", "")[:20] or "0",
            monthly_allowance_vnd=post.get("monthly_allowance_vnd", "")[:20] or "0",
            basis=post.get("basis", "")[:400])
    except DomainError as exc:
        if exc.status == 403:
            raise HttpForbidden(exc.message) from exc
        ctx.update(v=post, errors=exc.fields, error=exc.message)
        return render(request, "staffing/roster_new.html", ctx, status=400)
    messages.success(request, f"Đã thêm {member.full_name} vào danh sách.")
    return redirect(reverse("staffing:member_detail", args=[member.pk]))


MAX_IMPORT_BYTES = 2 * 1024 * 1024


def _form_agency(request) -> Agency:
    """The agency of a form: ?agency= wins over a posted `agency`, and it is the one whose permission is
    checked and the one written to (a tampered hidden field cannot redirect the write)."""
    return _agency_or_404(request.GET.get("agency") or request.POST.get("agency"))


@login_required
def roster_import(request):
    """Upload a CSV roster (all or nothing; every bad line named)."""
    agency = _form_agency(request)
    if not roster.can_manage_roster(request.user, agency):
        raise HttpForbidden("Bạn không được nhập danh sách cán bộ, công chức của cơ quan này.")
    ctx = {"agency": agency, "columns": ",".join(roster.IMPORT_COLUMNS), "problems": []}
    if request.method != "POST":
        return render(request, "staffing/roster_import.html", ctx)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed("Chọn tệp CSV để nhập.", fields={"file": "Chọn tệp CSV để nhập."})
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationFailed("Tệp lớn quá 2 MB.", fields={"file": "Tệp lớn quá 2 MB."})
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("Tệp phải là CSV mã hóa UTF-8.", fields={"file": "Lưu tệp dạng CSV UTF-8."}) from exc
        if "\x00" in text:
            raise ValidationFailed("Tệp có ký tự không hợp lệ (NUL).", fields={"file": "Tệp không phải CSV văn bản."})
        result = roster.roster_import(actor=request.user, agency=agency, text=text)
    except DomainError as exc:
        if exc.status == 403:
            raise HttpForbidden(exc.message) from exc
        ctx.update(error=exc.message, problems=[v for v in exc.fields.values() if v])
        return render(request, "staffing/roster_import.html", ctx, status=400)
    messages.success(request, f"Đã nhập {reports.vn_int(result.created)} người vào danh sách.")
    return redirect(f"{reverse('staffing:roster')}?agency={agency.pk}")


# --- staffing report ------------------------------------------------------------------------------------

def _report_scope(request) -> dict:
    """Parse ?province=&agency=&on= and check who may see; returns the context (no report when nothing chosen)."""
    on, date_error = _on(request.GET)
    try:
        province, province_error = reports.province_code(request.GET.get("province")), ""
    except ValidationFailed as exc:
        province, province_error = "", exc.message
    agency_param = request.GET.get("agency")
    admin_codes = services._admin_provinces(request.user)
    is_super = getattr(request.user, "is_superuser", False)
    in_force = selectors.provinces(on)
    provinces = [(p.code, p.name) for p in in_force if is_super or p.code in admin_codes]
    # a province admin's own code even when no province unit of that code is in force on the date (e.g. 49
    # Quảng Nam after 07/2025): the agencies whose province_code is the code are still reported
    provinces += [(code, f"Tỉnh mã {code}") for code in sorted(admin_codes) if code not in {c for c, _ in provinces}]
    ctx = {"on": on, "date_error": date_error, "province": province, "agency": None, "provinces": provinces,
           "agencies": viewable_agencies(request.user), "report": None, "province_error": province_error}
    if province_error:
        messages.error(request, province_error)
    elif agency_param:
        agency = _agency_or_404(agency_param)
        if not roster.can_view_roster(request.user, agency):
            raise HttpForbidden("Bạn không được xem báo cáo biên chế của cơ quan này.")
        ctx["agency"] = agency
        ctx["report"] = reports.staffing_report(agencies=[agency], on=on)
        ctx["title"] = f"{agency.name} — ngày {format_vn_date(on)}"
        ctx["query"] = urlencode({"agency": agency.pk, "on": format_vn_date(on)})
    elif province:
        if not reports.can_view_province_report(request.user, province):
            raise HttpForbidden("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh được xem báo cáo biên chế của tỉnh.")
        name = next((p.name for p in in_force if p.code == province), f"Tỉnh mã {province}")
        ctx["report"] = reports.staffing_report(agencies=reports.province_agencies(province, on), on=on)
        ctx["title"] = f"{name} — ngày {format_vn_date(on)}"
        ctx["query"] = urlencode({"province": province, "on": format_vn_date(on)})
    if ctx["report"] is not None:
        ctx["rows"] = _rows(ctx["report"])
        ctx["totals"] = _totals(ctx["report"])
    return ctx


def _rows(rep: reports.StaffingReport) -> list[dict]:
    out = []
    for i, row in enumerate(rep.rows, start=1):
        cells = []
        for line in (row.cadre, row.part_time):
            cells.append({"quota": reports.vn_int(line.quota), "in_post": reports.vn_int(line.in_post),
                          "surplus": reports.vn_signed(line.surplus),
                          "state": "over" if line.excess else ("under" if line.vacancy else "")})
        basis = (row.cadre.quota_basis if row.cadre.quota_basis == row.part_time.quota_basis
                 else f"CBCC: {row.cadre.quota_basis} KCT: {row.part_time.quota_basis}")
        out.append({"n": i, "agency": row.agency, "unit": row.unit_label, "cells": cells, "basis": basis})
    return out


def _totals(rep: reports.StaffingReport) -> list[dict]:
    return [{"label": t.category_label, "quota": reports.vn_int(t.quota), "in_post": reports.vn_int(t.in_post),
             "surplus": reports.vn_signed(t.surplus), "excess": reports.vn_int(t.excess),
             "vacancy": reports.vn_int(t.vacancy), "without_quota": t.without_quota}
            for t in rep.totals.values()]


@login_required
def report_page(request):
    ctx = _report_scope(request)
    return render(request, "staffing/report_page.html", ctx, status=400 if ctx["province_error"] else 200)


@login_required
def report_print(request):
    ctx = _report_scope(request)
    if ctx["province_error"]:
        return render(request, "staffing/report_page.html", ctx, status=400)
    if ctx["report"] is None:
        return redirect(reverse("staffing:report"))
    return render(request, "staffing/report_print.html", ctx)


@login_required
def report_xlsx(request):
    ctx = _report_scope(request)
    if ctx["province_error"]:
        return render(request, "staffing/report_page.html", ctx, status=400)
    if ctx["report"] is None:
        return redirect(reverse("staffing:report"))
    data = reports.report_xlsx(ctx["report"], title=ctx["title"])
    response = HttpResponse(data, content_type=reports.XLSX_TYPE)
    scope = f"co-quan-{ctx['agency'].pk}" if ctx["agency"] else f"tinh-{ctx['province']}"
    response["Content-Disposition"] = f'attachment; filename="bien-che-{scope}-{ctx["on"]:%Y%m%d}.xlsx"'
    return response
