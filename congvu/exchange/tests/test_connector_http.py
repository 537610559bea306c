"""The connector end to end over HTTP: this test process is both our deployment and the peer (live_server)."""

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from conftest import make_agency
from congvu.audit.models import JournalEntry
from congvu.documents.models import StoredFile
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import connector, services
from congvu.exchange.models import (
    DirectoryEntry,
    ExchangeStatus,
    InboxFile,
    InboxItem,
    Nonce,
    OutboxItem,
    Peer,
    ReceivedPackage,
    StatusSend,
    Transmission,
    TransmissionState,
)
from congvu.exchange.transports import PACKAGES_PATH, http_post, signed_headers

pytestmark = pytest.mark.django_db(transaction=True)

COMMUNE = "UBND xã Quế Trung"
COMMUNE_ID = "000.21.33.H40"
NOTHING = {"sent": 0, "failed": 0, "statuses_sent": 0, "statuses_failed": 0}


@pytest.fixture
def setup(reference_data, live_server, agency, clerk):
    commune = make_agency(name=COMMUNE, identifier=COMMUNE_ID)
    DirectoryEntry.objects.create(identifier=COMMUNE_ID, name=COMMUNE)
    peer = Peer.objects.create(name="tinh", base_url=live_server.url, organ_ids=[agency.identifier, COMMUNE_ID],
                               key_id="k-huyen-tinh", secret="bi-mat-chung-0123456789")
    document = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk, urgency="urgent",
        subject="V/v báo cáo chuyển đổi số", recipient_names=[COMMUNE], pages=1),
        uploads=[pdf_upload("cong-van.pdf", "Bao cao chuyen doi so")])
    services.document_dispatch(actor=clerk, document=document)
    assert OutboxItem.objects.get().recipient_name == COMMUNE
    return {"commune": commune, "peer": peer, "document": document}


def _received(commune):
    return list(InboxItem.objects.filter(agency=commune).values_list("exchange_document_id", "number", "notation",
                                                                      "subject", "urgency", "sender_name"))


def test_sent_once_even_when_run_twice(setup, agency):
    commune, document = setup["commune"], setup["document"]

    # The document, then (the peer being this process) its 01 arrival status back to the sender.
    assert connector.send_pending() == {"sent": 1, "failed": 0, "statuses_sent": 1, "statuses_failed": 0}
    assert connector.send_pending() == NOTHING

    doc_id = f"{agency.identifier},{document.issued_date:%Y/%m/%d},{document.number}/{document.notation}"
    assert _received(commune) == [(doc_id, document.number, document.notation, "V/v báo cáo chuyển đổi số",
                                   "urgent", agency.name)]
    item = InboxItem.objects.get(agency=commune)
    assert list(InboxFile.objects.filter(item=item).values_list("original_name", "file__sha256")) == [
        ("cong-van.pdf", document.attachments.get().file.sha256)]
    assert list(ExchangeStatus.objects.filter(item=item).values_list("code", flat=True)) == ["01"]
    t = Transmission.objects.get()
    assert (t.state, t.attempts, t.organ_id, t.document_id, t.last_error, t.last_status_code,
            t.last_status_description) == (TransmissionState.SENT, 1, COMMUNE_ID, doc_id, "", "01", "Đã đến")
    assert list(StatusSend.objects.values_list("organ_id", "document_id", "state", "status__code")) == [
        (agency.identifier, doc_id, TransmissionState.SENT, "01")]
    assert OutboxItem.objects.get().status == "sent"
    assert list(JournalEntry.objects.filter(action="exchange.sent").values_list("agency_id_ref", "after")) == [
        (agency.pk, {"status": "sent", "recipient": COMMUNE, "organ_id": COMMUNE_ID, "peer": "tinh",
                     "document_id": doc_id})]
    received = ReceivedPackage.objects.get(kind="document")
    assert (received.kind, received.sender_organ_id, received.document_id, received.via) == (
        "document", agency.identifier, doc_id, "peer:tinh")
    assert StoredFile.objects.get(pk=received.raw_id).content_type == "application/xml"


