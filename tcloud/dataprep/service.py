"""The rules of dataprep: preparations, their steps and their history.

A preparation is a dataset and an ordered list of steps. Every change of
the steps is checked by the runtime against the sample as the steps before
it leave it (`grid.check`): a step that does not fit is refused with the
parameter it names, and nothing is saved. Each saved list is also kept in
the preparation's history, which undo and redo walk.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from tcloud.dataprep import datasets, remote, store, workbench
from tcloud.dataprep.state import DataPrep
from tcloud.dataprep.workbench import STEP_KEYS
from tcloud.platform import audit
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import Conflict, FieldError, Invalid, NotFound
from tcloud.platform.ids import new_id, now_iso
from tcloud.runtime import prep

MAX_STEPS = 500
# the functions whose parameter is a row id of the sample
ROW_FUNCTIONS = frozenset({"delete_row", "make_header"})


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _steps_of(row: Row) -> list[dict[str, Any]]:
    return workbench.steps_of(row)


async def _view(ctx: TenantContext, row: Row) -> dict[str, Any]:
    low, high = await store.history_bounds(ctx.db, row["id"])
    view = {k: v for k, v in row.items() if k not in ("steps", "history_pos")}
    view["steps"] = _steps_of(row)
    view["can_undo"] = row["history_pos"] > low
    view["can_redo"] = row["history_pos"] < high
    return view


async def _row(ctx: TenantContext, prep_id: str) -> Row:
    row = await store.get_preparation(ctx.db, prep_id)
    if row is None:
        raise NotFound("no such preparation")
    return row


async def list_preparations(
    ctx: TenantContext, q: str, dataset_id: str, limit: int, offset: int
) -> dict[str, Any]:
    rows, total = await store.list_preparations(
        ctx.db, q=q, dataset_id=dataset_id, limit=limit, offset=offset
    )
    items = [await _view(ctx, r) for r in rows]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


async def get_preparation(ctx: TenantContext, prep_id: str) -> dict[str, Any]:
    return await _view(ctx, await _row(ctx, prep_id))


async def create_preparation(
    ctx: TenantContext, dp: DataPrep, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Make a preparation of a dataset, with steps checked if any are given."""
    dataset = await datasets.get(ctx, body["dataset_id"])
    steps = [_new_step(s) for s in body.get("steps") or []]
    if steps:
        steps, _ = await workbench.checked(
            ctx, dp, dataset["id"], dp.sample_rows, steps
        )
    prep_id, now = new_id("prp"), now_iso()
    async with ctx.db.transaction() as tx:
        await store.insert_preparation(tx, {
            "id": prep_id, "name": body["name"],
            "description": body.get("description", ""),
            "dataset_id": dataset["id"], "steps": _dumps(steps),
            "sample_rows": dp.sample_rows, "created_by": ctx.principal.id,
            "created_at": now, "updated_at": now,
        })  # fmt: skip
        await store.push_history(tx, prep_id, 0, _dumps(steps), "created", now)
        await audit.record(
            tx, ctx.actor, "preparation.create", "preparation", prep_id,
            body["name"], details={"dataset_id": dataset["id"]},
        )  # fmt: skip
    return await get_preparation(ctx, prep_id)


