"""Table destinations: a SQLite table created, replaced or appended to, in
one transaction, so a refused or failed run leaves the table as it was."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tcloud.runtime import DataError, PlanError, ReadError, execute
from tests.runtime.factories import chain, run, source, step

ROWS = "id,city,amount,day\n1,Paris,10,2024-06-01\n2,Lyon,25,2024-06-02\n"


def table(node_id: str, path, name: str = "sales", mode: str = "replace") -> dict:
    dataset = {"kind": "sqlite", "path": str(path), "table": name, "mode": mode}
    return {"id": node_id, "type": "destination", "config": {"dataset": dataset}}


@pytest.fixture
def sales(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(ROWS)
    return path


def rows(db, query: str = "SELECT * FROM sales ORDER BY id") -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


def columns(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return [(r[1], r[2]) for r in conn.execute("PRAGMA table_info(sales)")]


def test_a_run_creates_the_table_with_typed_columns(sales, tmp_path):
    db = tmp_path / "shop.db"

    summary, _ = run(chain(source("src", sales), table("out", db)))

    assert rows(db) == [(1, "Paris", 10, "2024-06-01"), (2, "Lyon", 25, "2024-06-02")]
    assert columns(db) == [
        ("id", "INTEGER"), ("city", "TEXT"), ("amount", "INTEGER"), ("day", "DATE"),
    ]  # fmt: skip
    assert summary["outputs"] == [{"step": "out", "table": "sales", "rows": 2}]


def test_replace_drops_the_old_table_and_append_adds(sales, tmp_path):
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE sales (old TEXT)")

    run(chain(source("src", sales), table("out", db)))
    run(chain(source("src", sales), table("out", db, mode="append")))

    assert [r[0] for r in rows(db)] == [1, 1, 2, 2]
    assert [c for c, _ in columns(db)] == ["id", "city", "amount", "day"]


def test_an_append_that_does_not_fit_is_refused_naming_the_column(sales, tmp_path):
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE sales (id INTEGER, city INTEGER, amount REAL, day DATE)"
        )
        conn.execute("INSERT INTO sales VALUES (9, 9, 9.5, '2020-01-01')")
    plan = chain(source("src", sales), table("out", db, mode="append"))

    with pytest.raises(DataError, match="field 'city' is text; column 'city'"):
        run(plan)
    dropped = chain(source("src", sales), step("k", "select", keep=["id"]),
                    table("out", db, name="other", mode="append"))  # fmt: skip
    run(dropped)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE narrow (id INTEGER)")
    narrow = chain(source("src", sales), table("out", db, name="narrow", mode="append"))
    with pytest.raises(DataError, match="field 'city' has no column in table narrow"):
        run(narrow)

    assert rows(db) == [(9, 9, 9.5, "2020-01-01")]


def test_a_run_failing_half_way_leaves_the_table_as_it_was(tmp_path):
    many = "".join(f"{i},x\n" for i in range(1, 20_001))
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n" + many + "20001,y,surplus\n")
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE sales (id INTEGER, name TEXT)")
        conn.execute("INSERT INTO sales VALUES (0, 'kept')")

    with pytest.raises(ReadError):
        run(chain(source("src", bad), table("out", db)))
    with pytest.raises(ReadError):
        run(chain(source("src", bad), table("out", db, mode="append")))

    assert rows(db) == [(0, "kept")]


def test_a_load_failing_half_way_is_rolled_back(tmp_path):
    good = "".join(f"{i},x\n" for i in range(1, 70_001))
    odd = tmp_path / "odd.csv"
    odd.write_text("id,name\n" + good + "70001,\n")
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE sales (id INTEGER, name TEXT NOT NULL)")
        conn.execute("INSERT INTO sales VALUES (0, 'kept')")

    with pytest.raises(DataError, match="could not write table sales"):
        run(chain(source("src", odd), table("out", db, mode="append")))

    assert rows(db) == [(0, "kept")]


def test_a_table_destination_needs_a_table_and_a_known_mode(sales, tmp_path):
    plan = chain(source("src", sales), table("out", tmp_path / "x.db", name=""))
    moded = chain(source("src", sales), table("out", tmp_path / "x.db", mode="merge"))

    with pytest.raises(PlanError, match="'dataset.table': is required"):
        execute(plan, {}, lambda e: None, threading.Event())
    with pytest.raises(PlanError, match="'dataset.mode': must be one of"):
        execute(moded, {}, lambda e: None, threading.Event())


def test_writing_the_table_a_run_reads_is_refused(tmp_path):
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE sales (id INTEGER)")
    read = {"kind": "sqlite", "path": str(db), "table": "sales"}
    src = {"id": "src", "type": "source", "config": {"dataset": read}}

    with pytest.raises(PlanError, match="would write over a source"):
        run(chain(src, table("out", db)))
