"""Column types inferred from text values, and what valid means for each.

A column's type is the dominant type of its non-empty values when that type
holds at least half of them; otherwise it is text ("string"). A date column
gets ONE format, chosen from all its values: each candidate format is tried
on every value and the one that parses most wins. Year-first shapes (ISO)
are only ever tried with year-first formats, so 2024-03-04 is never read
day-first. When a day-first and a month-first format parse exactly the
same values (every day is 12 or less), the column is a date with no format
and both candidates in `ambiguous`: the user chooses; no value is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from tcloud.runtime.prep.registry import type_name

INTEGER_RE = r"^[+-]?\d+$"
DECIMAL_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
LEADING_ZERO_RE = r"^[+-]?0\d+$"
BOOLEANS = ("true", "false")
INFER_LIMIT = 10_000

_YMD = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
_DMY = r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}"
_DMY2 = r"^\d{1,2}/\d{1,2}/\d{2}$"

# (format, shape the value must have before the format is tried)
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", _YMD + "$"),
    ("%Y/%m/%d", _YMD + "$"),
    ("%Y.%m.%d", _YMD + "$"),
    ("%d/%m/%Y", _DMY + "$"),
    ("%m/%d/%Y", _DMY + "$"),
    ("%d-%m-%Y", _DMY + "$"),
    ("%m-%d-%Y", _DMY + "$"),
    ("%d.%m.%Y", _DMY + "$"),
    ("%d/%m/%y", _DMY2),
    ("%m/%d/%y", _DMY2),
    ("%d %b %Y", r"^\d{1,2} [A-Za-z]{3} \d{4}$"),
    ("%d %B %Y", r"^\d{1,2} [A-Za-z]{4,} \d{4}$"),
    ("%b %d, %Y", r"^[A-Za-z]{3} \d{1,2}, \d{4}$"),
    ("%B %d, %Y", r"^[A-Za-z]{4,} \d{1,2}, \d{4}$"),
    ("%d-%b-%Y", r"^\d{1,2}-[A-Za-z]{3}-\d{4}$"),
    ("%Y-%m-%d %H:%M:%S", _YMD + r" \d{1,2}:\d{2}:\d{2}$"),
    ("%Y-%m-%dT%H:%M:%S", _YMD + r"T\d{1,2}:\d{2}:\d{2}$"),
    ("%Y-%m-%dT%H:%M:%S%.f", _YMD + r"T\d{1,2}:\d{2}:\d{2}\.\d+$"),
    ("%Y-%m-%dT%H:%M:%SZ", _YMD + r"T\d{1,2}:\d{2}:\d{2}Z$"),
    ("%Y-%m-%d %H:%M", _YMD + r" \d{1,2}:\d{2}$"),
    ("%d/%m/%Y %H:%M", _DMY + r" \d{1,2}:\d{2}$"),
    ("%m/%d/%Y %H:%M", _DMY + r" \d{1,2}:\d{2}$"),
    ("%d/%m/%Y %H:%M:%S", _DMY + r" \d{1,2}:\d{2}:\d{2}$"),
    ("%m/%d/%Y %H:%M:%S", _DMY + r" \d{1,2}:\d{2}:\d{2}$"),
)
_SHAPES = dict(DATE_FORMATS)


@dataclass(frozen=True)
class ColumnType:
    """A column's inferred type; dates carry their one format."""

    name: str
    format: str | None = None
    ambiguous: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the type as JSON-ready data."""
        return {
            "type": self.name,
            "format": self.format,
            "ambiguous": list(self.ambiguous),
        }

    @property
    def parse_format(self) -> str | None:
        """Return the format used to parse values (the first candidate if open)."""
        return self.format or (self.ambiguous[0] if self.ambiguous else None)


def as_column_type(value: Any) -> ColumnType:
    """Accept a ColumnType, a type name, a {"type", "format"} dict or a dtype."""
    if isinstance(value, ColumnType):
        return value
    if isinstance(value, Mapping):
        return ColumnType(
            type_name(value.get("type", "string")),
            value.get("format"),
            tuple(value.get("ambiguous") or ()),
        )
    return ColumnType(type_name(value))


def is_time_format(fmt: str) -> bool:
    """Tell whether a strftime format carries a time of day."""
    return any(token in fmt for token in ("%H", "%I", "%M", "%S", "%T", "%R"))


def parse_datetime(text: pl.Expr, fmt: str) -> pl.Expr:
    """Parse text with one format; values that do not fit become null."""
    text = text.str.strip_chars()
    if is_time_format(fmt):
        return text.str.to_datetime(fmt, strict=False, time_unit="us")
    return text.str.to_date(fmt, strict=False).cast(pl.Datetime("us"))


def infer_date_format(values: pl.Series) -> ColumnType | None:
    """Return the one date format that fits the most values, or None."""
    text = values.cast(pl.String).str.strip_chars()
    text = text.filter(text.is_not_null() & (text != "")).head(INFER_LIMIT)
    if text.len() == 0:
        return None
    frame = text.to_frame("v")
    counts = frame.select(
        [
            (
                pl.col("v").str.contains(shape)
                & parse_datetime(pl.col("v"), fmt).is_not_null()
            )
            .sum()
            .alias(fmt)
            for fmt, shape in DATE_FORMATS
        ]
    ).row(0, named=True)
    best = max(counts.values())
    if best == 0:
        return None
    winners = tuple(fmt for fmt, count in counts.items() if count == best)
    name = "datetime" if is_time_format(winners[0]) else "date"
    if len(winners) == 1:
        return ColumnType(name, winners[0])
    return ColumnType(name, None, winners)


def infer_type(values: pl.Series) -> ColumnType:
    """Infer the type of a column from its values (text or already typed)."""
    if values.dtype != pl.String and values.dtype != pl.Null:
        return ColumnType(type_name(values.dtype))
    text = values.str.strip_chars()
    text = text.filter(text.is_not_null() & (text != "")).head(INFER_LIMIT)
    total = text.len()
    if total == 0:
        return ColumnType("string")
    frame = text.to_frame("v")
    v = pl.col("v")
    ints, decs, bools, padded = frame.select(
        v.str.contains(INTEGER_RE).sum().alias("i"),
        v.str.contains(DECIMAL_RE).sum().alias("d"),
        v.str.to_lowercase().is_in(BOOLEANS).sum().alias("b"),
        v.str.contains(LEADING_ZERO_RE).sum().alias("z"),
    ).row(0)
    half = total / 2
    if bools >= half:
        return ColumnType("boolean")
    # Codes with leading zeros (zip codes, account numbers) stay text.
    if padded:
        return ColumnType("string")
    if decs >= half:
        return ColumnType("integer" if ints == decs else "decimal")
    date = infer_date_format(text)
    if date is not None:
        fmt = date.parse_format or ""
        parsed = frame.select(parse_datetime(v, fmt).is_not_null().sum()).item()
        if parsed >= half:
            return date
    return ColumnType("string")


def infer_types(df: pl.DataFrame) -> dict[str, ColumnType]:
    """Infer every column's type."""
    return {name: infer_type(df.get_column(name)) for name in df.columns}


