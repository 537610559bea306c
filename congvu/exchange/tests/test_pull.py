"""Hub-style pull (docs/decisions/0019) over live_server: this test process is both the system that keeps a mailbox
for a peer and the peer that fetches from it, through one Peer row (transport pull, fetch set)."""

import datetime as dt
import io
import json
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_agency
from congvu.audit.models import JournalEntry
from congvu.core.errors import ValidationFailed
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import connector, pull, services, transports
from congvu.exchange.models import (
    DirectoryEntry,
    ExchangeStatus,
    InboxItem,
    Nonce,
    OutboxItem,
    Peer,
    PeerTransport,
    PullPackage,
    ReceivedPackage,
    Transmission,
    TransmissionState,
)
from congvu.exchange.transports import PACKAGES_PATH, http_get, http_json, signed_headers

pytestmark = pytest.mark.django_db(transaction=True)

COMMUNE = "UBND xã Quế Trung"
COMMUNE_ID = "000.21.33.H40"
NOTHING = {"peers": 1, "received": 0, "refused": 0, "errors": 0}


@pytest.fixture
def setup(reference_data, live_server, agency, clerk):
    commune = make_agency(name=COMMUNE, identifier=COMMUNE_ID)
    DirectoryEntry.objects.create(identifier=COMMUNE_ID, name=COMMUNE)
    peer = Peer.objects.create(name="tinh", transport=PeerTransport.PULL, fetch=True, base_url=live_server.url,
                               organ_ids=[agency.identifier, COMMUNE_ID], key_id="k-huyen-tinh",
                               secret="bi-mat-chung-0123456789")
    document = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk,
        subject="V/v báo cáo chuyển đổi số", recipient_names=[COMMUNE], pages=1),
        uploads=[pdf_upload("cong-van.pdf", "Bao cao chuyen doi so")])
    services.document_dispatch(actor=clerk, document=document)
    return {"commune": commune, "peer": peer, "document": document}


def _waiting():
    return list(PullPackage.objects.filter(fetched_at__isnull=True, error="").values_list("name", flat=True))


def test_packages_wait_until_fetched_then_statuses_come_back_the_same_way(setup, agency):
    commune = setup["commune"]
    # Sending to a peer that pulls puts the package in its mailbox: nothing is called, nothing arrives yet.
    assert connector.send_pending() == {"sent": 1, "failed": 0, "statuses_sent": 0, "statuses_failed": 0}
    t = Transmission.objects.get()
    assert (t.state, t.attempts) == (TransmissionState.SENT, 1)
    [queued] = PullPackage.objects.all()
    assert (queued.peer_id, queued.fetched_at, queued.error, queued.listed) == (setup["peer"].pk, None, "", 0)
    assert InboxItem.objects.filter(agency=commune).count() == 0

    # The peer fetches it (GET, signed), receives it and acknowledges it.
    assert pull.fetch_all() == NOTHING | {"received": 1}
    item = InboxItem.objects.get(agency=commune)
    assert item.exchange_document_id == t.document_id
    queued.refresh_from_db()
    assert (queued.fetched_at is not None, queued.error, queued.listed) == (True, "", 1)
    assert list(JournalEntry.objects.filter(action="exchange.pull_ack").values_list("after", flat=True)) == [
        {"peer": "tinh", "name": queued.name, "received": True, "error": ""}]
    assert ReceivedPackage.objects.get(kind="document").via == "pull:tinh"

    # The 01 of the arrival goes back through the same mailbox (the sender's peer is the same pull peer here).
    assert connector.send_pending() == {"sent": 0, "failed": 0, "statuses_sent": 1, "statuses_failed": 0}
    assert pull.fetch_all() == NOTHING | {"received": 1}
    t.refresh_from_db()
    assert (t.last_status_code, t.last_status_description) == ("01", "Đã đến")
    assert _waiting() == []
    assert pull.fetch_all() == NOTHING
    assert ExchangeStatus.objects.filter(item=item).count() == 1


def test_a_crash_between_receiving_and_acknowledging_stores_once(setup, monkeypatch):
    commune = setup["commune"]
    connector.send_pending()

    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(pull, "_ack", crash)
    with pytest.raises(RuntimeError):
        pull.fetch_all()
    # Received and committed, but the mailbox still holds it.
    assert InboxItem.objects.filter(agency=commune).count() == 1
    assert len(_waiting()) == 1
    monkeypatch.undo()
    assert pull.fetch_all() == NOTHING | {"received": 1}  # fetched again: a duplicate, acknowledged
    assert InboxItem.objects.filter(agency=commune).count() == 1
    assert ReceivedPackage.objects.filter(kind="document").count() == 1
    assert _waiting() == []


