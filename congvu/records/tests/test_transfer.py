"""Deposit in the agency archive: due dates (Decree 30 Art. 30), the due list, the transfer record."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Role
from congvu.records import rules, selectors
from congvu.records.models import CaseFile
from congvu.records.services import (
    EntryData,
    archive_transfer_create,
    case_file_close,
    case_file_document_add,
    case_file_open,
    case_file_reopen,
    case_file_update,
)
from congvu.records.tests.conftest import entry, records_state

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
D = dt.date


# --- the rules, without a database ----------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    (D(2026, 3, 15), 12, D(2027, 3, 15)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2026, 12, 31), 24, D(2028, 12, 31)),
])
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_transfer_due_dates():
    # Others: within 1 year of closing.
    assert rules.transfer_due(closed_on=D(2026, 3, 15), capital_construction=False, settled_on=None,
                              extended_to=None) == D(2027, 3, 15)
    # Capital construction: 3 months after settlement, whenever the file was closed; none before settlement.
    assert rules.transfer_due(closed_on=D(2026, 3, 15), capital_construction=True, settled_on=D(2026, 11, 30),
                              extended_to=None) == D(2027, 2, 28)
    assert rules.transfer_due(closed_on=D(2026, 3, 15), capital_construction=True, settled_on=None,
                              extended_to=None) is None
    # An extension replaces the due date; an open file has none.
    assert rules.transfer_due(closed_on=D(2026, 3, 15), capital_construction=False, settled_on=None,
                              extended_to=D(2028, 1, 1)) == D(2028, 1, 1)
    assert rules.transfer_due(closed_on=None, capital_construction=False, settled_on=None,
                              extended_to=None) is None
    assert rules.file_code(1, "TCCB") == "01.TCCB" and rules.file_code(120, "VP") == "120.VP"


# --- closed files ---------------------------------------------------------------------------------

def close_file(plan, code, actor, clerk, agency, *, closed_on: dt.date, **update):
    """Open the entry's case file, put one document in, close it, and date the closing `closed_on`."""
    cf = case_file_open(actor=actor, plan=plan, entry_id=entry(plan, code).pk)
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number=code))
    case_file_document_add(actor=actor, case_file=cf, document_id=doc.pk)
    if update:
        case_file_update(actor=actor, case_file=cf, changes=update)
    case_file_close(actor=actor, case_file=cf)
    closed_at = timezone.make_aware(dt.datetime.combine(closed_on, dt.time(9, 0)))
    CaseFile.objects.filter(pk=cf.pk).update(closed_at=closed_at)  # given: closed on that day
    cf.refresh_from_db()
    return cf


@pytest.fixture
def closed(issued_plan, leader, clerk, agency):
    """01.TCCB permanent, closed 13 months ago (overdue); 02.TCCB 20 years, closed 2 months ago;
    03.VP 10 years, capital construction without settlement."""
    old = close_file(issued_plan, "01.TCCB", leader, clerk, agency, closed_on=rules.add_months(TODAY, -13))
    recent = close_file(issued_plan, "02.TCCB", leader, clerk, agency, closed_on=rules.add_months(TODAY, -2))
    building = close_file(issued_plan, "03.VP", leader, clerk, agency, closed_on=TODAY,
                          capital_construction=True)
    return old, recent, building


def test_the_due_list_puts_overdue_files_first(closed, clerk, leader, agency_admin, officer, agency):
    old, recent, building = closed
    rows = selectors.due_for_transfer(user=clerk, agency_id=agency.pk, today=TODAY)
    assert [(r.case_file.code, r.due, r.overdue, r.due_soon) for r in rows] == [
        ("01.TCCB", rules.add_months(rules.add_months(TODAY, -13), 12), True, False),
        ("02.TCCB", rules.add_months(rules.add_months(TODAY, -2), 12), False, False),
        ("03.VP", None, False, False),
    ]
    assert [r.case_file.pk for r in selectors.due_for_transfer(user=leader, agency_id=agency.pk)] == [
        old.pk, recent.pk, building.pk]
    assert len(selectors.due_for_transfer(user=agency_admin, agency_id=agency.pk)) == 3
    assert selectors.due_for_transfer(user=officer, agency_id=agency.pk) == []


