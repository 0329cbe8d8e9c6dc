"""Render the function catalogue as docs/dataprep-functions.md.

    python -m tcloud.runtime.prep.catalogue > docs/dataprep-functions.md

A test checks the file is what this renders, so the docs follow the code.
"""

from __future__ import annotations

from tcloud.runtime.prep import REGISTRY
from tcloud.runtime.prep.registry import Function, Param

CATEGORIES = (
    "strings",
    "advanced strings",
    "split",
    "math",
    "numbers",
    "dates",
    "boolean",
    "cleansing",
    "columns",
    "filtered rows",
    "blending",
    "masking",
    "phones",
    "conversions",
    "deduplication",
)

INTRO = """\
# Data preparation functions

Generated from the registry by `python -m tcloud.runtime.prep.catalogue`;
`tests/runtime/prep/test_prep_catalogue.py` fails when this page and the code
disagree. The runtime is `tcloud.runtime.prep`; the grid, the full run and the
pipeline's "prepare" processor all call `apply(lf, steps, lookups=None)`, so
they give the same result.

## Steps

A preparation is an ordered list of steps:

```json
{"id": "s1", "function": "trim", "column": "name", "params": {},
 "enabled": true, "new_column": null,
 "scope": {"filter": {"column": "country", "op": "equals", "value": "FR"}}}
```

- `column` names the target; `columns` (a list, or `["*"]` for every column
  the function applies to) applies a cell function to several at once.
- `new_column`: `true` writes to `<column>_<suffix>` placed right after the
  source; a string names the new column. Functions marked *creates* always
  write a new column.
- `scope`: `{"filter": spec}` limits the step to the rows the filter selects,
  `{"rows": [ids]}` to rows by id (0-based position in the source, kept
  through deletions; `with_row_ids` adds them as `__row_id`). Cells outside
  the scope keep their value; when the step changes the column's type, the
  column becomes text so both kinds of cell fit.
- `enabled: false` skips the step; order is the list's order.
- `validate_step(step, schema)` raises `PrepError(step_id, parameter,
  message)` naming the wrong parameter, or `column`. The schema maps columns
  to polars dtypes (text columns accept every function) or to inferred type
  names (`string`, `integer`, `decimal`, `boolean`, `date`, `datetime`),
  which restrict functions to the types they apply to. When a step is added
  the grid also passes the types inferred from the sample's text columns,
  so math on a column of names or dates is refused naming `column` and the
  type it holds; the "column types" below are the one list checked.
- Count-like parameters have bounds, shown below as "from ... to ...":
  at most 100 columns made by `split` and `extract_tokens`, sizes and
  indexes up to 10,000, 15 decimals, edit distances up to 20.

## Filters

`compile_filter(spec, schema)` gives one boolean polars expression, used by
the grid and by scopes: `{"and": [...]}`, `{"or": [...]}`, `{"not": spec}`,
and leaves `{"column", "op", ...}` with op `contains` (`value`,
`case_sensitive`), `equals`, `in` (`values`), `range` (`min`, `max`, numbers
or ISO dates with `type`), `pattern` (an Aa9 shape), `matches` (a regex),
`empty`, `invalid` and `valid` (with the column `type`).

## Types and dates

A column's type is the dominant type of its non-empty values when it holds
at least half of them, else `string`. A date column gets one format chosen
from all its values; ISO (year-first) values are only tried with year-first
formats; when day-first and month-first read exactly the same values the
type is `date` with no format and both in `ambiguous`, and date functions
asked to infer refuse with an error on `format` until one is chosen.
Formats are strftime (`%d/%m/%Y`) or `yyyy-MM-dd` style patterns. A step
whose `format` is `infer` reads the first 1,000 rows of the plan at that
step; `freeze(step, sample)`, called when the step is added, writes the
inferred format into the step so every later run reads dates the same way.

Math functions read text columns as plain numbers (`1234.5`, `-3e2`, spaces
around allowed); text that is not one becomes empty, and the result is a
Float64 column (integer columns stay integers where the operation keeps
them whole). Convert `1.234,5` and the like with `change_number_format`
first. `change_type` empties the values that do not fit the new type; the
quality bar shows how many before the step is added. Date functions that
write text keep values that do not parse as they were.

## Vectorisation

Every function builds polars expressions, except those marked *Python*
below: there is no polars expression for Levenshtein distance, SHA-256,
UUIDs or phone numbers, so these call Python once per distinct value of a
batch (UUIDs once per row). `delete_empty_columns` and `make_header` read
the data once when the plan is built, to learn the columns.

## The column header

- `infer_types(df)` / `infer_type(series)`: a `ColumnType(name, format,
  ambiguous)` per column.
- `quality(df, types)`: `{column: {"valid", "invalid", "empty"}}`; a cell is
  empty when null or blank, valid when it reads as the column's type.
- `profile(df, column, type)`: `count`, `empty`, `distinct`, `duplicates`
  (non-empty cells minus distinct values), `top_values`, `patterns` (Aa9
  shapes: upper letters A, lower a, digits 9), and for numbers and dates
  `min`, `max`, `mean`, `quantiles` (0.25, 0.5, 0.75) and a ten-bin
  `histogram`.
- Dates in a profile are ISO dates (`2023-12-31`), datetimes ISO without a
  zero fraction (`2023-12-31T10:30:00`). In the grid's rows and profiles,
  integers beyond ±(2**53 - 1) are sent as strings: a JSON number that
  large loses digits in a browser (9007199254740993 would show ...992).
- `suggest(df, column, type)`: up to five steps, best first, each with the
  function's `label` and a `reason` in plain words ("2 of 10 cells have no
  value"): `change_date_pattern` to ISO for other date formats and
  `change_number_format` for European numbers (`1.234,56`) first, `trim`
  for stray spaces, `collapse_repeated`, case changes for mixed case,
  `fill_empty` / `delete_empty_rows` for empty cells, `clear_invalid` /
  `delete_invalid_rows` / `fill_invalid` for invalid ones.
- `clusters.cluster(df, column, method)`: groups of similar values
  (`fingerprint` or `phonetic`, Soundex) with a proposed survivor;
  `clusters.mapping_of(confirmed)` is the `mapping` of a
  `replace_cluster_values` step.

## Exports

`tcloud.runtime.prep.export`: `export(lf, path, fmt, **options)` with fmt
`csv` (`delimiter`, `quote`, `encoding` such as `utf-8`, `utf-8-sig` for a
BOM, `latin-1`; `formula_guard` on by default), `xlsx`, `parquet`, `hyper`
(Tableau, through the `tableauhyperapi` package). Every export is written to
a hidden file beside the target and renamed over it when complete. CSV and
Parquet stream through polars sinks; floats are written with every digit,
text stays text (leading zeros kept). The formula guard prefixes `'` to a
text cell starting with `=`, `+`, `-`, `@`, tab or carriage return unless
the cell is only a number. XLSX cells of text are always written as text,
never formulas; integers beyond 2**53 are written as text so no digit is
rounded away; a sheet holds at most 1,048,576 rows.

## Functions
"""