async def create_from_upload(
    ctx: TenantContext,
    dp: DataPrep,
    name: str,
    filename: str,
    chunks: Any,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Make a dataset of an uploaded file, then a preparation of it."""
    dataset = await datasets.from_upload(ctx, name, filename, chunks, options)
    return await create_preparation(
        ctx, dp, {"name": name, "dataset_id": dataset["id"]}
    )


async def update_preparation(
    ctx: TenantContext, dp: DataPrep, prep_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Rename, describe, or move a preparation to another dataset."""
    row = await _row(ctx, prep_id)
    _check_version(row, body)
    values: dict[str, Any] = {k: body[k] for k in ("name", "description") if k in body}
    if body.get("dataset_id") and body["dataset_id"] != row["dataset_id"]:
        dataset = await datasets.get(ctx, body["dataset_id"])
        steps, _ = await workbench.checked(
            ctx, dp, dataset["id"], row["sample_rows"], _steps_of(row)
        )
        values.update(dataset_id=dataset["id"], steps=_dumps(steps))
    if not values:
        return await _view(ctx, row)
    values.update(version=row["version"] + 1, updated_at=now_iso())
    async with ctx.db.transaction() as tx:
        await _same_version(tx, row)
        await store.update_preparation(tx, prep_id, values)
        await audit.record(
            tx, ctx.actor, "preparation.update", "preparation", prep_id,
            str(values.get("name", row["name"])),
            details={"fields": sorted(k for k in body if k != "version")},
        )  # fmt: skip
    return await get_preparation(ctx, prep_id)


async def copy_preparation(
    ctx: TenantContext, dp: DataPrep, prep_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply a preparation's steps to another dataset with the same columns.

    A step that names a row of this sample (a cell edit, a deleted row, the
    header row) means nothing on other data: it is refused, or skipped when
    the body asks for `skip_row_steps`, and the answer lists it.
    """
    row = await _row(ctx, prep_id)
    steps = _steps_of(row)
    dataset_id = body.get("dataset_id") or row["dataset_id"]
    skipped: list[dict[str, Any]] = []
    if dataset_id != row["dataset_id"]:
        steps, skipped = _without_row_steps(steps, bool(body.get("skip_row_steps")))
    steps = [{**s, "id": _step_id()} for s in steps]
    made = await create_preparation(
        ctx, dp, {"name": body["name"], "dataset_id": dataset_id, "steps": steps}
    )
    return {**made, "skipped": skipped}


def _without_row_steps(
    steps: list[dict[str, Any]], skip: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    kept, skipped = [], []
    for index, step in enumerate(steps):
        if not _names_a_row(step):
            kept.append(step)
            continue
        if not skip:
            message = (
                "names a row of this sample, which means nothing on another"
                " dataset; ask for skip_row_steps to leave it out"
            )
            raise Invalid(
                f"steps[{index}] ({step.get('function')}): {message}",
                fields=[FieldError(f"steps[{index}]", message)],
                extra={"step_id": step.get("id")},
            )
        skipped.append({"id": step.get("id"), "function": step.get("function")})
    return kept, skipped


def _names_a_row(step: Mapping[str, Any]) -> bool:
    scope = step.get("scope") or {}
    return scope.get("rows") is not None or step.get("function") in ROW_FUNCTIONS


async def delete_preparation(ctx: TenantContext, dp: DataPrep, prep_id: str) -> None:
    row = await _row(ctx, prep_id)
    async with ctx.db.transaction() as tx:
        await store.delete_preparation(tx, prep_id)
        await audit.record(
            tx, ctx.actor, "preparation.delete", "preparation", prep_id, row["name"]
        )
    dp.prepared.drop(lambda key: key[:2] == (ctx.tenant.id, prep_id))
    await remote.forget_sample(ctx, row["dataset_id"])


def _step_id() -> str:
    return "s_" + secrets.token_hex(4)


def _new_step(body: Mapping[str, Any]) -> dict[str, Any]:
    step = {k: body[k] for k in STEP_KEYS if k in body and body[k] is not None}
    step.setdefault("params", {})
    step.setdefault("enabled", True)
    return {"id": _step_id(), **step}


def _check_version(row: Row, body: Mapping[str, Any]) -> None:
    wanted = body.get("version")
    if wanted is not None and wanted != row["version"]:
        raise Conflict(
            f"the preparation is at version {row['version']}, not {wanted};"
            " reload it and try again"
        )


async def _same_version(tx: Any, row: Row) -> None:
    now = await tx.fetchval(
        "SELECT version FROM preparations WHERE id = ?", [row["id"]]
    )
    if now != row["version"]:
        raise Conflict("the preparation changed meanwhile; reload it and try again")


async def add_step(
    ctx: TenantContext, dp: DataPrep, prep_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Insert a step (at the end by default), checked against the sample."""
    row = await _row(ctx, prep_id)
    _check_version(row, body)
    steps = _steps_of(row)
    position = body.get("position")
    position = len(steps) if position is None else min(position, len(steps))
    step = _new_step(body["step"])
    steps.insert(position, step)
    label = f"add {step['function']}"
    return await _save(ctx, dp, row, steps, label, edited=position)


async def update_step(
    ctx: TenantContext,
    dp: DataPrep,
    prep_id: str,
    step_id: str,
    body: Mapping[str, Any],
) -> dict[str, Any]:
    """Change a step's parameters, target, scope or whether it is enabled."""
    row = await _row(ctx, prep_id)
    _check_version(row, body)
    steps = _steps_of(row)
    index = _index(steps, step_id)
    changed = dict(steps[index])
    for key in STEP_KEYS:
        if key in body:
            if body[key] is None:
                changed.pop(key, None)
            else:
                changed[key] = body[key]
    steps[index] = changed
    verb = "disable" if body.get("enabled") is False else "edit"
    return await _save(ctx, dp, row, steps, f"{verb} {changed['function']}", index)


async def delete_step(
    ctx: TenantContext, dp: DataPrep, prep_id: str, step_id: str
) -> dict[str, Any]:
    row = await _row(ctx, prep_id)
    steps = _steps_of(row)
    removed = steps.pop(_index(steps, step_id))
    return await _save(ctx, dp, row, steps, f"delete {removed['function']}")


async def move_step(
    ctx: TenantContext,
    dp: DataPrep,
    prep_id: str,
    step_id: str,
    body: Mapping[str, Any],
) -> dict[str, Any]:
    """Move a step to another position of the list."""
    row = await _row(ctx, prep_id)
    _check_version(row, body)
    steps = _steps_of(row)
    step = steps.pop(_index(steps, step_id))
    position = min(body["position"], len(steps))
    steps.insert(position, step)
    return await _save(ctx, dp, row, steps, f"move {step['function']}")


async def replace_steps(
    ctx: TenantContext, dp: DataPrep, prep_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Replace the whole list of steps (ids kept when given)."""
    row = await _row(ctx, prep_id)
    _check_version(row, body)
    steps = []
    for given in body["steps"]:
        step = _new_step(given)
        if given.get("id"):
            step["id"] = str(given["id"])
        steps.append(step)
    ids = [s["id"] for s in steps]
    if len(set(ids)) != len(ids):
        raise Invalid.field("steps", "step ids must be unique")
    return await _save(ctx, dp, row, steps, "replace steps")


def _index(steps: Sequence[Mapping[str, Any]], step_id: str) -> int:
    for i, step in enumerate(steps):
        if step.get("id") == step_id:
            return i
    raise NotFound("no such step in this preparation")


async def _save(
    ctx: TenantContext,
    dp: DataPrep,
    row: Row,
    steps: list[dict[str, Any]],
    label: str,
    edited: int | None = None,
) -> dict[str, Any]:
    if len(steps) > MAX_STEPS:
        raise Invalid.field("steps", f"a preparation holds at most {MAX_STEPS} steps")
    steps, prepared = await workbench.checked(
        ctx, dp, row["dataset_id"], row["sample_rows"], steps, edited
    )
    values = {
        "steps": _dumps(steps),
        "version": row["version"] + 1,
        "history_pos": row["history_pos"] + 1,
        "updated_at": now_iso(),
    }
    async with ctx.db.transaction() as tx:
        await _same_version(tx, row)
        await store.update_preparation(tx, row["id"], values)
        await store.push_history(
            tx, row["id"], values["history_pos"], values["steps"], label,
            values["updated_at"],
        )  # fmt: skip
        await audit.record(
            tx, ctx.actor, "preparation.steps", "preparation", row["id"],
            row["name"], details={"change": label, "steps": len(steps)},
        )  # fmt: skip
    await workbench.keep_prepared(ctx, dp, row, values["version"], prepared)
    return await get_preparation(ctx, row["id"])


async def undo(ctx: TenantContext, dp: DataPrep, prep_id: str) -> dict[str, Any]:
    """Go back to the step list before the last change."""
    return await _walk(ctx, prep_id, -1)


async def redo(ctx: TenantContext, dp: DataPrep, prep_id: str) -> dict[str, Any]:
    """Go forward again to the step list an undo left."""
    return await _walk(ctx, prep_id, +1)


async def _walk(ctx: TenantContext, prep_id: str, delta: int) -> dict[str, Any]:
    row = await _row(ctx, prep_id)
    entry = await store.history_entry(ctx.db, prep_id, row["history_pos"] + delta)
    if entry is None:
        raise Conflict("nothing to undo" if delta < 0 else "nothing to redo")
    values = {
        "steps": entry["steps"],
        "history_pos": entry["seq"],
        "version": row["version"] + 1,
        "updated_at": now_iso(),
    }
    async with ctx.db.transaction() as tx:
        await _same_version(tx, row)
        await store.update_preparation(tx, prep_id, values)
        await audit.record(
            tx, ctx.actor, "preparation.undo" if delta < 0 else "preparation.redo",
            "preparation", prep_id, row["name"],
        )  # fmt: skip
    return await get_preparation(ctx, prep_id)


async def history(ctx: TenantContext, prep_id: str) -> dict[str, Any]:
    row = await _row(ctx, prep_id)
    items = await store.history_labels(ctx.db, prep_id)
    return {"items": items, "position": row["history_pos"]}


async def fetch_more(
    ctx: TenantContext, dp: DataPrep, prep_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Read more of the dataset into the grid's sample."""
    row = await _row(ctx, prep_id)
    rows = body.get("rows") or row["sample_rows"] + dp.sample_rows
    rows = max(1, min(int(rows), workbench.MAX_SAMPLE))
    async with ctx.db.transaction() as tx:
        await store.update_preparation(tx, prep_id, {"sample_rows": rows})
    return await get_preparation(ctx, prep_id)


def functions() -> dict[str, Any]:
    """Return the catalogue of functions the grid's menus offer."""
    items = prep.functions()
    return {"items": items, "total": len(items)}
