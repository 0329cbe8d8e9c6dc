"""Prepare: run a list of dataprep steps (tcloud.runtime.prep) on the input.

    {"steps": [{"function": "...", ...}, ...],
     "lookups": {dataset id: dataset spec | frame}}

The steps are dataprep's; tcloud.runtime.prep checks and applies them. A
`lookup` step names another dataset by id: `lookups` gives its spec (the
server adds it), or a polars frame when the caller already has the data
(the server's validation on samples). A spec is read as the grid reads a
lookup: a CSV with every column as text.
"""

from __future__ import annotations

import importlib
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime.errors import DataError
from tcloud.runtime.processors.base import Context, Step
from tcloud.runtime.readers import csv, csv_options, format_of, open_source, read_error

PORTS = ("in",)


def build(ctx: Context, inputs: dict[str, pl.LazyFrame]) -> Step:
    """Apply the preparation steps."""
    steps = ctx.need("steps", list)
    try:
        prep = importlib.import_module("tcloud.runtime.prep")
    except ImportError as exc:
        raise ctx.error("steps", "data preparation is not available here") from exc
    apply = getattr(prep, "apply", None)
    if apply is None:
        raise ctx.error("steps", "data preparation is not available here")
    # Lookups are passed only when there are some: `apply(lf, steps)` is
    # all an older (or stand-in) tcloud.runtime.prep needs to take.
    lookups = _lookups(ctx)
    args = (inputs["in"], steps, lookups) if lookups else (inputs["in"], steps)
    try:
        frame = apply(*args)
        frame.collect_schema()
    except (DataError, ValueError, KeyError, TypeError) as exc:
        raise ctx.error(_where(steps, exc), _message(exc)) from exc
    except pl.exceptions.PolarsError as exc:
        raise ctx.error("steps", _message(exc)) from exc
    return Step(frame)


def _lookups(ctx: Context) -> dict[str, pl.LazyFrame]:
    given = ctx.get("lookups") or {}
    if not isinstance(given, dict):
        raise ctx.error("lookups", "must be an object of datasets by id")
    return {str(name): _lookup(ctx, str(name), v) for name, v in given.items()}


def _lookup(ctx: Context, name: str, given: Any) -> pl.LazyFrame:
    if isinstance(given, pl.DataFrame | pl.LazyFrame):
        return given.lazy()
    if not isinstance(given, dict) or not given.get("path"):
        raise ctx.error(f"lookups.{name}", "needs a dataset spec with a path")
    try:
        return _read(given).lazy()
    except DataError as exc:
        raise ctx.error(f"lookups.{name}", exc.message) from exc


def _read(spec: dict[str, Any]) -> pl.DataFrame:
    """Read a lookup dataset whole, every column as text.

    Read now rather than scanned: a transcoded CSV lives only while its
    stack is open, and the join holds the whole lookup in memory anyway.
    """
    with ExitStack() as stack:
        if spec.get("kind", "file") == "file" and format_of(spec) == "csv":
            path = Path(spec["path"])
            options = csv_options(path, dict(spec.get("options") or {}))
            frame, _ = csv.scan(path, options, stack, mode="text")
        else:
            frame = open_source(spec, stack, mode="text").frame
        try:
            return frame.collect()
        except pl.exceptions.PolarsError as exc:
            raise read_error(spec, exc) from exc


def _where(steps: list[object], exc: Exception) -> str:
    """Point at the step (and parameter) a PrepError names."""
    step_id = getattr(exc, "step_id", None)
    parameter = getattr(exc, "parameter", None)
    for i, step in enumerate(steps):
        if isinstance(step, dict) and step_id is not None and step.get("id") == step_id:
            return f"steps[{i}].{parameter}" if parameter else f"steps[{i}]"
    return "steps"


def _message(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
