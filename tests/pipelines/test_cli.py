"""`tcloud pipeline run FILE` runs an exported file with the local runtime."""

from __future__ import annotations

import orjson

from tcloud.cli import main
from tests.pipelines.conftest import upload
from tests.pipelines.test_routes import CSV, FILTER, graph


async def test_exported_file_runs_locally(boss, engine, tmp_path, capsys) -> None:
    ds = await upload(boss, "sales.csv", CSV, dataset="sales")
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "p", "document": graph(ds["id"], FILTER)})  # fmt: skip
    exported = await boss.json("GET", f"/pipelines/{made['id']}/export")
    file = tmp_path / "p.pipeline.json"
    file.write_bytes(orjson.dumps(exported))
    local = tmp_path / "sales.csv"
    local.write_bytes(CSV)

    refused = main(["pipeline", "run", str(file), "--out", str(tmp_path / "o")])
    code = main(["pipeline", "run", str(file), "--input", f"src={local}",
                 "--out", str(tmp_path / "o"), "--quiet"])  # fmt: skip

    err = capsys.readouterr().err
    assert refused == 2 and "--input src=PATH" in err
    assert code == 0, err
    lines = (tmp_path / "o" / "out.csv").read_text().splitlines()
    assert lines == ["id,city,amount", "1,Paris,10", "2,Lyon,25", "4,Nice,40"]
