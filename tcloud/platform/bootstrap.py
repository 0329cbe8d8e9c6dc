"""Creating tenants, and the first tenant on first start."""

from __future__ import annotations

from dataclasses import dataclass

from tcloud import log
from tcloud.platform import audit, passwords, people
from tcloud.platform.context import Platform
from tcloud.platform.errors import Conflict, Invalid
from tcloud.platform.ids import new_id, now_iso
from tcloud.platform.rbac import SYSTEM
from tcloud.platform.tenancy import TENANT_NAME, LoginIndex, Tenant

ADMIN_ROLE = "Tenant administrator"
LOGIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    admin_login: str
    admin_password: str
    generated: bool


async def create_tenant(
    platform: Platform,
    name: str,
    *,
    seat_limit: int | None = None,
    display_name: str = "",
    admin_login: str = "admin",
    admin_password: str = "",
) -> NewTenant:
    """Make a tenant with its data key, store, built-in roles and first admin."""
    name = name.strip().lower()
    if not TENANT_NAME.match(name):
        raise Invalid.field(
            "name",
            "must be 2-40 lower-case letters, digits or dashes, starting with a letter",
        )
    seats = platform.config.default_seat_limit if seat_limit is None else seat_limit
    if seats < 1:
        raise Invalid.field("seat_limit", "must be at least 1")
    generated = not admin_password
    password = admin_password or passwords.generate()
    passwords.check_policy(password, admin_login, platform.config.password_min_length)
    if await platform.tenants.by_name(name) is not None:
        raise Conflict(f"a tenant named {name} already exists")
    tenant = Tenant(new_id("tnt"), name, display_name or name, seats, "active")
    password_hash = await passwords.hash_password_async(password)
    async with platform.control.transaction() as tx:
        await tx.execute(
            "INSERT INTO tenants (id, name, display_name, seat_limit, status,"
            " created_at)"
            " VALUES (?, ?, ?, ?, 'active', ?)",
            [tenant.id, name, tenant.display_name, seats, now_iso()],
        )
        await platform.keyring.create_tenant_key(tx, tenant.id)
    async with platform.stores.use(tenant.id) as db, db.transaction() as tdb:
        roles = await people.seed_builtin_roles(tdb)
        # A generated password was printed once: its holder must replace it.
        user_id = await people.insert_user(
            tdb, login=admin_login, password_hash=password_hash,
            display_name="Administrator", must_change_password=generated,
        )  # fmt: skip
        await people.grant_role(tdb, roles[ADMIN_ROLE], "user", user_id)
        await audit.record(
            tdb, SYSTEM_ACTOR, "tenant.create", "tenant", tenant.id, name
        )
    await LoginIndex(platform.control).add(tenant.id, admin_login, user_id)
    log.server.info("tenant_created tenant=%s name=%s seats=%s", tenant.id, name, seats)
    return NewTenant(tenant, admin_login, password, generated)


SYSTEM_ACTOR = audit.Actor(SYSTEM.kind, SYSTEM.id, SYSTEM.name)


async def ensure_first_tenant(platform: Platform) -> NewTenant | None:
    """Create the bootstrap tenant if the control store has no tenant yet."""
    if await platform.tenants.all():
        return None
    return await create_tenant(
        platform,
        platform.config.bootstrap_tenant,
        admin_password=platform.config.bootstrap_password,
    )
