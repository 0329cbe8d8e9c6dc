"""The console's rules: people, groups, roles, service accounts, tokens,
projects, settings and the audit log of a tenant.

Every function takes the tenant's context first. Each change writes its
audit event in the same transaction as the change (tokens excepted:
`platform.auth` commits them itself, and their event follows at once), then
drops the tenant's cached principals so that the next request sees it.
Two rules guard against a lock-out and a privilege climb:

- the Tenant administrator role always keeps at least one active holder,
  and nobody deactivates, deletes or resets the password of themself;
- nobody gives (or takes) a role holding a permission they lack, nor manages
  a person or service account who holds one.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from tcloud import log
from tcloud.console import store
from tcloud.platform import allowlist, audit, auth, passwords, people
from tcloud.platform.bootstrap import ADMIN_ROLE
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Reader, Row, Transaction
from tcloud.platform.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    SeatLimitReached,
)
from tcloud.platform.ids import iso, parse_iso
from tcloud.platform.rbac import PERMISSIONS
from tcloud.platform.schema import EncodedJson
from tcloud.platform.tenancy import LoginIndex

PRINCIPAL_TYPES = ("user", "group", "service_account")
CSV_COLUMNS = [
    "id",
    "login",
    "email",
    "display_name",
    "status",
    "must_change_password",
    "locked",
    "roles",
    "groups",
    "created_at",
    "last_login_at",
]


def _page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def _changed(ctx: TenantContext) -> None:
    ctx.platform.auth_cache.drop_tenant(ctx.tenant.id)


async def _audit(
    tx: Transaction,
    ctx: TenantContext,
    action: str,
    row: Row,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a change to `row`, an object of the type the action begins with."""
    name = row.get("login") or row.get("name") or ""
    object_type = action.split(".")[0]
    await audit.record(
        tx, ctx.actor, action, object_type, row["id"], name, details=details
    )


def _taken(field: str, value: str) -> Conflict:
    return Conflict(
        f"{field}: {value!r} is already taken in this tenant",
        fields=[FieldError(field, "is already taken")],
    )


def _permissions(role: Row) -> list[str]:
    return list(orjson.loads(role["permissions"]))


def _require_can_give(ctx: TenantContext, roles: Sequence[Row]) -> None:
    """Refuse to hand out (or take away) a role with a permission the actor lacks."""
    for role in roles:
        missing = [p for p in _permissions(role) if not ctx.principal.can(p)]
        if missing:
            raise Forbidden(
                f"the role {role['name']} holds {', '.join(missing)}, which you"
                " do not hold yourself"
            )


async def _require_outranks(ctx: TenantContext, kind: str, principal_id: str) -> None:
    """Refuse to manage a principal who holds a permission the actor lacks."""
    held = await people.permissions_of(ctx.db, kind, principal_id)
    missing = sorted(p for p in held if not ctx.principal.can(p))
    if missing:
        raise Forbidden(
            f"this {kind.replace('_', ' ')} holds {', '.join(missing)}, which you"
            " do not hold yourself"
        )


async def _ensure_an_admin(tx: Transaction) -> None:
    """Refuse a change that leaves the Tenant administrator role without an
    active holder; run last in the change's transaction, so it rolls back."""
    role = await people.get_role_by_name(tx, ADMIN_ROLE)
    if role is None or await people.count_active_holders(tx, role["id"]) > 0:
        return
    raise Conflict(
        f"this would leave nobody holding the {ADMIN_ROLE} role; give it to"
        " another active user first"
    )


async def _check_seats(tx: Transaction, ctx: TenantContext) -> None:
    used = await people.count_active_users(tx)
    limit = ctx.tenant.seat_limit
    if used >= limit:
        raise SeatLimitReached(
            f"this tenant has {used} of {limit} seats in use; deactivate or"
            " delete a user, or raise the tenant's seat limit"
        )


async def _roles_by_ids(db: Reader, role_ids: Sequence[str], field: str) -> list[Row]:
    found = {r["id"]: r for r in await people.get_roles(db, role_ids)}
    errors = [
        FieldError(f"{field}[{i}]", "is not a role of this tenant")
        for i, role_id in enumerate(role_ids)
        if role_id not in found
    ]
    if errors:
        raise Invalid(
            "; ".join(f"{e.field} {e.message}" for e in errors), fields=errors
        )
    return [found[r] for r in dict.fromkeys(role_ids)]


async def _groups_by_ids(db: Reader, group_ids: Sequence[str], field: str) -> list[Row]:
    found = []
    for index, group_id in enumerate(dict.fromkeys(group_ids)):
        group = await people.get_group(db, group_id)
        if group is None:
            raise Invalid.field(f"{field}[{index}]", "is not a group of this tenant")
        found.append(group)
    return found


