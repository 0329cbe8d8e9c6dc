"""Signing in and out, and changing one's own password."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tcloud import log
from tcloud.platform import allowlist, audit, auth, passwords, people
from tcloud.platform.context import Platform, TenantContext
from tcloud.platform.db import Database, Row
from tcloud.platform.errors import Forbidden, Invalid, Locked, Unauthorized
from tcloud.platform.tenancy import LoginIndex, Tenant

WRONG = "the login or the password is wrong"


@dataclass(frozen=True)
class SignedIn:
    session_id: str
    csrf_token: str
    tenant: Tenant
    user: Row


class UnknownLoginLocks:
    """Failed sign-ins of logins that do not exist, counted as for real ones,
    so that a lock-out never tells which logins exist."""

    def __init__(self) -> None:
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}

    def locked(self, key: tuple[str, str]) -> bool:
        return self.until(key) > time.time()

    def until(self, key: tuple[str, str]) -> float:
        return self._failures.get(key, (0, 0.0))[1]

    def fail(self, key: tuple[str, str], limit: int, lock_seconds: float) -> bool:
        count, _ = self._failures.get(key, (0, 0.0))
        count += 1
        if count >= limit:
            self._failures[key] = (0, time.time() + lock_seconds)
            return True
        if len(self._failures) > 100_000:
            self._failures.clear()
        self._failures[key] = (count, 0.0)
        return False


UNKNOWN = UnknownLoginLocks()


def _locked_error(until: float) -> Locked:
    seconds = max(1, int(until - time.time()) + 1)
    minutes = max(1, round(seconds / 60))
    error = Locked(
        "too many failed sign-ins: this account is locked; try again in about"
        f" {minutes} minute{'s' if minutes != 1 else ''}"
    )
    error.headers["Retry-After"] = str(seconds)
    return error


async def sign_in(
    platform: Platform,
    tenant_name: str,
    login: str,
    password: str,
    source_ip: str,
    user_agent: str,
    request_id: str = "",
) -> SignedIn:
    """Check a login and password; start a session; audit either way."""
    config = platform.config
    tenant = await platform.tenants.by_name(tenant_name.strip().lower())
    user_id = None
    if tenant is not None:
        user_id = await LoginIndex(platform.control).user_id(tenant.id, login)
    if tenant is None or user_id is None:
        key = (tenant_name.lower(), login.lower())
        if UNKNOWN.locked(key):
            raise _locked_error(UNKNOWN.until(key))
        await passwords.verify_async(password, passwords.dummy_hash())
        UNKNOWN.fail(key, config.login_max_failures, config.login_lockout_minutes * 60)
        log.auth.info("login_failed reason=unknown")
        raise Unauthorized(WRONG)
    if not allowlist.allowed(await allowlist.get(platform, tenant.id), source_ip):
        raise Forbidden("this address is not on the tenant's IP allow-list")
    async with platform.stores.use(tenant.id) as db:
        user = await people.get_user(db, user_id)
        if user is None:
            raise Unauthorized(WRONG)
        actor = audit.Actor("user", user_id, user["login"], source_ip, request_id)
        await _check_password(platform, db, actor, user, password)
    session_id, csrf = await auth.create_session(
        platform, tenant.id, user_id, source_ip, user_agent
    )
    return SignedIn(session_id, csrf, tenant, user)


async def _check_password(
    platform: Platform, db: Database, actor: audit.Actor, user: Row, password: str
) -> None:
    if user["locked_until"] > time.time():
        await audit.record(
            db, actor, "auth.login", "user", user["id"], user["login"], outcome="locked"
        )
        raise _locked_error(user["locked_until"])
    ok = await passwords.verify_async(password, user["password_hash"])
    if not ok or user["status"] != "active":
        await _fail(platform, db, actor, user)
        raise Unauthorized(WRONG)
    async with db.transaction() as tx:
        await people.record_login_success(tx, user["id"])
        await audit.record(tx, actor, "auth.login", "user", user["id"], user["login"])


async def _fail(
    platform: Platform, db: Database, actor: audit.Actor, user: Row
) -> None:
    config = platform.config
    until = time.time() + config.login_lockout_minutes * 60
    async with db.transaction() as tx:
        locked = await people.record_login_failure(
            tx, user["id"], config.login_max_failures, until
        )
        await audit.record(
            tx,
            actor,
            "auth.login",
            "user",
            user["id"],
            user["login"],
            outcome="failure",
        )
        if locked:
            await audit.record(
                tx, actor, "auth.lock", "user", user["id"], user["login"]
            )
    log.auth.info("login_failed user=%s locked=%s", user["id"], locked)


async def sign_out(ctx: TenantContext, session_hash: str) -> None:
    await auth.end_session(ctx.platform, ctx.tenant.id, session_hash)
    await audit.record(ctx.db, ctx.actor, "auth.logout", "user", ctx.principal.id,
                       ctx.principal.name)  # fmt: skip


async def change_password(
    ctx: TenantContext, current: str, new: str, user_agent: str
) -> tuple[str, str]:
    """Change the signed-in user's password; end every session; start a new one."""
    principal = ctx.principal
    if principal.kind != "user":
        raise Forbidden("only people have passwords")
    user = await people.get_user(ctx.db, principal.id)
    assert user is not None
    if not await passwords.verify_async(current, user["password_hash"]):
        raise Invalid.field("current_password", "is wrong")
    if new == current:
        raise Invalid.field("new_password", "must differ from the current password")
    passwords.check_policy(new, user["login"], ctx.config.password_min_length,
                           "new_password")  # fmt: skip
    password_hash = await passwords.hash_password_async(new)
    async with ctx.db.transaction() as tx:
        await people.set_password(tx, principal.id, password_hash, must_change=False)
        await audit.record(tx, ctx.actor, "user.password_change", "user", principal.id,
                           user["login"])  # fmt: skip
    await auth.end_user_sessions(ctx.platform, ctx.tenant.id, principal.id)
    return await auth.create_session(
        ctx.platform, ctx.tenant.id, principal.id, ctx.source_ip, user_agent
    )


async def whoami(ctx: TenantContext) -> dict[str, object]:
    p = ctx.principal
    me: dict[str, object] = {
        "tenant": {"id": ctx.tenant.id, "name": ctx.tenant.name,
                   "display_name": ctx.tenant.display_name},
        "kind": p.kind,
        "id": p.id,
        "login": p.name,
        "permissions": sorted(p.permissions),
        "must_change_password": p.must_change_password,
        "auth": p.via,
    }  # fmt: skip
    if p.kind == "user":
        user = await people.get_user(ctx.db, p.id)
        if user is not None:
            me["display_name"] = user["display_name"]
            me["email"] = user["email"]
    return me
