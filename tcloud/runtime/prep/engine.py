"""Apply a preparation: enabled steps, in order, as one lazy plan.

`apply(lf, steps, lookups)` is the contract the grid, the full run and the
pipeline's "prepare" processor all call, so each shows the same result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from tcloud.runtime.prep.context import StepContext
from tcloud.runtime.prep.errors import PrepError
from tcloud.runtime.prep.filters import compile_filter
from tcloud.runtime.prep.registry import (
    REGISTRY,
    Function,
    step_columns,
    type_name,
    validate_step,
    with_defaults,
)

ROW_ID = "__row_id"


def with_row_ids(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Number the rows of the source from 0; scopes on rows use these ids."""
    if ROW_ID in lf.collect_schema():
        return lf
    return lf.with_row_index(ROW_ID)


def apply(
    lf: pl.LazyFrame,
    steps: Sequence[Mapping[str, Any]],
    lookups: Mapping[str, pl.LazyFrame] | None = None,
) -> pl.LazyFrame:
    """Apply the enabled steps in order and return the lazy plan."""
    enabled = [s for s in steps if s.get("enabled", True)]
    added = ROW_ID not in lf.collect_schema() and any(map(_needs_ids, enabled))
    if added:
        lf = lf.with_row_index(ROW_ID)
    for step in enabled:
        lf = apply_step(lf, step, lookups)
    return lf.drop(ROW_ID) if added else lf


def apply_step(
    lf: pl.LazyFrame,
    step: Mapping[str, Any],
    lookups: Mapping[str, pl.LazyFrame] | None = None,
) -> pl.LazyFrame:
    """Validate one step against the plan's columns and add it to the plan."""
    schema = lf.collect_schema()
    visible = {name: dtype for name, dtype in schema.items() if name != ROW_ID}
    validate_step(step, visible)
    function = REGISTRY[step["function"]]
    ctx = StepContext(
        step_id=step.get("id"),
        params=with_defaults(function, step.get("params") or {}),
        schema=schema,
        lf=lf,
        columns=tuple(_targets(function, step, visible)),
        lookups=lookups,
    )
    mask = _scope_mask(step, schema)
    if function.kind == "table":
        return function.build(ctx, lf)
    if function.kind == "rows":
        return _delete_rows(function, ctx, lf, mask)
    if function.kind == "columns":
        return _add_columns(function, ctx, lf, mask)
    return _set_cells(function, ctx, step, lf, mask)


def _needs_ids(step: Mapping[str, Any]) -> bool:
    scope = step.get("scope") or {}
    return "rows" in scope or step.get("function") in ("delete_row", "make_header")


def _targets(
    function: Function, step: Mapping[str, Any], visible: Mapping[str, Any]
) -> list[str]:
    columns = step_columns(step)
    if "*" in columns:
        return [c for c, t in visible.items() if type_name(t) in function.types]
    return columns


def _scope_mask(step: Mapping[str, Any], schema: pl.Schema) -> pl.Expr | None:
    scope = step.get("scope") or {}
    masks = []
    if scope.get("filter") is not None:
        try:
            masks.append(compile_filter(scope["filter"], schema))
        except ValueError as exc:
            raise PrepError(step.get("id"), "scope", str(exc)) from None
    if scope.get("rows") is not None:
        masks.append(pl.col(ROW_ID).is_in(list(scope["rows"])))
    if not masks:
        return None
    return pl.all_horizontal(masks)


def _delete_rows(
    function: Function, ctx: StepContext, lf: pl.LazyFrame, mask: pl.Expr | None
) -> pl.LazyFrame:
    columns = ctx.columns or (None,)
    parts = [function.build(ctx.on(c)).fill_null(False) for c in columns]
    doomed = pl.any_horizontal(parts) if len(parts) > 1 else parts[0]
    if mask is not None:
        doomed = doomed & mask
    return lf.filter(~doomed)


