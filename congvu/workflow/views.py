"""Pages of processing: the panel on the document page and its actions, the queues, "my work", the
overdue list, the processing slip and the agency's processing rules. Thin: reads through the selectors,
writes through the services; a refused action shows the service's Vietnamese message."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.errors import DomainError, NotFound, PermissionDenied
from congvu.documents.files import open_stored
from congvu.org.models import Agency, Department, Membership, Role
from congvu.org.selectors import can_manage_agency, can_register, official_for_user
from congvu.workflow import rules, selectors, services
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    ExtensionRequest,
    PresentTo,
    ProgressAttachment,
)


def agency_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.agency_id is None:
            raise HttpForbidden("Tài khoản chưa được phân công vào cơ quan nào.")
        return view(request, *args, **kwargs)

    return wrapper


# --- the panel on the document page ----------------------------------------------------------------

def _leaders(agency_id: int):
    return list(Membership.objects.filter(agency_id=agency_id, role=Role.LEADER, active=True)
                .select_related("official", "position").order_by("official__full_name"))


def _unit_members(department_id: int):
    return list(Membership.objects.filter(department_id=department_id, active=True)
                .select_related("official").order_by("official__full_name"))


def panel_context(request, document, *, errors: dict | None = None, form: str = "", values=None) -> dict:
    """Everything the processing panel shows for the current user: timeline, assignments, and the actions
    this user may take on each (the services check the same rules again)."""
    user = request.user
    proc = selectors.document_processing(user=user, document=document)
    doc = proc.document
    me = official_for_user(user)
    now = timezone.now()
    is_clerk = can_register(user, doc.agency_id)
    leader = rules.is_leader(user, doc.agency_id)
    heads = rules.headed_department_ids(me, doc.agency_id)
    pending = proc.pending_presentation
    unit_head_directs = bool(pending and pending.to_department_id in heads)
    rows = []
    for a in proc.assignments:
        handle = rules.may_handle(user, a)
        decide = rules.may_decide(user, a)
        active = a.status in ACTIVE_STATUSES
        informed_member = (a.role == AssignmentRole.INFORM and a.status == AssignmentStatus.PENDING and me is not None
                           and (handle or (a.assignee_department_id and me.pk in rules.department_member_ids(
                               a.assignee_department_id))))
        reassign_unit = None
        if handle and active and a.role != AssignmentRole.INFORM:
            if a.assignee_department_id and a.assignee_department_id in heads:
                reassign_unit = a.assignee_department_id
            elif a.assignee_official_id and heads:
                reassign_unit = sorted(heads)[0]
        rows.append({
            "a": a,
            "overdue": bool(a.active and a.due_at and a.due_at < now),
            "can_work": handle and active and a.role != AssignmentRole.INFORM,
            "can_decline": handle and a.status in (AssignmentStatus.PENDING, AssignmentStatus.RETURNED)
            and a.role != AssignmentRole.INFORM,
            "can_read": bool(informed_member),
            "can_decide": decide and a.status == AssignmentStatus.SUBMITTED,
            "can_cancel": decide and a.status in (*ACTIVE_STATUSES, AssignmentStatus.DELEGATED,
                                                  AssignmentStatus.SUBMITTED),
            "extension": proc.pending_extensions.get(a.pk),
            "can_decide_extension": decide and a.pk in proc.pending_extensions,
            "members": [m for m in _unit_members(reassign_unit) if m.official_id != me.pk] if reassign_unit else [],
            "progress": proc.progress.get(a.pk, []),
            "open": form.rsplit("-", 1)[0] if form.endswith(f"-{a.pk}") else "",
        })
    has_open_lead = any(a.role == AssignmentRole.LEAD and a.parent_id is None and a.status not in (
        AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED) for a in proc.assignments)
    can_direct = (leader or unit_head_directs) and not has_open_lead and doc.direction == "in"
    can_present = is_clerk and doc.direction == "in" and pending is None and not has_open_lead
    policy = rules.policy_for(doc.agency_id)
    return {
        "doc": doc, "proc": proc, "rows": rows, "pending": pending,
        "can_present": can_present, "can_withdraw": is_clerk and pending is not None,
        "can_direct": can_direct,
        "leaders": _leaders(doc.agency_id) if can_present else [],
        "departments": list(Department.objects.filter(agency_id=doc.agency_id, active=True).order_by("name"))
        if can_present else [],
        "policy": policy, "present_default_department": policy.present_to == PresentTo.DEPARTMENT,
        "choices": rules.agency_assignee_choices(doc.agency_id) if can_direct else [],
        "errors": errors or {}, "form": form, "values": values or {},
        "slip_url": reverse("workflow:slip", args=[doc.pk]),
        "now": now,
    }


def render_panel(request, document, **kwargs) -> str:
    """The panel's HTML; empty for an outgoing document that nobody was assigned to (processing is about
    incoming documents; an outgoing one shows the panel only if it carries assignments)."""
    context = panel_context(request, document, **kwargs)
    if context["doc"].direction != "in" and not context["rows"] and not context["proc"].events:
        return ""
    return render_to_string("workflow/_panel.html", context, request=request)


@login_required
@require_GET
def panel(request, pk: int):
    """The panel alone (htmx refresh)."""
    try:
        return HttpResponse(render_panel(request, pk))
    except NotFound as exc:
        raise Http404(exc.message) from None


def _back(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def _act(request, *, document_id: int | None, task_id: int | None, form: str, call, success: str):
    """Run one service call from a form. htmx: answer with the re-rendered panel (with the errors, or the
    new state); otherwise redirect back with a message. 404 for what the user may not see, 403 when
    they may see it but not do it."""
    default = services.subject_url(document_id=document_id, task_id=task_id)
    try:
        call()
    except NotFound as exc:
        raise Http404(exc.message) from None
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    except DomainError as exc:
        if request.htmx and document_id:
            values = {k: request.POST.getlist(k) if len(request.POST.getlist(k)) > 1 else request.POST.get(k)
                      for k in request.POST if k != "csrfmiddlewaretoken"}
            errors = dict(exc.fields) or {"general": exc.message}
            errors.setdefault("general", exc.message)
            return HttpResponse(render_panel(request, document_id, errors=errors, form=form, values=values))
        messages.error(request, exc.message + ("" if not exc.fields else " " + " ".join(exc.fields.values())))
        return redirect(_back(request, default))
    if request.htmx and document_id:
        response = HttpResponse(render_panel(request, document_id))
        response["HX-Trigger"] = "workflow-changed"
        return response
    messages.success(request, success)
    return redirect(_back(request, default))


@login_required
@require_POST
def present(request, pk: int):
    p = request.POST
    return _act(request, document_id=pk, task_id=None, form="present", success="Đã trình văn bản.",
                call=lambda: services.document_present(actor=request.user, document=pk,
                                                       to_official=p.get("to_official") or None,
                                                       to_department=p.get("to_department") or None,
                                                       note=p.get("note", "")))


@login_required
@require_POST
def withdraw(request, pk: int, presentation_pk: int):
    def call():
        from congvu.workflow.models import Presentation

        if not Presentation.objects.filter(pk=presentation_pk, document_id=pk).exists():
            raise NotFound("Không tìm thấy lượt trình.")
        services.presentation_withdraw(actor=request.user, presentation=presentation_pk)

    return _act(request, document_id=pk, task_id=None, form="withdraw", success="Đã rút lại văn bản đã trình.",
                call=call)


@login_required
@require_POST
def direct(request, pk: int):
    p = request.POST
    due = (p.get("due") or "").strip()
    return _act(request, document_id=pk, task_id=None, form="direct", success="Đã cho ý kiến chỉ đạo và phân công.",
                call=lambda: services.direction_give(actor=request.user, document=pk, text=p.get("text", ""),
                                                     lead=[v for v in p.getlist("lead") if v],
                                                     coordinators=p.getlist("coordinators"),
                                                     inform=p.getlist("inform"), due_at=due or None))


ACTIONS = {
    "reassign": ("Đã phân công lại trong đơn vị.",
                 lambda r, a: services.assignment_reassign(actor=r.user, assignment=a,
                                                           to_official=r.POST.get("to_official") or "",
                                                           note=r.POST.get("note", ""),
                                                           due_at=(r.POST.get("due") or "").strip() or None)),
    "decline": ("Đã từ chối xử lý.",
                lambda r, a: services.assignment_decline(actor=r.user, assignment=a, reason=r.POST.get("reason", ""))),
    "read": ("Đã đánh dấu đã xem.", lambda r, a: services.assignment_read(actor=r.user, assignment=a)),
    "progress": ("Đã cập nhật tiến độ.",
                 lambda r, a: services.progress_record(actor=r.user, assignment=a, percent=r.POST.get("percent", ""),
                                                       note=r.POST.get("note", ""), files=r.FILES.getlist("files"))),
    "extension": ("Đã gửi đề nghị gia hạn.",
                  lambda r, a: services.extension_request(actor=r.user, assignment=a,
                                                          requested_due_at=r.POST.get("requested_due_at", ""),
                                                          reason=r.POST.get("reason", ""))),
    "submit": ("Đã báo cáo hoàn thành.",
               lambda r, a: services.assignment_submit(actor=r.user, assignment=a, note=r.POST.get("note", ""))),
    "accept": ("Đã duyệt kết quả.",
               lambda r, a: services.assignment_accept(actor=r.user, assignment=a, note=r.POST.get("note", ""))),
    "return": ("Đã trả lại kết quả.",
               lambda r, a: services.assignment_return(actor=r.user, assignment=a, reason=r.POST.get("reason", ""))),
    "cancel": ("Đã hủy phân công.",
               lambda r, a: services.assignment_cancel(actor=r.user, assignment=a, reason=r.POST.get("reason", ""))),
}


@login_required
@require_POST
def assignment_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404("Không có thao tác này.")
    a = Assignment.objects.filter(pk=pk).values("document_id", "task_id").first()
    if a is None:
        raise Http404("Không tìm thấy phân công xử lý.")
    success, fn = ACTIONS[action]
    return _act(request, document_id=a["document_id"], task_id=a["task_id"], form=f"{action}-{pk}",
                success=success, call=lambda: fn(request, pk))


@login_required
@require_POST
def extension_decide(request, pk: int):
    ext = ExtensionRequest.objects.filter(pk=pk).values("assignment__document_id", "assignment__task_id").first()
    if ext is None:
        raise Http404("Không tìm thấy đề nghị gia hạn.")
    approve = request.POST.get("decision") == "approve"
    return _act(request, document_id=ext["assignment__document_id"], task_id=ext["assignment__task_id"],
                form=f"extension-decide-{pk}", success="Đã quyết định gia hạn.",
                call=lambda: services.extension_decide(actor=request.user, extension=pk, approve=approve,
                                                       note=request.POST.get("note", ""),
                                                       due_at=(request.POST.get("due") or "").strip() or None))


@login_required
@require_GET
def progress_file(request, pk: int):
    """A file attached to a progress report, for those who may see its document or task."""
    att = ProgressAttachment.objects.select_related("file", "report__assignment").filter(pk=pk).first()
    if att is None:
        raise Http404("Không tìm thấy tệp.")
    try:
        selectors.assignment_for_user(user=request.user, pk=att.report.assignment_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    response = FileResponse(open_stored(att.file), content_type=att.file.content_type, as_attachment=True,
                            filename=att.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- lists -----------------------------------------------------------------------------------------

@agency_required
@require_GET
def my_work(request):
    work = selectors.my_work(request.user, request.agency_id)
    return render(request, "workflow/my_work.html", {"work": work, "now": timezone.now()})


@agency_required
@require_GET
def overdue(request):
    page = selectors.overdue_assignments(request.user, request.agency_id, cursor=request.GET.get("cursor") or None)
    return render(request, "workflow/overdue.html", {"page": page, "now": timezone.now()})


@agency_required
@require_GET
def to_present(request):
    if not can_register(request.user, request.agency_id):
        raise HttpForbidden("Chỉ văn thư của cơ quan trình văn bản đến.")
    return render(request, "workflow/to_present.html", {
        "documents": selectors.to_present(request.user, request.agency_id),
        "window": selectors.TO_PRESENT_WINDOW_DAYS,
    })


@agency_required
@require_GET
def awaiting_direction(request):
    return render(request, "workflow/awaiting_direction.html", {
        "presentations": selectors.awaiting_direction(request.user, request.agency_id),
    })


# --- the processing slip (Decree 30/2020 Annex IV) -------------------------------------------------

@login_required
@require_GET
def slip(request, pk: int):
    """Phiếu giải quyết văn bản đến: the agency leader's, unit leaders' and handlers' opinions, each dated."""
    try:
        proc = selectors.document_processing(user=request.user, document=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    doc = proc.document
    leaders = [{"text": d.text, "author": d.author.full_name, "at": d.created_at} for d in proc.directions]
    unit, handler = [], []
    for a in proc.assignments:
        if a.parent_id and a.note:
            unit.append({"text": f"Giao {a.assignee_label} ({a.get_role_display().lower()}): {a.note}",
                         "author": a.assigned_by.full_name, "at": a.created_at})
        elif a.parent_id:
            unit.append({"text": f"Giao {a.assignee_label} {a.get_role_display().lower()}",
                         "author": a.assigned_by.full_name, "at": a.created_at})
        for r in proc.progress.get(a.pk, []):
            if r.note:
                handler.append({"text": f"{r.note} ({r.percent}%)", "author": r.author.full_name, "at": r.created_at})
        if a.submitted_at and a.result_note:
            handler.append({"text": a.result_note, "author": a.assignee_label, "at": a.submitted_at})
    handler.sort(key=lambda x: x["at"])
    lead = next((a for a in proc.assignments if a.role == AssignmentRole.LEAD and a.parent_id is None), None)
    return render(request, "workflow/slip.html", {
        "doc": doc, "agency": Agency.objects.select_related("parent").get(pk=doc.agency_id), "proc": proc,
        "leaders": leaders, "unit": unit, "handler": handler, "lead": lead,
        "coordinators": [a for a in proc.assignments if a.role == AssignmentRole.COORDINATE and a.parent_id is None],
        "today": timezone.localdate(),
    })


# --- the agency's processing rules -----------------------------------------------------------------

@agency_required
@require_http_methods(["GET", "POST"])
def policy(request):
    agency = Agency.objects.get(pk=request.agency_id)
    if not can_manage_agency(request.user, agency.pk):
        raise HttpForbidden("Chỉ quản trị cơ quan được đổi quy định xử lý văn bản.")
    errors: dict[str, str] = {}
    if request.method == "POST":
        p = request.POST
        try:
            services.policy_update(actor=request.user, agency=agency, present_to=p.get("present_to", ""),
                                   default_leader=p.get("default_leader", ""),
                                   default_department=p.get("default_department", ""),
                                   reminder_offsets_days=p.get("reminder_offsets_days", ""),
                                   overdue_repeat_days=p.get("overdue_repeat_days", "0"),
                                   allow_leader_self_assign=p.get("allow_leader_self_assign") == "1",
                                   default_due_working_days=p.get("default_due_working_days", "0"))
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from None
        except DomainError as exc:
            errors = dict(exc.fields) or {"general": exc.message}
        else:
            messages.success(request, "Đã lưu quy định xử lý văn bản.")
            return redirect("workflow:policy")
    pol = rules.policy_for(agency.pk)
    return render(request, "workflow/policy.html", {
        "agency": agency, "policy": pol, "errors": errors, "present_choices": PresentTo.choices,
        "leaders": _leaders(agency.pk),
        "departments": Department.objects.filter(agency=agency, active=True).order_by("name"),
        "offsets": ", ".join(str(x) for x in pol.reminder_offsets_days),
    })

