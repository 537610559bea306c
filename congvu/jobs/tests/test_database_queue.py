"""The database queue: claim, run, retry with backoff, record failures, periodic runs once per period."""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied
from congvu.jobs import enqueue, worker
from congvu.jobs.models import Job, JobStatus, PeriodicRun
from congvu.jobs.services import job_retry
from congvu.jobs.tests.helpers import run_threads, sqlite_file_database

pytestmark = pytest.mark.django_db


def test_a_queued_job_runs_once(test_jobs):
    enqueue("jobs_test.record", document_id=12, note="Gửi báo cáo")
    one = Job.objects.get()
    assert (one.name, one.kwargs, one.status, one.attempts) == (
        "jobs_test.record", {"document_id": 12, "note": "Gửi báo cáo"}, "queued", 0)

    stats = worker.run_once(worker="w1")
    assert (stats.done, stats.failed, stats.periodic) == (1, 0, [])
    assert test_jobs == [("jobs_test.record", {"document_id": 12, "note": "Gửi báo cáo"})]
    one.refresh_from_db()
    assert (one.status, one.attempts, one.locked_by, one.last_error) == ("done", 1, "", "")
    assert one.started_at <= one.finished_at

    stats = worker.run_once(worker="w2")
    assert (stats.done, stats.failed) == (0, 0)
    assert len(test_jobs) == 1


def test_a_failing_job_is_retried_with_backoff_then_succeeds(test_jobs):
    enqueue("jobs_test.flaky", fail_times=2, key="a")
    before = timezone.now()
    stats = worker.run_once(worker="w1")
    after = timezone.now()
    assert (stats.done, stats.failed) == (0, 1)
    one = Job.objects.get()
    assert (one.status, one.attempts, one.max_attempts, one.finished_at) == ("queued", 1, 3, None)
    assert "RuntimeError: lỗi lần 1" in one.last_error
    assert before + dt.timedelta(seconds=30) <= one.run_after <= after + dt.timedelta(seconds=30)

    # Not due yet: a second pass leaves it alone.
    assert worker.run_once(worker="w1").failed == 0
    assert len(test_jobs) == 1

    Job.objects.filter(pk=one.pk).update(run_after=timezone.now())
    before = timezone.now()
    worker.run_once(worker="w1")
    one.refresh_from_db()
    assert (one.status, one.attempts) == ("queued", 2)
    assert "RuntimeError: lỗi lần 2" in one.last_error
    assert one.run_after >= before + dt.timedelta(minutes=2)  # 30 s × 4

    Job.objects.filter(pk=one.pk).update(run_after=timezone.now())
    stats = worker.run_once(worker="w1")
    one.refresh_from_db()
    assert (stats.done, one.status, one.attempts) == (1, "done", 3)
    assert len(test_jobs) == 3


def test_a_job_that_keeps_failing_is_recorded_not_lost(test_jobs):
    enqueue("jobs_test.always_fails", dossier="H40.22-250101-0001")
    worker.run_once(worker="w1")
    Job.objects.update(run_after=timezone.now())
    worker.run_once(worker="w1")
    one = Job.objects.get()
    assert (one.status, one.attempts, one.max_attempts) == ("failed", 2, 2)
    assert one.last_error.strip().splitlines()[-1] == "ValueError: không kết nối được máy chủ"
    assert one.finished_at is not None
    # Failed for good: no worker picks it up again.
    Job.objects.update(run_after=timezone.now() - dt.timedelta(days=1))
    assert worker.run_once(worker="w1").failed == 0
    assert len(test_jobs) == 2


def test_a_failed_job_can_be_run_again_by_a_system_admin(test_jobs, clerk, django_user_model):
    enqueue("jobs_test.always_fails", n=1)
    for _ in range(2):
        Job.objects.update(run_after=timezone.now())
        worker.run_once(worker="w1")
    one = Job.objects.get()
    assert one.status == "failed"

    with pytest.raises(PermissionDenied, match="Chỉ quản trị hệ thống"):
        job_retry(actor=clerk, job_id=one.pk)
    one.refresh_from_db()
    assert (one.status, one.attempts) == ("failed", 2)
    assert JournalEntry.objects.filter(action="job.retry").count() == 0

    admin = django_user_model.objects.create_superuser("root", password="matkhau-123")
    job_retry(actor=admin, job_id=one.pk)
    one.refresh_from_db()
    assert (one.status, one.attempts, one.started_at, one.finished_at) == ("queued", 0, None, None)
    entry = JournalEntry.objects.get(action="job.retry")
    assert (entry.actor_id, entry.object_id) == (admin.pk, str(one.pk))

    with pytest.raises(Conflict, match="Chỉ chạy lại được tác vụ đã lỗi"):
        job_retry(actor=admin, job_id=one.pk)
    assert worker.run_once(worker="w1").failed == 1  # runs (and fails) again
    assert len(test_jobs) == 3


