"""The long-lived parts of the server, and the per-request tenant context.

`Platform` is made once at start-up and holds what every app shares.
`TenantContext` is resolved once per request (or job) and is the first
argument of every service call: the tenant, its store, its cipher, who is
acting and from where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tcloud.config import Config
from tcloud.platform.audit import Actor
from tcloud.platform.crypto import TenantCipher
from tcloud.platform.db import Database
from tcloud.platform.keys import KeyRing
from tcloud.platform.rbac import Principal
from tcloud.platform.tenancy import Tenant, TenantIndex, TenantStores

if TYPE_CHECKING:
    from tcloud.platform.auth import AuthCache
    from tcloud.platform.blobs import BlobService
    from tcloud.platform.broker import Broker


@dataclass
class Platform:
    config: Config
    control: Database
    tenants: TenantIndex
    stores: TenantStores
    keyring: KeyRing
    auth_cache: AuthCache
    blobs: BlobService | None = None
    broker: Broker | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    async def cipher(self, tenant_id: str) -> TenantCipher:
        return TenantCipher(await self.keyring.tenant_keys(tenant_id))


@dataclass(frozen=True, slots=True)
class TenantContext:
    platform: Platform
    tenant: Tenant
    db: Database
    principal: Principal
    source_ip: str = ""
    request_id: str = ""

    @property
    def actor(self) -> Actor:
        p = self.principal
        return Actor(p.kind, p.id, p.name, self.source_ip, self.request_id)

    @property
    def config(self) -> Config:
        return self.platform.config

    async def cipher(self) -> TenantCipher:
        return await self.platform.cipher(self.tenant.id)