# (reference line, functions that cover it)
COVERAGE: tuple[tuple[str, str], ...] = (
    (
        "upper, lower, proper case",
        "`upper_case`, `lower_case`, `proper_case`",
    ),
    (
        "trim whitespace or a padding character, column or table",
        '`trim` (`columns: ["*"]`)',
    ),
    (
        "cut, replace (part, whole cell, regex), one cell's value",
        "`cut`, `replace`, `set_value` with `scope.rows`",
    ),
    (
        "substring, length, contains, matches a pattern, fuzzy match",
        "`substring`, `length`, `contains`, `matches_pattern`, `fuzzy_match`",
    ),
    (
        "collapse repeated characters",
        "`collapse_repeated`",
    ),
    (
        "normalize, non-alphanumeric, number characters, pad",
        "`normalize`, `remove_non_alphanumeric`, `keep_number_characters`, `pad`",
    ),
    (
        "cluster similar values",
        "`clusters.cluster`, then `replace_cluster_values`",
    ),
    (
        "UUID",
        "`generate_uuid`",
    ),
    (
        "split, regex tokens, email, URL, first number",
        "`split`, `extract_tokens`, `split_email`, `split_url`, `extract_number`",
    ),
    (
        "abs, negate, sqrt, exp, log10, ln, cos, sin, tan",
        (
            "`absolute`, `negate`, `square_root`, `exponential`, `log10`, "
            "`natural_log`, `cosine`, `sine`, `tangent`"
        ),
    ),
    (
        "add, subtract, multiply, divide, max, min, power, modulo",
        (
            "`add`, `subtract`, `multiply`, `divide`, `maximum`, `minimum`, "
            "`power`, `modulo`"
        ),
    ),
    (
        "round half-up, floor, ceil, truncate",
        "`round_half_up`, `round_floor`, `round_ceil`, `truncate_number`",
    ),
    (
        "number format, compare, blank negatives, sequence",
        (
            "`change_number_format`, `compare_numbers`, `blank_negative`, "
            "`generate_sequence`"
        ),
    ),
    (
        "date pattern, parts, time since, add/subtract, compare, epoch",
        (
            "`change_date_pattern`, `extract_date_parts`, `time_since`, "
            "`date_calculate`, `compare_dates`, `epoch_to_date`"
        ),
    ),
    (
        "calendars",
        "`convert_calendar`",
    ),
    (
        "negate a boolean",
        "`negate_boolean`",
    ),
    (
        "delete empty, invalid, matching, negative rows",
        (
            "`delete_empty_rows`, `delete_invalid_rows`, `delete_matching_rows`, "
            "`delete_negative_rows`"
        ),
    ),
    (
        "delete fully empty rows, empty columns, one row",
        "`delete_fully_empty_rows`, `delete_empty_columns`, `delete_row`",
    ),
    (
        "clear invalid or matching cells; fill empty, invalid; fill down",
        "`clear_invalid`, `clear_matching`, `fill_empty`, `fill_invalid`, `fill_down`",
    ),
    (
        "make a row the header; standardize to a dictionary",
        "`make_header`, `standardize_value` (entries given by the caller)",
    ),
    (
        "delete, rename, copy, swap, reorder, create, concatenate",
        (
            "`delete_column`, `rename_column`, `copy_column`, `swap_columns`, "
            "`reorder_column`, `create_column`, `concatenate`"
        ),
    ),
    (
        "change type or semantic type",
        "`change_type`, `set_semantic_type` (metadata only)",
    ),
    (
        "filtered rows: delete or keep",
        "`delete_filtered`, `keep_filtered`",
    ),
    (
        "lookup",
        "`lookup`",
    ),
    (
        "mask, SHA-256",
        "`mask`, `hash_sha256`",
    ),
    (
        "phones: format, extract",
        "`format_phone`, `extract_phone_parts`",
    ),
    (
        "temperature, distance, duration, country",
        (
            "`convert_temperature`, `convert_distance`, `convert_duration`, "
            "`convert_country`"
        ),
    ),
    (
        "delete duplicate rows",
        "`delete_duplicates`",
    ),
)


