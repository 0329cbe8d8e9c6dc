"""Database destinations: load a run's result into a SQLite or PostgreSQL table.

    {"dataset": {"kind": "sqlite", "path": "shop.db", "table": "orders",
                 "mode": "replace"}}
    {"dataset": {"kind": "postgres", "host", "port", "database", "user",
                 "password", "table": "public.orders", "mode": "append"}}

A run sinks the result to a temporary Parquet file together with its other
sinks (streamed like any file), then loads that file into the table batch
by batch inside one transaction, so a failed run or load leaves the table
as it was. `replace` (the default) drops the table and creates it again
from the result's schema; `append` creates it when it is missing, and
otherwise refuses a field the table has no column for, or one whose type
does not fit its column, naming it. SQLite is written through the stdlib
sqlite3 (executemany), PostgreSQL through psycopg (COPY, in CSV).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime.errors import DataError, PlanError, RunCancelled

KINDS = ("sqlite", "postgres")
MODES = ("replace", "append")
BATCH_ROWS = 50_000
_UNWRITABLE = (pl.List, pl.Struct, pl.Array, pl.Binary, pl.Duration, pl.Object)
# The families a column type belongs to, and the field families it takes.
_TAKES = {
    "text": {"text", "int", "float", "bool", "date", "datetime", "time"},
    "int": {"int", "bool"},
    "float": {"int", "float", "bool"},
    "bool": {"bool"},
    "date": {"date"},
    "datetime": {"datetime", "date"},
    "time": {"time"},
    "other": {"text"},
}
_PG_FAMILIES = {
    "smallint": "int", "integer": "int", "bigint": "int",
    "numeric": "float", "real": "float", "double precision": "float",
    "boolean": "bool", "date": "date",
    "timestamp without time zone": "datetime",
    "timestamp with time zone": "datetime",
    "time without time zone": "time", "time with time zone": "time",
    "text": "text", "character varying": "text", "character": "text",
}  # fmt: skip


def is_table(spec: dict[str, Any]) -> bool:
    """Say whether a destination spec names a database table."""
    return spec.get("kind") in KINDS


def check(spec: dict[str, Any], schema: pl.Schema) -> None:
    """Refuse a table destination missing a field, or with a field it cannot hold."""
    needs = ("path",) if spec["kind"] == "sqlite" else ("host", "database", "user")
    for key in ("table", *needs):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise PlanError(None, f"dataset.{key}", "is required")
    if spec.get("mode", "replace") not in MODES:
        raise PlanError(None, "dataset.mode", f"must be one of {', '.join(MODES)}")
    for name, dtype in schema.items():
        if isinstance(dtype, _UNWRITABLE):
            raise PlanError(
                None,
                "dataset.table",
                f"field {name!r} is {dtype}; a table cannot hold it",
            )


def family(dtype: pl.DataType) -> str:
    """Return the family of a polars type: int, float, bool, date, ... or text."""
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "float"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    return "time" if dtype == pl.Time else "text"


def fit(table: str, columns: dict[str, str], schema: pl.Schema) -> None:
    """Refuse fields a table's columns (name: family) do not take, naming them."""
    for name, dtype in schema.items():
        if name not in columns:
            raise DataError(f"field {name!r} has no column in table {table}")
        have = family(dtype)
        if have not in _TAKES[columns[name]]:
            raise DataError(
                f"field {name!r} is {have}; column {name!r} of table {table}"
                f" is {columns[name]} and cannot take it"
            )


def precheck(spec: dict[str, Any], schema: pl.Schema) -> None:
    """Fail before a run streams when an append would not fit the table."""
    if spec.get("mode") != "append":
        return
    if spec["kind"] == "sqlite":
        if not Path(spec["path"]).exists():
            return
        with closing(_sqlite(spec)) as conn:
            columns = _sqlite_columns(conn, spec["table"])
    else:
        columns = _pg_existing(spec)
    if columns:
        fit(spec["table"], columns, schema)


def load(
    spec: dict[str, Any], parquet: Path, schema: pl.Schema, cancel: threading.Event
) -> None:
    """Load a Parquet file into a spec's table in one transaction."""
    if spec["kind"] == "sqlite":
        _sqlite_load(spec, parquet, schema, cancel)
    else:
        _pg_load(spec, parquet, schema, cancel)


def _batches(frame: pl.LazyFrame, cancel: threading.Event) -> Iterator[pl.DataFrame]:
    for batch in frame.collect_batches(chunk_size=BATCH_ROWS):
        if cancel.is_set():
            raise RunCancelled("the run was cancelled")
        yield batch


