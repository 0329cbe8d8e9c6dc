"""Destinations: write a lazy frame to CSV, Parquet or JSON lines by sinking.

A destination may also be a database table (`tcloud.runtime.tables`): the
frame is sunk to a temporary Parquet file, loaded into the table after.

    {"dataset": {"kind": "file", "path": "out/delays.csv", "format": "csv",
                 "options": {"delimiter": ",", "header": true, "bom": false}}}

Sinks stream: polars writes batches as the streaming engine produces them.

Numbers keep their kind: an integer column is written as integers (20,
never 20.0) in every format. polars writes a decimal in JSON lines as a
string, so there a whole decimal becomes an integer and another a float.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from tcloud.runtime import tables
from tcloud.runtime.errors import PlanError
from tcloud.runtime.prep.guard import guard_frame

if TYPE_CHECKING:
    from tcloud.runtime.processors import Context

FORMATS = ("csv", "parquet", "jsonl")
_NESTED = (pl.List, pl.Struct, pl.Array)


def spec_of(config: dict[str, Any]) -> dict[str, Any]:
    """Return the dataset spec of a destination config."""
    spec = config.get("dataset", config)
    return spec if isinstance(spec, dict) else {}


def format_of(spec: dict[str, Any]) -> str:
    """Return the file format of a destination spec."""
    return str(spec.get("format") or Path(str(spec.get("path"))).suffix.lstrip("."))


def check(ctx: Context) -> None:
    """Refuse a destination without a path, or in a format we cannot write."""
    spec = spec_of(ctx.config)
    if tables.is_table(spec):
        try:
            tables.check(spec, ctx.schemas["in"])
        except PlanError as exc:
            raise ctx.error(exc.field, exc.detail) from None
        return
    if not isinstance(spec.get("path"), str) or not spec["path"]:
        raise ctx.error("dataset.path", "is required")
    fmt = format_of(spec)
    if fmt not in FORMATS:
        raise ctx.error("dataset.format", f"must be one of {', '.join(FORMATS)}")
    if fmt == "csv":
        for name, dtype in ctx.schemas["in"].items():
            if isinstance(dtype, _NESTED):
                raise ctx.error(
                    "dataset.format", f"field {name!r} is nested; CSV cannot hold it"
                )


def sink(frame: pl.LazyFrame, spec: dict[str, Any]) -> pl.LazyFrame:
    """Return the lazy sink that writes `frame` to a destination spec."""
    path = Path(spec["path"])
    fmt = format_of(spec)
    options = spec.get("options") or {}
    if fmt == "csv":
        if options.get("formula_guard"):
            frame = guard_frame(frame)
        return frame.sink_csv(
            path,
            separator=options.get("delimiter", ","),
            include_header=options.get("header", True),
            include_bom=bool(options.get("bom", False)),
            quote_char=options.get("quote", '"'),
            mkdir=True,
            lazy=True,
        )
    if fmt == "parquet":
        return frame.sink_parquet(
            path, compression=options.get("compression", "zstd"), mkdir=True, lazy=True
        )
    if fmt == "jsonl":
        return _json_numbers(frame).sink_ndjson(path, mkdir=True, lazy=True)
    raise PlanError(None, "dataset.format", f"cannot write {fmt!r}")


def _json_numbers(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Turn decimal columns into JSON numbers: whole ones into integers."""
    casts = []
    for name, dtype in frame.collect_schema().items():
        if isinstance(dtype, pl.Decimal):
            wide = pl.Int64 if (dtype.precision or 38) <= 18 else pl.Int128
            casts.append(pl.col(name).cast(pl.Float64 if dtype.scale else wide))
    return frame.with_columns(casts) if casts else frame


def reject_path(
    destinations: list[dict[str, Any]], node_id: str, folder: str | None = None
) -> Path:
    """Place a step's reject file in `folder`, or next to the first destination."""
    first = _stem_path(destinations[0]) if destinations else Path("rejects.csv")
    name = f"{first.stem}.rejects.{node_id}.csv"
    return Path(folder) / name if folder else first.with_name(name)


def _stem_path(spec: dict[str, Any]) -> Path:
    """Return a path whose stem and folder name a destination's reject files."""
    if not tables.is_table(spec):
        return Path(spec["path"])
    table = str(spec.get("table") or "table").replace("/", "_") + ".db"
    return Path(spec.get("path") or table).with_name(table)
