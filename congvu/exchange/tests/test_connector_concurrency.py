"""Two connector workers at once, and the same package arriving twice at once: sent once, stored once.

PostgreSQL only (row locks with SKIP LOCKED; SQLite's in-memory test database is one shared connection)."""

import pytest
from django.db import connection

from congvu.exchange import connector
from congvu.exchange.models import InboxItem, OutboxItem, ReceivedPackage, Transmission, TransmissionState
from congvu.exchange.tests.test_concurrency import _twice
from congvu.exchange.tests.test_connector_http import setup  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with CONGVU_DATABASE_URL=postgres://…")


def test_two_workers_send_once(setup):  # noqa: F811
    results, errors = _twice(lambda: connector.send_pending()["sent"])
    assert errors == [] and sorted(results) == [0, 1]
    t = Transmission.objects.get()
    assert (t.state, t.attempts) == (TransmissionState.SENT, 1)
    assert InboxItem.objects.filter(agency=setup["commune"]).count() == 1
    assert OutboxItem.objects.get().status == "sent"


def test_the_same_package_twice_at_once_is_stored_once(setup):  # noqa: F811
    connector.plan_transmissions()
    data = connector.package_bytes(Transmission.objects.get())
    results, errors = _twice(lambda: (len(connector.receive(data, via="test").items),
                                      connector.receive(data, via="test").duplicate))
    assert errors == [] and sorted(results) == [(0, True), (1, True)]
    assert (InboxItem.objects.filter(agency=setup["commune"]).count(),
            ReceivedPackage.objects.filter(kind="document").count()) == (1, 1)