def test_a_job_whose_name_disappeared_fails_with_a_clear_error(test_jobs):
    Job.objects.create(name="gone.app.job", kwargs={}, run_after=timezone.now())
    stats = worker.run_once(worker="w1")
    one = Job.objects.get()
    assert (stats.failed, one.status) == (1, "failed")
    assert one.last_error == "No job is registered as 'gone.app.job' (is it decorated with @job in a tasks.py?)."


def test_a_job_left_running_by_a_dead_worker_is_taken_over_after_the_lease(test_jobs):
    enqueue("jobs_test.record", n=1)
    enqueue("jobs_test.record", n=2)
    claimed = worker.claim(worker="dead", limit=2)
    assert [j.kwargs for j in claimed] == [{"n": 1}, {"n": 2}]
    # Within the lease nobody else takes them.
    assert worker.claim(worker="w2") == []
    Job.objects.filter(kwargs__n=1).update(started_at=timezone.now() - dt.timedelta(minutes=31))
    stats = worker.run_once(worker="w2")
    assert stats.done == 1
    taken = Job.objects.get(kwargs__n=1)
    assert (taken.status, taken.attempts) == ("done", 2)
    stuck = Job.objects.get(kwargs__n=2)
    assert (stuck.status, stuck.locked_by, stuck.attempts) == ("running", "dead", 1)


def test_two_workers_never_claim_the_same_job(test_jobs):
    for n in range(5):
        enqueue("jobs_test.record", n=n)
    first = worker.claim(worker="w1", limit=3)
    second = worker.claim(worker="w2", limit=3)
    assert [j.kwargs["n"] for j in first] == [0, 1, 2]
    assert [j.kwargs["n"] for j in second] == [3, 4]
    assert set(Job.objects.values_list("locked_by", flat=True)) == {"w1", "w2"}
    assert worker.claim(worker="w3") == []


def _at(hour, minute, second=0):
    return timezone.make_aware(dt.datetime(2026, 2, 13, hour, minute, second))


def test_a_periodic_job_runs_once_per_period(periodic_job):
    test_jobs = periodic_job
    assert worker.run_due_periodic(_at(10, 7)) == ["jobs_test.every_15_min"]
    assert worker.run_due_periodic(_at(10, 7)) == []  # a second worker in the same period
    assert worker.run_due_periodic(_at(10, 14, 59)) == []
    assert PeriodicRun.objects.get(name="jobs_test.every_15_min").last_run_at == _at(10, 7)
    assert worker.run_due_periodic(_at(10, 15)) == ["jobs_test.every_15_min"]
    assert worker.run_due_periodic(_at(10, 29)) == []
    assert list(Job.objects.filter(name="jobs_test.every_15_min").values_list("status", flat=True)) == [
        "queued", "queued"]
    assert [worker.execute(j, worker="w1") for j in worker.claim(worker="w1")] == [True, True]
    assert test_jobs == [("jobs_test.every_15_min", {}), ("jobs_test.every_15_min", {})]


def test_periods_are_aligned_to_local_midnight():
    assert worker.period_start(dt.timedelta(minutes=15), _at(10, 7)) == _at(10, 0)
    assert worker.period_start(dt.timedelta(days=1), _at(0, 0)) == _at(0, 0)
    assert worker.period_start(dt.timedelta(days=1), _at(23, 59)) == _at(0, 0)
    assert worker.period_start(dt.timedelta(hours=6), _at(13, 30)) == _at(12, 0)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_run_each_job_once_and_each_period_once(periodic_job, tmp_path):
    test_jobs = periodic_job
    for n in range(40):
        enqueue("jobs_test.record", n=n)

    def work(i):
        for _ in range(5):  # both workers ask for the periodic job repeatedly in the same period
            worker.run_once(worker=f"w{i}")

    with sqlite_file_database(tmp_path / "db.sqlite3"):
        errors = run_threads(2, work)
        assert errors == []
        ran = sorted(kw["n"] for name, kw in test_jobs if name == "jobs_test.record")
        periodic = [name for name, _ in test_jobs if name == "jobs_test.every_15_min"]
        statuses = set()

        def check(i):
            statuses.update(Job.objects.values_list("status", flat=True))
            statuses.add(Job.objects.count())

        assert run_threads(1, check) == []
    assert ran == list(range(40))
    assert periodic == ["jobs_test.every_15_min"]
    assert statuses == {"done", 41}


