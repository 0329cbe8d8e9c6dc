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
    failures = await tx.fetchval(
        "SELECT failed_logins FROM users WHERE id = ?", [user_id]
    )
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


async def grant_role(
    tx: Transaction, role_id: str, kind: str, principal_id: str
) -> None:
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
        " JOIN group_members m"
        " ON g.principal_type = 'group' AND g.principal_id = m.group_id"
        " WHERE ? = 'user' AND m.user_id = ?",
        [kind, principal_id, kind, principal_id],
    )
    found: set[str] = set()
    for row in rows:
        found.update(orjson.loads(row["permissions"]))
    return frozenset(found)


async def get_service_account(db: Reader, account_id: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM service_accounts WHERE id = ?", [account_id]
    )


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
        [
            token_id,
            name,
            owner_type,
            owner_id,
            prefix,
            created_by,
            now_iso(),
            expires_at,
        ],
    )


async def revoke_tokens(tx: Transaction, token_ids: Sequence[str]) -> None:
    now = now_iso()
    for token_id in token_ids:
        await tx.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now, token_id],
        )


async def touch_token(db: Database, token_id: str) -> None:
    await db.execute(
        "UPDATE tokens SET last_used_at = ? WHERE id = ?", [now_iso(), token_id]
    )


async def get_setting(db: Reader, key: str) -> object | None:
    value = await db.fetchval("SELECT value FROM settings WHERE key = ?", [key])
    return None if value is None else orjson.loads(value)


async def put_setting(tx: Transaction, key: str, value: object) -> None:
    await tx.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, orjson.dumps(value).decode()],
    )


# Managing people, for the console's service. Every `q` is a plain substring,
# never a pattern: LIKE wildcards in it are escaped.

USER_SORTS = {
    "login": "login COLLATE NOCASE ASC",
    "-login": "login COLLATE NOCASE DESC",
    "created_at": "created_at ASC",
    "-created_at": "created_at DESC",
    "last_login_at": "last_login_at IS NULL, last_login_at ASC",
    "-last_login_at": "last_login_at IS NULL, last_login_at DESC",
}
USER_COLUMNS = {"email", "display_name", "status"}
NAMED_COLUMNS = {"name", "description", "status", "permissions"}


