"""Envelope encryption: a master key wraps one data key per tenant and version.

The master key is a local file (JSON, mode 0600) holding numbered 32-byte
keys. Each tenant has data keys in the control store, wrapped under a master
version with AES-256-GCM and the tenant and data-key version bound in as
associated data. New data is written under the newest data key; every older
version stays readable, so rotating never makes stored data unreadable.

Another process (`tcloud keys rotate --master`) may add a master version
while the server runs: the file is read again when a version is missing, and
before a version is added, so neither process loses the other's keys.

Limitations:

- Unwrapped data keys are cached per process, so a data key version added by
  another process is used here only after a restart (data written meanwhile
  stays under the older version, which still decrypts).
- A master key file that goes missing is made anew at the next start; data
  keys wrapped under the lost one then fail with a KeyError_ naming the file
  (`tests/platform/test_keys.py::test_data_does_not_open_under_another_master_key`).
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tcloud import log
from tcloud.platform.db import Database, Transaction
from tcloud.platform.errors import TcloudError
from tcloud.platform.ids import now_iso

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyError_(TcloudError):
    code, title = "key-error", "Key error"


def _wrap_context(tenant_id: str, version: int) -> bytes:
    return f"tcloud-data-key|{tenant_id}|{version}".encode()


class MasterKeyFile:
    """Numbered master keys in one local file; the highest number is current."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: dict[int, bytes] = {}

    @property
    def current_version(self) -> int:
        return max(self._keys)

    def load_or_create(self) -> None:
        if not self.path.exists():
            self._keys = {1: secrets.token_bytes(KEY_BYTES)}
            self._write()
            log.keys.info("master_key_created path=%s", self.path)
            return
        self._read()

    def _read(self) -> None:
        try:
            data = orjson.loads(self.path.read_bytes())
            keys = {int(v): base64.b64decode(k) for v, k in data["keys"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyError_(
                f"master key file {self.path} cannot be read: {exc}"
            ) from None
        if not keys or any(len(k) != KEY_BYTES for k in keys.values()):
            raise KeyError_(f"master key file {self.path} holds no valid key")
        self._keys = keys

    def add_version(self) -> int:
        self._read()
        version = self.current_version + 1
        self._keys[version] = secrets.token_bytes(KEY_BYTES)
        self._write()
        return version

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = orjson.dumps(
            {
                "keys": {
                    str(v): base64.b64encode(k).decode() for v, k in self._keys.items()
                }
            }
        )
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.replace(tmp, self.path)
        os.chmod(self.path, 0o600)

    def wrap(self, data_key: bytes, context: bytes) -> tuple[int, bytes]:
        version = self.current_version
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self._keys[version]).encrypt(nonce, data_key, context)
        return version, nonce + sealed

    def unwrap(self, version: int, wrapped: bytes, context: bytes) -> bytes:
        if version not in self._keys:
            self._read()
        key = self._keys.get(version)
        if key is None:
            raise KeyError_(f"master key version {version} is missing")
        try:
            return AESGCM(key).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context
            )
        except InvalidTag:
            raise KeyError_(
                f"master key version {version} of {self.path} does not unwrap this"
                " data key: a different master key file, or a damaged key"
            ) from None


@dataclass
class TenantKeys:
    """The unwrapped data keys of one tenant, by version."""

    tenant_id: str
    keys: dict[int, bytes] = field(default_factory=dict, repr=False)

    @property
    def current_version(self) -> int:
        return max(self.keys)


class KeyRing:
    """Creates, rotates and hands out tenant data keys; caches unwrapped ones."""

    def __init__(self, control: Database, master: MasterKeyFile) -> None:
        self.control = control
        self.master = master
        self._cache: dict[str, TenantKeys] = {}

    async def holds_keys(self) -> bool:
        """Say whether the control store holds data keys wrapped by a master key."""
        return bool(await self.control.fetchval("SELECT COUNT(*) FROM tenant_keys"))

    async def create_tenant_key(self, tx: Transaction, tenant_id: str) -> None:
        await self._insert(tx, tenant_id, 1)

    async def rotate(self, tenant_id: str) -> int:
        async with self.control.transaction() as tx:
            latest = await tx.fetchval(
                "SELECT MAX(version) FROM tenant_keys WHERE tenant_id = ?", [tenant_id]
            )
            version = (latest or 0) + 1
            await self._insert(tx, tenant_id, version)
        self._cache.pop(tenant_id, None)
        log.keys.info("data_key_rotated tenant=%s version=%s", tenant_id, version)
        return version

    async def rotate_master(self) -> int:
        """Add a master key version and re-wrap every data key under it."""
        version = self.master.add_version()
        rows = await self.control.fetchall(
            "SELECT tenant_id, version, master_version, wrapped FROM tenant_keys"
        )
        async with self.control.transaction() as tx:
            for row in rows:
                context = _wrap_context(row["tenant_id"], row["version"])
                plain = self.master.unwrap(
                    row["master_version"], row["wrapped"], context
                )
                master_version, wrapped = self.master.wrap(plain, context)
                await tx.execute(
                    "UPDATE tenant_keys SET master_version = ?, wrapped = ?"
                    " WHERE tenant_id = ? AND version = ?",
                    [master_version, wrapped, row["tenant_id"], row["version"]],
                )
        log.keys.info("master_key_rotated version=%s rewrapped=%s", version, len(rows))
        return version

    async def _insert(self, tx: Transaction, tenant_id: str, version: int) -> None:
        data_key = AESGCM.generate_key(bit_length=256)
        master_version, wrapped = self.master.wrap(
            data_key, _wrap_context(tenant_id, version)
        )
        await tx.execute(
            "INSERT INTO tenant_keys (tenant_id, version, master_version, wrapped,"
            " created_at) VALUES (?, ?, ?, ?, ?)",
            [tenant_id, version, master_version, wrapped, now_iso()],
        )

    async def tenant_keys(self, tenant_id: str) -> TenantKeys:
        cached = self._cache.get(tenant_id)
        if cached is not None:
            return cached
        rows = await self.control.fetchall(
            "SELECT version, master_version, wrapped FROM tenant_keys"
            " WHERE tenant_id = ?",
            [tenant_id],
        )
        if not rows:
            raise KeyError_(f"tenant {tenant_id} has no data key")
        keys = TenantKeys(tenant_id)
        for row in rows:
            context = _wrap_context(tenant_id, row["version"])
            keys.keys[row["version"]] = self.master.unwrap(
                row["master_version"], row["wrapped"], context
            )
        self._cache[tenant_id] = keys
        return keys

    def forget(self, tenant_id: str) -> None:
        self._cache.pop(tenant_id, None)
