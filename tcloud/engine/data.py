"""The engine's data commands: sample a dataset, test a connection, preview.

    server -> engine  data.sample   {spec, secrets, n}  -> inspect() of the spec
    server -> engine  data.test     {connection, secrets} -> {ok, message}
    server -> engine  data.preview  {plan, samples, node_id?, params?, rows?}
                                    -> {nodes: {node: preview}, ms}

A dataset spec may carry a "fetch" that says where its bytes are; the
engine resolves it into a plain runtime spec before reading:

    {"area": file_id, "sha256"}  the tenant's file area: downloaded with the
                                 engine's credential into a local cache
    {"folder": root}             a folder on this machine: the path must
                                 stay under the root
    {"s3": {endpoint?, bucket, region?, access_key, secret_key, key}}
                                 downloaded with boto3 into the cache
    {"output": name}             a destination in the file area: written
                                 locally, uploaded when the run succeeds

The datasets a prepare node looks up (its config's "lookups": {dataset
id: spec}) are resolved the same way, for a run and for a preview.

A destination whose fetch is {"s3": {...}} is written locally too and
uploaded to its key with the same client (multipart above 8 MiB) once the
run has succeeded; a table destination ({"kind": "sqlite" | "postgres"})
is written by the runtime itself.

PostgreSQL datasets ({"kind": "postgres", host, port, database, user,
password, table | query}) are read with psycopg, when installed, into a
Parquet file of the cache. Secrets arrive sealed to this engine and fill
the ${name} placeholders of the specs. Commands run in threads so the
socket keeps its heartbeats.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tcloud.engine import protocol as p
from tcloud.engine import sealing

if TYPE_CHECKING:
    import polars as pl

    from tcloud.engine.client import EngineClient
    from tcloud.engine.runner import Job, Outcome

log = logging.getLogger("tcloud.engine")

SAMPLE = "data.sample"
TEST = "data.test"
PREVIEW = "data.preview"
COMMANDS = (SAMPLE, TEST, PREVIEW)
POLARS_TYPES = {"int": "Int64", "float": "Float64", "bool": "Boolean"}
# Run outputs up to this size are uploaded from memory, larger ones streamed
# (aiohttp warns of a larger body given as bytes).
SMALL_UPLOAD_BYTES = 1 << 20


class DataFailed(Exception):
    """A data command failed for the reason given (sent back to the server)."""


def cache_dir(engine_id: str) -> Path:
    root = os.environ.get("TCLOUD_ENGINE_CACHE") or tempfile.gettempdir()
    folder = Path(root) / "tcloud-engine-cache" / engine_id
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


async def answer(client: EngineClient, peer: p.Peer, message: p.Message) -> None:
    """Answer one data command; a failure goes back as an error with its reason."""
    try:
        secrets = open_secrets(client, message.body.get("secrets") or {})
        if message.type == SAMPLE:
            body = await _sample(client, message.body, secrets)
        elif message.type == TEST:
            body = await _test(client, message.body, secrets)
        else:
            body = await _preview(client, message.body, secrets)
    except DataFailed as exc:
        await _error(peer, message, "data-failed", str(exc))
        return
    except Exception as exc:  # the runtime's errors, said plainly
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        await _error(peer, message, type(exc).__name__, str(reason)[:2000])
        return
    try:
        await peer.reply(message, body)
    except (ConnectionError, RuntimeError):
        log.info("data_reply_lost type=%s", message.type)


async def _error(peer: p.Peer, message: p.Message, code: str, reason: str) -> None:
    try:
        await peer.error(message, code, reason)
    except (ConnectionError, RuntimeError):
        log.info("data_reply_lost type=%s", message.type)


def open_secrets(client: EngineClient, sealed: dict[str, str]) -> dict[str, str]:
    state = client.state
    return {
        name: sealing.open_sealed(state.private_key, state.engine_id, value).decode()
        for name, value in sealed.items()
    }


def fill(value: Any, params: dict[str, Any]) -> Any:
    """Substitute ${name} in a spec (a dict of JSON values)."""
    from tcloud.runtime.plan import substitute

    node = {"id": "spec", "type": "source", "config": {"v": value}}
    return substitute({"nodes": [node]}, params)["nodes"][0]["config"]["v"]


async def _sample(
    client: EngineClient, body: dict[str, Any], secrets: dict[str, str]
) -> dict[str, Any]:
    from tcloud import runtime

    spec = await resolve_spec(client, fill(body["spec"], secrets))
    # A page of a larger sample: the rows from `offset` on, `n` of them.
    offset = max(0, int(body.get("offset") or 0))
    n = int(body.get("n") or 1000)
    found = await asyncio.to_thread(runtime.inspect, spec, offset + n)
    found["rows"] = found["rows"][offset:]
    return orjson.loads(orjson.dumps(found, default=str))


async def _preview(
    client: EngineClient, body: dict[str, Any], secrets: dict[str, str]
) -> dict[str, Any]:
    started = time.perf_counter()
    plan = dict(body["plan"])
    plan["nodes"] = [
        await resolve_lookups(client, node, secrets) for node in plan.get("nodes") or []
    ]
    result = await asyncio.to_thread(preview_now, {**body, "plan": plan}, secrets)
    return {"nodes": result, "ms": round((time.perf_counter() - started) * 1000, 2)}


def preview_now(body: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """Run a preview on given samples, in this thread."""
    from tcloud import runtime

    samples = {
        node: frame_from(s.get("schema") or {}, s.get("rows") or [])
        for node, s in (body.get("samples") or {}).items()
    }
    params = {**(body.get("params") or {}), **secrets}
    found = runtime.preview(
        body["plan"],
        samples,
        body.get("node_id") or None,
        params=params or None,
        rows=int(body.get("rows") or 100),
    )
    return orjson.loads(orjson.dumps(found, default=str))


def frame_from(schema: dict[str, str], rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rebuild a sample's frame from its JSON: schema {field: type} and rows."""
    import polars as pl

    base = {c: getattr(pl, POLARS_TYPES.get(t, "Utf8")) for c, t in schema.items()}
    if not rows:
        frame = pl.DataFrame(schema=base)
    else:
        frame = pl.DataFrame(rows, schema=base, strict=False)
    casts = [
        pl.col(c).str.to_date() if t == "date" else pl.col(c).str.to_datetime()
        for c, t in schema.items()
        if t in ("date", "datetime")
    ]
    return frame.with_columns(casts) if casts else frame


