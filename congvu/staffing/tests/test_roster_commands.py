"""`congvu roster import|list|report`: thin over the same services; refusals leave nothing behind."""

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from conftest import make_official
from congvu.org.models import Role
from congvu.staffing.models import StaffMember
from congvu.staffing.tests.roster_world import add_people, build_units, commune_agency, roster_csv

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world():
    units = build_units()
    agency = commune_agency(units["20667"], "UBND xã Ninh Phước")
    admin = make_official(agency, Role.AGENCY_ADMIN, username="qt_ninhphuoc").user
    return {"units": units, "agency": agency, "admin": admin}


def _run(*args) -> str:
    out = StringIO()
    call_command("roster", *args, stdout=out)
    return out.getvalue()


def test_import_list_and_report(world, tmp_path):
    path = tmp_path / "danh-sach.csv"
    path.write_text(roster_csv(33), encoding="utf-8")
    agency = world["agency"]
    assert _run("import", str(path), "--agency", str(agency.pk), "--as", "qt_ninhphuoc").strip() == (
        "Đã nhập 33 người vào danh sách của UBND xã Ninh Phước.")
    listing = _run("list", "--agency", str(agency.pk), "--on", "2020-06-01").splitlines()
    assert listing[-1] == "UBND xã Ninh Phước, ngày 01/06/2020: 33 người."
    assert listing[0].startswith("Cán bộ số 1\tNam\t15/01/1965\tCán bộ, công chức\tCông chức\tChuyên viên\t2,34\t"
                                 "từ 01/12/2019\tnghỉ hưu ")
    xlsx = tmp_path / "bc.xlsx"
    out = _run("report", "--province", "49", "--on", "2020-06-01", "--xlsx", str(xlsx)).splitlines()
    assert out[0] == "Báo cáo biên chế: Tỉnh Quảng Nam — ngày 01/06/2020"
    assert "UBND xã Ninh Phước\t21 / 33 / +12\t12 / 0 / −12" in out
    assert ("Tổng cán bộ, công chức: biên chế 21, có mặt 33, dôi dư 12, còn thiếu 0, chưa xác định biên chế 0 cơ quan."
            in out)
    rows = [list(r) for r in load_workbook(io.BytesIO(xlsx.read_bytes())).active.iter_rows(values_only=True)]
    assert [1, "UBND xã Ninh Phước", "Xã Ninh Phước (loại II)", 21, 33, 12, 12, 0, -12] in [r[:9] for r in rows]
    out = _run("report", "--agency", str(agency.pk), "--on", "2023-08-01")
    assert "UBND xã Ninh Phước\t20 / 33 / +13" in out


def test_refusals_change_nothing(world, tmp_path, other_agency):
    path = tmp_path / "sai.csv"
    path.write_text(roster_csv(2) + "Trẻ Em,Nam,01/01/2015,cadre_civil,Công chức,,2.34,01/01/2020\n",
                    encoding="utf-8")
    agency = world["agency"]
    with pytest.raises(CommandError, match="Dòng 4: ngày bắt đầu công tác 01/01/2020 khi chưa đủ 18 tuổi"):
        _run("import", str(path), "--agency", str(agency.pk), "--as", "qt_ninhphuoc")
    make_official(other_agency, Role.AGENCY_ADMIN, username="qt_xa")
    good = tmp_path / "dung.csv"
    good.write_text(roster_csv(2), encoding="utf-8")
    with pytest.raises(CommandError, match="Chỉ quản trị hệ thống"):
        _run("import", str(good), "--agency", str(agency.pk), "--as", "qt_xa")
    with pytest.raises(CommandError, match="Không có tài khoản “khong_co”"):
        _run("import", str(good), "--agency", str(agency.pk), "--as", "khong_co")
    with pytest.raises(CommandError, match="Không có cơ quan id 999999"):
        _run("list", "--agency", "999999")
    with pytest.raises(CommandError, match="Ngày không hợp lệ"):
        _run("report", "--agency", str(agency.pk), "--on", "2020-02-31")
    assert StaffMember.objects.count() == 0
    add_people(agency, 1)
    assert StaffMember.objects.count() == 1
