"""Pages of case files and retention under /records/. Thin: reads through records.selectors (what the
user may see), writes through records.services; a refusal is a 403 page, something not visible a 404,
any other error goes back on the form or as a message in Vietnamese."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.errors import DomainError, NotFound, PermissionDenied
from congvu.documents.search import search_documents
from congvu.org.models import Agency
from congvu.records import selectors, services
from congvu.records.forms import (
    CaseFileEditForm,
    CaseFileOpenForm,
    EntryForm,
    HeadingForm,
    ItemForm,
    PlanCreateForm,
    PlanSettingsForm,
    ScheduleForm,
    TransferForm,
)
from congvu.records.models import CaseFile, FilePlan, RetentionItem, RetentionSchedule


def agency_required(view):
    """Records pages work inside the active agency; a user without any position gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.agency_id is None:
            raise HttpForbidden("Tài khoản chưa được phân công vào cơ quan nào.")
        return view(request, *args, **kwargs)

    return wrapper


def _call(form, service, **kwargs):
    """Run a service for a form: its result, or None with the Vietnamese errors put on the form.
    Refusals are 403 pages and things out of sight 404 pages, never form errors."""
    try:
        return service(**kwargs)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        form.add_service_errors(exc.fields, exc.message)
        return None


def _act(request, service, success: str, **kwargs):
    """Run a service for a one-button action: its result, or None with the error as a page message."""
    try:
        result = service(**kwargs)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        details = [m for m in exc.fields.values() if m != exc.message]
        messages.error(request, " ".join([exc.message, *details]))
        return None
    messages.success(request, success)
    return result


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _context(request, **extra) -> dict:
    agency_id = request.agency_id
    return {
        "can_edit_plan": selectors.can_edit_plan(request.user, agency_id),
        "can_view_agency": selectors.can_view_agency_records(request.user, agency_id),
        "can_open": selectors.can_open_case_file(request.user, agency_id),
        "can_transfer": selectors.can_record_transfer(request.user, agency_id),
        **extra,
    }


@agency_required
@require_GET
def index(request):
    if selectors.can_view_agency_records(request.user, request.agency_id):
        return redirect("records:case_files")
    return redirect("records:my_case_files")


# --- file plans ----------------------------------------------------------------------------------

def _plan(request, year: int) -> FilePlan:
    try:
        return selectors.file_plan_get(user=request.user, agency_id=request.agency_id, year=year)
    except NotFound as exc:
        raise Http404(exc.message) from None


@agency_required
@require_http_methods(["GET", "POST"])
def plan_list(request):
    agency = Agency.objects.get(pk=request.agency_id)
    form = PlanCreateForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        plan = _call(form, services.file_plan_create, actor=request.user, agency=agency,
                     year=form.data.get("year", ""), numbering=form.data.get("numbering", ""),
                     copy_from_previous=form.data.get("copy_from_previous") in ("on", "1"))
        if plan is not None:
            messages.success(request, f"Đã lập dự thảo danh mục hồ sơ năm {plan.year}.")
            return redirect("records:plan", year=plan.year)
    return render(request, "records/plan_list.html", _context(
        request, agency=agency, plans=selectors.file_plans(user=request.user, agency_id=agency.pk), form=form))


@agency_required
@require_GET
def plan_detail(request, year: int):
    plan = _plan(request, year)
    editor = selectors.can_edit_plan(request.user, plan.agency_id)
    return render(request, "records/plan_detail.html", _context(
        request, plan=plan, rows=selectors.file_plan_rows(plan), totals=selectors.file_plan_totals(plan),
        editor=editor, heading_form=HeadingForm(prefix="h") if editor else None,
        settings_form=PlanSettingsForm(initial={"numbering": plan.numbering, "decision_ref": plan.decision_ref})
        if editor else None,
        openable={e.pk for e in selectors.openable_entries(user=request.user, agency_id=plan.agency_id)},
    ))


@agency_required
@require_GET
def plan_print(request, year: int):
    plan = _plan(request, year)
    return render(request, "records/plan_print.html", {
        "plan": plan, "rows": selectors.file_plan_rows(plan), "totals": selectors.file_plan_totals(plan),
        "back_url": reverse("records:plan", args=[plan.year])})


@agency_required
@require_POST
def plan_settings(request, year: int):
    plan = _plan(request, year)
    _act(request, services.file_plan_update, "Đã lưu cách đánh số và quyết định ban hành.", actor=request.user,
         plan=plan, changes={"numbering": request.POST.get("numbering", ""),
                             "decision_ref": request.POST.get("decision_ref", "")})
    return redirect("records:plan", year=plan.year)


