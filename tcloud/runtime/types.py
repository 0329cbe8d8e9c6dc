"""The runtime's column types, their safe inference and their conversions.

A column type is one of TYPES, named as a user sees it. Inference looks at
text values only and never picks a numeric type for a column where a value
has a leading zero ("01234"), so codes, zip codes and phone numbers stay text.
Conversions never raise: a value that does not convert becomes null, and
`failed` tells such a row apart from a row that held null to begin with.
"""

from __future__ import annotations

import polars as pl

TYPES = ("string", "int", "float", "bool", "date", "datetime")

DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
}

# Types the CSV parser reads natively and fast; the others are cast after.
NATIVE = ("string", "int", "float")

_INT = r"^[+-]?(0|[1-9][0-9]{0,17})$"
_FLOAT = r"^[+-]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
_BOOL = r"(?i)^(true|false)$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"
_TRUE = ["true", "yes", "y", "1", "t"]
_FALSE = ["false", "no", "n", "0", "f"]


def type_of(dtype: pl.DataType) -> str:
    """Name the runtime type of a polars dtype (numbers, text, ...)."""
    if dtype.is_integer():
        return "int"
    if isinstance(dtype, pl.Decimal):
        return "int" if dtype.scale == 0 else "float"
    if dtype.is_float():
        return "float"
    if dtype == pl.Boolean:
        return "bool"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype in (pl.String, pl.Categorical, pl.Enum):
        return "string"
    return str(dtype).lower()


def describe(schema: pl.Schema) -> dict[str, str]:
    """Return a schema as {column: runtime type name}."""
    return {name: type_of(dtype) for name, dtype in schema.items()}


def infer(frame: pl.DataFrame) -> dict[str, str]:
    """Infer a type for every text column of a sample, never losing zeros."""
    if not frame.columns:
        return {}
    # One long column of values: each pattern compiles once, not per column.
    # Columns go by position, so a column named "value" or "column" is fine.
    value = pl.col("value")
    long = (
        frame.select(
            pl.col(name).cast(pl.String).alias(str(i))
            for i, name in enumerate(frame.columns)
        )
        .unpivot(variable_name="column", value_name="value")
        .with_columns(value.str.strip_chars())
        .filter(value.is_not_null() & (value != ""))
    )
    flags = long.group_by("column").agg(
        value.str.contains(_INT).all().alias("int"),
        (value.str.contains(_FLOAT) & value.str.contains("[0-9]")).all().alias("float"),
        value.str.contains(_BOOL).all().alias("bool"),
        value.str.contains(_DATE).all().alias("date"),
        value.str.contains(_DATETIME).all().alias("datetime"),
    )
    found = {row.pop("column"): row for row in flags.to_dicts()}
    return {name: _pick(found.get(str(i))) for i, name in enumerate(frame.columns)}


def _pick(flags: dict[str, bool] | None) -> str:
    for kind in ("int", "float", "bool", "date", "datetime"):
        if flags and flags[kind]:
            return kind
    return "string"


def convert(expr: pl.Expr, kind: str, fmt: str | None = None) -> pl.Expr:
    """Convert a text or typed expression to `kind`; failures become null."""
    if kind == "string":
        if fmt:
            return expr.dt.to_string(fmt)
        return expr.cast(pl.String)
    text = expr.cast(pl.String).str.strip_chars()
    if kind == "int":
        # "20.0" is how pandas and spreadsheets write a whole number.
        whole = whole_number(text.cast(pl.Float64, strict=False))
        return pl.coalesce(text.cast(pl.Int64, strict=False), whole)
    if kind == "float":
        return text.cast(pl.Float64, strict=False)
    if kind == "bool":
        return text.str.to_lowercase().replace_strict(
            _TRUE + _FALSE,
            [True] * len(_TRUE) + [False] * len(_FALSE),
            default=None,
            return_dtype=pl.Boolean,
        )
    if kind == "date":
        return text.str.to_date(fmt, strict=False)
    if kind == "datetime":
        return text.str.to_datetime(fmt, time_unit="us", strict=False)
    raise ValueError(f"unknown type {kind!r}")


def convert_typed(
    expr: pl.Expr, source: pl.DataType, kind: str, fmt: str | None = None
) -> pl.Expr:
    """Convert from a known dtype, casting directly where no text is needed."""
    have = type_of(source)
    if have == kind and not fmt:
        return expr.cast(pl.Int64, strict=False) if source.is_decimal() else expr
    if have == "string" or kind == "bool" and have != "int":
        return convert(expr, kind, fmt)
    if kind == "string":
        return convert(expr, kind, fmt if have in ("date", "datetime") else None)
    if kind == "int" and have == "float":
        return whole_number(expr.cast(pl.Float64))
    return expr.cast(DTYPES[kind], strict=False)


def whole_number(number: pl.Expr) -> pl.Expr:
    """Return a float as an int when it is whole (and exact); null otherwise."""
    # Past 2**53 a float no longer holds every integer: no safe int to give.
    exact = (number == number.floor()) & (number.abs() <= 2**53)
    return pl.when(exact).then(number.cast(pl.Int64, strict=False))


def failed(original: pl.Expr, converted: pl.Expr) -> pl.Expr:
    """Flag rows where a present value did not convert."""
    present = original.is_not_null()
    if_text = original.cast(pl.String).str.strip_chars() != ""
    return present & if_text & converted.is_null()
