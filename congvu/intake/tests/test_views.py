"""The registration form with intake: upload at once, reading status, filling, corrections stored on
save, the duplicate warning and linking, and the accuracy page for leaders."""

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.documents.models import Attachment, Document, Register, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload
from congvu.intake.models import Extraction, ExtractionCorrection, ExtractionStatus, IntakeUpload
from congvu.intake.registration import form_fill, read_values
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

ISSUED = timezone.localdate() - dt.timedelta(days=3)

READ = {
    "issuer": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", "parent_issuer": None, "number": "2739", "notation": "UBND-KTTH",
    "doc_type": "Công văn", "place": "Quảng Nam", "date": ISSUED.isoformat(),
    "subject": "V/v triển khai kế hoạch chuyển đổi số năm 2026", "signer": "Lê Văn Dũng",
    "signer_title": "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "urgency": "KHẨN", "secrecy": None, "recipients": ["UBND các huyện"],
}
CONFIDENCE = {"issuer": 0.97, "parent_issuer": 0.9, "number": 0.99, "notation": 0.98, "doc_type": 0.95,
              "place": 0.9, "date": 0.99, "subject": 0.6, "signer": 0.95, "signer_title": 0.7, "urgency": 0.95,
              "secrecy": 0.95, "recipients": 0.8}


FONTS = Path("/usr/share/fonts/truetype/dejavu")


