"""Security review of the exchange queues: who reaches which page and endpoint, the sender and other
agencies, ids of another agency on registration, files, secret documents, CSRF and the journal. A refused
call changes nothing."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.documents.models import Document, Secrecy
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange import urls as exchange_urls
from congvu.exchange.models import InboxFile, InboxItem, OutboxItem
from congvu.notifications.models import Notification
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Phương án phòng thủ dân sự năm 2027"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def exchange_state() -> dict:
    return {
        "inbox": list(InboxItem.objects.order_by("pk").values_list("pk", "status", "incoming_document_id",
                                                                 "return_reason")),
        "outbox": list(OutboxItem.objects.order_by("pk").values_list("pk", "status")),
        "documents": list(Document.objects.order_by("pk").values_list("pk", "dispatched_on")),
        "journal": JournalEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def issued(agency, other_agency, clerk):
    return outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("cv.pdf", "Cong van moi hop")],
                             data=outgoing_data(doc_type="cong_van",
                                                drafting_department_id=agency.departments.get(code="VP").pk,
                                                subject="V/v mời họp sơ kết công tác quý I",
                                                recipient_agency_ids=[other_agency.pk],
                                                recipient_names=["Công an tỉnh"]))


@pytest.fixture
def item(issued, clerk):
    services.document_dispatch(actor=clerk, document=issued)
    return InboxItem.objects.get()


# --- anonymous ----------------------------------------------------------------------------------

def test_every_exchange_page_sends_the_anonymous_to_login(db):
    urls = [reverse(f"exchange:{p.name}", kwargs={n: 999 for n in p.pattern.converters})
            for p in exchange_urls.urlpatterns if isinstance(p, URLPattern)]
    assert len(urls) == 25  # 8 queue + 4 status and recall + 5 directory + 3 peers + 5 update/replace/recall/version pages
    for url in urls:
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), (method, url)


def test_every_exchange_endpoint_answers_401_to_the_anonymous(db):
    from congvu.api.exchange import router

    paths = [(m, re.sub(r"\{[^}]+\}", "999", path)) for path, view in router.path_operations.items()
             for op in view.operations for m in op.methods]
    assert len(paths) == 19  # + external deliveries, update, replace, outbox recall, versions
    for method, path in paths:
        response = Client().generic(method, "/api/v1" + path, "{}", content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), (method, path)


# --- the sender, a third agency, the receiving agency's other people ----------------------------

def test_nobody_but_the_receiving_clerks_reaches_an_inbox_item(agency, other_agency, clerk, leader, item):
    third_clerk = make_official(make_third_agency(), Role.CLERK, username="vanthu_tinh").user
    receiving_leader = make_official(other_agency, Role.LEADER, username="lanhdao_xa").user
    file_pk = InboxFile.objects.get(item=item).pk
    clients = {u.username: (client_for(u), ApiClient(u)) for u in (clerk, leader, third_clerk, receiving_leader)}
    before = exchange_state()
    for username, (web, api) in clients.items():
        assert web.get(reverse("exchange:inbox_detail", args=[item.pk])).status_code == 404, username
        assert web.get(reverse("exchange:inbox_file", args=[item.pk, file_pk])).status_code == 404, username
        assert web.post(reverse("exchange:inbox_register", args=[item.pk])).status_code == 404, username
        assert web.post(reverse("exchange:inbox_return", args=[item.pk]), {"reason": "Sai"}).status_code == 404
        assert api.get(f"/inbox/{item.pk}").status_code == 404, username
        assert api.get(f"/inbox/{item.pk}/files/{file_pk}/content").status_code == 404, username
        assert api.post(f"/inbox/{item.pk}/register", {}).status_code == 404, username
        assert api.post(f"/inbox/{item.pk}/return", {"reason": "Sai"}).status_code == 404, username
    # The leader of the receiving agency does not keep the queue: a 403 on the list, with nothing listed.
    web, api = clients["lanhdao_xa"]
    assert web.get(reverse("exchange:inbox")).status_code == 403
    assert api.get("/inbox").status_code == 403
    # The sending clerk's own queue does not hold it.
    assert clients[clerk.username][1].get("/inbox").json() == []
    assert exchange_state() == before


def make_third_agency():
    from conftest import make_agency
    from congvu.org.models import AgencyKind

    return make_agency(name="UBND tỉnh Quảng Nam", code="UBND", kind=AgencyKind.PROVINCE_PC)


def test_a_file_of_another_inbox_item_is_not_served_through_this_one(agency, other_agency, clerk, other_clerk,
                                                                     item):
    mine = make_official(agency, Role.CLERK, username="vanthu_huyen2")
    # A document sent the other way: our agency receives it, its file belongs to our queue.
    back = outgoing_register(actor=other_clerk, agency=other_agency, uploads=[pdf_upload("bc.pdf", "Bao cao xa")],
                             data=outgoing_data(doc_type="bao_cao", subject="Báo cáo của xã",
                                                recipient_agency_ids=[agency.pk]))
    services.document_dispatch(actor=other_clerk, document=back)
    ours = InboxItem.objects.get(agency=agency)
    foreign_file = InboxFile.objects.get(item=ours).pk
    assert client_for(other_clerk).get(reverse("exchange:inbox_file", args=[item.pk, foreign_file])).status_code \
        == 404
    assert ApiClient(other_clerk).get(f"/inbox/{item.pk}/files/{foreign_file}/content").status_code == 404
    assert client_for(mine.user).get(reverse("exchange:inbox_file", args=[ours.pk, foreign_file])).status_code \
        == 200


def test_registration_with_a_unit_or_person_of_another_agency_is_refused(agency, other_agency, other_clerk, item):
    our_dept = agency.departments.get(code="NV")
    our_officer = make_official(agency, Role.OFFICER, username="chuyenvien_huyen", department=our_dept)
    api = ApiClient(other_clerk)
    before = exchange_state()
    for changes, field in (({"receiving_department_id": our_dept.pk}, "receiving_department_id"),
                           ({"receiving_official_id": our_officer.pk}, "receiving_official_id")):
        response = api.post(f"/inbox/{item.pk}/register", changes)
        assert response.status_code == 400, changes
        message = response.json()["fields"]
        assert list(message) == [field]
        response = client_for(other_clerk).post(reverse("exchange:inbox_register", args=[item.pk]),
                                                {k: str(v) for k, v in changes.items()})
        assert response.status_code == 200
        assert message[field] in response.content.decode()
    assert exchange_state() == before
    assert InboxItem.objects.get(pk=item.pk).status == "waiting"


# --- dispatch and outbox ------------------------------------------------------------------------

def test_only_the_issuing_agencys_clerk_dispatches_and_marks_posted(agency, other_agency, clerk, other_clerk,
                                                                   leader, issued):
    web_foreign, api_foreign = client_for(other_clerk), ApiClient(other_clerk)
    web_leader = client_for(leader)
    before = exchange_state()
    assert web_foreign.post(reverse("exchange:dispatch", args=[issued.pk])).status_code == 404
    assert api_foreign.post(f"/documents/{issued.pk}/dispatch", {}).status_code == 404
    assert api_foreign.get(f"/documents/{issued.pk}/deliveries").status_code == 404
    assert web_leader.post(reverse("exchange:dispatch", args=[issued.pk])).status_code == 403
    assert exchange_state() == before
    services.document_dispatch(actor=clerk, document=issued)
    outbox = OutboxItem.objects.get()
    before = exchange_state()
    assert web_foreign.post(reverse("exchange:outbox_posted", args=[outbox.pk])).status_code == 404
    assert api_foreign.post(f"/outbox/{outbox.pk}/posted", {}).status_code == 404
    assert web_leader.post(reverse("exchange:outbox_posted", args=[outbox.pk])).status_code == 404
    assert api_foreign.get("/outbox").json() == []
    assert exchange_state() == before


def test_a_secret_document_never_reaches_another_agencys_inbox(agency, other_agency, clerk, other_clerk):
    secret = outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("m.pdf", "Mat")],
                               data=outgoing_data(doc_type="cong_van", secrecy=Secrecy.CONFIDENTIAL,
                                                  subject=SECRET_SUBJECT,
                                                  drafting_department_id=agency.departments.get(code="VP").pk,
                                                  recipient_agency_ids=[other_agency.pk]))
    before = exchange_state()
    response = client_for(clerk).post(reverse("exchange:dispatch", args=[secret.pk]))
    assert response.status_code == 302 and exchange_state() == before
    result = services.document_dispatch(actor=clerk, document=secret, by_post=True)
    assert (result.inbox_items, [o.status for o in result.outbox_items]) == ([], ["posted", "posted"])
    assert not InboxItem.objects.exists()
    page = client_for(other_clerk).get(reverse("exchange:inbox")).content.decode()
    assert SECRET_SUBJECT not in page
    assert not Notification.objects.filter(official=other_clerk.official).exists()


# --- CSRF and journal ---------------------------------------------------------------------------

def test_exchange_posts_without_the_csrf_token_are_refused(other_clerk, item):
    before = exchange_state()
    web = Client(enforce_csrf_checks=True)
    web.force_login(other_clerk)
    assert web.post(reverse("exchange:inbox_register", args=[item.pk])).status_code == 403
    assert web.post(reverse("exchange:inbox_return", args=[item.pk]), {"reason": "Sai"}).status_code == 403
    response = web.post(f"/api/v1/inbox/{item.pk}/return", '{"reason": "Sai"}', content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert exchange_state() == before


def test_every_exchange_step_is_journaled(agency, other_agency, clerk, other_clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    item, outbox = InboxItem.objects.get(), OutboxItem.objects.get()
    services.outbox_mark_posted(actor=clerk, item=outbox)
    services.inbox_return(actor=other_clerk, item=item, reason="Gửi nhầm nơi nhận")
    actions = list(JournalEntry.objects.filter(action__regex=r"^(exchange|document\.(dispatch|returned))")
                   .order_by("pk").values_list("action", "agency_id_ref"))
    assert actions == [("document.dispatch", agency.pk), ("exchange.receive", other_agency.pk),
                       ("exchange.posted", agency.pk), ("exchange.return", other_agency.pk),
                       ("document.returned_by_recipient", agency.pk)]
