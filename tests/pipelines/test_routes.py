"""The pipelines API against a real server and a real engine process."""

from __future__ import annotations

import sqlite3

import orjson
import pytest

from tests.engines.kit import eventually
from tests.pipelines.conftest import upload

CSV = b"id;city;amount\n1;Paris;10\n2;Lyon;25\n3;Paris;7\n4;Nice;40\n"


def graph(source: str, *steps: dict, output: str = "out.csv") -> dict:
    nodes = [{"id": "src", "type": "source", "config": {"dataset_id": source}}]
    edges = []
    previous = "src"
    for index, step in enumerate(steps):
        node_id = f"s{index}"
        nodes.append({"id": node_id, **step})
        edges.append({"from": previous, "to": node_id})
        previous = node_id
    nodes.append(
        {"id": "out", "type": "destination", "config": {"output": {"name": output}}}
    )
    edges.append({"from": previous, "to": "out"})
    return {"nodes": nodes, "edges": edges}


FILTER = {
    "type": "filter",
    "config": {"conditions": [{"field": "amount", "op": ">", "value": 8}]},
}


async def test_upload_sample_preview_run_download(boss, engine) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    assert ds["connection_kind"] == "files"

    sample = await boss.json("GET", f"/datasets/{ds['id']}/sample")
    assert sample["options"]["delimiter"] == ";"
    assert sample["schema"] == {"id": "int", "city": "string", "amount": "int"}
    assert len(sample["rows"]) == 4

    doc = graph(ds["id"], FILTER)
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "p", "document": doc}
    )
    assert made["version"] == 1

    found = await boss.json("POST", "/pipelines/preview", json={"document": doc,
                            "node_id": "s0"})  # fmt: skip
    assert found["nodes"]["src"]["count"] == 4
    assert found["nodes"]["s0"]["count"] == 3

    execution = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})

    async def finished():  # type: ignore[no-untyped-def]
        row = await boss.json("GET", f"/executions/{execution['id']}")
        return row if row["status"] in ("succeeded", "failed") else None

    done = await eventually(finished, timeout=60)
    assert done["status"] == "succeeded", done
    assert done["rows_read"] == 4 and done["rows_written"] == 3
    assert done["result"]["steps"]["s0"]["rows_written"] == 3
    out = done["result"]["files"][0]
    assert out["name"] == "out.csv"
    response = await boss.get(f"/files/{out['id']}/content")
    assert response.status == 200
    assert (await response.read()).splitlines()[0] == b"id,city,amount"


async def test_bad_processor_refused_whole(boss, engine) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    doc = graph(ds["id"], FILTER)
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "p", "document": doc}
    )
    bad = graph(ds["id"], {"type": "filter", "config": {"conditions": [
        {"field": "nope", "op": ">", "value": 8}]}})  # fmt: skip

    response = await boss.put(f"/pipelines/{made['id']}", json={"document": bad})

    assert response.status == 400
    problem = await response.json()
    assert problem["errors"][0]["field"].startswith("nodes[1].config.conditions[0]")
    again = await boss.json("GET", f"/pipelines/{made['id']}")
    assert again["version"] == 1 and len(again["versions"]) == 1


async def test_versions_export_import(boss, engine) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    doc = graph(ds["id"], FILTER)
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "p", "document": doc}
    )
    await boss.json(
        "PUT", f"/pipelines/{made['id']}", json={"document": graph(ds["id"])}
    )

    exported = await boss.json("GET", f"/pipelines/{made['id']}/export?version=1")
    assert exported["nodes"][0]["config"]["dataset"]["fetch"]["area"]
    exported["name"] = "copy"
    copy = await boss.json("POST", "/pipelines/import", 201, json=exported)

    assert copy["version"] == 1
    kinds = [n["type"] for n in copy["document"]["nodes"]]
    assert kinds == ["source", "filter", "destination"]
    latest = await boss.json("GET", f"/pipelines/{made['id']}")
    assert latest["version"] == 2 and len(latest["versions"]) == 2


async def test_saving_the_same_document_makes_no_version(boss, engine) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    doc = graph(ds["id"], FILTER)
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "p", "document": doc}
    )

    again = await boss.json("PUT", f"/pipelines/{made['id']}", json={"document": doc})

    assert again["version"] == 1 and len(again["versions"]) == 1
    audited = await boss.json("GET", "/audit", params={"object_id": made["id"]})
    assert [e["action"] for e in audited["items"]] == ["pipeline.create"]


async def test_sqlite_connection_tested_and_sampled(boss, engine, tmp_path) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER, total REAL)")
        db.executemany("INSERT INTO orders VALUES (?, ?)", [(1, 9.5), (2, 20.0)])
    con = await boss.json("POST", "/connections", 201, json={
        "name": "shop", "kind": "sqlite", "config": {"path": str(path)}})  # fmt: skip

    tested = await boss.json("POST", f"/connections/{con['id']}/test")
    gone = {"path": str(tmp_path / "x.db")}
    missing = await boss.json("POST", "/connections", 201, json={
        "name": "gone", "kind": "sqlite", "config": gone})  # fmt: skip
    failed = await boss.json("POST", f"/connections/{missing['id']}/test")

    assert tested["ok"] and "SQLite" in tested["message"]
    assert not failed["ok"]
    ds = await boss.json("POST", "/datasets", 201, json={
        "name": "orders", "connection_id": con["id"],
        "config": {"query": "SELECT * FROM orders WHERE total > 10"}})  # fmt: skip
    sample = await boss.json("GET", f"/datasets/{ds['id']}/sample")
    assert sample["rows"] == [{"id": 2, "total": 20.0}]


async def test_secret_sealed_never_shown(boss, engine) -> None:
    made = await boss.json("POST", "/connections", 201, json={
        "name": "lake", "kind": "s3", "secret": "s3cr3t-key",
        "config": {"bucket": "b", "access_key": "AK"}})  # fmt: skip

    listed = await boss.json("GET", "/connections")

    assert made["has_secret"] and "s3cr3t" not in orjson.dumps(listed).decode()


async def test_no_engine_is_a_clear_503(boss) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")

    response = await boss.get(f"/datasets/{ds['id']}/sample")

    assert response.status == 503
    assert (await response.json())["code"] == "no-engine"


@pytest.mark.parametrize("name", ["../x.csv"])
async def test_file_names_are_kept_plain(boss, name) -> None:
    found = await upload(boss, name, b"a\n1\n")
    assert found["name"] == "x.csv"
