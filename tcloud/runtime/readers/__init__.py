"""Open a dataset spec as a lazy frame, and take samples of it.

A dataset spec is JSON (see docs/pipelines-format.md):

    {"kind": "file", "path": "...", "format": "csv|xlsx|jsonl|parquet",
     "options": {...}}
    {"kind": "sqlite", "path": "...", "table": "..."} or {..., "query": "..."}

`open_source` returns a `Source`: the lazy frame of good rows and, when the
reader converts text to types, a lazy frame of the rows that failed, each
with a "reason". XLSX and SQLite are read eagerly (polars has no lazy reader
for them); CSV, JSON lines and Parquet are scanned lazily and stream.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from tcloud.runtime import types
from tcloud.runtime.conversion import Source, convert_columns
from tcloud.runtime.errors import ReadError
from tcloud.runtime.readers import csv, tables
from tcloud.runtime.readers.csv import CsvOptions, sniff

__all__ = [
    "CsvOptions",
    "Source",
    "inspect",
    "open_source",
    "sample",
    "sheets",
    "sniff",
]

FORMATS = ("csv", "xlsx", "jsonl", "parquet")
# JSON lines take their types from as many records as a CSV head.
SAMPLE_ROWS = 1000


def open_source(
    spec: dict[str, Any],
    stack: ExitStack,
    *,
    mode: str = "typed",
    limit: int | None = None,
) -> Source:
    """Open a dataset spec; `limit` reads only the first rows (samples)."""
    kind = spec.get("kind", "file")
    if kind == "sqlite":
        return Source(tables.read_sqlite(spec, limit))
    if kind != "file":
        raise ReadError(f"unknown dataset kind {kind!r}")
    path = _path(spec)
    if not path.is_file():
        raise ReadError(f"no such file: {name_of(spec)}", path=str(path))
    fmt = format_of(spec)
    options = spec.get("options") or {}
    if fmt == "csv":
        return _csv(path, csv_options(path, options), stack, mode, limit)
    if fmt == "xlsx":
        return Source(tables.read_xlsx(path, options.get("sheet"), limit))
    if fmt in ("jsonl", "ndjson"):
        scan = pl.scan_ndjson(path, infer_schema_length=SAMPLE_ROWS)
        return Source(_limit(scan, limit))
    if fmt == "parquet":
        return Source(_limit(pl.scan_parquet(path), limit))
    raise ReadError(
        f"unknown file format {fmt!r} of {name_of(spec)}; formats read:"
        f" {', '.join(FORMATS)}",
        path=str(path),
    )


def inspect(spec: dict[str, Any], n: int = 1000) -> dict[str, Any]:
    """Describe a dataset for its page: options guessed, schema and first rows.

    Returns {"format", "options", "schema", "rows"} and, for a workbook,
    "sheets". Options the spec gives win over the guesses.
    """
    fmt = format_of(spec) if spec.get("kind", "file") == "file" else "sqlite"
    options = dict(spec.get("options") or {})
    extra: dict[str, Any] = {}
    warnings = _empty(spec) if fmt != "sqlite" else []
    if fmt == "csv":
        found = csv_options(_path(spec), options)
        options = found.to_dict()
        warnings = warnings or csv.head_warnings(_path(spec), found, n)
    elif fmt == "xlsx":
        extra["sheets"] = sheets(_path(spec))
        options.setdefault("sheet", extra["sheets"][0] if extra["sheets"] else None)
    schema, rows = sample({**spec, "options": options}, n)
    if warnings:
        extra["warnings"] = warnings
    return {"format": fmt, "options": options, **extra, "schema": schema, "rows": rows}


def _empty(spec: dict[str, Any]) -> list[dict[str, Any]]:
    path = _path(spec)
    if path.is_file() and path.stat().st_size == 0:
        return [{"code": "empty", "message": "the file is empty"}]
    return []


def format_of(spec: dict[str, Any]) -> str:
    """Return a file dataset's format, from the spec or the file's extension."""
    return str(spec.get("format") or _path(spec).suffix.lstrip(".").lower())


def sample(spec: dict[str, Any], n: int = 1000) -> tuple[dict[str, str], list[dict]]:
    """Return the schema of a dataset and its first `n` records."""
    frame = sample_frame(spec, n)
    return types.describe(frame.schema), frame.to_dicts()


def sample_frame(spec: dict[str, Any], n: int = 1000) -> pl.DataFrame:
    """Return the first `n` good records of a dataset as a frame."""
    with ExitStack() as stack:
        source = open_source(spec, stack, mode="text", limit=n)
        return collect(source.frame, spec)


def collect(frame: pl.LazyFrame, spec: dict[str, Any]) -> pl.DataFrame:
    """Collect a source frame, turning parser failures into ReadErrors."""
    try:
        return frame.collect()
    except pl.exceptions.PolarsError as exc:
        raise read_error(spec, exc) from exc


def read_error(spec: dict[str, Any], exc: Exception) -> ReadError:
    """Explain a polars failure on a dataset, naming the line when we can."""
    if spec.get("format", "csv") == "csv" and spec.get("kind", "file") == "file":
        options = csv_options(_path(spec), spec.get("options") or {})
        located = csv.locate_fault(_path(spec), options)
        if located is not None:
            return located
    if spec.get("kind", "file") == "file" and format_of(spec) in ("jsonl", "ndjson"):
        found = jsonl_fault(_path(spec), name_of(spec))
        if found is not None:
            return found
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
    return ReadError(f"cannot read {name_of(spec)}: {first}")


def name_of(spec: dict[str, Any]) -> str:
    """Return the name a user knows a dataset's file by (not a cache's)."""
    return str(spec.get("name") or Path(str(spec.get("path") or "")).name)


def jsonl_fault(path: Path, name: str) -> ReadError | None:
    """Name the first line of a JSON lines file that is not a JSON object."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                reason = str(exc).split(": line ")[0]
                return ReadError(
                    f"{name} is not valid JSON here ({reason})", line=number
                )
            if not isinstance(value, dict):
                return ReadError(f"{name} has no JSON object here", line=number)
    return None