def test_settlement_and_extension_move_the_due_date(closed, leader, officer, agency):
    old, recent, building = closed
    settled = TODAY - dt.timedelta(days=80)
    case_file_update(actor=leader, case_file=building, changes={"settled_on": settled})
    base = rules.add_months(rules.add_months(TODAY, -2), 12)
    case_file_update(actor=leader, case_file=recent, changes={"transfer_extended_to": base + dt.timedelta(days=1)})
    rows = selectors.due_for_transfer(user=leader, agency_id=agency.pk, today=TODAY)
    assert [(r.case_file.code, r.due, r.due_soon) for r in rows] == [
        ("01.TCCB", rules.add_months(TODAY, -1), False),
        ("03.VP", rules.add_months(settled, 3), True),
        ("02.TCCB", base + dt.timedelta(days=1), False),
    ]
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        case_file_update(actor=leader, case_file=recent, changes={"transfer_extended_to": rules.add_months(base, 25)})
    assert exc.value.fields == {"transfer_extended_to": "Chỉ được gia hạn nộp lưu tối đa 2 năm, đến "
                                                        f"{rules.add_months(base, 24):%d/%m/%Y}."}
    with pytest.raises(ValidationFailed) as exc:
        case_file_update(actor=leader, case_file=recent, changes={"transfer_extended_to": base})
    assert exc.value.fields == {"transfer_extended_to": f"Ngày gia hạn phải sau hạn nộp lưu ({base:%d/%m/%Y})."}
    assert records_state() == before


def test_short_retention_files_stay_with_the_unit(issued_plan, leader, clerk, agency):
    from congvu.records.services import file_plan_entry_update

    e = entry(issued_plan, "03.VP")
    file_plan_entry_update(actor=leader, entry=e, data=EntryData(title=e.title, retention_years=3))
    short = close_file(issued_plan, "03.VP", leader, clerk, agency, closed_on=TODAY)
    assert short.retention == "3 năm" and not short.deposit_required
    assert selectors.due_for_transfer(user=clerk, agency_id=agency.pk) == []
    giver = make_official(agency, Role.OFFICER).pk
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        archive_transfer_create(actor=clerk, agency=agency, transferred_on=TODAY, handed_over_by_id=giver,
                                received_by_id=clerk.official.pk, case_file_ids=[short.pk])
    assert exc.value.message == "Không nộp lưu được: 03.VP có thời hạn bảo quản dưới 5 năm, không nộp lưu."
    assert records_state() == before


# --- the transfer record --------------------------------------------------------------------------

