"""Walks over every declared endpoint: tenant isolation and the viewer's
read-only reach. Both read the endpoint list at test time, so a new route is
covered as soon as it is declared; `Walker` finds real ids for its path."""

from __future__ import annotations

from tcloud.appkeys import ENDPOINTS, PLATFORM
from tcloud.platform import bootstrap
from tests.console.factories import make_world, persona, sign_in
from tests.console.walk import MISSING, Walker, body_for, fill_every_id
from tests.helpers import ADMIN_PASSWORD

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_ROUTES = {"/auth/login", "/auth/logout", "/me/password"}
VIEWER_EXEMPT = SESSION_ROUTES | {"/me/tokens", "/me/tokens/{id}"}


async def test_another_tenants_ids_answer_404_on_every_route(client, admin):
    endpoints = [e for e in client.app[ENDPOINTS] if e.path not in SESSION_ROUTES]
    walker = Walker(admin, endpoints, await make_world(admin))
    paths_a = {e.path: (await walker.path(e.path))[0] for e in endpoints}
    ids_a = {*walker.world.values(), *walker.found.values()} - {MISSING}
    await bootstrap.create_tenant(
        client.app[PLATFORM], "other", admin_password=ADMIN_PASSWORD
    )
    admin_b = await sign_in(client, "admin", ADMIN_PASSWORD, tenant="other")
    leaks = []

    for endpoint in endpoints:
        if "{" not in endpoint.path:
            response = await admin_b.request(
                endpoint.method, endpoint.path, **body_for(endpoint)
            )
            text = await response.text()
            if any(value in text for value in ids_a):
                leaks.append(f"{endpoint.method} {endpoint.path} shows A's data")
            continue
        paths = {paths_a[endpoint.path]}
        paths |= {fill_every_id(endpoint.path, value) for value in ids_a}
        for path in sorted(paths):
            response = await admin_b.request(
                endpoint.method, path, **body_for(endpoint)
            )
            if response.status != 404:
                leaks.append(f"{endpoint.method} {path}: {response.status}")

    assert leaks == []
    user = await admin.json("GET", f"/users/{walker.world['user']}")
    assert user["login"] == "wendy"


async def test_a_viewer_changes_nothing(client, admin):
    endpoints = client.app[ENDPOINTS]
    walker = Walker(admin, endpoints, await make_world(admin))
    viewer = await persona(admin, "vera", "Viewer")
    allowed = []

    for endpoint in endpoints:
        if endpoint.method not in UNSAFE or endpoint.path in VIEWER_EXEMPT:
            continue
        path, complete = await walker.path(endpoint.path)
        response = await viewer.request(endpoint.method, path, **body_for(endpoint))
        # Without a real object to aim at, "not found" also changes nothing.
        if response.status != 403 and (complete or response.status != 404):
            allowed.append(f"{endpoint.method} {path}: {response.status}")

    assert allowed == []
    project = await viewer.json("GET", f"/projects/{walker.world['project']}")
    assert project["access"] == "read"
