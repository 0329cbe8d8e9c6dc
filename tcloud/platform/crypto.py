"""The encryption service every app uses for secrets and blobs.

Small values are sealed whole; blobs are sealed as a stream of 1 MiB
records so that no blob ever sits in memory. Both use AES-256-GCM under the
tenant's newest data key, with the tenant and a purpose bound in as
associated data: a value sealed for one tenant or purpose cannot be opened
as another's.

Sealed value:  0x01 | key version (4) | nonce (12) | ciphertext+tag
Sealed stream: b"TCS1" | key version (4) | nonce prefix (7), then records of
               length (4) | ciphertext+tag; the record nonce is the prefix,
               a 4-byte counter and a final flag, so a cut-off stream fails.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import AsyncIterable, AsyncIterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tcloud.platform.errors import TcloudError
from tcloud.platform.keys import TenantKeys

VALUE_MAGIC = b"\x01"
STREAM_MAGIC = b"TCS1"
CHUNK = 1 << 20
TAG = 16
STREAM_HEADER = 15
RECORD_OVERHEAD = 4 + TAG


class DecryptError(TcloudError):
    code, title = "decrypt-failed", "Data could not be decrypted"


def _ad(tenant_id: str, purpose: str, extra: bytes = b"") -> bytes:
    return b"tcloud|" + tenant_id.encode() + b"|" + purpose.encode() + extra


class TenantCipher:
    """Seal and open data for one tenant."""

    def __init__(self, keys: TenantKeys) -> None:
        self._keys = keys
        self.tenant_id = keys.tenant_id

    def _key(self, version: int) -> AESGCM:
        key = self._keys.keys.get(version)
        if key is None:
            raise DecryptError(f"data key version {version} is unknown")
        return AESGCM(key)

    def seal(self, purpose: str, plaintext: bytes) -> bytes:
        version = self._keys.current_version
        nonce = secrets.token_bytes(12)
        body = self._key(version).encrypt(
            nonce, plaintext, _ad(self.tenant_id, purpose)
        )
        return VALUE_MAGIC + struct.pack(">I", version) + nonce + body

    def open(self, purpose: str, sealed: bytes) -> bytes:
        if len(sealed) < 17 + TAG or sealed[:1] != VALUE_MAGIC:
            raise DecryptError("not a sealed value")
        (version,) = struct.unpack(">I", sealed[1:5])
        try:
            return self._key(version).decrypt(
                sealed[5:17], sealed[17:], _ad(self.tenant_id, purpose)
            )
        except InvalidTag:
            raise DecryptError(
                "sealed value does not match its tenant or purpose"
            ) from None

    def seal_text(self, purpose: str, text: str) -> bytes:
        return self.seal(purpose, text.encode())

    def open_text(self, purpose: str, sealed: bytes) -> str:
        return self.open(purpose, sealed).decode()

    def stream_sealer(self, purpose: str) -> StreamSealer:
        return StreamSealer(self, purpose)

    def stream_opener(self, purpose: str) -> StreamOpener:
        return StreamOpener(self, purpose)


def _nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if final else 0)


class StreamSealer:
    """Turn plaintext chunks of any size into sealed records, incrementally."""

    def __init__(self, cipher: TenantCipher, purpose: str) -> None:
        self.version = cipher._keys.current_version
        self._aead = cipher._key(self.version)
        self._ad = _ad(cipher.tenant_id, purpose)
        self._prefix = secrets.token_bytes(7)
        self._counter = 0
        self._buffer = bytearray()
        self._started = False

    def _record(self, plain: bytes, final: bool) -> bytes:
        nonce = _nonce(self._prefix, self._counter, final)
        self._counter += 1
        body = self._aead.encrypt(nonce, plain, self._ad)
        return struct.pack(">I", len(body)) + body

    def _header(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        return STREAM_MAGIC + struct.pack(">I", self.version) + self._prefix

    def update(self, data: bytes) -> bytes:
        """Take plaintext; return whatever sealed bytes are ready."""
        self._buffer += data
        out = [self._header()]
        # Keep at least one byte back so that the final record is never empty
        # unless the whole stream is.
        while len(self._buffer) > CHUNK:
            out.append(self._record(bytes(self._buffer[:CHUNK]), final=False))
            del self._buffer[:CHUNK]
        return b"".join(out)

    def finish(self) -> bytes:
        out = self._header() + self._record(bytes(self._buffer), final=True)
        self._buffer.clear()
        return out


class StreamOpener:
    """Turn sealed records back into plaintext, incrementally."""

    def __init__(self, cipher: TenantCipher, purpose: str) -> None:
        self._cipher = cipher
        self._ad = _ad(cipher.tenant_id, purpose)
        self._aead: AESGCM | None = None
        self._prefix = b""
        self._counter = 0
        self._buffer = bytearray()
        self._done = False

    def update(self, data: bytes) -> bytes:
        self._buffer += data
        out = []
        if self._aead is None:
            if len(self._buffer) < 15:
                return b""
            if bytes(self._buffer[:4]) != STREAM_MAGIC:
                raise DecryptError("not a sealed stream")
            (version,) = struct.unpack(">I", self._buffer[4:8])
            self._aead = self._cipher._key(version)
            self._prefix = bytes(self._buffer[8:15])
            del self._buffer[:15]
        while len(self._buffer) >= 4:
            (size,) = struct.unpack(">I", self._buffer[:4])
            # A damaged length must not make us buffer the rest of the stream.
            if not TAG <= size <= CHUNK + TAG:
                raise DecryptError("sealed stream is damaged")
            if len(self._buffer) < 4 + size:
                break
            out.append(self._open(bytes(self._buffer[4 : 4 + size])))
            del self._buffer[: 4 + size]
        return b"".join(out)

    def _open(self, body: bytes) -> bytes:
        if self._done:
            raise DecryptError("data after the end of a sealed stream")
        assert self._aead is not None
        for final in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._counter, final), body, self._ad
                )
            except InvalidTag:
                continue
            self._counter += 1
            self._done = final
            return plain
        raise DecryptError("sealed stream is damaged or not this tenant's")

    def finish(self) -> None:
        if not self._done or self._buffer:
            raise DecryptError("sealed stream is cut short")


def plain_size(sealed_size: int) -> int:
    """Return the plaintext length of a sealed stream from its sealed length.

    Every record but the last holds CHUNK bytes, so the length alone tells;
    for a damaged stream the answer means nothing (and is never negative).
    """
    body = sealed_size - STREAM_HEADER
    if body < RECORD_OVERHEAD:
        return 0
    records = -(-body // (CHUNK + RECORD_OVERHEAD))
    return body - records * RECORD_OVERHEAD


async def seal_stream(
    sealer: StreamSealer, chunks: AsyncIterable[bytes]
) -> AsyncIterator[bytes]:
    """Seal a stream of plaintext chunks, yielding sealed bytes as they are ready."""
    async for chunk in chunks:
        out = sealer.update(chunk)
        if out:
            yield out
    yield sealer.finish()