@agency_required
@require_POST
def plan_issue(request, year: int):
    plan = _plan(request, year)
    _act(request, services.file_plan_issue, f"Đã ban hành danh mục hồ sơ năm {plan.year}.", actor=request.user,
         plan=plan, decision_ref=request.POST.get("decision_ref", "") or plan.decision_ref)
    return redirect("records:plan", year=plan.year)


@agency_required
@require_POST
def heading_add(request, year: int):
    plan = _plan(request, year)
    _act(request, services.file_plan_heading_add, "Đã thêm đề mục.", actor=request.user, plan=plan,
         code=request.POST.get("h-code", ""), title=request.POST.get("h-title", ""))
    return redirect("records:plan", year=plan.year)


def _heading(plan: FilePlan, pk: int):
    heading = plan.headings.filter(pk=pk).first()
    if heading is None:
        raise Http404("Không tìm thấy đề mục.")
    return heading


@agency_required
@require_http_methods(["GET", "POST"])
def heading_edit(request, year: int, pk: int):
    plan = _plan(request, year)
    heading = _heading(plan, pk)
    if not selectors.can_edit_plan(request.user, plan.agency_id):
        raise HttpForbidden("Chỉ lãnh đạo và quản trị cơ quan được lập và sửa danh mục hồ sơ.")
    if request.method == "POST":
        form = HeadingForm(request.POST)
        changes = {k: request.POST.get(k, "") for k in ("code", "title", "position") if k in request.POST}
        if _call(form, services.file_plan_heading_update, actor=request.user, heading=heading,
                 changes=changes) is not None:
            messages.success(request, "Đã sửa đề mục.")
            return redirect("records:plan", year=plan.year)
    else:
        form = HeadingForm(initial={"code": heading.code, "title": heading.title, "position": heading.position})
    return render(request, "records/heading_form.html", _context(request, plan=plan, heading=heading, form=form))


@agency_required
@require_POST
def heading_remove(request, year: int, pk: int):
    plan = _plan(request, year)
    heading = _heading(plan, pk)
    _act(request, services.file_plan_heading_remove, f"Đã xóa đề mục {heading.code}.", actor=request.user,
         heading=heading)
    return redirect("records:plan", year=plan.year)


def _entry_data(post) -> services.EntryData:
    return services.EntryData(
        title=post.get("title", ""), responsible_department_id=post.get("responsible_department_id") or None,
        responsible_official_id=post.get("responsible_official_id") or None,
        retention_item_id=post.get("retention_item_id") or None, retention_years=post.get("retention_years") or None,
        retention_permanent=post.get("retention_permanent") in ("on", "1"), notes=post.get("notes", ""))


def _item_values(post, prefix: str = "") -> dict:
    def get(key: str) -> str:
        return post.get(prefix + key, "")

    return {"code": get("code"), "title": get("title"), "years": get("years") or None,
            "permanent": get("permanent") in ("on", "1"), "source": get("source")}


@agency_required
@require_http_methods(["GET", "POST"])
def entry_new(request, year: int):
    plan = _plan(request, year)
    if not selectors.can_edit_plan(request.user, plan.agency_id):
        raise HttpForbidden("Chỉ lãnh đạo và quản trị cơ quan được lập và sửa danh mục hồ sơ.")
    items = selectors.retention_items(selectors.entry_schedule(plan))
    if request.method == "POST":
        form = EntryForm(request.POST, plan=plan, items=items)
        entry = _call(form, services.file_plan_entry_add, actor=request.user, plan=plan,
                      heading_id=request.POST.get("heading_id", ""), data=_entry_data(request.POST))
        if entry is not None:
            messages.success(request, f"Đã thêm hồ sơ {entry.code}.")
            return redirect("records:plan", year=plan.year)
    else:
        form = EntryForm(plan=plan, items=items, initial={"heading_id": request.GET.get("heading", "")})
    return render(request, "records/entry_form.html", _context(request, plan=plan, entry=None, form=form))


