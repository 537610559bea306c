"""The sender's status page shows external recipients too: the transmission to the other system (waiting, sent,
failed, attempts, next try, last error) and the last status that system reported back."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from congvu.core.errors import NotFound
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import selectors, services
from congvu.exchange.models import InboxItem, OutboxItem, Peer, Transmission, TransmissionState

pytestmark = pytest.mark.django_db

EXTERNAL = "Sở Nội vụ tỉnh Quảng Nam"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def document(agency, other_agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("cv.pdf", "Cong van")],
                            data=outgoing_data(doc_type="cong_van", subject="V/v họp giao ban",
                                               drafting_department_id=agency.departments.get(code="VP").pk,
                                               recipient_agency_ids=[other_agency.pk], recipient_names=[EXTERNAL]))
    services.document_dispatch(actor=clerk, document=doc)
    return doc


def _transmission(agency) -> Transmission:
    peer = Peer.objects.create(name="tinh", base_url="http://127.0.0.1:9/", organ_ids=[agency.identifier],
                               key_id="k-timeline", secret="bi-mat-chung-0123456789")
    return Transmission.objects.create(outbox_item=OutboxItem.objects.get(), organ_id="000.00.00.H49", peer=peer,
                                       document_id="doc-1", next_attempt_at=timezone.now())


def test_page_shows_internal_and_external_recipients(agency, other_agency, clerk, leader, other_clerk, document):
    url = f"/exchange/documents/{document.pk}/statuses/"
    assert InboxItem.objects.get().agency_id == other_agency.pk
    outbox = OutboxItem.objects.get()
    assert outbox.recipient_name == EXTERNAL

    page = login(clerk).get(url).text
    assert other_agency.name in page and "01 · Đã đến" in page
    assert f'id="external-{outbox.pk}"' in page and EXTERNAL in page
    assert "Chưa truyền qua trục liên thông" in page

    # A failed attempt: still waiting, one attempt, next try and the error in Vietnamese.
    t = _transmission(agency)
    next_try = timezone.make_aware(dt.datetime(2026, 11, 27, 9, 30))
    Transmission.objects.filter(pk=t.pk).update(attempts=1, next_attempt_at=next_try,
                                                last_error="Không kết nối được tinh: Connection refused")
    page = login(clerk).get(url).text
    assert 'data-state="pending">Chờ gửi<' in page
    assert "<dt>Số lần gửi</dt><dd>1</dd>" in page
    assert "27/11/2026 09:30" in page
    assert "Không kết nối được tinh: Connection refused" in page
    assert "Nơi nhận chưa báo trạng thái." in page

    # Sent, and the other system reported 03.
    Transmission.objects.filter(pk=t.pk).update(
        state=TransmissionState.SENT, attempts=2, sent_at=timezone.make_aware(dt.datetime(2026, 11, 27, 9, 31)),
        last_status_code="03", last_status_description="Đã vào sổ",
        last_status_at=timezone.make_aware(dt.datetime(2026, 11, 27, 10, 5)))
    page = login(leader).get(url).text
    assert 'data-state="sent">Đã gửi<' in page
    assert "<dt>Số lần gửi</dt><dd>2</dd>" in page
    assert "27/11/2026 09:31" in page and "Connection refused" not in page
    assert "03 · Đã vào sổ" in page and "27/11/2026 10:05" in page
    assert "01 · Đã đến" in page  # the internal recipient's timeline is still there

    # Failed for good.
    Transmission.objects.filter(pk=t.pk).update(state=TransmissionState.FAILED, sent_at=None, attempts=10,
                                                last_error="Hệ thống nhận từ chối gói tin")
    page = login(clerk).get(url).text
    assert 'data-state="failed">Gửi lỗi (đã thử hết)<' in page and "Hệ thống nhận từ chối gói tin" in page

    # Another agency sees nothing.
    before = list(Transmission.objects.values_list("state", "attempts"))
    assert login(other_clerk).get(url).status_code == 404
    with pytest.raises(NotFound):
        selectors.external_deliveries(user=other_clerk, document=document.pk)
    assert list(Transmission.objects.values_list("state", "attempts")) == before


def test_selector_lists_external_recipients_with_their_transmission(agency, clerk, document):
    rows = selectors.external_deliveries(user=clerk, document=document)
    assert [(r.name, r.transmission) for r in rows] == [(EXTERNAL, None)]
    t = _transmission(agency)
    rows = selectors.external_deliveries(user=clerk, document=document.pk)
    assert [(r.name, r.item.pk, r.transmission.pk) for r in rows] == [(EXTERNAL, OutboxItem.objects.get().pk, t.pk)]