def _sqlite(spec: dict[str, Any]) -> sqlite3.Connection:
    Path(spec["path"]).parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(spec["path"], isolation_level=None, timeout=30)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_columns(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    rows = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    return {str(r[1]): _sqlite_family(str(r[2] or "")) for r in rows}


def _sqlite_family(declared: str) -> str:
    """Return the family of a declared SQLite type, after its affinity rules."""
    upper = declared.upper()
    if "BOOL" in upper:
        return "bool"
    if "INT" in upper:
        return "int"
    if not upper or any(t in upper for t in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if "DATETIME" in upper or "TIMESTAMP" in upper:
        return "datetime"
    if "DATE" in upper:
        return "date"
    if "TIME" in upper:
        return "time"
    return "float"


def _sqlite_type(dtype: pl.DataType) -> str:
    return {
        "bool": "BOOLEAN", "int": "INTEGER", "float": "REAL", "date": "DATE",
        "datetime": "TIMESTAMP", "time": "TIME", "text": "TEXT",
    }[family(dtype)]  # fmt: skip


def _sqlite_load(
    spec: dict[str, Any], parquet: Path, schema: pl.Schema, cancel: threading.Event
) -> None:
    table, names = _quote(spec["table"]), list(schema)
    conn = _sqlite(spec)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            _sqlite_prepare(conn, spec, schema)
            cols = ", ".join(_quote(n) for n in names)
            marks = ", ".join("?" for _ in names)
            insert = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            for batch in _batches(_sqlite_values(parquet, schema), cancel):
                conn.executemany(insert, batch.iter_rows())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise DataError(f"could not write table {spec['table']}: {exc}") from exc
    finally:
        conn.close()


def _sqlite_prepare(
    conn: sqlite3.Connection, spec: dict[str, Any], schema: pl.Schema
) -> None:
    table = spec["table"]
    columns = _sqlite_columns(conn, table)
    if spec.get("mode") == "append" and columns:
        fit(table, columns, schema)
        return
    defs = ", ".join(f"{_quote(n)} {_sqlite_type(t)}" for n, t in schema.items())
    conn.execute(f"DROP TABLE IF EXISTS {_quote(table)}")
    conn.execute(f"CREATE TABLE {_quote(table)} ({defs})")


def _sqlite_values(parquet: Path, schema: pl.Schema) -> pl.LazyFrame:
    """Read the result back with dates as ISO text and decimals as floats."""
    casts = []
    for name, dtype in schema.items():
        if dtype == pl.Date or dtype == pl.Time:
            casts.append(pl.col(name).cast(pl.String))
        elif isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.to_string("%Y-%m-%d %H:%M:%S%.f"))
        elif isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
    frame = pl.scan_parquet(parquet)
    return frame.with_columns(casts) if casts else frame


def pg_connect(spec: dict[str, Any]) -> Any:
    """Open a PostgreSQL connection to a spec's server with psycopg."""
    try:
        import psycopg
    except ImportError:
        raise DataError("PostgreSQL needs the psycopg package on the engine") from None
    return psycopg.connect(
        host=spec["host"],
        port=int(spec.get("port") or 5432),
        dbname=spec["database"],
        user=spec["user"],
        password=spec.get("password") or None,
        connect_timeout=10,
    )


def _pg_existing(spec: dict[str, Any]) -> dict[str, str]:
    from psycopg import Error

    try:
        with pg_connect(spec) as conn:
            return _pg_columns(conn, spec["table"])
    except Error as exc:
        raise DataError(
            f"could not reach table {spec['table']}: {_first(exc)}"
        ) from exc


def _first(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _pg_name(table: str) -> Any:
    from psycopg import sql

    return sql.Identifier(*table.split(".", 1))


def _pg_columns(conn: Any, table: str) -> dict[str, str]:
    schema, _, name = table.rpartition(".")
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = coalesce(%s, current_schema()) AND table_name = %s"
        " ORDER BY ordinal_position",
        [schema or None, name],
    ).fetchall()
    return {str(r[0]): _PG_FAMILIES.get(str(r[1]), "other") for r in rows}


def _pg_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"numeric({dtype.precision or 38}, {dtype.scale or 0})"
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    named = {
        pl.Int8: "smallint", pl.Int16: "smallint", pl.UInt8: "smallint",
        pl.Int32: "integer", pl.UInt16: "integer", pl.UInt32: "bigint",
        pl.Int64: "bigint", pl.UInt64: "numeric(20, 0)", pl.Float32: "real",
        pl.Float64: "double precision", pl.Boolean: "boolean", pl.Date: "date",
        pl.Time: "time",
    }  # fmt: skip
    return next((t for d, t in named.items() if dtype == d), "text")


def _pg_load(
    spec: dict[str, Any], parquet: Path, schema: pl.Schema, cancel: threading.Event
) -> None:
    from psycopg import Error, sql

    table = _pg_name(spec["table"])
    cols = sql.SQL(", ").join(sql.Identifier(n) for n in schema)
    copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(table, cols)
    try:
        # psycopg's connection block commits at its end, rolls back on error.
        with pg_connect(spec) as conn:
            _pg_prepare(conn, spec, schema)
            with conn.cursor() as cursor, cursor.copy(copy) as stream:
                for batch in _batches(pl.scan_parquet(parquet), cancel):
                    stream.write(batch.write_csv(include_header=False))
    except Error as exc:
        raise DataError(
            f"could not write table {spec['table']}: {_first(exc)}"
        ) from exc


def _pg_prepare(conn: Any, spec: dict[str, Any], schema: pl.Schema) -> None:
    from psycopg import sql

    table = spec["table"]
    columns = _pg_columns(conn, table)
    if spec.get("mode") == "append" and columns:
        fit(table, columns, schema)
        return
    defs = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(_pg_type(t)))
        for n, t in schema.items()
    )
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_pg_name(table)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(_pg_name(table), defs))
