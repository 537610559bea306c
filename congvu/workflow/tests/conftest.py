"""Fixtures of processing tests: an incoming document, unit heads and officers in two departments."""

import pytest

from conftest import make_official
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Membership, Position, Role


@pytest.fixture
def doc(agency, clerk):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data())


@pytest.fixture
def nv(agency):
    return agency.departments.get(code="NV")


@pytest.fixture
def vp(agency):
    return agency.departments.get(code="VP")


@pytest.fixture
def head(agency, nv):
    """Trưởng phòng Nội vụ: an officer whose position is a leader's."""
    o = make_official(agency, Role.OFFICER, username="truongphong", department=nv, full_name="Trần Trưởng Phòng")
    pos, _ = Position.objects.get_or_create(name="Trưởng phòng", defaults={"is_leader": True})
    Membership.objects.filter(official=o).update(position=pos)
    return o.user


@pytest.fixture
def officer2(agency, vp):
    return make_official(agency, Role.OFFICER, username="chuyenvien2", department=vp, full_name="Lê Phối Hợp").user


@pytest.fixture
def stranger(other_agency):
    return make_official(other_agency, Role.OFFICER, username="nguoingoai").user
