"""The grid's side of a preparation: its sample, the steps checked and
applied to it, pages of rows, column profiles and suggestions, the sheet of
a workbook, and the preparation as a pipeline's processor.

Samples and prepared samples are cached (`state.DataPrep`) by tenant,
preparation version and what the dataset's data and reading options are,
so a grid page after a change reads nothing again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import orjson
import polars as pl

from tcloud.dataprep import datasets, frames, grid, remote, store
from tcloud.dataprep.state import DataPrep
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import Conflict, FieldError, Invalid, NotFound
from tcloud.runtime import prep
from tcloud.runtime.errors import ReadError

STEP_KEYS = ("function", "column", "columns", "params", "enabled", "scope",
             "new_column")  # fmt: skip
MAX_SAMPLE = 100_000


def steps_of(row: Row) -> list[dict[str, Any]]:
    return orjson.loads(row["steps"])


async def _row(ctx: TenantContext, prep_id: str) -> Row:
    row = await store.get_preparation(ctx.db, prep_id)
    if row is None:
        raise NotFound("no such preparation")
    return row


async def grid_spec(
    ctx: TenantContext, dp: DataPrep, dataset_id: str, rows: int
) -> dict[str, Any]:
    """Return a local spec of what the grid reads: the file, or the engine's sample."""
    spec = await datasets.spec(ctx, dataset_id)
    if datasets.in_area(spec):
        return await datasets.local_spec(ctx, dp.files, dataset_id, spec)
    return await remote.sample_spec(ctx, dp, dataset_id, spec, rows)


async def sample_of(
    ctx: TenantContext, dp: DataPrep, dataset_id: str, rows: int
) -> tuple[dict[str, Any], pl.DataFrame]:
    spec = await grid_spec(ctx, dp, dataset_id, rows)
    key = (ctx.tenant.id, dataset_id, datasets.marker(spec), rows)
    found = dp.samples.get(key)
    if found is not None:
        return spec, found
    try:
        sample = await asyncio.to_thread(frames.head, spec, rows)
    except ReadError as exc:
        raise Conflict(f"the dataset cannot be read: {exc}") from None
    dp.samples.put(key, sample)
    return spec, sample


