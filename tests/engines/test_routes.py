"""The engines API without engines: environments, workspaces, artifacts, tasks."""

from __future__ import annotations

import base64
import time

from tcloud.appkeys import PLATFORM
from tcloud.engines import scheduler
from tcloud.platform import auth, passwords, people
from tests.engines.kit import QUICK_PLAN, make_task, publish_plan, python_job
from tests.helpers import PASSWORD, Session, TokenSession


async def _environments(admin: Session) -> dict[str, dict]:  # type: ignore[type-arg]
    page = await admin.json("GET", "/environments")
    return {e["name"]: e for e in page["items"]}


async def test_a_default_environment_with_a_shared_and_a_personal_workspace(
    admin,
) -> None:
    envs = await _environments(admin)

    spaces = await admin.json(
        "GET", f"/environments/{envs['default']['id']}/workspaces"
    )

    kinds = sorted(w["kind"] for w in spaces["items"])
    assert kinds == ["personal", "shared"]
    assert all("manage" in w["permissions"] for w in spaces["items"])


async def test_environments_are_created_renamed_and_deleted(admin) -> None:
    made = await admin.json("POST", "/environments", 201, json={"name": "prod"})
    await admin.json("PATCH", f"/environments/{made['id']}", json={"description": "p"})
    default = (await _environments(admin))["default"]

    refused = await admin.json("DELETE", f"/environments/{default['id']}", 409)
    await admin.json("DELETE", f"/environments/{made['id']}", 204)

    assert "cannot be deleted" in refused["detail"]
    assert set(await _environments(admin)) == {"default"}


async def test_publishing_makes_versions(admin) -> None:
    first = await publish_plan(admin, "p", QUICK_PLAN)
    second = await publish_plan(admin, "p", {**QUICK_PLAN, "name": "v2"})

    assert first["id"] == second["id"]
    assert [v["version"] for v in second["versions"]] == [2, 1]
    assert second["versions"][0]["blob_key"].startswith("artifacts/")
    bad = await admin.json(
        "POST",
        "/artifacts",
        400,
        json={
            "name": "z",
            "kind": "python",
            "content_base64": base64.b64encode(b"no").decode(),
        },
    )
    assert "zip" in bad["detail"]


async def test_a_python_job_needs_its_entry_point(admin) -> None:
    content = base64.b64encode(python_job("print(1)", "run.py")).decode()
    body = {"name": "j", "kind": "python", "content_base64": content}

    missing = await admin.json("POST", "/artifacts", 400, json=body)
    made = await admin.json(
        "POST", "/artifacts", 201, json={**body, "entry_point": "run.py"}
    )

    assert "main.py is not in the zip" in missing["detail"]
    assert made["versions"][0]["entry_point"] == "run.py"


async def test_publish_a_file_as_is(admin) -> None:
    response = await admin.post(
        "/artifacts/upload?name=zipped",
        data=python_job("print(1)"),
        headers={"Content-Type": "application/octet-stream"},
    )
    body = await response.json()

    assert response.status == 201, body
    assert body["kind"] == "python" and body["latest_version"] == 1


async def test_tasks_validate_cron_and_keep_secrets_hidden(admin) -> None:
    art = await publish_plan(admin, "p", QUICK_PLAN)
    bad = await admin.json(
        "POST",
        "/tasks",
        400,
        json={"name": "t", "artifact_id": art["id"], "cron": "99 * * * *"},
    )
    task = await make_task(
        admin,
        art["id"],
        cron="*/5 * * * *",
        secrets={"pw": "x"},
        retry={"max_attempts": 3, "delay_seconds": 10},
    )

    assert bad["errors"][0]["field"] == "cron"
    assert task["next_run_at"] and task["secret_names"] == ["pw"]
    assert task["retry"] == {"max_attempts": 3, "delay_seconds": 10}
    assert "x" not in str(task.get("parameters"))


