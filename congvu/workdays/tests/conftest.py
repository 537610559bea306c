import pytest
from django.contrib.auth import get_user_model

from conftest import make_agency, make_official
from congvu.org.models import AgencyKind, Role
from congvu.workdays.services import calendar_cache_clear


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Each test's database starts from the migrated seed; a calendar cached by an earlier test must not leak.
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(username="hethong", password="matkhau-123")


@pytest.fixture
def province_agency(db):
    return make_agency(name="UBND tỉnh Quảng Nam", kind=AgencyKind.PROVINCE_PC, province_code="49", place="Tam Kỳ")


@pytest.fixture
def province_admin(province_agency):
    return make_official(province_agency, Role.AGENCY_ADMIN, username="quantri_tinh").user


@pytest.fixture
def commune_in_province(db):
    return make_agency(name="UBND xã Quế Sơn", kind=AgencyKind.COMMUNE_PC, province_code="49")