def csv_options(path: Path, given: dict[str, Any]) -> CsvOptions:
    """Complete the options a user gave with what sniffing the file guesses."""
    if all(key in given for key in ("encoding", "delimiter", "header")):
        return CsvOptions.from_dict(given)
    return CsvOptions.from_dict({**_sniffed(path), **given})


# Sniffing a file takes tens of milliseconds (its head parsed, types and
# nulls inferred), as long as the run of a small pipeline. A file that has
# not changed since (same inode, size and modification time) keeps its
# guesses, so a pipeline run again on the same files sniffs them once.
_SNIFFED: OrderedDict[tuple[str, int, int, int], dict[str, Any]] = OrderedDict()
_SNIFFED_MAX = 256
_SNIFFED_LOCK = threading.Lock()


def _sniffed(path: Path) -> dict[str, Any]:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _SNIFFED_LOCK:
        found = _SNIFFED.get(key)
        if found is not None:
            _SNIFFED.move_to_end(key)
            return copy.deepcopy(found)
    guessed = sniff(path).to_dict()
    with _SNIFFED_LOCK:
        _SNIFFED[key] = copy.deepcopy(guessed)
        while len(_SNIFFED) > _SNIFFED_MAX:
            _SNIFFED.popitem(last=False)
    return guessed


def sheets(path: str | Path) -> list[str]:
    """List the sheets of a workbook."""
    return tables.sheet_names(Path(path))


def _csv(
    path: Path,
    options: CsvOptions,
    stack: ExitStack,
    mode: str,
    limit: int | None,
) -> Source:
    if limit is not None:
        text = csv.head(path, options, limit)
        raw, wanted = text.lazy(), options.types or types.infer(text)
    else:
        raw, wanted = csv.scan(path, options, stack, mode=mode)
    schema = raw.collect_schema()
    todo = {
        c: k for c, k in wanted.items() if c in schema and types.type_of(schema[c]) != k
    }
    if not todo:
        return Source(raw)
    return convert_columns(raw, todo)


def _limit(frame: pl.LazyFrame, limit: int | None) -> pl.LazyFrame:
    return frame if limit is None else frame.head(limit)


def _path(spec: dict[str, Any]) -> Path:
    if not spec.get("path"):
        raise ReadError("a file dataset needs a path")
    return Path(spec["path"])