async def resolve_lookups(
    client: EngineClient | None, node: dict[str, Any], secrets: dict[str, str]
) -> dict[str, Any]:
    """Resolve the datasets a prepare node looks up, read whole by the runtime.

    A preview reads them too, not their samples: a lookup is held whole in
    memory by the join anyway, and a sample would leave keys unmatched.
    """
    config = node.get("config") or {}
    lookups = config.get("lookups")
    if not isinstance(lookups, dict) or not lookups:
        return node
    resolved = {
        ds_id: await resolve_spec(client, fill(spec, secrets))
        for ds_id, spec in lookups.items()
    }
    return {**node, "config": {**config, "lookups": resolved}}


async def resolve_spec(client: EngineClient | None, spec: dict[str, Any]) -> Any:
    """Turn a spec with a "fetch" into a plain runtime spec with a local path."""
    fetch = spec.get("fetch") or {}
    plain = {k: v for k, v in spec.items() if k != "fetch"}
    if ("area" in fetch or "s3" in fetch) and not plain.get("name"):
        # The cache names the file by its hash; messages name it as the user does.
        plain["name"] = Path(str(plain.get("path") or "")).name
    if "area" in fetch:
        if client is None:
            raise DataFailed(f"{spec.get('path')} is in the file area")
        return {**plain, "path": str(await _fetch_area(client, fetch))}
    if "s3" in fetch:
        assert client is not None
        path = await asyncio.to_thread(_fetch_s3, client, fetch["s3"])
        return {**plain, "path": str(path)}
    engine_id = client.state.engine_id if client is not None else "local"
    return await asyncio.to_thread(resolve_local, spec, engine_id)


def resolve_local(spec: dict[str, Any], engine_id: str = "local") -> dict[str, Any]:
    """Resolve what needs no server: a folder's path, a PostgreSQL read."""
    fetch = spec.get("fetch") or {}
    plain = {k: v for k, v in spec.items() if k != "fetch"}
    if plain.get("kind") == "postgres":
        return _postgres_to_parquet(engine_id, plain)
    if "folder" in fetch:
        return {**plain, "path": _inside(fetch["folder"], plain["path"])}
    if fetch:
        raise DataFailed(f"cannot fetch {sorted(fetch)} here")
    return plain


def _inside(root: str, path: str) -> str:
    real = Path(path).resolve()
    if not real.is_relative_to(Path(root).resolve()):
        raise DataFailed("the dataset's path leaves its folder")
    return str(real)


