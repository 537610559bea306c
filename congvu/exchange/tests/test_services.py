"""Dispatch of issued documents and the receiving clerk's queue: delivered once, registered once."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Attachment, Channel, Document, DocumentStatus, Register
from congvu.documents.services import DuplicateSuspected, incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data, pdf_upload
from congvu.exchange import selectors, services
from congvu.exchange.models import InboxFile, InboxItem, InboxStatus, OutboxItem, OutboxStatus
from congvu.notifications.models import Notification
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _state():
    return {
        "inbox": list(InboxItem.objects.order_by("pk").values_list("pk", "status", "incoming_document_id",
                                                                  "return_reason")),
        "outbox": list(OutboxItem.objects.order_by("pk").values_list("pk", "status")),
        "documents": list(Document.objects.order_by("pk").values_list("pk", "status", "dispatched_on")),
        "registers": list(Register.objects.order_by("pk").values_list("pk", "next_number")),
        "journal": JournalEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def issued(agency, other_agency, clerk):
    """An outgoing document of the district to the commune (in this deployment) and the province's department."""
    return outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk, urgency="urgent",
        subject="V/v đôn đốc báo cáo công tác cải cách hành chính", recipient_agency_ids=[other_agency.pk],
        recipient_names=["Sở Nội vụ tỉnh Quảng Nam"], due_date=TODAY + dt.timedelta(days=10), pages=2),
        uploads=[pdf_upload("cong-van.pdf", "Don doc bao cao"), pdf_upload("phu-luc.pdf", "Phu luc so lieu")])


# --- dispatch ----------------------------------------------------------------------------------

def test_dispatch_delivers_inside_and_queues_outside(agency, other_agency, clerk, other_clerk, issued):
    result = services.document_dispatch(actor=clerk, document=issued)

    item = InboxItem.objects.get()
    assert result.inbox_items == [item] and len(result.outbox_items) == 1
    assert (item.agency, item.sender_agency, item.sender_name, item.source_document, item.status) == (
        other_agency, agency, agency.name, issued, InboxStatus.WAITING)
    assert (item.number, item.notation, item.issued_date, item.doc_type_code, item.subject, item.signer,
            item.signer_title, item.urgency, item.due_date, item.pages) == (
        "01", "UBND-VP", TODAY, "cong_van", issued.subject, "Nguyễn Văn An", "CHỦ TỊCH", "urgent",
        TODAY + dt.timedelta(days=10), 2)
    assert item.exchange_document_id == f"{agency.identifier},{TODAY:%Y/%m/%d},01/UBND-VP"
    assert list(InboxFile.objects.filter(item=item).values_list("file_id", "original_name")) == list(
        Attachment.objects.filter(document=issued).values_list("file_id", "original_name"))
    outbox = OutboxItem.objects.get()
    assert (outbox.recipient_name, outbox.status, outbox.agency) == (
        "Sở Nội vụ tỉnh Quảng Nam", OutboxStatus.WAITING, agency)
    issued.refresh_from_db()
    assert (issued.dispatched_on, issued.status) == (TODAY, DocumentStatus.DISPATCHED)
    note = Notification.objects.get(official=other_clerk.official)
    assert (note.kind, note.title, note.url) == (
        "exchange.received", f"Văn bản điện tử đến: 01/UBND-VP của {agency.name}", f"/exchange/inbox/{item.pk}/")
    assert list(JournalEntry.objects.filter(action__in=["document.dispatch", "exchange.receive"])
                .values_list("action", "agency_id_ref")) == [
        ("document.dispatch", agency.pk), ("exchange.receive", other_agency.pk)]


