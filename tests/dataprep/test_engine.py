"""Datasets read through the tenant's engine: a real server, a real engine.

A SQLite file and a folder CSV are opened in the grid (the sample asked of
the engine, "fetch more" too) and run in full: the engine copies the
dataset into the file area by a pipeline run, then the run goes on as for a
file-area dataset. The export is compared with polars on the same data.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.dataprep import remote
from tests.dataprep.helpers import add, grid, wait_run
from tests.engines.conftest import boss, engines, make_engine, server  # noqa: F401
from tests.engines.kit import eventually
from tests.helpers import Session
from tests.pipelines.conftest import engine  # noqa: F401

ROWS = 25_000
CITIES = [" paris", "lyon ", "Nice", None, "saint-étienne"]
PEOPLE = (
    "id,name,zip,amount\n"
    "1, alice ,01234,10.5\n"
    "2,BOB,02345,-3\n"
    "3,carol,,x\n"
    "4,dave,04567,1e3\n"
)


def _shop(path: Path) -> list[tuple[Any, ...]]:
    rows = [(i, CITIES[i % 5], i * 0.5) for i in range(ROWS)]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER, city TEXT, total REAL)")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?)", rows)
    return rows


async def _dataset(
    session: Session, kind: str, path: Path, config: dict[str, Any]
) -> dict[str, Any]:
    con = await session.json("POST", "/connections", 201, json={
        "name": f"{kind} connection", "kind": kind,
        "config": {"path": str(path)}})  # fmt: skip
    return await session.json("POST", "/datasets", 201, json={
        "name": f"{kind} data", "connection_id": con["id"],
        "config": config})  # fmt: skip


async def _prepare(session: Session, dataset_id: str) -> dict[str, Any]:
    return await session.json("POST", "/preparations", 201, json={
        "name": "through the engine", "dataset_id": dataset_id})  # fmt: skip


async def _run(session: Session, prep_id: str, fmt: str) -> dict[str, Any]:
    run = await session.json(
        "POST", f"/preparations/{prep_id}/runs", 202, json={"format": fmt}
    )
    return await wait_run(session, run["id"], seconds=90)


async def _download(session: Session, run_id: str) -> bytes:
    response = await session.get(f"/dataprep/runs/{run_id}/download")
    assert response.status == 200, await response.text()
    return await response.read()


async def _area_files(session: Session) -> list[dict[str, Any]]:
    return list((await session.json("GET", "/files"))["items"])


async def test_a_sqlite_dataset_is_sampled_and_run_through_the_engine(
    boss: Session,  # noqa: F811
    engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    rows = _shop(tmp_path / "shop.db")
    ds = await _dataset(boss, "sqlite", tmp_path / "shop.db", {"table": "orders"})
    prep = await _prepare(boss, ds["id"])

    first = await grid(boss, prep["id"], limit=5)
    await boss.json("POST", f"/preparations/{prep['id']}/sample", json={"rows": 20_000})
    more = await grid(boss, prep["id"], offset=19_995, limit=10)
    await add(boss, prep["id"], {"function": "trim", "column": "city"})
    await add(boss, prep["id"], {"function": "upper_case", "column": "city"})
    run = await _run(boss, prep["id"], "parquet")
    assert run["status"] == "succeeded", run["error"]
    got = pl.read_parquet(io.BytesIO(await _download(boss, run["id"])))

    assert first["sample_read"] == 10_000 and first["more"] is True
    assert [r[0] for r in first["rows"]] == [0, 1, 2, 3, 4]
    assert more["sample_read"] == 20_000 and len(more["rows"]) == 5
    assert run["status"] == "succeeded", run
    assert run["rows_written"] == run["rows_total"] == ROWS
    expected = pl.DataFrame(
        rows, schema={"id": pl.Int64, "city": pl.String, "total": pl.Float64},
        orient="row",
    ).with_columns(pl.col("city").str.strip_chars().str.to_uppercase())  # fmt: skip
    assert got.equals(expected)
    execution = await boss.json("GET", f"/executions/{run['execution_id']}")
    assert execution["status"] == "succeeded"
    assert await _area_files(boss) == []  # the copy left the file area


async def test_a_folder_csv_is_read_as_text_like_an_uploaded_one(
    boss: Session,  # noqa: F811
    engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "people.csv").write_text(PEOPLE)
    ds = await _dataset(boss, "folder", folder, {"path": "people.csv"})
    prep = await _prepare(boss, ds["id"])
    await add(boss, prep["id"], {"function": "trim", "column": "name"})
    await add(boss, prep["id"], {"function": "upper_case", "column": "name"})

    page = await grid(boss, prep["id"])
    run = await _run(boss, prep["id"], "csv")
    got = pl.read_csv(io.BytesIO(await _download(boss, run["id"])), infer_schema=False)

    expected = pl.read_csv(folder / "people.csv", infer_schema=False).with_columns(
        pl.col("name").str.strip_chars().str.to_uppercase()
    )
    assert run["status"] == "succeeded", run
    assert got.equals(expected)  # "x" kept, "01234" kept: nothing typed, nothing lost
    assert page["rows"] == [list(r) for r in expected.rows()]
    assert await _area_files(boss) == []


async def test_cancel_while_the_engine_copies(
    boss: Session,  # noqa: F811
    engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    with sqlite3.connect(tmp_path / "slow.db") as db:
        db.execute("CREATE TABLE t (x INTEGER)")
    # Quick with the sample's LIMIT, seconds of counting without it.
    slow = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
        " WHERE x < 8000000) SELECT x FROM c WHERE x <= 1000 OR x = 8000000"
    )
    ds = await _dataset(boss, "sqlite", tmp_path / "slow.db", {"query": slow})
    prep = await _prepare(boss, ds["id"])
    run = await boss.json("POST", f"/preparations/{prep['id']}/runs", 202, json={})

    async def copying() -> dict[str, Any] | None:
        now = await boss.json("GET", f"/dataprep/runs/{run['id']}")
        if now.get("stage") != remote.COPY_STAGE or not now["execution_id"]:
            return None
        found = await boss.json("GET", f"/executions/{now['execution_id']}")
        return now if found["status"] == "running" else None

    during = await eventually(copying, timeout=30)
    await boss.json("POST", f"/dataprep/runs/{run['id']}/cancel")
    done = await wait_run(boss, run["id"], seconds=45)
    execution = await boss.json("GET", f"/executions/{during['execution_id']}")

    assert done["status"] == "cancelled", done
    assert execution["status"] in ("cancelling", "cancelled")
    await boss.json("GET", f"/dataprep/runs/{run['id']}/download", 409)
    assert await _area_files(boss) == []


async def test_an_engine_failure_fails_the_run_with_its_message(
    boss: Session,  # noqa: F811
    engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    _shop(tmp_path / "shop.db")
    ds = await _dataset(boss, "sqlite", tmp_path / "shop.db", {"table": "orders"})
    prep = await _prepare(boss, ds["id"])
    assert (await _run(boss, prep["id"], "csv"))["status"] == "succeeded"

    (tmp_path / "shop.db").unlink()
    failed = await _run(boss, prep["id"], "csv")

    assert failed["status"] == "failed"
    assert "no such database: shop.db" in failed["error"], failed
    assert failed["error"].startswith("the engine could not read the dataset")
    await boss.json("GET", f"/dataprep/runs/{failed['id']}/download", 409)
    assert await _area_files(boss) == []


async def test_a_wide_sample_comes_in_pages(
    boss: Session,  # noqa: F811
    engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    wide = "x" * 2000  # 5,000 rows of 2 kB: 10 MB, more than one message holds
    with sqlite3.connect(tmp_path / "wide.db") as db:
        db.execute("CREATE TABLE w (id INTEGER, text TEXT)")
        db.executemany("INSERT INTO w VALUES (?, ?)", [(i, wide) for i in range(5000)])
    ds = await _dataset(boss, "sqlite", tmp_path / "wide.db", {"table": "w"})
    prep = await _prepare(boss, ds["id"])

    page = await grid(boss, prep["id"], limit=5000)

    assert page["sample_read"] == 5000 and page["more"] is False
    assert [str(r[0]) for r in page["rows"]] == [str(i) for i in range(5000)]


async def test_no_engine_answers_503(admin: Session, tmp_path: Path) -> None:
    _shop(tmp_path / "shop.db")
    ds = await _dataset(admin, "sqlite", tmp_path / "shop.db", {"table": "orders"})
    prep = await _prepare(admin, ds["id"])

    opened = await admin.json("GET", f"/preparations/{prep['id']}/grid", 503)
    ran = await admin.json("POST", f"/preparations/{prep['id']}/runs", 503, json={})

    for problem in (opened, ran):
        assert problem["code"] == "no-engine"
        assert "start or pair one" in problem["detail"]
    listed = await admin.json("GET", f"/preparations/{prep['id']}/runs")
    assert listed["total"] == 0
