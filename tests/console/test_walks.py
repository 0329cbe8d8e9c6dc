"""Walks over every declared endpoint: tenant isolation and the viewer's
read-only reach. Both read the endpoint list at test time, so a new route is
covered as soon as it is declared."""

from __future__ import annotations

from tcloud.appkeys import ENDPOINTS, PLATFORM
from tcloud.platform import bootstrap
from tests.console.factories import body_for, fill_path, make_world, persona, sign_in
from tests.helpers import ADMIN_PASSWORD

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_ROUTES = {"/auth/login", "/auth/logout", "/me/password"}
VIEWER_EXEMPT = SESSION_ROUTES | {"/me/tokens", "/me/tokens/{id}"}


async def test_another_tenants_ids_answer_404_on_every_route(client, admin):
    ids_a = await make_world(admin)
    await bootstrap.create_tenant(
        client.app[PLATFORM], "other", admin_password=ADMIN_PASSWORD
    )
    admin_b = await sign_in(client, "admin", ADMIN_PASSWORD, tenant="other")
    leaks = []

    for endpoint in client.app[ENDPOINTS]:
        if endpoint.path in SESSION_ROUTES:
            continue
        if "{" not in endpoint.path:
            response = await admin_b.request(
                endpoint.method, endpoint.path, **body_for(endpoint)
            )
            text = await response.text()
            if any(value in text for value in ids_a.values()):
                leaks.append(f"{endpoint.method} {endpoint.path} shows A's data")
            continue
        paths = {fill_path(endpoint.path, ids_a)}
        paths |= {fill_path(endpoint.path, ids_a, value) for value in ids_a.values()}
        for path in sorted(paths):
            response = await admin_b.request(
                endpoint.method, path, **body_for(endpoint)
            )
            if response.status != 404:
                leaks.append(f"{endpoint.method} {path}: {response.status}")

    assert leaks == []
    assert (await admin.json("GET", f"/users/{ids_a['user']}"))["login"] == "wendy"


async def test_a_viewer_changes_nothing(client, admin):
    ids = await make_world(admin)
    viewer = await persona(admin, "vera", "Viewer")
    allowed = []

    for endpoint in client.app[ENDPOINTS]:
        if endpoint.method not in UNSAFE or endpoint.path in VIEWER_EXEMPT:
            continue
        path = fill_path(endpoint.path, ids)
        response = await viewer.request(endpoint.method, path, **body_for(endpoint))
        if response.status != 403:
            allowed.append(f"{endpoint.method} {path}: {response.status}")

    assert allowed == []
    assert (await viewer.json("GET", f"/projects/{ids['project']}"))["access"] == "read"
