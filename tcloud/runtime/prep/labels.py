"""What people read for a parameter: its label, its choices', when it shows.

The API names parameters for code (`from_format`, `other`); the grid's forms
show these labels instead. A parameter means the same in every function that
has it, so labels are kept by name here, once; a `Param(label=...)` overrides
one where a function gives the name another sense. Nothing here changes what
a step does: the server reads the names, never the labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LABELS = {
    "amount": "Amount",
    "amount_column": "Amounts from a column",
    "case_sensitive": "Match case",
    "character": "Character",
    "columns": "Columns",
    "count": "Number of columns",
    "dataset": "Dataset",
    "date": "Date",
    "decimals": "Decimals",
    "distance": "Largest distance",
    "filter": "Filter",
    "find": "Find",
    "format": "Date format of the column",
    "from_calendar": "From the calendar",
    "from_code": "From",
    "from_decimal": "Decimal separator read",
    "from_format": "Number format read",
    "from_index": "Start position",
    "from_mode": "Start at",
    "from_thousands": "Thousands separator read",
    "from_unit": "From the unit",
    "kind": "Kind of text",
    "language": "Language of the names",
    "lookup_key": "Key column in the other dataset",
    "mapping": "Replacements",
    "mode": "Fill with",
    "name": "Name",
    "op": "Comparison",
    "operand": "With",
    "operation": "Operation",
    "other": "Other column",
    "other_format": "Date format of the other column",
    "others": "Other columns",
    "padding": "Remove",
    "parts": "Parts",
    "pattern": "Pattern",
    "position": "Position",
    "precision": "Decimals to keep",
    "prefix": "Prefix",
    "region": "Region",
    "region_column": "Regions from a column",
    "regex": "Read as a regular expression",
    "repeated": "Collapse",
    "replace_with": "Replace with",
    "row": "Row",
    "semantic_type": "Semantic type",
    "separator": "Separator",
    "separator_when": "Separator between",
    "side": "Side",
    "since": "Since",
    "size": "Size",
    "source": "Fill with",
    "start": "Start",
    "step": "Step",
    "suffix": "Suffix",
    "to_calendar": "To the calendar",
    "to_code": "To",
    "to_decimal": "Decimal separator written",
    "to_format": "Number format written",
    "to_index": "End position",
    "to_mode": "End at",
    "to_thousands": "Thousands separator written",
    "to_unit": "To the unit",
    "type": "Type",
    "unit": "Unit",
    "value": "Value",
    "values": "Dictionary values",
    "whole_cell": "Match the whole cell",
}

_NUMBER_FORMATS = {
    "us": "US (1,234.5)",
    "european": "European (1.234,5)",
    "swiss": "Swiss (1'234.5)",
    "french": "French (1 234,5)",
    "custom": "custom separators",
}
_COUNTRY_CODES = {
    "name": "name",
    "alpha2": "ISO alpha-2 (FR)",
    "alpha3": "ISO alpha-3 (FRA)",
    "numeric": "ISO numeric (250)",
}
_TEMPERATURES = {"C": "Celsius", "F": "Fahrenheit", "K": "Kelvin"}

# Choices whose code is no word a person would pick from a list.
CHOICE_LABELS = {
    "op": {
        "eq": "equal to",
        "ne": "not equal to",
        "gt": "greater than",
        "ge": "greater than or equal to",
        "lt": "less than",
        "le": "less than or equal to",
    },
    "from_format": _NUMBER_FORMATS,
    "to_format": {**_NUMBER_FORMATS, "scientific": "scientific (1.2345E3)"},
    "from_code": _COUNTRY_CODES,
    "to_code": _COUNTRY_CODES,
    "language": {"en": "English", "fr": "French"},
    "mode": {
        "constant": "a constant",
        "copy": "a copy of a column",
        "sequence": "a sequence",
        "columns": "one column per match",
        "joined": "one column, matches joined",
    },
    "padding": {"character": "a character"},
    "repeated": {"character": "a character"},
    "operand": {"value": "a value", "column": "another column"},
    "source": {"value": "a value", "column": "another column"},
    "since": {"now": "now", "date": "a date", "column": "another column"},
    "from_mode": {
        "start": "the start",
        "index": "a position",
        "from_end": "a position from the end",
    },
    "to_mode": {
        "end": "the end",
        "index": "a position",
        "from_end": "a position from the end",
    },
    "separator_when": {
        "always": "every part",
        "both_not_empty": "non-empty parts only",
    },
    "format": {
        "international": "international (+33 1 23 45 67 89)",
        "national": "national (01 23 45 67 89)",
        "e164": "E.164 (+33123456789)",
        "rfc3966": "RFC 3966 (tel:+33-1-23-45-67-89)",
    },
    "unit": {"s": "seconds", "ms": "milliseconds"},
    "from_unit": _TEMPERATURES,
    "to_unit": _TEMPERATURES,
}

# A parameter shows only while the choice beside it (when the function has
# that choice) holds one of these values: `other` only for "another column".
SHOWN_WHEN = (
    ("value", "operand", ("value",)),
    ("other", "operand", ("column",)),
    ("value", "source", ("value",)),
    ("other", "source", ("column",)),
    ("date", "since", ("date",)),
    ("other", "since", ("column",)),
    ("other_format", "since", ("column",)),
    ("character", "padding", ("character",)),
    ("character", "repeated", ("character",)),
    ("pattern", "kind", ("regex",)),
    ("value", "separator", ("string", "regex")),
    ("separator", "mode", ("joined",)),
    ("count", "mode", ("columns",)),
    ("value", "mode", ("constant",)),
    ("source", "mode", ("copy",)),
    ("start", "mode", ("sequence",)),
    ("step", "mode", ("sequence",)),
    ("from_thousands", "from_format", ("custom",)),
    ("from_decimal", "from_format", ("custom",)),
    ("to_thousands", "to_format", ("custom",)),
    ("to_decimal", "to_format", ("custom",)),
    ("from_index", "from_mode", ("index", "from_end")),
    ("to_index", "to_mode", ("index", "from_end")),
    ("other", "position", ("before", "after")),
)


def label_of(name: str) -> str:
    """Return the label of a parameter name, or the name made readable."""
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def choice_label(name: str, choice: str) -> str:
    """Return the label of one choice of a parameter."""
    return CHOICE_LABELS.get(name, {}).get(choice) or choice.replace("_", " ")


def shown_when(
    name: str, choices: Mapping[str, tuple[str, ...]]
) -> dict[str, Any] | None:
    """Return the choice and values a parameter shows for, given its siblings'."""
    for param, control, values in SHOWN_WHEN:
        if param == name and set(values) <= set(choices.get(control, ())):
            return {"param": control, "values": list(values)}
    return None