def empty_expr(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return an expression true where the cell is empty (null or blank)."""
    col = pl.col(column)
    if dtype == pl.String:
        return col.is_null() | (col.str.strip_chars() == "")
    if dtype.is_float():
        return col.is_null() | col.is_nan()
    return col.is_null()


def valid_expr(column: str, dtype: pl.DataType, ctype: Any) -> pl.Expr:
    """Return an expression true where a non-empty cell fits the column type."""
    ctype = as_column_type(ctype)
    col = pl.col(column)
    if dtype != pl.String:
        if ctype.name in ("string", "any") or type_name(dtype) == ctype.name:
            return col.is_not_null()
        return col.cast(pl.String).pipe(_text_valid, ctype)
    return _text_valid(col, ctype)


def _text_valid(text: pl.Expr, ctype: ColumnType) -> pl.Expr:
    text = text.str.strip_chars()
    if ctype.name == "integer":
        return text.str.contains(INTEGER_RE).fill_null(False)
    if ctype.name == "decimal":
        return text.str.contains(DECIMAL_RE).fill_null(False)
    if ctype.name == "boolean":
        return text.str.to_lowercase().is_in(BOOLEANS).fill_null(False)
    if ctype.name in ("date", "datetime") and ctype.parse_format:
        fmt = ctype.parse_format
        shape = _SHAPES.get(fmt)
        parsed = parse_datetime(text, fmt).is_not_null()
        return (parsed & text.str.contains(shape)) if shape else parsed
    return text.is_not_null()


def invalid_expr(column: str, dtype: pl.DataType, ctype: Any) -> pl.Expr:
    """Return an expression true where a non-empty cell does not fit its type."""
    return ~empty_expr(column, dtype) & ~valid_expr(column, dtype, ctype)
