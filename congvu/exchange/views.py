"""Pages of the exchange queues: documents received electronically (waiting for the clerk's registration),
external recipients waiting to be sent, and the dispatch button of an outgoing document. Thin: the
exchange selectors and services decide."""

import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.errors import DomainError, NotFound, PermissionDenied
from congvu.documents.files import open_stored
from congvu.documents.selectors import document_get
from congvu.documents.services import DuplicateSuspected
from congvu.documents.views import agency_required
from congvu.exchange import selectors, services
from congvu.exchange.forms import InboxRegisterForm
from congvu.exchange.models import InboxFile, InboxStatus, OutboxStatus
from congvu.org.selectors import can_register

STATUS_TABS = [(InboxStatus.WAITING, "Chờ vào sổ"), (InboxStatus.REGISTERED, "Đã vào sổ"),
               (InboxStatus.RETURNED, "Đã trả lại"), (InboxStatus.WITHDRAWN, "Đã thu hồi")]


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
    try:
        timelines = selectors.delivery_timelines(user=request.user, document=pk)
        externals = selectors.external_deliveries(user=request.user, document=pk)
        document = document_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)
    for t in timelines:
        t.recall_error = (recall_errors or {}).get(t.item.pk, "")
    return render(request, "exchange/document_statuses.html", {
        "doc": document, "timelines": timelines, "externals": externals,
        "can_recall": can_register(request.user, document.agency_id),
    })


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
