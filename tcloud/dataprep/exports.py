"""Full runs as a service: start, follow, cancel, download.

The steps are copied into the run when it starts, so editing the
preparation afterwards does not change a run under way. A dataset the
server may not read itself is first copied by an engine (`remote`), then
run exactly as a file-area one. An export goes to
the tenant's blob store (downloaded through the API) or to the user's own
S3 bucket, with credentials that live in the run's memory only: they are
never written to the store, a log or the run's record.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tcloud import log
from tcloud.dataprep import datasets, frames, remote, runs, service, store, workbench
from tcloud.dataprep.state import DataPrep
from tcloud.platform import audit
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import Conflict, Invalid, NotFound
from tcloud.platform.ids import new_id, now_iso
from tcloud.runtime import prep

READ_CHUNK = 1 << 20
S3_PART = 8 << 20
OPTIONS = {
    "csv": {"delimiter", "quote", "encoding", "header", "formula_guard"},
    "xlsx": {"sheet", "header"},
    "parquet": {"compression"},
    "hyper": {"table"},
}


@dataclass(frozen=True)
class S3Target:
    """A user's bucket for one run; the secret never prints."""

    bucket: str
    key: str
    region: str
    access_key_id: str
    secret_access_key: str
    session_token: str = ""

    def __repr__(self) -> str:
        return f"S3Target(bucket={self.bucket!r}, key={self.key!r}, secret=[secure])"

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def run_view(row: Row, control: runs.Control | None = None) -> dict[str, Any]:
    view = {k: v for k, v in row.items() if k not in ("steps", "blob_key")}
    view["options"] = orjson.loads(row["options"])
    view["downloadable"] = row["status"] == "succeeded" and bool(row["blob_key"])
    if control is not None and row["status"] in ("queued", "running"):
        view["rows_done"] = control.rows_done
        view["rows_total"] = control.rows_total
        view["stage"] = control.stage
    return view


