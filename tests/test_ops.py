"""Operations and the edge: health, metrics, security headers, problem documents."""

from __future__ import annotations

import io

import pytest
from aiohttp import web

from tcloud.app import build_app
from tcloud.platform.http import HEADERS

PROBLEM = "application/problem+json"
LOGIN = "/api/v1/auth/login"
GOOD_LOGIN = {"tenant": "demo", "login": "admin", "password": "x"}


def assert_safe_body(text: str) -> None:
    """No stack trace, no exception text, no file path in a body."""
    for leak in ("Traceback", 'File "', "site-packages", "/tcloud/", "Error:"):
        assert leak not in text, text


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Request-Id"]


async def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == PROBLEM
    assert_safe_body(text)
    assert_security_headers(response)
    body = await response.json()
    assert body["status"] == status
    assert body["type"].endswith(body["code"])
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


async def test_healthz(client):
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    assert_security_headers(response)


async def test_readyz_once_the_platform_is_open(client):
    response = await client.get("/readyz")

    assert response.status == 200
    assert await response.json() == {"status": "ready"}


async def test_metrics_count_requests_in_prometheus_text(client):
    await client.get("/healthz")

    response = await client.get("/metrics")
    text = await response.text()

    assert response.status == 200
    assert response.content_type == "text/plain"
    assert "# TYPE tcloud_http_requests_total counter" in text
    assert (
        'tcloud_http_requests_total{method="GET",route="/healthz",status="200"} 1.0'
        in text
    )
    assert "tcloud_http_request_seconds_bucket" in text
    assert "tcloud_tenants 1.0" in text


async def test_a_request_id_is_kept_or_made(client):
    given = await client.get("/healthz", headers={"X-Request-Id": "abc123"})
    made = await client.get("/healthz")
    other = await client.get("/healthz")

    assert given.headers["X-Request-Id"] == "abc123"
    assert made.headers["X-Request-Id"]
    assert made.headers["X-Request-Id"] != other.headers["X-Request-Id"]


@pytest.mark.parametrize(
    "path", ["/", "/console/users", "/static/favicon.svg", "/api/v1/openapi.json",
             "/readyz", "/metrics"]
)  # fmt: skip
async def test_security_headers_on_pages_and_static_files(client, path):
    response = await client.get(path)

    assert response.status == 200
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers


async def test_api_answers_are_not_cached(client):
    response = await client.get("/api/v1/openapi.json")

    assert response.headers["Cache-Control"] == "no-store"


async def test_a_missing_static_file_has_security_headers(client):
    response = await client.get("/static/no-such-file.js")

    assert response.status == 404
    assert_security_headers(response)


@pytest.mark.parametrize(
    "method,path", [("GET", "/api/v1/nope"), ("POST", "/api/v1/nope"),
                    ("GET", "/api/v1/users/usr_x/nope"), ("GET", "/engine/nope")]
)  # fmt: skip
async def test_unknown_api_routes_are_404_problems(client, method, path):
    response = await client.request(method, path)

    body = await problem(response, 404)
    assert body["code"] == "not-found"
    assert body["instance"] == path


@pytest.mark.parametrize(
    "method,path", [("DELETE", "/healthz"), ("POST", "/metrics"), ("PUT", "/"),
                    ("GET", LOGIN)]
)  # fmt: skip
async def test_wrong_method_is_a_405_problem(client, method, path):
    response = await client.request(method, path)

    body = await problem(response, 405)
    assert body["code"] == "method-not-allowed"


async def test_a_405_problem_names_the_method(client):
    response = await client.request("DELETE", "/healthz")

    assert "DELETE" in (await response.json())["detail"]
    assert "GET" in response.headers["Allow"]


@pytest.fixture
def small_body_config(config):  # type: ignore[no-untyped-def]
    return config.with_overrides(max_body_bytes=2000)


async def test_an_oversize_body_is_a_413_problem(aiohttp_client, small_body_config):
    client = await aiohttp_client(build_app(small_body_config))
    padded = {**GOOD_LOGIN, "password": "x" * 3000}

    small = await client.post(LOGIN, json=GOOD_LOGIN)
    big = await client.post(LOGIN, json=padded)

    assert small.status == 401
    body = await problem(big, 413)
    assert body["code"] == "too-large"


async def test_the_default_body_limit_is_the_setting(client, config):
    body = io.BytesIO(b"{" + b" " * config.max_body_bytes + b"}")

    response = await client.post(
        LOGIN, data=body, headers={"Content-Type": "application/json"}
    )

    await problem(response, 413)


@pytest.mark.parametrize("raw", [b"{bad json", b"[1, 2", b'{"tenant": "demo",}'])
async def test_malformed_json_is_a_400_problem(client, raw):
    response = await client.post(
        LOGIN, data=raw, headers={"Content-Type": "application/json"}
    )

    body = await problem(response, 400)
    assert body["code"] == "invalid"
    assert "not valid JSON" in body["detail"]


async def test_an_empty_body_is_a_400_problem_naming_the_body(client):
    response = await client.post(
        LOGIN, data=b"", headers={"Content-Type": "application/json"}
    )

    body = await problem(response, 400)
    assert body["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    "change,field,message",
    [({"tenant": 5}, "tenant", "must be of type string"),
     ({"password": ["x"]}, "password", "must be of type string"),
     ({"admin": True}, "admin", "is not a known field"),
     ({"login": ""}, "login", "at least 1")],
)  # fmt: skip
async def test_wrong_types_and_unknown_fields_name_the_field(
    client, change, field, message
):
    response = await client.post(LOGIN, json={**GOOD_LOGIN, **change})

    body = await problem(response, 400)
    errors = {e["field"]: e["message"] for e in body["errors"]}
    assert message in errors[field]


async def test_a_missing_field_is_named(client):
    response = await client.post(LOGIN, json={"tenant": "demo", "login": "admin"})

    body = await problem(response, 400)
    assert body["errors"] == [{"field": "password", "message": "is required"}]


async def test_a_body_that_is_not_an_object_is_refused(client):
    response = await client.post(LOGIN, json=["tenant", "demo"])

    body = await problem(response, 400)
    assert "object" in body["errors"][0]["message"]


async def test_a_body_that_is_not_json_is_a_415_problem(client):
    response = await client.post(
        LOGIN, data="tenant=demo", headers={"Content-Type": "text/plain"}
    )

    body = await problem(response, 415)
    assert body["code"] == "unsupported-media-type"


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("secret detail from /srv/tcloud/db.py password=hunter2")


async def test_an_unexpected_error_is_a_generic_500(aiohttp_client, config):
    app = build_app(config)
    app.router.add_post("/boom", _boom)
    client = await aiohttp_client(app)

    response = await client.post("/boom")

    body = await problem(response, 500)
    assert body["detail"] == "Internal error"
    assert "secret" not in await response.text()
    assert "hunter2" not in await response.text()


async def test_signed_in_api_errors_carry_no_trace(client):
    response = await client.get("/api/v1/me")

    body = await problem(response, 401)
    assert body["code"] == "unauthorized"