async def lookup_specs(
    ctx: TenantContext,
    dp: DataPrep,
    steps: Sequence[Mapping[str, Any]],
    edited: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Return the local spec of every dataset a lookup step names.

    The lookup's columns are checked here, where the dataset's name is
    known, so the error names the dataset as the user sees it.
    """
    specs: dict[str, dict[str, Any]] = {}
    for index, step in enumerate(steps):
        if step.get("function") != "lookup" or not step.get("enabled", True):
            continue
        params = step.get("params") or {}
        name = params.get("dataset")
        if not isinstance(name, str):
            continue
        where = "params" if index == edited else f"steps[{index}].params"
        try:
            dataset = await datasets.get(ctx, name)
        except NotFound:
            message = f"no dataset {name!r} to look up"
            raise Invalid(
                f"{where}.dataset: {message}",
                fields=[FieldError(f"{where}.dataset", message)],
            ) from None
        if name not in specs:
            specs[name] = await datasets.local_spec(ctx, dp.files, name)
        columns = await asyncio.to_thread(frames.columns, specs[name])
        _check_lookup(params, columns, dataset["name"], where)
    return specs


def _check_lookup(
    params: Mapping[str, Any], columns: Mapping[str, Any], dataset: str, where: str
) -> None:
    wanted = [("lookup_key", params.get("lookup_key"))]
    wanted += [("columns", c) for c in params.get("columns") or []]
    for parameter, column in wanted:
        if isinstance(column, str) and column not in columns:
            message = f"no column {column!r} in the dataset {dataset!r}"
            raise Invalid(
                f"{where}.{parameter}: {message}",
                fields=[FieldError(f"{where}.{parameter}", message)],
            )


def _compute(
    sample: pl.DataFrame,
    steps: list[dict[str, Any]],
    lookup_specs: dict[str, dict[str, Any]],
    freeze_at: int | None,
) -> tuple[list[dict[str, Any]], grid.Prepared]:
    with ExitStack() as stack:
        lookups = {k: frames.scan(s, stack).drop(prep.ROW_ID)
                   for k, s in lookup_specs.items()}  # fmt: skip
        return grid.check(sample, steps, lookups, freeze_at)


async def checked(
    ctx: TenantContext,
    dp: DataPrep,
    dataset_id: str,
    rows: int,
    steps: list[dict[str, Any]],
    edited: int | None = None,
) -> tuple[list[dict[str, Any]], grid.Prepared]:
    _, sample = await sample_of(ctx, dp, dataset_id, rows)
    specs = await lookup_specs(ctx, dp, steps, edited)
    try:
        return await asyncio.to_thread(_compute, sample, steps, specs, edited)
    except grid.StepProblem as problem:
        raise _invalid(problem, steps, edited) from None


def _invalid(
    problem: grid.StepProblem, steps: Sequence[Mapping[str, Any]], edited: int | None
) -> Invalid:
    error = problem.error
    parameter = error.parameter or "step"
    first = parameter.split(".")[0]
    top = first in STEP_KEYS or first in ("step", "steps")
    name = parameter if top else f"params.{parameter}"
    if edited is not None and problem.index == edited:
        return Invalid(
            f"{name}: {error.message}",
            fields=[FieldError(name, error.message)],
            extra={"step_id": error.step_id, **error.extra},
        )
    index = problem.index
    function = steps[index].get("function") if index < len(steps) else "?"
    return Invalid(
        f"step {index + 1} ({function}) does not apply: {name}: {error.message}",
        fields=[FieldError(f"steps[{index}].{name}", error.message)],
        extra={
            "step_id": steps[index].get("id") if index < len(steps) else None,
            **error.extra,
        },
    )


async def keep_prepared(
    ctx: TenantContext, dp: DataPrep, row: Row, version: int, prepared: Any
) -> None:
    spec = await grid_spec(ctx, dp, row["dataset_id"], row["sample_rows"])
    key = (ctx.tenant.id, row["id"], version, datasets.marker(spec), row["sample_rows"])
    dp.prepared.put(key, prepared)


async def prepared_sample(
    ctx: TenantContext, dp: DataPrep, prep_id: str
) -> tuple[Row, grid.Prepared]:
    """Return the preparation and its sample with every enabled step applied."""
    row = await _row(ctx, prep_id)
    spec = await grid_spec(ctx, dp, row["dataset_id"], row["sample_rows"])
    key = (ctx.tenant.id, prep_id, row["version"], datasets.marker(spec),
           row["sample_rows"])  # fmt: skip
    found = dp.prepared.get(key)
    if found is None:
        _, found = await checked(
            ctx, dp, row["dataset_id"], row["sample_rows"], steps_of(row)
        )
        dp.prepared.put(key, found)
    return row, found


async def grid_page(
    ctx: TenantContext,
    dp: DataPrep,
    prep_id: str,
    offset: int,
    limit: int,
    row_filter: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return rows of the prepared sample, the column headers and counts."""
    row, prepared = await prepared_sample(ctx, dp, prep_id)
    try:
        rows = await asyncio.to_thread(grid.page, prepared, offset, limit, row_filter)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise Invalid.field("filter", str(exc).splitlines()[0]) from None
    source_rows = await _source_rows(ctx, dp, row)
    return {
        "preparation_id": prep_id,
        "version": row["version"],
        "columns": grid.header(prepared),
        "total": prepared.frame.height,
        "sample_rows": row["sample_rows"],
        "sample_read": source_rows,
        "more": source_rows >= row["sample_rows"],
        **rows,
    }


async def _source_rows(ctx: TenantContext, dp: DataPrep, row: Row) -> int:
    _, sample = await sample_of(ctx, dp, row["dataset_id"], row["sample_rows"])
    return sample.height


async def source(ctx: TenantContext, dp: DataPrep, prep_id: str) -> dict[str, Any]:
    """Describe what the preparation reads: the dataset, its format, its sheets."""
    row = await _row(ctx, prep_id)
    dataset = await datasets.get(ctx, row["dataset_id"])
    spec = await datasets.spec(ctx, row["dataset_id"])
    if datasets.in_area(spec):
        spec = await datasets.local_spec(ctx, dp.files, row["dataset_id"], spec)
        sheets = await _sheets(spec)
    else:
        sheets = await remote.sheets(
            ctx, dp, row["dataset_id"], spec, row["sample_rows"]
        )
    options = spec.get("options") or {}
    return {
        "dataset_id": dataset["id"],
        "dataset_name": dataset["name"],
        "format": spec.get("format") or spec.get("kind"),
        "sheets": sheets,
        "sheet": options.get("sheet") or (sheets[0] if sheets else None),
    }


async def _sheets(spec: dict[str, Any]) -> list[str]:
    try:
        return await asyncio.to_thread(frames.sheets, spec)
    except ReadError as exc:
        raise Conflict(f"the dataset cannot be read: {exc}") from None


async def choose_sheet(
    ctx: TenantContext, dp: DataPrep, prep_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Read another sheet of the workbook; the steps must still apply to it."""
    row = await _row(ctx, prep_id)
    found = await source(ctx, dp, prep_id)
    if body["sheet"] not in found["sheets"]:
        raise Invalid.field("sheet", "is not a sheet of the workbook")
    dataset = await datasets.get(ctx, row["dataset_id"])
    previous = found["sheet"]
    await datasets.choose_sheet(ctx, dataset, body["sheet"])
    try:
        await checked(ctx, dp, row["dataset_id"], row["sample_rows"], steps_of(row))
    except Invalid:
        await datasets.choose_sheet(ctx, dataset, previous)
        raise
    return await source(ctx, dp, prep_id)


async def column_profile(
    ctx: TenantContext, dp: DataPrep, prep_id: str, column: str
) -> dict[str, Any]:
    _, prepared = await prepared_sample(ctx, dp, prep_id)
    _column(prepared, column)
    return await asyncio.to_thread(grid.profile, prepared, column)


async def column_suggestions(
    ctx: TenantContext, dp: DataPrep, prep_id: str, column: str
) -> dict[str, Any]:
    _, prepared = await prepared_sample(ctx, dp, prep_id)
    _column(prepared, column)
    items = await asyncio.to_thread(grid.suggestions, prepared, column)
    return {"items": items}


def _column(prepared: grid.Prepared, column: str) -> None:
    if column not in prepared.columns:
        raise NotFound(f"no column {column!r} in the prepared sample")


async def as_processor(
    ctx: TenantContext, dp: DataPrep, prep_id: str
) -> dict[str, Any]:
    """Return the preparation as a pipeline's "prepare" processor.

    `source_options` are the reading options that make a pipeline's source
    read the dataset as the grid does: a CSV with every column as text.
    """
    row = await _row(ctx, prep_id)
    steps = [s for s in steps_of(row) if s.get("enabled", True)]
    _, sample = await sample_of(ctx, dp, row["dataset_id"], row["sample_rows"])
    spec = await datasets.spec(ctx, row["dataset_id"])
    options: dict[str, Any] = {}
    if frames.is_csv(spec):
        names = [c for c in sample.columns if c != prep.ROW_ID]
        options = {"types": dict.fromkeys(names, "string")}
    return {
        "type": "prepare",
        "name": row["name"],
        "config": {"steps": steps},
        "source_options": options,
    }