@pytest.mark.django_db(transaction=True)
def test_the_in_process_worker_thread_runs_queued_jobs(test_jobs, tmp_path):
    with sqlite_file_database(tmp_path / "db.sqlite3"):
        thread = worker.start_in_process(poll_seconds=0.05)
        try:
            assert thread is not None and thread.daemon and thread.name == "congvu-jobs"
            assert worker.start_in_process() is thread  # one per process

            def add(i):
                enqueue("jobs_test.record", n=99)

            assert run_threads(1, add) == []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and ("jobs_test.record", {"n": 99}) not in test_jobs:
                time.sleep(0.05)
        finally:
            worker.stop_in_process()
    assert ("jobs_test.record", {"n": 99}) in test_jobs
    assert not thread.is_alive()


def test_no_in_process_worker_outside_the_database_queue(settings):
    settings.TASK_BROKER = "immediate"
    assert worker.start_in_process() is None


def test_run_due_command_runs_periodic_and_queued_jobs(periodic_job, capsys):
    enqueue("jobs_test.record", n=1)
    enqueue("jobs_test.always_fails", n=2)
    call_command("jobs", "run-due")
    out = capsys.readouterr().out
    assert out == "periodic: jobs_test.every_15_min\ndone: 2, failed: 1\n"
    call_command("jobs", "run-due")
    assert capsys.readouterr().out == "done: 0, failed: 0\n"


def test_list_command_shows_failures_with_their_error(test_jobs, capsys):
    enqueue("jobs_test.always_fails", n=2)
    worker.run_once(worker="w1")
    Job.objects.update(run_after=timezone.now())
    worker.run_once(worker="w1")
    failed = Job.objects.get(name="jobs_test.always_fails")
    call_command("jobs", "list", "--failed")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Backend: database"
    assert lines[1].split() == ["jobs_test.always_fails", "on", "demand", "last", "run:", "-"]
    assert "Queue: queued 0, running 0, done 0, failed 1, retried 0" in lines
    row = next(i for i, line in enumerate(lines) if line.startswith(f"#{failed.pk} "))
    assert lines[row].startswith(f"#{failed.pk} jobs_test.always_fails failed attempts 2/2 ")
    assert lines[row + 1] == "    ValueError: không kết nối được máy chủ"


def test_retry_command(test_jobs, capsys):
    from django.core.management.base import CommandError

    enqueue("jobs_test.record", n=1)
    one = Job.objects.get()
    with pytest.raises(CommandError, match="Chỉ chạy lại được tác vụ đã lỗi"):
        call_command("jobs", "retry", str(one.pk))
    Job.objects.filter(pk=one.pk).update(status=JobStatus.FAILED, attempts=5)
    call_command("jobs", "retry", str(one.pk))
    assert capsys.readouterr().out == f"Job #{one.pk} queued again\n"
    one.refresh_from_db()
    assert (one.status, one.attempts) == ("queued", 0)


def test_prune_deletes_old_finished_rows_and_keeps_failures_longer(settings):
    from congvu.jobs.tasks import prune

    settings.JOBS_KEEP_DAYS = 30
    now = timezone.now()

    def row(status, days_ago):
        return Job.objects.create(name="x", status=status, run_after=now,
                                  finished_at=now - dt.timedelta(days=days_ago) if days_ago is not None else None)

    row("done", 31)
    new_done = row("done", 29)
    row("retried", 40)
    failed_60 = row("failed", 60)
    row("failed", 91)
    queued = row("queued", None)
    assert prune() == 3
    assert set(Job.objects.values_list("pk", flat=True)) == {new_done.pk, failed_60.pk, queued.pk}
    assert prune() == 0
