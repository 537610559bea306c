"""Numbering under concurrency: many writers into one register give exactly 1..N, and failures leave no gap.

The threads each open their own database connection (Django connections are per thread) and close it
at the end. On PostgreSQL the register row lock serialises the numbering; on SQLite the IMMEDIATE
transactions do. SQLite's in-memory test database is one shared-cache database whose table locks fail
at once ("database table is locked") instead of waiting on the busy timeout, unlike the WAL file a
deployment runs on; so the SQLite variants copy the test database to a file and point the writer
threads at it (`_sqlite_file_database`), which is the configuration congvu runs with.
"""

import sqlite3
import tempfile
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections

from congvu.audit.models import JournalEntry
from congvu.audit.services import journal_verify
from congvu.documents import search
from congvu.documents.models import Attachment, Document, Register, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, pdf_upload

db_transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _document_types(request):
    """Transactional tests end with a flush that also empties the document types the data migration
    loaded; an earlier transactional test may have done so. Load them again (idempotent)."""
    if "django_db" not in {m.name for m in request.node.iter_markers()}:
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    importlib.import_module("congvu.documents.migrations.0002_document_types").load(apps, None)


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with CONGVU_DATABASE_URL=postgres://…")


def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant")


@contextmanager
def _sqlite_file_database(path):
    """While inside, new connections (the writer threads') open a file copy of the test database,
    in WAL mode with the busy timeout and IMMEDIATE transactions of settings.py. The main thread
    keeps its open in-memory connection; read results through `_in_thread`."""
    if not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    settings_dict = connections.settings["default"]  # the dict new connections are built from
    original = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        settings_dict["NAME"] = original


def _in_thread(check):
    """Run `check` on a connection of its own (on SQLite: to the file database)."""
    errors = _run_writers(1, lambda i: check())
    if errors:
        raise errors[0]


def _run_writers(n_threads: int, work) -> list[BaseException]:
    """Run work(i) in n_threads threads started together; return the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(n_threads)

    def run(i):
        try:
            start.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _register_many(agency, clerk_pk: int, n_threads: int, per_thread: int, *, with_files=False) -> list:
    results: list[list[int]] = [[] for _ in range(n_threads)]

    def work(i):
        actor = get_user_model().objects.get(pk=clerk_pk)  # own instance: user_access caches on it
        for j in range(per_thread):
            uploads = [pdf_upload(text=f"Tep {i} {j}")] if with_files else []
            try:
                doc = incoming_register(actor=actor, agency=agency, uploads=uploads,
                                        data=incoming_data(number=f"{i}{j:05d}", subject=f"Văn bản {i}-{j}"))
            except RuntimeError as exc:
                if str(exc) != "index down":
                    raise
                continue
            results[i].append(doc.register_number)

    errors = _run_writers(n_threads, work)
    assert errors == []
    return results


def _assert_contiguous(agency, expected: int):
    numbers = sorted(Document.objects.filter(agency=agency).values_list("register_number", flat=True))
    assert numbers == list(range(1, expected + 1))
    register = Register.objects.get(agency=agency, direction="in", scope="general")
    assert register.next_number == expected + 1
    assert JournalEntry.objects.filter(action="document.register_incoming").count() == expected
    assert journal_verify().ok


@pytest.mark.postgres
@db_transactional
def test_8_writers_x_500_give_exactly_1_to_4000(agency, clerk):
    _postgres_only()
    results = _register_many(agency, clerk.pk, n_threads=8, per_thread=500)
    # each writer saw its own numbers rise, and together they hold every number once
    assert all(r == sorted(r) and len(r) == 500 for r in results)
    assert sorted(n for r in results for n in r) == list(range(1, 4001))
    _assert_contiguous(agency, 4000)


class _FlakyIndex:
    """search.index_document that fails every `every`-th call: a failure in the middle of a
    registration, after the number was taken and the files were stored."""

    def __init__(self, every: int):
        self.every = every
        self.calls = 0
        self.failed = 0
        self.lock = threading.Lock()
        self.real = search.index_document

    def __call__(self, doc, **kwargs):
        with self.lock:
            self.calls += 1
            fail = self.calls % self.every == 0
            self.failed += fail
        if fail:
            raise RuntimeError("index down")
        return self.real(doc, **kwargs)


def _failures_leave_no_gap(agency, clerk, monkeypatch, tmp_path, n_threads, per_thread):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    flaky = _FlakyIndex(every=4)
    monkeypatch.setattr(search, "index_document", flaky)
    results = _register_many(agency, clerk.pk, n_threads=n_threads, per_thread=per_thread, with_files=True)
    total = n_threads * per_thread
    committed = total - flaky.failed
    assert flaky.calls == total and flaky.failed == total // 4
    assert sum(len(r) for r in results) == committed
    _in_thread(lambda: _assert_contiguous(agency, committed))
    # every committed document kept its file; every failed one left none, in storage or in temp
    stored = []
    _in_thread(lambda: stored.extend(StoredFile.objects.values_list("path", flat=True)))
    assert len(stored) == committed
    on_disk = sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in Path(settings.MEDIA_ROOT).rglob("*")
                     if p.is_file())
    assert on_disk == sorted(stored)
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.postgres
@db_transactional
def test_failures_in_the_middle_leave_no_gap_on_postgresql(agency, clerk, monkeypatch, tmp_path):
    _postgres_only()
    _failures_leave_no_gap(agency, clerk, monkeypatch, tmp_path, n_threads=8, per_thread=50)


@pytest.mark.postgres
@db_transactional
def test_double_click_racing_with_one_token_registers_once(agency, clerk, monkeypatch, tmp_path):
    """Two requests with the same form token pass the early token check together; the unique
    constraint decides, and the loser returns the winner's document without consuming a number."""
    _postgres_only()
    from congvu.documents import services

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    both_checked = threading.Barrier(2)
    real = services._existing_for_token
    first_call = threading.local()

    def check_then_wait(token):
        found = real(token)
        if not getattr(first_call, "done", False):
            first_call.done = True
            both_checked.wait()  # neither has inserted yet: both go on to register
        return found

    monkeypatch.setattr(services, "_existing_for_token", check_then_wait)
    docs = {}

    def work(i):
        actor = get_user_model().objects.get(pk=clerk.pk)
        docs[i] = incoming_register(actor=actor, agency=agency, data=incoming_data(), request_token="form-7",
                                    uploads=[pdf_upload()]).pk

    assert _run_writers(2, work) == []
    assert docs[0] == docs[1]
    assert Document.objects.count() == 1
    _assert_contiguous(agency, 1)
    assert StoredFile.objects.count() == 1
    assert list((tmp_path / "tmp").iterdir()) == []


