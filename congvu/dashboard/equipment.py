"""Operations equipment points (video-conference endpoints of the communes, security camera points): their
registry, the checks that record their status, and the counts the dashboard shows ("6/6 xã đã kết nối",
"46 điểm camera tại 5/6 xã").

Who may write: a system admin, or the agency admin (Quản trị cơ quan) of the point's agency or of an agency
above it. Who may read: whoever sees the dashboard of the agency (congvu.dashboard.access). Every write is
journaled on the chain of the point's agency."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.dashboard.models import EquipmentCheck, EquipmentKind, EquipmentPoint, EquipmentStatus
from congvu.org.models import Agency, AgencyKind, Role
from congvu.org.selectors import official_for_user, user_access

# Commune-level local governments since 01/07/2025 (the two-level model): xã, phường, đặc khu. The
# equipment ratios ("6/6 xã") count these among the agencies of the scope.
COMMUNE_KINDS = (AgencyKind.COMMUNE_PC, AgencyKind.WARD_PC, AgencyKind.SPECIAL_ZONE_PC)

NAME_MAX = 200
LOCATION_MAX = 300
NOTE_MAX = 300


# --- who ------------------------------------------------------------------------------------------------

def _descendant_ids(root_ids: set[int]) -> set[int]:
    """`root_ids` and every agency below them (Agency.parent). The agency table is small (hundreds of rows)."""
    if not root_ids:
        return set()
    children: dict[int, list[int]] = {}
    for pk, parent_id in Agency.objects.values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    seen = set(root_ids)
    stack = list(root_ids)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def subtree_ids(agency_id: int) -> set[int]:
    """The agency and every agency below it."""
    return _descendant_ids({agency_id})


def manageable_agency_ids(user) -> set[int] | None:
    """Agencies whose equipment `user` may register and check: None means all (system admin)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return None
    admin_of = {a for a, access in user_access(user).items() if Role.AGENCY_ADMIN in access.roles}
    return _descendant_ids(admin_of)


def can_manage_equipment(user, agency_id: int | None = None) -> bool:
    """May `user` manage equipment of `agency_id` (or of any agency, when it is None)?"""
    allowed = manageable_agency_ids(user)
    if allowed is None:
        return True
    return bool(allowed) if agency_id is None else agency_id in allowed


def _require_manager(actor, agency_id: int) -> None:
    if not can_manage_equipment(actor, agency_id):
        raise PermissionDenied("Chỉ quản trị hệ thống hoặc quản trị cơ quan (của cơ quan này hoặc cơ quan cấp trên) "
                               "được quản lý thiết bị điều hành của cơ quan này.")


def visible_agency_ids(user) -> set[int]:
    """Agencies whose equipment `user` sees: the dashboard's scope, and the agencies the user manages."""
    from congvu.dashboard.access import dashboard_agency_ids

    seen = set(dashboard_agency_ids(user))
    managed = manageable_agency_ids(user)
    if managed is None:
        return set(Agency.objects.values_list("pk", flat=True))
    return seen | managed


# --- input ------------------------------------------------------------------------------------------------

def _clean(value) -> str:
    """NFC, control and invisible format characters removed (PostgreSQL refuses NUL), whitespace collapsed."""
    text = "".join(ch for ch in nfc(str(value if value is not None else ""))
                   if unicodedata.category(ch) not in ("Cf", "Cc"))
    return " ".join(text.split())


def _text(value, *, field: str, label: str, errors: dict, max_length: int, required: bool = False) -> str:
    text = _clean(value)
    if required and not text:
        errors[field] = f"Vui lòng nhập {label}."
    elif len(text) > max_length:
        errors[field] = f"{label[:1].upper()}{label[1:]} dài quá {max_length} ký tự."
    return text


def _kind(value, errors: dict) -> str:
    value = str(value or "")
    if value not in EquipmentKind.values:
        errors["kind"] = "Loại thiết bị không hợp lệ; chọn " + " hoặc ".join(
            f"“{label}”" for label in EquipmentKind.labels) + "."
    return value


