"""HTTP for signing in and out, who am I, and changing one's password."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from tcloud.appkeys import REQUEST_ID
from tcloud.identity import service
from tcloud.platform.api import Call, Endpoints, client_ip
from tcloud.platform.auth import SESSION_COOKIE
from tcloud.platform.schema import boolean, integer, obj, string

endpoints = Endpoints("Auth")

LOGIN = obj(
    {"tenant": string(1, 40), "login": string(1, 64), "password": string(1, 256)}
)
SIGNED_IN = obj(
    {"tenant": string(), "login": string(), "user_id": string(),
     "csrf_token": string(), "must_change_password": boolean()}
)  # fmt: skip
ME = obj(additional=True)
PASSWORD = obj({"current_password": string(1, 256), "new_password": string(1, 256)})


def _with_cookie(call: Call, body: dict[str, Any], session_id: str) -> web.Response:
    response = web.Response(body=orjson.dumps(body), content_type="application/json")
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="Strict",
        secure=call.platform.config.tls,
        path="/",
    )
    return response


@endpoints.post("/auth/login", None, "Sign in", public=True, body=LOGIN,
                response=SIGNED_IN,
                description="Starts a session: sets an HttpOnly cookie and returns the"
                " CSRF token to send as X-CSRF-Token on unsafe requests.")  # fmt: skip
async def login(call: Call) -> web.Response:
    body = call.body
    request = call.request
    signed = await service.sign_in(
        call.platform,
        body["tenant"],
        body["login"],
        body["password"],
        client_ip(request),
        request.headers.get("User-Agent", ""),
        request.get(REQUEST_ID, ""),
    )
    result = {
        "tenant": signed.tenant.name,
        "login": signed.user["login"],
        "user_id": signed.user["id"],
        "csrf_token": signed.csrf_token,
        "must_change_password": bool(signed.user["must_change_password"]),
    }
    return _with_cookie(call, result, signed.session_id)


@endpoints.post("/auth/logout", None, "Sign out", status=204)
async def logout(call: Call) -> web.Response:
    assert call.auth is not None
    if call.auth.session_hash:
        await service.sign_out(call.tenant, call.auth.session_hash)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@endpoints.get("/me", None, "Who is signed in", response=ME)
async def me(call: Call) -> dict[str, Any]:
    result = await service.whoami(call.tenant)
    if call.auth is not None and call.auth.csrf_token:
        result["csrf_token"] = call.auth.csrf_token
    return result


@endpoints.post("/me/password", None, "Change my password", body=PASSWORD, response=ME)
async def change_password(call: Call) -> web.Response:
    session_id, csrf = await service.change_password(
        call.tenant,
        call.body["current_password"],
        call.body["new_password"],
        call.request.headers.get("User-Agent", ""),
    )
    return _with_cookie(call, {"csrf_token": csrf}, session_id)


POLICY = obj(
    {"password_min_length": integer(1), "login_max_failures": integer(1),
     "login_lockout_minutes": integer(1)}
)  # fmt: skip


@endpoints.get("/auth/policy", None, "The password and sign-in policy", public=True,
               response=POLICY)  # fmt: skip
async def policy(call: Call) -> dict[str, int]:
    config = call.platform.config
    return {
        "password_min_length": config.password_min_length,
        "login_max_failures": config.login_max_failures,
        "login_lockout_minutes": config.login_lockout_minutes,
    }
