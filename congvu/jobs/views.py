"""The system administrator's view of background jobs: what is registered, what ran, what failed."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from congvu.core.errors import Conflict, NotFound, PermissionDenied
from congvu.jobs import selectors, services
from congvu.jobs.models import JobStatus


def superuser_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise HttpForbidden("Chỉ quản trị hệ thống xem được tác vụ nền.")
        return view(request, *args, **kwargs)

    return wrapper


def _int(value):
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@superuser_required
@require_GET
def job_list(request):
    status = request.GET.get("status", "")
    status = status if status in JobStatus.values else ""
    page = selectors.recent_jobs(status=status or None, after=_int(request.GET.get("after")),
                                 before=_int(request.GET.get("before")))
    return render(request, "jobs/job_list.html", {
        "page": page, "status": status, "statuses": JobStatus.choices, "counts": selectors.status_counts(),
        "registered": selectors.registered_jobs(), "backend": selectors.backend_name(),
    })


@superuser_required
@require_POST
def job_retry_view(request, job_id: int):
    try:
        services.job_retry(actor=request.user, job_id=job_id)
    except NotFound:
        raise Http404("Không tìm thấy tác vụ.") from None
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from None
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Đã đưa tác vụ #{job_id} vào hàng đợi chạy lại.")
    return redirect(reverse("jobs:list") + "?status=failed")
