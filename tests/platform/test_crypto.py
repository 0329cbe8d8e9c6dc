"""Sealed values and sealed streams: round trips, binding, damage."""

from __future__ import annotations

import os
import struct

import pytest

from tcloud.platform.crypto import (
    CHUNK,
    DecryptError,
    TenantCipher,
    plain_size,
    seal_stream,
)
from tcloud.platform.keys import TenantKeys

KEY = bytes(range(32))


def cipher(tenant_id: str = "tnt_acme", **keys: bytes) -> TenantCipher:
    versions = {int(v[1:]): k for v, k in keys.items()} or {1: KEY}
    return TenantCipher(TenantKeys(tenant_id, versions))


def seal_all(c: TenantCipher, purpose: str, data: bytes, piece: int) -> bytes:
    sealer = c.stream_sealer(purpose)
    out = [sealer.update(data[i : i + piece]) for i in range(0, len(data), piece)]
    return b"".join([*out, sealer.finish()])


def open_all(
    c: TenantCipher, purpose: str, sealed: bytes, piece: int = 65_536
) -> bytes:
    opener = c.stream_opener(purpose)
    out = [opener.update(sealed[i : i + piece]) for i in range(0, len(sealed), piece)]
    opener.finish()
    return b"".join(out)


def test_value_round_trip():
    c = cipher()

    sealed = c.seal("secret:db-password", b"hunter2")

    assert c.open("secret:db-password", sealed) == b"hunter2"
    assert b"hunter2" not in sealed
    assert c.open_text("p", c.seal_text("p", "naïve")) == "naïve"


def test_the_same_value_seals_differently_each_time():
    c = cipher()

    assert c.seal("p", b"x") != c.seal("p", b"x")


def test_value_is_bound_to_its_purpose():
    c = cipher()
    sealed = c.seal("connection:1", b"secret")

    with pytest.raises(DecryptError):
        c.open("connection:2", sealed)


def test_value_is_bound_to_its_tenant_even_under_the_same_key():
    sealed = cipher("tnt_acme").seal("p", b"secret")

    with pytest.raises(DecryptError):
        cipher("tnt_globex").open("p", sealed)


@pytest.mark.parametrize("damage", ["flip", "short", "magic", "version"])
def test_damaged_value_is_refused(damage):
    c = cipher()
    sealed = bytearray(c.seal("p", b"some secret value"))
    if damage == "flip":
        sealed[-1] ^= 1
    elif damage == "short":
        sealed = sealed[:20]
    elif damage == "magic":
        sealed[0] = 2
    else:
        sealed[1:5] = struct.pack(">I", 9)

    with pytest.raises(DecryptError):
        c.open("p", bytes(sealed))


def test_new_data_uses_the_newest_version_and_old_data_still_opens():
    old = cipher(v1=KEY).seal("p", b"before")
    rotated = cipher(v1=KEY, v2=os.urandom(32))

    new = rotated.seal("p", b"after")

    assert struct.unpack(">I", new[1:5]) == (2,)
    assert rotated.open("p", old) == b"before"
    assert rotated.open("p", new) == b"after"


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5]
)
@pytest.mark.parametrize("piece", [1000, CHUNK + 3])
def test_stream_round_trip(size, piece):
    c = cipher()
    data = os.urandom(size)

    sealed = seal_all(c, "blob:x", data, piece)

    assert open_all(c, "blob:x", sealed, piece=777_777) == data
    assert plain_size(len(sealed)) == size


async def test_seal_stream_seals_an_async_iterable():
    c = cipher()

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(3):
            yield os.urandom(CHUNK // 2) if _ else b"start"

    sealed = b"".join(
        [part async for part in seal_stream(c.stream_sealer("p"), chunks())]
    )

    assert open_all(c, "p", sealed).startswith(b"start")


def test_stream_is_bound_to_tenant_and_purpose():
    sealed = seal_all(cipher("tnt_acme"), "blob:a", b"x" * 5000, 1000)

    with pytest.raises(DecryptError):
        open_all(cipher("tnt_acme"), "blob:b", sealed)
    with pytest.raises(DecryptError):
        open_all(cipher("tnt_globex"), "blob:a", sealed)


def records(sealed: bytes) -> tuple[bytes, list[bytes]]:
    header, rest, out = sealed[:15], sealed[15:], []
    while rest:
        (size,) = struct.unpack(">I", rest[:4])
        out.append(rest[: 4 + size])
        rest = rest[4 + size :]
    return header, out


@pytest.mark.parametrize("damage", ["drop-last", "swap", "append", "repeat-final"])
def test_stream_records_cannot_be_cut_reordered_or_added(damage):
    c = cipher()
    header, recs = records(seal_all(c, "p", os.urandom(3 * CHUNK + 1), CHUNK))
    changed = {
        "drop-last": recs[:-1],
        "swap": [recs[1], recs[0], *recs[2:]],
        "append": [*recs, recs[0]],
        "repeat-final": [*recs, recs[-1]],
    }[damage]

    with pytest.raises(DecryptError):
        open_all(c, "p", header + b"".join(changed))


def test_a_damaged_record_length_is_refused_at_once():
    c = cipher()
    sealed = bytearray(seal_all(c, "p", os.urandom(1000), 1000))
    sealed[15:19] = struct.pack(">I", 0xFFFFFFF0)

    with pytest.raises(DecryptError):
        c.stream_opener("p").update(bytes(sealed))


def test_a_stream_under_an_unknown_version_is_refused():
    sealed = seal_all(cipher(v1=KEY, v2=os.urandom(32)), "p", b"data", 10)

    with pytest.raises(DecryptError):
        open_all(cipher(v1=KEY), "p", sealed)
