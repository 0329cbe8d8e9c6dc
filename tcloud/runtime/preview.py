"""Preview: run a pipeline on samples and return every step's output.

The plan compiles exactly as for a full run; only the sources differ (the
first 1,000 records) and the frames are collected in memory, all at once, so
shared parts of the plan are computed once.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from tcloud.runtime import types
from tcloud.runtime.compiler import compile

SAMPLE_SIZE = 1000


def preview(
    plan: dict[str, Any],
    samples: dict[str, pl.DataFrame] | None = None,
    node_id: str | None = None,
    *,
    params: dict[str, Any] | None = None,
    rows: int = 100,
    sample_size: int = SAMPLE_SIZE,
) -> dict[str, dict[str, Any]]:
    """Return {node: {"schema", "rows", "count", "rejects"?}} on the samples.

    With `node_id`, only that node and its direct inputs are returned (the
    records before and after the step). A node that fails has "error" (a
    problem: code, node, field, message) instead.
    """
    with compile(
        plan, params=params, samples=samples, sample_size=sample_size, tolerant=True
    ) as compiled:
        wanted = _wanted(compiled.plan, node_id)
        out: dict[str, dict[str, Any]] = {
            n: {"error": compiled.errors[n].as_dict()}
            for n in wanted
            if n in compiled.errors
        }
        ready = [n for n in wanted if n in compiled.steps]
        frames = [compiled.frame(n) for n in ready]
        rejecting = [n for n in ready if compiled.steps[n].reject is not None]
        frames += [compiled.steps[n].reject for n in rejecting]  # type: ignore[misc]
        results = pl.collect_all(frames)
    for n, frame in zip(ready, results, strict=False):
        out[n] = _describe(frame, rows)
    for n, frame in zip(rejecting, results[len(ready) :], strict=True):
        out[n]["rejects"] = _describe(frame, rows)
    return {n: out[n] for n in wanted}


def frames(
    plan: dict[str, Any],
    samples: dict[str, pl.DataFrame] | None = None,
    *,
    params: dict[str, Any] | None = None,
    sample_size: int = SAMPLE_SIZE,
) -> dict[str, pl.DataFrame]:
    """Return every node's whole output on the samples, as frames."""
    with compile(
        plan, params=params, samples=samples, sample_size=sample_size
    ) as compiled:
        order = compiled.plan.order
        return dict(zip(order, pl.collect_all(map(compiled.frame, order)), strict=True))


def samples(
    plan: dict[str, Any],
    *,
    params: dict[str, Any] | None = None,
    sample_size: int = SAMPLE_SIZE,
) -> dict[str, pl.DataFrame]:
    """Read the first records of every source, to keep for later previews."""
    with compile(plan, params=params, sample_size=sample_size) as compiled:
        ids = [node.id for node in compiled.plan.sources()]
        return dict(zip(ids, pl.collect_all(map(compiled.frame, ids)), strict=True))


def _wanted(plan: Any, node_id: str | None) -> list[str]:
    if node_id is None:
        return list(plan.order)
    if node_id not in plan.nodes:
        raise KeyError(node_id)
    around = {node_id, *plan.nodes[node_id].inputs.values()}
    return [n for n in plan.order if n in around]


def _describe(frame: pl.DataFrame, rows: int) -> dict[str, Any]:
    return {
        "schema": types.describe(frame.schema),
        "rows": frame.head(rows).to_dicts(),
        "count": frame.height,
    }
