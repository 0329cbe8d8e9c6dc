"""Convert columns to types, sending rows that fail to a reject frame."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tcloud.runtime import types

REASON = "reason"


@dataclass
class Source:
    """The frames a conversion yields: good rows and rejected rows."""

    frame: pl.LazyFrame
    reject: pl.LazyFrame | None = None


def convert_columns(
    frame: pl.LazyFrame,
    wanted: dict[str, str],
    formats: dict[str, str | None] | None = None,
) -> Source:
    """Convert columns of text to types; rows that fail go to the reject frame."""
    formats = formats or {}
    schema = frame.collect_schema()
    tagged = {c: f"\0{c}" for c in wanted}
    converted = [
        types.convert_typed(pl.col(c), schema[c], k, formats.get(c)).alias(tagged[c])
        for c, k in wanted.items()
    ]
    fails = [
        pl.when(types.failed(pl.col(c), pl.col(tagged[c]))).then(
            pl.format("{}: cannot convert {} to {}", pl.lit(c), _quoted(c), pl.lit(k))
        )
        for c, k in wanted.items()
    ]
    work = frame.with_columns(converted).with_columns(
        pl.concat_str(fails, separator="; ", ignore_nulls=True).alias("\0reason")
    )
    bad = pl.col("\0reason").is_not_null() & (pl.col("\0reason") != "")
    good = (
        work.filter(~bad)
        .drop([*wanted, "\0reason"])
        .rename({v: k for k, v in tagged.items()})
        .select(schema.names())
    )
    reason = reason_name(schema)
    reject = work.filter(bad).select(*schema.names(), pl.col("\0reason").alias(reason))
    return Source(good, reject)


def reason_name(schema: pl.Schema) -> str:
    """Name the reason column of a reject output, clear of the input's fields."""
    name = REASON
    while name in schema:
        name = f"_{name}"
    return name


def _quoted(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.slice(0, 40)
    return pl.format("'{}'", text)