@db_transactional
def test_writers_on_a_sqlite_file_database(agency, clerk, tmp_path):
    _sqlite_only()
    path = tmp_path / "congvu.sqlite3"
    with _sqlite_file_database(path):
        results = _register_many(agency, clerk.pk, n_threads=4, per_thread=50)
        assert sorted(n for r in results for n in r) == list(range(1, 201))
        _in_thread(lambda: _assert_contiguous(agency, 200))
    if connection.is_in_memory_db():  # the writers really used the file, as a deployment does
        assert Document.objects.count() == 0
        with sqlite3.connect(path) as raw:
            assert raw.execute("SELECT count(*) FROM documents_document").fetchone() == (200,)
            assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@db_transactional
def test_failures_leave_no_gap_on_a_sqlite_file_database(agency, clerk, monkeypatch, tmp_path):
    _sqlite_only()
    with _sqlite_file_database(tmp_path / "congvu.sqlite3"):
        _failures_leave_no_gap(agency, clerk, monkeypatch, tmp_path, n_threads=4, per_thread=20)


def test_counter_helper_is_exact():
    """_FlakyIndex fails exactly every n-th call (the other tests rely on its count)."""
    flaky = _FlakyIndex(every=3)
    flaky.real = lambda doc: None
    outcomes = Counter()
    for _ in range(9):
        try:
            flaky(None)
            outcomes["ok"] += 1
        except RuntimeError:
            outcomes["failed"] += 1
    assert (outcomes["ok"], outcomes["failed"], flaky.failed) == (6, 3, 3)


@pytest.mark.postgres
@db_transactional
def test_two_agencies_attaching_the_same_new_file_at_once_both_register(agency, clerk, other_agency, other_clerk,
                                                                       monkeypatch):
    """Two clerks of different agencies (different registers and journal chains, so no lock orders
    them) attach the same PDF at the same moment: both have looked for the StoredFile and found none."""
    _postgres_only()
    from congvu.documents import files as file_store

    both_looked = threading.Barrier(2, timeout=30)
    real_relpath = file_store.storage_relpath

    waited = threading.local()

    def relpath_after_both_looked(sha256):
        # first called by the service right after it found no StoredFile, before it inserts one
        if not getattr(waited, "done", False):
            waited.done = True
            both_looked.wait()
        return real_relpath(sha256)

    monkeypatch.setattr(file_store, "storage_relpath", relpath_after_both_looked)
    writers = [(other_agency, other_clerk), (agency, clerk)]

    def work(i):
        where, who = writers[i]
        actor = get_user_model().objects.get(pk=who.pk)
        incoming_register(actor=actor, agency=where, data=incoming_data(number="1"),
                          uploads=[pdf_upload(text="Cung mot tep")])

    assert _run_writers(2, work) == []
    assert Document.objects.count() == 2 and StoredFile.objects.count() == 1
    stored = StoredFile.objects.get()
    assert file_store.storage_path(stored.sha256).read_bytes()[:5] == b"%PDF-"
    assert Attachment.objects.filter(file=stored).count() == 2
