"""Row filters: a JSON spec compiled to one polars boolean expression.

The grid filters its rows with it and steps use it as their scope, so a
filter shown in the grid and a step limited to it select the same rows.

    {"and": [spec, ...]}   {"or": [spec, ...]}   {"not": spec}
    {"column": "c", "op": "contains", "value": "x", "case_sensitive": false}
    {"column": "c", "op": "equals", "value": "x"}
    {"column": "c", "op": "in", "values": ["x", "y"]}
    {"column": "c", "op": "range", "min": 1, "max": 9}     (either end open)
    {"column": "c", "op": "pattern", "value": "Aa99"}      (Aa9 shape)
    {"column": "c", "op": "matches", "value": "^re$"}
    {"column": "c", "op": "empty"}
    {"column": "c", "op": "invalid", "type": "integer"}     (or "valid")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from tcloud.runtime.prep.exprs import moment, number, shape, text
from tcloud.runtime.prep.types import (
    as_column_type,
    empty_expr,
    invalid_expr,
    valid_expr,
)

OPS = (
    "contains",
    "equals",
    "in",
    "range",
    "pattern",
    "matches",
    "empty",
    "invalid",
    "valid",
)


def check_filter(spec: Any) -> str | None:
    """Return what is wrong with a filter spec's structure, or None."""
    if not isinstance(spec, Mapping):
        return "a filter must be an object"
    for key in ("and", "or"):
        if key in spec:
            parts = spec[key]
            if not isinstance(parts, list) or not parts:
                return f"{key} needs a list of filters"
            return next((p for p in map(check_filter, parts) if p), None)
    if "not" in spec:
        return check_filter(spec["not"])
    if not isinstance(spec.get("column"), str):
        return "a filter needs a column"
    if spec.get("op") not in OPS:
        return f"filter op must be one of {', '.join(OPS)}"
    if spec["op"] in ("contains", "equals", "pattern", "matches") and (
        spec.get("value") is None
    ):
        return f"filter {spec['op']} needs a value"
    if spec["op"] in ("invalid", "valid") and not spec.get("type"):
        return f"filter {spec['op']} needs the column type"
    return None


def compile_filter(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> pl.Expr:
    """Compile a filter spec into a boolean expression (null counts as false)."""
    problem = check_filter(spec)
    if problem:
        raise ValueError(problem)
    return _compile(spec, schema).fill_null(False)


def _compile(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> pl.Expr:
    if "and" in spec:
        return pl.all_horizontal(
            [_compile(s, schema).fill_null(False) for s in spec["and"]]
        )
    if "or" in spec:
        return pl.any_horizontal(
            [_compile(s, schema).fill_null(False) for s in spec["or"]]
        )
    if "not" in spec:
        return ~_compile(spec["not"], schema).fill_null(False)
    column = spec["column"]
    if column not in schema:
        raise ValueError(f"no column named {column!r}")
    return _leaf(spec, column, schema[column])


def _leaf(spec: Mapping[str, Any], column: str, dtype: pl.DataType) -> pl.Expr:
    op = spec["op"]
    value = spec.get("value")
    txt = text(column, dtype)
    if op == "contains":
        if spec.get("case_sensitive", False):
            return txt.str.contains(str(value), literal=True)
        return txt.str.to_lowercase().str.contains(str(value).lower(), literal=True)
    if op == "equals":
        if not spec.get("case_sensitive", True):
            return txt.str.to_lowercase() == str(value).lower()
        return txt == str(value)
    if op == "in":
        return txt.is_in([str(v) for v in spec.get("values") or []])
    if op == "pattern":
        return shape(txt) == str(value)
    if op == "matches":
        return txt.str.contains(str(value))
    if op == "empty":
        return empty_expr(column, dtype)
    if op == "invalid":
        return invalid_expr(column, dtype, spec["type"])
    if op == "valid":
        return valid_expr(column, dtype, spec["type"]) & ~empty_expr(column, dtype)
    return _range(spec, column, dtype)


def _range(spec: Mapping[str, Any], column: str, dtype: pl.DataType) -> pl.Expr:
    ctype = as_column_type(spec.get("type") or "decimal")
    low, high = spec.get("min"), spec.get("max")
    if ctype.name in ("date", "datetime") or dtype in (pl.Date, pl.Datetime):
        values = moment(column, dtype, ctype.parse_format)
        low = pl.lit(low).str.to_datetime(time_unit="us") if low else None
        high = pl.lit(high).str.to_datetime(time_unit="us") if high else None
    else:
        values = number(column, dtype)
        low = pl.lit(float(low)) if low is not None else None
        high = pl.lit(float(high)) if high is not None else None
    result = values.is_not_null()
    if low is not None:
        result = result & (values >= low)
    if high is not None:
        result = result & (values <= high)
    return result
