import csv
import io
import logging
import secrets

from tcloud.appkeys import PLATFORM
from tcloud.platform import bootstrap
from tests.console.factories import (
    login,
    make_user,
    persona,
    role_id,
    sign_in,
    token_session,
)
from tests.helpers import ADMIN_PASSWORD, PASSWORD


async def test_create_get_update_delete_a_user(admin):
    made = await make_user(admin, "ada", email="ada@example.com", display_name="Ada")
    assert made["status"] == "active" and not made["must_change_password"]
    assert "temporary_password" not in made

    got = await admin.json("GET", f"/users/{made['id']}")
    assert got["login"] == "ada" and got["roles"] == [] and got["locked"] is False
    changed = await admin.json(
        "PATCH", f"/users/{made['id']}", json={"display_name": "Ada L."}
    )
    assert changed["display_name"] == "Ada L."

    await admin.json("DELETE", f"/users/{made['id']}", 204)
    assert (await admin.get(f"/users/{made['id']}")).status == 404
    assert (await login(admin.client, "ada", PASSWORD)).status == 401


async def test_users_page_search_and_sort(admin):
    for name in ("carol", "bob", "dave"):
        await make_user(admin, name, email=f"{name}@example.com")

    page = await admin.json("GET", "/users", params={"limit": 2, "sort": "-login"})
    assert page["total"] == 4 and page["limit"] == 2 and page["offset"] == 0
    assert [u["login"] for u in page["items"]] == ["dave", "carol"]
    rest = await admin.json(
        "GET", "/users", params={"limit": 2, "offset": 2, "sort": "-login"}
    )
    assert [u["login"] for u in rest["items"]] == ["bob", "admin"]
    found = await admin.json("GET", "/users", params={"q": "CAROL@"})
    assert [u["login"] for u in found["items"]] == ["carol"]
    recent = await admin.json("GET", "/users", params={"sort": "-last_login_at"})
    assert recent["items"][0]["login"] == "admin"
    assert (
        recent["items"][0]["last_login_at"] and not recent["items"][1]["last_login_at"]
    )
    oldest = await admin.json("GET", "/users", params={"sort": "created_at"})
    assert [u["login"] for u in oldest["items"]] == ["admin", "carol", "bob", "dave"]
    wild = await admin.json("GET", "/users", params={"q": "%"})
    assert wild["total"] == 0
    too_many = await admin.get("/users", params={"limit": 501})
    assert too_many.status == 400
    assert (await too_many.json())["errors"][0]["field"] == "query.limit"


async def test_status_filter_and_csv_export(admin):
    bob = await make_user(admin, "bob", display_name="=HYPERLINK(1)")
    await admin.json("PATCH", f"/users/{bob['id']}", json={"status": "inactive"})

    inactive = await admin.json("GET", "/users", params={"status": "inactive"})
    assert [u["login"] for u in inactive["items"]] == ["bob"]
    response = await admin.get("/users/export.csv")
    assert response.status == 200
    assert response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [r["login"] for r in rows] == ["admin", "bob"]
    assert rows[0]["roles"] == "Tenant administrator"
    assert rows[1]["display_name"] == "'=HYPERLINK(1)"
    assert "password" not in (await response.text()).split("\n")[0].replace(
        "must_change_password", ""
    )


async def test_login_is_unique_and_bad_input_names_the_field(admin):
    await make_user(admin, "ada")

    duplicate = await admin.post("/users", json={"login": "ADA", "password": PASSWORD})
    assert duplicate.status == 409
    assert (await duplicate.json())["errors"] == [
        {"field": "login", "message": "is already taken"}
    ]
    bad = await admin.post("/users", json={"login": "a b", "email": "nope"})
    assert bad.status == 400
    fields = {e["field"] for e in (await bad.json())["errors"]}
    assert fields == {"login", "email"}
    unknown_role = await admin.post(
        "/users", json={"login": "eve", "role_ids": ["rol_nope"]}
    )
    assert (await unknown_role.json())["errors"][0]["field"] == "role_ids[0]"


async def test_password_policy_applies(admin):
    response = await admin.post("/users", json={"login": "ada", "password": "short"})
    body = await response.json()
    assert response.status == 400
    assert {e["field"] for e in body["errors"]} == {"password"}
    weak = await admin.post(
        "/users", json={"login": "ada", "password": "ada-ada-ada-ada-1"}
    )
    assert "must not contain the login" in (await weak.json())["detail"]