def test_dispatching_again_delivers_nothing_twice(clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    before = _state()
    again = services.document_dispatch(actor=clerk, document=issued)
    assert (again.inbox_items, again.outbox_items) == ([], [])
    assert _state() == before
    assert InboxItem.objects.count() == 1


def test_external_recipients_by_post(clerk, issued):
    services.document_dispatch(actor=clerk, document=issued, by_post=True)
    outbox = OutboxItem.objects.get()
    assert (outbox.status, outbox.posted_by) == (OutboxStatus.POSTED, clerk)
    assert InboxItem.objects.count() == 1  # agencies of the deployment still get it electronically


def test_a_secret_document_goes_by_post_only(agency, other_agency, clerk):
    secret = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        secrecy="confidential", recipient_agency_ids=[other_agency.pk]))
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        services.document_dispatch(actor=clerk, document=secret)
    assert exc.value.message == "Văn bản mật không được gửi qua mạng; chọn gửi qua bưu điện."
    assert _state() == before
    services.document_dispatch(actor=clerk, document=secret, by_post=True)
    assert not InboxItem.objects.exists()
    assert sorted(OutboxItem.objects.values_list("recipient_name", "status")) == sorted([
        (other_agency.name, "posted"), ("Sở Nội vụ tỉnh Quảng Nam", "posted")])


def test_only_the_issuing_clerk_dispatches(agency, clerk, leader, officer, other_clerk, issued):
    incoming = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    before = _state()
    with pytest.raises(PermissionDenied):
        services.document_dispatch(actor=leader, document=issued)
    with pytest.raises(NotFound):
        services.document_dispatch(actor=officer, document=issued)
    with pytest.raises(NotFound):
        services.document_dispatch(actor=other_clerk, document=issued)
    with pytest.raises(ValidationFailed) as exc:
        services.document_dispatch(actor=clerk, document=incoming)
    assert exc.value.message == "Chỉ phát hành văn bản đi."
    assert _state() == before


def test_outbox_item_marked_posted_once(clerk, other_clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    item = OutboxItem.objects.get()
    with pytest.raises(NotFound):
        services.outbox_mark_posted(actor=other_clerk, item=item)
    services.outbox_mark_posted(actor=clerk, item=item)
    services.outbox_mark_posted(actor=clerk, item=item)
    item.refresh_from_db()
    assert item.status == OutboxStatus.POSTED
    assert JournalEntry.objects.filter(action="exchange.posted").count() == 1


# --- the receiving clerk -----------------------------------------------------------------------

@pytest.fixture
def delivered(clerk, issued):
    services.document_dispatch(actor=clerk, document=issued)
    return InboxItem.objects.get()


def test_registering_from_the_queue(agency, other_agency, other_clerk, delivered, issued):
    dept = other_agency.departments.create(name="Văn phòng", code="VP")
    doc = services.inbox_register(actor=other_clerk, item=delivered,
                                  changes={"receiving_department_id": dept.pk, "notes": "Chuyển Văn phòng"})
    assert (doc.agency, doc.direction, doc.register_number, doc.channel) == (
        other_agency, "in", 1, Channel.ELECTRONIC)
    assert (doc.issuer, doc.issuer_agency, doc.number, doc.notation, doc.issued_date, doc.doc_type.code) == (
        agency.name, agency, "01", "UBND-VP", TODAY, "cong_van")
    assert (doc.subject, doc.signer, doc.urgency, doc.receiving_department, doc.notes, doc.registered_at) == (
        issued.subject, "Nguyễn Văn An", "urgent", dept, "Chuyển Văn phòng", delivered.delivered_at)
    # The sender's bytes, not a copy.
    assert list(doc.attachments.values_list("file_id", "original_name")) == list(
        issued.attachments.values_list("file_id", "original_name"))
    delivered.refresh_from_db()
    assert (delivered.status, delivered.incoming_document, delivered.handled_by) == (
        InboxStatus.REGISTERED, doc, other_clerk)
    assert selectors.deliveries(document=issued)[0].status == "Đã vào sổ"


def test_registering_twice_registers_once(other_clerk, delivered):
    first = services.inbox_register(actor=other_clerk, item=delivered)
    before = _state()
    again = services.inbox_register(actor=other_clerk, item=InboxItem.objects.get(pk=delivered.pk))
    assert again.pk == first.pk
    assert _state() == before
    assert Document.objects.filter(direction="in").count() == 1


def test_a_paper_copy_already_registered_is_flagged(other_agency, other_clerk, delivered, agency):
    incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(
        issuer=agency.name, number="01", notation="UBND-VP", issued_date=TODAY))
    before = _state()
    with pytest.raises(DuplicateSuspected):
        services.inbox_register(actor=other_clerk, item=delivered)
    assert _state() == before
    doc = services.inbox_register(actor=other_clerk, item=delivered, allow_duplicate=True)
    assert doc.register_number == 2


