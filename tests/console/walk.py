"""Walking every declared endpoint with real ids in its path.

Console objects come from `make_world`; for any other kind of object (an
app added later), the walker finds one the way a client would: it lists the
collection the id belongs to, and makes one there from the schema's
examples if the list is empty.
"""

from __future__ import annotations

import re
from typing import Any

from tcloud.platform.api import Endpoint
from tests.helpers import Session

PATH_PARAM = re.compile(r"{(\w+)}")
MISSING = "no-such-id"
WORLD_KINDS = {
    "/users": "user",
    "/groups": "group",
    "/roles": "role",
    "/service-accounts": "service_account",
    "/service-accounts/{id}/tokens": "token",
    "/me/tokens": "pat",
    "/tokens": "pat",
    "/projects": "project",
}
BY_NAME = {"user_id": "user", "principal_id": "user", "token_id": "token"}


def example(schema: dict[str, Any]) -> Any:
    """Return a value that the schema accepts, from its examples where given."""
    if "examples" in schema:
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return "w" * max(schema.get("minLength", 1), 1)


def _query_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def body_for(endpoint: Endpoint) -> dict[str, Any]:
    """Return a body and the required query parameters, from the schemas."""
    request: dict[str, Any] = {}
    if endpoint.body is not None:
        request["json"] = example(endpoint.body)
    query = endpoint.query or {}
    props = query.get("properties", {})
    required = {n: _query_value(example(props[n])) for n in query.get("required", [])}
    if required:
        request["params"] = required
    return request


def fill_every_id(template: str, value: str) -> str:
    """Put one value in every id parameter of a path."""
    return PATH_PARAM.sub(
        lambda m: "user" if m.group(1) == "principal_type" else value, template
    )


def _first_id(body: Any) -> str | None:
    items = body.get("items") if isinstance(body, dict) else body
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0].get("id")
    return None


class Walker:
    """Fills path parameters with ids of real objects, seen through `session`."""

    def __init__(
        self, session: Session, endpoints: list[Endpoint], world: dict[str, str]
    ) -> None:
        self.session = session
        self.endpoints = endpoints
        self.world = world
        self.found: dict[str, str] = {}

    async def path(self, template: str) -> tuple[str, bool]:
        """Return the path with real ids, and whether every id was found."""
        segments = template.strip("/").split("/")
        filled: list[str] = []
        complete = True
        for index, segment in enumerate(segments):
            match = PATH_PARAM.fullmatch(segment)
            if not match:
                filled.append(segment)
                continue
            value = await self._value(match.group(1), "/" + "/".join(segments[:index]))
            complete = complete and value != MISSING
            filled.append(value)
        return "/" + "/".join(filled), complete

    async def _value(self, name: str, collection: str) -> str:
        if name == "principal_type":
            return "user"
        kind = BY_NAME.get(name) or WORLD_KINDS.get(collection)
        if kind:
            return self.world[kind]
        if collection not in self.found:
            self.found[collection] = await self._discover(collection)
        return self.found[collection]

    async def _discover(self, collection: str) -> str:
        """List the collection (or one ending in the same word), else make one."""
        last = collection.rsplit("/", 1)[-1]
        candidates = [
            e for e in self.endpoints
            if e.path.rsplit("/", 1)[-1] == last and e.method in ("GET", "POST")
            and e.path.count("{") <= collection.count("{") + 1
        ]  # fmt: skip
        candidates.sort(key=lambda e: (e.path != collection, e.method != "GET"))
        for endpoint in candidates:
            path, complete = await self.path(endpoint.path)
            if not complete:
                continue
            response = await self.session.request(
                endpoint.method, path, **body_for(endpoint)
            )
            if response.status < 300 and response.content_type == "application/json":
                body = await response.json()
                found = body.get("id") if endpoint.method == "POST" else _first_id(body)
                if found:
                    return str(found)
        return MISSING
