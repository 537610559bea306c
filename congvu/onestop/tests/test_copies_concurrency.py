"""Certification numbers under concurrent certifications: every number once, 1..N, per agency and year, and a
certification that fails while signing (an unreadable key, inside the transaction) gives its number back.
Threads use their own connections (helpers of congvu/documents/tests/test_concurrency.py)."""

import threading

import pytest
from django.db import connection

from congvu.core.errors import ValidationFailed
from congvu.documents.tests.test_concurrency import _in_thread, _run_writers, _sqlite_file_database
from congvu.onestop import copies
from congvu.onestop.models import CertificationSequence, CertifiedCopy
from congvu.onestop.tests.factories_o4 import *  # noqa: F403  (fixtures: chair, copy_pki)
from congvu.onestop.tests.factories_o4 import pdf_bytes, upload
from congvu.org.models import Agency
from congvu.signing.signing import Pkcs12Key


def _certify_many(agency_id: int, user, n_threads: int, per_thread: int, *, fail_every: int) -> list[list[int]]:
    results: list[list[int]] = [[] for _ in range(n_threads)]
    lock, calls = threading.Lock(), [0]

    def work(i):
        agency = Agency.objects.get(pk=agency_id)
        for j in range(per_thread):
            with lock:
                calls[0] += 1
                fail = calls[0] % fail_every == 0
            kwargs = {"signer": Pkcs12Key("/nonexistent/agency.p12", "x")} if fail else {}
            try:
                copy = copies.certified_copy_create(
                    actor=user, agency=agency, uploads=[upload(pdf_bytes(1, f"Ban {i}-{j}"))],
                    document_title=f"Giấy tờ {i}-{j}", requester_name="Người yêu cầu", **kwargs)
            except ValidationFailed:
                assert fail
                continue
            results[i].append(copy.register_number)

    assert _run_writers(n_threads, work) == []
    return results


def _check(agency, results, expected: int):
    numbers = [n for r in results for n in r]
    assert sorted(numbers) == list(range(1, expected + 1))
    assert all(r == sorted(r) for r in results)

    def stored():
        assert CertificationSequence.objects.get(agency=agency).last == expected
        assert sorted(CertifiedCopy.objects.filter(agency=agency).values_list("register_number", flat=True)) == (
            list(range(1, expected + 1)))

    _in_thread(stored)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_certifications_are_numbered_without_gaps_on_postgresql(copy_pki, agency, chair):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with CONGVU_DATABASE_URL=postgres://…")
    results = _certify_many(agency.pk, chair, 4, 6, fail_every=5)  # the year's first number races too
    _check(agency, results, 24 - 24 // 5)


@pytest.mark.django_db(transaction=True)
def test_concurrent_certifications_on_a_sqlite_file_database(copy_pki, agency, chair, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant")
    with _sqlite_file_database(tmp_path / "congvu.sqlite3"):
        results = _certify_many(agency.pk, chair, 3, 3, fail_every=4)
        _check(agency, results, 9 - 9 // 4)
