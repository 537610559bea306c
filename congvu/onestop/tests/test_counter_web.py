"""The counter's pages and the catalogue pages: who gets them, the receive form (accept, incomplete, supplement,
refuse), the queue's actions, another agency's dossier as a 404, and the XLSX import and export."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.documents.tests.factories import pdf_upload
from congvu.onestop.catalogue import catalogue_export
from congvu.onestop.models import Dossier, DossierStatus, ProcedureVersion
from congvu.onestop.receiving import dossier_submit_online
from congvu.org.models import Role

pytestmark = pytest.mark.django_db
APPLICANT = {"applicant_kind": "1", "applicant_name": "Lê Văn Tâm", "applicant_id_number": "049095001122",
             "applicant_phone": "0905111222", "applicant_address": "Thôn 1"}


@pytest.fixture
def version(procedure_version):
    """The fixture procedure, in force from 01/07/2025, so it applies today."""
    return procedure_version


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form_data(version, *, skip=(), **extra) -> dict:
    data = {"procedure": version.procedure.local_code, **APPLICANT}
    for c in version.components.all():
        if c.name not in skip:
            data[f"provided_{c.pk}"] = "1"
    return data | extra


def test_the_receive_form_finds_the_procedure_by_typing(onestop, version):
    c = login(onestop)
    page = c.get(reverse("onestop:receive"), {"procedure": "khai sinh"})  # no accents, part of the name
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="receive-form"' in html and "Giấy chứng sinh" in html
    assert f'name="provided_{version.components.first().pk}"' in html
    assert 'id="receive-form"' not in c.get(reverse("onestop:receive"), {"procedure": "không có"}).content.decode()


def test_accepting_at_the_counter_redirects_with_the_code_and_appointment(onestop, agency, version):
    c = login(onestop)
    response = c.post(reverse("onestop:receive"), form_data(version, outcome="accept", sets="1"))
    d = Dossier.objects.get()
    assert response.status_code == 302
    assert (d.status, d.agency, d.applicant_name, d.received_by.user) == (DossierStatus.ACCEPTED, agency,
                                                                          "Lê Văn Tâm", onestop)
    assert d.code.startswith(f"{agency.identifier}-{timezone.localdate():%y%m%d}-")
    assert d.components.filter(provided=True).count() == 3
    queue = c.get(reverse("onestop:counter")).content.decode()
    assert reverse("onestop:print_receipt", args=[d.pk]) in queue and d.code in queue


def test_a_file_uploaded_on_the_form_is_kept(onestop, version):
    comp = version.components.get(name="Giấy chứng sinh")
    c = login(onestop)
    c.post(reverse("onestop:receive"), form_data(version, **{f"file_{comp.pk}": pdf_upload("gcs.pdf")}))
    row = Dossier.objects.get().components.get(name="Giấy chứng sinh")
    assert (row.original_name, row.file.content_type) == ("gcs.pdf", "application/pdf")


def test_an_incomplete_dossier_is_not_accepted_and_the_form_says_why(onestop, version):
    c = login(onestop)
    response = c.post(reverse("onestop:receive"), form_data(version, skip={"Giấy chứng sinh"}, outcome="accept"))
    assert response.status_code == 400
    assert "Hồ sơ còn thiếu giấy tờ bắt buộc: Giấy chứng sinh." in response.content.decode()
    assert 'value="Lê Văn Tâm"' in response.content.decode()  # what was typed stays
    assert Dossier.objects.count() == 0 and JournalEntry.objects.count() == 0
    bad_id = c.post(reverse("onestop:receive"), form_data(version, applicant_id_number="12345",
                                                          applicant_phone="12"))
    html = bad_id.content.decode()
    assert bad_id.status_code == 400 and "Số định danh cá nhân phải gồm đúng 12 chữ số." in html
    assert '<div class="error" role="alert">Số điện thoại “12” không hợp lệ.</div>' in html  # beside its field
    assert Dossier.objects.count() == 0


def test_supplement_then_complete_from_the_queue(onestop, version):
    c = login(onestop)
    c.post(reverse("onestop:receive"), form_data(version, skip={"Giấy chứng sinh"}, outcome="supplement",
                                                 reason="Thiếu giấy chứng sinh"))
    d = Dossier.objects.get()
    assert (d.status, d.supplement.items) == (DossierStatus.SUPPLEMENT, ["Giấy chứng sinh"])
    queue = c.get(reverse("onestop:counter")).content.decode()
    assert d.code in queue and reverse("onestop:supplement_complete", args=[d.pk]) in queue
    page = c.get(reverse("onestop:supplement_complete", args=[d.pk]))
    assert page.status_code == 200 and "Giấy chứng sinh" in page.content.decode()
    missing = d.components.get(name="Giấy chứng sinh").component_id
    assert c.post(reverse("onestop:supplement_complete", args=[d.pk]), {}).status_code == 400
    response = c.post(reverse("onestop:supplement_complete", args=[d.pk]), {f"provided_{missing}": "1"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == DossierStatus.ACCEPTED and d.due_at is not None


def test_refusal_from_the_form(onestop, version):
    c = login(onestop)
    assert c.post(reverse("onestop:receive"), form_data(version, outcome="refuse", reason="")).status_code == 400
    assert Dossier.objects.count() == 0
    c.post(reverse("onestop:receive"), form_data(version, outcome="refuse", reason="Không thuộc thẩm quyền"))
    assert Dossier.objects.values_list("status", "code", "refusal_reason").get() == (3, "", "Không thuộc thẩm quyền")


def online(agency, version):
    files = {c.pk: pdf_upload(f"{c.pk}.pdf", text=str(c.pk)) for c in version.components.filter(required=True)}
    return dossier_submit_online(agency=agency, version=version, components=[
        {"component_id": pk, "file": f} for pk, f in files.items()],
        applicant={"name": "Phan Thị Mai", "id_number": "049190002233"})


def test_the_queue_accepts_and_refuses_online_submissions(onestop, agency, version):
    first, second = online(agency, version), online(agency, version)
    c = login(onestop)
    queue = c.get(reverse("onestop:counter"))
    assert queue.status_code == 200
    assert first.code in queue.content.decode() and second.code in queue.content.decode()
    assert c.post(reverse("onestop:accept_online", args=[first.pk])).status_code == 302
    assert c.post(reverse("onestop:refuse", args=[second.pk]), {"reason": "Hồ sơ giả mạo"}).status_code == 302
    assert sorted(Dossier.objects.values_list("status", flat=True)) == [2, 3]
    again = c.post(reverse("onestop:accept_online", args=[first.pk]), follow=True)
    assert "không tiếp nhận được" in again.content.decode()


def test_request_supplement_page_for_an_online_dossier(onestop, agency, version):
    d = online(agency, version)
    c = login(onestop)
    assert c.get(reverse("onestop:request_supplement", args=[d.pk])).status_code == 200
    bad = c.post(reverse("onestop:request_supplement", args=[d.pk]), {"items": "Ảnh rõ hơn", "reason": ""})
    assert bad.status_code == 400 and "Nhập lý do yêu cầu bổ sung." in bad.content.decode()
    c.post(reverse("onestop:request_supplement", args=[d.pk]), {"items": "Ảnh rõ hơn", "reason": "Ảnh mờ"})
    d.refresh_from_db()
    assert (d.status, d.supplement.items) == (5, ["Ảnh rõ hơn"])


def test_who_gets_the_counter(agency, other_agency, clerk, officer, leader, agency_admin, version):
    d = online(agency, version)
    for user in (clerk, officer):
        c = login(user)
        assert c.get(reverse("onestop:counter")).status_code == 403
        assert c.post(reverse("onestop:accept_online", args=[d.pk])).status_code == 403
    for user in (leader, agency_admin):
        assert login(user).get(reverse("onestop:counter")).status_code == 200
    stranger = login(make_official(other_agency, Role.ONESTOP).user)
    assert stranger.post(reverse("onestop:accept_online", args=[d.pk])).status_code == 404
    assert stranger.get(reverse("onestop:supplement_complete", args=[d.pk])).status_code == 404
    d.refresh_from_db()
    assert d.status == DossierStatus.REGISTERED
    anonymous = Client().get(reverse("onestop:counter"))
    assert anonymous.status_code == 302


# --- catalogue pages ------------------------------------------------------------------------------------

def test_catalogue_list_and_detail(onestop, version):
    ProcedureVersion.objects.filter(pk=version.pk).update(fee=50000)
    c = login(onestop)
    assert "50.000 đ" in c.get(reverse("onestop:catalogue")).content.decode()
    assert "lệ phí 50.000 đồng" in c.get(reverse("onestop:receive"), {"procedure": "khai sinh"}).content.decode()
    page = c.get(reverse("onestop:catalogue"), {"q": "khai sinh"})
    assert page.status_code == 200 and "1.001612.000.00.00.H40" in page.content.decode()
    assert "Xuất Excel" not in page.content.decode()
    assert "Đăng ký khai sinh" not in c.get(reverse("onestop:catalogue"), {"on": "30/06/2025"}).content.decode()
    detail = c.get(reverse("onestop:procedure", args=[version.procedure_id])).content.decode()
    assert "Phiên bản từ 01/07/2025" in detail and "Thẩm định hồ sơ" in detail and "Đang áp dụng" in detail
    assert c.get(reverse("onestop:procedure", args=[99999])).status_code == 404


def test_export_and_import_for_admins_only(onestop, agency_admin, version):
    assert login(onestop).get(reverse("onestop:catalogue_export")).status_code == 403
    assert login(onestop).post(reverse("onestop:catalogue_import")).status_code == 403
    c = login(agency_admin)
    exported = c.get(reverse("onestop:catalogue_export"))
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(exported.content))
    main = wb["Thủ tục"]
    row = [cell.value for cell in main[2]]
    main.append(row[:5] + ["01/01/2027", None, row[7], 10] + row[9:])
    wb["Các bước"].append([row[1], "01/01/2027", "Tiếp nhận", "Bộ phận một cửa", None, None, 1])
    out = io.BytesIO()
    wb.save(out)
    out.name = "danh-muc.xlsx"
    out.seek(0)
    done = c.post(reverse("onestop:catalogue_import"), {"file": out}, follow=True)
    assert "1 phiên bản mới" in done.content.decode()
    assert ProcedureVersion.objects.filter(valid_from=dt.date(2027, 1, 1)).count() == 1
    bad = io.BytesIO(catalogue_export()[:100])  # a cut workbook
    bad.name = "hong.xlsx"
    refused = c.post(reverse("onestop:catalogue_import"), {"file": bad})
    assert refused.status_code == 400
    assert "Tệp không phải là bảng tính Excel (.xlsx) đọc được." in refused.content.decode()
    assert ProcedureVersion.objects.count() == 2


def test_a_new_version_from_a_date_through_the_form(agency_admin, onestop, version):
    url = reverse("onestop:procedure_version_new", args=[version.procedure_id])
    assert login(onestop).get(url).status_code == 403
    c = login(agency_admin)
    page = c.get(url).content.decode()
    assert "Tiếp nhận hồ sơ | Bộ phận một cửa | 0.5" in page and "Giấy chứng sinh | Có | 1" in page
    initial = {"national_code": "1.001612", "local_code": version.procedure.local_code, "name": "Đăng ký khai sinh",
               "field": "Hộ tịch", "level": "Cấp xã", "time_limit": "3", "time_unit": "ngày làm việc", "fee": "0",
               "online_level": "Toàn trình", "supplement_rule": "Tính tiếp thời gian còn lại",
               "components_text": "Tờ khai | Có | 1\nGiấy chứng sinh | Có | 1 | bản chính",
               "steps_text": "Tiếp nhận | Bộ phận một cửa | 0.5\nThẩm định | Phòng chuyên môn | 2 | NV"}
    bad = c.post(url, initial | {"valid_from": "32/01/2027"})
    assert bad.status_code == 400 and "ngày hiệu lực “32/01/2027” không đúng dạng dd/mm/yyyy" in bad.content.decode()
    assert ProcedureVersion.objects.count() == 1
    assert c.post(url, initial | {"valid_from": "01/01/2027"}).status_code == 302
    new = ProcedureVersion.objects.get(valid_from=dt.date(2027, 1, 1))
    version.refresh_from_db()
    assert (version.valid_to, new.time_limit, new.supplement_rule, new.online_level) == (
        dt.date(2027, 1, 1), 3, "resume", "full")
    assert list(new.components.values_list("name", "kind")) == [("Tờ khai", ""), ("Giấy chứng sinh", "bản chính")]
    assert list(new.steps.values_list("handler", "department_code")) == [("counter", ""), ("department", "NV")]
    created = c.post(reverse("onestop:procedure_new"), initial | {"local_code": "2.000001.H40", "valid_from": "01/01/2027"})
    assert created.status_code == 302
