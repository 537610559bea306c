"""Pages of tasks (giao việc) and the monthly report. Thin: reads through task_selectors / reports, writes
through task_services; the per-assignment actions (progress, extension, hand-in, return…) post to the
workflow's assignment endpoints, which call the workflow services and come back here."""

from __future__ import annotations

import mimetypes

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import vi_sort_key
from congvu.documents.files import open_stored
from congvu.documents.models import Secrecy
from congvu.documents.views import agency_required
from congvu.org.models import Agency, Department
from congvu.org.selectors import official_for_user, user_access
from congvu.workflow import reports, rules, task_selectors, task_services
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    TaskAttachment,
    TaskPriority,
    TaskStatus,
)

PAGE_SIZE = 50


class _AnyChoice(forms.ChoiceField):
    """A select whose value the service checks (a refused value is reported beside it, never dropped)."""

    def valid_value(self, value) -> bool:
        return True


class _AnyChoices(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


class TaskForm(forms.Form):
    title = forms.CharField(label="Tên công việc", widget=forms.Textarea(attrs={"rows": 2, "maxlength": "500"}))
    description = forms.CharField(label="Nội dung, yêu cầu", widget=forms.Textarea(attrs={"rows": 4}))
    priority = _AnyChoice(label="Mức độ", choices=TaskPriority.choices, initial=TaskPriority.NORMAL)
    due = forms.CharField(label="Hạn hoàn thành", widget=forms.TextInput(attrs={
        "placeholder": "dd/mm/yyyy hoặc 5 ngày làm việc", "autocomplete": "off"}),
        help_text="Một ngày (dd/mm/yyyy: hết giờ làm việc ngày đó) hoặc “N ngày làm việc” tính từ bây giờ.")
    lead = _AnyChoice(label="Chủ trì")
    coordinators = _AnyChoices(label="Phối hợp")
    inform = _AnyChoices(label="Để biết")
    meeting = forms.CharField(label="Cuộc họp", widget=forms.TextInput(attrs={"maxlength": "500"}),
                              help_text="Tên, thời gian cuộc họp giao việc.")

    SERVICE_ALIASES = {"due_at": "due", "document": None, "source": None, "files": None}

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
        self.fields["lead"].choices = [("", "— Chọn người hoặc đơn vị chủ trì —")] + choices
        self.fields["coordinators"].choices = choices
        self.fields["inform"].choices = choices
        self.file_errors: list[str] = []

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, message in fields.items():
            target = self.SERVICE_ALIASES.get(name, name)
            if name == "files":
                self.file_errors.append(message)
            elif target in self.fields:
                self.add_error(target, message)
            else:
                self.add_error(None, message)


def assignee_choices(user, agency_id: int) -> list[tuple[str, str]]:
    """People and units the user may give tasks to: everyone of the agency for a leader, the headed units
    and their officials for a unit head."""
    choices = rules.agency_assignee_choices(agency_id)
    if rules.is_leader(user, agency_id):
        return choices
    heads = rules.headed_department_ids(official_for_user(user), agency_id)
    members = {f"o:{o}" for d in heads for o in rules.department_member_ids(d)}
    return [(k, label) for k, label in choices if k in members or k in {f"d:{d}" for d in heads}]


# --- list ---------------------------------------------------------------------------------------

def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 18 else None


@agency_required
@require_GET
def task_list(request):
    agency_id = request.agency_id
    access = user_access(request.user)[agency_id]
    full_view = bool(access.roles & task_selectors.TASK_FULL_VIEW_ROLES)
    scope = request.GET.get("scope") or (task_selectors.Scope.ALL if full_view else task_selectors.Scope.MINE)
    if scope not in (task_selectors.Scope.MINE, task_selectors.Scope.GIVEN, task_selectors.Scope.ALL):
        scope = task_selectors.Scope.MINE
    values = {"status": request.GET.get("status", ""), "overdue": request.GET.get("overdue") == "1",
              "unit": _int(request.GET.get("unit")), "month": (request.GET.get("month") or "").strip()}
    error = ""
    now = timezone.now()
    try:
        qs = task_selectors.task_list(user=request.user, agency_id=agency_id, scope=scope, status=values["status"],
                                      overdue=values["overdue"], department_id=values["unit"], month=values["month"],
                                      now=now)
    except ValidationFailed as exc:
        error = exc.message
        qs = task_selectors.task_list(user=request.user, agency_id=agency_id, scope=scope, now=now)
    values["month"] = task_selectors.month_label(values["month"]) if values["month"] else ""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    active_lead = set(ACTIVE_STATUSES) | {AssignmentStatus.DELEGATED}
    leads = {a.pk: a for a in Assignment.objects.filter(pk__in=[t.lead_id for t in page.object_list if t.lead_id])
             .select_related("assignee_official", "assignee_department")}
    for t in page.object_list:
        t.is_overdue = t.status == TaskStatus.OPEN and t.lead_due is not None and t.lead_due < now \
            and t.lead_status in active_lead
        t.lead_label = leads[t.lead_id].assignee_label if t.lead_id in leads else ""
        t.lead_status_label = AssignmentStatus(t.lead_status).label if t.lead_status else ""
    depts = sorted(Department.objects.filter(agency_id=agency_id, active=True), key=lambda d: vi_sort_key(d.name))
    return render(request, "workflow/tasks/list.html", {
        "page": page, "scope": scope, "full_view": full_view, "values": values, "error": error,
        "departments": depts, "statuses": TaskStatus.choices, "query": query.urlencode(),
        "can_assign": task_selectors.can_assign_tasks(request.user, agency_id),
        "can_report": _can_report(request.user, agency_id), "this_month": f"{timezone.localdate():%m/%Y}",
    })


# --- new task -----------------------------------------------------------------------------------

def _source_objects(request, agency_id: int):
    """The document (?document=) or schedule entry (?meeting=) a new task starts from, checked for the user."""
    from congvu.documents.selectors import document_get
    from congvu.schedule.selectors import entry_get

    document = entry = None
    doc_id = _int(request.GET.get("document") or request.POST.get("document"))
    entry_id = _int(request.GET.get("meeting_entry") or request.POST.get("meeting_entry")
                    or request.GET.get("meeting"))
    try:
        if doc_id:
            document = document_get(user=request.user, pk=doc_id)
        if entry_id:
            entry = entry_get(user=request.user, pk=entry_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    for obj in (document, entry):
        if obj is not None and obj.agency_id != agency_id:
            raise HttpForbidden("Văn bản hoặc cuộc họp thuộc cơ quan khác cơ quan đang làm việc.")
    return document, entry


@agency_required
@require_http_methods(["GET", "POST"])
def task_new(request):
    """A new task from scratch, from a document (?document=<id>) or from a meeting of the schedule
    (?meeting=<entry id>)."""
    agency_id = request.agency_id
    if not task_selectors.can_assign_tasks(request.user, agency_id):
        raise HttpForbidden("Chỉ lãnh đạo cơ quan hoặc lãnh đạo đơn vị được giao việc.")
    document, entry = _source_objects(request, agency_id)
    choices = assignee_choices(request.user, agency_id)
    if request.method == "POST":
        form = TaskForm(request.POST, choices=choices)
        form.is_valid()
        data = form.cleaned_data
        try:
            meeting = entry if entry is not None else (data.get("meeting") or None)
            task = task_services.task_create(
                actor=request.user, agency=Agency.objects.get(pk=agency_id), title=data.get("title", ""),
                description=data.get("description", ""), document=document, meeting=meeting,
                priority=data.get("priority") or TaskPriority.NORMAL, due_at=(data.get("due") or "").strip() or None,
                lead=data.get("lead") or None, coordinators=data.get("coordinators") or [],
                inform=data.get("inform") or [], files=request.FILES.getlist("files"))
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from None
        except DomainError as exc:
            form.add_service_errors(exc.fields)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã giao việc.")
            return redirect("tasks:detail", pk=task.pk)
    else:
        initial = {}
        if document is not None and document.secrecy == Secrecy.NORMAL:
            # A secret document's subject is not offered as the title: a task is read by the agency's
            # leaders and its people, who are not all named on the document.
            initial["title"] = document.subject
        if entry is not None:
            initial["meeting"] = task_services.meeting_label(entry)
        form = TaskForm(initial=initial, choices=choices)
    return render(request, "workflow/tasks/form.html", {
        "form": form, "document": document, "entry": entry, "files_dropped": request.method == "POST"
        and bool(request.FILES.getlist("files")),
    })


# --- one task -----------------------------------------------------------------------------------

def _task(request, pk: int):
    try:
        return task_selectors.task_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _rows(request, view: task_selectors.TaskView) -> list[dict]:
    """Each assignment with the actions the user may take on it (the services check the same rules)."""
    user = request.user
    me = official_for_user(user)
    now = timezone.now()
    heads = rules.headed_department_ids(me, view.task.agency_id)
    task_open = view.task.status == TaskStatus.OPEN
    rows = []
    for a in view.assignments:
        handle = rules.may_handle(user, a)
        decide = rules.may_decide(user, a)
        active = a.status in ACTIVE_STATUSES
        working = task_open and handle and active and a.role != AssignmentRole.INFORM
        informed = (task_open and a.role == AssignmentRole.INFORM and a.status == AssignmentStatus.PENDING
                    and me is not None and (handle or (a.assignee_department_id and me.pk in
                                                       rules.department_member_ids(a.assignee_department_id))))
        unit = None
        if working and a.assignee_department_id in heads:
            unit = a.assignee_department_id
        elif working and a.assignee_official_id and heads:
            unit = sorted(heads)[0]
        extension = task_selectors.pending_extension(view, a.pk)
        is_top_lead = a.role == AssignmentRole.LEAD and not a.parent_id
        rows.append({
            "a": a,
            "overdue": bool(a.active and a.due_at and a.due_at < now),
            "can_work": working,
            "can_decline": task_open and handle and a.role != AssignmentRole.INFORM
            and a.status in (AssignmentStatus.PENDING, AssignmentStatus.RETURNED),
            "can_read": bool(informed),
            # The lead's result is accepted by completing the task (which closes it), the others' directly.
            "can_decide": task_open and decide and a.status == AssignmentStatus.SUBMITTED,
            "accept_closes_task": is_top_lead,
            "can_cancel": task_open and decide and not is_top_lead and a.status in (
                *ACTIVE_STATUSES, AssignmentStatus.DELEGATED, AssignmentStatus.SUBMITTED),
            "extension": extension,
            "can_decide_extension": task_open and decide and extension is not None,
            "members": [m for m in rules.department_member_ids(unit) if m != me.pk] if unit else [],
            "progress": view.progress.get(a.pk, []),
            "extensions": view.extensions.get(a.pk, []),
        })
    return rows


@agency_required
@require_GET
def task_detail(request, pk: int):
    task = _task(request, pk)
    view = task_selectors.task_view(user=request.user, task=task)
    rows = _rows(request, view)
    from congvu.org.models import Official

    member_ids = {m for r in rows for m in r["members"]}
    names = dict(Official.objects.filter(pk__in=member_ids).values_list("pk", "full_name"))
    for r in rows:
        r["members"] = sorted(((m, names.get(m, "")) for m in r["members"]), key=lambda x: vi_sort_key(x[1]))
    can_manage = task_selectors.can_manage_task(request.user, task)
    lead = view.lead
    now = timezone.now()
    return render(request, "workflow/tasks/detail.html", {
        "task": task, "view": view, "rows": rows, "can_manage": can_manage and task.status == TaskStatus.OPEN,
        "can_complete": can_manage and task.status == TaskStatus.OPEN and lead is not None
        and lead.status in (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED),
        "overdue": task.status == TaskStatus.OPEN and lead is not None and lead.active and view.due_at
        and view.due_at < now,
        "next": request.get_full_path(), "now": now,
    })


@agency_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk: int):
    task = _task(request, pk)
    if not task_selectors.can_manage_task(request.user, task):
        raise HttpForbidden("Chỉ người giao việc hoặc lãnh đạo cơ quan được sửa công việc.")
    if task.status != TaskStatus.OPEN:
        messages.error(request, f"Công việc {task.get_status_display().lower()}; không sửa được.")
        return redirect("tasks:detail", pk=task.pk)
    errors: dict[str, str] = {}
    values = {"title": task.title, "description": task.description, "priority": task.priority,
              "meeting": task.meeting_reference}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            task_services.task_update(actor=request.user, task=task, title=values["title"],
                                      description=values["description"], priority=values["priority"],
                                      meeting=values["meeting"] if task.source == "meeting" else None)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from None
        except DomainError as exc:
            errors = dict(exc.fields) or {"general": exc.message}
        else:
            messages.success(request, "Đã sửa công việc.")
            return redirect("tasks:detail", pk=task.pk)
    return render(request, "workflow/tasks/edit.html", {"task": task, "values": values, "errors": errors,
                                                        "priorities": TaskPriority.choices})


@agency_required
@require_POST
def task_complete(request, pk: int):
    task = _task(request, pk)
    try:
        task_services.task_complete(actor=request.user, task=task, note=request.POST.get("note", ""))
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã duyệt kết quả và kết thúc công việc.")
    return redirect("tasks:detail", pk=task.pk)


@agency_required
@require_http_methods(["GET", "POST"])
def task_cancel(request, pk: int):
    task = _task(request, pk)
    if not task_selectors.can_manage_task(request.user, task):
        raise HttpForbidden("Chỉ người giao việc hoặc lãnh đạo cơ quan được hủy công việc.")
    error, reason = "", ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            task_services.task_cancel(actor=request.user, task=task, reason=reason)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from None
        except ValidationFailed as exc:
            error = exc.fields.get("reason", exc.message)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("tasks:detail", pk=task.pk)
        else:
            messages.success(request, "Đã hủy công việc.")
            return redirect("tasks:detail", pk=task.pk)
    return render(request, "workflow/tasks/cancel.html", {"task": task, "error": error, "reason": reason})


@agency_required
@require_GET
def task_file(request, pk: int, attachment_pk: int):
    task = _task(request, pk)
    att = TaskAttachment.objects.select_related("file").filter(task=task, pk=attachment_pk).first()
    if att is None:
        raise Http404("Không tìm thấy tệp.")
    name = att.original_name
    if "." not in name:
        name += mimetypes.guess_extension(att.file.content_type) or ""
    response = FileResponse(open_stored(att.file), content_type=att.file.content_type, as_attachment=True,
                            filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- monthly report -----------------------------------------------------------------------------

def _can_report(user, agency_id: int) -> bool:
    try:
        reports.report_scope(user, agency_id)
    except PermissionDenied:
        return False
    return True


@agency_required
@require_GET
def report_monthly(request):
    """The monthly report, printable (A4 landscape), and as XLSX with ?format=xlsx."""
    month = (request.GET.get("month") or "").strip() or f"{timezone.localdate():%m/%Y}"
    by = request.GET.get("by") or reports.BY_UNIT
    error = ""
    try:
        report = reports.task_monthly_report(user=request.user, agency_id=request.agency_id, month=month, by=by)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    except ValidationFailed as exc:
        error = exc.message
        report = None
    if report is not None and request.GET.get("format") == "xlsx":
        response = HttpResponse(reports.report_xlsx(report),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{reports.report_filename(report)}"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "workflow/tasks/report.html", {
        "report": report, "error": error, "month": task_selectors.month_label(month), "by": by,
        "labels": reports.FIGURE_LABELS,
        "figures": reports.FIGURES, "agency": Agency.objects.select_related("parent").get(pk=request.agency_id),
        "today": timezone.localdate(), "list_url": reverse("tasks:list"),
    })
