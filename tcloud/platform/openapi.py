"""The OpenAPI 3.1 description, built from the declared endpoints."""

from __future__ import annotations

import re
from typing import Any

from tcloud import __version__
from tcloud.platform.api import CSRF_HEADER, Endpoint
from tcloud.platform.auth import SESSION_COOKIE
from tcloud.platform.errors import PROBLEM_BASE

PATH_PARAM = re.compile(r"{(\w+)}")

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string", "description": PROBLEM_BASE + "<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}
            }
        },
    }


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string", "minLength": 1, "maxLength": 100}}
        for name in PATH_PARAM.findall(endpoint.path)
    ]  # fmt: skip
    if endpoint.query:
        needed = set(endpoint.query.get("required") or ())
        for name, schema in endpoint.query["properties"].items():
            params.append(
                {"name": name, "in": "query", "required": name in needed,
                 "schema": schema}
            )  # fmt: skip
    return params


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": endpoint.summary,
        "operationId": endpoint.handler.__name__,
        "tags": [endpoint.tag],
        "responses": {},
    }
    if endpoint.description:
        op["description"] = endpoint.description
    if endpoint.permission:
        op["x-permission"] = endpoint.permission
    params = _parameters(endpoint)
    if params:
        op["parameters"] = params
    if endpoint.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": endpoint.body}},
        }
    elif endpoint.raw_body:
        op["requestBody"] = {
            "required": True,
            "content": {
                endpoint.raw_body: {"schema": {"type": "string", "format": "binary"}}
            },
        }
    responses = op["responses"]
    if endpoint.status == 204 or (
        endpoint.response is None and not endpoint.raw_response
    ):
        responses[str(endpoint.status)] = {"description": "Done"}
    elif endpoint.raw_response:
        responses[str(endpoint.status)] = {
            "description": "OK",
            "content": {endpoint.raw_response: {"schema": {"type": "string"}}},
        }
    else:
        responses[str(endpoint.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": endpoint.response}},
        }
    responses["400"] = _problem("The request is not valid")
    if endpoint.public:
        op["security"] = []
    else:
        responses["401"] = _problem("Not signed in")
        responses["403"] = _problem("Not allowed")
    if PATH_PARAM.search(endpoint.path):
        responses["404"] = _problem("No such object")
    return op


def build(endpoints: list[Endpoint], server_url: str = "/api/v1") -> dict[str, Any]:
    """Return the OpenAPI 3.1 document for the given endpoints."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(
            endpoint
        )
    tags = sorted({e.tag for e in endpoints})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tcloud API",
            "version": __version__,
            "description": "The API behind the tcloud console, the CLI and scripts.",
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": t} for t in tags],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Problem": PROBLEM},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token or service account token.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": (
                        f"Unsafe methods also need the {CSRF_HEADER} header."
                    ),
                },
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
