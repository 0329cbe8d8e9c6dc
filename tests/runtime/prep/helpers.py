"""Small tables and one-step runs for the preparation tests."""

from __future__ import annotations

from typing import Any

import polars as pl

from tcloud.runtime.prep import apply


def step(function: str, column: str | None = "a", **fields: Any) -> dict[str, Any]:
    """Return a step dict with an id, defaults filled."""
    result: dict[str, Any] = {"id": "s1", "function": function, "enabled": True}
    if column is not None:
        result["column"] = column
    result["params"] = fields.pop("params", {})
    return result | fields


def run(data: dict[str, list[Any]] | pl.DataFrame, *steps: dict[str, Any], **kw: Any):
    """Apply steps to a small table and collect it."""
    frame = data if isinstance(data, pl.DataFrame) else pl.DataFrame(data)
    return apply(frame.lazy(), list(steps), **kw).collect()
