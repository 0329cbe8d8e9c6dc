"""Pipelines: versions, validation on save, previews and runs on engines.

A pipeline's document is the runtime's plan (docs/pipelines-format.md) with
datasets named by id: a source's config is {"dataset_id"}. A destination's
is {"output": {"name", "format"?, "options"?}} (a file written to the
tenant's file area), {"dataset_id", "mode"?} (a dataset on a folder, S3 or
database connection), or a place on a connection: {"connection_id", "path"
| "key", "format"?, "options"?} (folder, S3) or {"connection_id", "table",
"mode"?} (SQLite, PostgreSQL; mode "replace", the default, or "append").
Nodes may carry "ui": {"x", "y"} for the editor. Before it reaches an
engine, each dataset id is replaced by its spec (`service.dataset_spec`),
each place on a connection by its own (`service.target_spec`).

Every save that changes the document is a new version, validated against
the samples of its sources (refused whole, with the node and field named).
A run publishes the version as a plan artifact of the engines app and runs
a task pinned to it.
"""

from __future__ import annotations

import asyncio
import posixpath
import time
from typing import TYPE_CHECKING, Any

import orjson

from tcloud.engine.data import PREVIEW, SAMPLE, TEST, frame_from
from tcloud.engines import service as engines
from tcloud.pipelines import gateway, service, store
from tcloud.platform import audit
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import Conflict, FieldError, Invalid, NotFound

if TYPE_CHECKING:
    from tcloud.engines.hub import Hub

FORMAT = "tcloud.pipeline/1"
OUTPUT_FORMATS = ("csv", "parquet", "jsonl")
MODES = ("replace", "append")
TABLE_KINDS = ("sqlite", "postgres")
# The keys of a destination's config that say where on its connection.
TARGET_KEYS = ("path", "key", "table", "format", "options")
SAMPLE_ROWS = 1000


async def sample_of(
    ctx: TenantContext, hub: Hub, dataset_id: str, refresh: bool = False
) -> Row:
    """Return a dataset's sample (first 1,000 records), read by an engine once."""
    if not refresh:
        cached = await service.cached_sample(ctx, dataset_id)
        if cached is not None:
            return cached
    spec = await service.dataset_spec(ctx, dataset_id)
    secrets = await service.dataset_secrets(ctx, dataset_id)
    found = await gateway.ask(
        ctx, hub, SAMPLE, {"spec": spec, "n": SAMPLE_ROWS}, secrets
    )
    await service.keep_sample(ctx, dataset_id, found)
    return found


async def test_connection(ctx: TenantContext, hub: Hub, con_id: str) -> Row:
    """Reach a connection from an engine; say whether it answered."""
    row = await ctx.db.fetchone("SELECT * FROM connections WHERE id = ?", [con_id])
    if row is None:
        raise NotFound("no such connection")
    secrets = await service.connection_secrets(ctx, [row])
    body = {"connection": service.connection_target(row)}
    found = await gateway.ask(ctx, hub, TEST, body, secrets, timeout=30)
    async with ctx.db.transaction() as tx:
        await audit.record(
            tx, ctx.actor, "connection.test", "connection", con_id, row["name"],
            outcome="success" if found.get("ok") else "failure",
        )  # fmt: skip
    return {"ok": bool(found.get("ok")), "message": str(found.get("message", ""))}


def _nodes(doc: Row) -> list[Row]:
    nodes = doc.get("nodes")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _check_shape(doc: Row) -> None:
    if doc.get("format", FORMAT) != FORMAT:
        raise Invalid.field("format", f"must be {FORMAT}")
    for index, node in enumerate(_nodes(doc)):
        config = node.get("config") or {}
        where = f"nodes[{index}].config"
        if node.get("type") == "source" and not config.get("dataset_id"):
            raise Invalid.field(f"{where}.dataset_id", "a source needs a dataset")
        if node.get("type") == "destination":
            out = config.get("output")
            named = config.get("dataset_id") or config.get("connection_id")
            if not named and not isinstance(out, dict):
                raise Invalid.field(
                    f"{where}.output",
                    "a destination needs an output, a dataset or a connection",
                )
            if isinstance(out, dict):
                _check_output(out, f"{where}.output")


