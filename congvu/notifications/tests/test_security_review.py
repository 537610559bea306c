"""Security review of notifications: one's own inbox only, no redirect off the site, CSRF, and — across the
apps that notify — a secret document's subject reaches only people who may see that document."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.documents.models import Secrecy
from congvu.documents.selectors import visible_documents
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload
from congvu.drafting import services as drafting
from congvu.drafting.tests.conftest import draft_data, pdf_file
from congvu.notifications.models import Notification
from congvu.notifications.services import notify
from congvu.org.models import Membership, Position, Role
from congvu.workflow import services as workflow
from congvu.workflow.models import Assignment
from congvu.workflow.tasks import reminders_send

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Kế hoạch di dời khẩn cấp kho vật liệu nổ"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _note(user, title="Văn bản 10/UBND đã được phân công", url="/my-work/") -> Notification:
    notify(recipients=[user.official], agency_id=None, kind="test", title=title, url=url)
    return Notification.objects.latest("pk")


def read_marks() -> list:
    return list(Notification.objects.order_by("pk").values_list("pk", "read_at"))


# --- anonymous, someone else's ------------------------------------------------------------------

def test_the_anonymous_is_sent_to_login_and_the_api_answers_401(clerk):
    n = _note(clerk)
    anonymous = Client()
    for url in (reverse("notifications:inbox"), reverse("notifications:open", args=[n.pk])):
        response = anonymous.get(url)
        assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), url
    for url in (reverse("notifications:read", args=[n.pk]), reverse("notifications:read_all")):
        response = anonymous.post(url)
        assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), url
    assert anonymous.get(reverse("notifications:badge")).status_code == 286  # the bell stops polling
    for method, path in (("GET", "/notifications"), ("GET", "/notifications/unread-count"),
                         ("POST", "/notifications/read-all"), ("POST", f"/notifications/{n.pk}/read")):
        response = anonymous.generic(method, "/api/v1" + path)
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), path
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_someone_elses_notification_is_a_404_and_stays_unread(clerk, leader, other_clerk):
    n = _note(clerk, title="Văn bản mật đã được phân công")
    for user in (leader, other_clerk):
        web, api = client_for(user), ApiClient(user)
        before = read_marks()
        assert web.get(reverse("notifications:open", args=[n.pk])).status_code == 404
        assert web.post(reverse("notifications:read", args=[n.pk])).status_code == 404
        assert api.post(f"/notifications/{n.pk}/read", {}).status_code == 404
        assert web.post(reverse("notifications:read_all")).status_code == 302
        assert api.post("/notifications/read-all", {}).json() == {"changed": 0}
        assert api.get("/notifications").json() == {"items": [], "next_cursor": None}
        assert "Văn bản mật" not in web.get(reverse("notifications:inbox")).content.decode()
        assert read_marks() == before


# --- redirects and CSRF -------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example/",
                                    "javascript:alert(1)", "http://testserver.evil.example/"])
def test_no_notification_link_or_next_leaves_the_site(clerk, target):
    web = client_for(clerk)
    n = _note(clerk, url=target)
    response = web.get(reverse("notifications:open", args=[n.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("notifications:inbox"))
    other = _note(clerk)
    response = web.post(reverse("notifications:read", args=[other.pk]), {"next": target})
    assert response["Location"] == reverse("notifications:inbox")
    response = web.post(reverse("notifications:read_all"), {"next": target})
    assert response["Location"] == reverse("notifications:inbox")
    # A link inside the site is followed.
    inside = _note(clerk, url="/documents/5/")
    assert web.get(reverse("notifications:open", args=[inside.pk]))["Location"] == "/documents/5/"


def test_marking_read_needs_the_csrf_token(clerk):
    n = _note(clerk)
    web = Client(enforce_csrf_checks=True)
    web.force_login(clerk)
    assert web.post(reverse("notifications:read", args=[n.pk])).status_code == 403
    assert web.post(reverse("notifications:read_all")).status_code == 403
    response = web.post(f"/api/v1/notifications/{n.pk}/read", "{}", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert Notification.objects.get(pk=n.pk).read_at is None


# --- a secret document's subject, across the apps that notify -----------------------------------

def _may_see(official, document) -> bool:
    return visible_documents(official.user).filter(pk=document.pk).exists()


def _leaks(document) -> list[tuple[str, str]]:
    """(username, title) of each notification naming the document's subject to someone who may not see it."""
    return [(n.official.user.username, n.title) for n in Notification.objects.select_related("official__user")
            if (SECRET_SUBJECT in n.title or SECRET_SUBJECT in n.body) and not _may_see(n.official, document)]


