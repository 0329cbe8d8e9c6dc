"""Pair, run, follow and cancel, with real engine processes on a real websocket."""

from __future__ import annotations

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
