from datetime import timedelta

import pytest
from django.db import transaction

from congvu.jobs import enqueue, job, registry
from congvu.jobs.models import Job


def test_job_returns_the_function_unchanged_and_registers_it(test_jobs):
    def plain(**kwargs):
        return kwargs

    decorated = job("jobs_test.plain", every=timedelta(hours=1))(plain)
    assert decorated is plain
    assert decorated(a=1) == {"a": 1}
    spec = registry.get("jobs_test.plain")
    assert (spec.name, spec.func, spec.every, spec.max_attempts) == ("jobs_test.plain", plain, timedelta(hours=1), 5)
    assert [s.name for s in registry.periodic_jobs()] == ["jobs_test.plain"]


def test_a_name_cannot_be_taken_by_another_function(test_jobs):
    with pytest.raises(ValueError, match="already used by"):
        job("jobs_test.record")(lambda **kw: None)
    assert registry.get("jobs_test.record").func.__name__ == "record_job"


def test_bad_declarations_are_refused():
    with pytest.raises(ValueError):
        job("")
    with pytest.raises(ValueError):
        job("x.y", every=timedelta(0))
    with pytest.raises(ValueError):
        job("x.y", max_attempts=0)


def test_tasks_modules_of_installed_apps_are_imported_at_startup():
    # congvu/notifications/tasks.py registers its job when Django starts (JobsConfig.ready).
    assert registry.get("notifications.send_email").func.__module__ == "congvu.notifications.tasks"


@pytest.mark.django_db
def test_enqueue_an_unknown_job_is_an_error_and_queues_nothing(test_jobs):
    with pytest.raises(LookupError, match="No job is registered as 'jobs_test.missing'"):
        enqueue("jobs_test.missing", x=1)
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_enqueue_accepts_only_json_values(test_jobs):
    with pytest.raises(TypeError, match="must be JSON values"):
        enqueue("jobs_test.record", when=object())
    with pytest.raises(TypeError, match="must be JSON values"):
        enqueue("jobs_test.record", ratio=float("nan"))
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_enqueue_in_a_transaction_that_rolls_back_queues_nothing(test_jobs):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("jobs_test.record", n=1)
        assert Job.objects.count() == 1  # written with the caller's change...
        raise RuntimeError("the caller's change fails")
    assert Job.objects.count() == 0  # ...and gone with it


@pytest.mark.django_db
def test_immediate_mode_runs_after_commit_only(test_jobs, settings, django_capture_on_commit_callbacks):
    settings.TASK_BROKER = "immediate"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue("jobs_test.record", n=7)
        assert test_jobs == []  # not before the commit
    assert len(callbacks) == 1
    assert test_jobs == [("jobs_test.record", {"n": 7})]
    assert Job.objects.count() == 0


def test_an_unknown_broker_is_refused(settings):
    from congvu.jobs import backends

    settings.TASK_BROKER = "kafka://localhost"
    with pytest.raises(ValueError, match="is not understood"):
        backends.mode()
    for value, expected in [("", "database"), ("immediate", "immediate"), ("redis://127.0.0.1:6379/0", "celery"),
                            ("amqp://guest:guest@127.0.0.1:5672//", "celery")]:
        settings.TASK_BROKER = value
        assert backends.mode() == expected
