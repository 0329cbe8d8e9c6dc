"""The example plan of docs/pipelines-format.md is valid and runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from tcloud.runtime import validate
from tests.runtime.factories import run

DOC = Path(__file__).resolve().parents[2] / "docs" / "pipelines-format.md"


def example() -> dict:
    block = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None
    return json.loads(block.group(1))


def test_the_documented_example_runs(tmp_path):
    (tmp_path / "flights.csv").write_text(
        "carrier,month,dep_delay\nAA,1,5\nAA,1,-2\nUA,2,NA\nUA,2,7\nAA,2,3\n"
    )
    (tmp_path / "airlines.csv").write_text("carrier,name\nAA,American\nUA,United\n")
    params = {"in": str(tmp_path), "out": str(tmp_path / "out")}

    problems = validate(example(), params=params)
    summary, _ = run(example(), params)

    assert problems == []
    out = pl.read_csv(tmp_path / "out" / "delays.csv")
    assert out.rows() == [("AA", "American", 1, 1, 5.0), ("AA", "American", 2, 1, 3.0),
                          ("UA", "United", 2, 1, 7.0)]  # fmt: skip
    assert summary["steps"]["late"]["rows_written"] == 3
