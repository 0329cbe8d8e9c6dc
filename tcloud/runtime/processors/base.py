"""What every processor stands on: its inputs, its output, its checks.

A processor module exposes `PORTS` (its input ports) and
`build(ctx, inputs) -> Step`. `build` checks the node's config against the
schemas of its inputs first, raising PlanError with the field at fault, then
returns lazy frames; it never collects data. The same `build` serves
validation (on empty frames), preview (on samples) and full runs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import polars as pl

from tcloud.runtime import types
from tcloud.runtime.errors import PlanError
from tcloud.runtime.plan import Node


@dataclass
class Step:
    """A node's output and, when it rejects rows, its reject output."""

    frame: pl.LazyFrame
    reject: pl.LazyFrame | None = None


class Context:
    """A node being built: its config, input schemas and error helpers."""

    def __init__(self, node: Node, schemas: dict[str, pl.Schema]) -> None:
        self.node = node
        self.config = node.config
        self.schemas = schemas

    def error(self, field: str | None, message: str) -> PlanError:
        """Return a PlanError naming this node and `field`."""
        return PlanError(self.node.id, field, message)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a config value, or `default` when absent."""
        return self.config.get(key, default)

    def need(self, key: str, kind: type | tuple[type, ...] = object) -> Any:
        """Return a config value that must be present and of `kind`."""
        value = self.config.get(key)
        if value is None or value == "" or value == []:
            raise self.error(key, "is required")
        if not isinstance(value, kind):
            raise self.error(key, f"must be {_kind_name(kind)}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        """Return a config value that must be one of `allowed`."""
        value = self.config.get(key) or default
        if value not in allowed:
            raise self.error(key, f"must be one of {', '.join(allowed)}")
        return str(value)

    def field(self, name: Any, where: str, port: str = "in") -> str:
        """Check that a field exists in the input on `port`."""
        schema = self.schemas[port]
        if not isinstance(name, str) or not name:
            raise self.error(where, "must name a field")
        if name not in schema:
            hint = difflib.get_close_matches(name, schema.names(), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            raise self.error(where, f"unknown field {name!r}{extra}")
        return name

    def fields(self, names: Any, where: str, port: str = "in") -> list[str]:
        """Check a list of field names."""
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list):
            raise self.error(where, "must be a list of fields")
        return [self.field(n, f"{where}[{i}]", port) for i, n in enumerate(names)]

    def kind(self, name: str, port: str = "in") -> str:
        """Return the runtime type of an input field."""
        return types.type_of(self.schemas[port][name])

    def expect(
        self, name: str, kinds: tuple[str, ...], where: str, port: str = "in"
    ) -> None:
        """Refuse a field whose type is not one of `kinds`."""
        have = self.kind(name, port)
        if have not in kinds:
            raise self.error(
                where, f"field {name!r} is {have}, expected {' or '.join(kinds)}"
            )


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {list: "a list", dict: "an object", str: "text", bool: "true or false"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def literal(ctx: Context, value: Any, field: str, where: str) -> pl.Expr:
    """Turn a config value into a literal of the field's type."""
    kind = ctx.kind(field)
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ctx.error(where, f"must be a number to compare with {field!r}")
        try:
            number = float(value) if kind == "float" else _int(value)
        except ValueError:
            raise ctx.error(
                where, f"{value!r} is not a number, and {field!r} is {kind}"
            ) from None
        return pl.lit(number)
    if kind in ("date", "datetime"):
        converted = types.convert(pl.lit(str(value)), kind)
        if pl.select(converted).item() is None:
            raise ctx.error(where, f"{value!r} is not a {kind} for {field!r}")
        return converted
    if kind == "bool":
        return pl.lit(str(value).lower() in ("true", "1", "yes"))
    return pl.lit(str(value))


def _int(value: Any) -> int | float:
    if isinstance(value, str):
        text = value.strip()
        return float(text) if any(c in text for c in ".eE") else int(text)
    return value  # type: ignore[no-any-return]
