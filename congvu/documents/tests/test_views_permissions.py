"""The permission matrix for pages and downloads: each role × own agency / other agency / secret document.

Forbidden reads answer 404 (a document one may not see does not exist for them) or 403 (a page the role
may not use); forbidden writes answer 403 and leave every table as it was.
"""

import pytest
from django.urls import reverse

from congvu.audit.models import JournalEntry
from congvu.documents.models import Attachment, Document, Register, Secrecy, StoredFile
from congvu.documents.services import incoming_register, scoped_request_token
from congvu.documents.tests.factories import incoming_data, pdf_upload
from congvu.org.models import Agency, Department

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The fixtures create one login per role; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ROLES = ["clerk", "leader", "officer", "onestop", "agency_admin"]

# Who sees which document on the detail page and its downloads (200) — everyone else gets 404.
CAN_SEE = {
    "own": {"clerk", "leader", "agency_admin"},  # officers see only what is addressed to them
    "own_addressed": {"clerk", "leader", "agency_admin", "officer"},  # addressed to the officer's department
    "other": set(),
    "secret": {"clerk"},  # only the people named on it: the clerk who registered it
}
CAN_REGISTER = {"clerk", "agency_admin"}
CAN_MANAGE = {"agency_admin"}


@pytest.fixture
def world(agency, other_agency, clerk, leader, officer, onestop, agency_admin, other_clerk):
    users = {"clerk": clerk, "leader": leader, "officer": officer, "onestop": onestop, "agency_admin": agency_admin}
    nv = agency.departments.get(code="NV")
    docs = {
        "own": incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"), uploads=[pdf_upload()]),
        "own_addressed": incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number="2", receiving_department_id=nv.pk), uploads=[pdf_upload(text="Gui phong noi vu")]),
        "other": incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(number="3"),
                                   uploads=[pdf_upload(text="Van ban cua xa")]),
        "secret": incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number="4", secrecy=Secrecy.SECRET), uploads=[pdf_upload(text="Van ban mat")]),
    }
    return users, docs


def _state():
    """Everything a forbidden request must leave untouched."""
    return (
        Document.objects.count(), StoredFile.objects.count(), Attachment.objects.count(),
        list(Register.objects.order_by("pk").values_list("pk", "next_number", "closed")),
        JournalEntry.objects.count(),
        list(Agency.objects.order_by("pk").values_list("pk", "separate_numbering_types")),
        list(Department.objects.order_by("pk").values_list("pk", "name", "code", "active")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["own", "own_addressed", "other", "secret"])
def test_detail_and_downloads(client, world, role, which):
    users, docs = world
    doc = docs[which]
    attachment = doc.attachments.get()
    client.force_login(users[role])
    before = _state()
    urls = [
        reverse("documents:detail", args=[doc.pk]),
        reverse("documents:attachment", args=[doc.pk, attachment.pk]),
        reverse("documents:attachment", args=[doc.pk, attachment.pk]) + "?inline=1",
    ]
    expected = 200 if role in CAN_SEE[which] else 404
    assert [client.get(u).status_code for u in urls] == [expected] * 3
    if expected == 404 or not doc.is_secret:
        assert _state() == before  # nothing journaled for refused or ordinary reads
    else:
        assert JournalEntry.objects.count() == before[4] + 3  # view, download, inline view


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_only_visible_documents(client, world, role):
    users, docs = world
    client.force_login(users[role])
    response = client.get(reverse("documents:incoming_list"))
    assert response.status_code == 200
    shown = {d.pk for d in response.context["page"].items}
    assert shown == {docs[w].pk for w in docs if role in CAN_SEE[w]}


@pytest.mark.parametrize("role", ROLES)
def test_search_shows_only_visible_documents(client, world, role):
    users, docs = world
    client.force_login(users[role])
    response = client.get(reverse("documents:search"), {"q": "giao chi tieu"})
    assert response.status_code == 200
    shown = {d.pk for d in response.context["page"].items}
    assert shown == {docs[w].pk for w in docs if role in CAN_SEE[w]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("direction", ["incoming", "outgoing"])
def test_registration_pages(client, world, role, direction):
    users, _ = world
    client.force_login(users[role])
    url = reverse(f"documents:{direction}_new")
    before = _state()
    post = {"request_token": f"perm-{role}-{direction}", "doc_type": "quyet_dinh", "number_notation": "9/QĐ-UBND",
            "issued_date": "01/01/2026", "issuer": "Sở Nội vụ", "subject": "Về việc thử quyền",
            "signer": "A", "recipient_names": "Sở Nội vụ"}
    if role in CAN_REGISTER:
        assert client.get(url).status_code == 200
    else:
        assert client.get(url).status_code == 403
        assert client.post(url, post).status_code == 403
        assert _state() == before


@pytest.mark.parametrize("role", ROLES)
def test_register_admin_pages(client, world, role):
    users, docs = world
    agency = docs["own"].agency
    register = docs["own"].register
    client.force_login(users[role])
    before = _state()
    page = reverse("documents:registers", args=[agency.pk])
    toggle = reverse("documents:register_toggle", args=[agency.pk, register.pk])
    if role in CAN_MANAGE:
        assert client.get(page).status_code == 200
        assert client.post(page, {"separate_types": ["quyet_dinh"]}).status_code == 302
        assert client.post(toggle, {"closed": "1"}).status_code == 302
        agency.refresh_from_db()
        register.refresh_from_db()
        assert agency.separate_numbering_types == ["quyet_dinh"] and register.closed is True
        assert list(JournalEntry.objects.order_by("-pk").values_list("action", flat=True)[:2]) == [
            "register.close", "agency.numbering_update"]
    else:
        assert client.get(page).status_code == 403
        assert client.post(page, {"separate_types": ["quyet_dinh"]}).status_code == 403
        assert client.post(toggle, {"closed": "1"}).status_code == 403
        assert _state() == before


def test_admin_of_one_agency_cannot_manage_another(client, world, other_agency, agency_admin):
    _, docs = world
    other_register = docs["other"].register
    client.force_login(agency_admin)
    before = _state()
    assert client.get(reverse("documents:registers", args=[other_agency.pk])).status_code == 403
    assert client.post(reverse("documents:register_toggle", args=[other_agency.pk, other_register.pk]),
                       {"closed": "1"}).status_code == 403
    own = docs["own"].agency
    # Another agency's register reached through one's own agency URL is not found, and stays open.
    assert client.post(reverse("documents:register_toggle", args=[own.pk, other_register.pk]),
                       {"closed": "1"}).status_code == 404
    assert _state() == before


def test_clerk_of_another_agency_registers_only_into_their_own(client, world, agency, other_agency, other_clerk):
    client.force_login(other_clerk)
    session = client.session
    session["agency_id"] = agency.pk  # a forged session value is reset by the middleware
    session.save()
    response = client.post(reverse("documents:incoming_new"), {
        "request_token": "forged", "doc_type": "quyet_dinh", "number_notation": "7/QĐ-UBND",
        "issued_date": "02/01/2026", "issuer": "Sở Nội vụ", "subject": "Về việc thử"})
    assert response.status_code == 302
    # Request tokens are stored bound to their user (services.scoped_request_token).
    assert Document.objects.get(request_token=scoped_request_token(other_clerk, "forged")).agency == other_agency
