"""JSON Schema helpers: one schema validates a request and documents it.

Schemas are plain JSON Schema 2020-12 dicts, the dialect of OpenAPI 3.1.
Objects reject unknown properties unless told otherwise.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from tcloud.platform.errors import FieldError, Invalid

Schema = dict[str, Any]


class EncodedJson(bytes):
    """A JSON document already encoded, to be sent as it is."""

NAME = r"^[^\x00-\x1f]+$"


def string(
    min_length: int = 0,
    max_length: int = 200,
    pattern: str | None = None,
    description: str = "",
    **extra: Any,
) -> Schema:
    schema: Schema = {
        "type": "string",
        "minLength": min_length,
        "maxLength": max_length,
    }
    if pattern:
        schema["pattern"] = pattern
    if description:
        schema["description"] = description
    return schema | extra


def name(max_length: int = 100) -> Schema:
    return string(1, max_length, NAME)


def integer(
    minimum: int | None = None, maximum: int | None = None, **extra: Any
) -> Schema:
    schema: Schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema | extra


def boolean(**extra: Any) -> Schema:
    return {"type": "boolean"} | extra


def enum(*values: str, **extra: Any) -> Schema:
    return {"type": "string", "enum": list(values)} | extra


def array(items: Schema, max_items: int = 1000, **extra: Any) -> Schema:
    return {"type": "array", "items": items, "maxItems": max_items} | extra


def obj(
    required: dict[str, Schema] | None = None,
    optional: dict[str, Schema] | None = None,
    *,
    additional: bool = False,
    **extra: Any,
) -> Schema:
    required = required or {}
    props = {**required, **(optional or {})}
    schema: Schema = {
        "type": "object",
        "properties": props,
        "additionalProperties": additional,
    }
    if required:
        schema["required"] = list(required)
    return schema | extra


def nullable(schema: Schema) -> Schema:
    kind = schema.get("type")
    return schema | {"type": [kind, "null"]} if isinstance(kind, str) else schema


def page_of(item: Schema) -> Schema:
    return obj(
        {"items": array(item, 10000), "total": integer(0), "limit": integer(0),
         "offset": integer(0)}
    )  # fmt: skip


class _Compiled:
    """A schema's two validators: a fast one that only says yes or no, and
    jsonschema's, run only on refusal, for messages that name each field."""

    __slots__ = ("schema", "fast", "full")

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.fast = jsonschema_rs.validator_for(schema, validate_formats=False)
        self.full = Draft202012Validator(schema)


# Schemas are module-level constants, so their identity is a stable key; the
# entry keeps the schema alive so that the id is never reused.
_COMPILED: dict[int, _Compiled] = {}


def _compiled(schema: Schema) -> _Compiled:
    found = _COMPILED.get(id(schema))
    if found is None or found.schema is not schema:
        if len(_COMPILED) > 2048:
            _COMPILED.clear()
        found = _COMPILED[id(schema)] = _Compiled(schema)
    return found


def _path(error: ValidationError, root: str) -> str:
    parts = [root] if root else []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else str(part))
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        parts.append(missing)
    if error.validator == "additionalProperties":
        extra = error.message.split("'")[1] if "'" in error.message else ""
        parts.append(extra)
    return ".".join(p for p in parts if p).replace(".[", "[") or (root or "body")


def _message(error: ValidationError) -> str:
    kind = error.validator
    if kind == "required":
        return "is required"
    if kind == "additionalProperties":
        return "is not a known field"
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"must be of type {expected}"
    if kind == "enum":
        return "must be one of " + ", ".join(map(str, error.validator_value))
    if kind == "minLength":
        return f"must be at least {error.validator_value} characters long"
    if kind == "maxLength":
        return f"must be at most {error.validator_value} characters long"
    if kind == "minimum":
        return f"must be at least {error.validator_value}"
    if kind == "maximum":
        return f"must be at most {error.validator_value}"
    if kind == "pattern":
        return "has characters that are not allowed here"
    if kind == "maxItems":
        return f"must have at most {error.validator_value} items"
    if kind == "minItems":
        return f"must have at least {error.validator_value} items"
    if kind == "uniqueItems":
        return "must not repeat an item"
    return error.message


def validate(schema: Schema, value: Any, root: str = "") -> None:
    """Raise Invalid naming every field of `value` that breaks `schema`."""
    compiled = _compiled(schema)
    if compiled.fast.is_valid(value):
        return
    errors = sorted(
        compiled.full.iter_errors(value), key=lambda e: list(e.absolute_path)
    )
    if not errors:
        return
    fields = [FieldError(_path(e, root), _message(e)) for e in errors[:20]]
    detail = "; ".join(f"{f.field} {f.message}" for f in fields[:5])
    raise Invalid(detail, fields=fields)
