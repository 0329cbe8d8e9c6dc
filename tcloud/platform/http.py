"""The edge middleware: request id, problem documents, security headers,
access log and metrics, in one pass per request."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from tcloud import log
from tcloud.appkeys import CONFIG, METRICS, REQUEST_ID
from tcloud.platform.api import problem_response
from tcloud.platform.errors import (
    MethodNotAllowed,
    NotFound,
    TcloudError,
    TooLarge,
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none';"
    " frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _from_http_error(request: web.Request, exc: web.HTTPException) -> TcloudError:
    if exc.status == 404:
        return NotFound("there is nothing at this address")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exc.allowed_methods))
        return MethodNotAllowed(
            f"this address does not take {request.method}; it takes {allowed}",
            headers={"Allow": allowed},
        )
    if exc.status == 413:
        limit = request.config_dict[CONFIG].max_body_bytes
        return TooLarge(
            f"the request body is larger than the limit of {limit:,} bytes"
            " (setting max_body_bytes)"
        )
    error = TcloudError(exc.reason)
    error.status, error.title = exc.status, exc.reason
    error.code = exc.reason.lower().replace(" ", "-")
    return error


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


_REQUEST_PREFIX = secrets.token_hex(6)
_request_numbers = itertools.count(1)


def _next_request_id() -> str:
    """Return a request id unique to this process: a random prefix and a count."""
    return f"{_REQUEST_PREFIX}-{next(_request_numbers):06x}"


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("X-Request-Id", "")[:64] or _next_request_id()
    request[REQUEST_ID] = request_id
    started = time.perf_counter()
    try:
        response = await handler(request)
    except TcloudError as exc:
        response = problem_response(exc, request.path, request_id)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = problem_response(
            _from_http_error(request, exc), request.path, request_id
        )
    except Exception:
        log.server.exception(
            "unhandled path=%s request_id=%s", request.path, request_id
        )
        response = problem_response(TcloudError(), request.path, request_id)
    _secure(request, response, request_id)
    _observe(request, response, started, request_id)
    return response


def _secure(
    request: web.Request, response: web.StreamResponse, request_id: str
) -> None:
    if response.prepared:
        return
    response.headers.update(HEADERS)
    response.headers["X-Request-Id"] = request_id
    if request.config_dict[CONFIG].tls:
        response.headers["Strict-Transport-Security"] = HSTS
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _observe(
    request: web.Request, response: web.StreamResponse, started: float, request_id: str
) -> None:
    elapsed = time.perf_counter() - started
    route = _route_name(request)
    metrics = request.config_dict[METRICS]
    metrics.requests.labels(request.method, route, response.status).inc()
    metrics.latency.labels(request.method, route).observe(elapsed)
    if log.access.isEnabledFor(log.logging.INFO):
        log.access.info(
            "request request_id=%s method=%s path=%s status=%s ms=%.1f",
            request_id, request.method, request.path, response.status, elapsed * 1000,
        )  # fmt: skip