async def _group_roles(db: Reader, group_ids: Sequence[str]) -> list[Row]:
    held = await people.roles_of(db, "group", group_ids)
    role_ids = [r["id"] for roles in held.values() for r in roles]
    return await people.get_roles(db, role_ids)


async def _end_access(ctx: TenantContext, user_id: str) -> None:
    """End a user's sessions and revoke their tokens, at once."""
    await auth.end_user_sessions(ctx.platform, ctx.tenant.id, user_id)
    token_ids = await people.live_token_ids(ctx.db, "user", user_id)
    await auth.revoke_tokens(ctx.platform, ctx.db, ctx.tenant.id, token_ids)


async def _principal_exists(db: Reader, kind: str, principal_id: str) -> bool:
    if kind == "user":
        return await people.get_user(db, principal_id) is not None
    if kind == "group":
        return await people.get_group(db, principal_id) is not None
    return await people.get_service_account(db, principal_id) is not None


def _user_view(row: Row, roles: list[Row], groups: list[Row]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "login": row["login"],
        "email": row["email"],
        "display_name": row["display_name"],
        "status": row["status"],
        "must_change_password": bool(row["must_change_password"]),
        "locked": row["locked_until"] > time.time(),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_login_at": row["last_login_at"],
        "roles": roles,
        "groups": groups,
    }


async def _user_views(db: Reader, rows: list[Row]) -> list[dict[str, Any]]:
    embedded = [
        (people.embedded_list(r, "_roles"), people.embedded_list(r, "_groups"))
        for r in rows
    ]
    if rows and all(
        roles is not None and groups is not None for roles, groups in embedded
    ):
        return [
            _user_view(r, roles or [], groups or [])
            for r, (roles, groups) in zip(rows, embedded, strict=True)
        ]
    ids = [r["id"] for r in rows]
    roles = await people.roles_of(db, "user", ids)
    groups = await people.groups_of(db, ids)
    return [_user_view(r, roles[r["id"]], groups[r["id"]]) for r in rows]


async def _user(db: Reader, user_id: str) -> Row:
    row = await people.get_user(db, user_id)
    if row is None:
        raise NotFound("no such user")
    return row