def test_the_clerk_records_a_transfer_and_the_files_become_read_only(closed, clerk, officer, leader, agency):
    old, recent, building = closed
    nv = agency.departments.get(code="NV")
    t = archive_transfer_create(actor=clerk, agency=agency, transferred_on=TODAY, handed_over_by_id=officer.official.pk,
                                received_by_id=clerk.official.pk, case_file_ids=[str(recent.pk), old.pk],
                                department_id=nv.pk, notes="Bàn giao tại kho lưu trữ")
    assert (t.agency_id, t.transferred_on, t.handed_over_by_id, t.received_by_id, t.department_id, t.notes) == (
        agency.pk, TODAY, officer.official.pk, clerk.official.pk, nv.pk, "Bàn giao tại kho lưu trữ")
    assert [cf.code for cf in selectors.transfer_files(t)] == ["01.TCCB", "02.TCCB"]
    assert set(CaseFile.objects.filter(transfer=t).values_list("status", flat=True)) == {"transferred"}
    assert JournalEntry.objects.get(action="archive_transfer.create").after["case_files"] == ["01.TCCB", "02.TCCB"]
    assert JournalEntry.objects.filter(action="case_file.transfer").count() == 2
    assert [r.case_file.code for r in selectors.due_for_transfer(user=clerk, agency_id=agency.pk)] == ["03.VP"]

    before = records_state()
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="99"))
    before["journal"] += 1  # the registration above
    for call in (
        lambda: case_file_update(actor=leader, case_file=old, changes={"notes": "Sửa"}),
        lambda: case_file_reopen(actor=leader, case_file=old, reason="Mở lại"),
        lambda: case_file_document_add(actor=leader, case_file=old, document_id=doc.pk),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.message == "Hồ sơ 01.TCCB đã nộp lưu; không thay đổi được."
    with pytest.raises(ValidationFailed) as exc:
        archive_transfer_create(actor=clerk, agency=agency, transferred_on=TODAY,
                                handed_over_by_id=officer.official.pk, received_by_id=clerk.official.pk,
                                case_file_ids=[old.pk])
    assert exc.value.message == "Không nộp lưu được: 01.TCCB đã nộp lưu."
    assert records_state() == before


@pytest.mark.parametrize("role_fixture", ["leader", "officer", "onestop"])
def test_who_may_not_record_a_transfer(request, closed, clerk, agency, role_fixture):
    user = request.getfixturevalue(role_fixture)
    before = records_state()
    with pytest.raises(PermissionDenied) as exc:
        archive_transfer_create(actor=user, agency=agency, transferred_on=TODAY, handed_over_by_id=clerk.official.pk,
                                received_by_id=user.official.pk, case_file_ids=[closed[0].pk])
    assert exc.value.message == "Chỉ văn thư, lưu trữ và quản trị cơ quan được lập biên bản nộp lưu."
    assert records_state() == before


def test_another_agencys_files_are_not_found(closed, other_clerk, other_agency, clerk, agency):
    before = records_state()
    with pytest.raises(NotFound):  # not his agency
        archive_transfer_create(actor=other_clerk, agency=agency, transferred_on=TODAY,
                                handed_over_by_id=clerk.official.pk, received_by_id=other_clerk.official.pk,
                                case_file_ids=[closed[0].pk])
    giver = make_official(other_agency, Role.OFFICER).pk
    with pytest.raises(NotFound) as exc:  # his agency, but the file is someone else's
        archive_transfer_create(actor=other_clerk, agency=other_agency, transferred_on=TODAY,
                                handed_over_by_id=giver, received_by_id=other_clerk.official.pk,
                                case_file_ids=[closed[0].pk])
    assert exc.value.message == "Có hồ sơ không tìm thấy trong cơ quan."
    assert records_state() == before


def test_transfer_input_is_checked(closed, clerk, officer, agency, issued_plan, leader):
    old = closed[0]
    open_file = case_file_open(actor=leader, plan=issued_plan, heading_id=issued_plan.headings.get(code="VP").pk,
                               data=EntryData(title="Hồ sơ đang lập", retention_permanent=True))
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        archive_transfer_create(actor=clerk, agency=agency, transferred_on=TODAY + dt.timedelta(days=1),
                                handed_over_by_id=clerk.official.pk, received_by_id=clerk.official.pk,
                                case_file_ids=[])
    assert exc.value.fields == {"transferred_on": "Ngày giao nhận không được ở tương lai.",
                                "received_by_id": "Người giao và người nhận phải là hai người khác nhau.",
                                "case_file_ids": "Chọn ít nhất một hồ sơ để nộp lưu."}
    with pytest.raises(ValidationFailed) as exc:
        archive_transfer_create(actor=clerk, agency=agency, transferred_on="", handed_over_by_id="",
                                received_by_id="", case_file_ids=["x"])
    assert exc.value.fields == {"transferred_on": "Vui lòng nhập ngày (dd/mm/yyyy).",
                                "handed_over_by_id": "Vui lòng chọn người giao.",
                                "received_by_id": "Vui lòng chọn người nhận (lưu trữ cơ quan).",
                                "case_file_ids": "Mã hồ sơ không hợp lệ."}
    with pytest.raises(ValidationFailed) as exc:
        archive_transfer_create(actor=clerk, agency=agency, transferred_on=TODAY - dt.timedelta(days=400),
                                handed_over_by_id=officer.official.pk, received_by_id=clerk.official.pk,
                                case_file_ids=[old.pk, open_file.pk])
    assert exc.value.message == ("Không nộp lưu được: 01.TCCB kết thúc sau ngày giao nhận; "
                                 "04.VP chưa kết thúc.")
    assert records_state() == before


def test_transfers_are_seen_by_the_agency_only(closed, clerk, officer, leader, other_clerk, agency):
    t = archive_transfer_create(actor=clerk, agency=agency, transferred_on=TODAY,
                                handed_over_by_id=officer.official.pk, received_by_id=clerk.official.pk,
                                case_file_ids=[closed[0].pk])
    assert selectors.archive_transfer_get(user=leader, pk=t.pk) == t
    assert selectors.archive_transfers(user=clerk, agency_id=agency.pk) == [t]
    for user in (officer, other_clerk):
        with pytest.raises(NotFound):
            selectors.archive_transfer_get(user=user, pk=t.pk)
    assert selectors.archive_transfers(user=officer, agency_id=agency.pk) == []


def test_the_agency_admin_may_record_a_transfer(closed, agency_admin, officer, clerk, agency):
    t = archive_transfer_create(actor=agency_admin, agency=agency, transferred_on=TODAY,
                                handed_over_by_id=officer.official.pk, received_by_id=clerk.official.pk,
                                case_file_ids=[closed[1].pk])
    assert [cf.code for cf in selectors.transfer_files(t)] == ["02.TCCB"]
    assert t.created_by_id == agency_admin.pk
