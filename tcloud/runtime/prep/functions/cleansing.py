"""Booleans, cleansing, filtered rows and deduplication."""

from __future__ import annotations

import polars as pl

from tcloud.runtime.prep.context import StepContext
from tcloud.runtime.prep.engine import ROW_ID
from tcloud.runtime.prep.exprs import literal_like
from tcloud.runtime.prep.filters import compile_filter, filter_problem
from tcloud.runtime.prep.pyvalues import levenshtein, per_value
from tcloud.runtime.prep.registry import ANY, MAX_DISTANCE, NUMBER, Param, register
from tcloud.runtime.prep.types import empty_expr, invalid_expr

_TYPE = Param(
    "type",
    "any",
    description='the column type from its header: "integer" or {"type", "format"}',
)
_MATCH = (
    Param("value", "string", required=True),
    Param("regex", "boolean", default=False),
    Param("case_sensitive", "boolean", default=True),
)
_FILL = (
    Param("source", "choice", default="value", choices=("value", "column")),
    Param("value", "any"),
    Param("other", "column"),
)


def _fill_check(params, types):  # type: ignore[no-untyped-def]
    if params["source"] == "column" and not params.get("other"):
        return ("other", "is required when source is column")
    if params["source"] == "value" and params.get("value") is None:
        return ("value", "is required when source is value")
    return None


def _filter_check(params, types):  # type: ignore[no-untyped-def]
    problem = filter_problem(params.get("filter"), types)
    if problem is None:
        return None
    return "filter" + ("." + problem[0] if problem[0] else ""), problem[1]


def _invalid(ctx: StepContext) -> pl.Expr:
    ctype = ctx["type"]
    if ctype is None:
        if ctx.dtype == pl.String:
            raise ctx.fail("type", "the column's type is needed to tell invalid values")
        return pl.lit(False)
    return invalid_expr(ctx.column, ctx.dtype, ctype)


def _matching(ctx: StepContext) -> pl.Expr:
    if not ctx["regex"]:
        if ctx["case_sensitive"]:
            return ctx.text() == ctx["value"]
        return ctx.text().str.to_lowercase() == ctx["value"].lower()
    pattern = ctx["value"]
    if not ctx["case_sensitive"]:
        pattern = f"(?i){pattern}"
    return ctx.text().str.contains(f"^(?:{pattern})$")


def _fill_value(ctx: StepContext) -> pl.Expr:
    if ctx["source"] == "column":
        other = pl.col(ctx["other"])
        return (
            other if ctx.dtype_of(ctx["other"]) == ctx.dtype else other.cast(ctx.dtype)
        )
    value = literal_like(ctx["value"], ctx.dtype)
    try:
        pl.select(value).item()
    except pl.exceptions.PolarsError:
        raise ctx.fail("value", f"{ctx['value']!r} does not fit the column") from None
    return value


@register(
    "negate_boolean",
    "boolean",
    "Negate the boolean",
    types=frozenset({"boolean", "any"}),
)
def negate_boolean(ctx: StepContext) -> pl.Expr:
    """Turn true into false and false into true; other text stays."""
    if ctx.dtype == pl.Boolean:
        return ~ctx.col
    lowered = ctx.text().str.strip_chars().str.to_lowercase()
    return (
        pl.when(lowered == "true")
        .then(pl.lit("false"))
        .when(lowered == "false")
        .then(pl.lit("true"))
        .otherwise(ctx.text())
    )


@register(
    "delete_empty_rows", "cleansing", "Delete the rows with empty values", kind="rows"
)
def delete_empty_rows(ctx: StepContext) -> pl.Expr:
    """Delete the rows whose cell in the column is empty."""
    return empty_expr(ctx.column, ctx.dtype)


@register(
    "delete_invalid_rows",
    "cleansing",
    "Delete the rows with invalid values",
    kind="rows",
    params=(_TYPE,),
)
def delete_invalid_rows(ctx: StepContext) -> pl.Expr:
    """Delete the rows whose cell does not fit the column type."""
    return _invalid(ctx)


@register(
    "delete_matching_rows",
    "cleansing",
    "Delete the rows matching a value",
    kind="rows",
    params=_MATCH,
)
def delete_matching_rows(ctx: StepContext) -> pl.Expr:
    """Delete the rows whose whole cell equals a value or matches a regex."""
    return _matching(ctx)


@register(
    "delete_negative_rows",
    "cleansing",
    "Delete the rows with negative values",
    kind="rows",
    types=NUMBER,
)
def delete_negative_rows(ctx: StepContext) -> pl.Expr:
    """Delete the rows whose cell is a negative number."""
    return ctx.number() < 0


@register(
    "delete_fully_empty_rows",
    "cleansing",
    "Delete the rows where every cell is empty",
    kind="rows",
    target="none",
)
def delete_fully_empty_rows(ctx: StepContext) -> pl.Expr:
    """Delete the rows where every cell is empty."""
    columns = [c for c in ctx.schema if c != ROW_ID]
    return pl.all_horizontal([empty_expr(c, ctx.schema[c]) for c in columns])


