"""The function registry: what each function is called, takes and builds.

A function is declared once with `@register(...)` beside its builder; the
registry is what the grid's menus, the docs and `validate_step` read.
Builders return polars expressions; the few that need a Python call per
distinct value say so in `note` and set `vectorised=False`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tcloud.runtime.prep import labels
from tcloud.runtime.prep.errors import PrepError

TYPES = ("string", "integer", "decimal", "boolean", "date", "datetime", "any")
ANY = frozenset(TYPES)
NUMBER = frozenset({"integer", "decimal", "any"})
DATES = frozenset({"date", "datetime", "any"})
TEXT = frozenset({"string", "any"})
KINDS = ("cell", "columns", "rows", "table")

# Upper bounds of count-like parameters: a step builds one expression per
# column it creates and pads or cuts text in memory, so an unbounded count
# (split into 100,000 parts) would hold a worker for minutes.
MAX_COLUMNS = 100
MAX_SIZE = 10_000
MAX_DECIMALS = 15
MAX_TENS = 4
MAX_DISTANCE = 20
MAX_AMOUNT = 1_000_000
PARAM_TYPES = (
    "string",
    "integer",
    "number",
    "boolean",
    "choice",
    "column",
    "columns",
    "regex",
    "list",
    "mapping",
    "any",
)


@dataclass(frozen=True)
class Param:
    """One parameter of a function, as the UI shows it and the step holds it."""

    name: str
    type: str = "string"
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    description: str = ""
    label: str = ""
    minimum: int | float | None = None
    maximum: int | float | None = None

    def as_dict(self, siblings: Sequence[Param] = ()) -> dict[str, Any]:
        """Return the parameter as JSON-ready data, labels for people included."""
        choices = {p.name: p.choices for p in siblings if p.type == "choice"}
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "choices": list(self.choices),
            "description": self.description,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "label": self.label or labels.label_of(self.name),
            "choice_labels": [
                {"value": c, "label": labels.choice_label(self.name, c)}
                for c in self.choices
            ],
            "shown_when": labels.shown_when(self.name, choices),
        }


@dataclass(frozen=True)
class Function:
    """A preparation function.

    kind: "cell" builds the new value of a column; "columns" builds new
    columns placed after the source; "rows" builds a mask of rows to delete;
    "table" maps the whole LazyFrame. target: "column" (one, or a list
    through "columns"), "columns" (several at once), "none".
    """

    name: str
    category: str
    label: str
    description: str
    kind: str
    build: Callable[..., Any]
    types: frozenset[str] = ANY
    params: tuple[Param, ...] = ()
    target: str = "column"
    new_column: str | None = None
    creates: bool = False
    scoped: bool = True
    vectorised: bool = True
    note: str = ""
    check: (
        Callable[[dict[str, Any], Mapping[str, str]], tuple[str, str] | None] | None
    ) = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        """Return the function's description as JSON-ready data."""
        return {
            "name": self.name,
            "category": self.category,
            "label": self.label,
            "description": self.description,
            "kind": self.kind,
            "types": sorted(self.types),
            "params": [p.as_dict(self.params) for p in self.params],
            "target": self.target,
            "new_column": self.new_column,
            "creates": self.creates,
            "scoped": self.scoped,
            "vectorised": self.vectorised,
            "note": self.note,
        }


REGISTRY: dict[str, Function] = {}


def functions() -> list[dict[str, Any]]:
    """Return every function's description, for the grid's menus."""
    return [f.as_dict() for f in REGISTRY.values()]