async def _fetch_area(client: EngineClient, fetch: dict[str, Any]) -> Path:
    folder = cache_dir(client.state.engine_id) / "area"
    folder.mkdir(exist_ok=True)
    sha = str(fetch.get("sha256") or "")
    target = folder / (sha or str(fetch["area"]))
    if target.exists() and sha:
        return target
    http = client._http
    assert http is not None
    url = client.state.url.rstrip("/") + f"/engine/files/{fetch['area']}"
    partial = target.with_suffix(f".part{os.getpid()}")
    digest = hashlib.sha256()
    async with http.get(url, headers=client._auth()) as response:
        if response.status != 200:
            raise DataFailed(f"could not fetch the file ({response.status})")
        with open(partial, "wb") as fh:  # noqa: ASYNC230 - local cache
            async for chunk in response.content.iter_chunked(1 << 20):
                digest.update(chunk)
                fh.write(chunk)
    if sha and digest.hexdigest() != sha:
        partial.unlink(missing_ok=True)
        raise DataFailed("the file does not match its checksum")
    os.replace(partial, target)
    return target


def _s3_client(s3: dict[str, Any]) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=s3.get("endpoint") or None,
        region_name=s3.get("region") or "us-east-1",
        aws_access_key_id=s3.get("access_key"),
        aws_secret_access_key=s3.get("secret_key"),
    )


def _fetch_s3(client: EngineClient, s3: dict[str, Any]) -> Path:
    name = hashlib.sha256(orjson.dumps([s3.get("endpoint"), s3["bucket"], s3["key"]]))
    target = cache_dir(client.state.engine_id) / f"s3-{name.hexdigest()}"
    _s3_client(s3).download_file(s3["bucket"], s3["key"], str(target))
    return target


def _pg_connect(spec: dict[str, Any]) -> Any:
    from tcloud.runtime.tables import pg_connect

    return pg_connect(spec)


