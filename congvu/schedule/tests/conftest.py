"""Schedule test helpers: local moments, an invitation registered as incoming, entries made through the service."""

import datetime as dt

import pytest
from django.utils import timezone

from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.schedule.services import ScheduleEntryData, schedule_entry_create


def at(y, m, d, hh=8, mm=0) -> dt.datetime:
    """A moment in Vietnamese local time."""
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.fixture
def invitation(agency, clerk):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(
        doc_type="giay_moi", number="45", notation="GM-SNV", issuer="Sở Nội vụ tỉnh Quảng Nam",
        subject="Mời dự Hội nghị triển khai công tác cải cách hành chính năm 2027"))


@pytest.fixture
def make_entry(agency, leader):
    def make(*, actor=None, start=None, title="Giao ban lãnh đạo UBND", publish=False, target=None, **kw):
        data = ScheduleEntryData(start=start or at(2026, 11, 23, 8, 0), title=title, **kw)
        return schedule_entry_create(actor=actor or leader, agency=target or agency, data=data, publish=publish)
    return make
