"""`congvu roadmap create|show|projection` and `congvu budget cost|operating-cost`."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from congvu.staffing.models import OperatingCost, SurplusRoadmap
from congvu.staffing.tests.roadmap_world import commune_agency, member, quota

D = dt.date


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_roadmap_and_budget_commands(quang_nam, province_admin):
    agency = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    quota(agency, 1)
    member(agency, "Nguyễn Văn An", birth=D(1960, 5, 10))  # retires 10/05/2020
    member(agency, "Trần Thị Bình", coefficient="3.00", position_allowance="0.20")
    with pytest.raises(CommandError, match="Số năm"):
        run("roadmap", "create", "--agency", str(agency.pk), "--start", "01/01/2020", "--title", "X", "--years", "0",
            "--as", province_admin.username)
    with pytest.raises(CommandError, match="không hợp lệ"):
        run("roadmap", "create", "--agency", str(agency.pk), "--start", "2020/01/01", "--title", "X",
            "--as", province_admin.username)
    assert not SurplusRoadmap.objects.exists()
    out = run("roadmap", "create", "--agency", str(agency.pk), "--start", "01/01/2020", "--title", "Lộ trình",
              "--years", "2", "--as", province_admin.username)
    plan = SurplusRoadmap.objects.get()
    assert f"Đã lập lộ trình {plan.pk}: 1 người" in out
    out = run("roadmap", "show", str(plan.pk))
    assert "01/01/2020 – 31/12/2021 (2 năm), dừng tuyển mới" in out
    assert "10/05/2020\tNghỉ hưu đúng tuổi\tNguyễn Văn An" in out
    out = run("roadmap", "projection", str(plan.pk)).splitlines()
    assert out[1] == "2020\t2\t1\t0\t0\t0\t0\t1\t1\t0"
    assert out[-1] == "Về đúng biên chế: năm 2020"
    with pytest.raises(CommandError, match="âm"):
        run("budget", "operating-cost", "--agency", str(agency.pk), "--year", "2023", "--amount", "-1")
    assert not OperatingCost.objects.exists()
    out = run("budget", "operating-cost", "--agency", str(agency.pk), "--year", "2023", "--amount", "700000000",
              "--as", province_admin.username)
    assert "700.000.000 đồng" in out
    out = run("budget", "cost", "--agency", str(agency.pk), "--year", "2023")
    # (2.34 + 3.00) × (1,490,000 × 6 + 1,800,000 × 6) = 5.34 × 19,740,000 = 105,411,600;
    # 0.20 × 19,740,000 = 3,948,000; + 700,000,000 = 809,359,600.
    assert "Tiền lương: 105.411.600" in out and "Phụ cấp: 3.948.000" in out and "Tổng cộng: 809.359.600" in out
    assert "Tổng cộng: 809.359.600" in run("roadmap", "budget", "cost", "--agency", str(agency.pk), "--year", "2023")
    with pytest.raises(CommandError, match="Năm"):
        run("budget", "cost", "--agency", str(agency.pk), "--year", "0")
    with pytest.raises(CommandError, match="Không có cơ quan"):
        run("budget", "cost", "--agency", "999999", "--year", "2023")
