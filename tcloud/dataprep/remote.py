"""Datasets read through the tenant's engine: their samples and full copies.

The server never opens a folder, a bucket or a database a user named. The
grid's sample of such a dataset is asked of one of the tenant's engines
(`data.sample`, through the gateway the pipelines app uses), written as
Parquet into the blob store, sealed with the tenant's key, and decrypted
into the local copies beside the file-area ones. It is kept until the
dataset's spec changes or the grid wants more rows than were asked.

A full run first has an engine copy the whole dataset into the file area
as Parquet: a two-node pipeline of the pipelines app (made once per
dataset, a new version when the dataset changes), run by its own run path
as an execution of the engines app. The copy is fetched into the run's
folder and deleted from the area; whatever the execution uploaded is
deleted whatever the outcome, so nothing of it stays visible.

A CSV is read with every column as text, as the grid reads a file-area CSV,
so no row is rejected for a type and the sample and the copy agree.

A websocket message holds 4 MiB at most, so a sample comes in pages of as
many rows as about 3 MiB of them hold, measured on a first small sample;
each page asks the engine for the rows from an offset on
(tests/dataprep/test_engine.py::test_a_wide_sample_comes_in_pages).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tcloud import log
from tcloud.dataprep import datasets, runs, store
from tcloud.engine.data import SAMPLE, frame_from
from tcloud.engines import service as engines
from tcloud.pipelines import flows, gateway
from tcloud.pipelines import service as pipelines
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import Conflict, NotFound
from tcloud.platform.ids import new_id, now_iso

if TYPE_CHECKING:
    from tcloud.dataprep.state import DataPrep
    from tcloud.engines.hub import Hub

PROBE_ROWS = 200
REPLY_BUDGET = 3 << 20  # bytes of rows in one reply; the hub takes 4 MiB
MARGIN = 1.5  # rows further down may be wider than the first ones
COPY_STAGE = "reading the dataset through the engine"
FINAL = ("succeeded", "failed", "cancelled", "lost")
CANCEL_WAIT = 30.0  # seconds an engine has to stop a cancelled copy


class EngineFailed(Exception):
    """The engine could not copy the dataset; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def hub_of(dp: DataPrep) -> Hub:
    if dp.hub is None:
        raise gateway.NoEngine(
            "no engine of this tenant is connected: start or pair one"
        )
    return dp.hub


def require_engine(ctx: TenantContext, dp: DataPrep) -> None:
    """Answer 503 now if no engine of the tenant is connected."""
    gateway.pick(hub_of(dp), ctx.tenant.id)


async def sample_spec(
    ctx: TenantContext, dp: DataPrep, dataset_id: str, spec: Row, rows: int
) -> dict[str, Any]:
    """Return a local spec of the dataset's engine sample of (up to) `rows` rows."""
    kept = await kept_sample(ctx, dp, dataset_id, spec, rows)
    path = await dp.files.blob_path(
        ctx, kept["blob_key"], kept["sha256"], "sample.parquet"
    )
    return {"kind": "file", "format": "parquet", "path": str(path)}


async def sheets(
    ctx: TenantContext, dp: DataPrep, dataset_id: str, spec: Row, rows: int
) -> list[str]:
    kept = await kept_sample(ctx, dp, dataset_id, spec, rows)
    return list(orjson.loads(kept["sheets"]))


async def kept_sample(
    ctx: TenantContext, dp: DataPrep, dataset_id: str, spec: Row, rows: int
) -> Row:
    """Return the record of the dataset's sample, read again when it falls short."""
    lock = dp.reading.setdefault((ctx.tenant.id, dataset_id), asyncio.Lock())
    async with lock:
        found = await store.engine_sample(ctx.db, dataset_id)
        if found is not None and _serves(found, digest(spec), rows):
            return found
        return await _read_sample(ctx, dp, dataset_id, spec, rows)


def _serves(row: Row, spec_digest: str, rows: int) -> bool:
    if row["spec_digest"] != spec_digest:
        return False
    exhausted = row["rows_read"] < row["rows_asked"]
    return rows <= row["rows_asked"] or exhausted or bool(row["capped"])


async def _read_sample(
    ctx: TenantContext, dp: DataPrep, dataset_id: str, spec: Row, rows: int
) -> Row:
    hub = hub_of(dp)
    secrets = await pipelines.dataset_secrets(ctx, dataset_id)
    asked = min(rows, PROBE_ROWS)
    found = await gateway.ask(ctx, hub, SAMPLE, {"spec": spec, "n": asked}, secrets)
    reading = text_spec(spec, found)
    if reading != spec or (len(found["rows"]) >= asked and rows > asked):
        found = await _pages(ctx, hub, reading, secrets, rows, _fit(found["rows"]))
        asked = rows
    return await _keep(ctx, dataset_id, spec, found, asked, False)


