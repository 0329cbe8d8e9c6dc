"""Pair, run, follow and cancel, with real engine processes on a real websocket."""

from __future__ import annotations

import asyncio
import sys

import orjson

from tcloud.appkeys import PLATFORM
from tcloud.platform import auth
from tests.engines.kit import (
    QUICK_PLAN,
    SLEEP_PLAN,
    eventually,
    make_task,
    publish_plan,
    wait_status,
)


async def _available(boss, engine_id):  # type: ignore[no-untyped-def]
    row = await boss.json("GET", f"/engines/{engine_id}")
    return row if row["state"] == "available" else None


async def test_pair_and_run_a_plan(server, boss, make_engine) -> None:
    engine = await make_engine("first")
    shown = await eventually(lambda: _available(boss, engine.engine_id))
    assert shown["version"] and shown["capacity"] == 2 and shown["last_heartbeat_at"]
    art = await publish_plan(boss, "quick", QUICK_PLAN)
    task = await make_task(boss, art["id"], parameters={"who": "world"})

    started = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    done = await wait_status(boss, started["id"], "succeeded", "failed")

    assert done["status"] == "succeeded", done["error"]
    assert (done["rows_read"], done["rows_written"], done["rows_rejected"]) == (3, 3, 0)
    assert done["engine_id"] == engine.engine_id
    log = await (await boss.get(f"/executions/{started['id']}/log")).text()
    assert "hello world" in log and "finished: succeeded" in log

    # The full log came inline with the finish and is kept as a file.
    platform = server.hub.platform
    tenant_id = (await boss.json("GET", "/me"))["tenant"]["id"]

    async def kept() -> bool:
        async with platform.stores.use(tenant_id) as db:
            file = await db.fetchone(
                "SELECT blob_key FROM execution_files WHERE execution_id = ?"
                " AND kind = 'log'", [started["id"]],
            )  # fmt: skip
        return file is not None and file["blob_key"] != ""

    assert await eventually(kept)


async def test_cancel_a_running_execution(server, boss, make_engine) -> None:
    await make_engine("canceller")
    art = await publish_plan(boss, "slow", SLEEP_PLAN)
    task = await make_task(boss, art["id"], parameters={"who": "x"})
    started = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    await wait_status(boss, started["id"], "running")

    await boss.json("POST", f"/executions/{started['id']}/cancel")
    done = await wait_status(boss, started["id"], "cancelled", "failed", timeout=15)

    assert done["status"] == "cancelled"
    assert done["rows_read"] == 10


STEPPED_PLAN = {
    "name": "stepped",
    "steps": [
        {"type": "log", "message": "one"},
        {"type": "sleep", "seconds": 0.6},
        {"type": "log", "message": "two"},
        {"type": "sleep", "seconds": 0.6},
        {"type": "rows", "read": 4, "written": 4},
        {"type": "log", "message": "three"},
    ],
}


async def _events(response) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    seen, event = [], ""
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            seen.append((event, orjson.loads(line[6:])))
            if event == "end":
                break
    return seen


async def test_follow_an_execution_live(server, boss, make_engine) -> None:
    await make_engine("live")
    art = await publish_plan(boss, "stepped", STEPPED_PLAN)
    task = await make_task(boss, art["id"])
    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)

    response = await boss.get(f"/executions/{run['id']}/events")
    seen = await _events(response)

    assert response.headers["Content-Type"] == "text/event-stream"
    lines = [x["line"] for kind, body in seen if kind == "log" for x in body["lines"]]
    assert [line for line in lines if line in ("one", "two", "three")] == [
        "one",
        "two",
        "three",
    ]
    statuses = [body["status"] for kind, body in seen if kind == "status"]
    assert statuses[-1] == "succeeded" and "running" in statuses
    assert seen[-1] == ("end", {"status": "succeeded"})
    seqs = [x["seq"] for kind, body in seen if kind == "log" for x in body["lines"]]
    assert seqs == sorted(set(seqs))


async def test_publish_from_the_command_line(server, boss, tmp_path) -> None:
    platform = server.test_server.app[PLATFORM]
    tenant = await platform.tenants.by_name("demo")
    me = await boss.json("GET", "/me")
    async with platform.stores.use(tenant.id) as db:
        _, token = await auth.issue_token(
            platform,
            db,
            tenant_id=tenant.id,
            name="cli",
            owner_type="user",
            owner_id=me["id"],
            created_by=me["id"],
            expires_in_days=1,
        )
    plan = tmp_path / "nightly.json"
    plan.write_bytes(orjson.dumps(QUICK_PLAN))

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tcloud",
        "publish",
        str(plan),
        "--url",
        server.url,
        "--token",
        token,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()

    assert process.returncode == 0, err.decode()
    assert "published nightly version 1" in out.decode()
    page = await boss.json("GET", "/artifacts")
    assert [a["name"] for a in page["items"]] == ["nightly"]


PIPELINE = {
    "format": "tcloud.pipeline/1",
    "nodes": [
        {
            "id": "people",
            "type": "source",
            "config": {"dataset": {"kind": "file", "path": "${in}", "format": "csv"}},
        },
        {
            "id": "adults",
            "type": "filter",
            "config": {"conditions": [{"field": "age", "op": ">=", "value": 18}]},
        },
        {
            "id": "out",
            "type": "destination",
            "config": {"dataset": {"kind": "file", "path": "${out}", "format": "csv"}},
        },
    ],
    "edges": [{"from": "people", "to": "adults"}, {"from": "adults", "to": "out"}],
}


async def test_a_pipeline_plan_runs_on_the_runtime(server, boss, make_engine, tmp_path):  # type: ignore[no-untyped-def]
    source = tmp_path / "people.csv"
    source.write_text("name,age\nada,36\nbob,12\ncy,18\ndee,70\n")
    target = tmp_path / "adults.csv"
    await make_engine("runtime")
    art = await publish_plan(boss, "adults", PIPELINE)
    task = await make_task(
        boss, art["id"], parameters={"in": str(source), "out": str(target)}
    )

    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    done = await wait_status(boss, run["id"], "succeeded", "failed")

    assert done["status"] == "succeeded", done["error"]
    assert (done["rows_read"], done["rows_written"], done["rows_rejected"]) == (4, 3, 0)
    assert target.read_text().splitlines() == ["name,age", "ada,36", "cy,18", "dee,70"]
    log = await (await boss.get(f"/executions/{run['id']}/log")).text()
    assert "run finished" in log
