"""The yearly file plan: who edits it, how its file numbers are given, what issuing freezes."""

import datetime as dt

import pytest

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.records import selectors
from congvu.records.models import FilePlan, Numbering, RetentionSchedule
from congvu.records.services import (
    EntryData,
    file_plan_create,
    file_plan_entry_add,
    file_plan_entry_remove,
    file_plan_entry_update,
    file_plan_heading_add,
    file_plan_heading_remove,
    file_plan_heading_update,
    file_plan_issue,
    file_plan_update,
    retention_schedule_create,
)
from congvu.records.tests.conftest import YEAR, add_entry, entry, records_state

pytestmark = pytest.mark.django_db


def codes(plan) -> list[str]:
    return [e.code for rows in selectors.file_plan_rows(plan) for e in rows.entries]


# --- who may edit ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role_fixture", ["leader", "agency_admin"])
def test_leaders_and_admins_create_a_plan(request, agency, role_fixture):
    user = request.getfixturevalue(role_fixture)
    plan = file_plan_create(actor=user, agency=agency, year=YEAR, numbering=Numbering.PER_HEADING)
    assert (plan.agency_id, plan.year, plan.numbering, plan.status) == (agency.pk, YEAR, "per_heading", "draft")
    assert plan.schedule.legal_basis == "TT 10/2022/TT-BNV"
    row = JournalEntry.objects.get(action="file_plan.create")
    assert (row.actor_id, row.agency_id_ref, row.object_id) == (user.pk, agency.pk, str(plan.pk))


@pytest.mark.parametrize("role_fixture", ["clerk", "officer", "onestop", "other_clerk"])
def test_other_roles_may_not_create_a_plan(request, agency, role_fixture):
    user = request.getfixturevalue(role_fixture)
    before = records_state()
    with pytest.raises(PermissionDenied) as exc:
        file_plan_create(actor=user, agency=agency, year=YEAR)
    assert exc.value.message == "Chỉ lãnh đạo và quản trị cơ quan được lập và sửa danh mục hồ sơ."
    assert records_state() == before


def test_one_plan_per_agency_and_year(agency, leader, plan):
    before = records_state()
    with pytest.raises(Conflict) as exc:
        file_plan_create(actor=leader, agency=agency, year=YEAR)
    assert exc.value.message == f"Danh mục hồ sơ năm {YEAR} của cơ quan đã có."
    assert records_state() == before


@pytest.mark.parametrize("year", ["", "abc", 1999, YEAR + 2])
def test_plan_year_is_checked(agency, leader, year):
    with pytest.raises(ValidationFailed) as exc:
        file_plan_create(actor=leader, agency=agency, year=year)
    assert exc.value.fields == {"year": f"Năm phải từ 2000 đến {YEAR + 1}."}
    assert FilePlan.objects.count() == 0


