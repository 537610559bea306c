"""/api/v1/documents/{id}/exchange-statuses, /deliveries/{id}/recall, /inbox/{id}/statuses and recall decisions."""

import pytest

from congvu.api.tests.conftest import ApiClient
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange.models import ExchangeStatus, InboxItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(agency, other_agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("qd.pdf", "Quyet dinh")],
                            data=outgoing_data(recipient_agency_ids=[other_agency.pk]))
    services.document_dispatch(actor=clerk, document=doc)
    return InboxItem.objects.get()


def codes(body):
    return [s["code"] for s in body["statuses"]]


def test_timeline_recall_and_decisions(agency, other_agency, clerk, other_clerk, leader, delivered):
    sender, receiver = ApiClient(clerk), ApiClient(other_clerk)
    doc_pk = delivered.source_document_id
    r = sender.get(f"/documents/{doc_pk}/exchange-statuses")
    assert r.status_code == 200, r.json()
    [row] = r.json()
    assert (row["delivery_id"], row["recipient"], row["status"], row["recall_state"], codes(row)) == (
        delivered.pk, {"id": other_agency.pk, "name": other_agency.name}, "waiting", "", ["01"])
    assert (row["statuses"][0]["name"], row["statuses"][0]["agency_id"], row["statuses"][0]["actor_name"]) == (
        "Đã đến", other_agency.pk, "")
    assert receiver.get(f"/documents/{doc_pk}/exchange-statuses").status_code == 404

    assert receiver.post(f"/inbox/{delivered.pk}/register", {}).status_code == 200
    assert codes(receiver.get(f"/inbox/{delivered.pk}/statuses").json()) == ["01", "03"]

    # Only the sender's clerks ask; the receiver and the sender's leader get 404 and nothing changes.
    assert receiver.post(f"/deliveries/{delivered.pk}/recall", {"reason": "x"}).status_code == 404
    assert ApiClient(leader).post(f"/deliveries/{delivered.pk}/recall", {"reason": "x"}).status_code == 404
    assert sender.post(f"/deliveries/{delivered.pk}/recall", {"reason": ""}).status_code == 400
    assert ExchangeStatus.objects.filter(item=delivered).count() == 2
    r = sender.post(f"/deliveries/{delivered.pk}/recall", {"reason": "Sai số liệu"})
    assert r.status_code == 200, r.json()
    assert (r.json()["recall_state"], codes(r.json())) == ("requested", ["01", "03", "13"])

    assert sender.post(f"/inbox/{delivered.pk}/recall/refuse", {"reason": "x"}).status_code == 404
    r = receiver.post(f"/inbox/{delivered.pk}/recall/refuse", {"reason": "Đã thực hiện"})
    assert (r.status_code, r.json()["recall_state"], codes(r.json())) == (200, "refused", ["01", "03", "13", "16"])
    assert receiver.post(f"/inbox/{delivered.pk}/recall/accept", {}).status_code == 409

    sender.post(f"/deliveries/{delivered.pk}/recall", {"reason": "Văn bản bị thay thế"})
    assert sender.post(f"/inbox/{delivered.pk}/recall/accept", {}).status_code == 404
    r = receiver.post(f"/inbox/{delivered.pk}/recall/accept", {"note": "Đã đánh dấu"})
    body = r.json()
    assert (r.status_code, body["status"], body["recall_state"], body["recall_reason"], codes(body)) == (
        200, "registered", "accepted", "Văn bản bị thay thế", ["01", "03", "13", "16", "13", "15"])
    assert body["recalled_at"] is not None
    assert codes(sender.get(f"/documents/{doc_pk}/exchange-statuses").json()[0]) == [
        "01", "03", "13", "16", "13", "15"]
