"""What arrives from outside: the upload size guard, and bad input that comes with attachments.

Every refusal must leave nothing behind: no document, no StoredFile, no attachment, no journal row,
no consumed number, and no file in MEDIA_ROOT or in the temporary directories.
"""

import datetime as dt
import io
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.core.errors import ValidationFailed
from congvu.documents import search, services
from congvu.documents.models import Attachment, Document, DocumentAccess, Register, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf, pdf_upload
from congvu.documents.upload_handlers import (
    check_upload_size,
    format_size,
    upload_error_message,
    upload_too_large,
)

pytestmark = pytest.mark.django_db


# --- a thin registration view, written the way the contract in upload_handlers asks ----------------

def _register_view(request):
    from django.contrib.auth import get_user_model

    try:
        check_upload_size(request)
        user = get_user_model().objects.get(username=request.POST["actor"])
        agency = user.official.memberships.get().agency
        doc = incoming_register(actor=user, agency=agency, data=incoming_data(subject=request.POST["subject"]),
                                uploads=request.FILES.getlist("attachments"))
    except ValidationFailed as exc:
        return JsonResponse({"code": exc.code, "message": exc.message, "fields": exc.fields}, status=400)
    return HttpResponse(str(doc.register_number))


urlpatterns = [path("register/", _register_view)]


# --- helpers -----------------------------------------------------------------------------------

@pytest.fixture
def temp_dirs(settings, tmp_path, monkeypatch):
    """Point Django's upload temp dir and Python's tempfile at empty folders we can inspect."""
    django_tmp = tmp_path / "upload-tmp"
    python_tmp = tmp_path / "python-tmp"
    django_tmp.mkdir()
    python_tmp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(django_tmp)
    monkeypatch.setattr(tempfile, "tempdir", str(python_tmp))
    return [django_tmp, python_tmp]


def _files_under(*dirs) -> list[str]:
    found = []
    for d in dirs:
        d = Path(d)
        if d.exists():
            found += sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file())
    return found


def _state(temp_dirs) -> dict:
    from django.conf import settings

    return {
        "documents": Document.objects.count(),
        "stored_files": StoredFile.objects.count(),
        "attachments": Attachment.objects.count(),
        "access": DocumentAccess.objects.count(),
        "journal": JournalEntry.objects.count(),
        "registers": dict(Register.objects.values_list("pk", "next_number")),
        "media": _files_under(settings.MEDIA_ROOT),
        "temp": _files_under(*temp_dirs),
    }


def _multipart_post(client, fields: dict, files: list[tuple[str, bytes]], **extra):
    uploads = [SimpleUploadedFile(name, content, content_type="application/pdf") for name, content in files]
    return client.post("/register/", {**fields, "attachments": uploads}, **extra)


# --- the size guard ----------------------------------------------------------------------------

def test_format_size_reads_like_a_clerk_writes():
    assert [format_size(n) for n in (50 * 1024 * 1024, 1536 * 1024, 800 * 1024, 100)] == [
        "50 MB", "1,5 MB", "800 KB", "1 KB"]


@pytest.mark.urls(__name__)
def test_upload_under_the_limit_registers(agency, clerk, temp_dirs, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    pdf = minimal_pdf("Ke hoach")
    response = _multipart_post(Client(), {"actor": "vanthu", "subject": "Kế hoạch"}, [("ke-hoach.pdf", pdf)])
    assert response.status_code == 200 and response.content == b"1"
    stored = StoredFile.objects.get()
    assert (stored.size, stored.content_type) == (len(pdf), "application/pdf")
    assert _files_under(*temp_dirs) == []


@pytest.mark.urls(__name__)
def test_oversize_upload_is_cut_off_and_leaves_nothing(agency, clerk, temp_dirs, settings):
    # given a register that already holds one document
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    before = _state(temp_dirs)
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)  # above FILE_UPLOAD_MAX_MEMORY_SIZE: goes to a temp file
    # when the clerk sends a 3 MB file against a 1 MB limit
    response = _multipart_post(Client(), {"actor": "vanthu", "subject": "Tệp quá lớn"}, [("scan.pdf", big)])
    # then the page explains it in Vietnamese and nothing changed
    assert response.status_code == 400
    assert response.json() == {
        "code": "upload_too_large",
        "message": "Tệp “scan.pdf” vượt quá giới hạn 1 MB.",
        "fields": {"attachments": "Tệp “scan.pdf” vượt quá giới hạn 1 MB."},
    }
    assert _state(temp_dirs) == before


