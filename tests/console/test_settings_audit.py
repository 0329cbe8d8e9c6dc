import pytest

from tests.console.factories import make_user


@pytest.fixture
def config(config):  # type: ignore[no-untyped-def]
    return config.with_overrides(trust_forwarded_for=True)


OFFICE = {"X-Forwarded-For": "10.1.2.3"}


async def test_ip_allowlist_shuts_out_other_addresses(client, admin):
    assert await admin.json("GET", "/settings/ip-allowlist") == {"entries": []}

    saved = await admin.json(
        "PUT",
        "/settings/ip-allowlist",
        json={"entries": ["10.0.0.0/8", " 10.9.9.9 "]},
        headers=OFFICE,
    )

    assert saved == {"entries": ["10.0.0.0/8", "10.9.9.9/32"]}
    outside = await admin.get("/me")
    assert outside.status == 403
    assert "allow-list" in (await outside.json())["detail"]
    assert (await admin.get("/me", headers=OFFICE)).status == 200
    sign_in = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "demo", "login": "admin", "password": "whatever-1A"},
    )
    assert sign_in.status == 403
    await admin.json(
        "PUT", "/settings/ip-allowlist", json={"entries": []}, headers=OFFICE
    )
    assert (await admin.get("/me")).status == 200


async def test_ip_allowlist_refuses_to_shut_out_the_caller(admin):
    response = await admin.put(
        "/settings/ip-allowlist", json={"entries": ["192.168.0.0/16"]}
    )
    bad = await admin.put("/settings/ip-allowlist", json={"entries": ["10.0.0.0/99"]})

    body = await response.json()
    assert response.status == 400
    assert body["errors"][0]["field"] == "entries"
    assert "127.0.0.1" in body["detail"]
    assert (await bad.json())["errors"][0]["field"] == "entries[0]"
    assert (await admin.json("GET", "/settings/ip-allowlist"))["entries"] == []


async def test_audit_log_records_who_did_what_from_where(admin):
    admin.headers.update(OFFICE)
    ada = await make_user(admin, "ada")
    await admin.json("PATCH", f"/users/{ada['id']}", json={"display_name": "A"})

    page = await admin.json("GET", "/audit", params={"object_id": ada["id"]})

    assert [e["action"] for e in page["items"]] == ["user.update", "user.create"]
    created = page["items"][1]
    assert created["actor_name"] == "admin" and created["object_name"] == "ada"
    assert created["source_ip"] == "10.1.2.3" and created["request_id"]
    assert "Us3r" not in str(page)


async def test_audit_log_filters(admin):
    me = (await admin.json("GET", "/me"))["id"]
    ada = await make_user(admin, "ada")
    await admin.json("POST", "/groups", 201, json={"name": "Team"})
    await admin.json("DELETE", f"/users/{ada['id']}", 204)
    everything = await admin.json("GET", "/audit")
    newest = everything["items"][0]["at"]

    def actions(page):  # type: ignore[no-untyped-def]
        return [e["action"] for e in page["items"]]

    async def query(**params):  # type: ignore[no-untyped-def]
        return await admin.json("GET", "/audit", params=params)

    assert actions(everything)[:3] == ["user.delete", "group.create", "user.create"]
    assert actions(await query(action="group.create")) == ["group.create"]
    assert actions(await query(object_type="user", actor=me))[:2] == [
        "user.delete",
        "user.create",
    ]
    assert (await query(actor="admin"))["total"] == (await query(actor=me))["total"]
    assert actions(await query(q="team")) == ["group.create"]
    assert actions(await query(outcome="failure")) == []
    assert actions(await query(since=newest)) == ["user.delete"]
    assert "user.delete" not in actions(await query(until=newest))
    assert (await query(since="2000-01-01"))["total"] == everything["total"]
    paged = await query(limit=1, offset=1)
    assert actions(paged) == ["group.create"] and paged["total"] == everything["total"]
    bad = await admin.get("/audit", params={"since": "yesterday"})
    assert (await bad.json())["errors"][0]["field"] == "since"
    assert (await admin.get("/audit", params={"outcome": "meh"})).status == 400
