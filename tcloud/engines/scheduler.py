"""Cron triggers for tasks: every few seconds, queue the tasks that are due.

A task's next run time is kept in its row, so a restart neither loses nor
repeats a trigger: a run missed while the server was down fires once when
it comes back, then the schedule goes on from the current time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from aiohttp import web

from tcloud import log
from tcloud.appkeys import PLATFORM
from tcloud.engines import service, store
from tcloud.engines.cron import Cron, CronError
from tcloud.platform import audit
from tcloud.platform.context import Platform

TICK_SECONDS = 5.0
ACTOR = audit.Actor("system", "scheduler", "scheduler")


async def fire_due(platform: Platform, now: float) -> int:
    """Queue one execution of every task that is due; return how many."""
    fired = 0
    for tenant in await platform.tenants.all():
        async with platform.stores.use(tenant.id) as db:
            due = await store.due_tasks(db, now)
            for row in due:
                await _fire(db, row, now)
                fired += 1
        if due:
            service.work_arrived(platform, tenant.id)
    return fired


async def _fire(db, row, now: float) -> None:  # type: ignore[no-untyped-def]
    try:
        following = Cron(row["cron"]).next_after(now)
    except CronError:
        following = None
    async with db.transaction() as tx:
        task = await store.task(tx, row["id"])
        await store.set_next_run(tx, row["id"], following)
        if task is None:
            return
        exec_id = await store.insert_execution(
            tx,
            task_id=row["id"],
            artifact_version_id=task["artifact_version_id"],
            trigger="schedule",
            triggered_by="scheduler",
        )
        await audit.record(
            tx,
            ACTOR,
            "task.run",
            "task",
            row["id"],
            task["name"],
            details={"execution": exec_id, "trigger": "schedule"},
        )


async def _loop(platform: Platform, tick: float) -> None:
    while True:
        try:
            await fire_due(platform, time.time())
        except Exception:
            log.server.exception("scheduler_tick_failed")
        await asyncio.sleep(tick)


async def scheduler_context(app: web.Application) -> AsyncIterator[None]:
    """Run the cron loop while the server is up."""
    task = asyncio.create_task(_loop(app[PLATFORM], TICK_SECONDS), name="scheduler")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