@agency_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, year: int, pk: int):
    plan = _plan(request, year)
    if not selectors.can_edit_plan(request.user, plan.agency_id):
        raise HttpForbidden("Chỉ lãnh đạo và quản trị cơ quan được lập và sửa danh mục hồ sơ.")
    try:
        entry = selectors.file_plan_entry_get(user=request.user, plan=plan, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    items = selectors.retention_items(selectors.entry_schedule(plan))
    if request.method == "POST":
        form = EntryForm(request.POST, plan=plan, items=items)
        updated = _call(form, services.file_plan_entry_update, actor=request.user, entry=entry,
                        heading_id=request.POST.get("heading_id", ""), data=_entry_data(request.POST))
        if updated is not None:
            messages.success(request, f"Đã sửa hồ sơ {updated.code}.")
            return redirect("records:plan", year=plan.year)
    else:
        form = EntryForm(plan=plan, items=items, initial={
            "heading_id": entry.heading_id, "title": entry.title,
            "responsible_department_id": entry.responsible_department_id or "",
            "responsible_official_id": entry.responsible_official_id or "",
            "retention_item_id": entry.retention_item_id or "",
            "retention_years": "" if entry.retention_item_id else (entry.retention_years or ""),
            "retention_permanent": entry.retention_permanent and not entry.retention_item_id,
            "notes": entry.notes})
    return render(request, "records/entry_form.html", _context(request, plan=plan, entry=entry, form=form))


@agency_required
@require_POST
def entry_remove(request, year: int, pk: int):
    plan = _plan(request, year)
    try:
        entry = selectors.file_plan_entry_get(user=request.user, plan=plan, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    _act(request, services.file_plan_entry_remove, f"Đã xóa hồ sơ {entry.code} khỏi danh mục.",
         actor=request.user, entry=entry)
    return redirect("records:plan", year=plan.year)


# --- case files ----------------------------------------------------------------------------------

STATUS_FILTERS = {"open": CaseFile.Status.OPEN, "closed": CaseFile.Status.CLOSED,
                  "transferred": CaseFile.Status.TRANSFERRED}


def _case_file_list(request, *, mine: bool):
    status = STATUS_FILTERS.get(request.GET.get("status", ""))
    year = request.GET.get("year", "")
    files = list(selectors.case_files(user=request.user, agency_id=request.agency_id, mine=mine, status=status,
                                      year=int(year) if year.isdigit() else None)[:500])
    return render(request, "records/case_file_list.html", _context(
        request, files=files, mine=mine, status=request.GET.get("status", ""), year=year,
        title="Hồ sơ của tôi" if mine else "Hồ sơ công việc của cơ quan"))


@agency_required
@require_GET
def case_file_list(request):
    if not selectors.can_view_agency_records(request.user, request.agency_id):
        return redirect("records:my_case_files")
    return _case_file_list(request, mine=False)


@agency_required
@require_GET
def my_case_files(request):
    return _case_file_list(request, mine=True)


def _issued_plan(request, year: int | None = None) -> FilePlan | None:
    qs = selectors.visible_file_plans(request.user, request.agency_id).filter(status=FilePlan.Status.ISSUED)
    if year:
        return qs.filter(year=year).first()
    return qs.filter(year=timezone.localdate().year).first() or qs.order_by("-year").first()


@agency_required
@require_http_methods(["GET", "POST"])
def case_file_new(request):
    agency_id = request.agency_id
    if not selectors.can_open_case_file(request.user, agency_id):
        raise HttpForbidden("Bạn không có quyền mở hồ sơ công việc của cơ quan này.")
    entries = selectors.openable_entries(user=request.user, agency_id=agency_id)
    chosen = request.POST.get("entry_id") or request.GET.get("entry") or ""
    chosen_entry = next((e for e in entries if str(e.pk) == chosen), None)
    year = request.POST.get("year") or request.GET.get("year") or ""
    plan = chosen_entry.plan if chosen_entry else _issued_plan(request, int(year) if year.isdigit() else None)
    manager = selectors.can_manage_case_files(request.user, agency_id)
    items = selectors.retention_items(selectors.entry_schedule(plan)) if plan else []
    form = CaseFileOpenForm(request.POST or None, plan=plan, entries=entries, items=items, manager=manager,
                            initial={"entry_id": chosen})
    if request.method == "POST":
        if plan is None:
            form.add_error(None, "Cơ quan chưa ban hành danh mục hồ sơ; chưa mở được hồ sơ theo danh mục.")
        else:
            post = request.POST
            typed = not post.get("entry_id")
            cf = _call(form, services.case_file_open, actor=request.user, plan=plan,
                       entry_id=post.get("entry_id") or None, heading_id=post.get("heading_id") if typed else None,
                       data=_entry_data(post) if typed else None,
                       responsible_official_id=post.get("responsible_official_id") or None,
                       capital_construction=post.get("capital_construction") in ("on", "1"),
                       notes=post.get("notes", ""))
            if cf is not None:
                messages.success(request, f"Đã mở hồ sơ {cf.code}.")
                return redirect("records:case_file", pk=cf.pk)
    return render(request, "records/case_file_new.html", _context(request, form=form, plan=plan, entries=entries))


def _case_file(request, pk: int) -> CaseFile:
    try:
        return selectors.case_file_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@agency_required
@require_GET
def case_file_detail(request, pk: int):
    cf = _case_file(request, pk)
    contents = selectors.case_file_contents(user=request.user, case_file=cf)
    return render(request, "records/case_file_detail.html", _context(
        request, cf=cf, contents=contents, can_edit=selectors.can_edit_case_file(request.user, cf),
        manager=selectors.can_manage_case_files(request.user, cf.agency_id),
        due=selectors.case_file_transfer_due(cf), today=timezone.localdate()))


@agency_required
@require_GET
def case_file_search(request, pk: int):
    """htmx: documents of the file's agency the user may see, matching the typed words, to add."""
    cf = _case_file(request, pk)
    query = request.GET.get("q", "").strip()
    page = search_documents(user=request.user, query=query, agency_id=cf.agency_id, limit=15) if query else None
    held = set(cf.items.values_list("document_id", flat=True))
    return render(request, "records/_document_search.html", {"cf": cf, "page": page, "held": held, "query": query})


@agency_required
@require_POST
def case_file_document_add(request, pk: int):
    cf = _case_file(request, pk)
    _act(request, services.case_file_document_add, "Đã thêm văn bản vào hồ sơ.", actor=request.user,
         case_file=cf, document_id=request.POST.get("document_id", ""))
    return redirect(_next_url(request, reverse("records:case_file", args=[cf.pk])))


@login_required
@require_POST
def document_file(request, document_pk: int):
    """From a document's page: put it into the chosen case file, then back to the document."""
    raw = request.POST.get("case_file", "").strip()
    cf = _case_file(request, int(raw) if raw.isdigit() and len(raw) < 19 else 0)
    _act(request, services.case_file_document_add, f"Đã thêm văn bản vào hồ sơ {cf.code}.", actor=request.user,
         case_file=cf, document_id=document_pk)
    return redirect("documents:detail", pk=document_pk)


@agency_required
@require_POST
def case_file_document_remove(request, pk: int, document_pk: int):
    cf = _case_file(request, pk)
    _act(request, services.case_file_document_remove, "Đã bớt văn bản khỏi hồ sơ.", actor=request.user,
         case_file=cf, document_id=document_pk)
    return redirect("records:case_file", pk=cf.pk)


@agency_required
@require_http_methods(["GET", "POST"])
def case_file_close(request, pk: int):
    cf = _case_file(request, pk)
    if not selectors.can_edit_case_file(request.user, cf):
        raise HttpForbidden("Chỉ người lập hồ sơ, lãnh đạo và quản trị cơ quan được thay đổi hồ sơ.")
    if request.method == "POST":
        closed = _act(request, services.case_file_close, f"Đã kết thúc hồ sơ {cf.code}.", actor=request.user,
                      case_file=cf)
        if closed is not None:
            return redirect("records:case_file", pk=cf.pk)
    contents = selectors.case_file_contents(user=request.user, case_file=cf)
    open_work = services.open_work_count(document_ids=list(cf.items.values_list("document_id", flat=True)))
    return render(request, "records/case_file_close.html", _context(
        request, cf=cf, contents=contents, open_work=open_work))


@agency_required
@require_POST
def case_file_reopen(request, pk: int):
    cf = _case_file(request, pk)
    _act(request, services.case_file_reopen, f"Đã mở lại hồ sơ {cf.code}.", actor=request.user, case_file=cf,
         reason=request.POST.get("reason", ""))
    return redirect("records:case_file", pk=cf.pk)


@agency_required
@require_http_methods(["GET", "POST"])
def case_file_edit(request, pk: int):
    cf = _case_file(request, pk)
    if not selectors.can_edit_case_file(request.user, cf):
        raise HttpForbidden("Chỉ người lập hồ sơ, lãnh đạo và quản trị cơ quan được thay đổi hồ sơ.")
    manager = selectors.can_manage_case_files(request.user, cf.agency_id)
    if request.method == "POST":
        form = CaseFileEditForm(request.POST, case_file=cf, manager=manager)
        changes = form.changes()
        if cf.status == CaseFile.Status.OPEN:
            changes.pop("transfer_extended_to", None)
        if _call(form, services.case_file_update, actor=request.user, case_file=cf, changes=changes) is not None:
            messages.success(request, "Đã lưu thông tin hồ sơ.")
            return redirect("records:case_file", pk=cf.pk)
    else:
        form = CaseFileEditForm(case_file=cf, manager=manager, initial={
            "title": cf.title, "notes": cf.notes, "sheets": cf.sheets or "",
            "capital_construction": cf.capital_construction,
            "settled_on": cf.settled_on.strftime("%d/%m/%Y") if cf.settled_on else "",
            "responsible_official_id": cf.responsible_id,
            "transfer_extended_to": cf.transfer_extended_to.strftime("%d/%m/%Y") if cf.transfer_extended_to else ""})
    if cf.status == CaseFile.Status.OPEN and "transfer_extended_to" in form.fields:
        del form.fields["transfer_extended_to"]
    return render(request, "records/case_file_edit.html", _context(request, cf=cf, form=form))


@agency_required
@require_GET
def case_file_index(request, pk: int):
    """The document index of a file (mục lục văn bản, Decree 30 Art. 29 / Annex VI), for printing."""
    cf = _case_file(request, pk)
    contents = selectors.case_file_contents(user=request.user, case_file=cf)
    return render(request, "records/case_file_index.html", {
        "cf": cf, "contents": contents, "back_url": reverse("records:case_file", args=[cf.pk])})


# --- transfer to the archive ---------------------------------------------------------------------

def _require_agency_records(request) -> None:
    if not selectors.can_view_agency_records(request.user, request.agency_id):
        raise HttpForbidden("Chỉ văn thư, lãnh đạo và quản trị cơ quan được xem việc nộp lưu.")


@agency_required
@require_GET
def due_list(request):
    _require_agency_records(request)
    return render(request, "records/due_list.html", _context(
        request, rows=selectors.due_for_transfer(user=request.user, agency_id=request.agency_id),
        today=timezone.localdate()))


@agency_required
@require_GET
def transfer_list(request):
    _require_agency_records(request)
    return render(request, "records/transfer_list.html", _context(
        request, transfers=selectors.archive_transfers(user=request.user, agency_id=request.agency_id)))


@agency_required
@require_http_methods(["GET", "POST"])
def transfer_new(request):
    agency = Agency.objects.get(pk=request.agency_id)
    if not selectors.can_record_transfer(request.user, agency.pk):
        raise HttpForbidden("Chỉ văn thư, lưu trữ và quản trị cơ quan được lập biên bản nộp lưu.")
    rows = [r for r in selectors.due_for_transfer(user=request.user, agency_id=agency.pk)]
    chosen = set(request.POST.getlist("case_file_ids") if request.method == "POST" else request.GET.getlist("file"))
    form = TransferForm(request.POST or None, agency_id=agency.pk,
                        initial={"transferred_on": timezone.localdate().strftime("%d/%m/%Y")})
    if request.method == "POST":
        post = request.POST
        transfer = _call(form, services.archive_transfer_create, actor=request.user, agency=agency,
                         transferred_on=post.get("transferred_on", ""), handed_over_by_id=post.get("handed_over_by_id"),
                         received_by_id=post.get("received_by_id"), case_file_ids=post.getlist("case_file_ids"),
                         department_id=post.get("department_id") or None, notes=post.get("notes", ""))
        if transfer is not None:
            messages.success(request, f"Đã lập biên bản nộp lưu {transfer.case_files.count()} hồ sơ.")
            return redirect("records:transfer", pk=transfer.pk)
    return render(request, "records/transfer_new.html", _context(request, form=form, rows=rows, chosen=chosen))


def _transfer(request, pk: int):
    try:
        return selectors.archive_transfer_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@agency_required
@require_GET
def transfer_detail(request, pk: int):
    t = _transfer(request, pk)
    return render(request, "records/transfer_detail.html", _context(request, t=t, files=selectors.transfer_files(t)))


@agency_required
@require_GET
def transfer_print(request, pk: int):
    """The hand-over minute (biên bản giao nhận, two originals) and the deposit index (mục lục hồ sơ nộp lưu)."""
    t = _transfer(request, pk)
    files = selectors.transfer_files(t)
    sheets = [f.sheets for f in files]
    return render(request, "records/transfer_print.html", {
        "t": t, "files": files, "back_url": reverse("records:transfer", args=[t.pk]),
        "span_start": min(f.start_date for f in files), "span_end": max(f.end_date for f in files),
        "sheets": sum(sheets) if all(sheets) else None,
        "giver_position": selectors.position_name(t.handed_over_by, t.agency_id),
        "receiver_position": selectors.position_name(t.received_by, t.agency_id)})


# --- the retention schedule ----------------------------------------------------------------------

@login_required
@require_GET
def retention(request):
    flags = _context(request) if request.agency_id else {}
    return render(request, "records/retention.html", flags | {
        "schedules": list(selectors.retention_schedules()),
        "in_force": selectors.retention_schedule_at(timezone.localdate()),
        "admin": request.user.is_superuser, "form": ScheduleForm() if request.user.is_superuser else None})


def _superuser(request) -> None:
    if not request.user.is_superuser:
        raise HttpForbidden("Chỉ quản trị hệ thống được sửa bảng thời hạn bảo quản.")


@login_required
@require_POST
def schedule_new(request):
    _superuser(request)
    form = ScheduleForm(request.POST)
    schedule = _call(form, services.retention_schedule_create, actor=request.user,
                     **{k: request.POST.get(k, "") for k in ("code", "name", "legal_basis", "valid_from",
                                                               "valid_to", "notes")})
    if schedule is None:
        return render(request, "records/retention.html", {
            "schedules": list(selectors.retention_schedules()),
            "in_force": selectors.retention_schedule_at(timezone.localdate()), "admin": True, "form": form},
            status=400)
    messages.success(request, f"Đã thêm bảng thời hạn bảo quản {schedule.legal_basis}.")
    return redirect("records:retention")


def _schedule(pk: int) -> RetentionSchedule:
    s = RetentionSchedule.objects.filter(pk=pk).first()
    if s is None:
        raise Http404("Không tìm thấy bảng thời hạn bảo quản.")
    return s


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request, pk: int):
    _superuser(request)
    schedule = _schedule(pk)
    item_form = ItemForm(prefix="i")
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        changes = {k: request.POST.get(k, "") for k in ("name", "legal_basis", "notes", "valid_to")}
        if _call(form, services.retention_schedule_update, actor=request.user, schedule=schedule,
                 changes=changes) is not None:
            messages.success(request, "Đã lưu bảng thời hạn bảo quản.")
            return redirect("records:schedule", pk=schedule.pk)
    else:
        form = ScheduleForm(initial={
            "code": schedule.code, "name": schedule.name, "legal_basis": schedule.legal_basis,
            "valid_from": schedule.valid_from.strftime("%d/%m/%Y"),
            "valid_to": schedule.valid_to.strftime("%d/%m/%Y") if schedule.valid_to else "", "notes": schedule.notes})
    return render(request, "records/schedule_edit.html", {"schedule": schedule, "form": form, "item_form": item_form,
                                                          "items": selectors.retention_items(schedule)})


@login_required
@require_POST
def item_add(request, pk: int):
    _superuser(request)
    schedule = _schedule(pk)
    item_form = ItemForm(request.POST, prefix="i")
    item = _call(item_form, services.retention_item_create, actor=request.user, schedule=schedule,
                 **_item_values(request.POST, "i-"))
    if item is None:
        form = ScheduleForm(initial={"code": schedule.code, "name": schedule.name,
                                     "legal_basis": schedule.legal_basis,
                                     "valid_from": schedule.valid_from.strftime("%d/%m/%Y"),
                                     "valid_to": schedule.valid_to.strftime("%d/%m/%Y") if schedule.valid_to else "",
                                     "notes": schedule.notes})
        return render(request, "records/schedule_edit.html", {
            "schedule": schedule, "form": form, "item_form": item_form,
            "items": selectors.retention_items(schedule)}, status=400)
    messages.success(request, f"Đã thêm mục {item.code}.")
    return redirect("records:schedule", pk=schedule.pk)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    _superuser(request)
    item = RetentionItem.objects.select_related("schedule").filter(pk=pk).first()
    if item is None:
        raise Http404("Không tìm thấy mục thời hạn bảo quản.")
    if request.method == "POST":
        form = ItemForm(request.POST)
        if _call(form, services.retention_item_update, actor=request.user, item=item,
                 **_item_values(request.POST)) is not None:
            messages.success(request, "Đã sửa mục thời hạn bảo quản.")
            return redirect("records:schedule", pk=item.schedule_id)
    else:
        form = ItemForm(initial={"code": item.code, "title": item.title, "years": item.years or "",
                                 "permanent": item.permanent, "source": item.source})
    return render(request, "records/item_edit.html", {"item": item, "form": form})