def like(q: str) -> str:
    """Return a LIKE pattern matching `q` anywhere, wildcards escaped."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


async def _page(
    db: Reader,
    sql: str,
    params: list[object],
    order: str,
    limit: int | None,
    offset: int,
) -> tuple[list[Row], int]:
    """Return one page and the count of all matches, in one round trip."""
    if limit is None:
        rows = await db.fetchall(f"{sql} ORDER BY {order}", params)
        return rows, len(rows)
    rows = await db.fetchall(
        f"SELECT *, COUNT(*) OVER () AS _total FROM ({sql}) ORDER BY {order}"
        " LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    if not rows:
        total = (
            await db.fetchval(f"SELECT COUNT(*) FROM ({sql})", params) if offset else 0
        )
        return rows, total
    total = rows[0]["_total"]
    for row in rows:
        del row["_total"]
    return rows, total


async def _update(
    tx: Transaction,
    table: str,
    allowed: set[str],
    row_id: str,
    values: dict[str, object],
) -> None:
    columns = [c for c in values if c in allowed]
    if not columns:
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    await tx.execute(
        f"UPDATE {table} SET {sets}, updated_at = ? WHERE id = ?",
        [*(values[c] for c in columns), now_iso(), row_id],
    )


# A user's direct roles and groups as JSON arrays, so that a page of users
# with both comes back in one query.
USER_ROLES_JSON = (
    "(SELECT json_group_array(json_object('id', r.id, 'name', r.name))"
    " FROM role_grants g JOIN roles r ON r.id = g.role_id"
    " WHERE g.principal_type = 'user' AND g.principal_id = users.id) AS _roles"
)
USER_GROUPS_JSON = (
    "(SELECT json_group_array(json_object('id', gr.id, 'name', gr.name))"
    " FROM group_members m JOIN groups gr ON gr.id = m.group_id"
    " WHERE m.user_id = users.id) AS _groups"
)


def embedded_list(row: Row, key: str) -> list[Row] | None:
    """Take a JSON array column out of a row, sorted by name; None if absent."""
    raw = row.pop(key, None)
    if raw is None:
        return None
    items = orjson.loads(raw)
    return sorted(items, key=lambda item: item["name"].lower())


async def list_users(
    db: Reader,
    *,
    q: str = "",
    status: str = "",
    sort: str = "login",
    limit: int | None = 50,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """Return one page of users and how many match in all."""
    where: list[str] = ["1 = 1"]
    params: list[object] = []
    if q:
        where.append(
            "(login LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\'"
            " OR display_name LIKE ? ESCAPE '\\')"
        )
        params += [like(q)] * 3
    if status:
        where.append("status = ?")
        params.append(status)
    sql = f"SELECT *, {USER_ROLES_JSON}, {USER_GROUPS_JSON} FROM users WHERE " + (
        " AND ".join(where)
    )
    order = USER_SORTS.get(sort, USER_SORTS["login"]) + ", id"
    return await _page(db, sql, params, order, limit, offset)


def _json_bool(expression: str) -> str:
    return f"json(CASE WHEN {expression} THEN 'true' ELSE 'false' END)"


def _named_array(select: str) -> str:
    """JSON text of an array of {id, name} objects, from a query of id and name
    columns, in name order (SQLite aggregates in the order of its subquery).
    Built as text so that nothing is parsed again."""
    return (
        "'[' || coalesce((SELECT group_concat(json_object('id', x.id,"
        f" 'name', x.name), ',') FROM ({select} ORDER BY name COLLATE NOCASE) x),"
        " '') || ']'"
    )


USER_SCALARS = (
    "json_object('id', id, 'login', login, 'email', email,"
    " 'display_name', display_name, 'status', status,"
    f" 'must_change_password', {_json_bool('must_change_password')},"
    f" 'locked', {_json_bool('locked_until > :now')},"
    " 'created_at', created_at, 'updated_at', updated_at,"
    " 'last_login_at', last_login_at)"
)
USER_ITEM = (
    "substr(o, 1, length(o) - 1) || ',\"roles\":' || "
    + _named_array(
        "SELECT r.id, r.name FROM role_grants g JOIN roles r ON r.id = g.role_id"
        " WHERE g.principal_type = 'user' AND g.principal_id = page.id"
    )
    + " || ',\"groups\":' || "
    + _named_array(
        "SELECT gr.id, gr.name FROM group_members m"
        " JOIN groups gr ON gr.id = m.group_id WHERE m.user_id = page.id"
    )
    + " || '}'"
)


def users_page_sql(q: str, status: str, sort: str) -> tuple[str, dict[str, object]]:
    """Return the query of one page of users as JSON text, and its parameters
    but for limit, offset and now."""
    where, params = ["1 = 1"], {}
    if q:
        where.append(
            "(login LIKE :q ESCAPE '\\' OR email LIKE :q ESCAPE '\\'"
            " OR display_name LIKE :q ESCAPE '\\')"
        )
        params["q"] = like(q)
    if status:
        where.append("status = :status")
        params["status"] = status
    match = " AND ".join(where)
    order = USER_SORTS.get(sort, USER_SORTS["login"]) + ", id"
    sql = (
        f"WITH page AS (SELECT *, {USER_SCALARS} AS o FROM users WHERE {match}"
        f" ORDER BY {order} LIMIT :limit OFFSET :offset)"
        f" SELECT (SELECT COUNT(*) FROM users WHERE {match}) AS total,"
        " '[' || coalesce((SELECT group_concat(item, ',') FROM"
        f" (SELECT {USER_ITEM} AS item FROM page ORDER BY {order})), '') || ']'"
        " AS items"
    )
    return sql, params


async def users_page_json(
    db: Reader,
    *,
    q: str = "",
    status: str = "",
    sort: str = "login",
    limit: int = 50,
    offset: int = 0,
    now: float = 0.0,
) -> tuple[str, int]:
    """Return one page of users, already encoded as a JSON array by SQLite,
    and how many match in all: the list's hot path, with no per-row Python."""
    sql, params = users_page_sql(q, status, sort)
    params.update(limit=limit, offset=offset, now=now)
    row = await db.fetchone(sql, params)  # type: ignore[arg-type]
    assert row is not None
    return row["items"], row["total"]


