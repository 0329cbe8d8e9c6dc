"""The formula-injection guard for files opened in spreadsheets.

A text cell starting with =, +, -, @, a tab or a carriage return can be run
as a formula when a CSV file is opened in a spreadsheet; the guard prefixes
such a cell with a single quote. A cell that is only a number ("-12.5",
"+33") cannot be a formula and is left as it is, so numbers stored as text
keep their value.
"""

from __future__ import annotations

import polars as pl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = r"^[+-]?(\d+[.,]?\d*|[.,]\d+)([eE][+-]?\d+)?$"
_TRIGGER_RE = r"^[=+\-@\t\r]"


def guard_text(text: pl.Expr) -> pl.Expr:
    """Prefix with ' the cells a spreadsheet would read as a formula."""
    risky = text.str.contains(_TRIGGER_RE) & ~text.str.contains(_NUMBER_RE)
    return pl.when(risky).then(pl.concat_str([pl.lit("'"), text])).otherwise(text)


def guard_frame(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Guard every text column of a plan."""
    schema = lf.collect_schema()
    texts = [name for name, dtype in schema.items() if dtype == pl.String]
    return lf.with_columns([guard_text(pl.col(n)).alias(n) for n in texts])
