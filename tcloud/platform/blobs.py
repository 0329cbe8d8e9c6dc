"""Blob storage: files of any size, per tenant, encrypted, streamed both ways.

    info = await platform.blobs.put(tenant_id, "uploads/u1/data.csv", chunks)
    async for chunk in platform.blobs.get(tenant_id, "uploads/u1/data.csv"):
        ...

A blob lives at `tenants/<tenant_id>/<key>` in a backend: a local folder
(the default, `data_dir/blobs`) or an S3 bucket (`blob_backend = "s3"`).
Every blob is a sealed stream (`platform.crypto`) under the tenant's newest
data key with the purpose `blob:<key>`, so a blob copied under another key
or into another tenant's prefix does not open. Neither direction holds a
blob in memory: `put` seals chunk by chunk and `get` opens record by record.

A put is all or nothing: the local backend writes a file aside and renames
it into place, the S3 backend completes a multipart upload last. Until then
readers see the previous version, or nothing.

Keys are `/`-separated parts of letters, digits and `._-=+@,`; a part may
not start with a dot (so no `.` or `..`) and may not be empty.

Limitations:

- `get` yields each record as soon as it is authenticated, so a blob that
  was cut short is reported (`DecryptError`) only when the iteration reaches
  the end: treat the data as complete only once the loop ends without error
  (`tests/platform/test_blobs.py::test_truncated_blob_is_detected`).
- Local files are named `<key>~blob` so that a key can also be a prefix of
  other keys (`a` and `a/b`), as on S3. Writes in progress sit in
  `blobs/.partial/`; a process killed mid-write leaves a file there that is
  never visible as a blob and can be deleted.
- A data key version added by another process (`tcloud keys rotate` while
  the server runs) is unknown to this process's key cache until restart:
  blobs written by that process under it answer `DecryptError` here.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from tcloud import log
from tcloud.config import Config
from tcloud.platform.crypto import TenantCipher, plain_size, seal_stream
from tcloud.platform.errors import Invalid, NotFound, TooLarge
from tcloud.platform.ids import iso, now_iso

if TYPE_CHECKING:
    from tcloud.platform.context import Platform

PART = re.compile(r"^[A-Za-z0-9_=+@,-][A-Za-z0-9._=+@,-]{0,199}$")
TENANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_KEY = 900  # S3 allows 1024 bytes, and the tenant prefix takes its share.
FILE_SUFFIX = "~blob"  # "~" is never in a key, so no folder has this name
READ_CHUNK = 1 << 20
S3_PART = 8 << 20  # S3 wants parts of at least 5 MiB, all but the last

Ciphers = Callable[[str], Awaitable[TenantCipher]]


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """One blob as listed: its key in the tenant, plaintext and stored sizes."""

    key: str
    size: int
    stored_size: int
    modified: str


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object in a backend, by its full name (`tenants/<id>/<key>`)."""

    name: str
    size: int
    modified: str


# The backends have a method named list, which hides the builtin in their body.
Listing = list[StoredObject]


class Backend(Protocol):
    """Where sealed blobs are kept; it sees only opaque bytes and full names.

    `write` stores the whole stream under the name or, if anything fails,
    nothing (the previous object stays). `read` raises NotFound, on first
    iteration, when there is no such object. `delete` tells whether there
    was one. `list` returns every object whose name starts with the prefix,
    sorted by name.
    """

    async def write(self, name: str, chunks: AsyncIterable[bytes]) -> int: ...

    def read(self, name: str) -> AsyncIterator[bytes]: ...

    async def stat(self, name: str) -> StoredObject | None: ...

    async def delete(self, name: str) -> bool: ...

    async def list(self, prefix: str) -> Listing: ...

    async def close(self) -> None: ...


