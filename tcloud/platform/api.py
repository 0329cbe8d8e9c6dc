"""Declaring API endpoints: one declaration routes, authorises, validates
and documents.

    api = Endpoints("Users")

    @api.get("/users", "users:read", "List users", query=LIST_QUERY,
             response=page_of(USER))
    async def list_users(call: Call) -> dict: ...

Every endpoint names a permission (or `public=True`). The wrapper signs the
caller in from a bearer token or the session cookie, checks CSRF and Origin
for unsafe methods under a cookie, checks the tenant's IP allow-list and the
permission, parses and validates the body and query against their schemas,
and holds the tenant store open while the handler runs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from tcloud.appkeys import PLATFORM, REQUEST_ID
from tcloud.platform import allowlist, auth
from tcloud.platform.context import Platform, TenantContext
from tcloud.platform.errors import (
    Forbidden,
    Invalid,
    PasswordChangeRequired,
    TcloudError,
    Unauthorized,
    UnsupportedMediaType,
)
from tcloud.platform.schema import EncodedJson, Schema, validate

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_HEADER = "X-CSRF-Token"
ALLOWED_WHILE_CHANGING = {"/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"}

Handler = Callable[["Call"], Awaitable[Any]]
Register = Callable[[Handler], Handler]


@dataclass
class Call:
    """One API call as a handler sees it."""

    request: web.Request
    ctx: TenantContext | None
    body: Any = None
    query: dict[str, Any] = field(default_factory=dict)
    auth: auth.Authenticated | None = None

    @property
    def platform(self) -> Platform:
        return self.request.config_dict[PLATFORM]

    @property
    def tenant(self) -> TenantContext:
        assert self.ctx is not None, "this endpoint is public"
        return self.ctx

    def param(self, name: str) -> str:
        return self.request.match_info[name]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    permission: str | None
    summary: str
    handler: Handler
    tag: str
    body: Schema | None = None
    query: Schema | None = None
    response: Schema | None = None
    status: int = 200
    public: bool = False
    raw_body: str | None = None
    raw_response: str | None = None
    description: str = ""


class Endpoints:
    """The endpoints of one app, under one OpenAPI tag."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.items: list[Endpoint] = []

    def route(
        self, method: str, path: str, permission: str | None, summary: str, **kw: Any
    ) -> Register:
        def register(handler: Handler) -> Handler:
            self.items.append(
                Endpoint(method, path, permission, summary, handler, self.tag, **kw)
            )
            return handler

        return register

    def get(
        self, path: str, permission: str | None, summary: str, **kw: Any
    ) -> Register:
        return self.route("GET", path, permission, summary, **kw)

    def post(
        self, path: str, permission: str | None, summary: str, **kw: Any
    ) -> Register:
        return self.route("POST", path, permission, summary, **kw)

    def put(
        self, path: str, permission: str | None, summary: str, **kw: Any
    ) -> Register:
        return self.route("PUT", path, permission, summary, **kw)

    def patch(
        self, path: str, permission: str | None, summary: str, **kw: Any
    ) -> Register:
        return self.route("PATCH", path, permission, summary, **kw)

    def delete(
        self, path: str, permission: str | None, summary: str, **kw: Any
    ) -> Register:
        return self.route("DELETE", path, permission, summary, **kw)


def client_ip(request: web.Request) -> str:
    platform = request.config_dict[PLATFORM]
    if platform.config.trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.remote or ""


def _check_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin")
    if not origin:
        raise Forbidden("a request signed in by cookie must carry an Origin header")
    expected = f"{request.scheme}://{request.host}"
    if origin != expected and origin != request.config_dict[PLATFORM].config.base_url:
        raise Forbidden(f"the Origin {origin} is not this server's")


async def _authenticate(request: web.Request) -> auth.Authenticated:
    platform = request.config_dict[PLATFORM]
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        found = await auth.by_token(platform, token.strip())
        if found is None:
            raise Unauthorized("the access token is unknown, expired or revoked")
        return found
    session_id = request.cookies.get(auth.SESSION_COOKIE)
    if not session_id:
        raise Unauthorized("sign in first, or send a bearer token")
    found = await auth.by_session(platform, session_id)
    if found is None:
        raise Unauthorized("the session has ended; sign in again")
    if request.method in UNSAFE:
        _check_origin(request)
        if request.headers.get(CSRF_HEADER) != found.csrf_token:
            raise Forbidden(f"the {CSRF_HEADER} header is missing or wrong")
    return found


