"""The run pool: tenants take turns for threads; cancels reach a running run."""

from __future__ import annotations

import asyncio
import time

import pytest

from tcloud.appkeys import PLATFORM
from tcloud.dataprep.runs import Cancelled, Control, RunPool


@pytest.fixture
async def pool(client, monkeypatch):  # type: ignore[no-untyped-def]
    pool = RunPool(client.app[PLATFORM], 1)
    finished: dict[str, str] = {}
    changed = asyncio.Event()

    async def record(control: Control, values: dict) -> None:
        return None

    async def finish(control: Control, status: str, values: dict) -> None:
        finished[control.run_id] = status
        changed.set()

    monkeypatch.setattr(pool, "_record", record)
    monkeypatch.setattr(pool, "_finish", finish)
    pool.finished = finished  # type: ignore[attr-defined]
    pool.changed = changed  # type: ignore[attr-defined]
    yield pool
    await pool.close()


async def _until(pool, done) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(10):
        while not done():
            pool.changed.clear()
            await pool.changed.wait()


def _quick():  # type: ignore[no-untyped-def]
    async def work(control: Control, pool: RunPool) -> dict:
        return {}

    return work


async def test_tenants_take_turns(pool) -> None:
    gate = asyncio.Event()

    async def blocker(control: Control, p: RunPool) -> dict:
        await gate.wait()
        return {}

    pool.submit("a", "a0", blocker)
    for run_id in ("a1", "a2", "a3"):
        pool.submit("a", run_id, _quick())
    pool.submit("b", "b1", _quick())
    pool.submit("c", "c1", _quick())
    await asyncio.sleep(0)
    gate.set()
    await _until(pool, lambda: len(pool.finished) == 6)

    started = [run_id for _, run_id in pool.started_order]
    assert started == ["a0", "a1", "b1", "c1", "a2", "a3"]


async def test_a_running_run_sees_its_cancel(pool) -> None:
    def spin(control: Control) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            control.check()
            time.sleep(0.01)

    async def work(control: Control, p: RunPool) -> dict:
        await p.in_thread(spin, control)
        return {}

    pool.submit("a", "r1", work)
    await asyncio.sleep(0.05)
    outcome = pool.cancel("r1")
    await _until(pool, lambda: "r1" in pool.finished)

    assert outcome == "signalled" and pool.finished["r1"] == "cancelled"


async def test_a_queued_run_is_dequeued(pool) -> None:
    gate = asyncio.Event()

    async def blocker(control: Control, p: RunPool) -> dict:
        await gate.wait()
        return {}

    pool.submit("a", "r1", blocker)
    pool.submit("a", "r2", _quick())

    outcome = pool.cancel("r2")
    gate.set()
    await _until(pool, lambda: "r1" in pool.finished)

    assert outcome == "dequeued" and "r2" not in pool.finished
    assert pool.queued_count() == 0


async def test_a_failure_is_recorded_with_its_reason(pool) -> None:
    async def broken(control: Control, p: RunPool) -> dict:
        raise ValueError("no column named 'x'")

    pool.submit("a", "r1", broken)
    await _until(pool, lambda: "r1" in pool.finished)

    assert pool.finished["r1"] == "failed"
    assert Cancelled
