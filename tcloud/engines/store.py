"""The SQL of environments, workspaces, engines, artifacts, tasks, executions.

The control store holds pairing keys and the engine index; everything else
is in the tenant's store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tcloud.platform.db import Database, Reader, Row, Transaction
from tcloud.platform.ids import new_id, now_iso

ACTIVE = ("dispatched", "running", "cancelling")
FINAL = ("succeeded", "failed", "cancelled", "lost")


def _set_clause(fields: dict[str, Any]) -> tuple[str, list[Any]]:
    return ", ".join(f"{name} = ?" for name in fields), list(fields.values())


async def insert_pairing_key(tx: Transaction, **row: Any) -> None:
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO pairing_keys ({names}) VALUES ({marks})", list(row.values())
    )


async def pairing_key(db: Reader, key_hash: str) -> Row | None:
    return await db.fetchone("SELECT * FROM pairing_keys WHERE hash = ?", [key_hash])


async def use_pairing_key(
    tx: Transaction, key_hash: str, engine_id: str, at: float
) -> bool:
    changed = await tx.execute(
        "UPDATE pairing_keys SET used_at = ?, engine_id = ?"
        " WHERE hash = ? AND used_at IS NULL AND expires_at > ?",
        [at, engine_id, key_hash, at],
    )
    return changed == 1


async def list_pairing_keys(db: Reader, tenant_id: str) -> list[Row]:
    return await db.fetchall(
        "SELECT id, environment_id, engine_name, prefix, created_by, created_at,"
        " expires_at, used_at, engine_id FROM pairing_keys WHERE tenant_id = ?"
        " ORDER BY created_at DESC LIMIT 200",
        [tenant_id],
    )


async def insert_engine_index(
    tx: Transaction, engine_id: str, tenant_id: str, credential_hash: str
) -> None:
    await tx.execute(
        "INSERT INTO engine_index (engine_id, tenant_id, credential_hash)"
        " VALUES (?, ?, ?)",
        [engine_id, tenant_id, credential_hash],
    )


async def engine_by_credential(db: Reader, credential_hash: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM engine_index WHERE credential_hash = ?", [credential_hash]
    )


async def revoke_engine_index(db: Database, engine_id: str, at: float) -> None:
    await db.execute(
        "UPDATE engine_index SET revoked_at = ? WHERE engine_id = ?", [at, engine_id]
    )


async def environments(db: Reader) -> list[Row]:
    return await db.fetchall("SELECT * FROM environments ORDER BY name")


async def environment(db: Reader, env_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM environments WHERE id = ?", [env_id])


async def environment_by_name(db: Reader, name: str) -> Row | None:
    return await db.fetchone("SELECT * FROM environments WHERE name = ?", [name])


async def insert_environment(tx: Transaction, name: str, description: str) -> str:
    env_id, now = new_id("env"), now_iso()
    await tx.execute(
        "INSERT INTO environments (id, name, description, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [env_id, name, description, now, now],
    )
    return env_id


async def update_environment(
    tx: Transaction, env_id: str, fields: dict[str, Any]
) -> None:
    clause, params = _set_clause({**fields, "updated_at": now_iso()})
    await tx.execute(
        f"UPDATE environments SET {clause} WHERE id = ?", [*params, env_id]
    )


async def delete_environment(tx: Transaction, env_id: str) -> None:
    await tx.execute("DELETE FROM environments WHERE id = ?", [env_id])


async def count_in_environment(db: Reader, env_id: str) -> int:
    return int(
        await db.fetchval(
            "SELECT (SELECT count(*) FROM engines WHERE environment_id = ?"
            " AND status = 'paired') + (SELECT count(*) FROM artifacts a JOIN"
            " workspaces w ON w.id = a.workspace_id WHERE w.environment_id = ?)",
            [env_id, env_id],
        )
    )


async def workspaces(db: Reader, env_id: str | None = None) -> list[Row]:
    if env_id is None:
        return await db.fetchall("SELECT * FROM workspaces ORDER BY name")
    return await db.fetchall(
        "SELECT * FROM workspaces WHERE environment_id = ? ORDER BY kind DESC, name",
        [env_id],
    )


async def workspace(db: Reader, ws_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM workspaces WHERE id = ?", [ws_id])


async def personal_workspace(db: Reader, env_id: str, owner_id: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM workspaces WHERE environment_id = ? AND kind = 'personal'"
        " AND owner_id = ?",
        [env_id, owner_id],
    )


async def workspace_by_name(db: Reader, env_id: str, name: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM workspaces WHERE environment_id = ? AND name = ?", [env_id, name]
    )


async def insert_workspace(
    tx: Transaction,
    env_id: str,
    name: str,
    kind: str,
    owner_id: str = "",
    description: str = "",
) -> str:
    ws_id = new_id("wks")
    await tx.execute(
        "INSERT INTO workspaces (id, environment_id, name, kind, owner_id,"
        " description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [ws_id, env_id, name, kind, owner_id, description, now_iso()],
    )
    return ws_id


async def grants(db: Reader, ws_id: str) -> list[Row]:
    return await db.fetchall(
        "SELECT principal_type, principal_id, permission FROM workspace_grants"
        " WHERE workspace_id = ? ORDER BY principal_type, principal_id, permission",
        [ws_id],
    )


async def replace_grants(tx: Transaction, ws_id: str, rows: Sequence[Row]) -> None:
    await tx.execute("DELETE FROM workspace_grants WHERE workspace_id = ?", [ws_id])
    await tx.executemany(
        "INSERT OR IGNORE INTO workspace_grants (workspace_id, principal_type,"
        " principal_id, permission) VALUES (?, ?, ?, ?)",
        [
            [ws_id, r["principal_type"], r["principal_id"], r["permission"]]
            for r in rows
        ],
    )


async def permissions_in(
    db: Reader, ws_id: str, kind: str, principal_id: str
) -> set[str]:
    """Return what a principal may do in a workspace, directly or via groups."""
    rows = await db.fetchall(
        "SELECT permission FROM workspace_grants WHERE workspace_id = ? AND ("
        " (principal_type = ? AND principal_id = ?) OR (principal_type = 'group'"
        " AND principal_id IN (SELECT group_id FROM group_members WHERE user_id = ?)))",
        [ws_id, kind, principal_id, principal_id if kind == "user" else ""],
    )
    return {r["permission"] for r in rows}


async def insert_engine(tx: Transaction, **row: Any) -> None:
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO engines ({names}) VALUES ({marks})", list(row.values())
    )


async def engines(db: Reader, env_id: str | None = None) -> list[Row]:
    if env_id:
        return await db.fetchall(
            "SELECT * FROM engines WHERE environment_id = ? ORDER BY name", [env_id]
        )
    return await db.fetchall("SELECT * FROM engines ORDER BY name")


async def engine(db: Reader, engine_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM engines WHERE id = ?", [engine_id])


async def update_engine(db: Reader, engine_id: str, fields: dict[str, Any]) -> None:
    clause, params = _set_clause(fields)
    await db.execute(f"UPDATE engines SET {clause} WHERE id = ?", [*params, engine_id])


async def artifacts(db: Reader, ws_ids: Sequence[str]) -> list[Row]:
    marks = ", ".join("?" for _ in ws_ids) or "''"
    return await db.fetchall(
        f"SELECT * FROM artifacts WHERE workspace_id IN ({marks}) ORDER BY name",
        list(ws_ids),
    )


async def artifact(db: Reader, artifact_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM artifacts WHERE id = ?", [artifact_id])


async def artifact_by_name(db: Reader, ws_id: str, name: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM artifacts WHERE workspace_id = ? AND name = ?", [ws_id, name]
    )


async def insert_artifact(
    tx: Transaction, ws_id: str, name: str, kind: str, description: str
) -> str:
    art_id, now = new_id("art"), now_iso()
    await tx.execute(
        "INSERT INTO artifacts (id, workspace_id, name, kind, description, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [art_id, ws_id, name, kind, description, now, now],
    )
    return art_id


async def add_version(tx: Transaction, artifact_id: str, **fields: Any) -> Row:
    number = int(
        await tx.fetchval(
            "SELECT latest_version + 1 FROM artifacts WHERE id = ?", [artifact_id]
        )
    )
    version_id, now = new_id("arv"), now_iso()
    row = {
        "id": version_id,
        "artifact_id": artifact_id,
        "version": number,
        "created_at": now,
        **fields,
    }
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO artifact_versions ({names}) VALUES ({marks})", list(row.values())
    )
    await tx.execute(
        "UPDATE artifacts SET latest_version = ?, updated_at = ? WHERE id = ?",
        [number, now, artifact_id],
    )
    return row


async def versions(db: Reader, artifact_id: str) -> list[Row]:
    return await db.fetchall(
        "SELECT * FROM artifact_versions WHERE artifact_id = ? ORDER BY version DESC",
        [artifact_id],
    )


async def version(db: Reader, version_id: str) -> Row | None:
    return await db.fetchone(
        "SELECT v.*, a.name AS artifact_name, a.kind, a.workspace_id,"
        " w.environment_id FROM artifact_versions v"
        " JOIN artifacts a ON a.id = v.artifact_id"
        " JOIN workspaces w ON w.id = a.workspace_id WHERE v.id = ?",
        [version_id],
    )


async def version_by_number(db: Reader, artifact_id: str, number: int) -> Row | None:
    version_id = await db.fetchval(
        "SELECT id FROM artifact_versions WHERE artifact_id = ? AND version = ?",
        [artifact_id, number],
    )
    return None if version_id is None else await version(db, version_id)


async def put_file(tx: Transaction, version_id: str, content: bytes) -> None:
    await tx.execute(
        "INSERT INTO artifact_files (version_id, content) VALUES (?, ?)",
        [version_id, content],
    )


async def get_file(db: Reader, version_id: str) -> bytes | None:
    value = await db.fetchval(
        "SELECT content FROM artifact_files WHERE version_id = ?", [version_id]
    )
    return None if value is None else bytes(value)


TASK_SELECT = (
    "SELECT t.*, v.version AS artifact_version, v.artifact_id, a.name AS"
    " artifact_name, a.kind AS artifact_kind, w.environment_id FROM tasks t"
    " JOIN artifact_versions v ON v.id = t.artifact_version_id"
    " JOIN artifacts a ON a.id = v.artifact_id"
    " JOIN workspaces w ON w.id = t.workspace_id"
)


async def tasks(db: Reader, ws_ids: Sequence[str]) -> list[Row]:
    marks = ", ".join("?" for _ in ws_ids) or "''"
    return await db.fetchall(
        f"{TASK_SELECT} WHERE t.workspace_id IN ({marks}) ORDER BY t.name", list(ws_ids)
    )


async def task(db: Reader, task_id: str) -> Row | None:
    return await db.fetchone(f"{TASK_SELECT} WHERE t.id = ?", [task_id])


async def tasks_of_version(db: Reader, version_id: str) -> list[Row]:
    return await db.fetchall(
        f"{TASK_SELECT} WHERE t.artifact_version_id = ?", [version_id]
    )


async def insert_task(tx: Transaction, **fields: Any) -> str:
    task_id, now = new_id("tsk"), now_iso()
    row = {"id": task_id, "created_at": now, "updated_at": now, **fields}
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO tasks ({names}) VALUES ({marks})", list(row.values())
    )
    return task_id


async def update_task(tx: Transaction, task_id: str, fields: dict[str, Any]) -> None:
    clause, params = _set_clause({**fields, "updated_at": now_iso()})
    await tx.execute(f"UPDATE tasks SET {clause} WHERE id = ?", [*params, task_id])


async def delete_task(tx: Transaction, task_id: str) -> None:
    await tx.execute("DELETE FROM tasks WHERE id = ?", [task_id])


async def due_tasks(db: Reader, now: float) -> list[Row]:
    return await db.fetchall(
        "SELECT id, cron, next_run_at FROM tasks WHERE cron != '' AND enabled = 1"
        " AND next_run_at IS NOT NULL AND next_run_at <= ?",
        [now],
    )


async def set_next_run(
    tx: Transaction, task_id: str, next_run_at: float | None
) -> None:
    await tx.execute(
        "UPDATE tasks SET next_run_at = ? WHERE id = ?", [next_run_at, task_id]
    )


EXEC_SELECT = (
    "SELECT e.*, t.name AS task_name, t.workspace_id, a.name AS artifact_name,"
    " v.version AS artifact_version, v.artifact_id, n.name AS engine_name"
    " FROM executions e"
    " JOIN tasks t ON t.id = e.task_id"
    " JOIN artifact_versions v ON v.id = e.artifact_version_id"
    " JOIN artifacts a ON a.id = v.artifact_id"
    " LEFT JOIN engines n ON n.id = e.engine_id"
)


async def insert_execution(tx: Transaction, **fields: Any) -> str:
    exec_id = new_id("exe")
    row = {"id": exec_id, "created_at": now_iso(), "status": "queued", **fields}
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO executions ({names}) VALUES ({marks})", list(row.values())
    )
    return exec_id


async def execution(db: Reader, exec_id: str) -> Row | None:
    return await db.fetchone(f"{EXEC_SELECT} WHERE e.id = ?", [exec_id])


async def executions(
    db: Reader, ws_ids: Sequence[str], task_id: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    marks = ", ".join("?" for _ in ws_ids) or "''"
    where = f"t.workspace_id IN ({marks})"
    params: list[Any] = list(ws_ids)
    if task_id:
        where += " AND e.task_id = ?"
        params.append(task_id)
    rows = await db.fetchall(
        f"{EXEC_SELECT} WHERE {where} ORDER BY e.created_at DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    total = await db.fetchval(
        f"SELECT count(*) FROM executions e JOIN tasks t ON t.id = e.task_id"
        f" WHERE {where}",
        params,
    )
    return rows, int(total)


async def update_execution(
    tx: Reader, exec_id: str, fields: dict[str, Any], only_if: Sequence[str] = ()
) -> bool:
    """Change an execution; with `only_if`, only while its status is one of them."""
    clause, params = _set_clause(fields)
    sql = f"UPDATE executions SET {clause} WHERE id = ?"
    params.append(exec_id)
    if only_if:
        sql += f" AND status IN ({', '.join('?' for _ in only_if)})"
        params.extend(only_if)
    return await tx.execute(sql, params) == 1


async def queued(db: Reader, now: float) -> list[Row]:
    return await db.fetchall(
        f"{EXEC_SELECT.replace('e.*,', 'e.*, t.engine_id AS target_engine,')}"
        " WHERE e.status = 'queued' AND e.not_before <= ? ORDER BY e.created_at",
        [now],
    )


async def active_on(db: Reader, engine_id: str | None = None) -> list[Row]:
    marks = ", ".join("?" for _ in ACTIVE)
    if engine_id is None:
        return await db.fetchall(
            f"{EXEC_SELECT} WHERE e.status IN ({marks})", list(ACTIVE)
        )
    return await db.fetchall(
        f"{EXEC_SELECT} WHERE e.status IN ({marks}) AND e.engine_id = ?",
        [*ACTIVE, engine_id],
    )


async def count_waiting(db: Reader) -> int:
    return int(
        await db.fetchval("SELECT count(*) FROM executions WHERE status = 'queued'")
    )


async def append_log(
    tx: Transaction, exec_id: str, lines: Sequence[tuple[str, str, str]]
) -> int:
    """Append (at, stream, line) rows; return the sequence number of the first."""
    first = int(
        await tx.fetchval("SELECT log_lines FROM executions WHERE id = ?", [exec_id])
    )
    await tx.executemany(
        "INSERT INTO execution_logs (execution_id, seq, at, stream, line)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            [exec_id, first + i, at, stream, line]
            for i, (at, stream, line) in enumerate(lines)
        ],
    )
    await tx.execute(
        "UPDATE executions SET log_lines = log_lines + ? WHERE id = ?",
        [len(lines), exec_id],
    )
    return first


async def log_lines(
    db: Reader, exec_id: str, after: int = -1, limit: int = 100000
) -> list[Row]:
    return await db.fetchall(
        "SELECT seq, at, stream, line FROM execution_logs WHERE execution_id = ?"
        " AND seq > ? ORDER BY seq LIMIT ?",
        [exec_id, after, limit],
    )


async def put_execution_file(
    tx: Transaction, exec_id: str, kind: str, content: bytes, blob_key: str = ""
) -> None:
    await tx.execute(
        "INSERT OR REPLACE INTO execution_files (execution_id, kind, content,"
        " blob_key, uploaded_at) VALUES (?, ?, ?, ?, ?)",
        [exec_id, kind, content, blob_key, now_iso()],
    )


async def execution_file(db: Reader, exec_id: str, kind: str) -> Row | None:
    return await db.fetchone(
        "SELECT content, blob_key FROM execution_files WHERE execution_id = ?"
        " AND kind = ?",
        [exec_id, kind],
    )


async def use_upload_token(tx: Transaction, jti: str) -> bool:
    changed = await tx.execute(
        "INSERT OR IGNORE INTO upload_tokens_used (jti, used_at) VALUES (?, ?)",
        [jti, now_iso()],
    )
    return changed == 1


def loads(text: str | None, default: Any) -> Any:
    return default if not text else orjson.loads(text)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