def test_crash_between_send_and_mark_delivers_once(setup, monkeypatch):
    commune = setup["commune"]

    def crash(_transmission):
        raise RuntimeError("killed")

    monkeypatch.setattr(connector, "_after_send", crash)
    with pytest.raises(RuntimeError):
        connector.send_pending()
    t = Transmission.objects.get()
    assert (t.state, t.attempts) == (TransmissionState.PENDING, 1)
    assert t.lease_until > timezone.now()
    assert len(_received(commune)) == 1
    assert OutboxItem.objects.get().status == "waiting"
    # Leased: another run does not send it while the lease holds.
    monkeypatch.undo()
    assert connector.send_pending() == {"sent": 0, "failed": 0, "statuses_sent": 1, "statuses_failed": 0}
    # The lease expires (the worker died): sent again, stored once.
    Transmission.objects.update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert connector.send_pending() == {"sent": 1, "failed": 0, "statuses_sent": 0, "statuses_failed": 0}
    t.refresh_from_db()
    assert (t.state, t.attempts) == (TransmissionState.SENT, 2)
    assert len(_received(commune)) == 1
    assert ReceivedPackage.objects.filter(kind="document").count() == 1
    assert ExchangeStatus.objects.count() == 1


def test_unreachable_peer_is_retried_with_backoff(setup):
    Peer.objects.update(base_url="http://127.0.0.1:9")
    before = timezone.now()
    assert connector.send_pending() == {"sent": 0, "failed": 1, "statuses_sent": 0, "statuses_failed": 0}
    t = Transmission.objects.get()
    assert (t.state, t.attempts, t.lease_until) == (TransmissionState.PENDING, 1, None)
    assert t.last_error.startswith("Không kết nối được tinh")
    assert before + dt.timedelta(seconds=59) < t.next_attempt_at < timezone.now() + dt.timedelta(seconds=61)
    assert connector.send_pending() == NOTHING  # not due yet
    assert InboxItem.objects.filter(agency=setup["commune"]).count() == 0


def _body(agency):
    transmission = Transmission.objects.create(
        outbox_item=OutboxItem.objects.get(), organ_id=COMMUNE_ID, peer=Peer.objects.get(),
        document_id="x", next_attempt_at=timezone.now() + dt.timedelta(days=1))
    return connector.package_bytes(transmission)


def test_replayed_and_forged_requests_are_refused(setup, agency):
    peer = setup["peer"]
    body = _body(agency)
    headers = signed_headers(peer, method="POST", path=PACKAGES_PATH, body=body)
    assert http_post(peer, PACKAGES_PATH, body, headers)[0] == 201
    state = (_received(setup["commune"]), ReceivedPackage.objects.count(), Nonce.objects.count())

    status, answer = http_post(peer, PACKAGES_PATH, body, headers)
    assert (status, json.loads(answer)) == (409, {"error": "Yêu cầu đã được gửi trước đó (nonce lặp lại)."})

    forged = signed_headers(peer, method="POST", path=PACKAGES_PATH, body=body)
    forged["X-Congvu-Signature"] = forged["X-Congvu-Signature"][::-1]
    status, answer = http_post(peer, PACKAGES_PATH, body, forged)
    assert (status, json.loads(answer)) == (401, {"error": "Chữ ký yêu cầu không đúng."})

    tampered = signed_headers(peer, method="POST", path=PACKAGES_PATH, body=body)
    assert http_post(peer, PACKAGES_PATH, body + b" ", tampered)[0] == 401

    old = signed_headers(peer, method="POST", path=PACKAGES_PATH, body=body, timestamp=int(time.time()) - 301)
    status, answer = http_post(peer, PACKAGES_PATH, body, old)
    assert (status, json.loads(answer)) == (401, {"error": "Yêu cầu quá cũ hoặc sai giờ (quá 5 phút)."})

    assert (_received(setup["commune"]), ReceivedPackage.objects.count(), Nonce.objects.count()) == state


def test_sender_not_served_by_peer_and_garbage_are_refused(setup, agency):
    peer = setup["peer"]
    body = _body(agency)
    Peer.objects.update(organ_ids=[COMMUNE_ID])
    peer.refresh_from_db()
    status, answer = http_post(peer, PACKAGES_PATH, body)
    assert (status, json.loads(answer)) == (
        422, {"error": f"Hệ thống tinh không được gửi thay cơ quan {agency.identifier}."})
    status, answer = http_post(peer, PACKAGES_PATH, b"<not-edxml/>")
    assert status == 422 and json.loads(answer)["error"].startswith("Gói edXML không hợp lệ")
    assert (InboxItem.objects.filter(agency=setup["commune"]).count(), ReceivedPackage.objects.count()) == (0, 0)


def test_a_package_over_the_form_size_limit_is_read(setup):
    peer = setup["peer"]
    body = b"<edXML>" + b"A" * (11 * 1024 * 1024)
    status, answer = http_post(peer, PACKAGES_PATH, body)
    assert status == 422 and json.loads(answer)["error"].startswith("Gói edXML không hợp lệ")
    assert ReceivedPackage.objects.count() == 0