def check_key(key: str, what: str = "key") -> str:
    """Return the key if it is a safe blob key; raise Invalid naming it if not."""
    if not isinstance(key, str) or not key:
        raise Invalid.field(what, "must not be empty")
    if len(key.encode()) > MAX_KEY:
        raise Invalid.field(what, f"must be at most {MAX_KEY} bytes")
    if key.startswith("/"):
        raise Invalid.field(what, "must not start with /")
    for part in key.split("/"):
        if part in ("", ".", ".."):
            raise Invalid.field(what, "must not hold empty, '.' or '..' parts")
        if not PART.match(part):
            raise Invalid.field(
                what,
                "parts hold letters, digits and ._-=+@, and do not start with a dot",
            )
    return key


def _tenant_prefix(tenant_id: str) -> str:
    if not isinstance(tenant_id, str) or not TENANT_ID.match(tenant_id):
        raise Invalid.field("tenant_id", "is not a tenant id")
    return f"tenants/{tenant_id}/"


def _purpose(key: str) -> str:
    return f"blob:{key}"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class BlobService:
    """Per-tenant encrypted blobs over one backend."""

    def __init__(self, backend: Backend, ciphers: Ciphers) -> None:
        self.backend = backend
        self._ciphers = ciphers

    def _name(self, tenant_id: str, key: str) -> str:
        return _tenant_prefix(tenant_id) + check_key(key)

    def _info(self, tenant_id: str, obj: StoredObject) -> BlobInfo:
        key = obj.name[len(_tenant_prefix(tenant_id)) :]
        return BlobInfo(key, plain_size(obj.size), obj.size, obj.modified)

    async def put(
        self, tenant_id: str, key: str, chunks: AsyncIterable[bytes]
    ) -> BlobInfo:
        """Seal and store a stream of bytes under the key, replacing any blob."""
        name = self._name(tenant_id, key)
        cipher = await self._ciphers(tenant_id)
        sealer = cipher.stream_sealer(_purpose(key))
        stored = await self.backend.write(name, seal_stream(sealer, chunks))
        log.blobs.debug(
            "blob_put tenant=%s bytes=%s key_version=%s",
            tenant_id, stored, sealer.version,
        )  # fmt: skip
        return BlobInfo(key, plain_size(stored), stored, now_iso())

    async def get(self, tenant_id: str, key: str) -> AsyncIterator[bytes]:
        """Yield the blob's plaintext; raise NotFound, or DecryptError if damaged."""
        name = self._name(tenant_id, key)
        opener = (await self._ciphers(tenant_id)).stream_opener(_purpose(key))
        try:
            # Closed at once if the caller stops early: an S3 response holds a
            # connection. Opening a 1 MiB record takes about a millisecond.
            async with aclosing(self.backend.read(name)) as stored:
                async for sealed in stored:
                    plain = opener.update(sealed)
                    if plain:
                        yield plain
        except NotFound:
            raise NotFound(f"there is no blob {key!r}") from None
        opener.finish()

    async def stat(self, tenant_id: str, key: str) -> BlobInfo | None:
        obj = await self.backend.stat(self._name(tenant_id, key))
        return None if obj is None else self._info(tenant_id, obj)

    async def exists(self, tenant_id: str, key: str) -> bool:
        return await self.stat(tenant_id, key) is not None

    async def delete(self, tenant_id: str, key: str) -> bool:
        """Delete the blob; return whether there was one."""
        return await self.backend.delete(self._name(tenant_id, key))

    async def list(self, tenant_id: str, prefix: str = "") -> list[BlobInfo]:
        """Return the tenant's blobs whose key starts with the prefix, by key."""
        if prefix:
            check_key(prefix.rstrip("/") or "/", "prefix")
        objects = await self.backend.list(_tenant_prefix(tenant_id) + prefix)
        return [self._info(tenant_id, obj) for obj in objects]

    async def put_bytes(self, tenant_id: str, key: str, data: bytes) -> BlobInfo:
        return await self.put(tenant_id, key, _once(data))

    async def put_text(
        self, tenant_id: str, key: str, text: str, encoding: str = "utf-8"
    ) -> BlobInfo:
        return await self.put_bytes(tenant_id, key, text.encode(encoding))

    async def get_bytes(
        self, tenant_id: str, key: str, max_bytes: int = 64 << 20
    ) -> bytes:
        """Return a small blob whole; raise TooLarge past max_bytes."""
        out = bytearray()
        async with aclosing(self.get(tenant_id, key)) as chunks:
            async for chunk in chunks:
                out += chunk
                if len(out) > max_bytes:
                    raise TooLarge(f"blob {key!r} is larger than {max_bytes} bytes")
        return bytes(out)

    async def open_text(
        self, tenant_id: str, key: str, encoding: str = "utf-8"
    ) -> AsyncIterator[str]:
        """Yield the blob as text, decoded incrementally (no split characters)."""
        decoder = codecs.getincrementaldecoder(encoding)()
        async with aclosing(self.get(tenant_id, key)) as chunks:
            async for chunk in chunks:
                if text := decoder.decode(chunk):
                    yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def close(self) -> None:
        await self.backend.close()


