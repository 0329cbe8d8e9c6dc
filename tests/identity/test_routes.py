from tests.helpers import ADMIN_PASSWORD, sign_in


async def test_sign_in_and_me(client):
    session = await sign_in(client, "admin", ADMIN_PASSWORD)
    me = await session.json("GET", "/me")
    assert me["login"] == "admin"
    assert me["tenant"]["name"] == "demo"
    assert "*" in me["permissions"]


async def test_wrong_password_and_unknown_login_say_the_same(client):
    wrong = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "demo", "login": "admin", "password": "nope"},
    )
    unknown = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "demo", "login": "ghost", "password": "nope"},
    )
    assert wrong.status == unknown.status == 401
    assert (await wrong.json())["detail"] == (await unknown.json())["detail"]


async def test_logout_ends_the_session(admin):
    await admin.json("POST", "/auth/logout", status=204)
    response = await admin.get("/me")
    assert response.status == 401


async def test_unsafe_cookie_request_needs_csrf_and_origin(admin):
    no_csrf = await admin.post("/auth/logout", headers={"X-CSRF-Token": ""})
    assert no_csrf.status == 403
    other_origin = await admin.post(
        "/auth/logout", headers={"Origin": "https://evil.test"}
    )
    assert other_origin.status == 403
    assert (await admin.get("/me")).status == 200


async def test_the_password_policy_is_public(client, config):
    response = await client.get("/api/v1/auth/policy")

    assert response.status == 200
    assert (await response.json())["password_min_length"] == config.password_min_length


async def test_a_locked_account_says_when_to_try_again(client, config):
    body = {"tenant": "demo", "login": "admin", "password": "wrong"}
    for _ in range(config.login_max_failures):
        await client.post("/api/v1/auth/login", json=body)

    locked = await client.post(
        "/api/v1/auth/login", json={**body, "password": ADMIN_PASSWORD}
    )

    assert locked.status == 423
    assert 0 < int(locked.headers["Retry-After"]) <= config.login_lockout_minutes * 60
    assert "try again in about" in (await locked.json())["detail"]
