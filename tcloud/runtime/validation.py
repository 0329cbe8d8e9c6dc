"""Validate a pipeline before it is saved: every problem, node and field named."""

from __future__ import annotations

from typing import Any

import polars as pl

from tcloud.runtime.compiler import CompiledPlan, compile
from tcloud.runtime.errors import DataError, PlanError
from tcloud.runtime.plan import PARAM, SOURCE

# Sources are opened on their first rows only: enough for their schemas.
_HEAD = 1000


def validate(
    plan: dict[str, Any],
    *,
    params: dict[str, Any] | None = None,
    samples: dict[str, pl.DataFrame] | None = None,
) -> list[dict[str, Any]]:
    """Return the problems of a plan: [{code, node, field, message, ...}].

    A node whose input failed is not checked, so one fault is told once.
    Parameters that are not given are left as ${name} where they stand; a
    source whose dataset holds one is checked once the parameter is given.
    """
    try:
        compiled = compile(
            plan,
            params=params if params is not None else _keep_params(plan),
            samples=samples,
            sample_size=_HEAD,
            tolerant=True,
        )
    except PlanError as exc:
        return [exc.as_dict()]
    with compiled:
        return [
            _problem(node_id, exc)
            for node_id, exc in compiled.errors.items()
            if not _cascaded(exc) and not _waits_for_params(compiled, node_id)
        ]


def check(plan: dict[str, Any], **kwargs: Any) -> None:
    """Raise the first problem of a plan as a PlanError."""
    problems = validate(plan, **kwargs)
    if problems:
        first = problems[0]
        raise PlanError(first.get("node"), first.get("field"), first["message"])


def _problem(node_id: str, exc: DataError) -> dict[str, Any]:
    problem = exc.as_dict()
    problem.setdefault("node", node_id)
    if problem.get("node") is None:
        problem["node"] = node_id
    return problem


def _waits_for_params(compiled: CompiledPlan, node_id: str) -> bool:
    """Say whether a source failed because its path holds an open parameter."""
    node = compiled.plan.nodes[node_id]
    return node.type == SOURCE and "${" in repr(node.config)


def _cascaded(exc: DataError) -> bool:
    return (
        isinstance(exc, PlanError)
        and exc.detail.startswith("input ")
        and (exc.detail.endswith(" failed"))
    )


def _keep_params(plan: dict[str, Any]) -> dict[str, Any]:
    names: set[str] = set()
    _collect(plan.get("nodes"), names)
    return {name: "${" + name + "}" for name in names}


def _collect(value: Any, names: set[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _collect(item, names)
    elif isinstance(value, list):
        for item in value:
            _collect(item, names)
    elif isinstance(value, str):
        names.update(PARAM.findall(value))
