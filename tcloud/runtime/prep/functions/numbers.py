"""Math and numbers: in place or to a new column.

Text columns are read as numbers ("1e3", " 12 "); text that is not a
number becomes empty. Integer columns stay integers where the operation
keeps them whole (absolute, negate, add/subtract/multiply by integers, ...).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import polars as pl

from tcloud.runtime.prep import numformat
from tcloud.runtime.prep.context import StepContext
from tcloud.runtime.prep.registry import MAX_DECIMALS, MAX_TENS, NUMBER, Param, register

_OPERAND = Param("operand", "choice", default="value", choices=("value", "column"))
_VALUE = Param("value", "number", description="the constant, when operand is value")
_OTHER = Param(
    "other", "column", description="the other column, when operand is column"
)
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
NUMBER_FORMATS = (*numformat.FORMATS, "custom")


def _operand_check(params, types):  # type: ignore[no-untyped-def]
    if params.get("operand") == "column":
        if not params.get("other"):
            return ("other", "is required when operand is column")
        if types.get(params["other"]) not in NUMBER | {None}:
            return ("other", f"{params['other']!r} is not a number column")
    elif params.get("value") is None:
        return ("value", "is required when operand is value")
    return None


def _finite(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.is_finite()).then(expr)


def _keeps_int(ctx: StepContext) -> bool:
    return ctx.dtype.is_integer()


def _unary(
    name: str, label: str, op: Callable[[pl.Expr], pl.Expr], whole: bool
) -> None:
    def build(ctx: StepContext) -> pl.Expr:
        if whole and _keeps_int(ctx):
            return op(ctx.col)
        return _finite(op(ctx.number()))

    build.__doc__ = label
    register(name, "math", label, types=NUMBER, new_column=name)(build)


_unary("absolute", "Absolute value", lambda e: e.abs(), True)
_unary("negate", "Negate the number", lambda e: -e, True)
_unary("square_root", "Square root", lambda e: e.sqrt(), False)
_unary("exponential", "Exponential", lambda e: e.exp(), False)
_unary("log10", "Logarithm base 10", lambda e: e.log10(), False)
_unary("natural_log", "Natural logarithm", lambda e: e.log(math.e), False)
_unary("cosine", "Cosine", lambda e: e.cos(), False)
_unary("sine", "Sine", lambda e: e.sin(), False)
_unary("tangent", "Tangent", lambda e: e.tan(), False)


def _operand(ctx: StepContext) -> tuple[pl.Expr, bool]:
    if ctx["operand"] == "column":
        other = ctx["other"]
        dtype = ctx.dtype_of(other)
        return (pl.col(other) if dtype.is_integer() else ctx.number(other)), (
            dtype.is_integer()
        )
    value = ctx["value"]
    return pl.lit(value), isinstance(value, int)


def _binary(
    name: str, label: str, op: Callable[[pl.Expr, pl.Expr], pl.Expr], whole: bool
) -> None:
    def build(ctx: StepContext) -> pl.Expr:
        operand, operand_int = _operand(ctx)
        if whole and operand_int and _keeps_int(ctx):
            return op(ctx.col, operand)
        return _finite(op(ctx.number(), operand.cast(pl.Float64)))

    build.__doc__ = label
    register(
        name,
        "math",
        label,
        types=NUMBER,
        new_column=name,
        params=(_OPERAND, _VALUE, _OTHER),
        check=_operand_check,
    )(build)


def _divide(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return pl.when(b != 0).then(a / b)


def _modulo(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return pl.when(b != 0).then(a % b)


_binary("add", "Add a number", lambda a, b: a + b, True)
_binary("subtract", "Subtract a number", lambda a, b: a - b, True)
_binary("multiply", "Multiply by a number", lambda a, b: a * b, True)
_binary("divide", "Divide by a number (by zero: empty)", _divide, False)
_binary("maximum", "Maximum with a number", lambda a, b: pl.max_horizontal(a, b), True)
_binary("minimum", "Minimum with a number", lambda a, b: pl.min_horizontal(a, b), True)
_binary("power", "Raise to a power", lambda a, b: a.pow(b), False)
_binary("modulo", "Remainder of the division (by zero: empty)", _modulo, True)

_PRECISION = Param(
    "precision",
    "integer",
    default=0,
    description="decimals to keep; -2 rounds to hundreds",
    minimum=-MAX_TENS,
    maximum=MAX_DECIMALS,
)


def _rounding(name: str, label: str, op: Callable[[pl.Expr, int], pl.Expr]) -> None:
    def build(ctx: StepContext) -> pl.Expr:
        if _keeps_int(ctx) and ctx["precision"] >= 0:
            return ctx.col
        return op(ctx.number(), ctx["precision"])

    build.__doc__ = label
    register(
        name, "numbers", label, types=NUMBER, new_column=name, params=(_PRECISION,)
    )(build)


def _scaled(fn: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr, int], pl.Expr]:
    def op(value: pl.Expr, precision: int) -> pl.Expr:
        scale = 10.0**precision
        # 0.29 * 100 is 28.999999999999996: settle float noise before the cut
        return fn((value * scale).round(9)) / scale

    return op


def _half_up(value: pl.Expr, precision: int) -> pl.Expr:
    if precision >= 0:
        return value.round(precision, mode="half_away_from_zero")
    return _scaled(lambda x: x.round(0, mode="half_away_from_zero"))(value, precision)


def _toward_zero(x: pl.Expr) -> pl.Expr:
    return pl.when(x < 0).then(x.ceil()).otherwise(x.floor())


_rounding("round_half_up", "Round half up (away from zero)", _half_up)
_rounding("round_floor", "Round down (floor)", _scaled(lambda x: x.floor()))
_rounding("round_ceil", "Round up (ceil)", _scaled(lambda x: x.ceil()))
_rounding("truncate_number", "Truncate the decimals", _scaled(_toward_zero))


def _format_check(params, types):  # type: ignore[no-untyped-def]
    for side in ("from", "to"):
        if params[f"{side}_format"] == "custom" and not params.get(f"{side}_decimal"):
            if side == "to" and params.get("pattern"):
                continue
            return (f"{side}_decimal", f"is required when {side}_format is custom")
    if params.get("pattern"):
        try:
            numformat.custom_pattern(params["pattern"])
        except ValueError as exc:
            return ("pattern", str(exc))
    return None


@register(
    "change_number_format",
    "numbers",
    "Change the number format",
    new_column="formatted",
    params=(
        Param("from_format", "choice", default="us", choices=NUMBER_FORMATS),
        Param("from_thousands", "string", description="custom thousands separator"),
        Param("from_decimal", "string", description="custom decimal separator"),
        Param(
            "to_format",
            "choice",
            default="us",
            choices=(*NUMBER_FORMATS, "scientific"),
        ),
        Param("to_thousands", "string", description="custom thousands separator"),
        Param("to_decimal", "string", description="custom decimal separator"),
        Param("pattern", "string", description="custom output like #,##0.00"),
        Param(
            "decimals",
            "integer",
            description="fixed decimals; empty keeps them",
            minimum=0,
            maximum=MAX_DECIMALS,
        ),
    ),
    check=_format_check,
)
def change_number_format(ctx: StepContext) -> pl.Expr:
    """Read numbers in one format and write them in another (text out).

    Values that are not numbers in the source format stay as they were.
    """
    source = numformat.separators(
        ctx["from_format"], ctx["from_thousands"], ctx["from_decimal"]
    )
    if ctx.dtype.is_numeric():
        canonical = numformat.canonical_of_float(ctx.number())
        if ctx.dtype.is_integer():
            canonical = ctx.col.cast(pl.String)
    else:
        canonical = numformat.to_canonical(ctx.text(), *source)
    decimals = ctx["decimals"]
    if ctx["to_format"] == "scientific":
        out = numformat.scientific(
            canonical.cast(pl.Float64, strict=False),
            2 if decimals is None else decimals,
        )
        return pl.coalesce(out, ctx.text())
    if ctx["pattern"]:
        thousands, decimal, decimals = numformat.custom_pattern(ctx["pattern"])
    else:
        thousands, decimal = numformat.separators(
            ctx["to_format"], ctx["to_thousands"], ctx["to_decimal"]
        )
    if decimals is not None:
        canonical = numformat.fixed(canonical.cast(pl.Float64, strict=False), decimals)
    out = numformat.format_canonical(canonical, thousands, decimal)
    return pl.coalesce(out, ctx.text())


@register(
    "compare_numbers",
    "numbers",
    "Compare with a number",
    types=NUMBER,
    new_column="compare",
    creates=True,
    params=(
        Param("op", "choice", default="eq", choices=COMPARISONS),
        _OPERAND,
        _VALUE,
        _OTHER,
    ),
    check=_operand_check,
)
def compare_numbers(ctx: StepContext) -> pl.Expr:
    """Compare with a constant or a column (=, !=, >, >=, <, <=) to a boolean."""
    operand, _ = _operand(ctx)
    return compare(ctx.number(), operand.cast(pl.Float64), ctx["op"])


def compare(a: pl.Expr, b: pl.Expr, op: str) -> pl.Expr:
    """Return the comparison of two expressions by its short name."""
    return {
        "eq": a == b,
        "ne": a != b,
        "gt": a > b,
        "ge": a >= b,
        "lt": a < b,
        "le": a <= b,
    }[op]


@register("blank_negative", "numbers", "Clear negative values", types=NUMBER)
def blank_negative(ctx: StepContext) -> pl.Expr:
    """Empty the cells holding a negative number."""
    return pl.when(ctx.number() < 0).then(None).otherwise(ctx.col)


@register(
    "generate_sequence",
    "numbers",
    "Generate a sequence",
    new_column="sequence",
    params=(Param("start", "number", default=1), Param("step", "number", default=1)),
)
def generate_sequence(ctx: StepContext) -> pl.Expr:
    """Number the rows from a start by a step (integers when both are)."""
    start, step = ctx["start"], ctx["step"]
    dtype = pl.Int64 if isinstance(start, int) and isinstance(step, int) else pl.Float64
    return pl.int_range(pl.len(), dtype=pl.Int64).cast(dtype) * step + start
