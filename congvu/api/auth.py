"""Who is calling: a bearer token (scripts, other systems) or the browser session (the web UI)."""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from congvu.api.services import api_token_authenticate
from congvu.core.errors import DomainError


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`. A presented but wrong token is refused outright (401), even if a
    session cookie is also there: the caller asked to be someone specific."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated("Tiêu đề Authorization phải có dạng “Bearer <khóa>”.")
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(token)
        if user is None:
            raise Unauthenticated("Khóa API không đúng, đã bị thu hồi hoặc tài khoản đã bị khóa.")
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The Django session of a logged-in browser. Unsafe methods need the CSRF token, as pages do."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        # Without a session there is no ambient authority to forge, so CSRF matters only here.
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            request.csrf_processing_done = False
            if CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None:
                raise CsrfFailed("Thiếu hoặc sai mã CSRF; tải lại trang rồi thử lại.")
        return user
