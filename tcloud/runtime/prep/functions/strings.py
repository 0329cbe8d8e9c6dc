"""Strings, advanced strings, split and extract."""

from __future__ import annotations

import re

import polars as pl

from tcloud.runtime.prep.context import StepContext
from tcloud.runtime.prep.pyvalues import levenshtein, per_pair, per_value, uuids
from tcloud.runtime.prep.registry import (
    ANY,
    MAX_COLUMNS,
    MAX_DISTANCE,
    MAX_SIZE,
    TEXT,
    Param,
    regex_problem,
    register,
)

SEPARATORS = {
    "comma": ",",
    "semicolon": ";",
    "space": " ",
    "tab": "\t",
    "pipe": "|",
}
_UNIT_SEP = "\x1f"
_CASE = Param("case_sensitive", "boolean", default=True)
_OPERAND = Param("operand", "choice", default="value", choices=("value", "column"))
_OTHER = Param(
    "other", "column", description="the other column, when operand is column"
)
PATTERNS = {
    "letters": r"^\p{L}+$",
    "upper": r"^\p{Lu}+$",
    "lower": r"^\p{Ll}+$",
    "digits": r"^\d+$",
    "alphanumeric": r"^[\p{L}\p{N}]+$",
}
URL_RE = (
    r"^(?:([A-Za-z][A-Za-z0-9+.\-]*):)?(?://(?:([^:@/]*)(?::([^@/]*))?@)?"
    r"([^:/?#]*)(?::(\d+))?)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$"
)
URL_PARTS = (
    "protocol",
    "user",
    "password",
    "host",
    "port",
    "path",
    "query",
    "fragment",
)
_PREFIXES = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_PREFIXES |= {"m": 1e-3, "µ": 1e-6, "n": 1e-9, "p": 1e-12}


def _operand_check(params, types):  # type: ignore[no-untyped-def]
    if params.get("operand") == "column" and not params.get("other"):
        return ("other", "is required when operand is column")
    if params.get("operand", "value") == "value" and params.get("value") is None:
        return ("value", "is required when operand is value")
    return None


@register(
    "upper_case", "strings", "Change to upper case", types=TEXT, new_column="upper"
)
def upper_case(ctx: StepContext) -> pl.Expr:
    """Change every letter to upper case."""
    return ctx.text().str.to_uppercase()


@register(
    "lower_case", "strings", "Change to lower case", types=TEXT, new_column="lower"
)
def lower_case(ctx: StepContext) -> pl.Expr:
    """Change every letter to lower case."""
    return ctx.text().str.to_lowercase()


@register(
    "proper_case", "strings", "Change to title case", types=TEXT, new_column="proper"
)
def proper_case(ctx: StepContext) -> pl.Expr:
    """Capitalise the first letter of each word and lower the rest."""
    return ctx.text().str.to_titlecase()


@register(
    "trim",
    "strings",
    "Remove trailing and leading characters",
    types=TEXT,
    params=(
        Param(
            "padding",
            "choice",
            default="whitespace",
            choices=("whitespace", "character"),
        ),
        Param("character", "string", description="the padding character to remove"),
    ),
    check=lambda p, t: (
        ("character", "is required when padding is character")
        if p["padding"] == "character" and not p.get("character")
        else None
    ),
)
def trim(ctx: StepContext) -> pl.Expr:
    """Remove whitespace or a padding character at both ends (column or "*")."""
    if ctx["padding"] == "character":
        return ctx.text().str.strip_chars(ctx["character"])
    return ctx.text().str.strip_chars()


@register(
    "cut",
    "strings",
    "Remove the text matching a pattern",
    types=TEXT,
    params=(Param("pattern", "regex", required=True),),
)
def cut(ctx: StepContext) -> pl.Expr:
    """Remove every part of the text that matches a regular expression."""
    return ctx.text().str.replace_all(ctx["pattern"], "")


def _find_pattern(find: str, regex: bool, case_sensitive: bool) -> str:
    pattern = find if regex else re.escape(find)
    return pattern if case_sensitive else f"(?i){pattern}"


