"""Security review of drafting: who reaches which page and endpoint, ids of another agency's objects,
secret drafts and replies to secret documents, file downloads, CSRF and the journal. A refused call
changes nothing."""

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Secrecy
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.drafting import services
from congvu.drafting import urls as drafting_urls
from congvu.drafting.models import Draft
from congvu.drafting.tests.conftest import draft_data, make_draft, pdf_file, state_snapshot, to_state
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Kế hoạch bảo đảm an ninh địa bàn trọng điểm"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _page_urls(module) -> list[str]:
    out = []
    for p in module.urlpatterns:
        assert isinstance(p, URLPattern)
        out.append(reverse(f"{module.app_name}:{p.name}", kwargs={name: 999 for name in p.pattern.converters}))
    return out


def _api_paths(router) -> list[tuple[str, str]]:
    return [(method, re.sub(r"\{[^}]+\}", "999", path))
            for path, view in router.path_operations.items() for op in view.operations for method in op.methods]


@pytest.fixture
def people(officer, unit_head, chairman, clerk):
    return {"officer": officer, "unit_head": unit_head, "chairman": chairman, "clerk": clerk}


# --- anonymous ----------------------------------------------------------------------------------

def test_every_drafting_page_sends_the_anonymous_to_login(db):
    urls = _page_urls(drafting_urls)
    assert len(urls) == 13
    anonymous = Client()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(anonymous, method)(url)
            assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), (method, url)


def test_every_drafting_endpoint_answers_401_to_the_anonymous(db):
    from congvu.api.drafting import router

    paths = _api_paths(router)
    assert len(paths) == 15
    for method, path in paths:
        response = Client().generic(method, "/api/v1" + path, "{}", content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), (method, path)


# --- another agency, other people of the agency -------------------------------------------------

def test_another_agencys_people_get_404_on_every_draft_page_and_endpoint(agency, other_agency, officer, people):
    draft = to_state(make_draft(officer, agency), "approved", **people)
    services.draft_revise(actor=people["officer"], draft=make_draft(officer, agency), data=draft_data(subject="Bản 2"))
    foreign_clerk = make_official(other_agency, Role.CLERK, username="vanthu_xa").user
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa").user
    clients = [(client_for(u), ApiClient(u)) for u in (foreign_clerk, foreign_leader)]
    before = state_snapshot()
    for web, api in clients:
        for name in ("detail", "edit", "compare"):
            assert web.get(reverse(f"drafting:{name}", args=[draft.pk])).status_code == 404, name
        assert web.get(reverse("drafting:version_file", args=[draft.pk, 1])).status_code == 404
        for name, data in (("edit", {"subject": "Đổi"}), ("submit", {}), ("review", {"decision": "forward"}),
                           ("approve", {}), ("return", {"reason": "x"}), ("format", {"decision": "ok"}),
                           ("issue", {"dispatch": "1"})):
            assert web.post(reverse(f"drafting:{name}", args=[draft.pk]), data).status_code == 404, name
        for path in ("", "/versions", "/versions/1/content", "/compare?old=1&new=1"):
            assert api.get(f"/drafts/{draft.pk}{path}").status_code == 404, path
        for path, body in (("/submit", {}), ("/review", {"decision": "forward"}), ("/approve", {}),
                           ("/return", {"reason": "x"}), ("/format-check", {"ok": True}), ("/issue", {})):
            response = api.post(f"/drafts/{draft.pk}{path}", body)
            assert (response.status_code, response.json()["message"]) == (
                404, "Không tìm thấy dự thảo hoặc bạn không có quyền xem."), path
        assert api.get("/drafts", {"tab": "issue"}).json() == []
    assert state_snapshot() == before


def test_an_official_of_the_agency_not_involved_gets_404_and_one_stop_staff_may_not_draft(
        agency, nv, officer, onestop):
    draft = make_draft(officer, agency)
    colleague = make_official(agency, Role.OFFICER, username="chuyenvien_khac",
                              department=agency.departments.get(code="VP")).user
    colleague_api, onestop_api = ApiClient(colleague), ApiClient(onestop)
    before = state_snapshot()
    assert client_for(colleague).get(reverse("drafting:detail", args=[draft.pk])).status_code == 404
    assert colleague_api.get(f"/drafts/{draft.pk}").status_code == 404
    assert client_for(onestop).get(reverse("drafting:new")).status_code == 403
    response = onestop_api.client.post("/api/v1/drafts", {"data": json.dumps(
        {"doc_type": "cong_van", "subject": "V/v thử", "recipient_names": ["Sở Nội vụ"]}), "files": [pdf_file()]})
    assert (response.status_code, response.json()["message"]) == (
        403, "Bạn không có quyền soạn thảo văn bản của cơ quan này.")
    assert state_snapshot() == before


def test_the_drafting_policy_is_the_agency_admins_alone(agency, other_agency, agency_admin, leader):
    leader_api, admin_api = ApiClient(leader), ApiClient(agency_admin)
    before = state_snapshot()
    assert client_for(leader).post(reverse("drafting:policy"), {"allow_self_approval": "on"}).status_code == 403
    response = leader_api.client.put("/api/v1/drafting-policy", json.dumps({"allow_self_approval": True}),
                                            content_type="application/json")
    assert response.status_code == 403
    response = admin_api.client.put(
        "/api/v1/drafting-policy", json.dumps({"agency": other_agency.pk, "allow_self_approval": True}),
        content_type="application/json")
    assert (response.status_code, response.json()["message"]) == (404, "Không tìm thấy cơ quan.")
    assert state_snapshot() == before


# --- ids of another agency ----------------------------------------------------------------------

