"""Convert types: turn fields into int, float, bool, date, datetime or string.

    {"fields": {"when": {"to": "date", "format": "%d/%m/%Y"}, "n": "int"}}

A value that does not convert sends its row to the reject output, with a
reason naming the field and the value; the other rows go on.
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime import types
from tcloud.runtime.conversion import convert_columns
from tcloud.runtime.processors.base import Context, Step

PORTS = ("in",)


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Convert the listed fields, rejecting rows that fail."""
    spec = ctx.need("fields", dict)
    if not spec:
        raise ctx.error("fields", "add a field to convert")
    wanted: dict[str, str] = {}
    formats: dict[str, str | None] = {}
    for name, target in spec.items():
        where = f"fields.{name}"
        ctx.field(name, where)
        if isinstance(target, str):
            target = {"to": target}
        if not isinstance(target, dict) or target.get("to") not in types.TYPES:
            raise ctx.error(where, f"'to' must be one of {', '.join(types.TYPES)}")
        fmt = target.get("format")
        if fmt is not None and not isinstance(fmt, str):
            raise ctx.error(f"{where}.format", "must be text")
        wanted[name], formats[name] = target["to"], fmt
    converted = convert_columns(inputs["in"], wanted, formats)
    return Step(converted.frame, converted.reject)
