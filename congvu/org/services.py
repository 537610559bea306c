"""Every write to the organisation: agencies, departments, officials and their positions.

Each function is keyword-only, checks who may do it, runs in one transaction and journals the change,
so pages, the API and commands share the same rules.
"""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from congvu.audit.services import journal_record
from congvu.core.dates import parse_vn_date
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.org.models import (
    Agency,
    AgencyKind,
    Department,
    Membership,
    Official,
    Position,
    Role,
    validate_identifier,
)
from congvu.org.selectors import can_manage_agency, official_for_user

AGENCY_FIELDS = ("name", "short_name", "kind", "parent_id", "identifier", "notation_code", "place",
                 "province_code", "active_from", "active_to")
PROVINCE_CODE_RE = re.compile(r"^[0-9A-Za-z]{0,10}$")


def _clean(value) -> str:
    return " ".join(nfc(str(value or "")).split())


def _snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _require_superuser(actor) -> None:
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Chỉ quản trị hệ thống được quản lý danh sách cơ quan.")


def _require_agency_admin(actor, agency_id: int) -> None:
    if not can_manage_agency(actor, agency_id):
        raise PermissionDenied("Chỉ quản trị cơ quan được thực hiện thao tác này.")


# --- agencies ----------------------------------------------------------------------------------

def _agency_values(values: dict, *, current: Agency | None) -> dict:
    """Validate agency fields; raise ValidationFailed with one Vietnamese message per wrong field."""
    errors: dict[str, str] = {}
    out: dict = {}
    out["name"] = _clean(values.get("name"))
    if not out["name"]:
        errors["name"] = "Vui lòng nhập tên cơ quan."
    elif len(out["name"]) > 200:
        errors["name"] = "Tên cơ quan dài quá 200 ký tự."
    out["short_name"] = _clean(values.get("short_name"))[:60]
    out["kind"] = values.get("kind") or AgencyKind.OTHER
    if out["kind"] not in AgencyKind.values:
        errors["kind"] = "Loại cơ quan không hợp lệ."
    out["notation_code"] = _clean(values.get("notation_code")).replace(" ", "")
    if not out["notation_code"]:
        errors["notation_code"] = "Vui lòng nhập chữ viết tắt dùng trong ký hiệu (ví dụ UBND)."
    elif len(out["notation_code"]) > 20:
        errors["notation_code"] = "Chữ viết tắt dài quá 20 ký tự."
    out["identifier"] = _clean(values.get("identifier")).upper()
    if out["identifier"]:
        try:
            validate_identifier(out["identifier"])
        except ValidationError as exc:
            errors["identifier"] = exc.messages[0]
        else:
            taken = Agency.objects.filter(identifier=out["identifier"])
            if current is not None:
                taken = taken.exclude(pk=current.pk)
            if taken.exists():
                errors["identifier"] = f"Mã định danh {out['identifier']} đã được dùng cho cơ quan khác."
    out["place"] = _clean(values.get("place"))[:100]
    out["province_code"] = _clean(values.get("province_code")).replace(" ", "")
    if not PROVINCE_CODE_RE.match(out["province_code"]):
        errors["province_code"] = "Mã tỉnh chỉ gồm chữ và số, tối đa 10 ký tự (ví dụ 49)."
    parent_id = values.get("parent_id") or None
    out["parent_id"] = None
    if parent_id:
        try:
            parent = Agency.objects.get(pk=int(parent_id))
        except (ValueError, Agency.DoesNotExist):
            errors["parent_id"] = "Cơ quan cấp trên không tồn tại."
        else:
            # Walk up from the new parent: meeting the agency itself would make a cycle.
            node, hops = parent, 0
            while node is not None and hops < 50:
                if current is not None and node.pk == current.pk:
                    errors["parent_id"] = "Cơ quan cấp trên không được là chính cơ quan này hoặc cấp dưới của nó."
                    break
                node, hops = node.parent, hops + 1
            out["parent_id"] = parent.pk
    for key in ("active_from", "active_to"):
        try:
            out[key] = parse_vn_date(values.get(key), field=key)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            out[key] = None
    if out["active_from"] and out["active_to"] and out["active_to"] < out["active_from"]:
        errors["active_to"] = "Ngày kết thúc hoạt động phải sau ngày bắt đầu."
    if errors:
        raise ValidationFailed("Thông tin cơ quan chưa hợp lệ.", fields=errors)
    return out


def agency_create(*, actor, name: str, notation_code: str, kind: str = AgencyKind.OTHER, short_name: str = "",
                  identifier: str = "", parent_id: int | None = None, place: str = "", province_code: str = "",
                  active_from: dt.date | str | None = None, active_to: dt.date | str | None = None) -> Agency:
    """Create an agency of this deployment (system admin only)."""
    _require_superuser(actor)
    values = _agency_values({
        "name": name, "notation_code": notation_code, "kind": kind, "short_name": short_name,
        "identifier": identifier, "parent_id": parent_id, "place": place, "province_code": province_code,
        "active_from": active_from,
        "active_to": active_to,
    }, current=None)
    with transaction.atomic():
        agency = Agency.objects.create(**values)
        journal_record(actor=actor, agency_id=agency.pk, action="agency.create", obj=agency,
                       after=_snapshot(agency, AGENCY_FIELDS))
    return agency


