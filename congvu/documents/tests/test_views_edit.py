"""Correcting a registered document through the "Sửa thông tin" page: what it shows, what it changes
(through services.document_update), its Vietnamese errors, who may use it, and the history line the
detail page shows afterwards."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.documents.forms import DocumentEditForm
from congvu.documents.models import Document, DocumentAccess, DocumentStatus, Secrecy, Urgency
from congvu.documents.services import EDITABLE_FIELDS, incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import Department

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ISSUED = TODAY - dt.timedelta(days=2)
OLD_SUBJECT = "Về việc giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội năm 2026"


def _state():
    """Everything a refused or failed correction must leave untouched."""
    return list(Document.objects.order_by("pk").values()), JournalEntry.objects.count(), DocumentAccess.objects.count()


def _incoming(agency, clerk, **overrides):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(**overrides))


def _post(doc, **overrides):
    """The edit form as the page sends it, with its current values, then the changes."""
    form = DocumentEditForm(document=doc)
    values = {name: form.initial.get(name, "") for name in form.fields}
    values.update(overrides)
    return values


def _edit_url(doc):
    return reverse("documents:edit", args=[doc.pk])


# --- the page -------------------------------------------------------------------------------------

def test_form_offers_only_fields_the_service_edits(agency, clerk):
    incoming = _incoming(agency, clerk)
    outgoing = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    assert list(DocumentEditForm(document=incoming).fields) == [
        "subject", "signer", "signer_title", "urgency", "pages", "due_date", "receiving_department_id",
        "receiving_official_id", "dispatched_on", "notes"]
    assert list(DocumentEditForm(document=outgoing).fields) == [
        "subject", "signer", "signer_title", "urgency", "pages", "due_date", "dispatched_on", "copies", "notes"]
    assert set(DocumentEditForm.INCOMING_FIELDS) <= set(EDITABLE_FIELDS)
    assert set(DocumentEditForm.OUTGOING_FIELDS) <= set(EDITABLE_FIELDS)


def test_detail_page_links_to_the_edit_page_for_clerks_and_agency_admins_only(client, agency, clerk, agency_admin,
                                                                              leader):
    doc = _incoming(agency, clerk)
    link = f'<a class="btn" href="{_edit_url(doc)}">Sửa thông tin</a>'
    for user, shown in ((clerk, True), (agency_admin, True), (leader, False)):
        client.force_login(user)
        html = client.get(reverse("documents:detail", args=[doc.pk])).content.decode()
        assert (link in html) is shown, user.username


def test_edit_page_shows_numbers_dates_and_register_read_only(client, agency, clerk):
    doc = _incoming(agency, clerk, pages=4)
    client.force_login(clerk)
    response = client.get(_edit_url(doc))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1 class=\"doc-title\">Sửa thông tin văn bản</h1>" in html
    assert f"<dt>Sổ</dt><dd>Sổ văn bản đến năm {TODAY.year}</dd>" in html
    assert "<dt>Số đến</dt><dd><strong>1</strong></dd>" in html
    assert "<dt>Số, ký hiệu</dt><dd>125/QĐ-UBND</dd>" in html
    assert f"<dt>Ngày ban hành</dt><dd>{ISSUED:%d/%m/%Y}</dd>" in html
    assert "<dt>Cơ quan ban hành</dt><dd>UBND tỉnh Quảng Nam</dd>" in html
    # None of the fixed values is an input.
    for name in ("register", "register_number", "number", "notation", "issued_date", "issuer", "doc_type", "secrecy"):
        assert f'name="{name}"' not in html
    assert f'<textarea name="subject" cols="40" rows="3" id="id_subject">\n{OLD_SUBJECT}</textarea>' in html
    assert '<input type="text" name="pages" value="4" inputmode="numeric" id="id_pages">' in html
    assert '<option value="normal" selected>Thường</option>' in html
    assert '<option value="' + str(Department.objects.get(code="NV").pk) + '">Phòng Nội vụ</option>' in html


def test_outgoing_edit_page_has_copies_and_reply_due_date(client, agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(copies=5))
    client.force_login(clerk)
    html = client.get(_edit_url(doc)).content.decode()
    assert '<label for="id_copies">Số lượng bản</label>' in html
    assert '<input type="text" name="copies" value="5" inputmode="numeric" id="id_copies">' in html
    assert '<label for="id_due_date">Hạn trả lời</label>' in html
    assert 'name="receiving_department_id"' not in html
    assert "<dt>Số, ký hiệu</dt><dd>01/QĐ-UBND</dd>" in html


# --- correcting -----------------------------------------------------------------------------------

def test_correction_changes_the_document_and_the_history_shows_it_in_vietnamese(client, agency, clerk):
    doc = _incoming(agency, clerk)
    nv = Department.objects.get(code="NV")
    client.force_login(clerk)
    response = client.post(_edit_url(doc), _post(
        doc, subject="  Về việc giao chỉ tiêu kế hoạch năm 2027 ", urgency="flash", pages="5",
        receiving_department_id=str(nv.pk), dispatched_on=TODAY.strftime("%d/%m/%Y")))
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:detail", args=[doc.pk])

    doc.refresh_from_db()
    assert (doc.subject, doc.urgency, doc.pages, doc.receiving_department_id, doc.dispatched_on) == (
        "Về việc giao chỉ tiêu kế hoạch năm 2027", Urgency.FLASH, 5, nv.pk, TODAY)
    assert (doc.register_number, doc.number, doc.notation, doc.issued_date) == (1, "125", "QĐ-UBND", ISSUED)
    entry = JournalEntry.objects.get(action="document.update")
    assert entry.before == {"subject": OLD_SUBJECT, "urgency": "normal", "pages": None,
                            "receiving_department_id": None, "dispatched_on": None}
    assert entry.after == {"subject": "Về việc giao chỉ tiêu kế hoạch năm 2027", "urgency": "flash", "pages": 5,
                           "receiving_department_id": nv.pk, "dispatched_on": TODAY.isoformat()}

    html = client.get(response["Location"]).content.decode()
    assert '<div class="alert alert-success">Đã sửa thông tin văn bản.</div>' in html
    assert "<strong>Sửa thông tin văn bản</strong>" in html
    assert (f'<li>Trích yếu: <span class="old">{OLD_SUBJECT}</span> → '
            '<span class="new">Về việc giao chỉ tiêu kế hoạch năm 2027</span></li>') in html
    assert '<li>Độ khẩn: <span class="old">Thường</span> → <span class="new">Hỏa tốc</span></li>' in html
    assert '<li>Số trang: <span class="old">(trống)</span> → <span class="new">5</span></li>' in html
    assert '<li>Đơn vị nhận: <span class="old">(trống)</span> → <span class="new">Phòng Nội vụ</span></li>' in html
    assert (f'<li>Ngày chuyển: <span class="old">(trống)</span> → '
            f'<span class="new">{TODAY:%d/%m/%Y}</span></li>') in html
    # The fields in the order of the form.
    assert html.index("<li>Trích yếu:") < html.index("<li>Độ khẩn:") < html.index("<li>Ngày chuyển:")


def test_outgoing_dispatch_date_marks_it_dispatched_in_the_history(client, agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    assert doc.status == DocumentStatus.ISSUED
    client.force_login(clerk)
    response = client.post(_edit_url(doc), _post(doc, dispatched_on=TODAY.strftime("%d/%m/%Y"), copies="12"))
    assert response.status_code == 302
    doc.refresh_from_db()
    assert (doc.status, doc.dispatched_on, doc.copies) == (DocumentStatus.DISPATCHED, TODAY, 12)
    html = client.get(response["Location"]).content.decode()
    assert '<li>Số lượng bản: <span class="old">(trống)</span> → <span class="new">12</span></li>' in html
    assert '<li>Trạng thái: <span class="old">Đã ban hành</span> → <span class="new">Đã phát hành</span></li>' in html


def test_unchanged_form_changes_nothing_and_writes_no_journal_row(client, agency, clerk):
    doc = _incoming(agency, clerk)
    before = _state()
    client.force_login(clerk)
    response = client.post(_edit_url(doc), _post(doc), follow=True)
    assert response.redirect_chain == [(reverse("documents:detail", args=[doc.pk]), 302)]
    assert '<div class="alert alert-info">Không có thông tin nào thay đổi.</div>' in response.content.decode()
    assert _state() == before


def test_fields_missing_from_the_request_are_left_alone(client, agency, clerk):
    doc = _incoming(agency, clerk, pages=7, notes="Bản gốc lưu tại văn thư")
    client.force_login(clerk)
    assert client.post(_edit_url(doc), {"subject": "Trích yếu đã sửa"}).status_code == 302
    doc.refresh_from_db()
    assert (doc.subject, doc.pages, doc.notes, doc.signer) == (
        "Trích yếu đã sửa", 7, "Bản gốc lưu tại văn thư", "Lê Văn Dũng")


def test_fixed_fields_in_a_forged_request_are_ignored(client, agency, clerk):
    doc = _incoming(agency, clerk)
    client.force_login(clerk)
    response = client.post(_edit_url(doc), _post(doc, subject="Trích yếu đã sửa", register_number="99",
                                                  number="1", issued_date="01/01/2020", secrecy="top_secret"))
    assert response.status_code == 302
    doc.refresh_from_db()
    assert (doc.subject, doc.register_number, doc.number, doc.issued_date, doc.secrecy) == (
        "Trích yếu đã sửa", 1, "125", ISSUED, Secrecy.NORMAL)


# --- bad input ------------------------------------------------------------------------------------

def test_errors_are_vietnamese_beside_the_fields_and_nothing_changes(client, agency, clerk):
    doc = _incoming(agency, clerk)
    before = _state()
    client.force_login(clerk)
    response = client.post(_edit_url(doc), _post(doc, subject="   ", pages="ba", due_date="31/02/2026",
                                                  urgency="rat_khan", signer="Nguyễn " * 20))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Chưa lưu được.</strong> Vui lòng sửa các ô được đánh dấu đỏ; thông tin văn bản chưa thay đổi." in html
    errors = {
        "subject": "Vui lòng nhập trích yếu.",
        "pages": "Số trang phải là số nguyên.",
        "due_date": "Ngày “31/02/2026” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026.",
        "urgency": "Độ khẩn “rat_khan” không hợp lệ.",
        "signer": "Người ký dài quá 100 ký tự.",
    }
    for name, message in errors.items():
        assert f'<div class="error" id="id_{name}_error" role="alert">{message}</div>' in html, name
    # What the clerk typed is kept for correcting.
    assert ('<input type="text" name="pages" value="ba" inputmode="numeric" aria-invalid="true" '
            'aria-describedby="id_pages_error" id="id_pages">') in html
    assert _state() == before


def test_dates_before_the_document_are_refused(client, agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(issued_date=ISSUED))
    before = _state()
    client.force_login(clerk)
    earlier = (ISSUED - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    html = client.post(_edit_url(doc), _post(doc, dispatched_on=earlier, due_date=earlier)).content.decode()
    assert ('<div class="error" id="id_dispatched_on_error" role="alert">'
            'Ngày chuyển không được trước ngày ban hành.</div>') in html
    assert '<div class="error" id="id_due_date_error" role="alert">Hạn xử lý không được trước ngày ban hành.</div>' in html
    assert _state() == before


def test_receiving_unit_of_another_agency_is_refused(client, agency, other_agency, clerk):
    doc = _incoming(agency, clerk)
    foreign = Department.objects.create(agency=other_agency, name="Văn phòng xã", code="VPX")
    before = _state()
    client.force_login(clerk)
    html = client.post(_edit_url(doc), _post(doc, receiving_department_id=str(foreign.pk))).content.decode()
    assert ('<div class="error" id="id_receiving_department_id_error" role="alert">'
            'Đơn vị nhận không thuộc cơ quan.</div>') in html
    assert _state() == before


# --- who may correct ------------------------------------------------------------------------------

def test_agency_admin_may_correct(client, agency, clerk, agency_admin):
    doc = _incoming(agency, clerk)
    client.force_login(agency_admin)
    assert client.post(_edit_url(doc), _post(doc, notes="Đã chuyển lãnh đạo")).status_code == 302
    doc.refresh_from_db()
    assert doc.notes == "Đã chuyển lãnh đạo"


@pytest.mark.parametrize("role", ["leader", "officer"])
def test_users_who_see_the_document_but_do_not_register_get_403_and_nothing_changes(
        request, client, agency, clerk, role):
    user = request.getfixturevalue(role)
    doc = _incoming(agency, clerk, receiving_official_id=user.official.pk)  # visible to the officer too
    before = _state()
    client.force_login(user)
    for response in (client.get(_edit_url(doc)), client.post(_edit_url(doc), _post(doc, subject="Sửa trái phép"))):
        assert response.status_code == 403
        assert "Chỉ văn thư của cơ quan được sửa thông tin văn bản." in response.content.decode()
    assert _state() == before


def test_invisible_documents_get_404_and_nothing_changes(client, agency, other_agency, clerk, other_clerk, officer):
    foreign = _incoming(other_agency, other_clerk)
    # A secret document the clerk who registered it is named on; a second clerk is not.
    from conftest import make_official

    second_clerk = make_official(agency, "clerk", username="vanthu2").user
    secret = _incoming(agency, clerk, number="7", secrecy=Secrecy.CONFIDENTIAL)
    unaddressed = _incoming(agency, clerk, number="8")
    before = _state()
    for user, doc in ((clerk, foreign), (second_clerk, secret), (officer, unaddressed)):
        client.force_login(user)
        for response in (client.get(_edit_url(doc)), client.post(_edit_url(doc), _post(doc, subject="Sửa"))):
            assert response.status_code == 404, (user.username, doc.pk)
            assert "Không tìm thấy trang hoặc văn bản" in response.content.decode()
    assert _state() == before


def test_anonymous_user_is_sent_to_login_and_nothing_changes(client, agency, clerk):
    doc = _incoming(agency, clerk)
    before = _state()
    response = client.post(_edit_url(doc), _post(doc, subject="Sửa"))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert _state() == before


def test_new_receiver_of_a_secret_document_is_named_on_it(client, agency, clerk, officer):
    doc = _incoming(agency, clerk, secrecy=Secrecy.CONFIDENTIAL)
    client.force_login(officer)
    assert client.get(reverse("documents:detail", args=[doc.pk])).status_code == 404
    client.force_login(clerk)
    response = client.post(_edit_url(doc), _post(doc, receiving_official_id=str(officer.official.pk)))
    assert response.status_code == 302
    assert set(DocumentAccess.objects.filter(document=doc).values_list("official__user__username", flat=True)) == {
        "vanthu", "chuyenvien"}
    client.force_login(officer)
    assert client.get(reverse("documents:detail", args=[doc.pk])).status_code == 200
