"""Number formats: US, European, Swiss or custom separators, read and written.

Reading removes the thousands separator and turns the decimal separator
into "."; the digits are kept as text until the end, so reformatting
without a fixed number of decimals never goes through a float and never
loses a digit.
"""

from __future__ import annotations

import re

import polars as pl

# name: (thousands separator, decimal separator)
FORMATS = {
    "us": (",", "."),
    "european": (".", ","),
    "swiss": ("'", "."),
    "french": (" ", ","),
}
CANONICAL_RE = r"^[+-]?\d+(\.\d+)?$"


def separators(
    name: str, thousands: str | None, decimal: str | None
) -> tuple[str, str]:
    """Return the separators of a named format, or the custom ones."""
    if name in FORMATS:
        return FORMATS[name]
    return thousands or "", decimal or "."


def to_canonical(text: pl.Expr, thousands: str, decimal: str) -> pl.Expr:
    """Return "-1234.5" from "-1.234,5" (European); not checked to be a number."""
    # one pass: drop spaces and the thousands separator, swap the decimal one
    mapping = {" ": "", "\u00a0": "", "\u202f": ""}
    if thousands:
        mapping[thousands] = ""
    if decimal != ".":
        mapping.setdefault(".", "\x00")
        mapping[decimal] = "."
    return text.str.strip_chars().str.replace_many(mapping)


def parse_number(text: pl.Expr, thousands: str, decimal: str) -> pl.Expr:
    """Return the number written with these separators, as Float64."""
    canonical = to_canonical(text, thousands, decimal)
    return pl.when(canonical.str.contains(CANONICAL_RE)).then(
        canonical.cast(pl.Float64)
    )


def group_digits(digits: pl.Expr, thousands: str) -> pl.Expr:
    """Insert a thousands separator every three digits from the right."""
    if not thousands:
        return digits
    mark = thousands if len(thousands) == 1 and not thousands.isdigit() else "\x00"
    grouped = digits.str.reverse().str.replace_all(
        r"(\d{3})", "${1}" + mark.replace("$", "$$")
    )
    grouped = grouped.str.reverse().str.strip_chars_start(mark)
    if mark != thousands:
        grouped = grouped.str.replace_all(mark, thousands, literal=True)
    return grouped


def format_canonical(canonical: pl.Expr, thousands: str, decimal: str) -> pl.Expr:
    """Write a canonical "-1234.5" with the given separators; null if not one."""
    parts = canonical.str.extract_groups(r"^([+-]?)(\d+)(?:\.(\d+))?$")
    sign, fraction = parts.struct.field("1"), parts.struct.field("3")
    body = group_digits(parts.struct.field("2"), thousands)
    with_fraction = pl.concat_str([body, pl.lit(decimal), fraction])
    return pl.concat_str(
        [sign, pl.when(fraction.is_null()).then(body).otherwise(with_fraction)]
    )


def fixed(value: pl.Expr, decimals: int) -> pl.Expr:
    """Write a float as canonical text with exactly that many decimals."""
    rounded = value.round(decimals, mode="half_away_from_zero")
    return rounded.cast(pl.Decimal(38, decimals)).cast(pl.String)


def canonical_of_float(value: pl.Expr) -> pl.Expr:
    """Write a float as canonical text, without exponent or a trailing ".0"."""
    as_text = value.cast(pl.Decimal(38, 12)).cast(pl.String)
    trimmed = as_text.str.replace(r"(\.\d*?)0+$", "${1}").str.strip_suffix(".")
    return pl.when(value.is_finite()).then(trimmed)


def scientific(value: pl.Expr, decimals: int) -> pl.Expr:
    """Write a float as 1.23E4."""
    exponent = (
        pl.when(value == 0)
        .then(0)
        .otherwise(value.abs().log10().floor())
        .cast(pl.Int64)
    )
    mantissa = value / pl.lit(10.0).pow(exponent)
    return pl.concat_str(
        [fixed(mantissa, decimals), pl.lit("E"), exponent.cast(pl.String)]
    )


def custom_pattern(pattern: str) -> tuple[str, str, int]:
    """Read a pattern like "#,##0.00" or "# ##0,0" into separators and decimals."""
    match = re.fullmatch(r"[#0]*([^#0]?)[#0]*(?:([^#0])(0+|#+))?", pattern)
    if not match:
        raise ValueError("use a pattern like #,##0.00")
    thousands = match.group(1) or ""
    decimal = match.group(2) or "."
    decimals = len(match.group(3) or "")
    if not match.group(2) and thousands in (".", ","):
        if re.fullmatch(r"[#0]+[.,]0+", pattern):
            return "", thousands, len(pattern.split(thousands)[1])
    return thousands, decimal, decimals
