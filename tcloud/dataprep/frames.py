"""Datasets as lazy frames, read the same way by the grid and the full run.

Every column of a CSV is read as text (the preparation infers types from
the values, as the quality bars show them); XLSX keeps each cell's type,
JSON lines and Parquet their own. The grid's sample is the first rows of
the very frame the full run streams, numbered with the runtime's row ids,
so a step gives the same cells in both.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime import prep, readers
from tcloud.runtime.errors import ReadError
from tcloud.runtime.readers import csv, csv_options, format_of, open_source


def is_csv(spec: dict[str, Any]) -> bool:
    return spec.get("kind", "file") == "file" and format_of(spec) == "csv"


def scan(spec: dict[str, Any], stack: ExitStack) -> pl.LazyFrame:
    """Return the whole dataset as a lazy frame with row ids."""
    if is_csv(spec):
        path = Path(spec["path"])
        options = csv_options(path, dict(spec.get("options") or {}))
        frame, _ = csv.scan(path, options, stack, mode="text")
    else:
        frame = open_source(spec, stack, mode="text").frame
    return prep.with_row_ids(frame)


def head(spec: dict[str, Any], rows: int) -> pl.DataFrame:
    """Return the first rows of the dataset, with row ids: the grid's sample."""
    with ExitStack() as stack:
        try:
            return scan(spec, stack).head(rows).collect()
        except pl.exceptions.PolarsError as exc:
            raise ReadError(f"cannot read the dataset: {_first_line(exc)}") from exc


def count(spec: dict[str, Any]) -> int:
    """Count the dataset's rows (the full run's progress total)."""
    with ExitStack() as stack:
        frame = scan(spec, stack)
        return int(frame.select(pl.len()).collect(engine="streaming").item())


def sheets(spec: dict[str, Any]) -> list[str]:
    """List the sheets of a workbook dataset; [] for other formats."""
    if spec.get("kind", "file") != "file" or format_of(spec) != "xlsx":
        return []
    return readers.sheets(spec["path"])


def columns(spec: dict[str, Any]) -> dict[str, pl.DataType]:
    """Return the dataset's columns and their types, reading only the head."""
    frame = head(spec, 1)
    return {n: t for n, t in frame.schema.items() if n != prep.ROW_ID}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
