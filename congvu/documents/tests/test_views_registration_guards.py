"""Registration pages refuse what the service must never see half of: an upload the size guard cut off
(the file would be missing) and select values the form would otherwise drop (the document would
register without them). Each refusal shows a Vietnamese message and leaves nothing behind."""

import datetime as dt
import html as html_lib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.documents.models import Attachment, Document, Register, StoredFile
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf, outgoing_data
from congvu.org.models import Department, Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _incoming_form(**overrides) -> dict:
    """The incoming form as a browser sends it: the file input comes last in the page."""
    values = {
        "request_token": "tok-guard", "received_on": TODAY.strftime("%d/%m/%Y"), "doc_type": "quyet_dinh",
        "number_notation": "125/QĐ-UBND", "issued_date": (TODAY - dt.timedelta(days=2)).strftime("%d/%m/%Y"),
        "issuer": "UBND tỉnh Quảng Nam", "subject": "Về việc giao chỉ tiêu kế hoạch năm 2026",
        "signer": "Lê Văn Dũng", "urgency": "normal", "secrecy": "normal", "channel": "paper",
        "receiving_department_id": "", "receiving_official_id": "",
    }
    values.update(overrides)
    return values


def _outgoing_form(**overrides) -> dict:
    values = {
        "request_token": "out-guard", "doc_type": "quyet_dinh", "issued_date": TODAY.strftime("%d/%m/%Y"),
        "subject": "Về việc kiện toàn Ban Chỉ đạo", "signer": "Nguyễn Văn An", "urgency": "normal",
        "secrecy": "normal", "recipient_names": "Sở Nội vụ tỉnh Quảng Nam",
    }
    values.update(overrides)
    return values


def _state() -> dict:
    return {
        "documents": Document.objects.count(),
        "registers": list(Register.objects.order_by("pk").values_list("pk", "next_number")),
        "files": StoredFile.objects.count(),
        "attachments": Attachment.objects.count(),
        "journal": JournalEntry.objects.count(),
    }


def _page(response) -> str:
    return html_lib.unescape(response.content.decode())


def _attachment_errors(page: str) -> list[str]:
    """The messages shown under the attachments field."""
    block = page.split('id="attachments-label"', 1)[1].split("</fieldset>", 1)[0]
    return [part.split("</div>", 1)[0] for part in block.split('<div class="error" role="alert">')[1:]]


def _field_errors(page: str, field: str) -> list[str]:
    """The messages shown under one form field (includes/field.html)."""
    start = page.index(f'for="id_{field}"')
    block = page[start:].split('<div class="field', 1)[0]
    return [part.split("</div>", 1)[0].split(">", 1)[1] for part in block.split('<div class="error"')[1:]]


# --- oversize uploads (C1) ---------------------------------------------------------------------

@pytest.mark.parametrize("url_name, form", [("documents:incoming_new", _incoming_form),
                                            ("documents:outgoing_new", _outgoing_form)])
def test_an_upload_over_the_limit_registers_nothing_and_says_why(client, settings, agency, clerk, url_name, form):
    # The existing register shows that no number is consumed.
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    settings.MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", minimal_pdf() + b"%" * 4096, content_type="application/pdf")
    before = _state()
    client.force_login(clerk)
    response = client.post(reverse(url_name), form(attachments=[big]))
    page = _page(response)
    assert response.status_code == 200
    assert _attachment_errors(page) == ["Tệp “scan.pdf” vượt quá giới hạn 1 KB."]
    assert "Chưa vào sổ được." in page
    assert "vui lòng chọn lại tệp đính kèm" in page
    # What was typed is kept for the second try.
    assert 'value="tok-guard"' in page or 'value="out-guard"' in page
    assert _state() == before


def test_an_upload_within_the_limit_still_registers_with_its_file(client, settings, agency, clerk):
    pdf = minimal_pdf()
    settings.MAX_UPLOAD_BYTES = len(pdf)
    client.force_login(clerk)
    response = client.post(reverse("documents:incoming_new"), _incoming_form(
        attachments=[SimpleUploadedFile("qd.pdf", pdf, content_type="application/pdf")]))
    doc = Document.objects.get()
    assert response.status_code == 302
    assert list(doc.attachments.values_list("original_name", flat=True)) == ["qd.pdf"]


