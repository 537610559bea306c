"""The monthly task report on a hand-built dataset whose every figure is known, across month boundaries.

Officials: A = `officer` (Phòng Nội vụ), B = `officer2` (Văn phòng), C = `leader` (no unit). Each row is
one assignment of its own task, written with explicit timestamps (local time, Asia/Ho_Chi_Minh).
"""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_official
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.org.models import Role
from congvu.workflow.models import Assignment, AssignmentStatus, Task
from congvu.workflow.reports import BY_OFFICIAL, BY_UNIT, report_xlsx, task_monthly_report
from congvu.workflow.task_selectors import month_bounds, month_label

pytestmark = pytest.mark.django_db

S = AssignmentStatus


def at(m, d, hh=9, mm=0, ss=0, y=2026):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm, ss))


OCT_END = at(11, 1, 0, 0)  # the first moment after October
NOV_20 = at(11, 20, 12, 0)


@pytest.fixture
def dataset(agency, other_agency, leader, officer, officer2, vp):
    A, B, C = officer.official, officer2.official, leader.official
    n = iter(range(1, 100))

    def row(who, *, created, due=None, submitted=None, status=S.IN_PROGRESS, role="lead", parent=None,
            target=agency):
        task = parent.task if parent else Task.objects.create(
            agency=target, title=f"Việc {next(n)}", created_by=C if target == agency else make_official(
                target, Role.LEADER), created_at=created, due_at=due)
        return Assignment.objects.create(
            agency=target, task=task, role=role, parent=parent, assigned_by=C,
            assignee_official=who if not hasattr(who, "code") else None,
            assignee_department=who if hasattr(who, "code") else None,
            due_at=due, status=status, created_at=created, submitted_at=submitted)

    # official A
    row(A, created=at(9, 20), due=at(9, 30, 17), submitted=at(9, 29), status=S.ACCEPTED)  # 1 done before October
    row(A, created=at(9, 20), due=at(10, 10, 17), submitted=at(10, 5), status=S.ACCEPTED)  # 2 carried, on time
    row(A, created=at(10, 3), due=at(10, 10, 17), submitted=at(10, 12), status=S.SUBMITTED)  # 3 late
    row(A, created=at(10, 3), due=at(10, 20, 17))  # 4 overdue
    row(A, created=at(10, 25), due=at(11, 10, 17), status=S.PENDING)  # 5 in progress at 1/11
    row(A, created=at(10, 25), due=at(11, 10, 17), submitted=at(11, 5), status=S.SUBMITTED)  # 6 done after October
    row(A, created=at(10, 2), due=at(10, 31, 17), submitted=at(10, 31, 17), status=S.ACCEPTED,
        role="coordinate")  # 7 handed in exactly at the deadline: on time
    row(A, created=at(10, 5), due=at(10, 20, 17), status=S.CANCELLED)  # 8 withdrawn
    row(A, created=at(10, 5), due=at(10, 20, 17), status=S.DECLINED)  # 9 declined
    row(A, created=at(10, 5), status=S.PENDING, role="inform")  # 10 for information: owes nothing
    row(A, created=at(11, 2), due=at(11, 30, 17), status=S.PENDING)  # 11 given in November
    row(A, created=at(8, 1), due=at(9, 1, 17), status=S.RETURNED)  # 12 carried since August, overdue
    row(A, created=at(10, 1, 0, 0, 0), status=S.PENDING)  # 13 first moment of October, no deadline
    row(A, created=at(9, 30, 23, 59, 59), due=at(10, 31, 23, 59, 59))  # 14 last second of September
    # official B and Văn phòng
    unit = row(vp, created=at(10, 10), due=at(10, 20, 17), submitted=at(10, 17, 15), status=S.SUBMITTED)  # 15
    row(B, created=at(10, 11), due=at(10, 18, 17), submitted=at(10, 17, 10), status=S.ACCEPTED, parent=unit)  # 16
    row(B, created=at(10, 12), due=at(10, 15, 17))  # 17 overdue
    # official C (a leader, no unit)
    row(C, created=at(10, 20), due=at(10, 25, 17), submitted=at(10, 24), status=S.ACCEPTED)  # 18 on time
    # another agency's task: never counted here
    row(make_official(other_agency, Role.OFFICER), created=at(10, 5), due=at(10, 6, 17),
        target=other_agency)  # 19
    return A, B, C


def _figures(row):
    return (row.assigned, row.new, row.on_time, row.late, row.overdue, row.in_progress)


