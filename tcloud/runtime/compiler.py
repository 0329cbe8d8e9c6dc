"""Compile a pipeline into polars lazy frames, one per node.

The frames form one lazy plan: a node's frame is built on the frames of its
inputs, so collecting several of them together (`pl.collect_all`) computes
shared parts once. Preview and full run use this same compilation; they
differ only in their sources (a sample or the whole dataset) and in how the
frames are collected.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tcloud.runtime import writers
from tcloud.runtime.errors import DataError, PlanError
from tcloud.runtime.plan import DESTINATION, SOURCE, Node, Plan, parse, substitute
from tcloud.runtime.processors import PROCESSORS, Context, Step
from tcloud.runtime.readers import format_of, open_source, read_error

PORTS: dict[str, tuple[str, ...]] = {
    SOURCE: (),
    DESTINATION: ("in",),
    **{name: module.PORTS for name, module in PROCESSORS.items()},
}

Tap = Callable[[str, Step], Step]


@dataclass
class CompiledPlan:
    """The lazy frames of a plan, and what keeps their temporary files."""

    plan: Plan
    steps: dict[str, Step]
    stack: ExitStack
    errors: dict[str, DataError] = field(default_factory=dict)

    def frame(self, node_id: str) -> pl.LazyFrame:
        """Return the output of a node (for a destination, what it writes)."""
        return self.steps[node_id].frame

    def close(self) -> None:
        """Remove temporary files (transcoded CSV) made for the sources."""
        self.stack.close()

    def __enter__(self) -> CompiledPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load(document: dict[str, Any], params: dict[str, Any] | None = None) -> Plan:
    """Substitute parameters into a plan document and parse it."""
    if params:
        document = substitute(document, params)
    elif _has_params(document):
        document = substitute(document, {})
    return parse(document, PORTS)


def compile(  # noqa: A001 - the name the runtime's contract uses
    document: dict[str, Any] | Plan,
    *,
    params: dict[str, Any] | None = None,
    samples: dict[str, pl.DataFrame] | None = None,
    sample_size: int | None = None,
    mode: str = "typed",
    tolerant: bool = False,
    tap: Tap | None = None,
) -> CompiledPlan:
    """Build the lazy frame of every node.

    `samples` replaces sources by frames; `sample_size` reads only the first
    rows of the other sources. With `tolerant`, a node that fails is kept in
    `errors` and its dependants are skipped, instead of raising. `tap`, when
    given, wraps each step's output before the next steps build on it (the
    full run counts rows that way).
    """
    plan = document if isinstance(document, Plan) else load(document, params)
    compiled = CompiledPlan(plan, {}, ExitStack())
    try:
        for node_id in plan.order:
            node = plan.nodes[node_id]
            failed = [i for i in node.inputs.values() if i not in compiled.steps]
            if failed:
                compiled.errors[node_id] = PlanError(
                    node_id, None, f"input {failed[0]!r} failed"
                )
                continue
            try:
                step = _build(
                    node, compiled, samples or {}, sample_size, mode, tap is not None
                )
            except DataError as exc:
                if not tolerant:
                    raise
                compiled.errors[node_id] = exc
                continue
            if tap is not None and node.type != DESTINATION:
                step = tap(node_id, step)
            compiled.steps[node_id] = step
    except BaseException:
        compiled.close()
        raise
    return compiled


def _build(
    node: Node,
    compiled: CompiledPlan,
    samples: dict[str, pl.DataFrame],
    sample_size: int | None,
    mode: str,
    counted: bool = False,
) -> Step:
    if node.type == SOURCE:
        return _source(node, compiled.stack, samples, sample_size, mode)
    inputs = {port: compiled.steps[i].frame for port, i in node.inputs.items()}
    schemas = {port: _schema(node, frame) for port, frame in inputs.items()}
    ctx = Context(node, schemas)
    if node.type == DESTINATION:
        writers.check(ctx)
        return Step(inputs["in"])
    step: Step = PROCESSORS[node.type].build(ctx, inputs)
    if counted and step.reject is not None:
        # The rows kept and the rows rejected come from one read of the
        # input: cached, or polars may compute (and count) the input twice.
        cached = {port: frame.cache() for port, frame in inputs.items()}
        step = PROCESSORS[node.type].build(ctx, cached)
    _schema(node, step.frame)
    if step.reject is not None:
        _schema(node, step.reject)
    return step


def _source(
    node: Node,
    stack: ExitStack,
    samples: dict[str, pl.DataFrame],
    sample_size: int | None,
    mode: str,
) -> Step:
    if node.id in samples:
        return Step(samples[node.id].lazy())
    spec = dataset_spec(node)
    try:
        source = open_source(spec, stack, mode=mode, limit=sample_size)
        is_file = spec.get("kind", "file") == "file"
        if is_file and format_of(spec) in ("jsonl", "ndjson"):
            try:
                # JSON lines infer their fields here: a bad line among the
                # first is a fault of the file, named with its line.
                source.frame.collect_schema()
            except pl.exceptions.PolarsError as exc:
                raise read_error(spec, exc) from exc
    except DataError as exc:
        line = getattr(exc, "line", None)
        raise PlanError(node.id, "dataset", exc.message, line=line) from exc
    return Step(source.frame, source.reject)


def dataset_spec(node: Node) -> dict[str, Any]:
    """Return the dataset spec a source or destination node carries."""
    spec = node.config.get("dataset", node.config)
    if not isinstance(spec, dict) or not (spec.get("path") or spec.get("kind")):
        raise PlanError(node.id, "dataset", "needs a dataset with a path")
    return spec


def _schema(node: Node, frame: pl.LazyFrame) -> pl.Schema:
    try:
        return frame.collect_schema()
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0]
        raise PlanError(node.id, None, first) from exc


def _has_params(document: dict[str, Any]) -> bool:
    return "${" in repr(document.get("nodes"))