def _status(value, errors: dict) -> str:
    value = str(value or "")
    if value not in EquipmentStatus.values:
        errors["status"] = "Trạng thái không hợp lệ; chọn " + ", ".join(
            f"“{label}”" for label in EquipmentStatus.labels) + "."
    return value


def _fail(errors: dict) -> None:
    if errors:
        raise ValidationFailed(" ".join(dict.fromkeys(errors.values())), fields=errors)


def _snapshot(point: EquipmentPoint) -> dict:
    return {"agency": point.agency_id, "kind": point.kind, "name": point.name, "location": point.location,
            "status": point.status, "active": point.active, "note": point.note}


# --- services -----------------------------------------------------------------------------------------------

@transaction.atomic
def equipment_point_create(*, actor, agency: Agency, kind: str, name: str, location: str = "",
                           status: str = EquipmentStatus.ONLINE, note: str = "", active: bool = True) -> EquipmentPoint:
    """Register an equipment point of `agency`. Journaled on the agency's chain. All input problems are
    reported together; nothing is written on refusal."""
    _require_manager(actor, agency.pk)
    errors: dict[str, str] = {}
    kind = _kind(kind, errors)
    name = _text(name, field="name", label="tên điểm", errors=errors, max_length=NAME_MAX, required=True)
    location = _text(location, field="location", label="vị trí", errors=errors, max_length=LOCATION_MAX)
    note = _text(note, field="note", label="ghi chú", errors=errors, max_length=NOTE_MAX)
    status = _status(status, errors)
    _fail(errors)
    point = EquipmentPoint.objects.create(agency=agency, kind=kind, name=name, location=location, status=status,
                                          note=note, active=bool(active))
    journal_record(actor=actor, agency_id=agency.pk, action="dashboard.equipment_create", obj=point,
                   after=_snapshot(point))
    return point


