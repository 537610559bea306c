import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from conftest import make_agency, make_official
from congvu.org.models import AgencyKind, Role
from congvu.staffing.models import AdministrativeUnit, UnitType

D = dt.date


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("quantri", password="matkhau-123")


@pytest.fixture
def quang_nam(db):
    """Pre-2025 Quảng Nam with Nông Sơn district and the seed's commune Ninh Phước (class II, 2019)."""
    province = AdministrativeUnit.objects.create(code="49", name="Tỉnh Quảng Nam", name_folded="tinh quang nam",
                                                 unit_type=UnitType.PROVINCE, valid_to=D(2025, 6, 30))
    district = AdministrativeUnit.objects.create(code="506", name="Huyện Nông Sơn", name_folded="huyen nong son",
                                                 unit_type=UnitType.DISTRICT, parent=province, valid_to=D(2025, 6, 30))
    commune = AdministrativeUnit.objects.create(
        code="20667", name="Xã Ninh Phước", name_folded="xa ninh phuoc", unit_type=UnitType.COMMUNE,
        parent=district, unit_class="II", area_km2="61.61", population=4847, valid_from=D(2019, 12, 1),
        valid_to=D(2025, 6, 30), basis="NQ 814/NQ-UBTVQH14")
    return {"province": province, "district": district, "commune": commune}


@pytest.fixture
def province_admin(db):
    agency = make_agency(name="UBND tỉnh Quảng Nam", kind=AgencyKind.PROVINCE_PC, province_code="49")
    return make_official(agency, Role.AGENCY_ADMIN, username="qtquangnam").user


@pytest.fixture
def other_province_admin(db):
    agency = make_agency(name="UBND tỉnh Lâm Đồng", kind=AgencyKind.PROVINCE_PC, province_code="68")
    return make_official(agency, Role.AGENCY_ADMIN, username="qtlamdong").user


@pytest.fixture
def plain_user(agency):
    return make_official(agency, Role.OFFICER, username="chuyenvien").user


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