async def _read_body(request: web.Request, endpoint: Endpoint) -> Any:
    if endpoint.body is None:
        return None
    kind = request.content_type
    if request.can_read_body and kind not in ("application/json", ""):
        raise UnsupportedMediaType(f"send the body as application/json, not {kind}")
    raw = await request.read()
    if not raw.strip():
        raise Invalid.field("body", "is empty; send a JSON object")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno}"
            f" column {exc.colno}"
        ) from None
    validate(endpoint.body, body)
    return body


def _coerce_query(value: str, schema: Schema, name: str) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        try:
            number = int(value)
        except ValueError:
            raise Invalid.field(name, "must be an integer") from None
        if not -(2**63) <= number < 2**63:
            raise Invalid.field(name, "is too large")
        return number
    if kind == "boolean":
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise Invalid.field(name, "must be true or false")
    return value


def _read_query(request: web.Request, endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.query is None:
        return {}
    props = endpoint.query["properties"]
    values = {}
    for name, schema in props.items():
        if name in request.query:
            values[name] = _coerce_query(request.query[name], schema, f"query.{name}")
        elif "default" in schema:
            values[name] = schema["default"]
    validate(endpoint.query, values, root="query")
    return values


def _render(endpoint: Endpoint, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if isinstance(result, EncodedJson):
        return web.Response(
            body=result, status=endpoint.status, content_type="application/json"
        )
    if result is None:
        return web.Response(status=204)
    return web.Response(
        body=orjson.dumps(result),
        status=endpoint.status,
        content_type="application/json",
    )


def _wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        if endpoint.public:
            call = Call(request, None)
            call.body = await _read_body(request, endpoint)
            call.query = _read_query(request, endpoint)
            return _render(endpoint, await endpoint.handler(call))
        return await _handle_signed_in(request, endpoint)

    handle.__name__ = endpoint.handler.__name__
    return handle


async def _handle_signed_in(
    request: web.Request, endpoint: Endpoint
) -> web.StreamResponse:
    platform = request.config_dict[PLATFORM]
    found = await _authenticate(request)
    tenant = await platform.tenants.get(found.tenant_id)
    if tenant.status != "active":
        raise Forbidden("this tenant is suspended")
    principal = found.principal
    if principal.must_change_password and request.path not in ALLOWED_WHILE_CHANGING:
        raise PasswordChangeRequired("change your password before anything else")
    source_ip = client_ip(request)
    if not allowlist.allowed(await allowlist.get(platform, tenant.id), source_ip):
        raise Forbidden("this address is not on the tenant's IP allow-list")
    if endpoint.permission:
        principal.require(endpoint.permission)
    body = await _read_body(request, endpoint)
    query = _read_query(request, endpoint)
    async with platform.stores.use(tenant.id) as db:
        ctx = TenantContext(
            platform, tenant, db, principal, source_ip, request.get(REQUEST_ID, "")
        )
        result = await endpoint.handler(Call(request, ctx, body, query, found))
    return _render(endpoint, result)


def mount(app: web.Application, groups: list[Endpoints]) -> list[Endpoint]:
    """Add every endpoint of the given groups to the API application."""
    seen = set()
    endpoints = []
    for group in groups:
        for endpoint in group.items:
            key = (endpoint.method, endpoint.path)
            if key in seen:
                raise ValueError(f"endpoint declared twice: {key}")
            seen.add(key)
            app.router.add_route(endpoint.method, endpoint.path, _wrap(endpoint))
            endpoints.append(endpoint)
    return endpoints


def problem_response(
    error: TcloudError, instance: str, request_id: str
) -> web.Response:
    body = json.dumps(error.problem(instance, request_id))
    return web.Response(
        text=body,
        status=error.status,
        content_type="application/problem+json",
        headers=error.headers,
    )