def test_a_resend_after_a_crash_is_queued_once(setup):
    peer = setup["peer"]
    first = transports.queue_for_pull(peer, b"<a/>", "same-name")
    again = transports.queue_for_pull(peer, b"<a/>", "same-name")
    assert first.pk == again.pk and PullPackage.objects.count() == 1


def test_a_refused_package_is_acknowledged_with_the_reason_and_not_offered_again(setup):
    peer = setup["peer"]
    junk = transports.queue_for_pull(peer, b"<not-edxml/>", "junk")
    assert pull.fetch_all() == NOTHING | {"refused": 1}
    junk.refresh_from_db()
    assert junk.fetched_at is None and junk.error.startswith("Gói edXML không hợp lệ")
    assert pull.fetch_all() == NOTHING
    assert InboxItem.objects.count() == 0


def test_ack_is_idempotent_and_only_for_the_peer_it_waits_for(setup):
    peer = setup["peer"]
    row = transports.queue_for_pull(peer, b"<a/>", "one")
    path = f"{PACKAGES_PATH}/{row.pk}/ack"
    first = http_json(peer, "POST", path, {})
    assert first == {"id": row.pk, "state": "received", "error": ""}
    fetched_at = PullPackage.objects.get(pk=row.pk).fetched_at
    assert http_json(peer, "POST", path, {"error": "muộn"}) == first  # a second ack changes nothing
    assert PullPackage.objects.get(pk=row.pk).fetched_at == fetched_at
    assert JournalEntry.objects.filter(action="exchange.pull_ack").count() == 1

    other = Peer.objects.create(name="khac", transport=PeerTransport.PULL, base_url=peer.base_url,
                                organ_ids=["000.99.33.H40"], key_id="k-khac", secret="bi-mat-khac-0123456789")
    theirs = transports.queue_for_pull(other, b"<b/>", "theirs")
    with pytest.raises(transports.TransportError, match=f"tinh trả lời 404.*Không có gói số {theirs.pk} chờ tinh"):
        http_json(peer, "POST", f"{PACKAGES_PATH}/{theirs.pk}/ack", {})
    assert PullPackage.objects.get(pk=theirs.pk).fetched_at is None
    with pytest.raises(transports.TransportError, match="400"):
        http_json(peer, "POST", f"{PACKAGES_PATH}/{theirs.pk}/ack", {"error": 5})


def test_the_list_pages_with_its_cursor(setup):
    peer = setup["peer"]
    rows = [transports.queue_for_pull(peer, f"<p{i}/>".encode(), f"p{i}") for i in range(12)]
    page = http_json(peer, "GET", f"{PACKAGES_PATH}?after=0")
    assert [p["id"] for p in page["packages"]] == [r.pk for r in rows[:10]]
    assert (page["next"], page["packages"][0]["name"], page["packages"][0]["size"]) == (rows[9].pk, "p0", 5)
    page = http_json(peer, "GET", f"{PACKAGES_PATH}?after={page['next']}&limit=5")
    assert [p["id"] for p in page["packages"]] == [r.pk for r in rows[10:]]
    assert http_json(peer, "GET", f"{PACKAGES_PATH}?after={rows[-1].pk}") == {"packages": [], "next": rows[-1].pk}
    with pytest.raises(transports.TransportError, match="400"):
        http_json(peer, "GET", f"{PACKAGES_PATH}?limit=0")


