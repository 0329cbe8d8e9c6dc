from tests.console.factories import make_user, persona, role_id


async def test_group_crud_members_and_paging(admin):
    ada = await make_user(admin, "ada")
    made = await admin.json(
        "POST", "/groups", 201, json={"name": "Data team", "description": "ETL"}
    )
    for name in ("Alpha", "Omega"):
        await admin.json("POST", "/groups", 201, json={"name": name})

    with_ada = await admin.json(
        "POST", f"/groups/{made['id']}/members", json={"user_id": ada["id"]}
    )
    assert [m["login"] for m in with_ada["members"]] == ["ada"]
    user = await admin.json("GET", f"/users/{ada['id']}")
    assert user["groups"] == [{"id": made["id"], "name": "Data team"}]
    page = await admin.json("GET", "/groups", params={"limit": 1, "offset": 1})
    assert page["total"] == 3 and [g["name"] for g in page["items"]] == ["Data team"]
    assert (await admin.json("GET", "/groups", params={"q": "ome"}))["total"] == 1
    renamed = await admin.json(
        "PATCH", f"/groups/{made['id']}", json={"name": "Data people"}
    )
    assert renamed["name"] == "Data people"
    clash = await admin.patch(f"/groups/{made['id']}", json={"name": "alpha"})
    assert clash.status == 409 and (await clash.json())["errors"][0]["field"] == "name"
    await admin.json("DELETE", f"/groups/{made['id']}/members/{ada['id']}", 204)
    assert (await admin.json("GET", f"/groups/{made['id']}"))["members"] == []
    await admin.json("DELETE", f"/groups/{made['id']}", 204)
    assert (await admin.get(f"/groups/{made['id']}")).status == 404


async def test_a_group_gives_its_roles_to_its_members(client, admin):
    bob = await persona(admin, "bob")
    bob_id = (await bob.json("GET", "/me"))["id"]
    assert (await bob.get("/users")).status == 403
    group = await admin.json(
        "POST",
        "/groups",
        201,
        json={"name": "Readers", "role_ids": [await role_id(admin, "Viewer")]},
    )

    await admin.json("POST", f"/groups/{group['id']}/members", json={"user_id": bob_id})

    assert (await bob.get("/users")).status == 200
    await admin.json("DELETE", f"/groups/{group['id']}/members/{bob_id}", 204)
    assert (await bob.get("/users")).status == 403


async def test_permissions_catalogue(admin):
    catalogue = await admin.json("GET", "/permissions")

    names = [p["name"] for p in catalogue]
    assert "users:read" in names and "audit:read" in names
    assert all(p["description"] for p in catalogue)


async def test_custom_role_crud_and_grants(admin):
    ada = await make_user(admin, "ada")
    made = await admin.json(
        "POST",
        "/roles",
        201,
        json={"name": "Auditor", "permissions": ["audit:read", "users:read"]},
    )
    assert made["builtin"] is False and made["permissions"] == [
        "audit:read",
        "users:read",
    ]

    granted = await admin.json(
        "POST",
        f"/roles/{made['id']}/grants",
        json={"principal_type": "user", "principal_id": ada["id"]},
    )
    assert granted["holders"] == [{"type": "user", "id": ada["id"], "name": "ada"}]
    user = await admin.json("GET", f"/users/{ada['id']}")
    assert user["roles"] == [{"id": made["id"], "name": "Auditor"}]
    changed = await admin.json(
        "PATCH", f"/roles/{made['id']}", json={"permissions": ["audit:read"]}
    )
    assert changed["permissions"] == ["audit:read"]
    every = await admin.json("GET", "/roles", params={"limit": 3, "offset": 6})
    assert every["total"] == 9 and len(every["items"]) == 3
    page = await admin.json("GET", "/roles", params={"q": "auditor"})
    assert [r["name"] for r in page["items"]] == ["Auditor"]
    await admin.json("DELETE", f"/roles/{made['id']}/grants/user/{ada['id']}", 204)
    await admin.json("DELETE", f"/roles/{made['id']}", 204)
    assert (await admin.get(f"/roles/{made['id']}")).status == 404


async def test_unknown_permissions_are_named(admin):
    response = await admin.post(
        "/roles", json={"name": "Odd", "permissions": ["users:read", "users:fly", "*"]}
    )

    body = await response.json()
    assert response.status == 400
    assert [e["field"] for e in body["errors"]] == ["permissions[1]", "permissions[2]"]
    assert "users:fly" in body["detail"]


async def test_builtin_roles_cannot_be_changed(admin):
    viewer = await role_id(admin, "Viewer")

    edit = await admin.patch(f"/roles/{viewer}", json={"description": "mine now"})
    drop = await admin.delete(f"/roles/{viewer}")

    assert edit.status == drop.status == 409
    assert "built-in" in (await drop.json())["detail"]


async def test_nobody_hands_out_permissions_they_lack(admin):
    security = await persona(admin, "sally", "Security administrator")
    sec_id = (await security.json("GET", "/me"))["id"]
    admin_role = await role_id(admin, "Tenant administrator")

    climb = await security.post(
        f"/roles/{admin_role}/grants",
        json={"principal_type": "user", "principal_id": sec_id},
    )
    made = await security.post(
        "/roles", json={"name": "Builder", "permissions": ["pipelines:write"]}
    )
    me = (await admin.json("GET", "/me"))["id"]
    reset = await security.post(f"/users/{me}/reset-password")
    admins = await admin.json(
        "POST", "/groups", 201, json={"name": "Admins", "role_ids": [admin_role]}
    )
    join = await security.post(
        f"/groups/{admins['id']}/members", json={"user_id": sec_id}
    )

    assert climb.status == made.status == reset.status == join.status == 403
    assert "Tenant administrator" in (await climb.json())["detail"]
