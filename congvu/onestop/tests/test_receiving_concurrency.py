"""Dossiers received at once at several counters of one agency: every code once, 1..N with no gap, also
when some receipts fail after taking their code (the rollback gives the number back)."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from congvu.documents.tests.test_concurrency import _in_thread, _run_writers, _sqlite_file_database
from congvu.onestop import receiving
from congvu.onestop.models import Dossier, DossierEvent, DossierSequence
from congvu.onestop.tests.conftest import make_procedure
from congvu.org.models import Agency
from congvu.workdays.calendar import VN_TZ

APPLICANT = {"name": "Trần Văn Bình", "id_number": "049090001234"}
WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=VN_TZ)


def _receive_many(agency_id, user_pk, version_pk, n_threads, per_thread, monkeypatch, fail_every=0):
    results: list[list[str]] = [[] for _ in range(n_threads)]
    lock, calls = threading.Lock(), [0]
    real = receiving.event_add

    def flaky_event_add(**kw):  # runs after the dossier and its steps are written, before the code
        with lock:
            calls[0] += 1
            fail = fail_every and calls[0] % fail_every == 0
        if fail:
            raise RuntimeError("receipt failed")
        return real(**kw)

    monkeypatch.setattr(receiving, "event_add", flaky_event_add)

    def work(i):
        actor = get_user_model().objects.get(pk=user_pk)
        agency = Agency.objects.get(pk=agency_id)
        for _ in range(per_thread):
            try:
                d = receiving.dossier_receive(actor=actor, agency=agency, version=version_pk, applicant=APPLICANT,
                                              components=[{"name": "Tờ khai đăng ký khai sinh", "provided": True},
                                                          {"name": "Giấy chứng sinh", "provided": True}],
                                              received_at=WHEN)
            except RuntimeError:
                continue
            results[i].append(d.code)

    assert _run_writers(n_threads, work) == []
    return results


def _check(agency, results, expected):
    codes = [c for r in results for c in r]
    assert len(set(codes)) == len(codes) == expected
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, expected + 1))

    def stored():
        assert Dossier.objects.filter(agency=agency).count() == expected
        assert DossierEvent.objects.filter(kind="accepted").count() == expected
        assert DossierSequence.objects.get(agency=agency).last == expected
        assert sorted(Dossier.objects.values_list("code", flat=True)) == sorted(codes)

    _in_thread(stored)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_on_postgresql(agency, onestop, reference_data, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with CONGVU_DATABASE_URL=postgres://…")
    version = make_procedure()
    results = _receive_many(agency.pk, onestop.pk, version.pk, 8, 25, monkeypatch, fail_every=6)
    _check(agency, results, 200 - 200 // 6)


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_on_a_sqlite_file_database(agency, onestop, reference_data, monkeypatch, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant")
    version = make_procedure()
    with _sqlite_file_database(tmp_path / "congvu.sqlite3"):
        results = _receive_many(agency.pk, onestop.pk, version.pk, 4, 15, monkeypatch, fail_every=5)
        _check(agency, results, 60 - 12)
