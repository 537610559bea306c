"""Pages of the exchange queues: documents received electronically (waiting for the clerk's registration),
external recipients waiting to be sent, and the dispatch button of an outgoing document. Thin: the
exchange selectors and services decide."""

import datetime as dt
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.errors import DomainError, NotFound, PermissionDenied
from congvu.documents.files import open_stored
from congvu.documents.models import StoredFile, Urgency
from congvu.documents.selectors import document_get
from congvu.documents.services import DuplicateSuspected
from congvu.documents.views import agency_required
from congvu.exchange import selectors, services
from congvu.exchange.forms import InboxRegisterForm, UpdateSendForm
from congvu.exchange.models import DeliveryVersion, InboxFile, InboxStatus, OutboxStatus
from congvu.org.selectors import can_register

STATUS_TABS = [(InboxStatus.WAITING, "Chờ vào sổ"), (InboxStatus.REGISTERED, "Đã vào sổ"),
               (InboxStatus.RETURNED, "Đã trả lại"), (InboxStatus.WITHDRAWN, "Đã thu hồi"),
               (InboxStatus.REPLACED, "Đã được thay thế")]


def _item(request, pk: int):
    try:
        return selectors.inbox_item_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)


@agency_required
@require_GET
def inbox_list(request):
    status = request.GET.get("status") or InboxStatus.WAITING
    try:
        items = list(selectors.inbox_queue(user=request.user, agency_id=request.agency_id, status=status)[:200])
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    if status not in InboxStatus.values:
        status = InboxStatus.WAITING
    if status == InboxStatus.WAITING:  # urgent first, as in every queue
        items.sort(key=lambda i: (not i.is_urgent, -i.pk))
    return render(request, "exchange/inbox_list.html", {
        "items": items, "status": status, "tabs": STATUS_TABS,
        "waiting": selectors.inbox_waiting_count(user=request.user, agency_id=request.agency_id),
    })


def _detail_page(request, item, *, form=None, reason_error="", duplicates=(), recall_error=""):
    return render(request, "exchange/inbox_detail.html", {
        "item": item, "files": list(item.files.select_related("file")),
        "form": form or InboxRegisterForm(agency_id=item.agency_id, item=item),
        "reason_error": reason_error, "duplicates": duplicates, "recall_error": recall_error,
        "statuses": selectors.item_statuses(item=item),
    })


@agency_required
@require_GET
def inbox_detail(request, pk: int):
    return _detail_page(request, _item(request, pk))


@agency_required
@require_POST
def inbox_register(request, pk: int):
    item = _item(request, pk)
    form = InboxRegisterForm(request.POST, agency_id=item.agency_id, item=item)
    try:
        document = services.inbox_register(actor=request.user, item=item, changes=form.changes(),
                                           allow_duplicate=request.POST.get("allow_duplicate") == "1")
    except DuplicateSuspected as exc:
        form.add_error(None, exc.message)
        return _detail_page(request, item, form=form, duplicates=exc.documents)
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        form.add_service_errors(exc.fields)
        if not exc.fields:
            form.add_error(None, exc.message)
        return _detail_page(request, item, form=form)
    messages.success(request, f"Đã vào sổ văn bản đến: số đến {document.register_number} ({document.register.name}).")
    return redirect("documents:detail", pk=document.pk)


@agency_required
@require_POST
def inbox_return(request, pk: int):
    item = _item(request, pk)
    try:
        services.inbox_return(actor=request.user, item=item, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        return _detail_page(request, item, reason_error=exc.fields.get("reason", exc.message))
    messages.success(request, f"Đã trả lại văn bản {item.number_notation} cho {item.sender_name}.")
    return redirect("exchange:inbox")


@agency_required
@require_GET
def inbox_file(request, pk: int, file_pk: int):
    item = _item(request, pk)
    row = InboxFile.objects.select_related("file").filter(item=item, pk=file_pk).first()
    if row is None:
        raise Http404("Không tìm thấy tệp.")
    name = row.original_name
    if "." not in name:
        name += mimetypes.guess_extension(row.file.content_type) or ""
    inline = request.GET.get("inline") == "1" and row.file.content_type == "application/pdf"
    response = FileResponse(open_stored(row.file), content_type=row.file.content_type, as_attachment=not inline,
                            filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@agency_required
@require_GET
def outbox_list(request):
    status = request.GET.get("status", OutboxStatus.WAITING)
    if status not in OutboxStatus.values:
        status = OutboxStatus.WAITING
    try:
        items = list(selectors.outbox_queue(user=request.user, agency_id=request.agency_id, status=status)[:200])
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    return render(request, "exchange/outbox_list.html", {"items": items, "status": status,
                                                         "tabs": OutboxStatus.choices})


@agency_required
@require_POST
def outbox_posted(request, pk: int):
    try:
        item = selectors.outbox_item_get(user=request.user, pk=pk)
        services.outbox_mark_posted(actor=request.user, item=item)
    except NotFound as exc:
        raise Http404(exc.message)
    messages.success(request, f"Đã ghi nhận gửi qua bưu điện: {item.recipient_name}.")
    return redirect("exchange:outbox")


@agency_required
@require_http_methods(["POST"])
def document_dispatch(request, pk: int):
    """The "Phát hành" button on an outgoing document's page."""
    try:
        document = document_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)
    by_post = request.POST.get("by_post") == "1"
    try:
        result = services.document_dispatch(actor=request.user, document=document, by_post=by_post)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, f"Chưa phát hành: {exc.message}")
        return redirect("documents:detail", pk=pk)
    if result.created:
        messages.success(request, f"Đã phát hành đến {result.created} nơi nhận.")
    else:
        messages.info(request, "Văn bản đã được phát hành đến mọi nơi nhận.")
    return redirect("documents:detail", pk=pk)


