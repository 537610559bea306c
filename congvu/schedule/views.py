"""Pages of the weekly schedule. Thin: reads through schedule.selectors (visibility), writes through
schedule.services; the views translate between HTTP and those functions."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.dates import parse_vn_date
from congvu.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Document
from congvu.documents.selectors import visible_documents
from congvu.documents.views import agency_required
from congvu.org.models import Agency
from congvu.schedule import selectors, services
from congvu.schedule.forms import ScheduleEntryForm


def _week_param(request) -> str | None:
    """?week=2026-W48, or ?date=dd/mm/yyyy for the week holding that day; None → this week."""
    day_text = (request.GET.get("date") or "").strip()
    if day_text:
        day = parse_vn_date(day_text, field="date")
        return selectors.iso_week(day)
    return (request.GET.get("week") or "").strip() or None


def _week(request, *, include_drafts: bool):
    try:
        return selectors.schedule_week(user=request.user, agency_id=request.agency_id, week=_week_param(request),
                                       include_drafts=include_drafts), ""
    except ValidationFailed as exc:
        return selectors.schedule_week(user=request.user, agency_id=request.agency_id,
                                       include_drafts=include_drafts), exc.message


@agency_required
@require_GET
def week_view(request):
    """The week, Monday to Sunday, morning and afternoon of each day."""
    week, error = _week(request, include_drafts=True)
    return render(request, "schedule/week.html", {
        "week": week, "error": error, "today": timezone.localdate(),
        "can_keep": selectors.can_keep_schedule(request.user, request.agency_id),
    })


def _density(count: int) -> str:
    """A smaller type size for a busy week, so that the whole week still fits on one A4 page."""
    if count > 28:
        return "dense-3"
    if count > 18:
        return "dense-2"
    if count > 10:
        return "dense-1"
    return ""


@agency_required
@require_GET
def week_print(request):
    """The week laid out for one A4 landscape page; drafts only when a keeper asks (?drafts=1)."""
    can_keep = selectors.can_keep_schedule(request.user, request.agency_id)
    drafts = can_keep and request.GET.get("drafts") == "1"
    week, error = _week(request, include_drafts=drafts)
    agency = Agency.objects.select_related("parent").get(pk=request.agency_id)
    return render(request, "schedule/week_print.html", {
        "week": week, "error": error, "agency": agency, "drafts": drafts, "can_keep": can_keep,
        "density": _density(len(week.entries)), "printed_on": timezone.localdate(),
    })


def _entry(request, pk: int):
    try:
        return selectors.entry_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)


@agency_required
@require_GET
def entry_detail(request, pk: int):
    entry = _entry(request, pk)
    return render(request, "schedule/entry_detail.html", {
        "entry": entry, "documents": selectors.entry_documents(user=request.user, entry=entry),
        "officials": list(entry.attendee_officials.all()), "departments": list(entry.attendee_departments.all()),
        "can_keep": selectors.can_keep_schedule(request.user, entry.agency_id),
        "week": selectors.iso_week(timezone.localtime(entry.start).date()),
    })


def _save(request, form, *, entry=None, invitation: Document | None = None):
    """Call the right service for the submitted form; the saved entry, or None with errors on the form."""
    publish = request.POST.get("publish") == "1"
    try:
        data = form.to_data()
        if entry is not None:
            return services.schedule_entry_update(actor=request.user, entry=entry, data=data)
        if invitation is not None:
            return services.schedule_entry_from_document(actor=request.user, document=invitation, start=data.start,
                                                         place=data.place, end=data.end, data=data, publish=publish)
        agency = Agency.objects.get(pk=request.agency_id)
        return services.schedule_entry_create(actor=request.user, agency=agency, data=data, publish=publish)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except NotFound as exc:
        raise Http404(exc.message)
    except DomainError as exc:
        form.add_service_errors(exc.fields)
        if not exc.fields:
            form.add_error(None, exc.message)
        return None


def _invitation(request) -> Document | None:
    """The invitation named by ?document=<id> (or the posted field), checked for this user."""
    raw = (request.GET.get("document") or request.POST.get("document") or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("Không tìm thấy văn bản.")
    document = Document.objects.select_related("doc_type", "agency").filter(pk=int(raw)).first()
    if document is None:
        raise Http404("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    try:
        services.invitation_check(actor=request.user, document=document)
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    return document


@agency_required
@require_http_methods(["GET", "POST"])
def entry_new(request):
    """A new entry from scratch, or from a registered invitation (?document=<id>)."""
    try:
        invitation = _invitation(request)
    except ValidationFailed as exc:  # a visible document that is not an incoming invitation
        messages.error(request, exc.message)
        return redirect("documents:detail", pk=int(request.GET.get("document") or request.POST.get("document")))
    agency_id = invitation.agency_id if invitation is not None else request.agency_id
    if not selectors.can_keep_schedule(request.user, agency_id):
        raise HttpForbidden("Chỉ lãnh đạo, văn thư và quản trị cơ quan được lập lịch công tác.")
    if invitation is not None and invitation.agency_id != request.agency_id:
        raise HttpForbidden("Giấy mời thuộc cơ quan khác cơ quan đang làm việc; chuyển cơ quan rồi thử lại.")
    if request.method == "POST":
        form = ScheduleEntryForm(request.POST, user=request.user, agency_id=agency_id)
        entry = _save(request, form, invitation=invitation) if form.is_valid() else None
        if entry is not None:
            messages.success(request, "Đã thêm vào lịch công tác" +
                             (" và công bố." if entry.status == "published" else " (dự kiến, chưa công bố)."))
            week = selectors.iso_week(timezone.localtime(entry.start).date())
            return redirect(reverse("schedule:week") + f"?week={week}")
    else:
        initial = {}
        if invitation is not None:
            prefill = services.invitation_prefill(invitation)
            initial = {"title": prefill.title, "content": prefill.content,
                       "document_ids": [str(i) for i in prefill.document_ids]}
        day_text = (request.GET.get("day") or "").strip()
        try:
            day = parse_vn_date(day_text, field="day") if day_text else None
        except ValidationFailed:
            day = None
        if day is not None:
            initial["day"] = day.strftime("%d/%m/%Y")
            initial["start_time"] = "14:00" if request.GET.get("part") == "afternoon" else "08:00"
        form = ScheduleEntryForm(initial=initial, user=request.user, agency_id=agency_id)
    return render(request, "schedule/entry_form.html", {"form": form, "invitation": invitation, "entry": None})


@agency_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, pk: int):
    entry = _entry(request, pk)
    if not selectors.can_keep_schedule(request.user, entry.agency_id):
        raise HttpForbidden("Chỉ lãnh đạo, văn thư và quản trị cơ quan được sửa lịch công tác.")
    if entry.is_cancelled:
        messages.error(request, "Lịch đã hủy, không sửa được.")
        return redirect("schedule:detail", pk=entry.pk)
    if request.method == "POST":
        form = ScheduleEntryForm(request.POST, user=request.user, agency_id=entry.agency_id, entry=entry)
        saved = _save(request, form, entry=entry) if form.is_valid() else None
        if saved is not None:
            messages.success(request, "Đã sửa lịch công tác.")
            return redirect("schedule:detail", pk=entry.pk)
    else:
        form = ScheduleEntryForm(initial=ScheduleEntryForm.initial_from(entry), user=request.user,
                                 agency_id=entry.agency_id, entry=entry)
    # The invitation is named only to those who may see it (a secret one only to its named readers).
    invitation = entry.source_document if entry.source_document_id and visible_documents(request.user).filter(
        pk=entry.source_document_id).exists() else None
    return render(request, "schedule/entry_form.html", {"form": form, "invitation": invitation, "entry": entry})


def _act(request, service, entry, success: str, **kwargs):
    try:
        service(actor=request.user, entry=entry, **kwargs)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


@agency_required
@require_POST
def entry_publish(request, pk: int):
    entry = _entry(request, pk)
    _act(request, services.schedule_entry_publish, entry, "Đã công bố lịch.")
    return redirect("schedule:detail", pk=entry.pk)


@agency_required
@require_http_methods(["GET", "POST"])
def entry_cancel(request, pk: int):
    entry = _entry(request, pk)
    if not selectors.can_keep_schedule(request.user, entry.agency_id):
        raise HttpForbidden("Chỉ lãnh đạo, văn thư và quản trị cơ quan được hủy lịch công tác.")
    error = ""
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.schedule_entry_cancel(actor=request.user, entry=entry, reason=reason)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        except ValidationFailed as exc:
            error = exc.fields.get("reason", exc.message)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("schedule:detail", pk=entry.pk)
        else:
            messages.success(request, "Đã hủy lịch.")
            return redirect("schedule:detail", pk=entry.pk)
    return render(request, "schedule/entry_cancel.html", {"entry": entry, "error": error, "reason": reason})


@agency_required
@require_POST
def week_publish(request):
    week = (request.POST.get("week") or "").strip()
    agency = Agency.objects.get(pk=request.agency_id)
    try:
        count = services.schedule_week_publish(actor=request.user, agency=agency, week=week)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("schedule:week")
    monday = selectors.week_monday(week)
    sunday = monday + dt.timedelta(days=6)
    if count:
        messages.success(request, f"Đã công bố {count} lịch của tuần {monday:%d/%m} – {sunday:%d/%m/%Y}.")
    else:
        messages.info(request, "Tuần này không còn lịch dự kiến nào để công bố.")
    return redirect(reverse("schedule:week") + f"?week={week}")