async def test_the_scheduler_queues_due_tasks_once(client, admin) -> None:
    art = await publish_plan(admin, "p", QUICK_PLAN)
    task = await make_task(admin, art["id"], cron="* * * * *")
    platform = client.server.app[PLATFORM]

    fired = await scheduler.fire_due(platform, time.time() + 120)
    again = await scheduler.fire_due(platform, time.time() + 120)

    assert (fired, again) == (1, 0)
    page = await admin.json("GET", f"/executions?task_id={task['id']}")
    assert [e["trigger"] for e in page["items"]] == ["schedule"]
    assert page["items"][0]["status"] == "queued"


async def test_cancel_a_queued_execution(admin) -> None:
    art = await publish_plan(admin, "p", QUICK_PLAN)
    task = await make_task(admin, art["id"])
    run = await admin.json("POST", f"/tasks/{task['id']}/run", 201)

    cancelled = await admin.json("POST", f"/executions/{run['id']}/cancel")
    again = await admin.json("POST", f"/executions/{run['id']}/cancel", 409)

    assert cancelled["status"] == "cancelled"
    assert "already ended" in again["detail"]


async def test_promotion_copies_a_version_and_its_tasks(admin) -> None:
    prod = await admin.json("POST", "/environments", 201, json={"name": "prod"})
    art = await publish_plan(admin, "p", QUICK_PLAN)
    await make_task(admin, art["id"], name="nightly", parameters={"who": "prod"})

    made = await admin.json(
        "POST",
        "/promotions",
        201,
        json={"artifact_id": art["id"], "target_environment_id": prod["id"]},
    )

    assert len(made["tasks"]) == 1
    spaces = await admin.json("GET", f"/environments/{prod['id']}/workspaces")
    shared = [w for w in spaces["items"] if w["kind"] == "shared"][0]
    tasks = await admin.json("GET", f"/tasks?workspace_id={shared['id']}")
    assert [t["name"] for t in tasks["items"]] == ["nightly"]
    assert tasks["items"][0]["parameters"] == {"who": "prod"}
    assert tasks["items"][0]["environment_id"] == prod["id"]


async def _member(client, admin, role: str) -> Session:  # type: ignore[no-untyped-def]
    platform = client.server.app[PLATFORM]
    tenant = await platform.tenants.by_name("demo")
    async with platform.stores.use(tenant.id) as db:
        roles = await db.fetchall("SELECT id, name FROM roles")
        role_id = {r["name"]: r["id"] for r in roles}[role]
        hashed = await passwords.hash_password_async(PASSWORD)
        async with db.transaction() as tx:
            user_id = await people.insert_user(tx, login="dev", password_hash=hashed)
            await people.grant_role(tx, role_id, "user", user_id)
        _, token = await auth.issue_token(
            platform,
            db,
            tenant_id=tenant.id,
            name="t",
            owner_type="user",
            owner_id=user_id,
            created_by=user_id,
            expires_in_days=None,
        )
    await platform.control.execute(
        "INSERT INTO logins (tenant_id, login, user_id) VALUES (?, ?, ?)",
        [tenant.id, "dev", user_id],
    )
    return TokenSession(client, token)


async def test_workspace_grants_limit_what_a_member_sees(client, admin) -> None:
    default = (await _environments(admin))["default"]
    team = await admin.json(
        "POST", f"/environments/{default['id']}/workspaces", 201, json={"name": "Team"}
    )
    await admin.json(
        "PUT",
        f"/workspaces/{team['id']}/grants",
        json={
            "grants": [
                {
                    "principal_type": "user",
                    "principal_id": "nobody",
                    "permission": "view",
                }
            ]
        },
    )
    await publish_plan(admin, "p", QUICK_PLAN)
    admin_art = await admin.json(
        "POST",
        "/artifacts",
        201,
        json={
            "name": "team-plan",
            "kind": "plan",
            "plan": QUICK_PLAN,
            "workspace_id": team["id"],
        },
    )

    dev = await _member(client, admin, "Integration developer")
    seen = await dev.json("GET", "/artifacts")
    refused = await dev.json("GET", f"/artifacts/{admin_art['id']}", 404)
    own = await dev.json(
        "POST",
        "/artifacts",
        201,
        json={"name": "mine", "kind": "plan", "plan": QUICK_PLAN},
    )

    assert [a["name"] for a in seen["items"]] == []
    assert refused["code"] == "not-found"
    assert own["workspace_id"] != team["id"]


