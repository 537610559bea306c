"""`congvu workdays ...` through call_command, on the seeded calendar."""

import io

import pytest
from django.core.management import CommandError, call_command

from congvu.workdays.models import CalendarDay
from congvu.workdays.services import calendar_day_create

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("args, expected", [
    (("add", "2026-02-13T16:00", "5"), "2026-02-27T16:00"),
    (("add", "13/02/2026 16:00", "5"), "2026-02-27T16:00"),
    (("add", "2026-02-27T16:00", "-5"), "2026-02-13T16:00"),
    (("add", "2026-02-13", "5"), "2026-02-27"),
    (("add", "2026-02-14", "1"), "2026-02-24"),             # from a day off: the first working day counts as day 0
    (("add", "2026-08-21T09:30", "1"), "2026-08-22T09:30"),  # the Saturday worked in 2026
    (("add", "2026-02-13T17:30", "0"), "2026-02-23T07:00"),
    (("add", "2026-02-13T16:00", "--hours", "2"), "2026-02-23T08:00"),
    (("add", "2026-03-09T11:00", "--hours", "1,5"), "2026-03-09T14:30"),
    (("add", "2026-03-09T07:00", "--hours", "4.5"), "2026-03-09T11:30"),
    (("between", "2026-02-13", "2026-02-27"), "5"),
    (("between", "2026-02-27T08:00", "2026-02-13T16:00"), "-5"),
    (("between", "2025-12-31", "2026-12-31"), "249"),
    (("next", "2026-02-14T09:00"), "2026-02-23T07:00"),
    (("next", "2026-03-09T09:05"), "2026-03-09T09:05"),
])
def test_arithmetic(args, expected):
    assert run(*args) == expected


def test_province_calendar(superuser):
    calendar_day_create(actor=superuser, date="23/02/2026", kind="extra_off", name="Nghỉ thêm", province_code="49")
    assert run("add", "2026-02-13T16:00", "5", "--province", "49") == "2026-03-02T16:00"
    assert run("add", "2026-02-13T16:00", "5") == "2026-02-27T16:00"
    assert run("between", "2026-02-13", "2026-02-27", "--province", "49") == "4"


@pytest.mark.parametrize("args, message", [
    (("add", "2026-13-01", "5"),
     "Thời điểm “2026-13-01” không hợp lệ; ví dụ 2026-02-13T16:00, 2026-02-13 hoặc 13/02/2026 16:00."),
    (("add", "2026-02-13", "năm"), "Số ngày làm việc phải là số nguyên, không phải “năm”."),
    (("add", "2026-02-13"), "Cho biết số ngày làm việc (add THỜI_ĐIỂM N) hoặc số giờ (--hours H), một trong hai."),
    (("add", "2026-02-13", "5", "--hours", "2"),
     "Cho biết số ngày làm việc (add THỜI_ĐIỂM N) hoặc số giờ (--hours H), một trong hai."),
    (("add", "2026-02-13", "--hours", "hai"), "Số giờ phải là một số (ví dụ 4.5), không phải “hai”."),
    (("add", "2026-02-13", "--hours", "nan"), "Số giờ phải là một số (ví dụ 4.5), không phải “nan”."),
    (("add", "2026-02-13", "99999"), "Số ngày làm việc phải trong khoảng −10000 đến 10000."),
    (("add", "2026-02-13", "5", "--province", "Quảng Nam"),
     "Mã tỉnh “Quảng Nam” không hợp lệ (chỉ gồm chữ số hoặc chữ cái không dấu, ví dụ 49)."),
    (("between", "2026-02-13", "hôm qua"),
     "Thời điểm “hôm qua” không hợp lệ; ví dụ 2026-02-13T16:00, 2026-02-13 hoặc 13/02/2026 16:00."),
    (("seed", "--from", "2030", "--to", "2020"), "Năm phải trong khoảng 2000–2100 và “đến năm” không trước “từ năm”."),
    (("seed", "--from", "hai nghìn"), "Năm bắt đầu (--from) phải là số nguyên, không phải “hai nghìn”."),
])
def test_bad_input_is_a_vietnamese_error(args, message):
    count = CalendarDay.objects.count()
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert str(exc.value) == message
    assert CalendarDay.objects.count() == count


def test_seed_command_is_idempotent():
    CalendarDay.objects.filter(date__year=2030).delete()
    assert run("seed", "--from", "2030", "--to", "2030") == (
        "Lịch 2030–2030: thêm 15, cập nhật 0, xóa 0, giữ nguyên 0, không đụng tới 0 ngày do quản trị sửa.")
    assert run("seed", "--from", "2020", "--to", "2030") == (
        "Lịch 2020–2030: thêm 0, cập nhật 0, xóa 0, giữ nguyên 162, không đụng tới 0 ngày do quản trị sửa.")


def test_console_script_runs_the_command(tmp_path):
    """`.venv/bin/congvu workdays add ...` is the same command, exit status 1 on bad input."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the console script is exercised on the SQLite database")
    db = tmp_path / "cli.sqlite3"
    env = os.environ | {"CONGVU_DATABASE_URL": f"sqlite:///{db}"}
    cli = [sys.executable, "-m", "congvu"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, capture_output=True)
    ok = subprocess.run([*cli, "workdays", "add", "2026-02-13T16:00", "5"], env=env, capture_output=True, text=True)
    assert (ok.returncode, ok.stdout.strip()) == (0, "2026-02-27T16:00")
    bad = subprocess.run([*cli, "workdays", "add", "2026-02-30", "5"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "Thời điểm “2026-02-30” không hợp lệ" in bad.stderr
