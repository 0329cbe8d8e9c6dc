"""Python jobs on real engines: parameters, secrets, exit status, time limit."""

from __future__ import annotations

import asyncio
import base64
import hashlib

from tcloud.appkeys import PLATFORM
from tests.engines.kit import eventually, make_task, python_job, wait_status

JOB = """
import hashlib, json, os, sys
params = json.load(open(os.environ["TCLOUD_PARAMS_FILE"]))
print("city", params["city"])
print("secret sha", hashlib.sha256(params["password"].encode()).hexdigest()[:12])
print('##tcloud metrics {"rows_read": 7, "rows_written": 6, "rows_rejected": 1}')
print("oops", file=sys.stderr)
sys.exit(int(params.get("exit", 0)))
"""
SLOW_JOB = "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n"
SECRET = "s3cr3t-value-never-logged"


async def _publish_job(boss, name: str, source: str) -> dict:  # type: ignore[no-untyped-def]
    content = base64.b64encode(python_job(source)).decode()
    body = {"name": name, "kind": "python", "content_base64": content}
    return await boss.json("POST", "/artifacts", 201, json=body)


async def test_a_python_job_gets_its_parameters_and_secrets(server, boss, make_engine):  # type: ignore[no-untyped-def]
    await make_engine("py")
    art = await _publish_job(boss, "job", JOB)
    task = await make_task(
        boss, art["id"], parameters={"city": "Nantes"}, secrets={"password": SECRET}
    )
    assert task["secret_names"] == ["password"] and "secrets" not in task

    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    done = await wait_status(boss, run["id"], "succeeded", "failed")

    assert done["status"] == "succeeded", done["error"]
    assert done["exit_code"] == 0
    assert (done["rows_read"], done["rows_written"], done["rows_rejected"]) == (7, 6, 1)
    log = await (await boss.get(f"/executions/{run['id']}/log")).text()
    assert "city Nantes" in log and "err oops" in log
    assert hashlib.sha256(SECRET.encode()).hexdigest()[:12] in log
    assert SECRET not in log
    platform = server.test_server.app[PLATFORM]
    tenant = await platform.tenants.by_name("demo")
    async with platform.stores.use(tenant.id) as db:
        row = await db.fetchone("SELECT secrets FROM tasks WHERE id = ?", [task["id"]])
    assert SECRET.encode() not in row["secrets"]


async def test_the_exit_status_decides(server, boss, make_engine) -> None:
    await make_engine("py")
    art = await _publish_job(boss, "job", JOB)
    task = await make_task(
        boss, art["id"], parameters={"city": "x", "exit": 3}, secrets={"password": "p"}
    )

    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    done = await wait_status(boss, run["id"], "succeeded", "failed")

    assert done["status"] == "failed"
    assert done["exit_code"] == 3 and "status 3" in done["error"]


async def test_a_job_past_its_time_limit_is_stopped(server, boss, make_engine) -> None:
    await make_engine("py")
    art = await _publish_job(boss, "slow", SLOW_JOB)
    task = await make_task(boss, art["id"], timeout_seconds=1)

    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    done = await wait_status(boss, run["id"], "succeeded", "failed", timeout=20)

    assert done["status"] == "failed" and "time limit" in done["error"]


async def test_cancel_stops_the_child_process(server, boss, make_engine) -> None:
    await make_engine("py")
    art = await _publish_job(boss, "slow", SLOW_JOB)
    task = await make_task(boss, art["id"])
    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)

    async def sleeping():  # type: ignore[no-untyped-def]
        log = await (await boss.get(f"/executions/{run['id']}/log")).text()
        return "sleeping" in log

    await eventually(sleeping)
    await boss.json("POST", f"/executions/{run['id']}/cancel")
    done = await wait_status(boss, run["id"], "cancelled", "failed", timeout=15)

    assert done["status"] == "cancelled"


async def test_a_plans_only_embedded_engine_says_so(server, boss, make_engine) -> None:
    engine = await make_engine("embedded", "--plans-only", "--embedded")
    art = await _publish_job(boss, "job", JOB)
    task = await make_task(boss, art["id"], engine_id=engine.engine_id)

    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    done = await wait_status(boss, run["id"], "failed", "succeeded")

    assert "declarative plans only" in done["error"]
    assert "embedded_engine_python_jobs" in done["error"]


async def test_a_python_job_waits_for_an_engine_that_runs_python(
    server, boss, make_engine
):  # type: ignore[no-untyped-def]
    await make_engine("plans", "--plans-only")
    art = await _publish_job(boss, "job", JOB)
    task = await make_task(
        boss, art["id"], parameters={"city": "y"}, secrets={"password": "p"}
    )
    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
    await _still(boss, run["id"], "queued")

    await make_engine("python")
    done = await wait_status(boss, run["id"], "succeeded", "failed")

    assert done["status"] == "succeeded"


async def _still(boss, exec_id: str, status: str) -> None:  # type: ignore[no-untyped-def]
    await asyncio.sleep(1.5)
    row = await boss.json("GET", f"/executions/{exec_id}")
    assert row["status"] == status


PID_JOB = "import os, time\nprint('pid', os.getpid(), flush=True)\ntime.sleep(60)\n"


async def test_a_job_never_outlives_its_killed_engine(
    server, boss, make_engine
) -> None:
    engine = await make_engine("py")
    art = await _publish_job(boss, "pid", PID_JOB)
    task = await make_task(boss, art["id"])
    run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)

    async def pid() -> int | None:
        log = await (await boss.get(f"/executions/{run['id']}/log")).text()
        found = [line[4:] for line in log.splitlines() if line.startswith("pid ")]
        return int(found[0]) if found else None

    child = await eventually(pid)
    engine.kill9()

    async def gone() -> bool:
        return _zombie(child)

    assert await eventually(gone, 10)


def _zombie(pid: int) -> bool:
    """Say whether a process is gone, or dead and waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] == "Z"
    except FileNotFoundError:
        return True
