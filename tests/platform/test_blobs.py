"""The blob service, against the local folder and a real S3 (moto_server)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from pathlib import Path

import psutil
import pytest

from tcloud.platform import blobs as blobs_module
from tcloud.platform.crypto import CHUNK, DecryptError
from tcloud.platform.errors import Invalid, NotFound, TooLarge
from tests.platform.conftest import S3_BUCKET, s3_config

MiB = 1 << 20


@pytest.fixture(params=["local", "s3"])
def config(request, config):  # type: ignore[no-untyped-def]
    if request.param == "s3":
        return s3_config(config, request.getfixturevalue("s3_url"))
    return config


@pytest.fixture
def blobs(platform):  # type: ignore[no-untyped-def]
    return platform.blobs


async def chunks_of(data: bytes, size: int):  # type: ignore[no-untyped-def]
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(stream) -> bytes:  # type: ignore[no-untyped-def]
    out = bytearray()
    async for chunk in stream:
        out += chunk
    return bytes(out)


def raw_name(tenant_id: str, key: str) -> str:
    return f"tenants/{tenant_id}/{key}"


async def read_raw(blobs, tenant_id: str, key: str) -> bytes:  # type: ignore[no-untyped-def]
    return await collect(blobs.backend.read(raw_name(tenant_id, key)))


async def write_raw(blobs, tenant_id: str, key: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    await blobs.backend.write(raw_name(tenant_id, key), chunks_of(data, MiB))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 20 * MiB + 7])
async def test_round_trip(blobs, tenants, size):
    acme, _ = tenants
    data = os.urandom(size)

    info = await blobs.put(acme, "uploads/u1/data.bin", chunks_of(data, 300_000))

    assert info.size == size
    assert await collect(blobs.get(acme, "uploads/u1/data.bin")) == data
    stat = await blobs.stat(acme, "uploads/u1/data.bin")
    assert (stat.size, stat.stored_size) == (size, info.stored_size)


async def test_stored_bytes_are_not_the_plaintext(blobs, tenants):
    acme, _ = tenants
    secret = b"customer-records;" * 1000

    await blobs.put_bytes(acme, "plain.csv", secret)

    raw = await read_raw(blobs, acme, "plain.csv")
    assert b"customer-records" not in raw
    assert raw.startswith(b"TCS1")


async def test_put_replaces_and_delete_removes(blobs, tenants):
    acme, _ = tenants
    await blobs.put_bytes(acme, "a.txt", b"first")
    await blobs.put_bytes(acme, "a.txt", b"second")

    assert await blobs.get_bytes(acme, "a.txt") == b"second"
    assert await blobs.delete(acme, "a.txt") is True
    assert await blobs.delete(acme, "a.txt") is False
    assert not await blobs.exists(acme, "a.txt")
    with pytest.raises(NotFound):
        await blobs.get_bytes(acme, "a.txt")


async def test_list_by_prefix_and_a_key_that_is_also_a_prefix(blobs, tenants):
    acme, _ = tenants
    for key in ["a", "a/1", "a/2/x", "ab", "b"]:
        await blobs.put_bytes(acme, key, key.encode())

    assert [b.key for b in await blobs.list(acme)] == ["a", "a/1", "a/2/x", "ab", "b"]
    assert [b.key for b in await blobs.list(acme, "a/")] == ["a/1", "a/2/x"]
    assert [b.key for b in await blobs.list(acme, "a")] == ["a", "a/1", "a/2/x", "ab"]
    assert [b.size for b in await blobs.list(acme, "a/2")] == [5]
    assert await blobs.get_bytes(acme, "a") == b"a"


async def test_tenants_see_only_their_own_prefix(blobs, tenants):
    acme, globex = tenants
    await blobs.put_bytes(acme, "shared-name.csv", b"acme data")

    assert await blobs.list(globex) == []
    assert not await blobs.exists(globex, "shared-name.csv")
    with pytest.raises(NotFound):
        await blobs.get_bytes(globex, "shared-name.csv")


async def test_another_tenants_cipher_cannot_open_a_blob(blobs, tenants):
    acme, globex = tenants
    await blobs.put_bytes(acme, "report.csv", b"acme data")

    stolen = await read_raw(blobs, acme, "report.csv")
    await write_raw(blobs, globex, "report.csv", stolen)

    with pytest.raises(DecryptError):
        await blobs.get_bytes(globex, "report.csv")


async def test_a_blob_moved_to_another_key_does_not_open(blobs, tenants):
    acme, _ = tenants
    await blobs.put_bytes(acme, "salaries.csv", b"secret")

    await write_raw(
        blobs, acme, "public.csv", await read_raw(blobs, acme, "salaries.csv")
    )

    with pytest.raises(DecryptError):
        await blobs.get_bytes(acme, "public.csv")


async def test_damaged_blob_is_detected(blobs, tenants):
    acme, _ = tenants
    await blobs.put_bytes(acme, "d.bin", os.urandom(3 * MiB))
    raw = bytearray(await read_raw(blobs, acme, "d.bin"))

    raw[2 * MiB] ^= 0x01
    await write_raw(blobs, acme, "d.bin", bytes(raw))

    with pytest.raises(DecryptError):
        await blobs.get_bytes(acme, "d.bin")


@pytest.mark.parametrize("keep", ["records", "mid-record", "header"])
async def test_truncated_blob_is_detected(blobs, tenants, keep):
    acme, _ = tenants
    await blobs.put_bytes(acme, "t.bin", os.urandom(3 * MiB))
    raw = await read_raw(blobs, acme, "t.bin")
    record = 4 + CHUNK + 16
    cut = {"records": 15 + 2 * record, "mid-record": 15 + record + 100, "header": 10}

    await write_raw(blobs, acme, "t.bin", raw[: cut[keep]])

    with pytest.raises(DecryptError):
        await blobs.get_bytes(acme, "t.bin")


async def test_failed_upload_keeps_the_old_version_and_shows_nothing(blobs, tenants):
    acme, _ = tenants
    await blobs.put_bytes(acme, "data.csv", b"version 1")
    halfway = asyncio.Event()
    go_on = asyncio.Event()

    async def failing():  # type: ignore[no-untyped-def]
        for _ in range(12):
            yield os.urandom(MiB)
        halfway.set()
        await go_on.wait()
        raise ConnectionResetError("client went away")

    upload = asyncio.create_task(blobs.put(acme, "data.csv", failing()))
    await halfway.wait()
    during = await blobs.get_bytes(acme, "data.csv")
    listed = [b.key for b in await blobs.list(acme)]
    go_on.set()

    with pytest.raises(ConnectionResetError):
        await upload
    assert during == b"version 1"
    assert listed == ["data.csv"]
    assert await blobs.get_bytes(acme, "data.csv") == b"version 1"
    assert [b.size for b in await blobs.list(acme)] == [9]


async def test_failed_first_upload_leaves_no_blob(blobs, tenants):
    acme, _ = tenants

    async def failing():  # type: ignore[no-untyped-def]
        yield os.urandom(10 * MiB)
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        await blobs.put(acme, "new.bin", failing())

    assert not await blobs.exists(acme, "new.bin")
    assert await blobs.list(acme) == []


async def test_text_conveniences(blobs, tenants):
    acme, _ = tenants
    text = "naïve café, 東京 " * 200_000

    await blobs.put_text(acme, "notes.txt", text)

    pieces = [piece async for piece in blobs.open_text(acme, "notes.txt")]
    assert len(pieces) > 1
    assert "".join(pieces) == text
    with pytest.raises(TooLarge):
        await blobs.get_bytes(acme, "notes.txt", max_bytes=1000)


BAD_KEYS = ["", "/etc/passwd", "..", "a/../b", "a//b", "a/", ".hidden", "a/.b",
            "a b", "a\\b", "café", "a\x00b", "x" * 1000]  # fmt: skip


@pytest.mark.parametrize("key", BAD_KEYS, ids=lambda key: repr(key)[:20])
def test_bad_keys_are_invalid(key):
    with pytest.raises(Invalid) as caught:
        blobs_module.check_key(key)

    assert caught.value.fields[0].field == "key"


@pytest.mark.parametrize("key", ["a", "uploads/u_1/data-2024.csv", "x=1+y@z,w.txt"])
def test_good_keys_pass(key):
    assert blobs_module.check_key(key) == key


async def test_every_operation_checks_the_key(blobs, tenants):
    acme, _ = tenants

    calls = [
        lambda: blobs.put_bytes(acme, "../x", b"x"),
        lambda: blobs.exists(acme, "/x"),
        lambda: blobs.delete(acme, "a/../b"),
        lambda: blobs.get_bytes(acme, ".."),
    ]

    for call in calls:
        with pytest.raises(Invalid):
            await call()


async def test_bad_tenant_id_and_prefix_are_invalid(blobs, tenants):
    acme, _ = tenants

    with pytest.raises(Invalid):
        await blobs.put_bytes("../other", "a", b"x")
    with pytest.raises(Invalid) as caught:
        await blobs.list(acme, "../")
    assert caught.value.fields[0].field == "prefix"


async def test_local_files_are_written_aside_then_renamed(platform, tenants):
    if platform.config.blob_backend != "local":
        pytest.skip("local backend only")
    acme, _ = tenants
    root = platform.config.data_path / "blobs"

    await platform.blobs.put_bytes(acme, "deep/down/x.bin", b"x")
    await platform.blobs.delete(acme, "deep/down/x.bin")

    assert list((root / ".partial").iterdir()) == []
    assert not (root / "tenants" / acme / "deep").exists()


class PeakRss:
    """Sample this process's resident memory in a thread; keep the peak."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_one_gigabyte_streams_in_little_memory(platform, tenants):
    if platform.config.blob_backend != "local":
        pytest.skip("the 1 GB stream runs on the local backend")
    acme, _ = tenants
    total, block = 1 << 30, os.urandom(MiB)
    sent, received = hashlib.sha256(), hashlib.sha256()

    async def source():  # type: ignore[no-untyped-def]
        for i in range(total // MiB):
            chunk = i.to_bytes(8, "big") + block[8:]
            sent.update(chunk)
            yield chunk

    with PeakRss() as rss:
        started = time.monotonic()
        info = await platform.blobs.put(acme, "big/one-gigabyte.bin", source())
        put_seconds = time.monotonic() - started
        async for chunk in platform.blobs.get(acme, "big/one-gigabyte.bin"):
            received.update(chunk)
        total_seconds = time.monotonic() - started

    print(
        f"\n1 GiB: put {put_seconds:.1f} s, put+get {total_seconds:.1f} s,"
        f" peak RSS growth {rss.growth / MiB:.1f} MiB"
    )
    assert info.size == total
    assert received.digest() == sent.digest()
    assert rss.growth < 64 * MiB
    await platform.blobs.delete(acme, "big/one-gigabyte.bin")


def test_the_backend_is_chosen_by_setting(platform):
    kind = type(platform.blobs.backend)
    expected = {"local": blobs_module.LocalBackend, "s3": blobs_module.S3Backend}
    assert kind is expected[platform.config.blob_backend]


@pytest.fixture
def s3_only(platform):  # type: ignore[no-untyped-def]
    if platform.config.blob_backend != "s3":
        pytest.skip("S3 backend only")
    return platform.blobs


async def test_s3_streams_a_large_blob_as_a_multipart_upload(s3_only, tenants):
    acme, _ = tenants

    await s3_only.put(acme, "big.bin", chunks_of(os.urandom(20 * MiB), MiB))

    s3 = await s3_only.backend._s3()
    head = await s3.head_object(Bucket=S3_BUCKET, Key=raw_name(acme, "big.bin"))
    assert head["ETag"].endswith('-3"')


async def test_s3_failed_upload_aborts_its_multipart_upload(s3_only, tenants):
    acme, _ = tenants

    async def failing():  # type: ignore[no-untyped-def]
        yield os.urandom(20 * MiB)
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        await s3_only.put(acme, "big.bin", failing())

    s3 = await s3_only.backend._s3()
    uploads = await s3.list_multipart_uploads(Bucket=S3_BUCKET)
    assert uploads.get("Uploads", []) == []
    assert not await s3_only.exists(acme, "big.bin")


class OffTheLoop:
    """A file whose reads and writes fail if made on the event loop's thread."""

    def __init__(self, fh) -> None:  # type: ignore[no-untyped-def]
        self._fh = fh

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        value = getattr(self._fh, name)
        if name in {"read", "write", "flush", "fileno"}:
            return checked(value, name)
        return value


def checked(function, name: str):  # type: ignore[no-untyped-def]
    def call(*args, **kwargs):  # type: ignore[no-untyped-def]
        on_loop = threading.current_thread() is threading.main_thread()
        assert not on_loop, f"{name} ran on the event loop's thread"
        return function(*args, **kwargs)

    return call


FILE_CALLS = [(os, "open"), (os, "fsync"), (os, "replace"), (os, "walk"),
              (Path, "stat"), (Path, "unlink")]  # fmt: skip


async def test_local_file_io_never_runs_on_the_loop(platform, tenants, monkeypatch):
    if platform.config.blob_backend != "local":
        pytest.skip("local backend only")
    acme, _ = tenants
    real_fdopen, real_open = os.fdopen, Path.open

    # Undone before pytest reports, which stats files on this thread itself.
    with monkeypatch.context() as patch:
        for module, name in FILE_CALLS:
            patch.setattr(module, name, checked(getattr(module, name), name))
        patch.setattr(os, "fdopen", lambda *a: OffTheLoop(real_fdopen(*a)))
        patch.setattr(Path, "open", lambda *a: OffTheLoop(real_open(*a)))
        blobs = platform.blobs
        await blobs.put(acme, "a/b.bin", chunks_of(os.urandom(3 * MiB), MiB))
        data = await blobs.get_bytes(acme, "a/b.bin")
        listed = await blobs.list(acme, "a/")
        found = await blobs.exists(acme, "a/b.bin")
        deleted = await blobs.delete(acme, "a/b.bin")

    assert len(data) == 3 * MiB
    assert [b.key for b in listed] == ["a/b.bin"]
    assert found and deleted
