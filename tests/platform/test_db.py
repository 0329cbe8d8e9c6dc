"""The SQLite store: transactions survive cancellation."""

import asyncio

from tcloud.platform.db import Database, Migration

SCHEMA = [Migration("tests", 1, "0001_t.sql", "CREATE TABLE t (n INTEGER);")]


async def test_a_cancelled_writer_leaves_no_open_transaction(tmp_path):
    db = Database(tmp_path / "t.db")
    await db.open(SCHEMA)

    async def write_slowly() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (1)")
            await asyncio.sleep(10)

    for delay in (0, 0.0005, 0.01):
        task = asyncio.create_task(write_slowly())
        await asyncio.sleep(delay)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    await db.execute("INSERT INTO t VALUES (2)")
    assert await db.fetchval("SELECT group_concat(n) FROM t") == "2"
    await db.close()


async def test_rows_are_dicts_and_numbers_too_large_are_refused(tmp_path):
    db = Database(tmp_path / "t.db")
    await db.open(SCHEMA)
    await db.execute("INSERT INTO t VALUES (?)", [7])

    assert await db.fetchall("SELECT n FROM t") == [{"n": 7}]
    try:
        await db.execute("INSERT INTO t VALUES (?)", [2**70])
    except Exception as exc:
        assert exc.__class__.__name__ == "Invalid"
    else:
        raise AssertionError("a 70-bit integer was stored")
    await db.close()
