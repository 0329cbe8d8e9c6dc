"""`tcloud pipeline run FILE`: run an exported pipeline file on this machine.

The file is what `GET /api/v1/pipelines/{id}/export` gives (or any plan of
docs/pipelines-format.md). It runs through `tcloud.runtime.execute` here,
with no server: sources in a folder or a SQLite file are read where they
are; a source in the tenant's file area or a bucket needs a local copy,
given with `--input NODE=PATH`; outputs meant for the file area are written
to `--out` (./out by default).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any

import orjson

from tcloud.cli import command


class CliError(Exception):
    """The file cannot be run as given."""


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise CliError(f"{what} must be NAME=VALUE, not {value!r}")
        out[name] = rest
    return out


def local_plan(
    document: dict[str, Any], inputs: dict[str, str], out: Path
) -> dict[str, Any]:
    """Return the runnable plan of a pipeline file, its datasets made local."""
    from tcloud.engine.data import DataFailed, resolve_local

    keys = ("format", "options", "nodes", "edges")
    plan: dict[str, Any] = {k: document[k] for k in keys if k in document}
    nodes = []
    for node in document.get("nodes") or []:
        config = {k: v for k, v in (node.get("config") or {}).items()
                  if k != "dataset_id"}  # fmt: skip
        output = config.pop("output", None)
        if isinstance(output, dict):
            config["dataset"] = _output(output, out)
        spec = config.get("dataset")
        node_id = str(node.get("id"))
        if node_id in inputs:
            kept = {k: v for k, v in (spec or {}).items() if k in ("format", "options")}
            config["dataset"] = {"kind": "file", **kept, "path": inputs[node_id]}
        elif isinstance(spec, dict):
            fetch = spec.get("fetch") or {}
            if "output" in fetch:
                plain = {k: v for k, v in spec.items() if k != "fetch"}
                config["dataset"] = {**plain, "path": str(out / fetch["output"])}
            elif "area" in fetch or "s3" in fetch:
                raise CliError(
                    f"node {node_id} reads a file kept on the server: give"
                    f" --input {node_id}=PATH"
                )
            else:
                try:
                    config["dataset"] = resolve_local(spec)
                except DataFailed as exc:
                    raise CliError(f"node {node_id}: {exc}") from None
        nodes.append({**node, "config": config})
    plan["nodes"] = nodes
    plan.setdefault("options", {}).setdefault("rejects_dir", str(out / "rejects"))
    return plan


def _output(output: dict[str, Any], out: Path) -> dict[str, Any]:
    name = Path(str(output.get("name") or "output.csv")).name
    spec = {"kind": "file", "path": str(out / name)}
    spec["format"] = output.get("format") or name.rsplit(".", 1)[-1]
    if output.get("options"):
        spec["options"] = output["options"]
    return spec


def _document(path: Path) -> dict[str, Any]:
    """Read a pipeline file, refusing anything else in one line."""
    from tcloud.runtime.plan import FORMAT

    try:
        document = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CliError(
            f"{path.name}: this is not a pipeline file (expected JSON with format"
            f" {FORMAT})"
        )
    return document


def _inputs(document: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
    """Refuse an --input that names no source of the file."""
    nodes = document.get("nodes") if isinstance(document.get("nodes"), list) else []
    sources = [str(n.get("id")) for n in nodes
               if isinstance(n, dict) and n.get("type") == "source"]  # fmt: skip
    for name in inputs:
        if name not in sources:
            raise CliError(
                f"--input {name}=...: the file has no source node {name!r};"
                f" its sources: {', '.join(sources) or 'none'}"
            )
    return inputs


def _out_folder(out: Path) -> Path:
    """Make the --out folder, or say in one line why it cannot be."""
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out}: this is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(
            f"--out {out}: cannot make the folder ({exc.strerror})"
        ) from None
    if not os.access(out, os.W_OK):
        raise CliError(f"--out {out}: the folder is not writable")
    return out


def run_file(args: argparse.Namespace) -> int:
    from tcloud import runtime
    from tcloud.engine.data import drop_empty_rejects

    try:
        document = _document(Path(args.file))
        inputs = _inputs(document, _pairs(args.input, "--input"))
        out = _out_folder(Path(args.out))
        plan = local_plan(document, inputs, out)
        params = _pairs(args.param, "--param")
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def on_event(event: dict[str, Any]) -> None:
        if event.get("type") == "log" and not args.quiet:
            print(event.get("message", ""), file=sys.stderr, flush=True)

    try:
        summary = runtime.execute(plan, params, on_event, threading.Event())
    except (RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    drop_empty_rejects(summary)
    print(orjson.dumps(summary, default=str, option=orjson.OPT_INDENT_2).decode())
    return 0


@command
def _pipeline(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pipeline", help="run pipeline files", description="Run pipeline files."
    )
    psub = p.add_subparsers(dest="pipeline_command", required=True, metavar="COMMAND")
    r = psub.add_parser(
        "run",
        help="run a pipeline file on this machine",
        description="Run an exported pipeline file with the local runtime.",
    )
    r.add_argument("file", help="the pipeline file (JSON)")
    r.add_argument(
        "--input", action="append", default=[], metavar="NODE=PATH",
        help="read this source node from a local file",
    )  # fmt: skip
    r.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="a parameter of the plan (${NAME})",
    )  # fmt: skip
    r.add_argument("--out", default="out", help="folder for file-area outputs")
    r.add_argument("--quiet", action="store_true", help="print the summary only")
    r.set_defaults(func=run_file)
