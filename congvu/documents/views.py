"""Pages of the registry. Thin: every read goes through the selectors (visibility), every write
through the services; the views only translate between HTTP and those functions."""

import datetime as dt
import mimetypes
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.dates import parse_vn_date
from congvu.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from congvu.documents import register_admin, search, selectors, services
from congvu.documents.files import PDF, open_stored
from congvu.documents.forms import (
    DocumentEditForm,
    DocumentFilterForm,
    IncomingForm,
    OutgoingForm,
    current_document_types,
)
from congvu.documents.history import document_history
from congvu.documents.models import URGENT_LEVELS, Attachment, Direction, Document, Register
from congvu.documents.register_export import register_table
from congvu.documents.upload_handlers import check_upload_size, upload_too_large
from congvu.org.models import Agency
from congvu.org.selectors import can_manage_agency, can_register

LIST_LIMIT = 50
SEARCH_ERROR = "Điều kiện tìm kiếm chưa hợp lệ."


def agency_required(view):
    """Pages of the registry work inside the active agency; a user without any position gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.agency_id is None:
            if request.user.is_superuser:  # a system admin without a position works on the agency list
                return redirect("org:manage")
            raise HttpForbidden("Tài khoản chưa được phân công vào cơ quan nào.")
        return view(request, *args, **kwargs)

    return wrapper


def _current_agency(request) -> Agency:
    return Agency.objects.get(pk=request.agency_id)


# --- home --------------------------------------------------------------------------------------

@agency_required
def home(request):
    agency_id = request.agency_id
    return render(request, "documents/home.html", {
        "counts": selectors.home_counts(user=request.user, agency_id=agency_id),
        "urgent": selectors.urgent_documents(user=request.user, agency_id=agency_id),
        "recent": selectors.keyset_page(
            selectors.agency_documents(user=request.user, agency_id=agency_id, direction=Direction.INCOMING)
            .select_related("doc_type"), limit=8).items,
        "can_register": can_register(request.user, agency_id),
        "today": timezone.localdate(),
    })


# --- lists and search --------------------------------------------------------------------------

def _cursor(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _find(request, *, direction: str | None, agency_id: int | None, register_agency_id: int | None,
          register_direction: str | None):
    """Run the filters of the request through the search service; returns (form, page, error).

    `agency_id` limits the results (None: every agency of the user); the register filter offers the
    registers of `register_agency_id` (and `register_direction`) that the user may see."""
    form = DocumentFilterForm(request.GET or None, user=request.user, agency_id=register_agency_id,
                              direction=register_direction)
    if form.is_bound and not form.is_valid():
        # A refused filter must not quietly become no filter: say what is wrong and list nothing.
        return form, selectors.Page([], None, None), SEARCH_ERROR
    values = form.cleaned_data if form.is_bound else {}
    urgency = values.get("urgency") or None
    if urgency == "urgent_any":
        urgency = list(URGENT_LEVELS)
    after, before = _cursor(request.GET.get("after")), _cursor(request.GET.get("before"))
    try:
        page = search.search_documents(
            user=request.user, query=values.get("q", ""), direction=direction,
            doc_type=values.get("doc_type") or None, issuer=values.get("issuer") or None,
            date_from=values.get("date_from") or None, date_to=values.get("date_to") or None,
            urgency=urgency, register_id=values.get("register") or None, status=values.get("status") or None,
            agency_id=agency_id, after=after, before=before, limit=LIST_LIMIT,
        )
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        return form, selectors.Page([], None, None), exc.message
    return form, page, ""


def _full_or_partial(request, template: str, context: dict):
    """htmx filter and page requests get the results table only; everything else the whole page."""
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    response = render(request, "documents/_document_table.html" if partial else template, context)
    patch_vary_headers(response, ("HX-Request",))  # the same URL answers two shapes
    return response


def _document_list(request, direction: str, template_title: str):
    agency_id = request.agency_id
    form, page, error = _find(request, direction=direction, agency_id=agency_id, register_agency_id=agency_id,
                              register_direction=direction)
    context = {
        "form": form, "page": page, "error": error, "direction": direction, "title": template_title,
        "query": form.data.get("q", "") if form.is_bound else "",
        "list_url": request.path, "can_register": can_register(request.user, agency_id),
        "new_url": reverse("documents:incoming_new" if direction == Direction.INCOMING else "documents:outgoing_new"),
        "print_registers": selectors.printable_registers(user=request.user, agency_id=agency_id, direction=direction),
    }
    return _full_or_partial(request, "documents/document_list.html", context)


@agency_required
@require_GET
def incoming_list(request):
    return _document_list(request, Direction.INCOMING, "Văn bản đến")


@agency_required
@require_GET
def outgoing_list(request):
    return _document_list(request, Direction.OUTGOING, "Văn bản đi")


@agency_required
@require_GET
def search_page(request):
    """One box over every agency the user works in; results are already limited to what they may see."""
    # Results come from every agency; the register filter offers the active agency's registers of both
    # directions (the direction select changes the results, not the form).
    form, page, error = _find(request, direction=request.GET.get("direction") or None, agency_id=None,
                              register_agency_id=request.agency_id, register_direction=None)
    context = {
        "form": form, "page": page, "error": error, "direction": None, "title": "Tìm kiếm văn bản",
        "query": request.GET.get("q", ""), "list_url": request.path, "searched": bool(request.GET),
        "direction_value": request.GET.get("direction", ""),
    }
    form.fields["q"].widget.attrs["autofocus"] = True
    return _full_or_partial(request, "documents/search.html", context)


@agency_required
@require_GET
def issuer_suggest(request):
    """<option>s for the issuer <datalist>: issuers of earlier documents, most used first."""
    names = selectors.issuer_suggestions(user=request.user, agency_id=request.agency_id,
                                         prefix=request.GET.get("issuer", "") or request.GET.get("q", ""))
    return render(request, "documents/_issuer_options.html", {"names": names})


# --- registration ------------------------------------------------------------------------------

def _uploads(request):
    return request.FILES.getlist("attachments")


def _received_at(text: str):
    """The arrival date typed on the form: today means now; an earlier day keeps the current time."""
    day = parse_vn_date(text, field="received_on") if text else None
    now = timezone.localtime()
    if day is None or day == now.date():
        return None
    return timezone.make_aware(dt.datetime.combine(day, now.time().replace(microsecond=0)))


def _registration(request, *, direction: str):
    from congvu.intake.views import uploads_panel_context

    agency_id = request.agency_id
    if not can_register(request.user, agency_id):
        raise HttpForbidden("Chỉ văn thư của cơ quan được vào sổ văn bản.")
    form_class = IncomingForm if direction == Direction.INCOMING else OutgoingForm
    template = "documents/incoming_form.html" if direction == Direction.INCOMING else "documents/outgoing_form.html"
    duplicates = []
    files_dropped = False
    doc = None
    intake_uploads = []
    primary_id = None
    if request.method == "POST":
        form = form_class(request.POST, agency_id=agency_id)
        files_dropped = bool(_uploads(request)) or upload_too_large(request)
        try:
            # The size guard leaves the cut-off file out of request.FILES: registering now would
            # record the document without it.
            check_upload_size(request)
            # Files dropped on the form were stored and read at once (intake): they are attached by id.
            intake_uploads, primary_id = _intake_uploads(request)
            # The form passes every value on to the service; should it still refuse one, that value
            # is missing from cleaned_data, so its errors are shown instead of registering without it.
            doc = _register(request, form, direction, intake_uploads, primary_id) if form.is_valid() else None
        except services.DuplicateSuspected as exc:
            duplicates = exc.documents
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            form.add_service_errors(exc.fields, form.SERVICE_ALIASES)
            if not exc.fields:
                form.add_error(None, exc.message)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        if doc is not None:
            if direction == Direction.INCOMING:
                messages.success(request, f"Đã vào sổ văn bản đến: số đến {doc.register_number} "
                                          f"({doc.register.name}).")
            else:
                messages.success(request, f"Đã cấp số văn bản đi: {doc.number_notation}.")
            return redirect("documents:detail", pk=doc.pk)
    else:
        form = form_class(agency_id=agency_id)
    return render(request, template, {
        "form": form, "duplicates": duplicates, "files_dropped": files_dropped,
        "doc_types": {t.code: t for t in current_document_types()}, "intake_direction": direction,
        **uploads_panel_context(intake_uploads, user=request.user, direction=direction, primary_id=primary_id),
    })


def _intake_uploads(request):
    """The files dropped on the form and already stored (hidden `intake_upload` ids) and the one whose
    reading filled the form (`intake_primary`)."""
    from congvu.intake.selectors import uploads_for_form

    uploads = uploads_for_form(user=request.user, agency_id=request.agency_id,
                               ids=request.POST.getlist("intake_upload"))
    try:
        primary_id = int(request.POST.get("intake_primary") or 0) or None
    except ValueError:
        primary_id = None
    return uploads, primary_id


def _intake_duplicates(request, uploads, token: str | None) -> None:
    """Files dropped on the incoming form that are already kept with a registered document (same bytes,
    or near-identical text) stop the registration like the registry's own duplicate check, unless the
    clerk confirms ("Vẫn vào sổ"). A repeated submit of a registered form is not a duplicate."""
    from congvu.intake.duplicates import find_cross_channel_duplicates

    if not uploads or request.POST.get("allow_duplicate") == "1":
        return
    if token and Document.objects.filter(request_token=services.scoped_request_token(request.user, token)).exists():
        return
    matches = find_cross_channel_duplicates(actor=request.user, agency_id=request.agency_id,
                                            stored_files=[u.file for u in uploads])
    if matches:
        exc = services.DuplicateSuspected([m.document for m in matches])
        first = matches[0].document
        exc.message = (f"Tệp tải lên trùng với văn bản đã vào sổ (số đến {first.register_number}"
                       f"{', ' + first.number_notation if first.number_notation else ''}). Gắn tệp vào văn bản đó "
                       "thay vì vào sổ lần nữa, hoặc bấm “Vẫn vào sổ” nếu đây là văn bản khác.")
        raise exc


def _register(request, form, direction: str, intake_uploads=(), primary_id: int | None = None):
    from congvu.intake.registration import registration_completed

    data = form.cleaned_data
    agency = _current_agency(request)
    token = (data.get("request_token") or "").strip()[:64] or None
    stored_files = [(u.file, u.original_name) for u in intake_uploads]
    uploads = list(intake_uploads)

    def on_registered(document):  # inside the registering transaction
        registration_completed(actor=request.user, document=document, uploads=uploads, primary_id=primary_id)

    if direction == Direction.INCOMING:
        from congvu.documents.numbering import split_number_notation

        _intake_duplicates(request, uploads, token)
        number, notation = split_number_notation(data.get("number_notation", ""))
        try:
            received_at = _received_at(data.get("received_on", ""))
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, fields={"received_on": exc.fields["received_on"]})
        payload = services.IncomingData(
            issuer=data.get("issuer", ""), number=number, notation=notation,
            issued_date=data.get("issued_date", ""), doc_type=data.get("doc_type", ""),
            subject=data.get("subject", ""), signer=data.get("signer", ""),
            signer_title=data.get("signer_title", ""), urgency=data.get("urgency", ""),
            secrecy=data.get("secrecy", ""), pages=data.get("pages", ""), due_date=data.get("due_date", ""),
            channel=data.get("channel", ""), received_at=received_at,
            # Ids as submitted: the service checks they exist and belong to the agency.
            receiving_department_id=data.get("receiving_department_id") or None,
            receiving_official_id=data.get("receiving_official_id") or None,
            notes=data.get("notes", ""), access_official_ids=data.get("access_official_ids") or [],
        )
        return services.incoming_register(actor=request.user, agency=agency, data=payload,
                                          uploads=_uploads(request), request_token=token,
                                          allow_duplicate=request.POST.get("allow_duplicate") == "1",
                                          stored_files=stored_files, on_registered=on_registered)
    names = [line.strip() for line in (data.get("recipient_names") or "").splitlines() if line.strip()]
    payload = services.OutgoingData(
        doc_type=data.get("doc_type", ""), subject=data.get("subject", ""), signer=data.get("signer", ""),
        signer_title=data.get("signer_title", ""), issued_date=data.get("issued_date", ""),
        urgency=data.get("urgency", ""), secrecy=data.get("secrecy", ""), pages=data.get("pages", ""),
        due_date=data.get("due_date", ""), drafting_department_id=data.get("drafting_department_id") or None,
        recipient_agency_ids=data.get("recipient_agency_ids") or [],
        recipient_names=names, dispatched_on=data.get("dispatched_on", ""), copies=data.get("copies", ""),
        notes=data.get("notes", ""), access_official_ids=data.get("access_official_ids") or [],
    )
    return services.outgoing_register(actor=request.user, agency=agency, data=payload, uploads=_uploads(request),
                                      request_token=token, stored_files=stored_files, on_registered=on_registered)


@agency_required
@require_http_methods(["GET", "POST"])
def incoming_new(request):
    return _registration(request, direction=Direction.INCOMING)


@agency_required
@require_http_methods(["GET", "POST"])
def outgoing_new(request):
    return _registration(request, direction=Direction.OUTGOING)


# --- detail and files --------------------------------------------------------------------------

def _visible_document(request, pk: int):
    try:
        return selectors.document_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404("Không tìm thấy văn bản hoặc bạn không có quyền xem.")


@login_required
@require_GET
def document_detail(request, pk: int):
    doc = _visible_document(request, pk)
    services.document_access_record(actor=request.user, document=doc, action="document.view")
    attachments = list(doc.attachments.select_related("file"))
    first_pdf = next((a for a in attachments if a.file.content_type == PDF), None)
    journal = document_history(user=request.user, document=doc)
    return render(request, "documents/document_detail.html", {
        "can_edit": can_register(request.user, doc.agency_id),
        "doc": doc, "attachments": attachments, "first_pdf": first_pdf, "journal": journal,
        "recipients": list(doc.recipients.all()) if doc.direction == Direction.OUTGOING else [],
        "access_list": list(doc.access_list.select_related("official")) if doc.is_secret else [],
    })


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk: int):
    """Correct a registered document's metadata through `services.document_update`; numbers, dates of
    issue and registers are shown, never edited. Invisible → 404; not the agency's clerk → 403."""
    doc = _visible_document(request, pk)
    if not can_register(request.user, doc.agency_id):
        raise HttpForbidden("Chỉ văn thư của cơ quan được sửa thông tin văn bản.")
    if request.method == "POST":
        form = DocumentEditForm(request.POST, document=doc)
        before = services.document_snapshot(doc)
        try:
            updated = services.document_update(actor=request.user, document=doc, changes=form.changes())
        except ValidationFailed as exc:
            form.add_service_errors(exc.fields)
            if not exc.fields:
                form.add_error(None, exc.message)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        else:
            if services.document_snapshot(updated) == before:
                messages.info(request, "Không có thông tin nào thay đổi.")
            else:
                messages.success(request, "Đã sửa thông tin văn bản.")
            return redirect("documents:detail", pk=doc.pk)
    else:
        form = DocumentEditForm(document=doc)
    return render(request, "documents/document_edit.html", {"doc": doc, "form": form})


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    """Stream one attachment of a visible document; `?inline=1` shows it in the page (PDF preview)."""
    doc = _visible_document(request, pk)
    attachment = Attachment.objects.select_related("file").filter(document=doc, pk=attachment_pk).first()
    if attachment is None:
        raise Http404("Không tìm thấy tệp.")
    services.document_access_record(actor=request.user, document=doc, action="document.download")
    stored = attachment.file
    inline = request.GET.get("inline") == "1" and stored.content_type == PDF
    name = attachment.original_name
    if "." not in name:
        name += mimetypes.guess_extension(stored.content_type) or ""
    response = FileResponse(open_stored(stored), content_type=stored.content_type, as_attachment=not inline,
                            filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- registers (agency admin) ------------------------------------------------------------------

def _managed_agency(request, agency_pk: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_pk).first()
    if agency is None:
        raise Http404("Không tìm thấy cơ quan.")
    if not can_manage_agency(request.user, agency.pk):
        raise HttpForbidden("Chỉ quản trị cơ quan được quản lý sổ văn bản.")
    return agency


@login_required
@require_http_methods(["GET", "POST"])
def register_admin_page(request, agency_pk: int):
    agency = _managed_agency(request, agency_pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            register_admin.agency_numbering_update(actor=request.user, agency=agency,
                                                   separate_types=request.POST.getlist("separate_types"))
        except ValidationFailed as exc:
            errors = exc.fields or {"separate_types": exc.message}
        else:
            messages.success(request, "Đã lưu cách đánh số văn bản đi.")
            return redirect("documents:registers", agency_pk=agency.pk)
    printable = {r.pk for r in selectors.printable_registers(user=request.user, agency_id=agency.pk)}
    return render(request, "documents/registers.html", {
        "agency": agency, "registers": register_admin.registers_of_agency(agency=agency), "printable": printable,
        "doc_types": current_document_types(), "separate": set(agency.separate_numbering_types or []),
        "errors": errors,
    })


@login_required
@require_POST
def register_toggle(request, agency_pk: int, pk: int):
    agency = _managed_agency(request, agency_pk)
    register = Register.objects.filter(pk=pk, agency=agency).first()
    if register is None:
        raise Http404("Không tìm thấy sổ.")
    closed = request.POST.get("closed") == "1"
    register_admin.register_set_closed(actor=request.user, register=register, closed=closed)
    messages.success(request, f"{'Đã khóa' if closed else 'Đã mở lại'} {register.name}.")
    return redirect("documents:registers", agency_pk=agency.pk)


@login_required
@require_GET
def register_print(request, pk: int):
    """A register between two dates, laid out for printing and binding (Decree 30, Annex IV).

    Only the documents the user may see are printed; printing a secret register is journaled against
    each of its documents, as opening them would be."""
    errors: dict[str, str] = {}
    values = {"date_from": request.GET.get("date_from", ""), "date_to": request.GET.get("date_to", "")}
    try:
        printed = selectors.register_print(user=request.user, register_id=pk, **values)
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except ValidationFailed as exc:
        errors = exc.fields
        printed = None
        register = Register.objects.select_related("agency").get(pk=pk)  # visible: dates are checked last
    else:
        register = printed.register
        values = {"date_from": printed.date_from.strftime("%d/%m/%Y"),
                  "date_to": printed.date_to.strftime("%d/%m/%Y")}
        for doc in printed.documents:
            services.document_access_record(actor=request.user, document=doc, action="document.print")
    return render(request, "documents/register_print.html", {
        "register": register, "printed": printed, "values": values, "errors": errors,
        "table": register_table(printed) if printed else None,
        "incoming": register.direction == Direction.INCOMING,
        "back_url": reverse("documents:incoming_list" if register.direction == Direction.INCOMING
                            else "documents:outgoing_list"),
    })
