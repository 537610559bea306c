"""/api/v1/registers lists what `documents.selectors.visible_registers` allows: the ordinary registers of
the caller's agencies, and a secret register ("Sổ văn bản mật", with its counter) only to the agency
admin and to the officials named on one of its documents."""

import pytest
from django.utils import timezone

from conftest import make_agency, make_official
from congvu.api.tests.conftest import ApiClient
from congvu.documents.models import Register, Secrecy
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Membership, Role

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
GENERAL = f"Sổ văn bản đến năm {YEAR}"
SECRET = f"Sổ văn bản mật đến năm {YEAR}"


@pytest.fixture
def registers(agency, other_agency, clerk, leader, officer, onestop, agency_admin, other_clerk):
    """An ordinary and a secret incoming register in `agency` (the secret document names the clerk who
    registered it and the leader), and an ordinary one in `other_agency`."""
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="2", secrecy=Secrecy.SECRET, access_official_ids=[leader.official.pk]))
    incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(number="3"))
    return {r.name if r.agency_id == agency.pk else "other": r for r in Register.objects.all()}


def _listed(user, **params) -> list[tuple[str, int]]:
    response = ApiClient(user).get("/registers", params)
    assert response.status_code == 200
    return [(r["name"], r["next_number"]) for r in response.json()]


@pytest.mark.parametrize("role, expected", [
    ("clerk", [(GENERAL, 2), (SECRET, 2)]),          # named on the secret document they registered
    ("leader", [(GENERAL, 2), (SECRET, 2)]),         # named on it
    ("agency_admin", [(GENERAL, 2), (SECRET, 2)]),   # administers the agency's registers
    ("officer", [(GENERAL, 2)]),
    ("onestop", [(GENERAL, 2)]),
    ("other_clerk", [(f"Sổ văn bản đến năm {YEAR}", 2)]),  # their own agency's register only
])
def test_secret_registers_are_listed_only_to_the_named_and_the_agency_admin(request, registers, role, expected):
    user = request.getfixturevalue(role)
    assert _listed(user) == expected


def test_other_agency_filter_and_secret_scope_reveal_nothing(registers, agency, other_agency, officer, clerk):
    assert _listed(officer, agency=other_agency.pk) == []
    assert _listed(officer, agency=agency.pk) == [(GENERAL, 2)]
    assert _listed(clerk, agency=agency.pk, direction="in") == [(GENERAL, 2), (SECRET, 2)]
    assert _listed(clerk, agency=agency.pk, direction="out") == []


def test_an_officer_named_on_a_secret_document_sees_its_register(registers, agency, clerk, officer):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="4", secrecy=Secrecy.CONFIDENTIAL, access_official_ids=[officer.official.pk]))
    assert _listed(officer) == [(GENERAL, 2), (SECRET, 3)]


def test_naming_counts_only_while_the_position_is_active(registers, agency, leader):
    Membership.objects.filter(official=leader.official).update(active=False)
    assert _listed(leader) == []


def test_agency_admin_of_another_agency_sees_only_its_own_secret_registers(registers, agency, other_agency,
                                                                          other_clerk):
    incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(
        number="5", secrecy=Secrecy.CONFIDENTIAL))
    admin = make_official(other_agency, Role.AGENCY_ADMIN, username="quantri_xa").user
    Membership.objects.create(official=admin.official, agency=agency, role=Role.LEADER)
    assert [(r["agency"]["id"], r["scope"]) for r in ApiClient(admin).get("/registers").json()] == [
        (agency.pk, "general"), (other_agency.pk, "general"), (other_agency.pk, "secret")]
    # A third agency without any position of theirs.
    third = make_agency(name="UBND xã Quế Lộc")
    assert _listed(admin, agency=third.pk) == []
