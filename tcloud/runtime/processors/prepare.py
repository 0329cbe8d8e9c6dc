"""Prepare: run a list of dataprep steps (tcloud.runtime.prep) on the input.

    {"steps": [{"function": "...", ...}, ...]}

The steps are dataprep's; tcloud.runtime.prep checks and applies them.
"""

from __future__ import annotations

import importlib

import polars as pl

from tcloud.runtime.errors import DataError
from tcloud.runtime.processors.base import Context, Step

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
    try:
        frame = apply(inputs["in"], steps)
        frame.collect_schema()
    except (DataError, ValueError, KeyError, TypeError) as exc:
        raise ctx.error(_where(steps, exc), _message(exc)) from exc
    except pl.exceptions.PolarsError as exc:
        raise ctx.error("steps", _message(exc)) from exc
    return Step(frame)


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