@register(
    "delete_empty_columns",
    "cleansing",
    "Delete the columns where every cell is empty",
    kind="table",
    target="none",
    scoped=False,
    note="reads the plan once to find the empty columns",
)
def delete_empty_columns(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Delete the columns where every cell is empty (reads the data once)."""
    columns = [c for c in ctx.schema if c != ROW_ID]
    filled = lf.select(
        [(~empty_expr(c, ctx.schema[c])).any().alias(c) for c in columns]
    ).collect()
    return lf.drop([c for c in columns if not filled.get_column(c).item()])


@register(
    "delete_row",
    "cleansing",
    "Delete this row",
    kind="rows",
    target="none",
    scoped=False,
    params=(
        Param("row", "integer", required=True, description="the row id", minimum=0),
    ),
)
def delete_row(ctx: StepContext) -> pl.Expr:
    """Delete one row, by its row id."""
    return pl.col(ROW_ID) == ctx["row"]


@register("clear_invalid", "cleansing", "Clear the invalid cells", params=(_TYPE,))
def clear_invalid(ctx: StepContext) -> pl.Expr:
    """Empty the cells that do not fit the column type."""
    return pl.when(_invalid(ctx)).then(None).otherwise(ctx.col)


@register(
    "clear_matching", "cleansing", "Clear the cells matching a value", params=_MATCH
)
def clear_matching(ctx: StepContext) -> pl.Expr:
    """Empty the cells whose whole value equals a value or matches a regex."""
    return pl.when(_matching(ctx)).then(None).otherwise(ctx.col)


@register(
    "fill_empty",
    "cleansing",
    "Fill the empty cells",
    params=_FILL,
    check=_fill_check,
)
def fill_empty(ctx: StepContext) -> pl.Expr:
    """Fill empty cells with a value typed like the column, or another column."""
    return (
        pl.when(empty_expr(ctx.column, ctx.dtype))
        .then(_fill_value(ctx))
        .otherwise(ctx.col)
    )


@register(
    "fill_invalid",
    "cleansing",
    "Fill the invalid cells",
    params=(*_FILL, _TYPE),
    check=_fill_check,
)
def fill_invalid(ctx: StepContext) -> pl.Expr:
    """Fill cells that do not fit the column type with a value or a column."""
    return pl.when(_invalid(ctx)).then(_fill_value(ctx)).otherwise(ctx.col)


@register("fill_down", "cleansing", "Fill the empty cells from above", scoped=False)
def fill_down(ctx: StepContext) -> pl.Expr:
    """Fill each empty cell with the last non-empty value above it."""
    return pl.when(~empty_expr(ctx.column, ctx.dtype)).then(ctx.col).forward_fill()


@register(
    "make_header",
    "cleansing",
    "Make this row the header",
    kind="table",
    target="none",
    scoped=False,
    note="reads the chosen row once to learn the new names",
    params=(
        Param("row", "integer", required=True, description="the row id", minimum=0),
    ),
)
def make_header(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Use a row's values as column names and drop it and the rows above it."""
    row = lf.filter(pl.col(ROW_ID) == ctx["row"]).collect()
    if row.height == 0:
        raise ctx.fail("row", f"no row {ctx['row']}")
    names: dict[str, str] = {}
    for column in (c for c in lf.collect_schema() if c != ROW_ID):
        value = row.get_column(column).cast(pl.String).item()
        wanted = (value or "").strip() or column
        while wanted in names.values():
            wanted += "_"
        names[column] = wanted
    return lf.filter(pl.col(ROW_ID) > ctx["row"]).rename(names)


@register(
    "standardize_value",
    "cleansing",
    "Standardize to the closest dictionary value",
    vectorised=False,
    note="Levenshtein in Python, once per distinct value",
    params=(
        Param("values", "list", required=True, description="the dictionary entries"),
        Param(
            "distance",
            "integer",
            default=2,
            description="largest edit distance",
            minimum=0,
            maximum=MAX_DISTANCE,
        ),
    ),
)
def standardize_value(ctx: StepContext) -> pl.Expr:
    """Replace each value by the closest entry of a dictionary within a distance."""
    entries = [str(v) for v in ctx["values"]]
    limit = ctx["distance"]

    def closest(value: str) -> str:
        key = value.strip().lower()
        scored = [(levenshtein(key, e.lower(), limit), e) for e in entries]
        best = min(scored, default=(limit + 1, value))
        return best[1] if best[0] <= limit else value

    return per_value(ctx.text(), closest, pl.String())


@register(
    "delete_filtered",
    "filtered rows",
    "Delete the rows matching the filter",
    kind="rows",
    target="none",
    scoped=False,
    params=(Param("filter", "any", required=True),),
    check=_filter_check,
)
def delete_filtered(ctx: StepContext) -> pl.Expr:
    """Delete every row the filter selects."""
    return compile_filter(ctx["filter"], ctx.schema)


@register(
    "keep_filtered",
    "filtered rows",
    "Keep only the rows matching the filter",
    kind="rows",
    target="none",
    scoped=False,
    params=(Param("filter", "any", required=True),),
    check=_filter_check,
)
def keep_filtered(ctx: StepContext) -> pl.Expr:
    """Keep only the rows the filter selects."""
    return ~compile_filter(ctx["filter"], ctx.schema)


@register(
    "delete_duplicates",
    "deduplication",
    "Delete the duplicate rows",
    kind="table",
    target="none",
    scoped=False,
    types=ANY,
)
def delete_duplicates(ctx: StepContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Delete the rows that repeat an earlier row exactly; the first stays."""
    columns = [c for c in ctx.schema if c != ROW_ID]
    return lf.unique(subset=columns, keep="first", maintain_order=True)