def _check_output(out: Row, where: str) -> None:
    name = str(out.get("name") or "")
    if not name or "/" in name or name.startswith("."):
        raise Invalid.field(f"{where}.name", "must be a file name")
    fmt = out.get("format") or name.rsplit(".", 1)[-1]
    if fmt not in OUTPUT_FORMATS:
        raise Invalid.field(
            f"{where}.format", f"must be one of {', '.join(OUTPUT_FORMATS)}"
        )


async def resolve(ctx: TenantContext, doc: Row) -> tuple[Row, dict[str, str], Row]:
    """Return the runtime plan of a document, its secrets and {source: dataset}."""
    _check_shape(doc)
    plan: Row = {
        "format": FORMAT,
        "options": dict(doc.get("options") or {}),
        "nodes": [],
        "edges": doc.get("edges") or [],
    }
    sources: Row = {}
    cons: dict[str, Row] = {}
    for index, node in enumerate(_nodes(doc)):
        config = dict(node.get("config") or {})
        if node.get("type") == "destination":
            config = {"dataset": await _destination(ctx, config, index, cons)}
        elif config.get("dataset_id"):
            ds_id = config.pop("dataset_id")
            config["dataset"] = await _spec_of(
                ctx, ds_id, f"nodes[{index}].config.dataset_id", cons
            )
            _read_with(config)
            sources[str(node.get("id"))] = ds_id
        elif node.get("type") == "prepare":
            config.pop("lookups", None)
            config.update(await _lookups(ctx, config, index, cons))
        kept = {k: v for k, v in node.items() if k not in ("config", "ui")}
        plan["nodes"].append({**kept, "config": config})
    secrets = await service.connection_secrets(ctx, list(cons.values()))
    return plan, secrets, sources


def lookup_steps(config: Row) -> list[tuple[int, str]]:
    """Return (index, dataset id) of each enabled lookup step of a prepare node."""
    steps = config.get("steps")
    found = []
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict) or step.get("function") != "lookup":
            continue
        dataset = (step.get("params") or {}).get("dataset")
        if step.get("enabled", True) and isinstance(dataset, str) and dataset:
            found.append((i, dataset))
    return found


async def _lookups(ctx: TenantContext, config: Row, index: int, cons: Row) -> Row:
    """Return {"lookups": {dataset id: spec}} for a prepare node's lookup steps."""
    specs: Row = {}
    for i, ds_id in lookup_steps(config):
        where = f"nodes[{index}].config.steps[{i}].params.dataset"
        if ds_id not in specs:
            specs[ds_id] = await _spec_of(ctx, ds_id, where, cons)
    return {"lookups": specs} if specs else {}


def lookup_ids(plan: Row) -> list[str]:
    """Return the ids of the datasets a resolved plan's prepare nodes look up."""
    found: dict[str, None] = {}
    for node in _nodes(plan):
        found.update(dict.fromkeys((node.get("config") or {}).get("lookups") or {}))
    return list(found)


async def _spec_of(ctx: TenantContext, ds_id: str, where: str, cons: Row) -> Row:
    row = await ctx.db.fetchone("SELECT * FROM datasets WHERE id = ?", [ds_id])
    if row is None:
        raise Invalid.field(where, f"no such dataset {ds_id!r}")
    con = await ctx.db.fetchone(
        "SELECT * FROM connections WHERE id = ?", [row["connection_id"]]
    )
    assert con is not None, "a dataset's connection cannot be deleted first"
    cons[con["id"]] = con
    return await service.spec_of(ctx, row, con)


