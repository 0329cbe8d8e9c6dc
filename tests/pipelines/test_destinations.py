"""Destinations on connections: a SQLite table created, appended to, an
append that does not fit refused, a failed run leaving the table as it
was; bad destinations refused on save naming the node's field; an upload
under a taken name leaving nothing behind. All through a real engine."""

from __future__ import annotations

import sqlite3

from tests.pipelines.conftest import upload
from tests.pipelines.test_runs import finished

CSV = b"id,city,amount\n1,Paris,10\n2,Lyon,25\n3,Paris,7\n"


def to_table(source: str, con_id: str, **where: str) -> dict:
    config = {"connection_id": con_id, **where}
    return {
        "nodes": [
            {"id": "src", "type": "source", "config": {"dataset_id": source}},
            {"id": "out", "type": "destination", "config": config},
        ],
        "edges": [{"from": "src", "to": "out"}],
    }


async def sqlite_connection(boss, path) -> dict:  # type: ignore[no-untyped-def]
    return await boss.json("POST", "/connections", 201, json={
        "name": "shop", "kind": "sqlite", "config": {"path": str(path)}})  # fmt: skip


async def run(boss, name: str, doc: dict) -> dict:  # type: ignore[no-untyped-def]
    found = await boss.json("GET", "/pipelines", params={"search": name})
    if found["items"]:
        made = found["items"][0]
        await boss.json("PUT", f"/pipelines/{made['id']}", json={"document": doc})
    else:
        made = await boss.json("POST", "/pipelines", 201, json={
            "name": name, "document": doc})  # fmt: skip
    execution = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})
    return await finished(boss, execution["id"])


def rows(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM sales ORDER BY id").fetchall()


async def test_a_run_writes_a_sqlite_table_then_appends(boss, engine, tmp_path):
    db = tmp_path / "shop.db"
    con = await sqlite_connection(boss, db)
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")

    created = await run(boss, "load", to_table(ds["id"], con["id"], table="sales"))
    appended = await run(boss, "load", to_table(
        ds["id"], con["id"], table="sales", mode="append"))  # fmt: skip

    assert created["status"] == appended["status"] == "succeeded", appended
    assert created["rows_written"] == 3
    outputs = appended["result"]["outputs"]
    assert outputs == [{"step": "out", "table": "sales", "rows": 3}]
    assert [r[0] for r in rows(db)] == [1, 1, 2, 2, 3, 3]
    assert rows(db)[0] == (1, "Paris", 10)


async def test_a_misfit_append_or_a_failed_run_leaves_the_table(boss, engine, tmp_path):
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE sales (id INTEGER, city INTEGER, amount INTEGER)")
        conn.execute("INSERT INTO sales VALUES (0, 0, 0)")
    con = await sqlite_connection(boss, db)
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    long = CSV + b"".join(b"%d,Nice,1\n" % i for i in range(4, 30_000)) + b"9,x,1,2\n"
    bad = await upload(boss, "long.csv", long, dataset="long")

    misfit = await run(boss, "append", to_table(
        ds["id"], con["id"], table="sales", mode="append"))  # fmt: skip
    failed = await run(boss, "replace", to_table(bad["id"], con["id"], table="sales"))

    assert misfit["status"] == "failed"
    assert "field 'city' is text; column 'city' of table sales" in misfit["error"]
    assert failed["status"] == "failed", failed
    assert rows(db) == [(0, 0, 0)]


async def test_bad_destinations_are_refused_on_save(boss, engine, tmp_path):
    con = await sqlite_connection(boss, tmp_path / "shop.db")
    folder = await boss.json("POST", "/connections", 201, json={
        "name": "drop", "kind": "folder",
        "config": {"path": str(tmp_path)}})  # fmt: skip
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    query = await boss.json("POST", "/datasets", 201, json={
        "name": "q", "connection_id": con["id"],
        "config": {"query": "SELECT 1"}})  # fmt: skip
    cases = [
        (to_table(ds["id"], con["id"]), "nodes[1].config.table"),
        (to_table(ds["id"], con["id"], table="t", mode="merge"),
         "nodes[1].config.mode"),
        (to_table(ds["id"], folder["id"], path="out.xlsx"), "nodes[1].config.format"),
        (to_table(ds["id"], folder["id"], path="../out.csv"), "nodes[1].config.path"),
        (to_table(ds["id"], "nope", table="t"), "nodes[1].config.connection_id"),
        (to_table(ds["id"], ds["connection_id"], path="x.csv"),
         "nodes[1].config.connection_id"),
    ]  # fmt: skip
    doc = to_table(ds["id"], "")
    doc["nodes"][1]["config"] = {"dataset_id": query["id"]}
    cases.append((doc, "nodes[1].config.dataset_id"))

    for document, field in cases:
        response = await boss.post(
            "/pipelines", json={"name": "bad", "document": document}
        )
        problem = await response.json()
        assert response.status == 400, problem
        assert problem["errors"][0]["field"] == field, problem
    assert (await boss.json("GET", "/pipelines"))["total"] == 0


async def test_an_upload_under_a_taken_name_leaves_no_file(boss) -> None:
    await upload(boss, "sales.csv", CSV, dataset="sales")
    before = await boss.json("GET", "/files")

    response = await boss.post("/datasets/upload?name=sales&filename=again.csv",
                               data=CSV, headers={
        "Content-Type": "application/octet-stream"})  # fmt: skip

    assert response.status == 409
    after = await boss.json("GET", "/files")
    assert [f["id"] for f in after["items"]] == [f["id"] for f in before["items"]]
