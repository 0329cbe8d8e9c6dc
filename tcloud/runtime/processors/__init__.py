"""The processors a pipeline node may use, by node type."""

from __future__ import annotations

from types import ModuleType

from tcloud.runtime.processors import (
    aggregate,
    calculate,
    clean,
    convert,
    dedupe,
    filter,
    join,
    prepare,
    select,
    sort,
    split,
)
from tcloud.runtime.processors.base import Context, Step

__all__ = ["PROCESSORS", "Context", "Step"]

PROCESSORS: dict[str, ModuleType] = {
    "filter": filter,
    "select": select,
    "convert": convert,
    "calculate": calculate,
    "aggregate": aggregate,
    "join": join,
    "sort": sort,
    "dedupe": dedupe,
    "clean": clean,
    "split": split,
    "prepare": prepare,
}
