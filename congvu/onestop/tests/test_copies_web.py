"""Pages of certified copies: the register, certifying through the form, the detail, downloads, and the public
check by code (no login, rate-limited, one neutral message)."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from congvu.audit.models import JournalEntry
from congvu.documents.files import open_stored
from congvu.onestop import copies
from congvu.onestop.models import CertifiedCopy, PublicLookupAttempt
from congvu.onestop.tests.factories_o4 import *  # noqa: F403  (fixtures: chair, copy_pki, copy_ca)
from congvu.onestop.tests.factories_o4 import AGENCY_SIGNER, image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def _certify(actor, agency, pages=2, **kw):
    values = dict(uploads=[upload(pdf_bytes(pages))], document_title="Giấy khai sinh số 15/2010",
                  requester_name="Lê Văn Cường")
    values.update(kw)
    return copies.certified_copy_create(actor=actor, agency=agency, **values)


def _text(response) -> str:
    return response.content.decode()


def test_the_counter_certifies_through_the_form(copy_pki, agency, chair, onestop):
    c = _client(onestop)
    page = c.get(reverse("onestop:copy_new"))
    assert page.status_code == 200
    assert f'<option value="{chair.official.pk}">Nguyễn Văn Chủ Tịch</option>' in _text(page)
    response = c.post(reverse("onestop:copy_new"), {
        "files": [upload(image_bytes("JPEG"), "trang1.jpg", "image/jpeg"),
                  upload(image_bytes("PNG", (0, 0, 200)), "trang2.png", "image/png")],
        "document_title": "Bằng tốt nghiệp đại học", "requester_name": "Phạm Thị Dung",
        "requester_id_number": "049190001234", "copies": "2", "certifier": str(chair.official.pk),
    })
    copy = CertifiedCopy.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("onestop:copy", args=[copy.pk])
    assert (copy.pages, copy.copies, copy.fee, copy.certifier, copy.created_by) == (
        2, 2, 8_000, chair.official, onestop)
    detail = c.get(response["Location"])
    body = _text(detail)
    assert "Đã chứng thực: số 1, quyển số" in body and "lệ phí 8.000 đồng." in body
    assert "Chữ ký số hợp lệ" in body and f"Ký bởi: {AGENCY_SIGNER}" in body
    assert f"/kiem-tra-ban-sao/{copy.code}/" in body
    listing = c.get(reverse("onestop:copies"))
    assert "Bằng tốt nghiệp đại học" in _text(listing) and "8.000" in _text(listing)
    printed = c.get(reverse("onestop:copy_register", args=[copy.register_year]))
    assert printed.status_code == 200
    assert "SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH" in _text(printed) and "Phạm Thị Dung" in _text(printed)


def test_form_errors_are_shown_and_nothing_is_certified(copy_pki, agency, chair, onestop):
    c = _client(onestop)
    response = c.post(reverse("onestop:copy_new"), {"document_title": "", "requester_name": "", "copies": "1"})
    assert response.status_code == 200
    body = _text(response)
    for message in ("Chưa chứng thực được.", "Nhập tên giấy tờ, văn bản được chứng thực.",
                    "Nhập họ tên người yêu cầu chứng thực.", "Chọn người thực hiện chứng thực (lãnh đạo của cơ quan)."):
        assert message in body
    response = c.post(reverse("onestop:copy_new"), {
        "files": [upload(b"not a pdf at all", "a.pdf")], "document_title": "Giấy tờ", "requester_name": "A",
        "certifier": str(chair.official.pk)})
    assert "không đúng định dạng cho phép" in _text(response) or "không phải PDF" in _text(response)
    assert CertifiedCopy.objects.count() == 0


def test_download_is_the_signed_file_unchanged_and_journaled(copy_pki, agency, chair):
    copy = _certify(chair, agency)
    c = _client(chair)
    response = c.get(reverse("onestop:copy_download", args=[copy.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with open_stored(copy.certified_file) as fh:
        assert data == fh.read()
    assert response["Content-Disposition"] == (
        f'attachment; filename="ban-sao-chung-thuc-{copy.register_year}-1.pdf"')
    scan = c.get(reverse("onestop:copy_download", args=[copy.pk]) + "?tep=ban-quet")
    assert len(PdfReader(io.BytesIO(b"".join(scan.streaming_content))).pages) == 2
    assert JournalEntry.objects.filter(action="certified_copy.download", object_id=str(copy.pk)).count() == 2


def test_staff_pages_are_for_the_agencys_counter_leaders_and_admins(copy_pki, agency, chair, clerk, officer,
                                                                    agency_admin, other_clerk):
    copy = _certify(chair, agency)
    for user in (clerk, officer, other_clerk):
        c = _client(user)
        assert c.get(reverse("onestop:copies")).status_code == 403
        assert c.get(reverse("onestop:copy", args=[copy.pk])).status_code == 403
        assert c.get(reverse("onestop:copy_download", args=[copy.pk])).status_code == 403
    admin = _client(agency_admin)
    assert admin.get(reverse("onestop:copy", args=[copy.pk])).status_code == 200
    assert admin.get(reverse("onestop:copy_new")).status_code == 403  # admins see the register, do not certify
    assert _client().get(reverse("onestop:copies")).status_code == 302  # to the login page
    assert _client(chair).get(reverse("onestop:copy", args=[copy.pk + 1000])).status_code == 404


def test_public_check_by_code_shows_the_copy_and_its_signature(copy_pki, agency, chair):
    copy = _certify(chair, agency, pages=3)
    c = _client()
    response = c.get(reverse("onestop:public_copy", args=[copy.code]))
    assert response.status_code == 200
    body = _text(response)
    for text in (agency.name, "Giấy khai sinh số 15/2010", f"{copy.register_number}, quyển số {copies.register_book(copy.register_year)}",
                 copy.certified_at.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y"),
                 "<dd>3</dd>", "Chữ ký số hợp lệ", f"Ký bởi: {AGENCY_SIGNER}"):
        assert text in body, text
    assert "Lê Văn Cường" not in body  # the requester's name is not shown on the public page
    typed = c.get(reverse("onestop:public_copy_form"), {"ma": copy.code.lower().replace("-", " ")})
    assert typed.status_code == 302 and typed["Location"] == reverse("onestop:public_copy", args=[copy.code])
    download = c.get(reverse("onestop:public_copy_download", args=[copy.code]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    data = b"".join(download.streaming_content)
    assert len(PdfReader(io.BytesIO(data)).pages) == 4
    assert PublicLookupAttempt.objects.count() == 0


def test_public_check_of_a_tampered_file_says_invalid(copy_pki, agency, chair, settings):
    from pathlib import Path

    copy = _certify(chair, agency)
    path = Path(settings.MEDIA_ROOT) / copy.certified_file.path
    path.write_bytes(path.read_bytes().replace(b"Ban chinh trang 1", b"Ban chinh trang 7"))
    body = _text(_client().get(reverse("onestop:public_copy", args=[copy.code])))
    assert "Chữ ký số không hợp lệ" in body
    assert "nội dung tệp đã bị thay đổi sau khi ký" in body


def test_unknown_codes_get_one_neutral_message_and_are_rate_limited(copy_pki, agency, chair):
    copy = _certify(chair, agency)
    c = _client()
    guesses = ["ABCD-EFGH-JKLM", "abcd", "..%2Fetc", "ZZZZ-ZZZZ-ZZZ0", "X" * 40]
    bodies = set()
    for guess in guesses:
        response = c.get(reverse("onestop:public_copy", args=[guess]))
        assert response.status_code == 404
        bodies.add(_text(response).split('role="alert">')[1].split("<")[0])
    assert bodies == {copies.NEUTRAL_MESSAGE}
    form = c.get(reverse("onestop:public_copy_form"), {"ma": "sai"})
    assert form.status_code == 404 and copies.NEUTRAL_MESSAGE in _text(form)
    assert PublicLookupAttempt.objects.filter(kind="copy").count() == 6
    for _ in range(4):
        assert c.get(reverse("onestop:public_copy", args=["QQQQ-QQQQ-QQQQ"])).status_code == 404
    blocked = c.get(reverse("onestop:public_copy", args=[copy.code]))  # even the right code, once blocked
    assert blocked.status_code == 429
    assert "Bạn đã nhập sai mã quá nhiều lần" in _text(blocked)
    assert c.get(reverse("onestop:public_copy_download", args=[copy.code])).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9")  # another client is not blocked
    assert other.get(reverse("onestop:public_copy", args=[copy.code])).status_code == 200


def test_the_block_lifts_after_the_window(copy_pki, agency, chair):
    copy = _certify(chair, agency)
    from django.test import RequestFactory

    from congvu.onestop.public import client_key

    client = client_key(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1"))
    long_ago = dt.datetime.now(dt.UTC) - copies.LOOKUP.window - dt.timedelta(minutes=1)
    PublicLookupAttempt.objects.bulk_create(
        [PublicLookupAttempt(client=client, at=long_ago, kind="copy") for _ in range(20)]
        + [PublicLookupAttempt(client=client, at=dt.datetime.now(dt.UTC), kind="lookup") for _ in range(20)])
    assert _client().get(reverse("onestop:public_copy", args=[copy.code])).status_code == 200


def test_an_upload_cut_short_by_the_size_limit_is_refused_on_the_form(copy_pki, agency, chair, settings):
    settings.MAX_UPLOAD_BYTES = 2_000
    response = _client(chair).post(reverse("onestop:copy_new"), {
        "files": [upload(pdf_bytes(30))], "document_title": "Giấy tờ", "requester_name": "A",
        "certifier": str(chair.official.pk)})
    assert response.status_code == 200
    assert "vượt quá giới hạn" in _text(response)
    assert CertifiedCopy.objects.count() == 0