def test_a_file_of_exactly_the_limit_passes_one_byte_more_does_not(settings, temp_dirs):
    settings.MAX_UPLOAD_BYTES = 200 * 1024
    rf = RequestFactory()
    exact = rf.post("/", {"attachments": SimpleUploadedFile("a.pdf", b"x" * (200 * 1024))})
    over = rf.post("/", {"attachments": SimpleUploadedFile("b.pdf", b"x" * (200 * 1024 + 1))})
    assert upload_too_large(exact) is False
    assert exact.FILES["attachments"].size == 200 * 1024
    assert upload_too_large(over) is True
    assert "attachments" not in over.FILES
    assert upload_error_message(over) == "Tệp “b.pdf” vượt quá giới hạn 200 KB."


def test_all_files_together_have_a_limit_too(settings, temp_dirs):
    settings.MAX_UPLOAD_BYTES = 100 * 1024
    settings.MAX_UPLOAD_REQUEST_BYTES = 250 * 1024
    files = [SimpleUploadedFile(f"{i}.pdf", b"x" * (90 * 1024)) for i in range(3)]
    request = RequestFactory().post("/", {"attachments": files})
    assert upload_too_large(request) is True
    assert upload_error_message(request) == "Tổng dung lượng các tệp tải lên vượt quá giới hạn 250 KB."
    assert [f.name for f in request.FILES.getlist("attachments")] == ["0.pdf", "1.pdf"]  # the cut-off one is gone
    with pytest.raises(ValidationFailed) as err:
        check_upload_size(request)
    assert err.value.fields == {"attachments": "Tổng dung lượng các tệp tải lên vượt quá giới hạn 250 KB."}


def test_default_request_limit_is_four_files(settings, temp_dirs):
    settings.MAX_UPLOAD_BYTES = 100 * 1024
    ok = RequestFactory().post("/", {"attachments": [SimpleUploadedFile(f"{i}.pdf", b"x" * (100 * 1024))
                                                     for i in range(4)]})
    assert upload_too_large(ok) is False and len(ok.FILES.getlist("attachments")) == 4


def test_fields_before_the_file_survive_so_csrf_still_passes(agency, clerk, temp_dirs, settings):
    """The form's CSRF token comes before the file: the user gets the message, not a 403."""
    settings.MAX_UPLOAD_BYTES = 1024
    client = Client(enforce_csrf_checks=True)
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "ROOT_URLCONF", __name__)
        response = _multipart_post(client, {"csrfmiddlewaretoken": secret, "actor": "vanthu", "subject": "x"},
                                   [("to.pdf", b"%PDF-" + b"1" * 5000)])
    assert response.status_code == 400
    assert response.json()["message"] == "Tệp “to.pdf” vượt quá giới hạn 1 KB."
    assert Document.objects.count() == 0


def test_a_small_upload_is_not_flagged_and_non_posts_are_fine():
    get = RequestFactory().get("/")
    form = RequestFactory().post("/", {"subject": "Không có tệp"})
    assert (upload_too_large(get), upload_too_large(form)) == (False, False)
    assert upload_error_message(form) == ""
    check_upload_size(form)  # does not raise


class _HugeBody(io.RawIOBase):
    """A multipart body of `total` bytes generated on the fly: one file part that never ends.

    It refuses to hand out more than `guard` bytes until the request is flagged, so a broken guard
    fails this test instead of filling the disk with 2 GB.
    """

    def __init__(self, head: bytes, total: int, guard: int):
        self.head, self.total, self.guard = head, total, guard
        self.pos = 0
        self.request = None

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.total - self.pos
        size = min(size, self.total - self.pos, 1 << 20)
        if self.pos > self.guard and not getattr(self.request, "_congvu_upload_too_large", False):
            raise AssertionError(f"the guard let {self.pos} bytes through")
        start = self.pos
        self.pos += size
        if start < len(self.head):
            chunk = self.head[start:start + size]
            return chunk + b"\0" * (size - len(chunk))
        return b"\0" * size

    def readline(self, size=-1):
        return self.read(size)


