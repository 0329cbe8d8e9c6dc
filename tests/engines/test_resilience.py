"""Engines that die, servers that restart, credentials used twice, revocation."""

from __future__ import annotations

import os
import signal

import orjson

from tcloud.appkeys import PLATFORM
from tcloud.engine import protocol as p
from tests.engines.kit import (
    QUICK_PLAN,
    SLEEP_PLAN,
    Engine,
    eventually,
    make_task,
    pairing_key,
    publish_plan,
    wait_status,
    ws_refused,
)

SHORT_PLAN = {
    "name": "short",
    "steps": [
        {"type": "log", "message": "start"},
        {"type": "sleep", "seconds": 4},
        {"type": "rows", "read": 5, "written": 5},
        {"type": "log", "message": "done"},
    ],
}


async def _state(boss, engine_id: str) -> str:  # type: ignore[no-untyped-def]
    return str((await boss.json("GET", f"/engines/{engine_id}"))["state"])


async def test_killed_engine_is_lost_then_retried_on_another(server, boss, make_engine):  # type: ignore[no-untyped-def]
    first = await make_engine("first", "--capacity", "1")
    await eventually(lambda: _is(boss, first.engine_id, "available"))
    art = await publish_plan(boss, "slow", SLEEP_PLAN)
    task = await make_task(
        boss, art["id"], parameters={"who": "x"}, retry={"max_attempts": 2}
    )
    started = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    await wait_status(boss, started["id"], "running")
    second = await make_engine("second")
    await eventually(lambda: _is(boss, second.engine_id, "available"))

    first.kill9()
    lost = await wait_status(boss, started["id"], "lost", timeout=15)

    assert lost["error"].startswith("lost")
    assert await _state(boss, first.engine_id) == "unavailable"

    async def retry():  # type: ignore[no-untyped-def]
        page = await boss.json("GET", f"/executions?task_id={task['id']}")
        found = [e for e in page["items"] if e["retry_of"] == started["id"]]
        return found[0] if found and found[0]["status"] == "running" else None

    again = await eventually(retry, 15)
    assert again["attempt"] == 2 and again["engine_id"] == second.engine_id


async def _is(boss, engine_id: str, state: str) -> bool:  # type: ignore[no-untyped-def]
    return await _state(boss, engine_id) == state


async def test_engines_reconnect_after_a_server_restart_and_report(
    server, boss, make_engine
):  # type: ignore[no-untyped-def]
    engine = await make_engine("survivor")
    art = await publish_plan(boss, "short", SHORT_PLAN)
    task = await make_task(boss, art["id"])
    started = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    await wait_status(boss, started["id"], "running")

    await server.stop()
    await server.start()
    boss = await server.admin()

    async def reported():  # type: ignore[no-untyped-def]
        row = await boss.json("GET", f"/engines/{engine.engine_id}")
        return started["id"] in row["running"]

    await eventually(reported, 10)
    done = await wait_status(boss, started["id"], "succeeded", "failed", "lost")
    assert done["status"] == "succeeded", done["error"]
    assert done["rows_written"] == 5
    log = await (await boss.get(f"/executions/{started['id']}/log")).text()
    assert "done" in log


async def test_a_second_engine_with_the_same_credential_closes_the_first(
    server, boss, make_engine, tmp_path
):  # type: ignore[no-untyped-def]
    older = await make_engine("twin")
    await eventually(lambda: _is(boss, older.engine_id, "available"))
    copy = Engine(tmp_path / "copy", server.url)
    copy.state_dir.mkdir()
    (copy.state_dir / "engine.json").write_bytes(
        (older.state_dir / "engine.json").read_bytes()
    )

    await copy.start()
    try:
        assert await older.exited(15) == 3
        assert "another connection with the same credentials" in older.log()
        await eventually(lambda: _is(boss, older.engine_id, "available"))
    finally:
        await copy.stop()


async def test_bad_used_and_expired_pairing_keys(server, boss, tmp_path) -> None:
    engine = Engine(tmp_path / "p", server.url)
    engine.state_dir.mkdir()

    code, out = await engine.pair("tpk_not-a-real-key")
    assert code == 2 and "pairing key is unknown" in out

    key = await pairing_key(boss)
    assert (await engine.pair(key))[0] == 0
    code, out = await engine.pair(key)
    assert code == 2 and "already used" in out

    key = await pairing_key(boss, expires_in_minutes=5)
    control = server.test_server.app[PLATFORM].control
    await control.execute(
        "UPDATE pairing_keys SET expires_at = 0 WHERE used_at IS NULL"
    )
    code, out = await engine.pair(key)
    assert code == 2 and "expired" in out

    keys = await boss.json("GET", "/engine-pairing-keys")
    assert sorted(k["state"] for k in keys["items"]) == ["expired", "used"]


