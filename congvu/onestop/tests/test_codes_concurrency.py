"""Codes under concurrent receipt: many writers of one agency on one day get every number once, 1..N, and a
transaction that fails after taking its code gives the number back. Threads use their own connections
(helpers of congvu/documents/tests/test_concurrency.py; SQLite writers use a file copy in WAL mode)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from congvu.documents.tests.test_concurrency import _in_thread, _run_writers, _sqlite_file_database
from congvu.onestop.codes import dossier_code_allocate
from congvu.onestop.models import DossierSequence
from congvu.org.models import Agency

DAY = dt.date(2026, 2, 13)


def _allocate_many(agency_id: int, n_threads: int, per_thread: int, *, fail_every: int = 0) -> list[list[str]]:
    results: list[list[str]] = [[] for _ in range(n_threads)]
    lock, calls = threading.Lock(), [0]

    def work(i):
        agency = Agency.objects.get(pk=agency_id)
        for _ in range(per_thread):
            with lock:
                calls[0] += 1
                fail = fail_every and calls[0] % fail_every == 0
            try:
                with transaction.atomic():
                    code = dossier_code_allocate(agency=agency, on=DAY)
                    if fail:
                        raise RuntimeError("receipt failed")
            except RuntimeError:
                continue
            results[i].append(code)

    assert _run_writers(n_threads, work) == []
    return results


def _check(agency, results, expected: int):
    codes = [c for r in results for c in r]
    assert len(codes) == len(set(codes)) == expected
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, expected + 1))
    assert all(c.startswith(f"{agency.identifier}-260213-") for c in codes)
    assert all(r == sorted(r) for r in results)  # each writer saw its own numbers rise

    def last():
        assert DossierSequence.objects.get(agency=agency, day=DAY).last == expected

    _in_thread(last)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_8_writers_x_100_codes_are_unique_and_gap_free_on_postgresql(agency, other_agency):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with CONGVU_DATABASE_URL=postgres://…")
    results = _allocate_many(agency.pk, 8, 100, fail_every=7)  # the first receipt of the day races too
    _check(agency, results, 800 - 800 // 7)
    assert not DossierSequence.objects.filter(agency=other_agency).exists()


@pytest.mark.django_db(transaction=True)
def test_writers_on_a_sqlite_file_database(agency, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant")
    with _sqlite_file_database(tmp_path / "congvu.sqlite3"):
        results = _allocate_many(agency.pk, 4, 40, fail_every=5)
        _check(agency, results, 160 - 32)
