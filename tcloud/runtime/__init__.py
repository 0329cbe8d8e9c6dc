"""The runtime: datasets and pipelines as polars lazy plans.

Data work only; nothing here imports the server or the apps, so an engine
can ship it alone. The interface:

    sniff(path) -> CsvOptions           guess how to read a CSV file
    inspect(spec) -> {options, schema, rows, sheets?}   a dataset's page
    sample(spec, n) -> (schema, rows)   the first records of a dataset
    sheets(path) -> [name]              the sheets of a workbook
    validate(plan) -> [problem]         what is wrong with a pipeline
    compile(plan) -> CompiledPlan       one lazy frame per node
    samples(plan) -> {source: frame}    the first records of every source
    preview(plan, samples, node_id)     every step's output on samples
    execute(plan, params, on_event, cancel) -> summary   a full run

See docs/pipelines-format.md for the plan and dataset formats.
"""

import os

# polars's streaming CSV source reads ahead in chunks sized for a large
# machine, so a plan over a CSV file holds most of the file in memory at
# once. Chunks of 2 MiB keep a full run's peak memory a small multiple of
# one chunk per thread, at no cost in speed (bench/fullrun.py). An operator
# may still set the variable.
os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", str(2 << 20))

from tcloud.runtime.compiler import CompiledPlan, compile
from tcloud.runtime.errors import (
    DataError,
    ExpressionError,
    NotTextError,
    PlanError,
    ReadError,
    RunCancelled,
)
from tcloud.runtime.execution import execute
from tcloud.runtime.preview import preview, samples
from tcloud.runtime.readers import CsvOptions, inspect, sample, sheets, sniff
from tcloud.runtime.validation import check, validate

__all__ = [
    "CompiledPlan",
    "CsvOptions",
    "DataError",
    "ExpressionError",
    "NotTextError",
    "PlanError",
    "ReadError",
    "RunCancelled",
    "check",
    "compile",
    "execute",
    "inspect",
    "preview",
    "sample",
    "samples",
    "sheets",
    "sniff",
    "validate",
]
