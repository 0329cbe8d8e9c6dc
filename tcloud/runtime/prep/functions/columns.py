"""Columns and table operations, types, and lookups (blending)."""

from __future__ import annotations

import polars as pl

from tcloud.runtime.prep.context import StepContext
from tcloud.runtime.prep.engine import ROW_ID
from tcloud.runtime.prep.exprs import blank
from tcloud.runtime.prep.registry import TYPES, Param, register
from tcloud.runtime.prep.types import BOOLEANS, parse_datetime


def _names(lf: pl.LazyFrame) -> list[str]:
    return list(lf.collect_schema())


@register(
    "delete_column",
    "columns",
    "Delete the column",
    kind="table",
    scoped=False,
)
def delete_column(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Delete the column (or columns)."""
    return lf.drop(list(ctx.columns))


@register(
    "rename_column",
    "columns",
    "Rename the column",
    kind="table",
    scoped=False,
    params=(Param("name", "string", required=True, label="New name"),),
    check=lambda p, t: (
        ("name", f"column {p['name']!r} exists")
        if p["name"] in t
        else ("name", "must not be blank")
        if not (p["name"] or "").strip()
        else None
    ),
)
def rename_column(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Give the column a new name."""
    return lf.rename({ctx.columns[0]: ctx["name"]})


@register("copy_column", "columns", "Copy the column", new_column="copy", creates=True)
def copy_column(ctx: StepContext) -> pl.Expr:
    """Copy the column to a new column placed after it."""
    return ctx.col


@register(
    "swap_columns",
    "columns",
    "Swap with another column",
    kind="table",
    scoped=False,
    params=(Param("other", "column", required=True),),
)
def swap_columns(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Swap the places of two columns."""
    names = _names(lf)
    a, b = names.index(ctx.columns[0]), names.index(ctx["other"])
    names[a], names[b] = names[b], names[a]
    return lf.select(names)


@register(
    "reorder_column",
    "columns",
    "Move the column",
    kind="table",
    scoped=False,
    params=(
        Param(
            "position",
            "choice",
            default="before",
            choices=("before", "after", "first", "last"),
        ),
        Param("other", "column", description="the column to move next to"),
    ),
    check=lambda p, t: (
        ("other", "is required for before and after")
        if p["position"] in ("before", "after") and not p.get("other")
        else None
    ),
)
def reorder_column(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Move the column before or after another, or first or last."""
    moving = ctx.columns[0]
    names = [n for n in _names(lf) if n != moving]
    position = ctx["position"]
    if position == "first":
        at = 0
    elif position == "last":
        at = len(names)
    else:
        at = names.index(ctx["other"]) + (position == "after")
    names.insert(at, moving)
    return lf.select(names)


@register(
    "create_column",
    "columns",
    "Create a column",
    kind="table",
    target="none",
    scoped=False,
    params=(
        Param("name", "string", required=True, label="New column name"),
        Param(
            "mode",
            "choice",
            default="empty",
            choices=("empty", "constant", "copy", "sequence"),
        ),
        Param("value", "any", description="the constant"),
        Param("source", "column", label="Column to copy"),
        Param("start", "number", default=1),
        Param("step", "number", default=1),
    ),
    check=lambda p, t: (
        ("name", f"column {p['name']!r} exists")
        if p["name"] in t
        else ("source", "is required to copy")
        if p["mode"] == "copy" and not p.get("source")
        else None
    ),
)
def create_column(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Add a column: empty, a constant, a copy of another, or a sequence."""
    mode = ctx["mode"]
    if mode == "constant":
        value = pl.lit(None if ctx["value"] is None else str(ctx["value"]), pl.String)
    elif mode == "copy":
        value = pl.col(ctx["source"])
    elif mode == "sequence":
        start, step = ctx["start"], ctx["step"]
        value = pl.int_range(pl.len(), dtype=pl.Int64) * step + start
    else:
        value = pl.lit(None, pl.String)
    return lf.with_columns(value.alias(ctx["name"]))


@register(
    "concatenate",
    "columns",
    "Concatenate with other columns",
    new_column="concat",
    creates=True,
    params=(
        Param("others", "columns", description="columns after this one"),
        Param("value", "string", description="a constant after the columns"),
        Param("prefix", "string", default=""),
        Param("separator", "string", default=""),
        Param("suffix", "string", default=""),
        Param(
            "separator_when",
            "choice",
            default="always",
            choices=("always", "both_not_empty"),
        ),
    ),
)
def concatenate(ctx: StepContext) -> pl.Expr:
    """Join this column, others and a constant with prefix, separator, suffix."""
    parts = [ctx.text(c) for c in (ctx.column, *(ctx["others"] or []))]
    if ctx["value"]:
        parts.append(pl.lit(ctx["value"]))
    sep = ctx["separator"]
    if ctx["separator_when"] == "both_not_empty":
        kept = pl.concat_list(
            [pl.when(blank(p)).then(None).otherwise(p) for p in parts]
        ).list.drop_nulls()
        body = kept.list.join(sep)
    else:
        body = pl.concat_str([p.fill_null("") for p in parts], separator=sep)
    return pl.concat_str([pl.lit(ctx["prefix"]), body, pl.lit(ctx["suffix"])])


@register(
    "change_type",
    "columns",
    "Change the column type",
    scoped=False,
    params=(
        Param("type", "choice", required=True, choices=TYPES[:-1], label="New type"),
        Param(
            "format",
            "string",
            default="infer",
            label="Date format",
            description="for text dates",
        ),
    ),
)
def change_type(ctx: StepContext) -> pl.Expr:
    """Convert the column to a type; values that do not fit become empty."""
    target = ctx["type"]
    if target == "string":
        return ctx.text()
    if target == "boolean":
        if ctx.dtype == pl.Boolean:
            return ctx.col
        lowered = ctx.text().str.strip_chars().str.to_lowercase()
        return pl.when(lowered.is_in(BOOLEANS)).then(lowered == "true")
    if target in ("date", "datetime"):
        if ctx.dtype in (pl.Date, pl.Datetime):
            moment = ctx.col.cast(pl.Datetime("us"))
        else:
            moment = parse_datetime(ctx.text(), ctx.date_format(ctx.column) or "")
        return moment.cast(pl.Date) if target == "date" else moment
    numeric = ctx.text().str.strip_chars()
    if target == "integer":
        if ctx.dtype.is_integer():
            return ctx.col.cast(pl.Int64)
        return numeric.cast(pl.Int64, strict=False)
    return numeric.cast(pl.Float64, strict=False)


@register(
    "set_semantic_type",
    "columns",
    "Change the semantic type",
    kind="table",
    scoped=False,
    params=(Param("semantic_type", "string", required=True),),
)
def set_semantic_type(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Record the column's semantic type; the data is unchanged.

    The type lives in the preparation's metadata (the grid's header and
    quality bar read it); the step keeps it in the recipe's history.
    """
    return lf


@register(
    "lookup",
    "blending",
    "Look up columns from another dataset",
    kind="table",
    scoped=False,
    params=(
        Param("dataset", "string", required=True, description="the dataset to look in"),
        Param("lookup_key", "string", required=True),
        Param(
            "columns",
            "list",
            required=True,
            label="Columns to bring",
            description="columns of the other dataset",
        ),
    ),
)
def lookup(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Left join on one key; the first matching row of the lookup wins."""
    lookups = ctx.lookups or {}
    if ctx["dataset"] not in lookups:
        raise ctx.fail("dataset", f"no lookup dataset named {ctx['dataset']!r}")
    other = lookups[ctx["dataset"]]
    other_schema = other.collect_schema()
    key, other_key = ctx.columns[0], ctx["lookup_key"]
    if other_key not in other_schema:
        raise ctx.fail("lookup_key", f"no column {other_key!r} in {ctx['dataset']}")
    wanted = [c for c in ctx["columns"] if c != other_key]
    missing = [c for c in wanted if c not in other_schema]
    if missing:
        raise ctx.fail("columns", f"no column {missing[0]!r} in {ctx['dataset']}")
    taken = set(ctx.schema)
    renames = {c: c if c not in taken else f"{c}_{ctx['dataset']}" for c in wanted}
    right = (
        other.select([pl.col(other_key).cast(pl.String).alias(ROW_ID + "key"), *wanted])
        .unique(subset=[ROW_ID + "key"], keep="first", maintain_order=True)
        .rename(renames)
    )
    joined = lf.with_columns(pl.col(key).cast(pl.String).alias(ROW_ID + "key")).join(
        right, on=ROW_ID + "key", how="left", maintain_order="left"
    )
    return joined.drop(ROW_ID + "key")
