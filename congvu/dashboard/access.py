"""Who may see the dashboard, and for which agencies.

A superuser sees every agency; a leader or an agency admin of agency A sees A and every agency below it
(Agency.parent, any depth); everybody else sees nothing (the pages and the API answer 403)."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.org.models import Agency, Role
from congvu.org.selectors import user_access

DASHBOARD_ROLES = frozenset({Role.LEADER, Role.AGENCY_ADMIN})
MIN_YEAR, MAX_YEAR = 1900, 2999  # a period outside is a typing slip (and month arithmetic ends at year 9999)


@dataclass(frozen=True)
class Scope:
    """The agencies and the period (inclusive local dates) a figure covers."""

    agency_ids: tuple[int, ...]
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _children_map() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Agency.objects.values_list("pk", "parent_id").order_by("name", "pk"):
        children.setdefault(parent_id, []).append(pk)
    return children


def _descendants(roots, children) -> list[int]:
    seen: list[int] = []
    stack = list(roots)
    marked = set()
    while stack:
        pk = stack.pop()
        if pk in marked:
            continue
        marked.add(pk)
        seen.append(pk)
        stack.extend(children.get(pk, []))
    return seen


def dashboard_roots(user) -> list[int] | None:
    """The agencies whose subtree `user` may see; None = all (superuser)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return None
    return sorted(a for a, acc in user_access(user).items() if acc.roles & DASHBOARD_ROLES)


def dashboard_agency_ids(user) -> list[int]:
    """Every agency `user` may see on the dashboard (sorted ids); [] for those who may not use it."""
    roots = dashboard_roots(user)
    if roots is None:
        return sorted(Agency.objects.values_list("pk", flat=True))
    if not roots:
        return []
    return sorted(_descendants(roots, _children_map()))


def agency_tree(user) -> list[tuple[Agency, int]]:
    """The agencies `user` may see, as a tree in display order: (agency, depth), parents before children."""
    roots = dashboard_roots(user)
    if roots == []:
        return []
    agencies = {a.pk: a for a in Agency.objects.all()}
    children = _children_map()
    if roots is None:
        roots = [pk for pk in children.get(None, [])]
    else:
        # a root whose ancestor is also a root is shown under that ancestor, not twice
        allowed = set(_descendants(roots, children))
        roots = [r for r in roots if agencies[r].parent_id not in allowed]
    out: list[tuple[Agency, int]] = []
    seen: set[int] = set()

    def walk(pk: int, depth: int) -> None:
        if pk in seen:
            return
        seen.add(pk)
        out.append((agencies[pk], depth))
        for child in children.get(pk, []):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda pk: (agencies[pk].name, pk)):
        walk(root, 0)
    return out


def default_period(today: date | None = None) -> tuple[date, date]:
    """This month up to today."""
    today = today or timezone.localdate()
    return today.replace(day=1), today


def resolve_scope(user, *, agency_id=None, start: date | None = None, end: date | None = None,
                  current_agency_id: int | None = None) -> Scope:
    """The scope of a dashboard request: one agency and its subtree, or all the user may see, over a period.

    `agency_id` not allowed → PermissionDenied; no agency given → the user's current agency (when it is one
    they may see) with its subtree, else everything they may see. No period → this month up to today."""
    allowed = dashboard_agency_ids(user)
    if not allowed:
        raise PermissionDenied("Bạn không có quyền xem bảng điều hành.")
    if agency_id not in (None, ""):
        try:
            agency_id = int(agency_id)
        except (TypeError, ValueError):
            raise ValidationFailed("Mã cơ quan không hợp lệ.", fields={"agency": "Mã cơ quan không hợp lệ."})
        if agency_id not in allowed:
            raise PermissionDenied("Bạn không có quyền xem số liệu của cơ quan này.")
        ids = sorted(set(_descendants([agency_id], _children_map())) & set(allowed))
    elif current_agency_id is not None and current_agency_id in allowed and not user.is_superuser:
        ids = sorted(set(_descendants([current_agency_id], _children_map())) & set(allowed))
    else:
        ids = allowed
    d_start, d_end = default_period()
    start = start or d_start
    end = end or (d_end if start <= d_end else start)
    if not (MIN_YEAR <= start.year <= MAX_YEAR and MIN_YEAR <= end.year <= MAX_YEAR):
        message = f"Năm của kỳ phải từ {MIN_YEAR} đến {MAX_YEAR}."
        raise ValidationFailed(message, fields={"from": message})
    if start > end:
        raise ValidationFailed("Ngày bắt đầu phải trước ngày kết thúc.",
                               fields={"from": "Ngày bắt đầu phải trước ngày kết thúc."})
    if (end - start).days > 366 * 5:
        raise ValidationFailed("Kỳ báo cáo dài nhất 5 năm.", fields={"from": "Kỳ báo cáo dài nhất 5 năm."})
    return Scope(agency_ids=tuple(ids), start=start, end=end)
