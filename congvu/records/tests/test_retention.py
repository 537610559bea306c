"""The retention schedule as versioned data: shipped defaults, new versions, items, what records keep."""

import datetime as dt

import pytest

from congvu.audit.models import JournalEntry
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.records.models import RetentionItem, RetentionSchedule
from congvu.records.reference import load_retention_schedules
from congvu.records.services import (
    case_file_open,
    retention_item_create,
    retention_item_update,
    retention_schedule_create,
    retention_schedule_update,
)
from congvu.records.tests.conftest import add_entry, records_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", password="matkhau-123")


def schedules():
    return list(RetentionSchedule.objects.order_by("valid_from").values_list("code", "legal_basis", "valid_from",
                                                                             "valid_to"))


def test_the_shipped_schedule_is_loaded_by_migration():
    assert schedules() == [("TT10-2022", "TT 10/2022/TT-BNV", dt.date(2022, 12, 19), None)]
    assert list(RetentionItem.objects.values_list("code", "title", "years", "permanent")) == [
        ("1", "Hồ sơ xây dựng quy chế làm việc của cơ quan", 20, False)]
    # Loading again changes nothing, and keeps what the administrator edited.
    RetentionItem.objects.filter(code="1").update(years=25)
    assert load_retention_schedules() == 1
    assert list(RetentionItem.objects.values_list("code", "years")) == [("1", 25)]


def test_a_new_version_ends_the_one_in_force(root):
    new = retention_schedule_create(actor=root, code="TT-MOI", name="Bảng mới", legal_basis="TT 01/2027/TT-BNV",
                                    valid_from="01/07/2027", notes="Thay thế")
    assert schedules() == [("TT10-2022", "TT 10/2022/TT-BNV", dt.date(2022, 12, 19), dt.date(2027, 6, 30)),
                           ("TT-MOI", "TT 01/2027/TT-BNV", dt.date(2027, 7, 1), None)]
    assert list(JournalEntry.objects.filter(agency_id_ref=None).order_by("seq").values_list("action", "object_id")
                ) == [("retention_schedule.end", str(RetentionSchedule.objects.get(code="TT10-2022").pk)),
                      ("retention_schedule.create", str(new.pk))]


def test_overlapping_versions_are_refused(root):
    before = records_state(), schedules()
    with pytest.raises(ValidationFailed) as exc:
        retention_schedule_create(actor=root, code="CU", name="Bảng cũ", legal_basis="TT 09/2011/TT-BNV",
                                  valid_from="01/01/2020", valid_to="31/12/2023")
    assert exc.value.fields == {"valid_from": "Thời gian áp dụng trùng với TT 10/2022/TT-BNV (19/12/2022–nay)."}
    with pytest.raises(ValidationFailed) as exc:
        retention_schedule_create(actor=root, code="TT10-2022", name="", legal_basis="", valid_from="",
                                  valid_to="")
    assert exc.value.fields == {"code": "Mã “TT10-2022” đã có.", "name": "Vui lòng nhập tên bảng.",
                                "legal_basis": "Vui lòng nhập căn cứ.", "valid_from": "Vui lòng nhập ngày (dd/mm/yyyy)."}
    assert (records_state(), schedules()) == before
    old = retention_schedule_create(actor=root, code="CU", name="Bảng cũ", legal_basis="TT 09/2011/TT-BNV",
                                    valid_from="03/06/2011", valid_to="18/12/2022")
    with pytest.raises(ValidationFailed) as exc:
        retention_schedule_update(actor=root, schedule=old, changes={"valid_to": "01/01/2023"})
    assert exc.value.fields == {"valid_to": "Thời gian áp dụng trùng với TT 10/2022/TT-BNV (19/12/2022–nay)."}


def test_only_the_system_administrator_edits_the_schedule(leader, agency_admin):
    schedule = RetentionSchedule.objects.get()
    item = schedule.items.get()
    before = records_state(), schedules()
    for user in (leader, agency_admin):
        for call in (
            lambda u=user: retention_schedule_create(actor=u, code="X", name="X", legal_basis="X",
                                                     valid_from="01/01/2030"),
            lambda u=user: retention_schedule_update(actor=u, schedule=schedule, changes={"name": "Khác"}),
            lambda u=user: retention_item_create(actor=u, schedule=schedule, code="2", title="X", years=5),
            lambda u=user: retention_item_update(actor=u, item=item, code="1", title="X", years=5),
        ):
            with pytest.raises(PermissionDenied) as exc:
                call()
            assert exc.value.message == "Chỉ quản trị hệ thống được sửa bảng thời hạn bảo quản."
    assert (records_state(), schedules()) == before


def test_items_are_added_and_corrected(root):
    schedule = RetentionSchedule.objects.get()
    item = retention_item_create(actor=root, schedule=schedule, code="2", title="Hồ sơ hội nghị tổng kết năm",
                                 permanent=True, source="Quyết định của cơ quan")
    assert (item.position, item.retention, item.source) == (1, "Vĩnh viễn", "Quyết định của cơ quan")
    with pytest.raises(ValidationFailed) as exc:
        retention_item_create(actor=root, schedule=schedule, code="2", title="Trùng", years=5)
    assert exc.value.fields == {"code": "Mục số “2” đã có trong bảng."}
    fixed = retention_item_update(actor=root, item=item, code="2", title="Hồ sơ hội nghị tổng kết năm", years=10,
                                  source="Quyết định của cơ quan")
    assert (fixed.years, fixed.permanent) == (10, False)
    row = JournalEntry.objects.get(action="retention_item.update")
    assert (row.before, row.after) == ({"years": None, "permanent": True}, {"years": 10, "permanent": False})


def test_entries_and_case_files_keep_what_they_copied(plan, leader, officer, root):
    from congvu.records.services import file_plan_issue

    item = plan.schedule.items.get(code="1")
    e = add_entry(leader, plan, plan.headings.get(code="VP"), "Hồ sơ xây dựng quy chế làm việc",
                  retention_item_id=item.pk)
    file_plan_issue(actor=leader, plan=plan)
    cf = case_file_open(actor=officer, plan=plan, entry_id=e.pk)
    retention_item_update(actor=root, item=item, code="1", title=item.title, years=30)
    newer = retention_schedule_create(actor=root, code="NEW", name="Bảng mới", legal_basis="TT 99/2030/TT-BNV",
                                      valid_from=dt.date.today())
    e.refresh_from_db()
    cf.refresh_from_db()
    assert (e.retention_years, e.retention_schedule_id) == (20, item.schedule_id)
    assert (cf.retention_years, cf.retention_schedule_id, cf.retention) == (20, item.schedule_id, "20 năm")
    assert newer.pk != item.schedule_id
    # A supplement to the issued plan is decided under the version in force now.
    supplement = add_entry(leader, plan, plan.headings.get(code="VP"), "Hồ sơ bổ sung", retention_years=5)
    assert supplement.retention_schedule_id == newer.pk