@transaction.atomic
def equipment_point_update(*, actor, point: EquipmentPoint, kind: str | None = None, name: str | None = None,
                           location: str | None = None, note: str | None = None,
                           active: bool | None = None) -> EquipmentPoint:
    """Change what is given (None: unchanged). The status changes only through a recorded check, so that
    every status has its check in the history."""
    point = EquipmentPoint.objects.select_for_update().filter(pk=point.pk).first()
    if point is None:
        raise NotFound("Không tìm thấy điểm thiết bị.")
    _require_manager(actor, point.agency_id)
    errors: dict[str, str] = {}
    before = _snapshot(point)
    if kind is not None:
        point.kind = _kind(kind, errors)
    if name is not None:
        point.name = _text(name, field="name", label="tên điểm", errors=errors, max_length=NAME_MAX, required=True)
    if location is not None:
        point.location = _text(location, field="location", label="vị trí", errors=errors, max_length=LOCATION_MAX)
    if note is not None:
        point.note = _text(note, field="note", label="ghi chú", errors=errors, max_length=NOTE_MAX)
    if active is not None:
        point.active = bool(active)
    _fail(errors)
    after = _snapshot(point)
    if after != before:
        point.save(update_fields=["kind", "name", "location", "note", "active"])
        journal_record(actor=actor, agency_id=point.agency_id, action="dashboard.equipment_update", obj=point,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return point


@transaction.atomic
def equipment_check_record(*, actor, point: EquipmentPoint, status: str, note: str = "",
                           checked_at: dt.datetime | None = None) -> EquipmentCheck:
    """Record a check of `point` (default: now). The point's status and last check follow the latest check:
    a check recorded late, older than the point's last check, goes into the history only. A check in the
    future is refused."""
    point = EquipmentPoint.objects.select_for_update().filter(pk=point.pk).first()
    if point is None:
        raise NotFound("Không tìm thấy điểm thiết bị.")
    _require_manager(actor, point.agency_id)
    errors: dict[str, str] = {}
    status = _status(status, errors)
    note = _text(note, field="note", label="ghi chú", errors=errors, max_length=NOTE_MAX)
    now = timezone.now()
    if checked_at is None:
        checked_at = now
    elif timezone.is_naive(checked_at):
        checked_at = timezone.make_aware(checked_at)
    if checked_at > now:
        errors["checked_at"] = "Thời điểm kiểm tra không được ở tương lai."
    elif checked_at.year < 2000:
        errors["checked_at"] = "Thời điểm kiểm tra không hợp lệ (trước năm 2000)."
    _fail(errors)
    check = EquipmentCheck.objects.create(point=point, checked_at=checked_at, status=status, note=note,
                                          checked_by=official_for_user(actor))
    before = {"status": point.status, "last_checked_at": point.last_checked_at}
    if point.last_checked_at is None or checked_at >= point.last_checked_at:
        point.status = status
        point.last_checked_at = checked_at
        point.save(update_fields=["status", "last_checked_at"])
    journal_record(actor=actor, agency_id=point.agency_id, action="dashboard.equipment_check", obj=point,
                   before=before, after={"status": point.status, "last_checked_at": point.last_checked_at,
                                         "check": check.pk, "checked_status": status, "checked_at": checked_at,
                                         "note": note})
    return check


# --- selectors ------------------------------------------------------------------------------------------------

def equipment_points(user, agency_ids, kind: str | None = None, *, status: str | None = None,
                     include_inactive: bool = False):
    """Points of `agency_ids` that `user` may see (kind and status optional filters), by agency, kind, name."""
    allowed = visible_agency_ids(user) & set(agency_ids)
    qs = EquipmentPoint.objects.select_related("agency").filter(agency_id__in=sorted(allowed))
    if not include_inactive:
        qs = qs.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("agency__name", "kind", "name", "pk")


def equipment_point_get(user, pk: int) -> EquipmentPoint:
    """One point the user may see; NotFound otherwise (a point out of sight is as if it did not exist)."""
    point = EquipmentPoint.objects.select_related("agency").filter(pk=pk).first()
    if point is None or point.agency_id not in visible_agency_ids(user):
        raise NotFound("Không tìm thấy điểm thiết bị.")
    return point


class KindSummary(NamedTuple):
    points: int  # active points of the kind in the agencies
    online: int  # of which online
    agencies_with_points: int  # communes (xã, phường, đặc khu) of the agencies with ≥ 1 active point of the kind
    agencies_total: int  # communes among the agencies
    agencies_connected: int  # communes with ≥ 1 online point of the kind


def equipment_summary(agency_ids) -> dict[str, KindSummary]:
    """Per kind (every EquipmentKind, zeros included): points and online points in `agency_ids`, and how
    many of the communes among them (in office today) have points, and online points. Active points only. No permission
    check: the caller passes a scope already allowed (congvu.dashboard.access)."""
    ids = sorted(set(agency_ids))
    today = timezone.localdate()
    # communes in office today: one merged away (active_to in the past) is no longer counted
    communes = set(Agency.objects.filter(pk__in=ids, kind__in=COMMUNE_KINDS)
                   .filter(Q(active_from__isnull=True) | Q(active_from__lte=today))
                   .filter(Q(active_to__isnull=True) | Q(active_to__gte=today)).values_list("pk", flat=True))
    online = Q(status=EquipmentStatus.ONLINE)
    rows = (EquipmentPoint.objects.filter(agency_id__in=ids, active=True)
            .values("kind", "agency_id").annotate(n=Count("pk"), up=Count("pk", filter=online)).order_by())
    acc = {k: [0, 0, set(), set()] for k in EquipmentKind.values}
    for row in rows:
        a = acc.setdefault(row["kind"], [0, 0, set(), set()])
        a[0] += row["n"]
        a[1] += row["up"]
        if row["agency_id"] in communes:
            a[2].add(row["agency_id"])
            if row["up"]:
                a[3].add(row["agency_id"])
    return {k: KindSummary(points=a[0], online=a[1], agencies_with_points=len(a[2]),
                           agencies_total=len(communes), agencies_connected=len(a[3]))
            for k, a in acc.items()}


def equipment_checks(point: EquipmentPoint, *, limit: int = 200):
    return list(point.checks.select_related("checked_by").order_by("-checked_at", "-pk")[:limit])
