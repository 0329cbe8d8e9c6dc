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
from datetime import datetime, timedelta
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


def filter_problem(spec: Any, schema: Mapping[str, Any]) -> tuple[str, str] | None:
    """Return (where, what) is wrong with a filter on these columns, or None.

    `where` is the path of the wrong part inside the filter: "column",
    "and[1].min", ...; the structure is checked by check_filter first.
    """
    problem = check_filter(spec)
    if problem:
        return "", problem
    for key in ("and", "or"):
        if key in spec:
            for i, part in enumerate(spec[key]):
                found = filter_problem(part, schema)
                if found:
                    return f"{key}[{i}]" + _dotted(found[0]), found[1]
            return None
    if "not" in spec:
        found = filter_problem(spec["not"], schema)
        return ("not" + _dotted(found[0]), found[1]) if found else None
    if spec["column"] not in schema:
        return "column", f"no column named {spec['column']!r}"
    if spec["op"] == "range":
        return _bounds_problem(spec)
    return None


def _dotted(path: str) -> str:
    return "." + path if path else ""


def _bounds_problem(spec: Mapping[str, Any]) -> tuple[str, str] | None:
    for end in ("min", "max"):
        value = spec.get(end)
        if value is None or isinstance(value, int | float):
            continue
        if not isinstance(value, str) or (
            _as_number(value) is None and _as_moment(value) is None
        ):
            return end, "must be a number or an ISO date"
    return None


def _as_number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _as_moment(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
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
    low, high = spec.get("min"), spec.get("max")
    ctype = as_column_type(spec.get("type") or _range_type(low, high))
    if ctype.name in ("date", "datetime") or dtype in (pl.Date, pl.Datetime):
        values = moment(column, dtype, ctype.parse_format)
        low = pl.lit(_moment_of(low)) if low not in (None, "") else None
        high = pl.lit(_moment_of(high, end=True)) if high not in (None, "") else None
    else:
        values = number(column, dtype)
        low = pl.lit(_number_of(low)) if low not in (None, "") else None
        high = pl.lit(_number_of(high)) if high not in (None, "") else None
    result = values.is_not_null()
    if low is not None:
        result = result & (values >= low)
    if high is not None:
        result = result & (values <= high)
    return result


def _range_type(low: Any, high: Any) -> str:
    """Read ends that are ISO dates, not numbers, as a date range."""
    ends = [v for v in (low, high) if isinstance(v, str) and v.strip()]
    if ends and all(_as_number(v) is None and _as_moment(v) for v in ends):
        return "datetime" if any("T" in v or ":" in v for v in ends) else "date"
    return "decimal"


def _moment_of(value: Any, end: bool = False) -> datetime:
    """Read an ISO end; a max given as a date takes in the whole of that day."""
    found = _as_moment(str(value))
    if found is None:
        raise ValueError(f"range end {value!r} is not an ISO date")
    if end and len(str(value).strip()) == 10:
        found += timedelta(days=1, microseconds=-1)
    return found.replace(tzinfo=None)


def _number_of(value: Any) -> float:
    found = value if isinstance(value, int | float) else _as_number(str(value))
    if found is None:
        raise ValueError(f"range end {value!r} is not a number")
    return float(found)
