"""`tcloud pipeline run` refuses what it cannot run in one line, status 2."""

from __future__ import annotations

import orjson
import pytest

from tcloud.cli import main
from tcloud.runtime.plan import FORMAT

NOT_A_PIPELINE = (
    "this is not a pipeline file (expected JSON with format tcloud.pipeline/1)"
)


@pytest.fixture
def plan_file(tmp_path):
    data = tmp_path / "sales.csv"
    data.write_bytes(b"id,amount\n1,10\n2,25\n")
    plan = {
        "format": FORMAT,
        "nodes": [
            {"id": "src", "type": "source",
             "config": {"dataset": {"kind": "file", "path": str(data)}}},
            {"id": "out", "type": "destination",
             "config": {"output": {"name": "out.csv"}}},
        ],
        "edges": [{"from": "src", "to": "out"}],
    }  # fmt: skip
    path = tmp_path / "p.pipeline.json"
    path.write_bytes(orjson.dumps(plan))
    return path


def refusal(capsys, *argv: str) -> str:
    code = main(["pipeline", "run", *argv])

    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_out_that_cannot_be_made_is_refused(plan_file, capsys):
    err = refusal(capsys, str(plan_file), "--out", "/proc/forbidden")

    assert err.startswith("error: --out /proc/forbidden: cannot make the folder")


def test_out_naming_a_file_is_refused(plan_file, capsys):
    err = refusal(capsys, str(plan_file), "--out", str(plan_file))

    assert err == f"error: --out {plan_file}: this is a file, not a folder\n"


@pytest.mark.parametrize("content", [b"a,b\n1,2\n", bytes(range(256)), b"{}"])
def test_a_file_that_is_no_pipeline_is_refused(tmp_path, capsys, content):
    path = tmp_path / "some.csv"
    path.write_bytes(content)

    err = refusal(capsys, str(path))

    assert err == f"error: some.csv: {NOT_A_PIPELINE}\n"


def test_an_input_naming_no_source_is_refused(plan_file, tmp_path, capsys):
    args = ["--input", f"nosuchnode={tmp_path}/x.csv", "--out", str(tmp_path / "o")]

    err = refusal(capsys, str(plan_file), *args)

    assert "no source node 'nosuchnode'; its sources: src" in err


def test_a_good_file_still_runs(plan_file, tmp_path, capsys):
    code = main(["pipeline", "run", str(plan_file), "--out", str(tmp_path / "o")])

    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "o" / "out.csv").read_text() == "id,amount\n1,10\n2,25\n"
