"""Throw-away jobs for the tests: they record their calls in a list shared by all threads."""

import sqlite3
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, connections

from congvu.jobs import registry

calls: list[tuple[str, dict]] = []
_lock = threading.Lock()
failures_left: dict[str, int] = {}


def record(name: str, kwargs: dict) -> None:
    with _lock:
        calls.append((name, kwargs))


def register_test_jobs():
    @registry.job("jobs_test.record")
    def record_job(**kwargs):
        record("jobs_test.record", kwargs)

    @registry.job("jobs_test.flaky", max_attempts=3)
    def flaky_job(*, fail_times: int, **kwargs):
        # Fails `fail_times` times per run key, then succeeds.
        key = kwargs.get("key", "default")
        with _lock:
            done = failures_left.setdefault(key, 0)
            failures_left[key] = done + 1
        record("jobs_test.flaky", {"fail_times": fail_times, **kwargs})
        if done < fail_times:
            raise RuntimeError(f"lỗi lần {done + 1}")

    @registry.job("jobs_test.always_fails", max_attempts=2)
    def always_fails(**kwargs):
        record("jobs_test.always_fails", kwargs)
        raise ValueError("không kết nối được máy chủ")


def register_periodic_test_job():
    @registry.job("jobs_test.every_15_min", every=timedelta(minutes=15))
    def every_15(**kwargs):
        record("jobs_test.every_15_min", kwargs)


TEST_JOBS = ["jobs_test.record", "jobs_test.flaky", "jobs_test.always_fails", "jobs_test.every_15_min"]


def unregister_test_jobs():
    for name in TEST_JOBS:
        registry.unregister(name)
    calls.clear()
    failures_left.clear()


@contextmanager
def sqlite_file_database(path):
    """SQLite's in-memory test database fails at once on table locks instead of waiting; while inside,
    new connections (other threads') open a file copy of it in WAL mode, as a deployment runs."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    # WAL is persistent: set it once here, so the threads' own "PRAGMA journal_mode=WAL" is a no-op
    # rather than a mode switch that fails while another thread holds a transaction.
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    settings_dict = connections.settings["default"]
    original = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        settings_dict["NAME"] = original


def run_threads(n: int, work) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(i):
        try:
            start.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