async def update_user(tx: Transaction, user_id: str, values: dict[str, object]) -> None:
    await _update(tx, "users", USER_COLUMNS, user_id, values)


async def unlock_user(tx: Transaction, user_id: str) -> None:
    await tx.execute(
        "UPDATE users SET failed_logins = 0, locked_until = 0, updated_at = ?"
        " WHERE id = ?",
        [now_iso(), user_id],
    )


async def delete_user(tx: Transaction, user_id: str) -> None:
    await tx.execute(
        "DELETE FROM role_grants WHERE principal_type = 'user' AND principal_id = ?",
        [user_id],
    )
    await tx.execute("DELETE FROM users WHERE id = ?", [user_id])


async def roles_of(
    db: Reader, kind: str, principal_ids: Sequence[str]
) -> dict[str, list[Row]]:
    """Return the roles given directly to each principal, by principal id."""
    found: dict[str, list[Row]] = {pid: [] for pid in principal_ids}
    if not principal_ids:
        return found
    rows = await db.fetchall(
        "SELECT g.principal_id, r.id, r.name FROM role_grants g"
        " JOIN roles r ON r.id = g.role_id WHERE g.principal_type = ?"
        f" AND g.principal_id IN ({_placeholders(principal_ids)})"
        " ORDER BY r.name COLLATE NOCASE",
        [kind, *principal_ids],
    )
    for row in rows:
        found[row["principal_id"]].append({"id": row["id"], "name": row["name"]})
    return found


async def groups_of(db: Reader, user_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Return the groups each user belongs to, by user id."""
    found: dict[str, list[Row]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return found
    rows = await db.fetchall(
        "SELECT m.user_id, g.id, g.name FROM group_members m"
        " JOIN groups g ON g.id = m.group_id"
        f" WHERE m.user_id IN ({_placeholders(user_ids)})"
        " ORDER BY g.name COLLATE NOCASE",
        list(user_ids),
    )
    for row in rows:
        found[row["user_id"]].append({"id": row["id"], "name": row["name"]})
    return found


async def group_ids_of(db: Reader, user_id: str) -> list[str]:
    rows = await db.fetchall(
        "SELECT group_id FROM group_members WHERE user_id = ?", [user_id]
    )
    return [r["group_id"] for r in rows]


async def members_of(db: Reader, group_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Return the members of each group, by group id."""
    found: dict[str, list[Row]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return found
    rows = await db.fetchall(
        "SELECT m.group_id, u.id, u.login, u.display_name FROM group_members m"
        " JOIN users u ON u.id = m.user_id"
        f" WHERE m.group_id IN ({_placeholders(group_ids)})"
        " ORDER BY u.login COLLATE NOCASE",
        list(group_ids),
    )
    for row in rows:
        member = {
            "id": row["id"],
            "login": row["login"],
            "display_name": row["display_name"],
        }
        found[row["group_id"]].append(member)
    return found


async def _list_named(
    db: Reader, table: str, q: str, limit: int | None, offset: int
) -> tuple[list[Row], int]:
    sql, params = f"SELECT * FROM {table}", list[object]()
    if q:
        sql += " WHERE (name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')"
        params = [like(q), like(q)]
    return await _page(db, sql, params, "name COLLATE NOCASE, id", limit, offset)


async def _by_name(db: Reader, table: str, name: str) -> Row | None:
    return await db.fetchone(f"SELECT * FROM {table} WHERE name = ?", [name])


async def _insert_named(
    tx: Transaction, table: str, prefix: str, values: dict[str, object]
) -> str:
    row_id = new_id(prefix)
    now = now_iso()
    columns = ["id", *values, "created_at", "updated_at"]
    await tx.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(columns)})",
        [row_id, *values.values(), now, now],
    )
    return row_id


