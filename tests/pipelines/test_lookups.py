"""A prepare node with a lookup step: resolved for the engine like a source,
run there, previewed with the joined columns, exported and imported by name."""

from __future__ import annotations

import io

import orjson
import polars as pl

from tests.dataprep.helpers import add
from tests.dataprep.helpers import upload as prepared
from tests.pipelines.conftest import upload
from tests.pipelines.test_runs import content, run_once

FLIGHTS = (
    "flight,carrier,origin,dep_delay\n"
    "1,AA,JFK,5\n2,UA,LGA,-3\n3,ZZ,JFK,12\n4,AA,EWR,0\n5,B6,JFK,7\n"
)
CARRIERS = (
    b"code,name\nAA,American Airlines\nUA,United Air Lines\nB6,JetBlue\nAA,Twice\n"
)


def expected() -> pl.DataFrame:
    """The same in polars: a left join on the carrier, the first match kept."""
    flights = pl.read_csv(io.StringIO(FLIGHTS), infer_schema=False)
    carriers = pl.read_csv(CARRIERS, infer_schema=False).unique("code", keep="first")
    return flights.join(
        carriers, left_on="carrier", right_on="code", how="left", maintain_order="left"
    )


async def arrange(boss) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """A flights preparation with a lookup of the carriers, as a pipeline."""
    carriers = await upload(boss, "carriers.csv", CARRIERS, dataset="carriers")
    prep = await prepared(boss, "flights", FLIGHTS, "flights.csv")
    await add(boss, prep["id"], {
        "function": "lookup", "column": "carrier",
        "params": {"dataset": carriers["id"], "lookup_key": "code",
                   "columns": ["name"]},
    })  # fmt: skip
    node = await boss.json("GET", f"/preparations/{prep['id']}/processor")
    doc = {
        "nodes": [
            {"id": "src", "type": "source",
             "config": {"dataset_id": prep["dataset_id"],
                        "read_options": node["source_options"]}},
            {"id": "prep", "type": "prepare", "config": node["config"]},
            {"id": "dst", "type": "destination",
             "config": {"output": {"name": "named.csv"}}},
        ],
        "edges": [{"from": "src", "to": "prep"}, {"from": "prep", "to": "dst"}],
    }  # fmt: skip
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "named", "document": doc}
    )
    return made, carriers


async def test_a_run_on_the_engine_looks_up_the_dataset(boss, engine) -> None:
    made, _ = await arrange(boss)

    files = await run_once(boss, made["id"])
    written = pl.read_csv(
        (await content(boss, files["named.csv"]["id"])).encode(), infer_schema=False
    )

    assert written.equals(expected())


async def test_the_preview_shows_the_looked_up_columns(boss, engine) -> None:
    made, _ = await arrange(boss)

    found = await boss.json("POST", "/pipelines/preview", json={
        "document": made["document"], "node_id": "prep"})  # fmt: skip

    node = found["nodes"]["prep"]
    assert list(node["schema"]) == ["flight", "carrier", "origin", "dep_delay", "name"]
    assert [r["name"] for r in node["rows"]] == expected()["name"].to_list()


async def test_an_import_finds_the_lookup_dataset_by_name(boss, engine) -> None:
    made, carriers = await arrange(boss)
    exported = await boss.json("GET", f"/pipelines/{made['id']}/export")
    text = orjson.dumps(exported).replace(carriers["id"].encode(), b"ds_elsewhere")
    moved = {**orjson.loads(text), "name": "named elsewhere"}

    imported = await boss.json("POST", "/pipelines/import", 201, json=moved)

    node = imported["document"]["nodes"][1]
    assert node["config"]["steps"][0]["params"]["dataset"] == carriers["id"]
    assert "lookups" not in node["config"]
