"""Deduplicate: keep one row per value of some fields (all fields by default).

{"fields": ["email"], "keep": "first" | "last"}
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from tcloud.runtime.processors.base import Context, Step

PORTS = ("in",)


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Drop repeated rows, keeping the first or the last of each."""
    fields = ctx.get("fields") or None
    subset = ctx.fields(fields, "fields") if fields else None
    picked = ctx.choice("keep", ("first", "last"), "first")
    keep: Literal["first", "last"] = "last" if picked == "last" else "first"
    frame = inputs["in"].unique(subset=subset, keep=keep, maintain_order=True)
    return Step(frame)
