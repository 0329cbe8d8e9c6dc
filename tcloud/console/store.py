"""SQL over the console's own tables: projects and their grants."""

from __future__ import annotations

from collections.abc import Sequence

from tcloud.platform.db import Reader, Row, Transaction
from tcloud.platform.ids import new_id, now_iso
from tcloud.platform.people import like

ACCESS_RANK = {"read": 1, "write": 2, "admin": 3}


async def list_projects(
    db: Reader, *, only: Sequence[str] | None, q: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    """Return one page of projects, all of them or only the given ids."""
    where, params = ["1 = 1"], []
    if only is not None:
        if not only:
            return [], 0
        where.append(f"id IN ({', '.join('?' for _ in only)})")
        params += list(only)
    if q:
        where.append("(name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')")
        params += [like(q), like(q)]
    sql = "SELECT * FROM projects WHERE " + " AND ".join(where)
    total = await db.fetchval(f"SELECT COUNT(*) FROM ({sql})", params)
    rows = await db.fetchall(
        sql + " ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, total


async def get_project(db: Reader, project_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM projects WHERE id = ?", [project_id])


async def get_project_by_name(db: Reader, name: str) -> Row | None:
    return await db.fetchone("SELECT * FROM projects WHERE name = ?", [name])


async def insert_project(
    tx: Transaction, name: str, description: str, created_by: str
) -> str:
    project_id = new_id("prj")
    now = now_iso()
    await tx.execute(
        "INSERT INTO projects (id, name, description, created_by, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [project_id, name, description, created_by, now, now],
    )
    return project_id


async def update_project(
    tx: Transaction, project_id: str, values: dict[str, object]
) -> None:
    columns = [c for c in ("name", "description") if c in values]
    if not columns:
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    await tx.execute(
        f"UPDATE projects SET {sets}, updated_at = ? WHERE id = ?",
        [*(values[c] for c in columns), now_iso(), project_id],
    )


async def delete_project(tx: Transaction, project_id: str) -> None:
    await tx.execute("DELETE FROM projects WHERE id = ?", [project_id])


GRANTS = (
    "SELECT g.project_id, g.principal_type, g.principal_id, g.access, g.created_at,"
    " COALESCE(u.login, gr.name, s.name, '') AS principal_name"
    " FROM project_grants g"
    " LEFT JOIN users u ON g.principal_type = 'user' AND u.id = g.principal_id"
    " LEFT JOIN groups gr ON g.principal_type = 'group' AND gr.id = g.principal_id"
    " LEFT JOIN service_accounts s"
    " ON g.principal_type = 'service_account' AND s.id = g.principal_id"
    " WHERE g.project_id = ?"
)


async def grants_of(db: Reader, project_id: str) -> list[Row]:
    """Return a project's grants with the name of each principal."""
    return await db.fetchall(
        GRANTS + " ORDER BY g.principal_type, principal_name", [project_id]
    )


async def get_grant(
    db: Reader, project_id: str, kind: str, principal_id: str
) -> Row | None:
    return await db.fetchone(
        GRANTS + " AND g.principal_type = ? AND g.principal_id = ?",
        [project_id, kind, principal_id],
    )


async def put_grant(
    tx: Transaction, project_id: str, kind: str, principal_id: str, access: str
) -> None:
    await tx.execute(
        "INSERT INTO project_grants (project_id, principal_type, principal_id,"
        " access, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (project_id, principal_type, principal_id)"
        " DO UPDATE SET access = excluded.access",
        [project_id, kind, principal_id, access, now_iso()],
    )


async def delete_grant(
    tx: Transaction, project_id: str, kind: str, principal_id: str
) -> bool:
    changed = await tx.execute(
        "DELETE FROM project_grants WHERE project_id = ? AND principal_type = ?"
        " AND principal_id = ?",
        [project_id, kind, principal_id],
    )
    return changed > 0


async def delete_grants_of(tx: Transaction, kind: str, principal_id: str) -> None:
    """Forget a principal's project grants, when the principal is deleted."""
    await tx.execute(
        "DELETE FROM project_grants WHERE principal_type = ? AND principal_id = ?",
        [kind, principal_id],
    )


async def access_of(
    db: Reader, kind: str, principal_id: str, group_ids: Sequence[str]
) -> dict[str, str]:
    """Return the best access a principal has to each project granted to it,
    directly or through one of its groups."""
    clauses = ["(principal_type = ? AND principal_id = ?)"]
    params: list[object] = [kind, principal_id]
    if group_ids:
        marks = ", ".join("?" for _ in group_ids)
        clauses.append(f"(principal_type = 'group' AND principal_id IN ({marks}))")
        params += list(group_ids)
    rows = await db.fetchall(
        "SELECT project_id, access FROM project_grants WHERE " + " OR ".join(clauses),
        params,
    )
    best: dict[str, str] = {}
    for row in rows:
        current = best.get(row["project_id"])
        if current is None or ACCESS_RANK[row["access"]] > ACCESS_RANK[current]:
            best[row["project_id"]] = row["access"]
    return best


NAMED_TABLES = {"groups", "roles", "service_accounts", "projects"}


async def find_by_name(db: Reader, table: str, name: str) -> Row | None:
    """Return the row of a named object of one of the named tables."""
    assert table in NAMED_TABLES, table
    return await db.fetchone(f"SELECT id FROM {table} WHERE name = ?", [name])
