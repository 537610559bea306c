"""Dates as officials type them (dd/mm/yyyy) and the Vietnamese messages for wrong ones."""

import datetime as dt

import pytest

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import ValidationFailed


@pytest.mark.parametrize("text, expected", [
    ("05/03/2026", dt.date(2026, 3, 5)),
    ("5/3/2026", dt.date(2026, 3, 5)),
    ("2026-03-05", dt.date(2026, 3, 5)),
    ("05-03-2026", dt.date(2026, 3, 5)),
    ("05.03.2026", dt.date(2026, 3, 5)),
    ("  29/02/2024 ", dt.date(2024, 2, 29)),
    ("31/12/2025", dt.date(2025, 12, 31)),
])
def test_parse_accepts_what_clerks_type(text, expected):
    assert parse_vn_date(text) == expected


def test_dates_and_datetimes_pass_through():
    assert parse_vn_date(dt.date(2026, 1, 15)) == dt.date(2026, 1, 15)
    assert parse_vn_date(dt.datetime(2026, 1, 15, 8, 30)) == dt.date(2026, 1, 15)


def test_day_first_never_month_first():
    assert parse_vn_date("03/05/2026") == dt.date(2026, 5, 3)


@pytest.mark.parametrize("text", ["31/02/2026", "29/02/2025", "32/01/2026", "00/01/2026", "15/13/2026",
                                  "hôm qua", "15/01", "2026/01/15", "15/01/26", "１５/01/2026x"])
def test_wrong_dates_get_a_vietnamese_message_naming_the_field(text):
    with pytest.raises(ValidationFailed) as err:
        parse_vn_date(text, field="issued_date")
    shown = text.strip()
    assert err.value.message == f"Ngày không hợp lệ: “{shown}”."
    assert err.value.fields == {
        "issued_date": f"Ngày “{shown}” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."}
    assert err.value.code == "validation_failed" and err.value.status == 400


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_is_none_unless_required(empty):
    assert parse_vn_date(empty) is None
    with pytest.raises(ValidationFailed) as err:
        parse_vn_date(empty, field="due_date", required=True)
    assert err.value.fields == {"due_date": "Vui lòng nhập ngày (dd/mm/yyyy)."}


def test_format_pads_day_and_month():
    assert format_vn_date(dt.date(2026, 3, 5)) == "05/03/2026"
    assert format_vn_date(None) == ""


def test_format_then_parse_round_trips():
    day = dt.date(2025, 1, 1)
    for _ in range(400):
        assert parse_vn_date(format_vn_date(day)) == day
        day += dt.timedelta(days=1)