async def test_an_operator_cannot_publish(client, admin) -> None:
    operator = await _member(client, admin, "Operator")

    refused = await operator.json(
        "POST",
        "/artifacts",
        403,
        json={"name": "x", "kind": "plan", "plan": QUICK_PLAN},
    )

    assert "artifacts:write" in refused["detail"]


async def test_pairing_keys_need_engines_write(client, admin) -> None:
    made = await admin.json(
        "POST", "/engine-pairing-keys", 201, json={"engine_name": "x"}
    )
    listed = await admin.json("GET", "/engine-pairing-keys")
    operator = await _member(client, admin, "Operator")

    await operator.json("POST", "/engine-pairing-keys", 403, json={})

    assert made["key"].startswith("tpk_") and made["state"] == "open"
    assert made["command"].startswith("tcloud engine pair --url ")
    assert "key" not in listed["items"][0]


async def test_a_group_grant_opens_a_workspace_to_its_members(client, admin) -> None:
    default = (await _environments(admin))["default"]
    team = await admin.json(
        "POST", f"/environments/{default['id']}/workspaces", 201, json={"name": "Ops"}
    )
    body = {
        "name": "ops-plan",
        "kind": "plan",
        "plan": QUICK_PLAN,
        "workspace_id": team["id"],
    }
    art = await admin.json("POST", "/artifacts", 201, json=body)
    platform = client.server.app[PLATFORM]
    tenant = await platform.tenants.by_name("demo")
    dev = await _member(client, admin, "Integration developer")
    async with platform.stores.use(tenant.id) as db:
        user_id = await db.fetchval("SELECT id FROM users WHERE login = 'dev'")
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO groups (id, name, created_at, updated_at)"
                " VALUES ('grp_ops', 'Ops', '', '')"
            )
            await tx.execute(
                "INSERT INTO group_members (group_id, user_id) VALUES ('grp_ops', ?)",
                [user_id],
            )
            await tx.execute(
                "INSERT INTO workspace_grants VALUES (?, 'group', 'grp_ops', 'view')",
                [team["id"]],
            )

    seen = await dev.json("GET", f"/artifacts/{art['id']}")
    refused = await dev.json("POST", "/artifacts", 403, json={**body, "name": "other"})

    assert seen["name"] == "ops-plan"
    assert "workspace permission publish" in refused["detail"]


async def test_tasks_are_changed_and_deleted(admin) -> None:
    art = await publish_plan(admin, "p", QUICK_PLAN)
    task = await make_task(admin, art["id"], name="nightly")

    changed = await admin.json(
        "PATCH", f"/tasks/{task['id']}", json={"cron": "0 2 * * *", "enabled": False}
    )
    same = await admin.json(
        "PATCH", f"/tasks/{task['id']}",
        json={"cron": "0 2 * * *", "enabled": False, "secrets": {}},
    )  # fmt: skip
    audited = await admin.json("GET", "/audit", params={"object_id": task["id"]})
    updates = [e for e in audited["items"] if e["action"] == "task.update"]
    assert same["cron"] == "0 2 * * *" and len(updates) == 1  # no change, no event
    wrong = await admin.json(
        "PATCH", f"/tasks/{task['id']}", 400, json={"engine_id": "eng_nope"}
    )
    await admin.json("DELETE", f"/tasks/{task['id']}", 204)

    assert changed["cron"] == "0 2 * * *" and changed["enabled"] is False
    assert wrong["errors"][0]["field"] == "engine_id"
    await admin.json("GET", f"/tasks/{task['id']}", 404)
