"""Integers stay integers in every output format: 20, never 20.0."""

from __future__ import annotations

import json
from decimal import Decimal

import polars as pl
import pytest

from tests.runtime.factories import chain, destination, run, source, step

FORMATS = ("csv", "jsonl", "parquet")
# How pandas writes a column of counts with a gap: floats.
PANDAS_CSV = "carrier,flights\nAA,20.0\nUA,\nB6,3.0\nDL,2.5\n"


def written(path, fmt: str) -> list[dict]:  # type: ignore[no-untyped-def]
    if fmt == "csv":
        return pl.read_csv(path, infer_schema=False).to_dicts()
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text().splitlines()]
    return pl.read_parquet(path).to_dicts()


@pytest.mark.parametrize("fmt", FORMATS)
def test_converting_whole_floats_to_int_writes_integers(tmp_path, fmt) -> None:
    (tmp_path / "in.csv").write_text(PANDAS_CSV)
    out = tmp_path / f"out.{fmt}"
    plan = chain(
        source("src", tmp_path / "in.csv"),
        step("c", "convert", fields={"flights": "int"}),
        destination("out", out, fmt),
    )

    summary, _ = run(plan)

    rows = written(out, fmt)
    whole = "20" if fmt == "csv" else 20
    assert [r["flights"] for r in rows] == [whole, None, "3" if fmt == "csv" else 3]
    if fmt == "csv":
        assert "20.0" not in out.read_text()
    assert summary["steps"]["c"]["rows_rejected"] == 1
    rejected = pl.read_csv(summary["rejects"][0]["path"])
    assert "cannot convert '2.5' to int" in rejected["reason"][0]


def test_a_float_column_converts_to_int_only_where_whole(tmp_path) -> None:
    pl.DataFrame({"n": [20.0, None, 2.5]}).write_parquet(tmp_path / "in.parquet")
    plan = chain(
        source("src", tmp_path / "in.parquet", "parquet"),
        step("c", "convert", fields={"n": "int"}),
        destination("out", tmp_path / "out.csv"),
    )

    summary, _ = run(plan)

    assert (tmp_path / "out.csv").read_text() == "n\n20\n\n"
    assert summary["steps"]["c"]["rows_rejected"] == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_whole_decimals_stay_integers_through_a_calculation(tmp_path, fmt) -> None:
    # PostgreSQL's sum of bigints (and many Parquet writers) give decimals
    # of scale 0; they hold integers.
    frame = pl.DataFrame({"flights": [Decimal(20), None]})
    frame.write_parquet(tmp_path / "in.parquet")
    out = tmp_path / f"out.{fmt}"
    plan = chain(
        source("src", tmp_path / "in.parquet", "parquet"),
        step("c", "calculate", field="next", expression="flights + 1"),
        destination("out", out, fmt),
    )

    run(plan)

    rows = written(out, fmt)
    if fmt == "csv":
        assert rows == [
            {"flights": "20", "next": "21"},
            {"flights": None, "next": None},
        ]
    else:
        assert [(r["flights"], r["next"]) for r in rows] == [(20, 21), (None, None)]


def test_counts_sums_and_maxima_of_ints_with_nulls_stay_integers(tmp_path) -> None:
    (tmp_path / "in.csv").write_text("k,n\na,20\na,\nb,NA\nb,3\n")
    out = tmp_path / "out.jsonl"
    aggregations = [
        {"op": "count", "as": "rows"},
        {"op": "sum", "field": "n", "as": "total"},
        {"op": "max", "field": "n", "as": "most"},
    ]
    plan = chain(
        source("src", tmp_path / "in.csv"),
        step("g", "aggregate", group_by=["k"], aggregations=aggregations),
        destination("out", out, "jsonl"),
    )

    run(plan)

    assert out.read_text().splitlines() == [
        '{"k":"a","rows":2,"total":20,"most":20}',
        '{"k":"b","rows":2,"total":3,"most":3}',
    ]
