"""Sort: order rows by several keys, each ascending or descending.

{"by": [{"field": "month"}, {"field": "delay", "order": "desc",
         "nulls": "first"}]}
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime.processors.base import Context, Step

PORTS = ("in",)


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Sort the rows; nulls go last unless a key says first."""
    keys = ctx.need("by", list)
    names, descending, nulls_last = [], [], []
    for i, key in enumerate(keys):
        if isinstance(key, str):
            key = {"field": key}
        at = f"by[{i}]"
        if not isinstance(key, dict):
            raise ctx.error(at, "must name a field")
        names.append(ctx.field(key.get("field"), f"{at}.field"))
        order = key.get("order") or "asc"
        if order not in ("asc", "desc"):
            raise ctx.error(f"{at}.order", "must be asc or desc")
        nulls = key.get("nulls") or "last"
        if nulls not in ("first", "last"):
            raise ctx.error(f"{at}.nulls", "must be first or last")
        descending.append(order == "desc")
        nulls_last.append(nulls == "last")
    frame = inputs["in"].sort(
        names, descending=descending, nulls_last=nulls_last, maintain_order=True
    )
    return Step(frame)
