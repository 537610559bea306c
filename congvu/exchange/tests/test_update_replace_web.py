"""Update, replace and external recall from the pages; the earlier version shown to the receiving side
(docs/decisions/0018)."""

import pytest
from django.test import Client

from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange.models import DeliveryVersion, InboxItem, InboxStatus

pytestmark = pytest.mark.django_db

FIXED = "V/v họp giao ban tháng 12"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _issue(agency, other_agency, clerk, subject):
    return outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("cv.pdf", "Cong van")],
                             data=outgoing_data(doc_type="cong_van", subject=subject,
                                                drafting_department_id=agency.departments.get(code="VP").pk,
                                                recipient_agency_ids=[other_agency.pk]))


@pytest.fixture
def delivered(agency, other_agency, clerk):
    services.document_dispatch(actor=clerk, document=_issue(agency, other_agency, clerk, "V/v họp giao ban thang 12"))
    return InboxItem.objects.get()


def test_update_from_the_status_page_and_the_earlier_version_on_both_sides(clerk, other_clerk, leader, delivered,
                                                                          agency, officer):
    doc_pk = delivered.source_document_id
    url = f"/exchange/documents/{doc_pk}/statuses/"
    page = login(clerk).get(url)
    assert "Gửi cập nhật văn bản" in page.text and "Gửi văn bản thay thế" in page.text
    assert "Gửi cập nhật văn bản" not in login(leader).get(url).text  # the clerk sends it
    # No reason: the form says so, nothing changes.
    page = login(clerk).post(f"/exchange/documents/{doc_pk}/update/", {"subject": FIXED, "reason": ""})
    assert page.status_code == 200 and "Vui lòng ghi lý do cập nhật." in page.text
    assert DeliveryVersion.objects.count() == 0
    response = login(clerk).post(f"/exchange/documents/{doc_pk}/update/", {
        "subject": FIXED, "reason": "Sửa lỗi chính tả", "files": [pdf_upload("cv-sua.pdf", "Ban sua")]})
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.subject == FIXED and list(delivered.files.values_list("original_name", flat=True)) == [
        "cv-sua.pdf"]
    assert "Các lần cập nhật đã gửi" in login(clerk).get(url).text
    # The sender's own earlier version: for whoever may see the outgoing document, not the recipient.
    mine = DeliveryVersion.objects.get(item__isnull=True)
    assert "V/v họp giao ban thang 12" in login(leader).get(f"/exchange/versions/{mine.pk}/").text
    assert login(other_clerk).get(f"/exchange/versions/{mine.pk}/").status_code == 404
    # The receiving clerk sees the banner and reaches the earlier version and its file.
    version = DeliveryVersion.objects.get(item=delivered)
    page = login(other_clerk).get(f"/exchange/inbox/{delivered.pk}/")
    assert "Văn bản đã được nơi gửi cập nhật ngày" in page.text and "Sửa lỗi chính tả" in page.text
    assert f"/exchange/versions/{version.pk}/" in page.text
    page = login(other_clerk).get(f"/exchange/versions/{version.pk}/")
    assert page.status_code == 200 and "V/v họp giao ban thang 12" in page.text and "cv.pdf" in page.text
    download = login(other_clerk).get(f"/exchange/versions/{version.pk}/files/0/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert login(other_clerk).get(f"/exchange/versions/{version.pk}/files/5/").status_code == 404
    # Nobody else: the sender's officer does not see the receiving side's version.
    assert login(officer).get(f"/exchange/versions/{version.pk}/").status_code == 404
    # After registration the document's page links to the version through the received-from banner data.
    document = services.inbox_register(actor=other_clerk, item=delivered)
    assert login(other_clerk).get(f"/exchange/versions/{version.pk}/").status_code == 200
    assert document.subject == FIXED
    page = login(other_clerk).get(f"/documents/{document.pk}/")
    assert "Văn bản đã được nơi gửi cập nhật ngày" in page.text and f"/exchange/versions/{version.pk}/" in page.text


def test_replace_from_the_status_page(clerk, other_clerk, delivered, agency, other_agency):
    doc_pk = delivered.source_document_id
    replacement = _issue(agency, other_agency, clerk, FIXED)
    page = login(clerk).post(f"/exchange/documents/{doc_pk}/replace/", {"replacement": "", "reason": "x"})
    assert "Vui lòng chọn văn bản thay thế." in page.text
    page = login(clerk).post(f"/exchange/documents/{doc_pk}/replace/", {"replacement": replacement.pk,
                                                                          "reason": ""})
    assert "Vui lòng ghi lý do thay thế." in page.text
    response = login(clerk).post(f"/exchange/documents/{doc_pk}/replace/", {"replacement": replacement.pk,
                                                                              "reason": "Sai ngày họp"})
    assert response.status_code == 302
    delivered.refresh_from_db()
    fresh = InboxItem.objects.get(replaces=delivered)
    assert delivered.status == InboxStatus.REPLACED
    page = login(other_clerk).get(f"/exchange/inbox/{delivered.pk}/")
    assert "Văn bản đã được nơi gửi thay thế ngày" in page.text and "Sai ngày họp" in page.text
    assert f"/exchange/inbox/{fresh.pk}/" in page.text
    assert "Văn bản này thay thế văn bản" in login(other_clerk).get(f"/exchange/inbox/{fresh.pk}/").text
    assert "Đã được thay thế" in login(other_clerk).get("/exchange/inbox/?status=replaced").text


def test_update_and_replace_pages_are_closed_to_others(other_clerk, delivered, leader):
    doc_pk = delivered.source_document_id
    assert login(other_clerk).post(f"/exchange/documents/{doc_pk}/update/", {"subject": FIXED,
                                                                              "reason": "x"}).status_code == 404
    assert login(leader).post(f"/exchange/documents/{doc_pk}/update/", {"subject": FIXED,
                                                                         "reason": "x"}).status_code == 403
    assert login(other_clerk).post(f"/exchange/documents/{doc_pk}/replace/", {"replacement": doc_pk,
                                                                               "reason": "x"}).status_code == 404
    assert DeliveryVersion.objects.count() == 0
