"""Select: keep, drop, rename and reorder fields.

    {"keep": ["a", "b"], "drop": ["c"], "rename": {"a": "alpha"},
     "order": ["b", "alpha"]}

Applied in that order; "order" lists the fields to put first (after
renaming), the others follow in their current order.
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime.processors.base import Context, Step

PORTS = ("in",)


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Shape the fields of the input."""
    frame = inputs["in"]
    names = list(ctx.schemas["in"].names())
    if ctx.get("keep"):
        names = ctx.fields(ctx.get("keep"), "keep")
    if ctx.get("drop"):
        dropped = set(ctx.fields(ctx.get("drop"), "drop"))
        names = [n for n in names if n not in dropped]
    renames = ctx.get("rename") or {}
    if not isinstance(renames, dict):
        raise ctx.error("rename", "must map old names to new names")
    for old, new in renames.items():
        ctx.field(old, f"rename.{old}")
        if old not in names:
            raise ctx.error(f"rename.{old}", f"field {old!r} is not kept")
        if not isinstance(new, str) or not new:
            raise ctx.error(f"rename.{old}", "the new name must be text")
    final = [renames.get(n, n) for n in names]
    if len(set(final)) != len(final):
        raise ctx.error("rename", "two fields would have the same name")
    order = ctx.get("order") or []
    if not isinstance(order, list):
        raise ctx.error("order", "must be a list of fields")
    for i, name in enumerate(order):
        if name not in final:
            raise ctx.error(f"order[{i}]", f"unknown field {name!r}")
    final = [*order, *(n for n in final if n not in order)]
    back = {renames.get(n, n): n for n in names}
    return Step(frame.select(pl.col(back[n]).alias(n) for n in final))
