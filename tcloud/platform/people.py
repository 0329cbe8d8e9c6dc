"""SQL over the people tables of a tenant store: users, roles, groups,
service accounts, tokens. Sign-in and authorisation read them here; the
console's service manages them through these functions too.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from tcloud.platform.db import Database, Reader, Row, Transaction
from tcloud.platform.ids import new_id, now_iso
from tcloud.platform.rbac import BUILTIN_ROLES




async def seed_builtin_roles(tx: Transaction) -> dict[str, str]:
    """Insert the built-in roles; return their ids by name."""
    ids = {}
    now = now_iso()
    for name, (description, permissions) in BUILTIN_ROLES.items():
        role_id = new_id("rol")
        await tx.execute(
            "INSERT INTO roles (id, name, description, builtin, permissions,"
            " created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
            [role_id, name, description, orjson.dumps(permissions).decode(), now, now],
        )
        ids[name] = role_id
    return ids


async def get_user(db: Reader, user_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM users WHERE id = ?", [user_id])


async def get_user_by_login(db: Reader, login: str) -> Row | None:
    return await db.fetchone("SELECT * FROM users WHERE login = ?", [login])


async def count_active_users(db: Reader) -> int:
    return await db.fetchval("SELECT COUNT(*) FROM users WHERE status = 'active'")


async def insert_user(
    tx: Transaction,
    *,
    login: str,
    password_hash: str,
    email: str = "",
    display_name: str = "",
    must_change_password: bool = False,
) -> str:
    user_id = new_id("usr")
    now = now_iso()
    await tx.execute(
        "INSERT INTO users (id, login, email, display_name, password_hash,"
        " must_change_password, password_changed_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [user_id, login, email, display_name, password_hash,
         int(must_change_password), now, now, now],
    )  # fmt: skip
    return user_id


async def record_login_failure(
    tx: Transaction, user_id: str, max_failures: int, locked_until: float
) -> bool:
    """Count a failed sign-in; lock the account at the limit. Return locked."""
    await tx.execute(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", [user_id]
    )
    failures = await tx.fetchval("SELECT failed_logins FROM users WHERE id = ?", [user_id])
    if failures >= max_failures:
        await tx.execute(
            "UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?",
            [locked_until, user_id],
        )
        return True
    return False


async def record_login_success(tx: Transaction, user_id: str) -> None:
    await tx.execute(
        "UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = ?"
        " WHERE id = ?",
        [now_iso(), user_id],
    )


async def set_password(
    tx: Transaction, user_id: str, password_hash: str, must_change: bool
) -> None:
    now = now_iso()
    await tx.execute(
        "UPDATE users SET password_hash = ?, must_change_password = ?,"
        " password_changed_at = ?, updated_at = ?, failed_logins = 0, locked_until = 0"
        " WHERE id = ?",
        [password_hash, int(must_change), now, now, user_id],
    )


async def grant_role(tx: Transaction, role_id: str, kind: str, principal_id: str) -> None:
    await tx.execute(
        "INSERT OR IGNORE INTO role_grants (role_id, principal_type, principal_id)"
        " VALUES (?, ?, ?)",
        [role_id, kind, principal_id],
    )


async def permissions_of(db: Reader, kind: str, principal_id: str) -> frozenset[str]:
    """Union the permissions of every role the principal holds, through groups too."""
    rows = await db.fetchall(
        "SELECT r.permissions FROM roles r JOIN role_grants g ON g.role_id = r.id"
        " WHERE g.principal_type = ? AND g.principal_id = ?"
        " UNION ALL"
        " SELECT r.permissions FROM roles r JOIN role_grants g ON g.role_id = r.id"
        " JOIN group_members m ON g.principal_type = 'group' AND g.principal_id = m.group_id"
        " WHERE ? = 'user' AND m.user_id = ?",
        [kind, principal_id, kind, principal_id],
    )
    found: set[str] = set()
    for row in rows:
        found.update(orjson.loads(row["permissions"]))
    return frozenset(found)


async def get_service_account(db: Reader, account_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM service_accounts WHERE id = ?", [account_id])


async def get_token(db: Reader, token_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM tokens WHERE id = ?", [token_id])


async def insert_token(
    tx: Transaction,
    *,
    token_id: str,
    name: str,
    owner_type: str,
    owner_id: str,
    prefix: str,
    created_by: str,
    expires_at: str | None,
) -> None:
    await tx.execute(
        "INSERT INTO tokens (id, name, owner_type, owner_id, prefix, created_by,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [token_id, name, owner_type, owner_id, prefix, created_by, now_iso(), expires_at],
    )


async def revoke_tokens(tx: Transaction, token_ids: Sequence[str]) -> None:
    now = now_iso()
    for token_id in token_ids:
        await tx.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now, token_id],
        )


async def touch_token(db: Database, token_id: str) -> None:
    await db.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", [now_iso(), token_id])


async def get_setting(db: Reader, key: str) -> object | None:
    value = await db.fetchval("SELECT value FROM settings WHERE key = ?", [key])
    return None if value is None else orjson.loads(value)


async def put_setting(tx: Transaction, key: str, value: object) -> None:
    await tx.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, orjson.dumps(value).decode()],
    )
