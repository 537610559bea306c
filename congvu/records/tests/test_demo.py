"""The records demo: two issued plans, files in every state, one transfer; loaded once."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import Role
from congvu.records import selectors
from congvu.records.demo import seed_records_demo
from congvu.records.models import ArchiveTransfer, CaseFile, FilePlan
from congvu.records.tests.conftest import records_state

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def history(agency, clerk):
    """Two incoming documents in every month of last year and of the last six weeks, one outgoing a month."""
    tz = timezone.get_current_timezone()
    days = [dt.date(2025, m, d) for m in range(1, 13) for d in (6, 18)]
    days += [TODAY - dt.timedelta(days=n) for n in (38, 33, 28, 23, 18, 14, 9, 4)]
    for i, day in enumerate(days):
        at = dt.datetime.combine(day, dt.time(8, 30), tzinfo=tz)
        incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number=str(100 + i), issued_date=day - dt.timedelta(days=1), received_at=at, pages=2))
    for m in range(1, 13):
        outgoing_register(actor=clerk, agency=agency, data=outgoing_data(issued_date=dt.date(2025, m, 20)))


def test_the_records_demo(agency, leader, clerk, officer, history, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    second = make_official(agency, Role.OFFICER, full_name="Alăng Thị Xuân").user
    result = seed_records_demo(agency=agency, leader=leader, clerk=clerk, officers=[officer, second], today=TODAY)
    assert (result.created, result.plans, result.case_files, result.transfers) == (True, 2, 15, 1)
    assert list(FilePlan.objects.order_by("year").values_list("year", "status")) == [(2025, "issued"),
                                                                                     (2026, "issued")]
    counts = {s: CaseFile.objects.filter(status=s).count() for s in ("open", "closed", "transferred")}
    assert counts == {"open": 3, "closed": 10, "transferred": 2}
    transfer = ArchiveTransfer.objects.get()
    assert (transfer.transferred_on, transfer.received_by_id) == (TODAY - dt.timedelta(days=90), clerk.official.pk)
    rows = selectors.due_for_transfer(user=clerk, agency_id=agency.pk, today=TODAY)
    # Closed ten days after the month's last document: due a year later, all overdue by now; the 2-year
    # file (10.KHTC) is not deposited; capital construction: settled → 3 months, unsettled → no date yet.
    assert [(r.case_file.code, r.due, r.overdue, r.due_soon) for r in rows] == [
        *[(code, dt.date(2026, month, 27), True, False) for code, month in (
            ("03.VP", 3), ("04.VP", 4), ("05.TCCB", 5), ("06.TCCB", 6), ("07.TCCB", 7), ("08.KHTC", 8),
            ("09.KHTC", 9))],
        ("11.XDCB", dt.date(2026, 12, 26), False, True),
        ("12.XDCB", None, False, False),
    ]
    # Loaded once: a second call changes nothing.
    before = records_state()
    assert seed_records_demo(agency=agency, leader=leader, clerk=clerk, officers=[officer]).created is False
    assert records_state() == before
