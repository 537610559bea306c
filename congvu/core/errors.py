"""Domain errors: what a user can cause, with a message a clerk understands (in Vietnamese)."""


class DomainError(Exception):
    """A rule was broken by the input. `code` is machine-readable; `message` is for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class ValidationFailed(DomainError):
    """One or more fields are wrong; `fields` maps field name to its message."""

    code = "validation_failed"


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
