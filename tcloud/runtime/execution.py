"""Full runs: stream a pipeline from its sources to its destinations.

Every destination and every reject output is a lazy sink, and all of them
are collected in one `pl.collect_all` on polars' streaming engine, so the
sources are read once and nothing larger than a batch is held for filters
and projections.

Rows are counted by a tap on each step's output: an identity `map_batches`
that adds the height of each batch polars streams through it. Counting that
way costs a Python call per batch, not a second pass over the data; a query
per step counting `pl.len()` tripled the time of the flights run. The tap
is also where a run sees its cancel event (it raises, polars stops) and
reports progress. A tap stops predicates from being pushed below it, which
is what keeps a source's count honest. polars does not merge copies of a
plan holding a Python step, so a step feeding several others is cached.

CSV sources are first read with their numeric columns parsed by polars
itself. If a value does not parse (the head the types came from did not
show it), the run starts again reading those columns as text and converting
them, which sends the failing rows to the source's reject output.

A table destination is sunk to a temporary Parquet file with the others;
only once every sink has succeeded is each file loaded into its table, in
one transaction per table (`tcloud.runtime.tables`).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime import tables, writers
from tcloud.runtime.compiler import CompiledPlan, compile, dataset_spec, load
from tcloud.runtime.errors import DataError, PlanError, RunCancelled
from tcloud.runtime.plan import DESTINATION, SOURCE, Plan
from tcloud.runtime.processors import Step
from tcloud.runtime.readers import read_error

log = logging.getLogger("tcloud.runtime")

Event = dict[str, Any]
# A table destination's spec, its staged Parquet file and the result's schema.
Load = tuple[dict[str, Any], Path, pl.Schema]
PROGRESS_SECONDS = 1.0
_FALLBACK = "a value did not parse as its column type; reading sources as text"


def execute(
    plan: dict[str, Any],
    params: dict[str, Any],
    on_event: Callable[[Event], None],
    cancel: threading.Event,
) -> dict[str, Any]:
    """Run a pipeline in full and return its summary.

    Events sent to `on_event`: {"type": "log", "message"} and
    {"type": "metrics", "step", "rows_read", "rows_written", "rows_rejected"},
    cumulative, about once a second while rows flow and once per step at the
    end. Events in flight may come from polars' worker threads, one at a
    time. The summary holds "status" ("succeeded"), "mode", "steps" (the
    final counts by step), "outputs", "rejects" and "seconds".

    Raises PlanError or ReadError for a plan or a dataset at fault,
    DataError when polars fails, and RunCancelled when `cancel` is set.
    """
    started = time.perf_counter()
    parsed = load(plan, params)
    _check_outputs(parsed)
    on_event({"type": "log", "message": f"run started steps={len(parsed.order)}"})
    mode = "typed"
    while True:
        if cancel.is_set():
            raise RunCancelled("the run was cancelled")
        meter = Meter(parsed, on_event, cancel)
        try:
            summary = _attempt(parsed, mode, meter, cancel)
            break
        except pl.exceptions.PolarsError as exc:
            if cancel.is_set():
                raise RunCancelled("the run was cancelled") from exc
            if mode == "typed" and "could not parse" in str(exc):
                on_event({"type": "log", "message": _FALLBACK})
                mode = "text"
                continue
            raise _explain(parsed, exc) from exc
    for step, counts in summary["steps"].items():
        on_event({"type": "metrics", "step": step, **counts})
    summary["seconds"] = round(time.perf_counter() - started, 3)
    on_event({"type": "log", "message": f"run finished seconds={summary['seconds']}"})
    return summary


class Meter:
    """Count the rows through every step, report progress, honour cancel."""

    def __init__(
        self,
        plan: Plan,
        on_event: Callable[[Event], None],
        cancel: threading.Event,
    ) -> None:
        self.plan = plan
        self.on_event = on_event
        self.cancel = cancel
        self.rows: dict[str, int] = dict.fromkeys(plan.order, 0)
        self.rejected: dict[str, int] = {}
        self.lock = threading.Lock()
        self.reported = time.monotonic()
        feeds = Counter(i for n in plan.nodes.values() for i in n.inputs.values())
        self.shared = {node_id for node_id, count in feeds.items() if count > 1}

    def tap(self, node_id: str, step: Step) -> Step:
        """Wrap a step's outputs in counting identities."""
        frame = self._counting(step.frame, self.rows, node_id)
        if node_id in self.shared:
            # One cache for all the consumers, or each would run (and count)
            # this step again: polars does not merge Python steps on its own.
            frame = frame.cache()
        if step.reject is None:
            return Step(frame)
        self.rejected[node_id] = 0
        return Step(frame, self._counting(step.reject, self.rejected, node_id))

    def _counting(
        self, frame: pl.LazyFrame, into: dict[str, int], node_id: str
    ) -> pl.LazyFrame:
        def count(batch: pl.DataFrame) -> pl.DataFrame:
            if self.cancel.is_set():
                raise RunCancelled("the run was cancelled")
            with self.lock:
                into[node_id] += batch.height
                self._progress()
            return batch

        return frame.map_batches(
            count,
            projection_pushdown=True,
            streamable=True,
            validate_output_schema=False,
        )

    def _progress(self) -> None:
        now = time.monotonic()
        if now - self.reported < PROGRESS_SECONDS:
            return
        self.reported = now
        for step, counts in self.steps().items():
            self.on_event({"type": "metrics", "step": step, **counts})

    def steps(self) -> dict[str, dict[str, int]]:
        """Return rows read, written and rejected by step."""
        out: dict[str, dict[str, int]] = {}
        for node_id in self.plan.order:
            node = self.plan.nodes[node_id]
            lost = self.rejected.get(node_id, 0)
            read = sum(self.rows[i] for i in node.inputs.values())
            if node.type == SOURCE:
                read = self.rows[node_id] + lost
            written = read if node.type == DESTINATION else self.rows[node_id]
            out[node_id] = {
                "rows_read": read,
                "rows_written": written,
                "rows_rejected": lost,
            }
        return out


