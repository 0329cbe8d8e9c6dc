"""Test personas and a signed-in API client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

ADMIN_PASSWORD = "Adm1n-secret-pass"
PASSWORD = "Us3r-secret-pass"


@dataclass
class Session:
    """A client signed in by cookie, that sends the CSRF token and Origin."""

    client: TestClient
    csrf: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        origin = str(self.client.make_url("/")).rstrip("/")
        base = {"Origin": origin, "X-CSRF-Token": self.csrf, **self.headers}
        return {**base, **(extra or {})}

    async def request(self, method: str, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        headers = self._headers(kw.pop("headers", None))
        return await self.client.request(method, "/api/v1" + path, headers=headers, **kw)

    async def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return await self.request("POST", path, **kw)

    async def put(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return await self.request("PUT", path, **kw)

    async def patch(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return await self.request("PATCH", path, **kw)

    async def delete(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return await self.request("DELETE", path, **kw)

    async def json(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """Make a request, check its status, and return its JSON body."""
        response = await self.request(method, path, **kw)
        text = await response.text()
        assert response.status == status, f"{method} {path}: {response.status} {text}"
        return await response.json() if text else None


async def sign_in(client: TestClient, login: str, password: str, tenant: str = "demo") -> Session:
    response = await client.post(
        "/api/v1/auth/login", json={"tenant": tenant, "login": login, "password": password}
    )
    body = await response.json()
    assert response.status == 200, body
    return Session(client, body["csrf_token"])


class TokenSession(Session):
    """A client that authenticates with a bearer token and no cookie."""

    def __init__(self, client: TestClient, token: str) -> None:
        super().__init__(client, "", {"Authorization": f"Bearer {token}"})

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {**self.headers, **(extra or {})}

    async def request(self, method: str, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        self.client.session.cookie_jar.clear()
        return await super().request(method, path, **kw)
