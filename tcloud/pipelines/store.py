"""The SQL of the file area, connections, datasets and pipeline versions."""

from __future__ import annotations

from typing import Any

import orjson

from tcloud.platform.db import Reader, Row, Transaction
from tcloud.platform.ids import new_id, now_iso

TABLES = ("area_files", "connections", "datasets", "pipelines")
PREFIXES = {"area_files": "fil", "connections": "con", "datasets": "ds",
            "pipelines": "pip"}  # fmt: skip


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | bytes | None, default: Any = None) -> Any:
    return default if text is None or text == "" else orjson.loads(text)


async def insert(tx: Transaction, table: str, **row: Any) -> str:
    """Insert a row with a new id and timestamps; return the id."""
    assert table in TABLES
    row = {"id": new_id(PREFIXES[table]), **row}
    if table != "area_files":
        row.setdefault("updated_at", now_iso())
    row.setdefault("created_at", now_iso())
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values())
    )
    return str(row["id"])


async def update(tx: Transaction, table: str, row_id: str, **fields: Any) -> int:
    assert table in TABLES and fields
    if table != "area_files":
        fields.setdefault("updated_at", now_iso())
    sets = ", ".join(f"{name} = ?" for name in fields)
    return await tx.execute(
        f"UPDATE {table} SET {sets} WHERE id = ?", [*fields.values(), row_id]
    )


async def delete(tx: Transaction, table: str, row_id: str) -> int:
    assert table in TABLES
    return await tx.execute(f"DELETE FROM {table} WHERE id = ?", [row_id])


async def get(db: Reader, table: str, row_id: str) -> Row | None:
    assert table in TABLES
    return await db.fetchone(f"SELECT * FROM {table} WHERE id = ?", [row_id])


async def by_name(db: Reader, table: str, name: str) -> Row | None:
    assert table in TABLES and table != "area_files"
    return await db.fetchone(f"SELECT * FROM {table} WHERE name = ?", [name])


async def page(
    db: Reader,
    table: str,
    search: str,
    limit: int,
    offset: int,
    where: tuple[str, list[Any]] = ("", []),
) -> tuple[list[Row], int]:
    """Return a page of a table by name, and how many rows match."""
    assert table in TABLES
    clauses, params = ["name LIKE ?"], [f"%{search}%"]
    if where[0]:
        clauses.append(where[0])
        params += where[1]
    cond = " AND ".join(clauses)
    total = await db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {cond}", params)
    rows = await db.fetchall(
        f"SELECT * FROM {table} WHERE {cond} ORDER BY name COLLATE NOCASE, id"
        " LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, int(total)


async def datasets_using(db: Reader, connection_id: str) -> int:
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM datasets WHERE connection_id = ?", [connection_id]
        )
    )


async def add_version(
    tx: Transaction, pipeline_id: str, plan: dict[str, Any], notes: str, by: str
) -> Row:
    """Add the next version of a pipeline; return it."""
    number = 1 + int(
        await tx.fetchval(
            "SELECT latest_version FROM pipelines WHERE id = ?", [pipeline_id]
        )
    )
    version_id = new_id("pv")
    await tx.execute(
        "INSERT INTO pipeline_versions (id, pipeline_id, version, plan, notes,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [version_id, pipeline_id, number, dumps(plan), notes, now_iso(), by],
    )
    await update(tx, "pipelines", pipeline_id, latest_version=number)
    row = await tx.fetchone(
        "SELECT * FROM pipeline_versions WHERE id = ?", [version_id]
    )
    assert row is not None
    return row


async def version(db: Reader, pipeline_id: str, number: int) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM pipeline_versions WHERE pipeline_id = ? AND version = ?",
        [pipeline_id, number],
    )


async def versions(db: Reader, pipeline_id: str) -> list[Row]:
    return await db.fetchall(
        "SELECT id, version, notes, artifact_version_id, created_at, created_by"
        " FROM pipeline_versions WHERE pipeline_id = ? ORDER BY version DESC",
        [pipeline_id],
    )


async def set_artifact_version(tx: Transaction, version_id: str, art_v: str) -> None:
    await tx.execute(
        "UPDATE pipeline_versions SET artifact_version_id = ? WHERE id = ?",
        [art_v, version_id],
    )


async def current_output(db: Reader, name: str) -> Row | None:
    """Return the current file of the area that a run wrote under `name`."""
    return await db.fetchone(
        "SELECT * FROM area_files WHERE name = ? AND replaced_by IS NULL"
        " AND origin LIKE 'execution:%' ORDER BY version DESC LIMIT 1",
        [name],
    )


async def replace_file(tx: Transaction, old_id: str, new_id: str) -> int:
    """Mark a file replaced by a newer version; point its datasets at that one."""
    await tx.execute(
        "UPDATE area_files SET replaced_by = ? WHERE id = ?", [new_id, old_id]
    )
    return await tx.execute(
        "UPDATE datasets SET config = json_set(config, '$.file_id', ?),"
        " sample = NULL, sampled_at = NULL, updated_at = ?"
        " WHERE json_extract(config, '$.file_id') = ?",
        [new_id, now_iso(), old_id],
    )


async def earlier_versions(db: Reader, file_id: str) -> list[Row]:
    """Return the versions a file replaced, newest first."""
    return await db.fetchall(
        "WITH RECURSIVE older(id) AS ("
        " SELECT id FROM area_files WHERE replaced_by = ?"
        " UNION SELECT f.id FROM area_files f JOIN older o ON f.replaced_by = o.id)"
        " SELECT a.* FROM area_files a JOIN older USING (id) ORDER BY a.version DESC",
        [file_id],
    )


async def pipelines_of_artifact(db: Reader, artifact_version_id: str) -> list[Row]:
    return await db.fetchall(
        "SELECT p.id, p.name, p.description, p.latest_version, v.version"
        " FROM pipelines p JOIN pipeline_versions v ON v.pipeline_id = p.id"
        " WHERE v.artifact_version_id = ?",
        [artifact_version_id],
    )


async def pipelines_using_dataset(db: Reader, dataset_id: str) -> list[Row]:
    """Return the pipelines whose latest version reads or writes a dataset."""
    return await db.fetchall(
        "SELECT p.id, p.name, v.version FROM pipelines p"
        " JOIN pipeline_versions v"
        "  ON v.pipeline_id = p.id AND v.version = p.latest_version"
        " WHERE EXISTS (SELECT 1 FROM json_each(v.plan, '$.nodes') n"
        "  WHERE json_extract(n.value, '$.config.dataset_id') = ?)"
        " ORDER BY p.name COLLATE NOCASE, p.id",
        [dataset_id],
    )
