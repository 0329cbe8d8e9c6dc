"""Filter: keep rows matching conditions on fields, or an SQL expression.

    {"match": "all" | "any",
     "conditions": [{"field": "dep_delay", "op": ">", "value": 0},
                    {"match": "any", "conditions": [...]}],
     "expression": "dep_delay > 0 AND carrier <> 'UA'",
     "reject": false}

A row where a condition is null (a null field) does not match. With
"reject": true, rows that do not match go to the reject output.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from tcloud.runtime import expressions
from tcloud.runtime.conversion import reason_name
from tcloud.runtime.processors.base import Context, Step, literal

PORTS = ("in",)
OPERATORS = (
    "=", "!=", "<", "<=", ">", ">=", "contains", "starts_with", "ends_with",
    "is_empty", "is_not_empty", "matches", "in",
)  # fmt: skip
_TEXT_OPS = ("contains", "starts_with", "ends_with", "matches")


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Keep the rows that match."""
    predicate = condition(ctx)
    frame = inputs["in"]
    matched = predicate.fill_null(False)
    if not ctx.get("reject"):
        return Step(frame.filter(matched))
    reason = reason_name(ctx.schemas["in"])
    reject = frame.filter(~matched).with_columns(
        pl.lit(f"filter {ctx.node.label}: no match").alias(reason)
    )
    return Step(frame.filter(matched), reject)


def condition(ctx: Context) -> pl.Expr:
    """Build the whole predicate of the node."""
    parts = []
    if ctx.get("conditions"):
        parts.append(_group(ctx, ctx.config, "conditions"))
    if ctx.get("expression"):
        text = ctx.need("expression", str)
        expr = expressions.parse(
            text, ctx.schemas["in"], node_id=ctx.node.id, field="expression"
        )
        parts.append(expr)
    if not parts:
        raise ctx.error("conditions", "a filter needs conditions or an expression")
    return pl.all_horizontal(parts) if len(parts) > 1 else parts[0]


def _group(ctx: Context, group: dict[str, Any], where: str) -> pl.Expr:
    items = group.get("conditions")
    if not isinstance(items, list) or not items:
        raise ctx.error(where, "must be a non-empty list of conditions")
    match = group.get("match") or "all"
    if match not in ("all", "any"):
        raise ctx.error(where.rsplit(".", 1)[0] + ".match", "must be all or any")
    exprs = []
    for i, item in enumerate(items):
        path = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise ctx.error(path, "must be an object")
        if "conditions" in item:
            exprs.append(_group(ctx, item, f"{path}.conditions"))
        else:
            exprs.append(_one(ctx, item, path))
    combine = pl.all_horizontal if match == "all" else pl.any_horizontal
    return combine(exprs)


def _one(ctx: Context, item: dict[str, Any], path: str) -> pl.Expr:
    name = ctx.field(item.get("field"), f"{path}.field")
    op = item.get("op") or item.get("operator")
    if op not in OPERATORS:
        raise ctx.error(f"{path}.op", f"unknown operator {op!r}")
    column = pl.col(name)
    value = item.get("value")
    if op in ("is_empty", "is_not_empty"):
        empty = column.is_null()
        if ctx.kind(name) == "string":
            empty = empty | (column.str.strip_chars() == "")
        return empty if op == "is_empty" else ~empty
    if op in _TEXT_OPS:
        ctx.expect(name, ("string",), f"{path}.field")
        return _text(ctx, column, op, value, f"{path}.value")
    if op == "in":
        if not isinstance(value, list):
            raise ctx.error(f"{path}.value", "must be a list for 'in'")
        values = [
            literal(ctx, v, name, f"{path}.value[{i}]") for i, v in enumerate(value)
        ]
        return (
            pl.any_horizontal([column == v for v in values])
            if values
            else pl.lit(False)
        )
    if value is None:
        raise ctx.error(f"{path}.value", f"is required for {op!r}")
    right = literal(ctx, value, name, f"{path}.value")
    return {
        "=": column == right, "!=": column != right, "<": column < right,
        "<=": column <= right, ">": column > right, ">=": column >= right,
    }[op]  # fmt: skip


def _text(ctx: Context, column: pl.Expr, op: str, value: Any, where: str) -> pl.Expr:
    if not isinstance(value, str):
        raise ctx.error(where, f"must be text for {op!r}")
    if op == "contains":
        return column.str.contains(value, literal=True)
    if op == "starts_with":
        return column.str.starts_with(value)
    if op == "ends_with":
        return column.str.ends_with(value)
    check_regex(ctx, value, where)
    return column.str.contains(value)


def check_regex(ctx: Context, pattern: str, where: str) -> None:
    """Refuse a regular expression polars cannot compile."""
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError as exc:
        message = f"invalid regular expression: {regex_reason(str(exc))}"
        raise ctx.error(where, message) from exc
    if re.search(r"\(\?[<=!]", pattern):
        raise ctx.error(where, "look-around is not supported in regular expressions")


def regex_reason(message: str) -> str:
    """Say in one line why the regex crate refused a pattern, and where.

    Its message spans lines: the pattern, a caret under the fault, then
    "error: <reason>", then the polars expression it was in.
    """
    lines = message.split("This error occurred")[0].splitlines()
    reasons = [
        ln.strip()[6:].strip() for ln in lines if ln.strip().startswith("error:")
    ]
    reason = "; ".join(reasons) or " ".join(" ".join(lines).split())
    carets = [i for i, ln in enumerate(lines) if ln.strip().startswith("^")]
    if carets and carets[0] > 0:
        pattern, caret = lines[carets[0] - 1], lines[carets[0]]
        indent = len(pattern) - len(pattern.lstrip())
        reason += f" at position {caret.index('^') - indent + 1}"
    return reason
