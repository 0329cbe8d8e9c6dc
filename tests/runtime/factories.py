"""Builders of pipeline plans for the runtime tests."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime import execute
from tcloud.runtime.plan import FORMAT
from tcloud.runtime.preview import frames


def source(node_id: str, path: Path | str, fmt: str = "csv", **options: Any) -> dict:
    """Return a source node reading a file."""
    dataset = {"kind": "file", "path": str(path), "format": fmt}
    if options:
        dataset["options"] = options
    return {"id": node_id, "type": "source", "config": {"dataset": dataset}}


def destination(node_id: str, path: Path | str, fmt: str = "csv") -> dict:
    """Return a destination node writing a file."""
    dataset = {"kind": "file", "path": str(path), "format": fmt}
    return {"id": node_id, "type": "destination", "config": {"dataset": dataset}}


def step(node_id: str, kind: str, **config: Any) -> dict:
    """Return a processor node."""
    return {"id": node_id, "type": kind, "config": config}


def chain(*nodes: dict, extra_edges: list[dict] | None = None) -> dict:
    """Return a plan whose nodes feed each other in the order given."""
    edges = [
        {"from": a["id"], "to": b["id"]}
        for a, b in zip(nodes, nodes[1:], strict=False)
        if b["type"] != "source"
    ]
    return {
        "format": FORMAT,
        "nodes": list(nodes),
        "edges": edges + (extra_edges or []),
    }


def run_steps(frame: pl.DataFrame, *steps: dict) -> dict[str, pl.DataFrame]:
    """Run processors on a frame through preview; return every node's output."""
    nodes = [source("in", "unused.csv"), *steps]
    return frames(chain(*nodes), {"in": frame})


def last(frame: pl.DataFrame, *steps: dict) -> pl.DataFrame:
    """Return the output of the last of `steps` run on `frame`."""
    return run_steps(frame, *steps)[steps[-1]["id"]]


def run(plan: dict, params: dict | None = None) -> tuple[dict, list[dict]]:
    """Execute a plan; return its summary and its events."""
    events: list[dict] = []
    summary = execute(plan, params or {}, events.append, threading.Event())
    return summary, events
