"""Split to rows: split a text field by a separator, one row per part.

    {"field": "tags", "separator": ",", "trim": true, "drop_empty": true}

A null or empty field keeps its row, with a null part.
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime.processors.base import Context, Step

PORTS = ("in",)


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Explode a field into rows."""
    name = ctx.field(ctx.get("field"), "field")
    ctx.expect(name, ("string",), "field")
    separator = ctx.need("separator", str)
    parts = pl.col(name).str.split(separator, literal=True)
    if ctx.get("trim", True):
        parts = parts.list.eval(pl.element().str.strip_chars())
    if ctx.get("drop_empty", True):
        parts = parts.list.eval(pl.element().filter(pl.element() != ""))
    frame = inputs["in"].with_columns(parts.alias(name))
    frame = frame.explode(name, empty_as_null=True, keep_nulls=True)
    return Step(frame)
