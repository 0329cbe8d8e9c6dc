"""What the grid computes, off the event loop: steps checked and applied to
the sample, column headers, profiles and suggestions.

Everything here is synchronous polars work, called through a thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from tcloud.runtime import prep
from tcloud.runtime.prep.registry import REGISTRY, step_columns

PLAIN = (pl.String, pl.Boolean, pl.Null)
FORMAT_PARAMS = {"format", "other_format"}
# Number.MAX_SAFE_INTEGER: a JSON number beyond it loses digits in a browser,
# so such integers are sent as text (2**53 + 1 would show as 2**53).
MAX_SAFE_INT = 2**53 - 1


class StepProblem(Exception):
    """A step of a list that cannot be applied: its index and the runtime's error."""

    def __init__(self, index: int, error: prep.PrepError) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


@dataclass(frozen=True)
class Prepared:
    """The sample after the steps, with what every column header shows."""

    frame: pl.DataFrame
    types: dict[str, prep.ColumnType]
    quality: dict[str, dict[str, int]]

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != prep.ROW_ID]

    def data(self) -> pl.DataFrame:
        return self.frame.drop(prep.ROW_ID, strict=False)


def check(
    sample: pl.DataFrame,
    steps: Sequence[Mapping[str, Any]],
    lookups: Mapping[str, pl.LazyFrame] | None = None,
    freeze_at: int | None = None,
) -> tuple[list[dict[str, Any]], Prepared]:
    """Validate every enabled step in order; freeze the one at freeze_at.

    Returns the steps (the frozen one with its date format fixed) and the
    prepared sample. Raises StepProblem naming the first step that fails.
    """
    lf = sample.lazy()
    checked: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        step = dict(step)
        if step.get("enabled", True):
            try:
                if index == freeze_at:
                    inferred = _inferred(lf, step)
                    # the type first: a date format is no question on numbers
                    prep.validate_step(step, _visible(lf), inferred)
                    if _infers_dates(step):
                        step = prep.freeze(step, lf.collect())
                prep.validate_step(step, _visible(lf))
                lf = prep.apply_step(lf, step, lookups)
            except prep.PrepError as exc:
                raise StepProblem(index, exc) from None
            except pl.exceptions.PolarsError as exc:
                error = prep.PrepError(step.get("id"), "params", _first_line(exc))
                raise StepProblem(index, error) from None
        checked.append(step)
    try:
        frame = lf.collect()
    except pl.exceptions.PolarsError as exc:
        last = len(steps) - 1
        error = prep.PrepError(None, "steps", _first_line(exc))
        raise StepProblem(last, error) from None
    return checked, describe(frame)


def describe(frame: pl.DataFrame) -> Prepared:
    """Infer the types and count the quality of every column of the frame."""
    data = frame.drop(prep.ROW_ID, strict=False)
    types = prep.infer_types(data)
    return Prepared(frame, types, prep.quality(data, types))


def header(prepared: Prepared) -> list[dict[str, Any]]:
    """Return each column's name, stored type, inferred type and quality."""
    schema = prepared.frame.schema
    return [
        {
            "name": name,
            "dtype": str(schema[name]),
            "type": prepared.types[name].as_dict(),
            "quality": prepared.quality[name],
        }
        for name in prepared.columns
    ]


def page(
    prepared: Prepared,
    offset: int,
    limit: int,
    row_filter: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return rows of the prepared sample as lists, with their row ids."""
    frame = prepared.frame
    if row_filter:
        frame = frame.filter(prep.compile_filter(row_filter, frame.schema))
    part = frame.slice(offset, limit)
    ids = part.get_column(prep.ROW_ID).to_list() if prep.ROW_ID in part else []
    shown = _displayable(part.drop(prep.ROW_ID, strict=False))
    return {
        "rows": _safe_rows(shown),
        "row_ids": ids,
        "offset": offset,
        "limit": limit,
        "matched": frame.height,
    }


def profile(prepared: Prepared, column: str) -> dict[str, Any]:
    data = prepared.data()
    return _json_ready(prep.profile(data, column, prepared.types[column]))


def suggestions(prepared: Prepared, column: str) -> list[dict[str, Any]]:
    data = prepared.data()
    found = prep.suggest(data, column, prepared.types[column])
    return [_json_ready(s) for s in found]


def _visible(lf: pl.LazyFrame) -> dict[str, pl.DataType]:
    schema = lf.collect_schema()
    return {n: t for n, t in schema.items() if n != prep.ROW_ID}


def _inferred(lf: pl.LazyFrame, step: Mapping[str, Any]) -> dict[str, Any]:
    """Infer the types of the text columns the step targets, from the sample."""
    schema = _visible(lf)
    names = [c for c in step_columns(step) if schema.get(c) == pl.String]
    if not names:
        return {}
    frame = lf.select(names).collect()
    return {name: prep.infer_type(frame.get_column(name)) for name in names}


def _infers_dates(step: Mapping[str, Any]) -> bool:
    function = REGISTRY.get(step.get("function", ""))
    if function is None:
        return False
    return bool(FORMAT_PARAMS & {p.name for p in function.params})


def _displayable(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast what JSON cannot carry as is (decimals, times, lists) to text."""
    casts = [
        pl.col(n).cast(pl.String)
        for n, t in frame.schema.items()
        if not (t in PLAIN or t.is_numeric() or t in (pl.Date, pl.Datetime))
        or t.is_decimal()
    ]
    return frame.with_columns(casts) if casts else frame


def _safe_rows(frame: pl.DataFrame) -> list[Any]:
    """Return the rows, integers JavaScript cannot hold exactly as text."""
    wide = [
        i
        for i, (name, dtype) in enumerate(frame.schema.items())
        if dtype.is_integer() and _beyond(frame.get_column(name))
    ]
    rows = frame.rows()
    if not wide:
        return rows
    return [
        tuple(_safe_int(v) if i in wide else v for i, v in enumerate(row))
        for row in rows
    ]


def _beyond(series: pl.Series) -> bool:
    low, high = series.min(), series.max()
    return any(isinstance(v, int) and abs(v) > MAX_SAFE_INT for v in (low, high))


def _safe_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) > MAX_SAFE_INT else value
    return value


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _safe_int(value)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
