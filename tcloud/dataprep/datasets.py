"""The datasets a preparation reads, as local files the runtime can scan.

The inventory belongs to the pipelines app; this module only asks its
service for a dataset's spec and, for a file of the tenant's file area,
decrypts the blob once into a private temporary folder (in chunks, off the
loop), keyed by the file's SHA-256 so a changed file is fetched again. The
samples that engines read (`remote`) are kept the same way.

A dataset on a folder, S3 or database connection names an address a user
typed, which DESIGN says is reached from the tenant's engine, never from
the server: `remote` reads those through the engine.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from pathlib import Path
from typing import IO, Any

from tcloud import log
from tcloud.pipelines import service as pipelines
from tcloud.platform.context import TenantContext
from tcloud.platform.errors import Conflict, FieldError, Invalid
from tcloud.runtime import readers
from tcloud.runtime.errors import ReadError

KEPT_FILES = 32
Opener = Callable[[], Awaitable[tuple[str, AsyncIterator[bytes]]]]


class LocalFiles:
    """Decrypted copies of area files, the least recently used evicted."""

    def __init__(self, root: Path | None = None, kept: int = KEPT_FILES) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="tcloud-dataprep-"))
        self.kept = kept
        self._files: OrderedDict[tuple[str, str], Path] = OrderedDict()
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def path(self, ctx: TenantContext, file_id: str, sha256: str) -> Path:
        """Return a local plaintext copy of an area file, fetching it once."""

        async def opener() -> tuple[str, AsyncIterator[bytes]]:
            row, chunks = await pipelines.file_chunks(ctx, file_id)
            return str(row["name"]), chunks

        return await self._local(ctx, sha256, opener)

    async def blob_path(
        self, ctx: TenantContext, blob_key: str, sha256: str, name: str
    ) -> Path:
        """Return a local plaintext copy of one of dataprep's own blobs."""

        async def opener() -> tuple[str, AsyncIterator[bytes]]:
            assert ctx.platform.blobs is not None
            return name, ctx.platform.blobs.get(ctx.tenant.id, blob_key)

        return await self._local(ctx, sha256, opener)

    async def _local(self, ctx: TenantContext, sha256: str, opener: Opener) -> Path:
        key = (ctx.tenant.id, sha256)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            found = self._files.get(key)
            if found is not None and found.exists():
                self._files.move_to_end(key)
                return found
            name, chunks = await opener()
            found = self.root / ctx.tenant.id / sha256 / Path(name).name
            await write_chunks(chunks, found)
            log.dataprep.debug("local_copy_made tenant=%s", ctx.tenant.id)
            self._files[key] = found
            await self._evict()
            return found

    async def _evict(self) -> None:
        while len(self._files) > self.kept:
            _, path = self._files.popitem(last=False)
            await asyncio.to_thread(shutil.rmtree, path.parent, True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


async def write_chunks(chunks: AsyncIterator[bytes], target: Path) -> None:
    """Write a stream to a private file, whole or not at all (off the loop)."""
    partial = target.parent / f".{secrets.token_hex(8)}.partial"
    fh = await asyncio.to_thread(_create, partial)
    try:
        async with aclosing(chunks) as stream:  # type: ignore[type-var]
            async for chunk in stream:
                await asyncio.to_thread(fh.write, chunk)
        await asyncio.to_thread(fh.close)
        await asyncio.to_thread(os.replace, partial, target)
    except BaseException:
        fh.close()
        partial.unlink(missing_ok=True)
        raise


def _create(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


async def get(ctx: TenantContext, dataset_id: str) -> dict[str, Any]:
    """Return the dataset's view from the inventory; NotFound if absent."""
    return await pipelines.get_dataset(ctx, dataset_id)


async def spec(ctx: TenantContext, dataset_id: str) -> dict[str, Any]:
    """Return the dataset's runtime spec, with its "fetch" (see pipelines)."""
    return await pipelines.dataset_spec(ctx, dataset_id)


def in_area(spec: dict[str, Any]) -> bool:
    """Say whether the server reads the dataset itself (a file-area file)."""
    return spec.get("kind") == "file" and "area" in (spec.get("fetch") or {})


async def local_spec(
    ctx: TenantContext,
    files: LocalFiles,
    dataset_id: str,
    found: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the spec of a file-area dataset with a local path to read."""
    found = dict(found or await spec(ctx, dataset_id))
    if not in_area(found):
        raise Conflict(
            "this dataset is read by an engine; only datasets of the file area"
            " can be read here (a lookup's dataset, for one)"
        )
    fetch = found.pop("fetch")
    path = await files.path(ctx, fetch["area"], fetch.get("sha256", fetch["area"]))
    return {**found, "path": str(path)}


async def choose_sheet(
    ctx: TenantContext, dataset: dict[str, Any], sheet: str
) -> dict[str, Any]:
    """Make the dataset read another sheet of its workbook."""
    config = dict(dataset.get("config") or {})
    config["options"] = {**(config.get("options") or {}), "sheet": sheet}
    return await pipelines.update_dataset(ctx, dataset["id"], {"config": config})


def marker(spec: dict[str, Any]) -> str:
    """Return what changes when the dataset's data or reading options change."""
    return f"{spec['path']}|{sorted((spec.get('options') or {}).items())}"


async def from_upload(
    ctx: TenantContext,
    name: str,
    filename: str,
    chunks: Any,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Make a dataset of the inventory from an uploaded file.

    A workbook with a sheet asked for is first kept in a private temporary
    file and its sheets read, so a sheet it does not have is refused before
    anything is stored.
    """
    sheet = (options or {}).get("sheet")
    if not sheet or Path(filename).suffix.lower() != ".xlsx":
        return await pipelines.dataset_from_upload(
            ctx, name, filename, chunks, options=options or None
        )
    folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="tcloud-upload-"))
    try:
        path = folder / "upload.xlsx"
        await write_chunks(chunks, path)
        await _check_sheet(path, sheet)
        return await pipelines.dataset_from_upload(
            ctx, name, filename, _read_chunks(path), options=options
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, True)


async def _check_sheet(path: Path, sheet: str) -> None:
    try:
        found = await asyncio.to_thread(readers.sheets, path)
    except ReadError as exc:
        raise Invalid.field("file", f"cannot be read as a workbook: {exc}") from None
    if sheet not in found:
        message = f"no sheet {sheet!r}; the workbook has {', '.join(found)}"
        raise Invalid(
            f"sheet: {message}",
            fields=[FieldError("sheet", message)],
            extra={"sheets": found},
        )


async def _read_chunks(path: Path) -> AsyncIterator[bytes]:
    fh = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(fh.read, 1 << 20):
            yield chunk
    finally:
        fh.close()
