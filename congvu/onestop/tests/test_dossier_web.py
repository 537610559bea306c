"""Dossier pages: detail with steps and allowed actions, htmx and plain action posts, list filters, the office
queue; another agency's user gets 404 and a refused action changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.onestop.models import DossierStatus
from congvu.onestop.tests.factories_o2 import accepted_dossier, local, state
from congvu.org.models import Role
from congvu.workdays.services import calendar_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def dossier(agency, procedure_version, onestop):
    return accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 9, 8, 0))


def test_detail_shows_the_dossier_and_only_the_allowed_actions(dossier, onestop, officer, other_agency):
    page = client_for(officer).get(reverse("onestop:dossier", args=[dossier.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đăng ký khai sinh" in html and "Nguyễn Văn An" in html
    assert "Thẩm định hồ sơ" in html and "Phòng Nội vụ" in html
    assert 'id="form-hand_over"' in html and 'id="form-result"' in html
    assert 'id="form-withdraw"' not in html and 'id="form-return"' not in html
    assert "16/03/2026" in html  # the appointment, dd/mm/yyyy
    counter = client_for(onestop).get(reverse("onestop:dossier", args=[dossier.pk])).content.decode()
    assert 'id="form-withdraw"' in counter and 'id="form-hand_over"' not in counter

    outsider = make_official(other_agency, Role.ONESTOP, username="motcua_xa").user
    assert client_for(outsider).get(reverse("onestop:dossier", args=[dossier.pk])).status_code == 404
    before = state()
    r = client_for(outsider).post(reverse("onestop:withdraw", args=[dossier.pk]), {"reason": "x"})
    assert r.status_code == 404
    assert Client().get(reverse("onestop:dossier", args=[dossier.pk])).status_code == 302  # to the login page
    assert state() == before


def test_hand_over_plain_post_redirects_and_htmx_error_comes_back_in_place(dossier, officer, onestop, leader):
    before = state()
    r = client_for(onestop).post(reverse("onestop:hand_over", args=[dossier.pk]), {})
    assert r.status_code == 403  # the counter does not hold the office's step
    r = client_for(officer).post(reverse("onestop:hand_over", args=[dossier.pk]),
                                 {"to_official": str(make_official(dossier.agency, Role.OFFICER,
                                                                   username="cv_ngoai").pk),
                                  "to_department": str(dossier.agency.departments.get(code="VP").pk)},
                                 headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "Cán bộ nhận hồ sơ không thuộc đơn vị nhận." in r.content.decode()
    assert state() == before

    r = client_for(officer).post(reverse("onestop:hand_over", args=[dossier.pk]),
                                 {"to_official": str(leader.official.pk), "note": "Đủ điều kiện"})
    assert r.status_code == 302 and r["Location"] == reverse("onestop:dossier", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING
    assert dossier.steps.order_by("-position").first().handler == leader.official

    # the leader records the result with htmx: the panel comes back with the new status
    r = client_for(leader).post(reverse("onestop:result", args=[dossier.pk]), {"note": "Đã cấp"},
                                headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert 'data-status="9"' in r.content.decode()
    r = client_for(onestop).post(reverse("onestop:return", args=[dossier.pk]),
                                 {"method": "in_person", "returned_to": ""})
    assert r.status_code == 400 and "Vui lòng nhập người nhận kết quả." in r.content.decode()
    r = client_for(onestop).post(reverse("onestop:return", args=[dossier.pk]),
                                 {"method": "in_person", "returned_to": "Nguyễn Văn An"})
    assert r.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.returned_to) == (DossierStatus.RETURNED, "Nguyễn Văn An")


def test_list_filters_and_office_queue(agency, procedure_version, onestop, officer):
    now = timezone.now()
    soon = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 9, 8, 0),
                            applicant_name="Lê Văn Sắp")
    soon.due_at = calendar_for(agency=agency).add_working_hours(now, 12)  # due in 1.5 working days
    soon.save(update_fields=["due_at"])
    old = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 2, 8, 0),
                           applicant_name="Phạm Thị Cũ")
    c = client_for(officer)
    html = c.get(reverse("onestop:dossiers")).content.decode()
    assert "Lê Văn Sắp" in html and "Phạm Thị Cũ" in html
    html = c.get(reverse("onestop:dossiers"), {"overdue": "1"}).content.decode()
    assert "Phạm Thị Cũ" in html and "Lê Văn Sắp" not in html
    html = c.get(reverse("onestop:dossiers"), {"q": old.code}).content.decode()
    assert "Phạm Thị Cũ" in html and "Lê Văn Sắp" not in html
    r = c.get(reverse("onestop:dossiers"), {"date_from": "99/99/2026"})
    assert r.status_code == 200 and "Ngày dạng dd/mm/yyyy." in r.content.decode()

    html = c.get(reverse("onestop:office")).content.decode()
    assert 'id="late-soon"' in html and "Sắp trễ hạn, cần xin lỗi" in html
    late_section = html.split('id="late-soon"')[1].split("</section>")[0]
    assert soon.code in late_section and old.code not in late_section
    queue = html.split('id="office-queue"')[1].split("</section>")[0]
    assert queue.index(old.code) < queue.index(soon.code)  # the step past its deadline first


def test_result_file_is_uploaded_and_served_only_to_those_who_see_the_dossier(dossier, officer, other_agency):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("giay-khai-sinh.pdf", b"%PDF-1.4\n%result\n" + b"0" * 200,
                             content_type="application/pdf")
    r = client_for(officer).post(reverse("onestop:result", args=[dossier.pk]), {"note": "Đã cấp", "file": pdf})
    assert r.status_code == 302
    dossier.refresh_from_db()
    assert dossier.result_file is not None and dossier.result_file.content_type == "application/pdf"
    url = reverse("onestop:dossier_file", args=[dossier.pk, dossier.result_file_id])
    assert url in client_for(officer).get(reverse("onestop:dossier", args=[dossier.pk])).content.decode()
    r = client_for(officer).get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF-1.4")
    entry = JournalEntry.objects.filter(action="onestop.dossier_file_download").get()
    assert (entry.actor_id, entry.object_id) == (officer.pk, str(dossier.pk))
    outsider = make_official(other_agency, Role.LEADER, username="ld_xa").user
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(officer).get(reverse("onestop:dossier_file", args=[dossier.pk, 999999])).status_code == 404


def test_interlinked_hand_over_from_the_page_picks_the_agency_from_the_department(agency, onestop, officer):
    from congvu.onestop.tests.conftest import make_procedure
    from congvu.onestop.tests.factories_o2 import INTERLINKED_STEPS, province_department

    version = make_procedure(local_code="1.000001.000.00.00.H40", name="Cấp phiếu lý lịch tư pháp",
                             steps=INTERLINKED_STEPS)
    dossier = accepted_dossier(agency=agency, version=version, by=onestop, received_at=local(2026, 3, 9, 8, 0))
    province = province_department()
    html = client_for(officer).get(reverse("onestop:dossier", args=[dossier.pk])).content.decode()
    assert 'name="to_agency"' in html and "Sở Tư pháp tỉnh Quảng Nam — Phòng Hành chính tư pháp" in html
    r = client_for(officer).post(reverse("onestop:hand_over", args=[dossier.pk]),
                                 {"to_department": str(province.departments.get().pk)})
    assert r.status_code == 302
    step = dossier.steps.order_by("-position").first()
    assert (step.agency, step.name) == (province, "Sở Tư pháp giải quyết")


def test_the_dossier_page_links_the_printed_forms_it_has(client, agency, onestop, procedure_version):
    from congvu.onestop import receiving
    from congvu.onestop.models import Channel

    dossier = receiving.dossier_receive(
        actor=onestop, agency=agency, version=procedure_version,
        applicant={"name": "Nguyễn Văn An", "id_number": "001085012345"}, channel=Channel.COUNTER,
        components=[{"component_id": c.pk, "provided": c.required} for c in procedure_version.components.all()],
        outcome="supplement", supplement_items=["Giấy tờ tùy thân của người đi đăng ký"],
        reason="Thiếu giấy tờ tùy thân")
    client.force_login(onestop)
    page = client.get(reverse("onestop:dossier", args=[dossier.pk])).content.decode()
    assert reverse("onestop:print_supplement", args=[dossier.pk]) in page
    assert reverse("onestop:print_control_slip", args=[dossier.pk]) in page
    assert reverse("onestop:print_refusal", args=[dossier.pk]) not in page
    assert reverse("onestop:print_apology", args=[dossier.pk]) not in page
