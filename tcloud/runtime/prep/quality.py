"""What the grid shows on a column header: quality, profile and suggestions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from tcloud.runtime.prep.exprs import shape
from tcloud.runtime.prep.registry import REGISTRY
from tcloud.runtime.prep.types import (
    as_column_type,
    empty_expr,
    infer_type,
    valid_expr,
)

TOP = 10
BINS = 10
QUANTILES = (0.25, 0.5, 0.75)
SUGGESTIONS = 5
# 1.234,56 or 12,5: a comma before the decimals, dots between thousands
_EUROPEAN = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"


def quality(df: pl.DataFrame, types: Mapping[str, Any] | None = None) -> dict:
    """Count valid, invalid and empty cells of every column."""
    types = dict(types or {})
    exprs = []
    for name, dtype in df.schema.items():
        ctype = types.get(name) or infer_type(df.get_column(name))
        empty = empty_expr(name, dtype)
        valid = ~empty & valid_expr(name, dtype, ctype)
        exprs += [
            empty.sum().alias(f"{name}\x00empty"),
            valid.sum().alias(f"{name}\x00valid"),
        ]
    counts = df.select(exprs).row(0, named=True) if exprs else {}
    result = {}
    for name in df.columns:
        empty, valid = counts[f"{name}\x00empty"], counts[f"{name}\x00valid"]
        result[name] = {
            "valid": valid,
            "invalid": df.height - empty - valid,
            "empty": empty,
        }
    return result


def profile(df: pl.DataFrame, column: str, ctype: Any = None) -> dict[str, Any]:
    """Describe a column: top values, patterns, histogram, statistics."""
    series = df.get_column(column)
    ctype = as_column_type(ctype) if ctype is not None else infer_type(series)
    dtype = series.dtype
    frame = df.select(pl.col(column))
    filled = frame.filter(~empty_expr(column, dtype))
    text = filled.get_column(column).cast(pl.String)
    result: dict[str, Any] = {
        "type": ctype.as_dict(),
        "count": df.height,
        "empty": df.height - filled.height,
        "distinct": text.n_unique(),
        "duplicates": filled.height - text.n_unique(),
        "top_values": _top(text),
        "patterns": _top(text.to_frame().select(shape(pl.col(column))).to_series()),
    }
    values = _values(filled, column, dtype, ctype)
    if values is not None:
        kind = ctype.name if ctype.name in ("date", "datetime") else None
        result |= _statistics(values, kind)
    return result


def _top(series: pl.Series) -> list[dict[str, Any]]:
    counts = series.rename("value").value_counts(sort=True, name="count").head(TOP)
    return counts.to_dicts()


def _values(
    filled: pl.DataFrame, column: str, dtype: pl.DataType, ctype: Any
) -> pl.Series | None:
    col = pl.col(column)
    if ctype.name in ("integer", "decimal"):
        expr = col.cast(pl.Float64, strict=False)
        if dtype == pl.String:
            expr = col.str.strip_chars().cast(pl.Float64, strict=False)
    elif ctype.name in ("date", "datetime"):
        if dtype in (pl.Date, pl.Datetime):
            expr = col.cast(pl.Datetime("us"))
        elif ctype.parse_format:
            from tcloud.runtime.prep.types import parse_datetime

            expr = parse_datetime(col, ctype.parse_format)
        else:
            return None
    else:
        return None
    return filled.select(expr).to_series().drop_nulls()


def _statistics(values: pl.Series, is_date: str | None) -> dict[str, Any]:
    if values.len() == 0:
        return {
            "min": None,
            "max": None,
            "mean": None,
            "quantiles": {},
            "histogram": [],
        }
    numbers = values.cast(pl.Int64).cast(pl.Float64) if is_date else values
    low, high = float(numbers.min()), float(numbers.max())  # type: ignore[arg-type]
    width = (high - low) / BINS or 1.0
    bins = ((numbers - low) / width).floor().clip(0, BINS - 1).cast(pl.Int64)
    counts = bins.value_counts().sort(bins.name)
    by_bin = dict(
        zip(counts[bins.name].to_list(), counts["count"].to_list(), strict=True)
    )
    histogram = [
        {
            "low": _out(low + i * width, is_date),
            "high": _out(low + (i + 1) * width, is_date),
            "count": by_bin.get(i, 0),
        }
        for i in range(BINS)
    ]
    return {
        "min": _out(low, is_date),
        "max": _out(high, is_date),
        "mean": _out(numbers.mean(), is_date),  # type: ignore[arg-type]
        "quantiles": {
            str(q): _out(numbers.quantile(q, interpolation="linear"), is_date)
            for q in QUANTILES
        },
        "histogram": histogram,
    }


def _out(value: Any, is_date: str | None) -> Any:
    """Return a statistic; of dates, an ISO date or datetime (no zero fraction)."""
    if value is None or not is_date:
        return value
    moment = pl.Series([int(value)]).cast(pl.Datetime("us")).item()
    if is_date == "date":
        return moment.date().isoformat()
    return moment.isoformat()


def suggest(df: pl.DataFrame, column: str, ctype: Any = None) -> list[dict[str, Any]]:
    """Return up to five steps the column's values call for, best first."""
    series = df.get_column(column)
    ctype = as_column_type(ctype) if ctype is not None else infer_type(series)
    counts = quality(df.select(column), {column: ctype})[column]
    scored: list[tuple[float, str, dict[str, Any], str]] = []
    if series.dtype == pl.String:
        scored += _text_suggestions(df, column)
    total = max(df.height, 1)
    type_param = ctype.as_dict()
    if counts["empty"]:
        share = counts["empty"] / total
        why = f"{counts['empty']} of {df.height} cells have no value"
        scored.append((0.6 + share, "fill_empty", {"value": ""}, why))
        scored.append((0.5 + share, "delete_empty_rows", {}, why))
    if counts["invalid"]:
        share = counts["invalid"] / total
        params = {"type": type_param}
        why = f"{counts['invalid']} of {df.height} values do not read as {ctype.name}"
        scored.append((0.7 + share, "clear_invalid", params, why))
        scored.append((0.55 + share, "delete_invalid_rows", params, why))
        scored.append((0.5 + share, "fill_invalid", params | {"value": ""}, why))
    # a format fix comes before clearing the values it would have read
    if ctype.name in ("date", "datetime") and ctype.format not in (None, "%Y-%m-%d"):
        params = {"format": ctype.format, "pattern": "%Y-%m-%d"}
        why = f"dates written {ctype.format}, not in ISO form"
        scored.append((1.8, "change_date_pattern", params, why))
    if ctype.name == "date" and ctype.ambiguous:
        params = {"format": ctype.ambiguous[0], "pattern": "%Y-%m-%d"}
        reason = "day and month can be read both ways: choose the format"
        scored.append((0.45, "change_date_pattern", params, reason))
    scored.sort(key=lambda s: -s[0])
    seen: set[str] = set()
    result = []
    for score, name, params, reason in scored:
        if name in seen:
            continue
        seen.add(name)
        step = {"function": name, "column": column, "params": params}
        label = REGISTRY[name].label
        result.append(
            step | {"label": label, "reason": reason, "score": round(score, 3)}
        )
    return result[:SUGGESTIONS]


