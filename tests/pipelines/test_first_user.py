"""What a first user met in the pipelines app, each refused or said plainly."""

from __future__ import annotations

import sqlite3

from tests.pipelines.conftest import upload
from tests.pipelines.test_routes import CSV, FILTER, graph
from tests.pipelines.test_runs import CONVERT, ODD, finished

SHORT = b"id;city;amount\n1;Paris;10\n2;Lyon\n3;Nice;7\n"
UNCLOSED = b'id,name\n1,a\n2,b\n3,"unterminated\n4,d\n'
HEADERS = {"Content-Type": "application/octet-stream"}


async def test_sample_warns_of_short_rows_and_names_an_open_quote(boss, engine) -> None:
    short = await upload(boss, "short.csv", SHORT, dataset="short")
    bad = await upload(boss, "bad.csv", UNCLOSED, dataset="bad")
    lines = b"".join(b'{"a": %d}\n' % i for i in range(5)) + b"bad line\n"
    jsonl = await upload(boss, "b.jsonl", lines, dataset="lines")

    sample = await boss.json("GET", f"/datasets/{short['id']}/sample")
    refused = await boss.json("GET", f"/datasets/{bad['id']}/sample", 400)
    unread = await boss.json("GET", f"/datasets/{jsonl['id']}/sample", 400)

    assert sample["rows"][1] == {"id": 2, "city": "Lyon", "amount": None}
    assert [w["line"] for w in sample["warnings"]] == [3]
    assert "line 4: a quote opens here and is never closed" in refused["detail"]
    assert "line 6: b.jsonl is not valid JSON here" in unread["detail"]


async def test_an_empty_file_says_so(boss, engine) -> None:
    empty = await upload(boss, "empty.csv", b"", dataset="empty")

    sample = await boss.json("GET", f"/datasets/{empty['id']}/sample")

    assert sample["warnings"] == [{"code": "empty", "message": "the file is empty"}]


async def test_a_used_dataset_is_deleted_only_with_force(boss, engine) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "daily", "document": graph(ds["id"], FILTER)})  # fmt: skip

    refused = await boss.json("DELETE", f"/datasets/{ds['id']}", 409)
    still = await boss.json("GET", f"/datasets/{ds['id']}")
    await boss.json("DELETE", f"/datasets/{ds['id']}?force=true", 204)

    assert "daily (version 1)" in refused["detail"]
    assert refused["pipelines"] == [{"id": made["id"], "name": "daily", "version": 1}]
    assert still["id"] == ds["id"]
    await boss.json("GET", f"/datasets/{ds['id']}", 404)


async def test_a_run_keeps_only_reject_files_with_rows(boss, engine) -> None:
    ds = await upload(boss, "clean.csv", CSV, dataset="clean")
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "typed", "document": graph(ds["id"], CONVERT)})  # fmt: skip
    odd = await upload(boss, "odd.csv", ODD, dataset="odd")
    other = await boss.json("POST", "/pipelines", 201, json={
        "name": "odd", "document": graph(odd["id"], CONVERT)})  # fmt: skip

    clean = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})
    rejecting = await boss.json("POST", f"/pipelines/{other['id']}/run", 201, json={})
    clean = await finished(boss, clean["id"])
    rejecting = await finished(boss, rejecting["id"])

    assert [f["name"] for f in clean["result"]["files"]] == ["out.csv"]
    assert clean["result"]["rejects"] == []
    names = {f["name"] for f in rejecting["result"]["files"]}
    assert names == {"out.csv", "out.rejects.s0.csv"}


async def test_a_pipeline_without_destination_is_not_run(boss, engine) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    doc = graph(ds["id"], FILTER)
    doc["nodes"] = doc["nodes"][:-1]
    doc["edges"] = doc["edges"][:-1]
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "nowhere", "document": doc})  # fmt: skip

    run = await boss.json("POST", f"/pipelines/{made['id']}/run", 400, json={})
    scheduled = await boss.json(
        "POST", f"/pipelines/{made['id']}/schedules", 400,
        json={"name": "nightly", "cron": "0 3 * * *"},
    )  # fmt: skip
    executions = await boss.json("GET", "/executions")

    assert "add a destination" in run["detail"]
    assert run["errors"][0]["field"] == "document.nodes"
    assert "add a destination" in scheduled["detail"]
    assert executions["total"] == 0


async def test_graph_faults_point_at_the_node_or_edge(boss, engine) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    doc = graph(ds["id"], FILTER, FILTER)
    cyclic = {**doc, "edges": [*doc["edges"], {"from": "s1", "to": "s0"}]}
    typed = {**doc, "nodes": [*doc["nodes"][:3], {**doc["nodes"][3], "type": "x"}]}
    twice = {**doc, "nodes": [*doc["nodes"], {**doc["nodes"][1]}]}

    cycle = await boss.json("POST", "/pipelines", 400, json={
        "name": "c", "document": cyclic})  # fmt: skip
    kind = await boss.json("POST", "/pipelines", 400, json={
        "name": "t", "document": typed})  # fmt: skip
    same = await boss.json("POST", "/pipelines", 400, json={
        "name": "d", "document": twice})  # fmt: skip

    assert cycle["errors"] == [
        {"field": "nodes[1]", "message": "the edges make a cycle: s0 -> s1 -> s0"}
    ]
    assert kind["errors"][0]["field"] == "nodes[3].type"
    assert same["errors"][0]["field"] == "nodes[4].id"


async def test_upload_refuses_a_format_that_cannot_be_read(boss) -> None:
    path = "/datasets/upload?name=x&filename=../../x.exe"

    refused = await boss.json("POST", path, 400, data=b"MZ", headers=HEADERS)
    files = await boss.json("GET", "/files")

    assert refused["errors"][0]["field"] == "filename"
    assert "formats accepted: csv, xlsx, jsonl, parquet" in refused["detail"]
    assert files["total"] == 0


async def test_database_datasets_take_a_table_or_one_select(boss, tmp_path) -> None:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    con = await boss.json("POST", "/connections", 201, json={
        "name": "shop", "kind": "sqlite", "config": {"path": str(db)}})  # fmt: skip

    def dataset(config: dict) -> dict:
        return {"name": "c", "connection_id": con["id"], "config": config}

    both = await boss.json("POST", "/datasets", 400, json=dataset(
        {"table": "customers", "query": "SELECT 1"}))  # fmt: skip
    delete = await boss.json("POST", "/datasets", 400, json=dataset(
        {"query": "delete from customers"}))  # fmt: skip
    await boss.json("POST", "/datasets", 201, json=dataset(
        {"query": "with c as (select id from customers) select * from c"}))  # fmt: skip

    assert [e["field"] for e in both["errors"]] == ["config.table", "config.query"]
    assert [e["field"] for e in delete["errors"]] == ["config.query"]


async def test_openapi_says_an_upload_needs_a_name(boss) -> None:
    response = await boss.client.get("/api/v1/openapi.json")
    document = await response.json()

    operation = document["paths"]["/datasets/upload"]["post"]
    needed = {p["name"]: p["required"] for p in operation["parameters"]}
    assert needed["name"] is True and needed["filename"] is False