def test_a_secret_documents_subject_is_notified_only_to_people_who_may_see_it(agency, clerk, leader):
    nv = agency.departments.get(code="NV")
    vp = agency.departments.get(code="VP")
    head = make_official(agency, Role.LEADER, username="truongphong", department=nv).user
    officer = make_official(agency, Role.OFFICER, username="chuyenvien", department=nv).user
    colleague = make_official(agency, Role.OFFICER, username="chuyenvien_vp", department=vp).user
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        secrecy=Secrecy.SECRET, subject=SECRET_SUBJECT, number="4", notation="TM-BCH",
        access_official_ids=[leader.official.pk]))
    future = (timezone.localdate() + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    workflow.document_present(actor=clerk, document=secret, to_department=nv)
    workflow.direction_give(actor=head, document=secret, text="Phòng Nội vụ chủ trì", lead=nv,
                            coordinators=[vp], inform=[colleague.official], due_at=future)
    unit_row = Assignment.objects.get(assignee_department=nv)
    child = workflow.assignment_reassign(actor=head, assignment=unit_row, to_official=officer.official)
    workflow.progress_record(actor=officer, assignment=child, percent=30, files=[pdf_upload()])
    ext = workflow.extension_request(actor=officer, assignment=child, reason="Chờ ý kiến",
                                     requested_due_at=(timezone.localdate() + dt.timedelta(days=20)).strftime("%d/%m/%Y"))
    workflow.extension_decide(actor=head, extension=ext, approve=False, note="Giữ hạn")
    workflow.assignment_submit(actor=officer, assignment=child)
    workflow.assignment_return(actor=head, assignment=child, reason="Bổ sung")
    # A new head of the coordinating unit is appointed; then reminders go out and the work is finished.
    new_head = make_official(agency, Role.OFFICER, username="truongphong_moi", department=vp).user
    Membership.objects.filter(official=new_head.official).update(
        position=Position.objects.get_or_create(name="Trưởng phòng", defaults={"is_leader": True})[0])
    Assignment.objects.filter(document=secret).update(due_at=timezone.now() - dt.timedelta(days=1))
    reminders_send()
    draft = drafting.draft_create(actor=officer, agency=agency, upload=pdf_file(), reply_to_id=secret.pk,
                                  data=draft_data(secrecy=Secrecy.SECRET, subject=f"Báo cáo về {SECRET_SUBJECT}"))
    drafting.draft_submit_for_review(actor=officer, draft=draft)
    workflow.assignment_submit(actor=officer, assignment=child)
    workflow.assignment_accept(actor=head, assignment=child)
    workflow.assignment_cancel(actor=head, assignment=Assignment.objects.get(assignee_department=vp),
                               reason="Không cần phối hợp")
    assert Notification.objects.filter(title__contains=SECRET_SUBJECT).count() >= 8
    assert _leaks(secret) == []
    # The new head is still told his unit has overdue work, without the subject, and may ask to be named.
    told = list(Notification.objects.filter(official=new_head.official).order_by("pk")
                .values_list("kind", "title", "body"))
    assert told == [
        ("workflow.reminder.overdue", "Việc của bạn quá hạn: văn bản mật 4/TM-BCH", "Hạn xử lý: "
         + timezone.localtime(Assignment.objects.get(assignee_department=vp).due_at).strftime("%d/%m/%Y %H:%M")
         + "."),
        ("workflow.cancelled", "Có việc về văn bản mật 4/TM-BCH bạn chưa được xem",
         "Đề nghị văn thư hoặc lãnh đạo cơ quan giao quyền xem văn bản để xử lý.")]
