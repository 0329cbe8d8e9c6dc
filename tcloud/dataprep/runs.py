"""Full runs: a pool of threads shared fairly by tenants, and the run itself.

A run waits in its tenant's queue; whenever a thread is free, the pool
takes the next run of the next tenant in turn (round robin), so one
tenant's ten runs do not starve another's one. A running run holds one
thread: the plan streams through polars batch by batch in it, the rows
read so far are published on the broker, and a cancel is seen between
batches. The result goes to a temporary file, then into the blob store,
whose put is all or nothing; only then is the run marked succeeded, and
only a succeeded run can be downloaded. A process that stops with runs
unfinished marks them failed at its next start and deletes what they left.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from tcloud import log
from tcloud.dataprep import frames, store
from tcloud.platform.ids import now_iso
from tcloud.runtime import prep
from tcloud.runtime.prep import export as prep_export

if TYPE_CHECKING:
    from tcloud.platform.context import Platform

FINISHED = ("succeeded", "failed", "cancelled")
PROGRESS_EVERY = 0.25  # seconds between progress messages of one run
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet", "hyper": "hyper"}


class Cancelled(Exception):
    """The run was cancelled while it ran."""


def topic(tenant_id: str, run_id: str) -> str:
    return f"dataprep.runs.{tenant_id}.{run_id}"


@dataclass(eq=False)
class Control:
    """What a running run and the pool share: progress and the cancel flag."""

    tenant_id: str
    run_id: str
    publish: Callable[[dict[str, Any]], None]
    cancel: threading.Event = field(default_factory=threading.Event)
    rows_done: int = 0
    rows_total: int | None = None
    stage: str = "queued"
    _last: float = 0.0

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    def progress(
        self, rows_done: int, stage: str | None = None, force: bool = False
    ) -> None:
        """Record progress from the run's thread; publish it now and then."""
        self.rows_done = rows_done
        self.stage = stage or self.stage
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_EVERY:
            self._last = now
            self.publish(self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        return {
            "type": "progress",
            "run_id": self.run_id,
            "stage": self.stage,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
        }


Work = Callable[[Control, "RunPool"], Awaitable[dict[str, Any]]]


@dataclass(eq=False)
class Job:
    control: Control
    work: Work


class RunPool:
    """Threads for full runs, handed to tenants in turn."""

    def __init__(self, platform: Platform, size: int) -> None:
        self.platform = platform
        self.size = max(1, size)
        self._executor = ThreadPoolExecutor(self.size, "tcloud-prep-run")
        self._queues: dict[str, deque[Job]] = {}
        self._turns: deque[str] = deque()
        self._running: dict[str, Job] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.started_order: list[tuple[str, str]] = []
        self.closed = False

    def submit(self, tenant_id: str, run_id: str, work: Work) -> Control:
        """Queue a run of the tenant; it starts when a thread is its turn."""
        control = Control(tenant_id, run_id, self._publisher(tenant_id, run_id))
        self._queues.setdefault(tenant_id, deque()).append(Job(control, work))
        if tenant_id not in self._turns:
            self._turns.append(tenant_id)
        self._dispatch()
        return control

    def live(self, run_id: str) -> Control | None:
        job = self._running.get(run_id) or self._queued(run_id)
        return None if job is None else job.control

    def _queued(self, run_id: str) -> Job | None:
        for queue in self._queues.values():
            for job in queue:
                if job.control.run_id == run_id:
                    return job
        return None

    def queued_count(self) -> int:
        return sum(len(q) for q in self._queues.values())

    @property
    def running_count(self) -> int:
        return len(self._running)

    def cancel(self, run_id: str) -> str | None:
        """Cancel a run: "dequeued" if it had not started, "signalled" if running."""
        job = self._queued(run_id)
        if job is not None:
            queue = self._queues[job.control.tenant_id]
            queue.remove(job)
            if not queue:
                self._forget(job.control.tenant_id)
            return "dequeued"
        job = self._running.get(run_id)
        if job is not None:
            job.control.cancel.set()
            return "signalled"
        return None

    def _forget(self, tenant_id: str) -> None:
        self._queues.pop(tenant_id, None)
        with contextlib.suppress(ValueError):
            self._turns.remove(tenant_id)

    def _dispatch(self) -> None:
        while not self.closed and len(self._running) < self.size and self._turns:
            tenant_id = self._turns.popleft()
            queue = self._queues[tenant_id]
            job = queue.popleft()
            if queue:
                self._turns.append(tenant_id)
            else:
                del self._queues[tenant_id]
            self._running[job.control.run_id] = job
            self.started_order.append((tenant_id, job.control.run_id))
            task = asyncio.get_running_loop().create_task(self._run(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, job: Job) -> None:
        control = job.control
        try:
            await self._record(control, {"status": "running", "started_at": now_iso()})
            result = await job.work(control, self)
            await self._finish(control, "succeeded", result)
        except Cancelled:
            if self.closed:
                # A stop is not the user's cancel: the run did not end.
                stopped = {"error": "the server stopped before the run ended"}
                await self._finish(control, "failed", stopped)
            else:
                await self._finish(control, "cancelled", {"error": "cancelled"})
        except asyncio.CancelledError:
            await asyncio.shield(
                self._finish(control, "failed", {"error": "the server stopped"})
            )
            raise
        except Exception as exc:  # noqa: BLE001 - a failed run is recorded, not raised
            await self._finish(control, "failed", {"error": _reason(exc)})
        finally:
            self._running.pop(control.run_id, None)
            self._dispatch()

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run the run's blocking part on the pool's threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    async def _record(self, control: Control, values: dict[str, Any]) -> None:
        control.stage = values.get("status", control.stage)
        async with self.platform.stores.use(control.tenant_id) as db:
            async with db.transaction() as tx:
                await store.update_run(tx, control.run_id, values)
            row = await store.get_run(db, control.run_id)
        control.publish({"type": "status", "run": row})

    async def _finish(
        self, control: Control, status: str, values: dict[str, Any]
    ) -> None:
        values = {**values, "status": status, "finished_at": now_iso()}
        values.setdefault("rows_done", control.rows_done)
        values.setdefault("rows_total", control.rows_total)
        log.dataprep.info(
            "run_finished tenant=%s run=%s status=%s rows=%s",
            control.tenant_id, control.run_id, status, control.rows_done,
        )  # fmt: skip
        async with self.platform.stores.use(control.tenant_id) as db:
            async with db.transaction() as tx:
                changed = await store.finish_run(tx, control.run_id, values)
            row = await store.get_run(db, control.run_id)
        if not changed and status == "succeeded" and values.get("blob_key"):
            await self._drop_blob(control.tenant_id, values["blob_key"])
        control.publish({"type": "status", "run": row})

    async def _drop_blob(self, tenant_id: str, key: str) -> None:
        if self.platform.blobs is not None and key:
            await self.platform.blobs.delete(tenant_id, key)

    def _publisher(self, tenant_id: str, run_id: str) -> Callable[[dict], None]:
        loop = asyncio.get_running_loop()
        name = topic(tenant_id, run_id)

        def publish(payload: dict[str, Any]) -> None:
            broker = self.platform.broker
            if broker is None:
                return
            try:
                on_loop = asyncio.get_running_loop() is loop
            except RuntimeError:
                on_loop = False
            if on_loop:
                broker.publish(name, payload)
            else:
                loop.call_soon_threadsafe(broker.publish, name, payload)

        return publish

    async def fail_unfinished(self) -> int:
        """Mark runs a stopped process left queued or running as failed."""
        failed = 0
        for tenant in await self.platform.tenants.all():
            async with self.platform.stores.use(tenant.id) as db:
                rows = await store.unfinished_runs(db)
                for row in rows:
                    async with db.transaction() as tx:
                        await store.finish_run(tx, row["id"], {
                            "status": "failed", "finished_at": now_iso(),
                            "error": "the server stopped before the run ended",
                            "blob_key": "",
                        })  # fmt: skip
                    await self._drop_blob(tenant.id, row["blob_key"])
                    failed += 1
        if failed:
            log.dataprep.warning("runs_failed_at_start count=%s", failed)
        return failed

    async def close(self) -> None:
        """Stop: drop the queues, cancel the runs, wait for their threads."""
        self.closed = True
        queued = [job for q in self._queues.values() for job in q]
        self._queues.clear()
        self._turns.clear()
        for job in self._running.values():
            job.control.cancel.set()
        for job in queued:
            await self._finish(job.control, "failed", {"error": "the server stopped"})
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=30)
        self._executor.shutdown(wait=False, cancel_futures=True)


def _reason(exc: Exception) -> str:
    message = getattr(exc, "detail", None) or getattr(exc, "message", None)
    if message is None and isinstance(exc, ValueError | pl.exceptions.PolarsError):
        message = str(exc)
    if not message:
        return "the run failed"
    lines = str(message).strip().splitlines()
    return lines[0][:500] if lines else "the run failed"


def execute(
    spec: dict[str, Any],
    steps: Sequence[Mapping[str, Any]],
    lookup_specs: Mapping[str, dict[str, Any]],
    fmt: str,
    options: Mapping[str, Any],
    folder: Path,
    file_name: str,
    control: Control,
) -> tuple[Path, int]:
    """Apply the steps to the whole dataset and export; return file and rows.

    The plan streams batch by batch into a Parquet file (so progress and
    cancel are seen per batch), then the export is written from it.
    """
    control.rows_total = frames.count(spec)
    control.progress(0, "reading", force=True)
    with ExitStack() as stack:
        lookups = {k: frames.scan(s, stack).drop(prep.ROW_ID)
                   for k, s in lookup_specs.items()}  # fmt: skip
        plan = prep.apply(frames.scan(spec, stack), steps, lookups=lookups)
        rows = folder / "rows.parquet"
        written = _stream(plan, rows, control)
    control.check()
    control.progress(control.rows_total or written, "exporting", force=True)
    out = prep_export.export(pl.scan_parquet(rows), folder / file_name, fmt, **options)
    rows.unlink(missing_ok=True)
    control.check()
    return out, written


def _stream(plan: pl.LazyFrame, target: Path, control: Control) -> int:
    import pyarrow.parquet as pq

    writer = None
    written = 0
    try:
        for batch in plan.collect_batches(engine="streaming"):
            control.check()
            if batch.height:
                last = batch.get_column(prep.ROW_ID).max()
                control.progress(int(last) + 1)  # type: ignore[arg-type]
            table = batch.drop(prep.ROW_ID).to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema, compression="zstd")
            writer.write_table(table)
            written += batch.height
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        schema = plan.collect_schema()
        pl.DataFrame(schema={n: t for n, t in schema.items() if n != prep.ROW_ID}
                     ).write_parquet(target)  # fmt: skip
    return written


def work_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="tcloud-run-"))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
