"""Steps the browser tests share: signing in through the page, and an API
session (Playwright's request context) to set up what a test needs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.helpers import ADMIN_PASSWORD
from tests.ui.conftest import settle

PASSWORD = "Us3r-secret-pass"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def sign_in(
    page: Any,
    login: str = "admin",
    password: str = ADMIN_PASSWORD,
    *,
    here: bool = False,
) -> None:
    """Sign in through the sign-in page (the one shown, if here) and wait for
    the page after it."""
    if not here:
        page.goto("/signin")
    page.get_by_label("Tenant").fill("demo")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)
    page.locator("main h1").first.wait_for()
    settle(page)


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.locator(".user-trigger").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url("**/signin")


@dataclass
class Api:
    """An administrator's API session, for arranging a test quickly."""

    request: Any
    origin: str
    csrf: str = ""

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        headers = {"Origin": self.origin, "X-CSRF-Token": self.csrf}
        response = self.request.fetch(
            "/api/v1" + path, method=method, data=body, headers=headers
        )
        assert response.status == status, (
            f"{method} {path}: {response.status} {response.text()}"
        )
        return response.json() if response.status != 204 else None

    def role_id(self, name: str) -> str:
        roles = self.call("GET", "/roles?limit=100")["items"]
        return next(r["id"] for r in roles if r["name"] == name)

    def user(self, login: str, role: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {"login": login, "password": PASSWORD, **extra}
        if role:
            body["role_ids"] = [self.role_id(role)]
        return self.call("POST", "/users", body, status=201)


def api_session(browser, server: str) -> tuple[Any, Api]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server)
    api = Api(context.request, server)
    signed = api.call(
        "POST",
        "/auth/login",
        {"tenant": "demo", "login": "admin", "password": ADMIN_PASSWORD},
    )
    api.csrf = signed["csrf_token"]
    return context, api
