"""What a builder sees of the step it builds: parameters, column, plan."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from tcloud.runtime.prep import exprs
from tcloud.runtime.prep.errors import PrepError
from tcloud.runtime.prep.types import infer_date_format

SAMPLE_ROWS = 1_000
_JAVA_TOKENS = {
    "yyyy": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%-m",
    "dd": "%d",
    "d": "%-d",
    "HH": "%H",
    "H": "%-H",
    "hh": "%I",
    "h": "%-I",
    "mm": "%M",
    "ss": "%S",
    "SSS": "%3f",
    "EEEE": "%A",
    "EEE": "%a",
    "a": "%p",
}
_JAVA_RE = re.compile(r"'([^']*)'|(y+|M+|d+|H+|h+|m+|s+|S+|E+|a)")


def strftime_pattern(pattern: str) -> str:
    """Turn a yyyy-MM-dd style pattern into strftime; strftime passes as is."""
    if "%" in pattern:
        return pattern

    def token(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        return _JAVA_TOKENS.get(match.group(2), match.group(2))

    return _JAVA_RE.sub(token, pattern)


@dataclass(frozen=True)
class StepContext:
    """The step being built, with its parameters completed by defaults."""

    step_id: Any
    params: Mapping[str, Any]
    schema: pl.Schema
    lf: pl.LazyFrame
    column: str = ""
    columns: tuple[str, ...] = ()
    lookups: Mapping[str, pl.LazyFrame] | None = None

    def on(self, column: str | None) -> StepContext:
        """Return the same context aimed at one column ("" for none)."""
        return replace(self, column=column or "")

    def __getitem__(self, name: str) -> Any:
        return self.params.get(name)

    @property
    def dtype(self) -> pl.DataType:
        """Return the dtype of the target column."""
        return self.schema[self.column] if self.column else pl.Null()

    def dtype_of(self, column: str) -> pl.DataType:
        """Return the dtype of any column of the plan."""
        return self.schema[column]

    @property
    def col(self) -> pl.Expr:
        """Return the target column."""
        return pl.col(self.column)

    def text(self, column: str | None = None) -> pl.Expr:
        """Return a column (the target by default) as text."""
        name = column or self.column
        return exprs.text(name, self.schema[name])

    def number(self, column: str | None = None) -> pl.Expr:
        """Return a column (the target by default) as Float64."""
        name = column or self.column
        return exprs.number(name, self.schema[name])

    def moment(self, column: str | None = None, param: str = "format") -> pl.Expr:
        """Return a column as Datetime, parsing text with its one format."""
        name = column or self.column
        fmt = self.date_format(name, param)
        return exprs.moment(name, self.schema[name], fmt)

    def fail(
        self, parameter: str, message: str, extra: dict[str, Any] | None = None
    ) -> PrepError:
        """Return a PrepError for this step."""
        return PrepError(self.step_id, parameter, message, extra)

    def date_format(self, column: str, param: str = "format") -> str | None:
        """Return the step's date format for a text column, inferring it if asked.

        Inference reads the first rows of the plan, as the grid's sample
        does, so the grid and the full run use the same format.
        """
        if self.schema[column] in (pl.Date, pl.Datetime):
            return None
        given = self.params.get(param)
        if given and given != "infer":
            return strftime_pattern(given)
        sample = self.lf.select(pl.col(column)).head(SAMPLE_ROWS).collect()
        found = infer_date_format(sample.get_column(column))
        if found is None:
            raise self.fail(param, f"no date format fits the values of {column!r}")
        if found.format is None:
            choices = " or ".join(found.ambiguous)
            raise self.fail(
                param,
                f"dates of {column!r} fit {choices}; choose one",
                {"candidates": list(found.ambiguous)},
            )
        return found.format