async def test_a_user_without_password_gets_a_temporary_one(client, admin):
    made = await admin.json("POST", "/users", 201, json={"login": "tim"})
    assert made["must_change_password"] is True
    temporary = made["temporary_password"]

    tim = await sign_in(client, "tim", temporary)
    blocked = await tim.get("/users")
    assert blocked.status == 403
    assert (await blocked.json())["code"] == "password-change-required"
    await tim.json(
        "POST",
        "/me/password",
        json={"current_password": temporary, "new_password": PASSWORD},
    )
    events = await admin.json("GET", "/audit", params={"action": "user.create"})
    assert temporary not in str(events)


async def test_seat_limit_counts_active_users(client):
    await bootstrap.create_tenant(
        client.app[PLATFORM], "small", seat_limit=2, admin_password=ADMIN_PASSWORD
    )
    admin = await sign_in(client, "admin", ADMIN_PASSWORD, "small")
    bob = await make_user(admin, "bob")

    full = await admin.post("/users", json={"login": "carl", "password": PASSWORD})
    body = await full.json()
    assert full.status == 409 and body["code"] == "seat-limit"
    assert "2 of 2 seats" in body["detail"]
    await admin.json("PATCH", f"/users/{bob['id']}", json={"status": "inactive"})
    carl = await make_user(admin, "carl")
    back = await admin.patch(f"/users/{bob['id']}", json={"status": "active"})
    assert back.status == 409 and (await back.json())["code"] == "seat-limit"
    assert carl["status"] == "active"


async def test_reset_password_forces_a_change_and_ends_sessions(client, admin):
    bob = await persona(admin, "bob", "Viewer")
    user_id = (await bob.json("GET", "/me"))["id"]

    reset = await admin.json("POST", f"/users/{user_id}/reset-password")
    assert (await bob.get("/me")).status == 401
    assert (await login(client, "bob", PASSWORD)).status == 401
    again = await sign_in(client, "bob", reset["temporary_password"])
    assert (await again.json("GET", "/me"))["must_change_password"] is True
    assert (await again.get("/users")).status == 403
    changed = await again.post(
        "/me/password",
        json={
            "current_password": reset["temporary_password"],
            "new_password": PASSWORD,
        },
    )
    assert changed.status == 200
    fresh = await sign_in(client, "bob", PASSWORD)
    assert (await fresh.json("GET", "/users"))["total"] == 2
    details = await admin.json(
        "GET", "/audit", params={"action": "user.password_reset"}
    )
    assert details["total"] == 1
    assert reset["temporary_password"] not in str(details)


async def test_deactivation_and_deletion_end_sessions_at_once(client, admin):
    bob = await persona(admin, "bob", "Viewer")
    carl = await persona(admin, "carl", "Viewer")
    bob_id = (await bob.json("GET", "/me"))["id"]
    carl_id = (await carl.json("GET", "/me"))["id"]

    await admin.json("PATCH", f"/users/{bob_id}", json={"status": "inactive"})
    await admin.json("DELETE", f"/users/{carl_id}", 204)

    assert (await bob.get("/me")).status == 401
    assert (await carl.get("/me")).status == 401
    assert (await login(client, "bob", PASSWORD)).status == 401
    assert (await login(client, "carl", PASSWORD)).status == 401
    assert (await admin.json("GET", "/me"))["login"] == "admin"


async def test_nobody_deactivates_or_deletes_themself(admin):
    me = (await admin.json("GET", "/me"))["id"]

    off = await admin.patch(f"/users/{me}", json={"status": "inactive"})
    gone = await admin.delete(f"/users/{me}")

    assert off.status == gone.status == 409
    assert "yourself" in (await gone.json())["detail"]


async def test_nobody_resets_their_own_password_as_an_administrator(admin):
    me = (await admin.json("GET", "/me"))["id"]

    reset = await admin.post(f"/users/{me}/reset-password")

    assert reset.status == 409
    assert "/me/password" in (await reset.json())["detail"]
    assert (await admin.get("/me")).status == 200


async def test_the_last_tenant_administrator_keeps_the_role(admin):
    me = (await admin.json("GET", "/me"))["id"]
    admin_role = await role_id(admin, "Tenant administrator")

    lose = await admin.delete(f"/roles/{admin_role}/grants/user/{me}")
    assert lose.status == 409
    assert "Tenant administrator" in (await lose.json())["detail"]
    other = await make_user(admin, "root2", "Tenant administrator")
    await admin.json("DELETE", f"/roles/{admin_role}/grants/user/{me}", 204)
    assert (await admin.get(f"/roles/{admin_role}")).status == 403
    root2 = await sign_in(admin.client, "root2")
    role = await root2.json("GET", f"/roles/{admin_role}")
    assert [h["id"] for h in role["holders"]] == [other["id"]]