def test_october_per_official(dataset, agency, leader):
    A, B, C = dataset
    report = task_monthly_report(user=leader, agency_id=agency.pk, month="2026-10", by=BY_OFFICIAL, now=NOV_20)
    rows = {r.key: r for r in report.rows}
    assert (report.as_of, report.start, report.end) == (OCT_END, at(10, 1, 0, 0), OCT_END)
    assert _figures(rows[f"o:{A.pk}"]) == (9, 6, 2, 1, 3, 3)
    assert _figures(rows[f"o:{B.pk}"]) == (2, 2, 1, 0, 1, 0)
    assert _figures(rows[f"o:{C.pk}"]) == (1, 1, 1, 0, 0, 0)
    assert (rows[f"o:{A.pk}"].unit, rows[f"o:{B.pk}"].unit, rows[f"o:{C.pk}"].unit) == (
        "Phòng Nội vụ", "Văn phòng HĐND và UBND", "Không thuộc phòng, ban")
    assert _figures(report.total) == (12, 9, 4, 1, 4, 3)
    assert rows[f"o:{A.pk}"].on_time_rate == "66,7%"
    assert rows[f"o:{C.pk}"].on_time_rate == "100%"
    # everyone of the agency is listed, in unit order, officials without a unit last
    assert [r.unit for r in report.rows][-1] == "Không thuộc phòng, ban"


def test_october_per_unit(dataset, agency, leader):
    report = task_monthly_report(user=leader, agency_id=agency.pk, month="2026-10", by=BY_UNIT, now=NOV_20)
    rows = {r.name: _figures(r) for r in report.rows}
    assert rows == {
        "Phòng Nội vụ": (9, 6, 2, 1, 3, 3),
        "Văn phòng HĐND và UBND": (2, 2, 1, 0, 1, 0),  # the unit's own row and B's row; B's re-assigned row is B's
        "Không thuộc phòng, ban": (1, 1, 1, 0, 0, 0),
    }
    assert [r.name for r in report.rows] == ["Phòng Nội vụ", "Văn phòng HĐND và UBND", "Không thuộc phòng, ban"]
    assert _figures(report.total) == (12, 9, 4, 1, 4, 3)


def test_current_month_counts_as_of_now(dataset, agency, leader):
    A, B, C = dataset
    report = task_monthly_report(user=leader, agency_id=agency.pk, month="2026-11", by=BY_OFFICIAL, now=NOV_20)
    rows = {r.key: r for r in report.rows}
    assert report.as_of == NOV_20
    assert _figures(rows[f"o:{A.pk}"]) == (7, 1, 1, 0, 4, 2)
    assert _figures(rows[f"o:{B.pk}"]) == (1, 0, 0, 0, 1, 0)  # 17 still overdue; 16 finished in October
    assert _figures(rows[f"o:{C.pk}"]) == (0, 0, 0, 0, 0, 0)
    assert rows[f"o:{C.pk}"].on_time_rate == "—"


def test_september_sees_october_work_as_not_yet_given(dataset, agency, leader):
    A, _, _ = dataset
    report = task_monthly_report(user=leader, agency_id=agency.pk, month="2026-09", by=BY_OFFICIAL, now=NOV_20)
    row = next(r for r in report.rows if r.key == f"o:{A.pk}")
    # 1 (on time, 29/09), 2 (open at the end of September), 12 (overdue since 01/09), 14 (given 30/09 23:59:59)
    assert _figures(row) == (4, 3, 1, 0, 1, 2)


def test_a_future_month_and_bad_input_are_refused(agency, leader):
    with pytest.raises(ValidationFailed) as err:
        task_monthly_report(user=leader, agency_id=agency.pk, month="2026-12", by=BY_UNIT, now=NOV_20)
    assert err.value.fields == {"month": "Chọn tháng này hoặc trước đó."}
    for bad in ("tháng 11", "13/2026", "0/2026", "2026-13", "11/26", "11/1999", "2026/11", ""):
        with pytest.raises(ValidationFailed) as err:
            task_monthly_report(user=leader, agency_id=agency.pk, month=bad, by=BY_UNIT, now=NOV_20)
        assert err.value.message == f"Tháng “{bad}” không hợp lệ; ghi theo dạng 11/2026."
        assert err.value.fields == {"month": "Tháng không hợp lệ; ví dụ 11/2026."}
    with pytest.raises(ValidationFailed) as err:
        task_monthly_report(user=leader, agency_id=agency.pk, month="2026-11", by="department", now=NOV_20)
    assert err.value.fields == {"by": "Giá trị là official hoặc unit."}