async def list_groups(
    db: Reader, *, q: str = "", limit: int | None = 50, offset: int = 0
) -> tuple[list[Row], int]:
    return await _list_named(db, "groups", q, limit, offset)


async def get_group(db: Reader, group_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM groups WHERE id = ?", [group_id])


async def insert_group(tx: Transaction, name: str, description: str) -> str:
    return await _insert_named(
        tx, "groups", "grp", {"name": name, "description": description}
    )


async def update_group(
    tx: Transaction, group_id: str, values: dict[str, object]
) -> None:
    await _update(tx, "groups", NAMED_COLUMNS, group_id, values)


async def delete_group(tx: Transaction, group_id: str) -> None:
    await tx.execute(
        "DELETE FROM role_grants WHERE principal_type = 'group' AND principal_id = ?",
        [group_id],
    )
    await tx.execute("DELETE FROM groups WHERE id = ?", [group_id])


async def add_member(tx: Transaction, group_id: str, user_id: str) -> bool:
    changed = await tx.execute(
        "INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?, ?)",
        [group_id, user_id],
    )
    return changed > 0


async def remove_member(tx: Transaction, group_id: str, user_id: str) -> bool:
    changed = await tx.execute(
        "DELETE FROM group_members WHERE group_id = ? AND user_id = ?",
        [group_id, user_id],
    )
    return changed > 0


async def list_roles(
    db: Reader, *, q: str = "", limit: int | None = 50, offset: int = 0
) -> tuple[list[Row], int]:
    return await _list_named(db, "roles", q, limit, offset)


async def get_role(db: Reader, role_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM roles WHERE id = ?", [role_id])


async def get_role_by_name(db: Reader, name: str) -> Row | None:
    return await _by_name(db, "roles", name)


async def get_roles(db: Reader, role_ids: Sequence[str]) -> list[Row]:
    if not role_ids:
        return []
    return await db.fetchall(
        f"SELECT * FROM roles WHERE id IN ({_placeholders(role_ids)})", list(role_ids)
    )


async def insert_role(
    tx: Transaction, name: str, description: str, permissions: list[str]
) -> str:
    values: dict[str, object] = {
        "name": name,
        "description": description,
        "permissions": orjson.dumps(permissions).decode(),
    }
    return await _insert_named(tx, "roles", "rol", values)


async def update_role(tx: Transaction, role_id: str, values: dict[str, object]) -> None:
    if "permissions" in values:
        values = {**values, "permissions": orjson.dumps(values["permissions"]).decode()}
    await _update(tx, "roles", NAMED_COLUMNS, role_id, values)


async def delete_role(tx: Transaction, role_id: str) -> None:
    await tx.execute("DELETE FROM roles WHERE id = ? AND builtin = 0", [role_id])


async def revoke_role(
    tx: Transaction, role_id: str, kind: str, principal_id: str
) -> bool:
    changed = await tx.execute(
        "DELETE FROM role_grants WHERE role_id = ? AND principal_type = ?"
        " AND principal_id = ?",
        [role_id, kind, principal_id],
    )
    return changed > 0


async def holders_of(db: Reader, role_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Return who holds each role directly (users, groups, service accounts)."""
    found: dict[str, list[Row]] = {rid: [] for rid in role_ids}
    if not role_ids:
        return found
    rows = await db.fetchall(
        "SELECT g.role_id, g.principal_type AS type, g.principal_id AS id,"
        " COALESCE(u.login, gr.name, s.name, '') AS name FROM role_grants g"
        " LEFT JOIN users u ON g.principal_type = 'user' AND u.id = g.principal_id"
        " LEFT JOIN groups gr ON g.principal_type = 'group' AND gr.id = g.principal_id"
        " LEFT JOIN service_accounts s"
        " ON g.principal_type = 'service_account' AND s.id = g.principal_id"
        f" WHERE g.role_id IN ({_placeholders(role_ids)})"
        " ORDER BY g.principal_type, name COLLATE NOCASE",
        list(role_ids),
    )
    for row in rows:
        role_id = row.pop("role_id")
        found[role_id].append(row)
    return found


async def count_active_holders(db: Reader, role_id: str) -> int:
    """Count the active users holding a role, directly or through a group."""
    return await db.fetchval(
        "SELECT COUNT(*) FROM users u WHERE u.status = 'active' AND u.id IN ("
        " SELECT principal_id FROM role_grants"
        " WHERE role_id = ? AND principal_type = 'user'"
        " UNION SELECT m.user_id FROM group_members m JOIN role_grants g"
        " ON g.principal_type = 'group' AND g.principal_id = m.group_id"
        " WHERE g.role_id = ?)",
        [role_id, role_id],
    )


async def list_service_accounts(
    db: Reader, *, q: str = "", limit: int | None = 50, offset: int = 0
) -> tuple[list[Row], int]:
    return await _list_named(db, "service_accounts", q, limit, offset)


async def insert_service_account(tx: Transaction, name: str, description: str) -> str:
    return await _insert_named(
        tx, "service_accounts", "sva", {"name": name, "description": description}
    )


async def update_service_account(
    tx: Transaction, account_id: str, values: dict[str, object]
) -> None:
    await _update(tx, "service_accounts", NAMED_COLUMNS, account_id, values)


async def delete_service_account(tx: Transaction, account_id: str) -> None:
    await tx.execute(
        "DELETE FROM role_grants WHERE principal_type = 'service_account'"
        " AND principal_id = ?",
        [account_id],
    )
    await tx.execute("DELETE FROM service_accounts WHERE id = ?", [account_id])


async def tokens_of(db: Reader, owner_type: str, owner_id: str) -> list[Row]:
    return await db.fetchall(
        "SELECT * FROM tokens WHERE owner_type = ? AND owner_id = ?"
        " ORDER BY created_at DESC, id",
        [owner_type, owner_id],
    )


async def live_token_ids(db: Reader, owner_type: str, owner_id: str) -> list[str]:
    rows = await db.fetchall(
        "SELECT id FROM tokens WHERE owner_type = ? AND owner_id = ?"
        " AND revoked_at IS NULL",
        [owner_type, owner_id],
    )
    return [r["id"] for r in rows]


async def list_tokens(
    db: Reader, *, limit: int | None = 50, offset: int = 0
) -> tuple[list[Row], int]:
    """Return every token of the tenant, with its owner's name."""
    sql = (
        "SELECT t.*, COALESCE(u.login, s.name, '') AS owner_name FROM tokens t"
        " LEFT JOIN users u ON t.owner_type = 'user' AND u.id = t.owner_id"
        " LEFT JOIN service_accounts s"
        " ON t.owner_type = 'service_account' AND s.id = t.owner_id"
    )
    return await _page(db, sql, [], "created_at DESC, id", limit, offset)


AUDIT_FILTERS = {
    "action": "action = ?",
    "object_type": "object_type = ?",
    "object_id": "object_id = ?",
    "outcome": "outcome = ?",
    "since": "at >= ?",
    "until": "at < ?",
}


async def list_audit(
    db: Reader, filters: dict[str, str], limit: int, offset: int
) -> tuple[list[Row], int]:
    """Return one page of audit events, newest first."""
    where: list[str] = ["1 = 1"]
    params: list[object] = []
    for name, clause in AUDIT_FILTERS.items():
        if filters.get(name):
            where.append(clause)
            params.append(filters[name])
    if filters.get("actor"):
        where.append("(actor_id = ? OR actor_name = ?)")
        params += [filters["actor"], filters["actor"]]
    if filters.get("q"):
        where.append(
            "(action LIKE ? ESCAPE '\\' OR object_name LIKE ? ESCAPE '\\'"
            " OR actor_name LIKE ? ESCAPE '\\' OR object_id LIKE ? ESCAPE '\\')"
        )
        params += [like(filters["q"])] * 4
    sql = "SELECT * FROM audit_events WHERE " + " AND ".join(where)
    return await _page(db, sql, params, "seq DESC", limit, offset)
