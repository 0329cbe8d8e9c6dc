"""Datasets of every format, and a folder on the engine's machine."""

from __future__ import annotations

import io

import polars as pl

from tests.engines.kit import eventually
from tests.pipelines.conftest import upload

FRAME = pl.DataFrame({"id": [1, 2, 3], "city": ["Paris", "Lyon", "Nice"]})


def xlsx() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as book:
        book.add_worksheet("Notes").write_row(0, 0, ["just", "notes"])
        sheet = book.add_worksheet("Data")
        sheet.write_row(0, 0, ["id", "city"])
        for i, row in enumerate(FRAME.iter_rows(), start=1):
            sheet.write_row(i, 0, row)
    return buffer.getvalue()


def parquet() -> bytes:
    buffer = io.BytesIO()
    FRAME.write_parquet(buffer)
    return buffer.getvalue()


async def test_xlsx_sheet_is_chosen(boss, engine) -> None:
    ds = await upload(boss, "book.xlsx", xlsx(), dataset="book")

    first = await boss.json("GET", f"/datasets/{ds['id']}/sample")
    await boss.json(
        "PATCH",
        f"/datasets/{ds['id']}",
        json={"config": {**ds["config"], "options": {"sheet": "Data"}}},
    )
    data = await boss.json("GET", f"/datasets/{ds['id']}/sample")

    assert first["sheets"] == ["Notes", "Data"]
    assert data["rows"] == FRAME.to_dicts()


async def test_jsonl_and_parquet(boss, engine) -> None:
    lines = b"".join(pl.DataFrame(FRAME).write_ndjson().encode().splitlines(True))
    for name, content in (("c.jsonl", lines), ("c.parquet", parquet())):
        ds = await upload(boss, name, content, dataset=name.replace(".", "-"))
        sample = await boss.json("GET", f"/datasets/{ds['id']}/sample")
        assert sample["rows"] == FRAME.to_dicts(), name


async def test_folder_on_the_engine_read_and_written(boss, engine, tmp_path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "c.csv").write_text("id,city\n1,Paris\n2,Lyon\n")
    con = await boss.json(
        "POST",
        "/connections",
        201,
        json={"name": "share", "kind": "folder", "config": {"path": str(tmp_path)}},
    )
    src = await boss.json(
        "POST",
        "/datasets",
        201,
        json={"name": "c", "connection_id": con["id"], "config": {"path": "in/c.csv"}},
    )
    dst = await boss.json(
        "POST",
        "/datasets",
        201,
        json={
            "name": "copy",
            "connection_id": con["id"],
            "config": {"path": "out/copy.parquet"},
        },
    )
    escape = await boss.post(
        "/datasets",
        json={
            "name": "x",
            "connection_id": con["id"],
            "config": {"path": "../etc/passwd"},
        },
    )
    tested = await boss.json("POST", f"/connections/{con['id']}/test")
    doc = {
        "nodes": [
            {"id": "src", "type": "source", "config": {"dataset_id": src["id"]}},
            {"id": "dst", "type": "destination", "config": {"dataset_id": dst["id"]}},
        ],
        "edges": [{"from": "src", "to": "dst"}],
    }
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "copy", "document": doc}
    )

    execution = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})

    async def finished():  # type: ignore[no-untyped-def]
        row = await boss.json("GET", f"/executions/{execution['id']}")
        return row if row["status"] in ("succeeded", "failed") else None

    done = await eventually(finished, timeout=60)
    assert escape.status == 400 and tested["ok"]
    assert done["status"] == "succeeded", done
    written = pl.read_parquet(tmp_path / "out" / "copy.parquet")
    assert written.to_dicts() == [{"id": 1, "city": "Paris"}, {"id": 2, "city": "Lyon"}]


async def test_csv_options_detected_then_edited(boss, engine) -> None:
    ds = await upload(boss, "n.csv", b"1;Paris\n2;Lyon\n", dataset="n")

    guessed = await boss.json("GET", f"/datasets/{ds['id']}/sample")
    options = {**guessed["options"], "header": False}
    await boss.json(
        "PATCH",
        f"/datasets/{ds['id']}",
        json={"config": {**ds["config"], "options": options}},
    )
    edited = await boss.json("GET", f"/datasets/{ds['id']}/sample")

    assert guessed["options"]["delimiter"] == ";"
    assert edited["rows"][0] == {"column_1": 1, "column_2": "Paris"}
    assert len(edited["rows"]) == 2
