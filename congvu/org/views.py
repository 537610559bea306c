"""Organisation pages: the agency switcher (kiêm nhiệm) and the admin pages. Thin: org.services decides."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congvu.core.dates import format_vn_date
from congvu.core.errors import DomainError, PermissionDenied
from congvu.core.folding import vi_sort_key
from congvu.org import services
from congvu.org.forms import AgencyForm, DepartmentForm, MembershipForm, OfficialEditForm, OfficialForm
from congvu.org.models import Agency, Department, Membership, Official
from congvu.org.selectors import can_manage_agency, user_access


def _call_service(form, service, **kwargs):
    """Run one org service for a form: its result, or None with the Vietnamese errors put on the form.
    A refusal is a 403 page, never a form error."""
    try:
        return service(**kwargs)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        form.add_service_errors(exc.fields, exc.message)
        return None


@login_required
@require_POST
def agency_switch(request):
    """Work in another agency where the user holds a position; any other agency is refused."""
    try:
        agency_id = int(request.POST.get("agency_id", ""))
    except ValueError:
        agency_id = None
    if agency_id not in user_access(request.user):
        raise HttpForbidden("Bạn không có vị trí công tác tại cơ quan này.")
    request.session["agency_id"] = agency_id
    agency = Agency.objects.get(pk=agency_id)
    messages.info(request, f"Đang làm việc tại: {agency.name}.")
    return redirect("documents:home")


def _managed_agency(request, agency_pk: int) -> Agency:
    agency = get_object_or_404(Agency, pk=agency_pk)
    if not can_manage_agency(request.user, agency.pk):
        raise HttpForbidden("Chỉ quản trị cơ quan được vào trang này.")
    return agency


def _require_superuser(request) -> None:
    if not request.user.is_superuser:
        raise HttpForbidden("Chỉ quản trị hệ thống được quản lý danh sách cơ quan.")


@login_required
@require_GET
def manage_index(request):
    if request.user.is_superuser:
        return redirect("org:agency_list")
    if request.agency_id and can_manage_agency(request.user, request.agency_id):
        return redirect("org:department_list", agency_pk=request.agency_id)
    raise HttpForbidden("Bạn không có quyền quản trị.")


# --- agencies (system admin) -------------------------------------------------------------------

@login_required
@require_GET
def agency_list(request):
    _require_superuser(request)
    agencies = sorted(Agency.objects.select_related("parent"), key=lambda a: vi_sort_key(a.name))
    return render(request, "org/agency_list.html", {"agencies": agencies})


@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request, pk: int | None = None):
    _require_superuser(request)
    agency = get_object_or_404(Agency, pk=pk) if pk else None
    if request.method == "POST":
        form = AgencyForm(request.POST, exclude_pk=pk)
        form.is_valid()
        values = {k: form.cleaned_data.get(k) for k in form.fields}
        values["parent_id"] = values.get("parent_id") or None
        try:
            if agency is None:
                agency = services.agency_create(actor=request.user, **values)
                messages.success(request, f"Đã thêm cơ quan {agency.name}.")
            else:
                services.agency_update(actor=request.user, agency=agency, **values)
                messages.success(request, f"Đã lưu thông tin {values['name']}.")
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message)
        except DomainError as exc:
            form.add_service_errors(exc.fields, exc.message)
        else:
            return redirect("org:agency_list")
    elif agency is not None:
        form = AgencyForm(initial={
            "name": agency.name, "short_name": agency.short_name, "kind": agency.kind,
            "parent_id": agency.parent_id or "", "identifier": agency.identifier,
            "notation_code": agency.notation_code, "place": agency.place,
            "province_code": agency.province_code,
            "active_from": format_vn_date(agency.active_from), "active_to": format_vn_date(agency.active_to),
        }, exclude_pk=pk)
    else:
        form = AgencyForm()
    return render(request, "org/agency_form.html", {"form": form, "agency": agency})


# --- departments (agency admin) ----------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def department_list(request, agency_pk: int):
    agency = _managed_agency(request, agency_pk)
    form = DepartmentForm(initial={"active": True})
    if request.method == "POST":
        form = DepartmentForm(request.POST)
        form.is_valid()
        dept = _call_service(form, services.department_create, actor=request.user, agency=agency,
                                              name=form.cleaned_data.get("name"), code=form.cleaned_data.get("code"))
        if dept is not None:
            messages.success(request, f"Đã thêm {dept.name}.")
            return redirect("org:department_list", agency_pk=agency.pk)
    departments = sorted(agency.departments.all(), key=lambda d: (not d.active, vi_sort_key(d.name)))
    return render(request, "org/department_list.html", {"agency": agency, "departments": departments, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request, agency_pk: int, pk: int):
    agency = _managed_agency(request, agency_pk)
    dept = get_object_or_404(Department, pk=pk, agency=agency)
    if request.method == "POST":
        form = DepartmentForm(request.POST)
        form.is_valid()
        done = _call_service(form, services.department_update, actor=request.user, department=dept,
                             name=form.cleaned_data.get("name"), code=form.cleaned_data.get("code"),
                             active=form.cleaned_data.get("active"))
        if done is not None:
            messages.success(request, "Đã lưu phòng, ban.")
            return redirect("org:department_list", agency_pk=agency.pk)
    else:
        form = DepartmentForm(initial={"name": dept.name, "code": dept.code, "active": dept.active})
    return render(request, "org/department_form.html", {"agency": agency, "dept": dept, "form": form})


# --- officials and memberships (agency admin) --------------------------------------------------

@login_required
@require_GET
def official_list(request, agency_pk: int):
    agency = _managed_agency(request, agency_pk)
    rows = (Membership.objects.filter(agency=agency)
            .select_related("official__user", "department", "position"))
    people: dict[int, dict] = {}
    for m in rows:
        entry = people.setdefault(m.official_id, {"official": m.official, "memberships": []})
        entry["memberships"].append(m)
    officials = sorted(people.values(), key=lambda e: vi_sort_key(e["official"].full_name))
    return render(request, "org/official_list.html", {"agency": agency, "officials": officials})


@login_required
@require_http_methods(["GET", "POST"])
def official_new(request, agency_pk: int):
    agency = _managed_agency(request, agency_pk)
    if request.method == "POST":
        form = OfficialForm(request.POST, agency_id=agency.pk)
        form.is_valid()
        official = _call_service(form, services.official_create, actor=request.user, agency=agency, **{
                k: form.cleaned_data.get(k) or "" for k in form.fields})
        if official is not None:
            messages.success(request, f"Đã tạo tài khoản {official.user.username} cho {official.full_name}.")
            return redirect("org:official_list", agency_pk=agency.pk)
    else:
        form = OfficialForm(agency_id=agency.pk)
    return render(request, "org/official_form.html", {"agency": agency, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def official_edit(request, agency_pk: int, pk: int):
    """Correct an official's details or set a new password."""
    agency = _managed_agency(request, agency_pk)
    official = Official.objects.filter(pk=pk, memberships__agency=agency).select_related("user").distinct().first()
    if official is None:
        raise Http404("Không tìm thấy cán bộ.")
    if request.method == "POST":
        form = OfficialEditForm(request.POST)
        form.is_valid()
        done = _call_service(form, services.official_update, actor=request.user, agency=agency, official=official, **{
                k: request.POST.get(k, "") for k in form.fields})
        if done is not None:
            messages.success(request, f"Đã cập nhật thông tin của {official.full_name}.")
            return redirect("org:official_list", agency_pk=agency.pk)
    else:
        form = OfficialEditForm(initial={"full_name": official.full_name, "email": official.email,
                                         "phone": official.phone})
    return render(request, "org/official_edit.html", {"agency": agency, "official": official, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def membership_new(request, agency_pk: int):
    """Give an existing official (usually from another agency: kiêm nhiệm) a role here."""
    agency = _managed_agency(request, agency_pk)
    if request.method == "POST":
        form = MembershipForm(request.POST, agency_id=agency.pk)
        form.is_valid()
        data = form.cleaned_data
        official = Official.objects.filter(user__username__iexact=(data.get("username") or "").strip()).first()
        if official is None:
            form.add_error("username", "Không tìm thấy cán bộ có tên đăng nhập này.")
        else:
            done = _call_service(form, services.membership_add, actor=request.user, agency=agency,
                                 official=official, role=data.get("role"),
                                 department_id=data.get("department_id") or None,
                                 position_name=data.get("position_name") or "")
            if done is not None:
                messages.success(request, f"Đã giao vai trò cho {official.full_name}.")
                return redirect("org:official_list", agency_pk=agency.pk)
    else:
        form = MembershipForm(agency_id=agency.pk)
    return render(request, "org/membership_form.html", {"agency": agency, "form": form})


@login_required
@require_POST
def membership_toggle(request, agency_pk: int, pk: int):
    agency = _managed_agency(request, agency_pk)
    membership = Membership.objects.filter(pk=pk, agency=agency).select_related("official").first()
    if membership is None:
        raise Http404("Không tìm thấy vị trí công tác.")
    active = request.POST.get("active") == "1"
    try:
        services.membership_set_active(actor=request.user, membership=membership, active=active)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Đã {'khôi phục' if active else 'thôi'} vai trò "
                                  f"{membership.get_role_display()} của {membership.official.full_name}.")
    return redirect("org:official_list", agency_pk=agency.pk)