def _param(p: Param) -> str:
    bits = [f"`{p.name}`", p.type]
    if p.required:
        bits.append("required")
    if p.default is not None and p.default != "":
        bits.append(f"default `{p.default}`")
    if p.minimum is not None or p.maximum is not None:
        bits.append(f"from {_bound(p.minimum)} to {_bound(p.maximum)}")
    if p.choices:
        bits.append("one of " + ", ".join(f"`{c}`" for c in p.choices))
    text = " ".join(bits[:2]) + (", " + ", ".join(bits[2:]) if bits[2:] else "")
    return text + (f": {p.description}" if p.description else "")


def _bound(value: float | None) -> str:
    return "any" if value is None else f"{value:,}"


def _row(f: Function) -> str:
    params = "<br>".join(_param(p) for p in f.params) or "none"
    notes = []
    if f.creates:
        notes.append(f"creates `_{f.new_column}`")
    elif f.new_column:
        notes.append(f"new column `_{f.new_column}`")
    if not f.vectorised:
        notes.append("Python")
    if not f.scoped:
        notes.append("all rows")
    types = (
        "any"
        if "string" in f.types and "integer" in f.types
        else ", ".join(sorted(f.types - {"any"}))
    )
    return (
        f"| `{f.name}` | {f.description} | {f.kind} | {types} | {params} "
        f"| {'; '.join(notes)} |"
    )


def markdown() -> str:
    """Return the catalogue page."""
    lines = [INTRO]
    lines.append(f"{len(REGISTRY)} functions.\n")
    for category in CATEGORIES:
        functions = [f for f in REGISTRY.values() if f.category == category]
        lines.append(f"### {category.capitalize()}\n")
        lines.append(
            "| function | what it does | kind | column types | parameters | notes |"
        )
        lines.append("|---|---|---|---|---|---|")
        lines.extend(_row(f) for f in functions)
        lines.append("")
    lines.append("## The reference catalogue, line by line\n")
    lines.append("| reference | functions |")
    lines.append("|---|---|")
    lines.extend(f"| {ref} | {names} |" for ref, names in COVERAGE)
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
