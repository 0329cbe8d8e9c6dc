"""SQL over dataprep's tables: preparations, their history, full runs."""

from __future__ import annotations

from typing import Any

from tcloud.platform.db import Reader, Row, Transaction
from tcloud.platform.people import like

HISTORY_KEPT = 200
PREP_FIELDS = ("name", "description", "dataset_id", "steps", "sample_rows",
               "version", "history_pos", "updated_at")  # fmt: skip
RUN_FIELDS = ("status", "rows_done", "rows_total", "rows_written", "blob_key",
              "file_name", "size", "error", "started_at", "finished_at",
              "execution_id")  # fmt: skip
UNFINISHED = ("queued", "running")


async def list_preparations(
    db: Reader, *, q: str, dataset_id: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    """Return one page of preparations, by name."""
    where, params = ["1 = 1"], []
    if q:
        where.append("name LIKE ? ESCAPE '\\'")
        params.append(like(q))
    if dataset_id:
        where.append("dataset_id = ?")
        params.append(dataset_id)
    sql = "SELECT * FROM preparations WHERE " + " AND ".join(where)
    total = await db.fetchval(f"SELECT COUNT(*) FROM ({sql})", params)
    rows = await db.fetchall(
        sql + " ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, total


async def get_preparation(db: Reader, prep_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM preparations WHERE id = ?", [prep_id])


async def insert_preparation(tx: Transaction, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO preparations ({columns}) VALUES ({marks})", list(row.values())
    )


async def update_preparation(
    tx: Transaction, prep_id: str, values: dict[str, Any]
) -> None:
    columns = [c for c in PREP_FIELDS if c in values]
    sets = ", ".join(f"{c} = ?" for c in columns)
    await tx.execute(
        f"UPDATE preparations SET {sets} WHERE id = ?",
        [*(values[c] for c in columns), prep_id],
    )


async def delete_preparation(tx: Transaction, prep_id: str) -> int:
    return await tx.execute("DELETE FROM preparations WHERE id = ?", [prep_id])


async def push_history(
    tx: Transaction, prep_id: str, seq: int, steps: str, label: str, at: str
) -> None:
    """Record the step list at seq; drop the redo branch and the oldest."""
    await tx.execute(
        "DELETE FROM preparation_history WHERE preparation_id = ? AND seq >= ?",
        [prep_id, seq],
    )
    await tx.execute(
        "INSERT INTO preparation_history (preparation_id, seq, steps, label, at)"
        " VALUES (?, ?, ?, ?, ?)",
        [prep_id, seq, steps, label, at],
    )
    await tx.execute(
        "DELETE FROM preparation_history WHERE preparation_id = ? AND seq <= ?",
        [prep_id, seq - HISTORY_KEPT],
    )


async def history_entry(db: Reader, prep_id: str, seq: int) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM preparation_history WHERE preparation_id = ? AND seq = ?",
        [prep_id, seq],
    )


async def history_bounds(db: Reader, prep_id: str) -> tuple[int, int]:
    row = await db.fetchone(
        "SELECT MIN(seq) AS low, MAX(seq) AS high FROM preparation_history"
        " WHERE preparation_id = ?",
        [prep_id],
    )
    if row is None or row["low"] is None:
        return 0, 0
    return row["low"], row["high"]


async def history_labels(db: Reader, prep_id: str) -> list[Row]:
    return await db.fetchall(
        "SELECT seq, label, at FROM preparation_history WHERE preparation_id = ?"
        " ORDER BY seq",
        [prep_id],
    )


async def insert_run(tx: Transaction, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT INTO prep_runs ({columns}) VALUES ({marks})", list(row.values())
    )


async def get_run(db: Reader, run_id: str) -> Row | None:
    return await db.fetchone("SELECT * FROM prep_runs WHERE id = ?", [run_id])


async def list_runs(
    db: Reader, prep_id: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    total = await db.fetchval(
        "SELECT COUNT(*) FROM prep_runs WHERE preparation_id = ?", [prep_id]
    )
    rows = await db.fetchall(
        "SELECT * FROM prep_runs WHERE preparation_id = ?"
        " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
        [prep_id, limit, offset],
    )
    return rows, total


async def update_run(tx: Transaction, run_id: str, values: dict[str, Any]) -> int:
    columns = [c for c in RUN_FIELDS if c in values]
    sets = ", ".join(f"{c} = ?" for c in columns)
    return await tx.execute(
        f"UPDATE prep_runs SET {sets} WHERE id = ?",
        [*(values[c] for c in columns), run_id],
    )


async def finish_run(tx: Transaction, run_id: str, values: dict[str, Any]) -> int:
    """Set a run's final state, only if it has not finished already."""
    columns = [c for c in RUN_FIELDS if c in values]
    sets = ", ".join(f"{c} = ?" for c in columns)
    return await tx.execute(
        f"UPDATE prep_runs SET {sets} WHERE id = ? AND status IN ('queued', 'running')",
        [*(values[c] for c in columns), run_id],
    )


async def unfinished_runs(db: Reader) -> list[Row]:
    return await db.fetchall(
        "SELECT id, blob_key FROM prep_runs WHERE status IN ('queued', 'running')"
    )


async def engine_sample(db: Reader, dataset_id: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM prep_engine_samples WHERE dataset_id = ?", [dataset_id]
    )


async def keep_engine_sample(tx: Transaction, row: dict[str, Any]) -> str:
    """Record a dataset's engine sample; return the blob key it replaces."""
    old = await tx.fetchval(
        "SELECT blob_key FROM prep_engine_samples WHERE dataset_id = ?",
        [row["dataset_id"]],
    )
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT OR REPLACE INTO prep_engine_samples ({columns}) VALUES ({marks})",
        list(row.values()),
    )
    return str(old or "")


async def drop_engine_sample(tx: Transaction, dataset_id: str) -> str:
    """Forget a dataset's engine sample; return its blob key ("" if none)."""
    old = await tx.fetchval(
        "SELECT blob_key FROM prep_engine_samples WHERE dataset_id = ?", [dataset_id]
    )
    await tx.execute(
        "DELETE FROM prep_engine_samples WHERE dataset_id = ?", [dataset_id]
    )
    return str(old or "")


async def preparations_reading(db: Reader, dataset_id: str) -> int:
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM preparations WHERE dataset_id = ?", [dataset_id]
        )
    )


async def engine_copy(db: Reader, dataset_id: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM prep_engine_copies WHERE dataset_id = ?", [dataset_id]
    )


async def keep_engine_copy(tx: Transaction, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    await tx.execute(
        f"INSERT OR REPLACE INTO prep_engine_copies ({columns}) VALUES ({marks})",
        list(row.values()),
    )
