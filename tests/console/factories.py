"""Factories and personas for the console's tests, made through the API."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tcloud.platform.auth import SESSION_COOKIE
from tests.helpers import PASSWORD, Session, TokenSession


class Person(Session):
    """A client signed in by its own cookie, so that personas do not share
    the test client's cookie jar."""

    def __init__(self, client: TestClient, csrf: str, cookie: str) -> None:
        super().__init__(client, csrf)
        self.cookie = cookie

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        cookie = {"Cookie": f"{SESSION_COOKIE}={self.cookie}"}
        return {**super()._headers(None), **cookie, **(extra or {})}

    async def request(self, method: str, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        self.client.session.cookie_jar.clear()
        return await super().request(method, path, **kw)


async def login(client: TestClient, login: str, password: str, tenant: str = "demo"):  # type: ignore[no-untyped-def]
    """Post a sign-in and return the raw response."""
    client.session.cookie_jar.clear()
    return await client.post(
        "/api/v1/auth/login",
        json={"tenant": tenant, "login": login, "password": password},
    )


async def sign_in(
    client: TestClient, name: str, password: str = PASSWORD, tenant: str = "demo"
) -> Person:
    response = await login(client, name, password, tenant)
    body = await response.json()
    assert response.status == 200, body
    cookie = response.cookies[SESSION_COOKIE].value
    client.session.cookie_jar.clear()
    return Person(client, body["csrf_token"], cookie)


async def role_id(admin: Session, name: str) -> str:
    page = await admin.json("GET", "/roles", params={"q": name})
    return next(r["id"] for r in page["items"] if r["name"] == name)


async def make_user(
    admin: Session, login: str, *roles: str, password: str = PASSWORD, **fields: Any
) -> dict[str, Any]:
    role_ids = [await role_id(admin, name) for name in roles]
    body = {"login": login, "password": password, "role_ids": role_ids, **fields}
    return await admin.json("POST", "/users", 201, json=body)


async def persona(
    admin: Session, login: str, *roles: str, tenant: str = "demo"
) -> Session:
    """Make a user with the given roles and sign them in."""
    await make_user(admin, login, *roles)
    return await sign_in(admin.client, login, PASSWORD, tenant)


async def make_world(admin: Session) -> dict[str, str]:
    """Make one object of every kind the console manages; return their ids."""
    user = await make_user(admin, "wendy", email="wendy@example.com")
    group = await admin.json(
        "POST", "/groups", 201, json={"name": "Walkers", "user_ids": [user["id"]]}
    )
    role = await admin.json(
        "POST", "/roles", 201, json={"name": "Walk role", "permissions": ["users:read"]}
    )
    account = await admin.json(
        "POST",
        "/service-accounts",
        201,
        json={"name": "walk-bot", "role_ids": [role["id"]]},
    )
    account_token = await admin.json(
        "POST", f"/service-accounts/{account['id']}/tokens", 201, json={"name": "ci"}
    )
    pat = await admin.json("POST", "/me/tokens", 201, json={"name": "laptop"})
    project = await admin.json("POST", "/projects", 201, json={"name": "Walk project"})
    await admin.json(
        "PUT",
        f"/projects/{project['id']}/grants/user/{user['id']}",
        json={"access": "read"},
    )
    await admin.json(
        "POST",
        f"/roles/{role['id']}/grants",
        json={"principal_type": "group", "principal_id": group["id"]},
    )
    return {
        "user": user["id"],
        "group": group["id"],
        "role": role["id"],
        "service_account": account["id"],
        "token": account_token["id"],
        "pat": pat["id"],
        "project": project["id"],
    }


def token_session(admin: Session, token: str) -> TokenSession:
    return TokenSession(admin.client, token)