async def list_users(
    ctx: TenantContext,
    *,
    q: str = "",
    status: str = "",
    sort: str = "login",
    limit: int = 50,
    offset: int = 0,
) -> EncodedJson:
    items, total = await people.users_page_json(
        ctx.db, q=q, status=status, sort=sort, limit=limit, offset=offset,
        now=time.time(),
    )  # fmt: skip
    return EncodedJson(
        b'{"items":%s,"total":%d,"limit":%d,"offset":%d}'
        % (items.encode(), total, limit, offset)
    )


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A leading = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_users(
    ctx: TenantContext, *, q: str = "", status: str = "", sort: str = "login"
) -> str:
    """Return the matching users as CSV, one row each."""
    rows, _ = await people.list_users(ctx.db, q=q, status=status, sort=sort, limit=None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for user in await _user_views(ctx.db, rows):
        user["roles"] = "; ".join(r["name"] for r in user["roles"])
        user["groups"] = "; ".join(g["name"] for g in user["groups"])
        writer.writerow([_csv_cell(user[c]) for c in CSV_COLUMNS])
    return out.getvalue()


async def get_user(ctx: TenantContext, user_id: str) -> dict[str, Any]:
    return (await _user_views(ctx.db, [await _user(ctx.db, user_id)]))[0]


def _temporary_password(login: str, min_length: int) -> str:
    while True:
        candidate = passwords.generate()
        try:
            passwords.check_policy(candidate, login, min_length)
        except Invalid:
            continue
        return candidate


async def create_user(
    ctx: TenantContext,
    *,
    login: str,
    email: str = "",
    display_name: str = "",
    password: str = "",
    role_ids: Sequence[str] = (),
    group_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """Add a user; without a password, make a temporary one to change at sign-in."""
    min_length = ctx.config.password_min_length
    if password:
        passwords.check_policy(password, login, min_length)
    if await people.get_user_by_login(ctx.db, login) is not None:
        raise _taken("login", login)
    roles = await _roles_by_ids(ctx.db, role_ids, "role_ids")
    groups = await _groups_by_ids(ctx.db, group_ids, "group_ids")
    _require_can_give(
        ctx, roles + await _group_roles(ctx.db, [g["id"] for g in groups])
    )
    temporary = "" if password else _temporary_password(login, min_length)
    password_hash = await passwords.hash_password_async(password or temporary)
    try:
        user_id = await _insert_user(
            ctx,
            login,
            email,
            display_name,
            password_hash,
            bool(temporary),
            roles,
            groups,
        )
    except sqlite3.IntegrityError:
        raise _taken("login", login) from None
    _changed(ctx)
    view = await get_user(ctx, user_id)
    if temporary:
        view["temporary_password"] = temporary
    return view


async def _insert_user(
    ctx: TenantContext,
    login: str,
    email: str,
    display_name: str,
    password_hash: str,
    must_change: bool,
    roles: list[Row],
    groups: list[Row],
) -> str:
    async with ctx.db.transaction() as tx:
        await _check_seats(tx, ctx)
        user_id = await people.insert_user(
            tx,
            login=login,
            password_hash=password_hash,
            email=email,
            display_name=display_name,
            must_change_password=must_change,
        )
        for role in roles:
            await people.grant_role(tx, role["id"], "user", user_id)
        for group in groups:
            await people.add_member(tx, group["id"], user_id)
        details = {
            "roles": [r["name"] for r in roles],
            "groups": [g["name"] for g in groups],
            "must_change_password": must_change,
        }
        await _audit(tx, ctx, "user.create", {"id": user_id, "login": login}, details)
        # Last, so that a clash in the login index rolls the user back too.
        await LoginIndex(ctx.platform.control).add(ctx.tenant.id, login, user_id)
    return user_id


async def update_user(
    ctx: TenantContext, user_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change a user's email, display name or status."""
    user = await _user(ctx.db, user_id)
    status = str(changes.get("status", user["status"]))
    going = status != user["status"]
    if going and status == "inactive" and user_id == ctx.principal.id:
        raise Conflict("you cannot deactivate yourself")
    await _require_outranks(ctx, "user", user_id)
    action = {"active": "user.activate", "inactive": "user.deactivate"}[status]
    async with ctx.db.transaction() as tx:
        if going and status == "active":
            await _check_seats(tx, ctx)
        await people.update_user(tx, user_id, changes)
        if going and status == "inactive":
            await _ensure_an_admin(tx)
        await _audit(
            tx,
            ctx,
            action if going else "user.update",
            user,
            {"fields": sorted(changes)},
        )
    if going and status == "inactive":
        await _end_access(ctx, user_id)
    _changed(ctx)
    return await get_user(ctx, user_id)


async def delete_user(ctx: TenantContext, user_id: str) -> None:
    """Delete a user, their grants and their access, at once."""
    user = await _user(ctx.db, user_id)
    if user_id == ctx.principal.id:
        raise Conflict("you cannot delete yourself")
    await _require_outranks(ctx, "user", user_id)
    token_ids = await people.live_token_ids(ctx.db, "user", user_id)
    async with ctx.db.transaction() as tx:
        await people.delete_user(tx, user_id)
        await store.delete_grants_of(tx, "user", user_id)
        await _ensure_an_admin(tx)
        await _audit(tx, ctx, "user.delete", user)
        await LoginIndex(ctx.platform.control).remove(ctx.tenant.id, user_id)
    await auth.end_user_sessions(ctx.platform, ctx.tenant.id, user_id)
    await auth.revoke_tokens(ctx.platform, ctx.db, ctx.tenant.id, token_ids)
    _changed(ctx)


async def reset_password(ctx: TenantContext, user_id: str) -> dict[str, str]:
    """Give a user a temporary password to change at next sign-in; end their
    sessions and revoke their tokens."""
    user = await _user(ctx.db, user_id)
    if user_id == ctx.principal.id:
        raise Conflict(
            "you cannot reset your own password: change it with POST /me/password"
        )
    await _require_outranks(ctx, "user", user_id)
    temporary = _temporary_password(user["login"], ctx.config.password_min_length)
    password_hash = await passwords.hash_password_async(temporary)
    async with ctx.db.transaction() as tx:
        await people.set_password(tx, user_id, password_hash, must_change=True)
        await _audit(tx, ctx, "user.password_reset", user)
    await _end_access(ctx, user_id)
    _changed(ctx)
    return {"temporary_password": temporary}


async def unlock_user(ctx: TenantContext, user_id: str) -> dict[str, Any]:
    user = await _user(ctx.db, user_id)
    async with ctx.db.transaction() as tx:
        await people.unlock_user(tx, user_id)
        await _audit(tx, ctx, "user.unlock", user)
    _changed(ctx)
    return await get_user(ctx, user_id)


async def _group_views(db: Reader, rows: list[Row]) -> list[dict[str, Any]]:
    ids = [r["id"] for r in rows]
    members = await people.members_of(db, ids)
    roles = await people.roles_of(db, "group", ids)
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "description": r["description"],
            "created_at": r["created_at"],
            "updated_at": r["updated_at"],
            "members": members[r["id"]],
            "roles": roles[r["id"]],
        }
        for r in rows
    ]


async def _group(db: Reader, group_id: str) -> Row:
    row = await people.get_group(db, group_id)
    if row is None:
        raise NotFound("no such group")
    return row


async def _unique_name(
    db: Reader, table: str, name: str, own_id: str | None = None
) -> None:
    found = await store.find_by_name(db, table, name)
    if found is not None and found["id"] != own_id:
        raise _taken("name", name)


async def list_groups(
    ctx: TenantContext, *, q: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    rows, total = await people.list_groups(ctx.db, q=q, limit=limit, offset=offset)
    return _page(await _group_views(ctx.db, rows), total, limit, offset)


async def get_group(ctx: TenantContext, group_id: str) -> dict[str, Any]:
    return (await _group_views(ctx.db, [await _group(ctx.db, group_id)]))[0]


async def create_group(
    ctx: TenantContext,
    *,
    name: str,
    description: str = "",
    role_ids: Sequence[str] = (),
    user_ids: Sequence[str] = (),
) -> dict[str, Any]:
    await _unique_name(ctx.db, "groups", name)
    roles = await _roles_by_ids(ctx.db, role_ids, "role_ids")
    _require_can_give(ctx, roles)
    for index, user_id in enumerate(user_ids):
        if await people.get_user(ctx.db, user_id) is None:
            raise Invalid.field(f"user_ids[{index}]", "is not a user of this tenant")
    async with ctx.db.transaction() as tx:
        group_id = await people.insert_group(tx, name, description)
        for role in roles:
            await people.grant_role(tx, role["id"], "group", group_id)
        for user_id in dict.fromkeys(user_ids):
            await people.add_member(tx, group_id, user_id)
        await _audit(
            tx,
            ctx,
            "group.create",
            {"id": group_id, "name": name},
            {"roles": [r["name"] for r in roles], "members": len(user_ids)},
        )
    _changed(ctx)
    return await get_group(ctx, group_id)


async def update_group(
    ctx: TenantContext, group_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    group = await _group(ctx.db, group_id)
    if "name" in changes:
        await _unique_name(ctx.db, "groups", changes["name"], group_id)
    async with ctx.db.transaction() as tx:
        await people.update_group(tx, group_id, changes)
        await _audit(tx, ctx, "group.update", group, {"fields": sorted(changes)})
    _changed(ctx)
    return await get_group(ctx, group_id)


async def delete_group(ctx: TenantContext, group_id: str) -> None:
    group = await _group(ctx.db, group_id)
    _require_can_give(ctx, await _group_roles(ctx.db, [group_id]))
    async with ctx.db.transaction() as tx:
        await people.delete_group(tx, group_id)
        await store.delete_grants_of(tx, "group", group_id)
        await _ensure_an_admin(tx)
        await _audit(tx, ctx, "group.delete", group)
    _changed(ctx)


async def add_member(ctx: TenantContext, group_id: str, user_id: str) -> dict[str, Any]:
    """Put a user in a group, which gives them the group's roles."""
    group = await _group(ctx.db, group_id)
    user = await people.get_user(ctx.db, user_id)
    if user is None:
        raise Invalid.field("user_id", "is not a user of this tenant")
    _require_can_give(ctx, await _group_roles(ctx.db, [group_id]))
    async with ctx.db.transaction() as tx:
        if await people.add_member(tx, group_id, user_id):
            await _audit(
                tx,
                ctx,
                "group.member_add",
                group,
                {"user_id": user_id, "login": user["login"]},
            )
    _changed(ctx)
    return await get_group(ctx, group_id)


async def remove_member(ctx: TenantContext, group_id: str, user_id: str) -> None:
    group = await _group(ctx.db, group_id)
    _require_can_give(ctx, await _group_roles(ctx.db, [group_id]))
    async with ctx.db.transaction() as tx:
        if not await people.remove_member(tx, group_id, user_id):
            raise NotFound("this user is not a member of the group")
        await _ensure_an_admin(tx)
        await _audit(tx, ctx, "group.member_remove", group, {"user_id": user_id})
    _changed(ctx)


def list_permissions() -> list[dict[str, str]]:
    return [{"name": name, "description": text} for name, text in PERMISSIONS.items()]


async def _role_views(db: Reader, rows: list[Row]) -> list[dict[str, Any]]:
    holders = await people.holders_of(db, [r["id"] for r in rows])
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "description": r["description"],
            "builtin": bool(r["builtin"]),
            "permissions": _permissions(r),
            "created_at": r["created_at"],
            "updated_at": r["updated_at"],
            "holders": holders[r["id"]],
        }
        for r in rows
    ]


async def _role(db: Reader, role_id: str) -> Row:
    row = await people.get_role(db, role_id)
    if row is None:
        raise NotFound("no such role")
    return row


def _custom_role(role: Row) -> None:
    if role["builtin"]:
        raise Conflict(f"{role['name']} is a built-in role and cannot be changed")


def _check_permissions(ctx: TenantContext, permissions: Sequence[str]) -> list[str]:
    errors = [
        FieldError(f"permissions[{i}]", f"{p!r} is not a known permission")
        for i, p in enumerate(permissions)
        if p not in PERMISSIONS
    ]
    if errors:
        raise Invalid(
            "; ".join(f"{e.field} {e.message}" for e in errors), fields=errors
        )
    chosen = sorted(set(permissions))
    _require_can_give(
        ctx, [{"name": "being made", "permissions": orjson.dumps(chosen)}]
    )
    return chosen


async def list_roles(
    ctx: TenantContext, *, q: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    rows, total = await people.list_roles(ctx.db, q=q, limit=limit, offset=offset)
    return _page(await _role_views(ctx.db, rows), total, limit, offset)


async def get_role(ctx: TenantContext, role_id: str) -> dict[str, Any]:
    return (await _role_views(ctx.db, [await _role(ctx.db, role_id)]))[0]


async def create_role(
    ctx: TenantContext, *, name: str, description: str = "", permissions: Sequence[str]
) -> dict[str, Any]:
    chosen = _check_permissions(ctx, permissions)
    await _unique_name(ctx.db, "roles", name)
    async with ctx.db.transaction() as tx:
        role_id = await people.insert_role(tx, name, description, chosen)
        await _audit(
            tx,
            ctx,
            "role.create",
            {"id": role_id, "name": name},
            {"permissions": chosen},
        )
    _changed(ctx)
    return await get_role(ctx, role_id)


async def update_role(
    ctx: TenantContext, role_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    role = await _role(ctx.db, role_id)
    _custom_role(role)
    _require_can_give(ctx, [role])
    if "permissions" in changes:
        changes = {
            **changes,
            "permissions": _check_permissions(ctx, changes["permissions"]),
        }
    if "name" in changes:
        await _unique_name(ctx.db, "roles", changes["name"], role_id)
    async with ctx.db.transaction() as tx:
        await people.update_role(tx, role_id, changes)
        details: dict[str, Any] = {"fields": sorted(changes)}
        if "permissions" in changes:
            details["permissions"] = changes["permissions"]
        await _audit(tx, ctx, "role.update", role, details)
    _changed(ctx)
    return await get_role(ctx, role_id)


async def delete_role(ctx: TenantContext, role_id: str) -> None:
    role = await _role(ctx.db, role_id)
    _custom_role(role)
    _require_can_give(ctx, [role])
    async with ctx.db.transaction() as tx:
        await people.delete_role(tx, role_id)
        await _audit(tx, ctx, "role.delete", role)
    _changed(ctx)


async def grant_role(
    ctx: TenantContext, role_id: str, kind: str, principal_id: str
) -> dict[str, Any]:
    """Give a role to a user, a group or a service account."""
    role = await _role(ctx.db, role_id)
    if not await _principal_exists(ctx.db, kind, principal_id):
        raise Invalid.field("principal_id", f"is not a {kind} of this tenant")
    _require_can_give(ctx, [role])
    async with ctx.db.transaction() as tx:
        await people.grant_role(tx, role_id, kind, principal_id)
        await _audit(
            tx,
            ctx,
            "role.grant",
            role,
            {"principal_type": kind, "principal_id": principal_id},
        )
    _changed(ctx)
    return await get_role(ctx, role_id)


async def revoke_role(
    ctx: TenantContext, role_id: str, kind: str, principal_id: str
) -> None:
    role = await _role(ctx.db, role_id)
    _require_can_give(ctx, [role])
    async with ctx.db.transaction() as tx:
        if not await people.revoke_role(tx, role_id, kind, principal_id):
            raise NotFound("this role is not given to that principal")
        await _ensure_an_admin(tx)
        await _audit(
            tx,
            ctx,
            "role.revoke",
            role,
            {"principal_type": kind, "principal_id": principal_id},
        )
    _changed(ctx)


async def _account_views(db: Reader, rows: list[Row]) -> list[dict[str, Any]]:
    roles = await people.roles_of(db, "service_account", [r["id"] for r in rows])
    keys = ("id", "name", "description", "status", "created_at", "updated_at")
    return [{**{k: r[k] for k in keys}, "roles": roles[r["id"]]} for r in rows]


async def _account(db: Reader, account_id: str) -> Row:
    row = await people.get_service_account(db, account_id)
    if row is None:
        raise NotFound("no such service account")
    return row


async def list_service_accounts(
    ctx: TenantContext, *, q: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    rows, total = await people.list_service_accounts(
        ctx.db, q=q, limit=limit, offset=offset
    )
    return _page(await _account_views(ctx.db, rows), total, limit, offset)


async def get_service_account(ctx: TenantContext, account_id: str) -> dict[str, Any]:
    return (await _account_views(ctx.db, [await _account(ctx.db, account_id)]))[0]


async def create_service_account(
    ctx: TenantContext,
    *,
    name: str,
    description: str = "",
    role_ids: Sequence[str] = (),
) -> dict[str, Any]:
    await _unique_name(ctx.db, "service_accounts", name)
    roles = await _roles_by_ids(ctx.db, role_ids, "role_ids")
    _require_can_give(ctx, roles)
    async with ctx.db.transaction() as tx:
        account_id = await people.insert_service_account(tx, name, description)
        for role in roles:
            await people.grant_role(tx, role["id"], "service_account", account_id)
        await _audit(
            tx,
            ctx,
            "service_account.create",
            {"id": account_id, "name": name},
            {"roles": [r["name"] for r in roles]},
        )
    _changed(ctx)
    return await get_service_account(ctx, account_id)


async def update_service_account(
    ctx: TenantContext, account_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Rename, describe, or (de)activate a service account; an inactive one's
    tokens stop working until it is active again."""
    account = await _account(ctx.db, account_id)
    await _require_outranks(ctx, "service_account", account_id)
    if "name" in changes:
        await _unique_name(ctx.db, "service_accounts", changes["name"], account_id)
    async with ctx.db.transaction() as tx:
        await people.update_service_account(tx, account_id, changes)
        await _audit(
            tx,
            ctx,
            "service_account.update",
            account,
            {"fields": sorted(changes)},
        )
    _changed(ctx)
    return await get_service_account(ctx, account_id)


async def delete_service_account(ctx: TenantContext, account_id: str) -> None:
    account = await _account(ctx.db, account_id)
    await _require_outranks(ctx, "service_account", account_id)
    token_ids = await people.live_token_ids(ctx.db, "service_account", account_id)
    async with ctx.db.transaction() as tx:
        await people.delete_service_account(tx, account_id)
        await store.delete_grants_of(tx, "service_account", account_id)
        await _audit(tx, ctx, "service_account.delete", account)
    await auth.revoke_tokens(ctx.platform, ctx.db, ctx.tenant.id, token_ids)
    _changed(ctx)


def _token_view(row: Row) -> dict[str, Any]:
    if row["revoked_at"]:
        status = "revoked"
    elif row["expires_at"] and parse_iso(row["expires_at"]) < time.time():
        status = "expired"
    else:
        status = "active"
    keys = (
        "id",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    view = {k: row[k] for k in keys} | {"status": status}
    view["owner"] = {
        "type": row["owner_type"],
        "id": row["owner_id"],
        "name": row.get("owner_name", ""),
    }
    return view


async def _issue(
    ctx: TenantContext, owner: Row, owner_type: str, name: str, days: int | None
) -> dict[str, Any]:
    token_id, secret = await auth.issue_token(
        ctx.platform,
        ctx.db,
        tenant_id=ctx.tenant.id,
        name=name,
        owner_type=owner_type,
        owner_id=owner["id"],
        created_by=ctx.principal.id,
        expires_in_days=days,
    )
    async with ctx.db.transaction() as tx:
        await _audit(
            tx,
            ctx,
            "token.create",
            {"id": token_id, "name": name},
            {"owner_type": owner_type, "owner_id": owner["id"]},
        )
    _changed(ctx)
    row = await people.get_token(ctx.db, token_id)
    assert row is not None
    owner_name = owner.get("login") or owner.get("name")
    return _token_view(row | {"owner_name": owner_name}) | {"token": secret}


async def _revoke(ctx: TenantContext, token: Row) -> None:
    if token["revoked_at"]:
        return
    await auth.revoke_tokens(ctx.platform, ctx.db, ctx.tenant.id, [token["id"]])
    async with ctx.db.transaction() as tx:
        await _audit(
            tx,
            ctx,
            "token.revoke",
            token,
            {"owner_type": token["owner_type"], "owner_id": token["owner_id"]},
        )


async def list_account_tokens(ctx: TenantContext, account_id: str) -> dict[str, Any]:
    account = await _account(ctx.db, account_id)
    rows = await people.tokens_of(ctx.db, "service_account", account_id)
    items = [_token_view(r | {"owner_name": account["name"]}) for r in rows]
    return _page(items, len(items), len(items), 0)


async def create_account_token(
    ctx: TenantContext, account_id: str, *, name: str, expires_in_days: int | None
) -> dict[str, Any]:
    account = await _account(ctx.db, account_id)
    await _require_outranks(ctx, "service_account", account_id)
    return await _issue(ctx, account, "service_account", name, expires_in_days)


async def revoke_account_token(
    ctx: TenantContext, account_id: str, token_id: str
) -> None:
    await _account(ctx.db, account_id)
    token = await people.get_token(ctx.db, token_id)
    if token is None or token["owner_id"] != account_id:
        raise NotFound("no such token for this service account")
    await _revoke(ctx, token)


def _person(ctx: TenantContext) -> None:
    if ctx.principal.kind != "user":
        raise Forbidden("only people have personal access tokens")


async def list_my_tokens(ctx: TenantContext) -> dict[str, Any]:
    _person(ctx)
    rows = await people.tokens_of(ctx.db, "user", ctx.principal.id)
    items = [_token_view(r | {"owner_name": ctx.principal.name}) for r in rows]
    return _page(items, len(items), len(items), 0)


async def create_my_token(
    ctx: TenantContext, *, name: str, expires_in_days: int | None
) -> dict[str, Any]:
    """Make a personal access token, which acts with its owner's permissions."""
    _person(ctx)
    me = {"id": ctx.principal.id, "login": ctx.principal.name}
    return await _issue(ctx, me, "user", name, expires_in_days)


async def revoke_my_token(ctx: TenantContext, token_id: str) -> None:
    _person(ctx)
    token = await people.get_token(ctx.db, token_id)
    owner = (token["owner_type"], token["owner_id"]) if token else None
    if token is None or owner != ("user", ctx.principal.id):
        raise NotFound("no such token of yours")
    await _revoke(ctx, token)


async def list_tokens(
    ctx: TenantContext, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    rows, total = await people.list_tokens(ctx.db, limit=limit, offset=offset)
    return _page([_token_view(r) for r in rows], total, limit, offset)


async def revoke_token(ctx: TenantContext, token_id: str) -> None:
    token = await people.get_token(ctx.db, token_id)
    if token is None:
        raise NotFound("no such token")
    await _revoke(ctx, token)


RANK = store.ACCESS_RANK


async def _access(ctx: TenantContext) -> dict[str, str]:
    """Return the caller's access to the projects granted to them."""
    p = ctx.principal
    groups = await people.group_ids_of(ctx.db, p.id) if p.kind == "user" else []
    return await store.access_of(ctx.db, p.kind, p.id, groups)


async def _project_access(ctx: TenantContext, project_id: str) -> tuple[Row, str]:
    """Return the project and the caller's access to it; 404 if they cannot see it."""
    project = await store.get_project(ctx.db, project_id)
    if project is None:
        raise NotFound("no such project")
    if ctx.principal.can("projects:write"):
        return project, "admin"
    access = (await _access(ctx)).get(project_id, "")
    if ctx.principal.can("projects:read") and RANK.get(access, 0) < RANK["read"]:
        access = "read"
    if not access:
        raise NotFound("no such project")
    return project, access


def _need(access: str, wanted: str) -> None:
    if RANK[access] < RANK[wanted]:
        raise Forbidden(f"this needs {wanted} access to the project")


def _project_view(row: Row, access: str) -> dict[str, Any]:
    keys = ("id", "name", "description", "created_by", "created_at", "updated_at")
    return {k: row[k] for k in keys} | {"access": access}


async def list_projects(
    ctx: TenantContext, *, q: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """List every project to holders of projects:read, else those granted."""
    granted = await _access(ctx)
    p = ctx.principal
    sees_all = p.can("projects:read") or p.can("projects:write")
    rows, total = await store.list_projects(
        ctx.db,
        only=None if sees_all else list(granted),
        q=q,
        limit=limit,
        offset=offset,
    )
    if p.can("projects:write"):
        base = "admin"
    else:
        base = "read" if p.can("projects:read") else ""
    items = []
    for row in rows:
        access = max(base, granted.get(row["id"], ""), key=lambda a: RANK.get(a, 0))
        items.append(_project_view(row, access))
    return _page(items, total, limit, offset)


async def get_project(ctx: TenantContext, project_id: str) -> dict[str, Any]:
    project, access = await _project_access(ctx, project_id)
    return _project_view(project, access)


async def create_project(
    ctx: TenantContext, *, name: str, description: str = ""
) -> dict[str, Any]:
    await _unique_name(ctx.db, "projects", name)
    async with ctx.db.transaction() as tx:
        project_id = await store.insert_project(tx, name, description, ctx.principal.id)
        await _audit(tx, ctx, "project.create", {"id": project_id, "name": name})
    return await get_project(ctx, project_id)


async def update_project(
    ctx: TenantContext, project_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    project, access = await _project_access(ctx, project_id)
    _need(access, "write")
    if "name" in changes:
        await _unique_name(ctx.db, "projects", changes["name"], project_id)
    async with ctx.db.transaction() as tx:
        await store.update_project(tx, project_id, changes)
        await _audit(tx, ctx, "project.update", project, {"fields": sorted(changes)})
    return await get_project(ctx, project_id)


async def delete_project(ctx: TenantContext, project_id: str) -> None:
    project, access = await _project_access(ctx, project_id)
    _need(access, "admin")
    async with ctx.db.transaction() as tx:
        await store.delete_project(tx, project_id)
        await _audit(tx, ctx, "project.delete", project)


async def list_project_grants(ctx: TenantContext, project_id: str) -> dict[str, Any]:
    await _project_access(ctx, project_id)
    items = await store.grants_of(ctx.db, project_id)
    return _page(items, len(items), len(items), 0)


async def put_project_grant(
    ctx: TenantContext, project_id: str, kind: str, principal_id: str, access: str
) -> dict[str, Any]:
    """Give a user, group or service account read, write or admin access."""
    project, mine = await _project_access(ctx, project_id)
    _need(mine, "admin")
    if kind not in PRINCIPAL_TYPES or not await _principal_exists(
        ctx.db, kind, principal_id
    ):
        raise NotFound(f"no such {kind.replace('_', ' ')} in this tenant")
    async with ctx.db.transaction() as tx:
        await store.put_grant(tx, project_id, kind, principal_id, access)
        await _audit(
            tx,
            ctx,
            "project.grant",
            project,
            {"principal_type": kind, "principal_id": principal_id, "access": access},
        )
    grant = await store.get_grant(ctx.db, project_id, kind, principal_id)
    assert grant is not None
    return grant


async def delete_project_grant(
    ctx: TenantContext, project_id: str, kind: str, principal_id: str
) -> None:
    project, mine = await _project_access(ctx, project_id)
    _need(mine, "admin")
    async with ctx.db.transaction() as tx:
        if not await store.delete_grant(tx, project_id, kind, principal_id):
            raise NotFound("no such grant on this project")
        await _audit(
            tx,
            ctx,
            "project.revoke",
            project,
            {"principal_type": kind, "principal_id": principal_id},
        )


async def get_ip_allowlist(ctx: TenantContext) -> dict[str, list[str]]:
    value = await people.get_setting(ctx.db, allowlist.SETTING)
    return {"entries": list(value) if isinstance(value, list) else []}


async def put_ip_allowlist(
    ctx: TenantContext, entries: Sequence[str]
) -> dict[str, list[str]]:
    """Replace the allow-list; refuse one that would shut the caller out."""
    networks = allowlist.normalise(list(entries))
    if not allowlist.allowed(networks, ctx.source_ip):
        raise Invalid.field(
            "entries",
            f"would shut out your own address {ctx.source_ip}; add it to the list",
        )
    async with ctx.db.transaction() as tx:
        await people.put_setting(tx, allowlist.SETTING, networks)
        await audit.record(
            tx,
            ctx.actor,
            "settings.ip_allowlist",
            "settings",
            allowlist.SETTING,
            details={"entries": networks},
        )
    allowlist.forget(ctx.platform, ctx.tenant.id)
    log.console.info(
        "allowlist_changed tenant=%s entries=%s", ctx.tenant.id, len(networks)
    )
    return {"entries": networks}


def _instant(field: str, text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid.field(field, "must be an ISO 8601 date or time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment.timestamp())


async def list_audit(
    ctx: TenantContext, filters: dict[str, str], *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Return audit events matching the filters, newest first."""
    wanted = {k: v for k, v in filters.items() if v}
    for name in ("since", "until"):
        if name in wanted:
            wanted[name] = _instant(name, wanted[name])
    rows, total = await people.list_audit(ctx.db, wanted, limit, offset)
    return _page([audit.event_from_row(r) for r in rows], total, limit, offset)
