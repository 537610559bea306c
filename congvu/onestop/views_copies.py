"""Pages of electronic certified copies: the register (list, printable), certifying, the detail, and the public
check by code (no login). Thin: everything goes through congvu.onestop.copies."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from congvu.core.errors import DomainError, NotFound, PermissionDenied
from congvu.documents import files as file_store
from congvu.documents.upload_handlers import check_upload_size
from congvu.onestop import copies
from congvu.onestop.public import client_key
from congvu.org.models import Agency

# --- staff ---------------------------------------------------------------------------------------------


def _agency_view(view):
    """Staff pages work inside the active agency; only its one-stop staff, leaders and admins see the register."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.agency_id is None or not copies.can_view_copies(request.user, request.agency_id):
            raise HttpForbidden("Chỉ cán bộ một cửa, lãnh đạo và quản trị của cơ quan xem được sổ chứng thực.")
        return view(request, *args, **kwargs)

    return wrapper


def _year(request) -> int:
    try:
        year = int(request.GET.get("nam", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _register_rows(request, year: int, *, newest_first: bool = False, limit: int | None = None) -> list:
    rows = copies.visible_copies(request.user, request.agency_id).filter(register_year=year).order_by(
        "-register_number" if newest_first else "register_number")
    rows = list(rows[:limit] if limit else rows)
    for row in rows:
        row.fee_text = copies.money(row.fee)
    return rows


@require_GET
@_agency_view
def copy_list(request):
    year = _year(request)
    rows = _register_rows(request, year, newest_first=True, limit=500)
    years = sorted({year, timezone.localdate().year, *copies.visible_copies(request.user, request.agency_id)
                    .values_list("register_year", flat=True).distinct()}, reverse=True)
    return render(request, "onestop/copy_list.html", {
        "rows": rows, "year": year, "years": years, "book": copies.register_book(year),
        "can_certify": copies.can_certify(request.user, request.agency_id),
        "total_fee_text": copies.money(sum(r.fee for r in rows)), "total": len(rows),
    })


@require_GET
@_agency_view
def copy_register(request, year: int):
    rows = _register_rows(request, year)
    return render(request, "onestop/copy_register.html", {
        "rows": rows, "year": year, "book": copies.register_book(year),
        "agency": Agency.objects.get(pk=request.agency_id), "printed_at": timezone.now(),
        "total_fee_text": copies.money(sum(r.fee for r in rows)),
        "back_url": reverse("onestop:copies") + f"?nam={year}",
    })


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """The scan's files (the service checks them); the form only carries them."""

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class CopyForm(forms.Form):
    """Collects the input; the service validates it and answers in Vietnamese."""

    files = MultipleFileField(label="Bản quét của bản chính", required=False,
                            help_text="Một tệp PDF, hoặc các ảnh quét JPEG, PNG, TIFF theo thứ tự trang "
                                      "(mỗi ảnh một trang). Bỏ trống khi bản quét đã đính kèm vào hồ sơ một "
                                      "cửa: nhập mã hồ sơ bên dưới.")
    document_title = forms.CharField(label="Tên giấy tờ, văn bản", max_length=500, required=False,
                                     help_text="Ví dụ: Bằng tốt nghiệp trung học phổ thông số 123456.")
    requester_name = forms.CharField(label="Người yêu cầu chứng thực", max_length=200, required=False)
    requester_id_number = forms.CharField(label="Số định danh cá nhân / giấy tờ tùy thân", max_length=20,
                                          required=False)
    pages = forms.CharField(label="Số trang bản chính (để đối chiếu)", max_length=6, required=False,
                            help_text="Bỏ trống để tính theo bản quét.",
                            widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    copies = forms.CharField(label="Số bản sao", max_length=4, required=False, initial="1",
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    certifier = forms.CharField(label="Người thực hiện chứng thực", required=False)
    dossier = forms.CharField(label="Mã hồ sơ một cửa (nếu có)", max_length=60, required=False,
                              help_text="Hồ sơ thủ tục 2.000815 đã tiếp nhận tại bộ phận một cửa.")

    def __init__(self, *args, certifier_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget = MultipleFileInput(
            attrs={"multiple": True, "accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/*"})
        self.fields["certifier"].widget = forms.Select(choices=[("", "— chọn lãnh đạo —"), *certifier_choices])

    def add_service_errors(self, fields: dict[str, str], message: str) -> None:
        for name, text in fields.items():
            self.add_error(name if name in self.fields else None, text)
        if not fields or any(name not in self.fields for name in fields):
            self.add_error(None, message)


@require_http_methods(["GET", "POST"])
@_agency_view
def copy_new(request):
    agency = Agency.objects.get(pk=request.agency_id)
    if not copies.can_certify(request.user, agency.pk):
        raise HttpForbidden("Chỉ cán bộ một cửa hoặc lãnh đạo của cơ quan được chứng thực bản sao.")
    people = copies.certifiers(agency)
    me = getattr(request.user, "official", None)
    choices = [(str(o.pk), o.full_name) for o in people]
    initial = {"copies": "1", "certifier": str(me.pk) if me and me in people else ""}
    posted = request.method == "POST"  # bound even when a cut-off upload left POST empty
    form = CopyForm(request.POST if posted else None, request.FILES if posted else None,
                    certifier_choices=choices, initial=initial)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            check_upload_size(request, field="files")  # an upload cut short by the size guard is refused whole
            copy = copies.certified_copy_create(
                actor=request.user, agency=agency, uploads=request.FILES.getlist("files"),
                document_title=data["document_title"], requester_name=data["requester_name"],
                requester_id_number=data["requester_id_number"], pages=data["pages"] or None,
                copies=data["copies"] or 1, certifier_id=data["certifier"] or None,
                dossier_code=data["dossier"] or None)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from None
        except DomainError as exc:
            form.add_service_errors(exc.fields, exc.message)
        else:
            messages.success(request, f"Đã chứng thực: số {copy.register_number}, quyển số "
                                      f"{copies.register_book(copy.register_year)}; lệ phí "
                                      f"{copies.money(copy.fee)} đồng.")
            return redirect("onestop:copy", pk=copy.pk)
    fee_table = [(n, copies.money(copies.copy_fee(pages=n))) for n in (1, 2, 3, 10, 198)]
    return render(request, "onestop/copy_new.html", {"form": form, "agency": agency, "fee_table": fee_table,
                                                     "has_certifiers": bool(people)})


def _copy_or_404(request, pk: int):
    try:
        copy = copies.copy_for(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if copy.agency_id != request.agency_id:  # seen from another agency the user works in: switch first
        raise Http404("Bản sao thuộc cơ quan khác; chuyển sang cơ quan đó để xem.")
    return copy


@require_GET
@_agency_view
def copy_detail(request, pk: int):
    copy = _copy_or_404(request, pk)
    try:
        check = copies.copy_verify(copy)
    except NotFound as exc:
        check, missing = None, exc.message
    else:
        missing = ""
    return render(request, "onestop/copy_detail.html", {
        "copy": copy, "check": check, "missing": missing, "book": copies.register_book(copy.register_year),
        "fee_text": copies.money(copy.fee),
        "public_url": request.build_absolute_uri(copies.public_path(copy.code)),
    })


@require_GET
@_agency_view
def copy_download(request, pk: int):
    copy = _copy_or_404(request, pk)
    which = request.GET.get("tep", "")
    stored = copy.scan if which == "ban-quet" else copy.certified_file
    try:
        handle = file_store.open_stored(stored)
    except FileNotFoundError:
        raise Http404("Tệp không còn trong kho lưu trữ; báo quản trị hệ thống.") from None
    copies.copy_download_record(actor=request.user, copy=copy)
    name = copies.download_name(copy)
    if which == "ban-quet":
        name = name.replace("ban-sao-chung-thuc", "ban-quet")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=stored.content_type)


# --- public: no login ----------------------------------------------------------------------------------


def _client(request) -> str:
    return client_key(request)


def _public_error(request, exc: DomainError, code: str = "") -> HttpResponse:
    status = 429 if isinstance(exc, copies.TooManyAttempts) else 404
    return render(request, "onestop/copy_public_form.html", {"error": exc.message, "code": code}, status=status)


@require_GET
def public_copy_form(request):
    """The form to type a code; a code sent with it goes to the copy's page."""
    code = (request.GET.get("ma") or "").strip()
    if code:
        normal = copies.normalise_code(code)
        if normal:
            return redirect("onestop:public_copy", code=normal)
        try:
            copies.copy_public_lookup(code=code, client=_client(request))
        except DomainError as exc:
            return _public_error(request, exc, code)
    return render(request, "onestop/copy_public_form.html", {"code": ""})


@require_GET
def public_copy(request, code: str):
    try:
        copy = copies.copy_public_lookup(code=code, client=_client(request))
    except DomainError as exc:
        return _public_error(request, exc, code)
    try:
        check = copies.copy_verify(copy)
    except NotFound:
        check = None
    return render(request, "onestop/copy_public.html", {
        "copy": copy, "check": check, "book": copies.register_book(copy.register_year),
    })


@require_GET
def public_copy_download(request, code: str):
    try:
        copy = copies.copy_public_lookup(code=code, client=_client(request))
        handle = file_store.open_stored(copy.certified_file)
    except DomainError as exc:
        return _public_error(request, exc, code)
    except FileNotFoundError:
        raise Http404("Tệp không còn trong kho lưu trữ.") from None
    response = FileResponse(handle, as_attachment=True, filename=copies.download_name(copy),
                            content_type="application/pdf")
    response["X-Robots-Tag"] = "noindex"
    return response

