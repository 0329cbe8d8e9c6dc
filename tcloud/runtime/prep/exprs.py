"""Small expression builders shared by the functions: coercions and shapes."""

from __future__ import annotations

import polars as pl

from tcloud.runtime.prep.types import parse_datetime


def text(column: str | pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Return the column as text, whatever its dtype."""
    col = pl.col(column) if isinstance(column, str) else column
    return col if dtype == pl.String else col.cast(pl.String)


def number(column: str | pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Return the column as Float64; text that is not a number becomes null."""
    col = pl.col(column) if isinstance(column, str) else column
    if dtype == pl.String:
        return col.str.strip_chars().cast(pl.Float64, strict=False)
    if dtype.is_numeric() or dtype == pl.Boolean:
        return col.cast(pl.Float64)
    return col.cast(pl.String).cast(pl.Float64, strict=False)


def moment(column: str | pl.Expr, dtype: pl.DataType, fmt: str | None) -> pl.Expr:
    """Return the column as Datetime(us); text is parsed with one format."""
    col = pl.col(column) if isinstance(column, str) else column
    if dtype == pl.Date or dtype == pl.Datetime:
        return col.cast(pl.Datetime("us"))
    return parse_datetime(text(col, dtype), fmt or "%Y-%m-%d")


def shape(text_expr: pl.Expr) -> pl.Expr:
    """Return the Aa9 shape of text: upper letters A, lower a, digits 9."""
    return (
        text_expr.str.replace_all(r"\p{Lu}", "A")
        .str.replace_all(r"\p{Ll}", "a")
        .str.replace_all(r"\d", "9")
    )


def blank(text_expr: pl.Expr) -> pl.Expr:
    """Return true where text is null or only spaces."""
    return text_expr.is_null() | (text_expr.str.strip_chars() == "")


def literal_like(value: object, dtype: pl.DataType) -> pl.Expr:
    """Return a literal for the value, typed like the column where possible."""
    if dtype == pl.String or value is None:
        return pl.lit(None if value is None else str(value), dtype=pl.String)
    try:
        return pl.lit(value).cast(dtype, strict=True)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return pl.lit(str(value))
