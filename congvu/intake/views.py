"""Pages of intake: the upload and reading status that the registration forms call through htmx,
linking a second copy to a registered document, and the accuracy of reading on real use."""

import datetime as dt
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from congvu.core.dates import parse_vn_date
from congvu.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Direction
from congvu.documents.upload_handlers import check_upload_size
from congvu.intake import selectors
from congvu.intake.duplicates import duplicate_link, find_cross_channel_duplicates
from congvu.intake.models import IntakeUpload
from congvu.intake.registration import form_fill, read_values, upload_read_again, upload_receive
from congvu.org.models import Agency
from congvu.org.selectors import can_register

log = logging.getLogger(__name__)


def _direction(value: str | None) -> str:
    return Direction.OUTGOING if value == Direction.OUTGOING else Direction.INCOMING


def _agency_or_403(request) -> Agency:
    if request.agency_id is None or not can_register(request.user, request.agency_id):
        raise HttpForbidden("Chỉ văn thư của cơ quan được tải văn bản lên để vào sổ.")
    return Agency.objects.get(pk=request.agency_id)


def upload_context(upload: IntakeUpload, *, user, direction: str, autofill: bool) -> dict:
    """What `intake/_upload.html` shows for one upload: its reading, the values to offer, the duplicates."""
    extraction = selectors.extraction_of(upload.file)
    state = selectors.reading_state(extraction)
    fill = form_fill(extraction, direction=direction, user=user, agency_id=upload.agency_id)
    matches = []
    if direction == Direction.INCOMING and upload.document_id is None:
        read = read_values(extraction, direction=direction)
        meta = None
        if read.get("date"):
            meta = {"issuer": read["issuer"], "number": read["number"], "notation": read["notation"],
                    "issued_date": dt.date.fromisoformat(read["date"])}
        matches = find_cross_channel_duplicates(actor=user, agency_id=upload.agency_id, stored_files=[upload.file],
                                                metadata=meta)
    return {"upload": upload, "state": state, "fill": fill, "autofill": autofill, "matches": matches,
            "direction": direction}


def uploads_panel_context(uploads: list[IntakeUpload], *, user, direction: str, primary_id=None) -> dict:
    """The uploads of a registration form shown again after a refused submit: never filled again (the
    clerk's values are on the form), only highlighted."""
    return {"intake_items": [upload_context(u, user=user, direction=direction, autofill=False) for u in uploads],
            "intake_primary": primary_id or ""}


@login_required
@require_POST
def upload(request):
    """htmx: store the dropped files at once and answer one item per file (its reading starts now)."""
    agency = _agency_or_403(request)
    direction = _direction(request.POST.get("form"))
    items, errors = [], []
    try:
        check_upload_size(request, field="file")
        files = request.FILES.getlist("attachments") + request.FILES.getlist("file")
        if not files:
            raise ValidationFailed("Chưa chọn tệp.", fields={"file": "Vui lòng chọn tệp để tải lên."})
    except ValidationFailed as exc:
        errors.append(exc.fields.get("file") or exc.message)
        files = []
    for f in files:
        try:
            u = upload_receive(actor=request.user, agency=agency, upload=f)
        except ValidationFailed as exc:
            errors.append(exc.fields.get("file") or exc.message)
            continue
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        items.append(upload_context(u, user=request.user, direction=direction, autofill=True))
    return render(request, "intake/_uploads.html", {"intake_items": items, "intake_errors": errors})


@login_required
@require_GET
def upload_status(request, pk: int):
    """htmx: the reading of one upload; polled while an OCR runs."""
    try:
        u = selectors.upload_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(selectors.NOT_FOUND)
    ctx = upload_context(u, user=request.user, direction=_direction(request.GET.get("form")),
                         autofill=request.GET.get("fill") == "1")
    return render(request, "intake/_status.html", ctx)


@login_required
@require_POST
def upload_read(request, pk: int):
    """htmx: read an upload's file again (after a failure); answers its new status."""
    try:
        u = selectors.upload_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(selectors.NOT_FOUND)
    upload_read_again(actor=request.user, upload=u)
    ctx = upload_context(u, user=request.user, direction=_direction(request.POST.get("form")),
                         autofill=request.POST.get("fill") == "1")
    return render(request, "intake/_status.html", ctx)


@login_required
@require_POST
def link(request):
    """From the incoming registration form: keep the dropped files with a document already registered
    instead of registering them again (no new arrival number)."""
    agency = _agency_or_403(request)
    try:
        check_upload_size(request)
        uploads = selectors.uploads_for_form(user=request.user, agency_id=agency.pk,
                                             ids=request.POST.getlist("intake_upload"))
        # Without JavaScript the files come with the form itself: store them the same way first.
        for f in request.FILES.getlist("attachments"):
            uploads.append(upload_receive(actor=request.user, agency=agency, upload=f))
        try:
            document_id = int(request.POST.get("link_document", ""))
        except ValueError:
            raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.") from None
        doc = duplicate_link(actor=request.user, document_id=document_id, uploads=uploads,
                             channel=request.POST.get("channel") or "paper")
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, f"Chưa gắn được tệp vào văn bản: {exc.message}")
        return redirect("documents:incoming_new")
    messages.success(request, f"Đã gắn {len(uploads)} tệp vào văn bản đến số đến {doc.register_number} "
                              f"({doc.register.name}); không vào sổ thêm lần nữa.")
    return redirect("documents:detail", pk=doc.pk)


@login_required
@require_GET
def accuracy(request):
    """Leaders and admins: how often clerks saved what was read unchanged, per field and by source."""
    agency_id = request.agency_id
    if not selectors.can_view_accuracy(request.user, agency_id):
        raise HttpForbidden("Chỉ lãnh đạo và quản trị cơ quan xem được độ chính xác của việc đọc văn bản.")
    errors = {}
    dates = {}
    for name in ("date_from", "date_to"):
        try:
            dates[name] = parse_vn_date(request.GET.get(name, ""), field=name)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            dates[name] = None
    report = selectors.accuracy_report(user=request.user, agency_id=agency_id, **dates)
    return render(request, "intake/accuracy.html", {
        "report": report, "errors": errors, "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
        "agency": Agency.objects.filter(pk=agency_id).first() if agency_id else None,
    })
