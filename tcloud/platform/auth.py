"""Credentials: server-side sessions and access tokens, and who they belong to.

A session id (cookie) or a token (bearer) is random; only its SHA-256 hash
is stored, in the control store, which says which tenant it belongs to. The
principal behind it is loaded from the tenant store and cached for a few
seconds; every change to people, roles or credentials of a tenant drops that
tenant's cache entries at once, so a revoked session or token stops working
on the next request.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from tcloud import log
from tcloud.platform import people
from tcloud.platform.context import Platform
from tcloud.platform.db import Database
from tcloud.platform.ids import digest, iso, new_id, new_secret, parse_iso
from tcloud.platform.rbac import Principal

SESSION_COOKIE = "tcloud_session"
TOKEN_PREFIX = "tcp"  # noqa: S105 (a label, not a secret)
CACHE_SECONDS = 10.0
TOUCH_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A verified credential: the tenant, the principal, and session details."""

    tenant_id: str
    principal: Principal
    session_hash: str = ""
    csrf_token: str = ""
    last_seen_at: float = 0.0


class AuthCache:
    """Verified credentials by hash, dropped per tenant on any change."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[float, Authenticated]] = {}
        self._by_tenant: dict[str, set[str]] = {}

    def get(self, key: str) -> Authenticated | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, value: Authenticated) -> None:
        self._entries[key] = (time.monotonic() + self.seconds, value)
        self._by_tenant.setdefault(value.tenant_id, set()).add(key)

    def drop_tenant(self, tenant_id: str) -> None:
        for key in self._by_tenant.pop(tenant_id, set()):
            self._entries.pop(key, None)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)


async def load_principal(
    db: Database, kind: str, principal_id: str, via: str, credential_id: str
) -> Principal | None:
    """Load an active user or service account with its permissions."""
    if kind == "user":
        row = await people.get_user(db, principal_id)
        name_key = "login"
    else:
        row = await people.get_service_account(db, principal_id)
        name_key = "name"
    if row is None or row["status"] != "active":
        return None
    return Principal(
        kind,
        principal_id,
        row[name_key],
        await people.permissions_of(db, kind, principal_id),
        via=via,
        credential_id=credential_id,
        must_change_password=bool(row.get("must_change_password", 0)),
    )


async def create_session(
    platform: Platform, tenant_id: str, user_id: str, source_ip: str, user_agent: str
) -> tuple[str, str]:
    """Start a session; return its id (for the cookie) and its CSRF token."""
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = time.time()
    absolute = now + platform.config.session_absolute_hours * 3600
    await platform.control.execute(
        "INSERT INTO sessions (id_hash, tenant_id, user_id, csrf_token, created_at,"
        " last_seen_at, expires_at, source_ip, user_agent)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [digest(session_id), tenant_id, user_id, csrf, now, now, absolute,
         source_ip, user_agent[:200]],
    )  # fmt: skip
    return session_id, csrf


async def end_session(platform: Platform, tenant_id: str, session_hash: str) -> None:
    await platform.control.execute(
        "DELETE FROM sessions WHERE id_hash = ?", [session_hash]
    )
    platform.auth_cache.drop(session_hash)
    platform.auth_cache.drop_tenant(tenant_id)


async def end_user_sessions(platform: Platform, tenant_id: str, user_id: str) -> int:
    """End every session of a user, at once."""
    count = await platform.control.execute(
        "DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?", [tenant_id, user_id]
    )
    platform.auth_cache.drop_tenant(tenant_id)
    log.auth.info(
        "sessions_ended tenant=%s user=%s count=%s", tenant_id, user_id, count
    )
    return count


async def by_session(platform: Platform, session_id: str) -> Authenticated | None:
    key = digest(session_id)
    cached = platform.auth_cache.get(key)
    now = time.time()
    idle = platform.config.session_idle_minutes * 60
    if cached is not None and cached.last_seen_at + idle > now:
        return cached
    row = await platform.control.fetchone(
        "SELECT * FROM sessions WHERE id_hash = ?", [key]
    )
    if row is None:
        return None
    if row["expires_at"] < now or row["last_seen_at"] + idle < now:
        await end_session(platform, row["tenant_id"], key)
        return None
    async with platform.stores.use(row["tenant_id"]) as db:
        principal = await load_principal(db, "user", row["user_id"], "session", key)
    if principal is None:
        return None
    last_seen = row["last_seen_at"]
    if now - last_seen > TOUCH_SECONDS:
        last_seen = now
        await platform.control.execute(
            "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", [now, key]
        )
    found = Authenticated(
        row["tenant_id"], principal, key, row["csrf_token"], last_seen
    )
    platform.auth_cache.put(key, found)
    return found


async def by_token(platform: Platform, token: str) -> Authenticated | None:
    key = digest(token)
    cached = platform.auth_cache.get(key)
    if cached is not None:
        return cached
    row = await platform.control.fetchone(
        "SELECT tenant_id, token_id FROM token_index WHERE hash = ?", [key]
    )
    if row is None:
        return None
    async with platform.stores.use(row["tenant_id"]) as db:
        token_row = await people.get_token(db, row["token_id"])
        if token_row is None or token_row["revoked_at"]:
            return None
        expires = token_row["expires_at"]
        if expires and parse_iso(expires) < time.time():
            return None
        principal = await load_principal(
            db, token_row["owner_type"], token_row["owner_id"], "token", token_row["id"]
        )
        if principal is None:
            return None
        last_used = token_row["last_used_at"]
        if not last_used or time.time() - parse_iso(last_used) > TOUCH_SECONDS:
            await people.touch_token(db, token_row["id"])
    found = Authenticated(row["tenant_id"], principal)
    platform.auth_cache.put(key, found)
    return found


async def issue_token(
    platform: Platform,
    db: Database,
    *,
    tenant_id: str,
    name: str,
    owner_type: str,
    owner_id: str,
    created_by: str,
    expires_in_days: int | None,
) -> tuple[str, str]:
    """Make a token; return its id and the secret, which is shown only once."""
    secret = new_secret(TOKEN_PREFIX)
    token_id = new_id("tok")
    expires = None
    if expires_in_days:
        expires = iso(time.time() + expires_in_days * 86400)
    async with db.transaction() as tx:
        await people.insert_token(
            tx,
            token_id=token_id,
            name=name,
            owner_type=owner_type,
            owner_id=owner_id,
            prefix=secret[:8],
            created_by=created_by,
            expires_at=expires,
        )
    await platform.control.execute(
        "INSERT INTO token_index (hash, tenant_id, token_id) VALUES (?, ?, ?)",
        [digest(secret), tenant_id, token_id],
    )
    return token_id, secret


async def revoke_tokens(
    platform: Platform, db: Database, tenant_id: str, token_ids: Sequence[str]
) -> None:
    """Revoke tokens at once: mark them in the tenant store, drop their index."""
    if not token_ids:
        return
    async with db.transaction() as tx:
        await people.revoke_tokens(tx, token_ids)
    async with platform.control.transaction() as tx:
        for token_id in token_ids:
            await tx.execute(
                "DELETE FROM token_index WHERE tenant_id = ? AND token_id = ?",
                [tenant_id, token_id],
            )
    platform.auth_cache.drop_tenant(tenant_id)