async def _destination(ctx: TenantContext, config: Row, index: int, cons: Row) -> Row:
    """Return the spec a destination writes: the file area's, a dataset's or
    a place on a connection; refuse a bad one naming the node's field."""
    if isinstance(config.get("output"), dict):
        return _output_spec(config["output"])
    where = f"nodes[{index}].config"
    target, field = {k: config[k] for k in TARGET_KEYS if k in config}, ""
    con_id = config.get("connection_id")
    if config.get("dataset_id"):
        row = await store.get(ctx.db, "datasets", str(config["dataset_id"]))
        if row is None:
            raise Invalid.field(f"{where}.dataset_id", "no such dataset")
        target, field = store.loads(row["config"], {}), f"{where}.dataset_id"
        con_id = row["connection_id"]
    con = await store.get(ctx.db, "connections", str(con_id or ""))
    if con is None:
        raise Invalid.field(f"{where}.connection_id", "no such connection")
    problem = _target_problem(con["kind"], target, config.get("mode"))
    if problem is not None:
        name, message = problem
        if field and name != "mode":
            raise Invalid.field(field, f"the dataset's {name} {message}")
        raise Invalid.field(f"{where}.{name}", message)
    cons[con["id"]] = con
    spec = await service.target_spec(ctx, con, target)
    if con["kind"] in TABLE_KINDS:
        spec["mode"] = config.get("mode") or "replace"
    return spec


def _target_problem(kind: str, target: Row, mode: Any) -> tuple[str, str] | None:
    """Say what is wrong with a destination on a connection: (field, message)."""
    if mode is not None and (kind not in TABLE_KINDS or mode not in MODES):
        return "mode", f"must be one of {', '.join(MODES)}, for a table only"
    if kind == "files":
        return "connection_id", "the file area is written with an output"
    if kind in TABLE_KINDS:
        if target.get("query"):
            return "table", "is needed: a destination writes a table, not a query"
        if not isinstance(target.get("table"), str) or not target["table"].strip():
            return "table", f"is needed for a {kind} destination"
        return None
    name = "key" if kind == "s3" else "path"
    value = str(target.get(name) or "").strip()
    if not value or value.endswith("/"):
        return name, f"is needed for a {kind} destination"
    if kind == "folder" and (posixpath.isabs(value) or ".." in value.split("/")):
        return name, "must be relative to the folder"
    fmt = target.get("format") or service.format_of(value)
    if fmt not in OUTPUT_FORMATS:
        return "format", f"must be one of {', '.join(OUTPUT_FORMATS)}"
    return None


def _read_with(config: Row) -> None:
    """Merge a node's "read_options" over its dataset's reading options.

    Added for dataprep, whose copy of a CSV reads every column as text.
    """
    options = config.pop("read_options", None)
    if isinstance(options, dict) and options:
        dataset = config["dataset"]
        merged = {**(dataset.get("options") or {}), **options}
        config["dataset"] = {**dataset, "options": merged}


def _output_spec(out: Row) -> Row:
    name = str(out["name"])
    fmt = out.get("format") or name.rsplit(".", 1)[-1]
    spec: Row = {"kind": "file", "path": f"out/{name}", "format": fmt}
    if out.get("options"):
        spec["options"] = out["options"]
    return {**spec, "fetch": {"output": name}}


async def _samples(ctx: TenantContext, hub: Hub, sources: Row) -> Row:
    return {
        node: {"schema": s["schema"], "rows": s["rows"]}
        for node, ds_id in sources.items()
        for s in [await sample_of(ctx, hub, ds_id)]
    }


async def _lookup_samples(ctx: TenantContext, hub: Hub, plan: Row) -> Row:
    return {
        ds_id: {"schema": s["schema"], "rows": s["rows"]}
        for ds_id in lookup_ids(plan)
        for s in [await sample_of(ctx, hub, ds_id)]
    }


def _problems(plan: Row, samples: Row, lookups: Row | None = None) -> list[Row]:
    from tcloud import runtime

    frames = {n: frame_from(s["schema"], s["rows"]) for n, s in samples.items()}
    return runtime.validate(_on_samples(plan, lookups or {}), samples=frames)


def _on_samples(plan: Row, lookups: Row) -> Row:
    """Give each prepare node its lookups' samples in place of their specs.

    The server reads no dataset itself. A CSV lookup comes out as text, as
    the engine reads it, so later steps see the types the run will.
    """
    import polars as pl

    from tcloud.runtime.readers import format_of

    nodes = []
    for node in _nodes(plan):
        config = node.get("config") or {}
        if config.get("lookups"):
            frames = {}
            for ds_id, spec in config["lookups"].items():
                frame = frame_from(lookups[ds_id]["schema"], lookups[ds_id]["rows"])
                if spec.get("kind", "file") == "file" and format_of(spec) == "csv":
                    frame = frame.cast(pl.String)
                frames[ds_id] = frame
            node = {**node, "config": {**config, "lookups": frames}}
        nodes.append(node)
    return {**plan, "nodes": nodes}