def test_who_may_see_the_report(dataset, agency, officer, clerk, agency_admin, head, other_agency):
    for user in (officer, clerk):
        with pytest.raises(PermissionDenied) as err:
            task_monthly_report(user=user, agency_id=agency.pk, month="2026-10", now=NOV_20)
        assert err.value.message == ("Chỉ lãnh đạo cơ quan, lãnh đạo đơn vị và quản trị cơ quan xem báo cáo "
                                     "giao việc.")
    outsider = make_official(other_agency, Role.LEADER).user
    with pytest.raises(PermissionDenied):
        task_monthly_report(user=outsider, agency_id=agency.pk, month="2026-10", now=NOV_20)
    full = task_monthly_report(user=agency_admin, agency_id=agency.pk, month="2026-10", now=NOV_20)
    assert _figures(full.total) == (12, 9, 4, 1, 4, 3)
    # the head of Phòng Nội vụ sees the unit and its officials only
    mine = task_monthly_report(user=head, agency_id=agency.pk, month="2026-10", by=BY_UNIT, now=NOV_20)
    assert [(r.name, _figures(r)) for r in mine.rows] == [("Phòng Nội vụ", (9, 6, 2, 1, 3, 3))]
    assert mine.limited_to_units
    people = task_monthly_report(user=head, agency_id=agency.pk, month="2026-10", by=BY_OFFICIAL, now=NOV_20)
    assert {r.unit for r in people.rows} == {"Phòng Nội vụ"}
    assert len(people.rows) == 2  # the officer and the head


def test_xlsx_holds_the_same_figures(dataset, agency, leader):
    report = task_monthly_report(user=leader, agency_id=agency.pk, month="2026-10", by=BY_UNIT, now=NOV_20)
    ws = load_workbook(io.BytesIO(report_xlsx(report))).active
    assert ws.title == "Tháng 10-2026"
    assert ws["A2"].value == "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO THÁNG 10/2026 (THEO PHÒNG, BAN)"
    assert ws["A3"].value == "Từ ngày 01/10/2026 đến ngày 31/10/2026; số liệu tính đến 00:00 ngày 01/11/2026"
    assert [c.value for c in ws[5]] == ["STT", "Phòng, ban", "Được giao", "Trong đó giao mới", "Hoàn thành đúng hạn",
                                       "Hoàn thành quá hạn", "Chưa hoàn thành, quá hạn", "Đang thực hiện trong hạn",
                                       "Tỷ lệ đúng hạn"]
    assert [c.value for c in ws[6]] == [1, "Phòng Nội vụ", 9, 6, 2, 1, 3, 3, "66,7%"]
    assert [c.value for c in ws[7]] == [2, "Văn phòng HĐND và UBND", 2, 2, 1, 0, 1, 0, "100%"]
    assert [c.value for c in ws[8]] == [3, "Không thuộc phòng, ban", 1, 1, 1, 0, 0, 0, "100%"]
    assert [c.value for c in ws[9]] == [None, "Tổng cộng", 12, 9, 4, 1, 4, 3, "80%"]
    assert ws.max_row == 9


def test_a_month_is_typed_as_11_2026_or_2026_11(agency, leader):
    vn = timezone.get_current_timezone()
    bounds = (dt.datetime(2026, 11, 1, tzinfo=vn), dt.datetime(2026, 12, 1, tzinfo=vn))
    for typed in ("11/2026", " 11/2026 ", "2026-11"):
        assert month_bounds(typed) == bounds
    assert month_bounds("1/2026") == month_bounds("01/2026") == month_bounds("2026-1") == (
        dt.datetime(2026, 1, 1, tzinfo=vn), dt.datetime(2026, 2, 1, tzinfo=vn))
    assert month_bounds("12/2026") == (dt.datetime(2026, 12, 1, tzinfo=vn), dt.datetime(2027, 1, 1, tzinfo=vn))
    assert (month_label("2026-9"), month_label("9/2026"), month_label("tháng 9")) == ("09/2026", "09/2026", "tháng 9")
    typed = task_monthly_report(user=leader, agency_id=agency.pk, month="10/2026", by=BY_UNIT, now=NOV_20)
    iso = task_monthly_report(user=leader, agency_id=agency.pk, month="2026-10", by=BY_UNIT, now=NOV_20)
    assert (typed.month, typed.start, typed.end) == (iso.month, iso.start, iso.end) == (
        "2026-10", dt.datetime(2026, 10, 1, tzinfo=vn), dt.datetime(2026, 11, 1, tzinfo=vn))
