"""Workbooks and SQLite tables, read eagerly into a lazy frame.

XLSX goes through polars' calamine engine (the fastexcel package, which
needs pyarrow), which keeps each cell's own type, so a zip code typed as
text stays text; a sample reads only its rows. SQLite
is opened read-only through the standard library; a query must be a single
SELECT (or WITH) statement.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime.errors import ReadError

_SELECT = re.compile(r"^\s*(select|with)\b", re.I)


def sheet_names(path: Path) -> list[str]:
    """List the sheets of a workbook."""
    fastexcel = _fastexcel()
    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except FileNotFoundError as exc:
        raise ReadError(f"no such file: {path.name}") from exc
    except Exception as exc:  # noqa: BLE001 - fastexcel raises its own types
        raise ReadError(f"not a readable workbook: {path.name}") from exc


def read_xlsx(path: Path, sheet: str | None, limit: int | None) -> pl.LazyFrame:
    """Read one sheet (the first by default) of a workbook."""
    names = sheet_names(path)
    if sheet is not None and sheet not in names:
        raise ReadError(f"no sheet {sheet!r} in {path.name}; sheets: {names}")
    try:
        frame = pl.read_excel(
            path,
            sheet_name=sheet or names[0],
            engine="calamine",
            read_options={"n_rows": limit} if limit is not None else None,
            infer_schema_length=None,
            raise_if_empty=False,
        )
    except ImportError as exc:
        raise ReadError(
            "reading XLSX needs the fastexcel and pyarrow packages"
        ) from exc
    except pl.exceptions.PolarsError as exc:
        raise ReadError(f"cannot read sheet of {path.name}: {exc}") from exc
    return frame.lazy()


def read_sqlite(spec: dict[str, Any], limit: int | None) -> pl.LazyFrame:
    """Read a table or a SELECT query of a SQLite database, read-only."""
    query = _query(spec)
    if limit is not None:
        query = f"SELECT * FROM ({query}) LIMIT {int(limit)}"
    path = Path(spec.get("path") or "")
    if not path.is_file():
        raise ReadError(f"no such database: {path.name}")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        frame = pl.read_database(query, connection, infer_schema_length=None)
    except (sqlite3.Error, pl.exceptions.PolarsError) as exc:
        raise ReadError(f"query failed on {path.name}: {exc}") from exc
    finally:
        connection.close()
    return frame.lazy()


def _query(spec: dict[str, Any]) -> str:
    if spec.get("table"):
        name = str(spec["table"]).replace('"', '""')
        return f'SELECT * FROM "{name}"'
    query = str(spec.get("query") or "").strip().rstrip(";")
    if not _SELECT.match(query) or ";" in query:
        raise ReadError("a SQLite dataset needs a table or one SELECT query")
    return query


def _fastexcel():  # type: ignore[no-untyped-def]
    try:
        import fastexcel
    except ImportError as exc:
        raise ReadError("reading XLSX needs the fastexcel package") from exc
    return fastexcel