def cong_van_pdf(*, number="215", notation="UBND-VP", issuer="ỦY BAN NHÂN DÂN\nHUYỆN NÔNG SƠN", place="Nông Sơn",
                 date=ISSUED, subject="V/v triển khai nhiệm vụ chuyển đổi số năm 2026",
                 body="Thực hiện Kế hoạch số 45/KH-UBND của Ủy ban nhân dân tỉnh về chuyển đổi số năm 2026, Ủy ban "
                      "nhân dân huyện đề nghị các phòng, ban chuyên môn rà soát danh mục thủ tục hành chính.",
                 signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", signer="Nguyễn Văn An") -> bytes:
    """A born-digital Công văn laid out as Decree 30 places its parts (header columns, number, place and
    date, "V/v" subject, "Kính gửi", body, "Nơi nhận" and the signature block), with a real text layer."""
    fpdf = pytest.importorskip("fpdf")
    if not (FONTS / "DejaVuSerif.ttf").exists():
        pytest.skip("the DejaVu fonts (fonts-dejavu-core) are not installed")
    pdf = fpdf.FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # the same document gives the same bytes
    pdf.add_font("S", "", str(FONTS / "DejaVuSerif.ttf"))
    pdf.add_font("S", "B", str(FONTS / "DejaVuSerif-Bold.ttf"))
    pdf.add_page()
    top = pdf.get_y()
    pdf.set_font("S", "B", 11)
    pdf.multi_cell(80, 5, issuer, align="C")
    pdf.set_font("S", "", 11)
    pdf.cell(80, 6, f"Số: {number}/{notation}", align="C")
    pdf.set_xy(90, top)
    pdf.set_font("S", "B", 11)
    pdf.multi_cell(110, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.set_x(90)
    pdf.set_font("S", "", 11)
    pdf.multi_cell(110, 6, f"{place}, ngày {date.day:02d} tháng {date.month:02d} năm {date.year}", align="C")
    pdf.ln(2)
    pdf.multi_cell(80, 5, subject, align="C")
    pdf.ln(4)
    pdf.set_font("S", "", 12)
    pdf.multi_cell(0, 6, "Kính gửi: Các phòng, ban chuyên môn thuộc UBND huyện.", align="C")
    pdf.ln(2)
    pdf.multi_cell(0, 6, "    " + body)
    pdf.ln(4)
    bottom = pdf.get_y()
    pdf.set_font("S", "B", 10)
    pdf.multi_cell(80, 5, "Nơi nhận:")
    pdf.set_font("S", "", 9)
    pdf.multi_cell(80, 4, "- Như trên;\n- Lưu: VT, VP.")
    pdf.set_xy(110, bottom)
    pdf.set_font("S", "B", 11)
    pdf.multi_cell(90, 5, f"{signer_title}\n\n\n\n{signer}", align="C")
    return bytes(pdf.output())


def login(client, user):
    client.force_login(user)
    return client


def upload(client, *, name="cv-2739.pdf", text="Cong van 2739", form="in"):
    response = client.post(reverse("intake:upload"), {"attachments": pdf_upload(name=name, text=text), "form": form},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response


def read_as(u: IntakeUpload, fields=None, confidence=None, *, status=ExtractionStatus.DONE, source="text_layer",
            **extra) -> Extraction:
    """The reading of an upload as the extraction would leave it (the reading itself is tested with it)."""
    values = {"status": status, "source": source, "fields": fields if fields is not None else READ,
              "confidence": confidence if confidence is not None else CONFIDENCE, "error": "", **extra}
    ext, _ = Extraction.objects.update_or_create(file=u.file, defaults=values)
    return ext


def fill_of(html: str) -> dict:
    m = re.search(r'<div class="intake-fill" data-upload="(\d+)" data-autofill="([01])" hidden>'
                  r'<script type="application/json">(.*?)</script>', html, re.S)
    assert m, html
    return {"upload": int(m.group(1)), "autofill": m.group(2), "values": json.loads(m.group(3))}


def form_data(**overrides):
    values = {
        "request_token": "tok-1", "received_on": timezone.localdate().strftime("%d/%m/%Y"), "doc_type": "cong_van",
        "number_notation": "2739/UBND-KTTH", "issued_date": ISSUED.strftime("%d/%m/%Y"),
        "issuer": "UBND tỉnh Quảng Nam", "subject": "V/v triển khai kế hoạch chuyển đổi số năm 2026",
        "signer": "Lê Văn Dũng", "signer_title": "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "urgency": "urgent",
        "secrecy": "normal", "channel": "electronic",
    }
    values.update(overrides)
    return values


# --- the form and the upload -------------------------------------------------------------------

def test_incoming_form_uploads_files_at_once_through_htmx(client, clerk):
    html = login(client, clerk).get(reverse("documents:incoming_new")).content.decode()
    assert 'hx-post="/intake/uploads/"' in html
    assert 'hx-params="attachments,form"' in html
    assert 'hx-vals=\'{"form": "in"}\'' in html
    assert '<ul id="intake-files" class="intake-files"></ul>' in html
    assert 'name="intake_primary" id="id_intake_primary" value=""' in html
    assert 'data-intake-fresh="1"' in html
    # the file comes first on the page: drop it, then check the fields it filled
    assert html.index('id="id_attachments"') < html.index('id="id_issuer"')
    outgoing = client.get(reverse("documents:outgoing_new")).content.decode()
    assert 'hx-vals=\'{"form": "out"}\'' in outgoing


def test_upload_stores_the_file_once_and_answers_its_item(client, agency, clerk):
    html = upload(login(client, clerk)).content.decode()
    u = IntakeUpload.objects.get()
    assert (u.agency_id, u.uploaded_by_id, u.original_name, u.document_id) == (agency.pk, clerk.pk, "cv-2739.pdf",
                                                                               None)
    assert u.file.sha256 == StoredFile.objects.get().sha256
    assert f'<input type="hidden" name="intake_upload" value="{u.pk}">' in html
    assert "cv-2739.pdf" in html
    entry = JournalEntry.objects.get(action="intake.upload")
    assert (entry.object_id, entry.agency_id_ref, entry.after["file"]) == (str(u.pk), agency.pk, "cv-2739.pdf")
    # the same bytes again: one stored file, two uploads
    upload(client)
    assert (StoredFile.objects.count(), IntakeUpload.objects.count()) == (1, 2)


def test_upload_of_a_wrong_file_says_why_and_stores_nothing(client, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not a document", content_type="application/pdf")
    response = login(client, clerk).post(reverse("intake:upload"), {"attachments": bad, "form": "in"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nội dung tệp “virus.exe” không phải PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF." in html
    assert 'class="intake-file intake-file-error"' in html
    assert (StoredFile.objects.count(), IntakeUpload.objects.count()) == (0, 0)


def test_only_clerks_upload(client, agency, officer, leader):
    for user in (officer, leader):
        client.force_login(user)
        response = client.post(reverse("intake:upload"), {"attachments": pdf_upload(), "form": "in"})
        assert response.status_code == 403
    client.logout()
    response = client.post(reverse("intake:upload"), {"attachments": pdf_upload(), "form": "in"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert (StoredFile.objects.count(), IntakeUpload.objects.count(), JournalEntry.objects.count()) == (0, 0, 0)


def test_status_of_a_finished_reading_offers_the_fields_with_low_confidence_marked(client, agency, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u)
    html = client.get(reverse("intake:upload_status", args=[u.pk]), {"form": "in", "fill": "1"}).content.decode()
    fill = fill_of(html)
    assert (fill["upload"], fill["autofill"]) == (u.pk, "1")
    assert fill["values"] == {
        "issuer": {"value": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", "low": False, "label": "Cơ quan ban hành"},
        "number_notation": {"value": "2739/UBND-KTTH", "low": False, "label": "Số"},
        "issued_date": {"value": ISSUED.strftime("%d/%m/%Y"), "low": False, "label": "Ngày ban hành"},
        "doc_type": {"value": "cong_van", "low": False, "label": "Loại văn bản"},
        "subject": {"value": "V/v triển khai kế hoạch chuyển đổi số năm 2026", "low": True, "label": "Trích yếu"},
        "signer": {"value": "Lê Văn Dũng", "low": False, "label": "Người ký"},
        "signer_title": {"value": "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "low": True, "label": "Chức vụ người ký"},
        "urgency": {"value": "urgent", "low": False, "label": "Độ khẩn"},
    }
    assert ("Đã đọc tệp — Lớp chữ của PDF: đọc được 8 ô, điền vào các ô còn trống; xem kỹ các ô ghi "
            "“Kiểm tra lại”.") in html
    assert "hx-get" not in html  # finished: no more polling


def test_issuer_is_offered_in_the_spelling_of_earlier_documents(agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(issuer="Ủy ban nhân dân tỉnh Quảng Nam"))
    u = IntakeUpload.objects.create(file=StoredFile.objects.create(sha256="a" * 64, size=1, content_type="x", path="p"),
                                    agency=agency, uploaded_by=clerk, original_name="a.pdf")
    ext = read_as(u)
    assert form_fill(ext, user=clerk, agency_id=agency.pk)["issuer"]["value"] == "Ủy ban nhân dân tỉnh Quảng Nam"


def test_a_legal_documents_year_stays_in_the_notation(agency, clerk):
    u = IntakeUpload.objects.create(file=StoredFile.objects.create(sha256="b" * 64, size=1, content_type="x", path="p"),
                                    agency=agency, uploaded_by=clerk, original_name="qd.pdf")
    ext = read_as(u, READ | {"number": "30", "notation": "QĐ-UBND", "doc_type": "Quyết định"},
                  text="ỦY BAN NHÂN DÂN TỈNH KON TUM\nSố: 30/2016/QĐ-UBND\nKon Tum, ngày 04 tháng 5 năm 2016")
    assert read_values(ext)["notation"] == "2016/QĐ-UBND"
    assert form_fill(ext)["number_notation"]["value"] == "30/2016/QĐ-UBND"
    assert form_fill(ext)["doc_type"]["value"] == "quyet_dinh"


def test_an_ocr_in_progress_shows_its_progress_and_keeps_polling(client, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u, {}, {}, status=ExtractionStatus.RUNNING, source="ocr", pages=10, pages_done=3)
    html = client.get(reverse("intake:upload_status", args=[u.pk]), {"form": "in", "fill": "1"}).content.decode()
    assert "Đang nhận dạng chữ: trang 3/10" in html
    assert '<progress max="100" value="30"' in html
    assert f'hx-get="/intake/uploads/{u.pk}/?form=in&amp;fill=1" hx-trigger="load delay:1s"' in html
    assert "intake-fill" not in html


def test_a_failed_reading_says_why_and_the_clerk_types_by_hand(client, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u, {}, {}, status=ExtractionStatus.FAILED, source="none",
            error="Tệp PDF có mật khẩu, không đọc được nội dung.")
    html = client.get(reverse("intake:upload_status", args=[u.pk]), {"form": "in"}).content.decode()
    assert "Tệp PDF có mật khẩu, không đọc được nội dung." in html
    assert "Tệp vẫn được giữ và đính kèm khi vào sổ; vui lòng nhập thông tin bằng tay." in html
    assert "hx-get" not in html and "intake-fill" not in html


def test_status_of_someone_elses_upload_is_404(client, agency, other_agency, clerk, other_clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    colleague = make_official(agency, Role.CLERK, username="vanthu2").user
    for user in (other_clerk, colleague):
        client.force_login(user)
        assert client.get(reverse("intake:upload_status", args=[u.pk])).status_code == 404


def test_a_born_digital_cong_van_is_read_at_once_and_fills_the_form(client, agency, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("cv-215.pdf", cong_van_pdf(), content_type="application/pdf")
    html = login(client, clerk).post(reverse("intake:upload"), {"attachments": pdf, "form": "in"}).content.decode()
    u = IntakeUpload.objects.get()
    assert u.file.extraction.status == ExtractionStatus.DONE and u.file.extraction.source == "text_layer"
    assert "Số: 215/UBND-VP" in u.file.text  # the reading's text is the file's text for search
    values = {k: v["value"] for k, v in fill_of(html)["values"].items()}
    assert values == {
        "issuer": "ỦY BAN NHÂN DÂN HUYỆN NÔNG SƠN", "number_notation": "215/UBND-VP",
        "issued_date": ISSUED.strftime("%d/%m/%Y"), "doc_type": "cong_van",
        "subject": "V/v triển khai nhiệm vụ chuyển đổi số năm 2026", "signer": "Nguyễn Văn An",
        "signer_title": "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"}


def test_an_encrypted_pdf_says_why_and_still_registers_with_its_file(client, agency, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfReader, PdfWriter

    from congvu.intake.sources import MSG_ENCRYPTED

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(cong_van_pdf())))
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    pdf = SimpleUploadedFile("cv-mat-khau.pdf", out.getvalue(), content_type="application/pdf")
    html = login(client, clerk).post(reverse("intake:upload"), {"attachments": pdf, "form": "in"}).content.decode()
    assert MSG_ENCRYPTED in html
    assert "Đọc lại tệp" in html and "intake-fill" not in html
    u = IntakeUpload.objects.get()
    response = client.post(reverse("documents:incoming_new"), form_data(intake_upload=[str(u.pk)]))
    assert response.status_code == 302
    assert Document.objects.get().attachments.get().file_id == u.file_id
    assert ExtractionCorrection.objects.count() == 0


def test_reading_again_restarts_a_failed_reading(client, agency, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u, {}, {}, status=ExtractionStatus.FAILED, source="none", error="Máy chủ chưa cài Tesseract.")
    html = client.post(reverse("intake:upload_read", args=[u.pk]), {"form": "in", "fill": "1"}).content.decode()
    ext = Extraction.objects.get(file=u.file)
    assert ext.error != "Máy chủ chưa cài Tesseract."
    assert f'id="intake-status-{u.pk}"' in html
    colleague = make_official(agency, Role.CLERK, username="vanthu2").user
    client.force_login(colleague)
    assert client.post(reverse("intake:upload_read", args=[u.pk]), {"form": "in"}).status_code == 404


# --- registering with the uploaded file ----------------------------------------------------------

def test_registration_reuses_the_stored_file_and_stores_one_correction_per_field(client, agency, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    ext = read_as(u)
    # the clerk corrects the subject and the signer's title, keeps the rest (issuer re-cased, not corrected)
    response = client.post(reverse("documents:incoming_new"), form_data(
        intake_upload=[str(u.pk)], intake_primary=str(u.pk),
        subject="V/v triển khai Kế hoạch chuyển đổi số năm 2026 của tỉnh",
        signer_title="KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"))
    doc = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/{doc.pk}/"
    assert list(doc.attachments.values_list("file_id", "original_name")) == [(u.file_id, "cv-2739.pdf")]
    assert StoredFile.objects.count() == 1
    u.refresh_from_db()
    assert u.document_id == doc.pk
    rows = {c.field: (c.extracted, c.final, c.confidence, c.changed, c.actor_id, c.extraction_id)
            for c in ExtractionCorrection.objects.filter(document=doc)}
    assert rows == {
        # offered as the register writes it: the short form is not a correction
        "issuer": ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", "UBND tỉnh Quảng Nam", 0.97, False, clerk.pk, ext.pk),
        "number": ("2739", "2739", 0.99, False, clerk.pk, ext.pk),
        "notation": ("UBND-KTTH", "UBND-KTTH", 0.98, False, clerk.pk, ext.pk),
        "date": (ISSUED.isoformat(), ISSUED.isoformat(), 0.99, False, clerk.pk, ext.pk),
        "doc_type": ("cong_van", "cong_van", 0.95, False, clerk.pk, ext.pk),
        "subject": ("V/v triển khai kế hoạch chuyển đổi số năm 2026",
                    "V/v triển khai Kế hoạch chuyển đổi số năm 2026 của tỉnh", 0.6, True, clerk.pk, ext.pk),
        "signer": ("Lê Văn Dũng", "Lê Văn Dũng", 0.95, False, clerk.pk, ext.pk),
        "signer_title": ("KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", 0.7, True, clerk.pk, ext.pk),
        "urgency": ("urgent", "urgent", 0.95, False, clerk.pk, ext.pk),
        "secrecy": ("normal", "normal", 0.95, False, clerk.pk, ext.pk),
    }


@pytest.mark.parametrize("typed, changed", [
    ("Ủy Ban Nhân Dân Tỉnh Quảng Nam", False),  # re-cased
    ("UBND TỈNH QUẢNG NAM", False),  # the short form
    ("UBND tỉnh Quảng Ngãi", True),  # another body
    ("ỦY BAN NHÂN DÂN TỈNH QUANG NAM", True),  # a mark lost
])
def test_recasing_or_the_short_form_is_not_a_correction(client, agency, clerk, typed, changed):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u)
    client.post(reverse("documents:incoming_new"), form_data(intake_upload=[str(u.pk)], issuer=typed))
    assert ExtractionCorrection.objects.get(field="issuer").changed is changed


def test_a_double_submit_stores_the_corrections_once(client, agency, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u)
    for _ in range(2):
        response = client.post(reverse("documents:incoming_new"), form_data(intake_upload=[str(u.pk)]))
        assert response.status_code == 302
    assert Document.objects.count() == 1
    assert ExtractionCorrection.objects.count() == 10


def test_no_corrections_without_a_finished_reading(client, agency, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u, {}, {}, status=ExtractionStatus.RUNNING, source="ocr", pages=3, pages_done=1)
    assert client.post(reverse("documents:incoming_new"), form_data(intake_upload=[str(u.pk)])).status_code == 302
    assert Document.objects.get().attachments.get().file_id == u.file_id
    assert ExtractionCorrection.objects.count() == 0


def test_the_file_that_filled_the_form_is_the_one_measured(client, agency, clerk):
    upload(login(client, clerk), name="phu-luc.pdf", text="Phu luc")
    upload(client, name="cong-van.pdf", text="Cong van chinh")
    annex, main = IntakeUpload.objects.order_by("pk")
    read_as(annex, READ | {"subject": "Phụ lục"})
    main_ext = read_as(main)
    client.post(reverse("documents:incoming_new"), form_data(intake_upload=[str(annex.pk), str(main.pk)],
                                                             intake_primary=str(main.pk)))
    doc = Document.objects.get()
    assert list(doc.attachments.values_list("original_name", flat=True)) == ["phu-luc.pdf", "cong-van.pdf"]
    assert set(ExtractionCorrection.objects.values_list("extraction_id", flat=True)) == {main_ext.pk}


def test_another_users_upload_cannot_be_registered(client, agency, clerk):
    colleague = make_official(agency, Role.CLERK, username="vanthu2").user
    upload(login(client, colleague))
    theirs = IntakeUpload.objects.get()
    client.force_login(clerk)
    response = client.post(reverse("documents:incoming_new"), form_data(intake_upload=[str(theirs.pk)]))
    assert response.status_code == 200
    assert "Có tệp không thuộc phiên làm việc này; vui lòng tải lại." in response.content.decode()
    assert (Document.objects.count(), Attachment.objects.count(), ExtractionCorrection.objects.count()) == (0, 0, 0)
    assert Register.objects.filter(direction="in").values_list("next_number", flat=True).first() in (None, 1)


def test_a_refused_form_keeps_its_uploaded_files_without_filling_again(client, agency, clerk):
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    read_as(u)
    response = client.post(reverse("documents:incoming_new"), form_data(
        intake_upload=[str(u.pk)], intake_primary=str(u.pk), issued_date="31/02/2026"))
    html = response.content.decode()
    assert response.status_code == 200 and Document.objects.count() == 0
    assert f'<input type="hidden" name="intake_upload" value="{u.pk}">' in html
    assert f'name="intake_primary" id="id_intake_primary" value="{u.pk}"' in html
    assert fill_of(html)["autofill"] == "0"
    assert 'data-intake-fresh="0"' in html
    assert "Trình duyệt không giữ tệp" not in html


def test_outgoing_registration_measures_the_fields_it_has(client, agency, clerk):
    upload(login(client, clerk), form="out")
    u = IntakeUpload.objects.get()
    read_as(u, READ | {"doc_type": "Quyết định", "urgency": None})
    response = client.post(reverse("documents:outgoing_new"), {
        "request_token": "out-1", "doc_type": "quyet_dinh", "issued_date": ISSUED.strftime("%d/%m/%Y"),
        "subject": READ["subject"], "signer": "Lê Văn Dũng", "signer_title": "CHỦ TỊCH", "urgency": "normal",
        "secrecy": "normal", "recipient_names": "Sở Nội vụ", "intake_upload": [str(u.pk)]})
    assert response.status_code == 302
    doc = Document.objects.get()
    assert doc.attachments.get().file_id == u.file_id
    assert dict(ExtractionCorrection.objects.values_list("field", "changed")) == {
        "date": False, "doc_type": False, "subject": False, "signer": False, "signer_title": True,
        "urgency": False, "secrecy": False}


# --- duplicates in the form ----------------------------------------------------------------------

def _registered_with_pdf(agency, clerk, text="Cong van 2739"):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer="UBND tỉnh Quảng Nam", number="2739", notation="UBND-KTTH", issued_date=ISSUED, doc_type="cong_van"),
        uploads=[pdf_upload(name="cv-giay.pdf", text=text)])


def test_the_same_file_again_is_flagged_with_a_link_choice(client, agency, clerk):
    doc = _registered_with_pdf(agency, clerk)
    html = upload(login(client, clerk)).content.decode()
    assert "Văn bản này có thể đã vào sổ." in html
    assert f'href="/documents/{doc.pk}/"' in html
    assert "Cùng tệp (trùng từng byte)" in html
    assert (f'formaction="/intake/link/" formnovalidate name="link_document" value="{doc.pk}"') in html
    assert 'name="allow_duplicate" value="1"' in html  # or register anyway


def test_metadata_read_from_the_file_is_flagged(client, agency, clerk):
    doc = _registered_with_pdf(agency, clerk)
    upload(login(client, clerk), text="Ban dien tu khac byte")
    u = IntakeUpload.objects.get()
    read_as(u)
    html = client.get(reverse("intake:upload_status", args=[u.pk]), {"form": "in", "fill": "1"}).content.decode()
    # read "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", registered as "UBND tỉnh Quảng Nam": the same body
    assert "Cùng cơ quan ban hành, số, ký hiệu và ngày ban hành" in html
    assert f'value="{doc.pk}"' in html
    assert fill_of(html)["values"]["issuer"]["value"] == "UBND tỉnh Quảng Nam"


def test_registering_the_same_file_twice_asks_first_then_registers_anyway(client, agency, clerk):
    doc = _registered_with_pdf(agency, clerk)
    upload(login(client, clerk))
    u = IntakeUpload.objects.get()
    data = form_data(intake_upload=[str(u.pk)], number_notation="9/UBND-KTTH")
    response = client.post(reverse("documents:incoming_new"), data)
    html = response.content.decode()
    assert response.status_code == 200 and Document.objects.count() == 1
    assert f"Tệp tải lên trùng với văn bản đã vào sổ (số đến {doc.register_number}, 2739/UBND-KTTH)." in html
    assert 'name="allow_duplicate" value="1"' in html
    confirmed = client.post(reverse("documents:incoming_new"), data | {"allow_duplicate": "1"})
    assert confirmed.status_code == 302 and Document.objects.count() == 2


def test_link_from_the_form_keeps_the_copy_with_the_registered_document(client, agency, clerk):
    doc = _registered_with_pdf(agency, clerk)
    upload(login(client, clerk), name="cv-email.pdf", text="Ban gui qua thu dien tu")
    u = IntakeUpload.objects.get()
    next_number = Register.objects.get(pk=doc.register_id).next_number
    response = client.post(reverse("intake:link"), form_data(intake_upload=[str(u.pk)], link_document=str(doc.pk),
                                                              channel="email"), follow=True)
    assert response.redirect_chain == [(f"/documents/{doc.pk}/", 302)]
    assert (f"Đã gắn 1 tệp vào văn bản đến số đến {doc.register_number} ({doc.register.name}); "
            "không vào sổ thêm lần nữa.") in response.content.decode()
    assert list(doc.attachments.values_list("original_name", flat=True)) == ["cv-giay.pdf", "cv-email.pdf"]
    assert (Document.objects.count(), Register.objects.get(pk=doc.register_id).next_number) == (1, next_number)
    assert JournalEntry.objects.get(action="document.copy_received").after["channel"] == "email"


def test_link_without_javascript_takes_the_files_of_the_form(client, agency, clerk):
    doc = _registered_with_pdf(agency, clerk)
    data = form_data(link_document=str(doc.pk), channel="paper")
    data["attachments"] = pdf_upload(name="ban-giay.pdf", text="Ban giay scan")
    response = login(client, clerk).post(reverse("intake:link"), data)
    assert response.status_code == 302
    assert list(doc.attachments.values_list("original_name", flat=True)) == ["cv-giay.pdf", "ban-giay.pdf"]
    assert IntakeUpload.objects.get().document_id == doc.pk


def test_link_refusals_leave_everything_as_it_was(client, agency, other_agency, clerk, other_clerk, officer):
    doc = _registered_with_pdf(agency, clerk)
    foreign = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    upload(login(client, clerk), text="Ban moi")
    u = IntakeUpload.objects.get()
    response = client.post(reverse("intake:link"), form_data(intake_upload=[str(u.pk)],
                                                              link_document=str(foreign.pk)), follow=True)
    assert response.redirect_chain == [("/incoming/new/", 302)]
    assert "Chưa gắn được tệp vào văn bản: Không tìm thấy văn bản hoặc bạn không có quyền xem." in (
        response.content.decode())
    client.force_login(officer)
    assert client.post(reverse("intake:link"), form_data(intake_upload=[str(u.pk)],
                                                          link_document=str(doc.pk))).status_code == 403
    assert doc.attachments.count() == 1 and foreign.attachments.count() == 0
    assert not JournalEntry.objects.filter(action="document.copy_received").exists()
    u.refresh_from_db()
    assert u.document_id is None


# --- accuracy ----------------------------------------------------------------------------------

def _measured(agency, clerk, source, changes: dict, name):
    """One registration through the form whose reading came from `source`, with `changes` by the clerk."""
    from django.test import Client

    c = Client()
    c.force_login(clerk)
    upload(c, name=name, text=name)
    u = IntakeUpload.objects.get(original_name=name)
    read_as(u, source=source)
    c.post(reverse("documents:incoming_new"), form_data(
        intake_upload=[str(u.pk)], request_token=name, issuer="ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", allow_duplicate="1",
        signer_title="KT. CHỦ TỊCH PHÓ CHỦ TỊCH", **changes))
    assert ExtractionCorrection.objects.filter(extraction__file=u.file).count() == 10


def test_accuracy_per_field_and_source_for_leaders(client, agency, other_agency, clerk, other_clerk, leader):
    _measured(agency, clerk, "text_layer", {}, "a")
    _measured(agency, clerk, "text_layer", {"subject": "Trích yếu khác hẳn"}, "b")
    _measured(agency, clerk, "ocr", {"subject": "Trích yếu khác", "signer": "Lê Văn Dung"}, "c")
    _measured(agency, clerk, "docx", {}, "d")
    _measured(other_agency, other_clerk, "ocr", {"signer": "Người khác"}, "e")  # not counted here
    html = login(client, leader).get(reverse("intake:accuracy")).content.decode()
    row = re.search(r'<tr data-field="subject">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # overall 2 of 4 kept; text layer 1 of 2; Word 1 of 1; OCR 0 of 1; plain text: nothing yet
    assert cells == ["50% (2/4)", "50% (1/2)", "100% (1/1)", "0% (0/1)", "—"]
    signer = re.search(r'<tr data-field="signer">(.*?)</tr>', html, re.S).group(1)
    assert "75% (3/4)" in signer
    assert "4 văn bản" in html
    assert re.search(r'<tr data-field="all">.*?92,5% \(37/40\)', html, re.S)


def test_accuracy_is_for_leaders_and_admins_only(client, agency, clerk, officer, agency_admin):
    for user, status in ((clerk, 403), (officer, 403), (agency_admin, 200)):
        client.force_login(user)
        assert client.get(reverse("intake:accuracy")).status_code == status


def test_accuracy_period_filter_and_bad_dates(client, agency, clerk, leader):
    _measured(agency, clerk, "text_layer", {}, "a")
    ExtractionCorrection.objects.update(created_at=timezone.now() - dt.timedelta(days=40))
    _measured(agency, clerk, "text_layer", {"subject": "khác"}, "b")
    login(client, leader)
    since = (timezone.localdate() - dt.timedelta(days=7)).strftime("%d/%m/%Y")
    html = client.get(reverse("intake:accuracy"), {"date_from": since}).content.decode()
    assert "1 văn bản" in html
    assert "0% (0/1)" in re.search(r'<tr data-field="subject">(.*?)</tr>', html, re.S).group(1)
    bad = client.get(reverse("intake:accuracy"), {"date_from": "32/13/2026"})
    assert bad.status_code == 200
    assert "Ngày “32/13/2026” không hợp lệ" in bad.content.decode()

