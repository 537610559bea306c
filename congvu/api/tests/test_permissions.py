"""The API half of the permission matrix: each role × own agency / other agency / secret document, for
list, detail, create, update and download. Allowed requests do what they should; forbidden ones answer
403 or 404 and change nothing (documents, registers' counters, journal rows)."""

import pytest

from congvu.api.tests.conftest import ApiClient, state_snapshot
from congvu.documents.models import Document, Secrecy
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload

pytestmark = pytest.mark.django_db

ROLES = ["clerk", "leader", "officer", "onestop", "agency_admin"]
TARGETS = ["own", "other", "secret"]

# Who sees what (documents.selectors.visible_documents): the secret document names the clerk who
# registered it and the leader; the agency admin sees ordinary documents but is not named on the secret
# one; officers see only what is addressed to them; one-stop staff see no correspondence.
VISIBLE = {
    "clerk": {"own", "secret"},
    "leader": {"own", "secret"},
    "officer": set(),
    "onestop": set(),
    "agency_admin": {"own"},
}
CAN_REGISTER = {"clerk", "agency_admin"}


@pytest.fixture
def world(request, agency, other_agency, clerk, leader, officer, onestop, agency_admin, other_clerk):
    """Three documents, each with a PDF: one of the user's agency, one of another agency, one secret."""
    docs = {
        "own": incoming_register(actor=clerk, agency=agency, uploads=[pdf_upload("own.pdf", "own")],
                                 data=incoming_data(number="1", subject="Kế hoạch phòng chống thiên tai")),
        "other": incoming_register(actor=other_clerk, agency=other_agency, uploads=[pdf_upload("o.pdf", "other")],
                                   data=incoming_data(number="2", subject="Kế hoạch của xã Quế Phước")),
        "secret": incoming_register(
            actor=clerk, agency=agency, uploads=[pdf_upload("mat.pdf", "secret")],
            data=incoming_data(number="3", subject="Kế hoạch bảo vệ bí mật nhà nước", secrecy=Secrecy.SECRET,
                               access_official_ids=[leader.official.pk])),
    }
    users = {role: request.getfixturevalue(role) for role in ROLES}
    clients = {role: ApiClient(user) for role, user in users.items()}
    return {"docs": docs, "clients": clients, "agency": agency, "other_agency": other_agency}


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_the_visible_documents(world, role):
    client = world["clients"][role]
    expected = sorted(world["docs"][t].pk for t in VISIBLE[role])
    before = state_snapshot()
    listed = client.get("/documents").json()["items"]
    searched = client.get("/documents", {"q": "ke hoach"}).json()["items"]
    assert sorted(d["id"] for d in listed) == expected
    assert sorted(d["id"] for d in searched) == expected
    assert state_snapshot() == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_detail(world, role, target):
    doc = world["docs"][target]
    client = world["clients"][role]
    before = state_snapshot()
    response = client.get(f"/documents/{doc.pk}")
    attachments = client.get(f"/documents/{doc.pk}/attachments")
    if target in VISIBLE[role]:
        assert (response.status_code, attachments.status_code) == (200, 200)
        assert response.json()["subject"] == doc.subject
        # Opening a secret document adds one journal row; nothing else changes.
        expected = before | {"journal": before["journal"] + (1 if target == "secret" else 0)}
        assert state_snapshot() == expected
    else:
        assert (response.status_code, attachments.status_code) == (404, 404)
        assert response.json() == {"code": "not_found", "fields": {},
                                   "message": "Không tìm thấy văn bản hoặc bạn không có quyền xem."}
        assert state_snapshot() == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_download(world, role, target):
    doc = world["docs"][target]
    attachment = doc.attachments.get()
    client = world["clients"][role]
    before = state_snapshot()
    response = client.get(f"/documents/{doc.pk}/attachments/{attachment.pk}/content")
    if target in VISIBLE[role]:
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        expected = before | {"journal": before["journal"] + (1 if target == "secret" else 0)}
        assert state_snapshot() == expected
    else:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert state_snapshot() == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_update(world, role, target):
    doc = world["docs"][target]
    client = world["clients"][role]
    before = state_snapshot()
    response = client.patch(f"/documents/{doc.pk}", {"notes": "Đã chuyển lãnh đạo", "urgency": "flash"})
    if target in VISIBLE[role] and role in CAN_REGISTER:
        assert response.status_code == 200, response.content
        doc.refresh_from_db()
        assert (doc.notes, doc.urgency) == ("Đã chuyển lãnh đạo", "flash")
        assert state_snapshot()["journal"] == before["journal"] + 1
        assert state_snapshot()["registers"] == before["registers"]
        return
    if target in VISIBLE[role]:
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    else:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert state_snapshot() == before


@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("direction", ["incoming", "outgoing"])
@pytest.mark.parametrize("role", ROLES)
def test_create(world, role, where, direction):
    agency = world["agency"] if where == "own" else world["other_agency"]
    client = world["clients"][role]
    body = {
        "incoming": {"agency": agency.pk, "issuer": "Bộ Nội vụ", "number": "77", "notation": "BNV-VP",
                     "issued_date": "2026-01-02", "doc_type": "cong_van", "subject": "Về việc thống kê"},
        "outgoing": {"agency": agency.pk, "doc_type": "thong_bao", "subject": "Thông báo lịch họp",
                     "signer": "Nguyễn Văn An", "recipient_names": ["Các phòng"]},
    }[direction]
    before = state_snapshot()
    response = client.post_multipart(f"/documents/{direction}", body, [pdf_upload("x.pdf", "new")])
    if where == "own" and role in CAN_REGISTER:
        assert response.status_code == 201, response.content
        doc = Document.objects.get(pk=response.json()["id"])
        assert (doc.agency, doc.created_by.username) == (agency, client.client.get("/api/v1/me").json()["username"])
        assert Document.objects.count() == len(before["documents"]) + 1
        return
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert state_snapshot() == before


def test_officer_sees_what_is_addressed_to_their_department(world, agency, clerk):
    dept = agency.departments.get(code="NV")
    addressed = incoming_register(actor=clerk, agency=agency,
                                  data=incoming_data(number="9", receiving_department_id=dept.pk))
    client = world["clients"]["officer"]
    assert [d["id"] for d in client.get("/documents").json()["items"]] == [addressed.pk]
    assert client.get(f"/documents/{addressed.pk}").status_code == 200
    # Seeing is not registering: an officer cannot correct it.
    response = client.patch(f"/documents/{addressed.pk}", {"notes": "x"})
    assert response.status_code == 403


def test_filter_by_other_agency_reveals_nothing(world):
    client = world["clients"]["clerk"]
    other = world["other_agency"]
    assert client.get("/documents", {"agency": other.pk}).json()["items"] == []
    assert client.get("/documents", {"register": world["docs"]["other"].register_id}).json()["items"] == []
    assert client.get("/registers", {"agency": other.pk}).json() == []
