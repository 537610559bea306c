"""Security review of records: who reaches which page and endpoint, another agency, people of the agency
without the role, ids of another agency, secret documents inside case files (page, index, API, search),
CSRF and the journal. A refused call changes nothing."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound, ValidationFailed
from congvu.documents.models import Secrecy
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Membership, Role
from congvu.records import services
from congvu.records import urls as records_urls
from congvu.records.tests.conftest import YEAR, add_entry, entry, records_state

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Danh sách cơ sở bí mật nhà nước cần bảo vệ"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def case_file(issued_plan, officer):
    return services.case_file_open(actor=officer, plan=issued_plan, entry_id=entry(issued_plan, "03.VP").pk)


@pytest.fixture
def addressed(agency, clerk, officer):
    """An ordinary incoming document addressed to the officer (so he may see it and file it)."""
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="31", subject="Về việc tổ chức hội nghị cán bộ, công chức năm 2026",
        receiving_official_id=officer.official.pk))


@pytest.fixture
def secret(agency, clerk, officer):
    """A secret document the clerk (who registered it) and the officer are named on."""
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(
        secrecy=Secrecy.CONFIDENTIAL, subject=SECRET_SUBJECT, number="8", notation="M-BCH",
        access_official_ids=[officer.official.pk]))


# --- anonymous ----------------------------------------------------------------------------------

def test_every_records_page_sends_the_anonymous_to_login(db):
    urls = []
    for p in records_urls.urlpatterns:
        assert isinstance(p, URLPattern)
        kwargs = {n: (YEAR if n == "year" else 999) for n in p.pattern.converters}
        urls.append(reverse(f"records:{p.name}", kwargs=kwargs))
    assert len(urls) == 34
    for url in urls:
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), (method, url)


def test_every_records_endpoint_answers_401_to_the_anonymous(db):
    from congvu.api.records import router

    paths = [(m, re.sub(r"\{[^}]+\}", "999", path)) for path, view in router.path_operations.items()
             for op in view.operations for m in op.methods]
    assert len(paths) == 29
    for method, path in paths:
        response = Client().generic(method, "/api/v1" + path, "{}", content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), (method, path)


# --- another agency, other people of the agency -------------------------------------------------

def test_another_agency_gets_404_on_case_files_plans_and_transfers(agency, other_agency, issued_plan, case_file,
                                                                  other_clerk, addressed):
    services.case_file_document_add(actor=case_file.responsible.user, case_file=case_file, document_id=addressed.pk)
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa").user
    clients = [(client_for(u), ApiClient(u)) for u in (other_clerk, foreign_leader)]
    before = records_state()
    for web, api in clients:
        for name in ("case_file", "case_file_edit", "case_file_index", "case_file_close", "case_file_search"):
            assert web.get(reverse(f"records:{name}", args=[case_file.pk])).status_code == 404, name
        for name, data in (("case_file_document_add", {"document_id": addressed.pk}), ("case_file_close", {}),
                           ("case_file_reopen", {"reason": "x"}), ("case_file_edit", {"title": "Đổi"})):
            assert web.post(reverse(f"records:{name}", args=[case_file.pk]), data).status_code == 404, name
        assert web.post(reverse("records:case_file_document_remove", args=[case_file.pk, addressed.pk])
                        ).status_code == 404
        assert web.post(reverse("records:document_file", args=[addressed.pk]), {"case_file": case_file.pk}
                        ).status_code == 404
        # Their own year's plan page is theirs: ours is not reached through it.
        assert web.get(reverse("records:plan", args=[YEAR])).status_code == 404
        for path in ("", "/documents"):
            assert api.get(f"/case-files/{case_file.pk}{path}").status_code == 404, path
        assert api.get(f"/file-plans/{issued_plan.pk}").status_code == 404
        assert api.patch(f"/case-files/{case_file.pk}", {"title": "Đổi"}).status_code == 404
        assert api.post(f"/case-files/{case_file.pk}/documents", {"document_id": addressed.pk}).status_code == 404
        assert api.post(f"/case-files/{case_file.pk}/close", {}).status_code == 404
        assert api.client.delete(f"/api/v1/case-files/{case_file.pk}/documents/{addressed.pk}").status_code == 404
        assert api.post(f"/file-plans/{issued_plan.pk}/headings", {"code": "XX", "title": "x"}).status_code == 404
    assert records_state() == before


def test_an_officer_sees_only_his_own_case_files_and_no_agency_records(agency, issued_plan, case_file, officer):
    colleague = make_official(agency, Role.OFFICER, username="chuyenvien_khac",
                              department=agency.departments.get(code="VP")).user
    web, api = client_for(colleague), ApiClient(colleague)
    before = records_state()
    assert web.get(reverse("records:case_file", args=[case_file.pk])).status_code == 404
    assert api.get(f"/case-files/{case_file.pk}").status_code == 404
    assert web.get(reverse("records:case_files")).status_code == 302  # to "my case files"
    for name in ("due", "transfers", "transfer_new"):
        assert web.get(reverse(f"records:{name}")).status_code == 403, name
    assert web.post(reverse("records:plan_issue", args=[YEAR])).status_code == 403
    assert web.post(reverse("records:heading_add", args=[YEAR]), {"code": "XX", "title": "x"}).status_code == 403
    assert web.post(reverse("records:schedule_new"), {"code": "x"}).status_code == 403
    assert api.get("/case-files/due-for-transfer").status_code == 403
    assert api.get("/archive-transfers").status_code == 403
    assert records_state() == before


# --- ids of another agency ----------------------------------------------------------------------

def test_ids_of_another_agency_in_records_are_refused(agency, other_agency, issued_plan, case_file, leader, clerk,
                                                     other_clerk):
    Membership.objects.create(official=leader.official, agency=other_agency, role=Role.CLERK)
    leader = type(leader).objects.get(pk=leader.pk)  # without the access cached before
    leader_api = ApiClient(leader)
    foreign_doc = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(subject="Văn bản xã"))
    foreign_official = make_official(other_agency, Role.OFFICER, username="chuyenvien_xa")
    foreign_dept = other_agency.departments.create(name="Văn phòng xã", code="VPX")
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa").user
    foreign_plan = services.file_plan_create(actor=foreign_leader, agency=other_agency, year=YEAR)
    add_entry(foreign_leader, foreign_plan, services.file_plan_heading_add(
        actor=foreign_leader, plan=foreign_plan, code="VPX", title="Văn phòng"), "Hồ sơ của xã")
    services.file_plan_issue(actor=foreign_leader, plan=foreign_plan)
    foreign_file = services.case_file_open(actor=foreign_leader, plan=foreign_plan,
                                           entry_id=foreign_plan.entries.get().pk)
    before = records_state()
    # A document of another agency: not visible to an officer, refused to a leader who also works there.
    with pytest.raises(NotFound):
        services.case_file_document_add(actor=case_file.responsible.user, case_file=case_file,
                                        document_id=foreign_doc.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.case_file_document_add(actor=leader, case_file=case_file, document_id=foreign_doc.pk)
    assert exc.value.fields == {"document_id": "Văn bản của cơ quan khác."}
    with pytest.raises(ValidationFailed) as exc:
        services.case_file_update(actor=leader, case_file=case_file,
                                  changes={"responsible_official_id": foreign_official.pk})
    assert list(exc.value.fields) == ["responsible_official_id"]
    with pytest.raises(ValidationFailed) as exc:
        services.archive_transfer_create(actor=clerk, agency=agency, transferred_on="01/01/2020",
                                         handed_over_by_id=foreign_official.pk, received_by_id=clerk.official.pk,
                                         department_id=foreign_dept.pk, case_file_ids=[case_file.pk])
    assert sorted(exc.value.fields) == ["department_id", "handed_over_by_id"]
    with pytest.raises(NotFound):
        services.archive_transfer_create(actor=clerk, agency=agency, transferred_on="01/01/2020",
                                         handed_over_by_id=leader.official.pk, received_by_id=clerk.official.pk,
                                         case_file_ids=[foreign_file.pk])
    response = leader_api.post("/case-files", {"plan_id": issued_plan.pk, "entry_id": entry(issued_plan, "01.TCCB").pk,
                                               "responsible_official_id": foreign_official.pk})
    assert (response.status_code, response.json()["fields"]) == (
        400, {"responsible_official_id": "Người lập hồ sơ không thuộc cơ quan."})
    assert records_state() == before


# --- secret documents in case files -------------------------------------------------------------

def test_a_secret_document_in_a_case_file_is_counted_not_shown_to_those_not_named(agency, case_file, officer,
                                                                                 leader, secret, addressed):
    services.case_file_document_add(actor=officer, case_file=case_file, document_id=secret.pk)
    services.case_file_document_add(actor=officer, case_file=case_file, document_id=addressed.pk)
    web, api = client_for(leader), ApiClient(leader)
    for name in ("case_file", "case_file_index", "case_file_close"):
        html = web.get(reverse(f"records:{name}", args=[case_file.pk])).content.decode()
        assert SECRET_SUBJECT not in html and "M-BCH" not in html, name
        assert (addressed.subject in html) == (name != "case_file_close"), name
    body = api.get(f"/case-files/{case_file.pk}/documents").json()
    assert ([i["document_id"] for i in body["items"]], body["hidden"]) == ([addressed.pk], 1)
    assert SECRET_SUBJECT not in web.get(reverse("records:case_file_search", args=[case_file.pk]),
                                         {"q": "bí mật nhà nước"}).content.decode()
    # He can neither take it out nor file it elsewhere.
    before = records_state()
    assert web.post(reverse("records:case_file_document_remove", args=[case_file.pk, secret.pk])).status_code == 404
    with pytest.raises(NotFound):
        services.case_file_document_remove(actor=leader, case_file=case_file, document_id=secret.pk)
    assert records_state() == before
    # The officer, named on it, sees it in his file.
    body = ApiClient(officer).get(f"/case-files/{case_file.pk}/documents").json()
    assert (sorted(i["document_id"] for i in body["items"]), body["hidden"]) == (sorted([secret.pk, addressed.pk]), 0)


# --- CSRF and journal ---------------------------------------------------------------------------

def test_records_posts_without_the_csrf_token_are_refused(case_file, officer, addressed):
    web = Client(enforce_csrf_checks=True)
    web.force_login(officer)
    before = records_state()
    assert web.post(reverse("records:case_file_document_add", args=[case_file.pk]),
                    {"document_id": addressed.pk}).status_code == 403
    assert web.post(reverse("records:case_file_close", args=[case_file.pk])).status_code == 403
    response = web.post(f"/api/v1/case-files/{case_file.pk}/documents", {"document_id": addressed.pk},
                        content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert records_state() == before


def test_every_case_file_change_is_journaled(case_file, officer, leader, addressed):
    services.case_file_document_add(actor=officer, case_file=case_file, document_id=addressed.pk)
    services.case_file_update(actor=officer, case_file=case_file, changes={"notes": "Bản chính"})
    services.case_file_close(actor=officer, case_file=case_file)
    services.case_file_reopen(actor=leader, case_file=case_file, reason="Bổ sung văn bản")
    services.case_file_document_remove(actor=officer, case_file=case_file, document_id=addressed.pk)
    actions = list(JournalEntry.objects.filter(action__startswith="case_file", object_id=str(case_file.pk))
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["case_file.open", "case_file.document_add", "case_file.update", "case_file.close",
                       "case_file.reopen", "case_file.document_remove"]
