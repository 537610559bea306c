"""The sender's status page, the recall button and the receiving clerk's decision, from the pages."""

import pytest
from django.test import Client

from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange.models import ExchangeStatus, InboxItem

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def delivered(agency, other_agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("cv.pdf", "Cong van")],
                            data=outgoing_data(doc_type="cong_van", subject="V/v họp giao ban",
                                               drafting_department_id=agency.departments.get(code="VP").pk,
                                               recipient_agency_ids=[other_agency.pk]))
    services.document_dispatch(actor=clerk, document=doc)
    return InboxItem.objects.get()


def codes(item):
    return list(ExchangeStatus.objects.filter(item=item).order_by("pk").values_list("code", flat=True))


def test_status_page_recall_and_refusal(agency, other_agency, clerk, other_clerk, leader, delivered):
    doc_pk = delivered.source_document_id
    assert f"/exchange/documents/{doc_pk}/statuses/" in login(clerk).get(f"/documents/{doc_pk}/").text
    page = login(clerk).get(f"/exchange/documents/{doc_pk}/statuses/")
    assert page.status_code == 200
    assert other_agency.name in page.text and "01 · Đã đến" in page.text and "Đề nghị thu hồi" in page.text
    # A leader of the sender sees the timeline but has no recall button; the receiver does not see the page.
    leader_page = login(leader).get(f"/exchange/documents/{doc_pk}/statuses/").text
    assert "01 · Đã đến" in leader_page and f"/exchange/deliveries/{delivered.pk}/recall/" not in leader_page
    assert login(other_clerk).get(f"/exchange/documents/{doc_pk}/statuses/").status_code == 404
    assert login(other_clerk).post(f"/exchange/deliveries/{delivered.pk}/recall/",
                                   {"reason": "x"}).status_code == 404
    assert login(leader).post(f"/exchange/deliveries/{delivered.pk}/recall/", {"reason": "x"}).status_code == 404

    r = login(clerk).post(f"/exchange/deliveries/{delivered.pk}/recall/", {"reason": ""})
    assert r.status_code == 200 and "Vui lòng ghi lý do thu hồi." in r.text
    assert codes(delivered) == ["01"]
    r = login(clerk).post(f"/exchange/deliveries/{delivered.pk}/recall/", {"reason": "Sai số liệu"})
    assert r.status_code == 302 and r["Location"] == f"/exchange/documents/{doc_pk}/statuses/"
    assert codes(delivered) == ["01", "13"]

    inbox_page = login(other_clerk).get(f"/exchange/inbox/{delivered.pk}/").text
    assert "Nơi gửi đề nghị thu hồi" in inbox_page and "Lý do: Sai số liệu" in inbox_page
    assert login(clerk).post(f"/exchange/inbox/{delivered.pk}/recall/refuse/", {"reason": "x"}).status_code == 404
    r = login(other_clerk).post(f"/exchange/inbox/{delivered.pk}/recall/refuse/", {"reason": ""})
    assert r.status_code == 200 and "Vui lòng ghi lý do từ chối thu hồi." in r.text
    r = login(other_clerk).post(f"/exchange/inbox/{delivered.pk}/recall/refuse/", {"reason": "Đã triển khai"})
    assert r.status_code == 302
    assert codes(delivered) == ["01", "13", "16"]
    page = login(clerk).get(f"/exchange/documents/{doc_pk}/statuses/").text
    assert "16 · Từ chối lấy lại" in page and "Từ chối thu hồi: Đã triển khai" in page


def test_recall_accepted_from_the_inbox_page(clerk, other_clerk, delivered):
    login(clerk).post(f"/exchange/deliveries/{delivered.pk}/recall/", {"reason": "Gửi nhầm bản"})
    assert login(clerk).post(f"/exchange/inbox/{delivered.pk}/recall/accept/").status_code == 404
    r = login(other_clerk).post(f"/exchange/inbox/{delivered.pk}/recall/accept/")
    assert r.status_code == 302
    delivered.refresh_from_db()
    assert (delivered.status, delivered.recall_state) == ("withdrawn", "accepted")
    assert codes(delivered) == ["01", "13", "15"]
    page = login(other_clerk).get(f"/exchange/inbox/{delivered.pk}/").text
    assert 'id="recalled-banner"' in page and 'id="inbox-register-form"' not in page
    tab = login(other_clerk).get("/exchange/inbox/?status=withdrawn").text
    assert f"/exchange/inbox/{delivered.pk}/" in tab


def test_the_registered_documents_page_shows_the_recall(clerk, other_clerk, delivered):
    document = services.inbox_register(actor=other_clerk, item=delivered)
    page = lambda: login(other_clerk).get(f"/documents/{document.pk}/").text  # noqa: E731
    assert "thu hồi" not in page()
    login(clerk).post(f"/exchange/deliveries/{delivered.pk}/recall/", {"reason": "Gửi nhầm bản"})
    assert "Nơi gửi đề nghị thu hồi văn bản này: Gửi nhầm bản" in page()
    login(other_clerk).post(f"/exchange/inbox/{delivered.pk}/recall/accept/")
    assert "Nơi gửi đã thu hồi văn bản này" in page() and "Gửi nhầm bản" in page()
