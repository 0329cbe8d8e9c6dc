"""Domain errors; one middleware turns them into RFC 9457 problem documents.

TcloudError                    500  internal (generic body)
|- Invalid                     400  invalid (fields name what is wrong)
|- Unauthorized                401  unauthorized
|- Forbidden                   403  forbidden
|  '- PasswordChangeRequired   403  password-change-required
|- NotFound                    404  not-found
|- MethodNotAllowed            405  method-not-allowed
|- Conflict                    409  conflict
|  '- SeatLimitReached         409  seat-limit
|- TooLarge                    413  too-large
|- UnsupportedMediaType        415  unsupported-media-type
|- Locked                      423  locked
|- TooManyRequests             429  too-many-requests
'- Busy                        503  busy (retryable, with Retry-After)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROBLEM_BASE = "https://tcloud.dev/problems/"


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field of a request, by its JSON path."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class TcloudError(Exception):
    status = 500
    code = "internal"
    title = "Internal error"

    def __init__(
        self,
        detail: str = "",
        *,
        fields: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.fields = fields or []
        self.headers = headers or {}
        self.extra = extra or {}

    def problem(self, instance: str, request_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "code": self.code,
            "request_id": request_id,
        }
        if self.fields:
            body["errors"] = [f.as_dict() for f in self.fields]
        body.update(self.extra)
        return body


class Invalid(TcloudError):
    status, code, title = 400, "invalid", "Invalid request"

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(f"{name}: {message}", fields=[FieldError(name, message)])


class Unauthorized(TcloudError):
    status, code, title = 401, "unauthorized", "Not signed in"


class Forbidden(TcloudError):
    status, code, title = 403, "forbidden", "Not allowed"


class PasswordChangeRequired(Forbidden):
    code, title = "password-change-required", "Password change required"


class NotFound(TcloudError):
    status, code, title = 404, "not-found", "Not found"


class MethodNotAllowed(TcloudError):
    status, code, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(TcloudError):
    status, code, title = 409, "conflict", "Conflict"


class SeatLimitReached(Conflict):
    code, title = "seat-limit", "Seat limit reached"


class TooLarge(TcloudError):
    status, code, title = 413, "too-large", "Request body too large"


class UnsupportedMediaType(TcloudError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class Locked(TcloudError):
    status, code, title = 423, "locked", "Account locked"


class TooManyRequests(TcloudError):
    status, code, title = 429, "too-many-requests", "Too many requests"


class Busy(TcloudError):
    status, code, title = 503, "busy", "Service busy"

    def __init__(self, detail: str = "", retry_after: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
