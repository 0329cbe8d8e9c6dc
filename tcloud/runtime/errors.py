"""Errors of the runtime.

    RuntimeError
     '- DataError                 anything the runtime refuses, with a message
         |- ReadError             a dataset that cannot be read (line, path)
         |   '- NotTextError      a binary file given as text
         |- PlanError             a pipeline refused (node_id, field)
         |   '- ExpressionError   an expression that does not parse (position)
         '- RunCancelled          a full run stopped by its cancel event

Messages name the file, line, node or field, never a data value beyond the
short excerpt a user needs to find the fault.
"""

from __future__ import annotations


class DataError(RuntimeError):
    """Base of every error the runtime raises on purpose."""

    code = "data_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, object]:
        """Return the error as a JSON-ready problem."""
        return {"code": self.code, "message": self.message}


class ReadError(DataError):
    """A dataset that cannot be read; `line` is 1-based when known."""

    code = "read_error"

    def __init__(
        self, message: str, *, line: int | None = None, path: str | None = None
    ) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line
        self.path = path

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "line": self.line}


class NotTextError(ReadError):
    """A file read as text that holds binary data."""

    code = "not_text"


class PlanError(DataError):
    """A pipeline refused, naming the node and the field of its config.

    `line` is set when the fault is a line of a source's file.
    """

    code = "plan_error"

    def __init__(
        self,
        node_id: str | None,
        field: str | None,
        message: str,
        *,
        line: int | None = None,
    ) -> None:
        prefix = ""
        if node_id is not None:
            prefix = f"node {node_id!r}"
            if field:
                prefix += f", field {field!r}"
            prefix += ": "
        super().__init__(prefix + message)
        self.node_id = node_id
        self.field = field
        self.detail = message
        self.line = line

    def as_dict(self) -> dict[str, object]:
        problem: dict[str, object] = {
            "code": self.code,
            "node": self.node_id,
            "field": self.field,
            "message": self.detail,
        }
        if self.line is not None:
            problem["line"] = self.line
        return problem


class ExpressionError(PlanError):
    """An expression that does not parse; `position` is 1-based."""

    code = "expression_error"

    def __init__(
        self,
        node_id: str | None,
        field: str | None,
        message: str,
        *,
        position: int | None = None,
        expression: str = "",
    ) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(node_id, field, message + where)
        self.position = position
        self.expression = expression

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "position": self.position}


class RunCancelled(DataError):
    """A full run stopped because its cancel event was set."""

    code = "cancelled"
