"""Join: match the rows of the "left" input with a second, "right" input.

    {"how": "inner" | "left", "on": ["carrier"]}
    {"how": "left", "left_on": ["carrier"], "right_on": ["code"],
     "suffix": "_right"}

Right fields whose names clash with left fields get the suffix.
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime.processors.base import Context, Step

PORTS = ("left", "right")


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Join the two inputs on their keys."""
    how = ctx.choice("how", ("inner", "left"), "inner")
    if ctx.get("on"):
        left_on = ctx.fields(ctx.get("on"), "on", "left")
        right_on = ctx.fields(ctx.get("on"), "on", "right")
    else:
        left_on = ctx.fields(ctx.need("left_on"), "left_on", "left")
        right_on = ctx.fields(ctx.need("right_on"), "right_on", "right")
    if len(left_on) != len(right_on):
        raise ctx.error("right_on", "needs as many keys as left_on")
    _check_keys(ctx, left_on, right_on)
    suffix = ctx.get("suffix") or "_right"
    frame = inputs["left"].join(
        inputs["right"],
        left_on=left_on,
        right_on=right_on,
        how=how,  # type: ignore[arg-type]
        suffix=suffix,
        coalesce=True,
        maintain_order="left",
    )
    return Step(frame)


def _check_keys(ctx: Context, left_on: list[str], right_on: list[str]) -> None:
    """Refuse keys whose types differ: polars would not match them."""
    for i, (lk, rk) in enumerate(zip(left_on, right_on, strict=True)):
        left, right = ctx.schemas["left"][lk], ctx.schemas["right"][rk]
        if left == right:
            continue
        have, other = ctx.kind(lk, "left"), ctx.kind(rk, "right")
        if have == other:
            have, other = str(left), str(right)
        where = f"on[{i}]" if ctx.get("on") else f"right_on[{i}]"
        raise ctx.error(
            where, f"key {lk!r} is {have} but {rk!r} is {other}; convert one first"
        )
