"""Statuses flowing back to the sender of a document delivered inside the deployment (QCVN 102 codes)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import make_official
from congvu.core.errors import Conflict, NotFound
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
