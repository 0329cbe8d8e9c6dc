"""Errors of the preparation runtime.

ValueError
 |- PrepError    a step cannot be added or applied: it names the step and
 |               the parameter or column that is wrong, for the UI to point at
 '- ExportError  an export cannot be written as asked (encoding, size, ...)
"""

from __future__ import annotations

from typing import Any


class PrepError(ValueError):
    """A step that cannot be applied as written."""

    code = "prep.invalid_step"
    status = 422

    def __init__(
        self,
        step_id: str | None,
        parameter: str | None,
        message: str,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(f"step {step_id}: {parameter}: {message}")
        self.step_id = step_id
        self.parameter = parameter
        self.message = message
        # data the UI can offer, such as the candidate formats of a date
        self.extra = extra or {}

    def fields(self) -> dict[str, str | None]:
        """Return the fields a problem document carries."""
        return {
            "step_id": self.step_id,
            "parameter": self.parameter,
            "message": self.message,
        }


class ExportError(ValueError):
    """An export that cannot be written as asked."""

    code = "prep.export_failed"
    status = 422
