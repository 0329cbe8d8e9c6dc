"""String cleaning: trim, change case, replace text in fields.

    {"fields": ["name", "city"],
     "operations": [{"op": "trim"}, {"op": "title"},
                    {"op": "replace", "find": "St.", "with": "Street"},
                    {"op": "replace", "find": "\\s+", "with": " ",
                     "regex": true}]}

Operations apply in order: trim, upper, lower, title, replace,
collapse_spaces.
"""

from __future__ import annotations

import polars as pl

from tcloud.runtime.processors.base import Context, Step
from tcloud.runtime.processors.filter import check_regex

PORTS = ("in",)
OPS = ("trim", "upper", "lower", "title", "replace", "collapse_spaces")


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Clean the listed text fields."""
    fields = ctx.fields(ctx.need("fields"), "fields")
    for i, name in enumerate(fields):
        ctx.expect(name, ("string",), f"fields[{i}]")
    operations = ctx.need("operations", list)
    exprs = []
    for name in fields:
        expr = pl.col(name)
        for i, op in enumerate(operations):
            expr = _apply(ctx, expr, op, f"operations[{i}]")
        exprs.append(expr.alias(name))
    return Step(inputs["in"].with_columns(exprs))


def _apply(ctx: Context, expr: pl.Expr, op: object, at: str) -> pl.Expr:
    if isinstance(op, str):
        op = {"op": op}
    if not isinstance(op, dict) or op.get("op") not in OPS:
        raise ctx.error(f"{at}.op", f"must be one of {', '.join(OPS)}")
    kind = op["op"]
    if kind == "trim":
        return expr.str.strip_chars()
    if kind == "upper":
        return expr.str.to_uppercase()
    if kind == "lower":
        return expr.str.to_lowercase()
    if kind == "title":
        return expr.str.to_titlecase()
    if kind == "collapse_spaces":
        return expr.str.replace_all(r"\s+", " ").str.strip_chars()
    find = op.get("find")
    if not isinstance(find, str) or not find:
        raise ctx.error(f"{at}.find", "must be the text to find")
    replacement = op.get("with", "")
    if not isinstance(replacement, str):
        raise ctx.error(f"{at}.with", "must be text")
    if op.get("regex"):
        check_regex(ctx, find, f"{at}.find")
        return expr.str.replace_all(find, replacement)
    return expr.str.replace_all(find, replacement, literal=True)
