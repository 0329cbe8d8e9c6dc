"""The inventory of the pipelines app: the file area, connections, datasets.

Other apps (dataprep) build on these functions; their signatures are a
contract:

    get_dataset(ctx, dataset_id) -> dataset view
        {"id", "name", "connection_id", "connection_kind", "config",
         "description", "has_sample", "sampled_at", ...}; NotFound if absent.
    dataset_spec(ctx, dataset_id) -> runtime dataset spec
        A spec of docs/pipelines-format.md, plus an optional "fetch" that an
        engine resolves (`tcloud.engine.data.resolve_spec`) before reading:
        {"area": file_id, "sha256"} (the tenant's file area, fetched with the
        engine's credential), {"folder": root} (the path must stay under it),
        {"s3": {...}}. Secrets appear as ${name} placeholders, whose values
        `dataset_secrets` returns; send them to an engine only sealed
        (`gateway.ask` does).
    dataset_secrets(ctx, dataset_id) -> {name: value}
    dataset_from_upload(ctx, name, filename, chunks, *, fmt=None,
                        options=None) -> dataset view
        Store an uploaded file (an async iterable of bytes, streamed, never
        whole) in the file area and make a dataset on it.
    sample_of(ctx, hub, dataset_id, refresh=False) -> {"format", "options",
        "schema", "rows", "sheets"?}: the first 1,000 records, read by an
        engine and cached per dataset until its config changes.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from tcloud.pipelines import store
from tcloud.platform import audit
from tcloud.platform.context import TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import (
    Conflict,
    FieldError,
    Invalid,
    NotFound,
    TooLarge,
)
from tcloud.platform.ids import new_id, now_iso

SECRET_PURPOSE = "pipelines.connection-secret"  # noqa: S105 - a purpose
AREA_CONNECTION = "File area"
MAX_FILE_BYTES = 2 << 30
FORMATS = ("csv", "xlsx", "jsonl", "parquet")
KINDS = ("files", "folder", "s3", "sqlite", "postgres")
# The config fields each kind needs, and the name of its secret, if any.
NEEDS = {
    "files": ((), None),
    "folder": (("path",), None),
    "s3": (("bucket", "access_key"), "secret_key"),
    "sqlite": (("path",), None),
    "postgres": (("host", "database", "user"), "password"),
}


def _existing(row: Row | None, what: str) -> Row:
    if row is None:
        raise NotFound(f"no such {what}")
    return row


async def upload_file(
    ctx: TenantContext,
    name: str,
    chunks: AsyncIterable[bytes],
    *,
    max_bytes: int = MAX_FILE_BYTES,
    origin: str = "upload",
    replace: bool = False,
) -> Row:
    """Stream a file into the file area (sealed in the blob store); return it.

    With `replace` (a run's output), the file becomes the next version of the
    current run output of the same name: once its bytes are all stored, one
    transaction adds it, marks the earlier version replaced (kept, so the
    execution that wrote it still lists it) and points the datasets that
    read the earlier version at it.
    """
    blobs = ctx.platform.blobs
    if blobs is None:
        raise Conflict("the blob store is not configured")
    name = _file_name(name)
    digest = hashlib.sha256()
    size = 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal size
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"the file is larger than {max_bytes} bytes")
            digest.update(chunk)
            yield chunk

    key = f"pipelines/files/{new_id('blob')}"
    await blobs.put(ctx.tenant.id, key, counted())
    file = {"name": name, "size": size, "sha256": digest.hexdigest(),
            "blob_key": key, "origin": origin}  # fmt: skip
    file_id = await _keep_file(ctx, file, replace)
    return file_view(_existing(await store.get(ctx.db, "area_files", file_id), "file"))


async def _keep_file(ctx: TenantContext, file: Row, replace: bool) -> str:
    async with ctx.db.transaction() as tx:
        earlier = await store.current_output(tx, file["name"]) if replace else None
        version = 1 + (earlier["version"] if earlier else 0)
        file_id = await store.insert(
            tx, "area_files", **file, version=version, created_by=ctx.principal.id
        )
        details: Row = {"size": file["size"], "version": version}
        if earlier is not None:
            await store.replace_file(tx, earlier["id"], file_id)
            details["replaces"] = earlier["id"]
        await audit.record(
            tx, ctx.actor, "file.upload", "file", file_id, file["name"],
            details=details,
        )  # fmt: skip
    return file_id


def _file_name(name: str) -> str:
    name = posixpath.basename(name.replace("\\", "/")).strip()
    if not name or name in (".", "..") or len(name) > 200:
        raise Invalid.field("name", "must be a file name of 1 to 200 characters")
    return name


def file_view(row: Row) -> Row:
    return {k: v for k, v in row.items() if k != "blob_key"}


async def list_files(
    ctx: TenantContext, search: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    rows, total = await store.page(
        ctx.db, "area_files", search, limit, offset, ("replaced_by IS NULL", [])
    )
    return [file_view(r) for r in rows], total


async def get_file(ctx: TenantContext, file_id: str) -> Row:
    return file_view(await _file_row(ctx.db, file_id))


async def _file_row(db: Any, file_id: str) -> Row:
    return _existing(await store.get(db, "area_files", file_id), "file")


async def file_chunks(
    ctx: TenantContext, file_id: str
) -> tuple[Row, AsyncIterator[bytes]]:
    """Return a file of the area and its bytes, as a stream."""
    row = await _file_row(ctx.db, file_id)
    assert ctx.platform.blobs is not None
    return file_view(row), ctx.platform.blobs.get(ctx.tenant.id, row["blob_key"])


async def delete_file(ctx: TenantContext, file_id: str) -> None:
    """Delete a file of the area with the earlier versions it replaced."""
    row = await _file_row(ctx.db, file_id)
    rows = [row, *await store.earlier_versions(ctx.db, file_id)]
    ids = [r["id"] for r in rows]
    marks = ", ".join("?" for _ in ids)
    users = await ctx.db.fetchval(
        "SELECT COUNT(*) FROM datasets"
        f" WHERE json_extract(config, '$.file_id') IN ({marks})",
        ids,
    )
    if users:
        raise Conflict("datasets read this file: delete them first")
    async with ctx.db.transaction() as tx:
        for each in ids:
            await store.delete(tx, "area_files", each)
        await audit.record(
            tx, ctx.actor, "file.delete", "file", file_id, row["name"],
            details={"versions": len(ids)},
        )  # fmt: skip
    assert ctx.platform.blobs is not None
    for each in rows:
        await ctx.platform.blobs.delete(ctx.tenant.id, each["blob_key"])


def connection_view(row: Row) -> Row:
    view = {k: v for k, v in row.items() if k not in ("secret", "config")}
    view["config"] = store.loads(row["config"], {})
    view["has_secret"] = row["secret"] is not None
    view["secret_name"] = NEEDS[row["kind"]][1]
    return view


def _check_connection(kind: str, config: Row) -> None:
    needs, _ = NEEDS[kind]
    for key in needs:
        if not str(config.get(key) or "").strip():
            raise Invalid.field(f"config.{key}", f"is needed for a {kind} connection")
    port = config.get("port")
    if port is not None and not (isinstance(port, int) and 0 < port < 65536):
        raise Invalid.field("config.port", "must be a port number")


async def ensure_area_connection(ctx: TenantContext) -> Row:
    """Return the tenant's file area connection, made on first use."""
    found = await ctx.db.fetchone(
        "SELECT * FROM connections WHERE kind = 'files' ORDER BY created_at LIMIT 1"
    )
    if found is not None:
        return connection_view(found)
    return await create_connection(ctx, {"name": AREA_CONNECTION, "kind": "files"})


async def create_connection(ctx: TenantContext, body: Row) -> Row:
    kind, config = body["kind"], dict(body.get("config") or {})
    _check_connection(kind, config)
    secret = await _seal_secret(ctx, kind, body.get("secret"))
    async with ctx.db.transaction() as tx:
        if await store.by_name(tx, "connections", body["name"]):
            raise Conflict(f"a connection named {body['name']} already exists")
        con_id = await store.insert(
            tx, "connections", name=body["name"], kind=kind,
            description=body.get("description", ""), config=store.dumps(config),
            secret=secret, created_by=ctx.principal.id,
        )  # fmt: skip
        await audit.record(
            tx, ctx.actor, "connection.create", "connection", con_id, body["name"],
            details={"kind": kind},
        )  # fmt: skip
    return await get_connection(ctx, con_id)


async def _seal_secret(ctx: TenantContext, kind: str, secret: Any) -> bytes | None:
    if secret in (None, ""):
        return None
    if NEEDS[kind][1] is None:
        raise Invalid.field("secret", f"a {kind} connection has no secret")
    return (await ctx.cipher()).seal_text(SECRET_PURPOSE, str(secret))


async def get_connection(ctx: TenantContext, con_id: str) -> Row:
    return connection_view(await _connection_row(ctx.db, con_id))


async def _connection_row(db: Any, con_id: str) -> Row:
    return _existing(await store.get(db, "connections", con_id), "connection")


async def list_connections(
    ctx: TenantContext, search: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    await ensure_area_connection(ctx)
    rows, total = await store.page(ctx.db, "connections", search, limit, offset)
    return [connection_view(r) for r in rows], total


async def update_connection(ctx: TenantContext, con_id: str, body: Row) -> Row:
    row = await _connection_row(ctx.db, con_id)
    fields: Row = {k: body[k] for k in ("name", "description") if k in body}
    if "config" in body:
        _check_connection(row["kind"], body["config"])
        fields["config"] = store.dumps(body["config"])
    if "secret" in body:
        fields["secret"] = await _seal_secret(ctx, row["kind"], body["secret"])
    if not fields:
        return connection_view(row)
    async with ctx.db.transaction() as tx:
        if "name" in fields:
            other = await store.by_name(tx, "connections", fields["name"])
            if other is not None and other["id"] != con_id:
                raise Conflict(f"a connection named {fields['name']} already exists")
        await store.update(tx, "connections", con_id, **fields)
        await tx.execute(
            "UPDATE datasets SET sample = NULL, sampled_at = NULL"
            " WHERE connection_id = ?",
            [con_id],
        )
        await audit.record(
            tx, ctx.actor, "connection.update", "connection", con_id, row["name"],
            details={"fields": sorted(fields)},
        )  # fmt: skip
    return await get_connection(ctx, con_id)


async def delete_connection(ctx: TenantContext, con_id: str) -> None:
    row = await _connection_row(ctx.db, con_id)
    async with ctx.db.transaction() as tx:
        if await store.datasets_using(tx, con_id):
            raise Conflict("datasets use this connection: delete them first")
        await store.delete(tx, "connections", con_id)
        await audit.record(
            tx, ctx.actor, "connection.delete", "connection", con_id, row["name"]
        )


async def connection_secret(ctx: TenantContext, row: Row) -> str | None:
    """Open a connection's sealed secret (for sealing it again to an engine)."""
    if row["secret"] is None:
        return None
    return (await ctx.cipher()).open_text(SECRET_PURPOSE, row["secret"])


def secret_param(con_id: str) -> str:
    return "secret_" + con_id.replace("-", "_")


def connection_target(row: Row) -> Row:
    """Return what an engine needs to reach a connection, secret as ${name}."""
    config = store.loads(row["config"], {})
    secret_name = NEEDS[row["kind"]][1]
    if secret_name and row["secret"] is not None:
        config[secret_name] = "${" + secret_param(row["id"]) + "}"
    return {"kind": row["kind"], **config}


def _check_dataset(kind: str, config: Row) -> None:
    fmt = config.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise Invalid.field("config.format", f"must be one of {', '.join(FORMATS)}")
    if kind in ("sqlite", "postgres"):
        _check_table_or_query(config)
        return
    where = {"files": "file_id", "folder": "path", "s3": "key"}[kind]
    if not str(config.get(where) or "").strip():
        raise Invalid.field(f"config.{where}", f"is needed for a {kind} dataset")
    if kind == "folder" and (
        posixpath.isabs(config["path"]) or ".." in config["path"].split("/")
    ):
        raise Invalid.field("config.path", "must be relative to the folder")


def _check_table_or_query(config: Row) -> None:
    table, query = config.get("table"), config.get("query")
    if table and query:
        message = "give a table or a query, not both"
        raise Invalid(
            "config.table and config.query: " + message,
            fields=[FieldError("config.table", message),
                    FieldError("config.query", message)],
        )  # fmt: skip
    if not table and not query:
        raise Invalid.field("config.table", "give a table or a query")
    if query and not _one_select(str(query)):
        raise Invalid.field(
            "config.query", "must be one SELECT (or WITH ... SELECT) statement"
        )


def _one_select(query: str) -> bool:
    text = query.strip().rstrip(";").strip()
    first = text.split(None, 1)[0].lower() if text else ""
    return first in ("select", "with") and ";" not in text


def dataset_view(row: Row, connection: Row | None = None) -> Row:
    view = {k: v for k, v in row.items() if k != "sample"}
    view["config"] = store.loads(row["config"], {})
    view["has_sample"] = row["sample"] is not None
    if connection is not None:
        view["connection_kind"] = connection["kind"]
        view["connection_name"] = connection["name"]
    return view


async def create_dataset(ctx: TenantContext, body: Row) -> Row:
    con = await _connection_row(ctx.db, body["connection_id"])
    config = dict(body.get("config") or {})
    _check_dataset(con["kind"], config)
    if con["kind"] == "files":
        await _file_row(ctx.db, config["file_id"])
    async with ctx.db.transaction() as tx:
        if await store.by_name(tx, "datasets", body["name"]):
            raise Conflict(f"a dataset named {body['name']} already exists")
        ds_id = await store.insert(
            tx, "datasets", name=body["name"], connection_id=con["id"],
            description=body.get("description", ""), config=store.dumps(config),
            created_by=ctx.principal.id,
        )  # fmt: skip
        await audit.record(
            tx, ctx.actor, "dataset.create", "dataset", ds_id, body["name"],
            details={"connection": con["id"]},
        )  # fmt: skip
    return await get_dataset(ctx, ds_id)


async def get_dataset(ctx: TenantContext, dataset_id: str) -> Row:
    """Return a dataset's view; NotFound if the tenant has none by that id."""
    row = await _dataset_row(ctx.db, dataset_id)
    view = dataset_view(row, await _connection_row(ctx.db, row["connection_id"]))
    file_id = view["config"].get("file_id")
    if file_id:
        found = await store.get(ctx.db, "area_files", file_id)
        view["file"] = file_view(found) if found else None
    return view


async def _dataset_row(db: Any, dataset_id: str) -> Row:
    return _existing(await store.get(db, "datasets", dataset_id), "dataset")


async def list_datasets(
    ctx: TenantContext, search: str, limit: int, offset: int, con_id: str = ""
) -> tuple[list[Row], int]:
    where = ("connection_id = ?", [con_id]) if con_id else ("", [])
    rows, total = await store.page(ctx.db, "datasets", search, limit, offset, where)
    cons = {r["id"]: r for r in await ctx.db.fetchall("SELECT * FROM connections")}
    return [dataset_view(r, cons.get(r["connection_id"])) for r in rows], total


async def update_dataset(ctx: TenantContext, dataset_id: str, body: Row) -> Row:
    row = await _dataset_row(ctx.db, dataset_id)
    con = await _connection_row(ctx.db, row["connection_id"])
    fields: Row = {k: body[k] for k in ("name", "description") if k in body}
    if "config" in body:
        _check_dataset(con["kind"], body["config"])
        fields.update(config=store.dumps(body["config"]), sample=None, sampled_at=None)
    if not fields:
        return dataset_view(row, con)
    async with ctx.db.transaction() as tx:
        if "name" in fields:
            other = await store.by_name(tx, "datasets", fields["name"])
            if other is not None and other["id"] != dataset_id:
                raise Conflict(f"a dataset named {fields['name']} already exists")
        await store.update(tx, "datasets", dataset_id, **fields)
        await audit.record(
            tx, ctx.actor, "dataset.update", "dataset", dataset_id, row["name"],
            details={"fields": sorted(k for k in fields if k != "sample")},
        )  # fmt: skip
    return await get_dataset(ctx, dataset_id)


async def delete_dataset(
    ctx: TenantContext, dataset_id: str, *, force: bool = False
) -> None:
    """Delete a dataset; one the latest version of a pipeline uses needs `force`."""
    row = await _dataset_row(ctx.db, dataset_id)
    users = await store.pipelines_using_dataset(ctx.db, dataset_id)
    if users and not force:
        names = ", ".join(f"{u['name']} (version {u['version']})" for u in users)
        raise Conflict(
            f"pipelines use this dataset: {names}; change them first, or delete"
            " with force=true",
            extra={"pipelines": users},
        )
    async with ctx.db.transaction() as tx:
        await store.delete(tx, "datasets", dataset_id)
        await audit.record(
            tx, ctx.actor, "dataset.delete", "dataset", dataset_id, row["name"]
        )


async def dataset_spec(ctx: TenantContext, dataset_id: str) -> dict[str, Any]:
    """Return the runtime dataset spec of a dataset (see the module docstring)."""
    row = await _dataset_row(ctx.db, dataset_id)
    con = await _connection_row(ctx.db, row["connection_id"])
    return await spec_of(ctx, row, con)


async def spec_of(ctx: TenantContext, row: Row, con: Row) -> dict[str, Any]:
    """Return the runtime spec of a dataset row on its connection row."""
    return await _spec(ctx, con, store.loads(row["config"], {}))


async def target_spec(ctx: TenantContext, con: Row, config: Row) -> dict[str, Any]:
    """Return the spec of a place on a connection (a connection's row, a
    dataset's config), as `dataset_spec` does for a dataset."""
    return await _spec(ctx, con, config)


async def _spec(ctx: TenantContext, con: Row, config: Row) -> dict[str, Any]:
    kind = con["kind"]
    target = connection_target(con)
    picked = {k: config[k] for k in ("format", "options") if config.get(k)}
    if kind == "files":
        found = await _file_row(ctx.db, config["file_id"])
        picked.setdefault("format", _format_of(found["name"]))
        return {
            "kind": "file",
            "path": f"area/{found['id']}/{found['name']}",
            **picked,
            "fetch": {"area": found["id"], "sha256": found["sha256"]},
        }
    if kind == "folder":
        path = posixpath.join(target["path"], config["path"])
        picked.setdefault("format", _format_of(path))
        return {"kind": "file", "path": path, **picked,
                "fetch": {"folder": target["path"]}}  # fmt: skip
    if kind == "s3":
        picked.setdefault("format", _format_of(config["key"]))
        return {"kind": "file", "path": f"s3/{config['key']}", **picked,
                "fetch": {"s3": {**target, "key": config["key"]}}}  # fmt: skip
    where = {k: config[k] for k in ("table", "query") if config.get(k)}
    if kind == "sqlite":
        return {"kind": "sqlite", "path": target["path"], **where}
    return {**target, **where}


def format_of(name: str) -> str:
    """Return the format a file name's extension says."""
    return _format_of(name)


def _format_of(name: str) -> str:
    ext = posixpath.splitext(name)[1].lower().lstrip(".")
    return {"ndjson": "jsonl", "xls": "xlsx", "txt": "csv", "tsv": "csv"}.get(ext, ext)


async def dataset_secrets(ctx: TenantContext, dataset_id: str) -> dict[str, str]:
    """Return the secrets a dataset's spec names as ${name}, opened."""
    row = await _dataset_row(ctx.db, dataset_id)
    con = await _connection_row(ctx.db, row["connection_id"])
    return await connection_secrets(ctx, [con])


async def connection_secrets(ctx: TenantContext, cons: list[Row]) -> dict[str, str]:
    out = {}
    for con in cons:
        value = await connection_secret(ctx, con)
        if value is not None:
            out[secret_param(con["id"])] = value
    return out


async def dataset_from_upload(
    ctx: TenantContext,
    name: str,
    filename: str,
    chunks: AsyncIterable[bytes],
    *,
    fmt: str | None = None,
    options: dict[str, Any] | None = None,
) -> Row:
    """Store an uploaded file in the file area and make a dataset on it.

    A name already taken is refused before the file is stored; should
    another upload take it meanwhile, the stored file is deleted again.
    """
    readable = fmt or _format_of(filename)
    if readable not in FORMATS:
        raise Invalid.field(
            "filename",
            f"a dataset cannot be read from a file of format {readable or '(none)'!r};"
            f" formats accepted: {', '.join(FORMATS)} (by the file's extension, or"
            " the format parameter)",
        )
    if await store.by_name(ctx.db, "datasets", name):
        raise Conflict(f"a dataset named {name} already exists")
    area = await ensure_area_connection(ctx)
    found = await upload_file(ctx, filename, chunks)
    config: Row = {"file_id": found["id"]}
    if fmt:
        config["format"] = fmt
    if options:
        config["options"] = options
    try:
        return await create_dataset(
            ctx, {"name": name, "connection_id": area["id"], "config": config}
        )
    except Conflict:
        await delete_file(ctx, found["id"])
        raise


async def pipelines_of_artifact(
    ctx: TenantContext, artifact_version_id: str
) -> list[Row]:
    """Return the pipeline whose version runs as this artifact version, if any."""
    return await store.pipelines_of_artifact(ctx.db, artifact_version_id)


async def cached_sample(ctx: TenantContext, dataset_id: str) -> Row | None:
    row = await _dataset_row(ctx.db, dataset_id)
    return store.loads(row["sample"], None)


async def keep_sample(ctx: TenantContext, dataset_id: str, sample: Row) -> None:
    async with ctx.db.transaction() as tx:
        await store.update(
            tx, "datasets", dataset_id, sample=store.dumps(sample), sampled_at=now_iso()
        )


async def sample_of(
    ctx: TenantContext, hub: Any, dataset_id: str, refresh: bool = False
) -> Row:
    """Return a dataset's sample, read by an engine once (see the module doc)."""
    from tcloud.pipelines import flows

    return await flows.sample_of(ctx, hub, dataset_id, refresh)


def check_graph(document: Row) -> None:
    """Refuse a document whose graph is wrong, naming the node's or edge's field.

    The runtime names a field of a node's config; an id, a type or a port is
    a field of the node or the edge itself, and a cycle is told as one.
    """
    from tcloud.runtime.compiler import PORTS
    from tcloud.runtime.errors import PlanError
    from tcloud.runtime.plan import FORMAT, parse

    nodes = document.get("nodes") or []
    if not nodes:
        return
    try:
        parse({**document, "format": FORMAT}, PORTS)
    except PlanError as exc:
        where = _graph_field(nodes, document.get("edges") or [], exc)
        raise Invalid.field(where, exc.detail) from None


def _graph_field(nodes: list[Any], edges: list[Any], exc: Any) -> str:
    ids = [n.get("id") if isinstance(n, dict) else None for n in nodes]
    if exc.node_id is None:
        return str(exc.field or "document")
    if exc.field == "port":
        last = max(
            (j for j, e in enumerate(edges)
             if isinstance(e, dict) and e.get("to") == exc.node_id),
            default=None,
        )  # fmt: skip
        return f"edges[{last}].port" if last is not None else "edges"
    matches = [i for i, node_id in enumerate(ids) if node_id == exc.node_id]
    if not matches:
        return "edges"
    # A repeated id is at fault where it comes again.
    index = matches[-1] if exc.field == "id" else matches[0]
    return node_field(index, exc.field)


def node_field(index: int, field: str | None) -> str:
    """Name a field of the node at `index`: its own keys, else its config's."""
    if field in ("id", "type", "port"):
        return f"nodes[{index}].{field}"
    return f"nodes[{index}].config.{field}" if field else f"nodes[{index}]"
