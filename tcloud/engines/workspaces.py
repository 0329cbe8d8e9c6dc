"""Environments, workspaces and who may do what in them.

A workspace permission is one of view, author, execute, publish, manage;
manage holds every other one and any grant holds view. Holders of
environments:write (and `*`) manage every workspace, the owner manages a
personal one, and a shared workspace nobody was granted on is open to the
tenant's roles. The tenant permission of the endpoint is checked first.
"""

from __future__ import annotations

from typing import Any

from tcloud.engines import store
from tcloud.platform import audit
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import Conflict, Forbidden, NotFound
from tcloud.platform.rbac import ALL

WORKSPACE_PERMISSIONS = ("view", "author", "execute", "publish", "manage")


def existing(row: Row | None, what: str) -> Row:
    if row is None:
        raise NotFound(f"no such {what}")
    return row


def _is_admin(ctx: TenantContext) -> bool:
    return ctx.principal.can(ALL) or ctx.principal.can("environments:write")


async def workspace_permissions(ctx: TenantContext, ws: Row) -> set[str]:
    """Return what the caller may do in a workspace."""
    p = ctx.principal
    if _is_admin(ctx) or (ws["kind"] == "personal" and ws["owner_id"] == p.id):
        return set(WORKSPACE_PERMISSIONS)
    granted = await store.permissions_in(ctx.db, ws["id"], p.kind, p.id)
    if ws["kind"] == "shared" and not await store.grants(ctx.db, ws["id"]):
        # A shared workspace nobody was granted on is open to the tenant's
        # roles: its permissions alone decide.
        granted = set(WORKSPACE_PERMISSIONS) - {"manage"}
    if "manage" in granted:
        return set(WORKSPACE_PERMISSIONS)
    return granted | ({"view"} if granted else set())


async def require_workspace(ctx: TenantContext, ws_id: str, need: str) -> Row:
    ws = existing(await store.workspace(ctx.db, ws_id), "workspace")
    have = await workspace_permissions(ctx, ws)
    if not have:
        raise NotFound("no such workspace")
    if need not in have:
        raise Forbidden(f"this needs the workspace permission {need}")
    return ws


async def visible_workspaces(ctx: TenantContext, need: str = "view") -> list[str]:
    await ensure_personal_workspace(ctx)
    found = []
    for ws in await store.workspaces(ctx.db):
        if need in await workspace_permissions(ctx, ws):
            found.append(ws["id"])
    return found


async def default_environment(ctx: TenantContext) -> Row:
    return existing(await store.environment_by_name(ctx.db, "default"), "environment")


async def ensure_personal_workspace(ctx: TenantContext, env_id: str = "") -> Row:
    """Return the caller's personal workspace in an environment, made if missing."""
    p = ctx.principal
    env_id = env_id or (await default_environment(ctx))["id"]
    found = await store.personal_workspace(ctx.db, env_id, p.id)
    if found is not None:
        return found
    async with ctx.db.transaction() as tx:
        name = f"Personal ({p.name})"[:100]
        ws_id = await store.insert_workspace(tx, env_id, name, "personal", p.id)
        await audit.record(tx, ctx.actor, "workspace.create", "workspace", ws_id, name)
    return existing(await store.workspace(ctx.db, ws_id), "workspace")


async def list_environments(ctx: TenantContext) -> list[Row]:
    return await store.environments(ctx.db)


async def get_environment(ctx: TenantContext, env_id: str) -> Row:
    return existing(await store.environment(ctx.db, env_id), "environment")


async def create_environment(ctx: TenantContext, name: str, description: str) -> Row:
    if await store.environment_by_name(ctx.db, name) is not None:
        raise Conflict(f"an environment named {name} already exists")
    async with ctx.db.transaction() as tx:
        env_id = await store.insert_environment(tx, name, description)
        await store.insert_workspace(tx, env_id, "Shared", "shared")
        await audit.record(
            tx, ctx.actor, "environment.create", "environment", env_id, name
        )
    return await get_environment(ctx, env_id)


async def update_environment(
    ctx: TenantContext, env_id: str, fields: dict[str, Any]
) -> Row:
    env = await get_environment(ctx, env_id)
    if env["name"] == "default" and fields.get("name", "default") != "default":
        raise Conflict("the default environment keeps its name")
    async with ctx.db.transaction() as tx:
        await store.update_environment(tx, env_id, fields)
        await audit.record(
            tx,
            ctx.actor,
            "environment.update",
            "environment",
            env_id,
            env["name"],
            details={"fields": sorted(fields)},
        )
    return await get_environment(ctx, env_id)


async def delete_environment(ctx: TenantContext, env_id: str) -> None:
    env = await get_environment(ctx, env_id)
    if env["name"] == "default":
        raise Conflict("the default environment cannot be deleted")
    if await store.count_in_environment(ctx.db, env_id):
        raise Conflict("revoke its engines and remove its artifacts first")
    async with ctx.db.transaction() as tx:
        await store.delete_environment(tx, env_id)
        await audit.record(
            tx, ctx.actor, "environment.delete", "environment", env_id, env["name"]
        )


async def list_workspaces(ctx: TenantContext, env_id: str) -> list[Row]:
    await get_environment(ctx, env_id)
    await ensure_personal_workspace(ctx, env_id)
    shown = []
    for ws in await store.workspaces(ctx.db, env_id):
        have = await workspace_permissions(ctx, ws)
        if have:
            shown.append({**ws, "permissions": sorted(have)})
    return shown


async def create_workspace(
    ctx: TenantContext, env_id: str, name: str, description: str
) -> Row:
    await get_environment(ctx, env_id)
    if await store.workspace_by_name(ctx.db, env_id, name) is not None:
        raise Conflict(f"a workspace named {name} already exists here")
    async with ctx.db.transaction() as tx:
        ws_id = await store.insert_workspace(
            tx, env_id, name, "shared", "", description
        )
        await audit.record(tx, ctx.actor, "workspace.create", "workspace", ws_id, name)
    return existing(await store.workspace(ctx.db, ws_id), "workspace")


async def get_grants(ctx: TenantContext, ws_id: str) -> list[Row]:
    await require_workspace(ctx, ws_id, "view")
    return await store.grants(ctx.db, ws_id)


async def set_grants(ctx: TenantContext, ws_id: str, grants: list[Row]) -> list[Row]:
    ws = await require_workspace(ctx, ws_id, "manage")
    async with ctx.db.transaction() as tx:
        await store.replace_grants(tx, ws_id, grants)
        await audit.record(
            tx,
            ctx.actor,
            "workspace.grants",
            "workspace",
            ws_id,
            ws["name"],
            details={"grants": len(grants)},
        )
    return await store.grants(ctx.db, ws_id)
