"""The connector through a drop folder, status packages, and `congvu exchange run`."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_agency
from congvu.core.errors import ValidationFailed
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import connector, services
from congvu.exchange.edxml import Organ, Package, ResponseFor, Status, build_package
from congvu.exchange.models import (
    DirectoryEntry,
    ExchangeStatus,
    InboxItem,
    OutboxItem,
    Peer,
    PeerTransport,
    ReceivedPackage,
    StatusSend,
    Transmission,
    TransmissionState,
)

pytestmark = pytest.mark.django_db

COMMUNE = "UBND xã Quế Trung"
COMMUNE_ID = "000.21.33.H40"


@pytest.fixture
def setup(tmp_path, agency, clerk):
    commune = make_agency(name=COMMUNE, identifier=COMMUNE_ID)
    DirectoryEntry.objects.create(identifier=COMMUNE_ID, name=COMMUNE)
    peer = Peer.objects.create(name="xa", transport=PeerTransport.FOLDER, folder=str(tmp_path),
                               organ_ids=[COMMUNE_ID], key_id="k-xa", secret="s")
    document = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk,
        subject="V/v báo cáo chuyển đổi số", recipient_names=[COMMUNE], pages=1),
        uploads=[pdf_upload("cong-van.pdf", "Bao cao chuyen doi so")])
    services.document_dispatch(actor=clerk, document=document)
    return {"commune": commune, "peer": peer, "document": document, "folder": tmp_path}


def test_drop_folder_out_and_in(setup, agency):
    folder, commune = setup["folder"], setup["commune"]
    out = io.StringIO()
    call_command("exchange", "run", stdout=out)
    assert out.getvalue() == "Đã gửi 1 gói, 0 gói lỗi (sẽ thử lại).\n"
    written = list((folder / "xa" / "outbox").glob("*.edxml"))
    assert len(written) == 1 and Transmission.objects.get().state == TransmissionState.SENT
    # Manual transfer: the file is carried to the receiving side's inbox (here: the same deployment).
    (folder / "inbox").mkdir()
    (folder / "inbox" / "a.edxml").write_bytes(written[0].read_bytes())
    (folder / "inbox" / "b.edxml").write_bytes(written[0].read_bytes())  # the same package twice
    (folder / "inbox" / "c.edxml").write_bytes(b"<edXML><broken")
    out = io.StringIO()
    call_command("exchange", "run", "--folder", str(folder), stdout=out)
    assert out.getvalue() == "Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại).\nĐã nhận 2 gói, từ chối 1 gói.\n"
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["a.edxml", "b.edxml"]
    assert sorted(p.name for p in (folder / "rejected").iterdir()) == ["c.edxml", "c.edxml.txt"]
    assert (folder / "rejected" / "c.edxml.txt").read_text(encoding="utf-8").startswith("Gói edXML không hợp lệ")
    assert list((folder / "inbox").iterdir()) == []
    item = InboxItem.objects.get(agency=commune)
    assert (item.subject, item.sender_name, item.files.count()) == ("V/v báo cáo chuyển đổi số", agency.name, 1)
    assert ReceivedPackage.objects.filter(kind="document").count() == 1
    # Its 01 is queued back to the sender, whom no peer serves here: recorded as an error, retried later.
    send = StatusSend.objects.get()
    assert (send.organ_id, send.status.code, send.state) == (agency.identifier, "01", TransmissionState.PENDING)
    assert connector.send_pending()["statuses_failed"] == 1
    send.refresh_from_db()
    assert send.last_error == f"Không có hệ thống liên thông nào phục vụ mã {agency.identifier}."


def _status(sender_id, document_id, code="03"):
    out = io.BytesIO()
    build_package(Package(kind="status", sender=Organ(organ_id=sender_id, name=COMMUNE),
                          response_for=(ResponseFor(organ_id="000.00.00.H40", document_id=document_id),),
                          status=Status(code=code, description="Đã vào sổ văn bản đến",
                                        timestamp=dt.datetime(2026, 1, 5, 8, 30))), out)
    return out.getvalue()


def test_status_updates_our_transmission(setup):
    connector.send_pending()
    t = Transmission.objects.get()
    result = connector.receive(_status(COMMUNE_ID, t.document_id), via="test")
    assert (result.kind, result.document_id) == ("status", t.document_id)
    t.refresh_from_db()
    assert (t.last_status_code, t.last_status_description, timezone.localtime(t.last_status_at).replace(tzinfo=None)) \
        == ("03", "Đã vào sổ văn bản đến", dt.datetime(2026, 1, 5, 8, 30))


def test_status_for_a_document_never_sent_is_refused(setup):
    connector.send_pending()
    before = (list(Transmission.objects.values()), ReceivedPackage.objects.count(), ExchangeStatus.objects.count())
    with pytest.raises(ValidationFailed) as err:
        connector.receive(_status(COMMUNE_ID, f"{COMMUNE_ID},2026/01/01,9/UBND"), via="test")
    assert err.value.message == (f"Trạng thái cho văn bản {COMMUNE_ID},2026/01/01,9/UBND mà hệ thống này chưa gửi "
                                 f"tới {COMMUNE_ID}.")
    assert (list(Transmission.objects.values()), ReceivedPackage.objects.count(),
            ExchangeStatus.objects.count()) == before


def test_package_for_nobody_here_is_refused(setup):
    connector.send_pending()
    data = connector.package_bytes(Transmission.objects.get()).replace(COMMUNE_ID.encode(), b"000.99.99.H40")
    with pytest.raises(ValidationFailed) as err:
        connector.receive(data, via="test")
    assert err.value.message == "Không có nơi nhận nào của gói thuộc hệ thống này (nơi nhận: 000.99.99.H40)."
    assert (InboxItem.objects.count(), ReceivedPackage.objects.count()) == (0, 0)


def test_outbox_item_no_peer_serves_stays_waiting(setup):
    Peer.objects.update(organ_ids=["000.55.55.H40"])
    assert connector.send_pending() == {"sent": 0, "failed": 0, "statuses_sent": 0, "statuses_failed": 0}
    assert (Transmission.objects.count(), OutboxItem.objects.get().status) == (0, "waiting")


def test_peer_set_and_list(db):
    out = io.StringIO()
    call_command("exchange", "peer-set", "tinh", "--url", "https://vpdt.quangnam.gov.vn", "--organ-ids",
                 "000.00.00.H40, H40.1", "--key-id", "k1", "--secret", "s1", stdout=out)
    assert out.getvalue() == "Đã thêm hệ thống liên thông tinh.\n"
    assert list(Peer.objects.values_list("name", "transport", "base_url", "organ_ids", "key_id", "secret")) == [
        ("tinh", "http", "https://vpdt.quangnam.gov.vn", ["000.00.00.H40", "H40.1"], "k1", "s1")]
    out = io.StringIO()
    call_command("exchange", "peers", stdout=out)
    assert out.getvalue() == "tinh\thttp\thttps://vpdt.quangnam.gov.vn\t000.00.00.H40,H40.1\tk1\thoạt động\n"
    from django.core.management.base import CommandError
    with pytest.raises(CommandError) as err:
        call_command("exchange", "peer-set", "tinh", "--url", "https://x", "--organ-ids", "xx", "--key-id", "k1")
    assert str(err.value) == "Mã định danh không đúng cấu trúc: xx."
    assert Peer.objects.get().organ_ids == ["000.00.00.H40", "H40.1"]


def test_exchange_run_is_a_periodic_job():
    from congvu.jobs import registry

    spec = registry.get("exchange.run")
    assert (spec.every, spec.func.__module__) == (dt.timedelta(minutes=1), "congvu.exchange.tasks")


def test_a_secret_document_is_never_sent(setup):
    from congvu.documents.models import Document

    Document.objects.filter(pk=setup["document"].pk).update(secrecy="secret")
    assert connector.send_pending() == {"sent": 0, "failed": 0, "statuses_sent": 0, "statuses_failed": 0}
    assert (Transmission.objects.count(), OutboxItem.objects.get().status) == (0, "waiting")
    assert not (setup["folder"] / "xa").exists()


def test_the_clerk_sees_the_sent_item_in_the_sent_tab(setup, client, clerk):
    connector.send_pending()
    client.force_login(clerk)
    waiting = client.get("/exchange/outbox/").content.decode()
    sent = client.get("/exchange/outbox/?status=sent").content.decode()
    item = OutboxItem.objects.get()
    assert f"/exchange/outbox/{item.pk}/posted/" not in waiting and COMMUNE not in waiting.split("<tbody")[-1]
    assert COMMUNE in sent.split("<tbody")[-1]
    assert 'data-label="Trạng thái">Đã gửi liên thông</td>' in sent


def test_after_ten_attempts_a_transmission_fails_for_good(setup):
    Peer.objects.update(transport=PeerTransport.HTTP, base_url="http://127.0.0.1:9")
    connector.plan_transmissions()
    Transmission.objects.update(attempts=9)
    assert connector.send_pending() == {"sent": 0, "failed": 1, "statuses_sent": 0, "statuses_failed": 0}
    t = Transmission.objects.get()
    assert (t.state, t.attempts, t.lease_until, OutboxItem.objects.get().status) == (
        TransmissionState.FAILED, 10, None, "waiting")
    Transmission.objects.update(next_attempt_at=timezone.now() - dt.timedelta(days=1))
    assert connector.send_pending()["failed"] == 0  # not tried again
    assert connector.backoff(1) == dt.timedelta(minutes=1) and connector.backoff(4) == dt.timedelta(minutes=8)
    assert connector.backoff(30) == dt.timedelta(minutes=60)


def test_an_item_that_cannot_be_packaged_stays_waiting(setup, agency):
    from congvu.org.models import Agency

    Agency.objects.filter(pk=agency.pk).update(identifier="")
    assert connector.send_pending() == {"sent": 0, "failed": 0, "statuses_sent": 0, "statuses_failed": 0}
    assert (Transmission.objects.count(), OutboxItem.objects.get().status) == (0, "waiting")
