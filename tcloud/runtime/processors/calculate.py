"""Calculated field: add or replace a field with an SQL expression.

    {"field": "speed", "expression": "distance / air_time * 60"}
    {"fields": [{"field": "a", "expression": "..."}, ...]}

Expressions are parsed by polars (`pl.sql_expr`), never evaluated as
Python; each one sees the fields computed before it in the list.
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime import expressions
from tcloud.runtime.processors.base import Context, Step

PORTS = ("in",)


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Add the calculated fields."""
    items = ctx.get("fields")
    if items is None:
        items = [{"field": ctx.get("field"), "expression": ctx.get("expression")}]
        prefix = ""
    else:
        if not isinstance(items, list) or not items:
            raise ctx.error("fields", "must be a non-empty list")
        prefix = "fields"
    frame = inputs["in"]
    schema = dict(ctx.schemas["in"])
    for i, item in enumerate(items):
        at = f"{prefix}[{i}]." if prefix else ""
        name = item.get("field") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            raise ctx.error(f"{at}field", "must name the field to compute")
        text = item.get("expression")
        expr = expressions.parse(
            text, schema, node_id=ctx.node.id, field=f"{at}expression"
        )
        dtype = expressions.output_type(expr, schema, text)
        if isinstance(dtype, pl.Decimal) and dtype.scale:
            # polars' SQL reads 2.5 as a decimal literal; users mean a float.
            # A decimal of scale 0 (PostgreSQL's sum of bigints) is whole.
            expr, dtype = expr.cast(pl.Float64), pl.Float64()
        schema[name] = dtype
        frame = frame.with_columns(expr.alias(name))
    return Step(frame)
