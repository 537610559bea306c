"""The Celery path against the real brokers of this machine: Redis (db 15) and RabbitMQ.

Each test starts an embedded Celery worker (a thread of this process, solo pool) on a queue of its own,
so runs never see each other's messages. A broker that cannot be reached skips the test with the reason.
The solo worker takes messages in order, so a "sentinel" job sent last tells that everything sent
before it has been handled.
"""

import datetime
import time
import uuid

import pytest
from django.core import mail
from django.db import transaction
from kombu import Connection

from congvu.jobs import celery as congvu_celery
from congvu.jobs import enqueue
from congvu.jobs.models import Job
from congvu.notifications.models import Notification
from congvu.notifications.services import notify
from congvu.org.models import Official

BROKERS = [
    pytest.param("redis://127.0.0.1:6379/15", id="redis"),
    pytest.param("amqp://guest:guest@127.0.0.1:5672//", id="rabbitmq"),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _reachable(url: str) -> str | None:
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001 - the reason is shown in the skip
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="module", params=BROKERS)
def celery_app(request):
    """One embedded worker per broker for the whole module (starting one takes seconds)."""
    from celery.contrib.testing.worker import start_worker

    from congvu.jobs import registry
    from congvu.jobs.tests import helpers

    url = request.param
    problem = _reachable(url)
    if problem:
        pytest.skip(f"Celery broker {url} is not reachable ({problem}); start Redis / RabbitMQ to run this test")
    queue = f"congvu-test-{uuid.uuid4().hex[:10]}"
    with pytest.MonkeyPatch.context() as mp:  # the app knows the throw-away jobs' names
        mp.setattr(registry, "_REGISTRY", {"notifications.send_email": registry.get("notifications.send_email")})
        helpers.register_test_jobs()
        helpers.register_periodic_test_job()
        app = congvu_celery.build_app(url, queue=queue)
        helpers.unregister_test_jobs()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20):
            yield url, app
    finally:
        with app.connection() as conn:
            conn.default_channel.queue_delete(queue)


@pytest.fixture
def celery_worker(celery_app, settings, monkeypatch, test_jobs):
    url, app = celery_app
    settings.TASK_BROKER = url
    settings.JOBS_BACKOFF_SECONDS = 0.05
    monkeypatch.setitem(congvu_celery._apps, (url, congvu_celery.DEFAULT_QUEUE), app)
    return app


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _sentinel(calls, tag: str):
    """Send a job and wait until the worker ran it: everything sent earlier has been handled."""
    enqueue("jobs_test.record", sentinel=tag)
    assert _wait_for(lambda: ("jobs_test.record", {"sentinel": tag}) in calls)


def test_enqueue_on_commit_runs_the_job_on_a_celery_worker(celery_worker, test_jobs):
    with transaction.atomic():
        enqueue("jobs_test.record", document_id=7, note="Báo cáo tháng")
        time.sleep(0.3)
        assert test_jobs == []  # not sent before the commit
    assert _wait_for(lambda: test_jobs == [("jobs_test.record", {"document_id": 7, "note": "Báo cáo tháng"})])
    assert Job.objects.count() == 0  # Celery carries the message; the Job table only records failures


def test_nothing_is_sent_when_the_transaction_rolls_back(celery_worker, test_jobs):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("jobs_test.record", document_id=8)
        raise RuntimeError("the caller's change fails")
    _sentinel(test_jobs, "after-rollback")
    assert test_jobs == [("jobs_test.record", {"sentinel": "after-rollback"})]


def test_a_failing_job_is_retried_then_succeeds(celery_worker, test_jobs):
    enqueue("jobs_test.flaky", fail_times=1, key="celery")
    assert _wait_for(lambda: len(test_jobs) == 2)
    assert test_jobs == [("jobs_test.flaky", {"fail_times": 1, "key": "celery"})] * 2
    _sentinel(test_jobs, "after-flaky")
    assert Job.objects.count() == 0


