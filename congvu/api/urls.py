import functools

from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, re_path

from congvu.api.api import api


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def not_found(request, rest=""):
    """Anything under /api/v1/ that no endpoint serves: a JSON 404, never an HTML page."""
    return _json_error(404, "not_found", "Không có địa chỉ API này.")


def _json_method_not_allowed(view):
    """django-ninja answers a wrong method with a plain-text 405; API errors are always JSON."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = _json_error(405, "method_not_allowed", f"Phương thức {request.method} không được hỗ trợ; "
                                                              f"dùng {allowed}.")
            response["Allow"] = allowed
        return response

    return wrapper


# Not named app_name/namespace: include() would read those module attributes as this module's own.
_patterns, _app, _namespace = api.urls
for pattern in _patterns:
    pattern.callback = _json_method_not_allowed(pattern.callback)

urlpatterns = [
    path("", (_patterns, _app, _namespace)),
    re_path(r"^(?P<rest>.*)$", not_found),
]