def _options(fmt: str, options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(options) - OPTIONS[fmt]
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid.field(f"options.{name}", f"is not an option of {fmt} exports")
    return dict(options)


def _file_name(name: str, fmt: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "export"
    return f"{stem[:80]}.{runs.EXTENSIONS[fmt]}"


def _s3_target(destination: Mapping[str, Any]) -> S3Target | None:
    if destination.get("kind", "storage") == "storage":
        return None
    return S3Target(
        bucket=destination["bucket"],
        key=destination["key"],
        region=destination.get("region") or "us-east-1",
        access_key_id=destination["access_key_id"],
        secret_access_key=destination["secret_access_key"],
        session_token=destination.get("session_token", ""),
    )


async def start_run(
    ctx: TenantContext, dp: DataPrep, prep_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """Queue a full run of the preparation on the whole dataset."""
    row = await service.get_preparation(ctx, prep_id)
    fmt = body.get("format", "csv")
    options = _options(fmt, body.get("options") or {})
    target = _s3_target(body.get("destination") or {})
    steps = row["steps"]
    spec, copy = await _source(ctx, dp, row)
    lookups = await workbench.lookup_specs(ctx, dp, steps)
    run_id, now = new_id("run"), now_iso()
    file_name = _file_name(row["name"], fmt)
    async with ctx.db.transaction() as tx:
        await store.insert_run(tx, {
            "id": run_id, "preparation_id": prep_id,
            "dataset_id": row["dataset_id"], "status": "queued", "format": fmt,
            "options": orjson.dumps(options).decode(),
            "destination": "storage" if target is None else "s3",
            "target": "" if target is None else target.url,
            "steps": orjson.dumps(steps).decode(), "file_name": file_name,
            "created_by": ctx.principal.id, "created_at": now,
        })  # fmt: skip
        await audit.record(
            tx, ctx.actor, "preparation.run", "preparation", prep_id, row["name"],
            details={"run_id": run_id, "format": fmt,
                     "destination": "storage" if target is None else "s3"},
        )  # fmt: skip
    work = _work(ctx.tenant.id, run_id, spec, steps, lookups, fmt, options,
                 file_name, target, copy)  # fmt: skip
    dp.pool.submit(ctx.tenant.id, run_id, work)
    log.dataprep.info(
        "run_queued tenant=%s run=%s format=%s", ctx.tenant.id, run_id, fmt
    )
    return await get_run(ctx, dp, run_id)


async def _source(
    ctx: TenantContext, dp: DataPrep, row: Mapping[str, Any]
) -> tuple[dict[str, Any], remote.Copy | None]:
    """Return the local spec of a file-area dataset, or how an engine copies it."""
    spec = await datasets.spec(ctx, row["dataset_id"])
    if datasets.in_area(spec):
        return await datasets.local_spec(ctx, dp.files, row["dataset_id"], spec), None
    remote.require_engine(ctx, dp)
    _, sample = await workbench.sample_of(
        ctx, dp, row["dataset_id"], row["sample_rows"]
    )
    read_options = {}
    if frames.is_csv(spec):
        names = [c for c in sample.columns if c != prep.ROW_ID]
        read_options = {"types": dict.fromkeys(names, "string")}
    copy = await remote.copy_of(ctx, dp, row["dataset_id"], read_options)
    return {}, copy


def _work(
    tenant_id: str,
    run_id: str,
    spec: dict[str, Any],
    steps: list[dict[str, Any]],
    lookups: dict[str, dict[str, Any]],
    fmt: str,
    options: dict[str, Any],
    file_name: str,
    target: S3Target | None,
    copy: remote.Copy | None = None,
) -> runs.Work:
    async def work(control: runs.Control, pool: runs.RunPool) -> dict[str, Any]:
        folder = await asyncio.to_thread(runs.work_folder)
        try:
            source = spec
            if copy is not None:
                source = await remote.copy_dataset(copy, control, folder)
            path, written = await pool.in_thread(
                runs.execute, source, steps, lookups, fmt, options, folder,
                file_name, control,
            )  # fmt: skip
            control.progress(control.rows_total or written, "storing", force=True)
            size = (await asyncio.to_thread(path.stat)).st_size
            result = {
                "rows_written": written,
                "size": size,
                "rows_done": control.rows_total,
                "file_name": path.name,
            }
            if target is not None:
                await _to_s3(pool, target, path, control)
                return result
            key = f"dataprep/runs/{run_id}/{path.name}"
            assert pool.platform.blobs is not None
            await pool.platform.blobs.put(tenant_id, key, _file_chunks(path))
            return {**result, "blob_key": key}
        finally:
            await asyncio.to_thread(runs.remove_folder, folder)

    return work


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    fh = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(fh.read, READ_CHUNK):
            yield chunk
    finally:
        fh.close()


def s3_client(pool: runs.RunPool, target: S3Target) -> Any:
    """Return an S3 client for the user's bucket (the operator's endpoint)."""
    from aiobotocore.session import get_session

    endpoint = pool.platform.config.prep_export_s3_endpoint or None
    return get_session().create_client(
        "s3",
        region_name=target.region,
        endpoint_url=endpoint,
        aws_access_key_id=target.access_key_id,
        aws_secret_access_key=target.secret_access_key,
        aws_session_token=target.session_token or None,
    )


async def _to_s3(
    pool: runs.RunPool, target: S3Target, path: Path, control: runs.Control
) -> None:
    async with s3_client(pool, target) as s3:
        made = await s3.create_multipart_upload(Bucket=target.bucket, Key=target.key)
        upload_id = made["UploadId"]
        parts: list[dict[str, Any]] = []
        try:
            fh = await asyncio.to_thread(path.open, "rb")
            try:
                while body := await asyncio.to_thread(fh.read, S3_PART):
                    control.check()
                    number = len(parts) + 1
                    done = await s3.upload_part(
                        Bucket=target.bucket, Key=target.key, UploadId=upload_id,
                        PartNumber=number, Body=body,
                    )  # fmt: skip
                    parts.append({"PartNumber": number, "ETag": done["ETag"]})
            finally:
                fh.close()
            await s3.complete_multipart_upload(
                Bucket=target.bucket, Key=target.key, UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )  # fmt: skip
        except BaseException:
            await asyncio.shield(
                s3.abort_multipart_upload(
                    Bucket=target.bucket, Key=target.key, UploadId=upload_id
                )
            )
            raise


async def _run_row(ctx: TenantContext, run_id: str) -> Row:
    row = await store.get_run(ctx.db, run_id)
    if row is None:
        raise NotFound("no such run")
    return row


async def get_run(ctx: TenantContext, dp: DataPrep, run_id: str) -> dict[str, Any]:
    return run_view(await _run_row(ctx, run_id), dp.pool.live(run_id))


async def list_runs(
    ctx: TenantContext, dp: DataPrep, prep_id: str, limit: int, offset: int
) -> dict[str, Any]:
    await service.get_preparation(ctx, prep_id)
    rows, total = await store.list_runs(ctx.db, prep_id, limit, offset)
    items = [run_view(r, dp.pool.live(r["id"])) for r in rows]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


async def cancel_run(ctx: TenantContext, dp: DataPrep, run_id: str) -> dict[str, Any]:
    """Cancel a queued or running run."""
    row = await _run_row(ctx, run_id)
    if row["status"] not in ("queued", "running"):
        raise Conflict(f"the run is {row['status']}; only unfinished runs cancel")
    outcome = dp.pool.cancel(run_id)
    if outcome != "signalled":
        async with ctx.db.transaction() as tx:
            await store.finish_run(
                tx, run_id,
                {"status": "cancelled", "finished_at": now_iso(), "error": "cancelled"},
            )  # fmt: skip
        if ctx.platform.broker is not None:
            now = await store.get_run(tx, run_id)
            topic = runs.topic(ctx.tenant.id, run_id)
            ctx.platform.broker.publish(topic, {"type": "status", "run": now})
    async with ctx.db.transaction() as tx:
        await audit.record(
            tx, ctx.actor, "preparation.run_cancel", "run", run_id, row["file_name"]
        )
    return await get_run(ctx, dp, run_id)


async def download(ctx: TenantContext, run_id: str) -> tuple[Row, AsyncIterator[bytes]]:
    """Return a succeeded run and its export's bytes, as a stream."""
    row = await _run_row(ctx, run_id)
    if row["status"] != "succeeded" or not row["blob_key"]:
        raise Conflict("only a succeeded run stored in the tenant has a file")
    assert ctx.platform.blobs is not None
    return row, ctx.platform.blobs.get(ctx.tenant.id, row["blob_key"])