def test_a_job_failing_every_attempt_is_recorded_in_the_job_table(celery_worker, test_jobs):
    enqueue("jobs_test.always_fails", dossier="000.00.22.H40-250101-0001")
    _wait_for(lambda: len(test_jobs) == 2)
    _sentinel(test_jobs, "after-failure")
    assert test_jobs[:2] == [("jobs_test.always_fails", {"dossier": "000.00.22.H40-250101-0001"})] * 2
    failed = Job.objects.get()
    assert (failed.name, failed.kwargs, failed.status, failed.attempts, failed.max_attempts) == (
        "jobs_test.always_fails", {"dossier": "000.00.22.H40-250101-0001"}, "failed", 2, 2)
    assert failed.last_error.strip().splitlines()[-1] == "ValueError: không kết nối được máy chủ"
    assert failed.locked_by.startswith("celery@")


def test_beat_entries_run_a_periodic_job_once_per_period_however_often_they_fire(celery_worker, periodic_job,
                                                                                   monkeypatch):
    app = celery_worker
    # Both beats fire in the middle of one period: with the real clock a run that straddles a quarter
    # hour (02:00:00) would rightly start the job twice, once per period.
    from types import SimpleNamespace

    from django.utils import timezone

    from congvu.jobs.worker import period_start
    middle = period_start(datetime.timedelta(minutes=15), timezone.now()) + datetime.timedelta(minutes=7)
    monkeypatch.setattr(congvu_celery, "timezone", SimpleNamespace(now=lambda: middle))
    assert app.conf.beat_schedule == {
        "periodic:jobs_test.every_15_min": {
            "task": "congvu.jobs.periodic", "schedule": 60.0, "args": ("jobs_test.every_15_min",),
        },
    }
    # Two beats (two `congvu worker` processes) fire in the same period.
    app.send_task("congvu.jobs.periodic", args=["jobs_test.every_15_min"])
    assert _wait_for(lambda: ("jobs_test.every_15_min", {}) in periodic_job)
    app.send_task("congvu.jobs.periodic", args=["jobs_test.every_15_min"])
    _sentinel(periodic_job, "after-beats")
    assert [name for name, _ in periodic_job].count("jobs_test.every_15_min") == 1


def test_a_notification_is_emailed_through_celery(celery_worker, agency, leader, officer):
    Official.objects.filter(pk=leader.official.pk).update(email="lanhdao@nongson.gov.vn")
    with transaction.atomic():
        created = notify(recipients=[leader.official, officer.official], agency_id=agency.pk, kind="test",
                         title="Văn bản đến hạn xử lý", body="Công văn 12/UBND đến hạn hôm nay.",
                         url="/documents/12/", key="due:12")
    assert created == 2
    assert _wait_for(lambda: len(mail.outbox) == 1)
    message = mail.outbox[0]
    assert message.to == ["Cán bộ lanhdao <lanhdao@nongson.gov.vn>"]
    assert message.subject == "[congvu] Văn bản đến hạn xử lý"
    assert message.body.startswith("Công văn 12/UBND đến hạn hôm nay.\n\nXem chi tiết: http://localhost:8000/documents/12/")
    assert _wait_for(lambda: Notification.objects.filter(emailed_at__isnull=False).count() == 1)
    assert Notification.objects.get(emailed_at__isnull=False).official_id == leader.official.pk


def test_a_broker_that_cannot_be_reached_leaves_a_failed_job_to_retry(settings, monkeypatch, test_jobs):
    url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.TASK_BROKER = url
    app = congvu_celery.build_app(url, queue="congvu-unreachable")
    app.conf.broker_connection_timeout = 1
    app.conf.task_publish_retry = False
    monkeypatch.setitem(congvu_celery._apps, (url, congvu_celery.DEFAULT_QUEUE), app)
    with transaction.atomic():
        enqueue("jobs_test.record", n=1)
    failed = Job.objects.get()
    assert (failed.name, failed.kwargs, failed.status, failed.attempts) == ("jobs_test.record", {"n": 1}, "failed", 0)
    assert "Error" in failed.last_error.strip().splitlines()[-1]