# --- select values the form does not offer (C3) -------------------------------------------------

@pytest.fixture
def foreign(other_agency):
    """A department and an official of another agency: valid ids, but not this agency's."""
    dept = Department.objects.create(agency=other_agency, name="Phòng Tư pháp", code="TP")
    person = make_official(other_agency, Role.OFFICER, username="cb_xa", full_name="Trần Thị Xã")
    return {"department": dept, "official": person}


@pytest.mark.parametrize("field, value, message", [
    ("receiving_department_id", "foreign", "Đơn vị nhận không thuộc cơ quan."),
    ("receiving_department_id", "abc", "Đơn vị nhận không hợp lệ."),
    ("receiving_official_id", "foreign", "Người nhận không thuộc cơ quan."),
    ("receiving_official_id", "999999", "Người nhận không thuộc cơ quan."),
    ("urgency", "sieu_khan", "Độ khẩn “sieu_khan” không hợp lệ."),
    ("doc_type", "sac_lenh", "Loại văn bản “sac_lenh” không có trong danh mục."),
    # Too long: the service's message, not "please type an issuer" after the form dropped the value.
    ("issuer", "Ủ" * 201, "Cơ quan ban hành dài quá 200 ký tự."),
])
def test_incoming_form_refuses_a_choice_it_does_not_offer(client, agency, clerk, foreign, field, value, message):
    if value == "foreign":
        value = str(foreign["department"].pk if field == "receiving_department_id" else foreign["official"].pk)
    before = _state()
    client.force_login(clerk)
    response = client.post(reverse("documents:incoming_new"), _incoming_form(**{field: value}))
    page = _page(response)
    assert response.status_code == 200
    assert _field_errors(page, field) == [message]
    assert "Chưa vào sổ được." in page
    assert _state() == before


def test_incoming_form_refuses_a_secret_reader_of_another_agency(client, agency, clerk, foreign):
    before = _state()
    client.force_login(clerk)
    response = client.post(reverse("documents:incoming_new"), _incoming_form(
        secrecy="confidential", access_official_ids=[str(clerk.official.pk), str(foreign["official"].pk)]))
    page = _page(response)
    assert response.status_code == 200
    assert _field_errors(page, "access_official_ids") == ["Có người không thuộc cơ quan."]
    assert _state() == before


@pytest.mark.parametrize("value, message", [
    ("999999", "Có cơ quan nhận không tồn tại."),
    ("abc", "Mã cơ quan nhận không hợp lệ."),
])
def test_outgoing_form_refuses_an_unknown_recipient_agency(client, agency, other_agency, clerk, value, message):
    before = _state()
    client.force_login(clerk)
    response = client.post(reverse("documents:outgoing_new"), _outgoing_form(
        recipient_agency_ids=[str(other_agency.pk), value]))
    page = _page(response)
    assert response.status_code == 200
    assert _field_errors(page, "recipient_agency_ids") == [message]
    assert _state() == before


def test_outgoing_form_refuses_a_drafting_department_of_another_agency(client, agency, clerk, foreign):
    before = _state()
    client.force_login(clerk)
    response = client.post(reverse("documents:outgoing_new"), _outgoing_form(
        drafting_department_id=str(foreign["department"].pk)))
    assert _field_errors(_page(response), "drafting_department_id") == ["Đơn vị soạn thảo không thuộc cơ quan."]
    assert _state() == before


def test_offered_choices_still_register(client, agency, other_agency, clerk, officer):
    dept = agency.departments.get(code="NV")
    client.force_login(clerk)
    response = client.post(reverse("documents:incoming_new"), _incoming_form(
        receiving_department_id=str(dept.pk), receiving_official_id=str(officer.official.pk), urgency="flash"))
    assert response.status_code == 302
    doc = Document.objects.get()
    assert (doc.receiving_department_id, doc.receiving_official_id, doc.urgency) == (
        dept.pk, officer.official.pk, "flash")
    response = client.post(reverse("documents:outgoing_new"), _outgoing_form(
        recipient_agency_ids=[str(other_agency.pk)]))
    assert response.status_code == 302
    out = Document.objects.get(direction="out")
    assert list(out.recipients.values_list("name", flat=True)) == ["UBND xã Quế Phước", "Sở Nội vụ tỉnh Quảng Nam"]
