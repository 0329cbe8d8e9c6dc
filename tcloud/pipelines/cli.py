"""`tcloud pipeline run FILE`: run an exported pipeline file on this machine.

The file is what `GET /api/v1/pipelines/{id}/export` gives (or any plan of
docs/pipelines-format.md). It runs through `tcloud.runtime.execute` here,
with no server: sources in a folder or a SQLite file are read where they
are; a source in the tenant's file area or a bucket needs a local copy,
given with `--input NODE=PATH`, and so does a dataset a prepare node looks
up (`--input <dataset name or id>=PATH`, the names in the file's
"datasets"); outputs meant for the file area are written
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
    keys = ("format", "options", "nodes", "edges")
    plan: dict[str, Any] = {k: document[k] for k in keys if k in document}
    names = lookup_names(document)
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
            config["dataset"] = _given(spec, inputs[node_id])
        elif isinstance(spec, dict):
            fetch = spec.get("fetch") or {}
            if "output" in fetch:
                plain = {k: v for k, v in spec.items() if k != "fetch"}
                config["dataset"] = {**plain, "path": str(out / fetch["output"])}
            else:
                config["dataset"] = _here(
                    spec, node_id,
                    f"node {node_id} reads a file kept on the server: give"
                    f" --input {node_id}=PATH",
                )  # fmt: skip
        if isinstance(config.get("lookups"), dict):
            config["lookups"] = {
                ds_id: _lookup(node_id, ds_id, spec, names, inputs)
                for ds_id, spec in config["lookups"].items()
            }
        nodes.append({**node, "config": config})
    plan["nodes"] = nodes
    plan.setdefault("options", {}).setdefault("rejects_dir", str(out / "rejects"))
    return plan


def lookup_names(document: dict[str, Any]) -> dict[str, str]:
    """Return {dataset id: name} of the datasets the file's prepare nodes look up."""
    named = document.get("datasets")
    named = named if isinstance(named, dict) else {}
    found = {}
    for node in _nodes(document):
        lookups = (node.get("config") or {}).get("lookups")
        for ds_id in lookups if isinstance(lookups, dict) else {}:
            found[ds_id] = str((named.get(ds_id) or {}).get("name") or ds_id)
    return found


def _lookup(
    node_id: str, ds_id: str, spec: Any, names: dict[str, str], inputs: dict[str, str]
) -> dict[str, Any]:
    name = names.get(ds_id, ds_id)
    path = inputs.get(name, inputs.get(ds_id))
    if path is not None:
        return _given(spec, path)
    if not isinstance(spec, dict):
        raise CliError(f"node {node_id}: the lookup dataset {name!r} has no spec")
    return _here(
        spec, node_id,
        f"node {node_id} looks up the dataset {name!r} ({ds_id}), kept on the"
        f" server: give --input {name}=PATH",
    )  # fmt: skip


def _given(spec: Any, path: str) -> dict[str, Any]:
    """Read a dataset from a local file, with its format and options."""
    spec = spec if isinstance(spec, dict) else {}
    kept = {k: v for k, v in spec.items() if k in ("format", "options")}
    return {"kind": "file", **kept, "path": path}


def _here(spec: dict[str, Any], node_id: str, refusal: str) -> dict[str, Any]:
    """Resolve a dataset read where it is; refuse one kept on the server."""
    from tcloud.engine.data import DataFailed, resolve_local

    fetch = spec.get("fetch") or {}
    if "area" in fetch or "s3" in fetch:
        raise CliError(refusal)
    try:
        return resolve_local(spec)
    except DataFailed as exc:
        raise CliError(f"node {node_id}: {exc}") from None


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


def _nodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = document.get("nodes")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _inputs(document: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
    """Refuse an --input that names no source, nor any lookup dataset, of the file."""
    sources = [str(n.get("id")) for n in _nodes(document) if n.get("type") == "source"]
    names = lookup_names(document)
    known = {*sources, *names, *names.values()}
    for name in inputs:
        if name in known:
            continue
        if not names:
            raise CliError(
                f"--input {name}=...: the file has no source node {name!r};"
                f" its sources: {', '.join(sources) or 'none'}"
            )
        raise CliError(
            f"--input {name}=...: the file has no source node nor lookup dataset"
            f" {name!r}; its sources: {', '.join(sources) or 'none'}; its lookup"
            f" datasets: {', '.join(names.values())}"
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
        "--input", action="append", default=[], metavar="NAME=PATH",
        help="read a source node (NAME: its id), or a dataset a prepare node"
        " looks up (NAME: the dataset's name or id), from a local file",
    )  # fmt: skip
    r.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="a parameter of the plan (${NAME})",
    )  # fmt: skip
    r.add_argument("--out", default="out", help="folder for file-area outputs")
    r.add_argument("--quiet", action="store_true", help="print the summary only")
    r.set_defaults(func=run_file)
