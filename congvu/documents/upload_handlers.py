"""Upload size guard: stop reading a multipart upload as soon as it passes the limit.

`SizeLimitUploadHandler` is listed first in settings.FILE_UPLOAD_HANDLERS. It counts the bytes of
each uploaded file and of all files of the request while Django streams them, and raises
`StopUpload` the moment a file passes settings.MAX_UPLOAD_BYTES (CONGVU_MAX_UPLOAD_MB, default 50 MB)
or all files together pass settings.MAX_UPLOAD_REQUEST_BYTES (default 4 × MAX_UPLOAD_BYTES). The
chunk that crosses the limit is never handed to the memory / temporary-file handlers behind it, and
the temporary file of the interrupted part is closed (and so deleted) by Django: a 2 GB upload never
lands on disk. The rest of the body is read and thrown away (`connection_reset=False`), so the
browser receives the page that explains the refusal instead of a "connection reset".

Contract for pages and API endpoints (the handler itself never answers the request):

- Parsing happens when the view first touches `request.POST` or `request.FILES`. After that,
  `upload_too_large(request)` is True when the limit was hit. The request then carries
  `request._congvu_upload_too_large = True` and the Vietnamese message in
  `request._congvu_upload_error` (e.g. "Tệp “scan.pdf” vượt quá giới hạn 50 MB.").
- When it is True the view must not register anything: `request.FILES` lacks the interrupted
  file (and may still hold files that came before it), and the form fields after it are missing.
  Show the message next to the attachments field; the API answers 400 with it.
- `check_upload_size(request)` does both steps and raises `ValidationFailed` with
  `fields={"attachments": message}`, the same shape the registration services use, so a view can
  call it first and treat the error like any other validation error.
- The form fields before the file (the CSRF token first of all) are parsed normally, so the CSRF
  check still passes and the user gets the message, not a 403.

Browsers can check `file.size` before sending; this guard is what holds when they do not. The web
server in front should also cap the request body (waitress: `max_request_body_size`).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from congvu.core.errors import ValidationFailed

TOO_LARGE_ATTR = "_congvu_upload_too_large"
MESSAGE_ATTR = "_congvu_upload_error"


def file_limit() -> int:
    """Largest accepted single file, in bytes."""
    return settings.MAX_UPLOAD_BYTES


def request_limit() -> int:
    """Largest accepted total of all files in one request, in bytes."""
    return getattr(settings, "MAX_UPLOAD_REQUEST_BYTES", None) or 4 * settings.MAX_UPLOAD_BYTES


def format_size(n: int) -> str:
    """Size as a clerk reads it: "50 MB", "1,5 MB", "800 KB" (Vietnamese decimal comma)."""
    mb = n / (1024 * 1024)
    if mb >= 1:
        return f"{mb:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def file_too_large_message(name: str | None = None) -> str:
    limit = format_size(file_limit())
    return f"Tệp “{name}” vượt quá giới hạn {limit}." if name else f"Tệp vượt quá giới hạn {limit}."


def request_too_large_message() -> str:
    return f"Tổng dung lượng các tệp tải lên vượt quá giới hạn {format_size(request_limit())}."


class SizeLimitUploadHandler(FileUploadHandler):
    """First handler in the chain: counts bytes and stops the upload past the limits."""

    def __init__(self, request=None):
        super().__init__(request)
        self.request_total = 0

    def receive_data_chunk(self, raw_data, start):
        # `start` is how much of this file came before this chunk.
        file_size = start + len(raw_data)
        self.request_total += len(raw_data)
        if file_size > file_limit():
            self._stop(file_too_large_message(self.file_name))
        if self.request_total > request_limit():
            self._stop(request_too_large_message())
        return raw_data  # pass the chunk on to the memory / temporary-file handler

    def file_complete(self, file_size):
        return None  # the next handler builds the UploadedFile

    def _stop(self, message: str):
        if self.request is not None:
            setattr(self.request, TOO_LARGE_ATTR, True)
            setattr(self.request, MESSAGE_ATTR, message)
        raise StopUpload(connection_reset=False)


def upload_too_large(request) -> bool:
    """True when the request's upload was cut off by the size guard (parses the body if needed)."""
    if request.method in ("POST", "PUT", "PATCH"):
        request.FILES  # noqa: B018 - parsing is what runs the handler
    return bool(getattr(request, TOO_LARGE_ATTR, False))


def upload_error_message(request) -> str:
    """The Vietnamese message for the limit the request hit ("" when it hit none)."""
    if not upload_too_large(request):
        return ""
    return getattr(request, MESSAGE_ATTR, "") or file_too_large_message()


def check_upload_size(request, *, field: str = "attachments") -> None:
    """Raise ValidationFailed (fields={field: message}) when the upload was cut off."""
    if upload_too_large(request):
        message = upload_error_message(request)
        raise ValidationFailed(message, code="upload_too_large", fields={field: message})
