"""Issuing: the number comes from the outgoing register once and only once, whatever happens — a double
click, a retry, a crash in the middle — and the register never shows a gap."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents import search
from congvu.documents.models import Attachment, Document, DocumentAccess, DocumentStatus, Register, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.drafting import services
from congvu.drafting.models import Draft, DraftStatus
from congvu.drafting.tests.conftest import draft_data, make_draft, pdf_file, state_snapshot, to_state
from congvu.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(officer, unit_head, chairman, clerk):
    return {"officer": officer, "unit_head": unit_head, "chairman": chairman, "clerk": clerk}


def _outgoing_counter(agency):
    reg = Register.objects.filter(agency=agency, direction="out", scope="general").first()
    return reg.next_number if reg else None


def test_issuing_numbers_the_final_version_without_copying_it(agency, other_agency, people):
    draft = make_draft(people["officer"], agency, recipient_agency_ids=[other_agency.pk], urgency="urgent",
                       recipient_names=["Sở Nội vụ tỉnh Quảng Nam"], signer="Nguyễn Văn An", signer_title="CHỦ TỊCH")
    services.draft_revise(actor=people["officer"], draft=draft, data=services.draft_data_of(draft),
                          upload=pdf_file("Ban cuoi cung"), note="Bản cuối")
    draft = to_state(Draft.objects.get(pk=draft.pk), "checked", **people)
    files_before = StoredFile.objects.count()

    doc = services.draft_issue(actor=people["clerk"], draft=draft)

    today = timezone.localdate()
    assert (doc.direction, doc.number, doc.notation, doc.register_number, doc.issued_date) == (
        "out", "01", "UBND-NV", 1, today)
    assert (doc.subject, doc.urgency, doc.signer, doc.signer_title, doc.drafting_department_id, doc.status) == (
        draft.subject, "urgent", "Nguyễn Văn An", "CHỦ TỊCH", draft.drafting_department_id, DocumentStatus.ISSUED)
    assert list(doc.recipients.values_list("agency_id", "name")) == [
        (other_agency.pk, other_agency.name), (None, "Sở Nội vụ tỉnh Quảng Nam")]
    final = draft.versions.get(number=2)
    assert list(Attachment.objects.filter(document=doc).values_list("file_id", "original_name")) == [
        (final.file_id, "du-thao.pdf")]
    assert StoredFile.objects.count() == files_before
    draft.refresh_from_db()
    assert (draft.status, draft.document_id) == (DraftStatus.ISSUED, doc.pk) and draft.issued_at is not None
    assert _outgoing_counter(agency) == 2
    # The file's text is searchable on the issued document.
    assert doc.search_entry.body.count("ban cuoi cung") == 1
    note = Notification.objects.get(official=people["officer"].official, kind="drafting.issued")
    assert note.title == "Văn bản 01/UBND-NV đã được cấp số, ban hành"


def test_issuing_twice_numbers_once(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    first = services.draft_issue(actor=people["clerk"], draft=draft)
    before = state_snapshot()
    again = services.draft_issue(actor=people["clerk"], draft=draft)
    assert again.pk == first.pk
    assert state_snapshot() == before
    assert Document.objects.filter(direction="out").count() == 1 and _outgoing_counter(agency) == 2


def test_a_crash_while_numbering_leaves_the_draft_approved_and_unnumbered(agency, people, monkeypatch):
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    services.draft_issue(actor=people["clerk"], draft=to_state(make_draft(people["officer"], agency, subject="Trước"),
                                                                 "checked", **people))
    assert _outgoing_counter(agency) == 2
    before = state_snapshot()

    def crash(*args, **kwargs):
        raise RuntimeError("mất điện")

    # After the number is taken and the document row written, before the commit.
    monkeypatch.setattr(search, "index_document", crash)
    with pytest.raises(RuntimeError):
        services.draft_issue(actor=people["clerk"], draft=draft)
    assert state_snapshot() == before
    draft.refresh_from_db()
    assert (draft.status, draft.document_id, draft.format_checked_at is not None) == (DraftStatus.APPROVED, None, True)

    monkeypatch.undo()
    doc = services.draft_issue(actor=people["clerk"], draft=draft)
    assert (doc.number, doc.register_number) == ("02", 2)  # no gap: the failed attempt gave its number back
    assert list(Document.objects.filter(direction="out").order_by("register_number")
                .values_list("register_number", flat=True)) == [1, 2]


def test_a_crash_after_numbering_before_linking_rolls_the_number_back(agency, people, monkeypatch):
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    before = state_snapshot()
    real = services._event

    def crash_on_issue(draft, action, *args, **kwargs):
        if action == "issue":
            raise RuntimeError("tiến trình bị dừng")
        return real(draft, action, *args, **kwargs)

    monkeypatch.setattr(services, "_event", crash_on_issue)
    with pytest.raises(RuntimeError):
        services.draft_issue(actor=people["clerk"], draft=draft)
    assert state_snapshot() == before
    monkeypatch.undo()
    assert services.draft_issue(actor=people["clerk"], draft=draft).number == "01"


@pytest.mark.django_db(transaction=True)
def test_approval_is_committed_on_its_own_and_survives_a_failed_issue(reference_data, agency, people, monkeypatch):
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)  # each step committed

    def crash(*args, **kwargs):
        raise RuntimeError("mất kết nối cơ sở dữ liệu")

    monkeypatch.setattr(search, "index_document", crash)
    with pytest.raises(RuntimeError):
        services.draft_issue(actor=people["clerk"], draft=draft)
    monkeypatch.undo()
    fresh = Draft.objects.get(pk=draft.pk)
    assert (fresh.status, fresh.document_id) == (DraftStatus.APPROVED, None)
    assert not Document.objects.exists()
    assert not JournalEntry.objects.filter(action__in=["draft.issue", "document.register_outgoing"]).exists()
    assert JournalEntry.objects.filter(action="draft.approve", object_id=str(draft.pk)).count() == 1
    doc = services.draft_issue(actor=people["clerk"], draft=fresh)
    assert (doc.number, Register.objects.get(agency=agency, direction="out").next_number) == ("01", 2)


@pytest.mark.django_db(transaction=True)
def test_two_clerks_issuing_at_once_number_once(reference_data, agency, people):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks across connections (SQLite's in-memory test database is one "
                    "connection); run with CONGVU_DATABASE_URL=postgres://…")
    from conftest import make_official
    from congvu.org.models import Role

    second_clerk = make_official(agency, Role.CLERK, username="vanthu2").user
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def issue(user):
        try:
            barrier.wait()
            results.append(services.draft_issue(actor=user, draft=draft).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(u,)) for u in (people["clerk"], second_clerk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert Document.objects.filter(direction="out").count() == 1
    assert Register.objects.get(agency=agency, direction="out").next_number == 2


def test_issuing_needs_approval_and_the_format_check(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "approved", **people)
    before = state_snapshot()
    with pytest.raises(Conflict) as exc:
        services.draft_issue(actor=people["clerk"], draft=draft)
    assert (exc.value.code, exc.value.message) == ("format_not_checked", "Văn thư cần kiểm tra thể thức trước khi cấp số.")
    assert state_snapshot() == before
    returned = make_draft(people["officer"], agency, subject="Khác")
    with pytest.raises(NotFound):  # a clerk does not see drafts before approval
        services.draft_issue(actor=people["clerk"], draft=returned)


def test_only_the_agencys_clerk_issues(agency, people, leader, agency_admin):
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    before = state_snapshot()
    for user in (people["chairman"], people["officer"], people["unit_head"]):
        with pytest.raises(PermissionDenied) as exc:
            services.draft_issue(actor=user, draft=draft)
        assert exc.value.message == "Chỉ văn thư của cơ quan được cấp số văn bản đi."
    with pytest.raises(NotFound):
        services.draft_issue(actor=leader, draft=draft)
    assert state_snapshot() == before
    # The agency admin may stand in for the clerk, as in registration.
    assert services.draft_issue(actor=agency_admin, draft=draft).number == "01"


def test_a_closed_register_refuses_and_changes_nothing(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "checked", **people)
    year = timezone.localdate().year
    Register.objects.create(agency=agency, year=year, direction="out", scope="general", name="Sổ đi", closed=True)
    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.draft_issue(actor=people["clerk"], draft=draft)
    assert exc.value.message == "Sổ đi đã khóa sổ."
    assert state_snapshot() == before


def test_a_secret_draft_is_issued_to_the_people_who_wrote_and_signed_it(agency, people, leader):
    draft = to_state(make_draft(people["officer"], agency, secrecy="confidential"), "issued", **people)
    doc = draft.document
    assert (doc.secrecy, doc.register.scope) == ("confidential", "secret")
    assert set(DocumentAccess.objects.filter(document=doc).values_list("official__user__username", flat=True)) == {
        "chuyenvien", "truongphong", "chutich", "vanthu"}
    # Other leaders see neither the draft nor the document.
    assert not services.visible_drafts(leader).filter(pk=draft.pk).exists()


def test_issuing_a_reply_completes_the_authors_lead_assignment(agency, people, leader, nv):
    from congvu.workflow.models import Assignment, AssignmentStatus
    from congvu.workflow.services import direction_give

    incoming = incoming_register(actor=people["clerk"], agency=agency, data=incoming_data(receiving_department_id=nv.pk))
    direction_give(actor=leader, document=incoming, text="Giao Phòng Nội vụ tham mưu trả lời.",
                   lead=people["officer"].official, due_in_working_days=5)
    reply = services.draft_create(actor=people["officer"], agency=agency, data=draft_data(recipient_names=[]),
                                  upload=pdf_file("Tra loi"), reply_to_id=incoming.pk)
    reply = to_state(reply, "issued", **people)

    lead = Assignment.objects.get(document=incoming, role="lead")
    assert (lead.status, lead.reply_document_id) == (AssignmentStatus.SUBMITTED, reply.document_id)
    assert reply.reply_to_id == incoming.pk
