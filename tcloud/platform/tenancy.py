"""Tenants and their stores: the control store index and a pool of tenant.db files.

Tenant stores open on first use and stay pooled up to a cap; the least
recently used idle one is closed to make room. A store in use (a request or
a job holds it through `use`) is never closed under it.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tcloud import log
from tcloud.platform.db import Database, Migration, Row
from tcloud.platform.errors import Busy, NotFound

TENANT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str
    display_name: str
    seat_limit: int
    status: str

    @classmethod
    def from_row(cls, row: Row) -> Tenant:
        return cls(
            row["id"],
            row["name"],
            row["display_name"],
            row["seat_limit"],
            row["status"],
        )


class _Slot:
    __slots__ = ("db", "users", "ready")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.users = 0
        self.ready = asyncio.Event()


class TenantStores:
    """The pool of open tenant stores."""

    def __init__(
        self,
        root: Path,
        migrations: Sequence[Migration],
        cap: int = 64,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.root = root
        self.migrations = migrations
        self.cap = cap
        self.busy_timeout_ms = busy_timeout_ms
        self._slots: OrderedDict[str, _Slot] = OrderedDict()

    def path(self, tenant_id: str) -> Path:
        return self.root / tenant_id / "tenant.db"

    @property
    def open_count(self) -> int:
        return len(self._slots)

    @asynccontextmanager
    async def use(self, tenant_id: str) -> AsyncIterator[Database]:
        slot = await self._acquire(tenant_id)
        try:
            yield slot.db
        finally:
            slot.users -= 1

    async def _acquire(self, tenant_id: str) -> _Slot:
        slot = self._slots.get(tenant_id)
        if slot is not None:
            self._slots.move_to_end(tenant_id)
            slot.users += 1
            await slot.ready.wait()
            return slot
        await self._make_room()
        slot = _Slot(Database(self.path(tenant_id), self.busy_timeout_ms))
        slot.users += 1
        self._slots[tenant_id] = slot
        try:
            await slot.db.open(self.migrations)
        except BaseException:
            del self._slots[tenant_id]
            slot.ready.set()
            raise
        slot.ready.set()
        log.store.debug("tenant_store_opened tenant=%s", tenant_id)
        return slot

    async def _make_room(self) -> None:
        if len(self._slots) < self.cap:
            return
        for tenant_id, slot in self._slots.items():
            if slot.users == 0 and slot.ready.is_set():
                del self._slots[tenant_id]
                await slot.db.close()
                log.store.debug("tenant_store_closed tenant=%s", tenant_id)
                return
        raise Busy("too many tenant stores are in use, try again", retry_after=2)

    async def close(self) -> None:
        while self._slots:
            _, slot = self._slots.popitem()
            await slot.db.close()


class TenantIndex:
    """The tenants table of the control store, with an in-memory cache."""

    def __init__(self, control: Database) -> None:
        self.control = control
        self._by_id: dict[str, Tenant] = {}

    async def get(self, tenant_id: str) -> Tenant:
        tenant = self._by_id.get(tenant_id)
        if tenant is None:
            row = await self.control.fetchone(
                "SELECT * FROM tenants WHERE id = ?", [tenant_id]
            )
            if row is None:
                raise NotFound("no such tenant")
            tenant = self._by_id[tenant_id] = Tenant.from_row(row)
        return tenant

    async def by_name(self, name: str) -> Tenant | None:
        row = await self.control.fetchone(
            "SELECT * FROM tenants WHERE name = ?", [name.lower()]
        )
        return None if row is None else Tenant.from_row(row)

    async def all(self) -> list[Tenant]:
        rows = await self.control.fetchall("SELECT * FROM tenants ORDER BY name")
        return [Tenant.from_row(r) for r in rows]

    def forget(self, tenant_id: str) -> None:
        self._by_id.pop(tenant_id, None)


class LoginIndex:
    """The control store's index of logins: which user a login of a tenant is,
    so that sign-in finds the user without opening every tenant store."""

    def __init__(self, control: Database) -> None:
        self.control = control

    async def user_id(self, tenant_id: str, login: str) -> str | None:
        return await self.control.fetchval(
            "SELECT user_id FROM logins WHERE tenant_id = ? AND login = ?",
            [tenant_id, login],
        )

    async def add(self, tenant_id: str, login: str, user_id: str) -> None:
        await self.control.execute(
            "INSERT INTO logins (tenant_id, login, user_id) VALUES (?, ?, ?)",
            [tenant_id, login, user_id],
        )

    async def remove(self, tenant_id: str, user_id: str) -> None:
        await self.control.execute(
            "DELETE FROM logins WHERE tenant_id = ? AND user_id = ?",
            [tenant_id, user_id],
        )