def test_a_2_gb_upload_never_lands_on_disk(settings, temp_dirs):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    boundary = "congvuBoundary"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nCông văn\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"hai-gb.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    total = 2 * 1024 ** 3
    body = _HugeBody(head, total, guard=4 * 1024 * 1024)
    request = WSGIRequest({
        "REQUEST_METHOD": "POST", "PATH_INFO": "/", "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "wsgi.url_scheme": "http", "wsgi.input": body, "CONTENT_LENGTH": str(total),
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
    })
    body.request = request
    assert upload_too_large(request) is True
    assert request.POST["subject"] == "Công văn"
    assert "attachments" not in request.FILES
    assert body.pos == total  # the rest was read and thrown away, so the browser can get an answer
    assert _files_under(*temp_dirs) == []


def test_handler_with_a_normal_file_hands_it_to_the_temp_file_handler(settings, temp_dirs):
    """Proves the temp-dir checks above look at the right place: big uploads do go there."""
    settings.MAX_UPLOAD_BYTES = 4 * 1024 * 1024
    request = RequestFactory().post("/", {"attachments": SimpleUploadedFile("lon.pdf", b"x" * (3 * 1024 * 1024))})
    upload = request.FILES["attachments"]
    assert isinstance(upload, TemporaryUploadedFile)
    assert Path(upload.temporary_file_path()).parent == temp_dirs[0]
    upload.close()


# --- bad input with attachments: refused in Vietnamese, nothing left behind ----------------------