@register(
    "replace",
    "strings",
    "Find and replace",
    types=TEXT,
    new_column="replaced",
    params=(
        Param("find", "string", required=True),
        Param("replace_with", "string", default=""),
        Param("regex", "boolean", default=False),
        Param("whole_cell", "boolean", default=False),
        _CASE,
    ),
    check=lambda p, t: (
        ("find", "is not a valid regular expression")
        if p["regex"] and _bad_regex(p["find"])
        else None
    ),
)
def replace(ctx: StepContext) -> pl.Expr:
    """Replace a value or pattern, in part of the cell or the whole cell."""
    pattern = _find_pattern(ctx["find"], ctx["regex"], ctx["case_sensitive"])
    if ctx["whole_cell"]:
        hit = ctx.text().str.contains(f"^(?:{pattern})$")
        return pl.when(hit).then(pl.lit(ctx["replace_with"])).otherwise(ctx.text())
    if not ctx["regex"] and ctx["case_sensitive"]:
        return ctx.text().str.replace_all(
            ctx["find"], ctx["replace_with"], literal=True
        )
    replacement = ctx["replace_with"]
    if not ctx["regex"]:
        replacement = replacement.replace("$", "$$")
    return ctx.text().str.replace_all(pattern, replacement)


def _bad_regex(pattern: str) -> bool:
    return regex_problem(pattern) is not None


@register(
    "set_value",
    "strings",
    "Replace the cell value",
    params=(Param("value", "any", required=True, label="New value"),),
)
def set_value(ctx: StepContext) -> pl.Expr:
    """Set a value in the cells of the scope (one cell with scope rows)."""
    from tcloud.runtime.prep.exprs import literal_like

    return literal_like(ctx["value"], ctx.dtype)


_SUB_FROM = ("start", "index", "from_end")
_SUB_TO = ("end", "index", "from_end")


@register(
    "substring",
    "strings",
    "Extract a part of the text",
    types=TEXT,
    new_column="substring",
    params=(
        Param("from_mode", "choice", default="start", choices=_SUB_FROM),
        Param("from_index", "integer", default=0, minimum=0, maximum=MAX_SIZE),
        Param("to_mode", "choice", default="end", choices=_SUB_TO),
        Param("to_index", "integer", default=0, minimum=0, maximum=MAX_SIZE),
    ),
)
def substring(ctx: StepContext) -> pl.Expr:
    """Keep the characters from a start to an end (0-based, end excluded)."""
    txt = ctx.text()
    size = txt.str.len_chars().cast(pl.Int64)
    start = {
        "start": pl.lit(0, pl.Int64),
        "index": pl.lit(ctx["from_index"], pl.Int64),
        "from_end": size - ctx["from_index"],
    }[ctx["from_mode"]]
    end = {
        "end": size,
        "index": pl.lit(ctx["to_index"], pl.Int64),
        "from_end": size - ctx["to_index"],
    }[ctx["to_mode"]]
    start = start.clip(0)
    return txt.str.slice(start, (end - start).clip(0))


@register(
    "length", "strings", "Count the characters", new_column="length", creates=True
)
def length(ctx: StepContext) -> pl.Expr:
    """Write the number of characters of the text to a new integer column."""
    return ctx.text().str.len_chars().cast(pl.Int64)


@register(
    "contains",
    "strings",
    "Test if the text contains a value",
    new_column="contains",
    creates=True,
    params=(_OPERAND, Param("value", "string"), _OTHER, _CASE),
    check=_operand_check,
)
def contains(ctx: StepContext) -> pl.Expr:
    """Tell whether the text contains a constant or the other column's text."""
    txt = ctx.text()
    needle = (
        ctx.text(ctx["other"]) if ctx["operand"] == "column" else pl.lit(ctx["value"])
    )
    if not ctx["case_sensitive"]:
        txt, needle = txt.str.to_lowercase(), needle.str.to_lowercase()
    return txt.str.contains(needle, literal=True)


@register(
    "matches_pattern",
    "strings",
    "Test if the text matches a pattern",
    new_column="matches",
    creates=True,
    params=(
        Param("kind", "choice", default="regex", choices=(*PATTERNS, "regex")),
        Param("pattern", "regex", description="the regular expression, kind regex"),
    ),
    check=lambda p, t: (
        ("pattern", "is required when kind is regex")
        if p["kind"] == "regex" and not p.get("pattern")
        else None
    ),
)
def matches_pattern(ctx: StepContext) -> pl.Expr:
    """Tell whether the whole text is letters, digits, ... or fits a regex."""
    pattern = PATTERNS.get(ctx["kind"]) or f"^(?:{ctx['pattern']})$"
    return ctx.text().str.contains(pattern)


