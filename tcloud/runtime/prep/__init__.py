"""Data preparation: functions as polars expressions, applied as one lazy plan.

    apply(lf, steps, lookups=None) -> LazyFrame   the one runtime for all
    validate_step(step, schema)                   raises PrepError
    infer_types / quality / profile / suggest     the grid's header
    compile_filter(spec, schema)                  grid filters and scopes
    freeze(step, sample)                          fix inferred date formats

A step is {"id", "function", "column" | "columns", "params", "enabled",
"scope": {"filter": spec} | {"rows": [ids]}, "new_column"}.
"""

from tcloud.runtime.prep import functions as _functions  # noqa: F401  (registers)
from tcloud.runtime.prep.engine import ROW_ID, apply, apply_step, freeze, with_row_ids
from tcloud.runtime.prep.errors import PrepError
from tcloud.runtime.prep.filters import compile_filter
from tcloud.runtime.prep.quality import profile, quality, suggest
from tcloud.runtime.prep.registry import (
    REGISTRY,
    Function,
    Param,
    functions,
    validate_step,
)
from tcloud.runtime.prep.types import ColumnType, infer_type, infer_types

__all__ = [
    "REGISTRY",
    "ROW_ID",
    "ColumnType",
    "Function",
    "Param",
    "PrepError",
    "apply",
    "apply_step",
    "compile_filter",
    "freeze",
    "functions",
    "infer_type",
    "infer_types",
    "profile",
    "quality",
    "suggest",
    "validate_step",
    "with_row_ids",
]
