import pytest
from django.urls import reverse
from django.utils import timezone

from congvu.jobs import enqueue, worker
from congvu.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="matkhau-123"))
    return client


def _fail_for_good():
    enqueue("jobs_test.always_fails", dossier="H40-0001")
    for _ in range(2):
        Job.objects.update(run_after=timezone.now())
        worker.run_once(worker="w1")
    return Job.objects.get(name="jobs_test.always_fails")


def test_the_job_page_shows_registered_jobs_and_failures(admin_client, test_jobs):
    failed = _fail_for_good()
    enqueue("jobs_test.record", n=1)
    html = admin_client.get(reverse("jobs:list")).content.decode()
    assert "Cách chạy: Hàng đợi trong cơ sở dữ liệu" in html
    assert "notifications.send_email" in html and "jobs_test.record" in html
    assert '<strong data-status="failed">1</strong>' in html
    assert '<strong data-status="queued">1</strong>' in html
    assert f'id="job-{failed.pk}"' in html
    assert "ValueError: không kết nối được máy chủ" in html

    html = admin_client.get(reverse("jobs:list"), {"status": "failed"}).content.decode()
    assert html.count('<tr id="job-') == 1
    assert f'action="{reverse("jobs:retry", args=[failed.pk])}"' in html


def test_retry_from_the_page(admin_client, test_jobs):
    failed = _fail_for_good()
    response = admin_client.post(reverse("jobs:retry", args=[failed.pk]), follow=True)
    assert f"Đã đưa tác vụ #{failed.pk} vào hàng đợi chạy lại." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)
    response = admin_client.post(reverse("jobs:retry", args=[failed.pk]), follow=True)
    assert "Chỉ chạy lại được tác vụ đã lỗi." in response.content.decode()
    assert admin_client.post(reverse("jobs:retry", args=[failed.pk + 100])).status_code == 404


def test_only_system_admins_see_jobs(client, agency_admin, test_jobs):
    failed = _fail_for_good()
    client.force_login(agency_admin)
    assert client.get(reverse("jobs:list")).status_code == 403
    assert client.post(reverse("jobs:retry", args=[failed.pk])).status_code == 403
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("failed", 2)


def test_periods_read_in_vietnamese():
    from datetime import timedelta

    from congvu.jobs.selectors import every_text

    assert [every_text(x) for x in (None, timedelta(minutes=15), timedelta(hours=1), timedelta(days=1),
                                    timedelta(days=7), timedelta(seconds=90))] == [
        "khi có việc", "mỗi 15 phút", "mỗi giờ", "mỗi ngày", "mỗi tuần", "mỗi 90 giây"]