def _refusal(doc: Row, problems: list[Row]) -> Invalid:
    index = {str(n.get("id")): i for i, n in enumerate(_nodes(doc))}
    fields = []
    for problem in problems:
        node, field = problem.get("node"), problem.get("field")
        if node in index:
            where = service.node_field(index[node], field)
        else:
            where = f"plan.config.{field}" if field else "plan"
        fields.append(FieldError(where, problem["message"]))
    first = problems[0]
    detail = f"node {first.get('node')}: {first.get('field') or ''} {first['message']}"
    return Invalid(
        " ".join(detail.split()), fields=fields, extra={"problems": problems}
    )


async def check(ctx: TenantContext, hub: Hub, doc: Row) -> Row:
    """Validate a document against its sources' samples; raise Invalid if bad."""
    plan, _, sources = await resolve(ctx, doc)
    samples = await _samples(ctx, hub, sources)
    lookups = await _lookup_samples(ctx, hub, plan)
    problems = await asyncio.to_thread(_problems, plan, samples, lookups)
    if problems:
        raise _refusal(doc, problems)
    return plan


def pipeline_view(row: Row) -> Row:
    return dict(row)


async def _pipeline_row(db: Any, pipeline_id: str) -> Row:
    row = await store.get(db, "pipelines", pipeline_id)
    if row is None:
        raise NotFound("no such pipeline")
    return row


async def create_pipeline(ctx: TenantContext, hub: Hub, body: Row) -> Row:
    """Make a pipeline and its first version, if the document is valid."""
    doc = _document(body)
    if doc["nodes"]:
        await check(ctx, hub, doc)
    async with ctx.db.transaction() as tx:
        if await store.by_name(tx, "pipelines", body["name"]):
            raise Conflict(f"a pipeline named {body['name']} already exists")
        pip_id = await store.insert(
            tx, "pipelines", name=body["name"],
            description=body.get("description", ""), created_by=ctx.principal.id,
        )  # fmt: skip
        version = await store.add_version(
            tx, pip_id, doc, body.get("notes", ""), ctx.principal.id
        )
        await audit.record(
            tx, ctx.actor, "pipeline.create", "pipeline", pip_id, body["name"],
            details={"version": version["version"]},
        )  # fmt: skip
    return await get_pipeline(ctx, pip_id)


def _document(body: Row) -> Row:
    doc = body.get("document") or {}
    return {
        "format": FORMAT,
        "nodes": list(doc.get("nodes") or []),
        "edges": list(doc.get("edges") or []),
        "options": dict(doc.get("options") or {}),
    }


async def save_version(
    ctx: TenantContext, hub: Hub, pipeline_id: str, body: Row
) -> Row:
    """Add a version to a pipeline if its document is valid; nothing if not.

    A document identical to the latest version's is no new version: the
    latest is returned as it is, with no audit event.
    """
    row = await _pipeline_row(ctx.db, pipeline_id)
    doc = _document(body)
    fields = {k: body[k] for k in ("name", "description") if k in body}
    if not fields and await _is_latest(ctx.db, row, doc):
        return await get_pipeline(ctx, pipeline_id)
    if doc["nodes"]:
        await check(ctx, hub, doc)
    async with ctx.db.transaction() as tx:
        if fields:
            await store.update(tx, "pipelines", pipeline_id, **fields)
        version = await store.add_version(
            tx, pipeline_id, doc, body.get("notes", ""), ctx.principal.id
        )
        await audit.record(
            tx, ctx.actor, "pipeline.save", "pipeline", pipeline_id, row["name"],
            details={"version": version["version"]},
        )  # fmt: skip
    return await get_pipeline(ctx, pipeline_id)


async def _is_latest(db: Any, row: Row, doc: Row) -> bool:
    latest = await store.version(db, row["id"], row["latest_version"])
    return latest is not None and store.loads(latest["plan"]) == doc