def test_replayed_forged_and_tampered_fetches_are_refused(setup):
    peer = setup["peer"]
    transports.queue_for_pull(peer, b"<a/>", "one")
    path = f"{PACKAGES_PATH}?after=0"
    headers = signed_headers(peer, method="GET", path=path, body=b"")
    assert http_get(peer, path, headers)[0] == 200
    state = (list(PullPackage.objects.values_list("listed", "fetched_at")), Nonce.objects.count())

    status, answer = http_get(peer, path, headers)
    assert (status, json.loads(answer)) == (409, {"error": "Yêu cầu đã được gửi trước đó (nonce lặp lại)."})
    forged = signed_headers(peer, method="GET", path=path, body=b"")
    forged["X-Congvu-Signature"] = forged["X-Congvu-Signature"][::-1]
    status, answer = http_get(peer, path, forged)
    assert (status, json.loads(answer)) == (401, {"error": "Chữ ký yêu cầu không đúng."})
    # The cursor is signed: the same headers on another query are refused.
    moved = signed_headers(peer, method="GET", path=path, body=b"")
    assert http_get(peer, f"{PACKAGES_PATH}?after=1", moved)[0] == 401
    # A POST signature does not open a GET.
    posted = signed_headers(peer, method="POST", path=path, body=b"")
    assert http_get(peer, path, posted)[0] == 401
    old = signed_headers(peer, method="GET", path=path, body=b"", timestamp=int(time.time()) - 301)
    status, answer = http_get(peer, path, old)
    assert (status, json.loads(answer)) == (401, {"error": "Yêu cầu quá cũ hoặc sai giờ (quá 5 phút)."})
    unknown = signed_headers(peer, method="GET", path=path, body=b"")
    unknown["X-Congvu-Key"] = "k-khong-co"
    assert http_get(peer, path, unknown)[0] == 401

    assert (list(PullPackage.objects.values_list("listed", "fetched_at")), Nonce.objects.count()) == state


def test_an_unreachable_peer_is_counted_and_the_others_go_on(setup, agency):
    Peer.objects.create(name="mat-ket-noi", fetch=True, base_url="http://127.0.0.1:9", organ_ids=["000.98.33.H40"],
                        key_id="k-mat", secret="bi-mat-mat-0123456789")
    connector.send_pending()
    assert pull.fetch_all() == {"peers": 2, "received": 1, "refused": 0, "errors": 1}
    assert InboxItem.objects.filter(agency=setup["commune"]).count() == 1


def test_receiving_refused_by_the_connector_is_not_a_transport_error(setup, monkeypatch):
    connector.send_pending()

    def refuse(data, **kwargs):
        raise ValidationFailed("Không có nơi nhận nào của gói thuộc hệ thống này (nơi nhận: X).")

    monkeypatch.setattr(connector, "receive", refuse)
    assert pull.fetch_all() == NOTHING | {"refused": 1}
    assert PullPackage.objects.get().error == "Không có nơi nhận nào của gói thuộc hệ thống này (nơi nhận: X)."


def test_commands_declare_pull_and_fetch_peers_and_run_reports_the_fetch(setup, agency):
    out = io.StringIO()
    call_command("exchange", "peer-set", "trung-tam", "--pull", "--organ-ids", "000.97.33.H40", "--key-id", "k-tt",
                 "--secret", "bi-mat-tt-0123456789", stdout=out)
    call_command("exchange", "peer-set", "tinh", "--url", setup["peer"].base_url, "--fetch", "--pull",
                 "--organ-ids", f"{agency.identifier},{COMMUNE_ID}", "--key-id", "k-huyen-tinh",
                 "--secret", "bi-mat-chung-0123456789", stdout=out)
    assert Peer.objects.get(name="trung-tam").transport == PeerTransport.PULL
    listing = io.StringIO()
    call_command("exchange", "peers", stdout=listing)
    assert listing.getvalue().splitlines() == [
        f"tinh\tpull+fetch\t{setup['peer'].base_url}\t{agency.identifier},{COMMUNE_ID}\tk-huyen-tinh\thoạt động",
        "trung-tam\tpull\t\t000.97.33.H40\tk-tt\thoạt động"]
    run = io.StringIO()
    call_command("exchange", "run", stdout=run)  # queued for the peer, which is us: fetched in the next run
    assert run.getvalue().splitlines() == ["Đã gửi 1 gói, 0 gói lỗi (sẽ thử lại).", "Đã lấy về 0 gói, từ chối 0 gói."]
    run = io.StringIO()
    call_command("exchange", "run", stdout=run)  # fetched, and its 01 queued back in the same run
    assert run.getvalue().splitlines() == ["Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại).",
                                           "Đã gửi 1 gói trạng thái, 0 gói lỗi.", "Đã lấy về 1 gói, từ chối 0 gói."]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Lấy gói từ hệ thống này cần địa chỉ HTTP\\(S\\) của nó."):
        call_command("exchange", "peer-set", "x", "--fetch", "--pull", "--organ-ids", "000.96.33.H40",
                     "--key-id", "k-x")
    assert not Peer.objects.filter(name="x").exists()
    assert OutboxItem.objects.get().status == "sent"
    assert Transmission.objects.get().sent_at > timezone.now() - dt.timedelta(minutes=5)