def _postgres_to_parquet(engine_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    import polars as pl

    if spec.get("table"):
        query = 'SELECT * FROM "' + str(spec["table"]).replace('"', '""') + '"'
    else:
        query = str(spec.get("query") or "").strip().rstrip(";")
        if not query.lower().startswith(("select", "with")) or ";" in query:
            raise DataFailed("a PostgreSQL dataset needs a table or one SELECT query")
    with _pg_connect(spec) as conn:
        frame = pl.read_database(query, conn)
    key = hashlib.sha256(orjson.dumps([spec.get("host"), spec["database"], query]))
    target = cache_dir(engine_id) / f"pg-{key.hexdigest()}.parquet"
    frame.write_parquet(target)
    return {"kind": "file", "format": "parquet", "path": str(target)}


async def _test(
    client: EngineClient, body: dict[str, Any], secrets: dict[str, str]
) -> dict[str, Any]:
    target = fill(body["connection"], secrets)
    try:
        message = await asyncio.to_thread(_test_now, target)
    except DataFailed as exc:
        return {"ok": False, "message": str(exc)}
    except Exception as exc:
        return {"ok": False, "message": f"{type(exc).__name__}: {exc}"[:500]}
    return {"ok": True, "message": message}


def _test_now(target: dict[str, Any]) -> str:
    kind = target["kind"]
    if kind == "files":
        return "the file area is reached through the server"
    if kind == "folder":
        path = Path(target["path"])
        if not path.is_dir():
            raise DataFailed(f"{path} is not a folder on this engine")
        return f"{sum(1 for _ in path.iterdir())} entries in {path}"
    if kind == "sqlite":
        path = Path(target["path"])
        if not path.is_file():
            raise DataFailed(f"{path} is not a file on this engine")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            count = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        return f"SQLite database with {count} object{'' if count == 1 else 's'}"
    if kind == "s3":
        _s3_client(target).head_bucket(Bucket=target["bucket"])
        return f"bucket {target['bucket']} reached"
    with _pg_connect(target) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return f"PostgreSQL {version}"


def is_pipeline(content: bytes) -> bool:
    return b'"fetch"' in content and b"tcloud.pipeline/" in content


async def run_pipeline(
    client: EngineClient, job: Job, content: bytes, params: dict[str, Any]
) -> Outcome:
    """Resolve a pipeline's datasets, run it, upload its outputs."""
    from tcloud.engine import runner

    plan = fill(orjson.loads(content), params)
    out = Path(tempfile.mkdtemp(prefix="tcloud-run-", dir=cache_dir("runs")))
    outputs: list[Path] = []
    to_s3: list[tuple[str, Path, dict[str, Any]]] = []
    for node in plan.get("nodes") or []:
        dataset = (node.get("config") or {}).get("dataset")
        try:
            node.update(await resolve_lookups(client, node, {}))
            if not isinstance(dataset, dict):
                continue
            if node.get("type") == "destination":
                placed = _place(out, str(node.get("id")), dataset, outputs, to_s3)
            else:
                placed = None
            node["config"]["dataset"] = placed or await resolve_spec(client, dataset)
        except DataFailed as exc:
            return runner.Outcome("failed", f"{node.get('id')}: {exc}")
    plan.setdefault("options", {})["rejects_dir"] = str(out / "rejects")
    outcome = await runner.run_plan(job, orjson.dumps(plan), {})
    if outcome.status == "succeeded":
        outcome = await _deliver(client, job, outcome, to_s3) or outcome
    if outcome.status == "succeeded" and isinstance(outcome.result, dict):
        drop_empty_rejects(outcome.result)
    if outcome.status == "succeeded" and isinstance(outcome.result, dict):
        files = [*outputs, *sorted((out / "rejects").glob("*"))]
        files = [f for f in files if f.exists()]
        if _inline(client, files):
            # Small outputs ride on the finish: one message, no upload.
            outcome.result[p.INLINE_FILES] = [
                {"name": f.name, "data": base64.b64encode(f.read_bytes()).decode()}
                for f in files
            ]
        else:
            uploaded = await asyncio.gather(*(_upload(client, job, f) for f in files))
            outcome.result["files"] = [u for u in uploaded if u]
    await asyncio.to_thread(_remove, out)
    return outcome


def _inline(client: EngineClient, files: list[Path]) -> bool:
    if p.FEATURE_INLINE_OUTPUTS not in client.features:
        return False
    return sum(f.stat().st_size for f in files) <= p.INLINE_OUTPUT_BYTES


def drop_empty_rejects(summary: dict[str, Any]) -> None:
    """Remove the reject files of a run's summary that hold no row."""
    kept = []
    for reject in summary.get("rejects") or []:
        if reject.get("rows"):
            kept.append(reject)
        else:
            Path(str(reject.get("path"))).unlink(missing_ok=True)
    summary["rejects"] = kept


def _place(
    out: Path,
    node_id: str,
    dataset: dict[str, Any],
    outputs: list[Path],
    to_s3: list[tuple[str, Path, dict[str, Any]]],
) -> dict[str, Any] | None:
    """Give a destination written here its local path; None to resolve it."""
    fetch = dataset.get("fetch") or {}
    plain = {k: v for k, v in dataset.items() if k != "fetch"}
    if "output" in fetch:
        path = out / Path(str(fetch["output"])).name
        outputs.append(path)
    elif "s3" in fetch:
        path = out / "s3" / node_id / (Path(str(fetch["s3"]["key"])).name or "part")
        to_s3.append((node_id, path, fetch["s3"]))
    elif plain.get("kind") in ("sqlite", "postgres"):
        return plain
    else:
        return None
    return {**plain, "path": str(path)}


async def _deliver(
    client: EngineClient,
    job: Job,
    outcome: Outcome,
    to_s3: list[tuple[str, Path, dict[str, Any]]],
) -> Outcome | None:
    """Upload the S3 destinations of a run; a failed outcome if one fails."""
    from tcloud.engine import runner

    sent = []
    for node_id, path, s3 in to_s3:
        where = f"s3://{s3['bucket']}/{s3['key']}"
        try:
            await asyncio.to_thread(_put_s3, path, s3)
        except Exception as exc:  # boto3's errors, said plainly
            reason = f"{type(exc).__name__}: {exc}"[:500]
            return runner.Outcome(
                "failed", f"{node_id}: could not upload {where}: {reason}"
            )
        job.line(f"uploaded {path.name} to {where}", "system")
        sent.append({"step": node_id, "bucket": s3["bucket"], "key": s3["key"],
                     "size": path.stat().st_size})  # fmt: skip
    if sent and isinstance(outcome.result, dict):
        outcome.result["s3"] = sent
    return None


def _put_s3(path: Path, s3: dict[str, Any]) -> None:
    # upload_file goes multipart above its threshold (8 MiB), in parallel parts.
    _s3_client(s3).upload_file(str(path), s3["bucket"], s3["key"])


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


async def _upload(client: EngineClient, job: Job, path: Path) -> dict[str, Any] | None:
    http = client._http
    assert http is not None
    url = client.state.url.rstrip("/") + "/engine/files"
    query = {"execution_id": job.id, "name": path.name}
    with open(path, "rb") as fh:  # noqa: ASYNC230 - streamed by aiohttp
        # A small file goes up in one piece; a file object costs aiohttp a
        # thread hop per read, which is most of the time of a small upload.
        small = os.fstat(fh.fileno()).st_size <= SMALL_UPLOAD_BYTES
        body = fh.read() if small else fh
        async with http.put(url, data=body, params=query, headers=client._auth()) as r:
            if r.status != 201:
                job.line(f"could not upload {path.name} ({r.status})", "system")
                return None
            found = await r.json()
    job.line(f"uploaded {path.name} to the file area", "system")
    return {"id": found["id"], "name": found["name"], "size": found["size"]}
