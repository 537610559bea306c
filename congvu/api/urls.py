from django.http import JsonResponse
from django.urls import path, re_path

from congvu.api.api import api


def not_found(request, rest=""):
    """Anything under /api/v1/ that no endpoint serves: a JSON 404, never an HTML page."""
    return JsonResponse({"code": "not_found", "message": "Không có địa chỉ API này.", "fields": {}}, status=404)


urlpatterns = [
    path("", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
