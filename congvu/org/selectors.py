"""Who is who: the agencies and roles a user holds. Every permission check starts here."""

from dataclasses import dataclass, field

from django.db.models import Q

from congvu.org.models import Agency, Membership, Official, Role


@dataclass(frozen=True)
class AgencyAccess:
    agency_id: int
    roles: frozenset[str]
    department_ids: frozenset[int] = field(default_factory=frozenset)


def official_for_user(user) -> Official | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.official
    except Official.DoesNotExist:
        return None


def user_access(user) -> dict[int, AgencyAccess]:
    """Map agency id → the roles and departments `user` holds there (active memberships only)."""
    official = official_for_user(user)
    if official is None:
        return {}
    cached = getattr(user, "_congvu_access", None)
    if cached is not None:
        return cached
    roles: dict[int, set[str]] = {}
    depts: dict[int, set[int]] = {}
    for agency_id, role, dept_id in Membership.objects.filter(official=official, active=True).values_list(
        "agency_id", "role", "department_id"
    ):
        roles.setdefault(agency_id, set()).add(role)
        if dept_id:
            depts.setdefault(agency_id, set()).add(dept_id)
    result = {
        a: AgencyAccess(a, frozenset(r), frozenset(depts.get(a, set()))) for a, r in roles.items()
    }
    user._congvu_access = result
    return result


def user_agencies(user):
    return Agency.objects.filter(pk__in=list(user_access(user))).order_by("name")


def user_has_role(user, agency_id: int, *roles: str) -> bool:
    access = user_access(user).get(agency_id)
    return bool(access and access.roles.intersection(roles))


def can_register(user, agency_id: int) -> bool:
    """Registering and numbering is the clerk's work (Decree 30, Art. 21); the agency admin may stand in."""
    return user_has_role(user, agency_id, Role.CLERK, Role.AGENCY_ADMIN)


def can_manage_agency(user, agency_id: int) -> bool:
    return bool(getattr(user, "is_superuser", False)) or user_has_role(user, agency_id, Role.AGENCY_ADMIN)


# Roles that see every non-secret document of their agency; officers see what is addressed to them.
FULL_VIEW_ROLES = frozenset({Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN})


# A unit head (lãnh đạo đơn vị): an active membership in a department as a leader — role Lãnh đạo, or a
# position marked as a leader's (Trưởng phòng, Phó Trưởng phòng). The one rule for processing and drafting.
_HEADS = Q(active=True, department__isnull=False) & (Q(role=Role.LEADER) | Q(position__is_leader=True))


def department_head_ids(department_id: int) -> list[int]:
    """Official ids of the heads of a department."""
    return list(Membership.objects.filter(_HEADS, department_id=department_id)
                .values_list("official_id", flat=True).distinct().order_by("official_id"))


def headed_department_ids(official: Official | None, agency_id: int) -> set[int]:
    """Departments of the agency that `official` heads."""
    if official is None:
        return set()
    return set(Membership.objects.filter(_HEADS, official=official, agency_id=agency_id)
               .values_list("department_id", flat=True))
