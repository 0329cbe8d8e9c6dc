"""`tcloud pipeline run` on an exported pipeline with a lookup step: the
lookup dataset is given with --input <name>=PATH, or named when missing."""

from __future__ import annotations

import orjson
import polars as pl
import pytest

from tcloud.cli import main
from tests.pipelines.test_lookups import CARRIERS, FLIGHTS, arrange, expected


async def test_an_exported_lookup_runs_with_an_input(
    boss, engine, tmp_path, capsys
) -> None:
    made, carriers = await arrange(boss)
    exported = await boss.json("GET", f"/pipelines/{made['id']}/export")
    file = tmp_path / "named.pipeline.json"
    file.write_bytes(orjson.dumps(exported))
    (tmp_path / "flights.csv").write_text(FLIGHTS)
    (tmp_path / "carriers.csv").write_bytes(CARRIERS)
    out = str(tmp_path / "o")
    given = ["--input", f"src={tmp_path / 'flights.csv'}", "--out", out, "--quiet"]

    refused = main(["pipeline", "run", str(file), *given])
    first = capsys.readouterr().err
    code = main(["pipeline", "run", str(file), *given,
                 "--input", f"carriers={tmp_path / 'carriers.csv'}"])  # fmt: skip
    err = capsys.readouterr().err

    assert exported["datasets"][carriers["id"]]["name"] == "carriers"
    assert carriers["id"] in exported["nodes"][1]["config"]["lookups"]
    assert refused == 2 and len(first.strip().splitlines()) == 1
    assert "'carriers'" in first and "--input carriers=PATH" in first
    assert code == 0, err
    written = pl.read_csv(tmp_path / "o" / "named.csv", infer_schema=False)
    assert written.equals(expected())


def test_the_help_tells_of_lookup_inputs(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["pipeline", "run", "--help"])

    out = " ".join(capsys.readouterr().out.split())
    assert "a dataset a prepare node looks up" in out