async def test_lockout_after_repeated_failures_and_unlock(client, admin):
    bob = await make_user(admin, "bob")
    limit = client.app[PLATFORM].config.login_max_failures

    for _ in range(limit):
        assert (await login(client, "bob", "wrong-Passw0rd")).status == 401
    assert (await login(client, "bob", PASSWORD)).status == 423
    assert (await admin.json("GET", f"/users/{bob['id']}"))["locked"] is True
    locks = await admin.json("GET", "/audit", params={"action": "auth.lock"})
    assert [e["object_id"] for e in locks["items"]] == [bob["id"]]

    await admin.json("POST", f"/users/{bob['id']}/unlock")
    assert (await login(client, "bob", PASSWORD)).status == 200


async def test_unknown_logins_lock_the_same_way(client):
    limit = client.app[PLATFORM].config.login_max_failures
    # Unknown logins are counted in memory for the whole process: use a fresh one.
    ghost = f"ghost-{secrets.token_hex(4)}"

    statuses = [
        (await login(client, ghost, "wrong-Passw0rd")).status for _ in range(limit + 1)
    ]

    assert statuses == [401] * limit + [423]


async def test_a_deleted_login_can_be_used_again(client, admin):
    first = await make_user(admin, "reuse")
    await admin.json("DELETE", f"/users/{first['id']}", 204)

    second = await make_user(admin, "reuse")

    assert second["id"] != first["id"]
    assert (await login(client, "reuse", PASSWORD)).status == 200


async def test_a_refused_change_leaves_no_trace(admin):
    me = (await admin.json("GET", "/me"))["id"]
    admin_role = await role_id(admin, "Tenant administrator")
    group = await admin.json(
        "POST", "/groups", 201, json={"name": "Admins", "role_ids": [admin_role]}
    )
    await admin.json("POST", f"/groups/{group['id']}/members", json={"user_id": me})
    await admin.json("DELETE", f"/roles/{admin_role}/grants/user/{me}", 204)

    leave = await admin.delete(f"/groups/{group['id']}/members/{me}")
    drop = await admin.delete(f"/groups/{group['id']}")

    assert leave.status == drop.status == 409
    events = await admin.json("GET", "/audit", params={"object_id": group["id"]})
    assert "group.member_remove" not in [e["action"] for e in events["items"]]
    assert "group.delete" not in [e["action"] for e in events["items"]]
    assert (await admin.json("GET", f"/groups/{group['id']}"))["members"][0]["id"] == me


async def test_deactivation_and_reset_revoke_tokens(admin):
    bob = await persona(admin, "bob", "Viewer")
    bob_id = (await bob.json("GET", "/me"))["id"]
    first = await bob.json("POST", "/me/tokens", 201, json={"name": "one"})
    cli = token_session(admin, first["token"])

    await admin.json("PATCH", f"/users/{bob_id}", json={"status": "inactive"})
    await admin.json("PATCH", f"/users/{bob_id}", json={"status": "active"})
    assert (await cli.get("/me")).status == 401
    again = await sign_in(admin.client, "bob")
    second = await again.json("POST", "/me/tokens", 201, json={"name": "two"})
    await admin.json("POST", f"/users/{bob_id}/reset-password")

    assert (await token_session(admin, second["token"]).get("/me")).status == 401
    tokens = await admin.json("GET", "/tokens")
    assert {t["status"] for t in tokens["items"]} == {"revoked"}


async def test_no_secret_reaches_the_audit_log_or_the_logs(admin, caplog):
    caplog.set_level(logging.DEBUG, logger="tcloud")
    made = await admin.json("POST", "/users", 201, json={"login": "tim"})
    chosen = await make_user(admin, "sue")
    reset = await admin.json("POST", f"/users/{chosen['id']}/reset-password")
    token = await admin.json("POST", "/me/tokens", 201, json={"name": "t"})

    secrets_seen = [
        made["temporary_password"],
        reset["temporary_password"],
        token["token"],
        PASSWORD,
    ]
    events = str(await admin.json("GET", "/audit", params={"limit": 500}))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records
    for secret in secrets_seen:
        assert secret not in events
        assert secret not in logged