async def _pages(
    ctx: TenantContext, hub: Any, spec: Row, secrets: dict[str, str],
    rows: int, page: int,
) -> Row:  # fmt: skip
    """Read a sample of `rows` rows in replies of `page` rows each."""
    found = await gateway.ask(ctx, hub, SAMPLE, {"spec": spec, "n": page}, secrets)
    taken = list(found["rows"])
    while len(taken) < rows and len(found["rows"]) == page:
        body = {"spec": spec, "n": min(page, rows - len(taken)), "offset": len(taken)}
        found = await gateway.ask(ctx, hub, SAMPLE, body, secrets)
        taken.extend(found["rows"])
    return {**found, "rows": taken}


def _fit(rows: list[Any]) -> int:
    """Return how many rows one reply holds, judged on the first ones."""
    per_row = len(orjson.dumps(rows, default=str)) / max(1, len(rows))
    return max(PROBE_ROWS, int(REPLY_BUDGET / (per_row * MARGIN)))


def text_spec(spec: Row, sample: Row) -> Row:
    """Return the spec that reads a CSV with every column as text."""
    if sample.get("format") != "csv":
        return spec
    options = {**(sample.get("options") or {}), **(spec.get("options") or {})}
    options["types"] = dict.fromkeys(sample.get("schema") or {}, "string")
    return {**spec, "options": options}


async def _keep(
    ctx: TenantContext, dataset_id: str, spec: Row, found: Row, asked: int,
    capped: bool,
) -> Row:  # fmt: skip
    data = await asyncio.to_thread(_parquet, found)
    blobs = ctx.platform.blobs
    if blobs is None:
        raise Conflict("the blob store is not configured")
    key = f"dataprep/samples/{dataset_id}/{new_id('smp')}.parquet"
    await blobs.put_bytes(ctx.tenant.id, key, data)
    row = {
        "dataset_id": dataset_id, "spec_digest": digest(spec),
        "rows_asked": asked, "rows_read": len(found["rows"]),
        "capped": int(capped), "blob_key": key,
        "sha256": hashlib.sha256(data).hexdigest(),
        "sheets": orjson.dumps(found.get("sheets") or []).decode(),
        "read_at": now_iso(),
    }  # fmt: skip
    async with ctx.db.transaction() as tx:
        old = await store.keep_engine_sample(tx, row)
    if old:
        await blobs.delete(ctx.tenant.id, old)
    log.dataprep.info(
        "engine_sample_kept tenant=%s dataset=%s rows=%s capped=%s",
        ctx.tenant.id, dataset_id, row["rows_read"], capped,
    )  # fmt: skip
    return row


def _parquet(found: Row) -> bytes:
    frame = frame_from(found.get("schema") or {}, found.get("rows") or [])
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()


async def forget_sample(ctx: TenantContext, dataset_id: str) -> None:
    """Drop a dataset's engine sample once no preparation reads the dataset."""
    if await store.preparations_reading(ctx.db, dataset_id):
        return
    async with ctx.db.transaction() as tx:
        old = await store.drop_engine_sample(tx, dataset_id)
    if old and ctx.platform.blobs is not None:
        await ctx.platform.blobs.delete(ctx.tenant.id, old)


@dataclass(frozen=True)
class Copy:
    """The pipeline version that copies a dataset, and who the run acts for."""

    ctx: TenantContext
    pipeline_id: str
    version: int
    output: str

    @contextlib.asynccontextmanager
    async def context(self) -> AsyncIterator[TenantContext]:
        """Open the tenant store for one step of the run (the request is gone)."""
        base = self.ctx
        async with base.platform.stores.use(base.tenant.id) as db:
            yield TenantContext(
                base.platform, base.tenant, db, base.principal, base.source_ip,
                base.request_id,
            )  # fmt: skip


def output_name(dataset_id: str) -> str:
    return f"dataprep-copy-{dataset_id}.parquet"


def copy_document(dataset_id: str, read_options: Row) -> Row:
    """Return the pipeline document that copies a dataset as Parquet."""
    source: Row = {"dataset_id": dataset_id}
    if read_options:
        source["read_options"] = read_options
    return {
        "nodes": [
            {"id": "dataset", "type": "source", "config": source},
            {"id": "copy", "type": "destination",
             "config": {"output": {"name": output_name(dataset_id),
                                   "format": "parquet"}}},
        ],
        "edges": [{"from": "dataset", "to": "copy"}],
    }  # fmt: skip


