"""The catalogue: versions in force on a date, a change is a new version from a date (earlier dossiers keep
theirs), a version used by dossiers is never rewritten, and the XLSX round trip, all or nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_agency
from congvu.audit.models import JournalEntry
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.onestop.catalogue import (
    catalogue_export,
    catalogue_import,
    procedure_save,
    version_in_force,
    versions_in_force,
)
from congvu.onestop.models import Dossier, Procedure, ProcedureComponent, ProcedureStep, ProcedureVersion
from congvu.onestop.tests.conftest import make_procedure

pytestmark = pytest.mark.django_db
D = dt.date


def values(**over) -> dict:
    base = {
        "national_code": "1.000894", "local_code": "1.000894.000.00.00.H40", "name": "Đăng ký kết hôn",
        "field": "Hộ tịch", "level": "Cấp xã", "valid_from": "01/07/2025", "basis": "Luật Hộ tịch 2014",
        "time_limit": "3", "time_unit": "ngày làm việc", "fee": "0", "online_level": "Toàn trình",
        "supplement_rule": "tính lại", "result_documents": "Giấy chứng nhận kết hôn",
        "components": [{"name": "Tờ khai đăng ký kết hôn", "required": "Có"},
                       {"name": "Giấy xác nhận tình trạng hôn nhân", "required": "Có", "copies": 2,
                        "kind": "bản chính"}],
        "steps": [{"name": "Tiếp nhận", "handler": "Bộ phận một cửa", "budget": "0.5"},
                  {"name": "Thẩm định", "handler": "Phòng chuyên môn", "department_code": "TP", "budget": "2"},
                  {"name": "Trả kết quả", "handler": "Bộ phận một cửa", "budget": "0.5"}],
    }
    return base | over


def dossier_on(version, when=None):
    when = when or timezone.now()
    return Dossier.objects.create(agency=make_agency(), procedure_version=version, applicant_name="Nguyễn Văn A",
                                  submitted_at=when)


def test_create_then_change_from_a_date_keeps_the_earlier_version_for_its_dossiers(agency_admin):
    first = procedure_save(actor=agency_admin, values=values())
    assert first.outcome == "created"
    old = first.version
    dossier = dossier_on(old)
    second = procedure_save(actor=agency_admin, values=values(valid_from="01/03/2026", time_limit="5", fee="10000"))
    assert second.outcome == "added"
    old.refresh_from_db()
    assert (old.valid_from, old.valid_to, old.time_limit, old.fee) == (D(2025, 7, 1), D(2026, 3, 1), Decimal(3), 0)
    assert (second.version.valid_from, second.version.valid_to, second.version.time_limit) == (
        D(2026, 3, 1), None, Decimal(5))
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == old.pk
    assert version_in_force(procedure=first.procedure, on=D(2026, 2, 28)) == old
    assert version_in_force(procedure=first.procedure, on=D(2026, 3, 1)) == second.version
    assert version_in_force(procedure=first.procedure, on=D(2025, 6, 30)) is None
    assert [(c.name, c.required, c.copies, c.kind) for c in second.version.components.all()] == [
        ("Tờ khai đăng ký kết hôn", True, 1, ""), ("Giấy xác nhận tình trạng hôn nhân", True, 2, "bản chính")]
    assert [(s.position, s.handler, s.department_code, s.budget) for s in second.version.steps.all()] == [
        (0, "counter", "", Decimal("0.5")), (1, "department", "TP", Decimal(2)), (2, "counter", "", Decimal("0.5"))]
    actions = list(JournalEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["onestop.procedure_created", "onestop.procedure_added"]


def test_a_version_inserted_before_a_later_one_ends_where_the_next_begins(agency_admin):
    procedure_save(actor=agency_admin, values=values())
    procedure_save(actor=agency_admin, values=values(valid_from="01/06/2026"))
    middle = procedure_save(actor=agency_admin, values=values(valid_from="01/01/2026", time_limit="4")).version
    assert list(ProcedureVersion.objects.order_by("valid_from").values_list("valid_from", "valid_to")) == [
        (D(2025, 7, 1), D(2026, 1, 1)), (D(2026, 1, 1), D(2026, 6, 1)), (D(2026, 6, 1), None)]
    assert middle.time_limit == Decimal(4)


def test_a_version_with_dossiers_is_not_rewritten(agency_admin):
    version = procedure_save(actor=agency_admin, values=values()).version
    dossier_on(version)
    with pytest.raises(ValidationFailed) as err:
        procedure_save(actor=agency_admin, values=values(time_limit="10"))
    assert err.value.message == ("Không lưu được thủ tục: phiên bản từ 01/07/2025 đã có hồ sơ tiếp nhận, không sửa "
                                 "được; hãy thêm phiên bản mới từ một ngày sau.")
    version.refresh_from_db()
    assert version.time_limit == Decimal(3)
    assert ProcedureVersion.objects.count() == 1
    # saving the same values again is not a change
    assert procedure_save(actor=agency_admin, values=values()).outcome == "unchanged"
    assert JournalEntry.objects.count() == 1


def test_a_version_without_dossiers_is_updated_in_place(agency_admin):
    version = procedure_save(actor=agency_admin, values=values()).version
    again = procedure_save(actor=agency_admin, values=values(time_limit="7", components=[
        {"name": "Tờ khai", "required": "Không"}]))
    assert (again.outcome, again.version.pk) == ("updated", version.pk)
    assert list(version.components.values_list("name", "required")) == [("Tờ khai", False)]


def test_bad_values_are_refused_with_every_problem_and_nothing_is_saved(agency_admin):
    bad = values(national_code="", level="Cấp thôn", valid_from="31/02/2026", time_limit="ba", fee="-5",
                 steps=[{"name": "Thẩm định", "handler": "Phòng chuyên môn", "budget": "2"},
                        {"name": "", "handler": "Cơ quan khác (liên thông)", "budget": "x"}])
    with pytest.raises(ValidationFailed) as err:
        procedure_save(actor=agency_admin, values=bad)
    assert err.value.message == (
        "Thông tin thủ tục chưa hợp lệ: thiếu mã TTHC quốc gia; cấp thực hiện “Cấp thôn” không có trong danh mục; "
        "ngày hiệu lực “31/02/2026” không đúng dạng dd/mm/yyyy; thời hạn giải quyết “ba” không phải là số; "
        "phí, lệ phí “-5” phải là số nguyên không âm; bước 2: thiếu tên bước; bước 2: liên thông cần cấp cơ quan "
        "nhận; bước 2: thời gian “x” không phải là số; bước đầu tiên phải là Bộ phận một cửa tiếp nhận.")
    assert Procedure.objects.count() == 0 and JournalEntry.objects.count() == 0


def test_only_admins_edit_the_catalogue(onestop, leader):
    for user in (onestop, leader):
        with pytest.raises(PermissionDenied):
            procedure_save(actor=user, values=values())
    assert Procedure.objects.count() == 0


def test_versions_in_force_by_date_and_agency(agency, other_agency, agency_admin):
    everywhere = make_procedure()
    only_other = procedure_save(actor=agency_admin, values=values(agencies=[other_agency.identifier])).version
    later = make_procedure(local_code="2.000815.000.00.00.H40", valid_from=D(2026, 6, 1))
    on = D(2026, 3, 1)
    assert set(versions_in_force(on=on)) == {everywhere, only_other}
    assert list(versions_in_force(on=on, agency=agency)) == [everywhere]
    assert set(versions_in_force(on=on, agency=other_agency)) == {everywhere, only_other}
    assert set(versions_in_force(on=D(2026, 6, 1), agency=agency)) == {everywhere, later}
    Procedure.objects.filter(pk=everywhere.procedure_id).update(active=False)
    assert list(versions_in_force(on=on, agency=agency)) == []


def test_unknown_agency_identifier_is_refused(agency_admin):
    with pytest.raises(ValidationFailed) as err:
        procedure_save(actor=agency_admin, values=values(agencies="000.99.99.H40"))
    assert "không có cơ quan mã định danh 000.99.99.H40" in err.value.message
    assert Procedure.objects.count() == 0


# --- XLSX -----------------------------------------------------------------------------------------------

def sheets(content: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_export_writes_one_row_per_version_with_components_and_steps(procedure_version, agency):
    procedure_version.procedure.agencies.add(agency)
    data = sheets(catalogue_export())
    assert list(data) == ["Thủ tục", "Thành phần hồ sơ", "Các bước"]
    assert data["Thủ tục"][1] == (
        "1.001612", "1.001612.000.00.00.H40", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "01/07/2025", None,
        "Luật Hộ tịch 2014; NĐ 123/2015/NĐ-CP", 5, "ngày làm việc", 0, None, "Giấy khai sinh (bản chính)",
        "Một phần", "Tính lại từ đầu khi nhận đủ hồ sơ", agency.identifier)
    assert data["Thành phần hồ sơ"][1:] == [
        ("1.001612.000.00.00.H40", "01/07/2025", "Tờ khai đăng ký khai sinh", "Có", 1, None),
        ("1.001612.000.00.00.H40", "01/07/2025", "Giấy chứng sinh", "Có", 1, None),
        ("1.001612.000.00.00.H40", "01/07/2025", "Giấy tờ tùy thân của người đi đăng ký", "Không", 1, None)]
    assert [r[2:] for r in data["Các bước"][1:]] == [
        ("Tiếp nhận hồ sơ", "Bộ phận một cửa", None, None, 0.5), ("Thẩm định hồ sơ", "Phòng chuyên môn", None, "NV", 3),
        ("Lãnh đạo ký duyệt", "Lãnh đạo ký", None, None, 1), ("Trả kết quả", "Bộ phận một cửa", None, None, 0.5)]


def test_import_of_the_export_changes_nothing(procedure_version, agency_admin):
    result = catalogue_import(actor=agency_admin, content=catalogue_export())
    assert (result.created, result.added, result.updated, result.unchanged) == (0, 0, 0, 1)
    assert not JournalEntry.objects.filter(action="onestop.catalogue_import").exists()


def edit(content: bytes, change) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_creates_procedures_and_new_versions(procedure_version, agency_admin):
    def add_rows(wb):
        main, comps, steps = wb["Thủ tục"], wb["Thành phần hồ sơ"], wb["Các bước"]
        row = [c.value for c in main[2]]
        main.append(row[:5] + ["01/04/2026", None, row[7], 7, "ngày", 5000] + row[11:])  # a new version
        main.append(["2.000815", "2.000815.000.00.00.H40", "Chứng thực bản sao từ bản chính", "Chứng thực",
                     "Cấp xã", "01/11/2025", None, "NĐ 23/2015", 4, "giờ làm việc", 2000, "", "Bản sao",
                     "Không trực tuyến", "Tính tiếp thời gian còn lại", None])
        comps.append(["1.001612.000.00.00.H40", "01/04/2026", "Tờ khai", "Có", 1, None])
        comps.append(["2.000815.000.00.00.H40", "01/11/2025", "Bản chính giấy tờ", "x", 1, "bản chính"])
        for code, start in (("1.001612.000.00.00.H40", "01/04/2026"), ("2.000815.000.00.00.H40", "01/11/2025")):
            steps.append([code, start, "Tiếp nhận", "Bộ phận một cửa", None, None, 0.25])
            steps.append([code, start, "Ký", "Lãnh đạo ký", None, None, 0.25])

    result = catalogue_import(actor=agency_admin, content=edit(catalogue_export(), add_rows))
    assert (result.created, result.added, result.updated, result.unchanged) == (1, 1, 0, 1)
    procedure_version.refresh_from_db()
    assert procedure_version.valid_to == D(2026, 4, 1)
    new = ProcedureVersion.objects.get(procedure=procedure_version.procedure, valid_from=D(2026, 4, 1))
    assert (new.time_limit, new.time_unit, new.fee, list(new.components.values_list("name", flat=True))) == (
        Decimal(7), "calendar_days", 5000, ["Tờ khai"])
    copy = ProcedureVersion.objects.get(procedure__local_code="2.000815.000.00.00.H40")
    assert (copy.time_unit, copy.supplement_rule, copy.online_level, copy.steps.count()) == (
        "working_hours", "resume", "none", 2)
    entry = JournalEntry.objects.get(action="onestop.catalogue_import")
    assert entry.after["versions"] == ["1.001612.000.00.00.H40@2026-04-01:added",
                                       "2.000815.000.00.00.H40@2025-11-01:created"]


def test_a_bad_workbook_is_refused_whole_with_vietnamese_row_errors(procedure_version, agency_admin):
    def break_rows(wb):
        main, comps, steps = wb["Thủ tục"], wb["Thành phần hồ sơ"], wb["Các bước"]
        row = [c.value for c in main[2]]
        main.append(row[:5] + ["01/04/2026", None, row[7], 7] + row[9:])  # a good new version …
        main.append(["2.1", "2.1.H40", "Thủ tục thử", "Thử", "Cấp xã", "hôm nay", None, "", 1, "tuần", 0, "",
                     "", "", "", ""])  # … with bad ones: nothing may be saved
        main.append(row)  # the same key as row 2
        comps.append(["9.999", "01/01/2026", "Giấy lạ", "Có", 1, None])
        steps.append(["1.001612.000.00.00.H40", "01/04/2026", "Tiếp nhận", "Bộ phận một cửa", None, None, 0.5])

    before = (Procedure.objects.count(), ProcedureVersion.objects.count(), ProcedureComponent.objects.count(),
              ProcedureStep.objects.count())
    with pytest.raises(ValidationFailed) as err:
        catalogue_import(actor=agency_admin, content=edit(catalogue_export(), break_rows))
    assert err.value.message == "Không nhập được danh mục: 3 lỗi, chưa lưu gì."
    assert err.value.fields["rows"].split("\n") == [
        "Trang “Thủ tục”, dòng 4: ngày hiệu lực “hôm nay” không đúng dạng dd/mm/yyyy.",
        "Trang “Thủ tục”, dòng 5: trùng mã 1.001612.000.00.00.H40 hiệu lực từ 01/07/2025 với dòng 2.",
        "Trang “Thành phần hồ sơ”, dòng 5: không có thủ tục 9.999 hiệu lực từ 01/01/2026 ở trang “Thủ tục”.",
    ]
    after = (Procedure.objects.count(), ProcedureVersion.objects.count(), ProcedureComponent.objects.count(),
             ProcedureStep.objects.count())
    assert after == before
    assert JournalEntry.objects.count() == 0


def test_row_values_are_checked_before_anything_is_saved(procedure_version, agency_admin):
    def bad_unit(wb):
        main = wb["Thủ tục"]
        row = [c.value for c in main[2]]
        main.append(row[:5] + ["01/04/2026", None, row[7], 7, "tuần"] + row[10:])

    with pytest.raises(ValidationFailed) as err:
        catalogue_import(actor=agency_admin, content=edit(catalogue_export(), bad_unit))
    assert err.value.fields["rows"] == ("Trang “Thủ tục”, dòng 3: đơn vị thời hạn “tuần” không có trong danh mục; "
                                        "cần ít nhất một bước xử lý.")
    assert ProcedureVersion.objects.count() == 1


def test_not_a_workbook_or_missing_sheets(agency_admin):
    with pytest.raises(ValidationFailed) as err:
        catalogue_import(actor=agency_admin, content=b"not excel")
    assert err.value.message == "Tệp không phải là bảng tính Excel (.xlsx) đọc được."

    def drop(wb):
        del wb["Các bước"]
    with pytest.raises(ValidationFailed) as err:
        catalogue_import(actor=agency_admin, content=edit(catalogue_export(), drop))
    assert err.value.message == "Tệp thiếu trang “Các bước”."


def test_import_needs_an_admin(procedure_version, onestop):
    with pytest.raises(PermissionDenied):
        catalogue_import(actor=onestop, content=catalogue_export())


@pytest.mark.parametrize("over, problem", [
    ({"time_limit": "1e309"}, "thời hạn giải quyết “1e309” không hợp lệ"),
    ({"time_limit": "NaN"}, "thời hạn giải quyết “NaN” không hợp lệ"),
    ({"time_limit": "Infinity"}, "thời hạn giải quyết “Infinity” không hợp lệ"),
    ({"fee": "99999999999999999999999"}, "phí, lệ phí “99999999999999999999999” lớn quá mức cho phép"),
    ({"fee": "٣"}, "phí, lệ phí “٣” phải là số nguyên không âm"),
    ({"components": [{"name": "Đơn", "copies": "99999"}]}, "thành phần 1: số bản “99999” lớn quá mức cho phép"),
    ({"steps": [{"name": "Tiếp nhận", "handler": "counter", "budget": "NaN"}]},
     "bước 1: thời gian “NaN” không hợp lệ"),
])
def test_absurd_numbers_are_refused_in_vietnamese(agency_admin, over, problem):
    with pytest.raises(ValidationFailed) as err:
        procedure_save(actor=agency_admin, values=values(**over))
    assert problem in err.value.message
    assert Procedure.objects.count() == 0
