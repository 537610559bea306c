"""Pages of the agency directory (danh bạ mã định danh): everyone logged in searches it (accent-insensitive);
the system admin adds and edits entries and imports the CSV file. Thin: congvu.exchange.directory decides."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.exchange import directory
from congvu.exchange.models import DirectoryAlias
from congvu.org.models import Agency

COLUMNS_HELP = ("Dòng đầu là tiêu đề: identifier,name,parent,valid_from,valid_to,alias_of,basis "
                "(bắt buộc identifier và name). Ngày viết yyyy-mm-dd hoặc dd/mm/yyyy.")


class EntryForm(forms.Form):
    identifier = forms.CharField(label="Mã định danh", max_length=40,
                                 help_text="QCVN 102 (000.00.00.H49) hoặc QĐ 20/2020 (H55.242).")
    name = forms.CharField(label="Tên cơ quan", max_length=300)
    parent = forms.CharField(label="Mã cơ quan cấp trên", max_length=40, required=False)
    valid_from = forms.CharField(label="Hiệu lực từ", max_length=10, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy"}))
    valid_to = forms.CharField(label="Hiệu lực đến", max_length=10, required=False,
                               widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy"}))
    alias_of = forms.CharField(label="Được thay bằng mã", max_length=40, required=False,
                               help_text="Khi cơ quan đã hợp nhất: mã cơ quan tiếp nhận, áp dụng từ ngày sau "
                                         "ngày hết hiệu lực.")
    basis = forms.CharField(label="Căn cứ", max_length=300, required=False)
    agency = forms.ModelChoiceField(label="Cơ quan trên hệ thống này", queryset=Agency.objects.order_by("name"),
                                    required=False, empty_label="— không —")


class ImportForm(forms.Form):
    file = forms.FileField(label="Tệp CSV (UTF-8)", help_text=COLUMNS_HELP)
    dry_run = forms.BooleanField(label="Chỉ kiểm tra, chưa ghi", required=False)


def _admin(request) -> None:
    if not directory.is_directory_admin(request.user):
        raise HttpForbidden("Chỉ quản trị hệ thống được sửa danh bạ mã định danh.")


@login_required
@require_GET
def directory_list(request):
    q = request.GET.get("q", "").strip()[:100]
    on_text = request.GET.get("on", "").strip()
    on, on_error = None, ""
    if on_text:
        try:
            on = parse_vn_date(on_text, field="on")
        except ValidationFailed as exc:
            on_error = exc.fields["on"]
    entries = list(directory.directory_search(user=request.user, q=q, on=on, limit=200))
    aliases = {a.old_identifier: a for a in DirectoryAlias.objects.select_related("entry").filter(
        old_identifier__in=[e.identifier for e in entries])}
    rows = [(e, aliases.get(e.identifier)) for e in entries]
    return render(request, "exchange/directory_list.html", {
        "rows": rows, "q": q, "on": on_text, "on_error": on_error, "today": timezone.localdate(),
        "admin": directory.is_directory_admin(request.user)})


def _save(request, form: EntryForm, existing: str | None):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return directory.directory_entry_save(
            actor=request.user, identifier=data["identifier"], name=data["name"], parent=data["parent"],
            valid_from=data["valid_from"], valid_to=data["valid_to"], alias_of=data["alias_of"], basis=data["basis"],
            agency_id=data["agency"].pk if data["agency"] else None, existing=existing)
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        if not exc.fields:
            form.add_error(None, exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except NotFound as exc:
        raise Http404(exc.message)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def directory_new(request):
    _admin(request)
    form = EntryForm(request.POST or None)
    if request.method == "POST":
        entry = _save(request, form, None)
        if entry is not None:
            messages.success(request, f"Đã thêm mã {entry.identifier}.")
            return redirect("exchange:directory_entry", identifier=entry.identifier)
    return render(request, "exchange/directory_entry.html", {"form": form, "entry": None, "admin": True},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def directory_entry(request, identifier: str):
    try:
        entry = directory.directory_get(identifier=identifier)
    except NotFound as exc:
        raise Http404(exc.message)
    admin = directory.is_directory_admin(request.user)
    alias = directory.alias_of(entry)
    if request.method == "POST":
        _admin(request)
        form = EntryForm(request.POST)
        saved = _save(request, form, entry.identifier)
        if saved is not None:
            messages.success(request, f"Đã lưu mã {saved.identifier}.")
            return redirect("exchange:directory_entry", identifier=saved.identifier)
    else:
        form = EntryForm(initial={
            "identifier": entry.identifier, "name": entry.name, "parent": entry.parent_identifier,
            "valid_from": format_vn_date(entry.valid_from), "valid_to": format_vn_date(entry.valid_to),
            "alias_of": alias.entry.identifier if alias else "", "basis": entry.basis, "agency": entry.agency_id})
    form.fields["identifier"].widget.attrs["readonly"] = True
    return render(request, "exchange/directory_entry.html", {
        "form": form if admin else None, "entry": entry, "alias": alias, "admin": admin,
        "replaces": list(entry.aliases.order_by("old_identifier"))}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def directory_import(request):
    _admin(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result, errors = None, []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > directory.MAX_IMPORT_BYTES:
            form.add_error("file", f"Tệp lớn quá {directory.MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
        else:
            try:
                result = directory.directory_import(actor=request.user, data=upload.read(),
                                                    dry_run=form.cleaned_data["dry_run"], source=upload.name)
            except directory.DirectoryImportFailed as exc:
                errors = exc.errors
            except PermissionDenied as exc:
                raise HttpForbidden(exc.message)
            if result is not None and not result.dry_run:
                messages.success(request, result.summary)
                return redirect("exchange:directory")
    return render(request, "exchange/directory_import.html", {
        "form": form, "result": result, "errors": errors, "columns_help": COLUMNS_HELP},
        status=400 if (errors or form.errors) else 200)


@login_required
@require_GET
def directory_export(request):
    response = HttpResponse(directory.directory_export(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="danh-ba-ma-dinh-danh.csv"'
    return response
