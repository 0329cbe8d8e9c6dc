"""Python computations run once per distinct value, for what has no expression.

Levenshtein distance, SHA-256, UUIDs and phone numbers have no polars
expression; these helpers call Python once per distinct value of a batch
(or per row for UUIDs), never once per row of a repeated value.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import polars as pl


def per_value(expr: pl.Expr, fn: Callable[[Any], Any], dtype: pl.DataType) -> pl.Expr:
    """Map each distinct non-null value of the expression through fn."""

    def run(series: pl.Series) -> pl.Series:
        uniques = series.drop_nulls().unique()
        mapped = pl.Series([fn(v) for v in uniques.to_list()], dtype=dtype)
        return series.replace_strict(uniques, mapped, default=None, return_dtype=dtype)

    return expr.map_batches(run, return_dtype=dtype, is_elementwise=True)


def per_pair(
    left: pl.Expr, right: pl.Expr, fn: Callable[[Any, Any], Any], dtype: pl.DataType
) -> pl.Expr:
    """Map each row's pair of values through fn, once per distinct pair."""

    def run(series: pl.Series) -> pl.Series:
        cache: dict[tuple[Any, Any], Any] = {}
        out = []
        for row in series.to_list():
            key = (row["a"], row["b"])
            if key not in cache:
                cache[key] = fn(*key)
            out.append(cache[key])
        return pl.Series(out, dtype=dtype)

    pair = pl.struct(left.alias("a"), right.alias("b"))
    return pair.map_batches(run, return_dtype=dtype, is_elementwise=True)


def uuids() -> pl.Expr:
    """Return one random UUID (version 4) per row."""

    def run(series: pl.Series) -> pl.Series:
        return pl.Series([str(uuid.uuid4()) for _ in range(series.len())])

    return pl.int_range(pl.len()).map_batches(
        run, return_dtype=pl.String, is_elementwise=True
    )


def sha256(value: str) -> str:
    """Return the hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(value.encode()).hexdigest()


def levenshtein(a: str, b: str, limit: int | None = None) -> int:
    """Return the edit distance between two texts (stops early past limit)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if limit is not None and len(a) - len(b) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