@pytest.mark.parametrize("role_fixture", ["clerk", "officer"])
def test_readers_may_not_change_a_plan(request, plan, role_fixture):
    user = request.getfixturevalue(role_fixture)
    heading = plan.headings.get(code="VP")
    before = records_state()
    calls = [
        lambda: file_plan_heading_add(actor=user, plan=plan, code="KHTC", title="Kế hoạch, tài chính"),
        lambda: file_plan_heading_update(actor=user, heading=heading, changes={"title": "Khác"}),
        lambda: file_plan_entry_add(actor=user, plan=plan, heading_id=heading.pk,
                                    data=EntryData(title="Hồ sơ mới", retention_years=5)),
        lambda: file_plan_entry_remove(actor=user, entry=entry(plan, "03.VP")),
        lambda: file_plan_update(actor=user, plan=plan, changes={"numbering": Numbering.PER_HEADING}),
        lambda: file_plan_issue(actor=user, plan=plan),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert records_state() == before


def test_another_agencys_plan_is_not_found(plan, other_clerk, other_agency):
    from conftest import make_official
    from congvu.org.models import Role

    other_leader = make_official(other_agency, Role.LEADER).user
    before = records_state()
    with pytest.raises(NotFound):
        file_plan_heading_add(actor=other_leader, plan=plan, code="KHTC", title="Kế hoạch")
    with pytest.raises(NotFound):
        selectors.file_plan_get(user=other_leader, pk=plan.pk)
    assert records_state() == before


def test_draft_plans_are_hidden_from_officers_until_issued(plan, officer, clerk, leader):
    assert selectors.file_plans(user=officer, agency_id=plan.agency_id) == []
    with pytest.raises(NotFound):
        selectors.file_plan_get(user=officer, agency_id=plan.agency_id, year=YEAR)
    assert selectors.file_plans(user=clerk, agency_id=plan.agency_id) == [plan]
    file_plan_issue(actor=leader, plan=plan)
    assert selectors.file_plan_get(user=officer, agency_id=plan.agency_id, year=YEAR).pk == plan.pk


# --- numbering ------------------------------------------------------------------------------------

def test_continuous_numbering_runs_through_the_plan(plan):
    assert codes(plan) == ["01.TCCB", "02.TCCB", "03.VP"]


def test_numbering_restarting_per_heading(agency, leader):
    p = file_plan_create(actor=leader, agency=agency, year=YEAR, numbering=Numbering.PER_HEADING)
    tccb = file_plan_heading_add(actor=leader, plan=p, code="TCCB", title="Tổ chức, cán bộ")
    vp = file_plan_heading_add(actor=leader, plan=p, code="VP", title="Văn phòng")
    add_entry(leader, p, vp, "Hồ sơ hội nghị")
    add_entry(leader, p, tccb, "Hồ sơ tuyển dụng")
    add_entry(leader, p, vp, "Hồ sơ thi đua")
    add_entry(leader, p, tccb, "Hồ sơ nâng lương")
    assert codes(p) == ["01.TCCB", "02.TCCB", "01.VP", "02.VP"]
    assert [e.title for e in p.entries.order_by("heading__position", "ordinal")] == [
        "Hồ sơ tuyển dụng", "Hồ sơ nâng lương", "Hồ sơ hội nghị", "Hồ sơ thi đua"]


def test_a_draft_is_numbered_again_when_entries_move(plan, leader):
    tccb, vp = plan.headings.get(code="TCCB"), plan.headings.get(code="VP")
    add_entry(leader, plan, tccb, "Hồ sơ khen thưởng")  # goes to the end of TCCB: VP moves down
    assert codes(plan) == ["01.TCCB", "02.TCCB", "03.TCCB", "04.VP"]
    assert entry(plan, "04.VP").title == "Hồ sơ hội nghị cán bộ, công chức"

    first = entry(plan, "01.TCCB")
    file_plan_entry_update(actor=leader, entry=first, heading_id=vp.pk,
                           data=EntryData(title=first.title, retention_permanent=True))
    assert [(e.code, e.title) for e in plan.entries.order_by("ordinal")] == [
        ("01.TCCB", "Hồ sơ nâng lương thường xuyên"), ("02.TCCB", "Hồ sơ khen thưởng"),
        ("03.VP", "Hồ sơ hội nghị cán bộ, công chức"), ("04.VP", f"Hồ sơ tuyển dụng công chức năm {YEAR}")]

    file_plan_entry_remove(actor=leader, entry=entry(plan, "02.TCCB"))
    assert codes(plan) == ["01.TCCB", "02.VP", "03.VP"]

    file_plan_heading_update(actor=leader, heading=vp, changes={"position": 0})
    assert codes(plan) == ["01.VP", "02.VP", "03.TCCB"]
    file_plan_heading_update(actor=leader, heading=vp, changes={"code": "VPUB"})
    assert codes(plan) == ["01.VPUB", "02.VPUB", "03.TCCB"]


def test_changing_the_rule_of_a_draft_renumbers_it(plan, leader):
    file_plan_update(actor=leader, plan=plan, changes={"numbering": Numbering.PER_HEADING})
    assert codes(plan) == ["01.TCCB", "02.TCCB", "01.VP"]
    row = JournalEntry.objects.get(action="file_plan.update")
    assert (row.before, row.after) == ({"numbering": "continuous"}, {"numbering": "per_heading"})


def test_issuing_freezes_numbers_and_supplements_take_the_next_one(plan, leader):
    issued = file_plan_issue(actor=leader, plan=plan, decision_ref="Quyết định số 05/QĐ-UBND")
    assert (issued.status, issued.issued_by_id, issued.decision_ref) == ("issued", leader.pk,
                                                                        "Quyết định số 05/QĐ-UBND")
    assert issued.issued_at is not None
    tccb = plan.headings.get(code="TCCB")
    added = add_entry(leader, plan, tccb, "Hồ sơ bổ nhiệm")
    assert (added.code, added.supplementary) == ("04.TCCB", True)
    assert codes(plan) == ["01.TCCB", "02.TCCB", "04.TCCB", "03.VP"]


def test_supplements_of_an_issued_per_heading_plan(agency, leader):
    p = file_plan_create(actor=leader, agency=agency, year=YEAR, numbering=Numbering.PER_HEADING)
    tccb = file_plan_heading_add(actor=leader, plan=p, code="TCCB", title="Tổ chức, cán bộ")
    vp = file_plan_heading_add(actor=leader, plan=p, code="VP", title="Văn phòng")
    add_entry(leader, p, tccb, "Hồ sơ tuyển dụng")
    add_entry(leader, p, vp, "Hồ sơ hội nghị")
    file_plan_issue(actor=leader, plan=p)
    assert add_entry(leader, p, vp, "Hồ sơ thi đua").code == "02.VP"
    assert add_entry(leader, p, tccb, "Hồ sơ nâng lương").code == "02.TCCB"


def test_an_issued_plan_refuses_changes_that_would_renumber_it(issued_plan, leader):
    tccb, vp = issued_plan.headings.get(code="TCCB"), issued_plan.headings.get(code="VP")
    first = entry(issued_plan, "01.TCCB")
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        file_plan_update(actor=leader, plan=issued_plan, changes={"numbering": Numbering.PER_HEADING})
    assert exc.value.fields == {"numbering": "Danh mục đã ban hành: số hồ sơ đã cố định, không đổi cách đánh số."}
    with pytest.raises(ValidationFailed) as exc:
        file_plan_heading_update(actor=leader, heading=tccb, changes={"code": "TC"})
    assert exc.value.fields == {"code": "Danh mục đã ban hành: số hồ sơ đã cố định, không đổi chữ viết tắt."}
    with pytest.raises(ValidationFailed) as exc:
        file_plan_heading_update(actor=leader, heading=vp, changes={"position": 0})
    assert exc.value.fields == {"position": "Danh mục đã ban hành: không đổi thứ tự đề mục."}
    with pytest.raises(ValidationFailed) as exc:
        file_plan_entry_update(actor=leader, entry=first, heading_id=vp.pk,
                               data=EntryData(title=first.title, retention_permanent=True))
    assert exc.value.fields == {"heading_id": "Danh mục đã ban hành: số hồ sơ đã cố định, không chuyển đề mục."}
    with pytest.raises(Conflict) as exc:
        file_plan_entry_remove(actor=leader, entry=first)
    assert exc.value.message == "Danh mục đã ban hành: không xóa hồ sơ khỏi danh mục."
    with pytest.raises(Conflict) as exc:
        file_plan_issue(actor=leader, plan=issued_plan)
    assert exc.value.message == f"Danh mục hồ sơ năm {YEAR} đã được ban hành."
    assert records_state() == before


def test_an_issued_plan_still_takes_corrections(issued_plan, leader, agency):
    first = entry(issued_plan, "01.TCCB")
    nv = agency.departments.get(code="NV")
    updated = file_plan_entry_update(actor=leader, entry=first, data=EntryData(
        title="Hồ sơ tuyển dụng công chức cấp xã", responsible_department_id=nv.pk, retention_years=70))
    assert (updated.code, updated.title, updated.retention, updated.responsible_department_id) == (
        "01.TCCB", "Hồ sơ tuyển dụng công chức cấp xã", "70 năm", nv.pk)
    row = JournalEntry.objects.get(action="file_plan.entry_update")
    assert row.before == {"title": f"Hồ sơ tuyển dụng công chức năm {YEAR}", "retention_years": None,
                          "retention_permanent": True, "responsible_department_id": None}
    assert row.after == {"title": "Hồ sơ tuyển dụng công chức cấp xã", "retention_years": 70,
                         "retention_permanent": False, "responsible_department_id": nv.pk}


def test_an_empty_plan_is_not_issued(agency, leader):
    p = file_plan_create(actor=leader, agency=agency, year=YEAR)
    with pytest.raises(ValidationFailed) as exc:
        file_plan_issue(actor=leader, plan=p)
    assert exc.value.message == "Danh mục chưa có hồ sơ nào; thêm hồ sơ trước khi ban hành."
    p.refresh_from_db()
    assert (p.status, p.issued_at) == ("draft", None)


def test_headings_are_checked(plan, leader):
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        file_plan_heading_add(actor=leader, plan=plan, code="tccb", title="Trùng")
    assert exc.value.fields == {"code": "Đề mục “TCCB” đã có trong danh mục."}
    with pytest.raises(ValidationFailed) as exc:
        file_plan_heading_add(actor=leader, plan=plan, code="T.C", title="")
    assert exc.value.fields == {
        "code": "Chữ viết tắt của đề mục chỉ gồm chữ in hoa và chữ số, tối đa 20 ký tự (ví dụ TCCB).",
        "title": "Vui lòng nhập tên đề mục."}
    with pytest.raises(Conflict) as exc:
        file_plan_heading_remove(actor=leader, heading=plan.headings.get(code="VP"))
    assert exc.value.message == "Đề mục “VP” còn hồ sơ; chuyển hoặc xóa các hồ sơ đó trước."
    assert records_state() == before
    empty = file_plan_heading_add(actor=leader, plan=plan, code="TDKT", title="Thi đua, khen thưởng")
    file_plan_heading_remove(actor=leader, heading=empty)
    assert list(plan.headings.values_list("code", flat=True)) == ["TCCB", "VP"]


# --- retention on entries -------------------------------------------------------------------------

def test_entry_retention_from_the_schedule_or_typed(plan, leader):
    item = plan.schedule.items.get(code="1")
    vp = plan.headings.get(code="VP")
    from_item = add_entry(leader, plan, vp, "Hồ sơ xây dựng quy chế làm việc", retention_years=None,
                          retention_item_id=item.pk)
    assert (from_item.retention_item_id, from_item.retention_years, from_item.retention_permanent,
            from_item.retention_schedule_id, from_item.retention) == (item.pk, 20, False, plan.schedule_id, "20 năm")
    permanent = add_entry(leader, plan, vp, "Hồ sơ đại hội", retention_years=None, retention_permanent=True)
    assert (permanent.retention_years, permanent.retention_permanent, permanent.retention) == (None, True,
                                                                                              "Vĩnh viễn")


@pytest.mark.parametrize("kw, fields", [
    ({"retention_years": None}, {"retention_years": "Vui lòng chọn thời hạn bảo quản: một mục của bảng, số năm, "
                                                    "hoặc vĩnh viễn."}),
    ({"retention_years": 0}, {"retention_years": "Thời hạn bảo quản phải là số năm từ 1 đến 100."}),
    ({"retention_years": "mười"}, {"retention_years": "Thời hạn bảo quản phải là số năm từ 1 đến 100."}),
    ({"retention_years": 5, "retention_permanent": True},
     {"retention_years": "Hồ sơ bảo quản vĩnh viễn thì không ghi số năm."}),
    ({"retention_years": 5, "retention_item_id": "ITEM"},
     {"retention_item_id": "Chọn một mục trong bảng thời hạn bảo quản hoặc nhập thời hạn, không chọn cả hai."}),
    ({"retention_years": None, "retention_item_id": 999999},
     {"retention_item_id": "Mục thời hạn bảo quản không có trong bảng đang áp dụng."}),
    ({"title": "", "retention_years": 5}, {"title": "Vui lòng nhập tiêu đề hồ sơ."}),
])
def test_entry_input_is_checked(plan, leader, kw, fields):
    if kw.get("retention_item_id") == "ITEM":
        kw["retention_item_id"] = plan.schedule.items.get(code="1").pk
    kw.setdefault("title", "Hồ sơ mới")
    before = records_state()
    with pytest.raises(ValidationFailed) as exc:
        file_plan_entry_add(actor=leader, plan=plan, heading_id=plan.headings.get(code="VP").pk,
                            data=EntryData(**kw))
    assert exc.value.fields == fields
    assert records_state() == before


def test_an_item_of_another_schedule_version_is_refused(plan, leader, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="matkhau-123")
    old = RetentionSchedule.objects.create(code="OLD", name="Bảng cũ", legal_basis="TT 09/2011/TT-BNV",
                                           valid_from=dt.date(2011, 1, 1), valid_to=dt.date(2022, 12, 18))
    old_item = old.items.create(code="1", title="Hồ sơ cũ", years=10)
    with pytest.raises(ValidationFailed) as exc:
        add_entry(leader, plan, plan.headings.get(code="VP"), "Hồ sơ", retention_years=None,
                  retention_item_id=old_item.pk)
    assert exc.value.fields == {"retention_item_id": "Mục thời hạn bảo quản không có trong bảng đang áp dụng."}
    assert admin.is_superuser


def test_copy_from_previous_year(agency, leader, plan):
    first = entry(plan, "01.TCCB")
    next_year = file_plan_create(actor=leader, agency=agency, year=YEAR + 1, copy_from_previous=True)
    assert [(h.code, h.title) for h in next_year.headings.all()] == [("TCCB", "Tổ chức, cán bộ"),
                                                                    ("VP", "Văn phòng")]
    assert [(e.code, e.title, e.retention) for e in next_year.entries.order_by("ordinal")] == [
        ("01.TCCB", first.title, "Vĩnh viễn"), ("02.TCCB", "Hồ sơ nâng lương thường xuyên", "20 năm"),
        ("03.VP", "Hồ sơ hội nghị cán bộ, công chức", "10 năm")]
    assert next_year.status == "draft"
    with pytest.raises(ValidationFailed) as exc:
        file_plan_create(actor=leader, agency=agency, year=YEAR - 1, copy_from_previous=True)
    assert exc.value.message == f"Chưa có danh mục hồ sơ năm {YEAR - 2} để sao chép."


# --- versioned retention --------------------------------------------------------------------------

def test_each_plan_keeps_the_schedule_in_force_on_1_january(agency, leader, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="matkhau-123")
    current = RetentionSchedule.objects.get(code="TT10-2022")
    newer = retention_schedule_create(actor=root, code="NEW", name="Bảng mới", legal_basis="TT 99/2030/TT-BNV",
                                      valid_from=dt.date(YEAR + 1, 1, 1))
    current.refresh_from_db()
    assert current.valid_to == dt.date(YEAR, 12, 31)  # ended the day before the new version
    this_year = file_plan_create(actor=leader, agency=agency, year=YEAR)
    next_year = file_plan_create(actor=leader, agency=agency, year=YEAR + 1)
    assert (this_year.schedule_id, next_year.schedule_id) == (current.pk, newer.pk)
    assert selectors.retention_schedule_at(dt.date(YEAR, 12, 31)) == current
    assert selectors.retention_schedule_at(dt.date(YEAR + 1, 1, 1)) == newer
    assert selectors.retention_schedule_at(dt.date(2022, 12, 18)) is None
