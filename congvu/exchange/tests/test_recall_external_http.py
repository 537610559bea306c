"""Update, recall and replace between two systems over signed HTTP, end to end: this test process is both our
deployment and the peer (live_server), as in test_connector_http (docs/decisions/0018)."""

import pytest

from conftest import make_agency, make_official
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import connector, services
from congvu.exchange.models import (
    BusinessSend,
    DeliveryVersion,
    DirectoryEntry,
    ExchangeStatus,
    InboxItem,
    InboxStatus,
    OutboxItem,
    Peer,
    RecallState,
    Transmission,
    TransmissionState,
)
from congvu.org.models import Department, Role
from congvu.workflow import services as workflow

pytestmark = pytest.mark.django_db(transaction=True)

COMMUNE = "UBND xã Quế Trung"
COMMUNE_ID = "000.21.33.H40"
FIXED = "V/v báo cáo chuyển đổi số năm 2026"


def _issue(agency, clerk, subject, name="cong-van.pdf"):
    return outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk, subject=subject,
        recipient_names=[COMMUNE], pages=1), uploads=[pdf_upload(name, subject.encode("ascii", "ignore").decode())])


@pytest.fixture
def setup(reference_data, live_server, agency, clerk):
    commune = make_agency(name=COMMUNE, identifier=COMMUNE_ID)
    DirectoryEntry.objects.create(identifier=COMMUNE_ID, name=COMMUNE)
    Peer.objects.create(name="tinh", base_url=live_server.url, organ_ids=[agency.identifier, COMMUNE_ID],
                        key_id="k-huyen-tinh", secret="bi-mat-chung-0123456789")
    document = _issue(agency, clerk, "V/v báo cáo chuyển đổi sô")
    services.document_dispatch(actor=clerk, document=document)
    assert connector.send_pending()["sent"] == 1
    dept = Department.objects.create(agency=commune, name="Văn phòng", code="VP")
    return {"commune": commune, "document": document,
            "clerk": make_official(commune, Role.CLERK, username="vt_xa").user,
            "leader": make_official(commune, Role.LEADER, username="ld_xa").user,
            "officer": make_official(commune, Role.OFFICER, username="cv_xa", department=dept)}


def test_update_then_recall_across_systems(setup, clerk):
    commune, document = setup["commune"], setup["document"]
    item = InboxItem.objects.get(agency=commune)
    incoming = services.inbox_register(actor=setup["clerk"], item=item, changes={"doc_type": "cong_van"})
    # The sender corrects the subject and the file: an update package over HTTP, applied to the registered
    # document with the earlier version kept.
    services.document_update_send(actor=clerk, document=document, reason="Sửa lỗi chính tả trích yếu",
                                  changes={"subject": FIXED}, uploads=[pdf_upload("cong-van-sua.pdf", "Ban sua")])
    counts = connector.send_pending()
    assert counts["sent"] == 1 and counts["failed"] == 0
    incoming.refresh_from_db()
    assert incoming.subject == FIXED
    assert list(incoming.attachments.values_list("original_name", flat=True)) == ["cong-van-sua.pdf"]
    version = DeliveryVersion.objects.get(item=item)
    assert (version.values["subject"], version.files[0]["name"]) == ("V/v báo cáo chuyển đổi sô", "cong-van.pdf")
    # Sent again (a lost acknowledgement): stored once.
    BusinessSend.objects.update(state=TransmissionState.PENDING, sent_at=None)
    connector.send_pending()
    assert DeliveryVersion.objects.filter(item=item).count() == 1

    # Recall: a business 1 package; the commune's clerk accepts; 15 flows back and closes our recall.
    outbox = OutboxItem.objects.get(document=document)
    services.outbox_recall_request(actor=clerk, item=outbox, reason="Ban hành nhầm nơi nhận")
    connector.send_pending()
    item.refresh_from_db()
    assert (item.recall_state, item.recall_reason) == (RecallState.REQUESTED, "Ban hành nhầm nơi nhận")
    services.delivery_recall_accept(actor=setup["clerk"], item=item)
    connector.send_pending()
    outbox.refresh_from_db()
    assert outbox.recall_state == RecallState.ACCEPTED
    assert Transmission.objects.get(outbox_item=outbox).last_status_code == "15"
    # After the accepted recall the commune's processing reports nothing more to the sender.
    workflow.direction_give(actor=setup["leader"], document=incoming, text="Giao Văn phòng", lead=setup["officer"])
    assert list(ExchangeStatus.objects.filter(item=item).values_list("code", flat=True)) == ["01", "03", "13", "15"]
    assert Transmission.objects.get(outbox_item=outbox).last_status_code == "15"


def test_replace_across_systems(setup, agency, clerk):
    commune, document = setup["commune"], setup["document"]
    old = InboxItem.objects.get(agency=commune)
    replacement = _issue(agency, clerk, FIXED, name="thay-the.pdf")
    services.document_replace_send(actor=clerk, document=document, replacement=replacement, reason="Sai số liệu")
    assert connector.send_pending()["sent"] == 1
    old.refresh_from_db()
    fresh = InboxItem.objects.get(agency=commune, replaces=old)
    assert (old.status, fresh.subject, fresh.replace_reason, fresh.status) == (
        InboxStatus.REPLACED, FIXED, "Sai số liệu", InboxStatus.WAITING)
    # The replacement's statuses go back under its own DocumentId.
    assert Transmission.objects.get(outbox_item__document=replacement).last_status_code == "01"


def test_update_refused_by_the_recipient_is_shown_as_the_error(setup, clerk):
    commune, document = setup["commune"], setup["document"]
    item = InboxItem.objects.get(agency=commune)
    outbox = OutboxItem.objects.get(document=document)
    services.outbox_recall_request(actor=clerk, item=outbox, reason="Nhầm")
    connector.send_pending()
    item.refresh_from_db()
    services.delivery_recall_accept(actor=setup["clerk"], item=item)
    # Our side has not heard the 15 yet (status not sent): the update goes out and is refused there.
    services.document_update_send(actor=clerk, document=document, reason="Sửa", changes={"subject": FIXED})
    send = BusinessSend.objects.get(business=2)
    assert connector.send_business(BusinessSend.objects.select_related("outbox_item__transmission__peer").get(
        pk=send.pk)) is False
    send.refresh_from_db()
    assert send.last_error == ("tinh từ chối: Văn bản 01/UBND-VP đã được thu hồi tại UBND xã Quế Trung; "
                               "không cập nhật được văn bản đã thu hồi.")
    assert send.state == TransmissionState.FAILED  # a refusal is final, not retried
    item.refresh_from_db()
    assert item.subject != FIXED