def _attempt(
    plan: Plan, mode: str, meter: Meter, cancel: threading.Event
) -> dict[str, Any]:
    staging = Path(tempfile.mkdtemp(prefix="tcloud-tables-"))
    try:
        with compile(plan, mode=mode, tap=meter.tap) as compiled:
            sinks, outputs, loads = _sinks(compiled, staging)
            rejects = _reject_sinks(compiled, sinks)
            log.info("run collect mode=%s sinks=%d", mode, len(sinks))
            try:
                pl.collect_all(sinks, engine="streaming")
            except BaseException:
                _remove(outputs + list(rejects.values()))
                raise
        for spec, parquet, schema in loads:
            tables.load(spec, parquet, schema, cancel)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    steps = meter.steps()
    return {
        "status": "succeeded",
        "mode": mode,
        "steps": steps,
        "outputs": [
            {"step": d.id, **where, "rows": steps[d.id]["rows_written"]}
            for d, where in zip(plan.destinations(), _written(plan), strict=True)
        ],
        "rejects": [
            {"step": n, "path": p, "rows": steps[n]["rows_rejected"]}
            for n, p in rejects.items()
        ],
    }


def _written(plan: Plan) -> list[dict[str, str]]:
    """Say where each destination wrote: its path, or its table."""
    found = []
    for node in plan.destinations():
        spec = writers.spec_of(node.config)
        key = "table" if tables.is_table(spec) else "path"
        found.append({key: str(spec[key])})
    return found


def _sinks(
    compiled: CompiledPlan, staging: Path
) -> tuple[list[pl.LazyFrame], list[str], list[Load]]:
    """Return the sinks, the files they write and the tables to load after."""
    sinks, paths = [], []
    loads: list[Load] = []
    for node in compiled.plan.destinations():
        spec = writers.spec_of(node.config)
        frame = compiled.frame(node.id)
        if tables.is_table(spec):
            schema = frame.collect_schema()
            tables.precheck(spec, schema)
            parquet = staging / f"{len(loads)}.parquet"
            loads.append((spec, parquet, schema))
            spec = {"path": str(parquet), "format": "parquet"}
        sinks.append(writers.sink(frame, spec))
        paths.append(str(spec["path"]))
    return sinks, paths, loads


def _reject_sinks(compiled: CompiledPlan, sinks: list[pl.LazyFrame]) -> dict[str, str]:
    specs = [writers.spec_of(d.config) for d in compiled.plan.destinations()]
    folder = compiled.plan.options.get("rejects_dir")
    rejects = {}
    for node_id in compiled.plan.order:
        reject = compiled.steps[node_id].reject
        if reject is None:
            continue
        path = str(writers.reject_path(specs, node_id, folder))
        sinks.append(writers.sink(reject, {"path": path, "format": "csv"}))
        rejects[node_id] = path
    return rejects


def _check_outputs(plan: Plan) -> None:
    """Refuse a run without destinations, or one that writes over a source."""
    if not plan.destinations():
        raise PlanError(None, "nodes", "a pipeline needs at least one destination")
    read = {_place(dataset_spec(n)) for n in plan.sources()}
    for node in plan.destinations():
        if _place(writers.spec_of(node.config)) in read:
            raise PlanError(node.id, "dataset.path", "would write over a source")


def _place(spec: dict[str, Any]) -> tuple[str, ...]:
    """Name what a spec reads or writes: its file, or its file and table."""
    path = str(Path(str(spec.get("path"))).resolve())
    if spec.get("kind") == "postgres":
        where = (str(spec.get("host")), str(spec.get("database")))
        return ("postgres", *where, str(spec.get("table")))
    if spec.get("kind") == "sqlite":
        return ("sqlite", path, str(spec.get("table")))
    return ("file", path)


def _explain(plan: Plan, exc: Exception) -> DataError:
    """Turn a polars failure into an error naming the dataset and line."""
    for node in plan.sources():
        spec = dataset_spec(node)
        fmt = spec.get("format", Path(str(spec.get("path"))).suffix[1:])
        if fmt in ("csv", "jsonl", "ndjson"):
            error = read_error(spec, exc)
            if error.line is not None:
                return error
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
    return DataError(f"run failed: {first}")


def _remove(paths: list[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
