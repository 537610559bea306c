"""Who is who: the selectors every permission check starts from."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from conftest import make_agency, make_official
from congvu.org.models import AgencyKind, Department, Membership, Role
from congvu.org.selectors import (
    FULL_VIEW_ROLES,
    AgencyAccess,
    can_manage_agency,
    can_register,
    official_for_user,
    user_access,
    user_agencies,
    user_has_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def two_agencies(db):
    a = make_agency(name="UBND huyện Nông Sơn")
    b = make_agency(name="UBND xã Ninh Phước", kind=AgencyKind.COMMUNE_PC)
    return a, b


def test_user_access_lists_roles_and_departments_per_agency(two_agencies):
    a, b = two_agencies
    nv = Department.objects.create(agency=a, name="Phòng Nội vụ", code="NV")
    vp = Department.objects.create(agency=b, name="Văn phòng UBND xã", code="VP")
    person = make_official(a, Role.LEADER, department=nv)
    Membership.objects.create(official=person, agency=a, role=Role.AGENCY_ADMIN)
    Membership.objects.create(official=person, agency=b, role=Role.OFFICER, department=vp)
    assert user_access(fresh(person.user)) == {
        a.pk: AgencyAccess(a.pk, frozenset({"leader", "agency_admin"}), frozenset({nv.pk})),
        b.pk: AgencyAccess(b.pk, frozenset({"officer"}), frozenset({vp.pk})),
    }
    assert list(user_agencies(fresh(person.user))) == [a, b]  # by name


def test_inactive_positions_give_nothing(two_agencies):
    a, b = two_agencies
    person = make_official(a, Role.CLERK)
    Membership.objects.create(official=person, agency=b, role=Role.CLERK, active=False)
    user = fresh(person.user)
    assert set(user_access(user)) == {a.pk}
    assert (can_register(user, a.pk), can_register(user, b.pk)) == (True, False)
    Membership.objects.filter(official=person).update(active=False)
    user = fresh(person.user)
    assert user_access(user) == {} and list(user_agencies(user)) == []
    assert can_register(user, a.pk) is False


def test_people_without_an_official_have_no_access(two_agencies):
    a, _ = two_agencies
    plain = get_user_model().objects.create_user("khach", password="matkhau-123")
    root = get_user_model().objects.create_superuser("root", password="matkhau-123")
    for user in (AnonymousUser(), plain):
        assert official_for_user(user) is None
        assert user_access(user) == {}
        assert can_register(user, a.pk) is False and can_manage_agency(user, a.pk) is False
    # the system admin manages every agency but registers documents in none
    assert (can_manage_agency(root, a.pk), can_register(root, a.pk)) == (True, False)


REGISTER = {Role.CLERK: True, Role.AGENCY_ADMIN: True, Role.LEADER: False, Role.OFFICER: False,
            Role.ONESTOP: False}
MANAGE = {Role.CLERK: False, Role.AGENCY_ADMIN: True, Role.LEADER: False, Role.OFFICER: False,
          Role.ONESTOP: False}


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix_in_own_and_other_agency(two_agencies, role):
    a, b = two_agencies
    user = fresh(make_official(a, role).user)
    assert can_register(user, a.pk) is REGISTER[role]
    assert can_manage_agency(user, a.pk) is MANAGE[role]
    assert (role in FULL_VIEW_ROLES) is (role in (Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN))
    # nothing carries over to an agency where the user holds no position
    assert (can_register(user, b.pk), can_manage_agency(user, b.pk), user_has_role(user, b.pk, role)) == (
        False, False, False)


def test_kiem_nhiem_roles_do_not_mix_between_agencies(two_agencies):
    a, b = two_agencies
    person = make_official(a, Role.CLERK)
    Membership.objects.create(official=person, agency=b, role=Role.LEADER)
    user = fresh(person.user)
    assert (can_register(user, a.pk), can_register(user, b.pk)) == (True, False)
    assert user_has_role(user, b.pk, Role.LEADER, Role.OFFICER) is True
    assert user_has_role(user, a.pk, Role.LEADER) is False


def test_access_is_computed_once_per_user_object(two_agencies, django_assert_num_queries):
    a, _ = two_agencies
    user = fresh(make_official(a, Role.CLERK).user)
    with django_assert_num_queries(2):  # the official, then the memberships
        user_access(user)
        user_access(user)
        can_register(user, a.pk)