# --- statuses and recall -------------------------------------------------------------------------

def _statuses_page(request, pk: int, *, recall_errors=None):
    return _sender_statuses(request, pk, recall_errors=recall_errors)


@agency_required
@require_GET
def document_statuses(request, pk: int):
    """The sender's page: per recipient in this deployment, the statuses reported back, and the recall button."""
    return _statuses_page(request, pk)


@agency_required
@require_POST
def delivery_recall(request, pk: int):
    try:
        item = selectors.delivery_get(user=request.user, pk=pk)
        services.delivery_recall_request(actor=request.user, item=item, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404(exc.message)
    except DomainError as exc:
        return _statuses_page(request, item.source_document_id,
                              recall_errors={item.pk: exc.fields.get("reason", exc.message)})
    messages.success(request, f"Đã gửi đề nghị thu hồi văn bản đến {item.agency.name}.")
    return redirect("exchange:document_statuses", pk=item.source_document_id)


@agency_required
@require_POST
def inbox_recall_accept(request, pk: int):
    item = _item(request, pk)
    try:
        services.delivery_recall_accept(actor=request.user, item=item, note=request.POST.get("note", ""))
    except NotFound as exc:
        raise Http404(exc.message)
    except DomainError as exc:
        return _detail_page(request, item, recall_error=exc.fields.get("reason", exc.message))
    messages.success(request, f"Đã đồng ý thu hồi văn bản {item.number_notation} của {item.sender_name}.")
    return redirect("exchange:inbox_detail", pk=pk)


@agency_required
@require_POST
def inbox_recall_refuse(request, pk: int):
    item = _item(request, pk)
    try:
        services.delivery_recall_refuse(actor=request.user, item=item, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404(exc.message)
    except DomainError as exc:
        return _detail_page(request, item, recall_error=exc.fields.get("reason", exc.message))
    messages.success(request, f"Đã từ chối thu hồi văn bản {item.number_notation}.")
    return redirect("exchange:inbox_detail", pk=pk)


# --- update, replace, recall to other systems, earlier versions (docs/decisions/0018) -----------------

def _sender_statuses(request, pk: int, **extra):
    """The sender's statuses page with the update and replace forms (and the errors of a failed submit)."""
    try:
        timelines = selectors.delivery_timelines(user=request.user, document=pk)
        externals = selectors.external_deliveries(user=request.user, document=pk)
        document = document_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)
    recall_errors = extra.pop("recall_errors", None) or {}
    for t in timelines:
        t.recall_error = recall_errors.get(t.item.pk, "")
    external_errors = extra.pop("external_errors", None) or {}
    for e in externals:
        e.recall_error = external_errors.get(e.item.pk, "")
    can_send = can_register(request.user, document.agency_id)
    context = {
        "doc": document, "timelines": timelines, "externals": externals, "can_recall": can_send,
        "can_change": can_send and (any(t.item.status in (InboxStatus.WAITING, InboxStatus.REGISTERED)
                                        for t in timelines)
                                    or any(e.item.status == OutboxStatus.SENT for e in externals)),
        "versions": list(DeliveryVersion.objects.filter(document=document, item__isnull=True)),
        "update_form": extra.pop("update_form", None) or UpdateSendForm(document=document),
        "replace_choices": _replace_choices(document) if can_send else [],
        "replace_error": extra.pop("replace_error", ""),
        "replace_reason": extra.pop("replace_reason", ""),
    }
    return render(request, "exchange/document_statuses.html", context | extra)


def _replace_choices(document) -> list:
    from congvu.documents.models import Direction, Document, DocumentStatus

    return list(Document.objects.filter(agency_id=document.agency_id, direction=Direction.OUTGOING,
                                        status__in=(DocumentStatus.ISSUED, DocumentStatus.DISPATCHED),
                                        secrecy=document.secrecy).exclude(pk=document.pk)
                .order_by("-issued_date", "-pk")[:100])


@agency_required
@require_POST
def document_update_send(request, pk: int):
    try:
        document = document_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)
    form = UpdateSendForm(request.POST, request.FILES, document=document)
    try:
        result = services.document_update_send(actor=request.user, document=document,
                                               reason=request.POST.get("reason", ""), changes=form.changes(),
                                               uploads=request.FILES.getlist("files"))
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        form.add_service_errors(exc.fields)
        if not exc.fields:
            form.add_error(None, exc.message)
        return _sender_statuses(request, pk, update_form=form)
    sent = len(result.updated) + len(result.queued)
    messages.success(request, f"Đã gửi cập nhật đến {sent} nơi nhận (phiên bản trước được lưu lại).")
    return redirect("exchange:document_statuses", pk=pk)


