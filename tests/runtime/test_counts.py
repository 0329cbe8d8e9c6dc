"""Per-step counts stay true when a step feeds several destinations."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tcloud.runtime import execute
from tcloud.runtime.plan import FORMAT


def _node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "config": config}


def _run(tmp_path: Path, source: dict, middle: list[dict], outs: int) -> dict:
    nodes = [_node("src", "source", dataset=source), *middle]
    chain = [n["id"] for n in nodes]
    edges = [{"from": a, "to": b} for a, b in zip(chain, chain[1:], strict=False)]
    for i in range(outs):
        fmt = ("csv", "jsonl", "parquet")[i]
        path = str(tmp_path / f"out{i}.{fmt}")
        nodes.append(
            _node(f"d{i}", "destination", dataset={"kind": "file", "path": path})
        )
        edges.append({"from": chain[-1], "to": f"d{i}"})
    plan = {"format": FORMAT, "nodes": nodes, "edges": edges}
    summary = execute(plan, {}, lambda event: None, threading.Event())
    return {
        step: (c["rows_read"], c["rows_written"], c["rows_rejected"])
        for step, c in summary["steps"].items()
    }


@pytest.mark.parametrize("outs", [1, 2, 3])
def test_a_step_with_rejects_before_several_destinations(tmp_path, outs) -> None:
    (tmp_path / "orders.csv").write_text('id,amount\n1,2\n2,3\n3,"7,25"\n4,5\n')
    source = {"kind": "file", "path": str(tmp_path / "orders.csv")}
    middle = [
        _node("f", "filter", expression="id > 0"),
        _node("c", "convert", fields={"amount": "float"}),
        _node("s", "sort", by=[{"field": "id", "order": "desc"}]),
    ]

    counts = _run(tmp_path, source, middle, outs)

    assert counts["src"] == (4, 4, 0)
    assert counts["f"] == (4, 4, 0)
    assert counts["c"] == (4, 3, 1)
    assert counts["s"] == (3, 3, 0)
    assert all(counts[f"d{i}"] == (3, 3, 0) for i in range(outs))


def test_a_source_read_as_text_before_two_destinations(tmp_path) -> None:
    (tmp_path / "r.csv").write_text("id,amount\n1,2\n2,x\n3,4\n")
    types = {"id": "int", "amount": "int"}
    source = {"kind": "file", "path": str(tmp_path / "r.csv"),
              "options": {"types": types}}  # fmt: skip

    counts = _run(tmp_path, source, [], 2)

    assert counts["src"] == (3, 2, 1)
    assert counts["d0"] == counts["d1"] == (2, 2, 0)
