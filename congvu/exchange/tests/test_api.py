"""/api/v1/inbox, /outbox and /documents/{id}/dispatch."""

import pytest
from django.utils import timezone

from congvu.api.tests.conftest import ApiClient
from congvu.documents.models import Document
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import minimal_pdf, outgoing_data, pdf_upload
from congvu.exchange.models import InboxItem, OutboxItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(agency, other_agency, clerk):
    return outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("qd.pdf", "Quyet dinh giao chi tieu")],
                             data=outgoing_data(recipient_agency_ids=[other_agency.pk],
                                                recipient_names=["Bưu điện tỉnh"]))


def test_dispatch_register_and_deliveries(agency, other_agency, clerk, other_clerk, issued):
    sender, receiver = ApiClient(clerk), ApiClient(other_clerk)
    r = sender.post(f"/documents/{issued.pk}/dispatch", {})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["delivered_to"], body["outbox"], body["document"]["status"]) == (
        [other_agency.name], ["Bưu điện tỉnh"], "dispatched")
    assert body["deliveries"] == [
        {"name": other_agency.name, "channel": "electronic", "status": "Đã gửi điện tử, chờ vào sổ", "detail": ""},
        {"name": "Bưu điện tỉnh", "channel": "exchange", "status": "Chờ gửi liên thông", "detail": ""}]
    assert sender.post(f"/documents/{issued.pk}/dispatch", {}).json()["delivered_to"] == []

    queue = receiver.get("/inbox").json()
    assert [(i["number"], i["notation"], i["sender_name"], i["status"]) for i in queue] == [
        ("01", "QĐ-UBND", agency.name, "waiting")]
    item_id = queue[0]["id"]
    file_url = queue[0]["files"][0]["content_url"]
    content = receiver.client.get(file_url)
    assert b"".join(content.streaming_content) == minimal_pdf("Quyet dinh giao chi tieu")

    reg = receiver.post(f"/inbox/{item_id}/register", {"notes": "Chuyển lãnh đạo"})
    assert reg.status_code == 200, reg.json()
    doc = Document.objects.get(pk=reg.json()["id"])
    assert (doc.agency, doc.channel, doc.register_number, doc.notes) == (other_agency, "electronic", 1,
                                                                        "Chuyển lãnh đạo")
    again = receiver.post(f"/inbox/{item_id}/register", {})
    assert again.json()["id"] == doc.pk and Document.objects.filter(direction="in").count() == 1
    assert receiver.get("/inbox").json() == []
    assert [i["incoming_document_id"] for i in receiver.get("/inbox", {"status": "registered"}).json()] == [doc.pk]
    assert sender.get(f"/documents/{issued.pk}/deliveries").json()[0] == {
        "name": other_agency.name, "channel": "electronic", "status": "Đã vào sổ", "detail": "Số đến 1"}


def test_return_and_outbox(agency, clerk, other_clerk, issued):
    sender, receiver = ApiClient(clerk), ApiClient(other_clerk)
    sender.post(f"/documents/{issued.pk}/dispatch", {})
    item = InboxItem.objects.get()
    r = receiver.post(f"/inbox/{item.pk}/return", {"reason": ""})
    assert (r.status_code, r.json()["fields"]) == (400, {"reason": "Vui lòng ghi lý do trả lại."})
    r = receiver.post(f"/inbox/{item.pk}/return", {"reason": "Không thuộc thẩm quyền"})
    assert (r.json()["status"], r.json()["return_reason"]) == ("returned", "Không thuộc thẩm quyền")
    assert receiver.post(f"/inbox/{item.pk}/register", {}).status_code == 409

    outbox = sender.get("/outbox").json()
    assert [(o["recipient_name"], o["status"]) for o in outbox] == [("Bưu điện tỉnh", "waiting")]
    posted = sender.post(f"/outbox/{outbox[0]['id']}/posted", {})
    assert posted.json()["status"] == "posted" and OutboxItem.objects.get().posted_at is not None
    assert sender.get("/outbox").json() == []


def test_queues_are_for_the_agencys_clerks_only(agency, clerk, leader, other_clerk, issued):
    ApiClient(clerk).post(f"/documents/{issued.pk}/dispatch", {})
    item = InboxItem.objects.get()
    for user in (clerk, leader):
        client = ApiClient(user)
        assert client.get(f"/inbox/{item.pk}").status_code == 404
        assert client.post(f"/inbox/{item.pk}/register", {}).status_code == 404
    r = ApiClient(leader).get("/inbox")
    assert (r.status_code, r.json()["message"]) == (403, "Chỉ văn thư của cơ quan được xem văn bản điện tử đến.")
    assert ApiClient(other_clerk).post(f"/documents/{issued.pk}/dispatch", {}).status_code == 404
    assert ApiClient(leader).post(f"/documents/{issued.pk}/dispatch", {}).status_code == 403
    item.refresh_from_db()
    assert (item.status, item.incoming_document_id) == ("waiting", None)
    assert InboxItem.objects.count() == 1 and timezone.now() >= item.delivered_at
