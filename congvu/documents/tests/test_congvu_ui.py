"""The shared display filters: the long Vietnamese date line of Decree 30/2020."""

import datetime as dt

from django.template import Context, Template

from congvu.documents.templatetags.congvu_ui import vn_long_date


def test_days_below_ten_and_months_one_and_two_take_a_leading_zero():
    assert vn_long_date(dt.date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert vn_long_date(dt.date(2026, 2, 9)) == "ngày 09 tháng 02 năm 2026"
    assert vn_long_date(dt.date(2026, 2, 28)) == "ngày 28 tháng 02 năm 2026"


def test_months_three_to_twelve_have_no_leading_zero():
    assert vn_long_date(dt.date(2026, 3, 1)) == "ngày 01 tháng 3 năm 2026"
    assert vn_long_date(dt.date(2026, 9, 7)) == "ngày 07 tháng 9 năm 2026"
    assert vn_long_date(dt.date(2026, 10, 10)) == "ngày 10 tháng 10 năm 2026"
    assert vn_long_date(dt.date(2026, 12, 31)) == "ngày 31 tháng 12 năm 2026"


def test_a_moment_is_dated_in_vietnam_time_and_nothing_prints_nothing():
    # 17:30 UTC on 6 September is 00:30 on 7 September in Hà Nội.
    assert vn_long_date(dt.datetime(2026, 9, 6, 17, 30, tzinfo=dt.UTC)) == "ngày 07 tháng 9 năm 2026"
    assert vn_long_date(dt.datetime(2026, 2, 3, 8, 0)) == "ngày 03 tháng 02 năm 2026"
    assert vn_long_date(None) == ""
    assert vn_long_date("") == ""


def test_capfirst_starts_a_line_with_ngay():
    html = Template("{% load congvu_ui %}{{ d|vn_long_date|capfirst }}").render(Context({"d": dt.date(2026, 11, 4)}))
    assert html == "Ngày 04 tháng 11 năm 2026"