def agency_update(*, actor, agency: Agency, **changes) -> Agency:
    """Change an agency's identity fields (system admin only). Fields not given keep their value."""
    _require_superuser(actor)
    unknown = set(changes) - set(AGENCY_FIELDS)
    if unknown:
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        before = _snapshot(locked, AGENCY_FIELDS)
        values = _agency_values(before | changes, current=locked)
        for key, value in values.items():
            setattr(locked, key, value)
        locked.save()
        after = _snapshot(locked, AGENCY_FIELDS)
        diff_before = {k: v for k, v in before.items() if after[k] != v}
        if diff_before:
            journal_record(actor=actor, agency_id=locked.pk, action="agency.update", obj=locked,
                           before=diff_before, after={k: after[k] for k in diff_before})
    return locked


# --- departments -------------------------------------------------------------------------------

def _department_values(agency: Agency, name, code, *, current: Department | None) -> dict:
    errors: dict[str, str] = {}
    name = _clean(name)
    code = _clean(code).replace(" ", "").upper()
    if not name:
        errors["name"] = "Vui lòng nhập tên phòng, ban."
    elif len(name) > 200:
        errors["name"] = "Tên phòng, ban dài quá 200 ký tự."
    if not code:
        errors["code"] = "Vui lòng nhập chữ viết tắt (ví dụ VP)."
    elif len(code) > 20:
        errors["code"] = "Chữ viết tắt dài quá 20 ký tự."
    else:
        taken = Department.objects.filter(agency=agency, code=code)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors["code"] = f"Chữ viết tắt {code} đã được dùng cho phòng, ban khác của cơ quan."
    if errors:
        raise ValidationFailed("Thông tin phòng, ban chưa hợp lệ.", fields=errors)
    return {"name": name, "code": code}


def department_create(*, actor, agency: Agency, name: str, code: str) -> Department:
    """Add a department to an agency (agency admin)."""
    _require_agency_admin(actor, agency.pk)
    values = _department_values(agency, name, code, current=None)
    with transaction.atomic():
        dept = Department.objects.create(agency=agency, **values)
        journal_record(actor=actor, agency_id=agency.pk, action="department.create", obj=dept,
                       after={"name": dept.name, "code": dept.code, "active": True})
    return dept


def department_update(*, actor, department: Department, name: str, code: str, active: bool) -> Department:
    """Rename, recode or (de)activate a department (agency admin)."""
    _require_agency_admin(actor, department.agency_id)
    values = _department_values(department.agency, name, code, current=department) | {"active": bool(active)}
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(pk=department.pk)
        before = {"name": locked.name, "code": locked.code, "active": locked.active}
        for key, value in values.items():
            setattr(locked, key, value)
        locked.save()
        changed = {k: v for k, v in before.items() if values[k] != v}
        if changed:
            journal_record(actor=actor, agency_id=locked.agency_id, action="department.update", obj=locked,
                           before=changed, after={k: values[k] for k in changed})
    return locked


# --- officials and memberships -----------------------------------------------------------------

def _membership_values(agency: Agency, role, department_id, position_name, errors: dict) -> dict:
    if role not in Role.values:
        errors["role"] = "Vui lòng chọn vai trò."
    dept = None
    if department_id:
        dept = Department.objects.filter(pk=department_id, agency=agency).first()
        if dept is None:
            errors["department_id"] = "Phòng, ban không thuộc cơ quan."
    position_name = _clean(position_name)
    if len(position_name) > 100:
        errors["position_name"] = "Chức vụ dài quá 100 ký tự."
    return {"role": role, "department": dept, "position_name": position_name}


def _position(name: str) -> Position | None:
    if not name:
        return None
    return Position.objects.filter(name__iexact=name).first() or Position.objects.create(name=name)


def official_create(*, actor, agency: Agency, username: str, password: str, full_name: str, role: str,
                    department_id: int | None = None, position_name: str = "", email: str = "",
                    phone: str = "") -> Official:
    """Create a login and an official with one position in `agency` (agency admin)."""
    _require_agency_admin(actor, agency.pk)
    User = get_user_model()
    errors: dict[str, str] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = "Vui lòng nhập tên đăng nhập."
    elif len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors["username"] = "Tên đăng nhập chỉ gồm chữ, số và các ký tự @ . + - _"
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = f"Tên đăng nhập “{username}” đã có người dùng."
    full_name = _clean(full_name)
    if not full_name:
        errors["full_name"] = "Vui lòng nhập họ và tên."
    elif len(full_name) > 100:
        errors["full_name"] = "Họ và tên dài quá 100 ký tự."
    try:
        validate_password(password or "")
    except ValidationError:
        errors["password"] = "Mật khẩu cần ít nhất 8 ký tự."
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 254):
        errors["email"] = "Địa chỉ thư điện tử không hợp lệ."
    phone = _clean(phone)[:20]
    m = _membership_values(agency, role, department_id, position_name, errors)
    if errors:
        raise ValidationFailed("Thông tin cán bộ chưa hợp lệ.", fields=errors)
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, email=email)
        official = Official.objects.create(user=user, full_name=full_name, email=email, phone=phone)
        membership = Membership.objects.create(official=official, agency=agency, role=m["role"],
                                               department=m["department"], position=_position(m["position_name"]))
        journal_record(actor=actor, agency_id=agency.pk, action="official.create", obj=official,
                       after={"username": username, "full_name": full_name, "role": membership.role,
                              "department_id": membership.department_id, "position": m["position_name"]})
    return official


