"""Small run outputs come with the engine's finish; large ones are uploaded.
Either way they land in the file area, whole, and the execution lists them."""

from __future__ import annotations

import io

from tests.pipelines.conftest import upload
from tests.pipelines.test_routes import graph
from tests.pipelines.test_runs import content, run_once


async def _run(boss, name: str, body: bytes):  # type: ignore[no-untyped-def]
    ds = await upload(boss, f"{name}.csv", io.BytesIO(body), dataset=name)
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": name, "document": graph(ds["id"], output=f"{name}-out.csv")})  # fmt: skip
    files = await run_once(boss, made["id"])
    runs = await boss.json("GET", "/executions")
    newest = max(runs["items"], key=lambda r: r["created_at"])
    log = await (await boss.get(f"/executions/{newest['id']}/log")).text()
    return files[f"{name}-out.csv"], log


async def test_small_outputs_come_with_the_finish(boss, engine) -> None:
    body = b"id,city\n" + b"".join(b"%d,Lyon\n" % i for i in range(100))

    kept, log = await _run(boss, "small", body)

    assert (await content(boss, kept["id"])).encode() == body
    assert kept["size"] == len(body)
    assert "uploaded small-out.csv" not in log  # no separate upload


async def test_large_outputs_are_uploaded(boss, engine) -> None:
    body = b"id,city\n" + b"".join(b"%d,%s\n" % (i, b"x" * 40) for i in range(40_000))
    assert len(body) > 1 << 20

    kept, log = await _run(boss, "large", body)

    assert (await content(boss, kept["id"])).encode() == body
    assert "uploaded large-out.csv to the file area" in log
