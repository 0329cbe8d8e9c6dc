"""Asking the tenant's engine: samples, connection tests, previews.

The server never reads a user-typed address itself; it sends the dataset
specs and the plan to one of the tenant's connected engines over its
websocket (`tcloud.engine.data` answers), with the secrets sealed to that
engine's public key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tcloud.engine import protocol as p
from tcloud.engine import sealing
from tcloud.engine.data import PREVIEW, SAMPLE, TEST
from tcloud.platform.context import TenantContext
from tcloud.platform.errors import Invalid, TcloudError

if TYPE_CHECKING:
    from tcloud.engines.hub import Connection, Hub

SAMPLE_TIMEOUT = 120.0
PREVIEW_TIMEOUT = 30.0

__all__ = ["PREVIEW", "SAMPLE", "TEST", "NoEngine", "ask"]


class NoEngine(TcloudError):
    status, code, title = 503, "no-engine", "No engine available"


class EngineDataError(Invalid):
    """The engine could not read the data, or the plan failed on it."""

    code, title = "engine-data-error", "The engine could not do it"


def pick(hub: Hub, tenant_id: str) -> Connection:
    """Return a connected engine of the tenant, the least busy first."""
    choices = [
        c
        for c in hub.connections.values()
        if c.tenant_id == tenant_id and not c.peer.closed
    ]
    if not choices:
        raise NoEngine("no engine of this tenant is connected: start or pair one")
    choices.sort(key=lambda c: (p.CAP_PLAN not in c.capabilities, -c.free))
    return choices[0]


async def ask(
    ctx: TenantContext,
    hub: Hub,
    kind: str,
    body: dict[str, Any],
    secrets: dict[str, str] | None = None,
    timeout: float = SAMPLE_TIMEOUT,  # noqa: ASYNC109
) -> dict[str, Any]:
    """Send one data command to an engine of the tenant and return its reply."""
    conn = pick(hub, ctx.tenant.id)
    sealed = {
        name: sealing.seal(conn.public_key, conn.engine_id, value.encode())
        for name, value in (secrets or {}).items()
    }
    try:
        return await conn.peer.request(kind, {**body, "secrets": sealed}, timeout)
    except TimeoutError:
        raise NoEngine("the engine did not answer in time") from None
    except p.PeerGone:
        raise NoEngine("the engine went away; try again") from None
    except p.RequestFailed as exc:
        raise EngineDataError(exc.message, extra={"engine_code": exc.code}) from None
