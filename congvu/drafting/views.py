"""Pages of drafting. Thin: reads through drafting.selectors (visibility), writes through drafting.services
(and exchange.services for dispatching); the views translate between HTTP and those functions."""

import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.files import open_stored
from congvu.documents.selectors import visible_documents
from congvu.documents.upload_handlers import check_upload_size, upload_too_large
from congvu.documents.views import agency_required
from congvu.drafting import selectors, services
from congvu.drafting.forms import DraftForm, PolicyForm
from congvu.drafting.models import DraftEvent, DraftingPolicy
from congvu.exchange import services as exchange_services
from congvu.exchange.selectors import deliveries
from congvu.org.models import Agency
from congvu.org.selectors import can_manage_agency, can_register


def _draft(request, pk: int):
    try:
        return selectors.draft_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)


# --- list --------------------------------------------------------------------------------------

@agency_required
@require_GET
def draft_list(request):
    agency_id = request.agency_id
    counts = selectors.tab_counts(user=request.user, agency_id=agency_id)
    tabs = [(key, label, counts.get(key)) for key, label in selectors.TABS.items()
            if key != "issue" or can_register(request.user, agency_id)]
    tab = request.GET.get("tab")
    if not tab:  # open where drafts wait for the user (the menu's badge counts them), else their own drafts
        tab = next((key for key, _, count in tabs if count), "mine")
    elif tab not in selectors.TABS:
        tab = "mine"
    drafts = selectors.urgency_first(selectors.drafts_in_tab(user=request.user, agency_id=agency_id, tab=tab)[:200])
    return render(request, "drafting/draft_list.html", {
        "tabs": tabs, "tab": tab, "drafts": drafts,
        "can_draft": selectors.can_draft(request.user, agency_id),
    })


# --- create and revise -------------------------------------------------------------------------

def _upload(request):
    return request.FILES.get("file")


def _form_page(request, *, form, draft=None, reply_to=None, files_dropped=False):
    return render(request, "drafting/draft_form.html", {
        "form": form, "draft": draft, "reply_to": reply_to, "files_dropped": files_dropped,
    })


def _reply_target(request, value):
    """The incoming document a new draft answers, if the user may see it (else 404)."""
    if not value:
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy văn bản đến.")
    doc = visible_documents(request.user).filter(pk=pk, direction="in", agency_id=request.agency_id).first()
    if doc is None:
        raise Http404("Không tìm thấy văn bản đến hoặc bạn không có quyền xem.")
    return doc


@agency_required
@require_http_methods(["GET", "POST"])
def draft_new(request):
    agency_id = request.agency_id
    if not selectors.can_draft(request.user, agency_id):
        raise HttpForbidden("Bạn không có quyền soạn thảo văn bản của cơ quan này.")
    if request.method == "POST":
        form = DraftForm(request.POST, agency_id=agency_id)
        reply_to = _reply_target(request, request.POST.get("reply_to"))
        form.is_valid()
        try:
            check_upload_size(request)
            draft = services.draft_create(
                actor=request.user, agency=Agency.objects.get(pk=agency_id), data=form.draft_data(),
                upload=_upload(request), note=form.cleaned_data.get("note", ""),
                reply_to_id=reply_to.pk if reply_to else None,
                request_token=(form.cleaned_data.get("request_token") or "").strip()[:64] or None)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        except DomainError as exc:
            form.add_service_errors(exc.fields, form.SERVICE_ALIASES)
            if not exc.fields:
                form.add_error(None, exc.message)
            return _form_page(request, form=form, reply_to=reply_to,
                              files_dropped=bool(_upload(request)) or upload_too_large(request))
        messages.success(request, "Đã tạo dự thảo (phiên bản 1).")
        return redirect("drafting:detail", pk=draft.pk)
    reply_to = _reply_target(request, request.GET.get("reply_to"))
    initial = {}
    if reply_to is not None:
        initial = {"reply_to": str(reply_to.pk),
                   "subject": f"V/v trả lời văn bản số {reply_to.number_notation} ngày "
                              f"{reply_to.issued_date:%d/%m/%Y} của {reply_to.issuer}" if reply_to.issued_date
                   else f"V/v trả lời văn bản số {reply_to.number_notation} của {reply_to.issuer}",
                   "urgency": reply_to.urgency}
        if reply_to.issuer_agency_id and reply_to.issuer_agency_id != agency_id:
            initial["recipient_agency_ids"] = [str(reply_to.issuer_agency_id)]
        else:
            initial["recipient_names"] = reply_to.issuer
    return _form_page(request, form=DraftForm(initial=initial, agency_id=agency_id), reply_to=reply_to)


