"""The merge wizard (sắp xếp đơn vị hành chính): step 1 chooses the units and describes the new unit and its
agency, step 2 previews everything that will move and confirms, then the done page; and the list of past
merges. System admins, and the agency admin of a UBND tỉnh for units of its province. Thin: congvu.staffing.reorg
checks, moves and journals."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import DomainError, NotFound, ValidationFailed
from congvu.core.text import clean_text
from congvu.staffing import reorg, services
from congvu.staffing.models import AdministrativeUnit, Numbering, UnitClass, UnitType

NEW_TYPES = [(v, label) for v, label in UnitType.choices if v in (UnitType.COMMUNE, UnitType.WARD,
                                                                   UnitType.SPECIAL_ZONE, UnitType.DISTRICT)]
FIELDS = ("name", "code", "unit_type", "unit_class", "effective_date", "resolution", "successor",
          "new_agency_name", "new_agency_notation", "new_agency_identifier", "numbering")


def _require_manager(request) -> None:
    if not services.can_manage_staffing(request.user):
        raise HttpForbidden("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh được sắp xếp đơn vị hành chính.")


def _unit_ids(post) -> list[int]:
    out = []
    for raw in post.getlist("units"):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            continue
        if 0 < value < 2**63 and value not in out:
            out.append(value)
    return out[:50]


def _values(post) -> dict:
    return {k: clean_text(post.get(k))[:300] for k in FIELDS}


def _day(values) -> dt.date:
    """The typed effective date for the unit search, today when it is missing, wrong or out of range."""
    try:
        day = parse_vn_date(values.get("effective_date"), field="effective_date")
    except ValidationFailed:
        day = None
    return day if day is not None and reorg.MIN_YEAR <= day.year <= reorg.MAX_YEAR else timezone.localdate()


def _step1(request, *, values: dict, unit_ids: list[int], errors: dict | None = None, status: int = 200):
    day = _day(values)
    chosen = list(AdministrativeUnit.objects.select_related("parent").filter(pk__in=unit_ids))
    chosen.sort(key=lambda u: unit_ids.index(u.pk))
    q = clean_text(request.POST.get("q") or request.GET.get("q"))[:100]
    found = [u for u in reorg.merge_candidates(user=request.user, q=q, day=day) if u.pk not in unit_ids] if q else []
    before = day - dt.timedelta(days=1)
    agencies = []
    for u in chosen:
        a = reorg._agency_of_unit(u, before) or reorg._agency_of_unit(u, day)
        if a is not None and a not in agencies:
            agencies.append(a)
    return render(request, "staffing/merge_new.html", {
        "v": values, "chosen": chosen, "found": found, "q": q, "agencies": agencies, "errors": errors or {},
        "unit_types": NEW_TYPES, "unit_classes": UnitClass.choices, "numberings": Numbering.choices,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def merge_new(request):
    """Step 1. GET shows the empty form; POST (the "Tìm" button) searches units and keeps what was typed."""
    _require_manager(request)
    if request.method == "POST":
        return _step1(request, values=_values(request.POST), unit_ids=_unit_ids(request.POST))
    values = {k: "" for k in FIELDS} | {"unit_type": UnitType.COMMUNE, "successor": "new",
                                        "new_agency_notation": "UBND", "numbering": Numbering.RESTART,
                                        "effective_date": format_vn_date(timezone.localdate())}
    return _step1(request, values=values, unit_ids=[])


def _plan(values: dict, unit_ids: list[int]) -> reorg.MergePlan:
    day = parse_vn_date(values["effective_date"], field="effective_date", required=True)
    successor_id = None
    if values["successor"] and values["successor"] != "new":
        try:
            successor_id = int(values["successor"])
        except ValueError as exc:
            raise ValidationFailed("Chọn cơ quan kế thừa.", fields={"successor_agency_id": "Chọn lại."}) from exc
    return reorg.MergePlan(
        unit_ids=unit_ids, name=values["name"], code=values["code"], unit_type=values["unit_type"],
        unit_class=values["unit_class"], effective_date=day, resolution=values["resolution"],
        successor_agency_id=successor_id,
        new_agency_name=values["new_agency_name"] if successor_id is None else "",
        new_agency_notation=values["new_agency_notation"] if successor_id is None else "",
        new_agency_identifier=values["new_agency_identifier"] if successor_id is None else "",
        numbering=values["numbering"] or Numbering.RESTART)


@login_required
@require_POST
def merge_preview(request):
    """Step 2: the preview; with `confirm`, the merge itself, then the done page."""
    _require_manager(request)
    values, unit_ids = _values(request.POST), _unit_ids(request.POST)
    try:
        plan = _plan(values, unit_ids)
        if request.POST.get("confirm") == "1":
            done = reorg.merge_execute(actor=request.user, plan=plan)
            messages.success(request, f"Đã sắp xếp: {done.successor_unit.name} có hiệu lực từ "
                                      f"{format_vn_date(done.effective_date)}.")
            return redirect(reverse("staffing:merge_done", args=[done.pk]))
        preview = reorg.merge_preview(actor=request.user, plan=plan)
    except DomainError as exc:
        if exc.status == 403:
            raise HttpForbidden(exc.message) from exc
        messages.error(request, exc.message)
        return _step1(request, values=values, unit_ids=unit_ids, errors=exc.fields, status=400)
    return render(request, "staffing/merge_preview.html", {"p": preview, "v": values, "unit_ids": unit_ids})


def _done_rows(r) -> list[tuple[str, int]]:
    labels = {"postings": "Cán bộ, công chức chuyển sang",
              "memberships": "Tài khoản đăng nhập thêm vào cơ quan kế thừa",
              "documents": "Văn bản chưa xử lý xong", "inbox": "Văn bản điện tử chờ vào sổ",
              "assignments": "Phân công xử lý chưa hoàn thành", "presentations": "Văn bản đang trình",
              "tasks": "Công việc đang thực hiện", "drafts": "Dự thảo chưa ban hành",
              "dossiers": "Hồ sơ thủ tục hành chính chưa kết thúc", "dossier_steps": "Bước xử lý hồ sơ đang mở",
              "registers": "Sổ văn bản đã khóa"}
    moved = (r.summary or {}).get("moved", {})
    return [(labels.get(k, k), n) for k, n in moved.items()]


@login_required
def merge_done(request, pk: int):
    _require_manager(request)
    try:
        r = reorg.reorganisation_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "staffing/merge_done.html", {"r": r, "s": r.summary or {}, "rows": _done_rows(r)})


@login_required
def reorganisation_list(request):
    _require_manager(request)
    return render(request, "staffing/merge_list.html", {"rows": reorg.reorganisations(request.user)[:200]})
