"""Printed forms for staff: each PDF only for a dossier the user may see (selectors.dossier_for: 404
otherwise, whether it exists or not), and only when the dossier has what the form reports."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from congvu.core.errors import NotFound
from congvu.onestop import forms_pdf, selectors
from congvu.onestop.models import Apology, DossierStatus, DossierStep, SupplementRequest


def lookup_url(code: str) -> str:
    """The public lookup address of a dossier, absolute (it is printed and put in the QR code)."""
    return settings.SITE_URL + reverse("onestop:public_dossier", args=[code])


def _dossier(request, pk: int):
    try:
        return selectors.dossier_for(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _slug(code: str) -> str:
    return code.replace("/", "-") or "ho-so"


@login_required
@require_GET
def receipt(request, pk: int):
    dossier = _dossier(request, pk)
    if not dossier.code or dossier.status in (DossierStatus.REFUSED,) or dossier.accepted_at is None:
        raise Http404("Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận.")
    return _pdf(forms_pdf.receipt_pdf(dossier, lookup_url=lookup_url(dossier.code)),
                f"giay-tiep-nhan-{_slug(dossier.code)}.pdf")


@login_required
@require_GET
def supplement(request, pk: int):
    dossier = _dossier(request, pk)
    if not SupplementRequest.objects.filter(dossier=dossier).exists():
        raise Http404("Hồ sơ không có yêu cầu bổ sung.")
    return _pdf(forms_pdf.supplement_pdf(dossier), f"phieu-yeu-cau-bo-sung-{_slug(dossier.code)}.pdf")


@login_required
@require_GET
def refusal(request, pk: int):
    dossier = _dossier(request, pk)
    if dossier.status != DossierStatus.REFUSED:
        raise Http404("Hồ sơ không bị từ chối tiếp nhận.")
    name = _slug(dossier.code) if dossier.code else str(dossier.pk)  # refused at the counter: no code
    return _pdf(forms_pdf.refusal_pdf(dossier), f"phieu-tu-choi-{name}.pdf")


@login_required
@require_GET
def apology(request, pk: int):
    dossier = _dossier(request, pk)
    if not Apology.objects.filter(dossier=dossier).exists():
        raise Http404("Hồ sơ không có phiếu xin lỗi và hẹn lại.")
    return _pdf(forms_pdf.apology_pdf(dossier), f"phieu-xin-loi-{_slug(dossier.code)}.pdf")


@login_required
@require_GET
def control_slip(request, pk: int):
    dossier = _dossier(request, pk)
    return _pdf(forms_pdf.control_slip_pdf(dossier, selectors.control_slip(dossier)),
                f"phieu-kiem-soat-{_slug(dossier.code)}.pdf")


def _parse_date(raw: str) -> dt.date | None:
    raw = (raw or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


REGISTER_MAX_DAYS = 366


@login_required
@require_GET
def register(request):
    """The tracking register of the agency the user works in now, for a period (at most a year): a page
    with the period form, and the PDF when the period is given and valid."""
    agency_id = getattr(request, "agency_id", None)
    if agency_id is None:
        raise Http404("Bạn chưa thuộc cơ quan nào.")
    today = timezone.localdate()
    raw_from, raw_to = request.GET.get("tu_ngay", ""), request.GET.get("den_ngay", "")
    context = {"date_from": raw_from or f"{today.replace(day=1):%d/%m/%Y}",
               "date_to": raw_to or f"{today:%d/%m/%Y}"}
    if not raw_from and not raw_to:
        return render(request, "onestop/print_register.html", context)
    date_from, date_to = _parse_date(raw_from), _parse_date(raw_to)
    error = ""
    if date_from is None or date_to is None:
        error = "Ngày không đúng định dạng dd/mm/yyyy."
    elif date_from > date_to:
        error = "“Từ ngày” phải trước hoặc bằng “đến ngày”."
    elif (date_to - date_from).days >= REGISTER_MAX_DAYS:
        error = "Mỗi lần in tối đa một năm."
    if error:
        context["error"] = error
        return render(request, "onestop/print_register.html", context, status=400)
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    dossiers = (selectors.visible_dossiers(request.user)
                .filter(agency_id=agency_id, accepted_at__gte=start, accepted_at__lt=end)
                .select_related("agency", "procedure_version__procedure")
                .prefetch_related(Prefetch("steps", queryset=DossierStep.objects.select_related(
                    "agency", "department", "procedure_step").order_by("position", "id")))
                .order_by("accepted_at", "id"))
    from congvu.org.models import Agency

    agency = Agency.objects.get(pk=agency_id)
    data = forms_pdf.register_pdf(agency=agency, date_from=date_from, date_to=date_to, dossiers=dossiers)
    return _pdf(data, f"so-theo-doi-ho-so-{date_from:%Y%m%d}-{date_to:%Y%m%d}.pdf")
