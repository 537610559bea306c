"""GET /api/v1/documents/{id}/external-deliveries: the external recipients of an outgoing document and their
transmission to another system, as the sender's status page shows them (same selector, same visibility)."""

import datetime as dt

import pytest
from django.utils import timezone

from congvu.api.tests.conftest import ApiClient
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange.models import OutboxItem, Peer, PeerTransport, Transmission, TransmissionState

pytestmark = pytest.mark.django_db

EXTERNAL = "Sở Nội vụ tỉnh Quảng Nam"


@pytest.fixture
def document(agency, other_agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("cv.pdf", "Cong van")],
                            data=outgoing_data(doc_type="cong_van", subject="V/v họp giao ban",
                                               drafting_department_id=agency.departments.get(code="VP").pk,
                                               recipient_agency_ids=[other_agency.pk], recipient_names=[EXTERNAL]))
    services.document_dispatch(actor=clerk, document=doc)
    return doc


def _transmission() -> Transmission:
    peer = Peer.objects.create(name="tinh", transport=PeerTransport.FOLDER, folder="/srv/trao-doi",
                               organ_ids=["000.00.00.H49"], key_id="k-api", secret="bi-mat-chung-0123456789")
    return Transmission.objects.create(outbox_item=OutboxItem.objects.get(), organ_id="000.00.00.H49", peer=peer,
                                       document_id="doc-1", next_attempt_at=timezone.now())


def at(hour, minute):
    return timezone.make_aware(dt.datetime(2026, 11, 27, hour, minute))


def test_external_recipient_through_its_transmission(clerk, leader, document):
    api = ApiClient(clerk)
    url = f"/documents/{document.pk}/external-deliveries"
    outbox = OutboxItem.objects.get()

    # Not planned yet: only the outbox row (the internal recipient is not listed here).
    r = api.get(url)
    assert r.status_code == 200, r.json()
    assert r.json() == [{"outbox_item_id": outbox.pk, "name": EXTERNAL, "status": "waiting", "organ_id": None,
                         "transport": None, "state": None, "attempts": 0, "sent_at": None, "next_attempt_at": None,
                         "last_error": "", "last_status": None}]

    # A failed attempt: waiting again, next try and the error.
    t = _transmission()
    Transmission.objects.filter(pk=t.pk).update(attempts=1, next_attempt_at=at(9, 30),
                                                last_error="Không kết nối được tinh: Connection refused")
    [row] = api.get(url).json()
    assert (row["organ_id"], row["transport"], row["state"], row["attempts"], row["last_error"], row["last_status"]) \
        == ("000.00.00.H49", "folder", "pending", 1, "Không kết nối được tinh: Connection refused", None)
    assert dt.datetime.fromisoformat(row["next_attempt_at"]) == at(9, 30)

    # Sent, and the other system reported 03: no next try, no stale error; the leader sees it too.
    Transmission.objects.filter(pk=t.pk).update(state=TransmissionState.SENT, attempts=2, sent_at=at(9, 31),
                                                last_status_code="03", last_status_description="Đã vào sổ",
                                                last_status_at=at(10, 5))
    [row] = ApiClient(leader).get(url).json()
    assert (row["state"], row["attempts"], row["next_attempt_at"], row["last_error"]) == ("sent", 2, None, "")
    assert dt.datetime.fromisoformat(row["sent_at"]) == at(9, 31)
    assert (row["last_status"]["code"], row["last_status"]["description"]) == ("03", "Đã vào sổ")
    assert dt.datetime.fromisoformat(row["last_status"]["at"]) == at(10, 5)

    # Failed for good: the error stays, no next try.
    Transmission.objects.filter(pk=t.pk).update(state=TransmissionState.FAILED, sent_at=None, attempts=10,
                                                last_error="Hệ thống nhận từ chối gói tin",
                                                last_status_code="", last_status_at=None)
    [row] = api.get(url).json()
    assert (row["state"], row["attempts"], row["next_attempt_at"], row["last_error"], row["last_status"]) == (
        "failed", 10, None, "Hệ thống nhận từ chối gói tin", None)


def test_only_those_who_see_the_outgoing_document(other_clerk, document):
    _transmission()
    before = list(Transmission.objects.values_list("state", "attempts", "last_error"))
    r = ApiClient(other_clerk).get(f"/documents/{document.pk}/external-deliveries")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert "Transmission" not in r.text and EXTERNAL not in r.text
    assert ApiClient(other_clerk).get("/documents/999999/external-deliveries").status_code == 404
    assert ApiClient().get(f"/documents/{document.pk}/external-deliveries").status_code == 401
    assert list(Transmission.objects.values_list("state", "attempts", "last_error")) == before