def membership_add(*, actor, agency: Agency, official: Official, role: str, department_id: int | None = None,
                   position_name: str = "") -> Membership:
    """Give an official a role in `agency` — another role, or a position in a second agency (kiêm nhiệm).

    An inactive membership with the same role is reactivated instead of duplicated.
    """
    _require_agency_admin(actor, agency.pk)
    errors: dict[str, str] = {}
    m = _membership_values(agency, role, department_id, position_name, errors)
    if errors:
        raise ValidationFailed("Thông tin vị trí công tác chưa hợp lệ.", fields=errors)
    with transaction.atomic():
        existing = Membership.objects.select_for_update().filter(official=official, agency=agency, role=role).first()
        if existing is not None and existing.active:
            raise Conflict(f"{official.full_name} đã có vai trò {existing.get_role_display()} tại cơ quan này.",
                           fields={"role": "Vai trò này đã được giao."})
        position = _position(m["position_name"])
        if existing is not None:
            existing.active = True
            existing.department = m["department"]
            existing.position = position
            existing.save()
            membership = existing
        else:
            membership = Membership.objects.create(official=official, agency=agency, role=role,
                                                   department=m["department"], position=position)
        journal_record(actor=actor, agency_id=agency.pk, action="membership.add", obj=membership,
                       after={"official_id": official.pk, "role": role, "department_id": membership.department_id,
                              "position": m["position_name"]})
    return membership


def membership_set_active(*, actor, membership: Membership, active: bool) -> Membership:
    """End (or restore) a position. An admin cannot end their own admin role: someone must remain."""
    _require_agency_admin(actor, membership.agency_id)
    me = official_for_user(actor)
    if not active and me is not None and membership.official_id == me.pk and membership.role == Role.AGENCY_ADMIN:
        raise ValidationFailed("Bạn không thể tự thôi vai trò quản trị của mình.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.active == active:
            return locked
        locked.active = active
        locked.save(update_fields=["active"])
        journal_record(actor=actor, agency_id=locked.agency_id,
                       action="membership.activate" if active else "membership.deactivate", obj=locked,
                       before={"active": not active}, after={"active": active})
    return locked


def official_update(*, actor, agency: Agency, official: Official, full_name: str, email: str = "",
                    phone: str = "", new_password: str = "") -> Official:
    """Correct an official's name and contacts, or give them a new password (agency admin of an agency
    where the official holds a position). The password itself never reaches the journal."""
    _require_agency_admin(actor, agency.pk)
    if not Membership.objects.filter(official=official, agency=agency).exists():
        raise ValidationFailed("Cán bộ không thuộc cơ quan.")
    errors: dict[str, str] = {}
    full_name = _clean(full_name)
    if not full_name:
        errors["full_name"] = "Vui lòng nhập họ và tên."
    elif len(full_name) > 100:
        errors["full_name"] = "Họ và tên dài quá 100 ký tự."
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 254):
        errors["email"] = "Địa chỉ thư điện tử không hợp lệ."
    phone = _clean(phone)
    if len(phone) > 20:
        errors["phone"] = "Số điện thoại dài quá 20 ký tự."
    if new_password:
        try:
            validate_password(new_password, user=official.user)
        except ValidationError:
            errors["new_password"] = "Mật khẩu cần ít nhất 8 ký tự."
    if errors:
        raise ValidationFailed("Thông tin cán bộ chưa hợp lệ.", fields=errors)
    fields = ("full_name", "email", "phone")
    with transaction.atomic():
        locked = Official.objects.select_for_update().select_related("user").get(pk=official.pk)
        before = _snapshot(locked, fields)
        locked.full_name, locked.email, locked.phone = full_name, email, phone
        locked.save(update_fields=list(fields))
        after = _snapshot(locked, fields)
        if before != after:
            journal_record(actor=actor, agency_id=agency.pk, action="official.update", obj=locked,
                           before={k: v for k, v in before.items() if after[k] != v},
                           after={k: v for k, v in after.items() if before[k] != v})
        if new_password:
            locked.user.set_password(new_password)
            locked.user.save(update_fields=["password"])
            journal_record(actor=actor, agency_id=agency.pk, action="official.password_reset", obj=locked)
    return locked
