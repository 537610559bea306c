"""API: /documents/{id}/exchange-update, /exchange-replace, /outbox/{id}/recall, /inbox/{id}/versions
(docs/decisions/0018)."""

import pytest

from congvu.api.tests.conftest import ApiClient
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange.models import DeliveryVersion, InboxItem, OutboxItem

pytestmark = pytest.mark.django_db

FIXED = "V/v kiện toàn Ban Chỉ đạo chuyển đổi số huyện năm 2026"


def _issue(agency, other_agency, clerk, subject="V/v kiện toàn Ban Chỉ đạo chuyển đổi sô"):
    return outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("qd.pdf", "Quyet dinh")],
                             data=outgoing_data(subject=subject, recipient_agency_ids=[other_agency.pk]))


@pytest.fixture
def delivered(agency, other_agency, clerk):
    services.document_dispatch(actor=clerk, document=_issue(agency, other_agency, clerk))
    return InboxItem.objects.get()


def test_update_replace_and_versions(agency, other_agency, clerk, other_clerk, leader, delivered):
    sender, receiver = ApiClient(clerk), ApiClient(other_clerk)
    doc_pk = delivered.source_document_id
    assert sender.post(f"/documents/{doc_pk}/exchange-update", {"reason": " ", "subject": FIXED}).status_code == 400
    assert sender.post(f"/documents/{doc_pk}/exchange-update", {"reason": "x", "number": "9"}).status_code == 422
    assert receiver.post(f"/documents/{doc_pk}/exchange-update", {"reason": "x",
                                                                  "subject": FIXED}).status_code == 404
    assert ApiClient(leader).post(f"/documents/{doc_pk}/exchange-update", {"reason": "x",
                                                                           "subject": FIXED}).status_code == 403
    assert DeliveryVersion.objects.count() == 0
    r = sender.post(f"/documents/{doc_pk}/exchange-update", {"reason": "Sửa trích yếu", "subject": FIXED})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["updated_deliveries"], body["queued_outbox_items"]) == ([delivered.pk], [])
    versions = receiver.get(f"/inbox/{delivered.pk}/versions").json()
    assert [(v["kind"], v["reason"], v["values"]["subject"], v["files"]) for v in versions] == [
        ("update", "Sửa trích yếu", "V/v kiện toàn Ban Chỉ đạo chuyển đổi sô", ["qd.pdf"])]
    assert sender.get(f"/inbox/{delivered.pk}/versions").status_code == 404

    replacement = _issue(agency, other_agency, clerk, subject=FIXED)
    r = sender.post(f"/documents/{doc_pk}/exchange-replace", {"replacement_id": replacement.pk, "reason": "Sai số"})
    assert r.status_code == 200, r.json()
    [fresh] = r.json()["deliveries"]
    assert InboxItem.objects.get(pk=fresh).replaces_id == delivered.pk
    assert sender.post(f"/documents/{doc_pk}/exchange-replace",
                       {"replacement_id": replacement.pk, "reason": "Sai số"}).json()["deliveries"] == []


def test_outbox_recall_needs_a_transmitted_item(agency, other_agency, clerk, delivered):
    outbox = OutboxItem.objects.get()  # the external recipient of the factory's data, not transmitted
    r = ApiClient(clerk).post(f"/outbox/{outbox.pk}/recall", {"reason": "Nhầm"})
    assert r.status_code == 409, r.json()
    outbox.refresh_from_db()
    assert outbox.recall_state == ""
