"""SQLite stores: one writer connection and one reader connection per file.

Each aiosqlite connection owns a thread, so neither reads nor writes block the
event loop. Writes are serialised by a lock and run as `BEGIN IMMEDIATE`
transactions on the writer; reads use the reader, which in WAL mode sees the
last committed state and never waits for a writer. A store that stays locked
past the busy timeout answers `Busy`, which the API turns into a 503.

Migrations are numbered SQL files, `migrations/<kind>/NNNN_name.sql`, inside
each package that owns tables of that kind of store (`control` or `tenant`).
Applied ones are recorded per package in `_migrations`; `PRAGMA user_version`
holds how many have been applied in all, for a quick look with the sqlite3
shell.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from tcloud import log
from tcloud.platform.errors import Busy, Invalid

Row = dict[str, Any]
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, order=True)
class Migration:
    package: str
    number: int
    name: str
    sql: str


def discover(packages: Iterable[str], kind: str) -> list[Migration]:
    """Find the migrations of one kind of store in the given packages."""
    found = []
    for package in packages:
        folder = importlib.resources.files(package).joinpath("migrations", kind)
        if not folder.is_dir():
            continue
        mine = []
        for entry in folder.iterdir():
            match = MIGRATION_NAME.match(entry.name)
            if match:
                number = int(match.group(1))
                mine.append(Migration(package, number, entry.name, entry.read_text()))
        # Packages in the order given (the platform's tables first), then by number.
        found.extend(sorted(mine))
    return found


def _dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    # Runs in the connection's own thread while it fetches, not on the loop.
    names = [column[0] for column in cursor.description]
    return dict(zip(names, values, strict=True))


def _rows(cursor_rows: Iterable[Any]) -> list[Row]:
    return cursor_rows if isinstance(cursor_rows, list) else list(cursor_rows)


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


async def _finish(statement: Awaitable[Any]) -> Any:
    """Await a statement that must run to its end even if the caller is
    cancelled, so that the writer is never left inside a transaction."""
    task = asyncio.ensure_future(statement)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


def _too_large() -> Invalid:
    # SQLite integers are 64-bit; a larger number in a request cannot be stored.
    return Invalid("a number in the request is too large (at most 2^63 - 1)")


class Database:
    """One SQLite file: a writer behind a lock and a reader beside it."""

    def __init__(self, path: Path, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def open(self, migrations: Sequence[Migration]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self._migrate(migrations)
        self._reader = await self._connect()
        await self._reader.execute("PRAGMA query_only=ON")

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(
            self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None
        )
        conn.row_factory = _dict_row  # type: ignore[assignment]
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    async def _migrate(self, migrations: Sequence[Migration]) -> None:
        assert self._writer is not None
        await self._writer.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (package TEXT NOT NULL,"
            " number INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL"
            " DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
            " PRIMARY KEY (package, number))"
        )
        done = {
            (r["package"], r["number"])
            for r in await self._writer.execute_fetchall(
                "SELECT package, number FROM _migrations"
            )
        }
        for migration in migrations:
            if (migration.package, migration.number) in done:
                continue
            await self._apply(migration)
            done.add((migration.package, migration.number))
        await self._writer.execute(f"PRAGMA user_version={len(done)}")

    async def _apply(self, migration: Migration) -> None:
        assert self._writer is not None
        # executescript commits first, so the script carries its own transaction.
        script = (
            "BEGIN IMMEDIATE;\n"
            + migration.sql
            + "\nINSERT INTO _migrations (package, number, name) VALUES "
            + f"('{migration.package}', {migration.number}, '{migration.name}');\n"
            + "COMMIT;"
        )
        try:
            await self._writer.executescript(script)
        except sqlite3.Error:
            await self._writer.execute("ROLLBACK")
            raise
        log.store.info(
            "migrated path=%s package=%s migration=%s",
            self.path.name,
            migration.package,
            migration.name,
        )

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        assert self._reader is not None, "store is closed"
        try:
            return _rows(await self._reader.execute_fetchall(sql, params))
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise Busy("the store is busy, try again") from exc
            raise
        except OverflowError:
            raise _too_large() from None

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run statements as one write transaction; roll back on any error."""
        writer = self._writer
        assert writer is not None, "store is closed"
        async with self._write_lock:
            try:
                await _finish(writer.execute("BEGIN IMMEDIATE"))
            except sqlite3.OperationalError as exc:
                if _busy(exc):
                    raise Busy("the store is busy, try again") from exc
                raise
            except asyncio.CancelledError:
                if writer.in_transaction:
                    await _finish(writer.execute("ROLLBACK"))
                raise
            try:
                yield Transaction(writer)
            except BaseException:
                await _finish(writer.execute("ROLLBACK"))
                raise
            else:
                await _finish(writer.execute("COMMIT"))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; return rows changed."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)


class Transaction:
    """The writer connection, handed out inside `Database.transaction`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cursor = await self._conn.execute(sql, params)
        except OverflowError:
            raise _too_large() from None
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return _rows(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))


Reader = Database | Transaction
