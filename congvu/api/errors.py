"""Every API error is JSON: {"code": machine code, "message": Vietnamese text, "fields": {field: text}}."""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from congvu.core.errors import DomainError

log = logging.getLogger(__name__)


class SchemaInvalid(DomainError):
    """The request does not fit the documented schema (wrong type, missing or unknown field)."""

    code = "schema_invalid"
    status = 422


class TooLarge(DomainError):
    code = "too_large"
    status = 413


class InvalidJson(DomainError):
    code = "invalid_json"
    status = 400


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


# pydantic error types → what a Vietnamese reader is told.
_MESSAGES = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường này không được hỗ trợ.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên.",
    "float_parsing": "Phải là số.",
    "bool_parsing": "Phải là true hoặc false.",
    "bool_type": "Phải là true hoặc false.",
    "string_type": "Phải là chuỗi ký tự.",
    "list_type": "Phải là danh sách.",
    "dict_type": "Phải là đối tượng JSON.",
    "model_type": "Phải là đối tượng JSON.",
    "model_attributes_type": "Phải là đối tượng JSON.",
    "datetime_parsing": "Thời gian không hợp lệ; dùng dạng ISO 8601, ví dụ 2026-03-05T08:30:00+07:00.",
    "datetime_from_date_parsing": "Thời gian không hợp lệ; dùng dạng ISO 8601, ví dụ 2026-03-05T08:30:00+07:00.",
    "datetime_type": "Thời gian không hợp lệ; dùng dạng ISO 8601.",
    "json_invalid": "JSON không hợp lệ.",
}


def _field_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in ("less_than_equal", "less_than"):
        return f"Giá trị phải không lớn hơn {ctx.get('le', ctx.get('lt'))}."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Giá trị phải không nhỏ hơn {ctx.get('ge', ctx.get('gt'))}."
    if kind == "string_too_long":
        return f"Dài quá {ctx.get('max_length')} ký tự."
    if kind == "too_long":
        return f"Nhiều quá {ctx.get('max_length')} phần tử."
    if kind in ("literal_error", "enum"):
        return f"Giá trị không hợp lệ; chọn một trong: {ctx.get('expected', '')}."
    return "Giá trị không hợp lệ."


# Locations that name where a value came from, not which field it is.
_WRAPPERS = {"body", "query", "path", "header", "form", "file", "payload", "filters", "data"}


def schema_fields(errors: list[dict]) -> dict[str, str]:
    """Flatten pydantic/ninja errors to {"field": "message"}; nested items as "field.0"."""
    fields: dict[str, str] = {}
    for error in errors:
        parts = [str(p) for p in error.get("loc", ()) if str(p) not in _WRAPPERS]
        # Union types add the tried type names to loc ("pages.int"); they mean nothing to a reader.
        parts = [p for p in parts if p not in {"int", "str", "none", "list[int]", "constrained-int"}]
        fields.setdefault(".".join(parts) or "body", _field_message(error))
    return fields


def schema_invalid(errors: list[dict]) -> SchemaInvalid:
    return SchemaInvalid("Dữ liệu gửi lên không đúng cấu trúc của API.", fields=schema_fields(errors))


def error_body(exc: DomainError) -> dict:
    body = {"code": exc.code, "message": exc.message, "fields": exc.fields}
    extra = getattr(exc, "api_extra", None)
    if extra:
        body.update(extra)
    return body


def install_handlers(api: NinjaAPI) -> None:
    def respond(request, exc: DomainError) -> HttpResponse:
        response = api.create_response(request, error_body(exc), status=exc.status)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="congvu"'
        return response

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError):
        return respond(request, exc)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError):
        return respond(request, schema_invalid(exc.errors))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError):
        return respond(request, _unauthenticated())

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return respond(request, InvalidJson("Nội dung gửi lên không phải JSON hợp lệ."))
        return respond(request, _by_status(exc.status_code))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        return respond(request, _by_status(404))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig):
        return respond(request, TooLarge("Dữ liệu gửi lên quá lớn."))

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: MultiPartParserError):
        return respond(request, DomainError("Dữ liệu multipart không đọc được.", code="invalid_multipart"))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation):
        return respond(request, DomainError("Yêu cầu không hợp lệ.", code="bad_request"))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception):
        # A bug, not bad input: keep the JSON shape, log everything, reveal nothing.
        log.exception("API error on %s %s", request.method, request.path)
        return api.create_response(
            request, {"code": "server_error", "message": "Lỗi hệ thống; vui lòng thử lại sau.", "fields": {}},
            status=500,
        )


def _unauthenticated() -> DomainError:
    exc = DomainError("Chưa đăng nhập: gửi khóa API (Authorization: Bearer <khóa>) hoặc đăng nhập trước.",
                      code="unauthenticated")
    exc.status = 401
    return exc


_STATUS_ERRORS = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthenticated", "Chưa đăng nhập."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    429: ("too_many_requests", "Quá nhiều yêu cầu; vui lòng thử lại sau."),
}


def _by_status(status: int) -> DomainError:
    code, message = _STATUS_ERRORS.get(status, ("error", "Yêu cầu không thực hiện được."))
    exc = DomainError(message, code=code)
    exc.status = status
    return exc