def _set_cells(
    function: Function,
    ctx: StepContext,
    step: Mapping[str, Any],
    lf: pl.LazyFrame,
    mask: pl.Expr | None,
) -> pl.LazyFrame:
    outputs: list[pl.Expr] = []
    placed: dict[str, list[str]] = {}
    for column in ctx.columns:
        value = function.build(ctx.on(column))
        target = _new_name(function, step, column, ctx.schema)
        if mask is not None:
            value = _masked(lf, value, column if target == column else None, mask)
        outputs.append(value.alias(target))
        if target != column:
            placed[column] = [target]
    return _place(lf.with_columns(outputs), placed)


def _add_columns(
    function: Function, ctx: StepContext, lf: pl.LazyFrame, mask: pl.Expr | None
) -> pl.LazyFrame:
    placed: dict[str, list[str]] = {}
    outputs: list[pl.Expr] = []
    for column in ctx.columns:
        built = function.build(ctx.on(column))
        names = [e.meta.output_name() for e in built]
        names = _unique_names(names, set(ctx.schema) | set().union(*placed.values()))
        for expr, name in zip(built, names, strict=True):
            if mask is not None:
                expr = pl.when(mask).then(expr)
            outputs.append(expr.alias(name))
        placed[column] = names
    return _place(lf.with_columns(outputs), placed)


def _masked(
    lf: pl.LazyFrame, value: pl.Expr, column: str | None, mask: pl.Expr
) -> pl.Expr:
    if column is None:
        return pl.when(mask).then(value)
    kept = pl.col(column)
    new_type = lf.select(value.alias("v")).collect_schema()["v"]
    if new_type != lf.collect_schema()[column]:
        value, kept = value.cast(pl.String), kept.cast(pl.String)
    return pl.when(mask).then(value).otherwise(kept)


def _new_name(
    function: Function, step: Mapping[str, Any], column: str, schema: pl.Schema
) -> str:
    wanted = step.get("new_column") or function.creates
    if not wanted:
        return column
    if isinstance(wanted, str):
        return wanted
    return _unique_names([f"{column}_{function.new_column}"], set(schema))[0]


def _unique_names(names: list[str], taken: set[str]) -> list[str]:
    result = []
    for name in names:
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}_{n}"
        taken.add(candidate)
        result.append(candidate)
    return result


def _place(lf: pl.LazyFrame, placed: Mapping[str, list[str]]) -> pl.LazyFrame:
    """Move new columns to just after the column they came from."""
    if not placed:
        return lf
    new = {n for names in placed.values() for n in names}
    order: list[str] = []
    for name in lf.collect_schema():
        if name in new:
            continue
        order.append(name)
        order.extend(n for n in placed.get(name, []) if n != name)
    return lf.select(order)


def freeze(step: Mapping[str, Any], df: pl.DataFrame) -> dict[str, Any]:
    """Return the step with each inferred date format fixed from the sample.

    Call it when a step is added in the grid: the stored step then reads
    dates the same way on any data, whatever rows the full run meets first.
    Raises PrepError naming the format parameter when the dates are
    ambiguous (day and month both fit) or fit no known format.
    """
    function = REGISTRY.get(step.get("function", ""))
    if function is None:
        return dict(step)
    params = dict(step.get("params") or {})
    schema = df.collect_schema()
    pairs = [("format", c) for c in step_columns(step)]
    if params.get("since") == "column" and params.get("other"):
        pairs.append(("other_format", params["other"]))
    names = {p.name for p in function.params}
    # A conversion to a type that is not a date reads no date format.
    if params.get("type") not in (None, "date", "datetime"):
        pairs = [p for p in pairs if p[0] != "format"]
    for param, column in pairs:
        if param not in names or column not in schema or schema[column] != pl.String:
            continue
        if params.get(param) in (None, "infer"):
            ctx = StepContext(step.get("id"), params, schema, df.lazy(), column)
            params[param] = ctx.date_format(column, param)
    return {**step, "params": params}
