from tests.console.factories import persona


async def _project(admin, name="Sales"):  # type: ignore[no-untyped-def]
    return await admin.json("POST", "/projects", 201, json={"name": name})


async def test_project_crud_and_paging(admin):
    made = await admin.json(
        "POST", "/projects", 201, json={"name": "Sales", "description": "Q4"}
    )
    for name in ("Alpha", "Zeta"):
        await _project(admin, name)

    assert made["access"] == "admin"
    page = await admin.json("GET", "/projects", params={"limit": 2})
    assert page["total"] == 3 and [p["name"] for p in page["items"]] == [
        "Alpha",
        "Sales",
    ]
    assert (await admin.json("GET", "/projects", params={"q": "zet"}))["total"] == 1
    changed = await admin.json(
        "PATCH", f"/projects/{made['id']}", json={"description": "Q1"}
    )
    assert changed["description"] == "Q1"
    clash = await admin.post("/projects", json={"name": "sales"})
    assert clash.status == 409
    await admin.json("DELETE", f"/projects/{made['id']}", 204)
    assert (await admin.get(f"/projects/{made['id']}")).status == 404


async def test_without_projects_read_one_sees_only_granted_projects(admin):
    bob = await persona(admin, "bob")
    bob_id = (await bob.json("GET", "/me"))["id"]
    sales, hidden = await _project(admin, "Sales"), await _project(admin, "Hidden")

    await admin.json(
        "PUT", f"/projects/{sales['id']}/grants/user/{bob_id}", json={"access": "read"}
    )

    mine = await bob.json("GET", "/projects")
    assert [(p["name"], p["access"]) for p in mine["items"]] == [("Sales", "read")]
    assert (await bob.get(f"/projects/{hidden['id']}")).status == 404
    edit = await bob.patch(f"/projects/{sales['id']}", json={"name": "Mine"})
    assert edit.status == 403
    assert (await bob.post("/projects", json={"name": "New"})).status == 403


async def test_write_grant_edits_and_admin_grant_manages_grants(admin):
    bob = await persona(admin, "bob")
    carl = await persona(admin, "carl")
    bob_id = (await bob.json("GET", "/me"))["id"]
    carl_id = (await carl.json("GET", "/me"))["id"]
    group = await admin.json(
        "POST", "/groups", 201, json={"name": "Sellers", "user_ids": [carl_id]}
    )
    sales = await _project(admin)
    grants = f"/projects/{sales['id']}/grants"
    await admin.json("PUT", f"{grants}/user/{bob_id}", json={"access": "write"})
    await admin.json("PUT", f"{grants}/group/{group['id']}", json={"access": "admin"})

    edited = await bob.json("PATCH", f"/projects/{sales['id']}", json={"name": "Sold"})
    assert edited["access"] == "write"
    assert (
        await bob.put(f"{grants}/user/{carl_id}", json={"access": "read"})
    ).status == 403
    assert (await bob.delete(f"/projects/{sales['id']}")).status == 403
    via_group = await carl.json(
        "PUT", f"{grants}/user/{bob_id}", json={"access": "read"}
    )
    assert via_group["access"] == "read" and via_group["principal_name"] == "bob"
    listed = await carl.json("GET", grants)
    assert {(g["principal_type"], g["principal_name"]) for g in listed["items"]} == {
        ("user", "bob"),
        ("group", "Sellers"),
    }
    await carl.json("DELETE", f"{grants}/user/{bob_id}", 204)
    assert (await bob.get(f"/projects/{sales['id']}")).status == 404
    await carl.json("DELETE", f"/projects/{sales['id']}", 204)


async def test_grants_name_real_principals(admin):
    sales = await _project(admin)
    grants = f"/projects/{sales['id']}/grants"

    ghost = await admin.put(f"{grants}/user/usr_ghost", json={"access": "read"})
    kind = await admin.put(f"{grants}/robot/usr_ghost", json={"access": "read"})
    level = await admin.put(f"{grants}/user/usr_ghost", json={"access": "owner"})

    assert ghost.status == 404
    assert kind.status == 400
    assert (await kind.json())["errors"][0]["field"] == "principal_type"
    assert level.status == 400
    assert (await level.json())["errors"][0]["field"] == "access"


async def test_a_viewer_sees_every_project_but_changes_none(admin):
    viewer = await persona(admin, "vera", "Viewer")
    sales = await _project(admin)

    seen = await viewer.json("GET", "/projects")
    edit = await viewer.patch(f"/projects/{sales['id']}", json={"name": "x"})

    assert [p["access"] for p in seen["items"]] == ["read"]
    assert edit.status == 403