def test_only_the_receiving_clerks_see_and_act(agency, other_agency, clerk, leader, delivered):
    other_leader = make_official(other_agency, Role.LEADER, username="ld_xa").user
    before = _state()
    for user in (clerk, leader, other_leader):
        with pytest.raises(NotFound):
            selectors.inbox_item_get(user=user, pk=delivered.pk)
        with pytest.raises(NotFound):
            services.inbox_register(actor=user, item=delivered)
        with pytest.raises(NotFound):
            services.inbox_return(actor=user, item=delivered, reason="Nhầm")
    with pytest.raises(PermissionDenied):
        selectors.inbox_queue(user=other_leader, agency_id=other_agency.pk)
    assert selectors.inbox_waiting_count(user=other_leader, agency_id=other_agency.pk) == 0
    assert _state() == before


def test_the_receiving_clerk_sets_only_what_the_receiver_decides(other_clerk, delivered):
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        services.inbox_register(actor=other_clerk, item=delivered, changes={"number": "99"})
    assert exc.value.fields == {"number": "Không được sửa."}
    with pytest.raises(ValidationFailed) as exc:
        services.inbox_register(actor=other_clerk, item=delivered, changes={"receiving_official_id": 10**9})
    assert exc.value.fields == {"receiving_official_id": "Người nhận không thuộc cơ quan."}
    assert _state() == before


def test_returning_tells_the_sender(agency, clerk, other_clerk, delivered, issued):
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        services.inbox_return(actor=other_clerk, item=delivered, reason=" ")
    assert exc.value.fields == {"reason": "Vui lòng ghi lý do trả lại."}
    assert _state() == before
    services.inbox_return(actor=other_clerk, item=delivered, reason="Gửi nhầm cơ quan.")
    delivered.refresh_from_db()
    assert (delivered.status, delivered.return_reason) == (InboxStatus.RETURNED, "Gửi nhầm cơ quan.")
    note = Notification.objects.get(official=clerk.official, kind="exchange.returned")
    assert (note.title, note.body, note.url) == (
        "UBND xã Quế Phước trả lại văn bản 01/UBND-VP", "Lý do: Gửi nhầm cơ quan.", f"/documents/{issued.pk}/")
    assert JournalEntry.objects.filter(action="document.returned_by_recipient", agency_id_ref=agency.pk).count() == 1
    with pytest.raises(Conflict):
        services.inbox_register(actor=other_clerk, item=delivered)
    assert selectors.deliveries(document=issued)[0].detail == "Lý do: Gửi nhầm cơ quan."


def test_a_registered_document_cannot_be_returned(other_clerk, delivered):
    services.inbox_register(actor=other_clerk, item=delivered)
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.inbox_return(actor=other_clerk, item=delivered, reason="Muộn")
    assert exc.value.message == "Văn bản đã được vào sổ, không trả lại được."
    assert _state() == before


def test_queue_lists_waiting_documents(other_agency, other_clerk, delivered):
    assert list(selectors.inbox_queue(user=other_clerk, agency_id=other_agency.pk)) == [delivered]
    assert selectors.inbox_waiting_count(user=other_clerk, agency_id=other_agency.pk) == 1
    services.inbox_register(actor=other_clerk, item=delivered)
    assert list(selectors.inbox_queue(user=other_clerk, agency_id=other_agency.pk)) == []
    assert list(selectors.inbox_queue(user=other_clerk, agency_id=other_agency.pk, status="registered")) == [delivered]