def _zip_bytes(names: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in names.items():
            zf.writestr(name, content)
    return buf.getvalue()


@pytest.fixture
def one_registered(agency, clerk):
    """A register that already holds document 1, so 'no consumed number' is checked on a live register."""
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", issuer="Sở Nội vụ"))


LYING_FILES = [
    ("bao-cao.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200, "PDF"),  # a Windows program
    ("to-trinh.docx", None, "DOCX"),  # a plain zip, not a Word document (built below)
    ("anh-chup.png", "Xin chào, đây là văn bản thuần.".encode(), "PNG"),
    ("so-lieu.xlsx", b"<html><body>bang</body></html>", "XLSX"),
]


@pytest.mark.parametrize("name, content, claimed", LYING_FILES)
def test_file_that_lies_about_its_type_is_refused(agency, clerk, one_registered, temp_dirs, name, content,
                                                  claimed):
    if content is None:
        content = _zip_bytes({"readme.txt": b"not a document"})
    before = _state(temp_dirs)
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"),
                          uploads=[pdf_upload(), upload])
    assert err.value.message == f"Tệp “{name}” không đúng định dạng cho phép."
    assert err.value.fields == {"attachments": f"Nội dung tệp “{name}” không phải PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF."}
    assert _state(temp_dirs) == before  # the good PDF before it was discarded too


def _ole2(stream_name: str) -> bytes:
    """An OLE2 compound file's header and one directory entry naming a stream (what Word 97–2003 and
    Excel binaries begin with); enough for the type check, which reads the magic and the stream names."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    entry = stream_name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64
    return header + entry + b"\0" * 384


def test_legacy_word_doc_is_accepted_and_other_ole2_files_are_not(agency, clerk, temp_dirs):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(),
                            uploads=[SimpleUploadedFile("cong-van-cu.doc", _ole2("WordDocument"))])
    assert doc.attachments.get().file.content_type == "application/msword"
    with pytest.raises(ValidationFailed):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="77"),
                          uploads=[SimpleUploadedFile("so-lieu.xls", _ole2("Workbook"))])


def test_type_comes_from_content_not_name(agency, clerk, temp_dirs):
    """A real PDF named .docx is stored as the PDF it is, under its original name."""
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(),
                            uploads=[SimpleUploadedFile("nham-ten.docx", minimal_pdf("That la PDF"))])
    att = doc.attachments.select_related("file").get()
    assert (att.original_name, att.file.content_type) == ("nham-ten.docx", "application/pdf")
    assert _files_under(*temp_dirs) == []


def test_real_docx_is_accepted_and_its_text_extracted(agency, clerk, temp_dirs):
    import docx

    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("Kế hoạch phòng chống bão lũ năm 2026")
    d.save(buf)
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(),
                            uploads=[SimpleUploadedFile("ke-hoach.docx", buf.getvalue())])
    stored = doc.attachments.get().file
    assert stored.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "Kế hoạch phòng chống bão lũ năm 2026" in stored.text


def test_empty_file_is_refused(agency, clerk, one_registered, temp_dirs):
    before = _state(temp_dirs)
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"),
                          uploads=[SimpleUploadedFile("rong.pdf", b"")])
    assert err.value.message == "Tệp “rong.pdf” rỗng."
    assert err.value.fields == {"attachments": "Tệp “rong.pdf” không có nội dung."}
    assert _state(temp_dirs) == before


@pytest.mark.parametrize("with_size", [True, False])
def test_oversize_file_reaching_the_service_is_refused(agency, clerk, one_registered, temp_dirs, settings,
                                                       with_size):
    """The service checks size too: imports and the API may hand it files without the upload guard."""
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    content = minimal_pdf() + b"%" * (1024 * 1024)
    upload = SimpleUploadedFile("lon.pdf", content)
    if not with_size:  # a stream that does not announce its size is counted while copied
        upload = type("Stream", (), {"name": "lon.pdf", "read": io.BytesIO(content).read})()
    before = _state(temp_dirs)
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"), uploads=[upload])
    assert err.value.fields == {"attachments": "Tệp “lon.pdf” vượt quá giới hạn 1 MB."}
    assert _state(temp_dirs) == before


def _future():
    return timezone.localdate() + dt.timedelta(days=3)


BAD_FIELDS = [
    ({"issued_date": "31/02/2026"},
     {"issued_date": "Ngày “31/02/2026” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."}),
    ({"issued_date": "2026/13/01"},
     {"issued_date": "Ngày “2026/13/01” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."}),
    ({"issued_date": ""}, {"issued_date": "Vui lòng nhập ngày (dd/mm/yyyy)."}),
    ({"doc_type": "cong_van_khan"}, {"doc_type": "Loại văn bản “cong_van_khan” không có trong danh mục."}),
    ({"doc_type": ""}, {"doc_type": "Vui lòng chọn loại văn bản."}),
    ({"issuer": " \t\u00a0 \u3000 "}, {"issuer": "Vui lòng nhập cơ quan ban hành."}),
    ({"subject": "\n\n"}, {"subject": "Vui lòng nhập trích yếu."}),
    ({"issued_date": "future"}, {"issued_date": "Ngày ban hành không được sau ngày đến."}),
    ({"received_at": "future"}, {"received_at": "Thời gian đến không được ở tương lai."}),
    ({"due_date": "01/01/2000"}, {"due_date": "Hạn xử lý không được trước ngày ban hành."}),
    ({"secrecy": "mat"}, {"secrecy": "Độ mật “mat” không hợp lệ."}),
    ({"channel": "bo_cau"}, {"channel": "Hình thức nhận “bo_cau” không hợp lệ."}),
    ({"pages": "-3"}, {"pages": "Số trang không hợp lệ."}),
    ({"issuer": "Ủy ban " * 40}, {"issuer": "Cơ quan ban hành dài quá 200 ký tự."}),
    ({"number": "123456789012"}, {"number": "Số dài quá 11 ký tự."}),
]


@pytest.mark.parametrize("overrides, fields", BAD_FIELDS, ids=[str(list(o)) + str(i) for i, (o, _) in
                                                                enumerate(BAD_FIELDS)])
def test_bad_field_is_refused_with_its_message_and_nothing_is_left(agency, clerk, one_registered, temp_dirs,
                                                                   overrides, fields):
    overrides = dict(overrides)
    if overrides.get("issued_date") == "future":
        overrides["issued_date"] = _future().strftime("%d/%m/%Y")
    if overrides.get("received_at") == "future":
        overrides["received_at"] = timezone.now() + dt.timedelta(hours=2)
    before = _state(temp_dirs)
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(**{"number": "2", **overrides}),
                          uploads=[pdf_upload()])
    assert err.value.message == "Thông tin văn bản chưa hợp lệ."
    assert err.value.fields == fields
    assert _state(temp_dirs) == before


def test_future_due_date_is_fine(agency, clerk, temp_dirs):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(due_date=_future()))
    assert doc.due_date == _future()


def test_nfd_input_is_stored_as_nfc(agency, clerk, temp_dirs):
    def nfd(s):
        return unicodedata.normalize("NFD", s)

    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer=nfd("UBND tỉnh  Quảng Nam "), notation=nfd("QĐ-UBND"), signer=nfd("Lê Văn Dũng"),
        subject=nfd("Về việc phòng, chống thiên tai năm 2026"), notes=nfd("Hỏa tốc")))
    doc.refresh_from_db()
    assert (doc.issuer, doc.notation, doc.signer, doc.subject, doc.notes) == (
        "UBND tỉnh Quảng Nam", "QĐ-UBND", "Lê Văn Dũng", "Về việc phòng, chống thiên tai năm 2026", "Hỏa tốc")
    assert all(unicodedata.is_normalized("NFC", v) for v in (doc.issuer, doc.subject, doc.signer))
    assert doc.issuer_folded == "ubnd tinh quang nam"
    # and the NFC twin is recognised as the same document
    with pytest.raises(services.DuplicateSuspected):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(issuer="UBND tỉnh Quảng Nam"))


def test_duplicate_warning_leaves_nothing(agency, clerk, one_registered, temp_dirs):
    before = _state(temp_dirs)
    with pytest.raises(services.DuplicateSuspected) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", issuer="SỞ NỘI VỤ"),
                          uploads=[pdf_upload()])
    assert err.value.code == "duplicate_suspected"
    assert err.value.documents == [one_registered]
    assert err.value.message.startswith(f"Văn bản 1/QĐ-UBND của Sở Nội vụ ngày {one_registered.issued_date:%d/%m/%Y}"
                                        " đã được vào sổ (số đến 1).")
    assert _state(temp_dirs) == before


def test_failure_after_files_were_stored_removes_only_the_new_ones(agency, clerk, temp_dirs, monkeypatch):
    from django.conf import settings

    # given a committed document whose PDF is in storage
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"),
                      uploads=[pdf_upload(text="Ban dau")])
    before = _state(temp_dirs)
    assert len(before["media"]) == 1

    def broken_index(doc, **kwargs):
        raise RuntimeError("search index unavailable")

    monkeypatch.setattr(search, "index_document", broken_index)
    # when a registration that shares that PDF and brings a new one fails after storing its files
    with pytest.raises(RuntimeError):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"),
                          uploads=[pdf_upload(text="Ban dau"), pdf_upload(name="moi.pdf", text="Tep moi")])
    # then the new file is gone, the shared one is kept, and the number was given back
    assert _state(temp_dirs) == before
    assert Path(settings.MEDIA_ROOT, StoredFile.objects.get().path).read_bytes() == minimal_pdf("Ban dau")


def test_double_submit_that_slipped_past_the_token_check_leaves_no_temp_file(agency, clerk, temp_dirs,
                                                                             monkeypatch):
    """The race of two requests with one token, made deterministic: the second request's early token
    lookup ran before the first committed, so it reaches the INSERT and hits the unique constraint."""
    first = incoming_register(actor=clerk, agency=agency, data=incoming_data(), request_token="form-42",
                              uploads=[pdf_upload()])
    before = _state(temp_dirs)
    real = services._existing_for_token
    calls = []

    def too_early(token):
        calls.append(token)
        return None if len(calls) == 1 else real(token)

    monkeypatch.setattr(services, "_existing_for_token", too_early)
    again = incoming_register(actor=clerk, agency=agency, data=incoming_data(), request_token="form-42",
                              uploads=[pdf_upload()], allow_duplicate=True)
    assert again.pk == first.pk
    assert calls == [services.scoped_request_token(clerk, "form-42")] * 2
    assert _state(temp_dirs) == before
