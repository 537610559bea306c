"""Security review of the jobs page: the system admin's alone, CSRF, and a retry is journaled."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(username="hethong", password="matkhau-123")


def test_the_jobs_page_is_the_system_admins_alone(agency_admin, superuser):
    failed = Job.objects.create(name="notifications.send_email", kwargs={"notification_id": 1},
                                status=JobStatus.FAILED, run_after=timezone.now() - dt.timedelta(hours=1),
                                attempts=5, last_error="SMTPServerDisconnected")
    for url in (reverse("jobs:list"), reverse("jobs:retry", args=[failed.pk])):
        response = Client().get(url)
        assert (response.status_code, response["Location"][:13]) == (302, "/login/?next=")
    web = client_for(agency_admin)
    assert web.get(reverse("jobs:list")).status_code == 403
    assert web.post(reverse("jobs:retry", args=[failed.pk])).status_code == 403
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (JobStatus.FAILED, 5)
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(superuser)
    assert csrf.post(reverse("jobs:retry", args=[failed.pk])).status_code == 403
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED
    assert not JournalEntry.objects.filter(action="job.retry").exists()
    assert client_for(superuser).post(reverse("jobs:retry", args=[failed.pk])).status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (JobStatus.QUEUED, 0)
    assert JournalEntry.objects.filter(action="job.retry", object_id=str(failed.pk)).count() == 1