def register(
    name: str, category: str, label: str, kind: str = "cell", **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated builder as a preparation function."""

    def decorate(build: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY:
            raise RuntimeError(f"function {name} registered twice")
        description = (build.__doc__ or label).strip().splitlines()[0]
        REGISTRY[name] = Function(
            name, category, label, description, kind, build, **options
        )
        return build

    return decorate


def type_name(value: Any) -> str:
    """Return the tcloud type name of a polars dtype, type name or ColumnType."""
    if isinstance(value, str):
        return value if value in TYPES else "string"
    name = getattr(value, "name", None)
    if isinstance(name, str) and name in TYPES:
        return name
    if isinstance(value, dict):
        return type_name(value.get("type", "any"))
    if isinstance(value, type) and issubclass(value, pl.DataType):
        value = value()
    if not isinstance(value, pl.DataType):
        return "any"
    dtype = value
    if dtype == pl.String or dtype == pl.Null:
        return "any"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or dtype.is_decimal():
        return "decimal"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Datetime:
        return "datetime"
    return "string"


def step_columns(step: Mapping[str, Any]) -> list[str]:
    """Return the columns a step targets, whether given as column or columns."""
    if step.get("columns"):
        return list(step["columns"])
    if step.get("column") is not None:
        return [step["column"]]
    return []


def with_defaults(function: Function, params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the step's parameters completed with the function's defaults."""
    merged = {p.name: p.default for p in function.params}
    merged.update({k: v for k, v in params.items() if v is not None})
    return merged


def validate_step(
    step: Mapping[str, Any],
    schema: Mapping[str, Any],
    inferred: Mapping[str, Any] | None = None,
) -> None:
    """Raise PrepError naming what is wrong in the step, given the columns.

    `inferred` gives the type inferred from the values of text columns: a
    function that does not apply to text (math, dates) is then refused on a
    text column whose values are not of a type it applies to.
    """
    step_id = step.get("id")
    name = step.get("function")
    function = REGISTRY.get(name) if isinstance(name, str) else None
    if function is None:
        raise PrepError(step_id, "function", f"unknown function {name!r}")
    types = {column: type_name(t) for column, t in schema.items()}
    _check_target(step_id, function, step, _held(types, inferred or {}))
    _check_scope(step_id, function, step, types)
    params = step.get("params") or {}
    if not isinstance(params, Mapping):
        raise PrepError(step_id, "params", "must be an object")
    for key in params:
        if key not in {p.name for p in function.params}:
            raise PrepError(step_id, key, f"unknown parameter of {function.name}")
    for param in function.params:
        _check_param(step_id, param, params.get(param.name), types)
    if function.check is not None:
        problem = function.check(with_defaults(function, params), types)
        if problem is not None:
            raise PrepError(step_id, problem[0], _readable(problem[1]))


_WHEN = re.compile(r"\bwhen (\w+) is (\w+)")


def _readable(message: str) -> str:
    """Name the parameters a message refers to by their labels, as forms do."""

    def named(found: re.Match[str]) -> str:
        param, choice = found.group(1), found.group(2)
        label = labels.label_of(param).lower()
        return f'when {label} is "{labels.choice_label(param, choice)}"'

    return _WHEN.sub(named, message)


def _held(types: dict[str, str], inferred: Mapping[str, Any]) -> dict[str, str]:
    """Return the type each column holds: stored, or inferred for text."""
    held = dict(types)
    for column, found in inferred.items():
        if held.get(column) == "any":
            held[column] = "text:" + type_name(found)
    return held


def _fits(function: Function, held: str) -> bool:
    if held.startswith("text:"):
        return "string" in function.types or held[5:] in function.types
    return held in function.types


def _check_target(
    step_id: Any, function: Function, step: Mapping[str, Any], types: dict[str, str]
) -> None:
    columns = step_columns(step)
    if function.target == "none":
        return
    if not columns:
        raise PrepError(step_id, "column", f"{function.name} needs a column")
    if "*" in columns:
        return
    for column in columns:
        if column not in types:
            raise PrepError(step_id, "column", f"no column named {column!r}")
        if not _fits(function, types[column]):
            allowed = ", ".join(sorted(function.types - {"any"}))
            held = types[column].removeprefix("text:")
            raise PrepError(
                step_id,
                "column",
                f"{column!r} is {held}; {function.name} applies to {allowed}",
            )
    new_column = step.get("new_column")
    if new_column and function.new_column is None:
        raise PrepError(step_id, "new_column", f"{function.name} writes in place")
    if isinstance(new_column, str) and new_column in types:
        raise PrepError(step_id, "new_column", f"column {new_column!r} exists")


def _check_scope(
    step_id: Any, function: Function, step: Mapping[str, Any], types: dict[str, str]
) -> None:
    scope = step.get("scope")
    if not scope:
        return
    if not function.scoped:
        raise PrepError(step_id, "scope", f"{function.name} applies to all rows")
    if not isinstance(scope, Mapping) or not ({"filter", "rows"} & set(scope)):
        raise PrepError(step_id, "scope", "needs a filter or a list of rows")
    rows = scope.get("rows")
    if rows is not None and not (
        isinstance(rows, list) and all(isinstance(r, int) for r in rows)
    ):
        raise PrepError(step_id, "scope", "rows must be a list of row ids")
    if scope.get("filter") is not None:
        from tcloud.runtime.prep.filters import filter_problem

        problem = filter_problem(scope["filter"], types)
        if problem:
            where = f"scope.filter.{problem[0]}" if problem[0] else "scope"
            raise PrepError(step_id, where, problem[1])


def _check_param(step_id: Any, param: Param, value: Any, types: dict[str, str]) -> None:
    if value is None:
        if param.required:
            raise PrepError(step_id, param.name, "is required")
        return
    problem = _param_problem(param, value, types)
    if problem:
        raise PrepError(step_id, param.name, problem)


def _param_problem(param: Param, value: Any, types: dict[str, str]) -> str | None:
    kind = param.type
    if kind in ("string", "regex") and not isinstance(value, str):
        return "must be text"
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return "must be an integer"
    if kind == "number" and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return "must be a number"
    if kind == "boolean" and not isinstance(value, bool):
        return "must be true or false"
    if kind == "choice" and value not in param.choices:
        return f"must be one of {', '.join(param.choices)}"
    if kind == "column":
        if not isinstance(value, str) or value not in types:
            return f"no column named {value!r}"
    if kind == "columns":
        if not isinstance(value, list) or not value:
            return "must be a list of columns"
        missing = [c for c in value if c not in types]
        if missing:
            return f"no column named {missing[0]!r}"
    if kind == "list" and not isinstance(value, list):
        return "must be a list"
    if kind == "mapping" and not isinstance(value, Mapping):
        return "must be an object"
    if kind == "regex":
        return regex_problem(value)
    if kind in ("integer", "number"):
        return bound_problem(param, value)
    return None


def bound_problem(param: Param, value: int | float) -> str | None:
    """Return why a number is outside the parameter's bounds, or None."""
    if value != value or value in (float("inf"), float("-inf")):
        return "must be a finite number"
    low, high = param.minimum, param.maximum
    if low is not None and high is not None and not low <= value <= high:
        return f"must be between {low} and {high}"
    if low is not None and value < low:
        return f"must be {low} or more"
    if high is not None and value > high:
        return f"must be {high} or less"
    return None


def regex_problem(pattern: str) -> str | None:
    """Return why polars cannot compile the pattern, or None."""
    try:
        pl.select(pl.lit("").str.contains(pattern)).item()
    except pl.exceptions.ComputeError as exc:
        first = str(exc).strip().splitlines()
        return "is not a valid regular expression" + (
            f" ({first[-1].strip()})" if first else ""
        )
    return None
