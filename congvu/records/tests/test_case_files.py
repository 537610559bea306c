"""Case files: opening from the plan, adding and removing documents, closing, reopening, correcting."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import Role
from congvu.records import selectors
from congvu.records.models import CaseFile, FilePlanEntry
from congvu.records.services import (
    EntryData,
    case_file_close,
    case_file_document_add,
    case_file_document_remove,
    case_file_open,
    case_file_reopen,
    case_file_update,
    file_plan_entry_update,
)
from congvu.records.tests.conftest import YEAR, entry, records_state
from congvu.workflow.models import Assignment
from congvu.workflow.services import assignment_cancel, direction_give

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def case_file(issued_plan, officer):
    return case_file_open(actor=officer, plan=issued_plan, entry_id=entry(issued_plan, "03.VP").pk)


def officers_document(agency, clerk, officer, **kw):
    """An incoming document addressed to the officer (so he may see it)."""
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(
        receiving_official_id=officer.official.pk, **kw))


# --- opening --------------------------------------------------------------------------------------

def test_an_officer_opens_a_case_file_from_the_plan(issued_plan, officer, agency):
    e = entry(issued_plan, "02.TCCB")
    cf = case_file_open(actor=officer, plan=issued_plan, entry_id=e.pk, notes="Đợt tháng 4")
    assert (cf.agency_id, cf.year, cf.code, cf.title, cf.retention, cf.status) == (
        agency.pk, YEAR, "02.TCCB", "Hồ sơ nâng lương thường xuyên", "20 năm", "open")
    assert (cf.responsible_id, cf.department.code, cf.retention_schedule.legal_basis, cf.opened_by_id) == (
        officer.official.pk, "NV", "TT 10/2022/TT-BNV", officer.pk)
    assert cf.notes == "Đợt tháng 4"
    row = JournalEntry.objects.get(action="case_file.open")
    assert (row.actor_id, row.agency_id_ref, row.after["code"], row.after["status"]) == (
        officer.pk, agency.pk, "02.TCCB", "open")


def test_an_entry_opens_one_case_file(issued_plan, officer, leader, case_file):
    before = records_state()
    with pytest.raises(Conflict) as exc:
        case_file_open(actor=leader, plan=issued_plan, entry_id=case_file.plan_entry_id)
    assert exc.value.message == f"Hồ sơ 03.VP đã được mở (người lập: {officer.official.full_name})."
    assert records_state() == before


def test_a_draft_plan_opens_no_case_file(plan, leader, officer):
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        case_file_open(actor=leader, plan=plan, entry_id=entry(plan, "01.TCCB").pk)
    assert exc.value.message == (f"Danh mục hồ sơ năm {YEAR} chưa được ban hành; chưa mở được hồ sơ theo "
                                 "danh mục.")
    with pytest.raises(NotFound):  # officers do not see draft plans at all
        case_file_open(actor=officer, plan=plan, entry_id=entry(plan, "01.TCCB").pk)
    assert records_state() == before


def test_an_entry_named_for_someone_else(issued_plan, leader, officer, agency):
    other = make_official(agency, Role.OFFICER, full_name="Phạm Văn Khác")
    e = entry(issued_plan, "01.TCCB")
    file_plan_entry_update(actor=leader, entry=e, data=EntryData(title=e.title, responsible_official_id=other.pk,
                                                                  retention_permanent=True))
    before = records_state()
    with pytest.raises(PermissionDenied) as exc:
        case_file_open(actor=officer, plan=issued_plan, entry_id=e.pk)
    assert exc.value.message == "Hồ sơ 01.TCCB được giao cho Phạm Văn Khác lập."
    assert records_state() == before
    assert [x.code for x in selectors.openable_entries(user=officer, agency_id=agency.pk)] == ["02.TCCB", "03.VP"]
    cf = case_file_open(actor=leader, plan=issued_plan, entry_id=e.pk, responsible_official_id=other.pk)
    assert cf.responsible_id == other.pk


def test_only_leaders_name_another_responsible_official(issued_plan, officer, leader, agency):
    other = make_official(agency, Role.OFFICER)
    before = records_state()
    with pytest.raises(PermissionDenied) as exc:
        case_file_open(actor=officer, plan=issued_plan, entry_id=entry(issued_plan, "03.VP").pk,
                       responsible_official_id=other.pk)
    assert exc.value.message == "Chỉ lãnh đạo và quản trị cơ quan được giao người khác lập hồ sơ."
    assert records_state() == before


@pytest.mark.parametrize("role_fixture", ["onestop", "other_clerk"])
def test_who_may_not_open_case_files(request, issued_plan, role_fixture):
    user = request.getfixturevalue(role_fixture)
    before = records_state()
    expected = PermissionDenied if role_fixture == "onestop" else NotFound
    with pytest.raises(expected):
        case_file_open(actor=user, plan=issued_plan, entry_id=entry(issued_plan, "03.VP").pk)
    assert records_state() == before


def test_a_typed_case_file_joins_the_plan_as_a_supplement(issued_plan, officer):
    vp = issued_plan.headings.get(code="VP")
    cf = case_file_open(actor=officer, plan=issued_plan, heading_id=vp.pk,
                        data=EntryData(title="Hồ sơ tiếp công dân tháng 5", retention_years=5),
                        capital_construction=False)
    supplement = FilePlanEntry.objects.get(pk=cf.plan_entry_id)
    assert (supplement.code, supplement.supplementary, supplement.responsible_official_id) == (
        "04.VP", True, officer.official.pk)
    assert (cf.code, cf.title, cf.retention) == ("04.VP", "Hồ sơ tiếp công dân tháng 5", "5 năm")
    assert list(JournalEntry.objects.filter(action__in=["file_plan.entry_add", "case_file.open"])
                .order_by("seq").values_list("action", flat=True)) == [
        "file_plan.entry_add", "file_plan.entry_add", "file_plan.entry_add", "file_plan.entry_add",
        "case_file.open"]


def test_opening_needs_an_entry_or_a_title(issued_plan, officer):
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        case_file_open(actor=officer, plan=issued_plan)
    assert exc.value.fields == {"entry_id": "Chọn hồ sơ trong danh mục hoặc nhập hồ sơ mới."}
    with pytest.raises(ValidationFailed) as exc:
        case_file_open(actor=officer, plan=issued_plan, heading_id=issued_plan.headings.get(code="VP").pk,
                       data=EntryData(title=""))
    assert exc.value.fields == {
        "title": "Vui lòng nhập tiêu đề hồ sơ.",
        "retention_years": "Vui lòng chọn thời hạn bảo quản: một mục của bảng, số năm, hoặc vĩnh viễn."}
    assert records_state() == before


# --- who sees a case file ---------------------------------------------------------------------------

def test_case_file_visibility(case_file, officer, clerk, leader, agency_admin, onestop, other_clerk, agency):
    second_officer = make_official(agency, Role.OFFICER).user
    for user in (officer, clerk, leader, agency_admin):
        assert selectors.case_file_get(user=user, pk=case_file.pk).pk == case_file.pk
    for user in (second_officer, onestop, other_clerk):
        with pytest.raises(NotFound):
            selectors.case_file_get(user=user, pk=case_file.pk)
    assert list(selectors.case_files(user=officer, agency_id=agency.pk, mine=True)) == [case_file]
    assert list(selectors.case_files(user=second_officer, agency_id=agency.pk)) == []


# --- documents in a case file ---------------------------------------------------------------------

def test_the_responsible_officer_adds_documents_he_can_see(case_file, agency, clerk, officer):
    doc = officers_document(agency, clerk, officer)
    out = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(drafting_department_id=None))
    item = case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    assert (item.case_file_id, item.document_id, item.added_by_id, item.ordinal) == (case_file.pk, doc.pk,
                                                                                     officer.pk, None)
    row = JournalEntry.objects.get(action="case_file.document_add")
    assert row.after == {"document_id": doc.pk, "number_notation": "125/QĐ-UBND"}
    # An outgoing document not addressed to him is not visible: 404, nothing added.
    before = records_state()
    with pytest.raises(NotFound) as exc:
        case_file_document_add(actor=officer, case_file=case_file, document_id=out.pk)
    assert exc.value.message == "Không tìm thấy văn bản hoặc bạn không có quyền xem."
    with pytest.raises(NotFound):
        case_file_document_add(actor=officer, case_file=case_file, document_id=999999)
    with pytest.raises(Conflict) as exc:
        case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    assert exc.value.message == "Văn bản 125/QĐ-UBND đã có trong hồ sơ 03.VP."
    assert records_state() == before


def test_leaders_add_incoming_and_outgoing_documents(case_file, leader, incoming, outgoing):
    case_file_document_add(actor=leader, case_file=case_file, document_id=incoming.pk)
    case_file_document_add(actor=leader, case_file=case_file, document_id=outgoing.pk)
    contents = selectors.case_file_contents(user=leader, case_file=case_file)
    assert sorted(i.document_id for i in contents.items) == sorted([incoming.pk, outgoing.pk])
    assert contents.hidden == 0


def test_clerks_see_but_do_not_change_a_case_file(case_file, clerk, incoming):
    before = records_state()
    with pytest.raises(PermissionDenied) as exc:
        case_file_document_add(actor=clerk, case_file=case_file, document_id=incoming.pk)
    assert exc.value.message == "Chỉ người lập hồ sơ, lãnh đạo và quản trị cơ quan được thay đổi hồ sơ."
    assert records_state() == before


def test_a_file_not_visible_is_not_found(case_file, agency, incoming, other_clerk):
    second_officer = make_official(agency, Role.OFFICER).user
    before = records_state()
    for user in (second_officer, other_clerk):
        with pytest.raises(NotFound) as exc:
            case_file_document_add(actor=user, case_file=case_file, document_id=incoming.pk)
        assert exc.value.message == "Không tìm thấy hồ sơ hoặc bạn không có quyền xem."
        with pytest.raises(NotFound):
            case_file_close(actor=user, case_file=case_file)
    assert records_state() == before


def test_a_document_of_another_agency_is_refused(case_file, leader, other_agency, other_clerk):
    # The leader also works at the other agency (kiêm nhiệm) and sees its documents.
    from congvu.org.models import Membership

    Membership.objects.create(official=leader.official, agency=other_agency, role=Role.LEADER)
    leader = type(leader).objects.get(pk=leader.pk)  # forget the roles cached on the user
    foreign = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        case_file_document_add(actor=leader, case_file=case_file, document_id=foreign.pk)
    assert exc.value.fields == {"document_id": "Văn bản của cơ quan khác."}
    assert records_state() == before


def test_a_secret_document_is_listed_only_to_whom_may_see_it(case_file, agency, clerk, officer, leader):
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="7", secrecy="confidential", receiving_official_id=officer.official.pk))
    plain = officers_document(agency, clerk, officer, number="8")
    case_file_document_add(actor=officer, case_file=case_file, document_id=secret.pk)
    case_file_document_add(actor=officer, case_file=case_file, document_id=plain.pk)
    mine = selectors.case_file_contents(user=officer, case_file=case_file)
    assert (sorted(i.document_id for i in mine.items), mine.hidden) == (sorted([secret.pk, plain.pk]), 0)
    theirs = selectors.case_file_contents(user=leader, case_file=case_file)
    assert ([i.document_id for i in theirs.items], theirs.hidden) == ([plain.pk], 1)
    assert selectors.document_case_files(user=leader, document=secret) == [case_file]
    # The leader may not take out what he may not see.
    before = records_state()
    with pytest.raises(NotFound) as exc:
        case_file_document_remove(actor=leader, case_file=case_file, document_id=secret.pk)
    assert exc.value.message == "Văn bản không có trong hồ sơ hoặc bạn không có quyền xem."
    assert records_state() == before


def test_removing_a_document_while_open(case_file, officer, agency, clerk):
    doc = officers_document(agency, clerk, officer)
    case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    case_file_document_remove(actor=officer, case_file=case_file, document_id=doc.pk)
    assert case_file.items.count() == 0
    assert JournalEntry.objects.get(action="case_file.document_remove").before == {
        "document_id": doc.pk, "number_notation": "125/QĐ-UBND"}


# --- closing --------------------------------------------------------------------------------------

def test_an_empty_case_file_is_not_closed(case_file, officer):
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        case_file_close(actor=officer, case_file=case_file)
    assert exc.value.message == "Hồ sơ 03.VP chưa có văn bản nào; không kết thúc hồ sơ rỗng."
    assert records_state() == before


def test_closing_is_refused_while_work_is_open(case_file, agency, clerk, officer, leader):
    doc = officers_document(agency, clerk, officer)
    case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    direction_give(actor=leader, document=doc, text="Giao phòng Nội vụ tham mưu.", lead=officer.official)
    before = records_state()
    with pytest.raises(Conflict) as exc:
        case_file_close(actor=officer, case_file=case_file)
    assert exc.value.message == ("Hồ sơ 03.VP còn 1 việc chưa hoàn thành trên các văn bản của hồ sơ; hoàn thành "
                                 "các việc đó trước khi kết thúc hồ sơ.")
    assert exc.value.code == "open_work"
    assert records_state() == before
    # Once the work is over the file closes.
    assignment_cancel(actor=leader, assignment=Assignment.objects.get(document=doc), reason="Đã xử lý xong.")
    closed = case_file_close(actor=officer, case_file=case_file)
    assert closed.status == "closed"


def test_closing_builds_the_index_and_the_time_span(case_file, agency, clerk, officer, leader):
    late = officers_document(agency, clerk, officer, number="30", issued_date=TODAY - dt.timedelta(days=1),
                             pages=3)
    early = officers_document(agency, clerk, officer, number="10", issued_date=TODAY - dt.timedelta(days=20),
                              pages=2)
    middle = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        issued_date=TODAY - dt.timedelta(days=5), pages=4))
    for doc in (late, early):
        case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    case_file_document_add(actor=leader, case_file=case_file, document_id=middle.pk)
    closed = case_file_close(actor=officer, case_file=case_file)
    assert (closed.status, closed.closed_by_id, closed.doc_total, closed.page_total, closed.sheets) == (
        "closed", officer.pk, 3, 9, 9)
    assert (closed.start_date, closed.end_date) == (TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=1))
    assert closed.closed_at is not None
    index = [(i.ordinal, i.document_id, i.first_sheet) for i in closed.items.order_by("ordinal")]
    assert index == [(1, early.pk, 1), (2, middle.pk, 3), (3, late.pk, 7)]
    row = JournalEntry.objects.get(action="case_file.close")
    assert row.before["status"] == "open" and row.after["status"] == "closed" and row.after["doc_total"] == 3
    # Closed: nothing more goes in or out.
    before = records_state()
    with pytest.raises(Conflict) as exc:
        case_file_document_remove(actor=officer, case_file=case_file, document_id=late.pk)
    assert exc.value.message == "Hồ sơ 03.VP đã kết thúc; không bớt văn bản được."
    with pytest.raises(Conflict) as exc:
        case_file_document_add(actor=officer, case_file=case_file, document_id=late.pk)
    assert exc.value.message == "Hồ sơ 03.VP đã kết thúc; không thêm văn bản được."
    with pytest.raises(Conflict):
        case_file_close(actor=officer, case_file=case_file)
    assert records_state() == before


def test_an_unknown_page_count_leaves_the_sheets_open(case_file, agency, clerk, officer):
    doc = officers_document(agency, clerk, officer, pages=None)
    case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    closed = case_file_close(actor=officer, case_file=case_file)
    assert (closed.page_total, closed.sheets) == (None, None)
    assert [i.first_sheet for i in closed.items.all()] == [1]


@pytest.mark.parametrize("role_fixture", ["clerk", "onestop"])
def test_who_may_not_close(request, case_file, agency, clerk, officer, role_fixture):
    doc = officers_document(agency, clerk, officer)
    case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    user = request.getfixturevalue(role_fixture)
    before = records_state()
    with pytest.raises(PermissionDenied if role_fixture == "clerk" else NotFound):
        case_file_close(actor=user, case_file=case_file)
    assert records_state() == before


def test_reopening_a_closed_file_needs_a_reason(case_file, agency, clerk, officer):
    doc = officers_document(agency, clerk, officer)
    case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    case_file_close(actor=officer, case_file=case_file)
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        case_file_reopen(actor=officer, case_file=case_file, reason=" ")
    assert exc.value.fields == {"reason": "Vui lòng nhập lý do mở lại."}
    assert records_state() == before
    reopened = case_file_reopen(actor=officer, case_file=case_file, reason="Bổ sung văn bản còn thiếu")
    assert (reopened.status, reopened.closed_at, reopened.doc_total, reopened.start_date) == ("open", None, 0, None)
    assert list(reopened.items.values_list("ordinal", flat=True)) == [None]
    assert JournalEntry.objects.get(action="case_file.reopen").after["reason"] == "Bổ sung văn bản còn thiếu"
    with pytest.raises(Conflict) as exc:
        case_file_reopen(actor=officer, case_file=case_file, reason="Lần nữa")
    assert exc.value.message == "Hồ sơ 03.VP đang lập, chưa kết thúc."


# --- corrections ----------------------------------------------------------------------------------

def test_correcting_a_case_file(case_file, officer, leader, agency):
    updated = case_file_update(actor=officer, case_file=case_file, changes={
        "title": "Hồ sơ hội nghị cán bộ, công chức năm " + str(YEAR), "notes": "Bản giấy tại phòng",
        "capital_construction": True})
    assert (updated.title, updated.notes, updated.capital_construction) == (
        f"Hồ sơ hội nghị cán bộ, công chức năm {YEAR}", "Bản giấy tại phòng", True)
    other = make_official(agency, Role.OFFICER)
    before = records_state()
    with pytest.raises(PermissionDenied) as exc:
        case_file_update(actor=officer, case_file=case_file, changes={"responsible_official_id": other.pk})
    assert exc.value.message == ("Chỉ lãnh đạo và quản trị cơ quan được giao lại người lập hồ sơ hoặc gia hạn "
                                 "nộp lưu.")
    with pytest.raises(ValidationFailed) as exc:
        case_file_update(actor=officer, case_file=case_file, changes={"settled_on": TODAY + dt.timedelta(days=1)})
    assert exc.value.fields == {"settled_on": "Ngày quyết toán không được ở tương lai."}
    with pytest.raises(ValidationFailed) as exc:
        case_file_update(actor=leader, case_file=case_file, changes={"transfer_extended_to": TODAY})
    assert exc.value.fields == {"transfer_extended_to": "Chỉ gia hạn nộp lưu cho hồ sơ đã kết thúc."}
    with pytest.raises(ValidationFailed) as exc:
        case_file_update(actor=officer, case_file=case_file, changes={"code": "99.VP"})
    assert exc.value.fields == {"code": "Không được sửa."}
    assert records_state() == before
    handed = case_file_update(actor=leader, case_file=case_file, changes={"responsible_official_id": other.pk})
    assert handed.responsible_id == other.pk
    assert selectors.case_files(user=officer, agency_id=agency.pk).count() == 0


def test_settlement_date_only_for_capital_construction(case_file, officer):
    with pytest.raises(ValidationFailed) as exc:
        case_file_update(actor=officer, case_file=case_file, changes={"settled_on": "01/02/2026"})
    assert exc.value.fields == {"settled_on": "Chỉ hồ sơ xây dựng cơ bản mới ghi ngày quyết toán."}
    assert CaseFile.objects.get(pk=case_file.pk).settled_on is None


@pytest.mark.parametrize("role_fixture", ["leader", "agency_admin"])
def test_leaders_and_admins_change_any_file_of_the_agency(request, case_file, agency, clerk, officer, role_fixture):
    user = request.getfixturevalue(role_fixture)
    doc = officers_document(agency, clerk, officer)
    case_file_document_add(actor=user, case_file=case_file, document_id=doc.pk)
    updated = case_file_update(actor=user, case_file=case_file, changes={"notes": "Theo dõi"})
    closed = case_file_close(actor=user, case_file=case_file)
    assert (updated.notes, closed.status, closed.closed_by_id) == ("Theo dõi", "closed", user.pk)
    reopened = case_file_reopen(actor=user, case_file=case_file, reason="Bổ sung")
    assert reopened.status == "open"


def test_clerks_may_not_reopen_or_correct(case_file, agency, clerk, officer):
    doc = officers_document(agency, clerk, officer)
    case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    case_file_close(actor=officer, case_file=case_file)
    before = records_state()
    for call in (lambda: case_file_reopen(actor=clerk, case_file=case_file, reason="Thử"),
                 lambda: case_file_update(actor=clerk, case_file=case_file, changes={"notes": "Thử"})):
        with pytest.raises(PermissionDenied):
            call()
    assert records_state() == before