@agency_required
@require_http_methods(["GET", "POST"])
def draft_edit(request, pk: int):
    draft = _draft(request, pk)
    if not selectors.draft_permissions(user=request.user, draft=draft).revise:
        raise HttpForbidden("Chỉ người soạn được cập nhật dự thảo đang soạn hoặc bị trả lại.")
    if request.method == "POST":
        form = DraftForm(request.POST, agency_id=draft.agency_id)
        form.is_valid()
        try:
            check_upload_size(request)
            version = services.draft_revise(actor=request.user, draft=draft, data=form.draft_data(),
                                            upload=_upload(request), note=form.cleaned_data.get("note", ""))
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        except DomainError as exc:
            form.add_service_errors(exc.fields, form.SERVICE_ALIASES)
            if not exc.fields:
                form.add_error(None, exc.message)
            return _form_page(request, form=form, draft=draft,
                              files_dropped=bool(_upload(request)) or upload_too_large(request))
        messages.success(request, f"Đã lưu phiên bản {version.number}.")
        return redirect("drafting:detail", pk=draft.pk)
    return _form_page(request, form=DraftForm(initial=DraftForm.initial_of(draft), agency_id=draft.agency_id),
                      draft=draft)


# --- detail ------------------------------------------------------------------------------------

@agency_required
@require_GET
def draft_detail(request, pk: int):
    draft = _draft(request, pk)
    allowed = selectors.draft_permissions(user=request.user, draft=draft)
    versions = list(draft.versions.select_related("file", "author"))
    events = list(DraftEvent.objects.filter(draft=draft).select_related("actor", "target"))
    recipients = list(Agency.objects.filter(pk__in=draft.recipient_agency_ids))
    by_id = {a.pk: a for a in recipients}
    context = {
        "draft": draft, "allowed": allowed, "versions": versions, "events": events,
        "recipient_agencies": [by_id[i] for i in draft.recipient_agency_ids if i in by_id],
        "latest": versions[-1] if versions else None,
        "deliveries": deliveries(document=draft.document) if draft.document_id else [],
    }
    if allowed.submit:
        context["reviewers"] = selectors.reviewer_choices(draft)
        context["default_reviewer"] = selectors.default_reviewer(draft)
    if allowed.review:
        context["approvers"] = selectors.approver_choices(draft)
    if allowed.issue:
        context["has_external"] = bool(draft.recipient_names)
    return render(request, "drafting/draft_detail.html", context)


def _act(request, pk: int, call, success: str):
    """Run one transition for a button on the draft's page: refusal → 403/404, a wrong input or state →
    the message on the page, success → the message and back to the draft."""
    draft = _draft(request, pk)
    try:
        result = call(draft)
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *[m for m in exc.fields.values() if m != exc.message]]))
        return redirect("drafting:detail", pk=pk)
    if callable(success):
        success = success(result)
    messages.success(request, success)
    return redirect("drafting:detail", pk=pk)


@agency_required
@require_POST
def draft_submit(request, pk: int):
    return _act(request, pk, lambda d: services.draft_submit_for_review(
        actor=request.user, draft=d, reviewer_id=request.POST.get("reviewer_id") or None,
        comment=request.POST.get("comment", "")),
        lambda d: f"Đã trình ký nháy: {d.reviewer.full_name}.")


@agency_required
@require_POST
def draft_review(request, pk: int):
    forward = request.POST.get("decision") == "forward"
    return _act(request, pk, lambda d: services.draft_review(
        actor=request.user, draft=d, forward=forward, approver_id=request.POST.get("approver_id") or None,
        comment=request.POST.get("comment", "")),
        lambda d: f"Đã ký nháy, trình {d.approver.full_name} ký duyệt." if forward
        else "Đã trả lại dự thảo cho người soạn.")


@agency_required
@require_POST
def draft_approve(request, pk: int):
    return _act(request, pk, lambda d: services.draft_approve(
        actor=request.user, draft=d, comment=request.POST.get("comment", "")), "Đã ký duyệt dự thảo.")