@register(
    "fuzzy_match",
    "strings",
    "Test if the text is close to a value",
    new_column="fuzzy",
    creates=True,
    vectorised=False,
    note="Levenshtein distance in Python, once per distinct value (or pair).",
    params=(
        _OPERAND,
        Param("value", "string"),
        _OTHER,
        Param("distance", "integer", default=1, minimum=0, maximum=MAX_DISTANCE),
    ),
    check=_operand_check,
)
def fuzzy_match(ctx: StepContext) -> pl.Expr:
    """Tell whether the text is within a Levenshtein distance of a value."""
    limit = ctx["distance"]
    if ctx["operand"] == "column":
        return per_pair(
            ctx.text(),
            ctx.text(ctx["other"]),
            lambda a, b: None if a is None or b is None else _close(a, b, limit),
            pl.Boolean(),
        )
    value = ctx["value"]
    return per_value(ctx.text(), lambda a: _close(a, value, limit), pl.Boolean())


def _close(a: str, b: str, limit: int) -> bool:
    return levenshtein(a, b, limit) <= limit


@register(
    "collapse_repeated",
    "strings",
    "Remove consecutive repeated characters",
    types=TEXT,
    params=(
        Param(
            "repeated",
            "choice",
            default="whitespace",
            choices=("whitespace", "character"),
        ),
        Param("character", "string"),
    ),
)
def collapse_repeated(ctx: StepContext) -> pl.Expr:
    """Collapse runs of whitespace to one space, or runs of a chosen character."""
    if ctx["repeated"] == "character" and ctx["character"]:
        char = ctx["character"]
        return ctx.text().str.replace_all(
            f"(?:{re.escape(char)}){{2,}}", char, literal=False
        )
    return ctx.text().str.replace_all(r"\s{2,}", " ")


