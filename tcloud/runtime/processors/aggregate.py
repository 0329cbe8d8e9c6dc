"""Aggregate: group by fields and compute count, sum, avg, min, max, distinct.

    {"group_by": ["carrier", "month"],
     "aggregations": [{"op": "count", "as": "flights"},
                      {"field": "dep_delay", "op": "avg", "as": "avg_delay"}]}

Groups come out sorted by their keys, so runs are repeatable.
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime.processors.base import Context, Step

PORTS = ("in",)
OPS = ("count", "sum", "avg", "min", "max", "count_distinct")
_NUMERIC = ("int", "float", "bool")


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Group and aggregate."""
    keys = ctx.fields(ctx.get("group_by") or [], "group_by")
    items = ctx.need("aggregations", list)
    exprs = []
    names = set(keys)
    for i, item in enumerate(items):
        at = f"aggregations[{i}]"
        expr, name = _aggregation(ctx, item, at)
        if name in names:
            raise ctx.error(f"{at}.as", f"the output field {name!r} exists twice")
        names.add(name)
        exprs.append(expr.alias(name))
    frame = inputs["in"]
    if not keys:
        return Step(frame.select(exprs))
    return Step(frame.group_by(keys).agg(exprs).sort(keys, nulls_last=True))


def _aggregation(ctx: Context, item: object, at: str) -> tuple[pl.Expr, str]:
    if not isinstance(item, dict):
        raise ctx.error(at, "must be an object")
    op = item.get("op")
    if op not in OPS:
        raise ctx.error(f"{at}.op", f"must be one of {', '.join(OPS)}")
    field = item.get("field")
    if op == "count" and not field:
        return pl.len(), str(item.get("as") or "count")
    name = ctx.field(field, f"{at}.field")
    if op in ("sum", "avg"):
        ctx.expect(name, _NUMERIC, f"{at}.field")
    column = pl.col(name)
    expr = {
        "count": column.count(), "sum": column.sum(), "avg": column.mean(),
        "min": column.min(), "max": column.max(),
        "count_distinct": column.drop_nulls().n_unique(),
    }[op]  # fmt: skip
    return expr, str(item.get("as") or f"{op}_{name}")
