"""PostgreSQL connections against a real server on loopback, reached from
the engine with the password sealed to it; a run writing a table."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.engines.kit import eventually, free_port
from tests.pipelines.conftest import upload
from tests.pipelines.test_destinations import run, to_table

BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "pg-Secret-42"
PARIS = "SELECT id, city FROM orders WHERE city = 'Paris'"
SALES = b"id,city,day,total\n1,Paris,2024-06-01,9.5\n2,Lyon,2024-06-02,20\n"


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, object]]:
    if not (BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin)")
    try:
        import psycopg
    except ImportError:
        pytest.skip("the psycopg package is not installed")
    folder = Path(tempfile.mkdtemp(prefix="tcloud-pg-"))
    data, pwfile = folder / "data", folder / "pw"
    pwfile.write_text(PASSWORD)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    subprocess.run(
        _as_postgres([str(BIN / "initdb"), "-D", str(data), "-U", "postgres",
                      "--auth=scram-sha-256", f"--pwfile={pwfile}"]),
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        _as_postgres([str(BIN / "postgres"), "-D", str(data), "-p", str(port),
                      "-c", "listen_addresses=127.0.0.1",
                      "-c", f"unix_socket_directories={folder}"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    dsn = (
        f"host=127.0.0.1 port={port} user=postgres password={PASSWORD} dbname=postgres"
    )
    try:
        _wait(psycopg, dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE orders (id int, city text, total numeric(8,2))")
            conn.execute(
                "INSERT INTO orders VALUES (1, 'Paris', 9.5), (2, 'Lyon', 20),"
                " (3, 'Paris', 31.25)"
            )
        yield {"host": "127.0.0.1", "port": port, "database": "postgres",
               "user": "postgres"}  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


def _wait(psycopg, dsn: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(dsn).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def test_postgres_tested_sampled_and_run(boss, engine, postgres) -> None:
    con = await boss.json("POST", "/connections", 201, json={
        "name": "pg", "kind": "postgres", "config": postgres,
        "secret": PASSWORD})  # fmt: skip
    wrong = await boss.json("POST", "/connections", 201, json={
        "name": "pg-wrong", "kind": "postgres", "config": postgres,
        "secret": "not-it"})  # fmt: skip

    tested = await boss.json("POST", f"/connections/{con['id']}/test")
    refused = await boss.json("POST", f"/connections/{wrong['id']}/test")

    assert tested["ok"] and tested["message"].startswith("PostgreSQL 15")
    assert not refused["ok"] and PASSWORD not in refused["message"]
    ds = await boss.json("POST", "/datasets", 201, json={
        "name": "paris", "connection_id": con["id"],
        "config": {"query": PARIS}})  # fmt: skip
    sample = await boss.json("GET", f"/datasets/{ds['id']}/sample")
    assert sample["rows"] == [{"id": 1, "city": "Paris"}, {"id": 3, "city": "Paris"}]

    doc = {
        "nodes": [
            {"id": "src", "type": "source", "config": {"dataset_id": ds["id"]}},
            {
                "id": "out",
                "type": "destination",
                "config": {"output": {"name": "paris.csv"}},
            },
        ],  # fmt: skip
        "edges": [{"from": "src", "to": "out"}],
    }
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "pg", "document": doc}
    )
    execution = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})

    async def finished():  # type: ignore[no-untyped-def]
        row = await boss.json("GET", f"/executions/{execution['id']}")
        return row if row["status"] in ("succeeded", "failed") else None

    done = await eventually(finished, timeout=60)
    assert done["status"] == "succeeded", done
    assert done["rows_written"] == 2


async def test_a_run_writes_a_postgres_table(boss, engine, postgres) -> None:
    import psycopg

    con = await boss.json("POST", "/connections", 201, json={
        "name": "pg", "kind": "postgres", "config": postgres,
        "secret": PASSWORD})  # fmt: skip
    ds = await upload(boss, "s.csv", SALES, dataset="sales")
    dsn = (
        f"host=127.0.0.1 port={postgres['port']} user=postgres"
        f" password={PASSWORD} dbname=postgres"
    )

    def table() -> list[tuple]:
        with psycopg.connect(dsn) as conn:
            return conn.execute("SELECT * FROM sales ORDER BY id").fetchall()

    def types() -> list[tuple]:
        with psycopg.connect(dsn) as conn:
            return conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'sales' ORDER BY ordinal_position"
            ).fetchall()

    created = await run(boss, "pg-load", to_table(ds["id"], con["id"], table="sales"))
    appended = await run(boss, "pg-load", to_table(
        ds["id"], con["id"], table="sales", mode="append"))  # fmt: skip
    misfit = await run(boss, "pg-load", to_table(
        ds["id"], con["id"], table="orders", mode="append"))  # fmt: skip

    assert created["status"] == appended["status"] == "succeeded", appended
    assert await asyncio.to_thread(types) == [
        ("id", "bigint"), ("city", "text"), ("day", "date"),
        ("total", "double precision"),
    ]  # fmt: skip
    found = await asyncio.to_thread(table)
    assert found[:2] == [(1, "Paris", date(2024, 6, 1), 9.5)] * 2 and len(found) == 4
    assert misfit["status"] == "failed"
    assert "field 'day' has no column in table orders" in misfit["error"]