@register(
    "normalize", "advanced strings", "Normalize", types=TEXT, new_column="normalized"
)
def normalize(ctx: StepContext) -> pl.Expr:
    """Strip accents and change to lower case ("François" becomes "francois")."""
    return (
        ctx.text()
        .str.normalize("NFD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
    )


@register(
    "remove_non_alphanumeric",
    "advanced strings",
    "Remove non alphanumeric characters",
    types=TEXT,
    new_column="alnum",
)
def remove_non_alphanumeric(ctx: StepContext) -> pl.Expr:
    """Keep letters and digits only."""
    return ctx.text().str.replace_all(r"[^\p{L}\p{N}]", "")


@register(
    "keep_number_characters",
    "advanced strings",
    "Remove non numeric characters",
    types=TEXT,
    new_column="numeric",
)
def keep_number_characters(ctx: StepContext) -> pl.Expr:
    """Keep only digits, signs and decimal separators."""
    return ctx.text().str.replace_all(r"[^0-9.,+\-]", "")


@register(
    "pad",
    "advanced strings",
    "Pad the text to a size",
    new_column="padded",
    params=(
        Param("size", "integer", required=True, minimum=0, maximum=MAX_SIZE),
        Param("character", "string", default=" "),
        Param("side", "choice", default="left", choices=("left", "right")),
    ),
    check=lambda p, t: (
        ("character", "must be one character")
        if len(p.get("character") or "") != 1
        else None
    ),
)
def pad(ctx: StepContext) -> pl.Expr:
    """Pad the text to a size with a character on the left (zip codes) or right."""
    if ctx["side"] == "left":
        return ctx.text().str.pad_start(ctx["size"], ctx["character"])
    return ctx.text().str.pad_end(ctx["size"], ctx["character"])


@register(
    "replace_cluster_values",
    "advanced strings",
    "Replace similar values by their survivor",
    params=(
        Param("mapping", "mapping", required=True, description="value to survivor"),
    ),
    check=lambda p, t: (
        ("mapping", "values must be text")
        if not all(isinstance(v, str) for v in (p["mapping"] or {}).values())
        else None
    ),
)
def replace_cluster_values(ctx: StepContext) -> pl.Expr:
    """Replace each clustered value with the survivor the user confirmed.

    `tcloud.runtime.prep.clusters.cluster` proposes the clusters; the step
    stores the confirmed mapping, so the full run replaces exactly it.
    """
    mapping = {str(k): v for k, v in ctx["mapping"].items()}
    return ctx.text().replace(mapping)


@register(
    "generate_uuid",
    "advanced strings",
    "Generate a UUID",
    new_column="uuid",
    creates=True,
    vectorised=False,
    note="polars has no UUID expression: Python's uuid4 per row, per batch.",
)
def generate_uuid(ctx: StepContext) -> pl.Expr:
    """Write a random UUID per row to a new column."""
    return uuids()


@register(
    "split",
    "split",
    "Split the text in parts",
    kind="columns",
    types=ANY,
    params=(
        Param(
            "separator",
            "choice",
            default="comma",
            choices=(*SEPARATORS, "string", "regex"),
        ),
        Param("value", "string", description="the separator, for string or regex"),
        Param(
            "parts",
            "integer",
            default=2,
            label="Number of parts",
            minimum=2,
            maximum=MAX_COLUMNS,
        ),
    ),
    check=lambda p, t: (
        ("value", "is required for this separator")
        if p["separator"] in ("string", "regex") and not p.get("value")
        else ("value", "is not a valid regular expression")
        if p["separator"] == "regex" and _bad_regex(p["value"])
        else None
    ),
)
def split(ctx: StepContext) -> list[pl.Expr]:
    """Split on a separator into N new columns; the last part keeps the rest."""
    txt, sep = ctx.text(), SEPARATORS.get(ctx["separator"], ctx["value"])
    if ctx["separator"] == "regex":
        txt, sep = txt.str.replace_all(ctx["value"], _UNIT_SEP), _UNIT_SEP
    parts = txt.str.splitn(sep, ctx["parts"])
    return [
        parts.struct.field(f"field_{i}").alias(f"{ctx.column}_{i + 1}")
        for i in range(ctx["parts"])
    ]


@register(
    "extract_tokens",
    "split",
    "Extract the parts matching a pattern",
    kind="columns",
    params=(
        Param("pattern", "regex", required=True),
        Param(
            "mode",
            "choice",
            default="columns",
            choices=("columns", "joined"),
            label="Write to",
        ),
        Param(
            "count",
            "integer",
            default=2,
            description="columns to create",
            minimum=1,
            maximum=MAX_COLUMNS,
        ),
        Param("separator", "string", default=" ", description="for mode joined"),
    ),
)
def extract_tokens(ctx: StepContext) -> list[pl.Expr]:
    """Extract every match of a pattern, into several columns or one joined."""
    tokens = ctx.text().str.extract_all(ctx["pattern"])
    if ctx["mode"] == "joined":
        return [tokens.list.join(ctx["separator"]).alias(f"{ctx.column}_tokens")]
    return [
        tokens.list.get(i, null_on_oob=True).alias(f"{ctx.column}_token_{i + 1}")
        for i in range(ctx["count"])
    ]


@register("split_email", "split", "Split an email address", kind="columns", types=TEXT)
def split_email(ctx: StepContext) -> list[pl.Expr]:
    """Split an email into its local part and domain (invalid: both empty)."""
    pattern = r"^\s*([^@\s]+)@([^@\s]+\.[^@\s]+)\s*$"
    return [
        ctx.text().str.extract(pattern, 1).alias(f"{ctx.column}_local"),
        ctx.text().str.extract(pattern, 2).alias(f"{ctx.column}_domain"),
    ]


@register("split_url", "split", "Split a URL in parts", kind="columns", types=TEXT)
def split_url(ctx: StepContext) -> list[pl.Expr]:
    """Split a URL into protocol, user, password, host, port, path, query, fragment."""
    txt = ctx.text().str.strip_chars()
    return [
        pl.when(txt.str.contains("://"))
        .then(txt.str.extract(URL_RE, i + 1))
        .alias(f"{ctx.column}_{part}")
        for i, part in enumerate(URL_PARTS)
    ]


@register(
    "extract_number",
    "split",
    "Extract the first number",
    new_column="number",
    creates=True,
)
def extract_number(ctx: StepContext) -> pl.Expr:
    """Extract the first number ("." or "," decimals, k M G or m µ n prefixes)."""
    prefixes = "".join(_PREFIXES)
    pattern = rf"([+-]?\d+(?:[.,]\d+)?)\s?([{prefixes}])?(?:[^\p{{L}}]|$)"
    txt = ctx.text()
    value = txt.str.extract(pattern, 1).str.replace(",", ".").cast(pl.Float64)
    factor = txt.str.extract(pattern, 2).replace_strict(
        _PREFIXES, default=1.0, return_dtype=pl.Float64
    )
    return value * factor
