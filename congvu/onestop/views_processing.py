"""Pages of dossier processing: the dossier list, the office queue, the dossier page and its actions.

Thin: reads through congvu.onestop.selectors (visibility included: a dossier the user may not see is a 404,
whether it exists or not), writes through congvu.onestop.processing. Each action is a small form posted with
htmx (the dossier panel is re-rendered in place) or as a plain form (redirect on success); a refused action
shows the service's Vietnamese message beside the form and changes nothing.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from congvu.core.errors import DomainError, NotFound, PermissionDenied
from congvu.documents.files import open_stored
from congvu.documents.views import agency_required
from congvu.onestop import processing, selectors
from congvu.onestop.events import event_label
from congvu.onestop.models import (
    Apology,
    Dossier,
    DossierComponent,
    DossierStatus,
    Pause,
    PauseKind,
    Procedure,
    ReturnMethod,
    StepHandler,
    SupplementRequest,
    Timeliness,
)
from congvu.org.models import Agency, Department, Membership

PAGE_SIZE = 50


def _dossier(request, pk: int) -> Dossier:
    try:
        return selectors.dossier_for(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


# --- list and queues -----------------------------------------------------------------------------------


@agency_required
@require_GET
def dossier_list(request):
    values = {k: (request.GET.get(k) or "").strip() for k in ("status", "procedure", "date_from", "date_to", "q")}
    values["overdue"] = request.GET.get("overdue") == "1"
    error = ""
    now = timezone.now()
    try:
        qs = selectors.dossier_list(request.user, status=values["status"] or None,
                                    procedure=values["procedure"] or None, date_from=values["date_from"],
                                    date_to=values["date_to"], overdue=values["overdue"], q=values["q"], now=now)
    except DomainError as exc:
        error = exc.message + " " + " ".join(exc.fields.values())
        qs = selectors.dossier_list(request.user, now=now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for d in page.object_list:
        d.is_overdue = d.status in selectors.OPEN_STATUSES and d.due_at is not None and d.due_at < now
    query = request.GET.copy()
    query.pop("page", None)
    procedures = Procedure.objects.filter(
        pk__in=selectors.visible_dossiers(request.user).values("procedure_version__procedure_id")).order_by("name")
    return render(request, "onestop/dossier_list.html", {
        "page": page, "values": values, "error": error, "statuses": DossierStatus.choices,
        "procedures": procedures, "query": query.urlencode()})


@agency_required
@require_GET
def office(request):
    now = timezone.now()
    steps = selectors.office_queue(request.user, now=now)
    return render(request, "onestop/office_queue.html", {
        "steps": steps, "late": selectors.late_soon(request.user, now=now),
        "to_return": list(selectors.return_queue(request.user)[:500]), "now": now})


# --- the dossier page ----------------------------------------------------------------------------------


def _handover_choices(dossier: Dossier, target) -> dict:
    if target is None:
        return {}
    interlinked = target.handler == StepHandler.OTHER_AGENCY
    if interlinked:
        agencies = list(Agency.objects.exclude(pk=dossier.agency_id).order_by("name")[:500])
        departments = list(Department.objects.filter(agency__in=agencies, active=True)
                           .select_related("agency").order_by("agency__name", "name"))
        people = []
    else:
        agencies = []
        departments = list(Department.objects.filter(agency_id=dossier.agency_id, active=True).order_by("name"))
        people = list(Membership.objects.filter(agency_id=dossier.agency_id, active=True)
                      .select_related("official", "department").order_by("official__full_name")
                      .distinct())
        seen, unique = set(), []
        for m in people:
            if m.official_id not in seen:
                seen.add(m.official_id)
                unique.append(m)
        people = unique
    default_dept = next((d.pk for d in departments if target.department_code and d.code == target.department_code
                         and d.agency_id == dossier.agency_id), None)
    return {"target": target, "interlinked": interlinked, "agencies": agencies, "departments": departments,
            "people": people, "default_department": default_dept}


def _context(request, dossier: Dossier, *, form: str = "", errors: dict | None = None, message: str = "",
             posted=None) -> dict:
    now = timezone.now()
    steps = selectors.steps_of(dossier)
    current = next((s for s in reversed(steps) if s.finished_at is None), None)
    for s in steps:
        s.is_overdue = s.finished_at is None and s.due_at is not None and s.due_at < now
    events = list(dossier.events.select_related("actor").order_by("at", "id"))
    for e in events:
        e.label = event_label(e.kind)
    actions = selectors.allowed_actions(request.user, dossier, current)
    target = processing.handover_target(dossier, current) if actions.hand_over else None
    apology = Apology.objects.filter(dossier=dossier).select_related("created_by").first()
    deadline = None
    if dossier.due_at and actions.apology:
        from congvu.workdays.services import calendar_for

        deadline = selectors.apology_deadline(calendar_for(agency=dossier.agency), dossier.due_at)
    return {
        "dossier": dossier, "steps": steps, "current": current, "events": events, "actions": actions,
        "components": list(DossierComponent.objects.filter(dossier=dossier).select_related("file")),
        "pauses": list(Pause.objects.filter(dossier=dossier).select_related("actor").order_by("started_at")),
        "has_supplement": SupplementRequest.objects.filter(dossier=dossier).exists(),
        # A refused action whose form is no longer offered (a second new date…) shows its message at the top.
        "orphan_message": message if form and not getattr(actions, "return_result" if form == "return" else form,
                                                           False) else "",
        "apology": apology, "apology_deadline": deadline, "apology_late": bool(deadline and now > deadline),
        "is_overdue": dossier.status in selectors.OPEN_STATUSES and dossier.due_at is not None
        and dossier.due_at < now,
        "handover": _handover_choices(dossier, target), "pause_kinds": [(PauseKind.FINANCIAL.value,
                                                                          PauseKind.FINANCIAL.label),
                                                                         (PauseKind.STOPPED.value,
                                                                          PauseKind.STOPPED.label)],
        "return_methods": ReturnMethod.choices, "timeliness_labels": dict(Timeliness.choices),
        "form": form, "errors": errors or {}, "message": message, "posted": posted or {},
    }


@agency_required
@require_GET
def dossier_detail(request, pk: int):
    dossier = _dossier(request, pk)
    return render(request, "onestop/dossier_detail.html", _context(request, dossier))


@agency_required
@require_GET
def dossier_file(request, pk: int, file_pk: int):
    """A component's file or the result file of a dossier the user sees."""
    dossier = _dossier(request, pk)
    comp = DossierComponent.objects.select_related("file").filter(dossier=dossier, file_id=file_pk).first()
    if comp is not None:
        stored, name = comp.file, comp.original_name or comp.name
    elif dossier.result_file_id == file_pk:
        stored, name = dossier.result_file, f"ket-qua-{dossier.code or dossier.pk}"
    else:
        raise Http404("Không tìm thấy tệp.")
    if "." not in name:
        name += mimetypes.guess_extension(stored.content_type) or ""
    processing.dossier_file_download_record(actor=request.user, dossier=dossier, file_id=stored.pk, name=name)
    response = FileResponse(open_stored(stored), content_type=stored.content_type, as_attachment=True,
                            filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- actions -------------------------------------------------------------------------------------------

DONE = {
    "hand_over": "Đã chuyển hồ sơ sang bước tiếp theo.",
    "pause": "Đã tạm dừng hồ sơ.",
    "resume": "Hồ sơ tiếp tục được xử lý; hạn trả đã được tính lại.",
    "withdraw": "Đã ghi nhận công dân rút hồ sơ.",
    "apology": "Đã lập phiếu xin lỗi và hẹn lại ngày trả.",
    "result": "Đã ghi nhận kết quả giải quyết.",
    "return": "Đã trả kết quả.",
}


def _int_or_none(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 18 else None


def _call(action: str, request, dossier: Dossier):
    p = request.POST
    user = request.user
    if action == "hand_over":
        to_department = _int_or_none(p.get("to_department"))
        to_agency = _int_or_none(p.get("to_agency"))
        if to_agency is None and to_department is not None:
            to_agency = Department.objects.filter(pk=to_department).values_list("agency_id", flat=True).first()
        return processing.dossier_hand_over(actor=user, dossier=dossier, to_department=to_department,
                                            to_agency=to_agency, to_official=_int_or_none(p.get("to_official")),
                                            note=p.get("note", ""))
    if action == "pause":
        return processing.dossier_pause(actor=user, dossier=dossier, kind=p.get("kind", ""),
                                        reason=p.get("reason", ""))
    if action == "resume":
        return processing.dossier_resume(actor=user, dossier=dossier, note=p.get("note", ""))
    if action == "withdraw":
        return processing.dossier_withdraw(actor=user, dossier=dossier, reason=p.get("reason", ""))
    if action == "apology":
        return processing.dossier_apology(actor=user, dossier=dossier, reason=p.get("reason", ""),
                                          new_due_at=p.get("new_due_at", ""))
    if action == "result":
        return processing.dossier_record_result(actor=user, dossier=dossier, note=p.get("note", ""),
                                                file=request.FILES.get("file"))
    if action == "return":
        return processing.dossier_return_result(actor=user, dossier=dossier, method=p.get("method", ""),
                                                returned_to=p.get("returned_to", ""), note=p.get("note", ""))
    raise Http404


def _action_view(action: str):
    @agency_required
    @require_POST
    def view(request, pk: int):
        dossier = _dossier(request, pk)
        try:
            _call(action, request, dossier)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from None
        except DomainError as exc:
            dossier.refresh_from_db()
            ctx = _context(request, dossier, form=action, errors=exc.fields, message=exc.message,
                           posted=request.POST)
            # htmx swaps only successful responses: the form comes back with its message in a 200
            return render(request, "onestop/dossier_detail.html", ctx, status=200 if request.htmx else 400)
        if request.htmx:  # shown in the swapped panel; a flash message would show again on the next page
            dossier.refresh_from_db()
            return render(request, "onestop/dossier_detail.html", _context(request, dossier, message=DONE[action]))
        messages.success(request, DONE[action])
        return redirect("onestop:dossier", pk=dossier.pk)

    view.__name__ = f"dossier_{action}"
    return view


hand_over = _action_view("hand_over")
pause = _action_view("pause")
resume = _action_view("resume")
withdraw = _action_view("withdraw")
apology = _action_view("apology")
result = _action_view("result")
return_result = _action_view("return")