@agency_required
@require_POST
def document_replace_send(request, pk: int):
    try:
        document = document_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)
    reason = request.POST.get("reason", "")
    try:
        replacement = document_get(user=request.user, pk=int(request.POST.get("replacement") or 0))
    except (NotFound, ValueError):
        return _sender_statuses(request, pk, replace_error="Vui lòng chọn văn bản thay thế.", replace_reason=reason)
    try:
        result = services.document_replace_send(actor=request.user, document=document, replacement=replacement,
                                                reason=reason)
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        return _sender_statuses(request, pk, replace_error=exc.fields.get("reason") or exc.message,
                                replace_reason=reason)
    sent = len(result.inbox_items) + len(result.outbox_items)
    messages.success(request, f"Đã gửi văn bản {replacement.number_notation} thay thế đến {sent} nơi nhận.")
    return redirect("exchange:document_statuses", pk=pk)


@agency_required
@require_POST
def outbox_recall(request, pk: int):
    try:
        item = selectors.outbox_item_get(user=request.user, pk=pk)
        services.outbox_recall_request(actor=request.user, item=item, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404(exc.message)
    except DomainError as exc:
        return _sender_statuses(request, item.document_id,
                                external_errors={item.pk: exc.fields.get("reason", exc.message)})
    messages.success(request, f"Đã gửi đề nghị thu hồi văn bản đến {item.recipient_name} qua liên thông.")
    return redirect("exchange:document_statuses", pk=item.document_id)


def _version(request, pk: int) -> DeliveryVersion:
    """An earlier version, for whoever may see the delivery (its agency's clerks) or the document it belongs to."""
    from congvu.documents.selectors import visible_documents

    version = DeliveryVersion.objects.select_related("item", "document").filter(pk=pk).first()
    if version is not None:
        documents = {d for d in (version.document_id, version.item and version.item.incoming_document_id) if d}
        if version.item is not None and can_register(request.user, version.item.agency_id):
            return version
        if documents and visible_documents(request.user).filter(pk__in=documents).exists():
            return version
    raise Http404("Không tìm thấy phiên bản văn bản.")


@agency_required
@require_GET
def version_detail(request, pk: int):
    version = _version(request, pk)
    values = dict(version.values)
    for key in ("issued_date", "due_date"):
        if values.get(key):
            values[key] = dt.date.fromisoformat(values[key])
    names = {f.pk: f for f in StoredFile.objects.filter(pk__in=[f["file_id"] for f in version.files])}
    files = [{"index": i, "name": f["name"], "file": names.get(f["file_id"])} for i, f in enumerate(version.files)]
    return render(request, "exchange/version_detail.html", {"version": version, "values": values, "files": files,
                                                           "urgency": dict(Urgency.choices).get(values.get("urgency"))})


@agency_required
@require_GET
def version_file(request, pk: int, index: int):
    version = _version(request, pk)
    if not 0 <= index < len(version.files):
        raise Http404("Không tìm thấy tệp.")
    entry = version.files[index]
    row = StoredFile.objects.filter(pk=entry["file_id"]).first()
    if row is None:
        raise Http404("Không tìm thấy tệp.")
    name = entry["name"]
    if "." not in name:
        name += mimetypes.guess_extension(row.content_type) or ""
    response = FileResponse(open_stored(row), content_type=row.content_type, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