@agency_required
@require_POST
def draft_return(request, pk: int):
    return _act(request, pk, lambda d: services.draft_return(
        actor=request.user, draft=d, reason=request.POST.get("reason", "")), "Đã trả lại dự thảo cho người soạn.")


@agency_required
@require_POST
def draft_format(request, pk: int):
    ok = request.POST.get("decision") == "ok"
    return _act(request, pk, lambda d: services.draft_check_format(
        actor=request.user, draft=d, ok=ok, comment=request.POST.get("comment", "")),
        "Thể thức đạt; có thể cấp số." if ok else "Đã trả lại dự thảo để sửa thể thức.")


@agency_required
@require_POST
def draft_issue(request, pk: int):
    """Number the draft, then (unless unticked) dispatch it at once: electronically inside the deployment,
    to the outbox or by post outside it."""
    draft = _draft(request, pk)
    try:
        document = services.draft_issue(actor=request.user, draft=draft)
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *[m for m in exc.fields.values() if m != exc.message]]))
        return redirect("drafting:detail", pk=pk)
    messages.success(request, f"Đã cấp số văn bản đi: {document.number_notation}.")
    if request.POST.get("dispatch") == "1":
        _dispatch(request, document, by_post=request.POST.get("by_post") == "1")
    return redirect("documents:detail", pk=document.pk)


def _dispatch(request, document, *, by_post: bool) -> None:
    try:
        result = exchange_services.document_dispatch(actor=request.user, document=document, by_post=by_post)
    except DomainError as exc:
        messages.error(request, f"Chưa phát hành: {exc.message}")
        return
    sent = len(result.inbox_items)
    waiting = sum(1 for o in result.outbox_items if o.status == "waiting")
    posted = len(result.outbox_items) - waiting
    parts = []
    if sent:
        parts.append(f"gửi điện tử đến {sent} cơ quan trong hệ thống")
    if waiting:
        parts.append(f"{waiting} nơi nhận chờ gửi liên thông")
    if posted:
        parts.append(f"{posted} nơi nhận gửi qua bưu điện")
    messages.success(request, "Đã phát hành: " + "; ".join(parts) + "." if parts else "Văn bản đã được phát hành.")


# --- versions ----------------------------------------------------------------------------------

@agency_required
@require_GET
def draft_compare(request, pk: int):
    draft = _draft(request, pk)
    numbers = list(draft.versions.values_list("number", flat=True))
    if len(numbers) < 2:
        messages.info(request, "Dự thảo mới có một phiên bản.")
        return redirect("drafting:detail", pk=pk)

    def number(name, default):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else default

    old, new = number("old", numbers[-2]), number("new", numbers[-1])
    try:
        comparison = selectors.compare_versions(user=request.user, draft=draft, old=old, new=new)
    except NotFound as exc:
        raise Http404(exc.message)
    return render(request, "drafting/draft_compare.html", {
        "draft": draft, "numbers": numbers, "comparison": comparison, "old": old, "new": new,
    })


@agency_required
@require_GET
def version_download(request, pk: int, number: int):
    draft = _draft(request, pk)
    try:
        version, stored = services.version_file(actor=request.user, draft=draft, number=number)
    except NotFound as exc:
        raise Http404(exc.message)
    name = version.original_name
    if "." not in name:
        name += mimetypes.guess_extension(stored.content_type) or ""
    inline = request.GET.get("inline") == "1" and stored.content_type == "application/pdf"
    response = FileResponse(open_stored(stored), content_type=stored.content_type, as_attachment=not inline,
                            filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the agency's rule -------------------------------------------------------------------------

@agency_required
@require_http_methods(["GET", "POST"])
def drafting_policy(request):
    agency = Agency.objects.get(pk=request.agency_id)
    if not can_manage_agency(request.user, agency.pk):
        raise HttpForbidden("Chỉ quản trị cơ quan được đổi quy định soạn thảo.")
    policy = DraftingPolicy.objects.filter(agency=agency).first()
    if request.method == "POST":
        form = PolicyForm(request.POST)
        form.is_valid()
        try:
            services.drafting_policy_set(actor=request.user, agency=agency,
                                         allow_self_approval=form.cleaned_data.get("allow_self_approval", False))
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã lưu quy định soạn thảo.")
            return redirect(reverse("drafting:policy"))
    else:
        form = PolicyForm(initial={"allow_self_approval": bool(policy and policy.allow_self_approval)})
    return render(request, "drafting/policy.html", {"form": form, "agency": agency})
