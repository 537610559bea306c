"""Update and replace of a document delivered inside the deployment (QCVN 102 business 2 and 3), the earlier
version kept on both sides, and the guard after an accepted recall (docs/decisions/0018)."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.history import document_history
from congvu.documents.models import Document, StoredFile
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import services
from congvu.exchange.models import DeliveryVersion, ExchangeStatus, InboxItem, InboxStatus
from congvu.org.models import Department, Role
from congvu.workflow import services as workflow

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SUBJECT = "V/v báo cáo tình hình thực hiện cải cách hành chinh"  # the typo the update corrects
FIXED = "V/v báo cáo tình hình thực hiện cải cách hành chính"


def _issue(agency, clerk, other_agency, subject=SUBJECT, text="Bao cao"):
    return outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk, subject=subject,
        recipient_agency_ids=[other_agency.pk], due_date=TODAY + dt.timedelta(days=10), pages=1),
        uploads=[pdf_upload("cong-van.pdf", text)])


@pytest.fixture
def issued(agency, other_agency, clerk):
    return _issue(agency, clerk, other_agency)


@pytest.fixture
def delivered(issued, clerk):
    services.document_dispatch(actor=clerk, document=issued)
    return InboxItem.objects.get()


def test_update_reaches_a_waiting_delivery_and_keeps_the_earlier_version(issued, delivered, clerk, other_clerk):
    old_file = delivered.files.get().file
    result = services.document_update_send(actor=clerk, document=issued, reason="Sửa lỗi chính tả trích yếu",
                                           changes={"subject": FIXED},
                                           uploads=[pdf_upload("cong-van-sua.pdf", "Bao cao da sua")])
    assert [i.pk for i in result.updated] == [delivered.pk] and result.queued == []
    delivered.refresh_from_db()
    assert (delivered.subject, delivered.sender_update_reason, delivered.status) == (
        FIXED, "Sửa lỗi chính tả trích yếu", InboxStatus.WAITING)
    assert list(delivered.files.values_list("original_name", flat=True)) == ["cong-van-sua.pdf"]
    # The earlier version, on the receiving side and on the sending side, with its file still stored.
    earlier = DeliveryVersion.objects.get(item=delivered)
    assert (earlier.values["subject"], earlier.files, earlier.reason, earlier.document_id) == (
        SUBJECT, [{"file_id": old_file.pk, "name": "cong-van.pdf"}], "Sửa lỗi chính tả trích yếu", None)
    sender_side = DeliveryVersion.objects.get(item__isnull=True)
    assert (sender_side.document_id, sender_side.values["subject"]) == (issued.pk, SUBJECT)
    assert StoredFile.objects.filter(pk=old_file.pk).exists()
    issued.refresh_from_db()
    assert (issued.subject, list(issued.attachments.values_list("original_name", flat=True))) == (
        FIXED, ["cong-van-sua.pdf"])
    # Registering now takes the new version.
    document = services.inbox_register(actor=other_clerk, item=delivered)
    assert document.subject == FIXED
    assert list(document.attachments.values_list("original_name", flat=True)) == ["cong-van-sua.pdf"]


def test_update_of_a_registered_document_is_a_correction_with_history(issued, delivered, clerk, other_clerk):
    document = services.inbox_register(actor=other_clerk, item=delivered)
    old_file_id = document.attachments.get().file_id
    services.document_update_send(actor=clerk, document=issued, reason="Thay tệp đính kèm bị thiếu trang",
                                  changes={"subject": FIXED, "signer": "Trần Văn Bình"},
                                  uploads=[pdf_upload("cong-van-day-du.pdf", "Day du")])
    document.refresh_from_db()
    assert (document.subject, document.signer) == (FIXED, "Trần Văn Bình")
    assert list(document.attachments.values_list("original_name", flat=True)) == ["cong-van-day-du.pdf"]
    version = DeliveryVersion.objects.get(item=delivered)
    assert (version.document_id, version.values["subject"], version.files[0]["file_id"]) == (
        document.pk, SUBJECT, old_file_id)
    # The registry's correction history shows the change before → after, by the system of the sender.
    history = document_history(user=other_clerk, document=document)
    correction = next(h for h in history if h.label == "Sửa thông tin văn bản")
    assert ("Trích yếu", SUBJECT, FIXED) in correction.changes
    assert JournalEntry.objects.filter(action="document.updated_by_sender", object_id=str(document.pk)).count() == 1
    # The register number never changes.
    assert Document.objects.get(pk=document.pk).register_number == document.register_number


def test_the_same_update_twice_is_kept_once_and_nothing_to_change_is_refused(issued, delivered, clerk):
    services.document_update_send(actor=clerk, document=issued, reason="Sửa trích yếu", changes={"subject": FIXED})
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_send(actor=clerk, document=issued, reason="Sửa trích yếu",
                                      changes={"subject": FIXED})
    assert "Không có thông tin hay tệp nào thay đổi" in exc.value.message
    assert DeliveryVersion.objects.filter(item=delivered).count() == 1
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_send(actor=clerk, document=issued, reason="  ", changes={"subject": "Khác"})
    assert exc.value.fields == {"reason": "Vui lòng ghi lý do cập nhật."}
    with pytest.raises(ValidationFailed):
        services.document_update_send(actor=clerk, document=issued, reason="x", changes={"number": "9"})


def test_only_the_issuing_clerk_sends_an_update(issued, delivered, other_clerk, leader):
    with pytest.raises(PermissionDenied):
        services.document_update_send(actor=leader, document=issued, reason="x", changes={"subject": FIXED})
    with pytest.raises(NotFound):
        services.document_update_send(actor=other_clerk, document=issued, reason="x", changes={"subject": FIXED})
    assert DeliveryVersion.objects.count() == 0


def test_update_to_a_recalled_delivery_is_refused(issued, delivered, clerk, other_clerk):
    services.delivery_recall_request(actor=clerk, item=delivered, reason="Sai nơi nhận")
    services.delivery_recall_accept(actor=other_clerk, item=delivered)
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_send(actor=clerk, document=issued, reason="Sửa", changes={"subject": FIXED})
    assert "đã thu hồi" in exc.value.message
    issued.refresh_from_db()
    assert issued.subject == SUBJECT  # nothing changed
    # Applying directly (as a package would) is refused with a clear message.
    locked = InboxItem.objects.get(pk=delivered.pk)
    with pytest.raises(Conflict) as exc:
        services.delivery_apply_update(item=locked, values={"subject": FIXED}, files=None, reason="x",
                                       fingerprint="f")
    assert "đã được thu hồi" in exc.value.message


def test_no_processing_status_after_an_accepted_recall(issued, delivered, clerk, other_clerk, other_agency):
    dept = Department.objects.create(agency=other_agency, name="Văn phòng", code="VP")
    leader = make_official(other_agency, Role.LEADER, username="ld_xa").user
    officer = make_official(other_agency, Role.OFFICER, username="cv_xa", department=dept)
    document = services.inbox_register(actor=other_clerk, item=delivered)
    services.delivery_recall_request(actor=clerk, item=delivered, reason="Văn bản có sai sót")
    services.delivery_recall_accept(actor=other_clerk, item=delivered)
    workflow.direction_give(actor=leader, document=document, text="Giao Văn phòng", lead=officer)
    lead = document.assignments.get(role="lead")
    workflow.progress_record(actor=officer.user, assignment=lead, percent="30", note="Đang làm")
    assert list(ExchangeStatus.objects.filter(item=delivered).values_list("code", flat=True)) == [
        "01", "03", "13", "15"]


def test_replace_waiting_and_registered_deliveries(agency, other_agency, clerk, other_clerk, issued, delivered):
    replacement = _issue(agency, clerk, other_agency, subject=FIXED, text="Thay the")
    replacement.recipients.all().delete()  # the replacement was issued without recipients: they are copied
    result = services.document_replace_send(actor=clerk, document=issued, replacement=replacement,
                                            reason="Ban hành văn bản thay thế do sai nội dung")
    [fresh] = result.inbox_items
    delivered.refresh_from_db()
    assert (delivered.status, fresh.replaces_id, fresh.replace_reason, fresh.source_document_id) == (
        InboxStatus.REPLACED, delivered.pk, "Ban hành văn bản thay thế do sai nội dung", replacement.pk)
    assert list(ExchangeStatus.objects.filter(item=fresh).values_list("code", flat=True)) == ["01"]
    # The replaced one cannot be registered any more; the replacement can.
    with pytest.raises(Conflict) as exc:
        services.inbox_register(actor=other_clerk, item=delivered)
    assert "thay thế" in exc.value.message
    assert services.inbox_register(actor=other_clerk, item=fresh).subject == FIXED
    # Idempotent.
    again = services.document_replace_send(actor=clerk, document=issued, replacement=replacement, reason="x")
    assert again.inbox_items == [] and InboxItem.objects.count() == 2


def test_replace_of_a_registered_delivery_keeps_its_document(agency, other_agency, clerk, other_clerk, issued,
                                                             delivered):
    document = services.inbox_register(actor=other_clerk, item=delivered)
    replacement = _issue(agency, clerk, other_agency, subject=FIXED, text="Thay the")
    [fresh] = services.document_replace_send(actor=clerk, document=issued, replacement=replacement,
                                             reason="Thay thế").inbox_items
    delivered.refresh_from_db()
    assert (delivered.status, delivered.incoming_document_id) == (InboxStatus.REGISTERED, document.pk)
    assert list(delivered.replaced_by.all()) == [fresh]
    assert JournalEntry.objects.filter(action="document.replaced_by_sender", object_id=str(document.pk)).exists()
    # The replacement's own recipient was reused (it was issued to the same agency): one delivery, linked.
    assert replacement.recipients.filter(agency=other_agency).count() == 1


def test_replace_refusals(agency, other_agency, clerk, issued):
    replacement = _issue(agency, clerk, other_agency, subject=FIXED)
    with pytest.raises(ValidationFailed) as exc:  # nothing was sent yet
        services.document_replace_send(actor=clerk, document=issued, replacement=replacement, reason="x")
    assert "chưa được gửi điện tử" in exc.value.message
    services.document_dispatch(actor=clerk, document=issued)
    with pytest.raises(ValidationFailed):
        services.document_replace_send(actor=clerk, document=issued, replacement=issued, reason="x")
    with pytest.raises(ValidationFailed) as exc:
        services.document_replace_send(actor=clerk, document=issued, replacement=replacement, reason="")
    assert exc.value.fields == {"reason": "Vui lòng ghi lý do thay thế."}
    assert InboxItem.objects.count() == 1