async def get_pipeline(
    ctx: TenantContext, pipeline_id: str, number: int | None = None
) -> Row:
    """Return a pipeline with one version's document (the latest by default)."""
    row = await _pipeline_row(ctx.db, pipeline_id)
    version = await store.version(ctx.db, pipeline_id, number or row["latest_version"])
    if version is None:
        raise NotFound("no such version of this pipeline")
    return {
        **pipeline_view(row),
        "version": version["version"],
        "document": store.loads(version["plan"]),
        "versions": await store.versions(ctx.db, pipeline_id),
    }


async def list_pipelines(
    ctx: TenantContext, search: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    rows, total = await store.page(ctx.db, "pipelines", search, limit, offset)
    return [pipeline_view(r) for r in rows], total


async def delete_pipeline(ctx: TenantContext, pipeline_id: str) -> None:
    row = await _pipeline_row(ctx.db, pipeline_id)
    async with ctx.db.transaction() as tx:
        await store.delete(tx, "pipelines", pipeline_id)
        await audit.record(
            tx, ctx.actor, "pipeline.delete", "pipeline", pipeline_id, row["name"]
        )


async def preview(
    ctx: TenantContext, hub: Hub, doc: Row, node_id: str | None = None
) -> Row:
    """Run a document on its sources' samples on an engine: every step's output."""
    started = time.perf_counter()
    plan, secrets, sources = await resolve(ctx, _document({"document": doc}))
    body = {
        "plan": plan,
        "samples": await _samples(ctx, hub, sources),
        "node_id": node_id,
        "rows": 100,
    }
    found = await gateway.ask(
        ctx, hub, PREVIEW, body, secrets, timeout=gateway.PREVIEW_TIMEOUT
    )
    total = round((time.perf_counter() - started) * 1000, 2)
    return {"nodes": found["nodes"], "engine_ms": found.get("ms"), "ms": total}


async def _publish(ctx: TenantContext, row: Row, version: Row) -> tuple[str, Row]:
    """Publish a version's run plan as an artifact version (once); return its id."""
    doc = store.loads(version["plan"])
    plan, secrets, _ = await resolve(ctx, doc)
    if version["artifact_version_id"]:
        return version["artifact_version_id"], secrets
    art = await engines.publish(
        ctx, "", f"pipeline-{row['id']}", "plan", orjson.dumps(plan),
        description=f"pipeline {row['name']}",
        notes=f"version {version['version']}",
    )  # fmt: skip
    art_v = max(art["versions"], key=lambda v: v["version"])
    async with ctx.db.transaction() as tx:
        await store.set_artifact_version(tx, version["id"], art_v["id"])
    return art_v["id"], secrets


async def _version_row(ctx: TenantContext, row: Row, number: int | None) -> Row:
    version = await store.version(ctx.db, row["id"], number or row["latest_version"])
    if version is None:
        raise NotFound("no such version of this pipeline")
    nodes = store.loads(version["plan"])["nodes"]
    if not nodes:
        raise Invalid("this pipeline version has no nodes yet")
    if not any(isinstance(n, dict) and n.get("type") == "destination" for n in nodes):
        raise Invalid.field(
            "document.nodes",
            f"version {version['version']} has no destination: add a destination"
            " node (where the result is written) before running it",
        )
    return version


async def run_now(
    ctx: TenantContext, pipeline_id: str, number: int | None = None
) -> Row:
    """Run a version (the latest by default) on an engine now; return the execution."""
    row = await _pipeline_row(ctx.db, pipeline_id)
    version = await _version_row(ctx, row, number)
    art_v, secrets = await _publish(ctx, row, version)
    task_id = row["task_id"]
    task = await ctx.db.fetchone("SELECT id FROM tasks WHERE id = ?", [task_id or ""])
    body = {"artifact_version_id": art_v, "secrets": secrets}
    if task is None:
        made = await engines.create_task(
            ctx, {"name": f"pipeline {row['name']} ({row['id']})", **body}
        )
        task_id = made["id"]
        async with ctx.db.transaction() as tx:
            await store.update(tx, "pipelines", pipeline_id, task_id=task_id)
    else:
        await engines.update_task(ctx, task_id, body)
    execution = await engines.run_task(ctx, task_id)
    return {**execution, "pipeline_version": version["version"]}


async def schedule(ctx: TenantContext, pipeline_id: str, body: Row) -> Row:
    """Make a task that runs one version of a pipeline on a schedule."""
    row = await _pipeline_row(ctx.db, pipeline_id)
    version = await _version_row(ctx, row, body.get("version"))
    art_v, secrets = await _publish(ctx, row, version)
    task = {
        "name": body["name"],
        "artifact_version_id": art_v,
        "secrets": secrets,
        "cron": body.get("cron", ""),
        "description": f"pipeline {row['name']} version {version['version']}",
    }
    if body.get("workspace_id"):
        task["workspace_id"] = body["workspace_id"]
    return await engines.create_task(ctx, task)


async def export(ctx: TenantContext, pipeline_id: str, number: int | None) -> Row:
    """Return a version as a pipelines-as-code file, runnable by `tcloud pipeline`."""
    found = await get_pipeline(ctx, pipeline_id, number)
    doc = found["document"]
    datasets: Row = {}
    nodes = []
    for index, node in enumerate(doc["nodes"]):
        config = dict(node.get("config") or {})
        ds_id = config.get("dataset_id")
        if config.get("connection_id") and node.get("type") == "destination":
            config["dataset"] = await _destination(ctx, config, index, {})
        elif ds_id:
            config["dataset"] = await _exported(ctx, ds_id, datasets)
        elif node.get("type") == "prepare" and lookup_steps(config):
            config["lookups"] = {
                ds_id: await _exported(ctx, ds_id, datasets)
                for _, ds_id in lookup_steps(config)
            }
        nodes.append({**node, "config": config})
    return {
        "format": FORMAT,
        "name": found["name"],
        "description": found["description"],
        "version": found["version"],
        "nodes": nodes,
        "edges": doc["edges"],
        "options": doc.get("options") or {},
        "datasets": datasets,
    }


async def _exported(ctx: TenantContext, ds_id: str, datasets: Row) -> Row:
    """Return a dataset's spec for an export; name it in `datasets`."""
    ds = await service.get_dataset(ctx, ds_id)
    datasets[ds_id] = {"name": ds["name"]}
    return await service.dataset_spec(ctx, ds_id)


async def import_file(ctx: TenantContext, hub: Hub, body: Row) -> Row:
    """Make a pipeline from an exported file, or a new version of its namesake."""
    named = body.get("datasets") or {}
    nodes = []
    for node in body.get("nodes") or []:
        config = {k: v for k, v in (node.get("config") or {}).items()}
        config.pop("dataset", None)
        config.pop("lookups", None)
        ds_id = config.get("dataset_id")
        if ds_id:
            config["dataset_id"] = await _local_dataset(ctx, ds_id, named)
        if node.get("type") == "prepare" and lookup_steps(config):
            config["steps"] = await _local_lookups(ctx, config, named)
        nodes.append({**node, "config": config})
    doc = {"nodes": nodes, "edges": body.get("edges") or [],
           "options": body.get("options") or {}}  # fmt: skip
    name = str(body.get("name") or "imported pipeline")[:100]
    found = await store.by_name(ctx.db, "pipelines", name)
    if found is not None:
        return await save_version(
            ctx, hub, found["id"], {"document": doc, "notes": "imported"}
        )
    return await create_pipeline(
        ctx, hub,
        {"name": name, "description": body.get("description", ""),
         "document": doc, "notes": "imported"},
    )  # fmt: skip


async def _local_lookups(ctx: TenantContext, config: Row, named: Row) -> list[Any]:
    """Point a prepare node's lookup steps at this tenant's datasets."""
    steps = list(config["steps"])
    for i, ds_id in lookup_steps(config):
        step = steps[i] = dict(steps[i])
        local = await _local_dataset(ctx, ds_id, named)
        step["params"] = {**step["params"], "dataset": local}
    return steps


async def _local_dataset(ctx: TenantContext, ds_id: str, named: Row) -> str:
    if await store.get(ctx.db, "datasets", ds_id) is not None:
        return ds_id
    name = (named.get(ds_id) or {}).get("name")
    found = await store.by_name(ctx.db, "datasets", name) if name else None
    if found is None:
        raise Invalid.field("datasets", f"no dataset here matches {name or ds_id}")
    return str(found["id"])