async def test_pairing_keys_and_credentials_are_stored_hashed(
    server, boss, make_engine
):  # type: ignore[no-untyped-def]
    engine = await make_engine("hashed", start=False)
    credential = orjson.loads((engine.state_dir / "engine.json").read_bytes())[
        "credential"
    ]
    control = server.test_server.app[PLATFORM].control
    rows = await control.fetchall("SELECT * FROM engine_index")
    keys = await control.fetchall("SELECT * FROM pairing_keys")
    dumped = repr(rows) + repr(keys)
    assert credential not in dumped and credential[:12] not in dumped
    assert all(len(r["credential_hash"]) == 64 for r in rows)


async def test_a_revoked_engine_is_refused_at_once(server, boss, make_engine):  # type: ignore[no-untyped-def]
    engine = await make_engine("doomed")
    await eventually(lambda: _is(boss, engine.engine_id, "available"))
    art = await publish_plan(boss, "slow", SLEEP_PLAN)
    task = await make_task(boss, art["id"], parameters={"who": "x"})
    started = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    await wait_status(boss, started["id"], "running")

    revoked = await boss.json("POST", f"/engines/{engine.engine_id}/revoke")

    assert revoked["state"] == "revoked"
    assert await engine.exited(10) == 3
    assert (await execution_status(boss, started["id"])) == "lost"
    credential = orjson.loads((engine.state_dir / "engine.json").read_bytes())[
        "credential"
    ]
    assert await ws_refused(server.url, credential) == 401
    events = await _audit_actions(server)
    assert "engine.revoke" in events and "engine.pair" in events


async def execution_status(boss, exec_id: str) -> str:  # type: ignore[no-untyped-def]
    return str((await boss.json("GET", f"/executions/{exec_id}"))["status"])


async def _audit_actions(server) -> set[str]:  # type: ignore[no-untyped-def]
    platform = server.test_server.app[PLATFORM]
    tenant = await platform.tenants.by_name("demo")
    async with platform.stores.use(tenant.id) as db:
        rows = await db.fetchall("SELECT action FROM audit_events")
    return {r["action"] for r in rows}


async def test_an_execution_never_runs_on_two_engines(server, boss, make_engine):  # type: ignore[no-untyped-def]
    first = await make_engine("a", "--capacity", "1")
    art = await publish_plan(boss, "quick", QUICK_PLAN)
    task = await make_task(boss, art["id"], parameters={"who": "y"})
    runs = [await boss.json("POST", f"/tasks/{task['id']}/run", 201) for _ in range(4)]
    await make_engine("b", "--capacity", "1")

    done = [await wait_status(boss, r["id"], "succeeded", "failed") for r in runs]

    assert {d["status"] for d in done} == {"succeeded"}
    platform = server.test_server.app[PLATFORM]
    tenant = await platform.tenants.by_name("demo")
    async with platform.stores.use(tenant.id) as db:
        counts = await db.fetchall(
            "SELECT execution_id, count(*) AS n FROM execution_logs"
            " WHERE line LIKE 'finished:%' GROUP BY execution_id"
        )
    assert len(counts) == 4 and all(c["n"] == 1 for c in counts)
    assert first.process is not None


async def test_an_engine_back_from_a_freeze_stops_what_was_retried_elsewhere(
    server, boss, make_engine
):  # type: ignore[no-untyped-def]
    frozen = await make_engine("frozen", "--capacity", "1")
    await eventually(lambda: _is(boss, frozen.engine_id, "available"))
    art = await publish_plan(boss, "slow", SLEEP_PLAN)
    task = await make_task(
        boss, art["id"], parameters={"who": "x"}, retry={"max_attempts": 2}
    )
    started = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    await wait_status(boss, started["id"], "running")
    other = await make_engine("other")
    await eventually(lambda: _is(boss, other.engine_id, "available"))

    assert frozen.process is not None
    os.kill(frozen.process.pid, signal.SIGSTOP)
    try:
        await wait_status(boss, started["id"], "lost", timeout=15)
    finally:
        os.kill(frozen.process.pid, signal.SIGCONT)

    async def stopped_there():  # type: ignore[no-untyped-def]
        try:
            reply = await server.hub.request(frozen.engine_id, p.STATUS, {})
        except ConnectionError:
            return False
        return reply["running"] == []

    assert await eventually(stopped_there, 15)
    page = await boss.json("GET", f"/executions?task_id={task['id']}")
    retry = [e for e in page["items"] if e["retry_of"] == started["id"]][0]
    assert retry["engine_id"] == other.engine_id
    assert (await execution_status(boss, started["id"])) == "lost"


async def test_executions_of_an_engine_that_never_comes_back_after_a_restart_are_lost(
    server, boss, make_engine
):  # type: ignore[no-untyped-def]
    engine = await make_engine("gone")
    art = await publish_plan(boss, "slow", SLEEP_PLAN)
    task = await make_task(boss, art["id"], parameters={"who": "x"})
    started = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    await wait_status(boss, started["id"], "running")

    await server.stop()
    engine.kill9()
    await server.start()
    boss = await server.admin()

    lost = await wait_status(boss, started["id"], "lost", timeout=15)
    assert "went away" in lost["error"]
