"""Statuses flowing back to the sender of a document delivered inside the deployment (QCVN 102 codes)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import make_official
from congvu.core.errors import Conflict, NotFound, ValidationFailed
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import selectors, services
from congvu.exchange.models import ExchangeStatus, InboxItem, InboxStatus
from congvu.org.models import Department, Role
from congvu.workflow import services as workflow

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def issued(agency, other_agency, clerk):
    return outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk,
        subject="V/v báo cáo tình hình thực hiện cải cách hành chính", recipient_agency_ids=[other_agency.pk],
        due_date=TODAY + dt.timedelta(days=10), pages=1), uploads=[pdf_upload("cong-van.pdf", "Bao cao")])


@pytest.fixture
def delivered(issued, clerk):
    services.document_dispatch(actor=clerk, document=issued)
    return InboxItem.objects.get()


@pytest.fixture
def receiver(other_agency):
    dept = Department.objects.create(agency=other_agency, name="Văn phòng", code="VP")
    return {"leader": make_official(other_agency, Role.LEADER, username="ld_xa").user,
            "officer": make_official(other_agency, Role.OFFICER, username="cv_xa", department=dept).user}


def codes(item):
    return list(ExchangeStatus.objects.filter(item=item).order_by("created_at", "pk").values_list("code", flat=True))


def test_whole_cycle_for_one_internal_recipient(agency, other_agency, clerk, other_clerk, delivered, receiver,
                                                 issued):
    assert codes(delivered) == ["01"]
    arrival = ExchangeStatus.objects.get(item=delivered)
    assert (arrival.agency_id, arrival.actor, arrival.description, arrival.created_at) == (
        other_agency.pk, None, "Đã đến", delivered.delivered_at)

    document = services.inbox_register(actor=other_clerk, item=delivered)
    assert codes(delivered) == ["01", "03"]
    registered = ExchangeStatus.objects.get(item=delivered, code="03")
    assert (registered.actor, registered.actor_name, registered.description) == (
        other_clerk, other_clerk.official.full_name, f"Đã vào sổ văn bản đến, số đến {document.register_number}")

    officer = receiver["officer"]
    workflow.direction_give(actor=receiver["leader"], document=document, text="Giao Văn phòng tham mưu",
                            lead=officer.official)
    assert codes(delivered) == ["01", "03", "04"]
    assert ExchangeStatus.objects.get(item=delivered, code="04").description == \
        "Đã phân công xử lý: Giao Văn phòng tham mưu"

    lead = document.assignments.get(role="lead")
    workflow.progress_record(actor=officer, assignment=lead, percent="30", note="Đang tổng hợp")
    workflow.progress_record(actor=officer, assignment=lead, percent="60", note="Đã dự thảo")
    assert codes(delivered) == ["01", "03", "04", "05"]

    workflow.assignment_submit(actor=officer, assignment=lead, note="Đã có báo cáo")
    assert codes(delivered) == ["01", "03", "04", "05"]
    workflow.assignment_accept(actor=receiver["leader"], assignment=lead, note="Đồng ý")
    assert codes(delivered) == ["01", "03", "04", "05", "06"]

    # The sender's clerk reads the timeline of its recipient.
    timeline = selectors.delivery_timelines(user=clerk, document=issued)
    assert [(t.item.pk, t.name, [s.code for s in t.statuses]) for t in timeline] == [
        (delivered.pk, other_agency.name, ["01", "03", "04", "05", "06"])]
    assert timeline[0].current.code == "06"


def test_return_records_02_with_reason(other_clerk, delivered):
    services.inbox_return(actor=other_clerk, item=delivered, reason="Gửi nhầm cơ quan")
    services.inbox_return(actor=other_clerk, item=delivered, reason="Gửi nhầm cơ quan")
    assert codes(delivered) == ["01", "02"]
    assert ExchangeStatus.objects.get(item=delivered, code="02").description == "Từ chối: Gửi nhầm cơ quan"


def test_registering_twice_records_03_once(other_clerk, delivered):
    first = services.inbox_register(actor=other_clerk, item=delivered)
    again = services.inbox_register(actor=other_clerk, item=delivered)
    assert first == again
    assert codes(delivered) == ["01", "03"]


def test_dispatching_twice_records_01_once(clerk, issued, delivered):
    services.document_dispatch(actor=clerk, document=issued)
    assert codes(delivered) == ["01"]


def test_once_only_codes_are_enforced_by_the_database(delivered, other_clerk):
    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeStatus.objects.create(item=delivered, code="01", agency_id=delivered.agency_id,
                                      created_at=timezone.now())
    assert codes(delivered) == ["01"]


def test_directing_an_unrelated_document_records_nothing(agency, clerk, leader, officer, delivered):
    from congvu.documents.services import incoming_register
    from congvu.documents.tests.factories import incoming_data

    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    workflow.direction_give(actor=leader, document=doc, text="Xử lý", lead=officer.official)
    assert codes(delivered) == ["01"]
    assert ExchangeStatus.objects.count() == 1


def test_register_after_withdrawal_is_refused(other_clerk, delivered):
    InboxItem.objects.filter(pk=delivered.pk).update(status=InboxStatus.WITHDRAWN)
    delivered.refresh_from_db()
    with pytest.raises(Conflict):
        services.inbox_register(actor=other_clerk, item=delivered)
    assert codes(delivered) == ["01"]
    assert InboxItem.objects.get().incoming_document_id is None


def test_only_the_senders_people_see_the_timeline(other_clerk, issued, delivered):
    with pytest.raises(NotFound):
        selectors.delivery_timelines(user=other_clerk, document=issued)


# --- recall ------------------------------------------------------------------------------------

def _snapshot():
    from congvu.audit.models import JournalEntry
    from congvu.notifications.models import Notification

    return (list(InboxItem.objects.order_by("pk").values_list("status", "recall_state", "recall_reason",
                                                               "recalled_at", "incoming_document_id")),
            list(ExchangeStatus.objects.order_by("pk").values_list("code", flat=True)),
            JournalEntry.objects.count(), Notification.objects.count())


def test_recall_accepted_before_registration_withdraws_the_item(clerk, other_clerk, delivered):
    from congvu.audit.models import JournalEntry
    from congvu.notifications.models import Notification

    services.delivery_recall_request(actor=clerk, item=delivered, reason="Văn bản có sai sót")
    services.delivery_recall_request(actor=clerk, item=delivered, reason="Văn bản có sai sót")  # a double click
    delivered.refresh_from_db()
    assert (delivered.status, delivered.recall_state, delivered.recall_reason) == (
        "waiting", "requested", "Văn bản có sai sót")
    assert codes(delivered) == ["01", "13"]
    request = ExchangeStatus.objects.get(item=delivered, code="13")
    assert (request.agency_id, request.actor, request.description) == (
        delivered.sender_agency_id, clerk, "Đề nghị thu hồi: Văn bản có sai sót")
    assert list(Notification.objects.filter(kind="exchange.recall_requested")
                .values_list("official__user__username", flat=True)) == ["vanthu_xa"]

    services.delivery_recall_accept(actor=other_clerk, item=delivered)
    delivered.refresh_from_db()
    assert (delivered.status, delivered.recall_state, delivered.incoming_document_id) == (
        "withdrawn", "accepted", None)
    assert delivered.recalled_at is not None
    assert codes(delivered) == ["01", "13", "15"]
    assert list(Notification.objects.filter(kind="exchange.recall_accepted")
                .values_list("official__user__username", flat=True)) == ["vanthu"]
    assert list(JournalEntry.objects.filter(action__startswith="exchange.recall").order_by("pk")
                .values_list("action", flat=True)) == [
        "exchange.recall_request", "exchange.recall_requested", "exchange.recall_accept"]
    # Withdrawn: it can be neither registered nor returned any more.
    before = _snapshot()
    with pytest.raises(Conflict):
        services.inbox_register(actor=other_clerk, item=delivered)
    with pytest.raises(Conflict):
        services.inbox_return(actor=other_clerk, item=delivered, reason="x")
    with pytest.raises(Conflict):
        services.delivery_recall_request(actor=clerk, item=delivered, reason="Lần nữa")
    assert _snapshot() == before
    assert selectors.inbox_waiting_count(user=other_clerk, agency_id=delivered.agency_id) == 0


def test_recall_accepted_after_registration_keeps_the_document(clerk, other_clerk, delivered):
    from congvu.audit.models import JournalEntry

    document = services.inbox_register(actor=other_clerk, item=delivered)
    services.delivery_recall_request(actor=clerk, item=delivered, reason="Sai số liệu")
    services.delivery_recall_accept(actor=other_clerk, item=delivered, note="Đã hủy bản đã vào sổ")
    delivered.refresh_from_db()
    assert (delivered.status, delivered.recall_state, delivered.incoming_document_id) == (
        "registered", "accepted", document.pk)
    assert codes(delivered) == ["01", "03", "13", "15"]
    assert ExchangeStatus.objects.get(item=delivered, code="15").description == (
        "Đồng ý thu hồi: văn bản đã vào sổ được đánh dấu đã thu hồi. Đã hủy bản đã vào sổ")
    entry = JournalEntry.objects.get(action="document.recalled")
    assert (entry.agency_id_ref, entry.object_id) == (delivered.agency_id, str(document.pk))


def test_recall_refused_then_asked_again(clerk, other_clerk, delivered):
    from congvu.notifications.models import Notification

    services.delivery_recall_request(actor=clerk, item=delivered, reason="Sai số liệu")
    with pytest.raises(ValidationFailed):
        services.delivery_recall_refuse(actor=other_clerk, item=delivered, reason="  ")
    services.delivery_recall_refuse(actor=other_clerk, item=delivered, reason="Đã triển khai thực hiện")
    delivered.refresh_from_db()
    assert (delivered.status, delivered.recall_state) == ("waiting", "refused")
    assert codes(delivered) == ["01", "13", "16"]
    assert ExchangeStatus.objects.get(item=delivered, code="16").description == \
        "Từ chối thu hồi: Đã triển khai thực hiện"
    assert list(Notification.objects.filter(kind="exchange.recall_refused")
                .values_list("official__user__username", "body")) == [("vanthu", "Lý do: Đã triển khai thực hiện")]
    # Refused twice is a conflict; the sender may ask again.
    with pytest.raises(Conflict):
        services.delivery_recall_refuse(actor=other_clerk, item=delivered, reason="Lần hai")
    services.delivery_recall_request(actor=clerk, item=delivered, reason="Bổ sung lý do")
    assert codes(delivered) == ["01", "13", "16", "13"]


def test_forbidden_actors_change_nothing(agency, other_agency, clerk, other_clerk, leader, delivered):
    services.delivery_recall_request(actor=clerk, item=delivered, reason="Sai số liệu")
    stranger = make_official(other_agency, Role.OFFICER, username="cv_khac").user
    before = _snapshot()
    for actor in (other_clerk, leader, stranger):  # only the sender agency's clerks ask
        with pytest.raises(NotFound):
            services.delivery_recall_request(actor=actor, item=delivered, reason="x")
    for actor in (clerk, leader, stranger):  # only the receiving agency's clerks decide
        with pytest.raises(NotFound):
            services.delivery_recall_accept(actor=actor, item=delivered)
        with pytest.raises(NotFound):
            services.delivery_recall_refuse(actor=actor, item=delivered, reason="x")
    with pytest.raises(ValidationFailed):
        services.delivery_recall_request(actor=clerk, item=delivered, reason="")
    assert _snapshot() == before


def test_recall_of_a_returned_delivery_is_refused(clerk, other_clerk, delivered):
    services.inbox_return(actor=other_clerk, item=delivered, reason="Gửi nhầm")
    before = _snapshot()
    with pytest.raises(Conflict):
        services.delivery_recall_request(actor=clerk, item=delivered, reason="Sai")
    with pytest.raises(Conflict):
        services.delivery_recall_accept(actor=other_clerk, item=delivered)
    assert _snapshot() == before
