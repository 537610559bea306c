import pytest

from congvu.jobs import registry
from congvu.jobs.tests import helpers


@pytest.fixture
def test_jobs(monkeypatch):
    """Only the throw-away jobs (and the e-mail job) are registered during the test, so periodic jobs
    of other apps do not run inside these tests."""
    keep = {"notifications.send_email": registry.get("notifications.send_email")}
    monkeypatch.setattr(registry, "_REGISTRY", keep)
    helpers.register_test_jobs()
    yield helpers.calls
    helpers.unregister_test_jobs()


@pytest.fixture
def periodic_job(test_jobs):
    """Adds the periodic throw-away job "jobs_test.every_15_min"."""
    helpers.register_periodic_test_job()
    return test_jobs
