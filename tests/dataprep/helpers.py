"""Arranging dataprep tests: a dataset uploaded, a preparation on it."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from tests.helpers import Session

PEOPLE = (
    "id,name,zip,amount,joined\n"
    "1, alice ,01234,10.5,2024-01-05\n"
    "2,BOB,02345,-3,2024-02-10\n"
    "3,carol,,7,not a date\n"
    "4,dave,04567,=1+2,2024-03-15\n"
)


async def upload(
    session: Session,
    name: str = "people",
    data: str | bytes = PEOPLE,
    filename: str = "people.csv",
    **query: str,
) -> dict[str, Any]:
    raw = data.encode() if isinstance(data, str) else data
    body = io.BytesIO(raw) if len(raw) > 1 << 20 else raw
    return await session.json(
        "POST", "/preparations/upload", 201,
        params={"name": name, "filename": filename, **query}, data=body,
        headers={"Content-Type": "application/octet-stream"},
    )  # fmt: skip


async def add(session: Session, prep_id: str, step: dict[str, Any], status: int = 201):  # type: ignore[no-untyped-def]
    return await session.json(
        "POST", f"/preparations/{prep_id}/steps", status, json={"step": step}
    )


async def grid(session: Session, prep_id: str, **query: Any) -> dict[str, Any]:
    return await session.json("GET", f"/preparations/{prep_id}/grid", params=query)


async def wait_run(session: Session, run_id: str, seconds: float = 60) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        run = await session.json("GET", f"/dataprep/runs/{run_id}")
        if run["status"] in ("succeeded", "failed", "cancelled"):
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish: {run}")
