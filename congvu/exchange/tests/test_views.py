"""Pages of the queue "Văn bản điện tử chờ vào sổ", the outbox and the dispatch button."""

import pytest
from django.test import Client

from congvu.documents.models import Document
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import minimal_pdf, outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange.models import InboxItem, OutboxItem

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def issued(agency, other_agency, clerk):
    return outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("cv.pdf", "Cong van moi hop")],
                             data=outgoing_data(doc_type="cong_van", urgency="flash",
                                                drafting_department_id=agency.departments.get(code="VP").pk,
                                                subject="V/v mời họp sơ kết công tác quý I",
                                                recipient_agency_ids=[other_agency.pk],
                                                recipient_names=["Công an tỉnh"]))


def test_dispatch_button_on_the_document_page(agency, other_agency, clerk, leader, issued):
    page = login(clerk).get(f"/documents/{issued.pk}/").text
    assert 'id="dispatch-button"' in page and "Chưa phát hành" in page
    assert 'id="dispatch-button"' not in login(leader).get(f"/documents/{issued.pk}/").text
    assert login(leader).post(f"/exchange/documents/{issued.pk}/dispatch/").status_code == 403
    assert not InboxItem.objects.exists()
    c = login(clerk)
    r = c.post(f"/exchange/documents/{issued.pk}/dispatch/", {"by_post": "1"})
    assert r.status_code == 302
    page = c.get(f"/documents/{issued.pk}/").text
    assert "Đã phát hành đến 2 nơi nhận." in page and 'id="dispatch-button"' not in page
    assert "Đã gửi qua bưu điện" in page and "Đã gửi điện tử, chờ vào sổ" in page
    assert OutboxItem.objects.get().status == "posted"


def test_clerk_registers_from_the_queue(agency, other_agency, clerk, other_clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    item = InboxItem.objects.get()
    c = login(other_clerk)
    queue = c.get("/exchange/inbox/").text
    assert "Văn bản điện tử đến" in queue and f'href="/exchange/inbox/{item.pk}/"' in queue
    assert "V/v mời họp sơ kết công tác quý I" in queue
    detail = c.get(f"/exchange/inbox/{item.pk}/").text
    assert agency.name in detail and "01/UBND-VP" in detail and "Vào sổ" in detail and "cv.pdf" in detail
    assert 'value="V/v mời họp sơ kết công tác quý I"' in detail or "V/v mời họp sơ kết công tác quý I</textarea>" in detail
    file_page = c.get(f"/exchange/inbox/{item.pk}/files/{item.files.get().pk}/")
    assert b"".join(file_page.streaming_content) == minimal_pdf("Cong van moi hop")

    r = c.post(f"/exchange/inbox/{item.pk}/register/", {
        "doc_type": "cong_van", "subject": "V/v mời họp sơ kết công tác quý I", "urgency": "flash",
        "due_date": "", "receiving_department_id": "", "receiving_official_id": "", "notes": ""})
    doc = Document.objects.get(agency=other_agency)
    assert r.status_code == 302 and r["Location"] == f"/documents/{doc.pk}/"
    again = c.post(f"/exchange/inbox/{item.pk}/register/", {"doc_type": "cong_van", "subject": "x"})
    assert again["Location"] == f"/documents/{doc.pk}/"
    assert Document.objects.filter(agency=other_agency).count() == 1
    page = c.get(f"/documents/{doc.pk}/").text
    assert "Đã vào sổ văn bản đến: số đến 1" in page and f"Nhận điện tử từ {agency.name}" in page
    assert "Không có văn bản điện tử nào chờ vào sổ." in c.get("/exchange/inbox/").text


def test_errors_stay_on_the_page(other_clerk, clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    item = InboxItem.objects.get()
    c = login(other_clerk)
    r = c.post(f"/exchange/inbox/{item.pk}/register/", {"doc_type": "cong_van", "subject": ""})
    assert r.status_code == 200 and "Vui lòng nhập trích yếu." in r.text
    r = c.post(f"/exchange/inbox/{item.pk}/return/", {"reason": ""})
    assert r.status_code == 200 and "Vui lòng ghi lý do trả lại." in r.text
    item.refresh_from_db()
    assert (item.status, item.incoming_document_id) == ("waiting", None)
    r = c.post(f"/exchange/inbox/{item.pk}/return/", {"reason": "Gửi nhầm nơi nhận"})
    assert r.status_code == 302
    assert "Gửi nhầm nơi nhận" in c.get("/exchange/inbox/?status=returned").text
    assert "Lý do: Gửi nhầm nơi nhận" in login(clerk).get(f"/documents/{issued.pk}/").text


def test_only_the_receiving_clerk_opens_the_queue(agency, clerk, leader, officer, other_clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    item = InboxItem.objects.get()
    for user in (leader, officer):
        assert login(user).get("/exchange/inbox/").status_code == 403
    for user in (clerk, leader):
        c = login(user)
        assert c.get(f"/exchange/inbox/{item.pk}/").status_code == 404
        assert c.post(f"/exchange/inbox/{item.pk}/register/", {}).status_code == 404
        assert c.post(f"/exchange/inbox/{item.pk}/return/", {"reason": "x"}).status_code == 404
    item.refresh_from_db()
    assert item.status == "waiting"


def test_outbox_page(clerk, other_clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    c = login(clerk)
    page = c.get("/exchange/outbox/").text
    assert "Công an tỉnh" in page and "Đã gửi bưu điện" in page
    item = OutboxItem.objects.get()
    assert login(other_clerk).post(f"/exchange/outbox/{item.pk}/posted/").status_code == 404
    c.post(f"/exchange/outbox/{item.pk}/posted/")
    item.refresh_from_db()
    assert item.status == "posted"
