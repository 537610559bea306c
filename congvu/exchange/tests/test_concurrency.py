"""A double click on "Vào sổ" and on "Phát hành" from two connections at once: one registration, one delivery.

PostgreSQL only: SQLite's in-memory test database is a single shared connection, so there is no race to
test there (a deployment's SQLite file serialises writers with IMMEDIATE transactions anyway)."""

import threading

import pytest
from django.db import connection, connections

from congvu.documents.models import Document, Register
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data
from congvu.exchange import services
from congvu.exchange.models import InboxItem, OutboxItem

pytestmark = pytest.mark.django_db(transaction=True)


def _twice(call):
    """Run `call()` in two threads released together; return (results, errors)."""
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with CONGVU_DATABASE_URL=postgres://…")


def test_two_dispatches_and_two_registrations_at_once(reference_data, agency, other_agency, clerk, other_clerk):
    doc = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        recipient_agency_ids=[other_agency.pk], recipient_names=["Sở Tài chính"]))

    results, errors = _twice(lambda: services.document_dispatch(actor=clerk, document=doc).created)
    assert errors == [] and sorted(results) == [0, 2]
    assert (InboxItem.objects.count(), OutboxItem.objects.count()) == (1, 1)

    item = InboxItem.objects.get()
    results, errors = _twice(lambda: services.inbox_register(actor=other_clerk, item=item).pk)
    assert errors == [] and len(set(results)) == 1
    assert Document.objects.filter(agency=other_agency, direction="in").count() == 1
    assert Register.objects.get(agency=other_agency, direction="in").next_number == 2