def _text_suggestions(
    df: pl.DataFrame, column: str
) -> list[tuple[float, str, dict[str, Any], str]]:
    col = pl.col(column)
    filled = df.filter(col.is_not_null() & (col.str.strip_chars() != ""))
    if filled.height == 0:
        return []
    stray, repeated, upper, lower, mixed = filled.select(
        (col != col.str.strip_chars()).mean().alias("a"),
        col.str.strip_chars().str.contains(r"\s{2,}").mean().alias("b"),
        (col == col.str.to_uppercase()).mean().alias("c"),
        (col == col.str.to_lowercase()).mean().alias("d"),
        col.str.contains(r"\p{L}").mean().alias("e"),
    ).row(0)
    found: list[tuple[float, str, dict[str, Any], str]] = []
    european, commas = filled.select(
        col.str.strip_chars().str.contains(_EUROPEAN).mean().alias("a"),
        col.str.contains(",", literal=True).any().alias("b"),
    ).row(0)
    if european >= 0.5 and commas:
        params = {"from_format": "european", "to_format": "us"}
        why = "numbers written 1.234,56 (European form)"
        found.append((1.8, "change_number_format", params, why))
    if stray:
        found.append((0.8 + stray, "trim", {}, "leading or trailing spaces"))
    if repeated:
        found.append((0.4 + repeated, "collapse_repeated", {}, "repeated spaces"))
    if mixed and 0 < upper < 1 and 0 < lower < 1:
        found.append((0.3, "proper_case", {}, "mixed case"))
        found.append((0.25, "upper_case", {}, "mixed case"))
    return found