def test_ids_of_another_agency_in_a_draft_are_refused(agency, other_agency, officer, other_clerk, people):
    foreign_dept = other_agency.departments.create(name="Văn phòng xã", code="VPX")
    foreign_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa")
    foreign_doc = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        make_draft(officer, agency, drafting_department_id=foreign_dept.pk)
    assert exc.value.fields == {"drafting_department_id": "Đơn vị soạn thảo không thuộc cơ quan."}
    with pytest.raises(NotFound):
        services.draft_create(actor=officer, agency=agency, data=draft_data(), upload=pdf_file(),
                              reply_to_id=foreign_doc.pk)
    with pytest.raises(PermissionDenied):  # nor is the draft made in the other agency
        services.draft_create(actor=officer, agency=other_agency, data=draft_data(), upload=pdf_file())
    assert state_snapshot() == before
    draft = make_draft(officer, agency)
    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.draft_submit_for_review(actor=officer, draft=draft, reviewer_id=foreign_leader.pk)
    assert exc.value.fields == {"reviewer_id": "Người ký nháy phải là lãnh đạo cơ quan hoặc lãnh đạo đơn vị soạn thảo."}
    assert state_snapshot() == before
    draft = services.draft_submit_for_review(actor=officer, draft=draft)
    head_api = ApiClient(people["unit_head"])
    before = state_snapshot()
    response = head_api.post(f"/drafts/{draft.pk}/review",
                                                   {"decision": "forward", "approver_id": foreign_leader.pk})
    assert (response.status_code, response.json()["fields"]) == (
        400, {"approver_id": "Người ký duyệt phải là lãnh đạo đang công tác tại cơ quan."})
    assert state_snapshot() == before


# --- secret drafts and replies to secret documents ----------------------------------------------

def test_an_issued_secret_draft_is_seen_only_by_those_named_on_its_document(agency, officer, people):
    other_clerk_here = make_official(agency, Role.CLERK, username="vanthu2").user
    draft = to_state(make_draft(officer, agency, secrecy=Secrecy.CONFIDENTIAL, subject=SECRET_SUBJECT),
                     "issued", **people)
    document = draft.document
    assert (document.secrecy, sorted(document.access_list.values_list("official_id", flat=True))) == (
        Secrecy.CONFIDENTIAL, sorted(p.official.pk for p in people.values()))
    web, api = client_for(other_clerk_here), ApiClient(other_clerk_here)
    assert web.get(reverse("drafting:detail", args=[draft.pk])).status_code == 404
    assert web.get(reverse("drafting:version_file", args=[draft.pk, 1])).status_code == 404
    assert api.get(f"/drafts/{draft.pk}").status_code == 404
    assert api.get(f"/drafts/{draft.pk}/versions/1/content").status_code == 404
    assert SECRET_SUBJECT not in web.get(reverse("drafting:list"), {"tab": "issue"}).content.decode()
    # The clerk who numbered it is named on the document and still sees the draft.
    assert client_for(people["clerk"]).get(reverse("drafting:detail", args=[draft.pk])).status_code == 200


def test_a_draft_replying_to_a_secret_document_does_not_tell_its_subject(agency, nv, clerk, officer, unit_head):
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        secrecy=Secrecy.CONFIDENTIAL, subject=SECRET_SUBJECT, access_official_ids=[officer.official.pk]))
    draft = services.draft_create(actor=officer, agency=agency, data=draft_data(subject="V/v báo cáo kết quả"),
                                  upload=pdf_file(), reply_to_id=secret.pk)
    # The unit head sees the unit's ordinary drafts, not the secret document they answer.
    response = client_for(unit_head).get(reverse("drafting:detail", args=[draft.pk]))
    assert response.status_code == 200
    assert SECRET_SUBJECT not in response.content.decode()
    assert SECRET_SUBJECT not in json.dumps(ApiClient(unit_head).get(f"/drafts/{draft.pk}").json(),
                                            ensure_ascii=False)
    # Nor may someone not named start a reply to it.
    before = state_snapshot()
    assert client_for(unit_head).get(reverse("drafting:new"), {"reply_to": secret.pk}).status_code == 404
    with pytest.raises(NotFound):
        services.draft_create(actor=unit_head, agency=agency, data=draft_data(), upload=pdf_file(),
                              reply_to_id=secret.pk)
    assert state_snapshot() == before


# --- CSRF and journal ---------------------------------------------------------------------------

def test_drafting_posts_without_the_csrf_token_are_refused(agency, officer):
    draft = make_draft(officer, agency)
    before = state_snapshot()
    web = Client(enforce_csrf_checks=True)
    web.force_login(officer)
    for name in ("submit", "edit"):
        assert web.post(reverse(f"drafting:{name}", args=[draft.pk]), {}).status_code == 403, name
    assert web.post(reverse("drafting:new"), {"doc_type": "cong_van", "subject": "x"}).status_code == 403
    response = web.post(f"/api/v1/drafts/{draft.pk}/submit", "{}", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert state_snapshot() == before


def test_every_step_of_a_draft_is_journaled(agency, officer, people, agency_admin):
    draft = make_draft(officer, agency)
    services.draft_revise(actor=officer, draft=draft, data=draft_data(subject="V/v báo cáo quý II"))
    draft = services.draft_submit_for_review(actor=officer, draft=draft)
    services.draft_review(actor=people["unit_head"], draft=draft, forward=False, comment="Sửa số liệu")
    to_state(Draft.objects.get(pk=draft.pk), "issued", **people)
    services.drafting_policy_set(actor=agency_admin, agency=agency, allow_self_approval=True)
    actions = list(JournalEntry.objects.filter(action__startswith="draft").order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["draft.create", "draft.revise", "draft.submit", "draft.review_return", "draft.submit",
                       "draft.review_forward", "draft.approve", "draft.format_ok", "draft.issue", "drafting.policy"]
