"""Rating at the same moment from several requests: one rating, one event, one journal row; the others get
the "already rated" answer. Threads use their own connections (SQLite: a file copy in WAL mode)."""

import threading
from contextlib import nullcontext

import pytest
from django.db import connection

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict
from congvu.documents.tests.test_concurrency import _in_thread, _run_writers, _sqlite_file_database
from congvu.onestop import public
from congvu.onestop.models import DossierEvent, Rating
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o3 import make_dossier

ANSWERS = {"time": "2", "contacts": "2", "bodies": "2", "attitude": "1", "ease": "2", "overall": "2"}


@pytest.mark.django_db(transaction=True)
def test_six_ratings_at_once_store_one(agency, tmp_path):
    dossier = make_dossier(agency=agency, version=make_procedure(), returned=True)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(i):
        try:
            public.rating_submit(client=f"client-{i}", code=dossier.code, proof="5678", answers=ANSWERS,
                                 comment=f"lần {i}")
            result = "ok"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    sqlite = connection.vendor == "sqlite"
    with _sqlite_file_database(tmp_path / "congvu.sqlite3") if sqlite else nullcontext():
        assert _run_writers(6, work) == []

        def check():
            assert Rating.objects.filter(dossier_id=dossier.pk).count() == 1
            assert DossierEvent.objects.filter(dossier_id=dossier.pk, kind="rated").count() == 1
            assert JournalEntry.objects.filter(action="onestop.dossier_rate").count() == 1

        _in_thread(check)
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
