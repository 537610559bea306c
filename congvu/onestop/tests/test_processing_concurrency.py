"""Two clerks at once (PostgreSQL): two apologies for one dossier give exactly one new date; two hand-overs of
the same step open exactly one next step. The dossier row lock serialises them; the loser gets the rule's
message, not a second row. Skipped on SQLite (its writers serialise on the whole database anyway)."""

import threading

import pytest
from django.db import connection, connections

from congvu.core.errors import DomainError
from congvu.onestop import processing
from congvu.onestop.models import Apology, DossierStep
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o2 import accepted_dossier, local

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with CONGVU_DATABASE_URL=postgres://…")


def _race(calls) -> list:
    """Run the calls at the same moment, each in its own thread and connection; their outcomes in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except DomainError as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_apologies_at_once_give_one_new_date(agency, onestop, officer):
    dossier = accepted_dossier(agency=agency, version=make_procedure(), by=onestop,
                               received_at=local(2026, 3, 9, 8, 0))
    at = local(2026, 3, 12, 9, 0)
    outcomes = _race([
        lambda: processing.dossier_apology(actor=onestop, dossier=dossier.pk, reason="Chờ xác minh",
                                           new_due_at="20/03/2026", at=at),
        lambda: processing.dossier_apology(actor=officer, dossier=dossier.pk, reason="Chờ ý kiến Sở",
                                           new_due_at="27/03/2026", at=at),
    ])
    assert Apology.objects.filter(dossier=dossier).count() == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["Apology", "ValidationFailed"]
    refused = next(o for o in outcomes if isinstance(o, DomainError))
    assert refused.code == "apology_once"


def test_two_hand_overs_of_one_step_open_one_next_step(agency, onestop, officer, leader):
    dossier = accepted_dossier(agency=agency, version=make_procedure(), by=onestop,
                               received_at=local(2026, 3, 9, 8, 0))
    at = local(2026, 3, 10, 9, 0)
    outcomes = _race([
        lambda: processing.dossier_hand_over(actor=officer, dossier=dossier.pk, at=at),
        lambda: processing.dossier_hand_over(actor=officer, dossier=dossier.pk, at=at),
    ])
    assert DossierStep.objects.filter(dossier=dossier).count() == 3
    assert DossierStep.objects.filter(dossier=dossier, finished_at__isnull=True).count() == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["DossierStep", "PermissionDenied"]
