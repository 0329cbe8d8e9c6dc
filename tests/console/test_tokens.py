from tests.console.factories import make_user, persona, role_id, token_session


async def test_personal_access_token_create_use_revoke(admin):
    bob = await persona(admin, "bob", "Viewer")
    made = await bob.json(
        "POST", "/me/tokens", 201, json={"name": "laptop", "expires_in_days": 30}
    )
    assert made["token"].startswith("tcp_") and made["status"] == "active"
    assert made["expires_at"]

    cli = token_session(admin, made["token"])
    me = await cli.json("GET", "/me")
    assert me["login"] == "bob" and me["auth"] == "token"
    assert (await cli.get("/users")).status == 200
    assert (await cli.post("/groups", json={"name": "nope"})).status == 403
    listed = await bob.json("GET", "/me/tokens")
    assert [t["name"] for t in listed["items"]] == ["laptop"]
    assert "token" not in listed["items"][0]

    await bob.json("DELETE", f"/me/tokens/{made['id']}", 204)
    assert (await cli.get("/me")).status == 401
    events = await admin.json("GET", "/audit", params={"object_type": "token"})
    assert [e["action"] for e in events["items"]] == ["token.revoke", "token.create"]
    assert made["token"] not in str(events)


async def test_a_token_follows_its_owners_current_permissions(admin):
    bob = await persona(admin, "bob", "Viewer")
    bob_id = (await bob.json("GET", "/me"))["id"]
    made = await bob.json("POST", "/me/tokens", 201, json={"name": "ci"})
    cli = token_session(admin, made["token"])
    assert (await cli.get("/users")).status == 200

    viewer = await role_id(admin, "Viewer")
    await admin.json("DELETE", f"/roles/{viewer}/grants/user/{bob_id}", 204)

    assert (await cli.get("/users")).status == 403


async def test_someone_elses_token_is_not_mine(admin):
    bob = await persona(admin, "bob", "Viewer")
    made = await bob.json("POST", "/me/tokens", 201, json={"name": "mine"})

    assert (await admin.delete(f"/me/tokens/{made['id']}")).status == 404


async def test_administrators_see_and_revoke_every_token(admin):
    bob = await persona(admin, "bob", "Viewer")
    made = await bob.json("POST", "/me/tokens", 201, json={"name": "bob's"})
    cli = token_session(admin, made["token"])

    everyone = await admin.json("GET", "/tokens")
    assert everyone["total"] == 1
    assert everyone["items"][0]["owner"]["name"] == "bob"
    assert (await bob.get("/tokens")).status == 403
    await admin.json("DELETE", f"/tokens/{made['id']}", 204)
    assert (await cli.get("/me")).status == 401
    revoked = await bob.json("GET", "/me/tokens")
    assert revoked["items"][0]["status"] == "revoked"


async def test_deleting_a_user_revokes_their_tokens(admin):
    bob = await persona(admin, "bob", "Viewer")
    bob_id = (await bob.json("GET", "/me"))["id"]
    made = await bob.json("POST", "/me/tokens", 201, json={"name": "ci"})
    cli = token_session(admin, made["token"])

    await admin.json("DELETE", f"/users/{bob_id}", 204)

    assert (await cli.get("/me")).status == 401


async def test_service_account_crud_and_token_with_its_own_roles(admin):
    operator = await role_id(admin, "Security administrator")
    account = await admin.json(
        "POST",
        "/service-accounts",
        201,
        json={"name": "deployer", "description": "CI", "role_ids": [operator]},
    )
    assert account["roles"] == [{"id": operator, "name": "Security administrator"}]
    made = await admin.json(
        "POST", f"/service-accounts/{account['id']}/tokens", 201, json={"name": "ci"}
    )

    cli = token_session(admin, made["token"])
    me = await cli.json("GET", "/me")
    assert me["kind"] == "service_account" and me["login"] == "deployer"
    created = await cli.json("POST", "/users", 201, json={"login": "by-bot"})
    assert created["login"] == "by-bot"
    assert (await cli.post("/projects", json={"name": "nope"})).status == 403
    assert (await cli.get("/me/tokens")).status == 403
    listed = await admin.json("GET", f"/service-accounts/{account['id']}/tokens")
    assert [t["id"] for t in listed["items"]] == [made["id"]]
    events = await admin.json(
        "GET", "/audit", params={"action": "user.create", "actor": "deployer"}
    )
    assert events["total"] == 1

    await admin.json(
        "PATCH", f"/service-accounts/{account['id']}", json={"status": "inactive"}
    )
    assert (await cli.get("/me")).status == 401
    await admin.json(
        "PATCH", f"/service-accounts/{account['id']}", json={"status": "active"}
    )
    assert (await cli.get("/me")).status == 200
    await admin.json(
        "DELETE", f"/service-accounts/{account['id']}/tokens/{made['id']}", 204
    )
    assert (await cli.get("/me")).status == 401
    await admin.json("DELETE", f"/service-accounts/{account['id']}", 204)
    assert (await admin.get(f"/service-accounts/{account['id']}")).status == 404


async def test_service_accounts_page_and_unique_names(admin):
    for name in ("alpha-bot", "beta-bot", "gamma"):
        await admin.json("POST", "/service-accounts", 201, json={"name": name})

    page = await admin.json("GET", "/service-accounts", params={"q": "bot", "limit": 1})
    clash = await admin.post("/service-accounts", json={"name": "GAMMA"})

    assert page["total"] == 2 and [a["name"] for a in page["items"]] == ["alpha-bot"]
    assert clash.status == 409


async def test_a_revoked_user_token_fails_at_once_even_when_cached(admin):
    await make_user(admin, "spare")
    made = await admin.json("POST", "/me/tokens", 201, json={"name": "hot"})
    cli = token_session(admin, made["token"])
    assert (await cli.get("/me")).status == 200

    await admin.json("DELETE", f"/me/tokens/{made['id']}", 204)

    assert (await cli.get("/me")).status == 401
