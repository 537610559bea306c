"""Pages of the registry through Django's test client: what each page shows, registration through the
form (token, bad input, duplicates, files) and navigation (filters, keyset pages, htmx partials)."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.documents import views
from congvu.documents.models import Attachment, Document, Register, Secrecy, StoredFile, Urgency
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf, outgoing_data, pdf_upload
from congvu.org.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The fixtures create one login per role; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

TODAY = timezone.localdate()


def _login(client, user):
    client.force_login(user)
    return client


def _form(token="tok-1", **overrides):
    """What a clerk types into the incoming form."""
    values = {
        "request_token": token, "received_on": TODAY.strftime("%d/%m/%Y"), "doc_type": "quyet_dinh",
        "number_notation": "125/QĐ-UBND", "issued_date": (TODAY - dt.timedelta(days=2)).strftime("%d/%m/%Y"),
        "issuer": "UBND tỉnh Quảng Nam", "subject": "Về việc giao chỉ tiêu kế hoạch năm 2026",
        "signer": "Lê Văn Dũng", "signer_title": "KT. CHỦ TỊCH", "urgency": "normal", "secrecy": "normal",
        "channel": "paper", "pages": "3", "due_date": "", "receiving_department_id": "",
        "receiving_official_id": "", "notes": "",
    }
    values.update(overrides)
    return values


# --- login, layout, home -----------------------------------------------------------------------

def test_anonymous_user_is_sent_to_the_login_page(client):
    for url in (reverse("documents:home"), reverse("documents:incoming_list"), reverse("documents:search")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_login_page_is_vietnamese_and_logs_in(client, clerk):
    page = client.get("/login/")
    assert page.status_code == 200
    assert "Tên đăng nhập" in page.content.decode() and "Mật khẩu" in page.content.decode()
    bad = client.post("/login/", {"username": "vanthu", "password": "sai-mat-khau"})
    assert bad.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in bad.content.decode()
    ok = client.post("/login/", {"username": "vanthu", "password": "matkhau-123"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "UBND huyện Nông Sơn" in home.content.decode()


def test_logout_is_a_post(client, clerk):
    _login(client, clerk)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_assets_are_served_locally(client, clerk):
    html = _login(client, clerk).get("/").content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/congvu/app.css" in html
    assert "https://" not in html and "http://" not in html
    assert client.get("/static/congvu/app.css").status_code == 200


def test_home_shows_todays_counts_and_urgent_items(client, agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="2", urgency=Urgency.FLASH, subject="Về việc ứng phó bão số 3", due_date=TODAY + dt.timedelta(days=1)))
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    html = _login(client, clerk).get("/").content.decode()
    assert re.search(r'data-count="incoming_today">2<', html)
    assert re.search(r'data-count="outgoing_today">1<', html)
    assert re.search(r'data-count="urgent_open">1<', html)
    assert "Về việc ứng phó bão số 3" in html
    assert '<span class="badge badge-urgent badge-flash">Hỏa tốc</span>' in html


def test_user_without_any_position_gets_403(client, django_user_model):
    user = django_user_model.objects.create_user(username="khach", password="matkhau-123")
    response = _login(client, user).get("/")
    assert response.status_code == 403
    assert "Tài khoản chưa được phân công vào cơ quan nào." in response.content.decode()
    assert client.get(reverse("documents:incoming_list")).status_code == 403


def test_system_admin_without_position_lands_on_the_agency_list(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="admin", password="matkhau-123")
    response = _login(client, admin).get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("org:agency_list")
    assert "Cơ quan trong hệ thống" in response.content.decode()


def test_invisible_document_gets_a_vietnamese_404(client, agency, other_agency, clerk, other_clerk):
    doc = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    response = _login(client, clerk).get(reverse("documents:detail", args=[doc.pk]))
    assert response.status_code == 404
    assert "Không tìm thấy trang hoặc văn bản" in response.content.decode()


# --- lists -------------------------------------------------------------------------------------

def test_incoming_list_shows_own_agency_only_with_urgency_and_secrecy_marks(
        client, agency, other_agency, clerk, other_clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", subject="Văn bản thường của huyện"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="2", subject="Văn bản khẩn của huyện", urgency=Urgency.URGENT))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="3", subject="Văn bản mật của huyện", secrecy=Secrecy.CONFIDENTIAL))
    incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(subject="Văn bản của xã"))
    html = _login(client, clerk).get(reverse("documents:incoming_list")).content.decode()
    assert "Văn bản thường của huyện" in html
    assert "Văn bản khẩn của huyện" in html
    assert "Văn bản mật của huyện" in html  # the clerk who registered it is named on it
    assert "Văn bản của xã" not in html
    assert html.count('class="is-urgent"') == 1
    assert '<span class="badge badge-urgent badge-urgent">Khẩn</span>' in html
    assert '<span class="badge badge-secret" title="Văn bản mật">MẬT</span>' in html
    assert html.count('data-label="Số đến"><strong>') == 3
    assert "125/QĐ-UBND" not in html  # the numbers are 1, 2, 3
    assert "1/QĐ-UBND" in html


def test_outgoing_list_shows_outgoing_documents(client, agency, clerk):
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data(subject="Về việc tổ chức hội nghị"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(subject="Một văn bản đến"))
    html = _login(client, clerk).get(reverse("documents:outgoing_list")).content.decode()
    assert "Về việc tổ chức hội nghị" in html and "01/QĐ-UBND" in html
    assert "Một văn bản đến" not in html


def test_keyset_pagination_walks_forward_and_back(client, agency, clerk, monkeypatch):
    monkeypatch.setattr(views, "LIST_LIMIT", 2)
    docs = [incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(n), subject=f"Trích yếu {n}"))
            for n in range(1, 6)]
    _login(client, clerk)
    url = reverse("documents:incoming_list")

    def subjects(response):
        return re.findall(r"Trích yếu (\d)", response.content.decode())

    first = client.get(url)
    assert subjects(first) == ["5", "4"]
    assert f"?after={docs[3].pk}" in first.content.decode()
    assert "?before=" not in first.content.decode()
    second = client.get(url, {"after": docs[3].pk})
    assert subjects(second) == ["3", "2"]
    assert f"?before={docs[2].pk}" in second.content.decode()
    third = client.get(url, {"after": docs[1].pk})
    assert subjects(third) == ["1"]
    assert "?after=" not in third.content.decode()
    back = client.get(url, {"before": docs[2].pk})
    assert subjects(back) == ["5", "4"]


def test_htmx_filter_request_returns_only_the_table(client, agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", subject="Công văn thường"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="2", subject="Công văn hỏa tốc", urgency=Urgency.FLASH))
    response = _login(client, clerk).get(reverse("documents:incoming_list"), {"urgency": "flash"},
                                         HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<table" in html
    assert "Công văn hỏa tốc" in html and "Công văn thường" not in html
    assert "HX-Request" in response["Vary"]
    restore = client.get(reverse("documents:incoming_list"), {"urgency": "flash"}, HTTP_HX_REQUEST="true",
                         HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()  # the back button gets the whole page


def test_bad_filter_date_shows_a_message_not_an_error_page(client, agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    response = _login(client, clerk).get(reverse("documents:incoming_list"), {"date_from": "31/02/2026"})
    assert response.status_code == 200
    assert "31/02/2026" in response.content.decode()
    assert "không hợp lệ" in response.content.decode()


# --- registration ------------------------------------------------------------------------------

def test_incoming_form_has_keyboard_friendly_defaults(client, clerk):
    response = _login(client, clerk).get(reverse("documents:incoming_new"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{TODAY:%d/%m/%Y}"' in html
    assert re.search(r'<option value="cong_van" selected>Công văn</option>', html)
    assert re.search(r'<option value="paper" selected>Giấy</option>', html)
    assert re.search(r'<option value="normal" selected>Thường</option>', html)
    assert re.search(r'name="request_token" value="[0-9a-f]{32}"', html)
    assert 'list="issuer-list"' in html and 'name="attachments"' in html and "multiple" in html


def test_register_incoming_through_the_form(client, agency, clerk):
    _login(client, clerk)
    pdf = SimpleUploadedFile("qd-125.pdf", minimal_pdf(), content_type="application/pdf")
    response = client.post(reverse("documents:incoming_new"), _form(attachments=[pdf]))
    doc = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:detail", args=[doc.pk])
    assert (doc.number, doc.notation, doc.register_number) == ("125", "QĐ-UBND", 1)
    assert doc.issued_date == TODAY - dt.timedelta(days=2)
    assert doc.pages == 3 and doc.channel == "paper" and doc.created_by == clerk
    assert list(doc.attachments.values_list("original_name", flat=True)) == ["qd-125.pdf"]
    page = client.get(response["Location"])
    assert "Đã vào sổ văn bản đến: số đến 1" in page.content.decode()


def test_double_submit_with_the_same_token_registers_once(client, agency, clerk):
    _login(client, clerk)
    first = client.post(reverse("documents:incoming_new"), _form(token="same-token"))
    second = client.post(reverse("documents:incoming_new"), _form(token="same-token"))
    assert Document.objects.count() == 1
    assert first["Location"] == second["Location"] == reverse("documents:detail", args=[Document.objects.get().pk])
    assert Register.objects.get().next_number == 2


def test_bad_date_keeps_the_values_and_registers_nothing(client, agency, clerk):
    _login(client, clerk)
    response = client.post(reverse("documents:incoming_new"), _form(issued_date="32/13/2025"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ngày “32/13/2025” không hợp lệ" in html
    assert 'value="UBND tỉnh Quảng Nam"' in html and "Về việc giao chỉ tiêu kế hoạch năm 2026" in html
    assert 'value="125/QĐ-UBND"' in html
    assert Document.objects.count() == 0 and Register.objects.count() == 0


def test_missing_required_fields_are_marked_beside_the_fields(client, agency, clerk):
    _login(client, clerk)
    response = client.post(reverse("documents:incoming_new"), _form(issuer="   ", subject=""))
    html = response.content.decode()
    assert "Vui lòng nhập cơ quan ban hành." in html and "Vui lòng nhập trích yếu." in html
    assert html.count('class="field has-error') >= 1 and "has-error span-2" not in html
    assert Document.objects.count() == 0


def test_wrong_file_type_is_refused_and_asks_to_choose_files_again(client, agency, clerk):
    _login(client, clerk)
    fake = SimpleUploadedFile("quyet-dinh.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(reverse("documents:incoming_new"), _form(attachments=[fake]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nội dung tệp “quyet-dinh.pdf” không phải PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF." in html
    assert "vui lòng chọn lại tệp đính kèm" in html
    assert Document.objects.count() == 0 and StoredFile.objects.count() == 0 and Register.objects.count() == 0


def test_duplicate_is_shown_and_can_be_confirmed(client, agency, clerk):
    first = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="125", notation="QĐ-UBND", issued_date=TODAY - dt.timedelta(days=2)))
    _login(client, clerk)
    response = client.post(reverse("documents:incoming_new"), _form(token="dup-1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Có thể trùng văn bản đã vào sổ" in html
    assert reverse("documents:detail", args=[first.pk]) in html
    assert 'name="allow_duplicate" value="1"' in html
    assert Document.objects.count() == 1
    confirmed = client.post(reverse("documents:incoming_new"), _form(token="dup-1", allow_duplicate="1"))
    assert confirmed.status_code == 302
    assert Document.objects.count() == 2
    assert Document.objects.latest("pk").register_number == 2


def test_register_outgoing_through_the_form(client, agency, other_agency, clerk):
    _login(client, clerk)
    form = client.get(reverse("documents:outgoing_new")).content.decode()
    assert "UBND xã Quế Phước" in form and f'value="{TODAY:%d/%m/%Y}"' in form
    vp = agency.departments.get(code="VP")
    response = client.post(reverse("documents:outgoing_new"), {
        "request_token": "out-1", "doc_type": "cong_van", "issued_date": TODAY.strftime("%d/%m/%Y"),
        "subject": "V/v báo cáo tình hình thực hiện nhiệm vụ", "signer": "Nguyễn Văn An", "signer_title": "CHỦ TỊCH",
        "drafting_department_id": str(vp.pk), "urgency": "normal", "secrecy": "normal",
        "recipient_agency_ids": [str(other_agency.pk)], "recipient_names": "Sở Nội vụ tỉnh Quảng Nam\n\n  ",
        "dispatched_on": TODAY.strftime("%d/%m/%Y"), "copies": "5",
    })
    doc = Document.objects.get()
    assert response.status_code == 302
    assert doc.number_notation == "01/UBND-VP" and doc.copies == 5 and doc.dispatched_on == TODAY
    assert list(doc.recipients.values_list("name", flat=True)) == ["UBND xã Quế Phước", "Sở Nội vụ tỉnh Quảng Nam"]
    assert "Đã cấp số văn bản đi: 01/UBND-VP." in client.get(response["Location"]).content.decode()


def test_outgoing_without_recipients_is_refused_beside_the_field(client, agency, clerk):
    _login(client, clerk)
    response = client.post(reverse("documents:outgoing_new"), {
        "request_token": "out-2", "doc_type": "quyet_dinh", "subject": "Về việc A", "signer": "B"})
    assert "Vui lòng nhập nơi nhận." in response.content.decode()
    assert Document.objects.count() == 0


def test_issuer_suggestions_come_from_earlier_documents(client, agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", issuer="Sở Tài chính tỉnh Quảng Nam"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2", issuer="Sở Y tế tỉnh Quảng Nam"))
    html = _login(client, clerk).get(reverse("documents:issuer_suggest"), {"issuer": "so tai"}).content.decode()
    assert '<option value="Sở Tài chính tỉnh Quảng Nam">' in html
    assert "Sở Y tế" not in html


# --- detail and files --------------------------------------------------------------------------

def test_detail_shows_metadata_pdf_and_history(client, agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(urgency=Urgency.VERY_URGENT),
                            uploads=[pdf_upload("qd.pdf")])
    attachment = Attachment.objects.get()
    html = _login(client, clerk).get(reverse("documents:detail", args=[doc.pk])).content.decode()
    assert "125/QĐ-UBND" in html and "UBND tỉnh Quảng Nam" in html and "Lê Văn Dũng" in html
    assert (TODAY - dt.timedelta(days=2)).strftime("%d/%m/%Y") in html
    assert '<span class="badge badge-urgent badge-very">Thượng khẩn</span>' in html
    inline_url = reverse("documents:attachment", args=[doc.pk, attachment.pk]) + "?inline=1"
    assert f'src="{inline_url}"' in html
    assert "Vào sổ văn bản đến" in html and "vanthu" in html
    inline = client.get(inline_url)
    assert inline.status_code == 200 and inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline")
    assert b"".join(inline.streaming_content) == minimal_pdf()
    download = client.get(reverse("documents:attachment", args=[doc.pk, attachment.pk]))
    assert download["Content-Disposition"].startswith("attachment") and 'filename="qd.pdf"' in download[
        "Content-Disposition"]


def test_opening_and_downloading_a_secret_document_is_journaled(client, agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(secrecy=Secrecy.SECRET),
                            uploads=[pdf_upload()])
    attachment = Attachment.objects.get()
    _login(client, clerk)
    assert client.get(reverse("documents:detail", args=[doc.pk])).status_code == 200
    assert client.get(reverse("documents:attachment", args=[doc.pk, attachment.pk])).status_code == 200
    actions = list(JournalEntry.objects.filter(object_type="documents.document", object_id=str(doc.pk))
                   .order_by("seq").values_list("action", "actor_name"))
    assert actions == [("document.register_incoming", "vanthu"), ("document.view", "vanthu"),
                       ("document.download", "vanthu")]


def test_normal_document_views_are_not_journaled(client, agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    before = JournalEntry.objects.count()
    _login(client, clerk).get(reverse("documents:detail", args=[doc.pk]))
    assert JournalEntry.objects.count() == before


def test_attachment_of_another_document_is_404(client, agency, clerk):
    a = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"), uploads=[pdf_upload()])
    b = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"))
    att = a.attachments.get()
    assert _login(client, clerk).get(reverse("documents:attachment", args=[b.pk, att.pk])).status_code == 404


# --- search ------------------------------------------------------------------------------------

def test_search_without_accents_finds_and_highlights(client, agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", subject="Về việc phòng chống thiên tai"))
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2", subject="Về việc tuyển dụng công chức"))
    response = _login(client, clerk).get(reverse("documents:search"), {"q": "thien tai"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Về việc phòng chống <mark>thiên</mark> <mark>tai</mark>" in html
    assert "tuyển dụng" not in html


def test_search_page_starts_empty(client, clerk):
    html = _login(client, clerk).get(reverse("documents:search")).content.decode()
    assert 'name="q"' in html and "<table" not in html


# --- agency switcher (kiêm nhiệm) --------------------------------------------------------------

def test_agency_switcher_changes_the_active_agency(client, agency, other_agency, clerk, other_clerk):
    Membership.objects.create(official=clerk.official, agency=other_agency, role=Role.CLERK)
    incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(subject="Văn bản của xã"))
    _login(client, clerk)
    session_agency = client.get("/").wsgi_request.session["agency_id"]
    assert session_agency == min(agency.pk, other_agency.pk)
    html = client.get("/").content.decode()
    assert 'id="agency-switch"' in html
    response = client.post(reverse("org:agency_switch"), {"agency_id": other_agency.pk})
    assert response.status_code == 302
    assert client.session["agency_id"] == other_agency.pk
    assert "Văn bản của xã" in client.get(reverse("documents:incoming_list")).content.decode()


def test_agency_switcher_refuses_an_agency_without_position(client, agency, other_agency, clerk):
    _login(client, clerk)
    client.get("/")
    response = client.post(reverse("org:agency_switch"), {"agency_id": other_agency.pk})
    assert response.status_code == 403
    assert client.session["agency_id"] == agency.pk


def test_single_agency_users_see_no_switcher(client, clerk):
    assert 'id="agency-switch"' not in _login(client, clerk).get("/").content.decode()
