"""Organisation services: who may change what, validation messages, and one journal row per change."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate, get_user_model

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.org import services
from congvu.org.models import Agency, AgencyKind, Department, Membership, Official, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sysadmin(db):
    return get_user_model().objects.create_superuser(username="admin", password="matkhau-123")


def _journal(action):
    return list(JournalEntry.objects.filter(action=action).values_list("object_id", "before", "after"))


# --- agencies ----------------------------------------------------------------------------------

def test_system_admin_creates_an_agency(sysadmin, agency):
    created = services.agency_create(actor=sysadmin, name="  UBND xã  Ninh Phước ", notation_code="UBND",
                                     kind=AgencyKind.COMMUNE_PC, identifier="000.07.35.h40", parent_id=agency.pk,
                                     active_from="01/07/2025")
    assert (created.name, created.identifier, created.parent, created.active_from) == (
        "UBND xã Ninh Phước", "000.07.35.H40", agency, dt.date(2025, 7, 1))
    [(object_id, before, after)] = _journal("agency.create")
    assert object_id == str(created.pk) and before is None
    assert after["name"] == "UBND xã Ninh Phước" and after["active_from"] == "2025-07-01"


def test_agency_admin_cannot_create_agencies(agency_admin):
    count = Agency.objects.count()
    with pytest.raises(PermissionDenied):
        services.agency_create(actor=agency_admin, name="UBND xã X", notation_code="UBND")
    assert Agency.objects.count() == count and not _journal("agency.create")


def test_agency_fields_are_validated_together(sysadmin, agency):
    count = Agency.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.agency_create(actor=sysadmin, name="  ", notation_code="", identifier="H40",
                               active_from="01/07/2025", active_to="30/06/2025")
    assert set(exc.value.fields) == {"name", "notation_code", "identifier", "active_to"}
    assert "QCVN 102" in exc.value.fields["identifier"]
    with pytest.raises(ValidationFailed) as exc:
        services.agency_create(actor=sysadmin, name="Trùng mã", notation_code="UBND", identifier=agency.identifier)
    assert exc.value.fields == {"identifier": f"Mã định danh {agency.identifier} đã được dùng cho cơ quan khác."}
    assert Agency.objects.count() == count


def test_agency_update_journals_only_what_changed(sysadmin, agency):
    services.agency_update(actor=sysadmin, agency=agency, name="UBND huyện Nông Sơn (cũ)", place="Quế Trung")
    agency.refresh_from_db()
    assert agency.name == "UBND huyện Nông Sơn (cũ)" and agency.notation_code == "UBND"
    [(_, before, after)] = _journal("agency.update")
    assert before == {"name": "UBND huyện Nông Sơn", "place": "Nông Sơn"}
    assert after == {"name": "UBND huyện Nông Sơn (cũ)", "place": "Quế Trung"}


def test_agency_cannot_become_its_own_ancestor(sysadmin, agency):
    child = services.agency_create(actor=sysadmin, name="UBND xã Quế Lộc", notation_code="UBND", parent_id=agency.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.agency_update(actor=sysadmin, agency=agency, parent_id=child.pk)
    assert "parent_id" in exc.value.fields
    agency.refresh_from_db()
    assert agency.parent_id is None


# --- departments -------------------------------------------------------------------------------

def test_agency_admin_adds_and_edits_departments(agency, agency_admin):
    dept = services.department_create(actor=agency_admin, agency=agency, name="Phòng Tài chính - Kế hoạch",
                                      code="tckh")
    assert (dept.name, dept.code, dept.active) == ("Phòng Tài chính - Kế hoạch", "TCKH", True)
    services.department_update(actor=agency_admin, department=dept, name=dept.name, code="TC-KH", active=False)
    dept.refresh_from_db()
    assert (dept.code, dept.active) == ("TC-KH", False)
    assert [a for a in JournalEntry.objects.order_by("pk").values_list("action", flat=True)] == [
        "department.create", "department.update"]
    [(_, before, after)] = _journal("department.update")
    assert before == {"code": "TCKH", "active": True} and after == {"code": "TC-KH", "active": False}


def test_department_code_is_unique_within_the_agency(agency, agency_admin):
    with pytest.raises(ValidationFailed) as exc:
        services.department_create(actor=agency_admin, agency=agency, name="Văn phòng khác", code="vp")
    assert exc.value.fields == {"code": "Chữ viết tắt VP đã được dùng cho phòng, ban khác của cơ quan."}
    assert agency.departments.count() == 2


@pytest.mark.parametrize("role", ["clerk", "leader", "officer", "onestop"])
def test_only_the_agency_admin_manages_departments(request, agency, role):
    actor = request.getfixturevalue(role)
    dept = agency.departments.get(code="VP")
    with pytest.raises(PermissionDenied):
        services.department_create(actor=actor, agency=agency, name="Phòng mới", code="PM")
    with pytest.raises(PermissionDenied):
        services.department_update(actor=actor, department=dept, name="Đổi tên", code="VP", active=True)
    assert list(agency.departments.order_by("code").values_list("code", "name")) == [
        ("NV", "Phòng Nội vụ"), ("VP", "Văn phòng HĐND và UBND")]
    assert JournalEntry.objects.count() == 0


def test_admin_of_another_agency_is_refused(agency, other_agency):
    from conftest import make_official

    other_admin = make_official(other_agency, Role.AGENCY_ADMIN).user
    with pytest.raises(PermissionDenied):
        services.department_create(actor=other_admin, agency=agency, name="Phòng mới", code="PM")
    assert agency.departments.count() == 2


# --- officials and memberships -----------------------------------------------------------------

def test_official_create_makes_a_login_with_a_position(agency, agency_admin):
    nv = agency.departments.get(code="NV")
    official = services.official_create(actor=agency_admin, agency=agency, username="tranthib", password="matkhau-456",
                                        full_name="Trần Thị B", role=Role.CLERK, department_id=nv.pk,
                                        position_name="Văn thư")
    assert authenticate(username="tranthib", password="matkhau-456") == official.user
    [m] = official.memberships.all()
    assert (m.agency, m.role, m.department, m.position.name, m.active) == (agency, "clerk", nv, "Văn thư", True)
    [(object_id, _, after)] = _journal("official.create")
    assert object_id == str(official.pk) and after["username"] == "tranthib" and "password" not in after


def test_official_create_validates_every_field(agency, agency_admin, clerk):
    users, officials = get_user_model().objects.count(), Official.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.official_create(actor=agency_admin, agency=agency, username="VanThu", password="ngan",
                                 full_name=" ", role="boss", email="khong-phai-email")
    assert exc.value.fields == {
        "username": "Tên đăng nhập “VanThu” đã có người dùng.", "full_name": "Vui lòng nhập họ và tên.",
        "password": "Mật khẩu cần ít nhất 8 ký tự.", "email": "Địa chỉ thư điện tử không hợp lệ.",
        "role": "Vui lòng chọn vai trò.",
    }
    assert (get_user_model().objects.count(), Official.objects.count()) == (users, officials)


def test_official_create_refuses_a_department_of_another_agency(agency, other_agency, agency_admin):
    foreign = Department.objects.create(agency=other_agency, name="Văn phòng xã", code="VP")
    with pytest.raises(ValidationFailed) as exc:
        services.official_create(actor=agency_admin, agency=agency, username="abc", password="matkhau-456",
                                 full_name="A B C", role=Role.OFFICER, department_id=foreign.pk)
    assert exc.value.fields == {"department_id": "Phòng, ban không thuộc cơ quan."}
    assert not get_user_model().objects.filter(username="abc").exists()


def test_membership_add_gives_a_second_agency(agency, other_agency, clerk):
    from conftest import make_official

    other_admin = make_official(other_agency, Role.AGENCY_ADMIN).user
    m = services.membership_add(actor=other_admin, agency=other_agency, official=clerk.official, role=Role.CLERK,
                                position_name="Văn thư")
    assert (m.agency, m.role, m.active) == (other_agency, "clerk", True)
    assert set(clerk.official.memberships.values_list("agency_id", flat=True)) == {agency.pk, other_agency.pk}
    with pytest.raises(Conflict):
        services.membership_add(actor=other_admin, agency=other_agency, official=clerk.official, role=Role.CLERK)
    assert clerk.official.memberships.count() == 2


def test_membership_deactivate_and_reactivate(agency, agency_admin, clerk):
    m = clerk.official.memberships.get()
    services.membership_set_active(actor=agency_admin, membership=m, active=False)
    m.refresh_from_db()
    assert m.active is False
    again = services.membership_add(actor=agency_admin, agency=agency, official=clerk.official, role=Role.CLERK)
    assert again.pk == m.pk and again.active is True
    assert list(JournalEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "membership.deactivate", "membership.add"]


def test_admin_cannot_end_their_own_admin_role(agency, agency_admin):
    m = agency_admin.official.memberships.get()
    with pytest.raises(ValidationFailed):
        services.membership_set_active(actor=agency_admin, membership=m, active=False)
    m.refresh_from_db()
    assert m.active is True and JournalEntry.objects.count() == 0


def test_clerk_cannot_change_memberships(agency, clerk, leader):
    m = leader.official.memberships.get()
    with pytest.raises(PermissionDenied):
        services.membership_set_active(actor=clerk, membership=m, active=False)
    with pytest.raises(PermissionDenied):
        services.membership_add(actor=clerk, agency=agency, official=leader.official, role=Role.AGENCY_ADMIN)
    assert list(Membership.objects.filter(official=leader.official).values_list("role", "active")) == [
        ("leader", True)]


def test_agency_province_code_is_kept_and_validated(db):
    admin = get_user_model().objects.create_superuser("root-province", password="x")
    agency = services.agency_create(actor=admin, name="UBND xã Duy Phú", notation_code="UBND", province_code="49")
    assert Agency.objects.get(pk=agency.pk).province_code == "49"
    with pytest.raises(ValidationFailed) as exc:
        services.agency_update(actor=admin, agency=agency, province_code="4 9/")
    assert "province_code" in exc.value.fields
    assert Agency.objects.get(pk=agency.pk).province_code == "49"
