"""Online submission: the public list and form, uploads checked by content and size, an immediate code shown
and e-mailed after commit, the per-client limit, CSRF, and nothing stored when anything is wrong."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from congvu.onestop import public
from congvu.onestop.models import (
    Channel,
    Dossier,
    DossierComponent,
    DossierStatus,
    OnlineLevel,
)
from congvu.onestop.tests.conftest import make_procedure

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def version(agency):
    v = make_procedure(valid_from=dt.date(2025, 7, 1))
    v.procedure.agencies.add(agency)
    return v


def pdf(name="to-khai.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form_data(version, **overrides):
    components = list(version.components.all())
    data = {
        "applicant_kind": "1", "applicant_name": "Hoàng Minh Tuấn", "applicant_id_number": "049095001122",
        "applicant_phone": "0987 654 321", "applicant_email": "tuan.hoang@example.vn",
        "applicant_address": "Tổ 3, thị trấn Trung Phước", "request_summary": "Đăng ký khai sinh cho con thứ hai",
        f"component_{components[0].pk}": pdf("to-khai.pdf"),
        f"component_{components[1].pk}": pdf("giay-chung-sinh.pdf", PDF_BYTES + b"%second\n"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit_url(version):
    return reverse("onestop:online_submit", args=[version.procedure.local_code])


def web(address="198.51.100.1", **kw) -> Client:
    return Client(REMOTE_ADDR=address, **kw)


def test_the_list_shows_the_procedures_offered_online_today(version):
    offline = make_procedure(local_code="1.000001.000.00.00.H40", name="Chứng thực chữ ký",
                             online_level=OnlineLevel.NONE)
    ended = make_procedure(local_code="1.000002.000.00.00.H40", name="Thủ tục đã hết hiệu lực")
    ended.valid_to = dt.date(2025, 8, 1)
    ended.save()
    html = web().get(reverse("onestop:online_list")).content.decode()
    assert "Đăng ký khai sinh" in html and submit_url(version) in html
    assert offline.procedure.name not in html and ended.procedure.name not in html
    assert web().get(reverse("onestop:online_submit", args=[offline.procedure.local_code])).status_code == 404
    assert web().get(reverse("onestop:online_submit", args=["khong-co"])).status_code == 404


def test_the_form_lists_the_components(version):
    response = web().get(submit_url(version))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1. Tờ khai đăng ký khai sinh" in html and "3. Giấy tờ tùy thân của người đi đăng ký" in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html


def test_a_submission_gets_its_code_at_once_and_by_mail(version, agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = web().post(submit_url(version), form_data(version))
    assert response.status_code == 200
    dossier = Dossier.objects.get()
    assert dossier.code and dossier.code in response.content.decode()
    assert dossier.status == DossierStatus.REGISTERED and dossier.channel == Channel.ONLINE
    assert dossier.agency == agency and dossier.procedure_version == version
    assert dossier.applicant_id_number == "049095001122"
    assert dossier.request_summary == "Đăng ký khai sinh cho con thứ hai"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["tuan.hoang@example.vn"]
    assert dossier.code in mail.outbox[0].subject and dossier.code in mail.outbox[0].body
    papers = {c.name: c for c in DossierComponent.objects.filter(dossier=dossier)}
    assert papers["Giấy chứng sinh"].provided and papers["Giấy chứng sinh"].original_name == "giay-chung-sinh.pdf"
    stored = papers["Giấy chứng sinh"].file
    assert (Path(settings.MEDIA_ROOT) / stored.path).read_bytes() == PDF_BYTES + b"%second\n"
    assert not papers["Giấy tờ tùy thân của người đi đăng ký"].provided
    # The public lookup finds it, as registered online.
    html = web("198.51.100.99").get(reverse("onestop:public_dossier", args=[dossier.code])).content.decode()
    assert "Mới đăng ký" in html and "Nộp hồ sơ trực tuyến" in html and "Hoàng M*** T***" in html


def test_the_counter_queue_shows_the_online_submission(version, agency, onestop, client):
    from django.urls import NoReverseMatch

    web().post(submit_url(version), form_data(version))
    dossier = Dossier.objects.get()
    try:
        url = reverse("onestop:counter")
    except NoReverseMatch:
        pytest.skip("the counter's queue page is not there yet")
    client.force_login(onestop)
    html = client.get(url).content.decode()
    assert dossier.code in html and "Hoàng Minh Tuấn" in html


@pytest.mark.parametrize("overrides, field, message", [
    ({"applicant_id_number": "12345"}, "applicant_id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ({"applicant_id_number": "999095001122"}, "applicant_id_number", "3 chữ số đầu phải là mã tỉnh từ 001 đến 096."),
    ({"applicant_email": ""}, "applicant_email", "Vui lòng nhập thư điện tử để nhận mã hồ sơ."),
    ({"applicant_email": "khong-phai-thu"}, "applicant_email", "không hợp lệ"),
    ({"applicant_name": "  "}, "applicant_name", "Vui lòng nhập họ và tên (tên tổ chức)."),
])
def test_bad_applicant_fields_change_nothing(version, overrides, field, message,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = web().post(submit_url(version), form_data(version, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Dossier.objects.count() == 0 and len(mail.outbox) == 0


def test_a_missing_mandatory_file_is_refused(version, django_capture_on_commit_callbacks):
    second = list(version.components.all())[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = web().post(submit_url(version), form_data(version, **{f"component_{second.pk}": None}))
    assert response.status_code == 400
    assert "Vui lòng tải lên “Giấy chứng sinh”." in response.content.decode()
    assert Dossier.objects.count() == 0 and len(mail.outbox) == 0


def test_a_file_that_is_not_a_document_is_refused_by_its_content(version):
    first = list(version.components.all())[0]
    fake = SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    response = web().post(submit_url(version), form_data(version, **{f"component_{first.pk}": fake}))
    assert response.status_code == 400
    assert "Tệp “to-khai.pdf” không đúng định dạng cho phép." in response.content.decode()
    assert Dossier.objects.count() == 0
    stored = Path(settings.MEDIA_ROOT) / "files"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


def test_a_file_over_the_size_limit_is_refused(version, settings):
    settings.MAX_UPLOAD_BYTES = 20
    response = web().post(submit_url(version), form_data(version))
    assert response.status_code == 400
    assert "Tệp “to-khai.pdf” vượt quá giới hạn" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_submissions_are_limited_per_client(version):
    c = web("192.0.2.50")
    for _ in range(public.SUBMIT.attempts):
        assert c.post(submit_url(version), form_data(version)).status_code == 200
    blocked = c.post(submit_url(version), form_data(version))
    assert blocked.status_code == 429
    assert "Bạn đã nộp quá nhiều hồ sơ trong thời gian ngắn. Vui lòng thử lại sau 1 giờ." in blocked.content.decode()
    assert Dossier.objects.count() == public.SUBMIT.attempts
    assert web("192.0.2.51").post(submit_url(version), form_data(version)).status_code == 200


def test_the_form_needs_the_csrf_token(version):
    response = web(enforce_csrf_checks=True).post(submit_url(version), form_data(version))
    assert response.status_code == 403
    assert Dossier.objects.count() == 0


def test_several_agencies_the_applicant_chooses_one(version, agency, other_agency):
    version.procedure.agencies.add(other_agency)
    missing = web().post(submit_url(version), form_data(version))
    assert missing.status_code == 400 and "Vui lòng chọn cơ quan tiếp nhận hồ sơ." in missing.content.decode()
    ok = web("198.51.100.2").post(submit_url(version), form_data(version, agency=str(other_agency.pk)))
    assert ok.status_code == 200
    assert Dossier.objects.get().agency == other_agency