class LocalBackend:
    """Objects as files under one folder; a write goes aside, then is renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._partial = root / ".partial"

    def _path(self, name: str) -> Path:
        return self.root / (name + FILE_SUFFIX)

    async def write(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        target = self._path(name)
        tmp = self._partial / secrets.token_hex(16)
        fh = await asyncio.to_thread(_create, tmp)
        size = 0
        try:
            async for chunk in chunks:
                await asyncio.to_thread(fh.write, chunk)
                size += len(chunk)
            await asyncio.to_thread(_finish_write, fh, tmp, target)
        except BaseException:
            await asyncio.to_thread(_discard, fh, tmp)
            raise
        return size

    async def read(self, name: str) -> AsyncIterator[bytes]:
        try:
            fh = await asyncio.to_thread(self._path(name).open, "rb")
        except FileNotFoundError:
            raise NotFound("no such blob") from None
        try:
            while chunk := await asyncio.to_thread(fh.read, READ_CHUNK):
                yield chunk
        finally:
            # Closing a file opened for reading never waits on the disk, and
            # this may run while the generator is finalised outside the loop.
            fh.close()

    async def stat(self, name: str) -> StoredObject | None:
        return await asyncio.to_thread(self._stat, name)

    def _stat(self, name: str) -> StoredObject | None:
        try:
            st = self._path(name).stat()
        except FileNotFoundError:
            return None
        return StoredObject(name, st.st_size, iso(st.st_mtime))

    async def delete(self, name: str) -> bool:
        return await asyncio.to_thread(self._delete, name)

    def _delete(self, name: str) -> bool:
        path = self._path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        self._prune(path.parent)
        return True

    def _prune(self, folder: Path) -> None:
        """Remove folders left empty, up to the tenants folder."""
        top = self.root / "tenants"
        while top in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    async def list(self, prefix: str) -> Listing:
        return await asyncio.to_thread(self._list, prefix)

    def _list(self, prefix: str) -> Listing:
        base = self.root / prefix.rpartition("/")[0]
        found = []
        for folder, _, files in os.walk(base):
            for file in files:
                if not file.endswith(FILE_SUFFIX):
                    continue
                path = Path(folder) / file
                name = path.relative_to(self.root).as_posix()[: -len(FILE_SUFFIX)]
                if name.startswith(prefix) and (obj := self._stat(name)):
                    found.append(obj)
        return sorted(found, key=lambda obj: obj.name)

    async def close(self) -> None:
        return None


def _create(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _close_durably(fh: IO[bytes]) -> None:
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()


def _finish_write(fh: IO[bytes], tmp: Path, target: Path) -> None:
    _close_durably(fh)
    _move_into_place(tmp, target)


def _move_into_place(tmp: Path, target: Path) -> None:
    # A delete may prune the target's empty folder between mkdir and replace.
    for _ in range(5):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(tmp, target)
            break
        except FileNotFoundError:
            if not tmp.exists():
                raise
    else:
        raise OSError(f"could not move a blob into {target.parent}")
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _discard(fh: IO[bytes], tmp: Path) -> None:
    fh.close()
    tmp.unlink(missing_ok=True)


class S3Backend:
    """Objects in one S3 bucket; a write is a multipart upload, completed last."""

    def __init__(self, config: Config) -> None:
        self.bucket = config.s3_bucket
        self._config = config
        self._client: Any = None
        self._stack = AsyncExitStack()
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        async with self._lock:
            if self._client is None:
                self._client = await self._stack.enter_async_context(self._connect())
        return self._client

    def _connect(self) -> Any:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        c = self._config
        style = "path" if c.s3_endpoint else "auto"
        return get_session().create_client(
            "s3",
            region_name=c.s3_region,
            endpoint_url=c.s3_endpoint or None,
            aws_access_key_id=c.s3_access_key or None,
            aws_secret_access_key=c.s3_secret_key or None,
            config=AioConfig(
                s3={"addressing_style": style},
                connect_timeout=10,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    async def write(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        s3 = await self._s3()
        upload = _Multipart(s3, self.bucket, name)
        pending: bytes | None = None
        size = 0
        try:
            # One part is held back so the last part is known to be the last.
            async for block in _blocks(chunks, S3_PART):
                if pending is not None:
                    await upload.add(pending)
                pending, size = block, size + len(block)
            if not upload.started:
                await s3.put_object(Bucket=self.bucket, Key=name, Body=pending or b"")
                return size
            await upload.add(pending or b"")
            await upload.complete()
        except BaseException:
            await asyncio.shield(upload.abort())
            raise
        return size

    async def read(self, name: str) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self.bucket, Key=name)
        except s3.exceptions.ClientError as exc:
            if _missing(exc):
                raise NotFound("no such blob") from None
            raise
        async with response["Body"] as body:
            while chunk := await body.read(READ_CHUNK):
                yield chunk

    async def stat(self, name: str) -> StoredObject | None:
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=name)
        except s3.exceptions.ClientError as exc:
            if _missing(exc):
                return None
            raise
        modified = head["LastModified"].timestamp()
        return StoredObject(name, head["ContentLength"], iso(modified))

    async def delete(self, name: str) -> bool:
        if await self.stat(name) is None:
            return False
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=name)
        return True

    async def list(self, prefix: str) -> Listing:
        s3 = await self._s3()
        found = []
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        async for page in pages:
            for item in page.get("Contents", []):
                modified = iso(item["LastModified"].timestamp())
                found.append(StoredObject(item["Key"], item["Size"], modified))
        return sorted(found, key=lambda obj: obj.name)

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None


class _Multipart:
    """One multipart upload, started on its first part."""

    def __init__(self, s3: Any, bucket: str, name: str) -> None:
        self.s3, self.bucket, self.name = s3, bucket, name
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    @property
    def started(self) -> bool:
        return self.upload_id is not None

    async def add(self, body: bytes) -> None:
        if self.upload_id is None:
            made = await self.s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.name
            )
            self.upload_id = made["UploadId"]
        number = len(self.parts) + 1
        done = await self.s3.upload_part(
            Bucket=self.bucket,
            Key=self.name,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=body,
        )
        self.parts.append({"PartNumber": number, "ETag": done["ETag"]})

    async def complete(self) -> None:
        await self.s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.name,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )
        self.upload_id = None

    async def abort(self) -> None:
        if self.upload_id is None:
            return
        try:
            await self.s3.abort_multipart_upload(
                Bucket=self.bucket, Key=self.name, UploadId=self.upload_id
            )
        except Exception:
            # The upload stays invisible either way; a bucket lifecycle rule
            # removes abandoned parts.
            log.blobs.warning("multipart_abort_failed upload=%s", self.upload_id)


async def _blocks(chunks: AsyncIterable[bytes], size: int) -> AsyncIterator[bytes]:
    """Regroup a stream into blocks of exactly `size` bytes, then the rest."""
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def _missing(exc: Any) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    return code in {"404", "NoSuchKey", "NotFound"}


def make_blob_service(platform: Platform) -> BlobService:
    """Return the blob service the settings choose (blob_backend)."""
    config = platform.config
    backend: Backend
    if config.blob_backend == "s3":
        backend = S3Backend(config)
    else:
        backend = LocalBackend(config.data_path / "blobs")
    return BlobService(backend, platform.cipher)