async def copy_of(
    ctx: TenantContext, dp: DataPrep, dataset_id: str, read_options: Row
) -> Copy:
    """Return the copy pipeline of a dataset, made or given a new version."""
    doc = copy_document(dataset_id, read_options)
    doc_digest = digest(doc)
    kept = await store.engine_copy(ctx.db, dataset_id)
    alive = kept is not None and await _exists(ctx, kept)
    if kept is not None and alive and kept["document_digest"] == doc_digest:
        return Copy(ctx, kept["pipeline_id"], kept["version"], output_name(dataset_id))
    hub = hub_of(dp)
    if kept is not None and alive:
        made = await flows.save_version(
            ctx, hub, kept["pipeline_id"],
            {"document": doc, "notes": "the dataset changed"},
        )  # fmt: skip
    else:
        dataset = await datasets.get(ctx, dataset_id)
        name = f"Data preparation copy of {dataset['name'][:50]} ({dataset_id})"
        made = await flows.create_pipeline(ctx, hub, {
            "name": name[:100], "document": doc,
            "description": "Copies the dataset into the file area for the full"
                           " runs of its preparations.",
        })  # fmt: skip
    async with ctx.db.transaction() as tx:
        await store.keep_engine_copy(tx, {
            "dataset_id": dataset_id, "pipeline_id": made["id"],
            "version": made["version"], "document_digest": doc_digest,
        })  # fmt: skip
    return Copy(ctx, made["id"], made["version"], output_name(dataset_id))


async def _exists(ctx: TenantContext, kept: Row) -> bool:
    try:
        await flows.get_pipeline(ctx, kept["pipeline_id"], kept["version"])
    except NotFound:
        return False
    return True


async def copy_dataset(
    copy: Copy, control: runs.Control, folder: Path
) -> dict[str, Any]:
    """Have an engine copy the dataset; return a spec of the local copy."""
    control.progress(0, COPY_STAGE, force=True)
    async with copy.context() as ctx:
        execution = await flows.run_now(ctx, copy.pipeline_id, copy.version)
        async with ctx.db.transaction() as tx:
            await store.update_run(
                tx, control.run_id, {"execution_id": execution["id"]}
            )
    exec_id = execution["id"]
    log.dataprep.info(
        "engine_copy_started tenant=%s run=%s execution=%s",
        copy.ctx.tenant.id, control.run_id, exec_id,
    )  # fmt: skip
    try:
        done = await _follow(copy, exec_id, control)
        return await _fetch(copy, done, folder)
    finally:
        await asyncio.shield(_drop_outputs(copy, exec_id))


async def _follow(copy: Copy, exec_id: str, control: runs.Control) -> Row:
    """Wait for the execution's end, cancelling it if the run is cancelled."""
    broker = copy.ctx.platform.broker
    assert broker is not None
    topic = f"executions.{copy.ctx.tenant.id}.{exec_id}"
    cancelled, loop = False, asyncio.get_running_loop()
    async with broker.subscribe(topic) as sub:
        row = await _execution(copy, exec_id)
        ticks = 0
        while row["status"] not in FINAL:
            control.progress(int(row.get("rows_read") or 0), COPY_STAGE)
            if control.cancel.is_set() and not cancelled:
                cancelled, given_up = True, loop.time() + CANCEL_WAIT
                await _cancel(copy, exec_id)
            if cancelled and loop.time() > given_up:
                break
            try:
                message = await sub.get(timeout=0.25)
            except TimeoutError:
                ticks += 1
                if ticks % 8 == 0:  # a status message may have been dropped
                    row = await _execution(copy, exec_id)
                continue
            if message.payload.get("type") == "status":
                row = message.payload["execution"]
    if cancelled or control.cancel.is_set():
        raise runs.Cancelled()
    if row["status"] != "succeeded":
        reason = row.get("error") or f"the execution ended {row['status']}"
        raise EngineFailed(f"the engine could not read the dataset: {reason}")
    return await _execution(copy, exec_id)


async def _execution(copy: Copy, exec_id: str) -> Row:
    async with copy.context() as ctx:
        return await engines.get_execution(ctx, exec_id)


async def _cancel(copy: Copy, exec_id: str) -> None:
    async with copy.context() as ctx:
        with contextlib.suppress(Conflict):
            await engines.cancel_execution(ctx, exec_id)


async def _fetch(copy: Copy, done: Row, folder: Path) -> dict[str, Any]:
    files = (done.get("result") or {}).get("files") or []
    found = next((f for f in files if f["name"] == copy.output), None)
    if found is None:
        raise EngineFailed("the engine's copy of the dataset did not arrive")
    target = folder / "dataset.parquet"
    async with copy.context() as ctx:
        _, chunks = await pipelines.file_chunks(ctx, found["id"])
        await datasets.write_chunks(chunks, target)
    return {"kind": "file", "format": "parquet", "path": str(target)}


async def _drop_outputs(copy: Copy, exec_id: str) -> None:
    """Delete from the file area every file the execution uploaded."""
    async with copy.context() as ctx:
        done = await engines.get_execution(ctx, exec_id)
        ids = {f["id"] for f in (done.get("result") or {}).get("files") or []}
        rows, _ = await pipelines.list_files(ctx, copy.output, 100, 0)
        ids |= {r["id"] for r in rows if r.get("origin") == f"execution:{exec_id}"}
        for file_id in ids:
            with contextlib.suppress(NotFound, Conflict):
                await pipelines.delete_file(ctx, file_id)
